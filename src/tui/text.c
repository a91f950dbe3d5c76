/*
 * Text on the screen, for the frame and the panels: clipped and wrapped
 * lines, numbers and times in few columns, list movement, and the view, a
 * scrollable box of wrapped text (the help, pop-ups, the message pager).
 * Nothing here knows the simulation; colours come from tui_attr.
 */
#include "tui.h"

#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tui_text(int y, int x, int w, attr_t a, bool pad, const char *s)
{
	int n = 0;

	if (w <= 0 || y < 0 || y >= LINES || x >= COLS)
		return;
	if (x + w > COLS)
		w = COLS - x;
	attron(a);
	move(y, x);
	for (; s[n] != '\0' && n < w; n++)
		addch((unsigned char)s[n] < 32 ? '?' : (chtype)(unsigned char)s[n]);
	if (pad)
		for (; n < w; n++)
			addch(' ');
	attroff(a);
}

void tui_printf(int y, int x, int w, attr_t a, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	tui_text(y, x, w, a, false, buf);
}

void tui_title(struct tui *t, struct rect r, int num, const char *name, const char *extra,
	       bool focused)
{
	char buf[512];

	snprintf(buf, sizeof(buf), " %d %s%s%s", num, name, extra && *extra ? "  " : "",
		 extra ? extra : "");
	tui_text(r.y, r.x, r.w, tui_attr(t, focused ? C_TITLE : C_HEADER), true, buf);
}

/* How much of p goes on a row of w columns: all of it, or up to the last
 * blank that fits, or w characters of a word longer than the row. */
static int wrap_cut(const char *p, int w)
{
	int n = (int)strnlen(p, (size_t)w + 1), cut;

	if (n <= w)
		return n;
	for (cut = w; cut > 0 && p[cut] != ' '; cut--)
		;
	return cut > 0 ? cut : w;
}

/* Where the next row starts after a cut. */
static const char *wrap_next(const char *p, int cut)
{
	p += cut;
	while (*p == ' ')
		p++;
	return p;
}

int tui_wrap(int y, int x, int w, int maxlines, attr_t a, const char *text)
{
	int used = 0;
	const char *p = text;

	while (*p != '\0' && used < maxlines && w > 0) {
		int cut = MIN(wrap_cut(p, w), 1023);
		char line[1024];

		memcpy(line, p, (size_t)cut);
		line[cut] = '\0';
		tui_text(y + used, x, w, a, true, line);
		used++;
		p = wrap_next(p, cut);
	}
	return used;
}

int tui_wrap_count(int w, const char *text)
{
	int used = 0;

	if (w <= 0)
		return 0;
	for (const char *p = text; *p != '\0'; used++)
		p = wrap_next(p, wrap_cut(p, w));
	return used;
}

void tui_wrap_rows(const char *line, int w, int hang, char ***rows, int *n)
{
	const char *p = line;
	bool first = true;

	if (w < 1)
		w = 1;
	if (hang >= w / 2)
		hang = 0;
	do {
		int in = first ? 0 : hang;
		int cut = wrap_cut(p, w - in);
		char *row = xmalloc((size_t)(in + cut) + 1);

		memset(row, ' ', (size_t)in);
		memcpy(row + in, p, (size_t)cut);
		row[in + cut] = '\0';
		*rows = xreallocarray(*rows, (size_t)*n + 1, sizeof(**rows));
		(*rows)[(*n)++] = row;
		p = wrap_next(p, cut);
		first = false;
	} while (*p != '\0');
}

void tui_rows_free(char **rows, int n)
{
	for (int i = 0; i < n; i++)
		free(rows[i]);
	free(rows);
}

int tui_wrap_hang(const char *line, bool keys)
{
	int lead = (int)strspn(line, " ");

	if (keys) {
		const char *gap = strstr(line + lead, "  ");

		if (gap != NULL && gap - line < 24)
			return (int)(gap - line) + (int)strspn(gap, " ");
	}
	return lead + 2;
}

void tui_human(double v, char *buf, size_t n)
{
	if (v < 1000)
		snprintf(buf, n, "%.0f", v);
	else if (v < 1e6)
		snprintf(buf, n, "%.1fk", v / 1e3);
	else if (v < 1e9)
		snprintf(buf, n, "%.1fM", v / 1e6);
	else
		snprintf(buf, n, "%.1fG", v / 1e9);
}

void tui_time(uint64_t ns, char *buf, size_t n)
{
	snprintf(buf, n, "%" PRIu64 ".%06" PRIu64, ns / NS_PER_SEC, (ns % NS_PER_SEC) / NS_PER_US);
}

const char *tui_link_word(const struct port *p)
{
	struct port *peer = port_peer(p);

	if (peer == NULL)
		return "--";
	if (!p->admin_up)
		return "off";
	if (!peer->admin_up)
		return "peer off";
	return "up";
}

bool tui_list_key(int ch, int *sel, int n)
{
	switch (ch) {
	case KEY_UP: case 'k': *sel -= 1; break;
	case KEY_DOWN: case 'j': *sel += 1; break;
	case KEY_PPAGE: *sel -= 10; break;
	case KEY_NPAGE: *sel += 10; break;
	case KEY_HOME: case 'g': *sel = 0; break;
	case KEY_END: case 'G': *sel = n - 1; break;
	default: return false;
	}
	*sel = MAX(0, MIN(*sel, n - 1));
	return true;
}

void tui_list_scroll(int *sel, int *top, int n, int rows)
{
	*sel = MAX(0, MIN(*sel, n - 1));
	if (*sel < *top)
		*top = *sel;
	if (*sel >= *top + rows)
		*top = *sel - rows + 1;
	/* No blank rows below the list while rows are hidden above it, as
	 * after the window grows back from a small size. */
	*top = MAX(0, MIN(*top, n - rows));
}

void tui_view_close(struct view *v)
{
	for (int i = 0; i < v->nlines; i++)
		free(v->lines[i]);
	free(v->lines);
	free(v->title);
	memset(v, 0, sizeof(*v));
}

void tui_view_open(struct view *v, const char *title, const char *text, bool keys,
		      bool at_end)
{
	const char *p = text;

	tui_view_close(v);
	v->title = xstrdup(title);
	v->keys = keys;
	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		v->lines = xreallocarray(v->lines, (size_t)v->nlines + 1, sizeof(*v->lines));
		v->lines[v->nlines++] = xstrndup(p, n);
		p += n + (nl ? 1 : 0);
	}
	v->nrows = v->nlines;
	v->top = at_end ? INT_MAX : 0;
}

bool tui_view_key(struct view *v, int ch)
{
	int page = MAX(1, v->shown - 1), last = MAX(0, v->nrows - MAX(1, v->shown));

	switch (ch) {
	case KEY_UP: case 'k': v->top -= 1; break;
	case KEY_DOWN: case 'j': v->top += 1; break;
	case KEY_PPAGE: case 'b': v->top -= page; break;
	case KEY_NPAGE: case ' ': v->top += page; break;
	case KEY_HOME: case 'g': v->top = 0; break;
	case KEY_END: case 'G': v->top = last; break;
	default: return false;
	}
	v->top = MAX(0, MIN(v->top, last));
	return true;
}

void tui_view_draw(struct tui *t, struct view *v, struct rect r, bool fit, const char *close)
{
	char **rows = NULL, foot[256];
	int n = 0, w = r.w - 2, room;

	if (fit) {
		int longest = 0;

		for (int i = 0; i < v->nlines; i++)
			longest = MAX(longest, (int)strlen(v->lines[i]));
		w = MIN(r.w - 2, MAX(longest, 40));
	}
	for (int i = 0; i < v->nlines; i++)
		tui_wrap_rows(v->lines[i], w, tui_wrap_hang(v->lines[i], v->keys), &rows, &n);
	if (fit) {
		int h = MIN(r.h, n + 2);

		r.x += (r.w - (w + 2)) / 2;
		r.y += (r.h - h) / 2;
		r.w = w + 2;
		r.h = h;
	}
	room = MAX(1, r.h - 2);
	v->nrows = n;
	v->shown = room;
	v->top = MAX(0, MIN(v->top, n - room));
	for (int i = 0; i < r.h; i++)
		tui_text(r.y + i, r.x, r.w, tui_attr(t, C_NORMAL), true, "");
	tui_text(r.y, r.x, r.w, tui_attr(t, C_TITLE), true, v->title);
	for (int i = 0; i < room && v->top + i < n; i++)
		tui_text(r.y + 1 + i, r.x + 1, w, tui_attr(t, C_NORMAL), false, rows[v->top + i]);
	if (n > room || !fit)
		snprintf(foot, sizeof(foot), " lines %d-%d of %d  Up/Down PgUp/PgDn Home/End "
			 "scroll, %s", n > 0 ? v->top + 1 : 0, MIN(n, v->top + room), n, close);
	else
		snprintf(foot, sizeof(foot), " %s", close);
	tui_text(r.y + r.h - 1, r.x, r.w, tui_attr(t, C_HEADER), true, foot);
	tui_rows_free(rows, n);
}

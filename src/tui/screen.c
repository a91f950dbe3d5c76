/*
 * The screen manager: the panel table and everything its length drives
 * (the tabs, the number keys, Tab's order, the grid and each panel's
 * state), the layout of one frame of the screen, and the keys: the
 * overlays', the prompt's, then the focused panel's, then the global ones.
 */
#include "tui_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PANEL_ENTRY(name) &panel_##name##_ops,
/* In the order of tui.h's TUI_PANELS: of the tabs, the number keys, Tab
 * and the grid. */
static const struct panel_ops *const panel_table[] = { TUI_PANELS(PANEL_ENTRY) };
#undef PANEL_ENTRY

#define NPANELS ((int)ARRAY_SIZE(panel_table))

/* ------------------------------------------------------------------ panels */

int screen_npanels(void)
{
	return NPANELS;
}

const struct panel_ops *screen_panel(int i)
{
	return panel_table[i];
}

int tui_panel_index(const struct panel_ops *ops)
{
	for (int i = 0; i < NPANELS; i++)
		if (panel_table[i] == ops)
			return i;
	return -1;
}

void *tui_panel_state(struct tui *t, int i)
{
	return t->pst[i];
}

static void *panel_state(struct tui *t, const struct panel_ops *ops)
{
	return t->pst[tui_panel_index(ops)];
}

void screen_panels_create(struct tui *t)
{
	t->pst = xcalloc(NPANELS, sizeof(*t->pst));
	for (int i = 0; i < NPANELS; i++)
		t->pst[i] = panel_table[i]->create(t);
}

void screen_panels_destroy(struct tui *t)
{
	for (int i = 0; i < NPANELS; i++)
		panel_table[i]->destroy(t->pst[i]);
	free(t->pst);
	t->pst = NULL;
}

/* ------------------------------------------------------------------ layout */

/* The grid for n panels: as square as it goes, ceil(sqrt(n)) columns and
 * as many rows as they need (four panels: 2 x 2). */
/* Two columns up to six panels, then a square; rows as they fill. */
static void grid_shape(int n, int *cols, int *rows)
{
	*cols = n <= 1 ? 1 : 2;
	while (n > 6 && *cols * *cols < n)
		(*cols)++;
	*rows = (n + *cols - 1) / *cols;
}

/* Each panel gets at least 80 x 15 in the grid (five: 2 x 3 from
 * 160 x 45); below that only the focused one is shown, over the whole
 * area. */
bool screen_grid(int w, int h)
{
	int cols, rows;

	grid_shape(NPANELS, &cols, &rows);
	return w >= 80 * cols && h >= 15 * rows;
}

/* Cells in reading order; the last column and the last row take what the
 * division leaves over, the last panel the rest of its row, and a blank
 * column separates neighbours. */
void screen_cell(int n, int i, struct rect area, struct rect *r)
{
	int cols, rows, cw, rh, col, row;

	grid_shape(n, &cols, &rows);
	cw = area.w / cols;
	rh = area.h / rows;
	col = i % cols;
	row = i / cols;
	r->y = area.y + row * rh;
	r->x = area.x + col * cw;
	r->h = row == rows - 1 ? area.h - row * rh : rh;
	r->w = col == cols - 1 || i == n - 1 ? area.w - col * cw : cw - 1;
}

static void panel_rect(struct tui *t, int i, struct rect area, struct rect *r, bool *shown)
{
	if (screen_grid(area.w, area.h)) {
		/* Big screen: all of them at once. */
		screen_cell(NPANELS, i, area, r);
		*shown = true;
		return;
	}
	*r = area;
	*shown = i == t->focus;
}

static void draw_tabs(struct tui *t)
{
	int x = 0, tabs = 0;
	char buf[64];
	const char *file = strrchr(t->s->path, '/');

	file = file ? file + 1 : t->s->path;
	for (int i = 0; i < NPANELS; i++)
		tabs += snprintf(buf, sizeof(buf), " %d %s ", i + 1, panel_table[i]->name);
	tui_text(0, 0, COLS, tui_attr(t, C_HEADER), true, "");
	/* The title, shorter when that lets every tab fit after it; when no
	 * title would, the whole one and as many tabs as fit. */
	snprintf(buf, sizeof(buf), " qnetsim %s ", file);
	if ((int)strlen(buf) + 1 + tabs > COLS && tabs <= COLS) {
		snprintf(buf, sizeof(buf), " %s ", file);
		if ((int)strlen(buf) + 1 + tabs > COLS)
			buf[0] = '\0';
	}
	tui_text(0, x, COLS - x, tui_attr(t, C_HEADER) | A_BOLD, false, buf);
	x += buf[0] ? (int)strlen(buf) + 1 : 0;
	for (int i = 0; i < NPANELS && x < COLS; i++) {
		snprintf(buf, sizeof(buf), " %d %s ", i + 1, panel_table[i]->name);
		tui_text(0, x, COLS - x, tui_attr(t, i == t->focus ? C_TITLE : C_HEADER), false,
			 buf);
		x += (int)strlen(buf);
	}
	if (x + 16 < COLS)
		tui_text(0, COLS - 16, 16, tui_attr(t, C_HEADER), false, " ? help  q quit");
}

/* One frame: the tabs, the panels, the message area, the prompt, the status
 * line, and the help or a pop-up over them. */
void screen_draw(struct tui *t)
{
	int mrows = messages_height(t);
	int bottom = LINES - 1 - mrows - (t->prompt.active ? 1 : 0);
	struct rect area = { .y = 1, .x = 0, .h = bottom - 1, .w = COLS };

	erase();
	if (LINES < 10 || COLS < 40) {
		tui_text(0, 0, COLS, A_BOLD, false, "qnetsim: terminal too small (40x10 at least)");
		refresh();
		return;
	}
	draw_tabs(t);
	for (int i = 0; i < NPANELS; i++) {
		struct rect r;
		bool shown;

		panel_rect(t, i, area, &r, &shown);
		if (shown && r.h >= 3)
			panel_table[i]->draw(t, t->pst[i], r, i == t->focus);
	}
	messages_draw(t, bottom, mrows);
	if (t->prompt.active)
		prompt_draw(t, &t->prompt, LINES - 2, COLS);
	status_draw(t);
	if (t->popup.title != NULL)
		popup_draw(t);
	if (t->fv.title != NULL)
		frameview_draw(t);
	if (t->help.title != NULL)
		help_draw(t);
	if (t->prompt.active && t->popup.title == NULL && t->help.title == NULL && t->fv.title == NULL) {
		curs_set(1);
		prompt_draw(t, &t->prompt, LINES - 2, COLS);
	} else {
		curs_set(0);
	}
	refresh();
	t->last_draw = loop_mono_ns();
	t->dirty = false;
}

/* -------------------------------------------------------------------- keys */

static void selection_actions(struct tui *t, int ch)
{
	struct node *n = t->sel_node;
	struct port *p = t->sel_port;
	struct guest *gu = n ? guest_from_node(n) : NULL;
	struct bridge *b = n ? bridge_from_node(n) : NULL;

	switch (ch) {
	case 'p':
		if (gu == NULL) {
			tui_message(t, "p pings from a guest: select one in Topology first");
			return;
		}
		{
			char pre[64];

			snprintf(pre, sizeof(pre), "ping %s ", n->name);
			tui_prompt_open(t, pre);
		}
		return;
	case 'l':
		if (p == NULL) {
			tui_message(t, "l toggles a port's link: select a port first");
			return;
		}
		tui_command(t, "set_link %s %s", p->name, p->admin_up ? "off" : "on");
		return;
	case 'f':
		if (b == NULL) {
			tui_message(t, "f flushes a MAC table: select a bridge (or one of its ports)");
			return;
		}
		tui_command(t, "mac_flush %s", n->name);
		return;
	case 'c':
		if (p == NULL) {
			tui_message(t, "c starts or stops a capture: select a port first");
			return;
		}
		if (capture_running(p)) {
			tui_command(t, "capture_stop %s", p->name);
		} else if (t->s->pcap_dir != NULL) {
			/* DIR/PORT.pcap is --pcap-dir's own, for the whole run. */
			tui_command(t, "capture %s %s/%s.c.pcap", p->name, t->s->pcap_dir, p->name);
		} else {
			tui_command(t, "capture %s ./%s.pcap", p->name, p->name);
		}
		return;
	}
}

/* A click: the panel under it takes the focus, and the click. */
static void click(struct tui *t)
{
	int mrows = messages_height(t);
	int bottom = LINES - 1 - mrows - (t->prompt.active ? 1 : 0);
	struct rect area = { .y = 1, .x = 0, .h = bottom - 1, .w = COLS };
	MEVENT ev;

	if (getmouse(&ev) != OK ||
	    !(ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED)))
		return;
	for (int i = 0; i < NPANELS; i++) {
		struct rect r;
		bool shown;

		panel_rect(t, i, area, &r, &shown);
		if (!shown || ev.y < r.y || ev.y >= r.y + r.h || ev.x < r.x || ev.x >= r.x + r.w)
			continue;
		t->focus = i;
		/* A double click is two clicks: Frames opens the hop on the
		 * second. */
		for (int k = 0; k < (ev.bstate & BUTTON1_DOUBLE_CLICKED ? 2 : 1); k++)
			if (panel_table[i]->click != NULL && t->fv.title == NULL)
				panel_table[i]->click(t, t->pst[i], ev.y - r.y, ev.x - r.x);
		t->dirty = true;
		return;
	}
}

static void key(struct tui *t, int ch)
{
	if (ch == KEY_RESIZE) {
		t->dirty = true;
		return;
	}
	if (ch == KEY_MOUSE) {
		if (t->help.title == NULL && t->popup.title == NULL && t->fv.title == NULL &&
		    !t->prompt.active)
			click(t);
		return;
	}
	if (t->help.title != NULL) {
		/* Scroll keys scroll a help longer than the screen; any other
		 * key closes it. */
		if (t->help.nrows <= t->help.shown || !tui_view_key(&t->help, ch))
			tui_view_close(&t->help);
		t->dirty = true;
		return;
	}
	if (lesson_key(t, ch))
		return;
	if (t->popup.title != NULL) {
		popup_key(t, ch);
		return;
	}
	if (t->fv.title != NULL) {
		frameview_key(t, ch);
		return;
	}
	if (t->prompt.active) {
		int r = prompt_key(t, &t->prompt, ch);

		if (r == 1) {
			char line[PROMPT_MAX];

			snprintf(line, sizeof(line), "%s", t->prompt.buf);
			if (t->prompt.mode == PROMPT_FILTER)
				frames_set_filter(t, panel_state(t, &panel_frames_ops), line);
			else if (line[strspn(line, " \t")] != '\0')
				command_run(t, line, true);
		}
		t->dirty = true;
		return;
	}
	t->dirty = true;
	if (panel_table[t->focus]->key(t, t->pst[t->focus], ch))
		return;
	switch (ch) {
	case 'q': case KEY_F(10):
		t->quit = true;
		break;
	case '\t':
		t->focus = (t->focus + 1) % NPANELS;
		break;
	case KEY_BTAB:
		t->focus = (t->focus + NPANELS - 1) % NPANELS;
		break;
	case ' ':
		clock_set_paused(t, !t->paused);
		if (!t->paused)
			t->steps = 0;
		break;
	case 'n': case '.':
		clock_step(t);
		break;
	case 'b': case ',':
		clock_step_back(t);
		break;
	case 'r':
		clock_restart(t);
		break;
	case '+': case '=':
		clock_speed_change(t, +1);
		break;
	case '-': case '_':
		clock_speed_change(t, -1);
		break;
	case ':':
		prompt_open(&t->prompt, PROMPT_COMMAND, "");
		break;
	case '/':
		prompt_open(&t->prompt, PROMPT_FILTER, "");
		break;
	case '?': case 'h': case KEY_F(1):
		help_open(t);
		break;
	case 'm':
		messages_pager(t);
		break;
	case 'p': case 'l': case 'f': case 'c':
		selection_actions(t, ch);
		break;
	case 12: /* Ctrl-L */
		clearok(curscr, TRUE);
		break;
	default:
		/* 1 to 9: the panel of that number. */
		if (ch >= '1' && ch < '1' + MIN(NPANELS, PANEL_KEYS_MAX))
			t->focus = ch - '1';
		break;
	}
}

void screen_read_keys(struct tui *t)
{
	int ch;

	while (!t->quit && (ch = getch()) != ERR)
		key(t, ch);
}

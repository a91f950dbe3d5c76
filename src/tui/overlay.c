/*
 * What the screen shows beside and over the panels: the status line, the
 * message area (and its history in a pager), the help built from the
 * global keys and the focused panel's, and the command output pop-up.
 */
#include "tui_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ status line */

void status_draw(struct tui *t)
{
	char clk[32], sp[24], fps[16], hops[16], buf[256], res[64] = "";
	const char *mode;
	struct sim *s = t->s;
	double v = clock_speed(t);

	tui_time(loop_now(s->loop), clk, sizeof(clk));
	if (loop_clock(s->loop) == LOOP_REAL)
		snprintf(sp, sizeof(sp), "real time");
	else if (v == 0)
		snprintf(sp, sizeof(sp), "max");
	else
		snprintf(sp, sizeof(sp), "%gx", v);
	mode = t->paused ? (t->steps > 0 ? "STEP" : "PAUSED") : t->behind ? "BEHIND" : "RUN";
	tui_human(t->fps, fps, sizeof(fps));
	tui_human((double)s->g->trace.total, hops, sizeof(hops));
	if (s->nresults > 0) {
		struct expect_tally tl;

		sim_tally(s, &tl);
		/* Passed out of all the scenario's; failures apart, so that one
		 * is not taken for one still to come. */
		if (tl.failed > 0)
			snprintf(res, sizeof(res), " | expect %d/%d, %d FAILED", tl.passed, tl.total,
				 tl.failed);
		else
			snprintf(res, sizeof(res), " | expect %d/%d", tl.passed, tl.total);
	}
	snprintf(buf, sizeof(buf), " t=%ss %s %s | %s frames/s | %s hops%s%s | ? keys  "
		 "space run/pause  n step  +/- speed  : command",
		 clk, sp, mode, fps, hops, res,
		 t->ended && t->s->nsteps > 0 ? " | scenario done" : "");
	/* When the line does not fit, the key hints give way first: all but
	 * "? keys", which lists them, then that too. */
	if ((int)strlen(buf) > COLS) {
		char *h = strstr(buf, " | ? keys  space");

		if (h != NULL)
			h[strlen(" | ? keys")] = '\0';
		if (h != NULL && (int)strlen(buf) > COLS)
			*h = '\0';
	}
	tui_text(LINES - 1, 0, COLS, tui_attr(t, C_STATUS), true, buf);
	/* The mode word stands out. */
	{
		char *m = strstr(buf, mode);

		if (m != NULL && m - buf < COLS)
			tui_text(LINES - 1, (int)(m - buf), (int)strlen(mode),
				 tui_attr(t, t->paused || t->behind ? C_WARN : C_STATUS) | A_BOLD,
				 false, mode);
	}
}

/* ----------------------------------------------------------- message area */

int message_rows(void)
{
	return LINES >= 40 ? 6 : LINES >= 30 ? 4 : 3;
}

static const char *msg_at(struct tui *t, uint64_t k)
{
	return t->msgs[k % MSG_MAX];
}

static uint64_t msg_first_kept(struct tui *t)
{
	return t->nmsgs > MSG_MAX ? t->nmsgs - MSG_MAX : 0;
}

static int msg_rows(struct tui *t, uint64_t k)
{
	char **rows = NULL;
	int n = 0;

	tui_wrap_rows(msg_at(t, k), COLS, tui_wrap_hang(msg_at(t, k), false), &rows, &n);
	tui_rows_free(rows, n);
	return n;
}

/* The message area: 3 to 6 rows. While the newest messages are a step's,
 * and Frames (whose box explains the hop) is not on screen, it grows to
 * show all of them, up to half the screen. */
int messages_height(struct tui *t)
{
	int base = message_rows(), need = 0;
	bool grid = screen_grid(COLS, LINES - 2 - base);

	if (grid || screen_panel(t->focus) == &panel_frames_ops || t->steps == 0 ||
	    t->step_msgs_end != t->nmsgs)
		return base;
	for (uint64_t k = MAX(t->step_msgs, msg_first_kept(t)); k < t->nmsgs; k++)
		need += msg_rows(t, k);
	return MAX(base, MIN(need, (LINES - 2) / 2));
}

/* The newest messages, wrapped: a long one takes several rows rather
 * than being cut at the edge. */
void messages_draw(struct tui *t, int y, int rows)
{
	uint64_t lo = msg_first_kept(t), k = t->nmsgs;
	int total = 0, skip, row = 0;

	while (k > lo && total < rows)
		total += msg_rows(t, --k);
	skip = MAX(0, total - rows);
	for (; k < t->nmsgs; k++) {
		const char *m = msg_at(t, k);
		attr_t a = tui_attr(t, C_NORMAL);
		char **wr = NULL;
		int n = 0;

		if (strncmp(m, "error:", 6) == 0 || strstr(m, ": FAIL:") != NULL)
			a = tui_attr(t, C_DROP);
		else if (m[0] == '>')
			a = tui_attr(t, C_DIM);
		tui_wrap_rows(m, COLS, tui_wrap_hang(m, false), &wr, &n);
		for (int i = 0; i < n && row < rows; i++) {
			if (skip > 0)
				skip--;
			else
				tui_text(y + row++, 0, COLS, a, true, wr[i]);
		}
		tui_rows_free(wr, n);
	}
	for (; row < rows; row++)
		tui_text(y + row, 0, COLS, tui_attr(t, C_NORMAL), true, "");
}

/* The message history in a pager, at its newest line. */
void messages_pager(struct tui *t)
{
	char *text = NULL, title[96];
	size_t len = 0;
	uint64_t lo = msg_first_kept(t);

	for (uint64_t k = lo; k < t->nmsgs; k++) {
		const char *m = msg_at(t, k);
		size_t n = strlen(m);

		text = xrealloc(text, len + n + 2);
		memcpy(text + len, m, n);
		len += n;
		text[len++] = '\n';
		text[len] = '\0';
	}
	snprintf(title, sizeof(title), " messages: %" PRIu64 " (the UI keeps the last %d)",
		 t->nmsgs - lo, MSG_MAX);
	tui_view_open(&t->popup, title, text ? text : "", false, true);
	free(text);
}

/* ---------------------------------------------------------- help, pop-up */

/* After "Tab, 1-N", which help_open writes: N follows the number of panels
 * (up to PANEL_KEYS_MAX). */
static const char *const global_keys[] = {
	"Up/Down    move the selection; PgUp/PgDn, Home/End",
	"space      run / pause the clock",
	"n          step: advance exactly one hop (pauses the clock); with a filter or a "
	"followed frame, to the next one shown",
	"b          step back: to where the last step began (the run is replayed exactly)",
	"r          restart the run from its start (Counters: r resets its counts)",
	"+ / -      clock speed (0.01x ... 1000x, max)",
	":          command prompt (Tab completes, Up/Down history)",
	"/          frame filter: dropped, reason R, node N, port P, frame N, tcpdump (empty: none)",
	"p          ping from the selected guest",
	"l          link on/off on the selected port",
	"f          flush the selected bridge's MAC table",
	"c          start/stop a capture on the selected port",
	"m          the message history, in a pager (Up/Down, PgUp/PgDn, Home/End; q closes)",
	"?          this help;  q (or F10, Ctrl-C) quit",
};

/* Adds add, and a newline when asked, to a growing string. */
static void append(char **text, size_t *len, const char *add, bool newline)
{
	size_t n = strlen(add);

	*text = xrealloc(*text, *len + n + 2);
	memcpy(*text + *len, add, n);
	*len += n;
	if (newline)
		(*text)[(*len)++] = '\n';
	(*text)[*len] = '\0';
}

void help_open(struct tui *t)
{
	const struct panel_ops *fp = screen_panel(t->focus);
	char *text = NULL;
	size_t len = 0;
	char head[64], tab[64];

	snprintf(tab, sizeof(tab), "Tab, 1-%d   switch panel (Shift-Tab: back)",
		 MIN(screen_npanels(), PANEL_KEYS_MAX));
	snprintf(head, sizeof(head), "\nKeys in %s:\n", fp->name);
	append(&text, &len, "Keys everywhere:\n", false);
	append(&text, &len, tab, true);
	for (size_t i = 0; i < ARRAY_SIZE(global_keys); i++)
		append(&text, &len, global_keys[i], true);
	append(&text, &len, head, false);
	append(&text, &len, fp->keys ? fp->keys : "", false);
	tui_view_open(&t->help, " qnetsim keys", text, true, false);
	free(text);
}

void help_draw(struct tui *t)
{
	struct rect r = { .y = 0, .x = 0, .h = LINES - 1, .w = COLS };

	tui_view_draw(t, &t->help, r, true, t->help.nrows > t->help.shown && t->help.shown > 0 ?
		  "other keys close" : "any key closes");
}

void popup_draw(struct tui *t)
{
	struct rect r = { .y = 1, .x = 0, .h = LINES - 2, .w = COLS };

	tui_view_draw(t, &t->popup, r, false, "Esc/q closes");
}

void tui_popup(struct tui *t, const char *title, const char *text)
{
	char head[256];

	snprintf(head, sizeof(head), " %s", title);
	tui_view_open(&t->popup, head, text, false, false);
	t->dirty = true;
}

void popup_key(struct tui *t, int ch)
{
	if (ch == 27 || ch == 'q' || ch == '\n' || ch == '\r' || ch == KEY_ENTER)
		tui_view_close(&t->popup);
	else
		tui_view_key(&t->popup, ch);
	t->dirty = true;
}

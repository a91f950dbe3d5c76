/*
 * The front-end's frame: the terminal, the layout, the clock controls,
 * global keys, the message area, pop-ups and the status line. Panels draw
 * inside the rectangles this file hands them; the panel table (tui.h's
 * TUI_PANELS) drives the tabs, the number keys, Tab, the grid and each
 * panel's state.
 *
 * Terminal safety: the terminal is restored by endwin() on every normal
 * way out, by fatal()'s hook, and on a crash by a signal handler that
 * writes the terminfo reset strings saved at start-up and the saved
 * termios (both async-signal-safe) before re-raising the signal. stderr
 * points at the -v log (or /dev/null) while the UI owns the screen.
 */
#include "tui.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <termios.h>
#include <unistd.h>

#define MSG_MAX 500             /* lines kept in the message log */
#define PANEL_KEYS_MAX 9        /* 1 to 9 focus the first panels; Tab reaches all */
#define DRAW_INTERVAL (100 * NS_PER_MS)
#define SLICE (40 * NS_PER_MS)  /* engine work between looks at the keyboard */
#define RATE_INTERVAL (500 * NS_PER_MS)
#define STEP_UNITS_MAX 1000000  /* units one step may run looking for a hop */
#define STEP_SPAN (60 * NS_PER_SEC)     /* simulated time one step may look ahead */

#define PANEL_ENTRY(name) &panel_##name##_ops,
/* In the order of tui.h's TUI_PANELS: of the tabs, the number keys, Tab
 * and the grid. */
static const struct panel_ops *const panel_table[] = { TUI_PANELS(PANEL_ENTRY) };
#undef PANEL_ENTRY

#define NPANELS ((int)ARRAY_SIZE(panel_table))

static const double speeds[] = { 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100,
				 1000, 0 /* as fast as possible */ };

struct tui {
	struct sim *s;
	const struct tui_options *opt;
	bool quit;
	bool color;
	attr_t attrs[C_COUNT];

	/* The clock. */
	bool paused;
	int speed_idx;
	uint64_t v_anchor, r_anchor;   /* virtual and wall time at the last re-anchor */
	bool behind;                   /* the engine could not keep up */
	uint64_t steps;                /* steps taken */
	uint64_t step_first, step_n;   /* trace records of the last step */
	bool ended;                    /* the scenario's duration has passed */

	/* Engine rate (frames delivered per wall second). */
	uint64_t rate_t, rate_frames, rate_hops;
	double fps, hps;

	/* Panels and selection. */
	void *pst[NPANELS];
	int focus;
	struct node *sel_node;
	struct port *sel_port;

	/* Message log. */
	char *msgs[MSG_MAX];
	uint64_t nmsgs;
	uint64_t step_msgs, step_msgs_end;     /* the last step's messages */

	/* Command output: sim->out points here while the UI runs. */
	FILE *out;
	char *outbuf;
	size_t outlen, outseen;

	struct prompt prompt;
	struct view help;
	struct view popup;

	uint64_t last_draw;
	bool dirty;
};

static struct tui *the_tui;     /* for signal and fatal handlers */
static volatile sig_atomic_t got_quit_signal;
static struct termios saved_termios;
static bool have_termios;
static char reset_seq[256];    /* terminfo strings that undo our screen */
static size_t reset_len;
static int saved_stderr = -1;
static bool screen_up;
static SCREEN *screen;

/* ---------------------------------------------------------------- helpers */

struct sim *tui_sim(struct tui *t)
{
	return t->s;
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

attr_t tui_attr(struct tui *t, enum tui_color c)
{
	return t->attrs[c];
}

struct node *tui_sel_node(struct tui *t)
{
	return t->sel_node;
}

void tui_select(struct tui *t, struct node *n, struct port *p)
{
	t->sel_node = n;
	t->sel_port = p;
}

bool tui_paused(struct tui *t)
{
	return t->paused;
}

uint64_t tui_last_step_first(struct tui *t)
{
	return t->steps > 0 ? t->step_first : UINT64_MAX;
}

/* ---------------------------------------------------------- messages, output */

static void msg_add(struct tui *t, const char *line)
{
	char **slot = &t->msgs[t->nmsgs % MSG_MAX];

	free(*slot);
	*slot = xstrdup(line);
	t->nmsgs++;
	t->dirty = true;
}

void tui_message(struct tui *t, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	msg_add(t, buf);
	log_debug("ui: %s", buf);
}

static void out_open(struct tui *t)
{
	t->out = open_memstream(&t->outbuf, &t->outlen);
	if (t->out == NULL)
		fatal("open_memstream: %s", strerror(errno));
	t->outseen = 0;
	t->s->out = t->out;
}

/* Moves new command output into the message log, line by line. Returns
 * the number of lines moved; `collect` (if set) receives them too. */
static int out_drain(struct tui *t, char **collect, size_t *clen)
{
	int lines = 0;

	fflush(t->out);
	while (t->outseen < t->outlen) {
		char *start = t->outbuf + t->outseen;
		char *nl = memchr(start, '\n', t->outlen - t->outseen);
		size_t n = nl ? (size_t)(nl - start) : t->outlen - t->outseen;
		char *line = xstrndup(start, n);

		msg_add(t, line);
		log_debug("out: %s", line);
		if (collect != NULL) {
			*collect = xrealloc(*collect, *clen + n + 2);
			memcpy(*collect + *clen, line, n);
			*clen += n;
			(*collect)[(*clen)++] = '\n';
			(*collect)[*clen] = '\0';
		}
		free(line);
		lines++;
		t->outseen += n + (nl ? 1 : 0);
	}
	if (t->outlen > (1u << 16)) {
		/* Start a fresh buffer rather than grow without bound. */
		fclose(t->out);
		free(t->outbuf);
		t->outbuf = NULL;
		out_open(t);
	}
	return lines;
}

static int message_rows(void)
{
	return LINES >= 40 ? 6 : LINES >= 30 ? 4 : 3;
}

void tui_popup(struct tui *t, const char *title, const char *text)
{
	char head[256];

	snprintf(head, sizeof(head), " %s", title);
	tui_view_open(&t->popup, head, text, false, false);
	t->dirty = true;
}

static int command_v(struct tui *t, const char *line, bool popup_if_long)
{
	char err[ERRLEN] = "";
	char *text = NULL;
	size_t tlen = 0;
	int rc, lines;

	tui_message(t, "> %s", line);
	out_drain(t, NULL, NULL);
	rc = cmd_exec(t->s, line, t->out, false, err);
	lines = out_drain(t, &text, &tlen);
	if (rc < 0)
		tui_message(t, "error: %s", err);
	else if (popup_if_long && lines > message_rows() - 1)
		tui_popup(t, line, text);
	free(text);
	if (loop_stopped(t->s->loop))
		t->quit = true;     /* the quit command */
	t->dirty = true;
	return rc;
}

int tui_command(struct tui *t, const char *fmt, ...)
{
	char buf[SIM_MAX_LINE + 1];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return command_v(t, buf, false);
}

void tui_prompt_open(struct tui *t, const char *text)
{
	prompt_open(&t->prompt, PROMPT_COMMAND, text);
	t->dirty = true;
}

/* ------------------------------------------------------------------ clock */

static double speed(const struct tui *t)
{
	return speeds[t->speed_idx];
}

static void anchor(struct tui *t)
{
	t->v_anchor = loop_now(t->s->loop);
	t->r_anchor = loop_mono_ns();
	t->behind = false;
}

static void set_paused(struct tui *t, bool paused)
{
	if (paused == t->paused)
		return;
	t->paused = paused;
	anchor(t);
	t->dirty = true;
}

static void speed_change(struct tui *t, int delta)
{
	int i = t->speed_idx + delta;

	if (i < 0 || i >= (int)ARRAY_SIZE(speeds))
		return;
	t->speed_idx = i;
	anchor(t);
	t->dirty = true;
}

/* Runs the engine for one slice: up to where the paced clock should be,
 * or as far as it gets in SLICE of wall time. */
static void advance(struct tui *t)
{
	struct loop *l = t->s->loop;
	uint64_t now = loop_mono_ns(), target;
	double sp = speed(t);

	if (t->paused)
		return;
	loop_set_deadline(l, now + SLICE);
	if (sp == 0 || loop_clock(l) == LOOP_REAL) {
		target = loop_clock(l) == LOOP_REAL ? loop_now(l) : UINT64_MAX;
	} else {
		double v = (double)t->v_anchor + (double)(now - t->r_anchor) * sp;

		target = v >= 1.8e19 ? UINT64_MAX : (uint64_t)v;
	}
	if (t->opt->quit_at_end && target > t->s->duration)
		target = t->s->duration;
	loop_run(l, target);
	loop_set_deadline(l, 0);
	if (loop_stopped(l) && !loop_yielded(l))
		t->quit = true;     /* a scenario's quit */
	if (sp != 0 && loop_yielded(l)) {
		/* More than a second of wall time behind: stop trying to catch
		 * up, and say so in the status line. */
		if (target - loop_now(l) > (uint64_t)(sp * (double)NS_PER_SEC)) {
			anchor(t);
			t->behind = true;
		}
	} else if (sp != 0) {
		t->behind = false;
	}
	if (!t->ended && loop_now(l) >= t->s->duration) {
		char tally[128];

		t->ended = true;
		if (t->s->nsteps == 0 && !t->opt->quit_at_end)
			return;
		sim_tally_line(t->s, tally, sizeof(tally));
		tui_message(t, "scenario finished at %.3fs: %s%s", (double)t->s->duration / 1e9,
			    tally, t->opt->quit_at_end ? "" : "; the clock keeps running");
		if (t->opt->quit_at_end)
			t->quit = true;
	}
}

/* Step mode: stop the clock, then run single units of work until the
 * trace has a new record: one frame arriving at (or leaving) one node.
 * With a filter or a followed frame, the step goes on to the next hop
 * Frames shows, so it never stops on a hop nobody can see. It gives up
 * when nothing is left to happen, when the next event is more than
 * STEP_SPAN of simulated time away (a bridge's ager runs forever, so
 * "nothing left" may never come), or after STEP_UNITS_MAX units. */
static void step(struct tui *t)
{
	struct loop *l = t->s->loop;
	struct trace *tr = &t->s->g->trace;
	uint64_t before = tr->total, next = before, shown = UINT64_MAX, hidden;
	uint64_t limit = loop_now(l) + STEP_SPAN;
	const char *narrow = frames_narrowed(t);
	int units = 0;
	bool idle = false, far = false;

	set_paused(t, true);
	while (shown == UINT64_MAX && units < STEP_UNITS_MAX) {
		uint64_t when = loop_next_timer(l);

		/* One unit at least, so that n always makes progress. */
		if (units > 0 && loop_defer_pending(l) == 0 && when != UINT64_MAX && when > limit) {
			far = true;
			break;
		}
		if (!loop_run_one(l)) {
			idle = true;
			break;
		}
		units++;
		if (loop_stopped(l)) {
			t->quit = true;
			break;
		}
		/* Each new hop is looked at once (a unit that made more hops
		 * than the ring holds has lost the oldest). */
		if (tr->total - next > tr->cap)
			next = tr->total - tr->cap;
		for (; next < tr->total; next++) {
			if (frames_shows(t, &tr->ring[next % tr->cap])) {
				shown = next;
				break;
			}
		}
	}
	out_drain(t, NULL, NULL);
	hidden = (shown == UINT64_MAX ? tr->total : shown) - before;
	t->dirty = true;
	if (shown == UINT64_MAX) {
		char clk[32], ran[400] = "";

		if (t->quit)
			return;
		tui_time(loop_now(l), clk, sizeof(clk));
		if (hidden > 0)
			snprintf(ran, sizeof(ran), "%" PRIu64 " hidden hop%s ran, none shown (%s); ",
				 hidden, hidden == 1 ? "" : "s", narrow ? narrow : "");
		if (idle)
			tui_message(t, "step: %snothing left to happen (no frames queued, no timers "
				    "armed)", ran);
		else if (far)
			tui_message(t, "step: %sno hop within %.0fs of simulated time: stopped at "
				    "t=%ss (n goes on)", ran, (double)STEP_SPAN / 1e9, clk);
		else
			tui_message(t, "step: %sno hop shown in %d units of work: stopped at t=%ss "
				    "(n goes on)", ran, units, clk);
		return;
	}
	t->steps++;
	t->step_first = shown;
	t->step_n = tr->total - shown;
	anchor(t);
	frames_select(t, shown);
	{
		char line[512], why[768], past[96] = "";
		const struct trace_rec *r = &tr->ring[shown % tr->cap];

		if (hidden > 0)
			snprintf(past, sizeof(past), " (%" PRIu64 " hidden hop%s passed)", hidden,
				 hidden == 1 ? "" : "s");
		trace_format(t->s->g, r, line, sizeof(line));
		trace_explain(t->s->g, r, why, sizeof(why));
		t->step_msgs = t->nmsgs;
		tui_message(t, "step %" PRIu64 "%s: %s", t->steps, past, line);
		tui_message(t, "  %s", why);
		t->step_msgs_end = t->nmsgs;
	}
}

/* ------------------------------------------------------------------ layout */

/* The grid for n panels: as square as it goes, ceil(sqrt(n)) columns and
 * as many rows as they need (four panels: 2 x 2). */
static void grid_shape(int n, int *cols, int *rows)
{
	*cols = 1;
	while (*cols * *cols < n)
		(*cols)++;
	*rows = (n + *cols - 1) / *cols;
}

/* Each panel gets at least 80 x 17 in the grid (four: from 160 x 34);
 * below that only the focused one is shown, over the whole area. */
static bool screen_grid(int w, int h)
{
	int cols, rows;

	grid_shape(NPANELS, &cols, &rows);
	return w >= 80 * cols && h >= 17 * rows;
}

/* Cells in reading order; the last column and the last row take what the
 * division leaves over, and a blank column separates neighbours. */
static void screen_cell(int n, int i, struct rect area, struct rect *r)
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
	r->w = col == cols - 1 ? area.w - col * cw : cw - 1;
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
	int x = 0;
	char buf[64];
	const char *file = strrchr(t->s->path, '/');

	file = file ? file + 1 : t->s->path;
	tui_text(0, 0, COLS, tui_attr(t, C_HEADER), true, "");
	snprintf(buf, sizeof(buf), " qnetsim %s ", file);
	tui_text(0, x, COLS - x, tui_attr(t, C_HEADER) | A_BOLD, false, buf);
	x += (int)strlen(buf) + 1;
	for (int i = 0; i < NPANELS && x < COLS; i++) {
		snprintf(buf, sizeof(buf), " %d %s ", i + 1, panel_table[i]->name);
		tui_text(0, x, COLS - x, tui_attr(t, i == t->focus ? C_TITLE : C_HEADER), false,
			 buf);
		x += (int)strlen(buf);
	}
	if (x + 16 < COLS)
		tui_text(0, COLS - 16, 16, tui_attr(t, C_HEADER), false, " ? help  q quit");
}

static void draw_status(struct tui *t)
{
	char clk[32], sp[24], fps[16], hops[16], buf[256], res[64] = "";
	const char *mode;
	struct sim *s = t->s;
	double v = speed(t);

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
static int messages_height(struct tui *t)
{
	int base = message_rows(), need = 0;
	bool grid = screen_grid(COLS, LINES - 2 - base);

	if (grid || panel_table[t->focus] == &panel_frames_ops || t->steps == 0 ||
	    t->step_msgs_end != t->nmsgs)
		return base;
	for (uint64_t k = MAX(t->step_msgs, msg_first_kept(t)); k < t->nmsgs; k++)
		need += msg_rows(t, k);
	return MAX(base, MIN(need, (LINES - 2) / 2));
}

/* The newest messages, wrapped: a long one takes several rows rather
 * than being cut at the edge. */
static void draw_messages(struct tui *t, int y, int rows)
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
static void messages_pager(struct tui *t)
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

/* After "Tab, 1-N", which help_open writes: N follows the number of panels
 * (up to PANEL_KEYS_MAX). */
static const char *const global_keys[] = {
	"Up/Down    move the selection; PgUp/PgDn, Home/End",
	"space      run / pause the clock",
	"n          step: advance exactly one hop (pauses the clock); with a filter or a "
	"followed frame, to the next one shown",
	"+ / -      clock speed (0.01x ... 1000x, max)",
	":          command prompt (Tab completes, Up/Down history)",
	"/          frame filter, tcpdump syntax (empty: none)",
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

static void help_open(struct tui *t)
{
	const struct panel_ops *fp = panel_table[t->focus];
	char *text = NULL;
	size_t len = 0;
	char head[64], tab[64];

	snprintf(tab, sizeof(tab), "Tab, 1-%d   switch panel (Shift-Tab: back)",
		 MIN(NPANELS, PANEL_KEYS_MAX));
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

static void draw_help(struct tui *t)
{
	struct rect r = { .y = 0, .x = 0, .h = LINES - 1, .w = COLS };

	tui_view_draw(t, &t->help, r, true, t->help.nrows > t->help.shown && t->help.shown > 0 ?
		  "other keys close" : "any key closes");
}

static void draw_popup(struct tui *t)
{
	struct rect r = { .y = 1, .x = 0, .h = LINES - 2, .w = COLS };

	tui_view_draw(t, &t->popup, r, false, "Esc/q closes");
}

static void draw(struct tui *t)
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
	draw_messages(t, bottom, mrows);
	if (t->prompt.active)
		prompt_draw(t, &t->prompt, LINES - 2, COLS);
	draw_status(t);
	if (t->popup.title != NULL)
		draw_popup(t);
	if (t->help.title != NULL)
		draw_help(t);
	if (t->prompt.active && t->popup.title == NULL && t->help.title == NULL) {
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

static void popup_key(struct tui *t, int ch)
{
	if (ch == 27 || ch == 'q' || ch == '\n' || ch == '\r' || ch == KEY_ENTER)
		tui_view_close(&t->popup);
	else
		tui_view_key(&t->popup, ch);
	t->dirty = true;
}

static void key(struct tui *t, int ch)
{
	if (ch == KEY_RESIZE) {
		t->dirty = true;
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
	if (t->popup.title != NULL) {
		popup_key(t, ch);
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
				command_v(t, line, true);
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
		set_paused(t, !t->paused);
		if (!t->paused)
			t->steps = 0;
		break;
	case 'n': case '.':
		step(t);
		break;
	case '+': case '=':
		speed_change(t, +1);
		break;
	case '-': case '_':
		speed_change(t, -1);
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

static void read_keys(struct tui *t)
{
	int ch;

	while (!t->quit && (ch = getch()) != ERR)
		key(t, ch);
}

static void on_stdin(void *arg, uint32_t events)
{
	struct tui *t = arg;

	if (events & (EPOLLHUP | EPOLLERR)) {
		/* The terminal went away: nobody to show anything to. */
		t->quit = true;
		return;
	}
	read_keys(t);
}

/* --------------------------------------------------------- terminal safety */

static void restore_terminal(void)
{
	if (!screen_up)
		return;
	screen_up = false;
	endwin();
	if (saved_stderr >= 0) {
		dup2(saved_stderr, STDERR_FILENO);
		close(saved_stderr);
		saved_stderr = -1;
	}
}

static void on_crash(int sig)
{
	/* Only async-signal-safe calls here. */
	if (screen_up) {
		if (reset_len > 0 && write(STDOUT_FILENO, reset_seq, reset_len) < 0) {
			/* nothing more we can do */
		}
		if (have_termios)
			tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
		if (saved_stderr >= 0)
			dup2(saved_stderr, STDERR_FILENO);
		screen_up = false;
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_quit_signal(int sig)
{
	(void)sig;
	got_quit_signal = 1;
	if (the_tui != NULL)
		loop_stop(the_tui->s->loop);
}

static void add_reset(const char *cap)
{
	char *s = tigetstr(cap);
	size_t n;

	if (s == NULL || s == (char *)-1)
		return;
	n = strlen(s);
	if (reset_len + n < sizeof(reset_seq)) {
		memcpy(reset_seq + reset_len, s, n);
		reset_len += n;
	}
}

static void colors_init(struct tui *t)
{
	const char *nc = getenv("NO_COLOR");

	t->color = has_colors() && (nc == NULL || nc[0] == '\0');
	t->attrs[C_NORMAL] = A_NORMAL;
	t->attrs[C_HEADER] = A_REVERSE;
	t->attrs[C_TITLE] = A_REVERSE | A_BOLD;
	t->attrs[C_UP] = A_NORMAL;
	t->attrs[C_DOWN] = A_BOLD;
	t->attrs[C_DIM] = A_DIM;
	t->attrs[C_FORWARD] = A_NORMAL;
	t->attrs[C_FLOOD] = A_NORMAL;
	t->attrs[C_DROP] = A_BOLD;
	t->attrs[C_SELECT] = A_REVERSE;
	t->attrs[C_STATUS] = A_REVERSE;
	t->attrs[C_WARN] = A_REVERSE | A_BOLD;
	if (!t->color)
		return;
	start_color();
	use_default_colors();
	init_pair(1, COLOR_BLACK, COLOR_CYAN);   /* header */
	init_pair(2, COLOR_BLACK, COLOR_GREEN);  /* focused title */
	init_pair(3, COLOR_GREEN, -1);
	init_pair(4, COLOR_RED, -1);
	init_pair(5, COLOR_YELLOW, -1);
	init_pair(6, COLOR_BLACK, COLOR_YELLOW); /* warnings in the status line */
	init_pair(7, COLOR_CYAN, -1);
	t->attrs[C_HEADER] = COLOR_PAIR(1);
	t->attrs[C_TITLE] = COLOR_PAIR(2) | A_BOLD;
	t->attrs[C_UP] = COLOR_PAIR(3);
	t->attrs[C_DOWN] = COLOR_PAIR(4) | A_BOLD;
	t->attrs[C_FORWARD] = COLOR_PAIR(3);
	t->attrs[C_FLOOD] = COLOR_PAIR(5);
	t->attrs[C_DROP] = COLOR_PAIR(4) | A_BOLD;
	t->attrs[C_STATUS] = COLOR_PAIR(1);
	t->attrs[C_WARN] = COLOR_PAIR(6) | A_BOLD;
	t->attrs[C_DIM] = COLOR_PAIR(7);
}

static int screen_init(struct tui *t, char *err)
{
	int devnull;
	struct sigaction sa;
	const char *logpath = log_path();

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return errf(err, "the UI needs a terminal on stdin and stdout; use --headless");
	if (tcgetattr(STDIN_FILENO, &saved_termios) == 0)
		have_termios = true;
	setlocale(LC_ALL, "");
	screen = newterm(NULL, stdout, stdin);
	if (screen == NULL)
		return errf(err, "cannot use terminal type '%s'; set TERM or use --headless",
			    getenv("TERM") ? getenv("TERM") : "(unset)");
	screen_up = true;
	add_reset("sgr0");
	add_reset("cnorm");
	add_reset("rmkx");
	add_reset("rmcup");
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	colors_init(t);
	fatal_set_hook(restore_terminal);

	/* stderr would scribble over the screen: send it to the log. */
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	devnull = logpath ? open(logpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644) :
			    open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (devnull >= 0) {
		dup2(devnull, STDERR_FILENO);
		close(devnull);
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_crash;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGABRT, &sa, NULL);
	sa.sa_handler = on_quit_signal;
	sa.sa_flags = 0;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* -------------------------------------------------------------------- run */

static void rates_sample(struct tui *t)
{
	uint64_t now = loop_mono_ns();
	uint64_t frames = t->s->g->frames_delivered;

	if (t->rate_t == 0) {
		t->rate_t = now;
		t->rate_frames = frames;
		return;
	}
	if (now - t->rate_t < RATE_INTERVAL)
		return;
	t->fps = (double)(frames - t->rate_frames) * 1e9 / (double)(now - t->rate_t);
	t->rate_t = now;
	t->rate_frames = frames;
	t->dirty = true;
}

/* How long to wait for a key before the engine has work again. */
static int wait_ms(struct tui *t)
{
	uint64_t now = loop_mono_ns();
	uint64_t next_draw = t->last_draw + DRAW_INTERVAL;
	uint64_t wake = next_draw > now ? next_draw : now;
	struct loop *l = t->s->loop;

	if (!t->paused && loop_clock(l) == LOOP_VIRTUAL) {
		double sp = speed(t);
		uint64_t next = loop_next_timer(l);

		if (loop_defer_pending(l) > 0 || t->behind)
			return 0;
		if (sp == 0) {
			if (next != UINT64_MAX)
				return 0;
		} else if (next != UINT64_MAX) {
			double at = (double)t->r_anchor +
				    ((double)next - (double)t->v_anchor) / sp;

			if (at < (double)wake)
				wake = at <= (double)now ? now : (uint64_t)at;
		}
	} else if (!t->paused) {
		/* Real time: wake for the next timer, not just the next draw. */
		uint64_t next = loop_next_timer(l), vnow = loop_now(l);

		if (loop_defer_pending(l) > 0 || (next != UINT64_MAX && next <= vnow))
			return 0;
		if (next != UINT64_MAX && now + (next - vnow) < wake)
			wake = now + (next - vnow);
		return (int)((wake - now) / NS_PER_MS);
	}
	return (int)((wake - now + NS_PER_MS - 1) / NS_PER_MS);
}

int tui_run(struct sim *s, const struct tui_options *o, char *err)
{
	struct tui *t = xcalloc(1, sizeof(*t));
	FILE *old_out = s->out;

	t->s = s;
	t->opt = o;
	t->speed_idx = (int)ARRAY_SIZE(speeds) - 1;
	for (size_t i = 0; i < ARRAY_SIZE(speeds); i++)
		if (o->speed != 0 && fabs(speeds[i] - o->speed) < 1e-9)
			t->speed_idx = (int)i;
	if (o->speed != 0 && speeds[t->speed_idx] == 0) {
		/* Not one of the steps: take the nearest step below. */
		t->speed_idx = 0;
		for (size_t i = 0; i + 1 < ARRAY_SIZE(speeds); i++)
			if (speeds[i] <= o->speed)
				t->speed_idx = (int)i;
	}
	t->paused = o->paused;
	if (screen_init(t, err) < 0) {
		restore_terminal();
		free(t);
		return -1;
	}
	the_tui = t;
	out_open(t);
	for (int i = 0; i < NPANELS; i++)
		t->pst[i] = panel_table[i]->create(t);
	if (s->g->nnodes > 0)
		tui_select(t, s->g->nodes[0], NULL);
	if (loop_fd_add(s->loop, STDIN_FILENO, EPOLLIN, on_stdin, t) < 0)
		fatal("cannot watch stdin: %s", strerror(errno));
	tui_message(t, "%s: %d guests, %d hubs, %d bridges, %d links. Press ? for keys.",
		    s->path, s->nguests, s->nhubs, s->nbridges, s->g->nlinks);
	/* What stderr said before the screen was ours would be lost under it. */
	for (const char *n = o->notes; n != NULL && *n != '\0';) {
		size_t len = strcspn(n, "\n");

		tui_message(t, "%.*s", (int)len, n);
		n += len + (n[len] == '\n');
	}
	sim_start(s);
	out_drain(t, NULL, NULL);
	anchor(t);
	t->dirty = true;
	while (!t->quit) {
		uint64_t now;

		advance(t);
		out_drain(t, NULL, NULL);
		if (got_quit_signal)
			t->quit = true;
		if (t->quit)
			break;
		rates_sample(t);
		now = loop_mono_ns();
		if (now - t->last_draw >= DRAW_INTERVAL && (t->dirty || !t->paused))
			draw(t);
		loop_poll(s->loop, wait_ms(t));
		/* A resize (SIGWINCH) interrupts the wait without making stdin
		 * readable; ncurses reports it through getch(). */
		read_keys(t);
		if (got_quit_signal)
			t->quit = true;
	}
	loop_fd_del(s->loop, STDIN_FILENO);
	out_drain(t, NULL, NULL);
	restore_terminal();
	fatal_set_hook(NULL);
	the_tui = NULL;
	for (int i = 0; i < NPANELS; i++)
		panel_table[i]->destroy(t->pst[i]);
	tui_view_close(&t->popup);
	tui_view_close(&t->help);
	prompt_free(&t->prompt);
	for (int i = 0; i < MSG_MAX; i++)
		free(t->msgs[i]);
	s->out = old_out;
	fclose(t->out);
	free(t->outbuf);
	if (got_quit_signal)
		printf("qnetsim: interrupted by a signal\n");
	free(t);
	delscreen(screen);
	screen = NULL;
	return 0;
}

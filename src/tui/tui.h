/*
 * The ncurses front-end. It shares the loop with the engine and never makes
 * the engine wait: stdin is one more fd on the loop, the engine runs in
 * slices of at most 40 ms of wall time between looks at the keyboard, and
 * the screen is drawn at most 10 times a second. The UI reads the sim's
 * state directly; it changes it only through cmd_exec(), the same commands
 * a scenario runs.
 *
 * Panels (htop's model): each is one file exporting a const struct
 * panel_ops. Keys go to the focused panel first; what it does not use,
 * screen.c handles (global keys, the prompt, resize). To add a panel: write
 * panel_NAME.c with its ops, add one line to TUI_PANELS below, add the file
 * to the Makefile.
 */
#ifndef QNETSIM_TUI_H
#define QNETSIM_TUI_H

#include <curses.h>
#include <stdbool.h>
#include <stdint.h>

#include "../app/sim.h"

struct tui;

/* A screen rectangle a panel draws into. */
struct rect {
	int y, x, h, w;
};

struct panel_ops {
	const char *name;       /* "Topology": tab label and help heading */
	const char *keys;       /* the panel's own keys, one "key  what" per line */
	void *(*create)(struct tui *t);
	void (*destroy)(void *st);
	void (*draw)(struct tui *t, void *st, struct rect r, bool focused);
	/* Returns true when the key was used. */
	bool (*key)(struct tui *t, void *st, int ch);
	/* Optional: a click at (y, x) inside the panel's rectangle (0, 0 is
	 * its title's first cell); it is focused first. */
	void (*click)(struct tui *t, void *st, int y, int x);
};

/*
 * The panels, in their order on screen. Everything else follows this list
 * (screen.c): the tabs, the number keys, Tab's order, the grid and each
 * panel's state; a panel's number is its place here. One line a panel: it
 * declares panel_NAME_ops here and puts it in screen.c's table.
 */
#define TUI_PANELS(X) \
	X(topology) \
	X(frames) \
	X(mac) \
	X(counters) \
	X(map)

#define TUI_PANEL_DECLARE(name) extern const struct panel_ops panel_##name##_ops;
TUI_PANELS(TUI_PANEL_DECLARE)
#undef TUI_PANEL_DECLARE

struct tui_options {
	double speed;           /* initial clock speed; 0: as fast as possible */
	bool paused;            /* start with the clock stopped */
	bool quit_at_end;       /* quit when the clock reaches sim->duration */
	const char *notes;      /* the loader's warnings, lines to show first */
	/* The same run again from its start: loaded and opened, not started
	 * (NULL with err). Step back and restart replay the run on it; NULL:
	 * neither is offered. */
	struct sim *(*reload)(void *arg, char *err);
	void *reload_arg;
};

/* Runs the UI on *sp until q, quit, SIGINT/SIGTERM (or --duration with
 * quit_at_end). Returns 0, or -1 when the terminal could not be used (the
 * reason is in err). A step back or restart replaces the sim: *sp is the
 * one the run ended with (the old ones are freed). */
int tui_run(struct sim **sp, const struct tui_options *o, char *err);

/* ---- for panels ---- */

enum tui_color {
	C_NORMAL, C_HEADER, C_TITLE, C_UP, C_DOWN, C_DIM, C_FORWARD, C_FLOOD, C_DROP,
	C_SELECT, C_STATUS, C_WARN, C_COUNT
};

struct sim *tui_sim(struct tui *t);
/* A panel's place in TUI_PANELS, from 0 (its number on screen is one
 * more), or -1 when it is not there. */
int tui_panel_index(const struct panel_ops *ops);
/* The state of panel i (its place in TUI_PANELS). */
void *tui_panel_state(struct tui *t, int i);
/* Attributes of a colour role (plain attributes under NO_COLOR). */
attr_t tui_attr(struct tui *t, enum tui_color c);
/* Writes text at (y, x), clipped to w columns, padding with blanks to w
 * when pad is set. */
void tui_text(int y, int x, int w, attr_t a, bool pad, const char *s);
void tui_printf(int y, int x, int w, attr_t a, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* A panel's title bar: its number (tui_panel_index + 1) and name,
 * highlighted when focused. */
void tui_title(struct tui *t, struct rect r, int num, const char *name, const char *extra,
	       bool focused);
/* Wraps text into at most maxlines lines of w columns from (y, x). Returns
 * the number of lines used. */
int tui_wrap(int y, int x, int w, int maxlines, attr_t a, const char *text);
/* How many lines of w columns tui_wrap needs for all of text. */
int tui_wrap_count(int w, const char *text);

/* Moves a list selection for the usual keys (Up/Down, PgUp/PgDn,
 * Home/End, k/j/g/G) over n rows. Returns false for any other key. */
bool tui_list_key(int ch, int *sel, int n);

/* Keeps a list's selection inside its n rows and the first shown row
 * (*top) such that the selection is among the `rows` rows shown, and no
 * row is hidden above while there is room below. */
void tui_list_scroll(int *sel, int *top, int n, int rows);

/* The shared selection: a node and maybe one of its ports. */
struct node *tui_sel_node(struct tui *t);
struct port *tui_sel_port(struct tui *t);       /* NULL: none */
void tui_select(struct tui *t, struct node *n, struct port *p);

/* Runs a command as if typed at the prompt; its output goes to the
 * message area (or a pop-up when long). Returns cmd_exec's result. */
int tui_command(struct tui *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Adds a line to the message area. */
void tui_message(struct tui *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Opens the prompt with text already typed. */
void tui_prompt_open(struct tui *t, const char *text);
/* Shows lines in a scrollable pop-up (takes a copy). */
void tui_popup(struct tui *t, const char *title, const char *text);
/* Opens a hop's whole frame over the panels, layer by layer and in hex,
 * under the title given. */
void tui_frame_open(struct tui *t, const struct trace_rec *r, const char *title);

/* Step mode and the clock. */
bool tui_paused(struct tui *t);
/* The clock's speed, a factor of real time (real-time runs: 1); 0: as
 * fast as it goes. */
double tui_speed(struct tui *t);
uint64_t tui_last_step_first(struct tui *t);  /* first trace record of the last step */

/* Human numbers: "12.3k", "1.5M". */
void tui_human(double v, char *buf, size_t n);
/* "1.234567s" or "12:03.4". */
void tui_time(uint64_t ns, char *buf, size_t n);
/* Link state words for a port: "up", "down", "off", "peer off", "--". */
const char *tui_link_word(const struct port *p);

/* Wraps one line into rows of w columns, appended to *rows (*n of them);
 * the rows after the first are indented by `hang` columns. An empty line
 * is one empty row. tui_rows_free frees them. */
void tui_wrap_rows(const char *line, int w, int hang, char ***rows, int *n);
void tui_rows_free(char **rows, int n);
/* How far a line's wrapped rows are indented: under its text, two columns
 * in; a "key   what" line's (keys) under its "what". */
int tui_wrap_hang(const char *line, bool keys);

/* A scrollable box of text: the pop-up and the help. Its lines are
 * wrapped to the box's width when drawn, so nothing is cut off. */
struct view {
	char *title;            /* NULL: closed */
	char **lines;
	int nlines;
	int top;                /* the first row shown, counted in wrapped rows */
	int nrows, shown;       /* wrapped rows, and how many the last draw showed */
	bool keys;              /* "key   what" lines: wrapped rows line up with "what" */
};

/* Opens a view on a copy of text, at its first line or (at_end) its last. */
void tui_view_open(struct view *v, const char *title, const char *text, bool keys,
		   bool at_end);
void tui_view_close(struct view *v);
/* Scroll keys. Returns false for any other key. */
bool tui_view_key(struct view *v, int ch);
/* Draws a view inside r: the whole of it, or (fit) a box just big enough
 * for its lines, centred. `close` says how it closes. */
void tui_view_draw(struct tui *t, struct view *v, struct rect r, bool fit, const char *close);

/* ---- the prompt (prompt.c) ---- */

#define PROMPT_MAX 1024
#define HISTORY_MAX 200

enum prompt_mode { PROMPT_COMMAND, PROMPT_FILTER };

struct prompt {
	bool active;
	enum prompt_mode mode;
	char buf[PROMPT_MAX];
	int len, cur;
	char *history[HISTORY_MAX];
	int nhist, hpos;        /* hpos == nhist: editing a new line */
	char saved[PROMPT_MAX]; /* the new line while browsing history */
};

void prompt_open(struct prompt *p, enum prompt_mode mode, const char *text);
/* Handles a key while the prompt is active. Returns 1 when Enter was
 * pressed (the line is in p->buf), -1 when cancelled, 0 otherwise. */
int prompt_key(struct tui *t, struct prompt *p, int ch);
void prompt_draw(struct tui *t, struct prompt *p, int y, int w);
void prompt_free(struct prompt *p);
/* Completes the word before the cursor against what fits there: command,
 * node and port names, the guests' addresses, a command's options.
 * Returns the number of candidates; with several, their list is written
 * to `list`. Exposed for tests. */
int prompt_complete(struct sim *s, char *buf, int *len, int *cur, char *list, size_t listlen);

/* Frames panel helpers (panel_frames.c), shared with step mode. */
/* Whether Frames shows the hop, given its filter and followed frame. */
bool frames_shows(struct tui *t, const struct trace_rec *r);
/* What narrows Frames ("filter icmp", "frame #5"), or NULL: all hops. */
const char *frames_narrowed(struct tui *t);
/* The hop Frames has selected (its trace index), or the newest it shows
 * while the list is live; false when it shows none kept. */
bool frames_current(struct tui *t, uint64_t *i);
/* Opens the hop frames_current gives, layer by layer (tui_frame_open). */
bool frames_open_current(struct tui *t);
/* Selects hop i (the list stays live when i is the newest shown). */
void frames_select(struct tui *t, uint64_t i);
/* Sets the Frames panel's filter (tcpdump syntax; "" clears). Returns -1
 * and shows the compiler's message when it does not compile. */
int frames_set_filter(struct tui *t, void *st, const char *expr);

#endif

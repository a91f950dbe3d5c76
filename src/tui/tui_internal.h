/*
 * What the UI's own files share and panels do not see: struct tui and the
 * calls between tui.c (state, clock, run loop), screen.c (panels, layout,
 * keys), overlay.c (status line, messages, help, pop-up) and term.c (the
 * terminal). Panels go through tui.h only.
 */
#ifndef QNETSIM_TUI_INTERNAL_H
#define QNETSIM_TUI_INTERNAL_H

#include "tui.h"
#include "../app/decode.h"

#define MSG_MAX 500             /* lines kept in the message log */
#define PANEL_KEYS_MAX 9        /* 1 to 9 focus the first panels; Tab reaches all */

/* A hop's frame, opened layer by layer (frameview.c). */
struct frameview {
	char *title;            /* NULL: closed */
	uint8_t *bytes;
	uint32_t len, full_len; /* len < full_len: only the first bytes kept */
	struct dline *lines;
	int n, sel, top, hex_top;
};

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
	void **pst;                    /* each panel's state, in the panel table's order */
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
	struct frameview fv;

	uint64_t last_draw;
	bool dirty;

	/* What drove the run, for replaying it (step back, restart): the
	 * commands typed, and where each step began (line NULL), with the
	 * loop's units and clock at that moment. */
	struct replay_op *ops;
	int nops, opcap;

	/* A lesson's question, while it waits for 1..n (ask, in lesson.c). */
	struct {
		bool active;
		char *question, *choices[LESSON_CHOICES_MAX];
		int n, answer;
	} ask;
};

struct replay_op {
	uint64_t units, vnow;
	char *line;             /* a command; NULL: a step began here */
};

/* ---- tui.c ---- */

/* Runs a line typed at the prompt; its output goes to the message area,
 * or (popup_if_long) to a pop-up when the area cannot show it all. */
int command_run(struct tui *t, const char *line, bool popup_if_long);
/* The clock speed: a factor of real time; 0 as fast as possible. */
double clock_speed(const struct tui *t);
void clock_set_paused(struct tui *t, bool paused);
/* One step up or down the list of speeds. */
void clock_speed_change(struct tui *t, int delta);
/* Step mode: one hop Frames shows (tui.c explains how far it looks). */
void clock_step(struct tui *t);
/* Step back to where the last step began; restart from the beginning
 * (tui.c: the run is replayed on a new sim). */
void clock_step_back(struct tui *t);
void clock_restart(struct tui *t);

/* ---- screen.c: the panel table, the layout, keys ---- */

void screen_panels_create(struct tui *t);
void screen_panels_destroy(struct tui *t);
/* The number of panels, and panel i (in the table's order). */
int screen_npanels(void);
const struct panel_ops *screen_panel(int i);
/* Whether an area of w x h columns and rows shows every panel at once, in
 * a grid; otherwise it shows the focused one. */
bool screen_grid(int w, int h);
/* Panel i's cell of the grid over area, for n panels. */
void screen_cell(int n, int i, struct rect area, struct rect *r);
void screen_draw(struct tui *t);
/* Reads every key waiting on stdin and acts on each. */
void screen_read_keys(struct tui *t);

/* ---- lesson.c: pause, say and ask in the UI ---- */

extern const struct sim_lesson_ops tui_lesson_ops;
/* A key while a question is open: true when it was for the question. */
bool lesson_key(struct tui *t, int ch);
void lesson_free(struct tui *t);

/* ---- overlay.c: status line, message area, help, pop-up ---- */

/* The message area's rows when nothing makes it grow (3 to 6). */
int message_rows(void);
int messages_height(struct tui *t);
void messages_draw(struct tui *t, int y, int rows);
void messages_pager(struct tui *t);
void status_draw(struct tui *t);
void help_open(struct tui *t);
void help_draw(struct tui *t);
void popup_draw(struct tui *t);
void popup_key(struct tui *t, int ch);

/* ---- frameview.c: a hop's frame, layer by layer (tui_frame_open) ---- */

void frameview_draw(struct tui *t);
void frameview_key(struct tui *t, int ch);
void frameview_close(struct tui *t);

/* ---- term.c: the terminal ---- */

/* Takes the terminal (stdin and stdout must be one), sets the colours in
 * t, points stderr at the log and sets the signal handlers. */
int term_init(struct tui *t, char *err);
/* The UI a quit signal stops (NULL: none). */
void term_attach(struct tui *t);
/* Whether SIGINT, SIGTERM or SIGHUP came. */
bool term_quit_signal(void);
/* Gives the terminal back (endwin, stderr); again does nothing. */
void term_restore(void);
/* Frees ncurses' screen, once nothing draws any more. */
void term_free(void);

#endif

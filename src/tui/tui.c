/*
 * The UI's core: its state (struct tui, in tui_internal.h), the message
 * log and command output, the clock and step mode, and the run loop that
 * shares the engine's loop. What is on screen is screen.c's (the panels,
 * their layout, the keys) and overlay.c's (status line, messages, help,
 * pop-up); the terminal itself is term.c's.
 */
#include "tui_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define DRAW_INTERVAL (100 * NS_PER_MS)
#define SLICE (40 * NS_PER_MS)  /* engine work between looks at the keyboard */
#define RATE_INTERVAL (500 * NS_PER_MS)
#define STEP_UNITS_MAX 1000000  /* units one step may run looking for a hop */
#define STEP_SPAN (60 * NS_PER_SEC)     /* simulated time one step may look ahead */

static const double speeds[] = { 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100,
				 1000, 0 /* as fast as possible */ };

/* ---------------------------------------------------------------- helpers */

struct sim *tui_sim(struct tui *t)
{
	return t->s;
}

attr_t tui_attr(struct tui *t, enum tui_color c)
{
	return t->attrs[c];
}

struct node *tui_sel_node(struct tui *t)
{
	return t->sel_node;
}

struct port *tui_sel_port(struct tui *t)
{
	return t->sel_port;
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

double tui_speed(struct tui *t)
{
	return loop_clock(t->s->loop) == LOOP_REAL ? 1.0 : clock_speed(t);
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

/* ---- replay: step back and restart ------------------------------------------ */

static void on_stdin(void *arg, uint32_t events);
static void anchor(struct tui *t);

/* Notes what drives the run now: a command line, or (NULL) a step. */
static void replay_log(struct tui *t, const char *line)
{
	struct loop *l = t->s->loop;

	if (t->opt->reload == NULL || loop_clock(l) != LOOP_VIRTUAL)
		return;
	if (t->nops == t->opcap) {
		t->opcap = t->opcap ? 2 * t->opcap : 64;
		t->ops = xreallocarray(t->ops, (size_t)t->opcap, sizeof(*t->ops));
	}
	t->ops[t->nops++] = (struct replay_op){ loop_units(l), loop_now(l),
						line ? xstrdup(line) : NULL };
}

static void replay_truncate(struct tui *t, int n)
{
	while (t->nops > n)
		free(t->ops[--t->nops].line);
}

/* Runs s's loop to `units` units, one at a time: -1 when it runs out of
 * work first (the replay is not the run it replays). */
static int run_to(struct sim *s, uint64_t units)
{
	while (loop_units(s->loop) < units)
		if (!loop_run_one(s->loop))
			return -1;
	return 0;
}

/* The run again on a new sim, to the first n ops, then to units/vnow; the
 * UI moves to it. Output of the replay is not shown again. */
static int replay(struct tui *t, int n, uint64_t units, uint64_t vnow, char *err)
{
	struct sim *ns, *old = t->s;
	struct node *sel = t->sel_node;
	char node[256] = "", port[256] = "";
	FILE *null;
	int rc = 0;

	if ((ns = t->opt->reload(t->opt->reload_arg, err)) == NULL)
		return -1;
	null = fopen("/dev/null", "w");
	if (null == NULL)
		fatal("cannot open /dev/null: %s", strerror(errno));
	ns->out = null;
	sim_start(ns);
	for (int i = 0; i < n && rc == 0; i++) {
		char e[ERRLEN];

		rc = run_to(ns, t->ops[i].units);
		loop_set_vnow(ns->loop, t->ops[i].vnow);
		if (rc == 0 && t->ops[i].line != NULL)
			cmd_exec(ns, t->ops[i].line, null, false, e);
	}
	if (rc == 0)
		rc = run_to(ns, units);
	if (rc < 0) {
		ns->out = stdout;
		sim_free(ns);
		fclose(null);
		return errf(err, "the replay did not follow the run (did the topology file change?)");
	}
	loop_set_vnow(ns->loop, vnow);
	ns->out = t->out;
	ns->lesson = &tui_lesson_ops;   /* the replay's lesson steps printed to nothing */
	ns->lesson_arg = t;
	/* The UI moves over: stdin, the selection (by name), fresh panels. */
	if (sel != NULL)
		snprintf(node, sizeof(node), "%s", sel->name);
	if (t->sel_port != NULL)
		snprintf(port, sizeof(port), "%s", t->sel_port->name);
	loop_fd_del(old->loop, STDIN_FILENO);
	if (loop_fd_add(ns->loop, STDIN_FILENO, EPOLLIN, on_stdin, t) < 0)
		fatal("cannot watch stdin: %s", strerror(errno));
	screen_panels_destroy(t);
	old->out = null;        /* what it says as it goes (ping statistics) is not news */
	sim_free(old);
	fclose(null);
	t->s = ns;
	t->sel_node = node[0] ? graph_find_node(ns->g, node) : NULL;
	t->sel_port = port[0] ? graph_find_port(ns->g, port) : NULL;
	screen_panels_create(t);
	replay_truncate(t, n);
	t->ended = loop_now(ns->loop) >= ns->duration;
	t->dirty = true;
	return 0;
}

/* Why this run cannot be replayed, or NULL. */
static const char *no_replay(struct tui *t)
{
	if (t->opt->reload == NULL)
		return "this front-end cannot load the topology again";
	if (sim_is_real(t->s))
		return "this topology talks to the world outside (sockets, taps, VDE, "
		       "kernel guests, a monitor), and what they did cannot be run again";
	return NULL;
}

void clock_step_back(struct tui *t)
{
	const char *why = no_replay(t);
	char err[ERRLEN];
	int k = t->nops - 1;

	clock_set_paused(t, true);
	if (why != NULL) {
		tui_message(t, "step back is not available: %s", why);
		return;
	}
	while (k >= 0 && t->ops[k].line != NULL)
		k--;
	if (k < 0) {
		tui_message(t, "step back: this is where stepping began (r restarts the run)");
		return;
	}
	if (replay(t, k, t->ops[k].units, t->ops[k].vnow, err) < 0) {
		tui_message(t, "step back: %s", err);
		return;
	}
	if (t->steps > 0)
		t->steps--;
	tui_message(t, "step back: %" PRIu64 " hop%s into the run, t=%.6fs (replayed from the "
		    "start)", t->s->g->trace.total, t->s->g->trace.total == 1 ? "" : "s",
		    (double)loop_now(t->s->loop) / 1e9);
}

void clock_restart(struct tui *t)
{
	const char *why = no_replay(t);
	char err[ERRLEN];

	if (why != NULL) {
		tui_message(t, "restart is not available: %s", why);
		return;
	}
	if (replay(t, 0, 0, 0, err) < 0) {
		tui_message(t, "restart: %s", err);
		return;
	}
	t->steps = 0;
	anchor(t);
	tui_message(t, "restarted: the run from its start, t=0");
}

int command_run(struct tui *t, const char *line, bool popup_if_long)
{
	char err[ERRLEN] = "";
	char *text = NULL;
	size_t tlen = 0;
	int rc, lines;

	tui_message(t, "> %s", line);
	out_drain(t, NULL, NULL);
	replay_log(t, line);
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
	return command_run(t, buf, false);
}

void tui_prompt_open(struct tui *t, const char *text)
{
	prompt_open(&t->prompt, PROMPT_COMMAND, text);
	t->dirty = true;
}

/* ------------------------------------------------------------------ clock */

double clock_speed(const struct tui *t)
{
	return speeds[t->speed_idx];
}

static void anchor(struct tui *t)
{
	t->v_anchor = loop_now(t->s->loop);
	t->r_anchor = loop_mono_ns();
	t->behind = false;
}

void clock_set_paused(struct tui *t, bool paused)
{
	if (paused == t->paused)
		return;
	t->paused = paused;
	anchor(t);
	t->dirty = true;
}

void clock_speed_change(struct tui *t, int delta)
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
	double sp = clock_speed(t);

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
	graph_settle(t->s->g, false);  /* the panels read the counters */
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
void clock_step(struct tui *t)
{
	struct loop *l = t->s->loop;
	struct trace *tr = &t->s->g->trace;
	uint64_t before = tr->total, next = before, shown = UINT64_MAX, hidden;
	uint64_t limit = loop_now(l) + STEP_SPAN;
	const char *narrow = frames_narrowed(t);
	int units = 0;
	bool idle = false, far = false;

	clock_set_paused(t, true);
	replay_log(t, NULL);
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

/* -------------------------------------------------------------------- run */

static void on_stdin(void *arg, uint32_t events)
{
	struct tui *t = arg;

	if (events & (EPOLLHUP | EPOLLERR)) {
		/* The terminal went away: nobody to show anything to. */
		t->quit = true;
		return;
	}
	screen_read_keys(t);
}

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
		double sp = clock_speed(t);
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

int tui_run(struct sim **sp, const struct tui_options *o, char *err)
{
	struct tui *t = xcalloc(1, sizeof(*t));
	struct sim *s = *sp;
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
	if (term_init(t, err) < 0) {
		term_restore();
		free(t);
		return -1;
	}
	term_attach(t);
	out_open(t);
	screen_panels_create(t);
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
	s->lesson = &tui_lesson_ops;
	s->lesson_arg = t;
	sim_start(s);
	out_drain(t, NULL, NULL);
	anchor(t);
	t->dirty = true;
	while (!t->quit) {
		uint64_t now;

		advance(t);
		out_drain(t, NULL, NULL);
		if (term_quit_signal())
			t->quit = true;
		if (t->quit)
			break;
		rates_sample(t);
		now = loop_mono_ns();
		if (now - t->last_draw >= DRAW_INTERVAL && (t->dirty || !t->paused))
			screen_draw(t);
		loop_poll(t->s->loop, wait_ms(t));
		/* A monitor client's quit ran in that poll. */
		if (loop_stopped(t->s->loop))
			t->quit = true;
		/* A resize (SIGWINCH) interrupts the wait without making stdin
		 * readable; ncurses reports it through getch(). */
		screen_read_keys(t);
		if (term_quit_signal())
			t->quit = true;
	}
	s = *sp = t->s;         /* a step back may have replaced it */
	loop_fd_del(s->loop, STDIN_FILENO);
	out_drain(t, NULL, NULL);
	term_restore();
	fatal_set_hook(NULL);
	term_attach(NULL);
	screen_panels_destroy(t);
	tui_view_close(&t->popup);
	frameview_close(t);
	tui_view_close(&t->help);
	prompt_free(&t->prompt);
	for (int i = 0; i < MSG_MAX; i++)
		free(t->msgs[i]);
	replay_truncate(t, 0);
	free(t->ops);
	lesson_free(t);
	s->out = old_out;
	fclose(t->out);
	free(t->outbuf);
	if (term_quit_signal())
		printf("qnetsim: interrupted by a signal\n");
	free(t);
	term_free();
	return 0;
}

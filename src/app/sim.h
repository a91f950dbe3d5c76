/*
 * A loaded topology and everything that runs it: the loop, the graph, the
 * typed node lists, the scenario and its expectation results. The topology
 * loader fills it, commands act on it, the report reads it.
 */
#ifndef QNETSIM_SIM_H
#define QNETSIM_SIM_H

#include <stdio.h>

#include "../core/bridge.h"
#include "../core/graph.h"
#include "../core/hub.h"
#include "../core/loop.h"
#include "../guest/guest.h"

#define QNETSIM_VERSION_STR "0.1.0"
#define SIM_MAX_NAME 32
#define SIM_MAX_LINE 4096
#define SIM_DEFAULT_DURATION (10ULL * NS_PER_SEC)
#define SIM_SETTLE NS_PER_SEC  /* run past the last step by this much */

struct step {
	struct sim *sim;
	uint64_t at;
	int line;
	char *cmd;
	int result;             /* an expect step's slot in sim.results, else -1 */
	struct timer timer;
};

/*
 * Every expect step of the scenario has a result from the start, NOT_RUN
 * until its time comes. A run that ends first (--duration, quit, a signal,
 * q in the UI) leaves it NOT_RUN, and that counts against the run as a
 * failure does: a regression test that checked nothing has not passed.
 */
enum expect_state { EXPECT_NOT_RUN, EXPECT_PASS, EXPECT_FAIL };

struct expect_result {
	int line;
	uint64_t at;            /* when it ran, or when it was due */
	char *text;             /* the expression as written */
	enum expect_state state;
	char *actual;           /* what the left-hand side was; NULL if not run */
};

/* The expectations' score, as the summary line, the report and the UI
 * show it. */
struct expect_tally {
	int total, passed, failed, not_run;
};

struct netdev;

/* Where a command's live output goes: a monitor client (monitor.h), while
 * its command runs. write takes n bytes whole or refuses them; closed is
 * told when the capture that took it ends. A command that takes it sets
 * taken: the client is a stream from then on. */
struct sim_stream {
	bool (*write)(void *ctx, const void *p, size_t n);
	void (*closed)(void *ctx);
	void *ctx;
	bool taken;
};

enum capture_format { CAPTURE_AUTO, CAPTURE_PCAP, CAPTURE_PCAPNG };

/* [host NAME] (hosts.h). */
struct sim_host {
	char *name;
	uint32_t addr;          /* host byte order; 0: not given */
	uint16_t port;          /* the first tunnel's UDP port */
	char *monitor;          /* monitor = ADDRESS, or NULL */
	int line;
};

/* host = NAME in a node's section, checked once the file is read. */
struct sim_place {
	char *node, *host;
	int line;
};

/* A [link] this host's part crosses to another host through a tunnel. */
struct sim_crossing {
	int line;               /* the [link]'s */
	char *local, *remote;   /* its ends, as written: this host's, the other's */
	char *to_host, *netdev; /* the other host; the vxlan netdev in its place */
	uint32_t vni;
	uint16_t lport, rport;
};

struct sim {
	char *path;             /* the topology file */
	struct loop *loop;
	struct frame_pool *pool;
	struct graph *g;
	uint64_t seed;

	struct guest **guests;
	int nguests;
	struct hub **hubs;
	int nhubs;
	struct bridge **bridges;
	int nbridges;
	struct netdev **netdevs;
	int nnetdevs;

	struct step *steps;
	int nsteps, stepcap;
	/* Commands come from the scenario alone (headless): the times of
	 * its command steps, sorted, and how many have run, keep the graph's
	 * commands_from (graph.h, "Silent frames"). */
	bool scripted;
	/* A monitor socket (monitor.h) takes commands at any time: the run is
	 * real-time, and never scripted. */
	bool monitored;
	uint64_t *command_at;
	int ncommands, commands_run;
	uint64_t duration;      /* when the run ends */
	bool duration_set;      /* [scenario] duration= or --duration */

	struct expect_result *results;
	int nresults;

	FILE *out;              /* command output */
	bool show_time;         /* prefix command output with the clock */
	char *pcap_dir;
	struct capture *all_captures;  /* every open capture, for closing */
	struct capture *ng_captures;   /* the pcapng ones among them */
	struct run_pcapng *pcapng;     /* --pcapng's, or NULL */
	struct sim_stream *stream;     /* the monitor client a command came from */
	uint64_t commands_failed;
	struct flap **flaps;    /* ports being flapped (flap PORT ...) */
	int nflaps;
	struct map_pin *pins;   /* pos = COLUMN,ROW of nodes (map.h) */
	int npins;
	/* One topology across hosts (hosts.h): the hosts, where the nodes
	 * are, and for a --host run, which part this is and what it crosses. */
	struct sim_host *hosts;
	int nhosts;
	struct sim_place *places;
	int nplaces;
	char *part;
	struct sim_crossing *crossings;
	int ncrossings;
	/* The front-end's part in lessons (pause, say, ask); NULL: headless. */
	const struct sim_lesson_ops *lesson;
	void *lesson_arg;
};

#define LESSON_CHOICES_MAX 9    /* keys 1 to 9 answer */

/* What a front-end does with a lesson's steps (commands_lesson.c). */
struct sim_lesson_ops {
	void (*pause)(void *arg);                   /* stop the clock */
	void (*say)(void *arg, const char *text);   /* show text (copy it) */
	/* Ask: choices[answer] is right; the strings are the caller's. */
	void (*ask)(void *arg, const char *question, char *const *choices, int n, int answer);
};

/* Where the topology pins a node on the map. */
struct map_pin {
	char *name;
	int col, row;
};

/* A port whose link goes down and up on a period (the flap command). */
struct flap {
	struct sim *sim;
	struct port *port;
	uint64_t period, down;  /* down for `down` of every `period` */
	uint32_t left;          /* cycles still to run; 0 with forever */
	bool forever;
	bool is_down;
	struct timer timer;
};

/* The kinds of guest (guest.h), NULL-ended: sim first, the default. */
extern const struct guest_kind *const guest_kinds[];
const struct guest_kind *guest_kind_named(const char *name);    /* NULL: none */

/* Creates an empty sim with a virtual clock. */
struct sim *sim_new(uint64_t seed);
void sim_free(struct sim *s);

/* Loads a topology. On errors prints "file:line: message" lines to errs
 * and returns the number of errors (0: loaded). */
int topo_load(struct sim *s, const char *path, FILE *errs);
/* A whole file, at most TOPO_MAX_BYTES (errno EFBIG beyond): NULL on
 * error. */
char *topo_read(FILE *f, size_t *len);
/* The same from text in memory (--qemu's import); path names it in
 * messages ("--qemu:3: ..."). */
int topo_load_text(struct sim *s, const char *path, const char *text, size_t len, FILE *errs);


/* Lookups by name. */
struct guest *sim_guest(struct sim *s, const char *name);
struct bridge *sim_bridge(struct sim *s, const char *name);
struct hub *sim_hub(struct sim *s, const char *name);
struct hub *sim_vlan_hub(struct sim *s, int vlan, int line);  /* creates vlanN */

/* Opens every netdev's sockets and, if there is any, switches to the real
 * clock. Returns -1 with err when one cannot open (exit status 3). */
int sim_open(struct sim *s, char *err);

/* Whether anything real (netdevs, VDE servers, kernel guests, a monitor)
 * makes the run real-time. */
bool sim_is_real(const struct sim *s);

/* Counts the expectations by state; sim_tally_line writes "N expectations,
 * P passed, F failed[, R not run]". A run passes only when failed and
 * not_run are both 0. */
void sim_tally(const struct sim *s, struct expect_tally *t);
void sim_tally_line(const struct sim *s, char *buf, size_t n);
/* Prints "file:line: NOT RUN: expect ..." for each expectation that never
 * ran. */
void sim_print_not_run(const struct sim *s, FILE *f);

/* Schedules the scenario; then loop_run until the duration. */
void sim_start(struct sim *s);
void sim_run(struct sim *s);

/* Runs one command line. Returns 0, or -1 with the message written to out.
 * With check set, only validates it (names, addresses, syntax). */
int cmd_exec(struct sim *s, const char *line, FILE *out, bool check, char *err);
/* Whether a command's first argument is a guest (ping, udp, ..., exec), and
 * the i-th such command (NULL past the end). */
bool cmd_takes_guest(const char *name);
const char *cmd_guest_name(size_t i);
/* Prints the command list (help). */
void cmd_help(FILE *out);
/* The i-th command's name (NULL past the end), and a command's usage line
 * (NULL if unknown): for the prompt's completion and hints. */
const char *cmd_name(size_t i);
const char *cmd_usage(const char *name);
/* info's subcommands, in order (NULL past the last), and whether one takes
 * a guest: for the prompt's completion. */
const char *cmd_info_word(size_t i);
bool cmd_info_takes_guest(const char *word);

/* Evaluates "LHS OP RHS". Returns 1 held, 0 failed, -1 malformed (err).
 * actual receives the left-hand side's value when evaluated. */
int expect_eval(struct sim *s, const char *expr, bool check, char *actual, size_t alen,
		char *err);

/* Captures (pcap through libpcap, or pcapng; filter in tcpdump syntax).
 * capture_start and capture_stop are the capture command's: path is a
 * file, a FIFO or "-" (s->stream's client); CAPTURE_AUTO is pcapng for
 * "-", a FIFO or a name ending in .pcapng, else pcap. capture_stop closes
 * the port's command captures and says how many frames they wrote and
 * how many a slow reader had no room for, leaving a --pcap-dir capture
 * running. capture_stream_closed ends the capture a monitor client that
 * went was taking. capture_dir captures every port, now and as ports
 * appear, to DIR/PORT.pcap. */
int capture_start(struct sim *s, struct port *p, const char *path, const char *filter,
		  enum capture_format format, char *err);
int capture_stop(struct sim *s, struct port *p, uint64_t *frames, uint64_t *dropped,
		 char *err);
void capture_stream_closed(struct sim *s, void *ctx);
bool capture_running(const struct port *p);
int capture_dir(struct sim *s, const char *dir, char *err);
void capture_close_all(struct sim *s);
/* --pcapng FILE: every hop of the run from now on, one pcapng file
 * (pcapng.h); closing writes what waits. Both -1 with err. */
int capture_pcapng(struct sim *s, const char *path, char *err);
int capture_pcapng_close(struct sim *s, char *err);

/* Writes the JSON report. Returns 0 or -1 with err. */
int report_write(struct sim *s, const char *path, char *err);

/* "info network" and friends, used by commands and the TUI. */
/* Every hub, bridge and netdev in qnetsim's words; with a guest, what
 * that guest's QEMU monitor shows (QEMU 7.2's `info network`, byte for
 * byte where QEMU has the same thing). */
void info_network(struct sim *s, struct guest *gu, FILE *out);
void info_ports(struct sim *s, FILE *out);
void info_mac(struct sim *s, struct bridge *b, FILE *out);
void info_arp(struct sim *s, struct guest *gu, FILE *out);

#endif

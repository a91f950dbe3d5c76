/*
 * qnetsim command line.
 *
 * Exit status: 0 ran and every expectation held; 1 an expectation failed
 * or never ran (the run ended before its time); 2 bad command line or topology; 3 a runtime resource failed.
 */
#include "app/hosts.h"
#include "app/map.h"
#include "app/monitor.h"
#include "app/qemu.h"
#include "app/sim.h"
#include "core/util.h"
#include "nics/nic_models.h"
#include "tui/tui.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXIT_EXPECT 1
#define EXIT_USAGE 2
#define EXIT_RUNTIME 3

/* The whole frames the UI keeps for its hops (Frames: o), in bytes. */
#define FRAME_BYTES_UI (16u << 20)
#define FRAME_BYTES_MAX (4ull << 30)

static void usage(FILE *out)
{
	fprintf(out,
		"usage: qnetsim [options] TOPOLOGY.ini\n"
		"       qnetsim [options] --qemu 'QEMU-ARGS'\n"
		"       qnetsim import qemu [--] QEMU-ARGS... | FILE\n"
		"       qnetsim qemu-args TOPOLOGY [NETDEV]\n"
		"       qnetsim ctl unix:PATH|tcp:HOST:PORT [COMMAND...]\n"
		"       qnetsim hosts TOPOLOGY\n"
		"\n"
		"Without --headless or --check, opens the interactive UI (press ? in it).\n"
		"\n"
		"  --headless          run without the UI until the scenario ends\n"
		"  --duration T        run for T of simulated time (e.g. 30s, 500ms);\n"
		"                      in the UI: quit when the clock reaches T\n"
		"  --speed X           UI clock speed: 0.01 .. 1000 (x real time) or max\n"
		"  --paused            UI: start with the clock stopped (n steps one hop)\n"
		"  --seed N            seed for random loss and everything random (default 1)\n"
		"  --report FILE       write a JSON report (docs/report.md)\n"
		"  --pcap-dir DIR      capture every port to DIR/PORT.pcap (also --pcap)\n"
		"  --pcapng FILE       every hop of the run in one pcapng file: an interface\n"
		"                      per port, each frame's decision as its comment\n"
		"  --trace FILE        write the last decisions (one line per frame per hop)\n"
		"  --trace-size N      decisions kept for --trace and the UI (default 65536)\n"
		"  --frame-bytes SIZE  UI: bytes of whole frames kept for the hops, to open\n"
		"                      them layer by layer (default 16M; 0: first 64 bytes)\n"
		"  --host NAME         run host NAME's part of a topology split across hosts\n"
		"                      (qnetsim hosts TOPOLOGY prints every host's command)\n"
		"  --monitor ADDR      take commands on a socket, unix:PATH or tcp:HOST:PORT,\n"
		"                      as QEMU's monitor (qnetsim ctl ADDR COMMAND sends one)\n"
		"  --check             validate the topology and exit\n"
		"  --qemu 'ARGS'       the network of a QEMU command line (qnetsim import\n"
		"                      qemu prints it as a topology file), instead of a file\n"
		"  --export FORMAT     print the topology as text (the map panel's drawing),\n"
		"                      ascii, dot (Graphviz) or mermaid, and exit\n"
		"  -q, --quiet         print only expectation results and errors\n"
		"  -v, --log FILE      write a debug log to FILE\n"
		"  -nic model=help     list the NIC models\n"
		"  --commands          list the scenario/prompt commands\n"
		"  -h, --help          this help;  --version  the version\n"
		"\n"
		"Exit status: 0 all expectations ran and held, 1 an expectation failed\n"
		"or did not run, 2 bad command line or topology, 3 a runtime resource\n"
		"failed.\n");
}

static volatile sig_atomic_t got_signal;
static struct loop *signal_loop;

static void on_signal(int sig)
{
	got_signal = sig;
	if (signal_loop != NULL)
		loop_stop(signal_loop);
}

static int write_trace(struct sim *s, const char *path)
{
	FILE *f = fopen(path, "w");
	struct trace *t = &s->g->trace;
	uint64_t first;
	char line[512];

	if (f == NULL) {
		fprintf(stderr, "qnetsim: cannot write trace %s: %s\n", path, strerror(errno));
		return -1;
	}
	first = t->total > t->cap ? t->total - t->cap : 0;
	if (first > 0)
		fprintf(f, "# %" PRIu64 " earlier decisions not kept (--trace-size %u)\n", first,
			t->cap);
	for (uint64_t i = first; i < t->total; i++) {
		trace_format(s->g, &t->ring[i % t->cap], line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
	fclose(f);
	return 0;
}

/* What the command line asked for. */
struct opts {
	bool headless, check, quiet, duration_set;
	const char *report, *pcap_dir, *pcapng, *trace, *topology, *export, *qemu, *monitor, *host;
	char *qemu_text;        /* --qemu's topology, imported */
	struct monitor *mon;    /* --monitor's, while the run goes */
	size_t qemu_len;
	uint64_t duration, seed, trace_size, frame_bytes;
	bool frame_bytes_set;
	struct tui_options uio;
};

/* QEMU spells it "-nic model=help"; accept that too. */
static bool qemu_model_help(int argc, char **argv)
{
	static const char *const asks[] = { "model=help", "model=?", "nic,model=help",
					    "nic,model=?" };

	for (int i = 1; i + 1 < argc; i++) {
		if (strcmp(argv[i], "-nic") != 0 && strcmp(argv[i], "-net") != 0)
			continue;
		for (size_t k = 0; k < ARRAY_SIZE(asks); k++)
			if (strcmp(argv[i + 1], asks[k]) == 0)
				return true;
	}
	return false;
}

static int parse_speed(const char *arg, double *speed)
{
	char *end;

	if (strcmp(arg, "max") == 0) {
		*speed = 0;
		return 0;
	}
	errno = 0;
	*speed = strtod(arg, &end);
	if (errno != 0 || end == arg || *end != '\0' || *speed < 0.01 || *speed > 1000) {
		fprintf(stderr, "qnetsim: --speed: '%s' is not 0.01 .. 1000 or max\n", arg);
		return -1;
	}
	return 0;
}

/* One option with its argument: -1 to go on, else the exit status. */
static int parse_opt(int c, const char *arg, struct opts *o)
{
	char err[ERRLEN];

	switch (c) {
	case 'H': o->headless = true; break;
	case 'C': o->check = true; break;
	case 'q': o->quiet = true; break;
	case 'R': o->report = arg; break;
	case 'P': o->pcap_dir = arg; break;
	case 'G': o->pcapng = arg; break;
	case 'T': o->trace = arg; break;
	case 'E': o->export = arg; break;
	case 'Q': o->qemu = arg; break;
	case 'O': o->host = arg; break;
	case 'M':
		if (monitor_parse(arg, err) < 0) {
			fprintf(stderr, "qnetsim: --monitor: %s\n", err);
			return EXIT_USAGE;
		}
		o->monitor = arg;
		break;
	case 'v': log_open(arg); break;
	case 'D':
		if (parse_duration(arg, &o->duration, err) < 0) {
			fprintf(stderr, "qnetsim: --duration: %s\n", err);
			return EXIT_USAGE;
		}
		o->duration_set = true;
		break;
	case 'S':
		if (parse_u64(arg, 0, UINT64_MAX, &o->seed, err) < 0) {
			fprintf(stderr, "qnetsim: --seed: %s\n", err);
			return EXIT_USAGE;
		}
		break;
	case 'Z':
		if (parse_u64(arg, 1, 1u << 24, &o->trace_size, err) < 0) {
			fprintf(stderr, "qnetsim: --trace-size: %s\n", err);
			return EXIT_USAGE;
		}
		break;
	case 'B':
		if (parse_size(arg, FRAME_BYTES_MAX, &o->frame_bytes, err) < 0) {
			fprintf(stderr, "qnetsim: --frame-bytes: %s\n", err);
			return EXIT_USAGE;
		}
		o->frame_bytes_set = true;
		break;
	case 'N':
		if (strcmp(arg, "model=help") == 0 || strcmp(arg, "model=?") == 0) {
			nic_model_help(stdout);
			return 0;
		}
		fprintf(stderr, "qnetsim: --nic only takes model=help; NICs go in the topology\n");
		return EXIT_USAGE;
	case 'L':
		cmd_help(stdout);
		return 0;
	case 'X':
		return parse_speed(arg, &o->uio.speed) < 0 ? EXIT_USAGE : -1;
	case 'W':
		o->uio.paused = true;
		break;
	case 'h':
		usage(stdout);
		return 0;
	case 'V':
		printf("qnetsim " QNETSIM_VERSION_STR "\n");
		return 0;
	default:
		usage(stderr);
		return EXIT_USAGE;
	}
	return -1;
}

/* The whole command line: -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "headless", no_argument, NULL, 'H' },
		{ "duration", required_argument, NULL, 'D' },
		{ "seed", required_argument, NULL, 'S' },
		{ "report", required_argument, NULL, 'R' },
		{ "pcap-dir", required_argument, NULL, 'P' },
		{ "pcap", required_argument, NULL, 'P' },
		{ "pcapng", required_argument, NULL, 'G' },
		{ "trace", required_argument, NULL, 'T' },
		{ "trace-size", required_argument, NULL, 'Z' },
		{ "frame-bytes", required_argument, NULL, 'B' },
		{ "check", no_argument, NULL, 'C' },
		{ "export", required_argument, NULL, 'E' },
		{ "qemu", required_argument, NULL, 'Q' },
		{ "monitor", required_argument, NULL, 'M' },
		{ "host", required_argument, NULL, 'O' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "log", required_argument, NULL, 'v' },
		{ "nic", required_argument, NULL, 'N' },
		{ "commands", no_argument, NULL, 'L' },
		{ "speed", required_argument, NULL, 'X' },
		{ "paused", no_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	*o = (struct opts){ .seed = 1, .trace_size = 65536, .frame_bytes = FRAME_BYTES_UI,
			    .uio = { .speed = 1.0 } };
	if (qemu_model_help(argc, argv)) {
		nic_model_help(stdout);
		return 0;
	}
	/* Only the short options the help lists; the letters above are the
	 * long options' own. */
	while ((c = getopt_long(argc, argv, "hqv:", longopts, NULL)) != -1)
		if ((rc = parse_opt(c, optarg, o)) >= 0)
			return rc;
	if (o->qemu != NULL && optind == argc) {
		o->topology = "--qemu";
	} else if (optind != argc - 1 || o->qemu != NULL) {
		fprintf(stderr, "qnetsim: expected one topology file%s\n",
			o->qemu != NULL ? ", or --qemu, not both" : "");
		usage(stderr);
		return EXIT_USAGE;
	} else {
		o->topology = argv[optind];
	}
	if (o->host != NULL && o->qemu != NULL) {
		fprintf(stderr, "qnetsim: --host splits a topology file; --qemu has no hosts\n");
		return EXIT_USAGE;
	}
	if (o->frame_bytes_set && o->headless) {
		fprintf(stderr, "qnetsim: --frame-bytes is for the UI: a headless run keeps "
				"only each hop's first %d bytes\n", TRACE_HDR);
		return EXIT_USAGE;
	}
	if (!o->headless && !o->check && o->export == NULL && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		fprintf(stderr, "qnetsim: the UI needs a terminal on stdin and stdout; "
				"use --headless to run without it\n");
		return EXIT_USAGE;
	}
	return -1;
}

/* What the run keeps of the hops it makes: the UI keeps whole frames. */
static void set_trace(const struct opts *o, struct sim *s)
{
	/* Only --trace and the UI read the decisions: a headless run without
	 * --trace records none (at 100,000 guests, a tenth of the run). */
	if (o->headless && o->trace == NULL)
		graph_set_trace_cap(s->g, 0);
	else if (o->trace_size != 65536)
		graph_set_trace_cap(s->g, (uint32_t)o->trace_size);
	if (!o->headless && !o->check && o->export == NULL)
		graph_set_trace_bytes(s->g, o->frame_bytes);
}

/* --qemu: the command line imported, once, as topology text; its
 * warnings go where the loader's go (the UI shows them). */
static int import_arg(struct opts *o, FILE *warn)
{
	char err[ERRLEN];
	FILE *mem = open_memstream(&o->qemu_text, &o->qemu_len);
	int rc = qemu_import_line(o->qemu, mem, warn, err);

	fclose(mem);
	if (rc < 0) {
		fprintf(stderr, "qnetsim: --qemu: %s\n", err);
		return -1;
	}
	return 0;
}

/* The whole file's text, loaded into a sim of its own to check it: 0, or
 * the errors (printed). */
static int load_whole(const char *path, struct sim **full, char **text, size_t *len, FILE *errs)
{
	FILE *f = fopen(path, "r");
	int nerr;

	*full = NULL;
	*text = f != NULL ? topo_read(f, len) : NULL;
	if (f != NULL)
		fclose(f);
	if (*text == NULL) {
		fprintf(errs, "%s: cannot read: %s\n", path, strerror(errno));
		return 1;
	}
	*full = sim_new(1);
	nerr = topo_load_text(*full, path, *text, *len, errs);
	return nerr;
}

/* --host NAME: that host's part of the file, loaded into s. */
static int topo_part(struct opts *o, struct sim *s, FILE *errs)
{
	struct sim *full;
	struct sim_crossing *cx;
	char *text, *part = NULL;
	size_t len, plen = 0;
	int ncx = 0, nerr = load_whole(o->topology, &full, &text, &len, errs);

	if (nerr == 0)
		nerr = hosts_split(full, text, len, o->host, &part, &plen, &cx, &ncx, errs);
	if (nerr == 0) {
		nerr = topo_load_text(s, o->topology, part, plen, errs);
		s->part = xstrdup(o->host);
		s->crossings = cx;
		s->ncrossings = ncx;
	}
	if (full != NULL)
		sim_free(full);
	free(text);
	free(part);
	return nerr;
}

/* The whole file; one with [host]s must also split. */
static int topo_whole(struct opts *o, struct sim *s, FILE *errs)
{
	FILE *f;
	char *text;
	size_t len;
	int nerr = topo_load(s, o->topology, errs);

	if (nerr != 0 || s->nhosts == 0)
		return nerr;
	f = fopen(o->topology, "r");
	text = f != NULL ? topo_read(f, &len) : NULL;
	if (f != NULL)
		fclose(f);
	if (text == NULL)
		return 1;
	nerr = hosts_validate(s, text, len, errs);
	free(text);
	return nerr;
}

/* The topology file, --host's part of it, or --qemu's. */
static int topo_of(struct opts *o, struct sim *s, FILE *errs)
{
	if (o->host != NULL)
		return topo_part(o, s, errs);
	if (o->qemu == NULL)
		return topo_whole(o, s, errs);
	if (o->qemu_text == NULL && import_arg(o, errs) < 0)
		return 1;
	return topo_load_text(s, "--qemu", o->qemu_text, o->qemu_len, errs);
}

/* Loads the topology into a new sim: -1 to go on (*sp set), else the exit
 * status. The UI shows the loader's warnings too, as they would vanish
 * under it: *notes keeps them. */
/* A topology loaded but never opened holds memory only (sim_open makes
 * its sockets, processes and files), and the system takes it back at
 * exit at once: freeing 100,000 guests one by one was a tenth of a
 * --check. Built with AddressSanitizer, it is freed all the same, so that
 * the leak check still sees every allocation. */
static void sim_free_unopened(struct sim *s)
{
#ifdef __SANITIZE_ADDRESS__
	sim_free(s);
#else
	(void)s;
#endif
}

static int load(struct opts *o, struct sim **sp, char **notes)
{
	struct sim *s = sim_new(o->seed);
	size_t notes_len = 0;
	FILE *notes_f;
	int nerr;

	set_trace(o, s);
	notes_f = !o->headless && !o->check && o->export == NULL ? open_memstream(notes, &notes_len) : NULL;
	nerr = topo_of(o, s, notes_f != NULL ? notes_f : stderr);
	if (notes_f != NULL) {
		fclose(notes_f);
		fputs(*notes, stderr);
		o->uio.notes = *notes;
	}
	if (nerr == 0 && o->export != NULL) {
		char err[ERRLEN];
		int rc = map_export(s, o->export, stdout, err);

		if (rc < 0)
			fprintf(stderr, "qnetsim: %s\n", err);
		sim_free(s);
		return rc < 0 ? EXIT_USAGE : 0;
	}
	if (nerr != 0 || o->check) {
		if (nerr > 0)
			fprintf(stderr, "%s: %d error%s\n", o->topology, nerr, nerr == 1 ? "" : "s");
		else if (nerr == 0)
			printf("%s: ok (%d guests, %d hubs, %d bridges, %d netdevs, %d links, "
			       "%d steps)\n", o->topology, s->nguests, s->nhubs, s->nbridges,
			       s->nnetdevs, s->g->nlinks, s->nsteps);
		/* nerr < 0: model=help in the file, and the list was printed. */
		sim_free_unopened(s);
		return nerr > 0 ? EXIT_USAGE : 0;
	}
	if (o->duration_set) {
		s->duration = o->duration;
		s->duration_set = true;
	}
	*sp = s;
	return -1;
}

/* The UI's step back and restart: the same run again from its start,
 * loaded and opened (captures too), not started. */
static struct sim *reload(void *arg, char *err)
{
	const struct opts *o = arg;
	struct sim *s = sim_new(o->seed);
	FILE *null = fopen("/dev/null", "w");
	int nerr;

	set_trace(o, s);
	nerr = topo_of((struct opts *)o, s, null != NULL ? null : stderr);
	if (null != NULL)
		fclose(null);
	if (nerr != 0) {
		sim_free(s);
		errf(err, "%s no longer loads (changed since the start?)", o->topology);
		return NULL;
	}
	if (o->duration_set) {
		s->duration = o->duration;
		s->duration_set = true;
	}
	if ((o->pcap_dir != NULL && capture_dir(s, o->pcap_dir, err) < 0) ||
	    (o->pcapng != NULL && capture_pcapng(s, o->pcapng, err) < 0) || sim_open(s, err) < 0) {
		sim_free(s);
		return NULL;
	}
	return s;
}

/* Opens what the run needs and runs it, in the UI or headless: -1 when
 * it ran (*wall0: when it started), else the exit status. The UI may
 * replace the sim (*sp) when it steps back. */
static int run(struct opts *o, struct sim **sp, uint64_t *wall0)
{
	char err[ERRLEN];
	struct sim *s = *sp;

	if (o->quiet) {
		s->out = fopen("/dev/null", "w");
		if (s->out == NULL)
			s->out = stdout;
		/* Events would go there: none are made (a line each, formatted
		 * and written, was a tenth of a busy run). */
		if (o->headless)
			s->g->event = NULL;
	}
	if ((o->pcap_dir != NULL && capture_dir(s, o->pcap_dir, err) < 0) ||
	    (o->pcapng != NULL && capture_pcapng(s, o->pcapng, err) < 0)) {
		fprintf(stderr, "qnetsim: %s\n", err);
		return EXIT_RUNTIME;
	}
	/* A peer that goes away must never kill us with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	/* A host's part opens the monitor its [host] section names. */
	if (o->monitor == NULL && s->part != NULL && sim_host_find(s, s->part) >= 0)
		o->monitor = s->hosts[sim_host_find(s, s->part)].monitor;
	s->monitored = o->monitor != NULL;
	if (sim_open(s, err) < 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_RUNTIME;
	}
	if (o->monitor != NULL && (o->mon = monitor_open(s, o->monitor, err)) == NULL) {
		fprintf(stderr, "qnetsim: --monitor: %s\n", err);
		return EXIT_RUNTIME;
	}
	*wall0 = loop_mono_ns();
	if (!o->headless) {
		o->uio.quit_at_end = o->duration_set;
		o->uio.reload = reload;
		o->uio.reload_arg = o;
		if (tui_run(sp, &o->uio, err) < 0) {
			fprintf(stderr, "qnetsim: %s\n", err);
			return EXIT_USAGE;
		}
		/* What happened, on the restored terminal. */
		o->quiet = false;
		return -1;
	}
	signal_loop = s->loop;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	/* Headless, commands come from the scenario alone, unless a monitor
	 * takes them too. */
	s->scripted = o->monitor == NULL;
	sim_start(s);
	sim_run(s);
	return -1;
}

/* The results, the trace and the report: the exit status. */
static int finish(const struct opts *o, struct sim *s, uint64_t wall0)
{
	struct expect_tally t;
	char err[ERRLEN], tally[128];
	int rc = 0;

	graph_settle(s->g, false);
	if (o->quiet && s->out != stdout) {
		fclose(s->out);
		s->out = stdout;
	}
	/* Failures on stdout even when quiet; expectations the run ended
	 * before always. */
	for (int i = 0; i < s->nresults && o->quiet; i++)
		if (s->results[i].state == EXPECT_FAIL)
			printf("%s:%d: FAIL: expect %s (actual %s)\n", s->path, s->results[i].line,
			       s->results[i].text, s->results[i].actual);
	sim_print_not_run(s, stdout);
	sim_tally_line(s, tally, sizeof(tally));
	printf("%s: %s; ran %.3fs simulated\n", s->path, tally, (double)loop_now(s->loop) / 1e9);
	if (!o->quiet)
		printf("%" PRIu64 " frames delivered in %.3fs of wall time\n", s->g->frames_delivered,
		       (double)(loop_mono_ns() - wall0) / 1e9);
	if (got_signal)
		printf("interrupted by signal %d\n", (int)got_signal);
	capture_close_all(s);
	if (capture_pcapng_close(s, err) < 0) {
		fprintf(stderr, "qnetsim: %s\n", err);
		rc = EXIT_RUNTIME;
	}
	if (o->trace != NULL && write_trace(s, o->trace) < 0)
		rc = EXIT_RUNTIME;
	if (o->report != NULL && report_write(s, o->report, err) < 0) {
		fprintf(stderr, "qnetsim: %s\n", err);
		rc = EXIT_RUNTIME;
	}
	sim_tally(s, &t);
	if (rc == 0 && (t.failed > 0 || t.not_run > 0))
		rc = EXIT_EXPECT;
	return rc;
}

/* qnetsim import qemu [--] ARGS... | FILE: the topology to stdout. */
static int import_cmd(int argc, char **argv)
{
	char err[ERRLEN];
	int rc;

	if (argc < 3 || strcmp(argv[2], "qemu") != 0) {
		fprintf(stderr, "qnetsim: import: usage: qnetsim import qemu [--] QEMU-ARGS... | FILE\n");
		return EXIT_USAGE;
	}
	argv += 3;
	argc -= 3;
	if (argc > 0 && strcmp(argv[0], "--") == 0) {
		argv++;
		argc--;
	}
	if (argc == 0) {
		fprintf(stderr, "qnetsim: import qemu: give a QEMU command line or a file of them\n");
		return EXIT_USAGE;
	}
	if (argc == 1 && argv[0][0] != '-' && access(argv[0], F_OK) == 0) {
		FILE *f = fopen(argv[0], "r");
		size_t len = 0;
		char *text = f != NULL ? topo_read(f, &len) : NULL;

		if (f != NULL)
			fclose(f);
		if (text == NULL) {
			fprintf(stderr, "qnetsim: import qemu: %s: cannot read: %s\n", argv[0],
				strerror(errno));
			return EXIT_USAGE;
		}
		rc = qemu_import_text(text, stdout, stderr, err);
		free(text);
	} else if (argc == 1 && strchr(argv[0], ' ') != NULL) {
		/* One quoted line: its words, as a shell would split them. */
		rc = qemu_import_line(argv[0], stdout, stderr, err);
	} else {
		rc = qemu_import(&argv, &argc, 1, stdout, stderr, err);
	}
	if (rc < 0) {
		fprintf(stderr, "qnetsim: import qemu: %s\n", err);
		return EXIT_USAGE;
	}
	return 0;
}

/* qnetsim qemu-args TOPOLOGY [NODE]: how a real VM joins it. */
static int qemu_args_cmd(int argc, char **argv)
{
	struct sim *s;
	char err[ERRLEN];
	int nerr, rc;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "qnetsim: qemu-args: usage: qnetsim qemu-args TOPOLOGY [NETDEV]\n");
		return EXIT_USAGE;
	}
	s = sim_new(1);
	nerr = topo_load(s, argv[2], stderr);
	if (nerr != 0) {
		if (nerr > 0)
			fprintf(stderr, "%s: %d error%s\n", argv[2], nerr, nerr == 1 ? "" : "s");
		sim_free(s);
		return EXIT_USAGE;
	}
	rc = qemu_args_print(s, argc == 4 ? argv[3] : NULL, stdout, err);
	if (rc < 0)
		fprintf(stderr, "qnetsim: qemu-args: %s\n", err);
	sim_free(s);
	return rc < 0 ? EXIT_USAGE : 0;
}

/* qnetsim hosts TOPOLOGY: the command each host runs. */
static int hosts_cmd(int argc, char **argv)
{
	struct sim *full;
	char *text;
	size_t len;
	int nerr;

	if (argc != 3) {
		fprintf(stderr, "qnetsim: hosts: usage: qnetsim hosts TOPOLOGY\n");
		return EXIT_USAGE;
	}
	nerr = load_whole(argv[2], &full, &text, &len, stderr);
	if (nerr == 0)
		nerr = hosts_print(full, text, len, stdout, stderr);
	if (full != NULL)
		sim_free(full);
	free(text);
	return nerr == 0 ? 0 : EXIT_USAGE;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct sim *s = NULL;
	char *notes = NULL;
	uint64_t wall0 = 0;
	int rc;

	if (argc > 1 && strcmp(argv[1], "import") == 0)
		return import_cmd(argc, argv);
	if (argc > 1 && strcmp(argv[1], "qemu-args") == 0)
		return qemu_args_cmd(argc, argv);
	if (argc > 1 && strcmp(argv[1], "hosts") == 0)
		return hosts_cmd(argc, argv);
	if (argc > 1 && strcmp(argv[1], "extcap") == 0)
		return extcap_main(argc - 2, argv + 2);
	if (argc > 1 && strcmp(argv[1], "ctl") == 0) {
		if (argc < 3) {
			fprintf(stderr, "qnetsim: ctl: usage: qnetsim ctl unix:PATH|tcp:HOST:PORT "
				"[COMMAND...]\n");
			return EXIT_USAGE;
		}
		return monitor_ctl(argv[2], argc - 3, argv + 3);
	}
	if ((rc = parse_args(argc, argv, &o)) >= 0)
		return rc;
	if ((rc = load(&o, &s, &notes)) < 0) {
		rc = run(&o, &s, &wall0);
		monitor_close(o.mon);
		if (rc < 0)
			rc = finish(&o, s, wall0);
		sim_free(s);
	}
	free(notes);
	free(o.qemu_text);
	log_close();
	return rc;
}

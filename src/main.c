/*
 * qnetsim command line.
 *
 * Exit status: 0 ran and every expectation held; 1 an expectation failed
 * or never ran (the run ended before its time); 2 bad command line or topology; 3 a runtime resource failed.
 */
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

static void usage(FILE *out)
{
	fprintf(out,
		"usage: qnetsim [options] TOPOLOGY.ini\n"
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
		"  --trace FILE        write the last decisions (one line per frame per hop)\n"
		"  --trace-size N      decisions kept for --trace (default 65536)\n"
		"  --check             validate the topology and exit\n"
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

int main(int argc, char **argv)
{
	enum { OPT_DURATION = 256, OPT_SEED, OPT_REPORT, OPT_PCAP, OPT_TRACE, OPT_TRACE_SIZE,
	       OPT_CHECK, OPT_HEADLESS, OPT_VERSION, OPT_NIC, OPT_COMMANDS, OPT_SPEED,
	       OPT_PAUSED };
	static const struct option longopts[] = {
		{ "headless", no_argument, NULL, OPT_HEADLESS },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "report", required_argument, NULL, OPT_REPORT },
		{ "pcap-dir", required_argument, NULL, OPT_PCAP },
		{ "pcap", required_argument, NULL, OPT_PCAP },
		{ "trace", required_argument, NULL, OPT_TRACE },
		{ "trace-size", required_argument, NULL, OPT_TRACE_SIZE },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "quiet", no_argument, NULL, 'q' },
		{ "log", required_argument, NULL, 'v' },
		{ "nic", required_argument, NULL, OPT_NIC },
		{ "commands", no_argument, NULL, OPT_COMMANDS },
		{ "speed", required_argument, NULL, OPT_SPEED },
		{ "paused", no_argument, NULL, OPT_PAUSED },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	bool headless = false, check = false, quiet = false;
	const char *report = NULL, *pcap_dir = NULL, *trace = NULL;
	uint64_t duration = 0, seed = 1, trace_size = 65536;
	bool duration_set = false;
	struct tui_options uio = { .speed = 1.0 };
	char err[ERRLEN], tally[128], *notes = NULL;
	size_t notes_len = 0;
	FILE *notes_f;
	struct expect_tally t;
	struct sim *s;
	int c, nerr, rc = 0;
	uint64_t wall0;

	/* QEMU spells it "-nic model=help"; accept that too. */
	for (int i = 1; i + 1 < argc; i++) {
		if ((strcmp(argv[i], "-nic") == 0 || strcmp(argv[i], "-net") == 0) &&
		    (strcmp(argv[i + 1], "model=help") == 0 || strcmp(argv[i + 1], "model=?") == 0 ||
		     strcmp(argv[i + 1], "nic,model=help") == 0 ||
		     strcmp(argv[i + 1], "nic,model=?") == 0)) {
			nic_model_help(stdout);
			return 0;
		}
	}
	while ((c = getopt_long(argc, argv, "hqv:", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_HEADLESS: headless = true; break;
		case OPT_CHECK: check = true; break;
		case 'q': quiet = true; break;
		case OPT_REPORT: report = optarg; break;
		case OPT_PCAP: pcap_dir = optarg; break;
		case OPT_TRACE: trace = optarg; break;
		case 'v': log_open(optarg); break;
		case OPT_DURATION:
			if (parse_duration(optarg, &duration, err) < 0) {
				fprintf(stderr, "qnetsim: --duration: %s\n", err);
				return EXIT_USAGE;
			}
			duration_set = true;
			break;
		case OPT_SEED:
			if (parse_u64(optarg, 0, UINT64_MAX, &seed, err) < 0) {
				fprintf(stderr, "qnetsim: --seed: %s\n", err);
				return EXIT_USAGE;
			}
			break;
		case OPT_TRACE_SIZE:
			if (parse_u64(optarg, 1, 1u << 24, &trace_size, err) < 0) {
				fprintf(stderr, "qnetsim: --trace-size: %s\n", err);
				return EXIT_USAGE;
			}
			break;
		case OPT_NIC:
			if (strcmp(optarg, "model=help") == 0 || strcmp(optarg, "model=?") == 0) {
				nic_model_help(stdout);
				return 0;
			}
			fprintf(stderr, "qnetsim: --nic only takes model=help; NICs go in the topology\n");
			return EXIT_USAGE;
		case OPT_COMMANDS:
			cmd_help(stdout);
			return 0;
		case OPT_SPEED:
			if (strcmp(optarg, "max") == 0) {
				uio.speed = 0;
			} else {
				char *end;

				errno = 0;
				uio.speed = strtod(optarg, &end);
				if (errno != 0 || end == optarg || *end != '\0' || uio.speed < 0.01 ||
				    uio.speed > 1000) {
					fprintf(stderr, "qnetsim: --speed: '%s' is not 0.01 .. 1000 or max\n",
						optarg);
					return EXIT_USAGE;
				}
			}
			break;
		case OPT_PAUSED:
			uio.paused = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case OPT_VERSION:
			printf("qnetsim 0.1.0\n");
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "qnetsim: expected one topology file\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!headless && !check && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		fprintf(stderr, "qnetsim: the UI needs a terminal on stdin and stdout; "
				"use --headless to run without it\n");
		return EXIT_USAGE;
	}

	s = sim_new(seed);
	if (trace_size != 65536)
		graph_set_trace_cap(s->g, (uint32_t)trace_size);
	/* The UI shows the loader's warnings too: they would vanish under it. */
	notes_f = !headless && !check ? open_memstream(&notes, &notes_len) : NULL;
	nerr = topo_load(s, argv[optind], notes_f != NULL ? notes_f : stderr);
	if (notes_f != NULL) {
		fclose(notes_f);
		fputs(notes, stderr);
		uio.notes = notes;
	}
	if (nerr < 0) {
		/* model=help in the file: the list was printed. */
		sim_free(s);
		free(notes);
		return 0;
	}
	if (nerr > 0) {
		fprintf(stderr, "%s: %d error%s\n", argv[optind], nerr, nerr == 1 ? "" : "s");
		sim_free(s);
		free(notes);
		return EXIT_USAGE;
	}
	if (check) {
		printf("%s: ok (%d guests, %d hubs, %d bridges, %d netdevs, %d links, %d steps)\n",
		       argv[optind], s->nguests, s->nhubs, s->nbridges, s->nnetdevs, s->g->nlinks,
		       s->nsteps);
		sim_free(s);
		free(notes);
		return 0;
	}
	if (duration_set) {
		s->duration = duration;
		s->duration_set = true;
	}
	if (quiet) {
		s->out = fopen("/dev/null", "w");
		if (s->out == NULL)
			s->out = stdout;
	}
	if (pcap_dir != NULL && capture_dir(s, pcap_dir, err) < 0) {
		fprintf(stderr, "qnetsim: %s\n", err);
		sim_free(s);
		free(notes);
		return EXIT_RUNTIME;
	}
	/* A peer that goes away must never kill us with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	if (sim_open(s, err) < 0) {
		fprintf(stderr, "%s\n", err);
		sim_free(s);
		free(notes);
		return EXIT_RUNTIME;
	}
	wall0 = loop_mono_ns();
	if (!headless) {
		uio.quit_at_end = duration_set;
		if (tui_run(s, &uio, err) < 0) {
			fprintf(stderr, "qnetsim: %s\n", err);
			sim_free(s);
			free(notes);
			return EXIT_USAGE;
		}
		/* What happened, on the restored terminal. */
		quiet = false;
	} else {
		signal_loop = s->loop;
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		sim_start(s);
		sim_run(s);
	}

	if (quiet && s->out != stdout) {
		fclose(s->out);
		s->out = stdout;
	}
	/* Results: failures on stdout even when quiet; expectations the run
	 * ended before always. */
	for (int i = 0; i < s->nresults && quiet; i++)
		if (s->results[i].state == EXPECT_FAIL)
			printf("%s:%d: FAIL: expect %s (actual %s)\n", s->path, s->results[i].line,
			       s->results[i].text, s->results[i].actual);
	sim_print_not_run(s, stdout);
	sim_tally_line(s, tally, sizeof(tally));
	printf("%s: %s; ran %.3fs simulated\n", s->path, tally, (double)loop_now(s->loop) / 1e9);
	if (!quiet)
		printf("%" PRIu64 " frames delivered in %.3fs of wall time\n", s->g->frames_delivered,
		       (double)(loop_mono_ns() - wall0) / 1e9);
	if (got_signal)
		printf("interrupted by signal %d\n", (int)got_signal);
	capture_close_all(s);
	if (trace != NULL && write_trace(s, trace) < 0)
		rc = EXIT_RUNTIME;
	if (report != NULL && report_write(s, report, err) < 0) {
		fprintf(stderr, "qnetsim: %s\n", err);
		rc = EXIT_RUNTIME;
	}
	sim_tally(s, &t);
	if (rc == 0 && (t.failed > 0 || t.not_run > 0))
		rc = EXIT_EXPECT;
	sim_free(s);
	free(notes);
	log_close();
	return rc;
}

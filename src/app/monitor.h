/*
 * The monitor socket (--monitor unix:PATH | tcp:HOST:PORT): the command
 * language, a line at a time, to any number of clients at once, as QEMU's
 * human monitor takes its commands.
 *
 * A client gets a banner and a prompt, "(qnetsim) ". Each line it sends is
 * one command, run as the prompt and the scenario run it (cmd_exec); its
 * output follows, or "error: WHY", then the prompt again. An empty line
 * gives the prompt; "\r\n" ends a line too. What a command starts and
 * prints later (a ping's replies) goes to the run's output, not to the
 * client.
 *
 * The simulation never waits for a client. What a client is sent waits in
 * its own buffer: while more than MONITOR_PAUSE bytes wait, its further
 * lines wait unread (its socket fills, and it is the one that blocks); a
 * client that lets more than MONITOR_OUT_MAX wait is disconnected, told on
 * the run's output. A line longer than SIM_MAX_LINE is refused with an
 * error and skipped to its end. At most MONITOR_CLIENTS at once: one more
 * is told so and closed. A client that goes mid-command loses its output
 * and nothing else.
 *
 * `capture PORT -` makes the connection a live capture: from the next
 * byte on, the client gets a pcapng stream (capture.c) and nothing else;
 * what it sends is ignored, and hanging up ends the capture. Packets the
 * client has no room for (more than MONITOR_STREAM_MAX bytes waiting) are
 * dropped and counted, never half sent; when the capture ends otherwise
 * (capture_stop, the run's end), the connection closes once sent.
 *
 * A monitor makes commands come at any time, so the run keeps every
 * frame's own instant (graph.h, "Silent frames": commands_from stays 0),
 * and a headless run with a monitor runs on the real clock, until its
 * duration, `quit` or a signal.
 */
#ifndef QNETSIM_MONITOR_H
#define QNETSIM_MONITOR_H

#include "sim.h"

#define MONITOR_CLIENTS 16
#define MONITOR_PAUSE (64u << 10)
#define MONITOR_OUT_MAX (16u << 20)
#define MONITOR_STREAM_MAX (4u << 20)
#define MONITOR_PROMPT "(qnetsim) "

struct monitor;

/* Listens on spec ("unix:PATH", "tcp:HOST:PORT"; HOST may be empty for
 * 127.0.0.1; "auto": unix:RUNDIR/PID.sock, monitor_rundir) on s's loop. NULL with err. A unix path left by an earlier
 * run (a socket) is replaced; any other file there is an error. */
struct monitor *monitor_open(struct sim *s, const char *spec, char *err);
/* A monitor with no listener, and a connected socket made its client
 * (the fuzzer's and the tests' way in): 0, or -1 (fd closed). */
struct monitor *monitor_new(struct sim *s);
int monitor_adopt(struct monitor *m, int fd);
/* Closes every client and the listener; removes a unix path it made. */
void monitor_close(struct monitor *m);
/* Checks a spec without opening it: 0, or -1 with err. */
int monitor_parse(const char *spec, char *err);

/* qnetsim ctl SPEC [COMMAND...]: sends COMMAND (its words joined by
 * spaces) and prints the answer; without one, each line of stdin. A live
 * capture's answer (capture PORT -) is its pcapng stream, copied until
 * the monitor ends it. Exit status: 0, 1 if a command answered "error:
 * ...", 2 for a wrong address, 3 if the monitor cannot be reached or
 * goes away. monitor_query does the same into out (quiet: says nothing
 * of a monitor that is not there). */
int monitor_ctl(const char *spec, int argc, char **argv);
int monitor_query(const char *spec, int argc, char **argv, FILE *out, bool quiet);
/* Where --monitor auto puts its socket (PID.sock), and where qnetsim's
 * extcap looks: $QNETSIM_RUNTIME_DIR, else $XDG_RUNTIME_DIR/qnetsim, else
 * /tmp/qnetsim-UID; made (0700) when asked. 0, or -1 (errno). */
int monitor_rundir(char *buf, size_t n, bool create);

/* qnetsim extcap ...: Wireshark's extcap contract (extcap.c). */
int extcap_main(int argc, char **argv);

#endif

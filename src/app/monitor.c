/*
 * The monitor socket and `qnetsim ctl` (monitor.h has the contract).
 */
#include "monitor.h"
#include "../backends/netdev.h"
#include "../core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define MONITOR_BANNER "qnetsim monitor - type 'help' for more information\n"
#define READ_CHUNK 4096
#define CTL_TIMEOUT_MS 30000

struct mon_client {
	struct monitor *m;
	int fd;
	char who[64];
	char line[SIM_MAX_LINE + 1];    /* the line being read */
	size_t linelen;
	bool skipping;                  /* a line too long: up to its end */
	char pend[READ_CHUNK];          /* read, not yet taken as lines */
	size_t pendoff, pendlen;
	char *out;                      /* what waits to be sent */
	size_t outoff, outlen, outcap;
	uint32_t events;                /* what the loop watches */
	/* A live capture took the connection (capture PORT -): its bytes
	 * only, from then on; done: the capture ended, close once sent. */
	bool streaming, done;
};

struct monitor {
	struct sim *s;
	int lfd;
	char desc[128];
	char *unlink_path;              /* a unix path we bound */
	struct loop_backoff backoff;
	struct mon_client *c[MONITOR_CLIENTS];
};

/* ---- the address ------------------------------------------------------------- */

/* QEMU writes -monitor unix:PATH,server,nowait: those flags are what a
 * monitor is anyway. */
static int strip_flags(char *spec, char *err)
{
	char *comma = strchr(spec, ',');

	if (comma == NULL)
		return 0;
	*comma = '\0';
	for (char *f = strtok(comma + 1, ","); f != NULL; f = strtok(NULL, ",")) {
		if (strcmp(f, "server") != 0 && strcmp(f, "nowait") != 0 &&
		    strcmp(f, "server=on") != 0 && strcmp(f, "wait=off") != 0)
			return errf(err, "monitor: '%s': only server and nowait may follow the address "
				    "(a monitor always is one, and never waits)", f);
	}
	return 0;
}

static int parse_spec(const char *spec, struct sockaddr_storage *ss, socklen_t *len, char *err)
{
	char buf[512], e[ERRLEN];

	if (strlen(spec) >= sizeof(buf))
		return errf(err, "monitor: '%s' is too long", spec);
	snprintf(buf, sizeof(buf), "%s", spec);
	if (strip_flags(buf, err) < 0)
		return -1;
	if (strcmp(buf, "auto") == 0) {
		char dir[400];

		if (monitor_rundir(dir, sizeof(dir), true) < 0)
			return errf(err, "monitor: cannot make %s: %s", dir, strerror(errno));
		snprintf(buf, sizeof(buf), "unix:%s/%ld.sock", dir, (long)getpid());
	}
	if (strncmp(buf, "unix:", 5) == 0) {
		if (sockaddr_unix(buf + 5, false, true, ss, len, e) < 0)
			return errf(err, "monitor: %s", e);
		return 0;
	}
	if (strncmp(buf, "tcp:", 4) == 0) {
		if (sockaddr_parse_inet4(buf + 4, "127.0.0.1", ss, len, e) < 0)
			return errf(err, "monitor: %s", e);
		return 0;
	}
	return errf(err, "monitor: '%s' is not unix:PATH, tcp:HOST:PORT or auto", spec);
}

int monitor_parse(const char *spec, char *err)
{
	struct sockaddr_storage ss;
	socklen_t len;

	return parse_spec(spec, &ss, &len, err);
}

/* ---- a client ---------------------------------------------------------------- */

static void client_watch(struct mon_client *c, uint32_t events)
{
	if (events != c->events) {
		loop_fd_mod(c->m->s->loop, c->fd, events);
		c->events = events;
	}
}

static void client_close(struct mon_client *c)
{
	struct monitor *m = c->m;

	if (c->streaming && !c->done) {
		c->streaming = false;
		capture_stream_closed(m->s, c);
	}

	for (int i = 0; i < MONITOR_CLIENTS; i++)
		if (m->c[i] == c)
			m->c[i] = NULL;
	loop_fd_del(m->s->loop, c->fd);
	close(c->fd);
	free(c->out);
	free(c);
}

static size_t waiting(const struct mon_client *c)
{
	return c->outlen - c->outoff;
}

static void put(struct mon_client *c, const char *p, size_t n)
{
	if (c->outoff > 0 && c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
	if (c->outlen + n > c->outcap) {
		/* Slide what was sent out of the way before growing. */
		if (c->outoff > 0) {
			memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
			c->outlen -= c->outoff;
			c->outoff = 0;
		}
		while (c->outlen + n > c->outcap)
			c->outcap = c->outcap ? c->outcap * 2 : 4096;
		c->out = xrealloc(c->out, c->outcap);
	}
	memcpy(c->out + c->outlen, p, n);
	c->outlen += n;
}

static void puts_c(struct mon_client *c, const char *s)
{
	put(c, s, strlen(s));
}

/* Sends what it can without waiting: 0, or -1 when the client is gone
 * (closed here). */
static int flush(struct mon_client *c)
{
	while (waiting(c) > 0) {
		ssize_t n = send(c->fd, c->out + c->outoff, waiting(c), MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			client_close(c);
			return -1;
		}
		c->outoff += (size_t)n;
	}
	if (c->done && waiting(c) == 0) {
		client_close(c);
		return -1;
	}
	if (waiting(c) > MONITOR_OUT_MAX) {
		fprintf(c->m->s->out, "monitor: dropped %s: %zu bytes of output it does not read "
			"(at most %u)\n", c->who, waiting(c), MONITOR_OUT_MAX);
		client_close(c);
		return -1;
	}
	return 0;
}

/* A live capture's bytes: taken whole while under MONITOR_STREAM_MAX
 * wait, else refused (the capture counts the drop). Sent from the loop,
 * never from here: this runs inside a frame's delivery. */
static bool stream_write(void *ctx, const void *p, size_t n)
{
	struct mon_client *c = ctx;

	if (c->done || waiting(c) + n > MONITOR_STREAM_MAX)
		return false;
	put(c, p, n);
	client_watch(c, c->events | EPOLLOUT);
	return true;
}

/* The capture ended (capture_stop, the run's end): close once sent. */
static void stream_closed(void *ctx)
{
	struct mon_client *c = ctx;

	c->done = true;
	client_watch(c, EPOLLIN | EPOLLOUT);
}

/* One line from the client: the command's output, or its error, then the
 * prompt; or, when the command took the connection for a live capture,
 * nothing more but the capture. */
static void run_line(struct mon_client *c, char *line)
{
	struct sim *s = c->m->s;
	struct sim_stream st = { .write = stream_write, .closed = stream_closed, .ctx = c };
	char err[ERRLEN] = "", *text = NULL;
	size_t len = 0;
	FILE *mem;
	int rc;

	while (*line == ' ' || *line == '\t')
		line++;
	if (*line != '\0') {
		mem = open_memstream(&text, &len);
		if (mem == NULL)
			fatal("monitor: out of memory");
		s->stream = &st;
		rc = cmd_exec(s, line, mem, false, err);
		s->stream = NULL;
		fclose(mem);
		if (st.taken && rc == 0) {
			c->streaming = true;
			free(text);
			return;
		}
		put(c, text, len);
		if (len > 0 && text[len - 1] != '\n')
			puts_c(c, "\n");
		free(text);
		if (rc < 0) {
			puts_c(c, "error: ");
			puts_c(c, err);
			puts_c(c, "\n");
		}
	}
	puts_c(c, MONITOR_PROMPT);
}

/* Takes whole lines out of what was read, while the client reads its
 * answers: false when it is gone. */
static bool take_lines(struct mon_client *c)
{
	while (c->pendoff < c->pendlen && waiting(c) <= MONITOR_PAUSE && !c->streaming) {
		char ch = c->pend[c->pendoff++];

		if (ch != '\n') {
			if (c->skipping)
				continue;
			if (c->linelen == SIM_MAX_LINE) {
				c->skipping = true;
				c->linelen = 0;
				continue;
			}
			c->line[c->linelen++] = ch;
			continue;
		}
		if (c->skipping) {
			c->skipping = false;
			put(c, "error: line too long\n" MONITOR_PROMPT,
			    strlen("error: line too long\n" MONITOR_PROMPT));
		} else {
			if (c->linelen > 0 && c->line[c->linelen - 1] == '\r')
				c->linelen--;
			c->line[c->linelen] = '\0';
			c->linelen = 0;
			run_line(c, c->line);
		}
		if (flush(c) < 0)
			return false;
	}
	return true;
}

static void client_cb(void *arg, uint32_t events)
{
	struct mon_client *c = arg;

	if ((events & EPOLLOUT) && flush(c) < 0)
		return;
	if (c->streaming) {
		/* A capture's reader: what it sends is not read as commands;
		 * its hanging up ends the capture. */
		char junk[512];
		ssize_t n;

		c->pendoff = c->pendlen;
		while ((n = recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT)) > 0)
			;
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
			client_close(c);
			return;
		}
		client_watch(c, EPOLLIN | (waiting(c) > 0 || c->done ? EPOLLOUT : 0));
		return;
	}
	if (!take_lines(c))
		return;
	/* More is read only once the last read is all taken. */
	while (c->pendoff == c->pendlen) {
		ssize_t n = recv(c->fd, c->pend, sizeof(c->pend), MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			client_close(c);    /* gone, maybe mid-command: its output too */
			return;
		}
		c->pendoff = 0;
		c->pendlen = (size_t)n;
		if (!take_lines(c))
			return;
		if (n < (ssize_t)sizeof(c->pend))
			break;
	}
	client_watch(c, (c->pendoff == c->pendlen ? EPOLLIN : 0) | (waiting(c) > 0 ? EPOLLOUT : 0));
}

/* A connected socket becomes a client: its banner and prompt go out. */
static void adopt(struct monitor *m, int fd, const struct sockaddr_storage *ss, socklen_t len)
{
	struct mon_client *c;
	int slot = -1;

	for (int i = 0; i < MONITOR_CLIENTS && slot < 0; i++)
		if (m->c[i] == NULL)
			slot = i;
	if (slot < 0) {
		static const char full[] = "error: the monitor has its 16 clients already\n";

		(void)!send(fd, full, sizeof(full) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		close(fd);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->m = m;
	c->fd = fd;
	if (ss == NULL || ss->ss_family != AF_INET)
		snprintf(c->who, sizeof(c->who), "client %d", slot + 1);
	else
		sockaddr_format(ss, len, c->who, sizeof(c->who));
	if (loop_fd_add(m->s->loop, fd, EPOLLIN, client_cb, c) < 0) {
		close(fd);
		free(c);
		return;
	}
	c->events = EPOLLIN;
	m->c[slot] = c;
	puts_c(c, MONITOR_BANNER MONITOR_PROMPT);
	if (flush(c) == 0)
		client_watch(c, EPOLLIN | (waiting(c) > 0 ? EPOLLOUT : 0));
}

int monitor_adopt(struct monitor *m, int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		close(fd);
		return -1;
	}
	adopt(m, fd, NULL, 0);
	return 0;
}

static void accept_cb(void *arg, uint32_t events)
{
	struct monitor *m = arg;

	(void)events;
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd = accept4(m->lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			if (loop_accept_starved(errno) &&
			    loop_fd_backoff(m->s->loop, &m->backoff, m->lfd, EPOLLIN, NS_PER_SEC / 10))
				fprintf(m->s->out, "monitor: cannot accept a client: %s; trying again "
					"every 100 ms\n", strerror(errno));
			return;
		}
		adopt(m, fd, &ss, len);
	}
}

/* ---- the listener ------------------------------------------------------------ */

struct monitor *monitor_new(struct sim *s)
{
	struct monitor *m = xcalloc(1, sizeof(*m));

	m->s = s;
	m->lfd = -1;
	snprintf(m->desc, sizeof(m->desc), "no address");
	return m;
}

struct monitor *monitor_open(struct sim *s, const char *spec, char *err)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct monitor *m;
	int one = 1, fd;

	if (parse_spec(spec, &ss, &len, err) < 0 || sockaddr_unlink_stale(&ss, err) < 0)
		return NULL;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		errf(err, "monitor: socket: %s", strerror(errno));
		return NULL;
	}
	if (ss.ss_family == AF_INET)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	m = monitor_new(s);
	m->lfd = fd;
	sockaddr_format(&ss, len, m->desc, sizeof(m->desc));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, MONITOR_CLIENTS) < 0) {
		errf(err, "monitor: cannot listen on %s: %s", m->desc, strerror(errno));
		close(fd);
		free(m);
		return NULL;
	}
	if (ss.ss_family == AF_UNIX)
		m->unlink_path = xstrdup(((struct sockaddr_un *)&ss)->sun_path);
	if (loop_fd_add(s->loop, fd, EPOLLIN, accept_cb, m) < 0) {
		errf(err, "monitor: cannot watch %s", m->desc);
		monitor_close(m);
		return NULL;
	}
	return m;
}

void monitor_close(struct monitor *m)
{
	if (m == NULL)
		return;
	for (int i = 0; i < MONITOR_CLIENTS; i++)
		if (m->c[i] != NULL)
			client_close(m->c[i]);
	if (m->lfd >= 0) {
		loop_backoff_cancel(&m->backoff);
		loop_fd_del(m->s->loop, m->lfd);
		close(m->lfd);
	}
	if (m->unlink_path != NULL)
		unlink(m->unlink_path);
	free(m->unlink_path);
	free(m);
}

/* ---- qnetsim ctl ------------------------------------------------------------- */

struct ctl {
	int fd;
	char *buf;
	size_t len, cap;
	FILE *out;              /* where answers and captures go */
	bool quiet;             /* an absent monitor is no error to tell */
};

/* A pcapng stream's first bytes (its section header's block type). */
static const uint8_t pcapng_magic[4] = { 0x0a, 0x0d, 0x0d, 0x0a };

/* A live capture (capture PORT -): every byte to standard output until
 * the monitor closes the connection (the capture ended) or stdout goes. */
static int ctl_stream(struct ctl *k)
{
	for (;;) {
		ssize_t n;

		if (k->len > 0 && fwrite(k->buf, 1, k->len, k->out) != k->len)
			return 0;       /* the reader (wireshark) went: done */
		fflush(k->out);
		n = recv(k->fd, k->buf, k->cap, 0);
		if (n < 0 && errno == EINTR) {
			k->len = 0;
			continue;
		}
		if (n <= 0)
			return 0;
		k->len = (size_t)n;
	}
}

/* Reads until what came ends with the prompt: 0, 1 when it is a live
 * capture instead (k->buf has its first bytes), or -1 (gone, or no
 * answer in CTL_TIMEOUT_MS). */
static int ctl_answer(struct ctl *k)
{
	size_t plen = strlen(MONITOR_PROMPT);

	k->len = 0;
	while (k->len < plen || memcmp(k->buf + k->len - plen, MONITOR_PROMPT, plen) != 0) {
		if (k->len >= sizeof(pcapng_magic) && memcmp(k->buf, pcapng_magic, 4) == 0)
			return 1;
		struct pollfd p = { .fd = k->fd, .events = POLLIN };
		ssize_t n;

		if (k->cap - k->len < READ_CHUNK) {
			k->cap = k->cap ? k->cap * 2 : 2 * READ_CHUNK;
			k->buf = xrealloc(k->buf, k->cap);
		}
		if (poll(&p, 1, CTL_TIMEOUT_MS) <= 0)
			return -1;
		n = recv(k->fd, k->buf + k->len, k->cap - k->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		k->len += (size_t)n;
	}
	k->len -= plen;
	return 0;
}

/* Sends one line and prints its answer: 0, 1 if it was an error, 3 if the
 * monitor went. */
static int ctl_send(struct ctl *k, const char *line)
{
	size_t n = strlen(line), off = 0;

	while (off < n + 1) {
		ssize_t w = off < n ? send(k->fd, line + off, n - off, MSG_NOSIGNAL) :
				      send(k->fd, "\n", 1, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return 3;
		off += (size_t)w;
	}
	switch (ctl_answer(k)) {
	case -1:
		return 3;
	case 1:
		return ctl_stream(k);
	}
	fwrite(k->buf, 1, k->len, k->out);
	fflush(k->out);
	return k->len >= 7 && memcmp(k->buf, "error: ", 7) == 0 ? 1 : 0;
}

/* Connects to the monitor at spec and reads its banner: 0, or the exit
 * status (2 a wrong address, 3 unreachable), said on stderr. */
static int ctl_open(struct ctl *k, const char *spec)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char err[ERRLEN], full[600];

	/* A bare path is a unix socket's. */
	if (strncmp(spec, "unix:", 5) != 0 && strncmp(spec, "tcp:", 4) != 0) {
		snprintf(full, sizeof(full), "unix:%s", spec);
		spec = full;
	}
	if (parse_spec(spec, &ss, &len, err) < 0) {
		fprintf(stderr, "qnetsim: ctl: %s\n", err);
		return 2;
	}
	k->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (k->fd < 0 || connect(k->fd, (struct sockaddr *)&ss, len) < 0) {
		if (!k->quiet)
			fprintf(stderr, "qnetsim: ctl: cannot reach the monitor at %s: %s\n", spec,
				strerror(errno));
		if (k->fd >= 0)
			close(k->fd);
		k->fd = -1;
		return 3;
	}
	if (ctl_answer(k) != 0) {
		if (!k->quiet)
			fprintf(stderr, "qnetsim: ctl: %s does not answer as a qnetsim monitor\n",
				spec);
		close(k->fd);
		k->fd = -1;
		return 3;
	}
	return 0;
}

int monitor_query(const char *spec, int argc, char **argv, FILE *out, bool quiet)
{
	struct ctl k = { .fd = -1, .out = out, .quiet = quiet };
	int rc;

	/* A capture's reader that goes (wireshark quitting) ends it quietly. */
	signal(SIGPIPE, SIG_IGN);
	rc = ctl_open(&k, spec);
	if (rc == 0 && argc > 0) {
		char line[SIM_MAX_LINE + 1];
		size_t off = 0;

		line[0] = '\0';
		for (int i = 0; i < argc && off < sizeof(line); i++)
			off += (size_t)snprintf(line + off, sizeof(line) - off, "%s%s", i ? " " : "",
						argv[i]);
		if (off >= sizeof(line)) {
			fprintf(stderr, "qnetsim: ctl: the command is too long\n");
			rc = 2;
		} else {
			rc = ctl_send(&k, line);
		}
	} else if (rc == 0) {
		char *line = NULL;
		size_t cap = 0;
		ssize_t n;

		while (rc != 3 && (n = getline(&line, &cap, stdin)) >= 0) {
			int r;

			if (n > 0 && line[n - 1] == '\n')
				line[n - 1] = '\0';
			r = ctl_send(&k, line);
			if (r > rc)
				rc = r;
		}
		free(line);
	}
	if (rc == 3 && k.fd >= 0)
		fprintf(stderr, "qnetsim: ctl: the monitor at %s went away\n", spec);
	free(k.buf);
	if (k.fd >= 0)
		close(k.fd);
	return rc;
}

int monitor_ctl(const char *spec, int argc, char **argv)
{
	return monitor_query(spec, argc, argv, stdout, false);
}

int monitor_rundir(char *buf, size_t n, bool create)
{
	const char *env = getenv("QNETSIM_RUNTIME_DIR"), *xdg = getenv("XDG_RUNTIME_DIR");

	if (env != NULL && *env != '\0')
		snprintf(buf, n, "%s", env);
	else if (xdg != NULL && *xdg != '\0')
		snprintf(buf, n, "%s/qnetsim", xdg);
	else
		snprintf(buf, n, "/tmp/qnetsim-%u", (unsigned)getuid());
	if (create && mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

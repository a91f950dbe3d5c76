/*
 * Captures, one or more per port, each with an optional filter in tcpdump
 * syntax (pcap_compile, then pcap_offline_filter per frame):
 *  - pcap files, written through libpcap;
 *  - pcapng (pcapng.h): a file, a FIFO, or a live stream to a monitor
 *    client (`capture PORT -`): one interface, each frame with the
 *    decision that put it on the port's link (leaving: the node's own;
 *    arriving: the decision the port's node makes of it, once made).
 * Timestamps are the loop clock in nanoseconds: in a virtual run they
 * start at the epoch and are identical every run with the same seed.
 *
 * A capture is an observer: it reads frames and never changes them. A
 * FIFO's or a stream's reader that is behind never slows the run: what
 * it has no room for (1 MiB waiting) is dropped and counted, whole
 * packets only.
 *
 * A port can have several: the capture command's (with their filters) and
 * the one --pcap-dir gives every port. Only the command's are the command's
 * to stop or count. --pcapng (capture_pcapng) is the run's: every hop at
 * every port, from the trace.
 */
#include "sim.h"
#include "pcapng.h"
#include "../core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#define CAPTURE_SNAPLEN 262144
#define FIFO_MAX (1u << 20)     /* bytes a FIFO's reader may be behind */
#define LOOK_BACK 16            /* records searched for a frame's last decision */

/* A frame whose decision is still to come (pcapng.h: a bridge sets a
 * record's VLAN just after writing it, so a record is read once the next
 * one is written, or at the end). */
struct pending {
	bool on;
	bool decided;           /* rec is its decision */
	uint64_t rec;
	uint64_t time, id;
	uint32_t len, flags;
	const struct port *port;
	uint8_t *data;
};

struct capture {
	struct capture *next;           /* on the same port */
	struct capture *all_next;       /* in the sim */
	struct capture *ng_next;        /* the sim's pcapng port captures */
	struct sim *s;
	struct port *port;
	pcap_t *dead;
	pcap_dumper_t *dumper;          /* pcap */
	struct bpf_program prog;
	bool has_filter;
	bool whole_run;                 /* --pcap-dir's: runs until the end */
	uint64_t count;
	uint64_t dropped;               /* packets a reader had no room for */
	char *path;                     /* "-": a monitor client's stream */
	/* pcapng */
	struct pcapng *ng;
	FILE *f;                        /* a file */
	int fd;                         /* a FIFO, -1 */
	uint8_t *q;                     /* the FIFO's bytes waiting */
	size_t qoff, qlen;
	bool gone;                      /* its reader went away */
	struct sim_stream stream;       /* a monitor client's */
	struct pending pend;
};

/* ---- pcapng outputs ---------------------------------------------------------- */

static bool file_out(void *ctx, const void *p, size_t n)
{
	struct capture *c = ctx;

	return fwrite(p, 1, n, c->f) == n;
}

static void fifo_cb(void *arg, uint32_t events);

/* Writes what waits, without waiting. */
static void fifo_flush(struct capture *c)
{
	while (c->qoff < c->qlen && !c->gone) {
		ssize_t n = write(c->fd, c->q + c->qoff, c->qlen - c->qoff);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			c->gone = true;         /* EPIPE: the reader closed */
			loop_fd_del(c->s->loop, c->fd);
			return;
		}
		c->qoff += (size_t)n;
	}
	if (c->qoff == c->qlen)
		c->qoff = c->qlen = 0;
	if (c->fd >= 0)
		loop_fd_mod(c->s->loop, c->fd, c->qlen > 0 && !c->gone ? EPOLLOUT : 0);
}

static void fifo_cb(void *arg, uint32_t events)
{
	(void)events;
	fifo_flush(arg);
}

static bool fifo_out(void *ctx, const void *p, size_t n)
{
	struct capture *c = ctx;

	if (c->gone || c->qlen + n > FIFO_MAX)
		return false;
	if (c->qoff > 0 && c->qoff == c->qlen)
		c->qoff = c->qlen = 0;
	memmove(c->q, c->q + c->qoff, c->qlen - c->qoff);
	c->qlen -= c->qoff;
	c->qoff = 0;
	memcpy(c->q + c->qlen, p, n);
	c->qlen += n;
	fifo_flush(c);
	return true;
}

static bool stream_out(void *ctx, const void *p, size_t n)
{
	struct capture *c = ctx;

	return !c->gone && c->stream.write(c->stream.ctx, p, n);
}

/* ---- what a pcapng capture writes ------------------------------------------- */

/* The decision of record rec (or none), as the packet's comments. */
static void ng_write(struct capture *c, const struct port *p, uint64_t time, const uint8_t *data,
		     uint32_t len, uint32_t flags, uint64_t id, const struct trace_rec *r)
{
	struct graph *g = c->s->g;
	char what[160], why[512], c1[192];
	bool ok;

	if (r != NULL) {
		trace_decision(g, r, what, sizeof(what));
		trace_explain(g, r, why, sizeof(why));
		snprintf(c1, sizeof(c1), "#%llu %s", (unsigned long long)id, what);
	} else {
		snprintf(c1, sizeof(c1), "#%llu", (unsigned long long)id);
	}
	ok = pcapng_packet(c->ng, p, time, data, len, flags, id, c1,
			   r != NULL && strcmp(why, what) != 0 ? why : NULL);
	if (ok)
		c->count++;
	else
		c->dropped++;
}

static const struct trace_rec *rec_at(struct graph *g, uint64_t i)
{
	const struct trace *t = &g->trace;

	if (t->cap == 0 || i >= t->total || t->total - i > t->cap)
		return NULL;
	return &t->ring[i % t->cap];
}

/* The last decision about frame id, at most LOOK_BACK records back. */
static const struct trace_rec *last_decision(struct graph *g, uint64_t id)
{
	const struct trace *t = &g->trace;

	for (uint64_t k = 0; k < LOOK_BACK && k < t->total && k < t->cap; k++) {
		const struct trace_rec *r = &t->ring[(t->total - 1 - k) % t->cap];

		if (r->frame_id == id)
			return r;
	}
	return NULL;
}

static void pend_flush(struct capture *c)
{
	struct pending *pd = &c->pend;

	if (!pd->on)
		return;
	pd->on = false;
	ng_write(c, pd->port, pd->time, pd->data, pd->len, pd->flags, pd->id,
		 pd->decided ? rec_at(c->s->g, pd->rec) : NULL);
}

static void capture_observe(struct graph *g, struct port *p, struct frame *f, bool tx)
{
	uint64_t now = loop_now(g->loop);

	for (struct capture *c = p->captures; c != NULL; c = c->next) {
		struct pcap_pkthdr h;

		h.ts.tv_sec = (time_t)(now / NS_PER_SEC);
		h.ts.tv_usec = (suseconds_t)(now % NS_PER_SEC); /* nanoseconds: see open */
		h.caplen = MIN(f->len, (uint32_t)CAPTURE_SNAPLEN);
		h.len = f->len;
		if (c->has_filter && !pcap_offline_filter(&c->prog, &h, f->data))
			continue;
		if (c->ng == NULL) {
			pcap_dump((u_char *)c->dumper, &h, f->data);
			c->count++;
			continue;
		}
		if (c->gone)
			continue;
		pend_flush(c);
		if (tx) {
			ng_write(c, p, now, f->data, f->len, PCAPNG_OUTBOUND, f->id,
				 last_decision(g, f->id));
			continue;
		}
		/* Arriving: its decision here comes next. */
		c->pend = (struct pending){ .on = true, .time = now, .id = f->id,
					    .len = MIN(f->len, FRAME_MAX), .flags = PCAPNG_INBOUND,
					    .port = p, .data = c->pend.data };
		memcpy(c->pend.data, f->data, c->pend.len);
	}
}

/* ---- the run's pcapng (--pcapng): every hop, from the trace ----------------- */

struct run_pcapng {
	FILE *f;
	char *path;
	struct pcapng *w;
	struct pending pend;
	bool failed;
};

static bool run_out(void *ctx, const void *p, size_t n)
{
	struct run_pcapng *rp = ctx;

	if (fwrite(p, 1, n, rp->f) != n) {
		rp->failed = true;
		return false;
	}
	return true;
}

static void run_flush(struct sim *s)
{
	struct run_pcapng *rp = s->pcapng;
	const struct trace_rec *r;

	if (rp == NULL || !rp->pend.on)
		return;
	rp->pend.on = false;
	if ((r = rec_at(s->g, rp->pend.rec)) != NULL)
		pcapng_record(rp->w, r, rp->pend.data, rp->pend.len);
}

/* Every record: the run's pcapng takes it; a port capture's arriving
 * frame learns its decision. Each writes what waited first. */
static void trace_sink(void *ctx, uint64_t index, const struct frame *f)
{
	struct sim *s = ctx;

	if (s->pcapng != NULL) {
		struct pending *pd = &s->pcapng->pend;

		run_flush(s);
		*pd = (struct pending){ .on = true, .rec = index, .len = MIN(f->len, FRAME_MAX),
					.data = pd->data };
		memcpy(pd->data, f->data, pd->len);
	}
	for (struct capture *c = s->ng_captures; c != NULL; c = c->ng_next) {
		struct pending *pd = &c->pend;
		const struct trace_rec *r;

		if (!pd->on)
			continue;
		if (pd->decided) {
			pend_flush(c);
			continue;
		}
		r = rec_at(s->g, index);
		if (r != NULL && r->frame_id == pd->id && r->port == pd->port->gid) {
			pd->decided = true;
			pd->rec = index;
		} else {
			pend_flush(c);
		}
	}
}

/* What needs the trace's records: cap 2 at least, and the sink. */
static void want_records(struct sim *s)
{
	if (s->g->trace.cap < 2)
		graph_set_trace_cap(s->g, 1024);
	s->g->trace.sink = trace_sink;
	s->g->trace.sink_ctx = s;
}

int capture_pcapng(struct sim *s, const char *path, char *err)
{
	struct run_pcapng *rp;
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		return errf(err, "cannot write %s: %s", path, strerror(errno));
	rp = xcalloc(1, sizeof(*rp));
	rp->f = f;
	rp->path = xstrdup(path);
	rp->pend.data = xmalloc(FRAME_MAX);
	rp->w = pcapng_new(s->g, run_out, rp);
	graph_settle(s->g, true);       /* every hop is seen from now */
	s->pcapng = rp;
	want_records(s);
	return 0;
}

int capture_pcapng_close(struct sim *s, char *err)
{
	struct run_pcapng *rp = s->pcapng;
	int rc = 0;

	if (rp == NULL)
		return 0;
	run_flush(s);
	s->pcapng = NULL;
	if (fclose(rp->f) != 0 || rp->failed)
		rc = errf(err, "cannot write %s", rp->path);
	pcapng_free(rp->w);
	free(rp->pend.data);
	free(rp->path);
	free(rp);
	return rc;
}

/* ---- starting and stopping -------------------------------------------------- */

static int compile(pcap_t *dead, struct bpf_program *prog, const char *filter, char *err)
{
	if (pcap_compile(dead, prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0)
		return errf(err, "capture filter '%s': %s", filter, pcap_geterr(dead));
	return 0;
}

static void capture_close(struct capture *c)
{
	if (c->dumper != NULL)
		pcap_dump_close(c->dumper);
	if (c->ng != NULL) {
		pend_flush(c);
		pcapng_free(c->ng);
	}
	if (c->f != NULL)
		fclose(c->f);
	if (c->fd >= 0) {
		fifo_flush(c);
		loop_fd_del(c->s->loop, c->fd);
		close(c->fd);
	}
	if (c->stream.closed != NULL)
		c->stream.closed(c->stream.ctx);
	if (c->has_filter)
		pcap_freecode(&c->prog);
	pcap_close(c->dead);
	free(c->pend.data);
	free(c->q);
	free(c->path);
	free(c);
}

/* Where a pcapng capture writes: a file, a FIFO (its reader must be
 * there), or the monitor client's stream ("-"). */
static int open_ng(struct sim *s, struct capture *c, const char *path, char *err)
{
	struct stat st;
	pcapng_write_fn out = file_out;

	if (strcmp(path, "-") == 0) {
		c->stream = *s->stream;
		s->stream->taken = true;
		out = stream_out;
	} else if (stat(path, &st) == 0 && S_ISFIFO(st.st_mode)) {
		c->fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (c->fd < 0)
			return errf(err, "capture: %s: %s", path, errno == ENXIO ?
				    "no reader on this FIFO yet (start wireshark -k -i FIFO first)" :
				    strerror(errno));
		c->q = xmalloc(FIFO_MAX);
		if (loop_fd_add(s->loop, c->fd, 0, fifo_cb, c) < 0)
			return errf(err, "capture: cannot watch %s", path);
		out = fifo_out;
	} else if ((c->f = fopen(path, "wb")) == NULL) {
		return errf(err, "capture: cannot write %s: %s", path, strerror(errno));
	}
	c->pend.data = xmalloc(FRAME_MAX);
	c->ng = pcapng_new(s->g, out, c);
	return 0;
}

static int start(struct sim *s, struct port *p, const char *path, const char *filter,
		 bool whole_run, bool ng, char *err)
{
	struct capture *c;
	pcap_t *dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, CAPTURE_SNAPLEN,
							    PCAP_TSTAMP_PRECISION_NANO);

	if (dead == NULL)
		return errf(err, "capture: libpcap could not start");
	if (p == NULL) {
		/* Check only: the filter must compile. */
		int rc = 0;

		if (filter != NULL) {
			struct bpf_program prog;

			rc = compile(dead, &prog, filter, err);
			if (rc == 0)
				pcap_freecode(&prog);
		}
		pcap_close(dead);
		return rc;
	}
	/* Two writers on one file would leave it broken. */
	for (const struct capture *o = s->all_captures; o != NULL && strcmp(path, "-"); o = o->all_next) {
		if (strcmp(o->path, path) == 0) {
			pcap_close(dead);
			return errf(err, "capture: %s is being written already (%s%s)", path,
				    o->whole_run ? "--pcap-dir, " : "", o->port->name);
		}
	}
	c = xcalloc(1, sizeof(*c));
	c->s = s;
	c->dead = dead;
	c->port = p;
	c->whole_run = whole_run;
	c->fd = -1;
	c->path = xstrdup(path);
	if (filter != NULL) {
		if (compile(dead, &c->prog, filter, err) < 0) {
			capture_close(c);
			return -1;
		}
		c->has_filter = true;
	}
	if (ng) {
		if (open_ng(s, c, path, err) < 0) {
			capture_close(c);
			return -1;
		}
	} else if ((c->dumper = pcap_dump_open(dead, path)) == NULL) {
		errf(err, "capture: %s", pcap_geterr(dead));
		capture_close(c);
		return -1;
	}
	graph_settle(s->g, true);       /* a capture sees what comes from now */
	c->next = p->captures;
	p->captures = c;
	c->all_next = s->all_captures;
	s->all_captures = c;
	s->g->observe = capture_observe;
	if (ng) {
		c->ng_next = s->ng_captures;
		s->ng_captures = c;
		want_records(s);
	}
	return 0;
}

int capture_start(struct sim *s, struct port *p, const char *path, const char *filter,
		  enum capture_format format, char *err)
{
	bool ng = format == CAPTURE_PCAPNG;

	if (format == CAPTURE_AUTO) {
		struct stat st;
		size_t n = strlen(path);

		ng = strcmp(path, "-") == 0 || (n > 7 && strcmp(path + n - 7, ".pcapng") == 0) ||
		     (stat(path, &st) == 0 && S_ISFIFO(st.st_mode));
	}
	if (!ng && strcmp(path, "-") == 0)
		return errf(err, "capture PORT - streams pcapng: format=pcap needs a file");
	if (strcmp(path, "-") == 0 && (s->stream == NULL || s->stream->write == NULL))
		return errf(err, "capture PORT -: only a monitor client takes a live capture "
			    "(qnetsim ctl ADDRESS capture PORT -); give a file or a FIFO");
	if (!ng) {
		struct stat st;

		/* libpcap would wait for a FIFO's reader, and the run with it. */
		if (stat(path, &st) == 0 && S_ISFIFO(st.st_mode))
			return errf(err, "capture: %s is a FIFO: it takes format=pcapng", path);
	}
	return start(s, p, path, filter, false, ng, err);
}

bool capture_running(const struct port *p)
{
	for (const struct capture *c = p->captures; c != NULL; c = c->next)
		if (!c->whole_run)
			return true;
	return false;
}

/* Takes c out of its port's list and the sim's, and closes it. */
static void capture_remove(struct sim *s, struct capture *c)
{
	for (struct capture **pp = &c->port->captures; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	for (struct capture **pp = &s->all_captures; *pp != NULL; pp = &(*pp)->all_next) {
		if (*pp == c) {
			*pp = c->all_next;
			break;
		}
	}
	for (struct capture **pp = &s->ng_captures; *pp != NULL; pp = &(*pp)->ng_next) {
		if (*pp == c) {
			*pp = c->ng_next;
			break;
		}
	}
	capture_close(c);
}

int capture_stop(struct sim *s, struct port *p, uint64_t *frames, uint64_t *dropped,
		 char *err)
{
	struct capture *c, *nx;

	if (!capture_running(p))
		return errf(err, "%s is not capturing", p->name);
	graph_settle(s->g, true);
	*frames = *dropped = 0;
	for (c = p->captures; c != NULL; c = nx) {
		nx = c->next;
		if (c->whole_run)
			continue;
		if (c->ng != NULL)
			pend_flush(c);
		*frames += c->count;
		*dropped += c->dropped;
		capture_remove(s, c);
	}
	return 0;
}

void capture_stream_closed(struct sim *s, void *ctx)
{
	for (struct capture *c = s->all_captures; c != NULL; c = c->all_next) {
		if (c->stream.ctx == ctx && c->stream.write != NULL) {
			c->gone = true;
			c->stream.closed = NULL;        /* it is gone: nothing to tell */
			pend_flush(c);
			fprintf(s->out, "%s: the live capture's reader went: %llu frames sent, "
				"%llu dropped (it was behind)\n", c->port->name,
				(unsigned long long)c->count, (unsigned long long)c->dropped);
			capture_remove(s, c);
			return;
		}
	}
}

static int start_in_dir(struct sim *s, struct port *p, char *err)
{
	char *path;
	int rc;

	xasprintf(&path, "%s/%s.pcap", s->pcap_dir, p->name);
	rc = start(s, p, path, NULL, true, false, err);
	free(path);
	return rc;
}

/* A port made at run time (a VDE client joining) is captured from its
 * first frame, like the ones the topology file made. */
static void capture_port_added(void *ctx, struct port *p)
{
	char err[ERRLEN];

	if (start_in_dir(ctx, p, err) < 0)
		node_event(p->node, "%s", err);
}

int capture_dir(struct sim *s, const char *dir, char *err)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return errf(err, "cannot create %s: %s", dir, strerror(errno));
	free(s->pcap_dir);
	s->pcap_dir = xstrdup(dir);
	for (uint32_t i = 0; i < s->g->nports; i++)
		if (start_in_dir(s, s->g->ports[i], err) < 0)
			return -1;
	s->g->port_added = capture_port_added;
	s->g->port_added_ctx = s;
	return 0;
}

void capture_close_all(struct sim *s)
{
	while (s->all_captures != NULL) {
		struct capture *c = s->all_captures;

		graph_settle(s->g, true);
		capture_remove(s, c);
	}
}

/*
 * Captures: pcap files written through libpcap, one or more per port, each
 * with an optional filter in tcpdump syntax (pcap_compile, then
 * pcap_offline_filter per frame). Timestamps are the loop clock in
 * nanoseconds: in a virtual run they start at the epoch and are identical
 * every run with the same seed.
 *
 * A capture is an observer: it reads frames and never changes them.
 *
 * A port can have several: the capture command's (with their filters) and
 * the one --pcap-dir gives every port. Only the command's are the command's
 * to stop or count.
 */
#include "sim.h"
#include "pcapng.h"
#include "../core/util.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CAPTURE_SNAPLEN 262144

struct capture {
	struct capture *next;           /* on the same port */
	struct capture *all_next;       /* in the sim */
	struct port *port;
	pcap_t *dead;
	pcap_dumper_t *dumper;
	struct bpf_program prog;
	bool has_filter;
	bool whole_run;                 /* --pcap-dir's: runs until the end */
	uint64_t count;
	char *path;
};

static void capture_observe(struct graph *g, struct port *p, struct frame *f, bool tx)
{
	uint64_t now = loop_now(g->loop);

	(void)tx;
	for (struct capture *c = p->captures; c != NULL; c = c->next) {
		struct pcap_pkthdr h;

		h.ts.tv_sec = (time_t)(now / NS_PER_SEC);
		h.ts.tv_usec = (suseconds_t)(now % NS_PER_SEC); /* nanoseconds: see open */
		h.caplen = MIN(f->len, (uint32_t)CAPTURE_SNAPLEN);
		h.len = f->len;
		if (c->has_filter && !pcap_offline_filter(&c->prog, &h, f->data))
			continue;
		pcap_dump((u_char *)c->dumper, &h, f->data);
		c->count++;
	}
}

static int compile(pcap_t *dead, struct bpf_program *prog, const char *filter, char *err)
{
	if (pcap_compile(dead, prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0)
		return errf(err, "capture filter '%s': %s", filter, pcap_geterr(dead));
	return 0;
}

static int start(struct sim *s, struct port *p, const char *path, const char *filter,
		 bool whole_run, char *err)
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
	/* Two dumpers on one file would leave it broken. */
	for (const struct capture *o = s->all_captures; o != NULL; o = o->all_next) {
		if (strcmp(o->path, path) == 0) {
			pcap_close(dead);
			return errf(err, "capture: %s is being written already (%s%s)", path,
				    o->whole_run ? "--pcap-dir, " : "", o->port->name);
		}
	}
	c = xcalloc(1, sizeof(*c));
	c->dead = dead;
	c->port = p;
	c->whole_run = whole_run;
	if (filter != NULL) {
		if (compile(dead, &c->prog, filter, err) < 0) {
			pcap_close(dead);
			free(c);
			return -1;
		}
		c->has_filter = true;
	}
	c->dumper = pcap_dump_open(dead, path);
	if (c->dumper == NULL) {
		errf(err, "capture: %s", pcap_geterr(dead));
		if (c->has_filter)
			pcap_freecode(&c->prog);
		pcap_close(dead);
		free(c);
		return -1;
	}
	c->path = xstrdup(path);
	graph_settle(s->g, true);       /* a capture sees what comes from now */
	c->next = p->captures;
	p->captures = c;
	c->all_next = s->all_captures;
	s->all_captures = c;
	s->g->observe = capture_observe;
	return 0;
}

int capture_start(struct sim *s, struct port *p, const char *path, const char *filter, char *err)
{
	return start(s, p, path, filter, false, err);
}

static void capture_close(struct capture *c)
{
	pcap_dump_close(c->dumper);
	if (c->has_filter)
		pcap_freecode(&c->prog);
	pcap_close(c->dead);
	free(c->path);
	free(c);
}

bool capture_running(const struct port *p)
{
	for (const struct capture *c = p->captures; c != NULL; c = c->next)
		if (!c->whole_run)
			return true;
	return false;
}

int capture_stop(struct sim *s, struct port *p, uint64_t *frames, char *err)
{
	struct capture **cp = &p->captures;

	if (!capture_running(p))
		return errf(err, "%s is not capturing", p->name);
	graph_settle(s->g, true);
	*frames = 0;
	while (*cp != NULL) {
		struct capture *c = *cp, **pp;

		if (c->whole_run) {
			cp = &c->next;
			continue;
		}
		*cp = c->next;
		*frames += c->count;
		for (pp = &s->all_captures; *pp != NULL; pp = &(*pp)->all_next) {
			if (*pp == c) {
				*pp = c->all_next;
				break;
			}
		}
		capture_close(c);
	}
	return 0;
}

static int start_in_dir(struct sim *s, struct port *p, char *err)
{
	char *path;
	int rc;

	xasprintf(&path, "%s/%s.pcap", s->pcap_dir, p->name);
	rc = start(s, p, path, NULL, true, err);
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

		s->all_captures = c->all_next;
		graph_settle(s->g, true);
		c->port->captures = NULL;
		capture_close(c);
	}
}

/* ---- --pcapng: every hop of the run, one file --------------------------- */

/* The record waits for the next one (or the end): a bridge sets its VLAN
 * just after writing it. */
struct run_pcapng {
	struct sim *s;
	FILE *f;
	char *path;
	struct pcapng *w;
	bool pending;
	uint64_t index;         /* the waiting record's number */
	uint8_t *data;          /* its frame's bytes */
	uint32_t len;
	bool failed;
};

static bool file_write(void *ctx, const void *p, size_t n)
{
	struct run_pcapng *rp = ctx;

	if (fwrite(p, 1, n, rp->f) != n) {
		rp->failed = true;
		return false;
	}
	return true;
}

static void emit(struct run_pcapng *rp)
{
	const struct trace *t = &rp->s->g->trace;

	if (!rp->pending)
		return;
	rp->pending = false;
	pcapng_record(rp->w, &t->ring[rp->index % t->cap], rp->data, rp->len);
}

static void run_sink(void *ctx, uint64_t index, const struct frame *f)
{
	struct run_pcapng *rp = ctx;

	emit(rp);
	rp->index = index;
	rp->len = f->len;
	memcpy(rp->data, f->data, MIN(f->len, (uint32_t)FRAME_MAX));
	rp->pending = true;
}

int capture_pcapng(struct sim *s, const char *path, char *err)
{
	struct run_pcapng *rp;
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		return errf(err, "cannot write %s: %s", path, strerror(errno));
	rp = xcalloc(1, sizeof(*rp));
	rp->s = s;
	rp->f = f;
	rp->path = xstrdup(path);
	rp->data = xmalloc(FRAME_MAX);
	/* Every decision, kept just long enough to take its VLAN. */
	if (s->g->trace.cap < 2)
		graph_set_trace_cap(s->g, 1024);
	rp->w = pcapng_new(s->g, file_write, rp);
	graph_settle(s->g, true);       /* every hop is seen from now */
	s->g->trace.sink = run_sink;
	s->g->trace.sink_ctx = rp;
	s->pcapng = rp;
	return 0;
}

int capture_pcapng_close(struct sim *s, char *err)
{
	struct run_pcapng *rp = s->pcapng;
	int rc = 0;

	if (rp == NULL)
		return 0;
	emit(rp);
	s->g->trace.sink = NULL;
	s->pcapng = NULL;
	if (fclose(rp->f) != 0 || rp->failed)
		rc = errf(err, "cannot write %s", rp->path);
	pcapng_free(rp->w);
	free(rp->data);
	free(rp->path);
	free(rp);
	return rc;
}

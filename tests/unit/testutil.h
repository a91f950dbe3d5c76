/*
 * Helpers shared by the unit tests: a sink node that records what reaches
 * it, frame builders and a temporary-file writer for topology tests.
 */
#ifndef QNETSIM_TESTUTIL_H
#define QNETSIM_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../src/core/graph.h"
#include "../../src/core/util.h"

#define SINK_KEEP 64

struct sink {
	struct node node;
	int count;
	uint64_t last_time;
	struct port *last_port;
	uint64_t ids[SINK_KEEP];
	uint8_t last[128];              /* the last frame's first bytes */
	uint32_t last_len;
};

static void sink_input(struct node *n, struct port *in, struct frame *f)
{
	struct sink *s = container_of(n, struct sink, node);

	if (s->count < SINK_KEEP)
		s->ids[s->count] = f->id;
	s->count++;
	s->last_port = in;
	s->last_time = loop_now(n->g->loop);
	s->last_len = f->len;
	memcpy(s->last, f->data, f->len < sizeof(s->last) ? f->len : sizeof(s->last));
	frame_unref(f);
}

static void sink_destroy(struct node *n)
{
	free(container_of(n, struct sink, node));
}

static const struct node_ops sink_ops = {
	.kind = "sink",
	.input = sink_input,
	.destroy = sink_destroy,
};

static inline struct sink *sink_new(struct graph *g, const char *name)
{
	struct sink *s = xcalloc(1, sizeof(*s));

	node_init(&s->node, g, &sink_ops, name, 0);
	return s;
}

/* An Ethernet frame of len bytes from src to dst (MACs as 48-bit values). */
static inline struct frame *mkframe(struct frame_pool *p, uint64_t dst, uint64_t src, uint32_t len)
{
	struct frame *f = frame_alloc(p, len);

	assert_non_null(f);
	memset(f->data, 0, len);
	u64_to_mac(dst, f->data);
	u64_to_mac(src, f->data + 6);
	f->data[12] = 0x08;
	return f;
}

/* Writes text to a new temporary file; returns its path (caller frees). */
static inline char *write_tmp(const char *text)
{
	char *path = xstrdup("/tmp/qnetsim-test-XXXXXX.ini");
	int fd = mkstemps(path, 4);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

#ifdef QNETSIM_SIM_H
/* A sim loaded from topology text that must load without errors
 * (warnings go to errs). Include app/sim.h before this file. */
static inline struct sim *load_topology(const char *text, FILE *errs)
{
	char *path = write_tmp(text);
	struct sim *s = sim_new(1);

	assert_int_equal(topo_load(s, path, errs), 0);
	unlink(path);
	free(path);
	return s;
}
#endif

#endif

/*
 * The netdev frame queue (contract in queue.h).
 */
#include "queue.h"
#include "../core/util.h"

#include <stdlib.h>

void fqueue_init(struct fqueue *q, const struct fqueue_ops *ops, struct loop *loop,
		 struct port *port, uint32_t limit)
{
	uint32_t cap = 1;

	while (cap < limit)
		cap <<= 1;
	*q = (struct fqueue){ .ops = ops, .loop = loop, .port = port, .cap = cap,
			      .limit = limit };
	q->ring = xcalloc(cap, sizeof(*q->ring));
}

void fqueue_free(struct fqueue *q)
{
	if (q->ring == NULL)
		return;
	while (q->len > 0) {
		frame_unref(q->ring[q->head]);
		q->head = (q->head + 1) & (q->cap - 1);
		q->len--;
	}
	free(q->ring);
	q->ring = NULL;
}

static uint32_t backlog(struct fqueue *q)
{
	return q->len + (q->ops->extra != NULL ? q->ops->extra(q) : 0);
}

static void set_over(struct fqueue *q, bool over)
{
	if (q->over == over || q->ops->over == NULL)
		return;
	q->over = over;
	q->ops->over(q, over);
}

static void set_want_out(struct fqueue *q, bool on)
{
	if (q->want_out == on)
		return;
	q->want_out = on;
	q->ops->want_out(q, on);
}

void fqueue_flush(struct fqueue *q)
{
	enum fqueue_sent r = q->len > 0 ? q->ops->send(q) : FQ_DONE;

	set_want_out(q, r == FQ_BLOCKED);
}

static void flush_deferred(void *a, void *b)
{
	struct fqueue *q = a;

	(void)b;
	q->flush_queued = false;
	if (!q->want_out)
		fqueue_flush(q);
}

bool fqueue_push(struct fqueue *q, struct frame *f)
{
	if (fqueue_full(q)) {
		port_drop_dir(q->port, f, DROP_PEER_BACKLOG, false);
		return false;
	}
	q->ring[(q->head + q->len++) & (q->cap - 1)] = f;
	if (q->ops->over != NULL && backlog(q) >= q->limit / 2)
		set_over(q, true);
	if (q->want_out || q->flush_queued)
		return true;
	if (loop_defer(q->loop, flush_deferred, q, NULL) == 0)
		q->flush_queued = true;
	else
		fqueue_flush(q);
	return true;
}

struct frame *fqueue_pop(struct fqueue *q)
{
	struct frame *f = q->ring[q->head];

	q->head = (q->head + 1) & (q->cap - 1);
	q->len--;
	if (q->over && backlog(q) <= q->limit / 4)
		set_over(q, false);
	return f;
}

uint32_t fqueue_clear(struct fqueue *q)
{
	uint32_t n = q->len;

	while (q->len > 0)
		port_drop_dir(q->port, fqueue_pop(q), DROP_NO_PEER, false);
	set_over(q, false);
	q->want_out = false;
	return n;
}

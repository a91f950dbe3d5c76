/*
 * A link direction's ring of frames in flight: what is not inline in
 * ring.h (see graph.h, struct inring, for the layout).
 */
#include "ring.h"
#include "util.h"

#include <stdlib.h>

struct frame *ring_pop(struct inring *q)
{
	struct frame *f = q->s[q->head].f;

	q->head = q->head + 1 == q->cap ? 0 : q->head + 1;
	q->count--;
	if (q->sent > 0)
		q->sent--;
	else if (q->count > 0)
		q->sent_end = ring_tx_end(q, q->head);
	if (q->count == 0 && q->x != NULL) {
		free(q->x->dl);
		free(q->x->wide);
		q->x->dl = q->x->wide = NULL;
	}
	return f;
}

void ring_flush(struct inring *q)
{
	while (q->count > 0) {
		struct frame *f = ring_pop(q);

		if (!slot_settled(f))
			frame_unref(f);
	}
	free(q->s);
	free(q->x);
	q->s = NULL;
	q->x = NULL;
}


/* A ring's next size: doubling to 128 frames, then a quarter more each
 * time (a burst that queues 197 frames gets 200 places, not 256). */
static uint32_t ring_grown(uint32_t cap)
{
	uint32_t n = cap == 0 ? 16 : cap < 128 ? cap * 2 : cap + cap / 4;

	return MIN(n, LINK_WIRE_MAX);
}

static void ring_grow(struct inring *q)
{
	uint32_t ncap = ring_grown(q->cap);
	struct inslot *ns = xmalloc((size_t)ncap * sizeof(*ns));
	struct inring_x *x = q->x;
	uint64_t *nd = x != NULL && x->dl != NULL ? xmalloc((size_t)ncap * sizeof(*nd)) : NULL;
	uint64_t *nw = x != NULL && x->wide != NULL ? xmalloc((size_t)ncap * sizeof(*nw)) : NULL;

	for (uint32_t i = 0; i < q->count; i++) {
		uint32_t o = ring_slot(q, i);

		ns[i] = q->s[o];
		if (nd != NULL)
			nd[i] = x->dl[o];
		if (nw != NULL)
			nw[i] = x->wide[o];
	}
	free(q->s);
	q->s = ns;
	if (x != NULL) {
		free(x->dl);
		free(x->wide);
		x->dl = nd;
		x->wide = nw;
	}
	q->cap = ncap;
	q->head = 0;
}

static struct inring_x *ring_x(struct inring *q)
{
	if (q->x == NULL)
		q->x = xcalloc(1, sizeof(*q->x));
	return q->x;
}

/* tx_end past base + 2^32 ns: the offsets start again from the head's
 * tx_end, or, where the ring spans more than that, every tx_end is kept
 * whole until it empties. */
static void ring_rebase(struct inring *q, uint64_t tx_end)
{
	uint64_t nb = ring_tx_end(q, q->head);
	struct inring_x *x;

	if (tx_end - nb <= UINT32_MAX) {
		for (uint32_t i = 0; i < q->count; i++)
			q->s[ring_slot(q, i)].off -= (uint32_t)(nb - q->base);
		q->base = nb;
		return;
	}
	x = ring_x(q);
	x->wide = xmalloc((size_t)q->cap * sizeof(*x->wide));
	for (uint32_t i = 0; i < q->count; i++) {
		uint32_t o = ring_slot(q, i);

		x->wide[o] = q->base + q->s[o].off;
	}
}


bool ring_push_slow(struct inring *q, struct frame *f, uint64_t tx_end, uint64_t deliver_at)
{
	uint64_t delta = deliver_at - tx_end;
	struct inring_x *x;
	uint32_t k;

	if (q->count == q->cap) {
		if (q->cap >= LINK_WIRE_MAX)
			return false;
		ring_grow(q);
	}
	x = q->x;
	if (q->count == 0) {
		q->base = tx_end;
		if (delta != 0 || x != NULL)
			ring_x(q)->delta = delta;
	} else if ((x == NULL || x->dl == NULL) && delta != (x != NULL ? x->delta : 0)) {
		/* A delay of its own: every frame's arrival from now on. */
		x = ring_x(q);
		x->dl = xmalloc((size_t)q->cap * sizeof(*x->dl));
		for (uint32_t i = 0; i < q->count; i++) {
			uint32_t o = ring_slot(q, i);

			x->dl[o] = ring_tx_end(q, o) + x->delta;
		}
	}
	if ((q->x == NULL || q->x->wide == NULL) && tx_end - q->base > UINT32_MAX)
		ring_rebase(q, tx_end);
	x = q->x;
	k = ring_slot(q, q->count);
	q->s[k].f = f;
	if (x != NULL && x->wide != NULL)
		x->wide[k] = tx_end;
	else
		q->s[k].off = (uint32_t)(tx_end - q->base);
	if (x != NULL && x->dl != NULL)
		x->dl[k] = deliver_at;
	if (q->sent == q->count)
		q->sent_end = tx_end;
	q->count++;
	return true;
}

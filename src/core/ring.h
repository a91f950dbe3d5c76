/*
 * A link direction's ring of frames in flight (graph.h: struct inring):
 * for link.c and ring.c only. The hot parts are inline; a ring's growth,
 * its rarer forms (a delay, per-frame arrivals, wide times) and its end
 * are in ring.c.
 */
#ifndef QNETSIM_RING_H
#define QNETSIM_RING_H

#include "graph.h"

/* Frames a link direction may have on the wire (after serialisation, while
 * the delay runs) beyond its queue: the bound on memory for long delays. */
#define LINK_WIRE_MAX 65536u

/* A silent frame settled at its send (graph.h, "Silent frames") holds
 * its place in the ring by its length, not the frame: an odd "pointer"
 * (frames are aligned), never dereferenced or unreferenced. */
static inline struct frame *settled_mark(uint32_t len)
{
	return (struct frame *)(uintptr_t)((uintptr_t)len << 1 | 1);
}

static inline bool slot_settled(const struct frame *f)
{
	return ((uintptr_t)f & 1) != 0;
}

static inline uint32_t settled_len(const struct frame *f)
{
	return (uint32_t)((uintptr_t)f >> 1);
}

/* The head frame (or settled mark) out; what was made for the ring
 * while it held frames (dl, wide) goes once it is empty. */
struct frame *ring_pop(struct inring *q);
/* Every frame unreferenced and the ring's memory freed. */
void ring_flush(struct inring *q);
/* ring_push past its short path: growing, delays, wide times. False when
 * the ring holds LINK_WIRE_MAX frames. */
bool ring_push_slow(struct inring *q, struct frame *f, uint64_t tx_end, uint64_t deliver_at);

/* The slot of the frame at position i from the head. */
static inline uint32_t ring_slot(const struct inring *q, uint32_t i)
{
	uint32_t k = q->head + i;

	return k >= q->cap ? k - q->cap : k;
}

static inline uint64_t ring_tx_end(const struct inring *q, uint32_t k)
{
	return q->x != NULL && q->x->wide != NULL ? q->x->wide[k] : q->base + q->s[k].off;
}

/* When the frame at position i (from the head) arrives. */
static inline uint64_t ring_deliver(const struct inring *q, uint32_t i)
{
	uint32_t k = ring_slot(q, i);

	if (q->x == NULL)
		return q->base + q->s[k].off;
	return q->x->dl != NULL ? q->x->dl[k] : ring_tx_end(q, k) + q->x->delta;
}

/* Advances the "sent" mark past frames whose last bit has left. */
static inline void ring_settle(struct inring *q, uint64_t now)
{
	while (q->sent < q->count && q->sent_end <= now)
		if (++q->sent < q->count)
			q->sent_end = ring_tx_end(q, ring_slot(q, q->sent));
}

/* f onto the ring: its last bit leaves at tx_end, it arrives at deliver_at. */
static inline bool ring_push(struct inring *q, struct frame *f, uint64_t tx_end, uint64_t deliver_at)
{
	uint32_t k;

	/* Most pushes: a ring with room, no delay, offsets only. */
	if (q->x == NULL && deliver_at == tx_end && q->count - 1 < q->cap - 1 &&
	    tx_end - q->base <= UINT32_MAX) {
		k = ring_slot(q, q->count);
		q->s[k].f = f;
		q->s[k].off = (uint32_t)(tx_end - q->base);
		if (q->sent == q->count)
			q->sent_end = tx_end;
		q->count++;
		return true;
	}
	return ring_push_slow(q, f, tx_end, deliver_at);
}

#endif

/*
 * The frames a netdev holds for a peer that is slower than the topology:
 * one bounded queue with a deferred flush, for every back-end that buffers
 * (stream sockets, the served VDE switch's clients). The contract, in the
 * manner of QEMU's net/queue.c:
 *
 *  - Who may refuse a frame: only the queue, and only when it is full
 *    (fqueue_push: a peer_backlog drop on the netdev's port, counted and
 *    traced). A node of the topology never waits for a peer; a back-end
 *    with no peer drops before it queues (no_peer).
 *  - Who flushes: fqueue_push defers one flush to the end of the loop's
 *    current work (loop_defer), so a burst leaves in batches, one system
 *    call per batch. The owner's send sends from the head until the peer
 *    would block; then the queue asks for EPOLLOUT (the owner's want_out)
 *    and the owner calls fqueue_flush when the fd is writable. While it
 *    waits for EPOLLOUT no deferred flush is queued.
 *  - When it drops: on a push past `limit` frames (peer_backlog), and on
 *    fqueue_clear when the peer is gone (no_peer, every frame still
 *    waiting). Frames are never dropped to make room.
 *  - When it pauses its reader: an owner with an `over` hook is told when
 *    the backlog (the queue plus the owner's `extra`, e.g. frames already
 *    on the link toward the port) reaches half the limit, and again when
 *    it falls to a quarter. The served VDE switch stops reading from its
 *    clients in between, as 802.3x pause frames would; streams have no
 *    hook and never pause anyone.
 *
 * The queue holds one reference on each frame; fqueue_pop hands it to the
 * caller.
 */
#ifndef QNETSIM_QUEUE_H
#define QNETSIM_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/graph.h"

struct fqueue;

enum fqueue_sent {
	FQ_DONE,                /* the queue is empty, or the peer is gone */
	FQ_BLOCKED,             /* the peer takes no more now: wait for EPOLLOUT */
};

struct fqueue_ops {
	/* Sends from the head (fqueue_peek), popping what left entirely. */
	enum fqueue_sent (*send)(struct fqueue *q);
	/* Asks for (or stops asking for) EPOLLOUT on the peer's fd. */
	void (*want_out)(struct fqueue *q, bool on);
	/* Optional: the backlog crossed the high mark (true) or fell to the
	 * low one (false). */
	void (*over)(struct fqueue *q, bool over);
	/* Optional: frames that count toward the backlog besides the queue. */
	uint32_t (*extra)(struct fqueue *q);
};

struct fqueue {
	const struct fqueue_ops *ops;
	struct loop *loop;
	struct port *port;      /* where its drops are counted */
	struct frame **ring;
	uint32_t cap, head, len;
	uint32_t limit;         /* frames, at most */
	bool want_out;          /* waiting for EPOLLOUT */
	bool flush_queued;      /* a flush is deferred on the loop */
	bool over;              /* past the high mark, not yet below the low */
};

void fqueue_init(struct fqueue *q, const struct fqueue_ops *ops, struct loop *loop,
		 struct port *port, uint32_t limit);
/* Frees the ring; frames still waiting are released uncounted (the run is
 * over: what a peer never got was counted when it went away). */
void fqueue_free(struct fqueue *q);

static inline bool fqueue_full(const struct fqueue *q)
{
	return q->len >= q->limit;
}

/* Takes the reference on f, or drops it (peer_backlog) when full: false. */
bool fqueue_push(struct fqueue *q, struct frame *f);
/* The i-th frame from the head (i < len). */
static inline struct frame *fqueue_peek(const struct fqueue *q, uint32_t i)
{
	return q->ring[(q->head + i) & (q->cap - 1)];
}

/* Removes the head; the caller owns its reference. */
struct frame *fqueue_pop(struct fqueue *q);
/* Sends now (the owner calls it on EPOLLOUT). */
void fqueue_flush(struct fqueue *q);
/* The peer is gone: every frame waiting is a no_peer drop. Returns how
 * many there were. */
uint32_t fqueue_clear(struct fqueue *q);

#endif

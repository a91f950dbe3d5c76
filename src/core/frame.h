/*
 * Frames: reference-counted Ethernet frames (no FCS) from a bounded pool.
 *
 * Ownership contract, used everywhere a frame changes hands:
 *  - frame_alloc() returns a frame with one reference, owned by the caller.
 *  - Passing a frame to port_tx(), a node's input or a deferred call passes
 *    that reference along; the receiver must unref or pass it on.
 *  - Flooding to n ports takes n-1 extra references (frame_ref) and passes
 *    one to each port: no copies.
 *  - A frame with more than one reference is shared and must not be
 *    written. frame_make_writable() copies it when needed (VLAN tag push or
 *    pop later), so a copy is made only when a frame is changed.
 *
 * The pool hands out fixed-size buffers (128 or FRAME_SLAB bytes) for
 * frames up to FRAME_SLAB bytes and allocates larger ones (up to
 * FRAME_MAX, QEMU's jumbo limit) singly.
 * At most `limit` frames exist at once; beyond that frame_alloc() returns
 * NULL and the caller counts a "no buffer" drop.
 */
#ifndef QNETSIM_FRAME_H
#define QNETSIM_FRAME_H

#include <stdbool.h>
#include <stdint.h>

#define FRAME_SLAB 1536u
#define FRAME_MAX 69632u
#define ETH_MIN_LEN 60u   /* without FCS */
#define ETH_HLEN 14u

struct frame_pool;

struct frame {
	uint32_t refcnt;
	uint32_t len;
	uint32_t cap;
	uint32_t slot;          /* a singly allocated frame's place in its pool's list */
	uint64_t id;            /* the same on every hop: follow a frame by it */
	uint64_t born;          /* loop time when created */
	struct frame_pool *pool;
	struct frame *next_free;
	uint8_t data[];
};

struct frame_pool_stats {
	uint64_t allocated;     /* frames handed out, ever */
	uint64_t in_use;
	uint64_t high_water;
	uint64_t exhausted;     /* frame_alloc() calls that failed */
	uint64_t limit;
};

struct frame_pool *frame_pool_new(uint32_t limit);
void frame_pool_free(struct frame_pool *p);
void frame_pool_stats(const struct frame_pool *p, struct frame_pool_stats *st);

/* Returns a frame of `len` bytes (contents undefined) or NULL when the pool
 * is at its limit or len > FRAME_MAX. */
struct frame *frame_alloc(struct frame_pool *p, uint32_t len);
struct frame *frame_from_bytes(struct frame_pool *p, const void *bytes, uint32_t len);

static inline struct frame *frame_ref(struct frame *f)
{
	f->refcnt++;
	return f;
}

void frame_release(struct frame *f);

static inline void frame_unref(struct frame *f)
{
	if (--f->refcnt == 0)
		frame_release(f);
}

/* Returns a frame the caller may write: f itself when it holds the only
 * reference, otherwise a copy with the same id (f's reference is dropped).
 * NULL when the pool is exhausted (f's reference is dropped too). */
struct frame *frame_make_writable(struct frame *f);

/* 802.1Q. TPIDs: 0x8100 (C-tag), 0x88a8 (802.1ad S-tag, QinQ). */
#define ETH_P_8021Q 0x8100u
#define ETH_P_8021AD 0x88a8u

/* True when f carries an 802.1Q C-tag; *tci is its TCI (PCP, DEI, VID). */
bool frame_has_ctag(const struct frame *f, uint16_t *tci);

/* A copy of f (same id) as it leaves a port: tagged with vid (keeping the
 * PCP of f's own tag, if any) or untagged (the tag removed, padded to 60
 * bytes). f is not changed. NULL when the pool is exhausted. */
struct frame *frame_tagged_copy(const struct frame *f, uint16_t vid);
struct frame *frame_untagged_copy(const struct frame *f);

#endif

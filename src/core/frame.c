/*
 * Frame pool. Slab frames are carved from chunks of FRAME_CHUNK buffers and
 * recycled through a free list, one list per size: FRAME_SMALL bytes (ARP,
 * pings, TCP ACKs, BPDUs: most frames of a large topology) and FRAME_SLAB.
 * They are only given back to malloc when the pool is freed. Large frames are malloc'ed and freed singly, and listed
 * in `single` so that the pool's end frees those still in flight (in the
 * loop's FIFO, say) too.
 *
 * Built with -DQNETSIM_EXACT_FRAMES (the fuzz targets), every frame is its
 * own allocation of exactly its length, so AddressSanitizer sees a read one
 * byte past a frame's end.
 */
#include "frame.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define FRAME_CHUNK 256u
#define FRAME_SMALL 128u

/* The two slab sizes; cap tells a slab frame's class. */
enum { CLASS_SMALL, CLASS_SLAB, NCLASSES };
static const uint32_t class_cap[NCLASSES] = { FRAME_SMALL, FRAME_SLAB };

/* A slab frame's class by its cap; -1: a frame of its own allocation. */
static int slab_class(uint32_t cap)
{
	return cap == FRAME_SMALL ? CLASS_SMALL : cap == FRAME_SLAB ? CLASS_SLAB : -1;
}

struct frame_pool {
	struct frame *free_list[NCLASSES];
	void **chunks;
	unsigned nchunks, chunkcap;
	uint64_t next_id;
	struct frame_pool_stats st;
	struct frame **single;  /* frames malloc'ed singly, in use */
	uint32_t nsingle, singlecap;
};

struct frame_pool *frame_pool_new(uint32_t limit)
{
	struct frame_pool *p = xcalloc(1, sizeof(*p));

	p->st.limit = limit ? limit : 65536;
	p->next_id = 1;
	return p;
}

void frame_pool_free(struct frame_pool *p)
{
	if (p == NULL)
		return;
	for (unsigned i = 0; i < p->nchunks; i++)
		free(p->chunks[i]);
	free(p->chunks);
	for (uint32_t i = 0; i < p->nsingle; i++)
		free(p->single[i]);
	free(p->single);
	free(p);
}

void frame_pool_stats(const struct frame_pool *p, struct frame_pool_stats *st)
{
	*st = p->st;
}

static __attribute__((unused)) void pool_grow(struct frame_pool *p, int c)
{
	size_t size = sizeof(struct frame) + class_cap[c];
	char *chunk = xmalloc(FRAME_CHUNK * size);

	if (p->nchunks == p->chunkcap) {
		p->chunkcap = p->chunkcap ? p->chunkcap * 2 : 16;
		p->chunks = xreallocarray(p->chunks, p->chunkcap, sizeof(*p->chunks));
	}
	p->chunks[p->nchunks++] = chunk;
	for (unsigned i = FRAME_CHUNK; i-- > 0;) {
		struct frame *f = (struct frame *)(void *)(chunk + i * size);

		f->cap = class_cap[c];
		f->next_free = p->free_list[c];
		p->free_list[c] = f;
	}
}

/* A frame of its own allocation, listed in p->single at f->slot. */
static struct frame *take_single(struct frame_pool *p, uint32_t len)
{
	struct frame *f = xmalloc(sizeof(*f) + len);

	if (p->nsingle == p->singlecap) {
		p->singlecap = p->singlecap ? p->singlecap * 2 : 64;
		p->single = xreallocarray(p->single, p->singlecap, sizeof(*p->single));
	}
	f->slot = p->nsingle;
	p->single[p->nsingle++] = f;
	return f;
}

/* Takes a buffer from the pool; the caller sets the id. */
static struct frame *frame_take(struct frame_pool *p, uint32_t len)
{
	struct frame *f;

	if (len > FRAME_MAX || p->st.in_use >= p->st.limit) {
		p->st.exhausted++;
		return NULL;
	}
#ifdef QNETSIM_EXACT_FRAMES
	f = take_single(p, len);
	f->cap = 0;     /* never FRAME_SLAB: frame_release frees it */
#else
	if (len <= FRAME_SLAB) {
		int c = len <= FRAME_SMALL ? CLASS_SMALL : CLASS_SLAB;

		if (p->free_list[c] == NULL)
			pool_grow(p, c);
		f = p->free_list[c];
		p->free_list[c] = f->next_free;
	} else {
		f = take_single(p, len);
		f->cap = len;   /* over FRAME_SLAB: never a slab class's */
	}
#endif
	f->refcnt = 1;
	f->len = len;
	f->born = 0;
	f->pool = p;
	f->next_free = NULL;
	p->st.allocated++;
	if (++p->st.in_use > p->st.high_water)
		p->st.high_water = p->st.in_use;
	return f;
}

struct frame *frame_alloc(struct frame_pool *p, uint32_t len)
{
	struct frame *f = frame_take(p, len);

	if (f != NULL)
		f->id = p->next_id++;
	return f;
}

struct frame *frame_from_bytes(struct frame_pool *p, const void *bytes, uint32_t len)
{
	struct frame *f = frame_alloc(p, len);

	if (f != NULL)
		memcpy(f->data, bytes, len);
	return f;
}

void frame_release(struct frame *f)
{
	struct frame_pool *p = f->pool;
	int c = slab_class(f->cap);

	p->st.in_use--;
	if (c >= 0) {
		f->next_free = p->free_list[c];
		p->free_list[c] = f;
	} else {
		/* The last listed frame takes f's place in the list. */
		p->single[f->slot] = p->single[--p->nsingle];
		p->single[f->slot]->slot = f->slot;
		free(f);
	}
}

struct frame *frame_make_writable(struct frame *f)
{
	struct frame *c;

	if (f->refcnt == 1)
		return f;
	/* The copy is the same frame on its way: it keeps the original's id. */
	c = frame_take(f->pool, f->len);
	if (c != NULL) {
		memcpy(c->data, f->data, f->len);
		c->id = f->id;
		c->born = f->born;
	}
	frame_unref(f);
	return c;
}

bool frame_has_ctag(const struct frame *f, uint16_t *tci)
{
	if (f->len < ETH_HLEN + 4 || f->data[12] != 0x81 || f->data[13] != 0x00)
		return false;
	*tci = (uint16_t)(f->data[14] << 8 | f->data[15]);
	return true;
}

struct frame *frame_tagged_copy(const struct frame *f, uint16_t vid)
{
	uint16_t tci = 0;
	bool had = frame_has_ctag(f, &tci);
	uint32_t rest = f->len - 12 - (had ? 4 : 0);
	struct frame *c = frame_take(f->pool, 16 + rest);

	if (c == NULL)
		return NULL;
	tci = (uint16_t)((tci & 0xf000) | (vid & 0x0fff));
	memcpy(c->data, f->data, 12);
	c->data[12] = 0x81;
	c->data[13] = 0x00;
	c->data[14] = (uint8_t)(tci >> 8);
	c->data[15] = (uint8_t)tci;
	memcpy(c->data + 16, f->data + 12 + (had ? 4 : 0), rest);
	c->id = f->id;
	c->born = f->born;
	return c;
}

struct frame *frame_untagged_copy(const struct frame *f)
{
	uint16_t tci;
	bool had = frame_has_ctag(f, &tci);
	uint32_t len = had ? f->len - 4 : f->len;
	struct frame *c = frame_take(f->pool, len < ETH_MIN_LEN ? ETH_MIN_LEN : len);

	if (c == NULL)
		return NULL;
	memcpy(c->data, f->data, 12);
	memcpy(c->data + 12, f->data + (had ? 16 : 12), len - 12);
	if (len < ETH_MIN_LEN)
		memset(c->data + len, 0, ETH_MIN_LEN - len);
	c->id = f->id;
	c->born = f->born;
	return c;
}

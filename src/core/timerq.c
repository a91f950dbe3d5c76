/*
 * The loop's timer queue (loop.h has the contract). Timers due at the
 * same instant share a bucket, an array of them in the order they were
 * armed (a disarmed one leaves a hole), so the loop reads the timers to come without chasing pointers
 * and fetches them into the cache well ahead; a 4-ary heap orders the
 * buckets by time, and a hash table finds a time's bucket. Arming and
 * disarming a timer whose instant already has a bucket, and firing one
 * that is not its bucket's last, are O(1); the heap moves once per
 * distinct instant. A topology's links run in step (every port of a hub
 * gets a flood's copies at the same nanoseconds), so a 100,000-guest run
 * has a few timers per instant where it had one heap move per timer.
 */
#include "loop_internal.h"
#include "util.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

void timer_init(struct timer *t, void (*cb)(void *), void *arg)
{
	memset(t, 0, sizeof(*t));
	t->bucket = NULL;
	t->cb = cb;
	t->arg = arg;
}

static void heap_set(struct loop *l, unsigned i, struct hent e)
{
	l->heap[i] = e;
	e.b->hidx = i;
}

/* Bucket times are distinct: the heap needs no tie-break. */
static void heap_up(struct loop *l, unsigned i)
{
	struct hent e = l->heap[i];

	while (i > 0) {
		unsigned p = (i - 1) / 4;

		if (e.when >= l->heap[p].when)
			break;
		heap_set(l, i, l->heap[p]);
		i = p;
	}
	heap_set(l, i, e);
}

static void heap_down(struct loop *l, unsigned i)
{
	struct hent e = l->heap[i];

	for (;;) {
		unsigned c = 4 * i + 1, best = c, end = MIN(c + 4, l->nheap);

		if (c >= l->nheap)
			break;
		for (unsigned k = c + 1; k < end; k++)
			if (l->heap[k].when < l->heap[best].when)
				best = k;
		if (l->heap[best].when >= e.when)
			break;
		heap_set(l, i, l->heap[best]);
		i = best;
	}
	heap_set(l, i, e);
}

static unsigned tab_home(const struct loop *l, uint64_t when)
{
	when ^= when >> 31;
	when *= 0x9e3779b97f4a7c15ull;
	return (unsigned)(when >> 32) & l->tabmask;
}

static struct tbucket *tab_find(const struct loop *l, uint64_t when)
{
	if (l->tab == NULL)
		return NULL;
	for (unsigned i = tab_home(l, when);; i = (i + 1) & l->tabmask) {
		struct tbucket *b = l->tab[i];

		if (b == NULL || b->when == when)
			return b;
	}
}

static void tab_put(struct loop *l, struct tbucket *b)
{
	unsigned i;

	if ((l->tabcount + 1) * 2 > l->tabmask + 1) {
		struct tbucket **old = l->tab;
		unsigned oldmask = l->tabmask;

		l->tabmask = old != NULL ? oldmask * 2 + 1 : 63;
		l->tab = xcalloc((size_t)l->tabmask + 1, sizeof(*l->tab));
		for (unsigned j = 0; old != NULL && j <= oldmask; j++)
			if (old[j] != NULL) {
				for (i = tab_home(l, old[j]->when); l->tab[i] != NULL;)
					i = (i + 1) & l->tabmask;
				l->tab[i] = old[j];
			}
		free(old);
	}
	for (i = tab_home(l, b->when); l->tab[i] != NULL;)
		i = (i + 1) & l->tabmask;
	l->tab[i] = b;
	l->tabcount++;
}

/* Linear probing's deletion: later entries of the run move back into the
 * hole when their home allows, so no search ever stops short. */
static void tab_del(struct loop *l, const struct tbucket *b)
{
	unsigned i = tab_home(l, b->when), j, k;

	while (l->tab[i] != b)
		i = (i + 1) & l->tabmask;
	for (j = i;;) {
		l->tab[i] = NULL;
		for (;;) {
			j = (j + 1) & l->tabmask;
			if (l->tab[j] == NULL) {
				l->tabcount--;
				return;
			}
			k = tab_home(l, l->tab[j]->when);
			/* Stays when its home lies cyclically in (i, j]. */
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;
			break;
		}
		l->tab[i] = l->tab[j];
		i = j;
	}
}

static struct tbucket *bucket_new(struct loop *l, uint64_t when)
{
	struct tbucket *b = l->bfree;

	if (b == NULL) {
		struct tbucket *c = xcalloc(BUCKET_CHUNK, sizeof(*c));

		l->chunks = xreallocarray(l->chunks, l->nchunks + 1, sizeof(*l->chunks));
		l->chunks[l->nchunks++] = c;
		for (unsigned i = 0; i < BUCKET_CHUNK; i++) {
			c[i].free = l->bfree;
			l->bfree = &c[i];
		}
		b = l->bfree;
	}
	l->bfree = b->free;
	b->when = when;
	b->n = b->first = b->live = 0;
	tab_put(l, b);
	if (l->nheap == l->heapcap) {
		l->heapcap = l->heapcap ? l->heapcap * 2 : 64;
		l->heap = xreallocarray(l->heap, l->heapcap, sizeof(*l->heap));
	}
	heap_set(l, l->nheap++, (struct hent){ .when = when, .b = b });
	heap_up(l, l->nheap - 1);
	return b;
}

static void bucket_free(struct loop *l, struct tbucket *b)
{
	unsigned i = b->hidx;
	struct hent last = l->heap[--l->nheap];

	if (last.b != b) {
		heap_set(l, i, last);
		heap_up(l, i);
		heap_down(l, last.b->hidx);
	}
	tab_del(l, b);
	if (l->lastb == b)
		l->lastb = NULL;
	if (b->cap > BUCKET_KEEP) {
		if (b->cap > l->sparecap) {
			free(l->spare);
			l->spare = b->v;
			l->sparecap = b->cap;
		} else {
			free(b->v);
		}
		b->v = NULL;
		b->cap = 0;
	}
	b->free = l->bfree;
	l->bfree = b;
}

void loop_timer_disarm(struct loop *l, struct timer *t)
{
	struct tbucket *b = t->bucket;

	if (b == NULL)
		return;
	assert(l->heap[b->hidx].b == b && b->v[t->slot] == t);
	b->v[t->slot] = NULL;
	t->bucket = NULL;
	l->ntimers--;
	if (--b->live == 0) {
		bucket_free(l, b);
		return;
	}
	while (b->v[b->first] == NULL)
		b->first++;
}

void loop_timer_arm(struct loop *l, struct timer *t, uint64_t when)
{
	struct tbucket *b;

	if (t->bucket != NULL)
		loop_timer_disarm(l, t);
	b = l->lastb != NULL && l->lastb->when == when ? l->lastb : tab_find(l, when);
	if (b == NULL)
		b = bucket_new(l, when);
	l->lastb = b;
	if (b->n == b->cap) {
		uint32_t ncap = b->cap ? b->cap * 2 : 4;

		if (ncap > BUCKET_KEEP && l->sparecap >= ncap) {
			memcpy(l->spare, b->v, (size_t)b->n * sizeof(*b->v));
			free(b->v);
			b->v = l->spare;
			ncap = l->sparecap;
			l->spare = NULL;
			l->sparecap = 0;
		} else {
			b->v = xreallocarray(b->v, ncap, sizeof(*b->v));
		}
		b->cap = ncap;
	}
	t->when = when;
	t->slot = b->n;
	b->v[b->n++] = t;
	b->live++;
	t->bucket = b;
	l->ntimers++;
}

unsigned loop_timer_count(const struct loop *l)
{
	return l->ntimers;
}

void timerq_free(struct loop *l)
{
	for (unsigned i = 0; i < l->nheap; i++) {
		struct tbucket *b = l->heap[i].b;

		for (uint32_t k = b->first; k < b->n; k++)
			if (b->v[k] != NULL)
				b->v[k]->bucket = NULL;
	}
	for (unsigned i = 0; i < l->nchunks; i++) {
		for (unsigned k = 0; k < BUCKET_CHUNK; k++)
			free(l->chunks[i][k].v);
		free(l->chunks[i]);
	}
	free(l->chunks);
	free(l->spare);
	free(l->heap);
	free(l->tab);
}

/*
 * Event loop: epoll + timer queue + deferred-call FIFO. See loop.h for the
 * ordering contract.
 *
 * The timer queue: timers due at the same instant share a bucket, an
 * array of them in the order they were armed (a disarmed one leaves a
 * hole), so the loop reads the timers to come without chasing pointers
 * and fetches them into the cache well ahead; a 4-ary heap orders the
 * buckets by time, and a hash table finds a time's bucket. Arming and
 * disarming a timer whose instant already has a bucket, and firing one
 * that is not its bucket's last, are O(1); the heap moves once per
 * distinct instant. A topology's links run in step (every port of a hub
 * gets a flood's copies at the same nanoseconds), so a 100,000-guest run
 * has a few timers per instant where it had one heap move per timer.
 */
#include "loop.h"
#include "util.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

struct fdent {
	int fd;
	bool live;
	loop_fd_cb cb;
	void *arg;
};

struct defer {
	loop_defer_cb cb;
	void *a, *b;
};

/* The timers due at one instant, in the order they were armed. */
struct tbucket {
	uint64_t when;
	struct timer **v;       /* NULL where a timer was disarmed */
	uint32_t n, cap;        /* slots used, slots made */
	uint32_t first;         /* v[first] fires next (while live > 0) */
	uint32_t live;          /* timers armed */
	unsigned hidx;          /* place in the heap */
	struct tbucket *free;   /* the free list */
};

/* A free bucket keeps slots up to this many; the loop keeps one larger
 * array aside for the next instant that needs it (a large topology's
 * links fire in step: 100,000 timers an instant). */
#define BUCKET_KEEP 1024

/* A heap entry: a bucket and its time, kept beside it so that comparing
 * two entries reads the array only. */
struct hent {
	uint64_t when;
	struct tbucket *b;
};

#define BUCKET_CHUNK 256

struct loop {
	struct loop_head h;     /* first: loop_now() reads it inline */
	uint64_t real_base;     /* CLOCK_MONOTONIC ns when the real clock started */
	bool stop;
	bool yield;             /* the wall-clock deadline passed: return early */
	uint64_t deadline;      /* CLOCK_MONOTONIC ns, 0: none */
	uint32_t ticks;         /* handlers since the last deadline check */
	uint32_t jumps;         /* virtual clock jumps since fds were polled */
	uint64_t units;         /* deferred calls and timers run (loop_units) */
	uint32_t fired;         /* real clock: timers run since fds were polled */
	bool no_pwait2;         /* the kernel lacks epoll_pwait2: ms timeouts */
	/* Real clock: one clock read serves a handler and the work it defers
	 * (a frame's hops read the time several times; at hundreds of
	 * thousands of frames a second the reads were a sixth of the cost). */
	uint64_t now_cache;
	bool now_cached;
	int running;            /* inside loop_run/loop_run_one: cache allowed */

	struct hent *heap;
	unsigned nheap, heapcap;
	unsigned ntimers;
	struct tbucket **tab;   /* time -> bucket, open addressing */
	unsigned tabmask, tabcount;
	struct tbucket *bfree;
	struct tbucket *lastb;  /* the last armed: a wave of links re-arms for one instant */
	struct timer **spare;   /* a freed bucket's slots, more than BUCKET_KEEP */
	uint32_t sparecap;
	struct tbucket **chunks;
	unsigned nchunks;

	int epfd;
	struct fdent *fds;      /* indexed by fd */
	int nfds_cap;
	unsigned nfds_live;

	struct defer *ring;
	uint32_t cap, head, count;
	uint32_t limit;         /* as asked; cap (a power of two) grows to it */
};

uint64_t loop_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

struct loop *loop_new(enum loop_clock clock, uint32_t defer_capacity)
{
	struct loop *l = xcalloc(1, sizeof(*l));

	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0)
		fatal("epoll_create1: %s", strerror(errno));
	/* A power of two, so ring positions are a mask, not a division. */
	/* The ring starts small and doubles up to the limit: most runs never
	 * defer more than a few thousand calls at once. */
	l->cap = 1024;
	l->limit = defer_capacity ? defer_capacity : 1u << 20;
	l->ring = xcalloc(l->cap, sizeof(*l->ring));
	l->h.clock = LOOP_VIRTUAL;
	loop_set_clock(l, clock);
	return l;
}

void loop_free(struct loop *l)
{
	if (l == NULL)
		return;
	for (unsigned i = 0; i < l->nheap; i++) {
		struct tbucket *b = l->heap[i].b;

		for (uint32_t k = b->first; k < b->n; k++)
			if (b->v[k] != NULL)
				b->v[k]->bucket = NULL;
	}
	for (unsigned i = 0; i < l->nchunks; i++)
		for (unsigned k = 0; k < BUCKET_CHUNK; k++)
			free(l->chunks[i][k].v);
	free(l->spare);
	close(l->epfd);
	free(l->heap);
	free(l->tab);
	for (unsigned i = 0; i < l->nchunks; i++)
		free(l->chunks[i]);
	free(l->chunks);
	free(l->fds);
	free(l->ring);
	free(l);
}

uint64_t loop_now_real(const struct loop *l)
{
	struct loop *m = (struct loop *)l; /* only the cache changes */

	if (l->h.clock == LOOP_VIRTUAL)
		return l->h.vnow;
	if (!l->running)
		return l->h.vnow + (loop_mono_ns() - l->real_base);
	if (!l->now_cached) {
		m->now_cache = l->h.vnow + (loop_mono_ns() - l->real_base);
		m->now_cached = true;
	}
	return l->now_cache;
}

/* The next loop_now() reads the clock again. */
static inline void now_expire(struct loop *l)
{
	l->now_cached = false;
}

void loop_set_clock(struct loop *l, enum loop_clock clock)
{
	if (clock == l->h.clock)
		return;
	if (clock == LOOP_REAL) {
		l->real_base = loop_mono_ns();
	} else {
		now_expire(l);
		l->h.vnow = loop_now(l);
	}
	now_expire(l);
	l->h.clock = clock;
}

enum loop_clock loop_clock(const struct loop *l)
{
	return l->h.clock;
}

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

int loop_fd_add(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *arg)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	if (fd < 0)
		return -1;
	if (fd >= l->nfds_cap) {
		int ncap = MAX(fd + 1, l->nfds_cap * 2);

		l->fds = xreallocarray(l->fds, (size_t)ncap, sizeof(*l->fds));
		memset(l->fds + l->nfds_cap, 0, (size_t)(ncap - l->nfds_cap) * sizeof(*l->fds));
		l->nfds_cap = ncap;
	}
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -1;
	l->fds[fd] = (struct fdent){ .fd = fd, .live = true, .cb = cb, .arg = arg };
	l->nfds_live++;
	return 0;
}

bool loop_accept_starved(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

static void backoff_fire(void *arg)
{
	struct loop_backoff *b = arg;

	loop_fd_mod(b->l, b->fd, b->events);
}

bool loop_fd_backoff(struct loop *l, struct loop_backoff *b, int fd, uint32_t events, uint64_t ns)
{
	bool first = !b->told;

	if (b->l != NULL)               /* initialised: it may be armed */
		loop_timer_disarm(b->l, &b->timer);
	b->l = l;
	b->fd = fd;
	b->events = events;
	b->told = true;
	timer_init(&b->timer, backoff_fire, b);
	loop_fd_mod(l, fd, 0);
	loop_timer_arm(l, &b->timer, loop_now(l) + ns);
	return first;
}

void loop_backoff_cancel(struct loop_backoff *b)
{
	if (b->l != NULL)
		loop_timer_disarm(b->l, &b->timer);
}

int loop_fd_mod(struct loop *l, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev);
}

void loop_fd_del(struct loop *l, int fd)
{
	if (fd < 0 || fd >= l->nfds_cap || !l->fds[fd].live)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	l->fds[fd].live = false;
	l->nfds_live--;
}

int loop_defer(struct loop *l, loop_defer_cb cb, void *a, void *b)
{
	struct defer *d;

	if (l->count == l->limit)
		return -1;
	if (l->count == l->cap) {
		/* Twice the room; the calls after head's wrap move to the end. */
		l->ring = xreallocarray(l->ring, (size_t)l->cap * 2, sizeof(*l->ring));
		memcpy(l->ring + l->cap, l->ring, (size_t)l->head * sizeof(*l->ring));
		l->cap *= 2;
	}
	d = &l->ring[(l->head + l->count) & (l->cap - 1)];
	d->cb = cb;
	d->a = a;
	d->b = b;
	l->count++;
	return 0;
}

uint32_t loop_defer_pending(const struct loop *l)
{
	return l->count;
}

void loop_defer_each(const struct loop *l, bool (*fn)(void *ctx, loop_defer_cb cb, void *a, void *b),
		     void *ctx)
{
	for (uint32_t i = 0; i < l->count; i++) {
		const struct defer *d = &l->ring[(l->head + i) & (l->cap - 1)];

		if (!fn(ctx, d->cb, d->a, d->b))
			return;
	}
}

/* Checks the wall-clock deadline every 1024 handlers: a clock read per
 * handler would cost more than a hop. */
static inline void tick(struct loop *l)
{
	if (l->deadline != 0 && (++l->ticks & 1023) == 0 && loop_mono_ns() >= l->deadline)
		l->yield = true;
}

/* Runs every deferred call, including ones queued while draining. */
static uint64_t drain(struct loop *l)
{
	uint64_t n = 0;

	while (l->count > 0 && !l->stop && !l->yield) {
		struct defer d = l->ring[l->head];

		l->head = (l->head + 1) & (l->cap - 1);
		l->count--;
		l->units++;
		d.cb(d.a, d.b);
		n++;
		tick(l);
		if ((n & 63) == 0)
			now_expire(l);
	}
	return n;
}

/* Polls fds; waits at most timeout_ns (-1: forever). epoll_pwait2 keeps
 * sub-millisecond timers on time in real time; without it (kernels before
 * 5.11) waits round up to whole milliseconds. */
static uint64_t poll_fds(struct loop *l, int64_t timeout_ns, bool then_drain)
{
	struct epoll_event evs[64];
	uint64_t n = 0;
	int r = -1;
	bool done = false;

	if (timeout_ns >= 0 && !l->no_pwait2) {
		struct timespec ts = { timeout_ns / (int64_t)NS_PER_SEC,
				       timeout_ns % (int64_t)NS_PER_SEC };

		r = epoll_pwait2(l->epfd, evs, (int)ARRAY_SIZE(evs), &ts, NULL);
		if (r < 0 && errno == ENOSYS)
			l->no_pwait2 = true;
		else
			done = true;
	}
	if (!done) {
		int ms = timeout_ns < 0 ? -1 :
			(int)MIN(((uint64_t)timeout_ns + NS_PER_MS - 1) / NS_PER_MS, 1000u);

		r = epoll_wait(l->epfd, evs, (int)ARRAY_SIZE(evs), ms);
	}
	if (r < 0) {
		if (errno == EINTR)
			return 0;
		fatal("epoll_wait: %s", strerror(errno));
	}
	for (int i = 0; i < r; i++) {
		int fd = evs[i].data.fd;

		/* An earlier handler in this pass may have closed this fd. */
		if (fd >= l->nfds_cap || !l->fds[fd].live)
			continue;
		now_expire(l);
		l->fds[fd].cb(l->fds[fd].arg, evs[i].events);
		n++;
		if (then_drain)
			n += drain(l);
	}
	return n;
}

static uint64_t run(struct loop *l, uint64_t until);

/* How many timers ahead run() calls a timer's warm (stage 0; stage 1 at
 * half as far); it fetches the first lines of the one twice as far. */
#define WARM_AHEAD 4

uint64_t loop_run(struct loop *l, uint64_t until)
{
	uint64_t n;

	l->running++;
	now_expire(l);
	n = run(l, until);
	l->running--;
	return n;
}

static uint64_t run(struct loop *l, uint64_t until)
{
	uint64_t n = 0;

	l->stop = false;
	l->yield = false;
	n += drain(l);
	while (!l->stop && !l->yield) {
		uint64_t now, when;
		struct timer *t;
		struct tbucket *b;

		now_expire(l);
		now = loop_now(l);

		/* At or past `until`, timers due by then still run (in real
		 * time, `until` may be "now" when the caller comes back). */
		if (now >= until && !(l->nheap > 0 && l->heap[0].when <= until))
			break;
		/* Fire every timer that is due, in order. */
		b = l->nheap > 0 ? l->heap[0].b : NULL;
		t = b != NULL ? b->v[b->first] : NULL;
		when = t != NULL ? l->heap[0].when : UINT64_MAX;
		if (when <= now) {
			uint32_t i = b->first;
			struct timer *far = i + WARM_AHEAD * 2 < b->n ? b->v[i + WARM_AHEAD * 2] : NULL;
			struct timer *mid = i + WARM_AHEAD < b->n ? b->v[i + WARM_AHEAD] : NULL;
			struct timer *near = i + WARM_AHEAD / 2 < b->n ? b->v[i + WARM_AHEAD / 2] : NULL;

			/* The instant's timers to come are read soon: fetch them
			 * while this one runs, in stages (a large topology's
			 * timers are cache misses one after another): the first
			 * two lines of a timer further on, then the warms of
			 * nearer ones, which read what the stage before fetched
			 * and fetch on. */
			if (far != NULL) {
				__builtin_prefetch(far);
				__builtin_prefetch((const char *)far + 64);
			}
			if (mid != NULL && mid->warm != NULL)
				mid->warm(mid->arg, 0);
			if (near != NULL && near->warm != NULL)
				near->warm(near->arg, 1);
			loop_timer_disarm(l, t);
			l->units++;
			t->cb(t->arg);
			n++;
			tick(l);
			n += drain(l);
			/* Behind in real time, timers are always due: still let
			 * the fds in now and then. */
			if (l->h.clock == LOOP_REAL && (++l->fired & 63) == 0)
				n += poll_fds(l, 0, true);
			continue;
		}
		if (l->h.clock == LOOP_VIRTUAL) {
			/* Nothing due now: look at fds without waiting (every 1024th
			 * jump: a system call per jump would dominate a busy run;
			 * whoever paces a virtual run polls between runs), then jump. */
			if (l->nfds_live > 0 && (++l->jumps & 1023) == 0)
				n += poll_fds(l, 0, true);
			if (l->count > 0)
				continue;
			if (t != NULL && when <= until)
				l->h.vnow = when;
			else
				l->h.vnow = until == UINT64_MAX ? l->h.vnow : until;
			if (t == NULL && until == UINT64_MAX)
				break;
		} else {
			uint64_t next = MIN(when, until);
			int64_t timeout = -1;

			if (next != UINT64_MAX)
				timeout = (int64_t)MIN(next > now ? next - now : 0, NS_PER_SEC);
			if (l->deadline != 0) {
				uint64_t m = loop_mono_ns();
				int64_t left = m >= l->deadline ? 0 :
					(int64_t)MIN(l->deadline - m, NS_PER_SEC);

				if (left == 0)
					break;
				if (timeout < 0 || left < timeout)
					timeout = left;
			}
			n += poll_fds(l, timeout, true);
		}
	}
	return n;
}

bool loop_run_one(struct loop *l)
{
	struct timer *t;

	l->stop = false;
	l->yield = false;
	if (l->count > 0) {
		struct defer d = l->ring[l->head];

		l->head = (l->head + 1) & (l->cap - 1);
		l->count--;
		l->units++;
		d.cb(d.a, d.b);
		return true;
	}
	if (l->nheap == 0)
		return false;
	t = l->heap[0].b->v[l->heap[0].b->first];
	if (l->h.clock == LOOP_VIRTUAL) {
		if (t->when > l->h.vnow)
			l->h.vnow = t->when;
	} else if (t->when > loop_now(l)) {
		return false;
	}
	loop_timer_disarm(l, t);
	l->units++;
	t->cb(t->arg);
	return true;
}

uint64_t loop_units(const struct loop *l)
{
	return l->units;
}

void loop_set_vnow(struct loop *l, uint64_t t)
{
	assert(l->h.clock == LOOP_VIRTUAL);
	if (t > l->h.vnow)
		l->h.vnow = t;
}

uint64_t loop_poll(struct loop *l, int timeout_ms)
{
	/* The FIFO is left for the next loop_run: a paused front-end must not
	 * move the simulation on just by reading a key. */
	return poll_fds(l, timeout_ms < 0 ? -1 : (int64_t)timeout_ms * (int64_t)NS_PER_MS, false);
}

uint64_t loop_next_timer(const struct loop *l)
{
	return l->nheap > 0 ? l->heap[0].when : UINT64_MAX;
}

void loop_set_deadline(struct loop *l, uint64_t mono_ns)
{
	l->deadline = mono_ns;
	l->ticks = 0;
}

bool loop_yielded(const struct loop *l)
{
	return l->yield;
}

void loop_stop(struct loop *l)
{
	l->stop = true;
}

bool loop_stopped(const struct loop *l)
{
	return l->stop;
}

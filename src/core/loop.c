/*
 * Event loop: epoll + deferred-call FIFO + running the timers (the timer
 * queue is timerq.c). See loop.h for the ordering contract.
 */
#include "loop_internal.h"
#include "util.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

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
	timerq_free(l);
	close(l->epfd);
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

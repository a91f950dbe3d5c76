/*
 * The event loop: epoll for file descriptors, a queue of timers, and
 * a bounded FIFO of deferred calls (frame delivery uses it, so forwarding
 * never recurses). One clock API covers both clocks:
 *
 *  - virtual: loop_now() only moves when the loop jumps to the next timer.
 *    Work at one instant runs in insertion order; nothing ever sleeps.
 *  - real: loop_now() is CLOCK_MONOTONIC since loop_new(); the loop sleeps
 *    in epoll_wait() until the next timer or fd event.
 *
 * Order of work in one pass: every deferred call (FIFO, including ones added
 * while draining), then due timers one by one in (when, insertion) order,
 * each followed by a FIFO drain. Ties between timers break by insertion
 * order, which makes virtual runs deterministic.
 *
 * Timers are intrusive: the caller owns a struct timer (usually embedded in
 * its own object) and arms or disarms it; the loop never allocates one.
 */
#ifndef QNETSIM_LOOP_H
#define QNETSIM_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct tbucket;

struct timer {
	uint64_t when;          /* ns on the loop clock */
	struct tbucket *bucket; /* the loop's bucket of its instant; NULL: disarmed */
	uint32_t slot;          /* its place in the bucket */
	void (*cb)(void *arg);
	void *arg;
	/* Optional: called some timers ahead of cb (when they are due at one
	 * instant), to fetch into the cache what cb will read: stage 0, then
	 * stage 1 a few timers later, which may read what stage 0 fetched.
	 * It only reads: the loop may call it and then not run cb. The loop
	 * fetches a timer's own first two cache lines before stage 0. */
	void (*warm)(const void *arg, int stage);
};

enum loop_clock { LOOP_VIRTUAL, LOOP_REAL };

typedef void (*loop_fd_cb)(void *arg, uint32_t events);
typedef void (*loop_defer_cb)(void *a, void *b);

struct loop *loop_new(enum loop_clock clock, uint32_t defer_capacity);
void loop_free(struct loop *l);

/* Switches to the real clock (a real backend appeared). The current
 * virtual time is kept as the offset, so time never goes backwards. */
void loop_set_clock(struct loop *l, enum loop_clock clock);
enum loop_clock loop_clock(const struct loop *l);
/* The first member of every loop: what loop_now() reads inline (a frame's
 * hop asks the time several times). */
struct loop_head {
	enum loop_clock clock;
	uint64_t vnow;          /* virtual time, or the offset added to real time */
};
uint64_t loop_now_real(const struct loop *l);
static inline uint64_t loop_now(const struct loop *l)
{
	const struct loop_head *h = (const struct loop_head *)(const void *)l;

	return h->clock == LOOP_VIRTUAL ? h->vnow : loop_now_real(l);
}

void timer_init(struct timer *t, void (*cb)(void *), void *arg);
/* Arms (or re-arms) t to fire at absolute time when. */
void loop_timer_arm(struct loop *l, struct timer *t, uint64_t when);
void loop_timer_disarm(struct loop *l, struct timer *t);
static inline bool timer_armed(const struct timer *t) { return t->bucket != NULL; }
/* Number of armed timers (for tests and the status line). */
unsigned loop_timer_count(const struct loop *l);

/*
 * File descriptors: events are EPOLLIN/EPOLLOUT. Returns -1 on error.
 *
 * The caller owns fd: loop_fd_del only stops watching it, and the caller
 * closes it, after loop_fd_del (closing a watched fd leaves epoll with a
 * stale entry when the fd was duplicated). A handler may delete and close
 * its own fd or any other; events already fetched in this pass for a
 * deleted fd are dropped. An fd number reused by a new loop_fd_add in the
 * same pass can get the old fd's fetched event, so a handler treats its
 * events as hints (reads until EAGAIN) and never as proof.
 */
int loop_fd_add(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *arg);
int loop_fd_mod(struct loop *l, int fd, uint32_t events);
void loop_fd_del(struct loop *l, int fd);

/*
 * A listening socket whose accept() failed for want of descriptors or
 * memory (EMFILE, ENFILE, ENOBUFS, ENOMEM) stays readable: watched as it
 * is, the loop would call its handler again at once, for ever, at 100 %
 * CPU. loop_fd_backoff stops watching fd for `ns` and then watches it for
 * `events` again. It returns true the first time for this backoff, so the
 * caller can say so once. The owner cancels it before closing fd.
 */
struct loop_backoff {
	struct loop *l;
	struct timer timer;
	int fd;
	uint32_t events;
	bool told;
};
bool loop_accept_starved(int err);
bool loop_fd_backoff(struct loop *l, struct loop_backoff *b, int fd, uint32_t events, uint64_t ns);
void loop_backoff_cancel(struct loop_backoff *b);

/* Queues cb(a, b) to run after the current handler, in FIFO order.
 * Returns -1 (and does not queue) when the FIFO is full: the caller owns
 * what it wanted to pass and counts the drop. a and b must stay valid
 * until cb runs: a deferred call cannot be cancelled, so whatever it
 * points at lives as long as the loop runs (a node or port lives as long
 * as its graph; a frame it passes holds a reference). */
int loop_defer(struct loop *l, loop_defer_cb cb, void *a, void *b);
uint32_t loop_defer_pending(const struct loop *l);
/* Calls fn for each deferred call waiting, oldest first, until fn returns
 * false (for a reader such as the map; nothing runs or changes). */
void loop_defer_each(const struct loop *l, bool (*fn)(void *ctx, loop_defer_cb cb, void *a, void *b),
		     void *ctx);

/* Runs until loop_stop() or until the clock reaches `until` (UINT64_MAX:
 * forever). In virtual time, a loop with no timers and no fds jumps
 * straight to `until`. Returns the number of handlers run. */
uint64_t loop_run(struct loop *l, uint64_t until);
void loop_stop(struct loop *l);
bool loop_stopped(const struct loop *l);

/* Pacing, for a front-end that shares the loop with the engine.
 *
 * A wall-clock deadline (CLOCK_MONOTONIC ns, 0: none) makes loop_run
 * return once it has passed; loop_yielded() tells that apart from
 * loop_stop(). The deadline is checked every 1024 handlers, so a run
 * overshoots it by at most that much work. In virtual time loop_run looks
 * at fds only every 1024th clock jump: the caller polls between runs. */
void loop_set_deadline(struct loop *l, uint64_t mono_ns);
bool loop_yielded(const struct loop *l);
/* Runs exactly one unit of work: the oldest deferred call, or else the
 * next timer (a virtual clock jumps to it; a real one must have reached
 * it). Returns false when there was nothing to run. Step mode. */
bool loop_run_one(struct loop *l);
/* Units of work run so far: deferred calls and timers, as loop_run and
 * loop_run_one run them (fd callbacks are not counted). A virtual-clock
 * run is the same after the same units and the same calls between them:
 * the UI replays a run this way to step back (docs/tui.md). */
uint64_t loop_units(const struct loop *l);
/* Moves a virtual clock forward to t (a replay: where loop_run left it
 * with nothing due); never back. */
void loop_set_vnow(struct loop *l, uint64_t t);
/* Waits at most timeout_ms (-1: forever, 0: not at all) for fd events and
 * runs their handlers, but not the deferred calls they queue (the next
 * loop_run or loop_run_one does). Returns the number of handlers run. */
uint64_t loop_poll(struct loop *l, int timeout_ms);
/* When the next timer fires (UINT64_MAX: none armed). */
uint64_t loop_next_timer(const struct loop *l);
/* CLOCK_MONOTONIC in ns. */
uint64_t loop_mono_ns(void);

#endif

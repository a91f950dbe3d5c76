/*
 * The loop's insides, shared by loop.c (epoll, the FIFO, running) and
 * timerq.c (the timer queue). Nothing else includes this.
 */
#ifndef QNETSIM_LOOP_INTERNAL_H
#define QNETSIM_LOOP_INTERNAL_H

#include "loop.h"

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

/* Frees the timer queue's memory (loop_free); armed timers are left
 * disarmed. */
void timerq_free(struct loop *l);

#endif

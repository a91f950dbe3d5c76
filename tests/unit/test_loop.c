/* Loop and clock: virtual time jumps, ties break by insertion order,
 * timers re-arm and cancel, the FIFO is FIFO and bounded, the real clock
 * waits on file descriptors. */
#include "testutil.h"
#include "../../src/core/loop.h"

#include <sys/epoll.h>
#include <time.h>

static char order[64];
static int norder;
static struct loop *L;

static void mark(void *arg)
{
	order[norder++] = *(const char *)arg;
	order[norder] = '\0';
}

static void test_virtual_jumps_and_ties(void **state)
{
	struct timer a, b, c, d;
	static const char ca = 'a', cb = 'b', cc = 'c', cd = 'd';

	(void)state;
	L = loop_new(LOOP_VIRTUAL, 16);
	norder = 0;
	timer_init(&a, mark, (void *)&ca);
	timer_init(&b, mark, (void *)&cb);
	timer_init(&c, mark, (void *)&cc);
	timer_init(&d, mark, (void *)&cd);
	loop_timer_arm(L, &c, 5 * NS_PER_SEC);
	loop_timer_arm(L, &a, 3 * NS_PER_SEC);
	loop_timer_arm(L, &b, 3 * NS_PER_SEC);  /* same time as a, armed later */
	loop_timer_arm(L, &d, 4 * NS_PER_SEC);
	loop_timer_disarm(L, &d);
	assert_false(timer_armed(&d));
	assert_int_equal(loop_timer_count(L), 3);
	loop_run(L, 4 * NS_PER_SEC);
	assert_string_equal(order, "ab");
	assert_int_equal(loop_now(L), 4 * NS_PER_SEC);
	loop_run(L, 100 * NS_PER_SEC);
	assert_string_equal(order, "abc");
	/* With nothing left, virtual time jumps straight to the end. */
	assert_int_equal(loop_now(L), 100 * NS_PER_SEC);
	loop_free(L);
}

static void test_rearm_moves_timer(void **state)
{
	struct timer a;
	static const char ca = 'a';

	(void)state;
	L = loop_new(LOOP_VIRTUAL, 16);
	norder = 0;
	timer_init(&a, mark, (void *)&ca);
	loop_timer_arm(L, &a, 10);
	loop_timer_arm(L, &a, 50);
	assert_int_equal(loop_timer_count(L), 1);
	loop_run(L, 20);
	assert_int_equal(norder, 0);
	loop_run(L, 60);
	assert_int_equal(norder, 1);
	loop_free(L);
}

/* Many timers in random order come out sorted (heap property). */
static uint64_t fired[1000];
static int nfired;

static void record_time(void *arg)
{
	(void)arg;
	fired[nfired++] = loop_now(L);
}

static void test_heap_order(void **state)
{
	static struct timer t[1000];
	uint64_t x = 12345;

	(void)state;
	L = loop_new(LOOP_VIRTUAL, 16);
	nfired = 0;
	for (int i = 0; i < 1000; i++) {
		timer_init(&t[i], record_time, NULL);
		x = x * 6364136223846793005ULL + 1;
		loop_timer_arm(L, &t[i], (x >> 40) % 100000);
	}
	for (int i = 0; i < 1000; i += 3)
		loop_timer_disarm(L, &t[i]);
	loop_run(L, UINT64_MAX);
	assert_int_equal(nfired, 666);
	for (int i = 1; i < nfired; i++)
		assert_true(fired[i - 1] <= fired[i]);
	loop_free(L);
}

/* Timers at a few instants, armed, re-armed and disarmed at random: they
 * fire by time, and at one instant in the order of their last arming (the
 * buckets' lists, the hash's deletions and the heap of instants together). */
static int fired_id[600];

static void record_id(void *arg)
{
	fired_id[nfired++] = (int)(intptr_t)arg;
}

static void test_same_instant_order(void **state)
{
	static struct timer t[600];
	uint64_t when[600], armed_at[600], x = 99, seq = 0;
	bool on[600] = { false };
	int want[600], nwant = 0;

	(void)state;
	L = loop_new(LOOP_VIRTUAL, 16);
	nfired = 0;
	for (int i = 0; i < 600; i++)
		timer_init(&t[i], record_id, (void *)(intptr_t)i);
	for (int op = 0; op < 5000; op++) {
		int i;

		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		i = (int)((x >> 33) % 600);
		if ((x >> 20) % 4 == 0) {
			loop_timer_disarm(L, &t[i]);
			on[i] = false;
		} else {
			when[i] = 1 + (x >> 50) % 7;   /* 7 instants: many ties */
			loop_timer_arm(L, &t[i], when[i]);
			armed_at[i] = seq++;
			on[i] = true;
		}
	}
	/* The expected order: by time, then by last arming. */
	for (int i = 0; i < 600; i++)
		if (on[i])
			want[nwant++] = i;
	for (int a = 1; a < nwant; a++)
		for (int b = a; b > 0; b--) {
			int p = want[b - 1], q = want[b];

			if (when[p] < when[q] || (when[p] == when[q] && armed_at[p] < armed_at[q]))
				break;
			want[b - 1] = q;
			want[b] = p;
		}
	assert_int_equal(loop_timer_count(L), nwant);
	loop_run(L, UINT64_MAX);
	assert_int_equal(nfired, nwant);
	for (int k = 0; k < nwant; k++)
		assert_int_equal(fired_id[k], want[k]);
	assert_int_equal(loop_timer_count(L), 0);
	loop_free(L);
}

static int seen[8];
static int nseen;

static void deferred(void *a, void *b)
{
	(void)b;
	seen[nseen++] = (int)(intptr_t)a;
	/* Work queued while draining runs in the same pass, after the rest. */
	if ((intptr_t)a == 1)
		assert_int_equal(loop_defer(L, deferred, (void *)(intptr_t)9, NULL), 0);
}

static void test_defer_fifo_bounded(void **state)
{
	(void)state;
	L = loop_new(LOOP_VIRTUAL, 4);
	nseen = 0;
	for (intptr_t i = 1; i <= 4; i++)
		assert_int_equal(loop_defer(L, deferred, (void *)i, NULL), 0);
	assert_int_equal(loop_defer(L, deferred, (void *)5, NULL), -1);  /* full */
	assert_int_equal(loop_defer_pending(L), 4);
	loop_run(L, 0);
	assert_int_equal(nseen, 5);
	assert_int_equal(seen[0], 1);
	assert_int_equal(seen[3], 4);
	assert_int_equal(seen[4], 9);
	loop_free(L);
}

static int fd_events;
static int pipefd[2];

static void on_readable(void *arg, uint32_t ev)
{
	char buf[8];

	(void)arg;
	assert_true(ev & EPOLLIN);
	assert_int_equal(read(pipefd[0], buf, sizeof(buf)), 1);
	fd_events++;
	loop_stop(L);
}

static void write_pipe(void *arg)
{
	(void)arg;
	assert_int_equal(write(pipefd[1], "x", 1), 1);
}

static void test_real_clock_fd(void **state)
{
	struct timer t;
	uint64_t t0;

	(void)state;
	assert_int_equal(pipe(pipefd), 0);
	L = loop_new(LOOP_VIRTUAL, 16);
	loop_set_clock(L, LOOP_REAL);
	assert_int_equal(loop_clock(L), LOOP_REAL);
	t0 = loop_now(L);
	fd_events = 0;
	assert_int_equal(loop_fd_add(L, pipefd[0], EPOLLIN, on_readable, NULL), 0);
	timer_init(&t, write_pipe, NULL);
	loop_timer_arm(L, &t, t0 + 20 * NS_PER_MS);
	loop_run(L, t0 + 5 * NS_PER_SEC);
	assert_int_equal(fd_events, 1);
	/* Real time passed: at least the timer's 20 ms, far less than 5 s. */
	assert_true(loop_now(L) - t0 >= 20 * NS_PER_MS);
	assert_true(loop_now(L) - t0 < 4 * NS_PER_SEC);
	loop_fd_del(L, pipefd[0]);
	close(pipefd[0]);
	close(pipefd[1]);
	loop_free(L);
}

static void noop(void *arg)
{
	(void)arg;
}

static void spin(void *a, void *b)
{
	struct loop *l = a;
	uint64_t *n = b;

	/* Each call queues the next: work that never ends on its own. */
	(*n)++;
	loop_defer(l, spin, a, b);
}

/* Step mode's primitive: one deferred call, else one timer, per call. */
static void test_run_one(void **state)
{
	struct timer a, b;
	static const char ca = 'a', cb = 'b';

	(void)state;
	L = loop_new(LOOP_VIRTUAL, 16);
	norder = 0;
	timer_init(&a, mark, (void *)&ca);
	timer_init(&b, mark, (void *)&cb);
	loop_timer_arm(L, &a, 2 * NS_PER_SEC);
	loop_timer_arm(L, &b, 7 * NS_PER_SEC);
	assert_int_equal(loop_next_timer(L), 2 * NS_PER_SEC);
	assert_true(loop_run_one(L));
	assert_string_equal(order, "a");
	assert_int_equal(loop_now(L), 2 * NS_PER_SEC);
	assert_true(loop_run_one(L));
	assert_string_equal(order, "ab");
	assert_int_equal(loop_now(L), 7 * NS_PER_SEC);
	assert_int_equal(loop_next_timer(L), UINT64_MAX);
	assert_false(loop_run_one(L));
	loop_free(L);
}

/* A wall-clock deadline ends a run that would otherwise never end, and
 * is told apart from loop_stop(). */
static void test_deadline_yields(void **state)
{
	uint64_t n = 0;

	(void)state;
	L = loop_new(LOOP_VIRTUAL, 16);
	loop_defer(L, spin, L, &n);
	loop_set_deadline(L, loop_mono_ns() + 20 * NS_PER_MS);
	loop_run(L, UINT64_MAX);
	assert_true(loop_yielded(L));
	assert_false(loop_stopped(L));
	assert_true(n > 1024);
	assert_int_equal(loop_defer_pending(L), 1);  /* the work is kept, not lost */
	loop_set_deadline(L, 0);
	assert_true(loop_run_one(L));               /* and carries on */
	assert_int_equal(loop_defer_pending(L), 1);
	loop_free(L);
}

/* Real clock: one handler (and the work it defers) sees one instant; the
 * next handler, and any caller outside loop_run, read the clock again. */
static uint64_t when_seen[3];

static void sleepy_handler(void *arg)
{
	struct timespec ms2 = { 0, 2 * 1000 * 1000 };

	(void)arg;
	when_seen[0] = loop_now(L);
	nanosleep(&ms2, NULL);
	when_seen[1] = loop_now(L);
}

static void later_handler(void *arg)
{
	(void)arg;
	when_seen[2] = loop_now(L);
	loop_stop(L);
}

static void test_real_clock_per_handler(void **state)
{
	struct timespec ms2 = { 0, 2 * 1000 * 1000 };
	struct timer a, b;
	uint64_t t0, t1;

	(void)state;
	L = loop_new(LOOP_REAL, 16);
	t0 = loop_now(L);
	nanosleep(&ms2, NULL);
	t1 = loop_now(L);
	assert_true(t1 >= t0 + 2 * NS_PER_MS);      /* outside a run: always fresh */
	timer_init(&a, sleepy_handler, NULL);
	timer_init(&b, later_handler, NULL);
	loop_timer_arm(L, &a, t1);
	loop_timer_arm(L, &b, t1 + 1);
	loop_run(L, UINT64_MAX);
	assert_int_equal(when_seen[1], when_seen[0]);         /* one instant per handler */
	assert_true(when_seen[2] >= when_seen[0] + 2 * NS_PER_MS);
	assert_true(loop_now(L) >= when_seen[2]);
	loop_free(L);
}

static void test_stray(void **state)
{
	struct timer t;

	(void)state;
	L = loop_new(LOOP_VIRTUAL, 16);
	timer_init(&t, noop, NULL);
	loop_timer_arm(L, &t, 7);
	loop_run(L, UINT64_MAX);
	assert_int_equal(loop_now(L), 7);
	assert_false(timer_armed(&t));
	loop_free(L);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_virtual_jumps_and_ties),
		cmocka_unit_test(test_rearm_moves_timer),
		cmocka_unit_test(test_heap_order),
		cmocka_unit_test(test_same_instant_order),
		cmocka_unit_test(test_defer_fifo_bounded),
		cmocka_unit_test(test_real_clock_fd),
		cmocka_unit_test(test_run_one),
		cmocka_unit_test(test_deadline_yields),
		cmocka_unit_test(test_stray),
		cmocka_unit_test(test_real_clock_per_handler),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

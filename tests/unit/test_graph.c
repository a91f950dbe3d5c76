/* Links: serialisation at the rate, delay, bounded queues, seeded loss,
 * link state. */
#include "testutil.h"

struct pair {
	struct loop *l;
	struct frame_pool *p;
	struct graph *g;
	struct sink *a, *b;
	struct link *lk;
};

static void mkpair(struct pair *w, uint64_t rate, uint64_t delay, double loss, uint32_t qlen,
		   uint64_t seed)
{
	w->l = loop_new(LOOP_VIRTUAL, 1 << 16);
	w->p = frame_pool_new(1 << 16);
	w->g = graph_new(w->l, w->p, seed, 16);
	w->a = sink_new(w->g, "a");
	w->b = sink_new(w->g, "b");
	w->lk = link_new(w->g, port_new(&w->a->node, "p", rate, qlen),
			 port_new(&w->b->node, "p", rate, qlen), 0, delay, loss, 0);
}

static void freepair(struct pair *w)
{
	graph_free(w->g);
	frame_pool_free(w->p);
	loop_free(w->l);
}

/* Ports by name: the graph's map, made at its first lookup and kept by
 * the ports made after; a node's own by a prefix of a longer name. */
static void test_port_names(void **state)
{
	struct pair w;
	struct port *p;

	(void)state;
	mkpair(&w, 0, 0, 0, 10, 1);
	assert_ptr_equal(graph_find_port(w.g, "a.p"), w.a->node.ports[0]);
	assert_null(graph_find_port(w.g, "a.q"));
	p = port_new(&w.b->node, "q", 0, 10);
	assert_ptr_equal(graph_find_port(w.g, "b.q"), p);
	assert_ptr_equal(graph_find_port(w.g, "b.p"), w.b->node.ports[0]);
	assert_ptr_equal(node_find_port(&w.b->node, "b.q.rx_frames", 3), p);
	assert_null(node_find_port(&w.b->node, "b.q.rx_frames", 2));
	assert_null(node_find_port(&w.a->node, "b.q", 3));
	freepair(&w);
}

static void test_rate_and_delay(void **state)
{
	struct pair w;

	(void)state;
	/* 10 Mbit/s, 1 ms: a 1000-byte frame is 1024 bytes on the wire,
	 * 819.2 us to send, then 1 ms of delay. */
	mkpair(&w, 10000000, NS_PER_MS, 0, 10, 1);
	port_tx(w.a->node.ports[0], mkframe(w.p, 2, 1, 1000));
	port_tx(w.a->node.ports[0], mkframe(w.p, 2, 1, 1000));
	assert_int_equal(port_queue_len(w.a->node.ports[0]), 2);
	loop_run(w.l, UINT64_MAX);
	assert_int_equal(w.b->count, 2);
	/* The second frame waited for the first: 2 x 819.2 us + 1 ms. */
	assert_int_equal(w.b->last_time, 2 * 819200 + NS_PER_MS);
	freepair(&w);
}

static void test_queue_bound(void **state)
{
	struct pair w;

	(void)state;
	mkpair(&w, 10000000, 0, 0, 4, 1);
	for (int i = 0; i < 10; i++)
		port_tx(w.a->node.ports[0], mkframe(w.p, 2, 1, 1500));
	assert_int_equal(port_drops(w.a->node.ports[0], DROP_QUEUE_FULL), 6);
	assert_int_equal(w.a->node.ports[0]->st.tx_frames, 4);
	loop_run(w.l, UINT64_MAX);
	assert_int_equal(w.b->count, 4);
	assert_int_equal(w.b->node.ports[0]->st.rx_frames, 4);
	assert_int_equal(w.b->node.ports[0]->st.rx_bytes, 6000);
	freepair(&w);
}

static int lost_with_seed(uint64_t seed)
{
	struct pair w;
	int lost;

	mkpair(&w, 1000000000, 0, 0.25, 100000, seed);
	for (int i = 0; i < 10000; i++) {
		port_tx(w.a->node.ports[0], mkframe(w.p, 2, 1, 60));
		if (i % 100 == 99)
			loop_run(w.l, UINT64_MAX);
	}
	loop_run(w.l, UINT64_MAX);
	lost = (int)port_drops(w.a->node.ports[0], DROP_LOSS);
	assert_int_equal(lost + w.b->count, 10000);
	freepair(&w);
	return lost;
}

static void test_loss_seeded(void **state)
{
	int a = lost_with_seed(42), b = lost_with_seed(42), c = lost_with_seed(43);

	(void)state;
	assert_int_equal(a, b);         /* same seed, same losses */
	assert_true(a != c);            /* another seed, other losses */
	/* 25 % of 10000, within 5 standard deviations (sd = 43). */
	assert_true(a > 2500 - 217 && a < 2500 + 217);
}

static void test_link_state(void **state)
{
	struct pair w;

	(void)state;
	mkpair(&w, 0, 0, 0, 10, 1);
	assert_true(port_link_up(w.a->node.ports[0]));
	port_set_link(w.b->node.ports[0], false);
	assert_false(port_link_up(w.a->node.ports[0]));
	assert_false(port_tx(w.a->node.ports[0], mkframe(w.p, 2, 1, 60)));
	assert_int_equal(port_drops(w.a->node.ports[0], DROP_LINK_DOWN), 1);
	port_set_link(w.b->node.ports[0], true);
	assert_true(port_tx(w.a->node.ports[0], mkframe(w.p, 2, 1, 60)));
	loop_run(w.l, UINT64_MAX);
	assert_int_equal(w.b->count, 1);
	freepair(&w);
}

static void test_summary(void **state)
{
	uint8_t arp[42] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0, 0x12, 0x34, 0x56,
			    0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1, 0x52, 0x54, 0, 0x12, 0x34, 0x56,
			    10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2 };
	char buf[128];

	(void)state;
	frame_summary(arp, sizeof(arp), buf, sizeof(buf));
	assert_string_equal(buf, "ARP, Request who-has 10.0.0.2 tell 10.0.0.1");
	frame_summary(arp, 10, buf, sizeof(buf));
	assert_string_equal(buf, "runt (10 bytes)");
}

/* ---- impairments: statistics over many frames, one fixed seed ---------- */

#define NFRAMES 100000

struct rec {
	struct node node;
	uint32_t n, cap;
	uint64_t *id, *at;
	uint32_t corrupt;               /* frames whose payload is not all zero */
};

static void rec_input(struct node *nd, struct port *in, struct frame *f)
{
	struct rec *r = container_of(nd, struct rec, node);

	(void)in;
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 1024;
		r->id = xreallocarray(r->id, r->cap, sizeof(*r->id));
		r->at = xreallocarray(r->at, r->cap, sizeof(*r->at));
	}
	r->id[r->n] = f->id;
	r->at[r->n++] = loop_now(nd->g->loop);
	for (uint32_t i = 14; i < f->len; i++)
		if (f->data[i] != 0 && !(i == 12 || i == 13)) {
			r->corrupt++;
			break;
		}
	frame_unref(f);
}

static void rec_destroy(struct node *nd)
{
	struct rec *r = container_of(nd, struct rec, node);

	free(r->id);
	free(r->at);
	free(r);
}

static const struct node_ops rec_ops = { .kind = "rec", .input = rec_input,
					 .destroy = rec_destroy };

struct iw {
	struct loop *l;
	struct frame_pool *p;
	struct graph *g;
	struct sink *a;
	struct rec *b;
	struct link *lk;
	struct port *pa;
};

/* a -> b at 1 Gbit/s; frames sent every `gap` ns. */
static void impaired_run(struct iw *w, const char *spec, uint64_t seed, uint32_t n,
			 uint64_t gap)
{
	char err[256], *copy = xstrdup(spec), *save = NULL, *kv;
	struct impair im = { 0 };

	w->l = loop_new(LOOP_VIRTUAL, 1 << 20);
	w->p = frame_pool_new(1 << 20);
	w->g = graph_new(w->l, w->p, seed, 16);
	w->a = sink_new(w->g, "a");
	w->b = xcalloc(1, sizeof(*w->b));
	node_init(&w->b->node, w->g, &rec_ops, "b", 0);
	w->pa = port_new(&w->a->node, "p", 1000000000, 1000000);
	w->lk = link_new(w->g, w->pa, port_new(&w->b->node, "p", 1000000000, 1000000), 0, 0, 0,
			 0);
	for (kv = strtok_r(copy, " ", &save); kv != NULL; kv = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(kv, '=');

		*eq = '\0';
		assert_int_equal(impair_set(&im, kv, eq + 1, err), 0);
	}
	free(copy);
	link_dir_set_impair(&w->lk->dir[0], &im);
	for (uint32_t i = 0; i < n; i++) {
		port_tx(w->pa, mkframe(w->p, 2, 1, 100));
		loop_run(w->l, loop_now(w->l) + gap);
	}
	loop_run(w->l, UINT64_MAX);
}

static void iw_free(struct iw *w)
{
	graph_free(w->g);
	frame_pool_free(w->p);
	loop_free(w->l);
}

static uint32_t out_of_order(const struct rec *r)
{
	uint32_t n = 0;

	for (uint32_t i = 1; i < r->n; i++)
		if (r->id[i] < r->id[i - 1])
			n++;
	return n;
}

/* Tolerances: 4 standard deviations of a binomial over NFRAMES. */
static void assert_near(double got, double want, double tol)
{
	if (got < want - tol || got > want + tol)
		fail_msg("%g is not within %g of %g", got, tol, want);
}

static void test_impair_loss(void **state)
{
	struct iw w;

	(void)state;
	impaired_run(&w, "loss=10%", 5, NFRAMES, 10000);
	/* sd = sqrt(n p (1-p)) = 95: 10000 +- 380 */
	print_message("loss=10%%: %u of %u arrived\n", w.b->n, NFRAMES);
	assert_near(w.b->n, NFRAMES * 0.9, 380);
	assert_int_equal(link_dir_istats(&w.lk->dir[0])->lost, NFRAMES - w.b->n);
	assert_int_equal(port_drops(w.pa, DROP_LOSS), NFRAMES - w.b->n);
	iw_free(&w);
}

static void test_impair_burst_loss(void **state)
{
	struct iw w;
	double lost, mean_burst;

	(void)state;
	/* p = 1 %, r = 25 %: bad 1/26 of the time (3.85 %), bursts of 4. */
	impaired_run(&w, "burst_loss=1%/25%", 5, NFRAMES, 10000);
	lost = (double)(NFRAMES - w.b->n) / NFRAMES;
	mean_burst = (double)link_dir_istats(&w.lk->dir[0])->burst_lost /
		     (double)link_dir_istats(&w.lk->dir[0])->bursts;
	print_message("burst_loss=1%%/25%%: %.2f%% lost, mean burst %.2f frames\n", lost * 100,
		      mean_burst);
	assert_near(lost, 1.0 / 26, 0.006);
	assert_near(mean_burst, 4.0, 0.4);
	assert_int_equal(port_drops(w.pa, DROP_BURST_LOSS), NFRAMES - w.b->n);
	iw_free(&w);
}

static void test_impair_duplicate_corrupt(void **state)
{
	struct iw w;

	(void)state;
	impaired_run(&w, "duplicate=5% corrupt=2%", 5, NFRAMES, 10000);
	print_message("duplicate=5%% corrupt=2%%: %u arrived of %u, %llu corrupted\n", w.b->n,
		      NFRAMES, (unsigned long long)link_dir_istats(&w.lk->dir[0])->corrupted);
	assert_near(w.b->n, NFRAMES * 1.05, 280);
	assert_int_equal(w.b->n, NFRAMES + link_dir_istats(&w.lk->dir[0])->duplicated);
	/* Duplicates are sent, and may be corrupted, like any frame. */
	assert_near(link_dir_istats(&w.lk->dir[0])->corrupted, w.b->n * 0.02, 180);
	/* Every corrupted frame arrives corrupted (its duplicate too, if any). */
	assert_true(w.b->corrupt >= link_dir_istats(&w.lk->dir[0])->corrupted);
	assert_true(w.b->corrupt <= link_dir_istats(&w.lk->dir[0])->corrupted + link_dir_istats(&w.lk->dir[0])->duplicated);
	iw_free(&w);
}

static void test_impair_delay_jitter_keeps_order(void **state)
{
	struct iw w;
	uint64_t lo = UINT64_MAX, hi = 0;

	(void)state;
	/* 10 ms +- 5 ms, frames every 20 ms: the delay spreads over 5..15 ms. */
	impaired_run(&w, "delay=10ms jitter=5ms", 5, 2000, 20 * NS_PER_MS);
	assert_int_equal(w.b->n, 2000);
	for (uint32_t i = 0; i < w.b->n; i++) {
		uint64_t sent = (w.b->id[i] - w.b->id[0]) * 20 * NS_PER_MS;
		uint64_t d = w.b->at[i] - sent;

		lo = MIN(lo, d);
		hi = MAX(hi, d);
	}
	print_message("delay=10ms jitter=5ms: one-way %.3f .. %.3f ms\n", lo / 1e6, hi / 1e6);
	assert_true(lo >= 5 * NS_PER_MS);
	assert_true(hi <= 15 * NS_PER_MS + 2000);
	assert_true(hi - lo > 9 * NS_PER_MS);  /* it really varies */
	iw_free(&w);
	/* Frames every 100 us, closer than the jitter: jitter alone never
	 * reorders them (a frame leaves no earlier than the one before). */
	impaired_run(&w, "delay=10ms jitter=5ms", 5, 2000, 100000);
	assert_int_equal(w.b->n, 2000);
	assert_int_equal(out_of_order(w.b), 0);
	iw_free(&w);
}

/* A ring keeps tx_end as a 32-bit offset while it spans under 2^32 ns:
 * frames in flight for longer (a 10 s delay, one every 0.5 s), and a ring
 * never empty for longer than that (a 3 s delay, one every 0.1 s for
 * 60 s), still arrive exactly at their time, in order. */
static void test_ring_long_spans(void **state)
{
	static const struct { const char *spec; uint64_t gap, delay; uint32_t n; } runs[] = {
		{ "delay=10s", NS_PER_SEC / 2, 10 * NS_PER_SEC, 40 },
		{ "delay=3s", NS_PER_SEC / 10, 3 * NS_PER_SEC, 600 },
	};

	(void)state;
	for (size_t r = 0; r < ARRAY_SIZE(runs); r++) {
		struct iw w;

		impaired_run(&w, runs[r].spec, 1, runs[r].n, runs[r].gap);
		assert_int_equal(w.b->n, runs[r].n);
		for (uint32_t i = 0; i < w.b->n; i++) {
			/* 100 bytes and 24 of framing at 1 Gbit/s: 992 ns on the wire. */
			uint64_t want = (uint64_t)i * runs[r].gap + 992 + runs[r].delay;

			assert_int_equal(w.b->id[i], w.b->id[0] + i);
			assert_int_equal(w.b->at[i], want);
		}
		iw_free(&w);
	}
}

static void test_impair_reorder(void **state)
{
	struct iw w;

	(void)state;
	impaired_run(&w, "delay=10ms reorder=25%", 5, 20000, 100000);
	assert_int_equal(w.b->n, 20000);
	print_message("reorder=25%%: %llu of 20000 reordered, %u arrived out of order\n",
		      (unsigned long long)link_dir_istats(&w.lk->dir[0])->reordered, out_of_order(w.b));
	assert_near(link_dir_istats(&w.lk->dir[0])->reordered, 5000, 250);
	assert_true(out_of_order(w.b) > 1000);
	iw_free(&w);
}

static void test_impair_rate_limit(void **state)
{
	struct iw w;

	(void)state;
	/* 1 Mbit/s shaping under a 1 Gbit/s line, a 50-frame queue, and 200
	 * frames at once: 50 wait (plus the one on the wire), the rest are
	 * dropped at the tail; arrivals are spaced by the shaped wire time:
	 * (100 + 24) * 8 bits = 992 us. */
	impaired_run(&w, "rate=1M limit=50", 5, 200, 0);
	assert_int_equal(w.b->n, 50);
	assert_int_equal(port_drops(w.pa, DROP_QUEUE_FULL), 150);
	assert_int_equal(w.b->at[1] - w.b->at[0], 992000);
	iw_free(&w);
}

static void test_impair_same_seed_same_result(void **state)
{
	struct iw a, b;

	(void)state;
	impaired_run(&a, "loss=3% burst_loss=1%/30% duplicate=2% reorder=5% delay=1ms jitter=1ms",
		     9, 20000, 10000);
	impaired_run(&b, "loss=3% burst_loss=1%/30% duplicate=2% reorder=5% delay=1ms jitter=1ms",
		     9, 20000, 10000);
	assert_int_equal(a.b->n, b.b->n);
	assert_memory_equal(a.b->id, b.b->id, a.b->n * sizeof(uint64_t));
	assert_memory_equal(a.b->at, b.b->at, a.b->n * sizeof(uint64_t));
	iw_free(&a);
	iw_free(&b);
}

static void test_impair_zero_removes(void **state)
{
	struct impair im = { 0 };
	char err[256], buf[256];

	(void)state;
	assert_int_equal(impair_set(&im, "delay", "20ms", err), 0);
	assert_int_equal(impair_set(&im, "burst_loss", "1%/25%", err), 0);
	impair_format(&im, buf, sizeof(buf));
	assert_string_equal(buf, "delay=20ms,burst_loss=1%/25%");
	assert_int_equal(impair_set(&im, "delay", "0", err), 0);
	assert_int_equal(impair_set(&im, "burst_loss", "0", err), 0);
	assert_false(impair_active(&im));
	assert_int_equal(impair_set(&im, "burst_loss", "1%/0", err), -1);
	assert_int_equal(impair_set(&im, "wobble", "1", err), -1);
	assert_int_equal(impair_set(&im, "rate", "10", err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_port_names),
		cmocka_unit_test(test_rate_and_delay),
		cmocka_unit_test(test_queue_bound),
		cmocka_unit_test(test_loss_seeded),
		cmocka_unit_test(test_link_state),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_impair_loss),
		cmocka_unit_test(test_impair_burst_loss),
		cmocka_unit_test(test_impair_duplicate_corrupt),
		cmocka_unit_test(test_impair_delay_jitter_keeps_order),
		cmocka_unit_test(test_ring_long_spans),
		cmocka_unit_test(test_impair_reorder),
		cmocka_unit_test(test_impair_rate_limit),
		cmocka_unit_test(test_impair_same_seed_same_result),
		cmocka_unit_test(test_impair_zero_removes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

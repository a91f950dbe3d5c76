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
	assert_int_equal(w.a->node.ports[0]->st.drops[DROP_QUEUE_FULL], 6);
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
	lost = (int)w.a->node.ports[0]->st.drops[DROP_LOSS];
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
	assert_int_equal(w.a->node.ports[0]->st.drops[DROP_LINK_DOWN], 1);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_and_delay),
		cmocka_unit_test(test_queue_bound),
		cmocka_unit_test(test_loss_seeded),
		cmocka_unit_test(test_link_state),
		cmocka_unit_test(test_summary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

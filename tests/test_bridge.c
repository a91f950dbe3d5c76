/* Bridge: learn, forward on a hit, flood unknown/broadcast/multicast,
 * filter same-port, count "table full", flush on link down, trace every
 * decision. */
#include "testutil.h"
#include "../src/core/bridge.h"

struct world {
	struct loop *l;
	struct frame_pool *p;
	struct graph *g;
	struct bridge *b;
	struct sink *s[4];
};

static void setup(struct world *w, uint32_t max)
{
	w->l = loop_new(LOOP_VIRTUAL, 4096);
	w->p = frame_pool_new(4096);
	w->g = graph_new(w->l, w->p, 1, 4096);
	w->b = bridge_new(w->g, "br0", max, 300 * NS_PER_SEC, 1);
	for (int i = 0; i < 4; i++) {
		char name[16];

		snprintf(name, sizeof(name), "s%d", i);
		w->s[i] = sink_new(w->g, name);
		link_new(w->g, port_new(&w->s[i]->node, "p", 1000000000, 100),
			 bridge_add_port(w->b), 0, 0, 0, 0);
	}
}

static void teardown(struct world *w)
{
	graph_free(w->g);
	frame_pool_free(w->p);
	loop_free(w->l);
}

static void send(struct world *w, int from, uint64_t dst, uint64_t src)
{
	port_tx(w->s[from]->node.ports[0], mkframe(w->p, dst, src, 60));
	loop_run(w->l, UINT64_MAX);
}

static int counts(struct world *w, int i)
{
	return w->s[i]->count;
}

#define A 0x525400000001ULL
#define B 0x525400000002ULL

static void test_learn_then_forward(void **state)
{
	struct world w;

	(void)state;
	setup(&w, 16);
	send(&w, 0, B, A);              /* B unknown: flood to 1, 2, 3 */
	assert_int_equal(counts(&w, 1) + counts(&w, 2) + counts(&w, 3), 3);
	assert_int_equal(w.b->st.flooded_unknown, 1);
	send(&w, 1, A, B);              /* A known on port 0: forward */
	assert_int_equal(counts(&w, 0), 1);
	assert_int_equal(counts(&w, 2), 1);
	assert_int_equal(w.b->st.forwarded, 1);
	send(&w, 0, B, A);              /* now B is known too */
	assert_int_equal(counts(&w, 1), 2);
	assert_int_equal(counts(&w, 2), 1);
	assert_int_equal(w.b->st.learned, 2);
	/* Broadcast and multicast always flood. */
	send(&w, 0, 0xffffffffffffULL, A);
	send(&w, 0, 0x01005e000001ULL, A);
	assert_int_equal(w.b->st.flooded_bcast, 1);
	assert_int_equal(w.b->st.flooded_mcast, 1);
	assert_int_equal(counts(&w, 3), 3);
	/* Destination on the ingress port: filtered and counted there. */
	send(&w, 1, B, 0x525400000003ULL);
	assert_int_equal(w.b->st.filtered, 1);
	assert_int_equal(w.b->node.ports[1]->st.drops[DROP_SAME_PORT], 1);
	teardown(&w);
}

static void test_table_full_counted(void **state)
{
	struct world w;

	(void)state;
	setup(&w, 2);
	send(&w, 0, 0xffffffffffffULL, A);
	send(&w, 1, 0xffffffffffffULL, B);
	send(&w, 2, 0xffffffffffffULL, 0x525400000003ULL);
	assert_int_equal(w.b->st.table_full, 1);
	assert_int_equal(fdb_count(w.b->fdb), 2);
	/* Unknown C is still delivered, by flooding. */
	send(&w, 0, 0x525400000003ULL, A);
	assert_int_equal(w.b->st.flooded_unknown, 1);
	teardown(&w);
}

static void test_link_down_flushes_port(void **state)
{
	struct world w;

	(void)state;
	setup(&w, 16);
	send(&w, 1, A, B);
	assert_int_equal(fdb_lookup(w.b->fdb, B, 1, loop_now(w.l)), 1);
	port_set_link(w.s[1]->node.ports[0], false);
	assert_int_equal(fdb_lookup(w.b->fdb, B, 1, loop_now(w.l)), -1);
	assert_int_equal(w.b->st.flushed, 1);
	/* Flooding skips the down port. */
	send(&w, 0, B, A);
	assert_int_equal(counts(&w, 1), 0);
	assert_int_equal(counts(&w, 2), 2);
	teardown(&w);
}

static void test_tagged_frames_keyed_by_vlan(void **state)
{
	struct world w;
	struct frame *f;

	(void)state;
	setup(&w, 16);
	f = mkframe(w.p, 0xffffffffffffULL, A, 64);
	f->data[12] = 0x81;
	f->data[13] = 0x00;
	wr16(f->data + 14, 10);
	port_tx(w.s[2]->node.ports[0], f);
	loop_run(w.l, UINT64_MAX);
	assert_int_equal(fdb_lookup(w.b->fdb, A, 10, loop_now(w.l)), 2);
	assert_int_equal(fdb_lookup(w.b->fdb, A, 1, loop_now(w.l)), -1);
	teardown(&w);
}

static void test_trace_explains(void **state)
{
	struct world w;
	char line[512];
	struct trace *t;

	(void)state;
	setup(&w, 16);
	send(&w, 0, B, A);
	send(&w, 1, A, B);
	t = &w.g->trace;
	assert_int_equal(t->total, 2);
	trace_format(w.g, &t->ring[0], line, sizeof(line));
	assert_non_null(strstr(line, "br0.1 in 52:54:00:00:00:01 > 52:54:00:00:00:02"));
	assert_non_null(strstr(line, "flooded: unknown destination (3 ports)"));
	trace_format(w.g, &t->ring[1], line, sizeof(line));
	assert_non_null(strstr(line, "forwarded -> br0.1"));
	teardown(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_learn_then_forward),
		cmocka_unit_test(test_table_full_counted),
		cmocka_unit_test(test_link_down_flushes_port),
		cmocka_unit_test(test_tagged_frames_keyed_by_vlan),
		cmocka_unit_test(test_trace_explains),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

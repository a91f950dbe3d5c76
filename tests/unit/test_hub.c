/* Hub: every frame to every other port, by reference, not by copy. */
#include "testutil.h"
#include "../../src/core/hub.h"

static void test_flood_by_reference(void **state)
{
	struct loop *l = loop_new(LOOP_VIRTUAL, 1024);
	struct frame_pool *p = frame_pool_new(64);
	struct graph *g = graph_new(l, p, 1, 1024);
	struct hub *h = hub_new(g, "vlan0", 0, 1);
	struct sink *s[16];
	struct frame_pool_stats st;

	(void)state;
	for (int i = 0; i < 16; i++) {
		char name[16];

		snprintf(name, sizeof(name), "s%d", i);
		s[i] = sink_new(g, name);
		/* Instant links: no rate, no delay. */
		link_new(g, port_new(&s[i]->node, "p", 0, 10), hub_add_port(h), 0, 0, 0, 0);
		h->node.ports[i]->link->rate = 0;
	}
	port_tx(s[3]->node.ports[0], mkframe(p, 0x525400000001ULL, 0x525400000003ULL, 60));
	loop_run(l, UINT64_MAX);
	for (int i = 0; i < 16; i++)
		assert_int_equal(s[i]->count, i == 3 ? 0 : 1);
	assert_int_equal(h->flooded, 1);
	assert_int_equal(h->copies, 15);
	/* One buffer served all 15 ports. */
	frame_pool_stats(p, &st);
	assert_int_equal(st.allocated, 1);
	assert_int_equal(st.in_use, 0);
	assert_int_equal(s[5]->ids[0], s[6]->ids[0]);
	/* A port whose link is down gets nothing and costs nothing. */
	port_set_link(s[7]->node.ports[0], false);
	port_tx(s[3]->node.ports[0], mkframe(p, 0xffffffffffffULL, 0x525400000003ULL, 60));
	loop_run(l, UINT64_MAX);
	assert_int_equal(s[7]->count, 1);
	assert_int_equal(s[8]->count, 2);
	graph_free(g);
	frame_pool_free(p);
	loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flood_by_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

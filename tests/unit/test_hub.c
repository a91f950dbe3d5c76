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

/* Silent frames (graph.h): the copies a NIC's filter drops, on 1 Gbit/s
 * links. Before commands_from and with nothing watching, they are settled
 * at their send (the frame's reference goes at once), and counted at their
 * arrival all the same; a port taken down on the way counts link_down. */
static void test_silent_settled(void **state)
{
	struct loop *l = loop_new(LOOP_VIRTUAL, 1024);
	struct frame_pool *p = frame_pool_new(64);
	struct graph *g = graph_new(l, p, 1, 0);
	struct hub *h = hub_new(g, "vlan0", 0, 1);
	struct port *sp[4];
	struct frame *f;
	uint8_t mac[6];

	(void)state;
	for (int i = 0; i < 4; i++) {
		char name[16];

		snprintf(name, sizeof(name), "s%d", i);
		sp[i] = port_new(&sink_new(g, name)->node, "p", 0, 10);
		link_new(g, sp[i], hub_add_port(h), 1000000000, 0, 0, 0);
		u64_to_mac(0x525400000000ULL + (uint64_t)i, mac);
		port_set_rx_filter(sp[i], mac);
	}
	/* 60 bytes take 672 ns a hop: the hub floods at 672, copies arrive
	 * at 1344. */
	g->commands_from = UINT64_MAX;
	f = frame_ref(mkframe(p, 0x525400000001ULL, 0x525400000000ULL, 60));
	port_tx(sp[0], f);
	loop_run(l, 1000);
	/* Ours, and s1's copy: s2's and s3's were settled. */
	assert_int_equal(f->refcnt, 2);
	graph_settle(g, false);
	assert_int_equal(sp[2]->st.rx_frames, 0);
	assert_int_equal(sp[2]->not_for_us, 0);
	loop_run(l, 2000);
	graph_settle(g, false);
	for (int i = 1; i < 4; i++) {
		assert_int_equal(sp[i]->st.rx_frames, 1);
		assert_int_equal(sp[i]->not_for_us, i == 1 ? 0 : 1);
	}
	assert_int_equal(f->refcnt, 1);
	/* Taken down on the way: counted as the link's drop on arrival. */
	port_tx(sp[0], frame_ref(f));
	loop_run(l, 3000);
	port_set_link(sp[2], false);
	loop_run(l, 4000);
	graph_settle(g, false);
	assert_int_equal(port_drops(sp[2], DROP_LINK_DOWN), 1);
	assert_int_equal(sp[2]->st.rx_frames, 1);
	assert_int_equal(sp[3]->not_for_us, 2);
	/* A command may come before they arrive: every copy is sent whole. */
	g->commands_from = 4000 + 1000;
	port_tx(sp[0], frame_ref(f));
	loop_run(l, 4900);
	assert_int_equal(f->refcnt, 1 + 2);
	loop_run(l, 6000);
	graph_settle(g, false);
	assert_int_equal(sp[3]->not_for_us, 3);
	assert_int_equal(f->refcnt, 1);
	frame_unref(f);
	graph_free(g);
	frame_pool_free(p);
	loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flood_by_reference),
		cmocka_unit_test(test_silent_settled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

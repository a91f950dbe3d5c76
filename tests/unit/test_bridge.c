/* Bridge: learn, forward on a hit, flood unknown/broadcast/multicast,
 * filter same-port, count "table full", flush on link down, trace every
 * decision. */
#include "testutil.h"
#include "../../src/core/bridge.h"
#include "../../src/guest/guest.h"
#include "../../src/nics/nic_models.h"

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
	assert_int_equal(port_drops(w.b->node.ports[1], DROP_SAME_PORT), 1);
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

/* 802.1Q: br0.1 access 10, br0.2 access 20, br0.3 trunk 10,20, br0.4
 * trunk 30 with native VLAN 10. */
static void setup_vlans(struct world *w)
{
	char err[256];

	setup(w, 64);
	assert_int_equal(bridge_port_key(w->b, 1, "access", "10", 1, err), 0);
	assert_int_equal(bridge_port_key(w->b, 2, "access", "20", 1, err), 0);
	assert_int_equal(bridge_port_key(w->b, 3, "trunk", "10,20", 1, err), 0);
	assert_int_equal(bridge_port_key(w->b, 4, "trunk", "30", 1, err), 0);
	assert_int_equal(bridge_port_key(w->b, 4, "native", "10", 1, err), 0);
	assert_true(w->b->vlan_aware);
}

static struct frame *mktagged(struct world *w, uint64_t dst, uint64_t src, uint16_t tpid,
			      uint16_t tci)
{
	struct frame *f = mkframe(w->p, dst, src, 64);

	f->data[12] = (uint8_t)(tpid >> 8);
	f->data[13] = (uint8_t)tpid;
	f->data[14] = (uint8_t)(tci >> 8);
	f->data[15] = (uint8_t)tci;
	f->data[16] = 0x08;
	f->data[17] = 0x00;
	return f;
}

static void send_frame(struct world *w, int from, struct frame *f)
{
	port_tx(w->s[from]->node.ports[0], f);
	loop_run(w->l, UINT64_MAX);
}

static uint16_t last_vid(struct world *w, int i)
{
	struct sink *s = w->s[i];

	if (s->last[12] != 0x81 || s->last[13] != 0x00)
		return 0;
	return (uint16_t)((s->last[14] << 8 | s->last[15]) & 0xfff);
}

static void test_vlan_access_and_trunk(void **state)
{
	struct world w;

	(void)state;
	setup_vlans(&w);
	/* An untagged broadcast on access port 1 is VLAN 10: tagged onto the
	 * trunk, untagged out of the port whose native VLAN is 10, and never
	 * seen on VLAN 20's access port. */
	send(&w, 0, 0xffffffffffffULL, A);
	assert_int_equal(counts(&w, 1), 0);
	assert_int_equal(counts(&w, 2), 1);
	assert_int_equal(last_vid(&w, 2), 10);
	assert_int_equal(w.s[2]->last_len, 64);
	assert_int_equal(w.s[2]->last[16], 0x08);  /* the EtherType moved behind the tag */
	assert_int_equal(counts(&w, 3), 1);
	assert_int_equal(last_vid(&w, 3), 0);
	assert_int_equal(w.s[3]->last_len, 60);
	/* Tagged VLAN 20 from the trunk: popped for access port 2, padded. */
	send_frame(&w, 2, mktagged(&w, 0xffffffffffffULL, B, 0x8100, 20));
	assert_int_equal(counts(&w, 1), 1);
	assert_int_equal(last_vid(&w, 1), 0);
	assert_int_equal(w.s[1]->last_len, 60);
	assert_int_equal(w.s[1]->last[12], 0x08);
	assert_int_equal(counts(&w, 0), 0);
	/* A priority-tagged frame (VID 0, PCP 5) on access port 1 is VLAN
	 * 10; on the trunk its tag says VLAN 10 and keeps PCP 5. */
	send_frame(&w, 0, mktagged(&w, 0xffffffffffffULL, A, 0x8100, 5 << 13));
	assert_int_equal(counts(&w, 2), 2);
	assert_int_equal(last_vid(&w, 2), 10);
	assert_int_equal(w.s[2]->last[14] >> 5, 5);
	assert_int_equal(counts(&w, 1), 1);
	teardown(&w);
}

static void test_vlan_drops_counted(void **state)
{
	struct world w;
	char line[256];
	struct trace_rec *r;

	(void)state;
	setup_vlans(&w);
	/* VLAN 30 is not on trunk br0.3. */
	send_frame(&w, 2, mktagged(&w, 0xffffffffffffULL, B, 0x8100, 30));
	assert_int_equal(port_drops(w.b->node.ports[2], DROP_VLAN), 1);
	r = &w.g->trace.ring[(w.g->trace.total - 1) % w.g->trace.cap];
	trace_decision(w.g, r, line, sizeof(line));
	assert_string_equal(line, "dropped: VLAN 30 not allowed on br0.3");
	/* Untagged on a trunk without a native VLAN. */
	send(&w, 2, 0xffffffffffffULL, B);
	assert_int_equal(port_drops(w.b->node.ports[2], DROP_UNTAGGED), 1);
	/* A tagged frame of another VLAN on an access port. */
	send_frame(&w, 0, mktagged(&w, 0xffffffffffffULL, A, 0x8100, 20));
	assert_int_equal(port_drops(w.b->node.ports[0], DROP_VLAN), 1);
	/* QinQ (802.1ad) outer tags are refused by name. */
	send_frame(&w, 2, mktagged(&w, 0xffffffffffffULL, B, 0x88a8, 10));
	assert_int_equal(port_drops(w.b->node.ports[2], DROP_QINQ), 1);
	assert_int_equal(counts(&w, 0) + counts(&w, 1) + counts(&w, 3), 0);
	teardown(&w);
}

static struct trace_rec *last_rec(struct world *w)
{
	return &w->g->trace.ring[(w->g->trace.total - 1) % w->g->trace.cap];
}

/* What the explanations say: the frame (not the port) belongs to a VLAN;
 * a flood with no member port to go to is a drop, named as Counters name
 * it; the NIC filter does not call a multicast frame unicast. */
static void test_explanations_say_what_happened(void **state)
{
	struct world w;
	char line[512];
	struct trace_rec *r;
	struct guest *gu;
	struct nic *nic;

	(void)state;
	setup_vlans(&w);
	send_frame(&w, 0, mktagged(&w, 0xffffffffffffULL, A, 0x8100, 20));
	trace_explain(w.g, last_rec(&w), line, sizeof(line));
	assert_non_null(strstr(line, "Bridge br0 got a frame of VLAN 20 on br0.1. br0.1 does not "
				     "carry VLAN 20"));
	assert_null(strstr(line, "which belongs"));
	/* br0.4 is a trunk of VLAN 30 only: nobody else carries it. */
	send_frame(&w, 3, mktagged(&w, 0xffffffffffffULL, B, 0x8100, 30));
	r = last_rec(&w);
	assert_int_equal(r->decision, DEC_DROPPED);
	assert_int_equal(r->reason, DROP_NO_PORT);
	assert_int_equal(port_drops(w.b->node.ports[3], DROP_NO_PORT), 1);
	trace_decision(w.g, r, line, sizeof(line));
	assert_string_equal(line, "dropped: no other port in VLAN 30 to send to");
	trace_explain(w.g, r, line, sizeof(line));
	assert_non_null(strstr(line, "no other port is up, forwarding and in VLAN 30"));
	assert_null(strstr(line, ": 0."));
	teardown(&w);

	/* A guest's NIC on a hub gets a BPDU (multicast) and a frame for
	 * another guest (unicast). */
	setup(&w, 16);
	gu = guest_new(w.g, "pc", 1);
	nic = guest_add_nic(gu, nic_model_default(), 1);
	u64_to_mac(0x525400000009ULL, nic->mac);
	guest_nic_attach(nic);
	link_new(w.g, nic->port, bridge_add_port(w.b), 0, 0, 0, 0);
	send(&w, 0, 0x0180c2000000ULL, A);
	r = last_rec(&w);
	assert_int_equal(r->reason, DROP_NOT_FOR_US);
	trace_decision(w.g, r, line, sizeof(line));
	assert_string_equal(line, "dropped: NIC filter: multicast group not joined");
	trace_explain(w.g, r, line, sizeof(line));
	assert_non_null(strstr(line, "01:80:c2:00:00:00 is a multicast address the NIC has not "
				     "joined"));
	send(&w, 0, B, A);
	r = last_rec(&w);
	trace_decision(w.g, r, line, sizeof(line));
	assert_string_equal(line, "dropped: NIC filter: unicast to another MAC");
	teardown(&w);
}

static void test_vlan_fdb_per_vlan(void **state)
{
	struct world w;
	char line[256];
	struct trace_rec *r;

	(void)state;
	setup_vlans(&w);
	send(&w, 0, 0xffffffffffffULL, A);              /* A learned in VLAN 10 */
	assert_int_equal(fdb_lookup(w.b->fdb, A, 10, 0), 0);
	assert_int_equal(fdb_lookup(w.b->fdb, A, 20, 0), -1);
	/* To A in VLAN 20: unknown there, flooded within VLAN 20 only. */
	send_frame(&w, 2, mktagged(&w, A, B, 0x8100, 20));
	assert_int_equal(counts(&w, 1), 1);
	assert_int_equal(counts(&w, 0), 0);
	r = &w.g->trace.ring[(w.g->trace.total - 1) % w.g->trace.cap];
	assert_int_equal(r->decision, DEC_FLOODED_UNKNOWN);
	trace_decision(w.g, r, line, sizeof(line));
	assert_string_equal(line, "flooded: unknown destination in VLAN 20 (1 port)");
	/* To A in VLAN 10: forwarded, untagged, to access port 1 only. */
	send_frame(&w, 2, mktagged(&w, A, B, 0x8100, 10));
	assert_int_equal(counts(&w, 0), 1);
	assert_int_equal(last_vid(&w, 0), 0);
	assert_int_equal(w.b->st.forwarded, 1);
	teardown(&w);
}

static void test_vlan_port_keys(void **state)
{
	struct world w;
	char err[256], buf[128];
	int line;

	(void)state;
	setup(&w, 16);
	assert_int_equal(bridge_port_key(w.b, 3, "trunk", "10-12,40", 7, err), 0);
	assert_int_equal(bridge_port_key(w.b, 3, "native", "99", 8, err), 0);
	bridge_port_vlans(w.b, w.b->node.ports[2], buf, sizeof(buf));
	assert_string_equal(buf, "trunk 10-12,40 native 99");
	bridge_port_vlans(w.b, w.b->node.ports[0], buf, sizeof(buf));
	assert_string_equal(buf, "access 1 (default)");
	assert_int_equal(bridge_port_key(w.b, 1, "access", "4095", 9, err), -1);
	assert_int_equal(bridge_port_key(w.b, 1, "trunk", "20-10", 9, err), -1);
	assert_non_null(strstr(err, "backwards"));
	assert_int_equal(bridge_port_key(w.b, 1, "access", "5", 9, err), 0);
	assert_int_equal(bridge_port_key(w.b, 1, "native", "5", 9, err), -1);
	assert_int_equal(bridge_port_key(w.b, 9, "access", "5", 11, err), 0);
	assert_int_equal(bridge_check_ports(w.b, &line, err), -1);
	assert_int_equal(line, 11);
	assert_non_null(strstr(err, "has no port 9"));
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
		cmocka_unit_test(test_explanations_say_what_happened),
		cmocka_unit_test(test_vlan_access_and_trunk),
		cmocka_unit_test(test_vlan_drops_counted),
		cmocka_unit_test(test_vlan_fdb_per_vlan),
		cmocka_unit_test(test_vlan_port_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Spanning tree: root election, roles, the blocking -> listening ->
 * learning -> forwarding timers, message age expiry, topology change and
 * short ageing, and the BPDU bytes on the wire. */
#include "testutil.h"

#include <inttypes.h>
#include "../../src/core/bridge.h"

struct tri {
	struct loop *l;
	struct frame_pool *p;
	struct graph *g;
	struct bridge *b[3];
	struct link *lk[3];     /* b0-b1, b0-b2, b1-b2 */
};

static void mktri(struct tri *t)
{
	char err[256], mac[32];
	int line;

	t->l = loop_new(LOOP_VIRTUAL, 1 << 16);
	t->p = frame_pool_new(1 << 16);
	t->g = graph_new(t->l, t->p, 1, 4096);
	for (int i = 0; i < 3; i++) {
		char name[16];

		snprintf(name, sizeof(name), "b%d", i);
		t->b[i] = bridge_new(t->g, name, 64, 300 * NS_PER_SEC, 1);
		assert_int_equal(stp_bridge_key(t->b[i], "stp", "on", 1, err), 1);
		snprintf(mac, sizeof(mac), "02:00:00:00:00:0%d", i + 1);
		assert_int_equal(stp_bridge_key(t->b[i], "bridge_mac", mac, 1, err), 1);
		assert_int_equal(stp_check(t->b[i], &line, err), 0);
	}
	/* b0 has the lowest ID; b1 beats b2 on the shared cable. */
	t->lk[0] = link_new(t->g, bridge_add_port(t->b[0]), bridge_add_port(t->b[1]), 0, 0, 0, 0);
	t->lk[1] = link_new(t->g, bridge_add_port(t->b[0]), bridge_add_port(t->b[2]), 0, 0, 0, 0);
	t->lk[2] = link_new(t->g, bridge_add_port(t->b[1]), bridge_add_port(t->b[2]), 0, 0, 0, 0);
	for (int i = 0; i < 3; i++)
		bridge_start(t->b[i]);
}

static void freetri(struct tri *t)
{
	graph_free(t->g);
	frame_pool_free(t->p);
	loop_free(t->l);
}

static struct stp_port *sp(struct tri *t, int b, int port)
{
	return bport_sp(t->b[b]->node.ports[port]->priv);
}

static void test_root_election_and_roles(void **state)
{
	struct tri t;

	(void)state;
	mktri(&t);
	/* Every bridge first sends as root; the news then waits out the 1 s
	 * Hold Time, as on Linux. */
	loop_run(t.l, 2 * NS_PER_SEC);
	assert_int_equal(t.b[1]->stp->root_id, t.b[0]->stp->bridge_id);
	assert_int_equal(t.b[2]->stp->root_id, t.b[0]->stp->bridge_id);
	assert_int_equal(t.b[0]->stp->root_port, -1);
	assert_int_equal(t.b[1]->stp->root_port, 0);
	assert_int_equal(t.b[2]->stp->root_port, 0);
	assert_int_equal(t.b[1]->stp->root_cost, 4);        /* 1 Gbit/s: cost 4 */
	assert_int_equal(sp(&t, 0, 0)->role, STP_ROLE_DESIGNATED);
	assert_int_equal(sp(&t, 0, 1)->role, STP_ROLE_DESIGNATED);
	assert_int_equal(sp(&t, 1, 0)->role, STP_ROLE_ROOT);
	assert_int_equal(sp(&t, 1, 1)->role, STP_ROLE_DESIGNATED);
	assert_int_equal(sp(&t, 2, 1)->role, STP_ROLE_ALTERNATE);
	assert_int_equal(sp(&t, 2, 1)->state, STP_BLOCKING);
	freetri(&t);
}

static void test_timers(void **state)
{
	struct tri t;

	(void)state;
	mktri(&t);
	/* forward_delay 15 s in listening, 15 s in learning. */
	loop_run(t.l, 14 * NS_PER_SEC);
	assert_int_equal(sp(&t, 1, 0)->state, STP_LISTENING);
	loop_run(t.l, 16 * NS_PER_SEC);
	assert_int_equal(sp(&t, 1, 0)->state, STP_LEARNING);
	loop_run(t.l, 29 * NS_PER_SEC);
	assert_int_equal(sp(&t, 1, 0)->state, STP_LEARNING);
	loop_run(t.l, 31 * NS_PER_SEC);
	assert_int_equal(sp(&t, 1, 0)->state, STP_FORWARDING);
	assert_int_equal(sp(&t, 2, 1)->state, STP_BLOCKING);
	/* The root says hello every 2 s: about 15 BPDUs by 31 s. */
	/* (and a few more answering the topology change) */
	assert_true(sp(&t, 1, 0)->bpdus_rx >= 15 && sp(&t, 1, 0)->bpdus_rx <= 20);
	/* Going forwarding is a topology change: the root sets TC. */
	assert_true(t.b[0]->stp->tc_count >= 1);
	assert_true(t.b[0]->stp->tc);
	assert_int_equal(fdb_ageing(t.b[0]->fdb), 15 * NS_PER_SEC);
	/* TC lasts max_age + forward_delay (35 s); then normal ageing. */
	loop_run(t.l, 80 * NS_PER_SEC);
	assert_false(t.b[0]->stp->tc);
	assert_int_equal(fdb_ageing(t.b[0]->fdb), 300 * NS_PER_SEC);
	freetri(&t);
}

static void test_message_age_expiry(void **state)
{
	struct tri t;
	struct impair mute = { .loss = 1.0 };

	(void)state;
	mktri(&t);
	loop_run(t.l, 40 * NS_PER_SEC);
	/* b1 goes silent towards b2 (every BPDU lost): b2.2 keeps b1's info
	 * for max_age (20 s), then becomes designated and starts forwarding. */
	link_dir_set_impair(&t.lk[2]->dir[0], &mute);
	loop_run(t.l, 55 * NS_PER_SEC);
	assert_int_equal(sp(&t, 2, 1)->role, STP_ROLE_ALTERNATE);
	loop_run(t.l, 62 * NS_PER_SEC);
	assert_int_equal(sp(&t, 2, 1)->role, STP_ROLE_DESIGNATED);
	assert_int_equal(sp(&t, 2, 1)->state, STP_LISTENING);
	loop_run(t.l, 95 * NS_PER_SEC);
	assert_int_equal(sp(&t, 2, 1)->state, STP_FORWARDING);
	freetri(&t);
}

static void test_link_down_reroutes(void **state)
{
	struct tri t;

	(void)state;
	mktri(&t);
	loop_run(t.l, 40 * NS_PER_SEC);
	port_set_link(t.b[0]->node.ports[0], false);        /* b0-b1 cut */
	/* b1 believes it is the root until b2 relays the root's next hello
	 * (within hello_time), then takes b2 as the way to it. */
	loop_run(t.l, 43 * NS_PER_SEC);
	assert_int_equal(t.b[1]->stp->root_port, 1);        /* via b2 now */
	assert_int_equal(t.b[1]->stp->root_cost, 8);
	assert_int_equal(sp(&t, 2, 1)->role, STP_ROLE_DESIGNATED);
	loop_run(t.l, 75 * NS_PER_SEC);
	assert_int_equal(sp(&t, 2, 1)->state, STP_FORWARDING);
	assert_int_equal(sp(&t, 1, 0)->state, STP_DISABLED);
	freetri(&t);
}

/* The bytes of a configuration BPDU, as 802.1D 9.3 lays them out. */
static void test_bpdu_bytes(void **state)
{
	struct tri t;
	struct trace_rec *r = NULL;
	uint8_t h[TRACE_HDR];

	(void)state;
	mktri(&t);
	loop_run(t.l, 3 * NS_PER_SEC);
	for (uint64_t i = 0; i < t.g->trace.total && i < t.g->trace.cap; i++) {
		struct trace_rec *x = &t.g->trace.ring[i];

		if (x->decision == DEC_SENT && x->port == t.b[0]->node.ports[0]->gid)
			r = x;
	}
	assert_non_null(r);
	memcpy(h, r != NULL ? r->hdr : h, sizeof(h));
	assert_memory_equal(h, "\x01\x80\xc2\x00\x00\x00", 6);
	assert_memory_equal(h + 6, "\x02\x00\x00\x00\x00\x01", 6);
	assert_int_equal(rd16(h + 12), 38);            /* 802.3 length */
	assert_memory_equal(h + 14, "\x42\x42\x03\x00\x00\x00\x00", 7);
	assert_int_equal(rd16(h + 22), 32768);         /* root priority */
	assert_memory_equal(h + 24, "\x02\x00\x00\x00\x00\x01", 6);
	assert_int_equal(rd32(h + 30), 0);             /* root path cost */
	assert_int_equal(rd16(h + 42), 0x8001);        /* port ID */
	assert_int_equal(rd16(h + 44), 0);             /* message age */
	assert_int_equal(rd16(h + 46), 20 * 256);      /* max age */
	assert_int_equal(rd16(h + 48), 2 * 256);       /* hello */
	assert_int_equal(rd16(h + 50), 15 * 256);      /* forward delay */
	/* Explained as the bridge's own frame, not a guest's. */
	{
		char why[512];

		trace_explain(t.g, r, why, sizeof(why));
		assert_non_null(strstr(why, "Bridge b0 sent a frame of its own out of b0.1"));
		assert_non_null(strstr(why, "a spanning-tree BPDU"));
		assert_null(strstr(why, "Guest"));
	}
	freetri(&t);
}

/* A peer's superior BPDU whose times are out of 802.1D's ranges (hello 0
 * once re-armed the TCN timer at the same instant, for ever) is a counted
 * bad_packet drop, and the tree goes on as before. */
static void test_bpdu_times_checked(void **state)
{
	static const uint16_t bad[][3] = {      /* hello, max_age, forward_delay, s */
		{ 0, 20, 15 }, { 11, 20, 15 }, { 2, 5, 15 }, { 2, 41, 15 }, { 2, 20, 3 },
		{ 2, 20, 31 },
	};
	struct tri t;
	struct port *in;

	(void)state;
	mktri(&t);
	loop_run(t.l, 40 * NS_PER_SEC);
	in = t.b[1]->node.ports[0];
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct frame *f = mkframe(t.p, 0x0180c2000000ULL, 0x02000000009aULL, 60);
		uint8_t *d = f->data;

		wr16(d + 12, 38);
		d[14] = d[15] = 0x42;
		d[16] = 0x03;
		d[20] = 0x00;                           /* configuration BPDU */
		wr16(d + 22, 0);                        /* root priority 0: superior */
		memcpy(d + 24, "\x02\x00\x00\x00\x00\x9a", 6);
		memcpy(d + 36, "\x02\x00\x00\x00\x00\x9a", 6);
		wr16(d + 42, 0x8001);
		wr16(d + 46, (uint16_t)(bad[i][1] * 256));
		wr16(d + 48, (uint16_t)(bad[i][0] * 256));
		wr16(d + 50, (uint16_t)(bad[i][2] * 256));
		assert_true(stp_input(t.b[1], in, f));
		assert_int_equal(port_drops(in, DROP_BAD_PACKET), i + 1);
	}
	/* The tree is unchanged, and time goes on (no same-instant loop). */
	assert_int_equal(t.b[1]->stp->root_id, t.b[0]->stp->bridge_id);
	loop_run(t.l, 60 * NS_PER_SEC);
	assert_true(loop_now(t.l) >= 60 * NS_PER_SEC);
	assert_int_equal(t.b[1]->stp->root_id, t.b[0]->stp->bridge_id);
	freetri(&t);
}

/* 1,000 superior BPDUs in a second on one port: the bridge passes the
 * news on at most once per Hold Time (1 s) per port, plus the one held. */
static void test_hold_time(void **state)
{
	struct tri t;
	struct port *in;
	uint64_t before = 0, after = 0;
	int n;

	(void)state;
	mktri(&t);
	loop_run(t.l, 40 * NS_PER_SEC);
	in = t.b[1]->node.ports[0];
	n = t.b[1]->node.nports;
	for (int i = 0; i < n; i++)
		before += sp(&t, 1, i)->bpdus_tx;
	for (int k = 0; k < 1000; k++) {
		struct frame *f = mkframe(t.p, 0x0180c2000000ULL, 0x02000000009aULL, 60);
		uint8_t *d = f->data;

		wr16(d + 12, 38);
		d[14] = d[15] = 0x42;
		d[16] = 0x03;
		d[20] = 0x00;
		wr16(d + 22, 0);
		memcpy(d + 24, "\x02\x00\x00\x00\x00\x9a", 6);
		memcpy(d + 36, "\x02\x00\x00\x00\x00\x9a", 6);
		wr16(d + 42, 0x8001);
		wr16(d + 46, 20 * 256);
		wr16(d + 48, 2 * 256);
		wr16(d + 50, 15 * 256);
		assert_true(stp_input(t.b[1], in, f));
		loop_run(t.l, loop_now(t.l) + NS_PER_SEC / 1000);
	}
	for (int i = 0; i < n; i++)
		after += sp(&t, 1, i)->bpdus_tx;
	assert_int_equal(sp(&t, 1, 0)->bpdus_rx >= 1000, true);
	if (after - before > (uint64_t)(3 * n))
		fail_msg("%" PRIu64 " BPDUs sent on %d ports for 1000 received in 1 s", after - before,
			 n);
	assert_true(after - before >= 1);
	freetri(&t);
}

static void test_keys(void **state)
{
	struct tri t;
	char err[256];
	struct stp_port p = { 0 };
	struct bridge *b;
	int line;

	(void)state;
	mktri(&t);
	assert_int_equal(stp_bridge_key(t.b[0], "priority", "70000", 1, err), -1);
	assert_int_equal(stp_bridge_key(t.b[0], "max_age", "soon", 1, err), -1);
	assert_int_equal(stp_bridge_key(t.b[0], "ageing", "1s", 1, err), 0);
	assert_int_equal(stp_port_key(&p, "cost", "0", err), -1);
	assert_int_equal(stp_port_key(&p, "cost", "19", err), 1);
	assert_int_equal(p.cost, 19);
	/* Ranges and relations are checked with STP on, on the key's line. */
	assert_int_equal(stp_bridge_key(t.b[0], "hello_time", "2.5s", 7, err), 1);
	assert_int_equal(stp_check(t.b[0], &line, err), -1);
	assert_int_equal(line, 7);
	assert_non_null(strstr(err, "hello_time: 2.5s: whole seconds from 1 to 10"));
	assert_int_equal(stp_bridge_key(t.b[0], "hello_time", "10s", 8, err), 1);
	assert_int_equal(stp_check(t.b[0], &line, err), -1);   /* max_age 20 < 2 x 11 */
	assert_int_equal(line, 8);
	assert_non_null(strstr(err, "max_age 20s must be at least 2 x (hello_time + 1) = 22s"));
	assert_int_equal(stp_bridge_key(t.b[0], "max_age", "30s", 9, err), 1);
	assert_int_equal(stp_check(t.b[0], &line, err), -1);   /* 30 > 2 x (15 - 1) */
	assert_int_equal(line, 9);
	freetri(&t);

	/* Without stp = on, no key switches STP on, and none is range-checked:
	 * brctl setfd br0 1 is taken. stp = on after them, in any order, is
	 * what turns it on. */
	t.l = loop_new(LOOP_VIRTUAL, 1 << 10);
	t.p = frame_pool_new(1 << 10);
	t.g = graph_new(t.l, t.p, 1, 64);
	b = bridge_new(t.g, "br0", 64, 300 * NS_PER_SEC, 1);
	assert_int_equal(stp_bridge_key(b, "hello_time", "2s", 2, err), 1);
	assert_int_equal(stp_bridge_key(b, "priority", "4096", 3, err), 1);
	assert_int_equal(stp_bridge_key(b, "max_age", "12s", 4, err), 1);
	assert_int_equal(stp_bridge_key(b, "forward_delay", "1s", 5, err), 1);
	assert_int_equal(stp_bridge_key(b, "bridge_mac", "02:00:00:00:00:09", 6, err), 1);
	assert_int_equal(stp_check(b, &line, err), 0);
	assert_null(b->stp);
	assert_int_equal(stp_bridge_key(b, "stp", "on", 7, err), 1);
	assert_int_equal(stp_check(b, &line, err), -1);
	assert_int_equal(line, 5);
	assert_non_null(strstr(err, "forward_delay: 1s: whole seconds from 4 to 30"));
	assert_int_equal(stp_bridge_key(b, "forward_delay", "8s", 8, err), 1);
	assert_int_equal(stp_check(b, &line, err), 0);
	assert_non_null(b->stp);
	assert_int_equal(b->stp->priority, 4096);
	assert_int_equal(b->stp->fwd_delay, 8 * NS_PER_SEC);
	assert_int_equal(b->stp->mac[5], 9);
	assert_int_equal(stp_bridge_key(b, "stp", "off", 9, err), 1);
	assert_int_equal(stp_check(b, &line, err), 0);
	assert_null(b->stp);
	graph_free(t.g);
	frame_pool_free(t.p);
	loop_free(t.l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_election_and_roles),
		cmocka_unit_test(test_timers),
		cmocka_unit_test(test_message_age_expiry),
		cmocka_unit_test(test_link_down_reroutes),
		cmocka_unit_test(test_bpdu_bytes),
		cmocka_unit_test(test_bpdu_times_checked),
		cmocka_unit_test(test_hold_time),
		cmocka_unit_test(test_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Sim guests: ARP (request, reply, cache, timeout, failure), ICMP echo
 * both ways, ping statistics, UDP echo and port unreachable. */
#include "testutil.h"
#include "../../src/core/bridge.h"
#include "../../src/core/hub.h"
#include "../../src/guest/guest.h"

struct lan {
	struct loop *l;
	struct frame_pool *p;
	struct graph *g;
	struct hub *h;
	struct guest *a, *b;
};

static struct guest *mkguest(struct lan *w, const char *name, uint64_t mac, uint32_t ip)
{
	struct guest *gu = guest_new(w->g, name, 1);
	struct nic *n = guest_add_nic(gu, nic_model_default(), 1);

	u64_to_mac(mac, n->mac);
	n->ip = ip;
	n->prefix = 24;
	guest_nic_attach(n);
	link_new(w->g, n->port, hub_add_port(w->h), 0, 0, 0, 0);
	return gu;
}

static void mklan(struct lan *w)
{
	w->l = loop_new(LOOP_VIRTUAL, 1 << 16);
	w->p = frame_pool_new(1 << 16);
	w->g = graph_new(w->l, w->p, 1, 1024);
	w->h = hub_new(w->g, "vlan0", 0, 1);
	w->a = mkguest(w, "a", 0x525400123456ULL, 0x0a000001);
	w->b = mkguest(w, "b", 0x525400123457ULL, 0x0a000002);
}

static void freelan(struct lan *w)
{
	graph_free(w->g);
	frame_pool_free(w->p);
	loop_free(w->l);
}

static void test_ping_resolves_arp(void **state)
{
	struct lan w;
	char err[ERRLEN];
	struct ping *p;
	const struct arp_entry *e;

	(void)state;
	mklan(&w);
	p = guest_ping(w.a, 0x0a000002, 3, NS_PER_SEC, 56, 0, err);
	assert_non_null(p);
	loop_run(w.l, 5 * NS_PER_SEC);
	assert_int_equal(p->sent, 3);
	assert_int_equal(p->received, 3);
	assert_true(p->rtt_min > 0 && p->rtt_min <= p->rtt_max);
	assert_int_equal(w.a->st.arp_requests_sent, 1);
	assert_int_equal(w.b->st.arp_replies_sent, 1);
	assert_int_equal(w.b->st.icmp_echo_requests, 3);
	e = guest_arp_lookup(w.a, 0x0a000002);
	assert_non_null(e);
	assert_int_equal(mac_to_u64(e->mac), 0x525400123457ULL);
	/* b learned a from a's request (it was for b). */
	assert_non_null(guest_arp_lookup(w.b, 0x0a000001));
	/* After the timeout the entry is gone and the next ping ARPs again. */
	loop_run(w.l, 70 * NS_PER_SEC);
	assert_null(guest_arp_lookup(w.a, 0x0a000002));
	p = guest_ping(w.a, 0x0a000002, 1, NS_PER_SEC, 56, 0, err);
	loop_run(w.l, 75 * NS_PER_SEC);
	assert_int_equal(p->received, 1);
	assert_int_equal(w.a->st.arp_requests_sent, 2);
	freelan(&w);
}

static void test_arp_failure(void **state)
{
	struct lan w;
	char err[ERRLEN];
	struct ping *p;

	(void)state;
	mklan(&w);
	p = guest_ping(w.a, 0x0a000009, 5, 100 * NS_PER_MS, 56, 0, err);
	loop_run(w.l, 10 * NS_PER_SEC);
	assert_int_equal(p->received, 0);
	/* Three tries, one per second; three packets waited, two found the
	 * queue full, then the waiting ones were dropped. */
	assert_int_equal(w.a->st.arp_requests_sent, 3 + 0);
	assert_int_equal(port_drops(w.a->nics[0]->port, DROP_ARP_QUEUE_FULL), 2);
	assert_int_equal(port_drops(w.a->nics[0]->port, DROP_ARP_FAILED), 3);
	assert_int_equal(w.a->narp, 0);
	freelan(&w);
}

static void test_limits(void **state)
{
	struct lan w;
	char err[ERRLEN];

	(void)state;
	mklan(&w);
	assert_null(guest_ping(w.a, 0x0a000002, 1, NS_PER_SEC, PING_MAX_SIZE + 1, 0, err));
	assert_non_null(strstr(err, "too large"));
	assert_null(guest_ping(w.a, 0x0a000002, 0, NS_PER_SEC, 56, 0, err));
	assert_false(guest_has_route(w.a, 0xc0a80001));
	w.a->gateway = 0x0a0000fe;
	assert_true(guest_has_route(w.a, 0xc0a80001));
	freelan(&w);
}

static void test_udp_echo_and_unreachable(void **state)
{
	struct lan w;
	char err[ERRLEN];

	(void)state;
	mklan(&w);
	assert_int_equal(guest_udp_send(w.a, 0x0a000002, 7, 5000, 2, NS_PER_SEC, 0, "hello", err), 0);
	loop_run(w.l, 5 * NS_PER_SEC);
	assert_int_equal(w.a->st.udp_sent, 2);
	assert_int_equal(w.b->st.udp_echoed, 2);
	/* The echoes come back to port 5000, which a sent from. */
	assert_int_equal(w.a->st.udp_received, 2);
	/* A closed port answers ICMP port unreachable. */
	assert_int_equal(guest_udp_send(w.a, 0x0a000002, 4444, 5001, 1, NS_PER_SEC, 8, NULL, err), 0);
	loop_run(w.l, 10 * NS_PER_SEC);
	assert_int_equal(port_drops(w.b->nics[0]->port, DROP_UNREACHABLE_PORT), 1);
	assert_int_equal(w.a->st.icmp_unreachable_rx, 1);
	freelan(&w);
}

static void test_nic_filter_and_bad_packets(void **state)
{
	struct lan w;
	struct frame *f;
	struct port *bp;

	(void)state;
	mklan(&w);
	bp = w.b->nics[0]->port;
	/* Unicast for someone else: the NIC drops it. */
	f = mkframe(w.p, 0x525400999999ULL, 0x525400123456ULL, 60);
	port_tx(w.a->nics[0]->port, f);
	/* For b, IPv4 with a broken header checksum. */
	f = mkframe(w.p, 0x525400123457ULL, 0x525400123456ULL, 60);
	f->data[14] = 0x45;
	wr16(f->data + 16, 28);
	wr32(f->data + 26, 0x0a000001);
	wr32(f->data + 30, 0x0a000002);
	port_tx(w.a->nics[0]->port, f);
	/* A runt. */
	f = mkframe(w.p, 0x525400123457ULL, 0x525400123456ULL, 14);
	f->len = 10;
	port_tx(w.a->nics[0]->port, f);
	loop_run(w.l, NS_PER_SEC);
	assert_int_equal(port_drops(bp, DROP_NOT_FOR_US), 1);
	assert_int_equal(port_drops(bp, DROP_BAD_PACKET), 1);
	assert_int_equal(port_drops(bp, DROP_RUNT), 1);
	assert_int_equal(w.b->st.ip_rx, 0);
	freelan(&w);
}

/* 200,000 random frames, some shaped like ARP and IPv4 for our guests, into
 * a bridge with three guests: nothing crashes, every frame is accounted for
 * (what one end of a link sends, the other end receives), and the trace
 * formats every record. */
static void test_garbage_never_crashes(void **state)
{
	struct loop *l = loop_new(LOOP_VIRTUAL, 1 << 20);
	struct frame_pool *p = frame_pool_new(1 << 20);
	struct graph *g = graph_new(l, p, 1, 4096);
	struct bridge *b = bridge_new(g, "br0", 64, 300 * NS_PER_SEC, 1);
	struct sink *gen = sink_new(g, "gen");
	struct port *gp = port_new(&gen->node, "p", 0, 1 << 20);
	uint64_t x = 2024;
	char line[512];

	(void)state;
	link_new(g, gp, bridge_add_port(b), 0, 0, 0, 0);
	for (int i = 0; i < 3; i++) {
		char name[16];
		struct guest *gu;
		struct nic *n;

		snprintf(name, sizeof(name), "g%d", i);
		gu = guest_new(g, name, 1);
		n = guest_add_nic(gu, nic_model_default(), 1);
		u64_to_mac(0x525400000010ULL + (uint64_t)i, n->mac);
		n->ip = 0x0a000001 + (uint32_t)i;
		n->prefix = 24;
		guest_nic_attach(n);
		link_new(g, n->port, bridge_add_port(b), 0, 0, 0, 0);
	}
	for (int i = 0; i < 200000; i++) {
		uint32_t len;
		struct frame *f;

		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		len = (uint32_t)(x >> 33) % 1600;
		f = frame_alloc(p, len);
		assert_non_null(f);
		for (uint32_t k = 0; k < len; k++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			f->data[k] = (uint8_t)(x >> 56);
		}
		if (len >= 34 && (x & 1)) {
			/* To a guest (or broadcast), as ARP or IPv4 with a plausible header. */
			uint64_t dst = (x >> 8) % 4 == 3 ? 0xffffffffffffULL : 0x525400000010ULL + (x >> 8) % 4;

			u64_to_mac(dst, f->data);
			f->data[6] &= 0xfe;
			wr16(f->data + 12, (x & 2) ? 0x0806 : 0x0800);
			if (!(x & 2)) {
				f->data[14] = 0x45;
				wr16(f->data + 16, (uint16_t)(len - 14));
				wr16(f->data + 20, 0);
				f->data[23] = (x & 4) ? 1 : 17;
				wr32(f->data + 30, 0x0a000001 + (uint32_t)((x >> 3) % 3));
				/* Fix the header checksum half the time. */
				if (x & 8) {
					uint32_t sum = 0;

					wr16(f->data + 24, 0);
					for (int k = 0; k < 20; k += 2)
						sum += rd16(f->data + 14 + k);
					while (sum >> 16)
						sum = (sum & 0xffff) + (sum >> 16);
					wr16(f->data + 24, (uint16_t)~sum);
				}
			}
		}
		port_tx(gp, f);
		if (i % 1000 == 999)
			loop_run(l, loop_now(l) + NS_PER_SEC);
	}
	loop_run(l, loop_now(l) + 10 * NS_PER_SEC);
	for (int i = 0; i < g->nlinks; i++) {
		struct link *lk = g->links[i];

		assert_int_equal(lk->end[0]->st.tx_frames, lk->end[1]->st.rx_frames);
		assert_int_equal(lk->end[1]->st.tx_frames, lk->end[0]->st.rx_frames);
	}
	assert_true(b->st.frames >= 200000);
	for (uint64_t i = 0; i < MIN(g->trace.total, (uint64_t)g->trace.cap); i++)
		trace_format(g, &g->trace.ring[i], line, sizeof(line));
	graph_free(g);
	frame_pool_free(p);
	loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ping_resolves_arp),
		cmocka_unit_test(test_arp_failure),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_udp_echo_and_unreachable),
		cmocka_unit_test(test_nic_filter_and_bad_packets),
		cmocka_unit_test(test_garbage_never_crashes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

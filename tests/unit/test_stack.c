/* The sim guests' DHCP client and TCP, in virtual time: a hand-written
 * DHCP server with a 10-second lease (renewal, rebinding, expiry), TCP
 * echo across a hub, TCP over a lossy link (retransmission), and a TCP
 * connect to a closed port (RST). */
#include "testutil.h"
#include "../../src/core/hub.h"
#include "../../src/guest/guest.h"

#define SRV_IP 0x0a000001u
#define YIADDR 0x0a000032u
#define LEASE 10

/* A value of a field table as text, as expectations see it. */
static void fv(const struct field_table *t, const void *obj, const char *name, char *buf,
	       size_t len)
{
	const char *s = field_value(t, obj, name)->str;

	assert_true(strlen(s) < len);
	memcpy(buf, s, strlen(s) + 1);
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t add(uint32_t sum, const uint8_t *p, uint32_t len)
{
	for (uint32_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

/* A DHCP server node: answers ARP for SRV_IP, DISCOVER with an OFFER and
 * REQUEST with an ACK for YIADDR, LEASE seconds, unless silent. */
struct srv {
	struct node node;
	struct port *port;
	bool silent;
	int discovers, requests, unicast_requests;
	uint32_t last_ciaddr;
};

static const uint8_t srv_mac[6] = { 0x52, 0x54, 0x00, 0xaa, 0x00, 0x01 };

static void srv_send(struct srv *s, const uint8_t *dmac, uint32_t dst, const uint8_t *udp_payload,
		     uint32_t len)
{
	uint32_t tot = 20 + 8 + len;
	struct frame *f = frame_alloc(s->node.g->pool, 14 + tot < 60 ? 60 : 14 + tot);
	uint8_t *e = f->data, *ip = e + 14, *u = ip + 20;

	memset(e, 0, f->len);
	memcpy(e, dmac, 6);
	memcpy(e + 6, srv_mac, 6);
	wr16(e + 12, 0x0800);
	ip[0] = 0x45;
	wr16(ip + 2, (uint16_t)tot);
	ip[8] = 64;
	ip[9] = 17;
	wr32(ip + 12, SRV_IP);
	wr32(ip + 16, dst);
	wr16(ip + 10, fold(add(0, ip, 20)));
	wr16(u, 67);
	wr16(u + 2, 68);
	wr16(u + 4, (uint16_t)(8 + len));
	memcpy(u + 8, udp_payload, len);
	port_tx(s->port, f);
}

static void srv_input(struct node *n, struct port *in, struct frame *f)
{
	struct srv *s = container_of(n, struct srv, node);
	const uint8_t *e = f->data, *ip = e + 14, *u, *m;
	uint8_t r[300], *o;
	int type = 0;

	(void)in;
	if (rd16(e + 12) == 0x0806 && rd16(e + 14 + 6) == 1 && rd32(e + 14 + 24) == SRV_IP) {
		struct frame *a = frame_alloc(n->g->pool, 60);

		memset(a->data, 0, 60);
		memcpy(a->data, e + 6, 6);
		memcpy(a->data + 6, srv_mac, 6);
		wr16(a->data + 12, 0x0806);
		memcpy(a->data + 14, e + 14, 6);        /* htype, ptype, hlen, plen */
		wr16(a->data + 20, 2);
		memcpy(a->data + 22, srv_mac, 6);
		wr32(a->data + 28, SRV_IP);
		memcpy(a->data + 32, e + 22, 10);       /* the asker's MAC and IP */
		port_tx(s->port, a);
		frame_unref(f);
		return;
	}
	if (rd16(e + 12) != 0x0800 || ip[9] != 17 || rd16(ip + 20 + 2) != 67 || s->silent) {
		frame_unref(f);
		return;
	}
	u = ip + 20;
	m = u + 8;
	for (const uint8_t *p = m + 240; *p != 255; p += 2 + p[1])
		if (p[0] == 53)
			type = p[2];
	memset(r, 0, sizeof(r));
	r[0] = 2;
	r[1] = 1;
	r[2] = 6;
	memcpy(r + 4, m + 4, 4);                        /* xid */
	wr32(r + 16, YIADDR);
	memcpy(r + 28, m + 28, 6);                      /* chaddr */
	wr32(r + 236, 0x63825363u);
	o = r + 240;
	*o++ = 53;
	*o++ = 1;
	if (type == 1) {
		s->discovers++;
		*o++ = 2;
	} else {
		s->requests++;
		if (rd32(ip + 16) == SRV_IP) {
			s->unicast_requests++;
			s->last_ciaddr = rd32(m + 12);
		}
		*o++ = 5;
	}
	*o++ = 54; *o++ = 4; wr32(o, SRV_IP); o += 4;
	*o++ = 1; *o++ = 4; wr32(o, 0xffffff00u); o += 4;
	*o++ = 3; *o++ = 4; wr32(o, SRV_IP); o += 4;
	*o++ = 6; *o++ = 4; wr32(o, 0x0a000002u); o += 4;
	*o++ = 51; *o++ = 4; wr32(o, LEASE); o += 4;
	*o++ = 255;
	srv_send(s, (const uint8_t[6]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, 0xffffffffu, r,
		 (uint32_t)(o - r));
	frame_unref(f);
}

static void srv_destroy(struct node *n)
{
	free(container_of(n, struct srv, node));
}

static const struct node_ops srv_ops = { .kind = "dhcpd", .input = srv_input,
					 .destroy = srv_destroy };

struct world {
	struct loop *l;
	struct frame_pool *p;
	struct graph *g;
	struct hub *h;
};

static void mkworld(struct world *w)
{
	w->l = loop_new(LOOP_VIRTUAL, 1 << 16);
	w->p = frame_pool_new(1 << 16);
	w->g = graph_new(w->l, w->p, 7, 1024);
	w->h = hub_new(w->g, "vlan0", 0, 1);
}

static void freeworld(struct world *w)
{
	graph_free(w->g);
	frame_pool_free(w->p);
	loop_free(w->l);
}

static struct guest *mkguest(struct world *w, const char *name, uint64_t mac, uint32_t ip,
			     double loss)
{
	struct guest *gu = guest_new(w->g, name, 1);
	struct nic *n = guest_add_nic(gu, nic_model_default(), 1);

	u64_to_mac(mac, n->mac);
	if (ip != 0) {
		n->ip = ip;
		n->prefix = 24;
	} else {
		n->dhcp = dhcp_client_new(n);
	}
	guest_nic_attach(n);
	link_new(w->g, n->port, hub_add_port(w->h), 0, 0, loss, 0);
	return gu;
}

static void test_dhcp_lease_renew_expire(void **state)
{
	struct world w;
	struct srv *s = xcalloc(1, sizeof(*s));
	struct guest *c;
	struct nic *n;
	char b[64];

	(void)state;
	mkworld(&w);
	node_init(&s->node, w.g, &srv_ops, "dhcpd", 0);
	s->port = port_new(&s->node, "0", 0, 100);
	link_new(w.g, s->port, hub_add_port(w.h), 0, 0, 0, 0);
	c = mkguest(&w, "c", 0x525400000010ULL, 0, 0);
	n = c->nics[0];
	guest_start(c);
	loop_run(w.l, 1 * NS_PER_SEC);
	assert_int_equal(dhcp_state(n->dhcp), DHCP_BOUND);
	assert_int_equal(n->ip, YIADDR);
	assert_int_equal(n->prefix, 24);
	assert_int_equal(c->gateway, SRV_IP);
	assert_int_equal(c->dns, 0x0a000002u);
	assert_int_equal(s->discovers, 1);
	assert_int_equal(s->requests, 1);
	fv(&dhcp_fields, n->dhcp, "t1", b, sizeof(b));
	assert_string_equal(b, "5");
	fv(&dhcp_fields, n->dhcp, "t2", b, sizeof(b));
	assert_string_equal(b, "8");    /* 7/8 of 10 s, in whole seconds */

	/* T1 = 5 s: a unicast REQUEST with our address in ciaddr, then ACK. */
	loop_run(w.l, 6 * NS_PER_SEC);
	assert_int_equal(s->unicast_requests, 1);
	assert_int_equal(s->last_ciaddr, YIADDR);
	fv(&dhcp_fields, n->dhcp, "renewals", b, sizeof(b));
	assert_string_equal(b, "1");
	assert_int_equal(dhcp_state(n->dhcp), DHCP_BOUND);

	/* The server goes quiet: renewing at T1 (10 s), rebinding at T2
	 * (13 s), and at the end of the lease (15 s) the address goes. */
	s->silent = true;
	loop_run(w.l, 11 * NS_PER_SEC);
	assert_int_equal(dhcp_state(n->dhcp), DHCP_RENEWING);
	loop_run(w.l, 14 * NS_PER_SEC);
	assert_int_equal(dhcp_state(n->dhcp), DHCP_REBINDING);
	assert_int_equal(n->ip, YIADDR);
	loop_run(w.l, 15500 * NS_PER_MS);
	assert_int_equal(n->ip, 0);
	assert_int_equal(c->gateway, 0);
	assert_int_equal(dhcp_state(n->dhcp), DHCP_SELECTING);

	/* Back again: the next DISCOVER (2 s later) gets the address back. */
	s->silent = false;
	loop_run(w.l, 20 * NS_PER_SEC);
	assert_int_equal(dhcp_state(n->dhcp), DHCP_BOUND);
	assert_int_equal(n->ip, YIADDR);
	freeworld(&w);
}

static void run_echo(double loss, uint32_t bytes, uint64_t *retransmits)
{
	struct world w;
	struct guest *a, *b;
	struct tcp_conn *c;
	char err[ERRLEN], v[600];
	uint8_t *data = xmalloc(bytes);
	int id;

	mkworld(&w);
	a = mkguest(&w, "a", 0x525400000001ULL, 0x0a000001, loss);
	b = mkguest(&w, "b", 0x525400000002ULL, 0x0a000002, 0);
	for (uint32_t i = 0; i < bytes; i++)
		data[i] = (uint8_t)(i * 7);
	id = tcp_connect(a, 0x0a000002, 7, 0, err);
	assert_true(id > 0);
	loop_run(w.l, 1 * NS_PER_SEC);
	c = tcp_find(a, id);
	fv(&tcp_fields, c, "state", v, sizeof(v));
	assert_string_equal(v, "established");
	assert_int_equal(tcp_send(c, data, bytes, err), 0);
	loop_run(w.l, 120 * NS_PER_SEC);
	fv(&tcp_fields, c, "rx_bytes", v, sizeof(v));
	assert_int_equal(atoll(v), bytes);
	fv(&tcp_fields, c, "tx_bytes", v, sizeof(v));
	assert_int_equal(atoll(v), bytes);
	fv(&tcp_fields, c, "unacked", v, sizeof(v));
	assert_string_equal(v, "0");
	assert_int_equal(tcp_close(c, false, err), 0);
	loop_run(w.l, 200 * NS_PER_SEC);
	/* Both sides closed: the echo side closed back, TIME_WAIT ran out. */
	fv(&tcp_fields, c, "state", v, sizeof(v));
	assert_string_equal(v, "closed");
	fv(&tcp_fields, tcp_at(b, 0), "state", v, sizeof(v));
	assert_string_equal(v, "closed");
	fv(&tcp_fields, c, "retransmits", v, sizeof(v));
	*retransmits = (uint64_t)atoll(v) + b->st.tcp_retransmits;
	free(data);
	freeworld(&w);
}

static void test_tcp_echo(void **state)
{
	uint64_t rt;

	(void)state;
	run_echo(0, 200000, &rt);
	assert_int_equal(rt, 0);
}

static void test_tcp_lossy(void **state)
{
	uint64_t rt;

	(void)state;
	/* 5% loss on a's link in both directions: everything still arrives,
	 * in order, by retransmission. */
	run_echo(0.05, 100000, &rt);
	assert_true(rt > 0);
}

static void test_tcp_refused_and_abort(void **state)
{
	struct world w;
	struct guest *a, *b;
	char err[ERRLEN], v[600];
	int id;

	(void)state;
	mkworld(&w);
	a = mkguest(&w, "a", 0x525400000001ULL, 0x0a000001, 0);
	b = mkguest(&w, "b", 0x525400000002ULL, 0x0a000002, 0);
	id = tcp_connect(a, 0x0a000002, 2222, 0, err);
	loop_run(w.l, 1 * NS_PER_SEC);
	fv(&tcp_fields, tcp_find(a, id), "error", v, sizeof(v));
	assert_string_equal(v, "connection refused (RST)");
	assert_int_equal(b->st.tcp_resets_sent, 1);

	/* A sink on 2222; a resets it: b sees "reset by peer". */
	assert_int_equal(tcp_listen(b, 2222, TCP_APP_SINK, err), 0);
	id = tcp_connect(a, 0x0a000002, 2222, 0, err);
	loop_run(w.l, 2 * NS_PER_SEC);
	/* Nothing to send, and no buffer yet: fine (UBSan checks the copy). */
	assert_int_equal(tcp_send(tcp_find(a, id), NULL, 0, err), 0);
	assert_int_equal(tcp_send(tcp_find(a, id), (const uint8_t *)"hi", 2, err), 0);
	loop_run(w.l, 3 * NS_PER_SEC);
	fv(&tcp_fields, tcp_at(b, 0), "rx", v, sizeof(v));
	assert_string_equal(v, "hi");
	assert_int_equal(tcp_close(tcp_find(a, id), true, err), 0);
	loop_run(w.l, 4 * NS_PER_SEC);
	fv(&tcp_fields, tcp_at(b, 0), "error", v, sizeof(v));
	assert_string_equal(v, "reset by peer");

	/* Nobody answers at all: 8 retransmissions, then it gives up. */
	id = tcp_connect(a, 0x0a000063, 80, 0, err);
	loop_run(w.l, 400 * NS_PER_SEC);
	fv(&tcp_fields, tcp_find(a, id), "error", v, sizeof(v));
	assert_string_equal(v, "timed out");
	fv(&tcp_fields, tcp_find(a, id), "retransmits", v, sizeof(v));
	assert_string_equal(v, "8");
	freeworld(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dhcp_lease_renew_expire),
		cmocka_unit_test(test_tcp_echo),
		cmocka_unit_test(test_tcp_lossy),
		cmocka_unit_test(test_tcp_refused_and_abort),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The sim guests' IPv4 stack. See guest.h for what it does and does not do.
 *
 * Frames a guest builds start with one reference owned by the guest; they
 * go to port_tx() (which takes it) or wait in an ARP entry's pending list
 * (which owns them until they are sent or dropped).
 */
#include "stack.h"
#include "kernel.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#define UDP_ECHO_PORT 7
#define UDP_DISCARD_PORT 9

struct udp_flow {
	struct guest *guest;
	uint32_t dst;
	uint16_t dport, sport;
	uint32_t left, size;
	uint64_t interval;
	char *data;
	struct timer timer;
};

static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static uint32_t netmask(int prefix)
{
	return prefix_mask(prefix);
}

static bool nic_on_subnet(const struct nic *n, uint32_t ip)
{
	return n->ip != 0 && ((n->ip ^ ip) & netmask(n->prefix)) == 0;
}

static bool nic_is_bcast(const struct nic *n, uint32_t ip)
{
	return ip == 0xffffffffu ||
	       (n->ip != 0 && n->prefix < 31 && ip == (n->ip | ~netmask(n->prefix)));
}

/* The NIC and next hop for dst, or NULL. */
struct nic *guest_route(struct guest *gu, uint32_t dst, uint32_t *nexthop)
{
	int n = gu->nnics + gu->nvifs;

	for (int i = 0; i < n; i++) {
		if (nic_on_subnet(gu->nics[i], dst) || (dst == 0xffffffffu && gu->nics[i]->ip)) {
			*nexthop = dst;
			return gu->nics[i];
		}
	}
	if (gu->gateway != 0) {
		for (int i = 0; i < n; i++) {
			if (nic_on_subnet(gu->nics[i], gu->gateway)) {
				*nexthop = gu->gateway;
				return gu->nics[i];
			}
		}
	}
	return NULL;
}

bool guest_has_route(struct guest *gu, uint32_t dst)
{
	uint32_t nh;

	return guest_route(gu, dst, &nh) != NULL;
}

/* Before DHCP has run, a NIC with ip = dhcp may lead anywhere. */
bool guest_may_route(struct guest *gu, uint32_t dst)
{
	for (int i = 0; i < gu->nnics; i++)
		if (gu->nics[i]->dhcp != NULL)
			return true;
	return guest_has_route(gu, dst);
}

void guest_event(struct guest *gu, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	graph_eventv(gu->node.g, "guest", gu->node.name, fmt, ap);
	va_end(ap);
}

static void nic_send_deferred(void *nicp, void *frame)
{
	struct nic *nic = nicp;

	trace_record(nic->guest->node.g, nic->port, frame, DEC_SENT, 0, 0, true);
	port_tx(nic->port, frame);
}

/* A VLAN interface's frames leave its parent tagged. */
static struct frame *vif_tag(struct nic *nic, struct frame *f)
{
	struct frame *t = frame_tagged_copy(f, nic->vid);

	frame_unref(f);
	if (t == NULL)
		nic->port->st.drops[DROP_NO_BUFFER]++;
	return t;
}

/* A guest's transmissions go through the loop's FIFO, at the same instant:
 * a reply is then its own event, after the request's delivery, and step
 * mode shows one hop per step. */
static void nic_send(struct nic *nic, struct frame *f)
{
	if (nic->parent != NULL && (f = vif_tag(nic, f)) == NULL)
		return;
	if (loop_defer(nic->guest->node.g->loop, nic_send_deferred, nic, f) < 0)
		port_drop(nic->port, f, DROP_FIFO_FULL);
}

/* Allocates a frame with an Ethernet header from nic, padded to 60 bytes. */
static struct frame *eth_alloc(struct nic *nic, const uint8_t *dst, uint16_t type,
			       uint32_t payload)
{
	uint32_t len = MAX(ETH_HLEN + payload, ETH_MIN_LEN);
	struct frame *f = frame_alloc(nic->guest->node.g->pool, len);

	if (f == NULL) {
		nic->port->st.drops[DROP_NO_BUFFER]++;
		return NULL;
	}
	f->born = loop_now(nic->guest->node.g->loop);
	memset(f->data, 0, len);
	if (dst != NULL)
		memcpy(f->data, dst, 6);
	memcpy(f->data + 6, nic->mac, 6);
	wr16(f->data + 12, type);
	return f;
}

/* ---- ARP ---------------------------------------------------------------- */

bool guest_arp_live(const struct guest *gu, const struct arp_entry *e)
{
	uint64_t now = loop_now(gu->node.g->loop);

	return e->resolved && now - e->updated < gu->arp_timeout;
}

static struct arp_entry *arp_find(struct guest *gu, uint32_t ip)
{
	for (int i = 0; i < gu->narp; i++)
		if (gu->arp[i]->ip == ip)
			return gu->arp[i];
	return NULL;
}

const struct arp_entry *guest_arp_lookup(struct guest *gu, uint32_t ip)
{
	struct arp_entry *e = arp_find(gu, ip);

	return e != NULL && guest_arp_live(gu, e) ? e : NULL;
}

static void arp_entry_drop_pending(struct arp_entry *e, enum drop_reason why)
{
	struct nic *nic = e->guest->nics[e->nic];

	for (int i = 0; i < e->npending; i++) {
		struct frame *f = e->pending[i];

		if (why == DROP_ARP_FAILED) {
			/* A ping waiting here hears of it, as ping(8) does. */
			uint32_t off = f->len >= 18 && rd16(f->data + 12) == 0x8100 ? 18 : 14;

			e->guest->st.arp_failed++;
			if (f->len > off)
				guest_ping_unreachable(e->guest, f->data + off, f->len - off);
		}
		port_drop(nic->port, f, why);
	}
	e->npending = 0;
}

static void arp_remove(struct guest *gu, int idx)
{
	struct arp_entry *e = gu->arp[idx];

	loop_timer_disarm(gu->node.g->loop, &e->retry);
	arp_entry_drop_pending(e, DROP_ARP_FAILED);
	free(e);
	gu->arp[idx] = gu->arp[--gu->narp];
}

static void arp_send(struct nic *nic, uint16_t op, const uint8_t *tha, uint32_t tpa,
		     const uint8_t *eth_dst)
{
	struct frame *f = eth_alloc(nic, eth_dst, ETH_P_ARP, 28);
	uint8_t *a;

	if (f == NULL)
		return;
	a = f->data + ETH_HLEN;
	wr16(a, 1);             /* Ethernet */
	wr16(a + 2, ETH_P_IP);
	a[4] = 6;
	a[5] = 4;
	wr16(a + 6, op);
	memcpy(a + 8, nic->mac, 6);
	wr32(a + 14, nic->ip);
	memcpy(a + 18, tha, 6);
	wr32(a + 24, tpa);
	if (op == 1)
		nic->guest->st.arp_requests_sent++;
	else
		nic->guest->st.arp_replies_sent++;
	nic_send(nic, f);
}

static void arp_retry(void *arg)
{
	struct arp_entry *e = arg;
	struct guest *gu = e->guest;
	static const uint8_t zero[6];

	if (e->tries >= ARP_RETRIES) {
		for (int i = 0; i < gu->narp; i++) {
			if (gu->arp[i] == e) {
				arp_remove(gu, i);
				return;
			}
		}
		return;
	}
	e->tries++;
	arp_send(gu->nics[e->nic], 1, zero, e->ip, bcast_mac);
	loop_timer_arm(gu->node.g->loop, &e->retry, loop_now(gu->node.g->loop) + NS_PER_SEC);
}

static struct arp_entry *arp_new_entry(struct guest *gu, uint32_t ip, int nic)
{
	struct arp_entry *e;

	if (gu->narp == ARP_CACHE_MAX) {
		/* Evict the oldest resolved entry; incomplete ones are in use. */
		int victim = -1;

		for (int i = 0; i < gu->narp; i++)
			if (gu->arp[i]->resolved &&
			    (victim < 0 || gu->arp[i]->updated < gu->arp[victim]->updated))
				victim = i;
		if (victim < 0)
			return NULL;
		arp_remove(gu, victim);
	}
	if (gu->narp == gu->arpcap) {
		gu->arpcap = gu->arpcap ? gu->arpcap * 2 : 4;
		gu->arp = xreallocarray(gu->arp, (size_t)gu->arpcap, sizeof(*gu->arp));
	}
	e = xcalloc(1, sizeof(*e));
	e->guest = gu;
	e->ip = ip;
	e->nic = nic;
	timer_init(&e->retry, arp_retry, e);
	gu->arp[gu->narp++] = e;
	return e;
}

static void arp_resolved(struct guest *gu, struct arp_entry *e, const uint8_t *mac, int nic)
{
	e->resolved = true;
	memcpy(e->mac, mac, 6);
	e->nic = nic;
	e->updated = loop_now(gu->node.g->loop);
	e->tries = 0;
	loop_timer_disarm(gu->node.g->loop, &e->retry);
	for (int i = 0; i < e->npending; i++) {
		struct frame *f = e->pending[i];

		memcpy(f->data, mac, 6);
		nic_send(gu->nics[nic], f);
	}
	e->npending = 0;
}

static void arp_input(struct guest *gu, struct nic *nic, struct frame *f)
{
	const uint8_t *a = f->data + ETH_HLEN;
	uint16_t op;
	uint32_t spa, tpa;
	struct arp_entry *e;

	if (f->len < ETH_HLEN + 28 || rd16(a) != 1 || rd16(a + 2) != ETH_P_IP || a[4] != 6 ||
	    a[5] != 4) {
		port_drop(nic->port, f, DROP_BAD_PACKET);
		return;
	}
	op = rd16(a + 6);
	spa = rd32(a + 14);
	tpa = rd32(a + 24);
	trace_record(gu->node.g, nic->port, f, DEC_DELIVERED, 0, 0, false);
	e = arp_find(gu, spa);
	/* Update an existing entry from any ARP; create one only when the
	 * request is for us (RFC 826's merge rule). */
	if (e != NULL && spa != 0)
		arp_resolved(gu, e, a + 8, nic->index);
	if (op == 1) {
		gu->st.arp_requests_rx++;
		if (nic->ip != 0 && tpa == nic->ip) {
			if (e == NULL && spa != 0 && (e = arp_new_entry(gu, spa, nic->index)) != NULL)
				arp_resolved(gu, e, a + 8, nic->index);
			arp_send(nic, 2, a + 8, spa, a + 8);
		}
	} else if (op == 2) {
		gu->st.arp_replies_rx++;
	}
	frame_unref(f);
}

/* Sends an IP frame (Ethernet destination still blank) to nexthop. */
static void neigh_output(struct guest *gu, struct nic *nic, uint32_t nexthop, struct frame *f)
{
	struct arp_entry *e;

	if (nexthop == 0xffffffffu || nic_is_bcast(nic, nexthop)) {
		memcpy(f->data, bcast_mac, 6);
		nic_send(nic, f);
		return;
	}
	e = arp_find(gu, nexthop);
	if (e != NULL && e->resolved && guest_arp_live(gu, e)) {
		memcpy(f->data, e->mac, 6);
		nic_send(nic, f);
		return;
	}
	if (e != NULL && e->resolved) {
		/* Expired: forget it and resolve again. */
		e->resolved = false;
		e->tries = 0;
		e->nic = nic->index;
	}
	if (e == NULL)
		e = arp_new_entry(gu, nexthop, nic->index);
	if (e == NULL || e->npending == ARP_PENDING_MAX) {
		port_drop(nic->port, f, DROP_ARP_QUEUE_FULL);
		return;
	}
	e->pending[e->npending++] = f;
	if (!timer_armed(&e->retry))
		arp_retry(e);
}

/* ---- IPv4 ---------------------------------------------------------------- */

/* Builds an IPv4 packet around payload and sends it. Returns 0, or -1 with
 * the drop counted (no route). */
int guest_ip_output(struct guest *gu, uint32_t dst, uint8_t proto, const uint8_t *l4,
		    uint32_t l4len, uint32_t src_hint)
{
	uint32_t nexthop;
	struct nic *nic = guest_route(gu, dst, &nexthop);
	struct frame *f;
	uint8_t *ip;
	uint32_t src;

	if (nic == NULL) {
		gu->st.no_route++;
		return -1;
	}
	src = src_hint ? src_hint : nic->ip;
	f = eth_alloc(nic, NULL, ETH_P_IP, IP_HLEN + l4len);
	if (f == NULL)
		return -1;
	ip = f->data + ETH_HLEN;
	ip[0] = 0x45;
	ip[1] = 0;
	wr16(ip + 2, (uint16_t)(IP_HLEN + l4len));
	wr16(ip + 4, gu->ip_id++);
	wr16(ip + 6, 0x4000);   /* DF */
	ip[8] = 64;
	ip[9] = proto;
	wr32(ip + 12, src);
	wr32(ip + 16, dst);
	wr16(ip + 10, csum_fold(csum_add(0, ip, IP_HLEN)));
	memcpy(ip + IP_HLEN, l4, l4len);
	if (proto == 17 || proto == 6) {
		/* UDP and TCP checksums over the pseudo-header. */
		uint8_t *u = ip + IP_HLEN;
		uint32_t sum = csum_add(0, ip + 12, 8) + proto + l4len;
		uint32_t at = proto == 17 ? 6 : 16;
		uint16_t c;

		wr16(u + at, 0);
		c = csum_fold(csum_add(sum, u, l4len));
		wr16(u + at, proto == 17 && c == 0 ? 0xffff : c);
	}
	gu->st.ip_tx++;
	neigh_output(gu, nic, nexthop, f);
	return 0;
}

void guest_icmp_send(struct guest *gu, uint32_t dst, uint8_t type, uint8_t code,
		     const uint8_t *rest4, const uint8_t *data, uint32_t dlen, uint32_t src)
{
	uint8_t buf[ICMP_HLEN + 1500];

	if (dlen > sizeof(buf) - ICMP_HLEN)
		dlen = sizeof(buf) - ICMP_HLEN;
	buf[0] = type;
	buf[1] = code;
	wr16(buf + 2, 0);
	memcpy(buf + 4, rest4, 4);
	memcpy(buf + ICMP_HLEN, data, dlen);
	wr16(buf + 2, csum_fold(csum_add(0, buf, ICMP_HLEN + dlen)));
	guest_ip_output(gu, dst, 1, buf, ICMP_HLEN + dlen, src);
}

static void icmp_input(struct guest *gu, uint32_t src, uint32_t dst, uint8_t ttl,
		       const uint8_t *m, uint32_t len, struct nic *nic)
{
	if (len < ICMP_HLEN || csum_fold(csum_add(0, m, len)) != 0) {
		nic->port->st.drops[DROP_BAD_PACKET]++;
		return;
	}
	switch (m[0]) {
	case 8:
		gu->st.icmp_echo_requests++;
		/* Answer from the address asked, unless it was a broadcast. */
		guest_icmp_send(gu, src, 0, 0, m + 4, m + ICMP_HLEN, len - ICMP_HLEN,
			  nic_is_bcast(nic, dst) ? 0 : dst);
		break;
	case 0:
		gu->st.icmp_echo_replies++;
		guest_ping_reply(gu, src, rd16(m + 4), rd16(m + 6), ttl, len);
		break;
	case 3:
		gu->st.icmp_unreachable_rx++;
		break;
	default:
		break;
	}
}

static bool udp_port_open(struct guest *gu, uint16_t port)
{
	for (int i = 0; i < gu->nudp_ports; i++)
		if (gu->udp_ports[i] == port)
			return true;
	return false;
}

static void udp_header(uint8_t *buf, uint16_t sport, uint16_t dport, const uint8_t *data,
		       uint32_t len)
{
	wr16(buf, sport);
	wr16(buf + 2, dport);
	wr16(buf + 4, (uint16_t)(UDP_HLEN + len));
	wr16(buf + 6, 0);
	memcpy(buf + UDP_HLEN, data, len);
}

void guest_udp_raw(struct nic *nic, const uint8_t *dmac, uint32_t src, uint32_t dst,
		   uint16_t sport, uint16_t dport, const uint8_t *data, uint32_t len)
{
	struct guest *gu = nic->guest;
	struct frame *f = eth_alloc(nic, dmac, ETH_P_IP, IP_HLEN + UDP_HLEN + len);
	uint8_t *ip, *u;
	uint32_t sum;
	uint16_t c;

	if (f == NULL)
		return;
	ip = f->data + ETH_HLEN;
	ip[0] = 0x45;
	wr16(ip + 2, (uint16_t)(IP_HLEN + UDP_HLEN + len));
	wr16(ip + 4, gu->ip_id++);
	ip[8] = 64;
	ip[9] = 17;
	wr32(ip + 12, src);
	wr32(ip + 16, dst);
	wr16(ip + 10, csum_fold(csum_add(0, ip, IP_HLEN)));
	u = ip + IP_HLEN;
	udp_header(u, sport, dport, data, len);
	sum = csum_add(0, ip + 12, 8) + 17 + UDP_HLEN + len;
	c = csum_fold(csum_add(sum, u, UDP_HLEN + len));
	wr16(u + 6, c ? c : 0xffff);
	gu->st.ip_tx++;
	nic_send(nic, f);
}

int guest_udp_output(struct guest *gu, uint32_t dst, uint16_t sport, uint16_t dport,
		     const uint8_t *data, uint32_t len, uint32_t src)
{
	uint8_t buf[UDP_HLEN + 1500];

	if (len > sizeof(buf) - UDP_HLEN)
		len = sizeof(buf) - UDP_HLEN;
	udp_header(buf, sport, dport, data, len);
	return guest_ip_output(gu, dst, 17, buf, UDP_HLEN + len, src);
}

static int udp_build_send(struct guest *gu, uint32_t dst, uint16_t sport, uint16_t dport,
			  const uint8_t *data, uint32_t len, uint32_t src)
{
	return guest_udp_output(gu, dst, sport, dport, data, len, src);
}

static void udp_input(struct guest *gu, const uint8_t *ip, const uint8_t *u, uint32_t len,
		      struct nic *nic)
{
	uint32_t src = rd32(ip + 12), dst = rd32(ip + 16);
	uint16_t sport, dport, ulen;

	if (len < UDP_HLEN || (ulen = rd16(u + 4)) < UDP_HLEN || ulen > len) {
		nic->port->st.drops[DROP_BAD_PACKET]++;
		return;
	}
	if (rd16(u + 6) != 0) {
		uint32_t sum = csum_add(0, ip + 12, 8) + 17 + ulen;

		if (csum_fold(csum_add(sum, u, ulen)) != 0) {
			nic->port->st.drops[DROP_BAD_PACKET]++;
			return;
		}
	}
	sport = rd16(u);
	dport = rd16(u + 2);
	if (dport == 68 && nic->dhcp != NULL) {
		dhcp_input(nic->dhcp, ip, u + UDP_HLEN, ulen - UDP_HLEN);
		return;
	}
	if (dns_input(gu, src, sport, dport, u + UDP_HLEN, ulen - UDP_HLEN))
		return;
	gu->st.udp_received++;
	if (dport == UDP_ECHO_PORT) {
		gu->st.udp_echoed++;
		udp_build_send(gu, src, UDP_ECHO_PORT, sport, u + UDP_HLEN, ulen - UDP_HLEN,
			       nic_is_bcast(nic, dst) ? 0 : dst);
		return;
	}
	if (dport == UDP_DISCARD_PORT)
		return;
	if (!udp_port_open(gu, dport)) {
		gu->st.udp_received--;
		nic->port->st.drops[DROP_UNREACHABLE_PORT]++;
		if (!nic_is_bcast(nic, dst)) {
			/* ICMP port unreachable quotes the IP header and 8 bytes. */
			static const uint8_t unused[4];
			uint32_t ihl = (uint32_t)(ip[0] & 0xf) * 4;

			guest_icmp_send(gu, src, 3, 3, unused, ip, ihl + 8, dst);
		}
	}
}

static void ip_input(struct guest *gu, struct nic *nic, struct frame *f)
{
	const uint8_t *ip = f->data + ETH_HLEN;
	uint32_t avail = f->len - ETH_HLEN, ihl, tot, src, dst;

	if (avail < IP_HLEN || (ip[0] >> 4) != 4 || (ihl = (uint32_t)(ip[0] & 0xf) * 4) < IP_HLEN ||
	    (tot = rd16(ip + 2)) < ihl || tot > avail || csum_fold(csum_add(0, ip, ihl)) != 0 ||
	    (rd16(ip + 6) & 0x3fff) != 0) {
		port_drop(nic->port, f, DROP_BAD_PACKET);
		return;
	}
	src = rd32(ip + 12);
	dst = rd32(ip + 16);
	/* A DHCP client takes its replies before it has the address. */
	if (nic->dhcp != NULL && ip[9] == 17 && tot >= ihl + UDP_HLEN && rd16(ip + ihl + 2) == 68 &&
	    (nic->ip == 0 || dst != nic->ip)) {
		trace_record(gu->node.g, nic->port, f, DEC_DELIVERED, 0, 0, false);
		gu->st.ip_rx++;
		udp_input(gu, ip, ip + ihl, tot - ihl, nic);
		frame_unref(f);
		return;
	}
	if (nic->ip == 0 || (dst != nic->ip && !nic_is_bcast(nic, dst))) {
		/* A host does not forward: not for this interface. */
		port_drop(nic->port, f, DROP_NOT_FOR_US);
		return;
	}
	trace_record(gu->node.g, nic->port, f, DEC_DELIVERED, 0, 0, false);
	gu->st.ip_rx++;
	if (ip[9] == 1)
		icmp_input(gu, src, dst, ip[8], ip + ihl, tot - ihl, nic);
	else if (ip[9] == 17)
		udp_input(gu, ip, ip + ihl, tot - ihl, nic);
	else if (ip[9] == 6 && dst == nic->ip)
		tcp_input(gu, nic, ip, ip + ihl, tot - ihl);
	frame_unref(f);
}

static void guest_input(struct node *n, struct port *in, struct frame *f)
{
	struct guest *gu = container_of(n, struct guest, node);
	struct nic *nic = in->priv;
	uint16_t type;

	if (f->len < ETH_HLEN) {
		port_drop(in, f, DROP_RUNT);
		return;
	}
	if (gu->kern != NULL) {
		kguest_input(gu, nic, f);
		return;
	}
	if (f->data[12] == 0x81 && f->data[13] == 0x00 && f->len >= 18) {
		/* 802.1Q: to the VLAN interface on this NIC, untagged. */
		uint16_t vid = rd16(f->data + 14) & 0xfff;
		struct nic *vif = NULL;
		struct frame *u;

		for (int i = gu->nnics; i < gu->nnics + gu->nvifs; i++)
			if (gu->nics[i]->parent == nic && gu->nics[i]->vid == vid)
				vif = gu->nics[i];
		if (vif == NULL) {
			port_drop(in, f, DROP_VLAN);
			trace_set_vid(n->g, vid);
			return;
		}
		u = frame_untagged_copy(f);
		frame_unref(f);
		if (u == NULL) {
			in->st.drops[DROP_NO_BUFFER]++;
			return;
		}
		f = u;
		nic = vif;
	}
	/* The NIC's receive filter: our MAC or broadcast; no multicast groups. */
	if (memcmp(f->data, nic->mac, 6) != 0 && !mac_is_broadcast(f->data)) {
		port_drop(in, f, DROP_NOT_FOR_US);
		return;
	}
	type = rd16(f->data + 12);
	if (type == ETH_P_ARP)
		arp_input(gu, nic, f);
	else if (type == ETH_P_IP)
		ip_input(gu, nic, f);
	else
		port_drop(in, f, DROP_NOT_FOR_US);
}

/* ---- sessions ------------------------------------------------------------ */

static void udp_flow_tick(void *arg)
{
	struct udp_flow *fl = arg;
	struct guest *gu = fl->guest;
	struct loop *l = gu->node.g->loop;
	uint8_t *buf;
	uint32_t len = fl->data ? (uint32_t)strlen(fl->data) : fl->size;

	buf = xcalloc(1, len ? len : 1);
	if (fl->data != NULL)
		memcpy(buf, fl->data, len);
	else
		for (uint32_t i = 0; i < len; i++)
			buf[i] = (uint8_t)('a' + i % 26);
	gu->st.udp_sent++;
	udp_build_send(gu, fl->dst, fl->sport, fl->dport, buf, len, 0);
	free(buf);
	if (--fl->left > 0)
		loop_timer_arm(l, &fl->timer, loop_now(l) + fl->interval);
}

int guest_udp_send(struct guest *gu, uint32_t dst, uint16_t dport, uint16_t sport,
		   uint32_t count, uint64_t interval, uint32_t size, const char *data, char *err)
{
	struct udp_flow *fl = NULL;

	if (count == 0 || count > PING_MAX_COUNT)
		return errf(err, "count must be 1..%u", PING_MAX_COUNT);
	if ((data ? strlen(data) : size) > UDP_MAX_SIZE)
		return errf(err, "payload is too large: at most %u bytes (no IP fragmentation)",
			    UDP_MAX_SIZE);
	/* Reuse a finished flow slot, else take a new one. */
	for (int i = 0; i < gu->nflows; i++) {
		if (gu->flows[i]->left == 0) {
			fl = gu->flows[i];
			free(fl->data);
			break;
		}
	}
	if (fl == NULL) {
		if (gu->nflows == GUEST_MAX_UDP_PORTS)
			return errf(err, "%s has %d UDP sends running, the most it keeps",
				    gu->node.name, GUEST_MAX_UDP_PORTS);
		fl = xcalloc(1, sizeof(*fl));
		gu->flows[gu->nflows++] = fl;
	}
	if (!udp_port_open(gu, sport) && gu->nudp_ports < GUEST_MAX_UDP_PORTS)
		gu->udp_ports[gu->nudp_ports++] = sport;
	fl->guest = gu;
	fl->dst = dst;
	fl->dport = dport;
	fl->sport = sport;
	fl->left = count;
	fl->size = size;
	fl->interval = interval;
	fl->data = data ? xstrdup(data) : NULL;
	timer_init(&fl->timer, udp_flow_tick, fl);
	udp_flow_tick(fl);
	return 0;
}

/* ---- node ---------------------------------------------------------------- */

static void guest_destroy(struct node *n)
{
	struct guest *gu = container_of(n, struct guest, node);
	struct loop *l = n->g->loop;

	while (gu->narp > 0)
		arp_remove(gu, gu->narp - 1);
	free(gu->arp);
	for (int i = 0; i < gu->npings; i++)
		guest_ping_free(gu->pings[i]);
	for (int i = 0; i < gu->nflows; i++) {
		loop_timer_disarm(l, &gu->flows[i]->timer);
		free(gu->flows[i]->data);
		free(gu->flows[i]);
	}
	tcp_free_all(gu);
	dns_free_all(gu);
	kguest_free(gu->kern);
	for (int i = 0; i < gu->nnics + gu->nvifs; i++) {
		if (gu->nics[i]->dhcp != NULL)
			dhcp_client_free(gu->nics[i]->dhcp);
		free(gu->nics[i]->id);
		free(gu->nics[i]);
	}
	free(gu);
}

static const struct node_ops guest_ops = {
	.kind = "guest",
	.input = guest_input,
	.destroy = guest_destroy,
};

struct guest *guest_new(struct graph *g, const char *name, int line)
{
	struct guest *gu = xcalloc(1, sizeof(*gu));

	node_init(&gu->node, g, &guest_ops, name, line);
	gu->arp_timeout = ARP_DEFAULT_TIMEOUT;
	/* Ping identifiers differ between guests, deterministically. */
	gu->ident_base = (uint16_t)(rng_hash(name) & 0xff00);
	gu->ip_id = (uint16_t)(rng_hash(name) >> 16);
	gu->tcp_next_port = (uint16_t)(49152 + (rng_hash(name) >> 24) % 1024);
	gu->listen[gu->nlisten++] = (struct tcp_listener){ .port = 7, .app = TCP_APP_ECHO };
	gu->listen[gu->nlisten++] = (struct tcp_listener){ .port = 9, .app = TCP_APP_DISCARD };
	return gu;
}

void guest_start(struct guest *gu)
{
	if (gu->kern != NULL) {
		kguest_start(gu);
		return;
	}
	for (int i = 0; i < gu->nnics; i++)
		if (gu->nics[i]->dhcp != NULL)
			dhcp_command(gu->nics[i], "start", NULL);
}

void guest_arp_flush_nic(struct guest *gu, int nic)
{
	for (int i = gu->narp - 1; i >= 0; i--)
		if (gu->arp[i]->nic == nic)
			arp_remove(gu, i);
}

struct guest *guest_from_node(struct node *n)
{
	return n != NULL && n->ops == &guest_ops ? container_of(n, struct guest, node) : NULL;
}

struct nic *guest_add_nic(struct guest *gu, const struct nic_model *model, int line)
{
	struct nic *nic;
	char id[16];

	if (gu->nnics == GUEST_MAX_NICS)
		return NULL;
	nic = xcalloc(1, sizeof(*nic));
	nic->guest = gu;
	nic->index = gu->nnics;
	snprintf(id, sizeof(id), "nic%d", gu->nnics);
	nic->id = xstrdup(id);
	nic->model = model;
	nic->vlan = -1;
	nic->line = line;
	gu->nics[gu->nnics++] = nic;
	return nic;
}

void guest_nic_attach(struct nic *nic)
{
	nic->port = port_new(&nic->guest->node, nic->id, nic->model->speed, nic->model->txqlen);
	nic->port->priv = nic;
}

struct nic *guest_add_vif(struct nic *parent, uint16_t vid)
{
	struct guest *gu = parent->guest;
	struct nic *v;

	if (gu->nvifs == GUEST_MAX_VIFS)
		return NULL;
	v = xcalloc(1, sizeof(*v));
	v->guest = gu;
	v->index = gu->nnics + gu->nvifs;
	xasprintf(&v->id, "%s.%u", parent->id, vid);
	v->model = parent->model;
	memcpy(v->mac, parent->mac, 6);
	v->vlan = -1;
	v->line = parent->line;
	v->port = parent->port;
	v->parent = parent;
	v->vid = vid;
	gu->nics[gu->nnics + gu->nvifs++] = v;
	return v;
}

struct nic *guest_find_nic(struct guest *gu, const char *id)
{
	for (int i = 0; i < gu->nnics + gu->nvifs; i++)
		if (strcmp(gu->nics[i]->id, id) == 0)
			return gu->nics[i];
	return NULL;
}

struct nic *guest_nic_named(struct guest *gu, const char *name)
{
	struct nic *nic = guest_find_nic(gu, name);
	uint64_t idx;

	if (nic == NULL && parse_u64(name, 0, GUEST_MAX_NICS - 1, &idx, NULL) == 0 &&
	    (int)idx < gu->nnics)
		nic = gu->nics[idx];
	return nic;
}

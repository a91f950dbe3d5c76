/*
 * The sim guests' IPv4: the route to a destination, IPv4 in and out, ICMP
 * (echo answers, pings' replies) and UDP (echo on port 7, discard on 9,
 * port unreachable, DHCP's and DNS's datagrams handed on), and the udp
 * command's timed sends. Frames go out through arp.c's neighbour output.
 */
#include "stack.h"

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

static uint32_t netmask(int prefix)
{
	return prefix_mask(prefix);
}

static bool nic_on_subnet(const struct nic *n, uint32_t ip)
{
	return n->ip != 0 && ((n->ip ^ ip) & netmask(n->prefix)) == 0;
}

/* The NIC whose subnet has ip, or NULL. */
static struct nic *nic_for(struct guest *gu, uint32_t ip)
{
	for (int i = 0; i < gu->nnics + gu->nvifs; i++)
		if (nic_on_subnet(gu->nics[i], ip))
			return gu->nics[i];
	return NULL;
}

struct nic *guest_route_which(struct guest *gu, uint32_t dst, uint32_t *nexthop, int *which)
{
	struct nic *best = NULL;
	int best_len = -1;

	for (int i = 0; i < gu->nnics + gu->nvifs; i++) {
		struct nic *n = gu->nics[i];

		if ((nic_on_subnet(n, dst) || (dst == 0xffffffffu && n->ip)) && n->prefix > best_len) {
			best = n;
			best_len = n->prefix;
			*nexthop = dst;
			*which = 0;
		}
	}
	/* Routes: the longest prefix; a subnet of its own wins a tie. */
	for (int i = 0; i < gu->nroutes; i++) {
		const struct guest_route *r = &gu->routes[i];
		struct nic *n;

		if (r->prefix <= best_len || ((dst ^ r->net) & netmask(r->prefix)) != 0)
			continue;
		if ((n = nic_for(gu, r->via)) == NULL)
			continue;       /* its gateway is on no subnet of ours (yet: DHCP) */
		best = n;
		best_len = r->prefix;
		*nexthop = r->via;
		*which = i + 1;
	}
	if (best == NULL && gu->gateway != 0 && (best = nic_for(gu, gu->gateway)) != NULL) {
		*nexthop = gu->gateway;
		*which = 255;
	}
	return best;
}

struct nic *guest_route(struct guest *gu, uint32_t dst, uint32_t *nexthop)
{
	int which;

	return guest_route_which(gu, dst, nexthop, &which);
}

void guest_route_text(const struct guest *gu, int which, char *buf, size_t len)
{
	char a[16], b[16];

	if (which >= 1 && which <= gu->nroutes) {
		const struct guest_route *r = &gu->routes[which - 1];

		snprintf(buf, len, "route %s/%d via %s (line %d)", fmt_ipv4(r->net, a), r->prefix,
			 fmt_ipv4(r->via, b), r->line);
	} else if (which == 255) {
		snprintf(buf, len, "its default gateway %s", fmt_ipv4(gu->gateway, a));
	} else {
		snprintf(buf, len, "a subnet of its own interfaces");
	}
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
	f = guest_eth_alloc(nic, NULL, ETH_P_IP, IP_HLEN + l4len);
	if (f == NULL)
		return -1;
	ip = f->data + ETH_HLEN;
	ip[0] = 0x45;
	ip[1] = 0;
	wr16(ip + 2, (uint16_t)(IP_HLEN + l4len));
	wr16(ip + 4, gu->ip_id++);
	wr16(ip + 6, 0x4000);   /* DF */
	ip[8] = gu->tx_ttl ? gu->tx_ttl : 64;
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
	guest_neigh_output(gu, nic, nexthop, f);
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
		port_count_drop(nic->port, DROP_BAD_PACKET);
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
		if (len >= ICMP_HLEN + IP_HLEN + 8)
			guest_ping_error(gu, src, m + ICMP_HLEN, len - ICMP_HLEN,
					 m[1] == 0 ? "Destination Net Unreachable" :
					 m[1] == 1 ? "Destination Host Unreachable" :
					 "Destination Unreachable");
		break;
	case 11:
		gu->st.icmp_time_exceeded_rx++;
		if (len >= ICMP_HLEN + IP_HLEN + 8)
			guest_ping_error(gu, src, m + ICMP_HLEN, len - ICMP_HLEN,
					 "Time to live exceeded");
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
	struct frame *f = guest_eth_alloc(nic, dmac, ETH_P_IP, IP_HLEN + UDP_HLEN + len);
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
	guest_nic_send(nic, f);
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
		port_count_drop(nic->port, DROP_BAD_PACKET);
		return;
	}
	if (rd16(u + 6) != 0) {
		uint32_t sum = csum_add(0, ip + 12, 8) + 17 + ulen;

		if (csum_fold(csum_add(sum, u, ulen)) != 0) {
			port_count_drop(nic->port, DROP_BAD_PACKET);
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
		port_count_drop(nic->port, DROP_UNREACHABLE_PORT);
		if (!nic_is_bcast(nic, dst)) {
			/* ICMP port unreachable quotes the IP header and 8 bytes. */
			static const uint8_t unused[4];
			uint32_t ihl = (uint32_t)(ip[0] & 0xf) * 4;

			guest_icmp_send(gu, src, 3, 3, unused, ip, ihl + 8, dst);
		}
	}
}

static struct nic *guest_nic_with(struct guest *gu, uint32_t ip)
{
	for (int i = 0; i < gu->nnics + gu->nvifs; i++)
		if (gu->nics[i]->ip == ip)
			return gu->nics[i];
	return NULL;
}

/* An ICMP error back to the packet's source: the IP header and the first
 * 8 bytes of its payload, as RFC 792 says. */
static void icmp_error(struct guest *gu, struct nic *in, const uint8_t *ip, uint32_t ihl,
		       uint32_t tot, uint8_t type, uint8_t code)
{
	static const uint8_t unused[4];
	uint8_t quote[60 + 8];
	uint32_t n = MIN(tot, ihl + 8);

	memcpy(quote, ip, n);
	guest_icmp_send(gu, rd32(ip + 12), type, code, unused, quote, n, in->ip);
}

/* forward = on: the packet goes on by the longest matching route, its TTL
 * one lower; TTL 1 gets ICMP time exceeded, no route ICMP network
 * unreachable (both counted drops). */
static void ip_forward(struct guest *gu, struct nic *in, struct frame *f, uint32_t ihl,
		       uint32_t tot)
{
	uint8_t *ip = f->data + ETH_HLEN, copy[60 + 8];
	uint32_t dst = rd32(ip + 16), nh = 0, qn = MIN(tot, ihl + 8);
	struct nic *out;
	struct frame *g;
	int which = 0;

	memcpy(copy, ip, qn);
	if (ip[8] <= 1) {
		gu->st.ttl_exceeded++;
		port_drop(in->port, f, DROP_TTL_EXCEEDED);
		icmp_error(gu, in, copy, ihl, qn, 11, 0);
		return;
	}
	if ((out = guest_route_which(gu, dst, &nh, &which)) == NULL) {
		gu->st.no_route++;
		port_drop(in->port, f, DROP_NO_ROUTE);
		icmp_error(gu, in, copy, ihl, qn, 3, 0);
		return;
	}
	if ((g = guest_eth_alloc(out, NULL, ETH_P_IP, tot)) == NULL) {
		port_drop(in->port, f, DROP_NO_BUFFER);
		return;
	}
	trace_record(gu->node.g, in->port, f, DEC_ROUTED, out->port->gid, (uint8_t)which, false);
	if (out->parent != NULL)
		trace_set_vid(gu->node.g, out->vid);    /* out of a VLAN interface */
	memcpy(g->data + ETH_HLEN, ip, tot);
	ip = g->data + ETH_HLEN;
	ip[8]--;
	wr16(ip + 10, 0);
	wr16(ip + 10, csum_fold(csum_add(0, ip, ihl)));
	frame_unref(f);
	gu->st.ip_forwarded++;
	guest_neigh_output(gu, out, nh, g);
}

void guest_ip_input(struct guest *gu, struct nic *nic, struct frame *f)
{
	const uint8_t *ip = f->data + ETH_HLEN;
	uint32_t avail = f->len - ETH_HLEN, ihl, tot, src, dst;
	struct nic *to = nic;           /* the interface that has dst */

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
		/* A host does not forward (not for this interface); a router
		 * (forward = on) does, unless the packet is for one of its own
		 * addresses on another interface. */
		struct nic *own = guest_nic_with(gu, dst);

		if (gu->forward && own != NULL) {
			to = own;       /* a router's address on another interface */
		} else if (gu->forward && (dst >> 28) != 14 && dst != 0xffffffffu) {
			ip_forward(gu, nic, f, ihl, tot);
			return;
		} else {
			port_drop(nic->port, f, DROP_NOT_FOR_US);
			return;
		}
	}
	trace_record(gu->node.g, nic->port, f, DEC_DELIVERED, 0, 0, false);
	gu->st.ip_rx++;
	if (ip[9] == 1)
		icmp_input(gu, src, dst, ip[8], ip + ihl, tot - ihl, nic);
	else if (ip[9] == 17)
		udp_input(gu, ip, ip + ihl, tot - ihl, nic);
	else if (ip[9] == 6 && dst == to->ip)
		tcp_input(gu, to, ip, ip + ihl, tot - ihl);
	frame_unref(f);
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
		VEC_RESERVE(gu->flows, gu->nflows, gu->flowscap);
		gu->flows[gu->nflows++] = fl;
	}
	if (!udp_port_open(gu, sport) && gu->nudp_ports < GUEST_MAX_UDP_PORTS) {
		VEC_RESERVE(gu->udp_ports, gu->nudp_ports, gu->udp_portscap);
		gu->udp_ports[gu->nudp_ports++] = sport;
	}
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

void guest_udp_free_all(struct guest *gu)
{
	struct loop *l = gu->node.g->loop;

	for (int i = 0; i < gu->nflows; i++) {
		loop_timer_disarm(l, &gu->flows[i]->timer);
		free(gu->flows[i]->data);
		free(gu->flows[i]);
	}
}

/*
 * The user netdev's frames, both ways. From libslirp: padded to 60 bytes,
 * and DHCP ACKs read on the way out to keep the lease table. From the
 * guests: 802.1Q tags stripped before slirp_input (libslirp drops tagged
 * ones), IPv4 fragments put together first (libslirp must not, see below),
 * and pings libslirp cannot send on dropped or told here.
 */
#include "usernet_internal.h"
#include "../core/util.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

/* ---- frames from libslirp ------------------------------------------------------ */

static void lease_seen(struct usernet *u, const uint8_t *mac, struct in_addr ip, uint32_t secs)
{
	struct user_lease *l = NULL;
	char m[18], a[16];

	for (int i = 0; i < u->nleases; i++)
		if (memcmp(u->leases[i].mac, mac, 6) == 0)
			l = &u->leases[i];
	if (l == NULL && u->nleases < USERNET_MAX_LEASES) {
		l = &u->leases[u->nleases++];
		memcpy(l->mac, mac, 6);
	}
	u->nd.st.dhcp_acks++;
	if (l == NULL)
		return;
	if (l->acks == 0 || l->ip.s_addr != ip.s_addr)
		netdev_event(&u->nd, "DHCP: %s gets %s for %us", fmt_mac(mac, m),
			     inet_ntop(AF_INET, &ip, a, sizeof(a)), secs);
	l->ip = ip;
	l->seconds = secs;
	l->granted = loop_now(L(u));
	l->acks++;
}

/* Reads a DHCP ACK libslirp sends, for the lease table. */
static void snoop_dhcp(struct usernet *u, const uint8_t *p, size_t len)
{
	const uint8_t *ip, *udp, *b, *opt, *end;
	uint32_t ihl, secs = 0;
	int type = 0;

	if (len < ETH_HLEN + 20 || rd16(p + 12) != 0x0800)
		return;
	ip = p + ETH_HLEN;
	ihl = (uint32_t)(ip[0] & 0xf) * 4;
	if (ip[9] != 17 || len < ETH_HLEN + ihl + 8 + 240)
		return;
	udp = ip + ihl;
	if (rd16(udp) != 67 || rd16(udp + 2) != 68)
		return;
	b = udp + 8;
	if (b[0] != 2 || rd32(b + 236) != 0x63825363u)
		return;
	end = p + len;
	for (opt = b + 240; opt < end && *opt != 255;) {
		if (*opt == 0) {
			opt++;
			continue;
		}
		if (opt + 2 > end || opt + 2 + opt[1] > end)
			break;
		if (opt[0] == 53 && opt[1] >= 1)
			type = opt[2];
		else if (opt[0] == 51 && opt[1] == 4)
			secs = rd32(opt + 2);
		opt += 2 + opt[1];
	}
	if (type == 5) {
		struct in_addr yi = { .s_addr = htonl(rd32(b + 16)) };

		lease_seen(u, b + 28, yi, secs);
	}
}

ssize_t usernet_send_packet(const void *buf, size_t len, void *opaque)
{
	struct usernet *u = opaque;
	struct netdev *nd = &u->nd;
	uint32_t flen = (uint32_t)MAX(len, ETH_MIN_LEN);
	struct frame *f;

	if (len > FRAME_MAX || len < ETH_HLEN) {
		port_count_drop(nd->port, DROP_BAD_PACKET);
		return (ssize_t)len;
	}
	snoop_dhcp(u, buf, len);
	f = frame_alloc(nd->node.g->pool, flen);
	if (f == NULL) {
		port_count_drop(nd->port, DROP_NO_BUFFER);
		return (ssize_t)len;    /* libslirp's TCP sends again */
	}
	f->born = loop_now(L(u));
	memcpy(f->data, buf, len);
	if (len < ETH_MIN_LEN) {
		memset(f->data + len, 0, ETH_MIN_LEN - len);
		nd->st.padded++;
	}
	netdev_enter(nd, f);
	return (ssize_t)len;
}

/* ---- frames from the topology --------------------------------------------- */

static bool is_ours(const struct usernet *u, uint32_t dst)
{
	if (dst == ntohl(u->cfg.vhost.s_addr) || dst == ntohl(u->cfg.vnameserver.s_addr))
		return true;
	if (u->smb != NULL && dst == ntohl(u->smbserver.s_addr))
		return true;
	for (int i = 0; i < u->nguestfwds; i++)
		if (dst == ntohl(u->guestfwds[i].addr.s_addr))
			return true;
	return false;
}

/* libslirp's own IPv6 addresses (its in6_equal_host): the host and the
 * DNS server, in the prefix or link-local with the same interface id. */
static bool is_ours6(const struct usernet *u, const uint8_t *dst)
{
	const struct in6_addr *mine[2] = { &u->cfg.vhost6, &u->cfg.vnameserver6 };

	for (int i = 0; i < 2; i++) {
		if (memcmp(dst, mine[i]->s6_addr, 16) == 0)
			return true;
		if (rd16(dst) == 0xfe80 && memcmp(dst + 2, "\0\0\0\0\0\0", 6) == 0 &&
		    memcmp(dst + 8, mine[i]->s6_addr + 8, 8) == 0)
			return true;
	}
	return false;
}

/* An IPv6 echo request for an address not libslirp's own: libslirp 4.7
 * cannot send it on and says so on stderr with a GLib critical, once per
 * packet, over the UI. It is dropped here instead, counted and told once.
 * Returns true when dropped. */
static bool drop_ping6(struct usernet *u, const uint8_t *p, uint32_t len)
{
	const uint8_t *ip = p + ETH_HLEN;
	char d[INET6_ADDRSTRLEN];

	if (!u->ipv6 || len < ETH_HLEN + 40 + 8 || rd16(p + 12) != 0x86dd ||
	    (ip[0] >> 4) != 6 || ip[6] != 58 || ip[40] != 128 || is_ours6(u, ip + 24))
		return false;
	u->nd.st.pings_lost++;
	if (!u->ping6_told) {
		u->ping6_told = true;
		inet_ntop(AF_INET6, ip + 24, d, sizeof(d));
		netdev_event(&u->nd, "ping %s is dropped: libslirp does not send IPv6 pings on", d);
	}
	return true;
}

/* An echo request that libslirp would have to send from the host. */
static void check_ping(struct usernet *u, const uint8_t *p, uint32_t len)
{
	const uint8_t *ip = p + ETH_HLEN;
	uint32_t ihl, dst;
	char d[16];

	if (len < ETH_HLEN + 28 || rd16(p + 12) != 0x0800 || (ip[0] >> 4) != 4 || ip[9] != 1)
		return;
	ihl = (uint32_t)(ip[0] & 0xf) * 4;
	if (len < ETH_HLEN + ihl + 8 || ip[ihl] != 8)
		return;
	dst = rd32(ip + 16);
	if (is_ours(u, dst) || (u->ping_ok && !u->cfg.restricted))
		return;
	u->nd.st.pings_lost++;
	if (u->ping_told)
		return;
	u->ping_told = true;
	fmt_ipv4(dst, d);
	if (u->cfg.restricted)
		netdev_event(&u->nd, "ping %s is dropped: restrict=on keeps the guests inside", d);
	else
		netdev_event(&u->nd, "ping %s cannot leave this host: %s", d, u->ping_why);
}

/* ---- IPv4 fragments from the guests --------------------------------------- */

/*
 * IPv4 fragments from the guests are put together here, and libslirp gets
 * whole datagrams only. libslirp 4.7 as distributions build it (-O2, so
 * strict aliasing) misreads its own reassembly list when a fragment goes in
 * front of every other one: a last fragment that comes first (alone, before
 * the others, or again after its datagram was whole) is taken for a whole
 * datagram, and slirp_input crashes the process. Here fragments may come in
 * any order, and more than once. A datagram is given up (reass_failed) 30 s
 * after its first fragment (libslirp's IPFRAGTTL), when USERNET_REASS newer
 * ones push it out, or when its fragments disagree: two different ends,
 * bytes past the end, more than 65535 bytes in all.
 */
#define REASS_TTL (30 * NS_PER_SEC)
#define REASS_WORDS ((USERNET_REASS_MAX + 63) / 64)

/* A fragment libslirp's ip_input would reassemble: its checks before it
 * does, all of them (a packet they refuse goes to libslirp as it is, to be
 * dropped there). ip is the IPv4 header, n the bytes from it on. */
static bool is_fragment(const struct usernet *u, const uint8_t *ip, uint32_t n)
{
	uint32_t hlen, sum = 0;

	if (!u->ipv4 || n < 20 || (ip[0] >> 4) != 4)
		return false;
	hlen = (uint32_t)(ip[0] & 0xf) * 4;
	if (hlen < 20 || hlen > n)
		return false;
	for (uint32_t i = 0; i < hlen; i += 2)
		sum += rd16(ip + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	if (sum != 0xffff || rd16(ip + 2) < hlen || rd16(ip + 2) > n || ip[8] == 0)
		return false;
	return (rd16(ip + 6) & 0x3fff) != 0;    /* more fragments, or an offset */
}

static void bits_set(uint64_t *b, uint32_t from, uint32_t to)
{
	for (; from < to && from % 64 != 0; from++)
		b[from / 64] |= 1ull << (from % 64);
	for (; to - from >= 64; from += 64)
		b[from / 64] = ~0ull;
	for (; from < to; from++)
		b[from / 64] |= 1ull << (from % 64);
}

static bool bits_all(const uint64_t *b, uint32_t to)
{
	uint32_t i = 0;

	for (; i + 64 <= to; i += 64)
		if (b[i / 64] != ~0ull)
			return false;
	for (; i < to; i++)
		if (!(b[i / 64] >> (i % 64) & 1))
			return false;
	return true;
}

static void reass_fail(struct usernet *u, struct user_reass *r)
{
	r->used = false;
	u->reass_failed++;
}

/* The datagram a fragment belongs to: found, or started (in a free slot,
 * or in the oldest one's). */
static struct user_reass *reass_find(struct usernet *u, const uint8_t *ip)
{
	uint64_t now = loop_now(L(u));
	struct user_reass *r = NULL;

	for (int i = 0; i < USERNET_REASS; i++) {
		struct user_reass *x = &u->reass[i];

		if (x->used && now >= x->until)
			reass_fail(u, x);
		if (x->used && x->src == rd32(ip + 12) && x->dst == rd32(ip + 16) &&
		    x->id == rd16(ip + 4) && x->proto == ip[9])
			return x;
	}
	for (int i = 0; i < USERNET_REASS && (r == NULL || r->used); i++)
		if (r == NULL || !u->reass[i].used || u->reass[i].until < r->until)
			r = &u->reass[i];
	if (r->used)
		reass_fail(u, r);
	if (r->data == NULL) {
		r->data = xmalloc(USERNET_REASS_MAX);
		r->got = xmalloc(REASS_WORDS * sizeof(*r->got));
	}
	memset(r->got, 0, REASS_WORDS * sizeof(*r->got));
	r->used = true;
	r->src = rd32(ip + 12);
	r->dst = rd32(ip + 16);
	r->id = rd16(ip + 4);
	r->proto = ip[9];
	r->until = now + REASS_TTL;
	r->hlen = r->total = r->reach = 0;
	return r;
}

/* A fragment (is_fragment said so), len bytes at p from the Ethernet header
 * on. Returns 0 while its datagram is not whole; then the length of the
 * whole datagram's frame, written to out (FRAME_MAX bytes; it may be p's
 * buffer: p is read first): the first fragment's Ethernet and IP headers,
 * the length and checksum made anew, no fragment bits. */
static uint32_t reass_input(struct usernet *u, const uint8_t *p, uint32_t len, uint8_t *out)
{
	const uint8_t *ip = p + ETH_HLEN;
	uint32_t hlen = (uint32_t)(ip[0] & 0xf) * 4, plen = rd16(ip + 2) - hlen;
	uint32_t off = (uint32_t)(rd16(ip + 6) & 0x1fff) * 8, end = off + plen;
	bool last = !(rd16(ip + 6) & 0x2000);
	struct user_reass *r = reass_find(u, ip);
	uint32_t sum = 0, n;

	(void)len;
	if (end > USERNET_REASS_MAX - 20 || (last && r->total != 0 && r->total != end) ||
	    (last && r->reach > end) || (r->total != 0 && end > r->total)) {
		reass_fail(u, r);
		return 0;
	}
	if (last)
		r->total = end;
	r->reach = MAX(r->reach, end);
	memcpy(r->data + off, ip + hlen, plen);
	bits_set(r->got, off, end);
	if (off == 0) {
		r->hlen = hlen;
		memcpy(r->hdr, ip, hlen);
		memcpy(r->eth, p, ETH_HLEN);
	}
	if (r->hlen == 0 || r->total == 0 || !bits_all(r->got, r->total))
		return 0;
	r->used = false;
	if (r->hlen + r->total > USERNET_REASS_MAX) {
		u->reass_failed++;
		return 0;
	}
	memcpy(out, r->eth, ETH_HLEN);
	memcpy(out + ETH_HLEN, r->hdr, r->hlen);
	ip = out + ETH_HLEN;
	wr16(out + ETH_HLEN + 2, (uint16_t)(r->hlen + r->total));
	wr16(out + ETH_HLEN + 6, 0);
	wr16(out + ETH_HLEN + 10, 0);
	for (uint32_t i = 0; i < r->hlen; i += 2)
		sum += rd16(ip + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	wr16(out + ETH_HLEN + 10, (uint16_t)~sum);
	n = ETH_HLEN + r->hlen;
	memcpy(out + n, r->data, r->total);
	u->reassembled++;
	return n + r->total;
}

/* ---- frames from the topology, continued ------------------------------------ */

void usernet_output(struct netdev *nd, struct frame *f)
{
	struct usernet *u = U(nd);
	uint8_t buf[FRAME_MAX];
	const uint8_t *p = f->data;
	uint32_t len = f->len;

	if (u->slirp == NULL) {
		port_drop(nd->port, f, DROP_NO_PEER);
		return;
	}
	trace_record(nd->node.g, nd->port, f, DEC_DELIVERED, 0, 0, false);
	/* libslirp drops tagged frames: strip 802.1Q (and 802.1ad) tags. */
	if (len >= ETH_HLEN + 4 && (rd16(p + 12) == 0x8100 || rd16(p + 12) == 0x88a8)) {
		uint32_t off = 12;

		while (off + 4 + 2 <= len && (rd16(p + off) == 0x8100 || rd16(p + off) == 0x88a8))
			off += 4;
		memcpy(buf, p, 12);
		memcpy(buf + 12, p + off, len - off);
		len = len - off + 12;
		p = buf;
		nd->st.tags_stripped++;
	}
	if (len >= ETH_HLEN && rd16(p + 12) == 0x0800 &&
	    is_fragment(u, p + ETH_HLEN, len - ETH_HLEN)) {
		len = reass_input(u, p, len, buf);
		if (len == 0) {
			frame_unref(f);
			return;
		}
		p = buf;
	}
	check_ping(u, p, len);
	if (!drop_ping6(u, p, len))
		slirp_input(u->slirp, p, (int)len);
	frame_unref(f);
	usernet_queue_cycle(u);
}

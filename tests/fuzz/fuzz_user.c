/*
 * The user netdev's glue around libslirp: frames from the topology go in
 * through usernet_output (802.1Q and 802.1ad tags stripped, the pings
 * libslirp cannot send counted, the rest to slirp_input), and what
 * libslirp sends comes back through its send_packet callback into the
 * topology, padded to 60 bytes, where guest g (10.0.2.15) answers its ARP
 * and takes its replies.
 *
 * restrict=on keeps libslirp inside the process, with no hostfwd and no
 * guestfwd: guest-initiated TCP (to 10.0.2.2 or anywhere) is answered with
 * a reset, UDP other than DHCP and TFTP (no tftp= here: an error reply) is
 * dropped, IPv4 pings are answered only for 10.0.2.2 and .3, IPv6 UDP is
 * dropped whole. That libslirp opened no host socket is checked after
 * every frame: it polls no fd at all.
 *
 * Checked per frame: a tagged frame is counted as stripped once, an echo
 * request libslirp would have to send from the host is a lost ping, and
 * every frame libslirp sends enters the topology at 60 bytes or more. IPv4
 * fragments are put together before libslirp sees them (usernet.c says
 * why); libslirp itself is not instrumented, so a crash inside it is what
 * shows there.
 *
 * Input: frames, each a 2-byte big-endian length and then the frame (the
 * stream vde_plug reads and writes). After each, 50 ms pass for libslirp's
 * timers; after the last, 3 s. A fresh sim per input.
 */
#include "fuzz.h"
#include "../../src/backends/user.h"

#include <arpa/inet.h>

#define TOPO \
	"[netdev u]\ntype = user\nrestrict = on\nvlan = 0\n" \
	"[guest g]\nnic = model=e1000,vlan=0,macaddr=52:54:00:12:34:56\nip = 10.0.2.15/24\n" \
	"gw = 10.0.2.2\n"

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The frame without its leading 802.1Q/802.1ad tags, as libslirp must see
 * it: a tag is stripped while a whole tag and an EtherType follow it. */
static uint32_t untagged(const uint8_t *f, uint32_t len, uint8_t *out)
{
	uint32_t off = 12;

	while (off + 6 <= len && (be16(f + off) == 0x8100 || be16(f + off) == 0x88a8))
		off += 4;
	memcpy(out, f, 12);
	memcpy(out + 12, f + off, len - off);
	return len - off + 12;
}

/* A well-formed echo request (IPv4 with a whole header, or IPv6 with ICMPv6
 * right after the header) for an address that is not the NAT's own: 1; an
 * echo request for the NAT, or no echo request: 0; anything else, such as
 * an IPv4 fragment (its datagram is counted once whole): -1 (not checked). */
static int lost_ping(const uint8_t *f, uint32_t len)
{
	static const uint8_t host6[16] = { 0xfe, 0xc0, [15] = 2 };
	static const uint8_t dns6[16] = { 0xfe, 0xc0, [15] = 3 };
	const uint8_t *ip = f + ETH_HLEN;

	if (len >= ETH_HLEN + 20 && be16(f + 12) == 0x0800 && ip[0] == 0x45 && ip[9] == 1 &&
	    (be16(ip + 6) & 0x3fff) == 0) {
		if (len < ETH_HLEN + 28)
			return -1;
		if (ip[20] != 8)
			return 0;
		return memcmp(ip + 16, "\x0a\x00\x02\x02", 4) != 0 &&
		       memcmp(ip + 16, "\x0a\x00\x02\x03", 4) != 0;
	}
	if (len >= ETH_HLEN + 48 && be16(f + 12) == 0x86dd && (ip[0] >> 4) == 6 && ip[6] == 58) {
		if (ip[40] != 128)
			return 0;
		if (ip[24] == 0xfe && ip[25] == 0x80)
			return -1;      /* link-local: the NAT's own by its interface id */
		return memcmp(ip + 24, host6, 16) != 0 && memcmp(ip + 24, dns6, 16) != 0;
	}
	if (be16(f + 12) == 0x0800 || be16(f + 12) == 0x86dd)
		return -1;
	return 0;
}

/* Every frame the netdev sent into the topology since trace record `from`
 * is 60 bytes or more; returns how many there were. */
static uint64_t check_sent(struct sim *s, struct netdev *nd, uint64_t from)
{
	struct trace *t = &s->g->trace;
	uint64_t n = 0;

	if (t->total - from > t->cap)
		from = t->total - t->cap;
	for (uint64_t i = from; i < t->total; i++) {
		const struct trace_rec *r = &t->ring[i % t->cap];

		if (r->port != nd->port->gid || r->decision != DEC_SENT)
			continue;
		if (r->len < ETH_MIN_LEN)
			abort();
		n++;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t plain[FRAME_MAX];
	struct sim *s;
	struct netdev *nd;
	struct usernet *u;
	char err[ERRLEN];
	uint64_t sent = 0, tx0;

	if (size > 1 << 16)
		return 0;
	s = fuzz_sim(TOPO, strlen(TOPO), NULL);
	if (s == NULL)
		abort();
	nd = netdev_from_node(graph_find_node(s->g, "u"));
	u = usernet_of(nd);
	if (u == NULL || !u->cfg.restricted || u->nhostfwds != 0 || u->nguestfwds != 0)
		abort();
	if (netdev_open(nd, err) < 0)
		abort();
	sim_start(s);
	tx0 = nd->port->st.tx_frames;
	while (size > 0) {
		uint32_t len = (uint32_t)fuzz_u8(&data, &size) << 8;
		uint64_t tags = nd->st.tags_stripped, lost = nd->st.pings_lost;
		uint64_t from = s->g->trace.total;
		struct frame *f;
		int want_lost;

		len |= fuzz_u8(&data, &size);
		len = (uint32_t)MIN(len, size);
		if (len >= ETH_HLEN) {
			bool tagged = len >= ETH_HLEN + 4 &&
				      (be16(data + 12) == 0x8100 || be16(data + 12) == 0x88a8);
			uint32_t plen = tagged ? untagged(data, len, plain) : len;

			want_lost = lost_ping(tagged ? plain : data, plen);
			f = frame_from_bytes(s->g->pool, data, len);
			if (f == NULL)
				abort();
			usernet_output(nd, f);
			if (nd->st.tags_stripped - tags != (uint64_t)tagged)
				abort();
			if (want_lost >= 0 && nd->st.pings_lost - lost != (uint64_t)want_lost)
				abort();
		}
		data += len;
		size -= len;
		loop_run(s->loop, loop_now(s->loop) + (size > 0 ? 50 : 3000) * NS_PER_MS);
		if (u->npfd != 0)
			abort();        /* libslirp has a host socket */
		sent += check_sent(s, nd, from);
	}
	/* Every frame libslirp sent was seen entering the topology. */
	if (s->g->trace.total <= s->g->trace.cap && nd->port->st.tx_frames - tx0 != sent)
		abort();
	if (nd->st.padded > nd->port->st.tx_frames)
		abort();
	sim_free(s);
	return 0;
}

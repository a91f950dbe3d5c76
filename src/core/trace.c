/*
 * Trace formatting: turns the compact records the hot path writes into the
 * lines people read. Formatting happens only when someone reads the trace
 * (--trace, the TUI), never per frame.
 */
#include "graph.h"
#include "stp.h"
#include "util.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char *dhcp_type_name(uint8_t t)
{
	static const char *const names[] = {
		[1] = "Discover", [2] = "Offer", [3] = "Request", [4] = "Decline",
		[5] = "ACK", [6] = "NAK", [7] = "Release", [8] = "Inform",
	};

	return t < ARRAY_SIZE(names) && names[t] != NULL ? names[t] : NULL;
}

/* Option 53 of a BOOTP message that starts at udp + 8. */
static uint8_t dhcp_type_udp(const uint8_t *udp, uint32_t len)
{
	const uint8_t *o;
	uint32_t left;

	if (len < 8 + 240 || rd32(udp + 8 + 236) != 0x63825363)
		return 0;
	o = udp + 8 + 240;
	left = len - 8 - 240;
	while (left > 0 && o[0] != 255) {
		if (o[0] == 0) {
			o++;
			left--;
			continue;
		}
		if (left < 2 || left < 2u + o[1])
			return 0;
		if (o[0] == 53 && o[1] == 1)
			return o[2];
		left -= 2u + o[1];
		o += 2u + o[1];
	}
	return 0;
}

uint8_t trace_dhcp_type(const uint8_t *data, uint32_t len)
{
	uint32_t off = ETH_HLEN, ihl;
	const uint8_t *udp;
	uint16_t sp, dp;

	if (len < ETH_HLEN + 20 || rd16(data + 12) != 0x0800 || (data[off] >> 4) != 4 ||
	    data[off + 9] != 17)
		return 0;
	ihl = (uint32_t)(data[off] & 0xf) * 4;
	if (len < off + ihl + 8)
		return 0;
	udp = data + off + ihl;
	sp = rd16(udp);
	dp = rd16(udp + 2);
	if (!((sp == 67 || sp == 68) && (dp == 67 || dp == 68)))
		return 0;
	return dhcp_type_udp(udp, len - off - ihl);
}

static void summary_ipv4(const uint8_t *ip, uint32_t len, uint8_t dhcp, char *buf, size_t n)
{
	char s[16], d[16];
	uint32_t ihl;
	const uint8_t *l4;
	uint32_t l4len;

	if (len < 20 || (ip[0] >> 4) != 4) {
		snprintf(buf, n, "IPv4, malformed");
		return;
	}
	ihl = (uint32_t)(ip[0] & 0xf) * 4;
	fmt_ipv4(rd32(ip + 12), s);
	fmt_ipv4(rd32(ip + 16), d);
	l4 = ip + ihl;
	l4len = len > ihl ? len - ihl : 0;
	switch (ip[9]) {
	case 1:
		if (l4len >= 8 && (l4[0] == 8 || l4[0] == 0))
			snprintf(buf, n, "IP %s > %s: ICMP echo %s, id %u, seq %u", s, d,
				 l4[0] == 8 ? "request" : "reply", rd16(l4 + 4), rd16(l4 + 6));
		else if (l4len >= 2 && l4[0] == 3)
			snprintf(buf, n, "IP %s > %s: ICMP unreachable, code %u", s, d, l4[1]);
		else
			snprintf(buf, n, "IP %s > %s: ICMP type %u", s, d, l4len ? l4[0] : 0);
		break;
	case 6:
		if (l4len >= 14) {
			static const char flagc[] = "FSRPAUEC";
			char fl[9];
			int k = 0;

			for (int i = 0; i < 8; i++)
				if (l4[13] & (1 << i))
					fl[k++] = flagc[i];
			fl[k] = '\0';
			snprintf(buf, n, "IP %s.%u > %s.%u: TCP [%s]", s, rd16(l4), d, rd16(l4 + 2),
				 k ? fl : "none");
		} else {
			snprintf(buf, n, "IP %s > %s: TCP", s, d);
		}
		break;
	case 17:
		if (l4len >= 8) {
			uint16_t sp = rd16(l4), dp = rd16(l4 + 2);

			if ((sp == 67 || sp == 68) && (dp == 67 || dp == 68)) {
				const char *t;

				if (dhcp == 0)
					dhcp = dhcp_type_udp(l4, l4len);
				t = dhcp_type_name(dhcp);
				if (l4len >= 16)
					snprintf(buf, n, "IP %s.%u > %s.%u: DHCP %s, xid 0x%08x", s, sp,
						 d, dp, t ? t : "(no type)", rd32(l4 + 12));
				else
					snprintf(buf, n, "IP %s.%u > %s.%u: BOOTP/DHCP", s, sp, d, dp);
			} else {
				snprintf(buf, n, "IP %s.%u > %s.%u: UDP, length %u", s, sp, d, dp,
					 rd16(l4 + 4) >= 8 ? rd16(l4 + 4) - 8 : 0);
			}
		} else {
			snprintf(buf, n, "IP %s > %s: UDP", s, d);
		}
		break;
	default:
		snprintf(buf, n, "IP %s > %s: proto %u", s, d, ip[9]);
	}
}

void frame_summary(const uint8_t *data, uint32_t len, char *buf, size_t n)
{
	frame_summary_dhcp(data, len, 0, buf, n);
}

/* STP/RSTP configuration and TCN BPDUs after the LLC header (42 42 03). */
static void summary_stp(const uint8_t *p, uint32_t plen, char *buf, size_t n)
{
	if (plen < 3 || p[0] != 0x42 || p[1] != 0x42 || p[2] != 0x03) {
		snprintf(buf, n, "STP, not LLC/BPDU");
		return;
	}
	p += 3;
	plen -= 3;
	if (plen >= 4 && p[3] == 0x80) {
		snprintf(buf, n, "STP 802.1d, Topology Change Notification");
	} else if (plen >= 35 && (p[3] == 0x00 || p[3] == 0x02)) {
		snprintf(buf, n,
			 "%s, %s, root %04x.%02x:%02x:%02x:%02x:%02x:%02x cost %u, "
			 "bridge %04x.%02x:%02x:%02x:%02x:%02x:%02x port %04x%s%s",
			 p[2] >= 2 ? "RSTP 802.1w" : "STP 802.1d",
			 p[3] == 0 ? "Config" : "Rapid/Multiple",
			 rd16(p + 5), p[7], p[8], p[9], p[10], p[11], p[12], rd32(p + 13),
			 rd16(p + 17), p[19], p[20], p[21], p[22], p[23], p[24], rd16(p + 25),
			 (p[4] & 1) ? ", TC" : "", (p[4] & 0x80) ? ", TC ack" : "");
	} else {
		snprintf(buf, n, "STP, BPDU type 0x%02x", plen >= 4 ? p[3] : 0);
	}
}

void frame_summary_dhcp(const uint8_t *data, uint32_t len, uint8_t dhcp, char *buf, size_t n)
{
	char tag[32] = "";
	uint16_t type;
	const uint8_t *p;
	uint32_t plen;
	size_t tl;

	if (len < ETH_HLEN) {
		snprintf(buf, n, "runt (%u bytes)", len);
		return;
	}
	type = rd16(data + 12);
	p = data + ETH_HLEN;
	plen = len - ETH_HLEN;
	if ((type == 0x8100 || type == 0x88a8) && plen >= 4) {
		snprintf(tag, sizeof(tag), "%s vlan %u, p %u, ", type == 0x8100 ? "802.1Q" : "802.1ad",
			 rd16(p) & 0xfff, rd16(p) >> 13);
		type = rd16(p + 2);
		p += 4;
		plen -= 4;
	}
	tl = strlen(tag);
	memcpy(buf, tag, MIN(tl + 1, n));
	if (tl >= n)
		return;
	buf += tl;
	n -= tl;
	if (data[0] == 0x01 && data[1] == 0x80 && data[2] == 0xc2 && data[3] == 0 &&
	    data[4] == 0 && data[5] == 0 && type < 0x0600) {
		summary_stp(p, MIN(plen, (uint32_t)type), buf, n);
		return;
	}
	switch (type) {
	case 0x0806:
		if (plen >= 28) {
			char a[16], b[16], m[18];
			uint16_t op = rd16(p + 6);

			fmt_ipv4(rd32(p + 24), a);
			fmt_ipv4(rd32(p + 14), b);
			if (op == 1)
				snprintf(buf, n, "ARP, Request who-has %s tell %s", a, b);
			else if (op == 2)
				snprintf(buf, n, "ARP, Reply %s is-at %s", b, fmt_mac(p + 8, m));
			else
				snprintf(buf, n, "ARP, op %u", op);
		} else {
			snprintf(buf, n, "ARP, truncated");
		}
		break;
	case 0x0800:
		summary_ipv4(p, plen, dhcp, buf, n);
		break;
	case 0x86dd:
		snprintf(buf, n, "IPv6");
		break;
	default:
		if (type < 0x0600)
			snprintf(buf, n, "802.3, length %u", type);
		else
			snprintf(buf, n, "ethertype 0x%04x", type);
	}
}

static const char *port_name(struct graph *g, uint32_t gid)
{
	return gid < g->nports ? g->ports[gid]->name : "?";
}

void trace_decision(struct graph *g, const struct trace_rec *r, char *buf, size_t len)
{
	char in_vlan[24] = "";
	const char *pn = port_name(g, r->port);

	if (r->vid != 0)
		snprintf(in_vlan, sizeof(in_vlan), " in VLAN %u", r->vid);
	switch (r->decision) {
	case DEC_FORWARDED:
		snprintf(buf, len, "forwarded -> %s%s", port_name(g, r->out_port), in_vlan);
		break;
	case DEC_FLOODED_UNKNOWN:
		snprintf(buf, len, "flooded: unknown destination%s (%u port%s)", in_vlan,
			 r->out_port, r->out_port == 1 ? "" : "s");
		break;
	case DEC_FLOODED_BCAST:
		snprintf(buf, len, "flooded: broadcast%s (%u port%s)", in_vlan, r->out_port,
			 r->out_port == 1 ? "" : "s");
		break;
	case DEC_FLOODED_MCAST:
		snprintf(buf, len, "flooded: multicast%s (%u port%s)", in_vlan, r->out_port,
			 r->out_port == 1 ? "" : "s");
		break;
	case DEC_FLOODED_HUB:
		snprintf(buf, len, "flooded: hub (%u port%s)", r->out_port,
			 r->out_port == 1 ? "" : "s");
		break;
	case DEC_MIRRORED:
		snprintf(buf, len, "mirrored -> %s (SPAN, %s)", port_name(g, r->out_port),
			 r->tx ? "sent" : "received");
		break;
	case DEC_ROUTED:
		snprintf(buf, len, "routed -> %s%s", port_name(g, r->out_port), in_vlan);
		break;
	case DEC_DROPPED:
		if (r->reason == DROP_SAME_PORT)
			snprintf(buf, len, "filtered: same port%s", in_vlan);
		else if (r->reason == DROP_VLAN)
			snprintf(buf, len, "dropped: VLAN %u not allowed on %s", r->vid, pn);
		else if (r->reason == DROP_NOT_FOR_US)
			snprintf(buf, len, "dropped: NIC filter: %s",
				 (r->hdr[0] & 1) ? "multicast group not joined" :
				 "unicast to another MAC");
		else if (r->reason == DROP_NO_PORT)
			snprintf(buf, len, "dropped: no other port%s to send to", in_vlan);
		else if (r->reason == DROP_UNTAGGED)
			snprintf(buf, len, "dropped: untagged, and %s has no native VLAN", pn);
		else if (r->reason == DROP_STP)
			snprintf(buf, len, "dropped: %s is %s (STP)", pn,
				 stp_state_name((enum stp_state)r->vid));
		else
			snprintf(buf, len, "dropped: %s", drop_reason_text(r->reason));
		break;
	default:
		snprintf(buf, len, "%s", decision_name(r->decision));
	}
}

/* What trace_explain's helpers need to know of a hop. */
struct explain {
	struct graph *g;
	const struct trace_rec *r;
	const char *node, *kind, *pname;        /* "?", "node", "?": no such port */
	char dst[18], src[18];
	char learn[80];                         /* " It learned SRC on PORT.", or "" */
	char peer[400];                         /* its node's describe(), or "a peer" */
};

/* A bridge found the destination in its MAC table. */
static void explain_forwarded(const struct explain *e, char *buf, size_t len)
{
	if (e->r->vid != 0) {
		snprintf(buf, len,
			 "Bridge %s got the frame on %s, in VLAN %u. Its MAC table for "
			 "VLAN %u has %s on %s, so it sent the frame out of that port "
			 "only.%s",
			 e->node, e->pname, e->r->vid, e->r->vid, e->dst,
			 port_name(e->g, e->r->out_port), e->learn);
		return;
	}
	snprintf(buf, len,
		 "Bridge %s got the frame on %s. Its MAC table has %s on %s, "
		 "so it sent the frame out of that port only.%s",
		 e->node, e->pname, e->dst, port_name(e->g, e->r->out_port), e->learn);
}

/* A bridge did not: it floods. */
static void explain_flooded_unknown(const struct explain *e, char *buf, size_t len)
{
	if (e->r->vid != 0) {
		snprintf(buf, len,
			 "Bridge %s got the frame on %s, in VLAN %u. %s is not in its "
			 "MAC table for VLAN %u (never seen there as a source, or aged "
			 "out), so it flooded the frame to every other port that is up "
			 "and carries VLAN %u: %u.%s",
			 e->node, e->pname, e->r->vid, e->dst, e->r->vid, e->r->vid, e->r->out_port,
			 e->learn);
		return;
	}
	snprintf(buf, len,
		 "Bridge %s got the frame on %s. %s is not in its MAC table "
		 "(never seen as a source, or aged out), so it flooded the frame "
		 "to every other port whose link is up: %u.%s",
		 e->node, e->pname, e->dst, e->r->out_port, e->learn);
}

/* To the broadcast address: every other port gets a copy. */
static void explain_flooded_bcast(const struct explain *e, char *buf, size_t len)
{
	if (e->r->vid != 0) {
		snprintf(buf, len,
			 "Bridge %s got the frame on %s, in VLAN %u. %s is the broadcast "
			 "address, so every other port that is up and carries VLAN %u "
			 "gets a copy (tagged on trunks, untagged on access ports): %u.%s",
			 e->node, e->pname, e->r->vid, e->dst, e->r->vid, e->r->out_port, e->learn);
		return;
	}
	snprintf(buf, len,
		 "%s %s got the frame on %s. %s is the broadcast address, so every "
		 "other port whose link is up gets a copy: %u.%s",
		 strcmp(e->kind, "bridge") == 0 ? "Bridge" : "Node", e->node, e->pname, e->dst,
		 e->r->out_port, e->learn);
}

/* To a multicast address: no snooping, so a flood. */
static void explain_flooded_mcast(const struct explain *e, char *buf, size_t len)
{
	snprintf(buf, len,
		 "Bridge %s got the frame on %s. %s is a multicast address and the "
		 "bridge does no multicast snooping, so it flooded the frame to "
		 "every other port whose link is up: %u.%s",
		 e->node, e->pname, e->dst, e->r->out_port, e->learn);
}

/* A hub repeats everything. */
static void explain_flooded_hub(const struct explain *e, char *buf, size_t len)
{
	snprintf(buf, len,
		 "Hub %s got the frame on %s. A hub (QEMU's \"vlan\") learns nothing "
		 "and repeats every frame to every other port whose link is up, "
		 "whatever its destination: %u.",
		 e->node, e->pname, e->r->out_port);
}

/* A guest's NIC took the frame, or a netdev passed it to its peer. */
static void explain_delivered(const struct explain *e, char *buf, size_t len)
{
	if (strcmp(e->kind, "netdev") == 0) {
		snprintf(buf, len,
			 "Netdev %s got the frame on %s and passed it to its peer outside "
			 "qnetsim (%s), padded to 60 bytes if shorter.",
			 e->node, e->pname, e->peer);
		return;
	}
	snprintf(buf, len,
		 "Guest %s's NIC %s accepted the frame: it was addressed to %s "
		 "(%s), and the guest's stack handled it.",
		 e->node, e->pname, e->dst,
		 e->r->hdr[0] == 0xff && e->r->hdr[1] == 0xff ? "broadcast" :
		 (e->r->hdr[0] & 1) ? "multicast" : "its own MAC");
}

/* A frame of the node's own: a bridge's BPDU, a netdev's from outside, a guest's. */
static void explain_sent(const struct explain *e, char *buf, size_t len)
{
	if (strcmp(e->kind, "bridge") == 0)
		snprintf(buf, len, "Bridge %s sent a frame of its own out of %s, from %s to "
				   "%s%s.", e->node, e->pname, e->src, e->dst,
			 memcmp(e->r->hdr, "\x01\x80\xc2\x00\x00\x00", 6) == 0 ?
			 ": a spanning-tree BPDU, how a bridge tells its neighbours what it "
			 "knows of the root. Bridges take BPDUs; they never forward them" : "");
	else if (strcmp(e->kind, "netdev") == 0)
		snprintf(buf, len, "Netdev %s received the frame from its peer outside "
				   "qnetsim (%s) and sent it into the topology out of %s, "
				   "from %s to %s.", e->node, e->peer, e->pname, e->src, e->dst);
	else
		snprintf(buf, len, "Guest %s sent the frame out of %s, from %s to %s.", e->node,
			 e->pname, e->src, e->dst);
}

/* A copy for a SPAN port. */
static void explain_mirrored(const struct explain *e, char *buf, size_t len)
{
	snprintf(buf, len,
		 "Bridge %s copied the frame %s %s to its mirror (SPAN) port %s, "
		 "unchanged, so whatever is plugged in there (a capture) sees "
		 "%s's traffic. The original went on as usual.",
		 e->node, e->r->tx ? "sent out of" : "received on", e->pname,
		 port_name(e->g, e->r->out_port), e->pname);
}

/* A BPDU the spanning tree took: a TCN or a configuration BPDU. */
static void explain_stp(const struct explain *e, char *buf, size_t len)
{
	if (e->r->hdr[20] == 0x80)
		snprintf(buf, len,
			 "Bridge %s took a topology change notification (TCN) on %s: a "
			 "bridge below it saw a port start or stop forwarding. It passes "
			 "the news towards the root and acknowledges it (TCA flag).",
			 e->node, e->pname);
	else {
		char root[32], br[32];

		stp_fmt_id(rd64(e->r->hdr + 22), root, sizeof(root));
		stp_fmt_id(rd64(e->r->hdr + 34), br, sizeof(br));
		snprintf(buf, len,
			 "Bridge %s took a configuration BPDU on %s, sent by bridge %s "
			 "(port 0x%04x): it names %s as root, at path cost %u from the "
			 "sender%s. The spanning tree compares this with what it knows "
			 "to choose the root, its root port and the designated ports. "
			 "BPDUs are never forwarded.",
			 e->node, e->pname, br, rd16(e->r->hdr + 42), root, rd32(e->r->hdr + 30),
			 (e->r->hdr[21] & 1) ? "; the TC flag is set (topology change: "
			 "MAC tables age quickly)" : "");
	}
}

/* A NIC's filter: the frame was for another MAC, or a group it has not
 * joined. */
static void explain_not_for_us(const struct explain *e, char *buf, size_t len)
{
	if (e->r->hdr[0] & 1)
		snprintf(buf, len,
			 "Guest %s's NIC %s dropped the frame: %s is a multicast "
			 "address the NIC has not joined (BPDUs go to "
			 "01:80:c2:00:00:00, for bridges only). A hub or a flooding "
			 "bridge sent it here anyway.",
			 e->node, e->pname, e->dst);
	else
		snprintf(buf, len,
			 "Guest %s's NIC %s dropped the frame: %s is not its MAC. A "
			 "hub or a flooding bridge sent it here anyway.",
			 e->node, e->pname, e->dst);
}

/* A flood with nowhere to go. */
static void explain_no_port(const struct explain *e, char *buf, size_t len)
{
	if (e->r->vid != 0)
		snprintf(buf, len,
			 "%s %s got the frame on %s, in VLAN %u, and had to flood it "
			 "(%s), but no other port is up, forwarding and in VLAN %u. "
			 "With nowhere to send it, the frame was dropped.",
			 strcmp(e->kind, "bridge") == 0 ? "Bridge" : "Hub", e->node, e->pname,
			 e->r->vid, (e->r->hdr[0] & 1) ? "a broadcast or multicast" :
			 "an unknown destination", e->r->vid);
	else if (strcmp(e->kind, "bridge") == 0)
		snprintf(buf, len,
			 "Bridge %s got the frame on %s and had to flood it, but no "
			 "other port can take it: none is up, forwarding (STP) and "
			 "not a mirror port. With nowhere to send it, the frame was "
			 "dropped.", e->node, e->pname);
	else
		snprintf(buf, len,
			 "Hub %s got the frame on %s and had to send it to every other "
			 "port, but no other port's link is up (or it has none). With "
			 "nowhere to send it, the frame was dropped.", e->node, e->pname);
}

/* Why a frame was dropped, by reason. */
static void explain_dropped(const struct explain *e, char *buf, size_t len)
{
	switch (e->r->reason) {
	case DROP_STP:
		snprintf(buf, len,
			 "Bridge %s got the frame on %s, which the spanning tree keeps %s: "
			 "%s. So the frame was dropped; this is how STP breaks loops.",
			 e->node, e->pname, stp_state_name((enum stp_state)e->r->vid),
			 e->r->vid == STP_LEARNING ?
			 "learning ports learn the source MAC but forward nothing yet" :
			 e->r->vid == STP_LISTENING ?
			 "a listening port waits forward_delay before it learns" :
			 "a blocking port is a redundant path to the root and forwards "
			 "nothing, only BPDUs are heard");
		break;
	case DROP_SAME_PORT:
		snprintf(buf, len,
			 "Bridge %s got the frame on %s, and its MAC table has %s on "
			 "that same port: the destination already heard it there, so "
			 "the bridge filtered it.%s",
			 e->node, e->pname, e->dst, e->learn);
		break;
	case DROP_NOT_FOR_US:
		explain_not_for_us(e, buf, len);
		break;
	case DROP_LINK_DOWN:
		snprintf(buf, len,
			 "%s is down (set_link off on it or on its peer), so the frame "
			 "was dropped %s.",
			 e->pname, e->r->tx ? "instead of being sent" : "as it arrived");
		break;
	case DROP_QUEUE_FULL:
		snprintf(buf, len,
			 "%s's transmit queue was full (txqlen frames waiting for the "
			 "wire), so the frame was dropped (drop-tail).",
			 e->pname);
		break;
	case DROP_LOSS:
		snprintf(buf, len,
			 "The link from %s loses frames at random (loss=), and this one "
			 "was lost on the wire.",
			 e->pname);
		break;
	case DROP_VLAN:
		snprintf(buf, len,
			 "Bridge %s %s a frame of VLAN %u %s %s. %s does not carry VLAN %u "
			 "(it is neither its access VLAN nor in its trunk list), so the "
			 "frame was dropped.",
			 e->node, e->r->tx ? "was to send" : "got", e->r->vid,
			 e->r->tx ? "out of" : "on", e->pname, e->pname, e->r->vid);
		break;
	case DROP_NO_PORT:
		explain_no_port(e, buf, len);
		break;
	case DROP_UNTAGGED:
		snprintf(buf, len,
			 "Bridge %s got an untagged frame on %s. That port is a trunk "
			 "with no native VLAN, so the frame belongs to no VLAN and was "
			 "dropped.",
			 e->node, e->pname);
		break;
	case DROP_QINQ:
		snprintf(buf, len,
			 "Bridge %s got a frame with an 802.1ad (QinQ, 0x88a8) outer tag "
			 "on %s. qnetsim's VLAN-aware bridges handle 802.1Q (0x8100) "
			 "tags only, so it was dropped.",
			 e->node, e->pname);
		break;
	case DROP_NO_PEER:
		snprintf(buf, len,
			 "Netdev %s has no peer to pass the frame to (%s), so it was "
			 "dropped, as QEMU drops frames while its socket is down.",
			 e->node, e->peer);
		break;
	case DROP_PEER_BACKLOG:
		snprintf(buf, len,
			 "Netdev %s's peer is not reading fast enough: its write queue "
			 "(queue= frames) is full, so the frame was dropped rather than "
			 "make the whole simulation wait.",
			 e->node);
		break;
	case DROP_PEER_ERROR:
		snprintf(buf, len,
			 "Netdev %s could not send the frame to its peer (%s), so it was "
			 "dropped.",
			 e->node, e->peer);
		break;
	default:
		snprintf(buf, len, "%s %s dropped the frame on %s: %s.", e->kind, e->node, e->pname,
			 drop_reason_text(e->r->reason));
	}
}

void trace_explain(struct graph *g, const struct trace_rec *r, char *buf, size_t len)
{
	const struct port *p = r->port < g->nports ? g->ports[r->port] : NULL;
	struct explain e = {
		.g = g,
		.r = r,
		.node = p != NULL ? p->node->name : "?",
		.kind = p != NULL ? p->node->ops->kind : "node",
		.pname = p != NULL ? p->name : "?",
		.peer = "a peer",
	};
	bool learns = p != NULL && strcmp(e.kind, "bridge") == 0 && !(r->hdr[6] & 1);

	fmt_mac(r->hdr, e.dst);
	fmt_mac(r->hdr + 6, e.src);
	if (p != NULL && p->node->ops->describe != NULL)
		p->node->ops->describe(p->node, e.peer, sizeof(e.peer));
	if (learns && r->vid != 0)
		snprintf(e.learn, sizeof(e.learn), " It learned %s on %s in VLAN %u.", e.src,
			 e.pname, r->vid);
	else if (learns)
		snprintf(e.learn, sizeof(e.learn), " It learned %s on %s.", e.src, e.pname);
	if (p != NULL && p->node->ops->explain != NULL && r->decision == DEC_ROUTED) {
		p->node->ops->explain(p->node, r, buf, len);
		return;
	}
	switch (r->decision) {
	case DEC_FORWARDED:
		explain_forwarded(&e, buf, len);
		break;
	case DEC_FLOODED_UNKNOWN:
		explain_flooded_unknown(&e, buf, len);
		break;
	case DEC_FLOODED_BCAST:
		explain_flooded_bcast(&e, buf, len);
		break;
	case DEC_FLOODED_MCAST:
		explain_flooded_mcast(&e, buf, len);
		break;
	case DEC_FLOODED_HUB:
		explain_flooded_hub(&e, buf, len);
		break;
	case DEC_DELIVERED:
		explain_delivered(&e, buf, len);
		break;
	case DEC_SENT:
		explain_sent(&e, buf, len);
		break;
	case DEC_MIRRORED:
		explain_mirrored(&e, buf, len);
		break;
	case DEC_STP:
		explain_stp(&e, buf, len);
		break;
	case DEC_DROPPED:
		explain_dropped(&e, buf, len);
		break;
	default:
		snprintf(buf, len, "%s", decision_name(r->decision));
	}
}

void trace_format(struct graph *g, const struct trace_rec *r, char *buf, size_t len)
{
	char src[18], dst[18], sum[200], what[96];

	fmt_mac(r->hdr + 6, src);
	fmt_mac(r->hdr, dst);
	frame_summary_dhcp(r->hdr, MIN(r->len, (uint32_t)TRACE_HDR), r->dhcp, sum, sizeof(sum));
	trace_decision(g, r, what, sizeof(what));
	snprintf(buf, len, "%" PRIu64 ".%06" PRIu64 " #%" PRIu64 " %s %s %s > %s len %u: %s | %s",
		 r->time / NS_PER_SEC, (r->time % NS_PER_SEC) / NS_PER_US, r->frame_id,
		 port_name(g, r->port), r->tx ? "out" : "in", src, dst, r->len, sum, what);
}

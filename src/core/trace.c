/*
 * Trace formatting: turns the compact records the hot path writes into the
 * lines people read. Formatting happens only when someone reads the trace
 * (--trace, the TUI), never per frame.
 */
#include "graph.h"
#include "util.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static void summary_ipv4(const uint8_t *ip, uint32_t len, char *buf, size_t n)
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

			if ((sp == 67 || sp == 68) && (dp == 67 || dp == 68))
				snprintf(buf, n, "IP %s.%u > %s.%u: BOOTP/DHCP", s, sp, d, dp);
			else
				snprintf(buf, n, "IP %s.%u > %s.%u: UDP, length %u", s, sp, d, dp,
					 rd16(l4 + 4) >= 8 ? rd16(l4 + 4) - 8 : 0);
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
	    data[4] == 0 && data[5] == 0) {
		snprintf(buf, n, "STP BPDU");
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
		summary_ipv4(p, plen, buf, n);
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

void trace_format(struct graph *g, const struct trace_rec *r, char *buf, size_t len)
{
	char src[18], dst[18], sum[160], what[96];
	const char *port = r->port < g->nports ? g->ports[r->port]->name : "?";

	fmt_mac(r->hdr + 6, src);
	fmt_mac(r->hdr, dst);
	frame_summary(r->hdr, MIN(r->len, (uint32_t)TRACE_HDR), sum, sizeof(sum));
	switch (r->decision) {
	case DEC_FORWARDED:
		snprintf(what, sizeof(what), "forwarded -> %s",
			 r->out_port < g->nports ? g->ports[r->out_port]->name : "?");
		break;
	case DEC_FLOODED_UNKNOWN:
	case DEC_FLOODED_BCAST:
	case DEC_FLOODED_MCAST:
	case DEC_FLOODED_HUB:
		snprintf(what, sizeof(what), "%s (%u ports)", decision_name(r->decision), r->out_port);
		break;
	case DEC_DROPPED:
		snprintf(what, sizeof(what), "dropped: %s", drop_reason_text(r->reason));
		break;
	default:
		snprintf(what, sizeof(what), "%s", decision_name(r->decision));
	}
	snprintf(buf, len, "%" PRIu64 ".%06" PRIu64 " #%" PRIu64 " %s %s > %s len %u: %s | %s",
		 r->time / NS_PER_SEC, (r->time % NS_PER_SEC) / NS_PER_US, r->frame_id, port, src,
		 dst, r->len, sum, what);
}

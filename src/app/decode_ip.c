/*
 * The frame decoder's IPv4, ICMP, UDP and TCP (decode.h). An ICMP error
 * shows the packet it carries, one level deeper, as Wireshark does.
 */
#include "decode_internal.h"
#include "../core/util.h"

#include <stdio.h>
#include <string.h>

static const struct dec_name ip_protos[] = {
	{ 1, "ICMP" }, { 2, "IGMP" }, { 4, "IPIP" }, { 6, "TCP" }, { 17, "UDP" },
	{ 41, "IPv6" }, { 47, "GRE" }, { 50, "ESP" }, { 51, "AH" }, { 58, "IPv6-ICMP" },
	{ 89, "OSPF IGP" }, { 103, "PIM" }, { 112, "VRRP" }, { 132, "SCTP" },
};

/* Differentiated services: the short name, then the long one. */
static const struct {
	uint8_t v;
	const char *brief, *name;
} dscps[] = {
	{ 0, "CS0", "Default" }, { 1, "LE", "Lower Effort" },
	{ 8, "CS1", "Class Selector 1" }, { 10, "AF11", "Assured Forwarding 11" },
	{ 12, "AF12", "Assured Forwarding 12" }, { 14, "AF13", "Assured Forwarding 13" },
	{ 16, "CS2", "Class Selector 2" }, { 18, "AF21", "Assured Forwarding 21" },
	{ 20, "AF22", "Assured Forwarding 22" }, { 22, "AF23", "Assured Forwarding 23" },
	{ 24, "CS3", "Class Selector 3" }, { 26, "AF31", "Assured Forwarding 31" },
	{ 28, "AF32", "Assured Forwarding 32" }, { 30, "AF33", "Assured Forwarding 33" },
	{ 32, "CS4", "Class Selector 4" }, { 34, "AF41", "Assured Forwarding 41" },
	{ 36, "AF42", "Assured Forwarding 42" }, { 38, "AF43", "Assured Forwarding 43" },
	{ 40, "CS5", "Class Selector 5" }, { 44, "VA", "Voice Admit" },
	{ 46, "EF PHB", "Expedited Forwarding" }, { 48, "CS6", "Class Selector 6" },
	{ 56, "CS7", "Class Selector 7" },
};

static const char *const ecn_brief[4] = { "Not-ECT", "ECT(1)", "ECT(0)", "CE" };
static const char *const ecn_names[4] = {
	"Not ECN-Capable Transport", "ECN-Capable Transport codepoint '01'",
	"ECN-Capable Transport codepoint '10'", "Congestion Experienced",
};

static void dec_tos(struct dec *c, uint32_t pos, uint8_t tos)
{
	const char *brief = "Unknown", *name = "Unknown";

	for (size_t i = 0; i < ARRAY_SIZE(dscps); i++)
		if (dscps[i].v == tos >> 2) {
			brief = dscps[i].brief;
			name = dscps[i].name;
		}
	dec_add(c, 1, pos, 1, "Differentiated Services Field: 0x%02x (DSCP: %s, ECN: %s)", tos,
		brief, ecn_brief[tos & 3]);
	dec_bits(c, 2, pos, 8, tos, 0xfc, "Differentiated Services Codepoint: %s (%u)", name,
		 tos >> 2);
	dec_bits(c, 2, pos, 8, tos, 0x03, "Explicit Congestion Notification: %s (%u)",
		 ecn_names[tos & 3], tos & 3);
}

static void dec_icmp(struct dec *c, uint32_t off, uint32_t end);
static void dec_udp(struct dec *c, uint32_t off, uint32_t end, bool inner);
static void dec_tcp(struct dec *c, uint32_t off, uint32_t end);

void dec_ipv4(struct dec *c, uint32_t off, uint32_t end, bool inner)
{
	const uint8_t *p = c->d + off;
	uint32_t ihl, tot, l4end;
	uint16_t fl;
	char s[16], d[16];

	if (end < off + 20 || (p[0] >> 4) != 4 || (p[0] & 15) < 5 || end < off + (p[0] & 15) * 4u) {
		dec_add(c, 0, off, end - off, "Internet Protocol Version 4");
		dec_short(c, 1, off, end, "IPv4 header");
		return;
	}
	ihl = (p[0] & 15) * 4u;
	tot = rd16(p + 2);
	fl = rd16(p + 6);
	dec_add(c, 0, off, ihl, "Internet Protocol Version 4, Src: %s, Dst: %s",
		fmt_ipv4(rd32(p + 12), s), fmt_ipv4(rd32(p + 16), d));
	dec_bits(c, 1, off, 8, p[0], 0xf0, "Version: 4");
	dec_bits(c, 1, off, 8, p[0], 0x0f, "Header Length: %u bytes (%u)", ihl, ihl / 4);
	dec_tos(c, off + 1, p[1]);
	dec_add(c, 1, off + 2, 2, "Total Length: %u", tot);
	dec_add(c, 1, off + 4, 2, "Identification: 0x%04x (%u)", rd16(p + 4), rd16(p + 4));
	dec_bits(c, 1, off + 6, 8, p[6], 0xe0, "Flags: 0x%x%s%s", p[6] >> 5,
		 fl & 0x4000 ? ", Don't fragment" : "", fl & 0x2000 ? ", More fragments" : "");
	dec_bits(c, 2, off + 6, 8, p[6], 0x80, "Reserved bit: %s", fl & 0x8000 ? "Set" : "Not set");
	dec_bits(c, 2, off + 6, 8, p[6], 0x40, "Don't fragment: %s", fl & 0x4000 ? "Set" : "Not set");
	dec_bits(c, 2, off + 6, 8, p[6], 0x20, "More fragments: %s", fl & 0x2000 ? "Set" : "Not set");
	dec_bits(c, 1, off + 6, 16, fl, 0x1fff, "Fragment Offset: %u", (fl & 0x1fffu) * 8);
	dec_add(c, 1, off + 8, 1, "Time to Live: %u", p[8]);
	dec_add(c, 1, off + 9, 1, "Protocol: %s (%u)",
		dec_name(ip_protos, ARRAY_SIZE(ip_protos), p[9], "Unknown"), p[9]);
	dec_add(c, 1, off + 10, 2, "Header Checksum: 0x%04x", rd16(p + 10));
	dec_add(c, 1, off + 12, 4, "Source Address: %s", s);
	dec_add(c, 1, off + 16, 4, "Destination Address: %s", d);
	if (ihl > 20)
		dec_add(c, 1, off + 20, ihl - 20, "Options: (%u bytes)", ihl - 20);
	/* A packet in an ICMP error is cut to what the error carries. */
	l4end = tot >= ihl ? MIN(end, off + tot) : end;
	if ((fl & 0x3fff) != 0) {
		/* A fragment: its bytes are not a whole layer above. */
		dec_data(c, off + ihl, l4end);
		return;
	}
	switch (p[9]) {
	case 1:
		dec_icmp(c, off + ihl, l4end);
		break;
	case 17:
		dec_udp(c, off + ihl, l4end, inner);
		break;
	case 6:
		dec_tcp(c, off + ihl, l4end);
		break;
	default:
		dec_data(c, off + ihl, l4end);
		break;
	}
}

/* ---- ICMP ---- */

static const struct dec_name icmp_types[] = {
	{ 0, "Echo (ping) reply" }, { 3, "Destination unreachable" }, { 4, "Source quench (flow control)" },
	{ 5, "Redirect" }, { 8, "Echo (ping) request" }, { 9, "Router advertisement" },
	{ 10, "Router solicitation" }, { 11, "Time-to-live exceeded" }, { 12, "Parameter problem" },
	{ 13, "Timestamp request" }, { 14, "Timestamp reply" },
};

static const struct dec_name unreach_codes[] = {
	{ 0, "Network unreachable" }, { 1, "Host unreachable" }, { 2, "Protocol unreachable" },
	{ 3, "Port unreachable" }, { 4, "Fragmentation needed" }, { 5, "Source route failed" },
	{ 6, "Destination network unknown" }, { 7, "Destination host unknown" },
	{ 9, "Network administratively prohibited" }, { 10, "Host administratively prohibited" },
	{ 13, "Communication administratively filtered" },
};

static const struct dec_name exceeded_codes[] = {
	{ 0, "Time to live exceeded in transit" }, { 1, "Fragment reassembly time exceeded" },
};

static void dec_icmp(struct dec *c, uint32_t off, uint32_t end)
{
	const uint8_t *p = c->d + off;
	const char *code = NULL;

	dec_add(c, 0, off, end - off, "Internet Control Message Protocol");
	if (end < off + 8) {
		dec_short(c, 1, off, end, "ICMP header");
		return;
	}
	if (p[0] == 3)
		code = dec_name(unreach_codes, ARRAY_SIZE(unreach_codes), p[1], "Unknown");
	else if (p[0] == 11)
		code = dec_name(exceeded_codes, ARRAY_SIZE(exceeded_codes), p[1], "Unknown");
	dec_add(c, 1, off, 1, "Type: %u (%s)", p[0],
		dec_name(icmp_types, ARRAY_SIZE(icmp_types), p[0], "Unknown ICMP (obsolete or malformed?)"));
	if (code != NULL)
		dec_add(c, 1, off + 1, 1, "Code: %u (%s)", p[1], code);
	else
		dec_add(c, 1, off + 1, 1, "Code: %u", p[1]);
	dec_add(c, 1, off + 2, 2, "Checksum: 0x%04x", rd16(p + 2));
	if (p[0] == 0 || p[0] == 8) {
		uint16_t id = rd16(p + 4), seq = rd16(p + 6);

		dec_add(c, 1, off + 4, 2, "Identifier (BE): %u (0x%04x)", id, id);
		dec_add(c, 1, off + 4, 2, "Identifier (LE): %u (0x%04x)", __builtin_bswap16(id), __builtin_bswap16(id));
		dec_add(c, 1, off + 6, 2, "Sequence Number (BE): %u (0x%04x)", seq, seq);
		dec_add(c, 1, off + 6, 2, "Sequence Number (LE): %u (0x%04x)", __builtin_bswap16(seq),
			__builtin_bswap16(seq));
		if (end > off + 8)
			dec_add(c, 1, off + 8, end - off - 8, "Data (%u bytes)", end - off - 8);
	} else if (p[0] == 3 || p[0] == 11) {
		dec_add(c, 1, off + 4, 4, "Unused: %08x", rd32(p + 4));
		if (end > off + 8 && c->base < 2) {
			c->base++;
			dec_ipv4(c, off + 8, end, true);
			c->base--;
		}
	} else if (end > off + 4) {
		dec_data(c, off + 4, end);
	}
}

/* ---- UDP ---- */

static void dec_udp(struct dec *c, uint32_t off, uint32_t end, bool inner)
{
	const uint8_t *p = c->d + off;
	uint16_t sp, dp, ulen;
	uint32_t pend;

	if (end < off + 8) {
		dec_add(c, 0, off, end - off, "User Datagram Protocol");
		dec_short(c, 1, off, end, "UDP header");
		return;
	}
	sp = rd16(p);
	dp = rd16(p + 2);
	ulen = rd16(p + 4);
	dec_add(c, 0, off, 8, "User Datagram Protocol, Src Port: %u, Dst Port: %u", sp, dp);
	dec_add(c, 1, off, 2, "Source Port: %u", sp);
	dec_add(c, 1, off + 2, 2, "Destination Port: %u", dp);
	dec_add(c, 1, off + 4, 2, "Length: %u", ulen);
	dec_add(c, 1, off + 6, 2, "Checksum: 0x%04x", rd16(p + 6));
	pend = ulen >= 8 ? MIN(end, off + ulen) : end;
	if (inner || pend <= off + 8)
		return;
	dec_add(c, 1, off + 8, pend - off - 8, "UDP payload (%u bytes)", pend - off - 8);
	if ((sp == 67 || sp == 68) && (dp == 67 || dp == 68))
		dec_dhcp(c, off + 8, pend);
	else if (sp == 53 || dp == 53)
		dec_dns(c, off + 8, pend);
	else
		dec_data(c, off + 8, pend);
}

/* ---- TCP ---- */

static void dec_tcp_flags(struct dec *c, uint32_t pos, uint16_t fl)
{
	static const char *const abbr[9] = { "FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "AE" };
	static const char *const names[9] = {
		"Fin", "Syn", "Reset", "Push", "Acknowledgment", "Urgent", "ECN-Echo",
		"Congestion Window Reduced", "Accurate ECN",
	};
	char list[64] = "";
	size_t k = 0;
	int r;

	fl &= 0x0fff;
	for (int i = 0; i < 9; i++)
		if (fl >> i & 1)
			k += (size_t)snprintf(list + k, sizeof(list) - k, "%s%s", k ? ", " : "", abbr[i]);
	dec_add(c, 1, pos, 2, "Flags: 0x%03x (%s)", fl, k ? list : "<None>");
	/* Each bit shows over the one byte it is in. */
	r = dec_bits(c, 2, pos, 12, fl, 0xe00, "Reserved: %s", fl & 0xe00 ? "Set" : "Not set");
	if (r >= 0)
		c->out[r].size = 1;
	for (int i = 8; i >= 0; i--) {
		int l = dec_bits(c, 2, pos, 12, fl, 1u << i, "%s: %s", names[i],
				 fl >> i & 1 ? "Set" : "Not set");

		if (l >= 0) {
			c->out[l].pos = pos + (i < 8);
			c->out[l].size = 1;
		}
	}
}

static void dec_tcp_options(struct dec *c, uint32_t off, uint32_t end)
{
	dec_add(c, 1, off, end - off, "Options: (%u bytes)", end - off);
	for (uint32_t o = off; o < end;) {
		const uint8_t *p = c->d + o;
		uint32_t olen = p[0] <= 1 ? 1 : o + 1 < end ? p[1] : 0;

		if (olen < 1 || o + olen > end || (p[0] > 1 && olen < 2)) {
			dec_short(c, 2, o, end, "TCP option");
			return;
		}
		if (p[0] == 0)
			dec_add(c, 2, o, 1, "TCP Option - End of Option List (EOL)");
		else if (p[0] == 1)
			dec_add(c, 2, o, 1, "TCP Option - No-Operation (NOP)");
		else if (p[0] == 2 && olen == 4)
			dec_add(c, 2, o, 4, "TCP Option - Maximum segment size: %u bytes", rd16(p + 2));
		else if (p[0] == 3 && olen == 3)
			dec_add(c, 2, o, 3, "TCP Option - Window scale: %u (multiply by %u)", p[2],
				1u << MIN(p[2], 14));
		else if (p[0] == 4 && olen == 2)
			dec_add(c, 2, o, 2, "TCP Option - SACK permitted");
		else if (p[0] == 8 && olen == 10)
			dec_add(c, 2, o, 10, "TCP Option - Timestamps: TSval %u, TSecr %u", rd32(p + 2),
				rd32(p + 6));
		else
			dec_add(c, 2, o, olen, "TCP Option - Unknown (%u), %u bytes", p[0], olen);
		if (p[0] == 0)
			return;
		o += olen;
	}
}

static void dec_tcp(struct dec *c, uint32_t off, uint32_t end)
{
	const uint8_t *p = c->d + off;
	uint32_t hl;
	uint16_t sp, dp;

	if (end < off + 20 || end < off + (p[12] >> 4) * 4u || (p[12] >> 4) < 5) {
		dec_add(c, 0, off, end - off, "Transmission Control Protocol");
		dec_short(c, 1, off, end, "TCP header");
		return;
	}
	hl = (p[12] >> 4) * 4u;
	sp = rd16(p);
	dp = rd16(p + 2);
	dec_add(c, 0, off, hl, "Transmission Control Protocol, Src Port: %u, Dst Port: %u", sp, dp);
	dec_add(c, 1, off, 2, "Source Port: %u", sp);
	dec_add(c, 1, off + 2, 2, "Destination Port: %u", dp);
	dec_add(c, 1, off + 4, 4, "Sequence Number (raw): %u", rd32(p + 4));
	dec_add(c, 1, off + 8, 4, "Acknowledgment number (raw): %u", rd32(p + 8));
	dec_bits(c, 1, off + 12, 8, p[12], 0xf0, "Header Length: %u bytes (%u)", hl, hl / 4);
	dec_tcp_flags(c, off + 12, rd16(p + 12));
	dec_add(c, 1, off + 14, 2, "Window: %u", rd16(p + 14));
	dec_add(c, 1, off + 16, 2, "Checksum: 0x%04x", rd16(p + 16));
	dec_add(c, 1, off + 18, 2, "Urgent Pointer: %u", rd16(p + 18));
	if (hl > 20)
		dec_tcp_options(c, off + 20, off + hl);
	if (end > off + hl) {
		dec_add(c, 1, off + hl, end - off - hl, "TCP payload (%u bytes)", end - off - hl);
		dec_data(c, off + hl, end);
	}
}

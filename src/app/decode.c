/*
 * The frame decoder's frame and its link layer: Ethernet II, IEEE 802.3
 * with LLC, 802.1Q, the spanning tree's BPDUs and ARP. IPv4 and above are
 * in decode_ip.c, DHCP and DNS in decode_app.c.
 */
#include "decode_internal.h"
#include "../core/frame.h"
#include "../core/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int dec_add(struct dec *c, int depth, uint32_t pos, uint32_t size, const char *fmt, ...)
{
	struct dline *l;
	va_list ap;

	if (c->n >= c->max)
		return -1;
	l = &c->out[c->n];
	l->pos = pos;
	l->size = size;
	l->depth = (uint8_t)MIN(depth + c->base, 15);
	va_start(ap, fmt);
	vsnprintf(l->text, sizeof(l->text), fmt, ap);
	va_end(ap);
	return c->n++;
}

int dec_bits(struct dec *c, int depth, uint32_t pos, int width, uint32_t word, uint32_t mask,
	     const char *fmt, ...)
{
	char bits[48], text[DECODE_TEXT];
	size_t k = 0;
	va_list ap;

	for (int i = width - 1; i >= 0; i--) {
		bits[k++] = (mask >> i & 1) ? (char)('0' + (word >> i & 1)) : '.';
		if (i % 4 == 0 && i > 0)
			bits[k++] = ' ';
	}
	bits[k] = '\0';
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return dec_add(c, depth, pos, (uint32_t)(width + 7) / 8, "%s = %s", bits, text);
}

void dec_short(struct dec *c, int depth, uint32_t pos, uint32_t end, const char *layer)
{
	dec_add(c, depth, pos, end > pos ? end - pos : 0, "[%s cut short: %u bytes left]", layer,
		end > pos ? end - pos : 0);
}

const char *dec_name(const struct dec_name *t, size_t n, uint32_t v, const char *dflt)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].v == v)
			return t[i].name;
	return dflt;
}

char *dec_hex(const uint8_t *p, uint32_t n, char *buf, size_t len)
{
	static const char ellipsis[] = "\u2026";
	size_t k = 0;
	uint32_t shown = MIN(n, (uint32_t)DEC_HEX_MAX);

	buf[0] = '\0';
	for (uint32_t i = 0; i < shown && k + 3 <= len; i++, k += 2)
		snprintf(buf + k, 3, "%02x", p[i]);
	if (shown < n && k + sizeof(ellipsis) <= len)
		memcpy(buf + k, ellipsis, sizeof(ellipsis));
	return buf;
}

char *dec_secs(uint32_t s, char *buf, size_t len)
{
	static const struct {
		uint32_t secs;
		const char *name;
	} units[] = { { 86400, "day" }, { 3600, "hour" }, { 60, "minute" }, { 1, "second" } };
	size_t k = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		uint32_t v = s / units[i].secs;

		s %= units[i].secs;
		if (v == 0)
			continue;
		k += (size_t)snprintf(buf + k, len - MIN(k, len), "%s%u %s%s", k ? ", " : "", v,
				      units[i].name, v == 1 ? "" : "s");
		if (k >= len)
			break;
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "0 seconds");
	return buf;
}

void dec_data(struct dec *c, uint32_t off, uint32_t end)
{
	if (end > off)
		dec_add(c, 0, off, end - off, "Data (%u bytes)", end - off);
}

/* ---- Ethernet ---- */

static const struct dec_name ethertypes[] = {
	{ 0x0800, "IPv4" }, { 0x0806, "ARP" }, { 0x8100, "802.1Q Virtual LAN" },
	{ 0x86dd, "IPv6" }, { 0x88a8, "802.1ad Provider Bridge (Q-in-Q)" },
	{ 0x88cc, "802.1 Link Layer Discovery Protocol (LLDP)" }, { 0x8035, "RARP" },
	{ 0x88e5, "802.1AE (MACsec)" }, { 0x8847, "MPLS label switched packet" },
};

static void dec_mac(struct dec *c, uint32_t pos, const char *what)
{
	const uint8_t *m = c->d + pos;
	uint32_t word = (uint32_t)rd16(m) << 8 | m[2];
	char s[18];

	fmt_mac(m, s);
	dec_add(c, 1, pos, 6, "%s: %s", what, s);
	dec_add(c, 2, pos, 6, "Address: %s", s);
	dec_bits(c, 2, pos, 24, word, 0x020000, "LG bit: %s", m[0] & 2 ?
		 "Locally administered address (this is NOT the factory default)" :
		 "Globally unique address (factory default)");
	dec_bits(c, 2, pos, 24, word, 0x010000, "IG bit: %s", m[0] & 1 ?
		 "Group address (multicast/broadcast)" : "Individual address (unicast)");
}

/* The bytes the layer above says it has, from off: the rest is padding. */
static uint32_t payload_end(const struct dec *c, uint16_t type, uint32_t off)
{
	if (type == 0x0806 && c->len >= off + 28)
		return off + 28;
	if (type == 0x0800 && c->len >= off + 20 && (c->d[off] >> 4) == 4) {
		uint32_t tot = rd16(c->d + off + 2);

		if (tot >= 20 && off + tot <= c->len)
			return off + tot;
	}
	return c->len;
}

#define ETH_MIN_LEN 60u   /* a minimal frame, without its FCS */

/* What follows the layer above: padding up to the 60 bytes of a minimal
 * frame, then a trailer. */
static void dec_padding(struct dec *c, uint32_t from)
{
	uint32_t pad_end = MIN(c->len, MAX(from, ETH_MIN_LEN));
	char hex[DEC_HEX_LEN];

	if (from < pad_end)
		dec_add(c, 1, from, pad_end - from, "Padding: %s",
			dec_hex(c->d + from, pad_end - from, hex, sizeof(hex)));
	from = MAX(from, pad_end);
	if (from < c->len)
		dec_add(c, 1, from, c->len - from, "Trailer: %s",
			dec_hex(c->d + from, c->len - from, hex, sizeof(hex)));
}

static void dec_type(struct dec *c, uint32_t pos, uint16_t type)
{
	dec_add(c, 1, pos, 2, "Type: %s (0x%04x)",
		dec_name(ethertypes, ARRAY_SIZE(ethertypes), type, "Unknown"), type);
}

static void dec_l3(struct dec *c, uint16_t type, uint32_t off, uint32_t end);

static const char *const priorities[8] = {
	"Best Effort (default)", "Background", "Excellent Effort", "Critical Applications",
	"Video, < 100ms latency and jitter", "Voice, < 10ms latency and jitter",
	"Internetwork Control", "Network Control",
};

static void dec_vlan(struct dec *c, uint32_t off)
{
	uint16_t tci, type;
	uint32_t end;

	if (c->len < off + 4) {
		dec_add(c, 0, off, c->len - off, "802.1Q Virtual LAN");
		dec_short(c, 1, off, c->len, "802.1Q");
		return;
	}
	tci = rd16(c->d + off);
	type = rd16(c->d + off + 2);
	dec_add(c, 0, off, 4, "802.1Q Virtual LAN, PRI: %u, DEI: %u, ID: %u", tci >> 13,
		tci >> 12 & 1, tci & 0xfff);
	dec_bits(c, 1, off, 16, tci, 0xe000, "Priority: %s (%u)", priorities[tci >> 13], tci >> 13);
	dec_bits(c, 1, off, 16, tci, 0x1000, "DEI: %s", tci & 0x1000 ? "Eligible" : "Ineligible");
	dec_bits(c, 1, off, 16, tci, 0x0fff, "ID: %u", tci & 0xfff);
	dec_type(c, off + 2, type);
	end = payload_end(c, type, off + 4);
	/* The padding belongs to the 802.1Q layer when a tag is there. */
	if (type != 0x8100 && type != 0x88a8)
		dec_padding(c, end);
	dec_l3(c, type, off + 4, end);
}

/* ---- LLC and the spanning tree ---- */

static const struct dec_name saps[] = {
	{ 0x42, "Spanning Tree BPDU" }, { 0xaa, "SNAP" }, { 0x06, "TCP/IP" },
	{ 0xe0, "NetWare" }, { 0xf0, "NetBIOS" }, { 0xfe, "ISO Network Layer" },
};

static void dec_bridge_id(struct dec *c, uint32_t pos, const char *what, const char *sub)
{
	const uint8_t *p = c->d + pos;
	char mac[18];

	fmt_mac(p + 2, mac);
	dec_add(c, 1, pos, 8, "%s Identifier: %u / %u / %s", what, rd16(p) & 0xf000,
		rd16(p) & 0x0fff, mac);
	dec_add(c, 2, pos, 1, "%s Priority: %u", sub, rd16(p) & 0xf000);
	dec_add(c, 2, pos, 2, "%s System ID Extension: %u", sub, rd16(p) & 0x0fff);
	dec_add(c, 2, pos + 2, 6, "%s System ID: %s", sub, mac);
}

static void dec_stp(struct dec *c, uint32_t off, uint32_t end)
{
	static const struct dec_name versions[] = {
		{ 0, "Spanning Tree" }, { 2, "Rapid Spanning Tree" }, { 3, "Multiple Spanning Tree" },
	};
	static const struct dec_name types[] = {
		{ 0x00, "Configuration" }, { 0x80, "Topology Change Notification" },
		{ 0x02, "Rapid/Multiple Spanning Tree" },
	};
	static const char *const times[] = { "Message Age", "Max Age", "Hello Time", "Forward Delay" };
	const uint8_t *p = c->d + off;
	uint8_t fl;

	dec_add(c, 0, off, end - off, "Spanning Tree Protocol");
	if (end < off + 4) {
		dec_short(c, 1, off, end, "BPDU");
		return;
	}
	dec_add(c, 1, off, 2, "Protocol Identifier: %s (0x%04x)",
		rd16(p) == 0 ? "Spanning Tree Protocol" : "Unknown", rd16(p));
	dec_add(c, 1, off + 2, 1, "Protocol Version Identifier: %s (%u)",
		dec_name(versions, ARRAY_SIZE(versions), p[2], "Unknown"), p[2]);
	dec_add(c, 1, off + 3, 1, "BPDU Type: %s (0x%02x)",
		dec_name(types, ARRAY_SIZE(types), p[3], "Unknown"), p[3]);
	if (p[3] == 0x80)
		return;
	if (end < off + 35) {
		dec_short(c, 1, off + 4, end, "BPDU");
		return;
	}
	fl = p[4];
	dec_add(c, 1, off + 4, 1, "BPDU flags: 0x%02x%s%s", fl, fl & 0x80 ?
		", Topology Change Acknowledgment" : "", fl & 1 ? ", Topology Change" : "");
	dec_bits(c, 2, off + 4, 8, fl, 0x80, "Topology Change Acknowledgment: %s",
		 fl & 0x80 ? "Yes" : "No");
	dec_bits(c, 2, off + 4, 8, fl, 0x01, "Topology Change: %s", fl & 1 ? "Yes" : "No");
	dec_bridge_id(c, off + 5, "Root", "Root Bridge");
	dec_add(c, 1, off + 13, 4, "Root Path Cost: %u", rd32(p + 13));
	dec_bridge_id(c, off + 17, "Bridge", "Bridge");
	dec_add(c, 1, off + 25, 2, "Port identifier: 0x%04x", rd16(p + 25));
	for (int i = 0; i < 4; i++)
		dec_add(c, 1, off + 27 + 2 * (uint32_t)i, 2, "%s: %g", times[i],
			rd16(p + 27 + 2 * i) / 256.0);
}

static void dec_llc(struct dec *c, uint32_t off, uint32_t end)
{
	const uint8_t *p = c->d + off;
	const char *dsap, *ssap;

	dec_add(c, 0, off, MIN(3u, end - off), "Logical-Link Control");
	if (end < off + 3) {
		dec_short(c, 1, off, end, "LLC");
		return;
	}
	dsap = dec_name(saps, ARRAY_SIZE(saps), p[0] & 0xfe, "Unknown");
	ssap = dec_name(saps, ARRAY_SIZE(saps), p[1] & 0xfe, "Unknown");
	dec_add(c, 1, off, 1, "DSAP: %s (0x%02x)", dsap, p[0]);
	dec_bits(c, 2, off, 8, p[0], 0xfe, "SAP: %s", dsap);
	dec_bits(c, 2, off, 8, p[0], 0x01, "IG Bit: %s", p[0] & 1 ? "Group" : "Individual");
	dec_add(c, 1, off + 1, 1, "SSAP: %s (0x%02x)", ssap, p[1]);
	dec_bits(c, 2, off + 1, 8, p[1], 0xfe, "SAP: %s", ssap);
	dec_bits(c, 2, off + 1, 8, p[1], 0x01, "CR Bit: %s", p[1] & 1 ? "Response" : "Command");
	if (p[2] == 0x03) {
		dec_add(c, 1, off + 2, 1, "Control field: U, func=UI (0x03)");
		dec_bits(c, 2, off + 2, 8, p[2], 0xec, "Command: Unnumbered Information (0x00)");
		dec_bits(c, 2, off + 2, 8, p[2], 0x03, "Frame type: Unnumbered frame (0x3)");
	} else {
		dec_add(c, 1, off + 2, 1, "Control field: 0x%02x", p[2]);
	}
	if (p[0] == 0x42 && p[1] == 0x42 && p[2] == 0x03)
		dec_stp(c, off + 3, end);
	else
		dec_data(c, off + 3, end);
}

/* ---- ARP ---- */

void dec_arp(struct dec *c, uint32_t off, uint32_t end)
{
	const uint8_t *p = c->d + off;
	char sm[18], tm[18], si[16], ti[16], kind_buf[32];
	const char *kind = kind_buf;
	uint16_t op;
	bool grat;

	if (end < off + 28 || rd16(p) != 1 || rd16(p + 2) != 0x0800 || p[4] != 6 || p[5] != 4) {
		dec_add(c, 0, off, end - off, "Address Resolution Protocol");
		dec_short(c, 1, off, end, "ARP for IPv4 over Ethernet");
		return;
	}
	op = rd16(p + 6);
	grat = rd32(p + 14) == rd32(p + 24);
	/* Wireshark's names for the requests of RFC 5227's address checks. */
	if (op == 1 && grat && rd32(p + 18) == 0 && rd16(p + 22) == 0)
		kind = "ARP Announcement";
	else if (op == 1 && rd32(p + 14) == 0 && rd32(p + 18) == 0 && rd16(p + 22) == 0)
		kind = "ARP Probe";
	else
		snprintf(kind_buf, sizeof(kind_buf), "%s%s", op == 1 ? "request" : op == 2 ? "reply" :
			 "opcode", grat ? "/gratuitous ARP" : "");
	dec_add(c, 0, off, 28, "Address Resolution Protocol (%s)", kind);
	dec_add(c, 1, off, 2, "Hardware type: Ethernet (1)");
	dec_add(c, 1, off + 2, 2, "Protocol type: IPv4 (0x0800)");
	dec_add(c, 1, off + 4, 1, "Hardware size: 6");
	dec_add(c, 1, off + 5, 1, "Protocol size: 4");
	dec_add(c, 1, off + 6, 2, "Opcode: %s (%u)",
		op == 1 ? "request" : op == 2 ? "reply" : "Unknown", op);
	dec_add(c, 1, off + 8, 6, "Sender MAC address: %s", fmt_mac(p + 8, sm));
	dec_add(c, 1, off + 14, 4, "Sender IP address: %s", fmt_ipv4(rd32(p + 14), si));
	dec_add(c, 1, off + 18, 6, "Target MAC address: %s", fmt_mac(p + 18, tm));
	dec_add(c, 1, off + 24, 4, "Target IP address: %s", fmt_ipv4(rd32(p + 24), ti));
}

/* ---- The frame ---- */

static void dec_l3(struct dec *c, uint16_t type, uint32_t off, uint32_t end)
{
	switch (type) {
	case 0x8100:
	case 0x88a8:
		if (c->tags++ < DEC_MAX_TAGS)
			dec_vlan(c, off);
		else
			dec_data(c, off, end);
		break;
	case 0x0806:
		dec_arp(c, off, end);
		break;
	case 0x0800:
		dec_ipv4(c, off, end, false);
		break;
	default:
		dec_data(c, off, end);
		break;
	}
}

int frame_decode(const uint8_t *data, uint32_t len, struct dline *out, int max)
{
	struct dec c = { .d = data, .len = len, .out = out, .max = max };
	char src[18], dst[18];
	uint16_t type;
	uint32_t end;

	if (len < ETH_HLEN) {
		dec_add(&c, 0, 0, len, "Ethernet");
		dec_short(&c, 1, 0, len, "Ethernet header");
		return c.n;
	}
	fmt_mac(data + 6, src);
	fmt_mac(data, dst);
	type = rd16(data + 12);
	if (type < 0x0600) {
		/* IEEE 802.3: a length, then LLC. */
		end = MIN(len, (uint32_t)ETH_HLEN + type);
		dec_add(&c, 0, 0, ETH_HLEN, "IEEE 802.3 Ethernet ");
		dec_mac(&c, 0, "Destination");
		dec_mac(&c, 6, "Source");
		dec_add(&c, 1, 12, 2, "Length: %u", type);
		dec_padding(&c, end);
		dec_llc(&c, ETH_HLEN, end);
		return c.n;
	}
	dec_add(&c, 0, 0, ETH_HLEN, "Ethernet II, Src: %s, Dst: %s", src, dst);
	dec_mac(&c, 0, "Destination");
	dec_mac(&c, 6, "Source");
	dec_type(&c, 12, type);
	end = payload_end(&c, type, ETH_HLEN);
	if (type != 0x8100 && type != 0x88a8)
		dec_padding(&c, end);
	dec_l3(&c, type, ETH_HLEN, end);
	return c.n;
}

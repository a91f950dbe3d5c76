/*
 * The frame decoder's DHCP (BOOTP with its options) and DNS (decode.h).
 */
#include "decode_internal.h"
#include "../core/util.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* ---- DHCP ---- */

/* DHCP options by code, in the words Wireshark 4.0 names them (without
 * the editorial notes in brackets some of its names carry). */
static const char *const dhcp_opt_names[256] = {
	[0] = "Padding", [1] = "Subnet Mask", [2] = "Time Offset", [3] = "Router",
	[4] = "Time Server", [5] = "Name Server", [6] = "Domain Name Server", [7] = "Log Server",
	[8] = "Quotes Server", [9] = "LPR Server", [10] = "Impress Server",
	[11] = "Resource Location Server", [12] = "Host Name", [13] = "Boot File Size",
	[14] = "Merit Dump File", [15] = "Domain Name", [16] = "Swap Server", [17] = "Root Path",
	[18] = "Extensions Path", [19] = "IP Forwarding", [20] = "Non-Local Source Routing",
	[21] = "Policy Filter", [22] = "Maximum Datagram Reassembly Size",
	[23] = "Default IP Time-to-Live", [24] = "Path MTU Aging Timeout",
	[25] = "Path MTU Plateau Table", [26] = "Interface MTU", [27] = "All Subnets are Local",
	[28] = "Broadcast Address", [29] = "Perform Mask Discovery", [30] = "Mask Supplier",
	[31] = "Perform Router Discover", [32] = "Router Solicitation Address",
	[33] = "Static Route", [34] = "Trailer Encapsulation", [35] = "ARP Cache Timeout",
	[36] = "Ethernet Encapsulation", [37] = "TCP Default TTL", [38] = "TCP Keepalive Interval",
	[39] = "TCP Keepalive Garbage", [40] = "Network Information Service Domain",
	[41] = "Network Information Service Servers", [42] = "Network Time Protocol Servers",
	[43] = "Vendor-Specific Information", [44] = "NetBIOS over TCP/IP Name Server",
	[45] = "NetBIOS over TCP/IP Datagram Distribution Name Server",
	[46] = "NetBIOS over TCP/IP Node Type", [47] = "NetBIOS over TCP/IP Scope",
	[48] = "X Window System Font Server", [49] = "X Window System Display Manager",
	[50] = "Requested IP Address", [51] = "IP Address Lease Time", [52] = "Option Overload",
	[53] = "DHCP Message Type", [54] = "DHCP Server Identifier",
	[55] = "Parameter Request List", [56] = "Message", [57] = "Maximum DHCP Message Size",
	[58] = "Renewal Time Value", [59] = "Rebinding Time Value",
	[60] = "Vendor class identifier", [61] = "Client identifier",
	[62] = "Novell/Netware IP domain", [63] = "Novell Options",
	[64] = "Network Information Service+ Domain", [65] = "Network Information Service+ Servers",
	[66] = "TFTP Server Name", [67] = "Bootfile name", [68] = "Mobile IP Home Agent",
	[69] = "SMTP Server", [70] = "POP3 Server", [71] = "NNTP Server",
	[72] = "Default WWW Server", [73] = "Default Finger Server", [74] = "Default IRC Server",
	[75] = "StreetTalk Server", [76] = "StreetTalk Directory Assistance Server",
	[77] = "User Class Information", [78] = "Directory Agent Information",
	[79] = "Service Location Agent Scope", [80] = "Rapid commit",
	[81] = "Client Fully Qualified Domain Name", [82] = "Agent Information Option",
	[83] = "iSNS", [84] = "Removed/Unassigned", [85] = "Novell Directory Services Servers",
	[86] = "Novell Directory Services Tree Name", [87] = "Novell Directory Services Context",
	[88] = "BCMCS Controller Domain Name",
	[89] = "BCMCS Controller IPv4 address", [90] = "Authentication",
	[91] = "Client last transaction time", [92] = "Associated IP option",
	[93] = "Client System Architecture", [94] = "Client Network Device Interface",
	[95] = "LDAP", [96] = "Removed/Unassigned",
	[97] = "UUID/GUID-based Client Identifier",
	[98] = "Open Group's User Authentication",
	[99] = "Civic Addresses Configuration", [100] = "PCode", [101] = "TCode",
	[102] = "Removed/unassigned", [103] = "Removed/unassigned", [104] = "Removed/unassigned",
	[105] = "Removed/unassigned", [106] = "Removed/unassigned", [107] = "Removed/unassigned",
	[108] = "IPv6-Only Preferred", [109] = "Unassigned", [110] = "Removed/Unassigned",
	[111] = "Unassigned", [112] = "NetInfo Parent Server Address",
	[113] = "NetInfo Parent Server Tag", [114] = "DHCP Captive-Portal",
	[115] = "Removed/Unassigned", [116] = "DHCP Auto-Configuration",
	[117] = "Name Service Search", [118] = "Subnet Selection Option", [119] = "Domain Search",
	[120] = "SIP Servers", [121] = "Classless Static Route",
	[122] = "CableLabs Client Configuration",
	[123] = "Coordinate-based Location Configuration", [124] = "V-I Vendor Class",
	[125] = "V-I Vendor-specific Information", [126] = "Removed/Unassigned",
	[127] = "Removed/Unassigned", [128] = "DOCSIS full security server IP",
	[129] = "PXE - undefined (vendor specific)", [130] = "PXE - undefined (vendor specific)",
	[131] = "PXE - undefined (vendor specific)", [132] = "PXE - undefined (vendor specific)",
	[133] = "PXE - undefined (vendor specific)", [134] = "PXE - undefined (vendor specific)",
	[135] = "PXE - undefined (vendor specific)", [136] = "PANA Authentication Agent",
	[137] = "LoST Server Domain Name", [138] = "CAPWAP Access Controllers",
	[139] = "IPv4 Address-MoS", [140] = "IPv4 FQDN-MoS", [141] = "SIP UA Configuration Domains",
	[142] = "IPv4 Address ANDSF",
	[143] = "Zerotouch Redirect",
	[144] = "Geospatial Location", [145] = "Forcerenew Nonce Capable",
	[146] = "RDNSS Selection", [147] = "Unassigned", [148] = "Unassigned", [149] = "Unassigned",
	[150] = "TFTP Server Address", [151] = "Leasequery Status code",
	[152] = "Leasequery Base Time", [153] = "Leasequery Start Time of State",
	[154] = "Leasequery Query Start Time", [155] = "Leasequery Query End Time",
	[156] = "Leasequery Dhcp State", [157] = "Leasequery Data Source", [158] = "PCP Server",
	[159] = "Portparams", [160] = "Unassigned (ex DHCP Captive-Portal)",
	[161] = "Manufacturer Usage Description", [162] = "Unassigned", [163] = "Unassigned",
	[164] = "Unassigned", [165] = "Unassigned", [166] = "Unassigned", [167] = "Unassigned",
	[168] = "Unassigned", [169] = "Unassigned", [170] = "Unassigned", [171] = "Unassigned",
	[172] = "Unassigned", [173] = "Unassigned", [174] = "Unassigned", [175] = "Etherboot",
	[176] = "IP Telephone", [177] = "Etherboot", [178] = "Unassigned", [179] = "Unassigned",
	[180] = "Unassigned", [181] = "Unassigned", [182] = "Unassigned", [183] = "Unassigned",
	[184] = "Unassigned", [185] = "Unassigned", [186] = "Unassigned", [187] = "Unassigned",
	[188] = "Unassigned", [189] = "Unassigned", [190] = "Unassigned", [191] = "Unassigned",
	[192] = "Unassigned", [193] = "Unassigned", [194] = "Unassigned", [195] = "Unassigned",
	[196] = "Unassigned", [197] = "Unassigned", [198] = "Unassigned", [199] = "Unassigned",
	[200] = "Unassigned", [201] = "Unassigned", [202] = "Unassigned", [203] = "Unassigned",
	[204] = "Unassigned", [205] = "Unassigned", [206] = "Unassigned", [207] = "Unassigned",
	[208] = "PXELINUX Magic", [209] = "PXE Configuration file", [210] = "PXE Path Prefix",
	[211] = "Reboot Time", [212] = "6RD", [213] = "V4 Access Domain", [214] = "Unassigned",
	[215] = "Unassigned", [216] = "Unassigned", [217] = "Unassigned", [218] = "Unassigned",
	[219] = "Unassigned", [220] = "Subnet Allocation", [221] = "Virtual Subnet Selection",
	[222] = "Unassigned", [223] = "Unassigned", [224] = "Private", [225] = "Private",
	[226] = "Private", [227] = "Private", [228] = "Private", [229] = "Private",
	[230] = "Private", [231] = "Private", [232] = "Private", [233] = "Private",
	[234] = "Private", [235] = "Private", [236] = "Private", [237] = "Private",
	[238] = "Private", [239] = "Private", [240] = "Private", [241] = "Private",
	[242] = "Private/Avaya IP Telephone", [243] = "Private", [244] = "Private",
	[245] = "Private", [246] = "Private", [247] = "Private", [248] = "Private",
	[249] = "Private/Classless Static Route (Microsoft)", [250] = "Private", [251] = "Private",
	[252] = "Private/Proxy autodiscovery", [253] = "Private", [254] = "Private", [255] = "End",
};

static const char *dhcp_opt(uint8_t code)
{
	return dhcp_opt_names[code] != NULL ? dhcp_opt_names[code] : "Unknown";
}

static const char *const dhcp_types[] = {
	[1] = "Discover", [2] = "Offer", [3] = "Request", [4] = "Decline",
	[5] = "ACK", [6] = "NAK", [7] = "Release", [8] = "Inform",
};

static const char *dhcp_type(uint8_t t)
{
	return t < ARRAY_SIZE(dhcp_types) && dhcp_types[t] != NULL ? dhcp_types[t] : "Unknown";
}

/* The value lines of one option, whose value is len bytes at pos. */
static void dhcp_value(struct dec *c, uint8_t code, uint32_t pos, uint32_t len)
{
	const uint8_t *v = c->d + pos;
	const char *name = dhcp_opt(code);
	char a[16], t[64], s[DECODE_TEXT];

	switch (code) {
	case 1: case 28: case 50: case 54:
		if (len == 4) {
			dec_add(c, 2, pos, 4, "%s: %s", name, fmt_ipv4(rd32(v), a));
			return;
		}
		break;
	case 3: case 6: case 42: case 44:
		if (len % 4 == 0) {
			for (uint32_t i = 0; i < len; i += 4)
				dec_add(c, 2, pos + i, 4, "%s: %s", name, fmt_ipv4(rd32(v + i), a));
			return;
		}
		break;
	case 51: case 58: case 59:
		if (len == 4) {
			dec_add(c, 2, pos, 4, "%s: (%us) %s", name, rd32(v),
				dec_secs(rd32(v), t, sizeof(t)));
			return;
		}
		break;
	case 53:
		if (len == 1) {
			dec_add(c, 2, pos, 1, "DHCP: %s (%u)", dhcp_type(v[0]), v[0]);
			return;
		}
		break;
	case 57: case 26:
		if (len == 2) {
			dec_add(c, 2, pos, 2, "%s: %u", name, rd16(v));
			return;
		}
		break;
	case 55:
		for (uint32_t i = 0; i < len; i++)
			dec_add(c, 2, pos + i, 1, "Parameter Request List Item: (%u) %s", v[i],
				dhcp_opt(v[i]));
		return;
	case 61:
		if (len == 7 && v[0] == 1) {
			dec_add(c, 2, pos, 1, "Hardware type: Ethernet (0x01)");
			dec_add(c, 2, pos + 1, 6, "Client MAC address: %s", fmt_mac(v + 1, t));
			return;
		}
		break;
	case 12: case 15: case 60: case 66: case 67: case 56: {
		size_t k = 0;

		for (uint32_t i = 0; i < len && k + 1 < sizeof(s); i++)
			s[k++] = isprint(v[i]) ? (char)v[i] : '.';
		s[k] = '\0';
		dec_add(c, 2, pos, len, "%s: %s", name, s);
		return;
	}
	default:
		break;
	}
	dec_add(c, 2, pos, len, "Value: %s", dec_hex(v, len, s, sizeof(s)));
}

static void dhcp_options(struct dec *c, uint32_t o, uint32_t end)
{
	char a[16];

	while (o < end) {
		const uint8_t *p = c->d + o;

		if (p[0] == 0) {
			uint32_t z = o;
			char hex[DEC_HEX_LEN];

			while (z < end && c->d[z] == 0)
				z++;
			dec_add(c, 1, o, z - o, "Padding: %s", dec_hex(p, z - o, hex, sizeof(hex)));
			o = z;
			continue;
		}
		if (p[0] == 255) {
			dec_add(c, 1, o, 1, "Option: (255) End");
			dec_add(c, 2, o, 1, "Option End: 255");
			o++;
			continue;
		}
		if (o + 2 > end || o + 2 + p[1] > end) {
			dec_short(c, 1, o, end, "DHCP option");
			return;
		}
		if (p[0] == 53 && p[1] == 1)
			dec_add(c, 1, o, 3u, "Option: (53) DHCP Message Type (%s)", dhcp_type(p[2]));
		else if ((p[0] == 1 || p[0] == 28 || p[0] == 50 || p[0] == 54) && p[1] == 4)
			/* An option of one address shows it on its own line. */
			dec_add(c, 1, o, 6u, "Option: (%u) %s (%s)", p[0],
				dhcp_opt(p[0]),
				fmt_ipv4(rd32(p + 2), a));
		else
			dec_add(c, 1, o, 2u + p[1], "Option: (%u) %s", p[0],
				dhcp_opt(p[0]));
		dec_add(c, 2, o + 1, 1, "Length: %u", p[1]);
		if (p[1] > 0)
			dhcp_value(c, p[0], o + 2, p[1]);
		o += 2u + p[1];
	}
}

/* A string field of BOOTP: its text, or "... not given" when empty. */
static void bootp_string(struct dec *c, uint32_t pos, uint32_t len, const char *what)
{
	char s[DECODE_TEXT];
	size_t k = 0;

	for (uint32_t i = 0; i < len && c->d[pos + i] != 0 && k + 1 < sizeof(s); i++)
		s[k++] = isprint(c->d[pos + i]) ? (char)c->d[pos + i] : '.';
	s[k] = '\0';
	if (k == 0)
		dec_add(c, 1, pos, len, "%s not given", what);
	else
		dec_add(c, 1, pos, len, "%s: %s", what, s);
}

void dec_dhcp(struct dec *c, uint32_t off, uint32_t end)
{
	static const char *const addrs[4] = {
		"Client IP address", "Your (client) IP address", "Next server IP address",
		"Relay agent IP address",
	};
	const uint8_t *p = c->d + off;
	uint8_t type = 0;
	uint16_t fl;
	char a[16], hex[21];

	if (end < off + 240 || rd32(p + 236) != 0x63825363) {
		dec_add(c, 0, off, end - off, "Dynamic Host Configuration Protocol");
		dec_short(c, 1, off, end, "BOOTP message");
		return;
	}
	/* The message type, for the layer's line, comes from option 53. */
	for (uint32_t o = off + 240; o + 2 < end && c->d[o] != 255;) {
		if (c->d[o] == 0) {
			o++;
			continue;
		}
		if (c->d[o] == 53 && c->d[o + 1] == 1)
			type = c->d[o + 2];
		o += 2u + c->d[o + 1];
	}
	dec_add(c, 0, off, end - off, "Dynamic Host Configuration Protocol (%s)", dhcp_type(type));
	dec_add(c, 1, off, 1, "Message type: %s (%u)", p[0] == 1 ? "Boot Request" :
		p[0] == 2 ? "Boot Reply" : "Unknown", p[0]);
	dec_add(c, 1, off + 1, 1, "Hardware type: %s (0x%02x)", p[1] == 1 ? "Ethernet" : "Unknown", p[1]);
	dec_add(c, 1, off + 2, 1, "Hardware address length: %u", p[2]);
	dec_add(c, 1, off + 3, 1, "Hops: %u", p[3]);
	dec_add(c, 1, off + 4, 4, "Transaction ID: 0x%08x", rd32(p + 4));
	dec_add(c, 1, off + 8, 2, "Seconds elapsed: %u", rd16(p + 8));
	fl = rd16(p + 10);
	dec_add(c, 1, off + 10, 2, "Bootp flags: 0x%04x%s (%s)", fl, fl & 0x8000 ? ", Broadcast flag" : "",
		fl & 0x8000 ? "Broadcast" : "Unicast");
	dec_bits(c, 2, off + 10, 16, fl, 0x8000, "Broadcast flag: %s", fl & 0x8000 ? "Broadcast" : "Unicast");
	dec_bits(c, 2, off + 10, 16, fl, 0x7fff, "Reserved flags: 0x%04x", fl & 0x7fff);
	for (int i = 0; i < 4; i++)
		dec_add(c, 1, off + 12 + 4 * (uint32_t)i, 4, "%s: %s", addrs[i],
			fmt_ipv4(rd32(p + 12 + 4 * i), a));
	if (p[1] == 1 && p[2] == 6) {
		dec_add(c, 1, off + 28, 6, "Client MAC address: %s", fmt_mac(p + 28, hex));
		dec_add(c, 1, off + 34, 10, "Client hardware address padding: %s",
			dec_hex(p + 34, 10, hex, sizeof(hex)));
	} else {
		dec_add(c, 1, off + 28, 16, "Client hardware address: %s", dec_hex(p + 28, 16, hex, sizeof(hex)));
	}
	bootp_string(c, off + 44, 64, "Server host name");
	bootp_string(c, off + 108, 128, "Boot file name");
	dec_add(c, 1, off + 236, 4, "Magic cookie: DHCP");
	dhcp_options(c, off + 240, end);
}

/* ---- DNS ---- */

static const struct dec_name rr_types[] = {
	{ 1, "A (Host Address)" }, { 2, "NS (authoritative Name Server)" },
	{ 5, "CNAME (Canonical NAME for an alias)" }, { 6, "SOA (Start Of a zone of Authority)" },
	{ 12, "PTR (domain name PoinTeR)" }, { 15, "MX (Mail eXchange)" },
	{ 16, "TXT (Text strings)" }, { 28, "AAAA (IPv6 Address)" },
	{ 33, "SRV (Server Selection)" }, { 41, "OPT" }, { 255, "* (A request for all records the server/cache has available)" },
};

static const struct dec_name rr_brief[] = {
	{ 1, "A" }, { 2, "NS" }, { 5, "CNAME" }, { 6, "SOA" }, { 12, "PTR" }, { 15, "MX" },
	{ 16, "TXT" }, { 28, "AAAA" }, { 33, "SRV" }, { 41, "OPT" }, { 255, "ANY" },
};

/* A name at pos of the message at msg: its text in out, and the bytes it
 * takes where it is (a pointer ends it); 0 when malformed. At most 16
 * pointers are followed, so a loop of them ends. */
static uint32_t dns_name(const struct dec *c, uint32_t msg, uint32_t end, uint32_t pos,
			 char *out, size_t len)
{
	uint32_t used = 0, at = pos;
	size_t k = 0;
	int jumps = 0;

	out[0] = '\0';
	for (;;) {
		uint8_t l;

		if (at >= end)
			return 0;
		l = c->d[at];
		if (l == 0) {
			if (used == 0)
				used = at + 1 - pos;
			break;
		}
		if ((l & 0xc0) == 0xc0) {
			if (at + 1 >= end || ++jumps > 16)
				return 0;
			if (used == 0)
				used = at + 2 - pos;
			at = msg + ((l & 0x3fu) << 8 | c->d[at + 1]);
			continue;
		}
		if ((l & 0xc0) != 0 || at + 1 + l > end)
			return 0;
		for (uint32_t i = 0; i <= l && k + 2 < len; i++) {
			char ch = i == 0 ? (k ? '.' : '\0') : (char)c->d[at + i];

			if (ch != '\0')
				out[k++] = isprint((unsigned char)ch) ? ch : '?';
		}
		out[k] = '\0';
		at += 1u + l;
	}
	if (k == 0)
		snprintf(out, len, "<Root>");
	return used;
}

/* One question (rr false) or record: the bytes it takes; 0 when malformed. */
static uint32_t dns_rr(struct dec *c, uint32_t msg, uint32_t end, uint32_t pos, bool rr)
{
	char name[96], a[16];
	uint32_t nl = dns_name(c, msg, end, pos, name, sizeof(name)), at, rdlen = 0;
	uint16_t type, class;
	int head;

	if (nl == 0 || pos + nl + 4 + (rr ? 6 : 0) > end)
		return 0;
	at = pos + nl;
	type = rd16(c->d + at);
	class = rd16(c->d + at + 2);
	if (rr) {
		rdlen = rd16(c->d + at + 8);
		if (at + 10 + rdlen > end)
			return 0;
	}
	head = dec_add(c, 2, pos, nl + 4 + (rr ? 6 + rdlen : 0), "%s: type %s, class %s", name,
		       dec_name(rr_brief, ARRAY_SIZE(rr_brief), type, "Unknown"),
		       class == 1 ? "IN" : "Unknown");
	if (rr && type == 1 && rdlen == 4 && head >= 0)
		snprintf(c->out[head].text + strlen(c->out[head].text),
			 sizeof(c->out[head].text) - strlen(c->out[head].text), ", addr %s",
			 fmt_ipv4(rd32(c->d + at + 10), a));
	dec_add(c, 3, pos, nl, "Name: %s", name);
	dec_add(c, 3, at, 2, "Type: %s (%u)", dec_name(rr_types, ARRAY_SIZE(rr_types), type, "Unknown"), type);
	dec_add(c, 3, at + 2, 2, "Class: %s (0x%04x)", class == 1 ? "IN" : "Unknown", class);
	if (!rr)
		return nl + 4;
	dec_add(c, 3, at + 4, 4, "Time to live: %u (%s)", rd32(c->d + at + 4),
		dec_secs(rd32(c->d + at + 4), name, sizeof(name)));
	dec_add(c, 3, at + 8, 2, "Data length: %u", rdlen);
	if (type == 1 && rdlen == 4)
		dec_add(c, 3, at + 10, 4, "Address: %s", a);
	else if (type == 5 && dns_name(c, msg, at + 10 + rdlen, at + 10, name, sizeof(name)) > 0)
		dec_add(c, 3, at + 10, rdlen, "CNAME: %s", name);
	return nl + 10 + rdlen;
}

static const char *const rcodes[] = {
	"No error", "Format error", "Server failure", "No such name", "Not implemented", "Refused",
};

static void dns_flags(struct dec *c, uint32_t pos, uint16_t fl)
{
	bool resp = fl & 0x8000;
	const char *rc = (fl & 15) < ARRAY_SIZE(rcodes) ? rcodes[fl & 15] : "Unknown error";

	if (resp)
		dec_add(c, 1, pos, 2, "Flags: 0x%04x Standard query response, %s", fl, rc);
	else
		dec_add(c, 1, pos, 2, "Flags: 0x%04x Standard query", fl);
	dec_bits(c, 2, pos, 16, fl, 0x8000, "Response: Message is a %s", resp ? "response" : "query");
	dec_bits(c, 2, pos, 16, fl, 0x7800, "Opcode: %s (%u)", (fl >> 11 & 15) == 0 ?
		 "Standard query" : "Unknown", fl >> 11 & 15);
	if (resp)
		dec_bits(c, 2, pos, 16, fl, 0x0400, "Authoritative: Server is %san authority for domain",
			 fl & 0x0400 ? "" : "not ");
	dec_bits(c, 2, pos, 16, fl, 0x0200, "Truncated: Message is %struncated",
		 fl & 0x0200 ? "" : "not ");
	dec_bits(c, 2, pos, 16, fl, 0x0100, "Recursion desired: %s",
		 fl & 0x0100 ? "Do query recursively" : "Don't do query recursively");
	if (resp)
		dec_bits(c, 2, pos, 16, fl, 0x0080, "Recursion available: Server %s do recursive queries",
			 fl & 0x0080 ? "can" : "can't");
	dec_bits(c, 2, pos, 16, fl, 0x0040, "Z: reserved (%u)", fl >> 6 & 1);
	if (resp)
		dec_bits(c, 2, pos, 16, fl, 0x0020, "Answer authenticated: %s",
			 fl & 0x0020 ? "Answer/authority portion was authenticated by the server" :
			 "Answer/authority portion was not authenticated by the server");
	dec_bits(c, 2, pos, 16, fl, 0x0010, "Non-authenticated data: %s",
		 fl & 0x0010 ? "Acceptable" : "Unacceptable");
	if (resp)
		dec_bits(c, 2, pos, 16, fl, 0x000f, "Reply code: %s (%u)", rc, fl & 15);
}

void dec_dns(struct dec *c, uint32_t off, uint32_t end)
{
	static const char *const counts[4] = { "Questions", "Answer RRs", "Authority RRs", "Additional RRs" };
	static const char *const sections[3] = { "Queries", "Answers", "Authoritative nameservers" };
	const uint8_t *p = c->d + off;
	uint32_t at;
	uint16_t fl;

	if (end < off + 12) {
		dec_add(c, 0, off, end - off, "Domain Name System");
		dec_short(c, 1, off, end, "DNS header");
		return;
	}
	fl = rd16(p + 2);
	dec_add(c, 0, off, end - off, "Domain Name System (%s)", fl & 0x8000 ? "response" : "query");
	dec_add(c, 1, off, 2, "Transaction ID: 0x%04x", rd16(p));
	dns_flags(c, off + 2, fl);
	for (int i = 0; i < 4; i++)
		dec_add(c, 1, off + 4 + 2 * (uint32_t)i, 2, "%s: %u", counts[i], rd16(p + 4 + 2 * i));
	at = off + 12;
	for (int s = 0; s < 3; s++) {
		uint16_t n = rd16(p + 4 + 2 * s);
		int head;
		uint32_t start = at;

		if (n == 0)
			continue;
		head = dec_add(c, 1, at, 0, "%s", sections[s]);
		for (uint16_t i = 0; i < n; i++) {
			uint32_t used = dns_rr(c, off, end, at, s > 0);

			if (used == 0) {
				dec_short(c, 2, at, end, "DNS record");
				return;
			}
			at += used;
		}
		if (head >= 0)
			c->out[head].size = at - start;
	}
}

/*
 * A frame decoded layer by layer, as Wireshark's packet details show it:
 * Ethernet II or IEEE 802.3 with LLC, 802.1Q, ARP, IPv4, ICMP, UDP, TCP,
 * DHCP, DNS and STP BPDUs, each field named and worded as Wireshark 4.0
 * words it (tests/decode holds qnetsim's decoding against tshark's on the
 * same frames).
 *
 * The result is a list of lines in tree order. A line is a layer (depth
 * 0), one of its fields (1) or a part of a field (2 and on), and names
 * the bytes of the frame it shows, so the hex dump can highlight them.
 * What the decoder does not know is shown as "Data (N bytes)"; a layer
 * cut short says so in a line of its own. Nothing a frame holds can make
 * it read past len or write past max lines.
 */
#ifndef QNETSIM_DECODE_H
#define QNETSIM_DECODE_H

#include <stdint.h>

#define DECODE_TEXT 128
#define DECODE_MAX_LINES 512

struct dline {
	uint32_t pos, size;     /* the bytes it shows; size 0: none */
	uint8_t depth;
	char text[DECODE_TEXT];
};

/* Decodes the len bytes of an Ethernet frame into at most max lines:
 * their count. */
int frame_decode(const uint8_t *data, uint32_t len, struct dline *out, int max);

#endif

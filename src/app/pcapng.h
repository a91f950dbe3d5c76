/*
 * pcapng (the IETF draft "PCAP Next Generation Dump File Format"), as
 * Wireshark and libpcap read it: one section, one interface per port,
 * named with the port's name (if_name) and described with its node and
 * peer (if_description), nanosecond timestamps (if_tsresol 9), Ethernet
 * (linktype 1) and one snapshot length for all, so that tcpdump reads the
 * file as well as Wireshark does. Each packet (an Enhanced Packet Block)
 * carries qnetsim's frame number as its packet id (epb_packetid, shown
 * as frame.packet_id), its direction (epb_flags: inbound or outbound at
 * that port) and comments: the decision ("#18 forwarded -> sw1.3 in VLAN
 * 10") and why.
 *
 * A writer builds each block whole and hands it to its output in one
 * call, which takes it or refuses it (a live reader that is behind): a
 * refused packet is the caller's to count, never half written. An interface is
 * described at its first packet.
 */
#ifndef QNETSIM_PCAPNG_H
#define QNETSIM_PCAPNG_H

#include "../core/graph.h"

#include <stdbool.h>
#include <stdint.h>

#define PCAPNG_SNAPLEN 262144
#define PCAPNG_INBOUND 1u
#define PCAPNG_OUTBOUND 2u

struct pcapng;

/* Takes n bytes whole, or refuses them (false). */
typedef bool (*pcapng_write_fn)(void *ctx, const void *p, size_t n);

/* A writer for g's ports; the section header goes out at once. */
struct pcapng *pcapng_new(struct graph *g, pcapng_write_fn write, void *ctx);
void pcapng_free(struct pcapng *w);
/* One packet at port p: false when the output refused it (the caller
 * counts the drop). */
bool pcapng_packet(struct pcapng *w, const struct port *p, uint64_t time_ns,
		   const uint8_t *data, uint32_t len, uint32_t flags, uint64_t packet_id,
		   const char *comment, const char *comment2);

/* A trace record's packet: its frame's bytes (len of them), at its port,
 * with its decision and explanation as comments. */
bool pcapng_record(struct pcapng *w, const struct trace_rec *r, const uint8_t *data,
		   uint32_t len);

#endif

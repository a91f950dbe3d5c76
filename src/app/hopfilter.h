/*
 * Which hops to show: the Frames panel's filter, and so step mode's.
 *
 * A filter is qnetsim's words first, then (after an optional "and") a
 * tcpdump expression on the frame: the whole of it while the trace's byte
 * ring keeps it (--frame-bytes, the UI's), else its first TRACE_HDR bytes:
 *
 *   dropped | flooded | forwarded | delivered | sent | stp | mirrored
 *                         the decision (several: any of them)
 *   reason NAME           a drop's reason: vlan, not_for_us, link_down, ...
 *                         (the counter names of docs/commands.md)
 *   node NAME             the hop is at a port of node NAME
 *   port NAME             the hop is at port NAME (br0.2); "port 53" with
 *                         a number stays tcpdump's
 *   frame N, #N           frame number N (as the trace numbers them)
 *
 * e.g. "dropped reason vlan", "node sw1 and icmp", "frame 18", or plain
 * tcpdump "arp or icmp". A word the filter does not know ends the words:
 * the rest is tcpdump's, and an error names what neither understood.
 */
#ifndef QNETSIM_HOPFILTER_H
#define QNETSIM_HOPFILTER_H

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>

#include "../core/graph.h"

struct hop_filter {
	unsigned decisions;             /* 1 << enum decision; 0: any */
	int reason;                     /* enum drop_reason; -1: any */
	const struct node *node;        /* NULL: any */
	const struct port *port;        /* NULL: any */
	uint64_t frame;                 /* 0: any */
	bool bpf;                       /* prog holds a tcpdump expression */
	struct bpf_program prog;
};

/* Parses expr for g's nodes and ports (dead: a pcap handle of the trace's
 * link type, to compile with). 0, or -1 with err; *hf is set only on 0. */
int hop_filter_parse(struct hop_filter *hf, const struct graph *g, pcap_t *dead, const char *expr,
		     char *err);
bool hop_filter_match(const struct hop_filter *hf, const struct graph *g,
		      const struct trace_rec *r);
void hop_filter_free(struct hop_filter *hf);

#endif

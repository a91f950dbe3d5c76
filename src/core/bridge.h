/*
 * Learning bridge: a node whose ports share one FDB.
 *
 * VLANs: until 802.1Q port modes exist, a bridge is VLAN-unaware in what it
 * sends (frames leave exactly as they came) but keeps one table per VLAN:
 * untagged frames belong to VLAN 1 (the default VLAN, as on Linux bridges
 * and most switches), tagged frames to the VLAN in their tag.
 */
#ifndef QNETSIM_BRIDGE_H
#define QNETSIM_BRIDGE_H

#include "fdb.h"
#include "graph.h"

#define BRIDGE_DEFAULT_VLAN 1

struct bridge_stats {
	uint64_t frames;                /* received by the bridge */
	uint64_t forwarded;             /* FDB hit */
	uint64_t flooded_unknown;
	uint64_t flooded_bcast;
	uint64_t flooded_mcast;
	uint64_t filtered;              /* destination on the ingress port */
	uint64_t dropped;               /* runts, nowhere to send */
	uint64_t learned;               /* new entries */
	uint64_t moved;                 /* a MAC moved to another port */
	uint64_t table_full;            /* sources not learned: table full */
	uint64_t aged;                  /* entries removed by ageing */
	uint64_t flushed;               /* entries removed by flush or link down */
};

struct bridge {
	struct node node;
	struct fdb *fdb;
	uint64_t speed;                 /* speed of new ports */
	struct timer ager;
	struct bridge_stats st;
};

struct bridge *bridge_new(struct graph *g, const char *name, uint32_t max_entries,
			  uint64_t ageing_ns, int line);
struct port *bridge_add_port(struct bridge *b);
struct bridge *bridge_from_node(struct node *n);  /* NULL if not a bridge */
/* Starts the ager (call once the loop runs). */
void bridge_start(struct bridge *b);
/* The VLAN a frame belongs to on a VLAN-unaware bridge. */
uint16_t bridge_frame_vlan(const struct frame *f);

#endif

/*
 * Hub: QEMU's old "vlan". Broadcasts incoming frames to all ports except
 * the source.
 */
#ifndef QNETSIM_HUB_H
#define QNETSIM_HUB_H

#include "graph.h"

struct hub {
	struct node node;
	int vlan;               /* QEMU vlan number, -1 for a named hub */
	uint64_t speed;         /* speed of new ports, bit/s */
	uint64_t flooded;       /* frames received and flooded */
	uint64_t copies;        /* references handed to ports */
};

struct hub *hub_new(struct graph *g, const char *name, int vlan, int line);
struct port *hub_add_port(struct hub *h);
struct hub *hub_from_node(struct node *n);  /* NULL if n is not a hub */

#endif

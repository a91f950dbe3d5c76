/*
 * Hub: broadcast incoming frames to all ports except the source, as QEMU's
 * net/hub.c does. Flooding takes one reference per port, never a copy.
 */
#include "hub.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>

#define HUB_DEFAULT_SPEED 1000000000ULL

static void hub_input(struct node *n, struct port *in, struct frame *f)
{
	struct hub *h = container_of(n, struct hub, node);

	h->flooded++;
	h->copies += node_flood(n, in, f, DEC_FLOODED_HUB);
}

static void hub_destroy(struct node *n)
{
	free(container_of(n, struct hub, node));
}

static const struct node_ops hub_ops = {
	.kind = "hub",
	.input = hub_input,
	.destroy = hub_destroy,
};

struct hub *hub_new(struct graph *g, const char *name, int vlan, int line)
{
	struct hub *h = xcalloc(1, sizeof(*h));

	node_init(&h->node, g, &hub_ops, name, line);
	h->vlan = vlan;
	h->speed = HUB_DEFAULT_SPEED;
	return h;
}

struct port *hub_add_port(struct hub *h)
{
	char suffix[16];

	return port_new(&h->node, name_num(suffix, "", (uint32_t)h->node.nports + 1), h->speed,
			1000);
}

struct hub *hub_from_node(struct node *n)
{
	return n != NULL && n->ops == &hub_ops ? container_of(n, struct hub, node) : NULL;
}

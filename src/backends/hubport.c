/*
 * type=hubport: QEMU 3.0+'s -netdev hubport,id=ID,hubid=N, a port on QEMU
 * hub N. It is QEMU's modern spelling of vlan=N: a NIC with netdev=ID
 * joins hub N through it.
 *
 *   [netdev hp0]             -netdev hubport,id=hp0,hubid=1
 *   type  = hubport          -device e1000,netdev=hp0
 *   hubid = 1
 *
 *   [guest A]
 *   nic = model=e1000,netdev=hp0
 *
 * The netdev has two ports: hp0.0 toward the NIC and hp0.1 on the hub
 * (vlan1, made if no one else made it). Like every port of a hub it
 * repeats each frame to the other side. Nothing outside the process is
 * involved, so a topology of hubports keeps the virtual clock.
 *
 * netdev=OTHER puts another netdev on the hub through it, as QEMU's
 * hubport does (-netdev user,id=u -netdev hubport,id=h,hubid=1,netdev=u):
 * OTHER's port is linked to hp0.0 instead of a NIC.
 */
#include "netdev.h"
#include "../core/hub.h"
#include "../core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hubport {
	struct netdev nd;
	int hubid;
	int line;               /* of hubid= */
	char *other;            /* netdev=, or NULL */
	int other_line;
};

static struct hubport *H(struct netdev *nd)
{
	return container_of(nd, struct hubport, nd);
}

static int hubport_configure(struct netdev *nd, const struct netdev_opt *o, int n, int *line,
			     char *err)
{
	struct hubport *h = H(nd);
	char e[ERRLEN];
	uint64_t num;

	h->hubid = -1;
	for (int i = 0; i < n; i++) {
		*line = o[i].line;
		if (strcmp(o[i].key, "netdev") == 0) {
			free(h->other);
			h->other = xstrdup(o[i].val);
			h->other_line = o[i].line;
			continue;
		}
		if (parse_u64(o[i].val, 0, 4095, &num, e) < 0)
			return errf(err, "hubport: hubid: %s", e);
		h->hubid = (int)num;
		h->line = o[i].line;
	}
	*line = nd->node.line;
	if (h->hubid < 0)
		return errf(err, "hubport: needs hubid=N (the QEMU hub it is a port of)");
	snprintf(nd->remote_desc, sizeof(nd->remote_desc), "hub %d", h->hubid);
	return 0;
}

/* Its second port, on the hub. */
static int hubport_attach(struct netdev *nd, char *err)
{
	struct graph *g = nd->node.g;
	struct hub *hub = hub_from_node(g->vlan_hub(g->vlan_hub_ctx, H(nd)->hubid, H(nd)->line));
	struct port *p = port_new(&nd->node, "1", 0, 1000);
	struct netdev *o;

	link_new(g, p, hub_add_port(hub), 0, 0, 0, H(nd)->line);
	if (H(nd)->other == NULL)
		return 0;
	o = netdev_from_node(graph_find_node(g, H(nd)->other));
	if (o == NULL || o == nd || o->ops == nd->ops)
		return errf(err, "hubport: netdev=%s: %s", H(nd)->other,
			    o == NULL ? "no such netdev" :
			    o == nd ? "a hubport cannot name itself" : "another hubport (it would go nowhere)");
	if (o->port->link != NULL || nd->port->link != NULL)
		return errf(err, "hubport: netdev=%s: %s is already connected", H(nd)->other,
			    o->port->link != NULL ? H(nd)->other : nd->node.name);
	link_new(g, nd->port, o->port, 0, 0, 0, H(nd)->other_line);
	return 0;
}

static void hubport_free(struct netdev *nd)
{
	free(H(nd)->other);
	H(nd)->other = NULL;
}

/* A port of a hub: every frame goes on to the other side. */
static void hubport_input(struct netdev *nd, struct port *in, struct frame *f)
{
	node_flood(&nd->node, in, f, DEC_FLOODED_HUB);
}

static int hubport_open(struct netdev *nd, char *err)
{
	(void)err;
	netdev_set_state(nd, ND_OPEN);
	return 0;
}

static void hubport_describe(struct netdev *nd, char *buf, size_t len)
{
	snprintf(buf, len, "a port of hub vlan%d", H(nd)->hubid);
}

static const struct backend_opt hubport_opts[] = { { "hubid" }, { "netdev" }, { NULL } };

const struct backend_ops backend_hubport = {
	.type = "hubport",
	.size = sizeof(struct hubport),
	.opts = hubport_opts,
	.configure = hubport_configure,
	.attach = hubport_attach,
	.input = hubport_input,
	.open = hubport_open,
	.describe = hubport_describe,
	.free = hubport_free,
	.internal = true,
};

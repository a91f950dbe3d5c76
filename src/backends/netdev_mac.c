/*
 * A frame from outside with the MAC of a NIC on the netdev's side of the
 * topology: two machines with one MAC, most often two VMs that both kept
 * QEMU's default 52:54:00:12:34:56, which lose frames to each other on any
 * bridge between them. The netdev says so once per MAC and counts every
 * such frame (mac_clashes); the frame goes on, as it would in QEMU.
 *
 * The side: the NICs reached from the netdev's port through hubs and
 * bridges only. A NIC beyond another netdev is on another side: two QEMU
 * vlans joined by a socket (socket-vlans.ini) see each other's frames come
 * in from outside, rightly.
 */
#include "netdev.h"
#include "../guest/guest.h"
#include "../core/util.h"

#include <stdlib.h>
#include <string.h>

struct side_nic {
	uint64_t mac;
	const char *port;       /* the NIC's port name, for the message */
	bool told;
};

struct mac_side {
	int n;
	struct side_nic *nic;   /* sorted by MAC */
};

static int cmp_mac(const void *a, const void *b)
{
	uint64_t x = ((const struct side_nic *)a)->mac, y = ((const struct side_nic *)b)->mac;

	return x < y ? -1 : x > y;
}

/* Hubs, bridges and what passes frames on inside the process (a hubport). */
static bool is_l2(struct node *n)
{
	struct netdev *nd = netdev_from_node(n);

	return strcmp(n->ops->kind, "hub") == 0 || strcmp(n->ops->kind, "bridge") == 0 ||
	       (nd != NULL && nd->ops != NULL && nd->ops->internal);
}

/* The NICs on nd's side, found once: the topology's NICs do not change. */
static struct mac_side *side_of(struct netdev *nd)
{
	struct graph *g = nd->node.g;
	struct mac_side *s = xcalloc(1, sizeof(*s));
	/* A node is seen when its first port is: every node here has one. */
	struct node **queue = xcalloc((size_t)g->nports + 1, sizeof(*queue));
	bool *seen = xcalloc((size_t)g->nports + 1, sizeof(*seen));
	int head = 0, tail = 0, cap = 16;

	s->nic = xcalloc((size_t)cap, sizeof(*s->nic));
	/* From the node at the other end of the netdev's cable. */
	if (nd->port->link != NULL) {
		struct port *p = nd->port->link->end[nd->port->link->end[0] == nd->port];

		queue[tail++] = p->node;
	}
	while (head < tail) {
		struct node *n = queue[head++];
		struct guest *gu = guest_from_node(n);

		if (n->nports == 0 || seen[n->ports[0]->gid])
			continue;
		seen[n->ports[0]->gid] = true;
		if (gu != NULL) {
			for (int k = 0; k < gu->nnics; k++) {
				if (s->n == cap) {
					cap *= 2;
					s->nic = xreallocarray(s->nic, (size_t)cap, sizeof(*s->nic));
				}
				s->nic[s->n++] = (struct side_nic){ mac_to_u64(gu->nics[k]->mac),
								    gu->nics[k]->port->name, false };
			}
			continue;
		}
		if (!is_l2(n))
			continue;
		for (int k = 0; k < n->nports; k++) {
			struct link *l = n->ports[k]->link;

			if (l != NULL && tail < (int)g->nports)
				queue[tail++] = l->end[l->end[0] == n->ports[k]]->node;
		}
	}
	qsort(s->nic, (size_t)s->n, sizeof(*s->nic), cmp_mac);
	free(queue);
	free(seen);
	return s;
}

void netdev_mac_check(struct netdev *nd, const struct frame *f)
{
	struct side_nic key, *hit;
	char mac[18];

	/* A hubport's frames are the topology's own. */
	if (f->len < ETH_HLEN || nd->ops == NULL || nd->ops->internal)
		return;
	if (nd->macs == NULL)
		nd->macs = side_of(nd);
	key.mac = mac_to_u64(f->data + 6);
	hit = bsearch(&key, nd->macs->nic, (size_t)nd->macs->n, sizeof(key), cmp_mac);
	if (hit == NULL)
		return;
	nd->st.mac_clashes++;
	if (!hit->told)
		netdev_event(nd, "a frame from outside comes from %s, the MAC of %s: two machines "
			     "with one MAC lose frames to each other (two VMs with QEMU's default "
			     "MAC?); give each its own mac=", fmt_mac(f->data + 6, mac), hit->port);
	hit->told = true;
}

void netdev_mac_free(struct netdev *nd)
{
	if (nd->macs == NULL)
		return;
	free(nd->macs->nic);
	free(nd->macs);
	nd->macs = NULL;
}

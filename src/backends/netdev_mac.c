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

struct mac_side {
	int n;
	uint64_t *mac;          /* sorted */
	const char **port;      /* the NIC's port name, for the message */
	bool *told;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool is_l2(const struct node *n)
{
	return strcmp(n->ops->kind, "hub") == 0 || strcmp(n->ops->kind, "bridge") == 0;
}

/* The NICs on nd's side, found once: the topology's NICs do not change. */
static struct mac_side *side_of(struct netdev *nd)
{
	struct graph *g = nd->node.g;
	struct mac_side *s = xcalloc(1, sizeof(*s));
	/* A node is seen when its first port is: every node here has one. */
	struct node **queue = xcalloc((size_t)g->nports + 1, sizeof(*queue));
	bool *seen = xcalloc((size_t)g->nports + 1, sizeof(*seen));
	uint64_t *pairs;
	int head = 0, tail = 0, cap = 16;

	pairs = xcalloc((size_t)cap, 2 * sizeof(uint64_t));
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
					pairs = xreallocarray(pairs, (size_t)cap, 2 * sizeof(uint64_t));
				}
				pairs[2 * s->n] = mac_to_u64(gu->nics[k]->mac);
				pairs[2 * s->n + 1] = (uint64_t)(uintptr_t)gu->nics[k]->port->name;
				s->n++;
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
	qsort(pairs, (size_t)s->n, 2 * sizeof(uint64_t), cmp_u64);
	s->mac = xcalloc((size_t)s->n + 1, sizeof(*s->mac));
	s->port = xcalloc((size_t)s->n + 1, sizeof(*s->port));
	s->told = xcalloc((size_t)s->n + 1, sizeof(*s->told));
	for (int i = 0; i < s->n; i++) {
		s->mac[i] = pairs[2 * i];
		s->port[i] = (const char *)(uintptr_t)pairs[2 * i + 1];
	}
	free(pairs);
	free(queue);
	free(seen);
	return s;
}

void netdev_mac_check(struct netdev *nd, const struct frame *f)
{
	uint64_t m;
	int lo = 0, hi;

	/* A hubport's frames are the topology's own. */
	if (f->len < ETH_HLEN || nd->ops == NULL || nd->ops->internal)
		return;
	if (nd->macs == NULL)
		nd->macs = side_of(nd);
	m = mac_to_u64(f->data + 6);
	hi = nd->macs->n - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;

		if (nd->macs->mac[mid] < m) {
			lo = mid + 1;
		} else if (nd->macs->mac[mid] > m) {
			hi = mid - 1;
		} else {
			char mac[18];

			nd->st.mac_clashes++;
			if (!nd->macs->told[mid])
				netdev_event(nd, "a frame from outside comes from %s, the MAC of %s: two "
					     "machines with one MAC lose frames to each other (two VMs "
					     "with QEMU's default MAC?); give each its own mac=",
					     fmt_mac(f->data + 6, mac), nd->macs->port[mid]);
			nd->macs->told[mid] = true;
			return;
		}
	}
}

void netdev_mac_free(struct netdev *nd)
{
	if (nd->macs == NULL)
		return;
	free(nd->macs->mac);
	free(nd->macs->port);
	free(nd->macs->told);
	free(nd->macs);
	nd->macs = NULL;
}

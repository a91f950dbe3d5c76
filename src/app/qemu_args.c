/*
 * QEMU's arguments that join a topology (qemu.h): for every netdev a real
 * VM can join (backend_ops.qemu_peer: socket and stream listeners and
 * connectors, UDP tunnels and multicast buses, VDE clients, taps on a
 * host bridge) and every VDE switch a hub or bridge serves
 * (node_ext_ops.qemu_peer), the -netdev and -device a
 * qemu-system-x86_64 command line needs, with a MAC no NIC of the
 * topology has.
 */
#include "qemu.h"
#include "sim.h"
#include "../backends/netdev.h"
#include "../core/util.h"

#include <string.h>

/* The n-th MAC from 52:54:00:12:34:56 up that no NIC of s has. */
static void free_mac(struct sim *s, int nth, uint8_t mac[6])
{
	uint64_t m = 0x525400123456ull;

	for (;; m++) {
		bool used = false;

		u64_to_mac(m, mac);
		for (int i = 0; i < s->nguests && !used; i++)
			for (int k = 0; k < s->guests[i]->nnics && !used; k++)
				used = memcmp(s->guests[i]->nics[k]->mac, mac, 6) == 0;
		if (!used && nth-- == 0)
			return;
	}
}

/* Node n's -netdev value for a VM (netdev or served switch): 0, or -1
 * with why not; 1 when it has nothing a VM joins. */
static int peer_of(struct node *n, char *buf, size_t len)
{
	struct netdev *nd = netdev_from_node(n);

	if (nd != NULL)
		return nd->ops != NULL && nd->ops->qemu_peer != NULL ?
		       nd->ops->qemu_peer(nd, buf, len) : 1;
	for (struct node_ext *x = n->ext; x != NULL; x = x->next)
		if (x->ops->qemu_peer != NULL)
			return x->ops->qemu_peer(x, buf, len);
	return 1;
}

int qemu_args_for(struct sim *s, struct node *n, int nth, char *buf, size_t len)
{
	char peer[ERRLEN], mac[18], id[SIM_MAX_NAME + 1];
	uint8_t m[6];
	int rc = peer_of(n, peer, sizeof(peer));

	if (rc != 0) {
		snprintf(buf, len, "%s", rc > 0 ? "a VM has nothing to join here" : peer);
		return -1;
	}
	/* The VM's netdev id: the node's name, which QEMU takes as it is. */
	snprintf(id, sizeof(id), "%s", n->name);
	free_mac(s, nth, m);
	snprintf(buf, len, "-netdev %s,id=%s -device e1000,netdev=%s,mac=%s", peer, id, id,
		 fmt_mac(m, mac));
	return 0;
}

int qemu_args_print(struct sim *s, const char *only, FILE *out, char *err)
{
	char line[2 * ERRLEN];
	int shown = 0, found = 0;

	for (int i = 0; i < s->g->nnodes; i++) {
		struct node *n = s->g->nodes[i];
		char peer[ERRLEN];
		int rc;

		if (only != NULL && strcmp(n->name, only) != 0)
			continue;
		found++;
		rc = peer_of(n, peer, sizeof(peer));
		if (rc > 0)
			continue;
		if (rc < 0 || qemu_args_for(s, n, shown, line, sizeof(line)) < 0) {
			fprintf(out, "# %s: no VM can join it: %s\n", n->name, rc < 0 ? peer : line);
			continue;
		}
		fprintf(out, "# %s (%s)\nqemu-system-x86_64 %s\n", n->name,
			netdev_from_node(n) != NULL ? netdev_from_node(n)->ops->type : "served VDE switch",
			line);
		shown++;
	}
	if (only != NULL && found == 0)
		return errf(err, "no node '%s' in the topology", only);
	if (only == NULL && shown == 0)
		fprintf(out, "# nothing here a VM can join: no socket, stream, dgram, vde or bridged "
			"tap netdev, and no hub or bridge serves VDE (vde = DIR)\n");
	return 0;
}

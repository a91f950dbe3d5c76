/*
 * Text views of the running topology: "info network" in QEMU's layout,
 * port counters, MAC tables and ARP caches. Commands and the TUI use them;
 * they only read state.
 */
#include "sim.h"
#include "../core/util.h"
#include "../core/values.h"
#include "../backends/netdev.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

/* A NIC as QEMU shows one: "NAME: type=nic,model=...,macaddr=...", then
 * its address. */
static void describe_nic(const struct nic *nic, FILE *out)
{
	char mac[18], ip[16];

	fprintf(out, "%s: type=nic,model=%s,macaddr=%s", nic->port->name, nic->model->name,
		fmt_mac(nic->mac, mac));
	if (nic->ip)
		fprintf(out, ",ip=%s/%d", fmt_ipv4(nic->ip, ip), nic->prefix);
}

/* QEMU's own fields for nd where the back-end has them, else its options
 * as written ("" when none). */
static void qemu_fields(struct netdev *nd, char *q, size_t len)
{
	q[0] = '\0';
	if (nd->ops != NULL && nd->ops->qemu_info != NULL)
		nd->ops->qemu_info(nd, q, len);
	else if (nd->options != NULL)
		snprintf(q, len, "%s", nd->options);
}

/* One line describing what sits behind port p (the far end of its link). */
static void describe_peer(struct port *p, FILE *out)
{
	struct port *peer = port_peer(p);
	char rate[24];
	struct nic *nic;

	if (peer == NULL) {
		fprintf(out, "(unconnected)\n");
		return;
	}
	nic = guest_from_node(peer->node) != NULL ? peer->priv : NULL;
	if (nic != NULL) {
		describe_nic(nic, out);
	} else if (netdev_from_node(peer->node) != NULL) {
		struct netdev *nd = netdev_from_node(peer->node);
		char st[400];

		char q[256];

		qemu_fields(nd, q, sizeof(q));
		/* A netdev by its name, as QEMU names it (its id). */
		netdev_describe(nd, st, sizeof(st));
		fprintf(out, "%s: type=%s%s%s (%s)", nd->node.name, nd->ops ? nd->ops->type : "?",
			q[0] ? "," : "", q, st);
	} else {
		fprintf(out, "%s: type=%s", peer->name, peer->node->ops->kind);
	}
	fprintf(out, ",link=%s,rate=%s", port_link_up(p) ? "up" : "down",
		fmt_rate(p->link->rate, rate, sizeof(rate)));
	{
		char o[256], i[256];

		impair_format(link_dir_impair(&p->link->dir[p->side]), o, sizeof(o));
		impair_format(link_dir_impair(&p->link->dir[!p->side]), i, sizeof(i));
		if (strcmp(o, i) == 0 && o[0] != '\0')
			fprintf(out, ",%s", o);
		else if (o[0] != '\0' || i[0] != '\0')
			fprintf(out, "%s%s%s%s%s%s", o[0] ? ",out:" : "", o, o[0] && i[0] ? ";" : "",
				i[0] && !o[0] ? "," : "", i[0] ? "in:" : "", i);
	}
	fputc('\n', out);
}

/* What is attached to a hub or bridge (the VDE switch it serves), a line each. */
static void info_vde(struct sim *s, struct node *n, FILE *out)
{
	char buf[256];

	(void)s;
	for (struct node_ext *x = n->ext; x != NULL; x = x->next) {
		if (x->ops->describe == NULL)
			continue;
		x->ops->describe(x, buf, sizeof(buf));
		fprintf(out, "  %s\n", buf);
	}
}

/* ---- QEMU's view of one guest ---------------------------------------------- */

/* The NIC as QEMU 7.2 names it: its id= if given, else MODEL.N, N counting
 * the guest's NICs of that model before it (QEMU's assign_name). */
static void qemu_nic_name(const struct nic *nic, char *buf, size_t len)
{
	const struct guest *gu = nic->guest;
	int n = 0;

	if (nic->id_given) {
		snprintf(buf, len, "%s", nic->id);
		return;
	}
	for (int i = 0; i < gu->nnics && gu->nics[i] != nic; i++)
		n += gu->nics[i]->model == nic->model;
	snprintf(buf, len, "%s.%d", nic->model->name, n);
}

/* "NAME: index=0,type=nic,model=...,macaddr=..." (QEMU's print_net_client) */
static void qemu_nic_line(const struct nic *nic, FILE *out)
{
	char name[80], mac[18];

	qemu_nic_name(nic, name, sizeof(name));
	fprintf(out, "%s: index=0,type=nic,model=%s,macaddr=%s\n", name, nic->model->name,
		fmt_mac(nic->mac, mac));
}

static void qemu_netdev_line(struct netdev *nd, FILE *out)
{
	char q[256];

	qemu_fields(nd, q, sizeof(q));
	fprintf(out, "%s: index=0,type=%s,%s\n", nd->node.name, nd->ops ? nd->ops->type : "?", q);
}

/* A netdev with a second port (a hubport): what is behind its first. */
static struct port *through(struct netdev *nd)
{
	return nd->node.nports > 1 ? port_peer(nd->node.ports[0]) : NULL;
}

static struct nic *nic_at(struct port *p)
{
	return p != NULL && guest_from_node(p->node) != NULL ? p->priv : NULL;
}

/* Whether the hub port p shows in gu's QEMU: one of gu's NICs, on it or
 * through a hubport; a netdev; a hubport no NIC uses. Other guests' NICs
 * are other QEMU processes. */
static bool qemu_port_shown(struct port *p, struct guest *gu)
{
	struct port *peer = port_peer(p);
	struct netdev *nd = peer != NULL ? netdev_from_node(peer->node) : NULL;
	struct nic *nic = nic_at(peer);

	if (nd != NULL && nd->node.nports > 1)
		nic = nic_at(through(nd));
	return nic != NULL ? nic->guest == gu : nd != NULL;
}

static void info_network_qemu(struct sim *s, struct guest *gu, FILE *out)
{
	/* QEMU lists hubs, and a hub's ports, newest first. */
	for (int i = s->nhubs - 1; i >= 0; i--) {
		struct hub *h = s->hubs[i];
		struct node *n = &h->node;
		bool mine = false;

		for (int j = 0; j < n->nports; j++) {
			struct nic *nic = nic_at(port_peer(n->ports[j]));
			struct netdev *nd = port_peer(n->ports[j]) ?
					    netdev_from_node(port_peer(n->ports[j])->node) : NULL;

			if (nd != NULL && nd->node.nports > 1)
				nic = nic_at(through(nd));
			mine = mine || (nic != NULL && nic->guest == gu);
		}
		if (h->vlan < 0 || !mine)
			continue;
		fprintf(out, "hub %d\n", h->vlan);
		for (int j = n->nports - 1; j >= 0; j--) {
			struct port *peer = port_peer(n->ports[j]);
			struct netdev *nd = peer != NULL ? netdev_from_node(peer->node) : NULL;

			if (!qemu_port_shown(n->ports[j], gu))
				continue;
			if (nd != NULL && nd->node.nports > 1) {
				struct port *t = through(nd);
				struct netdev *behind = t != NULL ? netdev_from_node(t->node) : NULL;

				fprintf(out, " \\ %s%s", nd->node.name, t != NULL ? ": " : "\n");
				if (nic_at(t) != NULL)
					qemu_nic_line(nic_at(t), out);
				else if (behind != NULL)
					qemu_netdev_line(behind, out);
				else if (t != NULL)
					fprintf(out, "%s: on %s %s, which QEMU has no equivalent of\n",
						t->name, t->node->ops->kind, t->node->name);
				continue;
			}
			fprintf(out, " \\ hub%dport%d: ", h->vlan, j);
			if (nd != NULL)
				qemu_netdev_line(nd, out);
			else
				qemu_nic_line(nic_at(peer), out);
		}
	}
	/* Then each NIC not on a hub, and the netdev it is wired to. */
	for (int i = 0; i < gu->nnics; i++) {
		struct nic *nic = gu->nics[i];
		struct port *peer = port_peer(nic->port);
		struct hub *h = peer != NULL ? hub_from_node(peer->node) : NULL;
		struct netdev *nd = peer != NULL ? netdev_from_node(peer->node) : NULL;

		if (nic->parent != NULL || (h != NULL && h->vlan >= 0) ||
		    (nd != NULL && nd->node.nports > 1))
			continue;
		qemu_nic_line(nic, out);
		if (nd != NULL) {
			fputs(" \\ ", out);
			qemu_netdev_line(nd, out);
		} else if (peer != NULL && !(h != NULL && peer->node->nports == 1)) {
			/* A hub of its own is QEMU's "no peer"; the rest QEMU has not. */
			fprintf(out, " \\ %s: on %s %s, which QEMU has no equivalent of\n", peer->name,
				peer->node->ops->kind, peer->node->name);
		}
	}
}

void info_network(struct sim *s, struct guest *gu, FILE *out)
{
	bool loose = false;

	if (gu != NULL) {
		info_network_qemu(s, gu, out);
		return;
	}

	for (int i = 0; i < s->nhubs; i++) {
		struct node *n = &s->hubs[i]->node;

		if (s->hubs[i]->vlan >= 0)
			fprintf(out, "hub %d (%s)\n", s->hubs[i]->vlan, n->name);
		else
			fprintf(out, "hub %s\n", n->name);
		info_vde(s, n, out);
		for (int j = 0; j < n->nports; j++) {
			fprintf(out, " \\ %s: ", n->ports[j]->name);
			describe_peer(n->ports[j], out);
		}
	}
	for (int i = 0; i < s->nbridges; i++) {
		struct bridge *b = s->bridges[i];
		struct node *n = &b->node;
		char age[24];

		fprintf(out, "bridge %s (ageing %s, %u/%u MAC entries%s)\n", n->name,
			fmt_duration(fdb_ageing(b->fdb), age, sizeof(age)), fdb_count(b->fdb),
			fdb_max(b->fdb), b->vlan_aware ? ", 802.1Q" : "");
		if (b->stp != NULL) {
			char st[200];

			stp_describe(b, st, sizeof(st));
			fprintf(out, "  STP: %s\n", st);
		}
		info_vde(s, n, out);
		for (int j = 0; j < n->nports; j++) {
			struct port *p = n->ports[j];
			struct bport *bp = p->priv;
			char vl[128] = "";

			bridge_port_vlans(b, p, vl, sizeof(vl));
			fprintf(out, " \\ %s", p->name);
			if (vl[0] != '\0' || b->stp != NULL)
				fprintf(out, " [%s%s%s%s%s]", vl, vl[0] && b->stp ? "; " : "",
					b->stp ? stp_role_name(bport_sp_peek(bp)->role) : "",
					b->stp ? " " : "", b->stp ? stp_state_name(bport_sp_peek(bp)->state) : "");
			fprintf(out, ": ");
			describe_peer(p, out);
		}
	}
	/* Guests wired straight to each other. */
	for (int i = 0; i < s->nguests; i++) {
		for (int j = 0; j < s->guests[i]->nnics; j++) {
			struct port *p = s->guests[i]->nics[j]->port;
			struct port *peer = port_peer(p);

			if (peer != NULL && guest_from_node(peer->node) == NULL &&
			    netdev_from_node(peer->node) == NULL)
				continue;
			if (!loose)
				fprintf(out, "Devices not on any hub or bridge:\n");
			loose = true;
			/* QEMU's layout: the NIC, then what it is wired to. */
			describe_nic(s->guests[i]->nics[j], out);
			fprintf(out, "\n \\ ");
			describe_peer(p, out);
		}
	}
	for (int i = 0; i < s->nnetdevs; i++)
		netdev_info(s->netdevs[i], out);
}

void info_ports(struct sim *s, FILE *out)
{
	fprintf(out, "%-16s %-4s %10s %12s %10s %12s %8s  %s\n", "PORT", "LINK", "RX", "RX-BYTES",
		"TX", "TX-BYTES", "DROPS", "DROP REASONS");
	for (uint32_t i = 0; i < s->g->nports; i++) {
		struct port *p = s->g->ports[i];
		uint64_t drops = port_drops_total(p);

		fprintf(out, "%-16s %-4s %10" PRIu64 " %12" PRIu64 " %10" PRIu64 " %12" PRIu64
			     " %8" PRIu64 " ",
			p->name, port_link_up(p) ? "up" : "down", p->st.rx_frames, p->st.rx_bytes,
			p->st.tx_frames, p->st.tx_bytes, drops);
		for (int r = 0; r < DROP_REASON_COUNT; r++)
			if (port_drops(p, r))
				fprintf(out, " %s=%" PRIu64, drop_reason_name(r), port_drops(p, r));
		fputc('\n', out);
	}
}

void info_mac(struct sim *s, struct bridge *only, FILE *out)
{
	uint64_t now = loop_now(s->loop);

	for (int i = 0; i < s->nbridges; i++) {
		struct bridge *b = s->bridges[i];
		struct fdb_entry *v;
		uint32_t n;

		if (only != NULL && b != only)
			continue;
		n = fdb_snapshot(b->fdb, now, &v);
		fprintf(out, "%s: %u entries (max %u)\n", b->node.name, n, fdb_max(b->fdb));
		fprintf(out, "  %-17s %-4s %-14s %10s\n", "MAC", "VLAN", "PORT", "AGE");
		for (uint32_t j = 0; j < n; j++) {
			uint8_t mac[6];
			char m[18];

			u64_to_mac(fdb_key_mac(v[j].key), mac);
			if (v[j].is_static)
				fprintf(out, "  %-17s %-4u %-14s %10s\n", fmt_mac(mac, m),
					fdb_key_vid(v[j].key), b->node.ports[v[j].port]->name, "static");
			else
				fprintf(out, "  %-17s %-4u %-14s %9.3fs\n", fmt_mac(mac, m),
					fdb_key_vid(v[j].key), b->node.ports[v[j].port]->name,
					(double)(now - v[j].last_seen) / 1e9);
		}
		free(v);
	}
}

void info_arp(struct sim *s, struct guest *gu, FILE *out)
{
	uint64_t now = loop_now(s->loop);

	fprintf(out, "%s ARP cache (timeout %.0fs):\n", gu->node.name,
		(double)gu->arp_timeout / 1e9);
	fprintf(out, "  %-15s %-17s %-8s %s\n", "ADDRESS", "MAC", "NIC", "STATE");
	for (int i = 0; i < gu->narp; i++) {
		const struct arp_entry *e = gu->arp[i];
		char ip[16], mac[18];

		if (e->resolved && guest_arp_live(gu, e))
			fprintf(out, "  %-15s %-17s %-8s reachable, %.3fs old\n", fmt_ipv4(e->ip, ip),
				fmt_mac(e->mac, mac), gu->nics[e->nic]->id,
				(double)(now - e->updated) / 1e9);
		else if (e->resolved)
			fprintf(out, "  %-15s %-17s %-8s expired\n", fmt_ipv4(e->ip, ip),
				fmt_mac(e->mac, mac), gu->nics[e->nic]->id);
		else
			fprintf(out, "  %-15s %-17s %-8s incomplete, %u tries\n", fmt_ipv4(e->ip, ip),
				"-", gu->nics[e->nic]->id, e->tries);
	}
}

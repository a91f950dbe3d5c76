/*
 * Topology panel: every node with its ports, each port's link state and
 * what it is connected to; beside it (or below, on a narrow screen) the
 * selected node's details. Rows are rebuilt on every draw from the graph,
 * so nodes that appear later (backends) show up without a hook.
 */
#include "tui.h"
#include "../core/values.h"
#include "../app/qemu.h"
#include "../backends/netdev.h"

#include <arpa/inet.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct topo {
	int sel;        /* selected row */
	int top;        /* first row shown */
	int nrows;
	int list_w, list_h;     /* the list's size at the last draw (clicks) */
};

/* Row i is a node (port == NULL) or one of its ports. */
static bool row_at(struct sim *s, int i, struct node **n, struct port **p)
{
	int k = 0;

	for (int a = 0; a < s->g->nnodes; a++) {
		struct node *nd = s->g->nodes[a];

		if (k == i) {
			*n = nd;
			*p = NULL;
			return true;
		}
		k++;
		if (i < k + nd->nports) {
			*n = nd;
			*p = nd->ports[i - k];
			return true;
		}
		k += nd->nports;
	}
	return false;
}

/* The row of node n (p NULL) or of its port p; -1 if none. */
static int row_of(struct sim *s, const struct node *n, const struct port *p)
{
	int k = 0;

	for (int a = 0; a < s->g->nnodes; a++) {
		struct node *nd = s->g->nodes[a];

		if (nd == n) {
			for (int i = 0; p != NULL && i < nd->nports; i++)
				if (nd->ports[i] == p)
					return k + 1 + i;
			return k;
		}
		k += 1 + nd->nports;
	}
	return -1;
}

static int row_count(struct sim *s)
{
	int k = 0;

	for (int a = 0; a < s->g->nnodes; a++)
		k += 1 + s->g->nodes[a]->nports;
	return k;
}

static void *topo_create(struct tui *t)
{
	(void)t;
	return xcalloc(1, sizeof(struct topo));
}

static void topo_destroy(void *st)
{
	free(st);
}

static void node_line(struct node *n, char *buf, size_t len)
{
	struct guest *gu = guest_from_node(n);
	struct bridge *b = bridge_from_node(n);
	struct hub *h = hub_from_node(n);

	if (gu != NULL)
		snprintf(buf, len, "guest %s (%s%d NIC%s)", n->name, gu->kind->tag ?: "", gu->nnics,
			 gu->nnics == 1 ? "" : "s");
	else if (b != NULL)
		snprintf(buf, len, "bridge %s (%u MAC%s)", n->name, fdb_count(b->fdb),
			 fdb_count(b->fdb) == 1 ? "" : "s");
	else if (h != NULL && h->vlan >= 0)
		snprintf(buf, len, "hub %s (QEMU vlan %d)", n->name, h->vlan);
	else if (netdev_from_node(n) != NULL)
		snprintf(buf, len, "netdev %s (%s, %s)", n->name,
			 netdev_from_node(n)->ops ? netdev_from_node(n)->ops->type : "?",
			 netdev_state_name(netdev_from_node(n)->state));
	else
		snprintf(buf, len, "%s %s", n->ops->kind, n->name);
}

static void port_line(struct port *p, char *buf, size_t len)
{
	struct port *peer = port_peer(p);
	uint64_t drops = port_drops_total(p);

	snprintf(buf, len, "  %-11s %-8s %s %-11s", p->name, tui_link_word(p),
		 peer ? "->" : "  ", peer ? peer->name : "(not connected)");
	if (drops > 0) {
		size_t k = strlen(buf);

		snprintf(buf + k, len - k, " %" PRIu64 " drops", drops);
	}
}

static attr_t link_attr(struct tui *t, const struct port *p)
{
	const char *w = tui_link_word(p);

	return strcmp(w, "up") == 0 ? tui_attr(t, C_UP) :
	       strcmp(w, "--") == 0 ? tui_attr(t, C_DIM) : tui_attr(t, C_DOWN);
}

/*
 * The details of the selected node, as lines: a helper per kind of node
 * writes its own, each line cut at the rectangle's width, none once the
 * rectangle is full. A back-end's own lines in a netdev's details
 * (netdev.h) come through the same place.
 */
struct detail_rows {
	struct detail_lines o;
	struct tui *t;
	struct rect r;
	int y, end;             /* the next row, and the first one below r */
	uint64_t now;
};

static void dline(struct detail_rows *d, attr_t a, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void dline(struct detail_rows *d, attr_t a, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (d->y >= d->end)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	tui_text(d->y++, d->r.x, d->r.w, a, false, buf);
}

/* Text that may take several rows, wrapped. */
static void dwrap(struct detail_rows *d, attr_t a, const char *text)
{
	d->y += tui_wrap(d->y, d->r.x, d->r.w, d->end - d->y, a, text);
}

static void details_line(struct detail_lines *o, enum line_style style, const char *text)
{
	struct detail_rows *d = container_of(o, struct detail_rows, o);

	if (d->y >= d->end)
		return;
	switch (style) {
	case LINE_HEADING:
		dline(d, tui_attr(d->t, C_HEADER), "%s", text);
		break;
	case LINE_DIM:
		dline(d, tui_attr(d->t, C_DIM), "%s", text);
		break;
	case LINE_GOOD:
		dline(d, tui_attr(d->t, C_UP), "%s", text);
		break;
	case LINE_PENDING:
		dline(d, tui_attr(d->t, C_FLOOD), "%s", text);
		break;
	case LINE_BAD:
		dline(d, tui_attr(d->t, C_DOWN), "%s", text);
		break;
	case LINE_TEXT:
		dwrap(d, tui_attr(d->t, C_NORMAL), text);
		break;
	}
}

static void details_nic(struct detail_rows *d, const struct nic *nic)
{
	struct tui *t = d->t;
	attr_t a = tui_attr(t, C_NORMAL);
	char ip[20], mac[18];

	fmt_mac(nic->mac, mac);
	dline(d, a, "%s %s %s", nic->id, nic->model->name, mac);
	if (nic->ip != 0) {
		fmt_ipv4(nic->ip, ip);
		dline(d, a, "  %s/%d  link %s", ip, nic->prefix, tui_link_word(nic->port));
	} else {
		dline(d, a, "  no address  link %s", tui_link_word(nic->port));
	}
	if (nic->dhcp != NULL) {
		const char *ls = field_value(&dhcp_fields, nic->dhcp, "lease")->str;

		dline(d, dhcp_state(nic->dhcp) == DHCP_BOUND ? tui_attr(t, C_UP) :
		      tui_attr(t, C_FLOOD), "  DHCP %s%s%s%s",
		      dhcp_state_name(dhcp_state(nic->dhcp)),
		      nic->ip ? ", lease " : "", nic->ip ? ls : "", nic->ip ? "s" : "");
	}
}

/* A Linux guest: the kernel keeps its own ARP cache; show its commands. */
static void details_arp(struct detail_rows *d, struct guest *gu)
{
	struct tui *t = d->t;
	int shown = 0;
	char ip[20], mac[18];

	dline(d, tui_attr(t, C_HEADER), " ARP cache");
	for (int i = 0; i < gu->narp; i++) {
		const struct arp_entry *e = gu->arp[i];

		fmt_ipv4(e->ip, ip);
		if (e->resolved && guest_arp_live(gu, e)) {
			fmt_mac(e->mac, mac);
			dline(d, tui_attr(t, C_NORMAL), "%s %s %.0fs", ip, mac,
			      (double)(d->now - e->updated) / 1e9);
		} else if (!e->resolved) {
			dline(d, tui_attr(t, C_FLOOD), "%s (incomplete, try %u)", ip, e->tries);
		} else {
			continue;
		}
		shown++;
	}
	if (shown == 0)
		dline(d, tui_attr(t, C_DIM), "(empty)");
}

/* The guest's pings and TCP connections, when it has any. */
static void details_traffic(struct detail_rows *d, struct guest *gu)
{
	struct tui *t = d->t;
	attr_t a = tui_attr(t, C_NORMAL), hd = tui_attr(t, C_HEADER);
	char ip[20];

	if (gu->npings > 0) {
		dline(d, hd, " pings");
		for (int i = 0; i < gu->npings; i++) {
			const struct ping *pg = gu->pings[i];

			fmt_ipv4(pg->dst, ip);
			if (pg->received > 0)
				dline(d, a, "%s %u/%u rtt %.3f/%.3f/%.3f ms", ip, pg->received,
				      pg->sent, (double)pg->rtt_min / 1e6,
				      (double)pg->rtt_sum / pg->received / 1e6,
				      (double)pg->rtt_max / 1e6);
			else
				dline(d, pg->sent > 0 ? tui_attr(t, C_DROP) : a, "%s %u/%u lost",
				      ip, pg->received, pg->sent);
		}
	}
	if (tcp_count(gu) > 0) {
		dline(d, hd, " TCP");
		for (int i = 0; i < tcp_count(gu); i++) {
			struct tcp_conn *c = tcp_at(gu, i);
			char st[24], rem[24], rx[24];

			snprintf(st, sizeof(st), "%.23s", field_value(&tcp_fields, c, "state")->str);
			snprintf(rem, sizeof(rem), "%.23s", field_value(&tcp_fields, c, "remote")->str);
			snprintf(rx, sizeof(rx), "%.23s", field_value(&tcp_fields, c, "rx_bytes")->str);
			dline(d, strcmp(st, "established") == 0 ? tui_attr(t, C_UP) : a,
			      "%s %s in %s out %s", rem, st, rx,
			      field_value(&tcp_fields, c, "tx_bytes")->str);
		}
	}
}

/* Returns false for a Linux guest, whose lines leave the rest of the
 * rectangle as it is. */
static bool details_guest(struct detail_rows *d, struct node *n, struct guest *gu)
{
	attr_t a = tui_attr(d->t, C_NORMAL);
	char ip[20];

	dline(d, tui_attr(d->t, C_HEADER) | A_BOLD, " guest %-*s", d->r.w - 7, n->name);
	for (int i = 0; i < gu->nnics; i++)
		details_nic(d, gu->nics[i]);
	if (gu->gateway != 0) {
		fmt_ipv4(gu->gateway, ip);
		dline(d, a, "gateway %s", ip);
	}
	if (gu->dns != 0) {
		fmt_ipv4(gu->dns, ip);
		dline(d, a, "dns %s", ip);
	}
	if (gu->kind->lines != NULL)
		gu->kind->lines(gu, &d->o);
	if (!gu->kind->sim_stack)
		return false;
	details_arp(d, gu);
	details_traffic(d, gu);
	return true;
}

static void details_stp(struct detail_rows *d, struct node *n, struct bridge *b)
{
	struct tui *t = d->t;
	attr_t a = tui_attr(t, C_NORMAL);
	char me[32], root[32];

	stp_fmt_id(b->stp->bridge_id, me, sizeof(me));
	stp_fmt_id(b->stp->root_id, root, sizeof(root));
	dline(d, tui_attr(t, C_HEADER), " spanning tree");
	dline(d, a, "bridge %s", me);
	if (b->stp->root_port < 0)
		dline(d, tui_attr(t, C_UP), "root: this bridge");
	else
		dline(d, a, "root %s", root);
	if (b->stp->root_port >= 0)
		dline(d, a, "via %s, cost %u", n->ports[b->stp->root_port]->name,
		      b->stp->root_cost);
	if (b->stp->tc)
		dline(d, a, "topology change (short ageing)");
}

/* Each port's STP role and state, and its VLANs. */
static void details_bports(struct detail_rows *d, struct node *n, struct bridge *b)
{
	struct tui *t = d->t;
	attr_t a = tui_attr(t, C_NORMAL);

	dline(d, tui_attr(t, C_HEADER), " ports");
	for (int i = 0; i < n->nports; i++) {
		struct port *p = n->ports[i];
		struct bport *bp = p->priv;
		char vl[128] = "";
		attr_t pa = a;

		bridge_port_vlans(b, p, vl, sizeof(vl));
		if (b->stp != NULL)
			pa = bport_sp_peek(bp)->state == STP_FORWARDING ? tui_attr(t, C_UP) :
			     bport_sp_peek(bp)->state == STP_BLOCKING ||
			     bport_sp_peek(bp)->state == STP_DISABLED ? tui_attr(t, C_DOWN) : a;
		dline(d, pa, "%s %s%s%s%s%s", p->name, b->stp ? stp_role_name(bport_sp_peek(bp)->role) : "",
		      b->stp ? " " : "", b->stp ? stp_state_name(bport_sp_peek(bp)->state) : "",
		      vl[0] && b->stp ? ", " : "", vl);
	}
}

static void details_bridge(struct detail_rows *d, struct node *n, struct bridge *b)
{
	attr_t a = tui_attr(d->t, C_NORMAL), hd = tui_attr(d->t, C_HEADER);

	dline(d, hd | A_BOLD, " bridge %-*s", d->r.w - 8, n->name);
	dline(d, a, "%d ports, MAC table %u of %u", n->nports, fdb_count(b->fdb),
	      fdb_max(b->fdb));
	dline(d, a, "ageing %.0fs", (double)fdb_ageing(b->fdb) / 1e9);
	dline(d, hd, " decisions");
	/* The bridge's counters, as the report and expectations name them. */
	for (size_t i = 0; i < bridge_fields.n; i++) {
		const struct field *f = &bridge_fields.f[i];
		char label[32];

		if (f->flags & FIELD_NOREPORT)
			continue;
		snprintf(label, sizeof(label), "%s", f->name);
		for (char *p = label; *p; p++)
			if (*p == '_')
				*p = ' ';
		dline(d, a, "%-15s %" PRIu64, label, field_u64(f, b));
	}
	if (b->stp != NULL)
		details_stp(d, n, b);
	if (b->stp != NULL || b->vlan_aware)
		details_bports(d, n, b);
}

/* How a real VM joins node n (qnetsim qemu-args's line), when one can. */
static void details_join(struct detail_rows *d, struct node *n)
{
	char q[2 * ERRLEN];

	if (qemu_args_for(tui_sim(d->t), n, 0, q, sizeof(q)) < 0)
		return;
	dline(d, tui_attr(d->t, C_HEADER), " a QEMU VM joins with");
	dwrap(d, tui_attr(d->t, C_DIM), q);
}

static void details_netdev(struct detail_rows *d, struct node *n, struct netdev *nd)
{
	struct tui *t = d->t;
	attr_t a = tui_attr(t, C_NORMAL), hd = tui_attr(t, C_HEADER);
	char st[400];
	attr_t sa = nd->state == ND_CONNECTED || nd->state == ND_OPEN ? tui_attr(t, C_UP) :
		    nd->state == ND_LISTENING || nd->state == ND_CONNECTING ? a :
		    tui_attr(t, C_DOWN);

	dline(d, hd | A_BOLD, " netdev %-*s", d->r.w - 8, n->name);
	dline(d, a, "type=%s", nd->ops ? nd->ops->type : "?");
	if (nd->options != NULL)
		dwrap(d, a, nd->options);
	dline(d, hd, " peer");
	netdev_describe(nd, st, sizeof(st));
	dwrap(d, sa, st);
	if (nd->state != ND_CLOSED)
		dline(d, a, "for %.1fs", (double)(d->now - nd->since) / 1e9);
	if (nd->error[0] != '\0' && nd->state != ND_RECONNECTING && nd->state != ND_ERROR) {
		dline(d, a, "last:");
		dwrap(d, tui_attr(t, C_DIM), nd->error);
	}
	details_join(d, n);
	dline(d, hd, " frames");
	dline(d, a, "from outside %" PRIu64, nd->port->st.tx_frames);
	dline(d, a, "to outside   %" PRIu64, nd->port->st.rx_frames);
	if (nd->last_rx != 0)
		dline(d, a, "last heard %.1fs ago", (double)(d->now - nd->last_rx) / 1e9);
	if (nd->ops != NULL && nd->ops->lines != NULL)
		nd->ops->lines(nd, &d->o);
	dline(d, hd, " counters");
	for (size_t i = 0; i < netdev_fields.n; i++) {
		const struct field *f = &netdev_fields.f[i];
		uint64_t v = field_u64(f, nd);
		bool always = (f->flags & FIELD_PEER) && !(nd->ops != NULL && nd->ops->peerless);

		if (v > 0 || always)
			dline(d, f->flags & FIELD_GOOD ? a : tui_attr(t, C_DROP), "%-16s %" PRIu64,
			      f->name, v);
	}
}

static void details_hub(struct detail_rows *d, struct node *n, struct hub *h)
{
	attr_t a = tui_attr(d->t, C_NORMAL);

	dline(d, tui_attr(d->t, C_HEADER) | A_BOLD, " hub %-*s", d->r.w - 5, n->name);
	if (h->vlan >= 0)
		dline(d, a, "QEMU vlan %d: every frame goes", h->vlan);
	else
		dline(d, a, "every frame goes");
	dline(d, a, "to every other port");
	dline(d, a, "%d ports", n->nports);
	dline(d, a, "frames flooded %" PRIu64, h->flooded);
	dline(d, a, "copies sent    %" PRIu64, h->copies);
}

/* A port's own details: its link and peer, counters, drops by reason,
 * VLANs and STP (a bridge port), and what its link does to what it sends. */
static void details_port(struct detail_rows *d, struct port *p)
{
	struct tui *t = d->t;
	attr_t a = tui_attr(t, C_NORMAL), hd = tui_attr(t, C_HEADER);
	struct bridge *b = bridge_from_node(p->node);
	struct port *peer = p->link != NULL ? p->link->end[!p->side] : NULL;
	const struct link_dir *out = port_out_dir(p);
	char im[256];

	dline(d, hd | A_BOLD, " port %s", p->name);
	dline(d, link_attr(t, p), "link %s%s%s", tui_link_word(p), peer ? " -> " : "",
	      peer ? peer->name : "");
	dline(d, hd, " counters");
	for (size_t i = 0; i < port_fields.n; i++) {
		struct value v;

		if (port_fields.f[i].flags & FIELD_TEXT)
			continue;
		field_get(&port_fields.f[i], p, &v);
		dline(d, a, "%-15s %s", port_fields.f[i].name, v.str);
	}
	for (int r = 0; r < DROP_REASON_COUNT; r++)
		if (port_drops(p, r))
			dline(d, tui_attr(t, C_DROP), "  %s: %" PRIu64,
			      drop_reason_label((enum drop_reason)r), port_drops(p, r));
	if (b != NULL) {
		struct bport *bp = p->priv;
		char vl[128] = "";

		bridge_port_vlans(b, p, vl, sizeof(vl));
		dline(d, a, "VLANs %s", vl[0] ? vl : "all (not VLAN-aware)");
		if (b->stp != NULL)
			dline(d, a, "STP %s %s", stp_role_name(bport_sp_peek(bp)->role),
			      stp_state_name(bport_sp_peek(bp)->state));
	}
	if (out != NULL) {
		impair_format(link_dir_impair(out), im, sizeof(im));
		dline(d, a, "sends with %s", im[0] ? im : "no impairment");
	}
}

static void details(struct tui *t, struct node *n, struct rect r)
{
	struct detail_rows d = { { details_line }, t, r, r.y, r.y + r.h,
				 loop_now(tui_sim(t)->loop) };
	struct guest *gu = guest_from_node(n);
	struct bridge *b = bridge_from_node(n);
	struct hub *h = hub_from_node(n);

	/* What is attached to the node (the served VDE switch) comes first. */
	for (struct node_ext *x = n->ext; x != NULL; x = x->next) {
		char vb[256];

		if (x->ops->describe == NULL)
			continue;
		x->ops->describe(x, vb, sizeof(vb));
		dline(&d, tui_attr(t, C_UP), "%s", vb);
		if (x->ops->qemu_peer != NULL)
			details_join(&d, n);
	}
	if (tui_sel_port(t) != NULL && tui_sel_port(t)->node == n) {
		details_port(&d, tui_sel_port(t));
	} else if (gu != NULL) {
		if (!details_guest(&d, n, gu))
			return;
	} else if (b != NULL) {
		details_bridge(&d, n, b);
	} else if (netdev_from_node(n) != NULL) {
		details_netdev(&d, n, netdev_from_node(n));
	} else if (h != NULL) {
		details_hub(&d, n, h);
	} else {
		dline(&d, tui_attr(t, C_HEADER) | A_BOLD, " %s %s", n->ops->kind, n->name);
	}
	while (d.y < d.end)
		tui_text(d.y++, r.x, r.w, tui_attr(t, C_NORMAL), true, "");
}

static void topo_draw(struct tui *t, void *stp, struct rect r, bool focused)
{
	struct topo *st = stp;
	struct sim *s = tui_sim(t);
	struct rect list = r, det = r;
	int rows, lw;
	struct node *sn = NULL;
	struct port *sp = NULL;
	char extra[64];

	st->nrows = row_count(s);
	snprintf(extra, sizeof(extra), "%d nodes, %u ports, %d links", s->g->nnodes, s->g->nports,
		 s->g->nlinks);
	tui_title(t, r, tui_panel_index(&panel_topology_ops) + 1, "Topology", extra,
		  focused);
	list.y++;
	list.h--;
	/* Details to the right when there is room for both. */
	lw = r.w >= 76 ? r.w - MAX(34, r.w / 3) - 1 : r.w;
	if (lw < r.w) {
		list.w = lw;
		det.x = r.x + lw + 1;
		det.w = r.w - lw - 1;
		det.y = list.y;
		det.h = list.h;
		for (int i = 0; i < det.h; i++)
			mvaddch(det.y + i, det.x - 1, ACS_VLINE);
	} else {
		list.h = MAX(3, list.h * 3 / 5);
		det.y = list.y + list.h;
		det.h = r.h - 1 - list.h;
	}
	rows = list.h;
	/* The selection is every panel's: follow one made elsewhere. */
	{
		struct node *cn;
		struct port *cp;
		int k;

		if (tui_sel_node(t) != NULL &&
		    (!row_at(s, st->sel, &cn, &cp) || cn != tui_sel_node(t) || cp != tui_sel_port(t)) &&
		    (k = row_of(s, tui_sel_node(t), tui_sel_port(t))) >= 0)
			st->sel = k;
	}
	st->list_w = list.w;
	st->list_h = list.h;
	tui_list_scroll(&st->sel, &st->top, st->nrows, rows);
	for (int i = 0; i < rows; i++) {
		struct node *n;
		struct port *p;
		char buf[256];
		int k = st->top + i;

		if (!row_at(s, k, &n, &p)) {
			tui_text(list.y + i, list.x, list.w, tui_attr(t, C_NORMAL), true, "");
			continue;
		}
		if (p == NULL) {
			node_line(n, buf, sizeof(buf));
			tui_text(list.y + i, list.x, list.w,
				 k == st->sel ? tui_attr(t, C_SELECT) : A_BOLD, true, buf);
		} else {
			port_line(p, buf, sizeof(buf));
			tui_text(list.y + i, list.x, list.w,
				 k == st->sel ? tui_attr(t, C_SELECT) : tui_attr(t, C_NORMAL), true,
				 buf);
			if (k != st->sel)
				tui_text(list.y + i, list.x + 14, MIN(8, list.w - 14),
					 link_attr(t, p), false, tui_link_word(p));
		}
	}
	if (row_at(s, st->sel, &sn, &sp) && focused)
		tui_select(t, sn, sp);
	sn = tui_sel_node(t);
	if (sn != NULL && det.h > 0 && det.w > 10)
		details(t, sn, det);
}

static bool topo_key(struct tui *t, void *stp, int ch)
{
	struct topo *st = stp;
	struct node *n;
	struct port *p;

	if (!tui_list_key(ch, &st->sel, st->nrows))
		return false;
	if (row_at(tui_sim(t), st->sel, &n, &p))
		tui_select(t, n, p);
	return true;
}

/* A click on a row of the list selects it. */
static void topo_click(struct tui *t, void *stp, int y, int x)
{
	struct topo *st = stp;
	struct node *n;
	struct port *p;
	int k = st->top + y - 1;

	if (y < 1 || y > st->list_h || x >= st->list_w || !row_at(tui_sim(t), k, &n, &p))
		return;
	st->sel = k;
	tui_select(t, n, p);
}

const struct panel_ops panel_topology_ops = {
	.name = "Topology",
	.keys = "Up/Down    select a node or a port (details on the right)\n"
		"l / c      link on/off, capture on the selected port\n"
		"p          ping from the selected guest\n"
		"f          flush the selected bridge's MAC table",
	.create = topo_create,
	.destroy = topo_destroy,
	.draw = topo_draw,
	.key = topo_key,
	.click = topo_click,
};

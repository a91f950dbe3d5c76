/*
 * The topology loader's second pass (loader.h): once the whole file is
 * read, ports and links are built in a fixed order and every reference is
 * checked, so each error names the line that caused it.
 */
#include "loader.h"
#include "hosts.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct hub *sim_vlan_hub(struct sim *s, int vlan, int line)
{
	char name[24];
	struct node *n;
	struct hub *h;

	snprintf(name, sizeof(name), "vlan%d", vlan);
	n = graph_find_node(s->g, name);
	if (n != NULL)
		return hub_from_node(n);
	h = hub_new(s->g, name, vlan, line);
	push_node((void ***)&s->hubs, &s->nhubs, h);
	return h;
}

/* Finds or creates the port an endpoint names. */
static struct port *endpoint(struct loader *L, const char *ep, int line)
{
	struct sim *s = L->s;
	char name[SIM_MAX_NAME * 2 + 2];
	char *dot;
	struct node *n;
	struct guest *gu;

	if (strlen(ep) >= sizeof(name)) {
		lerr(L, line, "link endpoint '%s' is too long", ep);
		return NULL;
	}
	strcpy(name, ep);
	dot = strchr(name, '.');
	if (dot != NULL)
		*dot = '\0';
	n = find_node(L, name);
	if (n == NULL && strncmp(name, "vlan", 4) == 0 && isdigit((unsigned char)name[4])) {
		uint64_t v;

		if (parse_u64(name + 4, 0, 4095, &v, NULL) == 0)
			n = &sim_vlan_hub(s, (int)v, line)->node;
	}
	if (n == NULL) {
		lerr(L, line, "link endpoint '%s': no guest, hub, bridge or netdev named '%s'", ep,
		     name);
		return NULL;
	}
	if (netdev_from_node(n) != NULL) {
		if (dot == NULL || strcmp(dot + 1, "0") == 0)
			return n->ports[0];
		lerr(L, line, "link endpoint '%s': a netdev has one port, %s.0", ep, name);
		return NULL;
	}
	gu = guest_from_node(n);
	if (dot == NULL) {
		if (gu != NULL) {
			if (gu->nnics != 1) {
				lerr(L, line, "link endpoint '%s': guest has %d NICs; name one (%s.nic0)",
				     ep, gu->nnics, name);
				return NULL;
			}
			return gu->nics[0]->port;
		}
		if (hub_from_node(n) != NULL)
			return hub_add_port(hub_from_node(n));
		return bridge_add_port(bridge_from_node(n));
	}
	/* The node's own ports, not the graph's map of every name (a cache
	 * miss each, 200,000 of them at 100,000 guests): a NIC's port is
	 * named by its id, a hub's or a bridge's by its number. */
	if (gu != NULL) {
		for (int i = 0; i < gu->nnics; i++)
			if (gu->nics[i]->port != NULL && strcmp(gu->nics[i]->id, dot + 1) == 0)
				return gu->nics[i]->port;
	}
	if (gu == NULL) {
		/* br0.3: create ports up to 3 so the number is the one asked for. */
		uint64_t num;

		if (parse_u64(dot + 1, 0, UINT64_MAX, &num, NULL) < 0 || num == 0) {
			lerr(L, line, "link endpoint '%s': ports of %s are numbered (%s.1, %s.2, ...)",
			     ep, name, name, name);
			return NULL;
		}
		if (num > 4096) {
			lerr(L, line, "link endpoint '%s': port %s is out of range: a %s has at most "
				      "4096 ports (%s.1 .. %s.4096)", ep, dot + 1,
			     hub_from_node(n) != NULL ? "hub" : "bridge", name, name);
			return NULL;
		}
		while ((uint64_t)n->nports < num) {
			if (hub_from_node(n) != NULL)
				hub_add_port(hub_from_node(n));
			else
				bridge_add_port(bridge_from_node(n));
		}
		return n->ports[num - 1];
	}
	lerr(L, line, "link endpoint '%s': guest '%s' has no NIC '%s'", ep, name, dot + 1);
	return NULL;
}

struct mac_use {
	uint64_t mac;
	int order;              /* declaration order, to name the first user */
	struct nic *nic;
};

static int mac_use_exists(const void *a, const void *b)
{
	const struct mac_use *x = a, *y = b;

	return x->mac == y->mac ? 0 : x->mac < y->mac ? -1 : 1;
}

static int mac_use_cmp(const void *a, const void *b)
{
	const struct mac_use *x = a, *y = b;

	if (x->mac != y->mac)
		return x->mac < y->mac ? -1 : 1;
	return x->order - y->order;
}

/* Checks explicit MACs are unique, then gives every other NIC the next
 * free address counting up from 52:54:00:12:34:56. O(n log n). */
static void assign_macs(struct loader *L)
{
	struct sim *s = L->s;
	struct mac_use *used = NULL;
	size_t n = 0, cap = 0;
	uint64_t next = 0x525400123456ULL;
	int order = 0;

	for (int i = 0; i < s->nguests; i++) {
		for (int j = 0; j < s->guests[i]->nnics; j++, order++) {
			struct nic *a = s->guests[i]->nics[j];

			if (a->mac_auto)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				used = xreallocarray(used, cap, sizeof(*used));
			}
			used[n++] = (struct mac_use){ mac_to_u64(a->mac), order, a };
		}
	}
	if (n > 0)
		qsort(used, n, sizeof(*used), mac_use_cmp);
	for (size_t k = 1; k < n; k++) {
		if (used[k].mac == used[k - 1].mac) {
			struct nic *first = used[k - 1].nic;
			char buf[18];

			/* Name the first user of the address (a run keeps order). */
			for (size_t f = k - 1; f > 0 && used[f - 1].mac == used[k].mac; f--)
				first = used[f - 1].nic;
			lerr(L, used[k].nic->line, "duplicate MAC %s (also %s.%s at line %d)",
			     fmt_mac(used[k].nic->mac, buf), first->guest->node.name, first->id,
			     first->line);
		}
	}
	for (int i = 0; i < s->nguests; i++) {
		for (int j = 0; j < s->guests[i]->nnics; j++) {
			struct nic *a = s->guests[i]->nics[j];
			struct mac_use key;

			if (!a->mac_auto)
				continue;
			do {
				key.mac = next++;
				key.order = -1;
			} while (n > 0 && bsearch(&key, used, n, sizeof(*used), mac_use_exists) != NULL);
			u64_to_mac(key.mac, a->mac);
		}
	}
	free(used);
}

/* What is attached to hubs and bridges (a served VDE switch) checks itself. */
static void check_exts(struct loader *L)
{
	struct sim *s = L->s;

	for (int i = 0; i < s->g->nnodes; i++) {
		for (struct node_ext *x = s->g->nodes[i]->ext; x != NULL; x = x->next) {
			char err[ERRLEN];
			int line;

			if (x->ops->check != NULL && x->ops->check(x, &line, err) < 0)
				lerr(L, line, "%s", err);
		}
	}
}

/* Every guest has a NIC; each gets its port. */
static void attach_nics(struct loader *L)
{
	struct sim *s = L->s;

	for (int i = 0; i < s->nguests; i++) {
		if (s->guests[i]->nnics == 0)
			lerr(L, s->guests[i]->node.line, "guest '%s' has no NIC (add nic = model=e1000)",
			     s->guests[i]->node.name);
		for (int j = 0; j < s->guests[i]->nnics; j++)
			guest_nic_attach(s->guests[i]->nics[j]);
	}
}

/* IP addresses, now that NIC ids are final: ip.nic0.10 makes an 802.1Q
 * VLAN interface on nic0. */
static void set_addresses(struct loader *L)
{
	for (int i = 0; i < L->nips; i++) {
		struct ip_decl *d = &L->ips[i];
		struct nic *nic = guest_nic_named(d->gu, d->nic);

		if (nic == NULL && strrchr(d->nic, '.') != NULL) {
			/* ip.nic0.10: an 802.1Q VLAN interface on nic0. */
			char *dot = strrchr(d->nic, '.');
			char parent_id[64];
			struct nic *parent;
			uint64_t vid;

			snprintf(parent_id, sizeof(parent_id), "%.*s", (int)(dot - d->nic), d->nic);
			parent = guest_nic_named(d->gu, parent_id);
			if (parent != NULL && parent->parent == NULL) {
				if (parse_u64(dot + 1, 1, 4094, &vid, NULL) < 0) {
					lerr(L, d->line, "ip.%s: VLAN '%s' must be 1..4094", d->nic,
					     dot + 1);
					continue;
				}
				if (d->gu->kind->no_vifs != NULL) {
					lerr(L, d->line, "ip.%s: VLAN interfaces are for sim guests; %s",
					     d->nic, d->gu->kind->no_vifs);
					continue;
				}
				if (d->dhcp) {
					lerr(L, d->line, "ip.%s: a VLAN interface takes a static address, "
						 "not dhcp", d->nic);
					continue;
				}
				{
					char vid_id[80];

					snprintf(vid_id, sizeof(vid_id), "%s.%u", parent->id,
						 (unsigned)vid);
					nic = guest_find_nic(d->gu, vid_id);
				}
				if (nic == NULL)
					nic = guest_add_vif(parent, (uint16_t)vid);
				if (nic == NULL) {
					lerr(L, d->line, "ip.%s: guest '%s' has %d VLAN interfaces, the most",
					     d->nic, d->gu->node.name, GUEST_MAX_VIFS);
					continue;
				}
			}
		}
		if (nic == NULL) {
			lerr(L, d->line, "ip.%s: guest '%s' has no NIC %s", d->nic, d->gu->node.name,
			     d->nic);
			continue;
		}
		if (nic->ip != 0 || nic->dhcp_wanted) {
			lerr(L, d->line, "ip: NIC %s.%s already has an address", d->gu->node.name,
			     nic->id);
			continue;
		}
		if (d->dhcp) {
			nic->dhcp_wanted = true;
			if (d->gu->kind->dhcp != NULL)
				d->gu->kind->dhcp(nic);
			continue;
		}
		nic->ip = d->ip;
		nic->prefix = d->prefix;
	}
}

/* A gateway must be on one of the guest's subnets. */
static void check_gateways(struct loader *L)
{
	struct sim *s = L->s;

	for (int i = 0; i < s->nguests; i++) {
		struct guest *gu = s->guests[i];

		if (gu->gateway != 0 && !guest_may_route(gu, gu->gateway))
			lerr(L, gu->node.line, "guest '%s': gateway is not on any NIC's subnet",
			     gu->node.name);
	}
}

/* Netdevs read their options now that each section is complete. */
static void configure_netdevs(struct loader *L)
{
	for (int i = 0; i < L->nnetdevs; i++) {
		struct netdev_decl *d = &L->netdevs[i];
		int line = d->nd->node.line;

		if (d->type == NULL) {
			lerr(L, line, "[netdev %s] needs type = %s", d->nd->node.name, backend_names());
			continue;
		}
		if (d->nd->ops == NULL) {
			lerr(L, d->type_line, "type: unknown netdev type '%s' (known: %s)", d->type,
			     backend_names());
			continue;
		}
		if (netdev_configure(d->nd, d->opts, d->nopts, report_err, L) == 0) {
			char err[ERRLEN];

			if (netdev_attach(d->nd, err) < 0)
				lerr(L, line, "%s", err);
		}
		/* As written, for info network: "listen=:8010". */
		for (int j = 0; j < d->nopts; j++) {
			char *o = d->nd->options;

			d->nd->options = NULL;
			xasprintf(&d->nd->options, "%s%s%s=%s", o ? o : "", o ? "," : "",
				  d->opts[j].key, d->opts[j].val);
			free(o);
		}
	}
}

/* A NIC's netdev= is a cable straight to that netdev (-device ...,netdev=). */
static void cable_nic_netdevs(struct loader *L)
{
	struct sim *s = L->s;

	for (int i = 0; i < L->nnicnets; i++) {
		struct nic_netdev_decl *d = &L->nicnets[i];
		struct netdev *nd = netdev_from_node(find_node(L, d->netdev));

		if (nd == NULL) {
			lerr(L, d->line, "nic: netdev=%s: no [netdev %s] section", d->netdev, d->netdev);
			continue;
		}
		if (d->nic->vlan >= 0) {
			lerr(L, d->line, "nic: netdev= and vlan= exclude each other");
			continue;
		}
		if (nd->vlan >= 0) {
			lerr(L, d->line, "nic: netdev %s is already on vlan %d (line %d)", d->netdev,
			     nd->vlan, nd->node.line);
			continue;
		}
		if (nd->port->link != NULL) {
			lerr(L, d->line, "nic: netdev %s already has its peer (line %d)", d->netdev,
			     nd->port->link->line);
			continue;
		}
		link_new(s->g, d->nic->port, nd->port, 0, 0, 0, d->line);
	}
}

/* Explicit links first, in file order. */
static void make_links(struct loader *L)
{
	struct sim *s = L->s;

	for (int i = 0; i < L->nlinks; i++) {
		struct link_decl *d = &L->links[i];
		struct port *a, *b;
		struct link *lk;

		if (d->a == NULL || d->b == NULL) {
			lerr(L, d->line, "[link] needs both ends: a = NODE[.PORT] and b = NODE[.PORT]");
			continue;
		}
		a = endpoint(L, d->a, d->a_line);
		b = endpoint(L, d->b, d->b_line);
		if (a == NULL || b == NULL)
			continue;
		if (a == b || a->node == b->node) {
			lerr(L, d->line, "[link] joins %s to itself", a->node->name);
			continue;
		}
		if (a->link != NULL || b->link != NULL) {
			struct port *busy = a->link != NULL ? a : b;

			lerr(L, busy == a ? d->a_line : d->b_line,
			     "link endpoint %s is already connected (link at line %d)", busy->name,
			     busy->link->line);
			continue;
		}
		if (guest_from_node(a->node) != NULL && ((struct nic *)a->priv)->vlan >= 0)
			lerr(L, d->a_line, "%s has vlan=%d and is also linked here; choose one",
			     a->name, ((struct nic *)a->priv)->vlan);
		if (guest_from_node(b->node) != NULL && ((struct nic *)b->priv)->vlan >= 0)
			lerr(L, d->b_line, "%s has vlan=%d and is also linked here; choose one",
			     b->name, ((struct nic *)b->priv)->vlan);
		lk = link_new(s->g, a, b, d->rate, 0, 0, d->line);
		if (d->im != NULL) {
			link_dir_set_impair(&lk->dir[0], &d->im[0]);
			link_dir_set_impair(&lk->dir[1], &d->im[1]);
		}
		if (d->down)
			link_set_down(lk);
	}
}

/* NICs not linked go to their QEMU vlan (hub), vlan 0 by default. */
static void nics_to_vlans(struct loader *L)
{
	struct sim *s = L->s;

	for (int i = 0; i < s->nguests; i++) {
		for (int j = 0; j < s->guests[i]->nnics; j++) {
			struct nic *nic = s->guests[i]->nics[j];
			struct hub *h;

			if (nic->port->link != NULL)
				continue;
			/* QEMU does this silently; a teacher wants to know. */
			if (nic->vlan < 0)
				lwarn(L, nic->line, "%s has no vlan=, netdev= or [link]: it goes on "
						    "hub vlan0, as in QEMU (write vlan=0 to say so)",
				      nic->port->name);
			h = sim_vlan_hub(s, nic->vlan >= 0 ? nic->vlan : 0, nic->line);
			link_new(s->g, nic->port, hub_add_port(h), 0, 0, 0, nic->line);
		}
	}
}

/* Netdevs on a QEMU vlan; one attached nowhere goes on vlan0, as in QEMU. */
static void netdevs_to_vlans(struct loader *L)
{
	struct sim *s = L->s;

	for (int i = 0; i < L->nnetdevs; i++) {
		struct netdev *nd = L->netdevs[i].nd;

		if (nd->vlan >= 0) {
			if (nd->port->link != NULL) {
				lerr(L, L->netdevs[i].vlan_line, "netdev %s has vlan=%d and is also "
					 "connected at line %d; choose one", nd->node.name, nd->vlan,
				     nd->port->link->line);
				continue;
			}
			link_new(s->g, nd->port, hub_add_port(sim_vlan_hub(s, nd->vlan, nd->node.line)),
				 0, 0, 0, L->netdevs[i].vlan_line);
		} else if (nd->port->link == NULL) {
			/* QEMU puts -net TYPE without vlan= on hub 0; say so. */
			lwarn(L, nd->node.line, "netdev %s has no vlan=, no NIC's netdev= and no [link]: "
			      "it goes on hub vlan0, as QEMU puts -net %s (write vlan = 0 to say so)",
			      nd->node.name, L->netdevs[i].type != NULL ? L->netdevs[i].type : "TYPE");
			link_new(s->g, nd->port, hub_add_port(sim_vlan_hub(s, 0, nd->node.line)), 0, 0, 0,
				 nd->node.line);
		}
	}
}

/* Static FDB entries need the ports. */
static void add_statics(struct loader *L)
{
	struct sim *s = L->s;

	for (int i = 0; i < L->nstatics; i++) {
		struct static_decl *d = &L->statics[i];
		struct node *n = &d->b->node;
		struct port *p = graph_find_port(s->g, d->port);
		char full[SIM_MAX_NAME * 2 + 16];
		int rc;

		if (p == NULL) {
			snprintf(full, sizeof(full), "%s.%s", n->name, d->port);
			p = graph_find_port(s->g, full);
		}
		if (p == NULL || p->node != n) {
			lerr(L, d->line, "static: bridge '%s' has no port '%s'", n->name, d->port);
			continue;
		}
		rc = fdb_add_static(d->b->fdb, mac_to_u64(d->mac), d->vid, p->index);
		if (rc == -ENOSPC)
			lerr(L, d->line, "static: the MAC table of '%s' is full (max_entries)",
			     n->name);
	}
}

/* Each bridge checks its ports' settings (VLANs, STP, mirrors). */
static void check_bridges(struct loader *L)
{
	struct sim *s = L->s;

	for (int i = 0; i < s->nbridges; i++) {
		char err[ERRLEN];
		int line;

		if (bridge_check_ports(s->bridges[i], &line, err) < 0)
			lerr(L, line, "%s", err);
	}
}

/* The passes, in the order their errors make sense: names and NICs, then
 * addresses, then back-ends, then cables, then what needs the cables. */
static void (*const passes[])(struct loader *L) = {
	check_exts, assign_macs, attach_nics, set_addresses, check_gateways, configure_netdevs,
	cable_nic_netdevs, make_links, nics_to_vlans, netdevs_to_vlans, add_statics,
	check_bridges, hosts_check,
};

void topo_resolve(struct loader *L)
{
	for (size_t i = 0; i < ARRAY_SIZE(passes); i++)
		passes[i](L);
}

void topo_check_scenario(struct loader *L)
{
	struct sim *s = L->s;
	char err[ERRLEN];
	FILE *null = fopen("/dev/null", "w");

	for (int i = 0; i < s->nsteps; i++) {
		if (cmd_exec(s, s->steps[i].cmd, null, true, err) < 0)
			lerr(L, s->steps[i].line, "%s", err);
		if (s->duration_set && s->steps[i].at > s->duration)
			lerr(L, s->steps[i].line, "step at %.3fs is after the scenario's duration",
			     (double)s->steps[i].at / 1e9);
	}
	if (null != NULL)
		fclose(null);
}


/*
 * The kinds of topology section (loader.h): for each, what its header
 * makes, the keys it takes and what happens when it ends; the table at the
 * bottom lists them, one line each.
 *
 *   [guest NAME]   a guest: NICs, addresses, a netns guest's commands
 *   [hub NAME]     a hub (vlanN is QEMU's vlan N); vde* serves it as a VDE switch
 *   [bridge NAME]  a learning bridge: ageing, VLANs, STP, mirrors, vde*
 *   [netdev NAME]  a QEMU back-end, made when the section ends
 *   [link]         a cable between two ports, with impairments
 *   [scenario]     steps at times, and the run's duration
 */
#include "loader.h"
#include "hosts.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* ---- [guest] ---------------------------------------------------------------- */

/* One key=value of a nic = line other than the model, on nic: 0, or -1
 * reported. */
static int nic_option(struct loader *L, struct guest *gu, struct nic *nic, const char *k,
		      const char *val, int line)
{
	char err[ERRLEN];
	uint64_t num;

	if (strcmp(k, "model") == 0) {
		return 0;       /* read first, by parse_nic */
	} else if (strcmp(k, "macaddr") == 0 || strcmp(k, "mac") == 0) {
		if (parse_mac(val, nic->mac) < 0) {
			lerr(L, line, "nic: macaddr '%s' is not a MAC address "
				      "(like 52:54:00:12:34:56)", val);
			return -1;
		}
		if (mac_is_multicast(nic->mac) || mac_is_zero(nic->mac)) {
			lerr(L, line, "nic: macaddr %s is a %s address; a NIC needs a unicast one",
			     val, mac_is_zero(nic->mac) ? "zero" : "multicast");
			return -1;
		}
		nic->mac_auto = false;
	} else if (strcmp(k, "vlan") == 0) {
		if (parse_u64(val, 0, 4095, &num, err) < 0) {
			lerr(L, line, "nic: vlan: %s", err);
			return -1;
		}
		nic->vlan = (int)num;
	} else if (strcmp(k, "id") == 0 || strcmp(k, "name") == 0) {
		if (!valid_name(val)) {
			lerr(L, line, "nic: %s '%s' is not a valid name", k, val);
			return -1;
		}
		if (guest_find_nic(gu, val) != NULL) {
			lerr(L, line, "nic: duplicate NIC id '%s' in guest '%s'", val,
			     gu->node.name);
			return -1;
		}
		free(nic->id);
		nic->id = xstrdup(val);
		nic->id_given = true;
	} else if (strcmp(k, "addr") == 0) {
		/* PCI address, hex "slot[.func]" as QEMU reads it: accepted so
		 * pasted QEMU lines load; there is no PCI bus to simulate. */
		char *end;
		unsigned long slot = strtoul(val, &end, 16), fn = 0;

		if (*end == '.')
			fn = strtoul(end + 1, &end, 16);
		if (!isxdigit((unsigned char)val[0]) || *end != '\0' || slot > 0x1f || fn > 7) {
			lerr(L, line, "nic: addr: '%s' is not a PCI address (slot[.function] in "
				      "hex, slot 00..1f)", val);
			return -1;
		}
	} else if (strcmp(k, "vectors") == 0) {
		if (parse_u64(val, 0, 2048, &num, err) < 0) {
			lerr(L, line, "nic: vectors: %s", err);
			return -1;
		}
	} else if (strcmp(k, "netdev") == 0) {
		VEC_RESERVE(L->nicnets, L->nnicnets, L->nicnetcap);
		L->nicnets[L->nnicnets++] = (struct nic_netdev_decl){
			.nic = nic, .netdev = xstrdup(val), .line = line };
	} else {
		lerr(L, line, "nic: unknown option '%s' (known: model, macaddr, vlan, netdev, "
			      "id, name, addr, vectors)", k);
		return -1;
	}
	return 0;
}

int topo_nic(struct loader *L, struct guest *gu, const char *value, int line)
{
	char *copy = xstrdup(value), *v = copy;
	struct kv kv[MAX_KV];
	char err[ERRLEN];
	int n;
	const struct nic_model *model = nic_model_default();
	struct nic *nic;
	int rc = -1;

	if (++L->nnics > TOPO_MAX_NICS) {
		lerr(L, line, "nic: this is NIC %d of the topology; qnetsim takes at most %d",
		     L->nnics, TOPO_MAX_NICS);
		free(copy);
		return -1;
	}
	/* A pasted "nic,..." argument; "-net ...", "-nic ...", "-device
	 * ...", "-netdev ...", several of them, are QEMU's (topo_qemu.c). */
	while (isspace((unsigned char)*v))
		v++;
	if (*v == '-') {
		L->nnics--;
		topo_nic_fragment(L, gu, v, line);
		free(copy);
		return 0;
	}
	n = kv_split(v, kv, MAX_KV, err);
	if (n < 0) {
		lerr(L, line, "nic: %s", err);
		goto out;
	}
	/* The model first, so the NIC gets it from the start. */
	for (int i = 0; i < n; i++) {
		if (strcmp(kv[i].key, "model") == 0 && kv[i].val != NULL) {
			if (strcmp(kv[i].val, "help") == 0 || strcmp(kv[i].val, "?") == 0) {
				nic_model_help(stdout);
				L->help_printed = true;
				goto out;
			}
			model = nic_model_find(kv[i].val);
			if (model == NULL) {
				lerr(L, line, "nic: unknown model '%s' (model=help lists them)",
				     kv[i].val);
				goto out;
			}
		}
	}
	nic = guest_add_nic(gu, model, line);
	if (nic == NULL) {
		lerr(L, line, "nic: guest '%s' already has %d NICs, the most it can have",
		     gu->node.name, GUEST_MAX_NICS);
		goto out;
	}
	nic->mac_auto = true;
	for (int i = 0; i < n; i++) {
		const char *k = kv[i].key, *val = kv[i].val;

		if (i == 0 && val == NULL && (strcmp(k, "nic") == 0))
			continue;
		if (val == NULL) {
			lerr(L, line, "nic: '%s' needs a value (%s=...)", k, k);
			goto out;
		}
		if (nic_option(L, gu, nic, k, val, line) < 0)
			goto out;
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

/* kind = NAME: a kind from guest_kinds; its state is made now, so its
 * own keys may follow. */
static void guest_kind_key(struct loader *L, struct guest *gu, const char *v, int line)
{
	const struct guest_kind *kind = guest_kind_named(v);
	char kinds[256] = "";

	if (kind == NULL) {
		for (int i = 0; guest_kinds[i] != NULL; i++)
			snprintf(kinds + strlen(kinds), sizeof(kinds) - strlen(kinds), "%s%s: %s",
				 i ? "; " : "", guest_kinds[i]->name, guest_kinds[i]->about);
		lerr(L, line, "kind: '%s' is not a guest kind (%s)", v, kinds);
		return;
	}
	if (kind == gu->kind)
		return;
	if (gu->kind->free != NULL)
		gu->kind->free(gu);
	gu->kind = kind;
	if (kind->init != NULL)
		kind->init(gu);
}

/* A key that belongs to a kind of guest: true when it is one (handled,
 * or refused because the guest is of another kind). */
static bool guest_kind_takes(struct loader *L, struct guest *gu, const char *k, const char *v,
			     int line)
{
	char err[ERRLEN];

	for (int i = 0; guest_kinds[i] != NULL; i++) {
		const struct guest_kind *kind = guest_kinds[i];

		for (int j = 0; kind->keys != NULL && kind->keys[j] != NULL; j++) {
			if (strcmp(k, kind->keys[j]) != 0)
				continue;
			if (kind != gu->kind)
				lerr(L, line, "%s: only %s guests take this key; put kind = %s before it", k,
				     kind->name, kind->name);
			else if (kind->key(gu, k, v, err) < 0)
				lerr(L, line, "%s", err);
			return true;
		}
	}
	return false;
}

/* route = NET/LEN via GATEWAY */
static void guest_route_key(struct loader *L, struct guest *gu, const char *v, int line)
{
	char net[64], via[8], gw[64], extra[8];
	struct guest_route r = { .line = line };

	if (sscanf(v, "%63s %7s %63s %7s", net, via, gw, extra) != 3 || strcmp(via, "via") != 0) {
		lerr(L, line, "route: '%s' is not NET/LEN via GATEWAY (route = 10.0.2.0/24 via "
			      "10.0.1.254)", v);
		return;
	}
	if (parse_ipv4_prefix(net, &r.net, &r.prefix) < 0) {
		lerr(L, line, "route: '%s' is not an IPv4 network (A.B.C.D/LEN)", net);
		return;
	}
	if (parse_ipv4(gw, &r.via) < 0 || r.via == 0) {
		lerr(L, line, "route: gateway '%s' is not an IPv4 address", gw);
		return;
	}
	if (r.prefix < 32 && (r.net & ~(r.prefix ? 0xffffffffu << (32 - r.prefix) : 0u)) != 0) {
		lerr(L, line, "route: %s has host bits set (the network of it is /%d)", net, r.prefix);
		return;
	}
	if (gu->nroutes == GUEST_MAX_ROUTES) {
		lerr(L, line, "route: at most %d routes per guest", GUEST_MAX_ROUTES);
		return;
	}
	VEC_RESERVE(gu->routes, gu->nroutes, gu->routescap);
	gu->routes[gu->nroutes++] = r;
}

static void guest_key(struct loader *L, struct guest *gu, const char *k, const char *v, int line)
{
	char err[ERRLEN];

	if (strcmp(k, "nic") == 0) {
		topo_nic(L, gu, v, line);
	} else if (strcmp(k, "ip") == 0 || strncmp(k, "ip.", 3) == 0) {
		struct ip_decl d = { .gu = gu, .line = line };

		if (strcmp(v, "dhcp") == 0) {
			d.dhcp = true;
		} else if (parse_ipv4_prefix(v, &d.ip, &d.prefix) < 0) {
			lerr(L, line, "%s: '%s' is not an address with a prefix (like 10.0.0.1/24) "
				      "or dhcp", k, v);
			return;
		}
		if (!d.dhcp && (d.prefix == 0 || d.prefix > 30 || d.ip == 0)) {
			lerr(L, line, "%s: prefix /%d is out of range (1..30)", k, d.prefix);
			return;
		}
		d.nic = xstrdup(k[2] == '.' ? k + 3 : "0");
		VEC_RESERVE(L->ips, L->nips, L->ipcap);
		L->ips[L->nips++] = d;
	} else if (strcmp(k, "gw") == 0 || strcmp(k, "gateway") == 0) {
		if (parse_ipv4(v, &gu->gateway) < 0 || gu->gateway == 0)
			lerr(L, line, "%s: '%s' is not an IPv4 address", k, v);
		gu->gateway_static = true;
	} else if (strcmp(k, "dns") == 0) {
		if (parse_ipv4(v, &gu->dns) < 0 || gu->dns == 0)
			lerr(L, line, "dns: '%s' is not an IPv4 address", v);
	} else if (strcmp(k, "kind") == 0) {
		guest_kind_key(L, gu, v, line);
	} else if (guest_kind_takes(L, gu, k, v, line)) {
		/* the kind's own key (exec = for netns guests) */
	} else if (strcmp(k, "forward") == 0) {
		if (parse_bool(v, &gu->forward, NULL) < 0)
			lerr(L, line, "forward: '%s' is not on or off", v);
	} else if (strcmp(k, "route") == 0) {
		guest_route_key(L, gu, v, line);
	} else if (strcmp(k, "arp_timeout") == 0) {
		if (parse_duration(v, &gu->arp_timeout, err) < 0)
			lerr(L, line, "arp_timeout: %s", err);
		else if (gu->arp_timeout < NS_PER_SEC)
			lerr(L, line, "arp_timeout: %s is too short (at least 1s)", v);
	} else {
		lerr(L, line, "[guest %s] unknown key '%s' (known: nic, ip, ip.N, gw, dns, "
			      "arp_timeout, kind, exec, exec_timeout)",
		     gu->node.name, k);
	}
}

static void speed_key(struct loader *L, uint64_t *speed, const char *v, int line)
{
	char err[ERRLEN];

	if (parse_rate(v, speed, err) < 0)
		lerr(L, line, "speed: %s", err);
	else if (*speed < 1000)
		lerr(L, line, "speed: %s is too slow (at least 1k)", v);
}

/* vde* keys of hubs and bridges: 1 taken (or wrong, reported), 0 not ours. */
static int vde_key(struct loader *L, struct node *n, const char *k, const char *v, int line)
{
	char err[ERRLEN];
	int rc = backend_node_key(n, k, v, line, err);

	if (rc < 0)
		lerr(L, line, "%s", err);
	return rc != 0;
}

static void hub_key(struct loader *L, struct sect *sc, const char *k, const char *v, int line)
{
	if (strcmp(k, "speed") == 0)
		speed_key(L, &hub_from_node(sc->node)->speed, v, line);
	else if (vde_key(L, sc->node, k, v, line) == 0)
		lerr(L, line, "[hub %s] unknown key '%s' (known: speed, vde, vde_mode, "
			      "vde_group, vde_ports, vde_queue)", sc->name, k);
}

static void bridge_key(struct loader *L, struct bridge *b, const char *k, const char *v, int line)
{
	char err[ERRLEN] = "";
	uint64_t num;

	if (strcmp(k, "ageing") == 0 || strcmp(k, "ageing_time") == 0 || strcmp(k, "aging") == 0) {
		if (parse_duration(v, &num, err) < 0)
			lerr(L, line, "%s: %s", k, err);
		else if (num > 1000000ULL * NS_PER_SEC)
			lerr(L, line, "%s: %s is out of range (0..1000000s)", k, v);
		else
			fdb_set_ageing(b->fdb, num);
	} else if (strcmp(k, "max_entries") == 0) {
		if (parse_u64(v, 1, FDB_MAX_ENTRIES_LIMIT, &num, err) < 0) {
			lerr(L, line, "max_entries: %s", err);
		} else {
			uint64_t ageing = fdb_ageing(b->fdb);

			fdb_free(b->fdb);
			b->fdb = fdb_new((uint32_t)num, ageing);
		}
	} else if (strcmp(k, "speed") == 0) {
		speed_key(L, &b->speed, v, line);
	} else if (strcmp(k, "static") == 0) {
		char *copy = xstrdup(v);
		struct kv kv[MAX_KV];
		struct static_decl d = { .b = b, .line = line, .vid = BRIDGE_DEFAULT_VLAN };
		int n = kv_split(copy, kv, MAX_KV, err);
		bool have_mac = false;

		for (int i = 0; n > 0 && i < n; i++) {
			if (kv[i].val == NULL && i == 0) {
				if (parse_mac(kv[i].key, d.mac) < 0) {
					lerr(L, line, "static: '%s' is not a MAC address", kv[i].key);
					goto bad;
				}
				have_mac = true;
			} else if (kv[i].val != NULL && strcmp(kv[i].key, "port") == 0) {
				free(d.port);
				d.port = xstrdup(kv[i].val);
			} else if (kv[i].val != NULL && strcmp(kv[i].key, "vlan") == 0) {
				if (parse_u64(kv[i].val, 1, 4094, &num, err) < 0) {
					lerr(L, line, "static: vlan: %s", err);
					goto bad;
				}
				d.vid = (uint16_t)num;
			} else {
				lerr(L, line, "static: unknown option '%s' (MAC,port=P[,vlan=N])",
				     kv[i].key);
				goto bad;
			}
		}
		if (!have_mac || d.port == NULL) {
			lerr(L, line, "static: needs MAC,port=PORT[,vlan=N]");
			goto bad;
		}
		if (mac_is_multicast(d.mac) || mac_is_zero(d.mac)) {
			lerr(L, line, "static: %s is not a unicast MAC", kv[0].key);
			goto bad;
		}
		VEC_RESERVE(L->statics, L->nstatics, L->staticcap);
		L->statics[L->nstatics++] = d;
		free(copy);
		return;
bad:
		free(d.port);
		free(copy);
	} else if (stp_bridge_key(b, k, v, line, err) != 0) {
		if (err[0] != '\0')
			lerr(L, line, "%s: %s", k, err);
	} else if (strncmp(k, "port.", 5) == 0) {
		const char *dot = strchr(k + 5, '.');
		char pnum[24];
		uint64_t pn;

		/* The number whole, into its real type: port.4294967297 is not
		 * port 1. */
		if (dot == NULL || dot == k + 5 || dot[1] == '\0' ||
		    (size_t)(dot - (k + 5)) >= sizeof(pnum)) {
			lerr(L, line, "'%s': port keys are port.N.KEY (port.2.access = 10)", k);
		} else {
			memcpy(pnum, k + 5, (size_t)(dot - (k + 5)));
			pnum[dot - (k + 5)] = '\0';
			if (parse_u64(pnum, 1, 4096, &pn, err) < 0)
				lerr(L, line, "%s: port number %s", k, err);
			else if (bridge_port_key(b, (int)pn, dot + 1, v, line, err) < 0)
				lerr(L, line, "%s: %s", k, err);
		}
	} else if (vde_key(L, &b->node, k, v, line) == 0) {
		lerr(L, line, "[bridge %s] unknown key '%s' (known: ageing, max_entries, speed, "
			      "static, stp, priority, hello_time, max_age, forward_delay, bridge_mac, "
			      "port.N.access, port.N.trunk, port.N.native, port.N.cost, "
			      "port.N.priority, vde, vde_mode, vde_group, vde_ports, vde_queue)",
		     b->node.name, k);
	}
}

static void link_key(struct loader *L, struct link_decl *d, const char *k, const char *v, int line)
{
	char err[ERRLEN];

	if (strcmp(k, "a") == 0 || strcmp(k, "b") == 0) {
		char **slot = k[0] == 'a' ? &d->a : &d->b;

		*slot = xstrdup(v);
		if (k[0] == 'a')
			d->a_line = line;
		else
			d->b_line = line;
	} else if (strcmp(k, "rate") == 0) {
		if (parse_rate(v, &d->rate, err) < 0)
			lerr(L, line, "rate: %s", err);
		else if (d->rate < 1000)
			lerr(L, line, "rate: %s is too slow (at least 1k)", v);
	} else if (strncmp(k, "a>b.", 4) == 0 || strncmp(k, "b>a.", 4) == 0) {
		if (d->im == NULL)
			d->im = xcalloc(2, sizeof(*d->im));
		if (impair_set(&d->im[k[0] == 'b'], k + 4, v, err) < 0)
			lerr(L, line, "%s: %s", k, err);
	} else if (strcmp(k, "delay") == 0 || strcmp(k, "loss") == 0 || strcmp(k, "jitter") == 0 ||
		   strcmp(k, "burst_loss") == 0 || strcmp(k, "duplicate") == 0 ||
		   strcmp(k, "corrupt") == 0 || strcmp(k, "reorder") == 0 ||
		   strcmp(k, "limit") == 0) {
		if (d->im == NULL)
			d->im = xcalloc(2, sizeof(*d->im));
		if (impair_set(&d->im[0], k, v, err) < 0 || impair_set(&d->im[1], k, v, err) < 0)
			lerr(L, line, "%s: %s", k, err);
	} else if (strcmp(k, "state") == 0) {
		bool up;

		if (parse_bool(v, &up, err) < 0)
			lerr(L, line, "state: %s (use up or down)", err);
		else
			d->down = !up;
	} else {
		lerr(L, line, "[link] unknown key '%s' (known: a, b, rate, state, delay, jitter, loss, "
			      "burst_loss, duplicate, corrupt, reorder, limit; a>b.KEY and b>a.KEY "
			      "for one direction)", k);
	}
}

/* [netdev NAME]: type=, vlan=, id= here; the rest is the backend's, read
 * in resolve() once the section is complete. */
void topo_netdev_key(struct loader *L, struct netdev_decl *d, const char *k, const char *v,
		     int line)
{
	char err[ERRLEN];
	uint64_t num;

	if (topo_netdev_value(L, d, k, v, line))
		return;
	if (strcmp(k, "type") == 0) {
		/* Once: type = and a netdev = value may each give one. */
		if (d->type != NULL) {
			lerr(L, line, "type: netdev %s has type %s already", d->name, d->type);
			return;
		}
		d->type = xstrdup(v);
		d->type_line = line;
		return;
	}
	if (strcmp(k, "vlan") == 0) {
		if (parse_u64(v, 0, 4095, &num, err) < 0) {
			lerr(L, line, "vlan: %s", err);
			return;
		}
		d->vlan = (int)num;
		d->vlan_line = line;
		return;
	}
	if (strcmp(k, "id") == 0 || strcmp(k, "name") == 0) {
		if (strcmp(v, d->name) != 0)
			lerr(L, line, "%s: '%s' differs from the section's name '%s'; the section "
				      "name is the id", k, v, d->name);
		return;
	}
	if (*v == '\0') {
		lerr(L, line, "%s: needs a value", k);
		return;
	}
	d->opts = xreallocarray(d->opts, (size_t)d->nopts + 1, sizeof(*d->opts));
	d->opts[d->nopts++] = (struct netdev_opt){ .key = xstrdup(k), .val = xstrdup(v),
						   .line = line };
}

static void scenario_key(struct loader *L, const char *k, const char *v, int line)
{
	struct sim *s = L->s;
	char err[ERRLEN];
	uint64_t at;

	if (strcmp(k, "duration") == 0) {
		if (parse_duration(v, &s->duration, err) < 0)
			lerr(L, line, "duration: %s", err);
		else
			s->duration_set = true;
		return;
	}
	if (strncmp(k, "at ", 3) == 0) {
		const char *t = k + 3;

		while (isspace((unsigned char)*t))
			t++;
		if (parse_duration(t, &at, err) < 0) {
			lerr(L, line, "at: %s", err);
			return;
		}
		VEC_RESERVE(s->steps, s->nsteps, s->stepcap);
		s->steps[s->nsteps] = (struct step){ .sim = s, .at = at, .line = line,
						     .cmd = xstrdup(v) };
		/* Not armed yet; sim_start arms it once the array stops moving. */
		timer_init(&s->steps[s->nsteps].timer, NULL, NULL);
		s->nsteps++;
		return;
	}
	lerr(L, line, "[scenario] unknown key '%s' (use 'at TIME = COMMAND' or 'duration = T')", k);
}

/* ---- the section table --------------------------------------------------- */

static void guest_create(struct loader *L, struct sect *sc)
{
	struct guest *gu = guest_new(L->s->g, sc->name, sc->line);

	push_node((void ***)&L->s->guests, &L->s->nguests, gu);
	sc->node = &gu->node;
}

static void guest_sect_key(struct loader *L, struct sect *sc, const char *k, const char *v,
			   int line)
{
	guest_key(L, guest_from_node(sc->node), k, v, line);
}

/* A guest's NICs and commands. */
static bool guest_repeats(const char *k)
{
	return strcmp(k, "nic") == 0 || strcmp(k, "exec") == 0 || strcmp(k, "route") == 0;
}

static void hub_create(struct loader *L, struct sect *sc)
{
	uint64_t num;
	int vlan = -1;
	struct hub *h;

	/* [hub vlanN] is QEMU's vlan N (0..4095); vlan99999 is a name. */
	if (strncmp(sc->name, "vlan", 4) == 0 && parse_u64(sc->name + 4, 0, 4095, &num, NULL) == 0)
		vlan = (int)num;
	h = hub_new(L->s->g, sc->name, vlan, sc->line);
	push_node((void ***)&L->s->hubs, &L->s->nhubs, h);
	sc->node = &h->node;
}

static void bridge_create(struct loader *L, struct sect *sc)
{
	struct bridge *b = bridge_new(L->s->g, sc->name, FDB_DEFAULT_MAX, FDB_DEFAULT_AGEING,
				      sc->line);

	push_node((void ***)&L->s->bridges, &L->s->nbridges, b);
	sc->node = &b->node;
}

static void bridge_sect_key(struct loader *L, struct sect *sc, const char *k, const char *v,
			    int line)
{
	bridge_key(L, bridge_from_node(sc->node), k, v, line);
}

/* A bridge's static entries. */
static bool bridge_repeats(const char *k)
{
	return strcmp(k, "static") == 0;
}

struct netdev_decl *topo_netdev_decl(struct loader *L, const char *name, int line)
{
	VEC_RESERVE(L->netdevs, L->nnetdevs, L->netdevcap);
	L->netdevs[L->nnetdevs] = (struct netdev_decl){ .name = xstrdup(name), .line = line,
							.vlan = -1 };
	return &L->netdevs[L->nnetdevs++];
}

void topo_netdev_make(struct loader *L, struct netdev_decl *d)
{
	if (d->nd != NULL)
		return;
	d->nd = netdev_new(L->s->g, d->type != NULL ? backend_find(d->type) : NULL, d->name,
			   d->line);
	d->nd->vlan = d->vlan;
}

static void netdev_create(struct loader *L, struct sect *sc)
{
	topo_netdev_decl(L, sc->name, sc->line);
	sc->idx = L->nnetdevs - 1;
}

static void netdev_sect_key(struct loader *L, struct sect *sc, const char *k, const char *v,
			    int line)
{
	topo_netdev_key(L, &L->netdevs[sc->idx], k, v, line);
}

/* A netdev's own options are checked once the back-end is known (it may
 * repeat hostfwd=): only type, vlan and id are the section's. */
static bool netdev_repeats(const char *k)
{
	return strcmp(k, "type") != 0 && strcmp(k, "vlan") != 0 && strcmp(k, "id") != 0 &&
	       strcmp(k, "name") != 0;
}

/* The netdev is made now, with its type's state, in the order the sections
 * came. */
static void netdev_end(struct loader *L, struct sect *sc)
{
	struct netdev_decl *d = &L->netdevs[sc->idx];

	topo_netdev_make(L, d);
	/* host = places the netdev (hosts.h), unless its back-end takes a
	 * host = of its own (type = user: the NAT's address). */
	if (d->nd->ops == NULL || backend_takes(d->nd->ops, "host"))
		return;
	for (int i = 0; i < d->nopts; i++) {
		if (strcmp(d->opts[i].key, "host") != 0)
			continue;
		host_place(L, sc, d->opts[i].val, d->opts[i].line);
		free((char *)d->opts[i].key);
		free((char *)d->opts[i].val);
		d->opts[i] = d->opts[--d->nopts];
		i--;
	}
}

static void link_create(struct loader *L, struct sect *sc)
{
	VEC_RESERVE(L->links, L->nlinks, L->linkcap);
	L->links[L->nlinks] = (struct link_decl){ .line = sc->line };
	sc->idx = L->nlinks++;
}

static void link_sect_key(struct loader *L, struct sect *sc, const char *k, const char *v,
			  int line)
{
	link_key(L, &L->links[sc->idx], k, v, line);
}

static void scenario_create(struct loader *L, struct sect *sc)
{
	if (L->scenario_seen)
		lerr(L, sc->line, "a second [scenario] section; put every step in one");
	L->scenario_seen = true;
}

static void scenario_sect_key(struct loader *L, struct sect *sc, const char *k, const char *v,
			      int line)
{
	(void)sc;
	scenario_key(L, k, v, line);
}

/* The scenario's steps. */
static bool scenario_repeats(const char *k)
{
	return strncmp(k, "at ", 3) == 0;
}

const struct section_kind topo_sections[] = {
	{ "guest", .named = true, .node = true, .create = guest_create, .key = guest_sect_key,
	  .repeats = guest_repeats },
	{ "hub", .named = true, .node = true, .vlan_name_ok = true, .create = hub_create,
	  .key = hub_key },
	{ "bridge", .named = true, .node = true, .create = bridge_create, .key = bridge_sect_key,
	  .repeats = bridge_repeats },
	{ "netdev", .named = true, .node = true, .create = netdev_create, .key = netdev_sect_key,
	  .repeats = netdev_repeats, .end = netdev_end },
	{ "link", .free_name = true, .create = link_create, .key = link_sect_key },
	{ "scenario", .create = scenario_create, .key = scenario_sect_key,
	  .repeats = scenario_repeats },
	{ "host", .named = true, .free_name = true, .create = host_sect_create,
	  .key = host_sect_key, .end = host_sect_end },
};

const size_t topo_nsections = ARRAY_SIZE(topo_sections);

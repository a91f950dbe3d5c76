/*
 * Expectations: "LHS OP VALUE", evaluated when their scenario step runs.
 *
 *   GUEST.ping.FIELD, GUEST.ping[IP].FIELD   ping_fields: sent received loss dups rtt_avg ...
 *   GUEST.udp.FIELD                          sent received echoed
 *   GUEST.arp[IP]                            a MAC, or none
 *   PORT.FIELD                               rx_frames rx_bytes tx_frames tx_bytes drops
 *                                            impair.lost|burst_lost|bursts|duplicated|
 *                                            corrupted|reordered (frames sent out of PORT)
 *                                            drops.REASON link queue
 *   BRIDGE.fdb[MAC] / BRIDGE.fdb[MAC,vlan=N] the port it was learned on, or none
 *   BRIDGE.fdb.size, BRIDGE.COUNTER          frames forwarded flooded flooded_unknown ...
 *   HUB.flooded
 *   NETDEV.state                             listening connecting connected reconnecting
 *                                            open error closed
 *   NETDEV.COUNTER                           connects disconnects peers_dropped refused ...
 *   NETDEV.leases, NETDEV.lease[MAC]         user netdevs: DHCP leases handed out
 *   GUEST.ip, GUEST.ip.N, GUEST.gateway, GUEST.dns    addresses (none when unset)
 *   GUEST.dhcp.FIELD                         dhcp_fields: state lease server router ...
 *   GUEST.tcp[ID].FIELD                      tcp_fields: state rx_bytes tx_bytes rx ...
 *   GUEST.KIND'S OWN                         the guest's kind (netns: exec[N].FIELD, netns)
 *   GUEST.resolve[NAME]                      the first address, or nxdomain/timeout/...
 *
 * OP is one of == != < <= > >= contains (a substring, for text like tcp[1].rx). Numbers may carry a unit: rtt in ms/us/s,
 * loss in %. Words (up, down, none, MACs, port names) compare with == and !=.
 */
#include "sim.h"
#include "../core/field.h"
#include "../core/values.h"
#include "../core/util.h"
#include "../backends/netdev.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* NAME from a table of values: 0, or -1 with err listing the names
 * (what, then extra forms the caller takes besides). */
static int table_value(const struct field_table *t, const void *obj, const char *name,
		       const char *what, const char *extra, struct value *v, char *err)
{
	const struct field *f = field_in(t, name);
	char names[512];

	if (f != NULL) {
		field_get(f, obj, v);
		return 0;
	}
	field_names(t->f, t->n, names, sizeof(names));
	return errf(err, "unknown %s '%s' (%s%s)", what, name, names, extra);
}

/* GUEST.ping.FIELD, GUEST.ping[IP].FIELD: f is what follows "ping". */
static int ping_value(struct guest *gu, const char *f, bool check, struct value *v, char *err)
{
	static const struct ping none;
	const struct ping *p;
	uint32_t ip = 0;

	if (*f == '[') {
		char addr[32];
		const char *close = strchr(f, ']');

		if (close == NULL || close - f - 1 >= (long)sizeof(addr))
			return errf(err, "expected %s.ping[ADDRESS].FIELD", gu->node.name);
		snprintf(addr, sizeof(addr), "%.*s", (int)(close - f - 1), f + 1);
		if (parse_ipv4(addr, &ip) < 0)
			return errf(err, "'%s' is not an IPv4 address", addr);
		f = close + 1;
	}
	if (*f != '.')
		return errf(err, "expected %s.ping.FIELD", gu->node.name);
	/* No session (yet): nothing sent, 100 % lost. */
	p = check ? NULL : guest_last_ping(gu, ip);
	return table_value(&ping_fields, p ? p : &none, f + 1, "ping field", "", v, err);
}

/* GUEST.arp[IP]: rest starts with "arp[". */
static int arp_value(struct guest *gu, const char *rest, bool check, struct value *v, char *err)
{
	char addr[32];
	const char *close = strchr(rest, ']');
	const struct arp_entry *e;
	char mac[18];
	uint32_t ip;

	if (close == NULL || close[1] != '\0' || close - rest - 4 >= (long)sizeof(addr))
		return errf(err, "expected %s.arp[ADDRESS]", gu->node.name);
	snprintf(addr, sizeof(addr), "%.*s", (int)(close - rest - 4), rest + 4);
	if (parse_ipv4(addr, &ip) < 0)
		return errf(err, "'%s' is not an IPv4 address", addr);
	e = check ? NULL : guest_arp_lookup(gu, ip);
	value_str(v, e ? fmt_mac(e->mac, mac) : "none");
	return 0;
}

/* GUEST.dhcp.FIELD, of the first NIC with ip = dhcp: f is the FIELD. */
static int dhcp_value(struct guest *gu, const char *f, struct value *v, char *err)
{
	struct nic *nic = NULL;

	for (int i = 0; i < gu->nnics && nic == NULL; i++)
		if (gu->nics[i]->dhcp != NULL)
			nic = gu->nics[i];
	if (nic == NULL)
		return errf(err, "%s has no NIC with ip = dhcp", gu->node.name);
	return table_value(&dhcp_fields, nic->dhcp, f, "dhcp field", "", v, err);
}

/* GUEST.tcp[ID].FIELD: rest starts with "tcp[". At load time (check) the
 * connection does not exist yet: only the form and the field are checked;
 * a connection that does not exist has every value "none". */
static int tcp_value(struct guest *gu, const char *rest, bool check, struct value *v, char *err)
{
	const char *close = strchr(rest, ']');
	const struct field *f;
	struct tcp_conn *c;
	uint64_t id;
	char num[16], names[256];

	if (close == NULL || close[1] != '.' || close - rest - 4 >= (long)sizeof(num))
		return errf(err, "expected %s.tcp[ID].FIELD", gu->node.name);
	snprintf(num, sizeof(num), "%.*s", (int)(close - rest - 4), rest + 4);
	if (parse_u64(num, 1, 1u << 30, &id, NULL) < 0)
		return errf(err, "'%s' is not a connection id (1, 2, ...)", num);
	if ((f = field_in(&tcp_fields, close + 2)) == NULL) {
		field_names(tcp_fields.f, tcp_fields.n, names, sizeof(names));
		return errf(err, "unknown tcp field '%s' (%s)", close + 2, names);
	}
	c = check ? NULL : tcp_find(gu, (int)id);
	if (c == NULL)
		value_str(v, "none");
	else
		field_get(f, c, v);
	return 0;
}

/* GUEST.ip.N (ip.ID): rest starts with "ip.". */
static int nic_ip_value(struct guest *gu, const char *rest, bool check, struct value *v,
			char *err)
{
	struct nic *nic = guest_nic_named(gu, rest + 3);

	(void)check;
	if (nic == NULL)
		return errf(err, "%s has no NIC %s", gu->node.name, rest + 3);
	value_ipv4(v, nic->ip);
	return 0;
}

/* GUEST.resolve[NAME]: rest starts with "resolve[". */
static int resolve_value(struct guest *gu, const char *rest, bool check, struct value *v,
			 char *err)
{
	const char *close = strrchr(rest, ']');
	char name[256], b[32];

	if (close == NULL || close[1] != '\0' || close - rest - 8 >= (long)sizeof(name))
		return errf(err, "expected %s.resolve[NAME]", gu->node.name);
	snprintf(name, sizeof(name), "%.*s", (int)(close - rest - 8), rest + 8);
	value_str(v, check ? "none" : (dns_result(gu, name, b, sizeof(b)) ?: "none"));
	return 0;
}

static int ping_form(struct guest *gu, const char *rest, bool check, struct value *v, char *err)
{
	return ping_value(gu, rest + 4, check, v, err);
}

static int udp_form(struct guest *gu, const char *rest, bool check, struct value *v, char *err)
{
	(void)check;
	return table_value(&guest_udp_fields, gu, rest + 4, "udp field", "", v, err);
}

static int dhcp_form(struct guest *gu, const char *rest, bool check, struct value *v, char *err)
{
	(void)check;
	return dhcp_value(gu, rest + 5, v, err);
}

/* A guest's values that take an argument or a field, by how they start;
 * the rest are guest_fields and the kind's own. */
static const struct guest_form {
	const char *prefix, *shown;     /* shown: in the error's list */
	int (*value)(struct guest *gu, const char *rest, bool check, struct value *v, char *err);
} guest_forms[] = {
	{ "ping", "ping.FIELD, ping[IP].FIELD", ping_form },
	{ "udp.", "udp.FIELD", udp_form },
	{ "arp[", "arp[IP]", arp_value },
	{ "ip.", "ip.N", nic_ip_value },
	{ "dhcp.", "dhcp.FIELD", dhcp_form },
	{ "tcp[", "tcp[ID].FIELD", tcp_value },
	{ "resolve[", "resolve[NAME]", resolve_value },
};

static int guest_value(struct sim *s, struct guest *gu, const char *rest, bool check,
		       struct value *v, char *err)
{
	const struct field *f = field_in(&guest_fields, rest);
	char names[512] = "";

	(void)s;
	for (size_t i = 0; i < ARRAY_SIZE(guest_forms); i++)
		if (strncmp(rest, guest_forms[i].prefix, strlen(guest_forms[i].prefix)) == 0)
			return guest_forms[i].value(gu, rest, check, v, err);
	if (f != NULL) {
		field_get(f, gu, v);
		return 0;
	}
	if (gu->kind->value != NULL && gu->kind->value(gu, rest, check, v) == 0)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(guest_forms); i++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s, ",
			 guest_forms[i].shown);
	field_names(guest_fields.f, guest_fields.n, names + strlen(names),
		    sizeof(names) - strlen(names));
	for (int i = 0; guest_kinds[i] != NULL; i++)
		if (guest_kinds[i]->values != NULL)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "; %s guests: %s",
				 guest_kinds[i]->name, guest_kinds[i]->values);
	return errf(err, "unknown guest value '%s' (%s)", rest, names);
}

static int port_value(struct port *p, const char *f, struct value *v, char *err)
{
	if (strncmp(f, "drops.", 6) == 0) {
		int r = drop_reason_parse(f + 6);

		if (r < 0)
			return errf(err, "unknown drop reason '%s'", f + 6);
		value_num(v, (double)port_drops(p, r));
		return 0;
	}
	if (strncmp(f, "stp.", 4) == 0) {
		struct bridge *b = bridge_from_node(p->node);

		if (b == NULL || b->stp == NULL)
			return errf(err, "%s is not a port of a bridge with stp = on", p->name);
		return table_value(&stp_port_fields, bport_sp_peek(p->priv), f + 4,
				   "port STP value", "", v, err);
	}
	if (strncmp(f, "impair.", 7) == 0 && p->link != NULL)
		return table_value(&impair_fields, link_dir_istats(port_out_dir(p)), f + 7,
				   "impairment counter", "", v, err);
	return table_value(&port_fields, p, f, "port field", ", drops.REASON, impair.COUNTER, "
			   "stp.VALUE", v, err);
}

static int bridge_value(struct sim *s, struct bridge *b, const char *f, bool check,
			struct value *v, char *err)
{
	if (strncmp(f, "stp.", 4) == 0) {
		struct stp *st = b->stp;
		const char *k = f + 4;

		if (st == NULL)
			return errf(err, "%s has no spanning tree (stp = on)", b->node.name);
		if (check || !st->started) {
			/* Before the tree starts (--check) there is no root port to
			 * name: a placeholder of the right type. */
			if (strcmp(k, "root") == 0 || strcmp(k, "root_port") == 0 ||
			    strcmp(k, "topology_change") == 0)
				value_str(v, "none");
			else if (strcmp(k, "root_cost") == 0 || strcmp(k, "tc_count") == 0)
				value_num(v, 0);
			else
				return errf(err, "unknown STP value '%s' (root, root_port, root_cost, "
						 "tc_count, topology_change)", k);
			return 0;
		}
		if (strcmp(k, "root") == 0) {
			/* The root bridge's name when it is in the topology. */
			char id[32];

			stp_fmt_id(st->root_id, id, sizeof(id));
			for (int i = 0; i < s->nbridges; i++)
				if (s->bridges[i]->stp != NULL &&
				    s->bridges[i]->stp->bridge_id == st->root_id)
					snprintf(id, sizeof(id), "%s", s->bridges[i]->node.name);
			value_str(v, id);
		} else if (strcmp(k, "root_port") == 0) {
			value_str(v, st->root_port < 0 ? "none" : b->node.ports[st->root_port]->name);
		} else if (strcmp(k, "root_cost") == 0) {
			value_num(v, st->root_cost);
		} else if (strcmp(k, "tc_count") == 0) {
			value_num(v, (double)st->tc_count);
		} else if (strcmp(k, "topology_change") == 0) {
			value_str(v, st->tc ? "yes" : "no");
		} else {
			return errf(err, "unknown STP value '%s' (root, root_port, root_cost, "
					 "tc_count, topology_change)", k);
		}
		return 0;
	}
	if (strncmp(f, "fdb[", 4) == 0) {
		char inner[48], *comma;
		const char *close = strchr(f, ']');
		uint8_t mac[6];
		uint64_t vid = BRIDGE_DEFAULT_VLAN;
		struct fdb_entry e;

		if (close == NULL || close[1] != '\0' || close - f - 4 >= (long)sizeof(inner))
			return errf(err, "expected %s.fdb[MAC] or %s.fdb[MAC,vlan=N]", b->node.name,
				    b->node.name);
		snprintf(inner, sizeof(inner), "%.*s", (int)(close - f - 4), f + 4);
		comma = strchr(inner, ',');
		if (comma != NULL) {
			*comma++ = '\0';
			if (strncmp(comma, "vlan=", 5) != 0 ||
			    parse_u64(comma + 5, 1, 4094, &vid, err) < 0)
				return errf(err, "expected %s.fdb[MAC,vlan=N]", b->node.name);
		}
		if (parse_mac(inner, mac) < 0)
			return errf(err, "'%s' is not a MAC address", inner);
		if (!check && fdb_get(b->fdb, mac_to_u64(mac), (uint16_t)vid, loop_now(s->loop), &e))
			value_str(v, b->node.ports[e.port]->name);
		else
			value_str(v, "none");
		return 0;
	}
	if (strcmp(f, "fdb.size") == 0) {
		struct fdb_entry *snap;

		value_num(v, check ? 0 : fdb_snapshot(b->fdb, loop_now(s->loop), &snap));
		if (!check)
			free(snap);
		return 0;
	}
	return table_value(&bridge_fields, b, f, "bridge value", ", fdb[MAC], fdb.size, stp.VALUE",
			   v, err);
}

/* Resolves a left-hand side to its current value. */
static int lhs_value(struct sim *s, const char *lhs, bool check, struct value *v, char *err)
{
	char name[SIM_MAX_NAME * 2 + 2];
	const char *dot = strchr(lhs, '.');
	const struct field *f;
	struct node *n;

	if (dot == NULL || (size_t)(dot - lhs) >= sizeof(name))
		return errf(err, "'%s' is not NODE.FIELD or PORT.FIELD", lhs);
	snprintf(name, sizeof(name), "%.*s", (int)(dot - lhs), lhs);
	n = graph_find_node(s->g, name);
	if (n == NULL)
		return errf(err, "'%s': no node or port named '%s'", lhs, name);
	/* A port of it (node.port) followed by a field? Try each prefix that
	 * ends before a dot, among the node's ports. */
	for (const char *d = strchr(dot + 1, '.'); d != NULL; d = strchr(d + 1, '.')) {
		struct port *p = node_find_port(n, lhs, (size_t)(d - lhs));

		if (p != NULL)
			return port_value(p, d + 1, v, err);
	}
	if (guest_from_node(n) != NULL)
		return guest_value(s, guest_from_node(n), dot + 1, check, v, err);
	{
		/* NODE.EXT.NAME or NODE.EXT[...]: a value of what is attached to
		 * the node (its served VDE switch). */
		size_t pl = strcspn(dot + 1, ".[");
		char ext[16];

		if (dot[1 + pl] != '\0' && pl < sizeof(ext)) {
			struct node_ext *x;

			snprintf(ext, sizeof(ext), "%.*s", (int)pl, dot + 1);
			x = node_ext_named(n, ext);
			if (x != NULL && x->ops->value != NULL)
				return x->ops->value(x, dot + 1 + pl, check, v, err);
			if (backend_node_ext_missing(ext) != NULL)
				return errf(err, "'%s': %s %s", lhs, name,
					    backend_node_ext_missing(ext));
		}
	}
	if (bridge_from_node(n) != NULL)
		return bridge_value(s, bridge_from_node(n), dot + 1, check, v, err);
	if (netdev_from_node(n) != NULL)
		return netdev_value(netdev_from_node(n), dot + 1, v, err);
	if (hub_from_node(n) != NULL && (f = field_in(&hub_fields, dot + 1)) != NULL) {
		field_get(f, hub_from_node(n), v);
		return 0;
	}
	return errf(err, "'%s': %s has no value '%s' (its ports: %s.1, ...)", lhs, name, dot + 1,
		    name);
}

static int parse_rhs(const char *s, struct value *v)
{
	char *end;
	double d;

	if (isdigit((unsigned char)s[0]) || (s[0] == '-' && isdigit((unsigned char)s[1]))) {
		d = strtod(s, &end);
		if (*end == '\0' || strcmp(end, "ms") == 0 || strcmp(end, "%") == 0) {
			value_num(v, d);
			return 0;
		}
		if (strcmp(end, "us") == 0) {
			value_num(v, d / 1000);
			return 0;
		}
		if (strcmp(end, "s") == 0) {
			value_num(v, d * 1000);
			return 0;
		}
	}
	value_str(v, s);
	return 0;
}

int expect_eval(struct sim *s, const char *expr, bool check, char *actual, size_t alen, char *err)
{
	static const char *const ops[] = { "==", "!=", "<=", ">=", "<", ">", "contains" };
	char buf[SIM_MAX_LINE + 1], *argv[4];
	struct value lv, rv;
	int argc, op = -1;
	bool holds;

	graph_settle(s->g, false);      /* it may read a port's counters */
	snprintf(buf, sizeof(buf), "%s", expr);
	argc = split_words(buf, argv, 4);
	if (argc != 3)
		return errf(err, "expect needs LHS OP VALUE with spaces around OP "
				 "(e.g. vm1.ping.received == 3)");
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
		if (strcmp(argv[1], ops[i]) == 0)
			op = (int)i;
	if (op < 0)
		return errf(err, "unknown operator '%s' (==, !=, <, <=, >, >=, contains)", argv[1]);
	memset(&lv, 0, sizeof(lv));
	if (lhs_value(s, argv[0], check, &lv, err) < 0)
		return -1;
	parse_rhs(argv[2], &rv);
	if (op == 6) {
		if (!check)
			snprintf(actual, alen, "%s", lv.str);
		return check || strcasestr(lv.str, argv[2]) != NULL;
	}
	if (check) {
		/* In check mode the value is a placeholder; only types matter. */
		if (op >= 2 && !rv.numeric)
			return errf(err, "'%s' is not a number; %s compares numbers", argv[2], argv[1]);
		return 1;
	}
	snprintf(actual, alen, "%s", lv.str);
	if (lv.numeric && rv.numeric) {
		double a = lv.num, b = rv.num;
		const double eps = 1e-9;

		switch (op) {
		case 0: holds = fabs(a - b) < eps; break;
		case 1: holds = fabs(a - b) >= eps; break;
		case 2: holds = a <= b + eps; break;
		case 3: holds = a >= b - eps; break;
		case 4: holds = a < b - eps; break;
		default: holds = a > b + eps; break;
		}
		return holds;
	}
	if (op >= 2 && !rv.numeric)
		return errf(err, "'%s' is not a number; %s compares numbers", argv[2], argv[1]);
	if (op >= 2)
		return 0;       /* text such as none (no reply yet) is not below a bound */
	holds = strcasecmp(lv.str, rv.str) == 0;
	/* "on"/"off" mean "up"/"down" for links. */
	if (!holds && (strcmp(lv.str, "up") == 0 || strcmp(lv.str, "down") == 0))
		holds = (strcmp(lv.str, "up") == 0 && strcasecmp(rv.str, "on") == 0) ||
			(strcmp(lv.str, "down") == 0 && strcasecmp(rv.str, "off") == 0);
	return op == 0 ? holds : !holds;
}

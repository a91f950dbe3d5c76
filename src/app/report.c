/*
 * The JSON report (schema in docs/report.md), built with jansson and
 * written one piece at a time (report_write). Objects keep insertion order, and everything in it comes from the virtual clock
 * and seeded state, so two runs with the same seed give identical bytes.
 */
#include "sim.h"
#include "../core/util.h"
#include "../core/values.h"
#include "../backends/netdev.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>


/* A table of values (field.h) into o, one key each: counters as integers,
 * text as strings ("none" as null). */
static json_t *jmac(const uint8_t mac[6])
{
	char buf[18];

	return json_string(fmt_mac(mac, buf));
}

/* What is attached to a node (a served VDE switch) adds its own keys. */
static void report_ext(struct node *n, json_t *o)
{
	for (struct node_ext *x = n->ext; x != NULL; x = x->next)
		if (x->ops->report != NULL)
			x->ops->report(x, o);
}

static json_t *port_json(struct port *p)
{
	json_t *o = json_object(), *drops = json_object();
	struct port *peer = port_peer(p);

	json_object_set_new(o, "name", json_string(p->name));
	json_object_set_new(o, "node", json_string(p->node->name));
	json_object_set_new(o, "peer", peer ? json_string(peer->name) : json_null());
	json_object_set_new(o, "link", json_string(port_link_up(p) ? "up" : "down"));
	json_object_set_new(o, "rate_bps", json_integer(p->link ? (json_int_t)p->link->rate : 0));
	fields_json(o, &port_fields, p);
	for (int r = 0; r < DROP_REASON_COUNT; r++)
		if (port_drops(p, r))
			json_object_set_new(drops, drop_reason_name(r),
					    json_integer((json_int_t)port_drops(p, r)));
	json_object_set_new(o, "drops", drops);
	if (p->link != NULL) {
		const struct link_dir *d = &p->link->dir[p->side];
		char im[256];

		json_object_set_new(o, "queue_max", json_integer((json_int_t)d->queue_high));
		const struct impair_stats *ist = link_dir_istats(d);

		impair_format(link_dir_impair(d), im, sizeof(im));
		if (im[0] != '\0' || ist->lost || ist->burst_lost || ist->duplicated ||
		    ist->corrupted || ist->reordered) {
			json_t *j = json_object();

			json_object_set_new(j, "settings", json_string(im));
			fields_json(j, &impair_fields, ist);
			json_object_set_new(o, "impair", j);
		}
	}
	{
		struct bridge *b = bridge_from_node(p->node);
		struct bport *bp = p->priv;
		char vl[128];

		if (b != NULL && b->vlan_aware) {
			bridge_port_vlans(b, p, vl, sizeof(vl));
			json_object_set_new(o, "vlan", json_string(vl));
		}
		if (b != NULL && b->stp != NULL) {
			json_t *j = json_object();

			fields_json(j, &stp_port_fields, bport_sp_peek(bp));
			json_object_set_new(o, "stp", j);
		}
	}
	return o;
}

static json_t *bridge_json(struct sim *s, struct bridge *b)
{
	json_t *o = json_object(), *fdb = json_array(), *st = json_object();
	uint64_t now = loop_now(s->loop);
	struct fdb_entry *v;
	uint32_t n = fdb_snapshot(b->fdb, now, &v);

	json_object_set_new(o, "name", json_string(b->node.name));
	report_ext(&b->node, o);
	json_object_set_new(o, "ageing_ms", json_integer((json_int_t)(fdb_ageing(b->fdb) / NS_PER_MS)));
	json_object_set_new(o, "max_entries", json_integer(fdb_max(b->fdb)));
	json_object_set_new(o, "entries", json_integer(n));
	json_object_set_new(o, "vlan_aware", json_boolean(b->vlan_aware));
	if (b->stp != NULL) {
		json_t *j = json_object();
		char id[32];

		stp_fmt_id(b->stp->bridge_id, id, sizeof(id));
		json_object_set_new(j, "bridge_id", json_string(id));
		stp_fmt_id(b->stp->root_id, id, sizeof(id));
		json_object_set_new(j, "root_id", json_string(id));
		json_object_set_new(j, "root_port", b->stp->root_port < 0 ? json_null() :
				    json_string(b->node.ports[b->stp->root_port]->name));
		json_object_set_new(j, "root_cost", json_integer(b->stp->root_cost));
		json_object_set_new(j, "topology_change", json_boolean(b->stp->tc));
		json_object_set_new(j, "tc_count", json_integer((json_int_t)b->stp->tc_count));
		json_object_set_new(o, "stp", j);
	}
	fields_json(st, &bridge_fields, b);
	json_object_set_new(o, "counters", st);
	for (uint32_t i = 0; i < n; i++) {
		json_t *e = json_object();
		uint8_t mac[6];

		u64_to_mac(fdb_key_mac(v[i].key), mac);
		json_object_set_new(e, "mac", jmac(mac));
		json_object_set_new(e, "port", json_string(b->node.ports[v[i].port]->name));
		json_object_set_new(e, "vlan", json_integer(fdb_key_vid(v[i].key)));
		json_object_set_new(e, "age_ms",
				    json_integer(v[i].is_static ? 0 : (json_int_t)((now - v[i].last_seen) / NS_PER_MS)));
		json_object_set_new(e, "static", json_boolean(v[i].is_static));
		json_array_append_new(fdb, e);
	}
	free(v);
	json_object_set_new(o, "fdb", fdb);
	return o;
}

static json_t *guest_json(struct sim *s, struct guest *gu)
{
	json_t *o = json_object(), *nics = json_array(), *arp = json_array(), *pings = json_array();
	json_t *udp = json_object(), *tcp = json_array();
	char buf[32];

	json_object_set_new(o, "name", json_string(gu->node.name));
	for (int i = 0; i < gu->nnics + gu->nvifs; i++) {
		struct nic *n = gu->nics[i];
		json_t *j = json_object();

		json_object_set_new(j, "id", json_string(n->id));
		if (n->parent != NULL) {
			json_object_set_new(j, "parent", json_string(n->parent->id));
			json_object_set_new(j, "vid", json_integer(n->vid));
		}
		json_object_set_new(j, "port", json_string(n->port->name));
		json_object_set_new(j, "model", json_string(n->model->name));
		snprintf(buf, sizeof(buf), "%04x:%04x", n->model->vendor, n->model->device);
		/* An ISA card has no PCI id: null. */
		json_object_set_new(j, "pci_id", n->model->vendor != 0 ? json_string(buf) : json_null());
		json_object_set_new(j, "mac", jmac(n->mac));
		if (n->ip) {
			char ip[16];

			snprintf(buf, sizeof(buf), "%s/%d", fmt_ipv4(n->ip, ip), n->prefix);
			json_object_set_new(j, "ip", json_string(buf));
		} else {
			json_object_set_new(j, "ip", json_null());
		}
		json_object_set_new(j, "vlan", n->vlan >= 0 ? json_integer(n->vlan) : json_null());
		if (n->dhcp != NULL) {
			json_t *d = json_object();

			fields_json(d, &dhcp_fields, n->dhcp);
			json_object_set_new(j, "dhcp", d);
		}
		json_array_append_new(nics, j);
	}
	json_object_set_new(o, "nics", nics);
	gu->kind->report(gu, o);
	for (int i = 0; i < gu->narp; i++) {
		const struct arp_entry *e = gu->arp[i];
		json_t *j = json_object();

		json_object_set_new(j, "ip", json_string(fmt_ipv4(e->ip, buf)));
		json_object_set_new(j, "mac", e->resolved ? jmac(e->mac) : json_null());
		json_object_set_new(j, "nic", json_string(gu->nics[e->nic]->id));
		json_object_set_new(j, "state", json_string(!e->resolved ? "incomplete" :
						guest_arp_live(gu, e) ? "reachable" : "expired"));
		json_array_append_new(arp, j);
	}
	json_object_set_new(o, "arp", arp);
	fields_json(o, &guest_fields, gu);
	for (int i = 0; i < tcp_count(gu); i++) {
		json_t *j = json_object();

		fields_json(j, &tcp_fields, tcp_at(gu, i));
		json_array_append_new(tcp, j);
	}
	json_object_set_new(o, "tcp", tcp);
	for (int i = 0; i < gu->npings; i++) {
		json_t *j = json_object();

		fields_json(j, &ping_fields, gu->pings[i]);
		json_array_append_new(pings, j);
	}
	json_object_set_new(o, "pings", pings);
	fields_json(udp, &guest_udp_fields, gu);
	json_object_set_new(o, "udp", udp);
	(void)s;
	return o;
}

static json_t *netdev_json(struct netdev *nd)
{
	json_t *o = json_object(), *c = json_object();

	json_object_set_new(o, "name", json_string(nd->node.name));
	json_object_set_new(o, "type", json_string(nd->ops ? nd->ops->type : ""));
	json_object_set_new(o, "options", json_string(nd->options ? nd->options : ""));
	json_object_set_new(o, "port", json_string(nd->port->name));
	json_object_set_new(o, "state", json_string(netdev_state_name(nd->state)));
	json_object_set_new(o, "local", nd->local_desc[0] ? json_string(nd->local_desc) : json_null());
	json_object_set_new(o, "remote", nd->remote_desc[0] ? json_string(nd->remote_desc) :
			    json_null());
	json_object_set_new(o, "peer", netdev_peer(nd)[0] ? json_string(netdev_peer(nd)) :
			    json_null());
	json_object_set_new(o, "error", nd->error[0] ? json_string(nd->error) : json_null());
	json_object_set_new(o, "since_ms", json_integer((json_int_t)(nd->since / NS_PER_MS)));
	fields_json(c, &netdev_fields, nd);
	json_object_set_new(o, "counters", c);
	if (nd->ops != NULL && nd->ops->report != NULL)
		nd->ops->report(nd, o);
	return o;
}

/*
 * The report is written as it is made: the top-level keys one after the
 * other, and each element of the big arrays (ports, guests, ...) built,
 * written and freed before the next, so a report of 100,000 guests never
 * holds more than one guest's objects. The bytes are those json_dump_file
 * would write for the whole tree with JSON_INDENT(2): an element dumped on
 * its own is indented 4 more, jansson escaping every newline inside strings.
 */
#define REPORT_FLAGS (JSON_INDENT(2) | JSON_REAL_PRECISION(12))

struct jout {
	FILE *f;
	int nkeys;              /* top-level keys written */
	int nelems;             /* elements of the open array */
	bool failed;
};

/* v (reference taken) at depth `indent` spaces, after what is written. */
static void jout_value(struct jout *o, json_t *v, int indent)
{
	char *text = json_dumps(v, REPORT_FLAGS | JSON_ENCODE_ANY);

	json_decref(v);
	if (text == NULL) {
		o->failed = true;
		return;
	}
	for (const char *c = text, *nl; *c != '\0'; c = nl + 1) {
		nl = strchr(c, '\n');
		if (nl == NULL) {
			fputs(c, o->f);
			break;
		}
		fwrite(c, 1, (size_t)(nl - c) + 1, o->f);
		fwrite("        ", 1, (size_t)MIN(indent, 8), o->f);
	}
	free(text);
}

static void jout_key(struct jout *o, const char *key)
{
	fprintf(o->f, "%s\n  ", o->nkeys++ ? "," : "{");
	jout_value(o, json_string(key), 2);
	fputs(": ", o->f);
}

/* A NULL v (a string that is not UTF-8) leaves the key out, as
 * json_object_set_new does. */
static void jout_set(struct jout *o, const char *key, json_t *v)
{
	if (v == NULL)
		return;
	jout_key(o, key);
	jout_value(o, v, 2);
}

static void jout_array(struct jout *o, const char *key)
{
	jout_key(o, key);
	fputc('[', o->f);
	o->nelems = 0;
}

static void jout_elem(struct jout *o, json_t *v)
{
	if (v == NULL)
		return;
	fputs(o->nelems++ ? ",\n    " : "\n    ", o->f);
	jout_value(o, v, 4);
}

static void jout_array_end(struct jout *o)
{
	fputs(o->nelems ? "\n  ]" : "]", o->f);
}

/* A --host run: which host, and the links it crossed to the others. */
static json_t *host_json(const struct sim *s)
{
	json_t *h = json_object(), *cx = json_array();

	json_object_set_new(h, "name", json_string(s->part));
	for (int i = 0; i < s->ncrossings; i++) {
		const struct sim_crossing *c = &s->crossings[i];

		json_array_append_new(cx, json_pack("{s:i, s:s, s:s, s:s, s:s, s:i, s:i, s:i}",
						    "line", c->line, "local", c->local, "remote",
						    c->remote, "to_host", c->to_host, "netdev",
						    c->netdev, "vni", (json_int_t)c->vni, "local_port",
						    (json_int_t)c->lport, "remote_port",
						    (json_int_t)c->rport));
	}
	json_object_set_new(h, "crossed", cx);
	return h;
}

int report_write(struct sim *s, const char *path, char *err)
{
	static const char *const expect_state_name[] = {
		[EXPECT_NOT_RUN] = "not_run", [EXPECT_PASS] = "pass", [EXPECT_FAIL] = "fail",
	};
	struct jout o = { .f = fopen(path, "w") };
	struct frame_pool_stats fs;
	struct expect_tally tally;
	json_t *fr;

	if (o.f == NULL)
		return errf(err, "cannot write report %s: %s", path, strerror(errno));
	graph_settle(s->g, false);
	jout_set(&o, "qnetsim", json_string(QNETSIM_VERSION_STR));
	jout_set(&o, "topology", json_string(s->path ? s->path : ""));
	jout_set(&o, "seed", json_integer((json_int_t)s->seed));
	jout_set(&o, "clock", json_string(loop_clock(s->loop) == LOOP_VIRTUAL ? "virtual" : "real"));
	jout_set(&o, "end_ms", json_integer((json_int_t)(loop_now(s->loop) / NS_PER_MS)));
	if (s->part != NULL)
		jout_set(&o, "host", host_json(s));
	sim_tally(s, &tally);
	jout_set(&o, "result", json_string(tally.failed || tally.not_run ? "fail" : "pass"));
	jout_set(&o, "summary", json_pack("{s:i, s:i, s:i, s:i}", "expectations", tally.total,
					  "passed", tally.passed, "failed", tally.failed,
					  "not_run", tally.not_run));
	frame_pool_stats(s->pool, &fs);
	fr = json_object();
	json_object_set_new(fr, "delivered", json_integer((json_int_t)s->g->frames_delivered));
	json_object_set_new(fr, "allocated", json_integer((json_int_t)fs.allocated));
	json_object_set_new(fr, "pool_high_water", json_integer((json_int_t)fs.high_water));
	json_object_set_new(fr, "pool_exhausted", json_integer((json_int_t)fs.exhausted));
	jout_set(&o, "frames", fr);
	jout_array(&o, "ports");
	for (uint32_t i = 0; i < s->g->nports; i++)
		jout_elem(&o, port_json(s->g->ports[i]));
	jout_array_end(&o);
	jout_array(&o, "hubs");
	for (int i = 0; i < s->nhubs; i++) {
		json_t *h = json_object(), *ports = json_array();

		json_object_set_new(h, "name", json_string(s->hubs[i]->node.name));
		json_object_set_new(h, "vlan", s->hubs[i]->vlan >= 0 ? json_integer(s->hubs[i]->vlan)
								      : json_null());
		fields_json(h, &hub_fields, s->hubs[i]);
		for (int j = 0; j < s->hubs[i]->node.nports; j++)
			json_array_append_new(ports, json_string(s->hubs[i]->node.ports[j]->name));
		json_object_set_new(h, "ports", ports);
		report_ext(&s->hubs[i]->node, h);
		jout_elem(&o, h);
	}
	jout_array_end(&o);
	jout_array(&o, "bridges");
	for (int i = 0; i < s->nbridges; i++)
		jout_elem(&o, bridge_json(s, s->bridges[i]));
	jout_array_end(&o);
	jout_array(&o, "guests");
	for (int i = 0; i < s->nguests; i++)
		jout_elem(&o, guest_json(s, s->guests[i]));
	jout_array_end(&o);
	jout_array(&o, "netdevs");
	for (int i = 0; i < s->nnetdevs; i++)
		jout_elem(&o, netdev_json(s->netdevs[i]));
	jout_array_end(&o);
	jout_array(&o, "expectations");
	for (int i = 0; i < s->nresults; i++) {
		json_t *e = json_object();

		json_object_set_new(e, "line", json_integer(s->results[i].line));
		json_object_set_new(e, "at_ms", json_integer((json_int_t)(s->results[i].at / NS_PER_MS)));
		json_object_set_new(e, "expect", json_string(s->results[i].text));
		json_object_set_new(e, "result", json_string(expect_state_name[s->results[i].state]));
		json_object_set_new(e, "actual", s->results[i].actual != NULL ?
					 json_string(s->results[i].actual) : json_null());
		jout_elem(&o, e);
	}
	jout_array_end(&o);
	fputs("\n}", o.f);
	if (ferror(o.f) || o.failed) {
		fclose(o.f);
		return errf(err, "cannot write report %s", path);
	}
	if (fclose(o.f) != 0)
		return errf(err, "cannot write report %s: %s", path, strerror(errno));
	return 0;
}

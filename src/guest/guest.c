/*
 * The sim guests' IPv4 stack. See guest.h for what it does and does not do.
 *
 * This file has the guest as a node: its NICs and VLAN interfaces, its life
 * cycle, and Ethernet in (802.1Q, the receive filter, then ARP or IPv4) and
 * out (through the loop's FIFO). ARP and the neighbour output are in arp.c,
 * IPv4, ICMP and UDP in ip.c; stack.h declares what they share.
 *
 * Frames a guest builds start with one reference owned by the guest; they
 * go to port_tx() (which takes it) or wait in an ARP entry's pending list
 * (which owns them until they are sent or dropped).
 */
#include "stack.h"

#include <jansson.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void guest_event(struct guest *gu, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	graph_eventv(gu->node.g, "guest", gu->node.name, fmt, ap);
	va_end(ap);
}

static void nic_send_deferred(void *nicp, void *frame)
{
	struct nic *nic = nicp;

	trace_record(nic->guest->node.g, nic->port, frame, DEC_SENT, 0, 0, true);
	port_tx(nic->port, frame);
}

/* A VLAN interface's frames leave its parent tagged. */
static struct frame *vif_tag(struct nic *nic, struct frame *f)
{
	struct frame *t = frame_tagged_copy(f, nic->vid);

	frame_unref(f);
	if (t == NULL)
		port_count_drop(nic->port, DROP_NO_BUFFER);
	return t;
}

/* A guest's transmissions go through the loop's FIFO, at the same instant:
 * a reply is then its own event, after the request's delivery, and step
 * mode shows one hop per step. */
void guest_nic_send(struct nic *nic, struct frame *f)
{
	if (nic->parent != NULL && (f = vif_tag(nic, f)) == NULL)
		return;
	if (loop_defer(nic->guest->node.g->loop, nic_send_deferred, nic, f) < 0)
		port_drop(nic->port, f, DROP_FIFO_FULL);
}

/* Allocates a frame with an Ethernet header from nic, padded to 60 bytes. */
struct frame *guest_eth_alloc(struct nic *nic, const uint8_t *dst, uint16_t type,
			      uint32_t payload)
{
	uint32_t len = MAX(ETH_HLEN + payload, ETH_MIN_LEN);
	struct frame *f = frame_alloc(nic->guest->node.g->pool, len);

	if (f == NULL) {
		port_count_drop(nic->port, DROP_NO_BUFFER);
		return NULL;
	}
	f->born = loop_now(nic->guest->node.g->loop);
	memset(f->data, 0, len);
	if (dst != NULL)
		memcpy(f->data, dst, 6);
	memcpy(f->data + 6, nic->mac, 6);
	wr16(f->data + 12, type);
	return f;
}

static void guest_input(struct node *n, struct port *in, struct frame *f)
{
	struct guest *gu = container_of(n, struct guest, node);

	if (f->len < ETH_HLEN) {
		port_drop(in, f, DROP_RUNT);
		return;
	}
	gu->kind->input(gu, in->priv, f);
}

/* The sim stack's Ethernet in: a frame of at least ETH_HLEN on nic. */
static void sim_input(struct guest *gu, struct nic *nic, struct frame *f)
{
	struct node *n = &gu->node;
	struct port *in = nic->port;
	uint16_t type;

	if (f->data[12] == 0x81 && f->data[13] == 0x00 && f->len >= 18) {
		/* 802.1Q: to the VLAN interface on this NIC, untagged. */
		uint16_t vid = rd16(f->data + 14) & 0xfff;
		struct nic *vif = NULL;
		struct frame *u;

		for (int i = gu->nnics; i < gu->nnics + gu->nvifs; i++)
			if (gu->nics[i]->parent == nic && gu->nics[i]->vid == vid)
				vif = gu->nics[i];
		if (vif == NULL) {
			port_drop(in, f, DROP_VLAN);
			trace_set_vid(n->g, vid);
			return;
		}
		u = frame_untagged_copy(f);
		frame_unref(f);
		if (u == NULL) {
			port_count_drop(in, DROP_NO_BUFFER);
			return;
		}
		f = u;
		nic = vif;
	}
	/* The NIC's receive filter: our MAC or broadcast; no multicast groups. */
	if (!mac_equal(f->data, nic->mac) && !mac_is_broadcast(f->data)) {
		port_drop(in, f, DROP_NOT_FOR_US);
		return;
	}
	type = rd16(f->data + 12);
	if (type == ETH_P_ARP)
		guest_arp_input(gu, nic, f);
	else if (type == ETH_P_IP)
		guest_ip_input(gu, nic, f);
	else
		port_drop(in, f, DROP_NOT_FOR_US);
}

/* ---- node ---------------------------------------------------------------- */

static void guest_destroy(struct node *n)
{
	struct guest *gu = container_of(n, struct guest, node);

	guest_arp_free(gu);
	for (int i = 0; i < gu->npings; i++)
		guest_ping_free(gu->pings[i]);
	guest_udp_free_all(gu);
	tcp_free_all(gu);
	dns_free_all(gu);
	if (gu->kind->free != NULL)
		gu->kind->free(gu);
	for (int i = 0; i < gu->nnics + gu->nvifs; i++) {
		if (gu->nics[i]->dhcp != NULL)
			dhcp_client_free(gu->nics[i]->dhcp);
		free(gu->nics[i]->id);
		free(gu->nics[i]);
	}
	free(gu->nics);
	free(gu->pings);
	free(gu->udp_ports);
	free(gu->flows);
	free(gu->tcp);
	free(gu->listen);
	free(gu->dnsq);
	free(gu->routes);
	free(gu);
}

/* A routed hop (forward = on): which route sent the packet where. */
static void guest_explain(struct node *n, const struct trace_rec *r, char *buf, size_t len)
{
	struct guest *gu = container_of(n, struct guest, node);
	const uint8_t *ip = r->hdr + ETH_HLEN;
	struct graph *g = n->g;
	char rt[160], dst[16], vlan[24];

	snprintf(vlan, sizeof(vlan), " in VLAN %u", r->vid);
	if (r->hdr[12] == 0x81 && r->hdr[13] == 0x00)
		ip += 4;
	guest_route_text(gu, r->reason, rt, sizeof(rt));
	snprintf(buf, len,
		 "Guest %s routes (forward = on). The packet for %s came in on %s; the longest "
		 "prefix that matches it is %s, so it went out of %s%s with its TTL one lower "
		 "(%u), in a new frame from %s's MAC to the next hop's.",
		 n->name, fmt_ipv4(rd32(ip + 16), dst), r->port < g->nports ? g->ports[r->port]->name : "?",
		 rt, r->out_port < g->nports ? g->ports[r->out_port]->name : "?",
		 r->vid ? vlan : "", ip[8] - 1u, n->name);
}

static const struct node_ops guest_ops = {
	.kind = "guest",
	.input = guest_input,
	.destroy = guest_destroy,
	.explain = guest_explain,
};

struct guest *guest_new(struct graph *g, const char *name, int line)
{
	struct guest *gu = xcalloc(1, sizeof(*gu));

	node_init(&gu->node, g, &guest_ops, name, line);
	gu->kind = &guest_sim_kind;
	gu->arp_timeout = ARP_DEFAULT_TIMEOUT;
	/* Ping identifiers differ between guests, deterministically. */
	gu->ident_base = (uint16_t)(rng_hash(name) & 0xff00);
	gu->ip_id = (uint16_t)(rng_hash(name) >> 16);
	gu->tcp_next_port = (uint16_t)(49152 + (rng_hash(name) >> 24) % 1024);
	VEC_RESERVE(gu->listen, gu->nlisten, gu->listencap);
	gu->listen[gu->nlisten++] = (struct tcp_listener){ .port = 7, .app = TCP_APP_ECHO };
	VEC_RESERVE(gu->listen, gu->nlisten, gu->listencap);
	gu->listen[gu->nlisten++] = (struct tcp_listener){ .port = 9, .app = TCP_APP_DISCARD };
	return gu;
}

void guest_start(struct guest *gu)
{
	if (gu->kind->start != NULL)
		gu->kind->start(gu);
}

/* ---- the sim kind ----------------------------------------------------------- */

static void sim_start(struct guest *gu)
{
	/* sim_input's MAC filter, in the port: a frame for another NIC is
	 * dropped without reading the guest. */
	for (int i = 0; i < gu->nnics; i++)
		port_set_rx_filter(gu->nics[i]->port, gu->nics[i]->mac);
	for (int i = 0; i < gu->nnics; i++)
		if (gu->nics[i]->dhcp != NULL)
			dhcp_command(gu->nics[i], "start", NULL);
}

static void sim_dhcp(struct nic *nic)
{
	nic->dhcp = dhcp_client_new(nic);
}

static void sim_report(struct guest *gu, json_t *o)
{
	(void)gu;
	json_object_set_new(o, "kind", json_string("sim"));
}

const struct guest_kind guest_sim_kind = {
	.name = "sim",
	.about = "qnetsim's own stack",
	.stack = "qnetsim's stack",
	.sim_stack = true,
	.dhcp = sim_dhcp,
	.start = sim_start,
	.input = sim_input,
	.report = sim_report,
};

struct guest *guest_from_node(struct node *n)
{
	return n != NULL && n->ops == &guest_ops ? container_of(n, struct guest, node) : NULL;
}

struct nic *guest_add_nic(struct guest *gu, const struct nic_model *model, int line)
{
	struct nic *nic;
	char id[16];

	if (gu->nnics == GUEST_MAX_NICS)
		return NULL;
	nic = xcalloc(1, sizeof(*nic));
	nic->guest = gu;
	nic->index = gu->nnics;
	nic->id = xstrdup(name_num(id, "nic", (uint32_t)gu->nnics));
	nic->model = model;
	nic->vlan = -1;
	nic->line = line;
	VEC_RESERVE(gu->nics, gu->nnics + gu->nvifs, gu->nicscap);
	gu->nics[gu->nnics++] = nic;
	return nic;
}

void guest_nic_attach(struct nic *nic)
{
	nic->port = port_new(&nic->guest->node, nic->id, nic->model->speed, nic->model->txqlen);
	nic->port->priv = nic;
}

struct nic *guest_add_vif(struct nic *parent, uint16_t vid)
{
	struct guest *gu = parent->guest;
	struct nic *v;

	if (gu->nvifs == GUEST_MAX_VIFS)
		return NULL;
	v = xcalloc(1, sizeof(*v));
	v->guest = gu;
	v->index = gu->nnics + gu->nvifs;
	xasprintf(&v->id, "%s.%u", parent->id, vid);
	v->model = parent->model;
	memcpy(v->mac, parent->mac, 6);
	v->vlan = -1;
	v->line = parent->line;
	v->port = parent->port;
	v->parent = parent;
	v->vid = vid;
	VEC_RESERVE(gu->nics, gu->nnics + gu->nvifs, gu->nicscap);
	gu->nics[gu->nnics + gu->nvifs++] = v;
	return v;
}

struct nic *guest_find_nic(struct guest *gu, const char *id)
{
	for (int i = 0; i < gu->nnics + gu->nvifs; i++)
		if (strcmp(gu->nics[i]->id, id) == 0)
			return gu->nics[i];
	return NULL;
}

struct nic *guest_nic_named(struct guest *gu, const char *name)
{
	struct nic *nic = guest_find_nic(gu, name);
	uint64_t idx;

	if (nic == NULL && parse_u64(name, 0, GUEST_MAX_NICS - 1, &idx, NULL) == 0 &&
	    (int)idx < gu->nnics)
		nic = gu->nics[idx];
	return nic;
}

#define U(name, member) FIELD_U64(struct guest, name, st.member, 0)
static const struct field udp_f[] = {
	U("sent", udp_sent), U("received", udp_received), U("echoed", udp_echoed),
};
#undef U

const struct field_table guest_udp_fields = { udp_f, ARRAY_SIZE(udp_f) };

/* The first NIC's address now (none before DHCP has bound). */
static void guest_ip_f(const void *obj, struct value *v)
{
	const struct guest *gu = obj;

	value_ipv4(v, gu->nnics > 0 ? gu->nics[0]->ip : 0);
}

static void guest_gateway_f(const void *obj, struct value *v)
{
	value_ipv4(v, ((const struct guest *)obj)->gateway);
}

static void guest_dns_f(const void *obj, struct value *v)
{
	value_ipv4(v, ((const struct guest *)obj)->dns);
}

static const struct field guest_f[] = {
	FIELD_FN("ip", guest_ip_f, FIELD_TEXT | FIELD_NOREPORT),  /* the report has nics[].ip */
	FIELD_FN("gateway", guest_gateway_f, FIELD_TEXT),
	FIELD_FN("gw", guest_gateway_f, FIELD_TEXT | FIELD_NOREPORT),
	FIELD_FN("dns", guest_dns_f, FIELD_TEXT),
};

const struct field_table guest_fields = { guest_f, ARRAY_SIZE(guest_f) };

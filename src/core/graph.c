/*
 * Graph: nodes, ports, links and the path a frame takes between them.
 * See graph.h for the contract.
 *
 * This file has the graph and its nodes and ports: their life cycle and
 * names, a port's link state and drops, a node's flood, the names of drops
 * and decisions, events. The links (their queues, impairments and the
 * delivery at the far end) are in link.c.
 */
#include "graph_internal.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;               /* the counter, in expectations and the report */
	const char *label;              /* a few words, where counts are listed */
	const char *text;
} drop_reasons[DROP_REASON_COUNT] = {
	[DROP_LINK_DOWN] = { "link_down", "link down", "link down" },
	[DROP_QUEUE_FULL] = { "queue_full", "queue full", "transmit queue full" },
	[DROP_LINK_FULL] = { "link_full", "link full", "too many frames in flight on the link" },
	[DROP_LOSS] = { "loss", "lost on the link", "lost on the link (random loss)" },
	[DROP_NO_BUFFER] = { "no_buffer", "no buffer", "frame pool exhausted" },
	[DROP_FIFO_FULL] = { "fifo_full", "FIFO full", "delivery FIFO full" },
	[DROP_SAME_PORT] = { "same_port", "same port (filtered)", "filtered: destination is on the ingress port" },
	[DROP_RUNT] = { "runt", "runt", "malformed: shorter than an Ethernet header" },
	[DROP_NOT_FOR_US] = { "not_for_us", "not for this NIC", "NIC filter: not addressed to this NIC" },
	[DROP_NO_PORT] = { "no_port", "nowhere to send", "no other port to send to" },
	[DROP_BAD_PACKET] = { "bad_packet", "bad packet", "malformed packet" },
	[DROP_NO_ROUTE] = { "no_route", "no route", "no route to the destination" },
	[DROP_ARP_FAILED] = { "arp_failed", "no ARP reply", "no ARP reply from the next hop" },
	[DROP_ARP_QUEUE_FULL] = { "arp_queue_full", "ARP queue full", "too many packets waiting for ARP" },
	[DROP_UNREACHABLE_PORT] = { "port_unreachable", "UDP port unreachable", "UDP port unreachable" },
	[DROP_NO_PEER] = { "no_peer", "no peer", "no peer connected to the netdev" },
	[DROP_PEER_BACKLOG] = { "peer_backlog", "peer backlog", "the peer's write queue is full" },
	[DROP_PEER_ERROR] = { "peer_error", "peer error", "sending to the peer failed" },
	[DROP_BAD_LENGTH] = { "bad_length", "bad length", "malformed: bad frame length from the peer" },
	[DROP_OVERSIZE] = { "oversize", "oversize", "malformed: datagram over 69632 bytes" },
	[DROP_VLAN] = { "vlan", "VLAN not allowed", "VLAN not allowed on the port" },
	[DROP_UNTAGGED] = { "untagged", "untagged on a trunk", "untagged frame on a port without a native VLAN" },
	[DROP_QINQ] = { "qinq", "QinQ tag", "802.1ad (QinQ) tag: not supported by a VLAN-aware bridge" },
	[DROP_STP] = { "stp", "STP not forwarding", "the port is not forwarding (STP)" },
	[DROP_MIRROR_PORT] = { "mirror_port", "to a mirror port", "a mirror (SPAN) port takes no traffic" },
	[DROP_BURST_LOSS] = { "burst_loss", "lost in a burst", "lost on the link in a loss burst (Gilbert-Elliott)" },
	[DROP_TTL_EXCEEDED] = { "ttl_exceeded", "TTL exceeded", "TTL exceeded in transit (ICMP time exceeded sent back)" },
	[DROP_BAD_HEADER] = { "bad_header", "bad tunnel header", "malformed: a tunnel header that is short, has flags or reserved bits set, or carries another VNI" },
	[DROP_TOO_BIG] = { "too_big", "too big for the tunnel", "longer than the tunnel's mtu" },
};

const char *drop_reason_name(enum drop_reason r)
{
	return r < DROP_REASON_COUNT ? drop_reasons[r].name : "?";
}

const char *drop_reason_label(enum drop_reason r)
{
	return r < DROP_REASON_COUNT ? drop_reasons[r].label : "?";
}

const char *drop_reason_text(enum drop_reason r)
{
	return r < DROP_REASON_COUNT ? drop_reasons[r].text : "?";
}

int drop_reason_parse(const char *s)
{
	for (int i = 0; i < DROP_REASON_COUNT; i++)
		if (strcmp(s, drop_reasons[i].name) == 0)
			return i;
	return -1;
}

static const char *decision_names[DEC_COUNT] = {
	[DEC_FORWARDED] = "forwarded",
	[DEC_FLOODED_UNKNOWN] = "flooded: unknown destination",
	[DEC_FLOODED_BCAST] = "flooded: broadcast",
	[DEC_FLOODED_MCAST] = "flooded: multicast",
	[DEC_FLOODED_HUB] = "flooded: hub",
	[DEC_DELIVERED] = "delivered",
	[DEC_SENT] = "sent",
	[DEC_DROPPED] = "dropped",
	[DEC_STP] = "STP BPDU",
	[DEC_MIRRORED] = "mirrored",
	[DEC_ROUTED] = "routed",
};

const char *decision_name(enum decision d)
{
	return d < DEC_COUNT ? decision_names[d] : "?";
}

struct graph *graph_new(struct loop *loop, struct frame_pool *pool, uint64_t seed,
			uint32_t trace_cap)
{
	struct graph *g = xcalloc(1, sizeof(*g));

	g->loop = loop;
	g->pool = pool;
	g->seed = seed;
	g->trace.cap = trace_cap;
	strmap_init(&g->node_names);
	return g;
}

void trace_grow(struct trace *t)
{
	uint32_t n = t->alloc ? MIN(t->alloc * 2, t->cap) : MIN(1024u, t->cap);

	t->ring = xreallocarray(t->ring, n, sizeof(*t->ring));
	t->alloc = n;
}

void graph_set_trace_cap(struct graph *g, uint32_t cap)
{
	free(g->trace.ring);
	g->trace.ring = NULL;
	g->trace.alloc = 0;
	g->trace.cap = cap;
	g->trace.total = 0;
	g->trace.bytes_head = 0;
	g->trace.bytes_at = 0;
}

void graph_set_trace_bytes(struct graph *g, uint64_t cap)
{
	struct trace *t = &g->trace;

	free(t->bytes);
	t->bytes = cap > 0 ? xmalloc(cap) : NULL;
	t->bytes_cap = cap;
	t->bytes_head = 0;
	t->bytes_at = 0;
}

void trace_keep_bytes(struct trace *t, struct trace_rec *r, const uint8_t *data, uint32_t len)
{
	uint64_t at = t->bytes_at, room = t->bytes_cap - at;

	/* The first TRACE_HDR bytes are in the record already. */
	if (len <= TRACE_HDR || len - TRACE_HDR > t->bytes_cap)
		return;
	data += TRACE_HDR;
	len -= TRACE_HDR;
	r->boff = t->bytes_head;
	t->bytes_head += len;
	if (len < room) {
		memcpy(t->bytes + at, data, len);
		t->bytes_at = at + len;
		return;
	}
	memcpy(t->bytes + at, data, room);
	memcpy(t->bytes, data + room, len - room);
	t->bytes_at = len - room;
}

uint32_t trace_bytes(const struct trace *t, const struct trace_rec *r, uint8_t *out)
{
	uint64_t at, first, tail;

	memcpy(out, r->hdr, MIN((uint32_t)r->len, (uint32_t)TRACE_HDR));
	if (r->len <= TRACE_HDR)
		return r->len;
	tail = r->len - TRACE_HDR;
	if (r->boff == UINT64_MAX || t->bytes_cap == 0 || t->bytes_head - r->boff > t->bytes_cap ||
	    r->boff + tail > t->bytes_head)
		return 0;
	at = r->boff % t->bytes_cap;
	first = MIN(tail, t->bytes_cap - at);
	memcpy(out + TRACE_HDR, t->bytes + at, first);
	memcpy(out + TRACE_HDR + first, t->bytes, tail - first);
	return r->len;
}

void graph_free(struct graph *g)
{
	if (g == NULL)
		return;
	/* Extensions first: they may still reach into their owners' links. */
	for (int i = 0; i < g->nnodes; i++) {
		struct node *n = g->nodes[i];

		while (n->ext != NULL) {
			struct node_ext *x = n->ext;

			n->ext = x->next;
			x->ops->free(x);
		}
	}
	for (int i = 0; i < g->nlinks; i++)
		link_free(g->links[i]);
	free(g->lag);
	for (int i = 0; i < g->nnodes; i++) {
		struct node *n = g->nodes[i];
		struct port **ports = n->ports;
		int np = n->nports;
		char *name = n->name;

		if (n->ops->destroy != NULL)
			n->ops->destroy(n);
		for (int p = 0; p < np; p++) {
			free(ports[p]->name);
			free(ports[p]->st.drops);
		}
		free(ports);
		free(name);
	}
	for (int i = 0; i < g->nslabs; i++)
		free(g->port_slabs[i]);
	free(g->port_slabs);
	for (int i = 0; i < g->nlinkslabs; i++)
		free(g->link_slabs[i]);
	free(g->link_slabs);
	free(g->nodes);
	free(g->ports);
	free(g->links);
	free(g->trace.ring);
	free(g->trace.bytes);
	strmap_free(&g->node_names);
	strmap_free(&g->port_names);
	free(g);
}

void node_init(struct node *n, struct graph *g, const struct node_ops *ops,
	       const char *name, int line)
{
	n->ops = ops;
	n->g = g;
	n->name = xstrdup(name);
	n->line = line;
	n->ports = NULL;
	n->nports = n->portcap = 0;
	if (g->nnodes == g->nodecap) {
		g->nodecap = g->nodecap ? g->nodecap * 2 : 16;
		g->nodes = xreallocarray(g->nodes, (size_t)g->nodecap, sizeof(*g->nodes));
	}
	g->nodes[g->nnodes++] = n;
	strmap_put(&g->node_names, n->name, n);
	n->ext = NULL;
	if (g->node_added != NULL)
		g->node_added(g->node_added_ctx, n);
}

void node_ext_add(struct node *n, struct node_ext *x, int line)
{
	struct node_ext **pp = &n->ext;

	while (*pp != NULL)
		pp = &(*pp)->next;
	x->owner = n;
	x->line = line;
	x->next = NULL;
	*pp = x;
}

struct node_ext *node_ext_find(const struct node *n, const struct node_ext_ops *ops)
{
	for (struct node_ext *x = n->ext; x != NULL; x = x->next)
		if (x->ops == ops)
			return x;
	return NULL;
}

struct node_ext *node_ext_named(const struct node *n, const char *name)
{
	for (struct node_ext *x = n->ext; x != NULL; x = x->next)
		if (strcmp(x->ops->name, name) == 0)
			return x;
	return NULL;
}

struct node *graph_find_node(struct graph *g, const char *name)
{
	return strmap_get(&g->node_names, name);
}

struct port *node_find_port(const struct node *n, const char *name, size_t len)
{
	for (int i = 0; i < n->nports; i++)
		if (strncmp(n->ports[i]->name, name, len) == 0 && n->ports[i]->name[len] == '\0')
			return n->ports[i];
	return NULL;
}

struct port *graph_find_port(struct graph *g, const char *name)
{
	/* Made at the first lookup, all at once: most loads look no port up
	 * by name, and a map kept as ports were made cost a cache miss for
	 * each (a tenth of loading 100,000 guests). port_new keeps it after. */
	if (g->port_names.keys == NULL) {
		strmap_init(&g->port_names);
		strmap_reserve(&g->port_names, g->nports);
		for (uint32_t i = 0; i < g->nports; i++)
			strmap_put(&g->port_names, g->ports[i]->name, g->ports[i]);
	}
	return strmap_get(&g->port_names, name);
}

struct port *port_new(struct node *n, const char *suffix, uint64_t speed, uint32_t txqlen)
{
	struct graph *g = n->g;
	struct port *p;

	if (g->nports % PORT_SLAB == 0) {
		struct port *slab;

		if (posix_memalign((void **)&slab, PORT_ALIGN, PORT_SLAB * sizeof(*slab)) != 0)
			fatal("out of memory allocating ports");
		VEC_RESERVE(g->port_slabs, g->nslabs, g->slabcap);
		g->port_slabs[g->nslabs++] = slab;
	}
	p = &g->port_slabs[g->nslabs - 1][g->nports % PORT_SLAB];
	memset(p, 0, sizeof(*p));
	p->name = name_join(n->name, suffix);
	p->g = g;
	p->node = n;
	p->admin_up = true;
	p->speed = speed;
	p->txqlen = txqlen ? txqlen : 1000;
	if (n->nports == n->portcap) {
		n->portcap = n->portcap ? n->portcap * 2 : 4;
		n->ports = xreallocarray(n->ports, (size_t)n->portcap, sizeof(*n->ports));
	}
	p->index = n->nports;
	n->ports[n->nports++] = p;
	if (g->nports == g->portcap) {
		g->portcap = g->portcap ? g->portcap * 2 : 64;
		g->ports = xreallocarray(g->ports, g->portcap, sizeof(*g->ports));
	}
	p->gid = g->nports;
	g->ports[g->nports++] = p;
	if (g->port_names.keys != NULL)
		strmap_put(&g->port_names, p->name, p);
	if (g->port_added != NULL)
		g->port_added(g->port_added_ctx, p);
	return p;
}

struct port *port_peer(const struct port *p)
{
	return p->link != NULL ? p->link->end[!p->side] : NULL;
}

void port_drops_make(struct port *p)
{
	p->st.drops = xcalloc(DROP_REASON_COUNT, sizeof(*p->st.drops));
}

/* Keeps the ends' nodes' counts of ports up as l->up changes. */
static void link_up_changed(struct link *l, bool up)
{
	int d = up ? 1 : -1;

	l->up = up;
	l->end[0]->node->nup += d;
	l->end[1]->node->nup += d;
}

void link_set_down(struct link *l)
{
	l->end[0]->admin_up = l->end[1]->admin_up = false;
	if (l->up)
		link_up_changed(l, false);
}

void port_set_link(struct port *p, bool up)
{
	struct port *peer = port_peer(p);
	bool was = port_link_up(p);

	graph_settle(p->g, true);
	p->admin_up = up;
	if (p->link != NULL && p->link->up != (p->link->end[0]->admin_up && p->link->end[1]->admin_up))
		link_up_changed(p->link, !p->link->up);
	if (port_link_up(p) == was)
		return;
	if (p->node->ops->link_change != NULL)
		p->node->ops->link_change(p->node, p, !was);
	if (peer != NULL && peer->node->ops->link_change != NULL)
		peer->node->ops->link_change(peer->node, peer, !was);
}

bool drop_reason_tx(enum drop_reason r)
{
	switch (r) {
	case DROP_LINK_DOWN:
	case DROP_QUEUE_FULL:
	case DROP_LINK_FULL:
	case DROP_LOSS:
	case DROP_NO_BUFFER:
	case DROP_FIFO_FULL:
	case DROP_NO_ROUTE:
	case DROP_ARP_FAILED:
	case DROP_ARP_QUEUE_FULL:
		return true;
	default:
		return false;
	}
}

void port_drop_dir(struct port *p, struct frame *f, enum drop_reason why, bool tx)
{
	port_count_drop(p, why);
	trace_record(p->g, p, f, DEC_DROPPED, 0, (uint8_t)why, tx);
	frame_unref(f);
}

void port_set_rx_filter(struct port *p, const uint8_t *mac)
{
	graph_settle(p->g, true);
	p->rx_filter = mac != NULL;
	if (mac != NULL)
		memcpy(p->rx_mac, mac, 6);
}

void port_drop(struct port *p, struct frame *f, enum drop_reason why)
{
	port_drop_dir(p, f, why, drop_reason_tx(why));
}

/* Floods past this many ports fetch their ports ahead. */
#define FLOOD_WARM_PORTS 8

uint32_t node_flood(struct node *n, struct port *in, struct frame *f, enum decision why)
{
	uint32_t ports = (uint32_t)n->nup - (in != NULL && in->node == n && port_link_up(in)), left;
	bool warm;

	if (ports == 0) {
		/* A flood to no port is a drop, and is shown as one. */
		port_drop_dir(in, f, DROP_NO_PORT, false);
		return 0;
	}
	trace_record(n->g, in, f, why, ports, 0, false);
	left = ports;
	/* A small node's ports are in the cache already. */
	warm = n->nports > FLOOD_WARM_PORTS;
	for (int i = 0; i < n->nports && left > 0; i++) {
		struct port *p = n->ports[i];

		if (p == in || !port_link_up(p))
			continue;
		/* Ahead, in stages: the port, its link's direction, its ring. */
		if (warm && i + 16 < n->nports)
			__builtin_prefetch(n->ports[i + 16]);
		if (warm && i + 8 < n->nports)
			port_tx_warm(n->ports[i + 8], 0);
		if (warm && i + 4 < n->nports)
			port_tx_warm(n->ports[i + 4], 1);
		/* The last port takes the caller's reference. */
		if (--left > 0)
			frame_ref(f);
		port_tx(p, f);
	}
	return ports;
}

void graph_eventv(struct graph *g, const char *kind, const char *who, const char *fmt,
		  va_list ap)
{
	char msg[512];

	if (g->event == NULL && log_path() == NULL)
		return;         /* no one reads it (--quiet): not even formatted */
	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_debug("%s %s: %s", kind, who, msg);
	if (g->event != NULL)
		g->event(g->event_ctx, who, msg);
}

void node_event(struct node *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	graph_eventv(n->g, n->ops->kind, n->name, fmt, ap);
	va_end(ap);
}

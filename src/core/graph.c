/*
 * Graph: nodes, ports, links and the path a frame takes between them.
 * See graph.h for the contract.
 */
#include "graph.h"
#include "util.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Frames a link direction may have on the wire (after serialisation, while
 * the delay runs) beyond its queue: the bound on memory for long delays. */
#define LINK_WIRE_MAX 65536u

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
	strmap_init(&g->port_names);
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
}

static void ring_flush(struct inring *q)
{
	while (q->count > 0) {
		frame_unref(q->ring[q->head].f);
		q->head = (q->head + 1) & (q->cap - 1);
		q->count--;
	}
	free(q->ring);
	q->ring = NULL;
}

static void link_dir_flush(struct link_dir *d)
{
	ring_flush(&d->q);
	ring_flush(&d->fast);
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
	for (int i = 0; i < g->nlinks; i++) {
		struct link *l = g->links[i];

		for (int s = 0; s < 2; s++) {
			loop_timer_disarm(g->loop, &l->dir[s].timer);
			link_dir_flush(&l->dir[s]);
		}
		free(l);
	}
	for (int i = 0; i < g->nnodes; i++) {
		struct node *n = g->nodes[i];
		struct port **ports = n->ports;
		int np = n->nports;
		char *name = n->name;

		if (n->ops->destroy != NULL)
			n->ops->destroy(n);
		for (int p = 0; p < np; p++) {
			free(ports[p]->name);
			free(ports[p]);
		}
		free(ports);
		free(name);
	}
	free(g->nodes);
	free(g->ports);
	free(g->links);
	free(g->trace.ring);
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

struct port *graph_find_port(struct graph *g, const char *name)
{
	return strmap_get(&g->port_names, name);
}

struct port *port_new(struct node *n, const char *suffix, uint64_t speed, uint32_t txqlen)
{
	struct graph *g = n->g;
	struct port *p = xcalloc(1, sizeof(*p));

	xasprintf(&p->name, "%s.%s", n->name, suffix);
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
	strmap_put(&g->port_names, p->name, p);
	if (g->port_added != NULL)
		g->port_added(g->port_added_ctx, p);
	return p;
}

static void link_dir_fire(void *arg);

struct link *link_new(struct graph *g, struct port *a, struct port *b, uint64_t rate,
		      uint64_t delay, double loss, int line)
{
	struct link *l = xcalloc(1, sizeof(*l));

	if (a->link != NULL || b->link != NULL || a == b)
		fatal("link_new: port already linked");
	l->g = g;
	l->end[0] = a;
	l->end[1] = b;
	l->rate_set = rate != 0;
	if (rate == 0) {
		/* The slower end sets the pace, as autonegotiation would. */
		if (a->speed == 0)
			rate = b->speed;
		else if (b->speed == 0)
			rate = a->speed;
		else
			rate = MIN(a->speed, b->speed);
	}
	l->rate = rate;
	l->line = line;
	for (int s = 0; s < 2; s++) {
		struct link_dir *d = &l->dir[s];

		d->link = l;
		d->side = s;
		d->im.delay = delay;
		d->im.loss = loss;
		timer_init(&d->timer, link_dir_fire, d);
		/* One stream per direction, named by its sending port. */
		rng_seed(&d->rng, g->seed, rng_hash(l->end[s]->name));
	}
	a->link = l;
	a->side = 0;
	b->link = l;
	b->side = 1;
	if (g->nlinks == g->linkcap) {
		g->linkcap = g->linkcap ? g->linkcap * 2 : 16;
		g->links = xreallocarray(g->links, (size_t)g->linkcap, sizeof(*g->links));
	}
	g->links[g->nlinks++] = l;
	return l;
}

struct port *port_peer(const struct port *p)
{
	return p->link != NULL ? p->link->end[!p->side] : NULL;
}

bool port_link_up(const struct port *p)
{
	return p->link != NULL && p->link->end[0]->admin_up && p->link->end[1]->admin_up;
}

void port_set_link(struct port *p, bool up)
{
	struct port *peer = port_peer(p);
	bool was = port_link_up(p);

	p->admin_up = up;
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
	p->st.drops[why]++;
	trace_record(p->node->g, p, f, DEC_DROPPED, 0, (uint8_t)why, tx);
	frame_unref(f);
}

void port_drop(struct port *p, struct frame *f, enum drop_reason why)
{
	port_drop_dir(p, f, why, drop_reason_tx(why));
}

uint32_t node_flood(struct node *n, struct port *in, struct frame *f, enum decision why)
{
	uint32_t ports = 0, left;

	for (int i = 0; i < n->nports; i++)
		if (n->ports[i] != in && port_link_up(n->ports[i]))
			ports++;
	if (ports == 0) {
		/* A flood to no port is a drop, and is shown as one. */
		port_drop_dir(in, f, DROP_NO_PORT, false);
		return 0;
	}
	trace_record(n->g, in, f, why, ports, 0, false);
	left = ports;
	for (int i = 0; i < n->nports && left > 0; i++) {
		struct port *p = n->ports[i];

		if (p == in || !port_link_up(p))
			continue;
		/* The last port takes the caller's reference. */
		if (--left > 0)
			frame_ref(f);
		port_tx(p, f);
	}
	return ports;
}

/* The receiving half of a hop: counters, observers, then the node. */
static void port_rx(struct port *p, struct frame *f)
{
	struct graph *g = p->node->g;

	if (!p->admin_up) {
		port_drop_dir(p, f, DROP_LINK_DOWN, false);
		return;
	}
	p->st.rx_frames++;
	p->st.rx_bytes += f->len;
	g->frames_delivered++;
	if (p->captures != NULL && g->observe != NULL)
		g->observe(g, p, f, false);
	p->node->ops->input(p->node, p, f);
}

static void deliver_deferred(void *port, void *frame)
{
	port_rx(port, frame);
}

/* Nanoseconds to put len bytes on a wire of `rate` bit/s: the frame padded
 * to 60 bytes, plus FCS (4), preamble (8) and inter-frame gap (12). */
static uint64_t wire_time(uint32_t len, uint64_t rate)
{
	uint64_t bits = ((uint64_t)MAX(len, ETH_MIN_LEN) + 24) * 8;

	return (bits * NS_PER_SEC + rate - 1) / rate;
}

/* Advances the "sent" mark past frames whose last bit has left. */
static void ring_settle(struct inring *q, uint64_t now)
{
	while (q->sent < q->count && q->ring[(q->head + q->sent) & (q->cap - 1)].tx_end <= now)
		q->sent++;
}

static uint32_t dir_queued(struct link_dir *d, uint64_t now)
{
	ring_settle(&d->q, now);
	ring_settle(&d->fast, now);
	return d->q.count - d->q.sent + d->fast.count - d->fast.sent;
}

uint32_t port_queue_len(struct port *p)
{
	if (p->link == NULL)
		return 0;
	return dir_queued(&p->link->dir[p->side], loop_now(p->node->g->loop));
}

struct link_dir *port_out_dir(struct port *p)
{
	return p->link != NULL ? &p->link->dir[p->side] : NULL;
}

/* The earliest delivery time waiting in d, UINT64_MAX when none. */
static uint64_t dir_next(const struct link_dir *d)
{
	uint64_t a = d->q.count ? d->q.ring[d->q.head].deliver_at : UINT64_MAX;
	uint64_t b = d->fast.count ? d->fast.ring[d->fast.head].deliver_at : UINT64_MAX;

	return MIN(a, b);
}

static void link_dir_fire(void *arg)
{
	struct link_dir *d = arg;
	struct graph *g = d->link->g;
	struct port *to = d->link->end[!d->side];
	uint64_t now = loop_now(g->loop), next;

	/* Both rings, oldest delivery first. */
	while ((next = dir_next(d)) <= now) {
		struct inring *q = d->q.count && d->q.ring[d->q.head].deliver_at == next ?
			&d->q : &d->fast;
		struct frame *f;

		f = q->ring[q->head].f;
		q->head = (q->head + 1) & (q->cap - 1);
		q->count--;
		if (q->sent > 0)
			q->sent--;
		/* Through the FIFO, so this timer never runs a node's input. */
		if (loop_defer(g->loop, deliver_deferred, to, f) < 0)
			port_drop_dir(to, f, DROP_FIFO_FULL, false);
	}
	if (next != UINT64_MAX)
		loop_timer_arm(g->loop, &d->timer, next);
}

static bool ring_push(struct inring *q, struct frame *f, uint64_t tx_end, uint64_t deliver_at)
{
	struct inflight *e;

	if (q->count == q->cap) {
		uint32_t ncap = q->cap ? q->cap * 2 : 16;
		struct inflight *nr;

		if (q->cap >= LINK_WIRE_MAX)
			return false;
		nr = xcalloc(ncap, sizeof(*nr));
		for (uint32_t i = 0; i < q->count; i++)
			nr[i] = q->ring[(q->head + i) & (q->cap - 1)];
		free(q->ring);
		q->ring = nr;
		q->cap = ncap;
		q->head = 0;
	}
	e = &q->ring[(q->head + q->count) & (q->cap - 1)];
	e->f = f;
	e->tx_end = tx_end;
	e->deliver_at = deliver_at;
	q->count++;
	return true;
}

bool impair_active(const struct impair *im)
{
	return im->loss > 0 || im->ge_p > 0 || im->delay > 0 || im->jitter > 0 || im->rate > 0 ||
	       im->limit > 0 || im->duplicate > 0 || im->corrupt > 0 || im->reorder > 0;
}

void link_dir_set_impair(struct link_dir *d, const struct impair *im)
{
	d->im = *im;
	if (im->ge_p == 0)
		d->ge_bad = false;
}

/* Loss decisions for one frame, in a fixed order of draws (the same seed
 * gives the same losses). Returns 0, DROP_LOSS or DROP_BURST_LOSS. */
static int lose(struct link_dir *d)
{
	struct impair *im = &d->im;

	if (im->ge_p > 0) {
		double u = rng_double(&d->rng);

		if (!d->ge_bad && u < im->ge_p) {
			d->ge_bad = true;
			d->ist.bursts++;
		} else if (d->ge_bad && u < im->ge_r) {
			d->ge_bad = false;
		}
		if (rng_double(&d->rng) < (d->ge_bad ? im->ge_bad_loss : im->ge_good_loss)) {
			d->ist.burst_lost++;
			return DROP_BURST_LOSS;
		}
	}
	if (im->loss > 0 && rng_double(&d->rng) < im->loss) {
		d->ist.lost++;
		return DROP_LOSS;
	}
	return 0;
}

/* One frame onto the wire of d: queue check, serialisation, loss, delay,
 * jitter, reordering. Takes the reference. */
static bool dir_send(struct port *p, struct link_dir *d, struct frame *f, bool dup)
{
	struct link *l = d->link;
	struct graph *g = p->node->g;
	struct impair *im = &d->im;
	uint64_t now = loop_now(g->loop), start, tx_end, deliver;
	uint64_t rate = im->rate && (l->rate == 0 || im->rate < l->rate) ? im->rate : l->rate;
	uint32_t queued = dir_queued(d, now);
	uint32_t limit = im->limit ? im->limit : p->txqlen;
	struct inring *q = &d->q;
	int lost;

	if (queued >= limit) {
		port_drop(p, f, DROP_QUEUE_FULL);
		return false;
	}
	start = MAX(now, d->busy_until);
	tx_end = rate != 0 ? start + wire_time(f->len, rate) : start;
	lost = lose(d);
	if (lost) {
		/* The frame still occupies the wire; it just never arrives. */
		d->busy_until = tx_end;
		p->st.tx_frames++;
		p->st.tx_bytes += f->len;
		if (p->captures != NULL && g->observe != NULL)
			g->observe(g, p, f, true);
		port_drop(p, f, (enum drop_reason)lost);
		return true;
	}
	if (im->corrupt > 0 && rng_double(&d->rng) < im->corrupt && f->len > ETH_HLEN) {
		uint64_t bit = rng_next(&d->rng) % ((uint64_t)(f->len - ETH_HLEN) * 8);

		f = frame_make_writable(f);
		if (f == NULL) {
			p->st.drops[DROP_NO_BUFFER]++;
			return false;
		}
		f->data[ETH_HLEN + bit / 8] ^= (uint8_t)(1u << (bit % 8));
		d->ist.corrupted++;
	}
	deliver = tx_end + im->delay;
	if (im->jitter > 0) {
		uint64_t span = 2 * im->jitter + 1;
		int64_t j = (int64_t)(rng_next(&d->rng) % span) - (int64_t)im->jitter;

		deliver = j < 0 && (uint64_t)-j > deliver - tx_end ? tx_end : deliver + (uint64_t)j;
	}
	if (im->reorder > 0 && rng_double(&d->rng) < im->reorder) {
		/* Sent at once: it overtakes the frames still in their delay. */
		q = &d->fast;
		deliver = tx_end;
		d->ist.reordered++;
	} else {
		/* Jitter alone never reorders (as netem with a FIFO): a frame
		 * leaves no earlier than the one before it. */
		deliver = MAX(deliver, d->last_deliver);
		d->last_deliver = deliver;
	}
	if (!ring_push(q, f, tx_end, deliver)) {
		port_drop(p, f, DROP_LINK_FULL);
		return false;
	}
	d->busy_until = tx_end;
	if (queued + 1 > d->queue_high)
		d->queue_high = queued + 1;
	if (!timer_armed(&d->timer) || d->timer.when > deliver)
		loop_timer_arm(g->loop, &d->timer, deliver);
	p->st.tx_frames++;
	p->st.tx_bytes += f->len;
	if (p->captures != NULL && g->observe != NULL)
		g->observe(g, p, f, true);
	if (!dup && im->duplicate > 0 && rng_double(&d->rng) < im->duplicate) {
		d->ist.duplicated++;
		dir_send(p, d, frame_ref(f), true);
	}
	return true;
}

bool port_tx(struct port *p, struct frame *f)
{
	struct link *l = p->link;
	struct graph *g = p->node->g;
	struct link_dir *d;

	if (l == NULL || !port_link_up(p)) {
		port_drop(p, f, DROP_LINK_DOWN);
		return false;
	}
	d = &l->dir[p->side];
	if (l->rate == 0 && !impair_active(&d->im)) {
		if (loop_defer(g->loop, deliver_deferred, l->end[!p->side], f) < 0) {
			port_drop(p, f, DROP_FIFO_FULL);
			return false;
		}
		p->st.tx_frames++;
		p->st.tx_bytes += f->len;
		if (p->captures != NULL && g->observe != NULL)
			g->observe(g, p, f, true);
		return true;
	}
	return dir_send(p, d, f, false);
}

int impair_set(struct impair *im, const char *key, const char *val, char *err)
{
	uint64_t n;

	if (strcmp(key, "loss") == 0)
		return parse_percent(val, &im->loss, err);
	if (strcmp(key, "duplicate") == 0)
		return parse_percent(val, &im->duplicate, err);
	if (strcmp(key, "corrupt") == 0)
		return parse_percent(val, &im->corrupt, err);
	if (strcmp(key, "reorder") == 0)
		return parse_percent(val, &im->reorder, err);
	if (strcmp(key, "delay") == 0 || strcmp(key, "jitter") == 0) {
		if (parse_duration(val, &n, err) < 0)
			return -1;
		if (n > 60 * NS_PER_SEC)
			return errf(err, "%s is out of range (0..60s)", val);
		*(strcmp(key, "delay") == 0 ? &im->delay : &im->jitter) = n;
		return 0;
	}
	if (strcmp(key, "rate") == 0) {
		if (strcmp(val, "0") == 0) {
			im->rate = 0;
			return 0;
		}
		if (parse_rate(val, &n, err) < 0)
			return -1;
		if (n < 1000)
			return errf(err, "%s is too slow (at least 1k, or 0 for none)", val);
		im->rate = n;
		return 0;
	}
	if (strcmp(key, "limit") == 0) {
		if (parse_u64(val, 0, 1000000, &n, err) < 0)
			return -1;
		im->limit = (uint32_t)n;
		return 0;
	}
	if (strcmp(key, "burst_loss") == 0) {
		/* p/r[/bad_loss[/good_loss]], e.g. 1%/25%: slashes, since the
		 * command line separates options by commas. */
		char *copy = xstrdup(val), *save = NULL, *tok;
		double v[4] = { 0, 0, 1, 0 };
		int i = 0;

		for (tok = strtok_r(copy, "/", &save); tok != NULL && i < 4;
		     tok = strtok_r(NULL, "/", &save), i++) {
			if (parse_percent(tok, &v[i], err) < 0) {
				free(copy);
				return -1;
			}
		}
		free(copy);
		if (tok != NULL || (i != 1 && i < 2))
			return errf(err, "burst_loss wants P/R[/BAD_LOSS[/GOOD_LOSS]] (e.g. 1%%/25%%), "
				    "or 0 for none");
		if (i == 1 && v[0] == 0) {
			im->ge_p = 0;
			return 0;
		}
		if (i == 1)
			return errf(err, "burst_loss wants P/R[/BAD_LOSS[/GOOD_LOSS]] (e.g. 1%%/25%%)");
		if (v[0] > 0 && v[1] == 0)
			return errf(err, "burst_loss: R (bad -> good) must be above 0, or bursts never end");
		im->ge_p = v[0];
		im->ge_r = v[1];
		im->ge_bad_loss = v[2];
		im->ge_good_loss = v[3];
		return 0;
	}
	return errf(err, "unknown impairment '%s' (loss, burst_loss, delay, jitter, rate, limit, "
		    "duplicate, corrupt, reorder)", key);
}

void impair_format(const struct impair *im, char *buf, size_t len)
{
	size_t o = 0;
	char t[32];

#define ADD(...) do { if (o < len) o += (size_t)snprintf(buf + o, len - o, __VA_ARGS__); } while (0)
	buf[0] = '\0';
	if (im->delay)
		ADD("%sdelay=%s", o ? "," : "", fmt_duration(im->delay, t, sizeof(t)));
	if (im->jitter)
		ADD("%sjitter=%s", o ? "," : "", fmt_duration(im->jitter, t, sizeof(t)));
	if (im->rate)
		ADD("%srate=%s", o ? "," : "", fmt_rate(im->rate, t, sizeof(t)));
	if (im->limit)
		ADD("%slimit=%u", o ? "," : "", im->limit);
	if (im->loss > 0)
		ADD("%sloss=%g%%", o ? "," : "", im->loss * 100);
	if (im->ge_p > 0) {
		ADD("%sburst_loss=%g%%/%g%%", o ? "," : "", im->ge_p * 100, im->ge_r * 100);
		if (im->ge_bad_loss != 1 || im->ge_good_loss != 0)
			ADD("/%g%%/%g%%", im->ge_bad_loss * 100, im->ge_good_loss * 100);
	}
	if (im->duplicate > 0)
		ADD("%sduplicate=%g%%", o ? "," : "", im->duplicate * 100);
	if (im->corrupt > 0)
		ADD("%scorrupt=%g%%", o ? "," : "", im->corrupt * 100);
	if (im->reorder > 0)
		ADD("%sreorder=%g%%", o ? "," : "", im->reorder * 100);
#undef ADD
}

void graph_eventv(struct graph *g, const char *kind, const char *who, const char *fmt,
		  va_list ap)
{
	char msg[512];

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

/*
 * The topology graph: nodes own ports; a link joins two ports. A frame
 * moves port -> link -> port -> node:
 *
 *   node calls port_tx(p, f)        the reference passes to the link
 *     link direction queue          bounded by the sending port's txqlen;
 *                                   serialisation at the link rate, then
 *                                   the link delay; random loss (seeded)
 *   port_rx(peer, f)                counters, captures
 *   peer->node->ops->input(...)     the node decides, records the decision
 *                                   in the trace and passes the reference on
 *
 * No step calls back into the one before it: a node's input only queues on
 * links, and links deliver from timers or the loop's FIFO. A loop in the
 * topology is therefore a storm that costs time and counters, never a deep
 * stack. Every frame that is not delivered is a counted drop with a reason
 * on the port where it died.
 *
 * Link rate 0 with delay 0 is "instant": delivery goes through the loop's
 * FIFO at the same instant. Topology files always give links a rate (the
 * slower end's speed by default), so virtual time moves on every hop.
 */
#ifndef QNETSIM_GRAPH_H
#define QNETSIM_GRAPH_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "loop.h"
#include "rng.h"
#include "util.h"

struct node;
struct port;
struct link;
struct graph;
struct capture;

enum drop_reason {
	DROP_LINK_DOWN,         /* port or link is down (set_link off) */
	DROP_QUEUE_FULL,        /* transmit queue at the sending port's txqlen */
	DROP_LINK_FULL,         /* too many frames in flight on the wire */
	DROP_LOSS,              /* random loss on the link */
	DROP_NO_BUFFER,         /* frame pool exhausted */
	DROP_FIFO_FULL,         /* delivery FIFO full */
	DROP_SAME_PORT,         /* bridge: destination is on the ingress port */
	DROP_RUNT,              /* shorter than an Ethernet header */
	DROP_NOT_FOR_US,        /* NIC: unicast to another MAC (hub flooding) */
	DROP_NO_PORT,           /* node has nowhere to send it */
	DROP_BAD_PACKET,        /* guest: malformed IP/ARP/ICMP/UDP */
	DROP_NO_ROUTE,          /* guest: no interface or gateway for the destination */
	DROP_ARP_FAILED,        /* guest: neighbour never answered ARP */
	DROP_ARP_QUEUE_FULL,    /* guest: too many packets waiting for one ARP reply */
	DROP_UNREACHABLE_PORT,  /* guest: UDP to a port nobody listens on */
	DROP_NO_PEER,           /* netdev: nobody connected on the outside */
	DROP_PEER_BACKLOG,      /* netdev: the peer's write queue is full */
	DROP_PEER_ERROR,        /* netdev: sending to the peer failed */
	DROP_BAD_LENGTH,        /* netdev: the peer sent a bad frame length */
	DROP_OVERSIZE,          /* netdev: a datagram over 69632 bytes */
	DROP_VLAN,              /* bridge: the port does not carry the frame's VLAN */
	DROP_UNTAGGED,          /* bridge: untagged frame, port has no native VLAN */
	DROP_QINQ,              /* bridge: 802.1ad (QinQ) tag on a VLAN-aware bridge */
	DROP_STP,               /* bridge: the port is not forwarding (STP) */
	DROP_MIRROR_PORT,       /* bridge: frames arriving on a mirror (SPAN) port */
	DROP_BURST_LOSS,        /* link: lost in a Gilbert-Elliott burst */
	DROP_TTL_EXCEEDED,      /* routing guest: TTL 1 or 0, ICMP time exceeded sent */
	DROP_BAD_HEADER,        /* tunnel: a header not ours (flags, reserved bits, VNI) */
	DROP_TOO_BIG,           /* tunnel: longer than the tunnel's mtu */
	DROP_REASON_COUNT
};

const char *drop_reason_name(enum drop_reason r);  /* "link_down" */
const char *drop_reason_label(enum drop_reason r); /* "VLAN not allowed" */
const char *drop_reason_text(enum drop_reason r);  /* "VLAN not allowed on the port" */
int drop_reason_parse(const char *s);              /* -1 if unknown */

struct port_stats {
	uint64_t rx_frames, rx_bytes;
	uint64_t tx_frames, tx_bytes;
	/* By reason, made at the port's first drop (most ports of a large
	 * topology never drop): port_drops() and port_count_drop(). A NIC's
	 * not_for_us, the usual lot of a port on a hub, is counted apart. */
	uint64_t *drops;
};

/* A port's memory: 128 bytes, aligned to 64, made in slabs of PORT_SLAB
 * and freed with the graph. */
#define PORT_ALIGN 64
#define PORT_SLAB 64
/* Links are made LINK_SLAB at a time too (448 bytes each, aligned to 64):
 * one aligned allocation, not one each (a tenth of loading 100,000). */
#define LINK_SLAB 32

struct port {
	/* What every frame arriving reads and counts: the first cache line
	 * (a 100,000-guest run is a cache miss per port it touches), so that
	 * a frame a NIC's filter drops reads nothing else of its node. */
	struct graph *g;        /* the node's */
	struct node *node;
	struct link *link;      /* NULL when unconnected */
	struct capture *captures;
	bool admin_up;          /* set_link on|off */
	/* A NIC's receive filter, which its node may set (port_set_rx_filter):
	 * an untagged frame of at least 14 bytes for neither rx_mac nor
	 * broadcast is dropped as not_for_us before the node's input, as the
	 * node would drop it, without reading the node. */
	bool rx_filter;
	uint8_t rx_mac[6];
	uint64_t not_for_us;    /* drops for that reason (port_drops) */
	struct port_stats st;
	uint64_t speed;         /* bit/s this port can do; 0 = unlimited */
	int side;               /* which end of the link this port is */
	uint32_t txqlen;        /* transmit queue limit in frames */
	char *name;             /* "br0.2", "vm1.nic0": unique in the graph */
	uint32_t gid;           /* index in graph->ports */
	int index;              /* index in node->ports */
	void *priv;             /* the node's own per-port data */
} __attribute__((aligned(PORT_ALIGN)));

/* What one direction of a link does to frames (netem's words). Zero is
 * "off" for every field: an impairment set back to 0 is gone. */
struct impair {
	double loss;            /* independent random loss, 0..1 */
	double ge_p, ge_r;      /* Gilbert-Elliott: P(good->bad), P(bad->good) */
	double ge_bad_loss;     /* loss while bad (default 1) */
	double ge_good_loss;    /* loss while good (default 0) */
	uint64_t delay;         /* ns */
	uint64_t jitter;        /* ns: delay varies uniformly by +-jitter */
	uint64_t rate;          /* bit/s shaping below the line rate; 0: none */
	uint32_t limit;         /* queue limit in frames; 0: the port's txqlen */
	double duplicate;       /* 0..1 */
	double corrupt;         /* 0..1: one random bit flipped past the header */
	double reorder;         /* 0..1: sent at once, skipping the delay */
};

/* Counters of what the impairments did, per direction. */
struct impair_stats {
	uint64_t lost, burst_lost, duplicated, corrupted, reordered;
	uint64_t bursts;        /* good -> bad transitions */
};

/* A frame in flight and when its last bit leaves the sender (tx_end), as
 * an offset from its ring's base: 12 bytes, one cache line read for both. */
struct inslot {
	struct frame *f;
	uint32_t off;
} __attribute__((packed));

/* What a ring needs beyond base + off, made the first time it does: a
 * delay (delta), frames with delays of their own (dl, until the ring
 * empties) or a span of more than 2^32 ns (wide, until it empties). */
struct inring_x {
	uint64_t delta;         /* every frame arrives at tx_end + delta */
	uint64_t *wide;         /* NULL: tx_end is base + off */
	uint64_t *dl;           /* NULL: a frame arrives at tx_end + delta */
};

/* The frames in flight on a link direction, oldest first, with tx_end
 * never decreasing along the ring. Without x (a link never delayed), a
 * frame arrives at its tx_end. A burst of floods fills many rings at
 * once: 48 bytes, beside the fields a send reads. */
struct inring {
	struct inslot *s;       /* cap slots */
	uint64_t base;
	uint32_t cap, head, count;
	uint32_t sent;          /* entries at the head whose tx_end has passed */
	/* The tx_end of the entry at `sent` (while sent < count): a send
	 * asks how many frames wait without reading the ring. */
	uint64_t sent_end;
	struct inring_x *x;     /* NULL: delta 0, offsets only */
};

/* A direction's impairments, their counters and random stream: made the
 * first time the direction is impaired (most links never are). */
struct dir_impair {
	struct impair im;
	struct impair_stats ist;
	struct rng rng;
	bool ge_bad;            /* Gilbert-Elliott state */
	struct inring fast;     /* reordered frames: no delay, in order among them */
};

/* Three cache lines: a delivery and a send read the first two (the
 * timer, the receiving port, the ring, the send's state), a send of an
 * impaired direction the third too. */
struct link_dir {
	struct timer timer;
	struct port *to;        /* end[!side] */
	struct dir_impair *imp; /* NULL: never impaired */
	struct inring q;        /* in order */
	uint64_t busy_until;
	uint32_t queue_high;    /* most frames ever waiting to be sent */
	uint32_t lag_pos;       /* place in g->lag + 1; 0: not there */
	uint64_t last_deliver;  /* keeps jittered frames in order; kept
				 * once impaired (until then, busy_until) */
	struct link *link;
	int side;               /* frames go from end[side] to end[!side] */
	struct timer *quiet;    /* a watched port's silent frames (link.c);
				 * made when first needed */
} __attribute__((aligned(64)));

/* Aligned to 64 (link_new): a direction's lines are its own. */
struct link {
	struct graph *g;
	struct port *end[2];
	/* Both ends admin_up, kept by port_set_link and link_set_down: a
	 * flood asks it of every port, and reading the far port for it was a
	 * cache miss per copy in a large topology. */
	bool up;
	bool rate_set;          /* rate given explicitly (else min of the ends) */
	int line;
	uint64_t rate;          /* line rate, bit/s, 0 = unlimited */
	/* Nanoseconds a bit takes at rate ns_rate, when that divides a
	 * second (every NIC model's speed): a send multiplies, where a
	 * division took tens of cycles. Made again when rate changes. */
	uint64_t ns_rate;
	uint32_t ns_per_bit;    /* 0: rate does not divide a second */
	struct link_dir dir[2];
};

/* Sets one impairment of a direction by name (loss, burst_loss, delay,
 * jitter, rate, limit, duplicate, corrupt, reorder) from its text form.
 * Returns 0, or -1 with err set. */
int impair_set(struct impair *im, const char *key, const char *val, char *err);
/* "delay=20ms,jitter=5ms,loss=1%" or "" when nothing is set. */
void impair_format(const struct impair *im, char *buf, size_t len);
bool impair_active(const struct impair *im);
/* A frame on its way across a link now: sent by `from`, on the wire or
 * queued from `left` (when its last bit leaves; in the future while it
 * waits in the queue) until it `arrives` at the other end. A link without
 * rate or impairments hands frames on at once: left == arrives == now. */
struct flight {
	struct port *from;
	const struct frame *f;
	uint64_t left, arrives;
};
/* Calls fn for every frame in flight on any link, until fn returns false;
 * changes nothing (the map draws them). */
void graph_flights(struct graph *g, bool (*fn)(void *ctx, const struct flight *fl), void *ctx);
/* The direction of p's link that p sends on (NULL when unlinked). */
struct link_dir *port_out_dir(struct port *p);
/* Applies *im to d from now on (frames in flight keep their times). */
void link_dir_set_impair(struct link_dir *d, const struct impair *im);
/* d's impairments and their counters (all zero when never impaired). */
const struct impair *link_dir_impair(const struct link_dir *d);
const struct impair_stats *link_dir_istats(const struct link_dir *d);

struct trace_rec;

struct node_ops {
	const char *kind;       /* "guest", "hub", "bridge" */
	/* Takes the reference on f. */
	void (*input)(struct node *n, struct port *in, struct frame *f);
	/* Called when a port's link goes up or down. Optional. */
	void (*link_change)(struct node *n, struct port *p, bool up);
	void (*destroy)(struct node *n);
	/* One line on what the node is connected to outside the topology
	 * (a backend's peer state). Optional. */
	void (*describe)(struct node *n, char *buf, size_t len);
	/* Optional: the explanation of a decision of its own kind (a guest's
	 * DEC_ROUTED: which route); trace_explain's text otherwise. */
	void (*explain)(struct node *n, const struct trace_rec *r, char *buf, size_t len);
};

/*
 * Something attached to a node from outside the engine, such as the VDE
 * switch a hub or bridge serves. The layers above reach it only through
 * these ops: they open, describe, report and free every extension of every
 * node without knowing what it is. All ops but free are optional.
 */
struct node_ext;
struct json_t;
struct value;

struct node_ext_ops {
	const char *name;       /* the prefix of its values: "vde" in br0.vde.clients */
	/* Load time: the topology is whole; -1 with err and *line. */
	int (*check)(struct node_ext *x, int *line, char *err);
	/* Real resources; -1 with err: exit status 3. */
	int (*open)(struct node_ext *x, char *err);
	void (*close)(struct node_ext *x);
	void (*free)(struct node_ext *x);
	/* One line for info and the UI. */
	void (*describe)(struct node_ext *x, char *buf, size_t len);
	/* Its keys in the owner's object of the report. */
	void (*report)(struct node_ext *x, struct json_t *obj);
	/* Optional: what a QEMU VM gives -netdev to join it (see
	 * backend_ops.qemu_peer): 0, or -1 with why not in buf. */
	int (*qemu_peer)(struct node_ext *x, char *buf, size_t len);
	/* A value named after the prefix ("clients", "[2].state"); check: the
	 * name's form only, with a placeholder of the right type. 0, or -1
	 * with err. */
	int (*value)(struct node_ext *x, const char *name, bool check, struct value *v,
		     char *err);
};

struct node_ext {
	const struct node_ext_ops *ops;
	struct node *owner;
	struct node_ext *next;
	int line;               /* where the topology asked for it */
};

struct node {
	const struct node_ops *ops;
	struct graph *g;
	char *name;
	int line;               /* where the topology declared it */
	struct port **ports;
	int nports, portcap;
	int nup;                /* ports whose link is up (a flood's count) */
	struct node_ext *ext;   /* attached extensions, in the order they came */
};

/* Attaches x (ops set) to n, last. */
void node_ext_add(struct node *n, struct node_ext *x, int line);
/* n's extension with these ops, or NULL. */
struct node_ext *node_ext_find(const struct node *n, const struct node_ext_ops *ops);
/* n's extension whose ops are named name, or NULL. */
struct node_ext *node_ext_named(const struct node *n, const char *name);

/* What the trace records for every decision, one record per frame per hop. */
enum decision {
	DEC_FORWARDED,          /* bridge: FDB hit, sent to one port */
	DEC_FLOODED_UNKNOWN,    /* bridge: unknown unicast destination */
	DEC_FLOODED_BCAST,      /* bridge: broadcast destination */
	DEC_FLOODED_MCAST,      /* bridge: multicast destination */
	DEC_FLOODED_HUB,        /* hub: every frame to every other port */
	DEC_DELIVERED,          /* guest: accepted by the NIC */
	DEC_SENT,               /* guest: transmitted */
	DEC_DROPPED,            /* see reason */
	DEC_STP,                /* bridge: a BPDU taken by the spanning tree */
	DEC_MIRRORED,           /* bridge: a copy sent to a mirror (SPAN) port */
	DEC_ROUTED,             /* guest with forward = on: sent on to out_port by a route
				 * (reason: which one; the node's explain says it) */
	DEC_COUNT
};

const char *decision_name(enum decision d);

#define TRACE_HDR 64

struct trace_rec {
	uint64_t time;
	uint64_t frame_id;
	uint32_t port;          /* gid of the port where the decision was made */
	uint32_t out_port;      /* forwarded: the egress port; flooded: count */
	uint16_t len;
	uint8_t decision;
	uint8_t reason;         /* for DEC_DROPPED */
	uint8_t tx;             /* 1: the frame was leaving the port, 0: arriving */
	uint8_t dhcp;           /* DHCP message type (option 53), 0: not DHCP */
	uint8_t hdr[TRACE_HDR]; /* the frame's first bytes, for the summary */
	uint16_t vid;           /* VLAN-aware bridge: the frame's VLAN; 0: none;
				 * DROP_STP: the port's STP state */
	uint64_t boff;          /* where its whole bytes start in the byte ring
				 * (trace_bytes); UINT64_MAX: not kept */
};

struct trace {
	struct trace_rec *ring;
	uint32_t cap;
	uint32_t alloc;         /* records allocated: grows to cap as they come */
	uint64_t total;         /* records ever written; ring holds the last cap */
	/* The rest of the records' frames, past the TRACE_HDR bytes hdr
	 * holds, newest first to survive: a ring of bytes_cap bytes (0: only
	 * hdr is kept), bytes_head ever written. */
	uint8_t *bytes;
	uint64_t bytes_cap, bytes_head;
	uint64_t bytes_at;      /* bytes_head % bytes_cap, kept without dividing */
	/* Told of every record just written (index: its number, total - 1),
	 * with its frame: a whole-run pcapng (app). A trace_set_vid that
	 * follows changes the record after the call; cap is at least 2, so
	 * the record stays in the ring until the next one is written. */
	void (*sink)(void *ctx, uint64_t index, const struct frame *f);
	void *sink_ctx;
};

struct graph {
	struct loop *loop;
	struct frame_pool *pool;
	uint64_t seed;
	struct node **nodes;
	int nnodes, nodecap;
	struct port **ports;
	uint32_t nports, portcap;
	struct port **port_slabs;       /* ports are made PORT_SLAB at a time */
	struct link **link_slabs;       /* links, LINK_SLAB at a time */
	int nlinkslabs, linkslabcap;
	int nslabs, slabcap;
	struct link **links;
	int nlinks, linkcap;
	struct trace trace;
	/* Link directions with silent frames no timer waits for (link.c):
	 * graph_settle receives those. */
	struct link_dir **lag;
	uint32_t nlag, lagcap;
	/* No command runs before this time ("Silent frames"): the scenario's
	 * next command, kept by a headless run; 0 (the default) where one may
	 * come at any time, as in the UI. */
	uint64_t commands_from;
	struct strmap node_names, port_names;
	const char *source;     /* the topology file (its owner's), for paths in it */
	/* Observers told about every frame a port sends or receives. */
	void (*observe)(struct graph *g, struct port *p, struct frame *f, bool tx);
	/* Where nodes report events ("A: DHCP bound ..."); NULL: only the log. */
	void (*event)(void *ctx, const char *who, const char *msg);
	void *event_ctx;
	/* Told about every port made once it is set, such as the port of a
	 * client that joins a served VDE switch at run time. */
	void (*port_added)(void *ctx, struct port *p);
	void *port_added_ctx;
	/* Told about every node made, right after node_init: the layer that
	 * keeps lists of nodes by kind learns of the ones made below it. */
	void (*node_added)(void *ctx, struct node *n);
	void *node_added_ctx;
	/* The hub of QEMU vlan (hub id) N, made on first use: for what joins a
	 * hub by number from below the layer that keeps them (hubport). */
	struct node *(*vlan_hub)(void *ctx, int id, int line);
	void *vlan_hub_ctx;
	uint64_t frames_delivered;
};

/* Reports an event of node `who` ("kind who: message" in the log, then the
 * graph's event hook, which prints "[time] who: message"). */
void graph_eventv(struct graph *g, const char *kind, const char *who, const char *fmt,
		  va_list ap) __attribute__((format(printf, 4, 0)));

/* The same for a node: "KIND NAME: message". */
void node_event(struct node *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct graph *graph_new(struct loop *loop, struct frame_pool *pool, uint64_t seed,
			uint32_t trace_cap);
void graph_free(struct graph *g);

void node_init(struct node *n, struct graph *g, const struct node_ops *ops,
	       const char *name, int line);
struct node *graph_find_node(struct graph *g, const char *name);
struct port *graph_find_port(struct graph *g, const char *name);
/* n's port whose name is the first len bytes of name; NULL if none. */
struct port *node_find_port(const struct node *n, const char *name, size_t len);

/* Creates a port on n named "<node>.<suffix>". */
struct port *port_new(struct node *n, const char *suffix, uint64_t speed, uint32_t txqlen);

/* Joins two unconnected ports. rate 0 means: the slower end's speed.
 * delay and loss apply to both directions. */
struct link *link_new(struct graph *g, struct port *a, struct port *b, uint64_t rate,
		      uint64_t delay, double loss, int line);
struct port *port_peer(const struct port *p);
static inline bool port_link_up(const struct port *p)
{
	return p->link != NULL && p->link->up;
}
/*
 * Silent frames: a frame a NIC's filter drops reaches no node (most of a
 * hub's copies). A link direction arms its timer for the next frame its
 * port's node will read, not for each silent one before it; the same
 * whether anyone watches, so that a trace or a capture changes no order.
 * A watched port (a trace kept, or a capture on it) still receives each
 * silent frame at its time, by a second timer. An unwatched one changes
 * only counters (its rx and not_for_us, or link_down, frames_delivered):
 * it receives them when the direction fires, or in graph_settle. Whoever
 * reads those counters, or changes what decides (a port's link, capture
 * or filter), calls graph_settle first: it receives every silent frame
 * due by now, and with `rearm`, makes every direction fire for its next
 * frame again, as the changed state will decide. Commands, the report
 * and the summary do.
 *
 * A silent frame to an unwatched port that arrives before commands_from
 * (no command can make the port watched before then) is settled at its
 * send: its ring keeps its length and time, not the frame, and no timer
 * waits for it. A port's filter is set before frames flow to it
 * (sim_start); whether its link is up is asked at the arrival.
 */
void graph_settle(struct graph *g, bool rearm);
/* Fetches into the cache what port_tx(p) will read: stage 0 the link's
 * direction (p linked), stage 1 (a while after) the ring's next slot. */
void port_tx_warm(const struct port *p, int stage);
/* Both ends administratively down, as a topology's `down` link starts:
 * for the loader, before anything runs (no node is told). */
void link_set_down(struct link *l);
/* A port's drops for one reason; counting one. */
static inline uint64_t port_drops(const struct port *p, int why)
{
	if (why == DROP_NOT_FOR_US)
		return p->not_for_us;
	return p->st.drops != NULL ? p->st.drops[why] : 0;
}
void port_drops_make(struct port *p);
static inline void port_count_drop(struct port *p, int why)
{
	if (why == DROP_NOT_FOR_US) {
		p->not_for_us++;
		return;
	}
	if (p->st.drops == NULL)
		port_drops_make(p);
	p->st.drops[why]++;
}
/* set_link: changes the port's admin state and tells both nodes. */
void port_set_link(struct port *p, bool up);

/* A NIC's receive filter on p (struct port: rx_filter): its MAC, or NULL
 * for none. */
void port_set_rx_filter(struct port *p, const uint8_t *mac);

/* Sends f (reference passes) out of p. Returns true when queued, false when
 * dropped (the drop is counted and traced). */
bool port_tx(struct port *p, struct frame *f);

/* Counts and traces a drop of f at p (and unrefs f). port_drop takes the
 * direction from the reason (drop_reason_tx); port_drop_dir says it. */
void port_drop(struct port *p, struct frame *f, enum drop_reason why);
void port_drop_dir(struct port *p, struct frame *f, enum drop_reason why, bool tx);
bool drop_reason_tx(enum drop_reason r);

/* Sends f (reference passes) out of every port of n except `in` whose link
 * is up, taking one reference per extra port, and traces the decision.
 * Returns the number of ports; 0 means nowhere to go: the frame is dropped
 * and counted as no_port on `in`. */
uint32_t node_flood(struct node *n, struct port *in, struct frame *f, enum decision why);

/* Frames waiting to be sent on p's side of its link. */
uint32_t port_queue_len(struct port *p);

/* Doubles the records allocated, up to cap (trace_record's slow path). */
void trace_grow(struct trace *t);
/* Keeps the last cap hops (0: none); before the first is recorded. */
void graph_set_trace_cap(struct graph *g, uint32_t cap);

/* Keeps the whole frames of the records in a ring of cap bytes (0: only
 * their first TRACE_HDR bytes); before the first is recorded. */
void graph_set_trace_bytes(struct graph *g, uint64_t cap);
/* trace_record's slow path: the frame's bytes past TRACE_HDR into the
 * ring, r->boff set. */
void trace_keep_bytes(struct trace *t, struct trace_rec *r, const uint8_t *data, uint32_t len);
/* A record's whole frame, copied into out (at least 65535 bytes): its
 * length; 0 when its bytes past TRACE_HDR were not kept or have since
 * been written over. A frame of at most TRACE_HDR bytes is always whole. */
uint32_t trace_bytes(const struct trace *t, const struct trace_rec *r, uint8_t *out);

/* The DHCP message type of a BOOTP frame (it lies beyond TRACE_HDR). */
uint8_t trace_dhcp_type(const uint8_t *data, uint32_t len);

static inline void trace_record(struct graph *g, const struct port *p, const struct frame *f,
				enum decision d, uint32_t out, uint8_t reason, bool tx)
{
	struct trace_rec *r;
	uint32_t n;

	if (g->trace.cap == 0)
		return;
	n = (uint32_t)(g->trace.total % g->trace.cap);
	if (n >= g->trace.alloc)
		trace_grow(&g->trace);
	r = &g->trace.ring[n];
	g->trace.total++;
	r->time = loop_now(g->loop);
	r->frame_id = f->id;
	r->port = p->gid;
	r->out_port = out;
	r->len = (uint16_t)MIN(f->len, 65535u);
	r->decision = (uint8_t)d;
	r->reason = reason;
	r->tx = tx;
	r->vid = 0;
	/* Cheap guard: only IPv4/UDP frames long enough for BOOTP are looked at. */
	r->dhcp = f->len >= 282 && f->data[23] == 17 && f->data[12] == 8 && f->data[13] == 0 ?
		trace_dhcp_type(f->data, f->len) : 0;
	n = f->len < TRACE_HDR ? f->len : TRACE_HDR;
#ifdef QNETSIM_EXACT_FRAMES
	__builtin_memcpy(r->hdr, f->data, n);
#else
	/* A pool frame has at least TRACE_HDR bytes behind data (frame.h):
	 * a fixed-size copy, then the tail cleared. */
	__builtin_memcpy(r->hdr, f->data, TRACE_HDR);
#endif
	if (n < TRACE_HDR)
		__builtin_memset(r->hdr + n, 0, TRACE_HDR - n);
	r->boff = UINT64_MAX;
	if (g->trace.bytes_cap > 0 && r->len > TRACE_HDR) {
		struct trace *t = &g->trace;
		uint64_t tail = r->len - TRACE_HDR;

		/* The usual case inline: the rest fits before the ring's end. */
		if (tail < t->bytes_cap - t->bytes_at) {
			__builtin_memcpy(t->bytes + t->bytes_at, f->data + TRACE_HDR, tail);
			r->boff = t->bytes_head;
			t->bytes_head += tail;
			t->bytes_at += tail;
		} else {
			trace_keep_bytes(t, r, f->data, r->len);
		}
	}
	if (__builtin_expect(g->trace.sink != NULL, 0))
		g->trace.sink(g->trace.sink_ctx, g->trace.total - 1, f);
}

/* Sets the VLAN of the record just written (a VLAN-aware bridge's). */
static inline void trace_set_vid(struct graph *g, uint16_t vid)
{
	if (g->trace.cap > 0 && g->trace.total > 0)
		g->trace.ring[(g->trace.total - 1) % g->trace.cap].vid = vid;
}

/* Formats one trace record: "0.001000 br0.1 forwarded -> br0.2 52:54:..." */
void trace_format(struct graph *g, const struct trace_rec *r, char *buf, size_t len);
/* The decision alone: "forwarded -> br0.2", "dropped: link down". */
void trace_decision(struct graph *g, const struct trace_rec *r, char *buf, size_t len);
/* Why the node decided what it did, in a sentence or two. */
void trace_explain(struct graph *g, const struct trace_rec *r, char *buf, size_t len);
/* A tcpdump-like one-line summary of a frame's first bytes. dhcp is the
 * DHCP message type when known (0: look for it in data). */
void frame_summary(const uint8_t *data, uint32_t len, char *buf, size_t buflen);
void frame_summary_dhcp(const uint8_t *data, uint32_t len, uint8_t dhcp, char *buf,
			size_t buflen);

#endif

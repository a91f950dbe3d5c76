/*
 * The links: a direction's queue and wire (serialisation at the link's
 * rate, the frames in flight while the delay runs), its impairments (loss
 * and burst loss, delay and jitter, rate, limit, duplication, corruption,
 * reordering, drawn from the direction's own random stream), and delivery
 * at the far end through the loop's FIFO, silent frames in batches. See
 * graph.h for the contract; the ring is ring.h and ring.c, the
 * impairments' text form impair.c.
 */
#include "graph_internal.h"
#include "ring.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void link_dir_fire(void *arg);
static void link_dir_warm(const void *arg, int stage);
static void link_dir_quiet(void *arg);

struct link *link_new(struct graph *g, struct port *a, struct port *b, uint64_t rate,
		      uint64_t delay, double loss, int line)
{
	struct link *l;

	if (a->link != NULL || b->link != NULL || a == b)
		fatal("link_new: port already linked");
	if (g->nlinks % LINK_SLAB == 0) {
		struct link *slab;

		if (posix_memalign((void **)&slab, 64, LINK_SLAB * sizeof(*slab)) != 0)
			fatal("out of memory allocating links");
		VEC_RESERVE(g->link_slabs, g->nlinkslabs, g->linkslabcap);
		g->link_slabs[g->nlinkslabs++] = slab;
	}
	l = &g->link_slabs[g->nlinkslabs - 1][g->nlinks % LINK_SLAB];
	memset(l, 0, sizeof(*l));
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
		d->to = s == 0 ? b : a;
		timer_init(&d->timer, link_dir_fire, d);
		d->timer.warm = link_dir_warm;
	}
	if (delay != 0 || loss > 0) {
		struct impair im = { .delay = delay, .loss = loss };

		link_dir_set_impair(&l->dir[0], &im);
		link_dir_set_impair(&l->dir[1], &im);
	}
	l->up = a->admin_up && b->admin_up;
	if (l->up) {
		a->node->nup++;
		b->node->nup++;
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

static void link_dir_flush(struct link_dir *d)
{
	ring_flush(&d->q);
	if (d->imp != NULL)
		ring_flush(&d->imp->fast);
}

void link_free(struct link *l)
{
	for (int s = 0; s < 2; s++) {
		loop_timer_disarm(l->g->loop, &l->dir[s].timer);
		if (l->dir[s].quiet != NULL) {
			loop_timer_disarm(l->g->loop, l->dir[s].quiet);
			free(l->dir[s].quiet);
		}
		link_dir_flush(&l->dir[s]);
		free(l->dir[s].imp);
	}
}

/* A frame p's receive filter drops (port_set_rx_filter). */
static inline bool port_filters(const struct port *p, const struct frame *f)
{
	return p->rx_filter && f->len >= ETH_HLEN && !(f->data[12] == 0x81 && f->data[13] == 0x00) &&
	       !mac_equal(f->data, p->rx_mac) && !mac_is_broadcast(f->data);
}

/* What a frame of len bytes that reaches an up port counts. */
static inline void port_rx_count(struct port *p, uint32_t len)
{
	p->st.rx_frames++;
	p->st.rx_bytes += len;
	p->g->frames_delivered++;
}

/* The receiving half of a hop: counters, observers, then the node. */
static void port_rx(struct port *p, struct frame *f)
{
	struct graph *g = p->g;

	if (!p->admin_up) {
		port_drop_dir(p, f, DROP_LINK_DOWN, false);
		return;
	}
	port_rx_count(p, f->len);
	if (p->captures != NULL && g->observe != NULL)
		g->observe(g, p, f, false);
	if (port_filters(p, f)) {
		port_drop(p, f, DROP_NOT_FOR_US);
		return;
	}
	p->node->ops->input(p->node, p, f);
}

/* A frame no node will read: `to`'s filter drops it. */
static inline bool port_silent(const struct port *to, const struct frame *f)
{
	return to->admin_up && port_filters(to, f);
}

/* Where nothing watches `to` (no trace, no capture), its silent frames
 * change only counters, and wait for graph_settle or the next fire. */
static inline bool port_unwatched(const struct graph *g, const struct port *to)
{
	return g->trace.cap == 0 && to->captures == NULL;
}

/* A slot's frame no node will read: settled at its send, or silent. */
static inline bool slot_silent(const struct port *to, const struct frame *f)
{
	return slot_settled(f) || port_silent(to, f);
}

/* A frame settled at its send, at its arrival: what port_rx does with a
 * silent frame to an unwatched port, from its length. */
static void receive_settled(struct port *p, uint32_t len)
{
	if (!p->admin_up) {
		port_count_drop(p, DROP_LINK_DOWN);
		return;
	}
	port_rx_count(p, len);
	port_count_drop(p, DROP_NOT_FOR_US);
}

/* A slot at its arrival: a settled mark or a frame. */
static void receive_slot(struct port *p, struct frame *f)
{
	if (slot_settled(f))
		receive_settled(p, settled_len(f));
	else
		port_rx(p, f);
}

static void lag_add(struct graph *g, struct link_dir *d)
{
	if (d->lag_pos != 0)
		return;
	if (g->nlag == g->lagcap) {
		g->lagcap = g->lagcap ? g->lagcap * 2 : 64;
		g->lag = xreallocarray(g->lag, g->lagcap, sizeof(*g->lag));
	}
	g->lag[g->nlag++] = d;
	d->lag_pos = g->nlag;
}

static void lag_remove(struct graph *g, struct link_dir *d)
{
	struct link_dir *last;

	if (d->lag_pos == 0)
		return;
	last = g->lag[--g->nlag];
	g->lag[d->lag_pos - 1] = last;
	last->lag_pos = d->lag_pos;
	d->lag_pos = 0;
}

/* The silent frames at the head of d's ring due by now, received. */
static void dir_settle(struct link_dir *d, uint64_t now)
{
	while (d->q.count > 0 && ring_deliver(&d->q, 0) <= now &&
	       slot_silent(d->to, d->q.s[d->q.head].f))
		receive_slot(d->to, ring_pop(&d->q));
}

/* A watched port's silent frames, each at its time, while the direction's
 * timer waits for the frame after them. */
static void link_dir_quiet(void *arg)
{
	struct link_dir *d = arg;
	struct port *to = d->to;

	dir_settle(d, loop_now(to->g->loop));
	if (d->q.count > 0 && slot_silent(to, d->q.s[d->q.head].f) &&
	    (!timer_armed(&d->timer) || d->timer.when > ring_deliver(&d->q, 0)))
		loop_timer_arm(to->g->loop, d->quiet, ring_deliver(&d->q, 0));
}

static void deliver_deferred(void *port, void *frame)
{
	receive_slot(port, frame);
}

/* Nanoseconds to put len bytes on a wire of `rate` bit/s: the frame padded
 * to 60 bytes, plus FCS (4), preamble (8) and inter-frame gap (12). */
static uint64_t wire_bits(uint32_t len)
{
	return ((uint64_t)MAX(len, ETH_MIN_LEN) + 24) * 8;
}

static uint64_t wire_time(uint32_t len, uint64_t rate)
{
	return (wire_bits(len) * NS_PER_SEC + rate - 1) / rate;
}

/* wire_time at l's rate (not 0): a product when the rate divides a
 * second, and then exactly the same. */
static uint64_t link_wire_time(struct link *l, uint32_t len)
{
	if (l->ns_rate != l->rate) {
		l->ns_rate = l->rate;
		l->ns_per_bit = NS_PER_SEC % l->rate == 0 ? (uint32_t)(NS_PER_SEC / l->rate) : 0;
	}
	return l->ns_per_bit != 0 ? wire_bits(len) * l->ns_per_bit : wire_time(len, l->rate);
}

static uint32_t dir_queued(struct link_dir *d, uint64_t now)
{
	ring_settle(&d->q, now);
	if (d->imp == NULL)
		return d->q.count - d->q.sent;
	ring_settle(&d->imp->fast, now);
	return d->q.count - d->q.sent + d->imp->fast.count - d->imp->fast.sent;
}

uint32_t port_queue_len(struct port *p)
{
	if (p->link == NULL)
		return 0;
	return dir_queued(&p->link->dir[p->side], loop_now(p->g->loop));
}

struct flights_ctx {
	bool (*fn)(void *ctx, const struct flight *fl);
	void *ctx;
	uint64_t now;
	bool stopped;
};

/* The loop's FIFO: the deliveries of links that hand frames on at once. */
static bool flight_of_defer(void *arg, loop_defer_cb cb, void *a, void *b)
{
	struct flights_ctx *c = arg;
	struct port *to = a;
	struct flight fl;

	if (cb != deliver_deferred || to->link == NULL || slot_settled(b))
		return true;
	fl.from = to->link->end[!to->side];
	fl.f = b;
	fl.left = fl.arrives = c->now;
	c->stopped = !c->fn(c->ctx, &fl);
	return !c->stopped;
}

static bool flights_of_ring(struct flights_ctx *c, struct port *from, const struct inring *q)
{
	for (uint32_t i = 0; i < q->count; i++) {
		uint32_t k = ring_slot(q, i);
		struct flight fl = { .from = from, .f = q->s[k].f, .left = ring_tx_end(q, k),
				     .arrives = ring_deliver(q, i) };

		if (slot_settled(fl.f))
			continue;       /* no frame to show */
		if (!c->fn(c->ctx, &fl))
			return false;
	}
	return true;
}

void graph_flights(struct graph *g, bool (*fn)(void *ctx, const struct flight *fl), void *ctx)
{
	struct flights_ctx c = { .fn = fn, .ctx = ctx, .now = loop_now(g->loop) };

	for (int i = 0; i < g->nlinks; i++)
		for (int s = 0; s < 2; s++) {
			struct link_dir *d = &g->links[i]->dir[s];

			if (!flights_of_ring(&c, g->links[i]->end[s], &d->q) ||
			    (d->imp != NULL && !flights_of_ring(&c, g->links[i]->end[s], &d->imp->fast)))
				return;
		}
	loop_defer_each(g->loop, flight_of_defer, &c);
}

struct link_dir *port_out_dir(struct port *p)
{
	return p->link != NULL ? &p->link->dir[p->side] : NULL;
}

/* The earliest delivery time waiting in d, UINT64_MAX when none. */
static uint64_t dir_next(const struct link_dir *d)
{
	uint64_t a = d->q.count ? ring_deliver(&d->q, 0) : UINT64_MAX;
	uint64_t b = d->imp != NULL && d->imp->fast.count ? ring_deliver(&d->imp->fast, 0) : UINT64_MAX;

	return MIN(a, b);
}

/* What link_dir_fire reads first: the receiving port and the next frame's
 * place in the ring (stage 0), then the frame, for the port's filter. */
static void link_dir_warm(const void *arg, int stage)
{
	const struct link_dir *d = arg;

	if (stage == 0) {
		__builtin_prefetch(d->to);
		if (d->q.count > 0)
			__builtin_prefetch(&d->q.s[d->q.head]);
	} else if (d->q.count > 0 && !slot_settled(d->q.s[d->q.head].f)) {
		__builtin_prefetch(d->q.s[d->q.head].f);
	}
}

static void link_dir_fire(void *arg)
{
	struct link_dir *d = arg;
	struct port *to = d->to;
	struct graph *g = to->g;
	uint64_t now = loop_now(g->loop), next;
	bool deferred = false;

	/* Both rings, oldest delivery first. */
	while ((next = dir_next(d)) <= now) {
		struct inring *q = d->q.count && ring_deliver(&d->q, 0) == next ? &d->q : &d->imp->fast;
		struct frame *f = ring_pop(q);

		/* Through the FIFO, so this timer never runs a node's input.
		 * A frame the port's filter drops (most of a hub's copies)
		 * reaches no node: it is received at once, unless a frame
		 * before it waits in the FIFO (the FIFO is empty when a timer
		 * starts, so the order of arrivals stays the same). */
		if (!deferred && (slot_settled(f) || port_filters(to, f))) {
			receive_slot(to, f);
			continue;
		}
		deferred = true;
		if (loop_defer(g->loop, deliver_deferred, to, f) < 0)
			port_drop_dir(to, f, DROP_FIFO_FULL, false);
	}
	if (next == UINT64_MAX) {
		lag_remove(g, d);
		return;
	}
	if (d->imp == NULL) {
		/* Past the frames no node will read, to the next one a node
		 * reads (or the last one, so that the ring empties): the same
		 * whether anyone watches, so that watching changes no order.
		 * A watched port gets the silent ones at their times all the
		 * same, by the quiet timer. */
		uint32_t i = 0;
		bool marks = true;      /* all settled at their sends so far */

		for (; i + 1 < d->q.count; i++) {
			const struct frame *f = d->q.s[ring_slot(&d->q, i)].f, *ahead;

			if (!slot_silent(to, f))
				break;
			marks = marks && slot_settled(f);
			if (i + 4 < d->q.count &&
			    !slot_settled(ahead = d->q.s[ring_slot(&d->q, i + 4)].f))
				__builtin_prefetch(ahead);
		}
		if (marks && slot_settled(d->q.s[ring_slot(&d->q, i)].f)) {
			/* Only settled frames are left: no timer waits for them. */
			lag_add(g, d);
			return;
		}
		if (i > 0) {
			next = ring_deliver(&d->q, i);
			lag_add(g, d);
			if (!port_unwatched(g, to)) {
				if (d->quiet == NULL) {
					d->quiet = xmalloc(sizeof(*d->quiet));
					timer_init(d->quiet, link_dir_quiet, d);
				}
				loop_timer_arm(g->loop, d->quiet, ring_deliver(&d->q, 0));
			}
		} else {
			lag_remove(g, d);
		}
	} else {
		lag_remove(g, d);
	}
	loop_timer_arm(g->loop, &d->timer, next);
}

void graph_settle(struct graph *g, bool rearm)
{
	uint64_t now = loop_now(g->loop);
	uint32_t n = 0;

	for (uint32_t k = 0; k < g->nlag; k++) {
		struct link_dir *d = g->lag[k];

		dir_settle(d, now);
		if (!rearm)
			continue;
		if (d->quiet != NULL)
			loop_timer_disarm(g->loop, d->quiet);
		if (d->q.count > 0)
			loop_timer_arm(g->loop, &d->timer, ring_deliver(&d->q, 0));
		d->lag_pos = 0;
	}
	if (rearm) {
		g->nlag = 0;
		return;
	}
	/* Directions left empty leave the list (the rest keep their order),
	 * so that a run of many commands does not settle them each time. */
	for (uint32_t k = 0; k < g->nlag; k++) {
		struct link_dir *d = g->lag[k];

		if (d->q.count == 0) {
			d->lag_pos = 0;
		} else {
			g->lag[n++] = d;
			d->lag_pos = n;
		}
	}
	g->nlag = n;
}

static const struct impair no_impair;
static const struct impair_stats no_istats;

void link_dir_set_impair(struct link_dir *d, const struct impair *im)
{
	if (d->imp == NULL) {
		struct link *l = d->link;

		if (!impair_active(im))
			return;
		d->imp = xcalloc(1, sizeof(*d->imp));
		/* dir_send_plain kept it in busy_until. */
		d->last_deliver = d->busy_until;
		/* One stream per direction, named by its sending port. Nothing
		 * draws from it before the first impairment, so making it now
		 * gives the draws a stream made with the link would. */
		rng_seed(&d->imp->rng, l->g->seed, rng_hash(l->end[d->side]->name));
	}
	d->imp->im = *im;
	if (im->ge_p == 0)
		d->imp->ge_bad = false;
}

const struct impair *link_dir_impair(const struct link_dir *d)
{
	return d->imp != NULL ? &d->imp->im : &no_impair;
}

const struct impair_stats *link_dir_istats(const struct link_dir *d)
{
	return d->imp != NULL ? &d->imp->ist : &no_istats;
}

/* Loss decisions for one frame, in a fixed order of draws (the same seed
 * gives the same losses). Returns 0, DROP_LOSS or DROP_BURST_LOSS. */
static int lose(struct dir_impair *x)
{
	struct impair *im = &x->im;

	if (im->ge_p > 0) {
		double u = rng_double(&x->rng);

		if (!x->ge_bad && u < im->ge_p) {
			x->ge_bad = true;
			x->ist.bursts++;
		} else if (x->ge_bad && u < im->ge_r) {
			x->ge_bad = false;
		}
		if (rng_double(&x->rng) < (x->ge_bad ? im->ge_bad_loss : im->ge_good_loss)) {
			x->ist.burst_lost++;
			return DROP_BURST_LOSS;
		}
	}
	if (im->loss > 0 && rng_double(&x->rng) < im->loss) {
		x->ist.lost++;
		return DROP_LOSS;
	}
	return 0;
}

/* The end of a send, once the frame is in its ring. A frame settled at
 * its send (its ring holds its mark) needs no timer: graph_settle or the
 * direction's next fire receives it; the reference goes now. */
static void dir_sent(struct port *p, struct link_dir *d, struct frame *f, uint64_t tx_end,
		     uint64_t deliver, uint32_t queued, bool settled)
{
	struct graph *g = p->g;

	d->busy_until = tx_end;
	if (queued + 1 > d->queue_high)
		d->queue_high = queued + 1;
	if (settled)
		lag_add(g, d);
	else if (!timer_armed(&d->timer) || d->timer.when > deliver)
		loop_timer_arm(g->loop, &d->timer, deliver);
	p->st.tx_frames++;
	p->st.tx_bytes += f->len;
	if (p->captures != NULL && g->observe != NULL)
		g->observe(g, p, f, true);
	if (settled)
		frame_unref(f);
}

/* dir_send for a direction never impaired (most of them): what it does
 * with every impairment zero, without reading them. Its reorder ring is
 * empty and its frames' delays are all 0, so each frame arrives as its
 * last bit leaves: last_deliver is busy_until, and is not kept (set when
 * the direction is first impaired). It reads the direction's first two
 * cache lines only (graph.h). */
static bool dir_send_plain(struct port *p, struct link_dir *d, struct link *l, struct frame *f)
{
	struct graph *g = p->g;
	uint64_t now = loop_now(g->loop), tx_end;
	uint32_t queued = 0;
	bool settled;

	/* How many frames wait only matters when there could be enough to
	 * fill the queue or set a new high: counting them reads the ring
	 * (an unwatched port's silent frames stay in it after they are sent;
	 * a cache miss a send in a large topology). */
	if (d->q.count >= p->txqlen || d->q.count >= d->queue_high) {
		ring_settle(&d->q, now);
		queued = d->q.count - d->q.sent;
		if (queued >= p->txqlen) {
			port_drop(p, f, DROP_QUEUE_FULL);
			return false;
		}
	}
	tx_end = MAX(now, d->busy_until);
	if (l->rate != 0)
		tx_end += link_wire_time(l, f->len);
	/* A full ring receives its silent frames due by now before it grows
	 * (an unwatched port's wait for the next fire). */
	if (d->q.count == d->q.cap && d->lag_pos != 0)
		dir_settle(d, now);
	/* Silent where it arrives, before anyone can come to watch it:
	 * settled now (graph.h, "Silent frames"). */
	settled = tx_end < g->commands_from && port_unwatched(g, d->to) && port_silent(d->to, f);
	if (!ring_push(&d->q, settled ? settled_mark(f->len) : f, tx_end, tx_end)) {
		port_drop(p, f, DROP_LINK_FULL);
		return false;
	}
	dir_sent(p, d, f, tx_end, tx_end, queued, settled);
	return true;
}

/* One frame onto the wire of d: queue check, serialisation, loss, delay,
 * jitter, reordering. Takes the reference. */
static bool dir_send(struct port *p, struct link_dir *d, struct frame *f, bool dup)
{
	struct link *l = d->link;
	struct graph *g = p->g;
	/* A never-impaired direction reads the zeros of no_impair, and
	 * every draw below is behind a non-zero setting, so x is there. */
	struct dir_impair *x = d->imp;
	const struct impair *im = x != NULL ? &x->im : &no_impair;
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
	lost = x != NULL ? lose(x) : 0;
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
	if (im->corrupt > 0 && rng_double(&x->rng) < im->corrupt && f->len > ETH_HLEN) {
		uint64_t bit = rng_next(&x->rng) % ((uint64_t)(f->len - ETH_HLEN) * 8);

		f = frame_make_writable(f);
		if (f == NULL) {
			port_count_drop(p, DROP_NO_BUFFER);
			return false;
		}
		f->data[ETH_HLEN + bit / 8] ^= (uint8_t)(1u << (bit % 8));
		x->ist.corrupted++;
	}
	deliver = tx_end + im->delay;
	if (im->jitter > 0) {
		uint64_t span = 2 * im->jitter + 1;
		int64_t j = (int64_t)(rng_next(&x->rng) % span) - (int64_t)im->jitter;

		deliver = j < 0 && (uint64_t)-j > deliver - tx_end ? tx_end : deliver + (uint64_t)j;
	}
	if (im->reorder > 0 && rng_double(&x->rng) < im->reorder) {
		/* Sent at once: it overtakes the frames still in their delay. */
		q = &x->fast;
		deliver = tx_end;
		x->ist.reordered++;
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
	dir_sent(p, d, f, tx_end, deliver, queued, false);
	if (!dup && im->duplicate > 0 && rng_double(&x->rng) < im->duplicate) {
		x->ist.duplicated++;
		dir_send(p, d, frame_ref(f), true);
	}
	return true;
}

void port_tx_warm(const struct port *p, int stage)
{
	const struct link_dir *d;

	if (p->link == NULL)
		return;
	d = &p->link->dir[p->side];
	if (stage == 0) {
		__builtin_prefetch(p->link);    /* up, rate */
		__builtin_prefetch(d);
		__builtin_prefetch((const char *)d + 64);
		return;
	}
	/* The receiving port, whose filter may settle the frame. */
	__builtin_prefetch(d->to);
	if (d->q.s != NULL) {
		__builtin_prefetch(&d->q.s[ring_slot(&d->q, d->q.count)], 1);
		/* The oldest frame not yet sent, if a send counts the queue. */
		if (d->q.sent < d->q.count)
			__builtin_prefetch(&d->q.s[ring_slot(&d->q, d->q.sent)]);
	}
}

bool port_tx(struct port *p, struct frame *f)
{
	struct link *l = p->link;
	struct graph *g = p->g;
	struct link_dir *d;

	if (l == NULL || !port_link_up(p)) {
		port_drop(p, f, DROP_LINK_DOWN);
		return false;
	}
	d = &l->dir[p->side];
	if (l->rate == 0 && (d->imp == NULL || !impair_active(&d->imp->im))) {
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
	return d->imp == NULL ? dir_send_plain(p, d, l, f) : dir_send(p, d, f, false);
}

/*
 * Spanning tree, IEEE 802.1D-1998 (clause 8). See stp.h.
 *
 * The procedures keep the standard's names where they exist:
 * configuration update (root selection, designated port selection), port
 * state selection, topology change detection, and the hello, message age,
 * forward delay, TCN and topology change timers.
 *
 * This file is the protocol: root and role selection, the port state
 * machine and the timers. The topology file's keys and their checks are
 * stp_conf.c, the BPDUs' wire format stp_bpdu.c.
 */
#include "stp_internal.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

#define MSG_AGE_INCREMENT 256   /* 1 s, in 1/256 s */
#define HOLD_TIME NS_PER_SEC    /* 802.1D-1998 8.5.3.14: fixed at 1 s */

const char *stp_state_name(enum stp_state s)
{
	static const char *const n[] = { "disabled", "blocking", "listening", "learning",
					 "forwarding" };

	return s <= STP_FORWARDING ? n[s] : "?";
}

const char *stp_role_name(enum stp_role r)
{
	static const char *const n[] = { "disabled", "root", "designated", "alternate" };

	return r <= STP_ROLE_ALTERNATE ? n[r] : "?";
}

void stp_fmt_id(uint64_t id, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%02x:%02x:%02x:%02x:%02x:%02x", (unsigned)(id >> 48),
		 (unsigned)(id >> 40) & 0xff, (unsigned)(id >> 32) & 0xff,
		 (unsigned)(id >> 24) & 0xff, (unsigned)(id >> 16) & 0xff,
		 (unsigned)(id >> 8) & 0xff, (unsigned)id & 0xff);
}

static struct loop *L(struct stp *st)
{
	return st->b->node.g->loop;
}

static void stp_event(struct stp *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void stp_event(struct stp *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	graph_eventv(st->b->node.g, "bridge", st->b->node.name, fmt, ap);
	va_end(ap);
}

/* ---- the protocol's state ------------------------------------------------ */

static void hello_fire(void *arg);
static void tcn_fire(void *arg);
static void tc_fire(void *arg);

struct stp *stp_new(struct bridge *b, const struct stp_conf *c)
{
	struct stp *st = xcalloc(1, sizeof(*st));
	uint64_t h = rng_hash(b->node.name);

	st->b = b;
	st->priority = c->priority;
	if (c->mac_set) {
		memcpy(st->mac, c->mac, 6);
	} else {
		/* A locally administered MAC from the bridge's name. */
		st->mac[0] = 0x02;
		for (int i = 1; i < 6; i++)
			st->mac[i] = (uint8_t)(h >> (8 * i));
	}
	st->max_age = c->max_age;
	st->hello_time = c->hello_time;
	st->fwd_delay = c->fwd_delay;
	timer_init(&st->hello_timer, hello_fire, st);
	timer_init(&st->tcn_timer, tcn_fire, st);
	timer_init(&st->tc_timer, tc_fire, st);
	return st;
}

/* ---- the protocol --------------------------------------------------------- */

/* A mirror (SPAN) port takes no part in the spanning tree. */
static bool port_enabled(struct port *p)
{
	return port_link_up(p) && !((struct bport *)p->priv)->is_mirror;
}

static bool is_root(const struct stp *st)
{
	return st->root_id == st->bridge_id;
}

static bool designated_port(struct stp *st, struct port *p)
{
	struct stp_port *sp = SP(p);

	return sp->d_bridge == st->bridge_id && sp->d_port == sp->port_id;
}

static uint32_t path_cost(struct port *p)
{
	struct stp_port *sp = SP(p);
	uint64_t r = p->link != NULL ? p->link->rate : 0;

	if (sp->cost)
		return sp->cost;
	/* 802.1D-1998 table 8-5 (the short costs). */
	if (r == 0 || r >= 10000000000ULL)
		return 2;
	if (r >= 1000000000ULL)
		return 4;
	if (r >= 100000000ULL)
		return 19;
	if (r >= 16000000ULL)
		return 62;
	if (r >= 10000000ULL)
		return 100;
	return 250;
}

static void set_state(struct stp *st, struct port *p, enum stp_state s)
{
	struct stp_port *sp = SP(p);

	if (sp->state == s)
		return;
	stp_event(st, "%s: %s -> %s", p->name, stp_state_name(sp->state), stp_state_name(s));
	sp->state = s;
	sp->transitions++;
	sp->since = loop_now(L(st));
}

static void set_ageing(struct stp *st)
{
	fdb_set_ageing(st->b->fdb, st->tc ? st->t_fwd_delay : st->normal_ageing);
}

/* 802.1D 8.6.1: at most one configuration BPDU per port per Hold Time, so
 * a peer that sends root BPDUs as fast as it can gets one a second back on
 * each designated port, not one per BPDU it sent. */
static void transmit_config(struct stp *st, struct port *p)
{
	struct stp_port *sp = SP(p);
	struct bpdu bp = { .type = BPDU_CONFIG };

	if (timer_armed(&sp->hold_timer)) {
		sp->config_pending = true;
		return;
	}

	bp.root = st->root_id;
	bp.cost = st->root_cost;
	bp.bridge = st->bridge_id;
	bp.port = sp->port_id;
	if (is_root(st)) {
		bp.msg_age = 0;
	} else {
		struct stp_port *rp = SP(st->b->node.ports[st->root_port]);

		bp.msg_age = (uint16_t)MIN(0xffffu, (uint32_t)rp->msg_age + MSG_AGE_INCREMENT);
	}
	if (bp.msg_age >= to256(st->t_max_age))
		return;         /* the information would be stale on arrival */
	bp.max_age = to256(st->t_max_age);
	bp.hello = to256(st->t_hello);
	bp.fwd_delay = to256(st->t_fwd_delay);
	bp.flags = (st->tc ? FLAG_TC : 0) | (sp->tca_pending ? FLAG_TCA : 0);
	sp->tca_pending = false;
	stp_send_bpdu(st, p, &bp);
	sp->config_pending = false;
	loop_timer_arm(L(st), &sp->hold_timer, loop_now(L(st)) + HOLD_TIME);
}

/* The hold timer ran out: the BPDU it held back goes now (8.7.8). */
static void hold_fire(void *arg)
{
	struct port *p = arg;
	struct stp *st = bridge_from_node(p->node)->stp;
	struct stp_port *sp = SP(p);

	if (sp->config_pending && port_enabled(p) && designated_port(st, p))
		transmit_config(st, p);
	sp->config_pending = false;
}

static void config_bpdu_generation(struct stp *st)
{
	struct node *n = &st->b->node;

	for (int i = 0; i < n->nports; i++) {
		struct port *p = n->ports[i];

		if (port_enabled(p) && designated_port(st, p))
			transmit_config(st, p);
	}
}

static void topology_change_detection(struct stp *st)
{
	st->tc_count++;
	if (is_root(st)) {
		st->tc = true;
		set_ageing(st);
		loop_timer_arm(L(st), &st->tc_timer,
			       loop_now(L(st)) + st->t_max_age + st->t_fwd_delay);
	} else if (!st->tc_detected && st->root_port >= 0) {
		struct bpdu bp = { .type = BPDU_TCN };

		stp_send_bpdu(st, st->b->node.ports[st->root_port], &bp);
		loop_timer_arm(L(st), &st->tcn_timer, loop_now(L(st)) + st->t_hello);
	}
	st->tc_detected = true;
}

static void become_designated(struct stp *st, struct port *p)
{
	struct stp_port *sp = SP(p);

	sp->d_root = st->root_id;
	sp->d_cost = st->root_cost;
	sp->d_bridge = st->bridge_id;
	sp->d_port = sp->port_id;
}

/* Is (root, cost, bridge, port) better (lower) than the stored vector? */
static int vec_cmp(uint64_t r1, uint32_t c1, uint64_t b1, uint16_t p1, uint64_t r2, uint32_t c2,
		   uint64_t b2, uint16_t p2)
{
	if (r1 != r2)
		return r1 < r2 ? -1 : 1;
	if (c1 != c2)
		return c1 < c2 ? -1 : 1;
	if (b1 != b2)
		return b1 < b2 ? -1 : 1;
	if (p1 != p2)
		return p1 < p2 ? -1 : 1;
	return 0;
}

static void root_selection(struct stp *st)
{
	struct node *n = &st->b->node;
	int best = -1;
	uint64_t old_root = st->root_id;

	for (int i = 0; i < n->nports; i++) {
		struct port *p = n->ports[i];
		struct stp_port *sp = SP(p), *bs;
		int c;

		if (!port_enabled(p) || designated_port(st, p) || sp->d_root >= st->bridge_id)
			continue;
		if (best < 0) {
			best = i;
			continue;
		}
		bs = SP(n->ports[best]);
		c = vec_cmp(sp->d_root, sp->d_cost + path_cost(p), sp->d_bridge, sp->d_port,
			    bs->d_root, bs->d_cost + path_cost(n->ports[best]), bs->d_bridge,
			    bs->d_port);
		/* Ties go to the lower port ID of this bridge (802.1D 8.6.8). */
		if (c < 0 || (c == 0 && sp->port_id < bs->port_id))
			best = i;
	}
	st->root_port = best;
	if (best < 0) {
		st->root_id = st->bridge_id;
		st->root_cost = 0;
	} else {
		struct stp_port *bs = SP(n->ports[best]);

		st->root_id = bs->d_root;
		st->root_cost = bs->d_cost + path_cost(n->ports[best]);
	}
	if (st->root_id != old_root) {
		char id[32];

		st->root_changes++;
		stp_fmt_id(st->root_id, id, sizeof(id));
		if (is_root(st))
			stp_event(st, "STP: this bridge is the root (%s)", id);
		else
			stp_event(st, "STP: root is %s, via %s, cost %u", id,
				  n->ports[best]->name, st->root_cost);
	}
}

static void designated_port_selection(struct stp *st)
{
	struct node *n = &st->b->node;

	for (int i = 0; i < n->nports; i++) {
		struct port *p = n->ports[i];
		struct stp_port *sp = SP(p);

		if (i == st->root_port)
			continue;
		if (designated_port(st, p) || sp->d_root != st->root_id ||
		    st->root_cost < sp->d_cost ||
		    (st->root_cost == sp->d_cost &&
		     (st->bridge_id < sp->d_bridge ||
		      (st->bridge_id == sp->d_bridge && sp->port_id <= sp->d_port))))
			become_designated(st, p);
	}
}

static void configuration_update(struct stp *st)
{
	root_selection(st);
	designated_port_selection(st);
}

static void make_forwarding(struct stp *st, struct port *p)
{
	struct stp_port *sp = SP(p);

	if (sp->state == STP_BLOCKING) {
		set_state(st, p, STP_LISTENING);
		loop_timer_arm(L(st), &sp->fwd_timer, loop_now(L(st)) + st->t_fwd_delay);
	}
}

static void make_blocking(struct stp *st, struct port *p)
{
	struct stp_port *sp = SP(p);

	if (sp->state == STP_DISABLED || sp->state == STP_BLOCKING)
		return;
	if (sp->state == STP_FORWARDING || sp->state == STP_LEARNING)
		topology_change_detection(st);
	set_state(st, p, STP_BLOCKING);
	loop_timer_disarm(L(st), &sp->fwd_timer);
}

static void port_state_selection(struct stp *st)
{
	struct node *n = &st->b->node;

	for (int i = 0; i < n->nports; i++) {
		struct port *p = n->ports[i];
		struct stp_port *sp = SP(p);

		if (!port_enabled(p)) {
			sp->role = STP_ROLE_DISABLED;
			continue;
		}
		if (i == st->root_port) {
			sp->role = STP_ROLE_ROOT;
			make_forwarding(st, p);
		} else if (designated_port(st, p)) {
			sp->role = STP_ROLE_DESIGNATED;
			make_forwarding(st, p);
		} else {
			sp->role = STP_ROLE_ALTERNATE;
			make_blocking(st, p);
		}
	}
}

static void hello_fire(void *arg)
{
	struct stp *st = arg;

	config_bpdu_generation(st);
	loop_timer_arm(L(st), &st->hello_timer, loop_now(L(st)) + st->hello_time);
}

/* After a change of root: the hello timer runs only on the root; a bridge
 * that stops being root sends its pending TCNs towards the new one. */
static void after_update(struct stp *st, bool was_root)
{
	if (is_root(st)) {
		st->t_max_age = st->max_age;
		st->t_hello = st->hello_time;
		st->t_fwd_delay = st->fwd_delay;
		if (!was_root) {
			loop_timer_disarm(L(st), &st->tcn_timer);
			st->tc_detected = false;
			topology_change_detection(st);
			config_bpdu_generation(st);
			loop_timer_arm(L(st), &st->hello_timer, loop_now(L(st)) + st->hello_time);
		}
	} else if (was_root) {
		loop_timer_disarm(L(st), &st->hello_timer);
		if (st->tc_detected) {
			st->tc_detected = false;
			topology_change_detection(st);
		}
	}
}

static void fwd_fire(void *arg)
{
	struct port *p = arg;
	struct bridge *b = bridge_from_node(p->node);
	struct stp *st = b->stp;
	struct stp_port *sp = SP(p);

	if (sp->state == STP_LISTENING) {
		set_state(st, p, STP_LEARNING);
		loop_timer_arm(L(st), &sp->fwd_timer, loop_now(L(st)) + st->t_fwd_delay);
	} else if (sp->state == STP_LEARNING) {
		set_state(st, p, STP_FORWARDING);
		/* 802.1D 8.6.14.2: a bridge with a designated port reports it. */
		for (int i = 0; i < b->node.nports; i++)
			if (designated_port(st, b->node.ports[i]) && port_enabled(b->node.ports[i])) {
				topology_change_detection(st);
				break;
			}
	}
}

static void age_fire(void *arg)
{
	struct port *p = arg;
	struct bridge *b = bridge_from_node(p->node);
	struct stp *st = b->stp;
	bool was_root = is_root(st);

	if (designated_port(st, p))
		return;         /* it holds our own information now */
	stp_event(st, "%s: STP information from %s aged out (max_age)", p->name,
		  port_peer(p) ? port_peer(p)->node->name : "?");
	become_designated(st, p);
	configuration_update(st);
	port_state_selection(st);
	after_update(st, was_root);
}

static void tcn_fire(void *arg)
{
	struct stp *st = arg;

	if (!is_root(st) && st->tc_detected && st->root_port >= 0) {
		struct bpdu bp = { .type = BPDU_TCN };

		stp_send_bpdu(st, st->b->node.ports[st->root_port], &bp);
		loop_timer_arm(L(st), &st->tcn_timer, loop_now(L(st)) + st->t_hello);
	}
}

static void tc_fire(void *arg)
{
	struct stp *st = arg;

	st->tc = false;
	st->tc_detected = false;
	set_ageing(st);
}

static void receive_config(struct stp *st, struct port *p, const struct bpdu *bp)
{
	struct stp_port *sp = SP(p);
	bool was_root = is_root(st);
	int c = vec_cmp(bp->root, bp->cost, bp->bridge, bp->port, sp->d_root, sp->d_cost,
			sp->d_bridge, sp->d_port);
	bool same_sender = bp->bridge == sp->d_bridge && bp->port == sp->d_port;

	if (bp->msg_age >= bp->max_age)
		return;         /* stale: 802.1D 8.7.1 */
	if (c < 0 || (same_sender && !designated_port(st, p))) {
		/* Supersedes: record it and recompute. */
		sp->d_root = bp->root;
		sp->d_cost = bp->cost;
		sp->d_bridge = bp->bridge;
		sp->d_port = bp->port;
		sp->msg_age = bp->msg_age;
		sp->info_at = loop_now(L(st));
		loop_timer_arm(L(st), &sp->age_timer,
			       loop_now(L(st)) + from256(bp->max_age) - from256(bp->msg_age));
		configuration_update(st);
		port_state_selection(st);
		after_update(st, was_root);
		if (st->root_port >= 0 && st->b->node.ports[st->root_port] == p) {
			/* The root's timers and TC flag, relayed downstream. */
			st->t_max_age = from256(bp->max_age);
			st->t_hello = from256(bp->hello);
			st->t_fwd_delay = from256(bp->fwd_delay);
			if (!!(bp->flags & FLAG_TC) != st->tc) {
				st->tc = bp->flags & FLAG_TC;
				if (st->tc)
					st->tc_count++;
				set_ageing(st);
			}
			config_bpdu_generation(st);
			if (bp->flags & FLAG_TCA) {
				st->tc_detected = false;
				loop_timer_disarm(L(st), &st->tcn_timer);
			}
		}
	} else if (designated_port(st, p)) {
		/* An inferior BPDU on a segment we are designated for: answer
		 * with the better information. */
		transmit_config(st, p);
	}
}

static void receive_tcn(struct stp *st, struct port *p)
{
	if (!designated_port(st, p))
		return;
	topology_change_detection(st);
	SP(p)->tca_pending = true;
	transmit_config(st, p);
}

bool stp_input(struct bridge *b, struct port *in, struct frame *f)
{
	struct stp *st = b->stp;
	struct stp_port *sp;
	struct bpdu bp;

	if (st == NULL || f->len < 6 || memcmp(f->data, stp_group, 6) != 0)
		return false;
	sp = SP(in);
	if (!stp_parse_bpdu(f, &bp)) {
		port_drop_dir(in, f, DROP_BAD_PACKET, false);
		return true;
	}
	trace_record(b->node.g, in, f, DEC_STP, 0, 0, false);
	if (sp->state != STP_DISABLED && st->started) {
		if (bp.type == BPDU_TCN) {
			sp->tcns_rx++;
			receive_tcn(st, in);
		} else {
			sp->bpdus_rx++;
			receive_config(st, in, &bp);
		}
	} else {
		port_count_drop(in, DROP_BAD_PACKET);
	}
	frame_unref(f);
	return true;
}

static void port_init(struct stp *st, struct port *p)
{
	struct stp_port *sp = SP(p);
	struct bport *bp = p->priv;

	if (sp->priority == 0 && sp->port_id == 0)
		sp->priority = 128;
	sp->port_id = (uint16_t)(sp->priority << 8 | (bp->num & 0xff));
	timer_init(&sp->age_timer, age_fire, p);
	timer_init(&sp->fwd_timer, fwd_fire, p);
	timer_init(&sp->hold_timer, hold_fire, p);
	become_designated(st, p);
	sp->state = port_enabled(p) ? STP_BLOCKING : STP_DISABLED;
	sp->since = loop_now(L(st));
}

void stp_start(struct bridge *b)
{
	struct stp *st = b->stp;

	if (st == NULL || st->started)
		return;
	st->started = true;
	st->bridge_id = (uint64_t)st->priority << 48 | mac_to_u64(st->mac);
	st->root_id = st->bridge_id;
	st->root_port = -1;
	st->t_max_age = st->max_age;
	st->t_hello = st->hello_time;
	st->t_fwd_delay = st->fwd_delay;
	st->normal_ageing = fdb_ageing(b->fdb);
	for (int i = 0; i < b->node.nports; i++)
		port_init(st, b->node.ports[i]);
	configuration_update(st);
	port_state_selection(st);
	config_bpdu_generation(st);
	loop_timer_arm(L(st), &st->hello_timer, loop_now(L(st)) + st->hello_time);
}

void stp_stop(struct bridge *b)
{
	struct stp *st = b->stp;

	if (st == NULL)
		return;
	loop_timer_disarm(L(st), &st->hello_timer);
	loop_timer_disarm(L(st), &st->tcn_timer);
	loop_timer_disarm(L(st), &st->tc_timer);
	for (int i = 0; i < b->node.nports; i++) {
		struct stp_port *sp = SP(b->node.ports[i]);

		if (st->started) {
			loop_timer_disarm(L(st), &sp->age_timer);
			loop_timer_disarm(L(st), &sp->fwd_timer);
			loop_timer_disarm(L(st), &sp->hold_timer);
		}
	}
}

void stp_link_change(struct bridge *b, struct port *p, bool up)
{
	struct stp *st = b->stp;
	struct stp_port *sp;
	bool was_root;

	if (st == NULL || !st->started)
		return;
	sp = SP(p);
	was_root = is_root(st);
	if (up) {
		/* enable_port: designated, blocking, then the usual selection. */
		become_designated(st, p);
		set_state(st, p, STP_BLOCKING);
		configuration_update(st);
		port_state_selection(st);
		after_update(st, was_root);
		if (designated_port(st, p))
			transmit_config(st, p);
	} else {
		/* disable_port */
		bool was_fwd = sp->state == STP_FORWARDING || sp->state == STP_LEARNING;

		become_designated(st, p);
		set_state(st, p, STP_DISABLED);
		sp->role = STP_ROLE_DISABLED;
		loop_timer_disarm(L(st), &sp->fwd_timer);
		loop_timer_disarm(L(st), &sp->age_timer);
		loop_timer_disarm(L(st), &sp->hold_timer);
		sp->config_pending = false;
		configuration_update(st);
		port_state_selection(st);
		after_update(st, was_root);
		if (was_fwd)
			topology_change_detection(st);
	}
}

void stp_describe(const struct bridge *b, char *buf, size_t len)
{
	const struct stp *st = b->stp;
	char me[32], root[32];

	if (st == NULL) {
		snprintf(buf, len, "off");
		return;
	}
	stp_fmt_id(st->bridge_id, me, sizeof(me));
	stp_fmt_id(st->root_id, root, sizeof(root));
	if (is_root(st))
		snprintf(buf, len, "bridge %s, the root%s", me, st->tc ? ", topology change" : "");
	else
		snprintf(buf, len, "bridge %s, root %s via %s, cost %u%s", me, root,
			 b->node.ports[st->root_port]->name, st->root_cost,
			 st->tc ? ", topology change" : "");
}

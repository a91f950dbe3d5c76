/*
 * Learning bridge: learn the source, then forward on an FDB hit, flood
 * broadcast, multicast and unknown unicast, and filter frames whose
 * destination sits on the ingress port. Every decision is counted on the
 * bridge and recorded in the trace.
 */
#include "bridge.h"
#include "util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BRIDGE_DEFAULT_SPEED 1000000000ULL
#define AGER_MAX_PERIOD NS_PER_SEC

uint16_t bridge_frame_vlan(const struct frame *f)
{
	if (f->len >= 18 && f->data[12] == 0x81 && f->data[13] == 0x00) {
		uint16_t vid = rd16(f->data + 14) & 0xfff;

		return vid ? vid : BRIDGE_DEFAULT_VLAN;
	}
	return BRIDGE_DEFAULT_VLAN;
}

static void drop_vid(struct port *p, struct frame *f, enum drop_reason why, uint16_t vid,
		     bool tx);

static void bridge_flood(struct bridge *b, struct port *in, struct frame *f, enum decision why)
{
	if (node_flood(&b->node, in, f, why) == 0)
		b->st.dropped++;
}

static bool port_carries(const struct port *p, uint16_t vid)
{
	const struct bport *bp = p->priv;

	return bp != NULL && bport_member(bp, vid);
}

static bool stp_forwards(const struct bridge *b, const struct port *p)
{
	return b->stp == NULL || bport_sp_peek(p->priv)->state == STP_FORWARDING;
}

/* May a frame of VLAN vid leave out of p? */
static bool egress_ok(const struct bridge *b, const struct port *p, uint16_t vid)
{
	return port_link_up(p) && (!b->vlan_aware || port_carries(p, vid)) && stp_forwards(b, p) &&
	       !((struct bport *)p->priv)->is_mirror;
}

/* SPAN: a copy of f, as it passes p in the direction given, to p's mirror
 * port. */
static void mirror_copy(struct port *p, struct frame *f, bool out)
{
	struct bport *bp = p->priv;
	struct port *to = bp->mirror_to;
	struct bport *tb;

	if (to == NULL)
		return;
	tb = to->priv;
	if (!(out ? tb->mirror_out : tb->mirror_in) || !port_link_up(to))
		return;
	trace_record(p->g, p, f, DEC_MIRRORED, to->gid, 0, out);
	port_tx(to, frame_ref(f));
}

/* The frame as it must leave p for VLAN vid: f itself (one more reference)
 * when its tagging is already right, else a copy made once per flood and
 * shared (*tagged, *untagged). NULL: pool exhausted. */
static struct frame *egress_frame(const struct bridge *b, struct port *p, struct frame *f,
				  uint16_t vid, struct frame **tagged, struct frame **untagged)
{
	const struct bport *bp = p->priv;

	if (!b->vlan_aware)
		return frame_ref(f);
	bool want_tag = !bport_untagged(bp, vid);
	uint16_t tci;
	bool has = frame_has_ctag(f, &tci);
	struct frame **slot;

	if (want_tag ? has && (tci & 0xfff) == vid : !has)
		return frame_ref(f);
	slot = want_tag ? tagged : untagged;
	if (*slot == NULL)
		*slot = want_tag ? frame_tagged_copy(f, vid) : frame_untagged_copy(f);
	return *slot != NULL ? frame_ref(*slot) : NULL;
}

static void send_vlan(struct bridge *b, struct port *out, struct frame *f, uint16_t vid,
		      struct frame **tagged, struct frame **untagged)
{
	struct frame *e = egress_frame(b, out, f, vid, tagged, untagged);

	if (e == NULL) {
		port_count_drop(out, DROP_NO_BUFFER);
		return;
	}
	if (b->has_mirror)
		mirror_copy(out, e, true);
	port_tx(out, e);
}

static void release_copies(struct frame *tagged, struct frame *untagged)
{
	if (tagged != NULL)
		frame_unref(tagged);
	if (untagged != NULL)
		frame_unref(untagged);
}

/* Floods within VLAN vid: every other port that is up and a member. */
static void flood_vlan(struct bridge *b, struct port *in, struct frame *f, uint16_t vid,
		       enum decision why)
{
	struct node *n = &b->node;
	struct frame *tagged = NULL, *untagged = NULL;
	uint32_t ports = 0;

	for (int i = 0; i < n->nports; i++)
		if (n->ports[i] != in && egress_ok(b, n->ports[i], vid))
			ports++;
	if (ports == 0) {
		/* A flood to no port is a drop, and is shown as one. */
		b->st.dropped++;
		drop_vid(in, f, DROP_NO_PORT, b->vlan_aware ? vid : 0, false);
		return;
	}
	trace_record(n->g, in, f, why, ports, 0, false);
	if (b->vlan_aware)
		trace_set_vid(n->g, vid);
	for (int i = 0; i < n->nports; i++) {
		struct port *p = n->ports[i];

		if (p != in && egress_ok(b, p, vid))
			send_vlan(b, p, f, vid, &tagged, &untagged);
	}
	release_copies(tagged, untagged);
	frame_unref(f);
}

static void drop_vid(struct port *p, struct frame *f, enum drop_reason why, uint16_t vid,
		     bool tx)
{
	port_count_drop(p, why);
	trace_record(p->g, p, f, DEC_DROPPED, 0, (uint8_t)why, tx);
	trace_set_vid(p->g, vid);
	frame_unref(f);
}

/* The VLAN a frame belongs to on ingress at in, or 0 after dropping it. */
static uint16_t ingress_vid(struct bridge *b, struct port *in, struct frame *f)
{
	const struct bport *bp = in->priv;
	uint16_t type = rd16(f->data + 12), tci, vid = 0;

	if (type == ETH_P_8021AD) {
		b->st.dropped++;
		drop_vid(in, f, DROP_QINQ, 0, false);
		return 0;
	}
	if (frame_has_ctag(f, &tci))
		vid = tci & 0xfff;
	if (vid == 0) {                 /* untagged or priority-tagged */
		if (bp->pvid == 0) {
			b->st.dropped++;
			drop_vid(in, f, DROP_UNTAGGED, 0, false);
			return 0;
		}
		vid = bp->pvid;
	}
	if (vid == 4095 || !bport_member(bp, vid)) {
		b->st.dropped++;
		drop_vid(in, f, DROP_VLAN, vid, false);
		return 0;
	}
	return vid;
}

/* Learning the source: counted by what it did to the FDB. */
static void learn_source(struct bridge *b, struct port *in, uint64_t src, uint16_t vid,
			 uint64_t now)
{
	switch (fdb_learn(b->fdb, src, vid, in->index, now)) {
	case FDB_LEARNED:
		b->st.learned++;
		break;
	case FDB_MOVED:
		b->st.moved++;
		break;
	case FDB_TABLE_FULL:
		b->st.table_full++;
		break;
	default:
		break;
	}
}

/* A flood: port by port when VLANs, STP or a mirror decide who gets it,
 * else the graph's plain flood. */
static void flood(struct bridge *b, struct port *in, struct frame *f, uint16_t vid,
		  enum decision why)
{
	if (b->vlan_aware || b->stp != NULL || b->has_mirror)
		flood_vlan(b, in, f, vid, why);
	else
		bridge_flood(b, in, f, why);
}

/* A unicast frame whose destination the FDB has on port out. */
static void forward_known(struct bridge *b, struct port *in, struct frame *f, int32_t out,
			  uint16_t vid)
{
	struct node *n = &b->node;

	if (out == in->index) {
		b->st.filtered++;
		port_drop(in, f, DROP_SAME_PORT);
		if (b->vlan_aware)
			trace_set_vid(n->g, vid);
		return;
	}
	if (!stp_forwards(b, n->ports[out])) {
		/* An entry (a static one) on a port STP keeps from forwarding. */
		b->st.dropped++;
		drop_vid(n->ports[out], f, DROP_STP,
			 (uint16_t)bport_sp_peek(n->ports[out]->priv)->state, true);
		return;
	}
	b->st.forwarded++;
	if (((struct bport *)n->ports[out]->priv)->is_mirror) {
		b->st.dropped++;
		port_drop(n->ports[out], f, DROP_MIRROR_PORT);
		return;
	}
	if (!b->vlan_aware) {
		trace_record(n->g, in, f, DEC_FORWARDED, n->ports[out]->gid, 0, false);
		if (b->has_mirror)
			mirror_copy(n->ports[out], f, true);
		port_tx(n->ports[out], f);
		return;
	}
	if (!port_carries(n->ports[out], vid)) {
		/* A static entry can point at a port outside the VLAN. */
		b->st.dropped++;
		drop_vid(n->ports[out], f, DROP_VLAN, vid, true);
		return;
	}
	trace_record(n->g, in, f, DEC_FORWARDED, n->ports[out]->gid, 0, false);
	trace_set_vid(n->g, vid);
	{
		struct frame *tagged = NULL, *untagged = NULL;

		send_vlan(b, n->ports[out], f, vid, &tagged, &untagged);
		release_copies(tagged, untagged);
		frame_unref(f);
	}
}

static void bridge_input(struct node *n, struct port *in, struct frame *f)
{
	struct bridge *b = container_of(n, struct bridge, node);
	uint64_t now, src, dst;
	uint16_t vid;
	int32_t out;
	enum stp_state stp;

	b->st.frames++;
	if (f->len < ETH_HLEN) {
		b->st.dropped++;
		port_drop(in, f, DROP_RUNT);
		return;
	}
	if (b->has_mirror) {
		if (((struct bport *)in->priv)->is_mirror) {
			b->st.dropped++;
			port_drop(in, f, DROP_MIRROR_PORT);
			return;
		}
		mirror_copy(in, f, false);
	}
	if (b->stp != NULL && stp_input(b, in, f))
		return;
	now = loop_now(n->g->loop);
	dst = mac_to_u64(f->data);
	src = mac_to_u64(f->data + 6);
	if (b->vlan_aware) {
		vid = ingress_vid(b, in, f);
		if (vid == 0)
			return;
	} else {
		vid = bridge_frame_vlan(f);
	}
	/* Blocking and listening ports neither learn nor forward; learning
	 * ports learn but do not forward (802.1D 7.4). */
	stp = b->stp != NULL ? bport_sp_peek(in->priv)->state : STP_FORWARDING;
	if (stp != STP_FORWARDING && stp != STP_LEARNING) {
		b->st.dropped++;
		drop_vid(in, f, DROP_STP, (uint16_t)stp, false);
		return;
	}

	learn_source(b, in, src, vid, now);
	if (stp == STP_LEARNING) {
		b->st.dropped++;
		drop_vid(in, f, DROP_STP, (uint16_t)stp, false);
		return;
	}

	if (dst & (1ULL << 40)) {
		enum decision why = dst == 0xffffffffffffULL ? DEC_FLOODED_BCAST : DEC_FLOODED_MCAST;

		if (why == DEC_FLOODED_BCAST)
			b->st.flooded_bcast++;
		else
			b->st.flooded_mcast++;
		flood(b, in, f, vid, why);
		return;
	}
	out = fdb_lookup(b->fdb, dst, vid, now);
	if (out < 0) {
		b->st.flooded_unknown++;
		flood(b, in, f, vid, DEC_FLOODED_UNKNOWN);
		return;
	}
	forward_known(b, in, f, out, vid);
}

/* A port whose link goes down loses its learned entries, as on Linux. */
static void bridge_link_change(struct node *n, struct port *p, bool up)
{
	struct bridge *b = container_of(n, struct bridge, node);

	if (!up)
		b->st.flushed += fdb_flush(b->fdb, p->index, false);
	stp_link_change(b, p, up);
}

static void bridge_ager(void *arg)
{
	struct bridge *b = arg;
	struct loop *l = b->node.g->loop;
	uint64_t period = MIN(MAX(fdb_ageing(b->fdb), NS_PER_MS), AGER_MAX_PERIOD);

	b->st.aged += fdb_age(b->fdb, loop_now(l));
	loop_timer_arm(l, &b->ager, loop_now(l) + period);
}

void bridge_start(struct bridge *b)
{
	struct loop *l = b->node.g->loop;

	loop_timer_arm(l, &b->ager, loop_now(l) + MIN(MAX(fdb_ageing(b->fdb), NS_PER_MS),
						       AGER_MAX_PERIOD));
	stp_start(b);
}

static void bridge_destroy(struct node *n)
{
	struct bridge *b = container_of(n, struct bridge, node);

	loop_timer_disarm(n->g->loop, &b->ager);
	stp_stop(b);
	free(b->stp);
	free(b->stp_conf);
	fdb_free(b->fdb);
	for (int i = 0; b->bp != NULL && i <= b->nbp; i++) {
		if (b->bp[i] != NULL) {
			free(b->bp[i]->member);
			free(b->bp[i]->mirror_from);
			free(b->bp[i]->sp);
		}
		free(b->bp[i]);
	}
	free(b->bp);
	free(b);
}

static const struct node_ops bridge_ops = {
	.kind = "bridge",
	.input = bridge_input,
	.link_change = bridge_link_change,
	.destroy = bridge_destroy,
};

struct bridge *bridge_new(struct graph *g, const char *name, uint32_t max_entries,
			  uint64_t ageing_ns, int line)
{
	struct bridge *b = xcalloc(1, sizeof(*b));

	node_init(&b->node, g, &bridge_ops, name, line);
	b->fdb = fdb_new(max_entries, ageing_ns);
	b->speed = BRIDGE_DEFAULT_SPEED;
	timer_init(&b->ager, bridge_ager, b);
	return b;
}

/* The settings of port number num, made (access=1) on first use. */
struct stp_port *bport_sp(struct bport *bp)
{
	if (bp->sp == NULL)
		bp->sp = xcalloc(1, sizeof(*bp->sp));
	return bp->sp;
}

const struct stp_port *bport_sp_peek(const struct bport *bp)
{
	static const struct stp_port none;

	return bp->sp != NULL ? bp->sp : &none;
}

static struct bport *bport_get(struct bridge *b, int num)
{
	struct bport *bp;

	if (num > b->nbp) {
		b->bp = xreallocarray(b->bp, (size_t)num + 1, sizeof(*b->bp));
		for (int i = b->nbp + 1; i <= num; i++)
			b->bp[i] = NULL;
		if (b->nbp == 0)
			b->bp[0] = NULL;
		b->nbp = num;
	}
	if (b->bp[num] == NULL) {
		bp = xcalloc(1, sizeof(*bp));
		bp->num = num;
		bp->pvid = BRIDGE_DEFAULT_VLAN;
		b->bp[num] = bp;
	}
	return b->bp[num];
}

struct port *bridge_add_port(struct bridge *b)
{
	char suffix[16];
	int num = b->node.nports + 1;
	struct port *p;
	struct bport *bp = bport_get(b, num);

	p = port_new(&b->node, name_num(suffix, "", (uint32_t)num), b->speed, 1000);
	p->priv = bp;
	bp->port = p;
	return p;
}

/* "10", "10,20", "10-20,30": VIDs 1..4094 into set. Returns the count. */
static int parse_vid_list(const char *v, uint8_t *set, char *err)
{
	char *copy = xstrdup(v), *save = NULL, *tok;
	int count = 0;

	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		char *dash;
		uint64_t lo, hi;

		size_t n;

		while (*tok == ' ' || *tok == '\t')
			tok++;
		n = strlen(tok);
		while (n > 0 && (tok[n - 1] == ' ' || tok[n - 1] == '\t'))
			tok[--n] = '\0';
		if (strpbrk(tok, " \t;") != NULL && strspn(tok, "0123456789- \t;") == n) {
			errf(err, "'%s': separate VLANs with commas and ranges with a dash "
				  "(10,20,30-40)", v);
			free(copy);
			return -1;
		}
		dash = strchr(tok, '-');
		if (dash != NULL)
			*dash = '\0';
		if (parse_u64(tok, 1, 4094, &lo, err) < 0 ||
		    (dash != NULL && parse_u64(dash + 1, 1, 4094, &hi, err) < 0)) {
			free(copy);
			return -1;
		}
		if (dash == NULL)
			hi = lo;
		if (hi < lo) {
			errf(err, "VLAN range %" PRIu64 "-%" PRIu64 " runs backwards", lo, hi);
			free(copy);
			return -1;
		}
		for (uint64_t x = lo; x <= hi; x++)
			vid_set(set, (uint16_t)x);
		count++;
	}
	free(copy);
	if (count == 0)
		return errf(err, "no VLAN given (e.g. 10, or 10,20,30-40)");
	return count;
}

int bridge_port_key(struct bridge *b, int num, const char *key, const char *val, int line,
		    char *err)
{
	struct bport *bp;
	uint64_t x;

	if (num < 1 || num > 4096)
		return errf(err, "port number %d is out of range (1..4096)", num);
	bp = bport_get(b, num);
	if (bp->line == 0)
		bp->line = line;
	if (strcmp(key, "access") == 0) {
		if (bp->vlan_set)
			return errf(err, "port %d: access and trunk are given twice or both", num);
		if (parse_u64(val, 1, 4094, &x, err) < 0)
			return -1;
		bp->pvid = (uint16_t)x;     /* member is NULL: pvid alone */
		bp->vlan_set = true;
	} else if (strcmp(key, "trunk") == 0) {
		uint8_t set[VID_BYTES] = { 0 };

		if (bp->vlan_set)
			return errf(err, "port %d: access and trunk are given twice or both", num);
		if (parse_vid_list(val, set, err) < 0)
			return -1;
		/* A native VLAN given first stays. */
		if (bp->trunk && bp->pvid != 0)
			vid_set(set, bp->pvid);
		else
			bp->pvid = 0;
		bp->member = xmalloc(VID_BYTES);
		memcpy(bp->member, set, sizeof(set));
		bp->trunk = true;
		bp->vlan_set = true;
	} else if (strcmp(key, "native") == 0) {
		if (strcmp(val, "none") == 0) {
			x = 0;
		} else if (parse_u64(val, 1, 4094, &x, err) < 0) {
			return -1;
		}
		if (bp->vlan_set && !bp->trunk)
			return errf(err, "port %d: native is for trunk ports (this one is access)", num);
		if (!bp->vlan_set)
			bp->trunk = true;   /* trunk= must follow */
		if (bp->member != NULL && x != 0)  /* after trunk= */
			vid_set(bp->member, (uint16_t)x);
		bp->pvid = (uint16_t)x;
	} else if (strcmp(key, "mirror") == 0) {
		uint8_t set[VID_BYTES] = { 0 };

		if (parse_vid_list(val, set, err) < 0)
			return -1;
		if (vid_test(set, (uint16_t)num))
			return errf(err, "port %d cannot mirror itself", num);
		if (bp->mirror_from == NULL)
			bp->mirror_from = xmalloc(VID_BYTES);
		memcpy(bp->mirror_from, set, sizeof(set));
		bp->is_mirror = true;
		if (!bp->mirror_in && !bp->mirror_out)
			bp->mirror_in = bp->mirror_out = true;
		b->has_mirror = true;
		return 0;
	} else if (strcmp(key, "mirror_dir") == 0) {
		if (strcmp(val, "in") == 0) {
			bp->mirror_in = true;
			bp->mirror_out = false;
		} else if (strcmp(val, "out") == 0) {
			bp->mirror_in = false;
			bp->mirror_out = true;
		} else if (strcmp(val, "both") == 0) {
			bp->mirror_in = bp->mirror_out = true;
		} else {
			return errf(err, "mirror_dir: use in, out or both");
		}
		return 0;
	} else {
		int r = stp_port_key(bport_sp(bp), key, val, err);

		if (r < 0)
			return -1;
		if (r == 0)
			return errf(err, "unknown port key '%s' (known: access, trunk, native, cost, "
				    "priority, mirror, mirror_dir)", key);
		return 0;
	}
	b->vlan_aware = true;
	return 0;
}

int bridge_check_ports(struct bridge *b, int *line, char *err)
{
	*line = b->node.line;
	if (stp_check(b, line, err) < 0) {
		if (*line == 0)
			*line = b->node.line;
		return -1;
	}
	for (int i = 1; i <= b->nbp; i++) {
		struct bport *bp = b->bp[i];

		if (bp == NULL || bp->line == 0)
			continue;
		if (bp->port == NULL) {
			*line = bp->line;
			return errf(err, "bridge %s has no port %d (it has %d; a [link] makes each)",
				    b->node.name, i, b->node.nports);
		}
		if (bp->trunk && !bp->vlan_set) {
			*line = bp->line;
			return errf(err, "port %d: native needs trunk = VLANS too", i);
		}
		if (!bp->is_mirror && (bp->mirror_in || bp->mirror_out)) {
			*line = bp->line;
			return errf(err, "port %d: mirror_dir needs mirror = PORTS too", i);
		}
		if (bp->is_mirror) {
			for (int j = 1; j <= 4094; j++) {
				struct bport *src;

				if (!vid_test(bp->mirror_from, (uint16_t)j))
					continue;
				src = j <= b->nbp ? b->bp[j] : NULL;
				if (src == NULL || src->port == NULL) {
					*line = bp->line;
					return errf(err, "port %d mirrors port %d, which %s does not have",
						    i, j, b->node.name);
				}
				if (src->is_mirror || (src->mirror_to != NULL && src->mirror_to != bp->port)) {
					*line = bp->line;
					return errf(err, "port %d: port %d is a mirror or mirrored "
						    "elsewhere already", i, j);
				}
				src->mirror_to = bp->port;
			}
		}
	}
	return 0;
}

void bridge_port_vlans(const struct bridge *b, const struct port *p, char *buf, size_t len)
{
	const struct bport *bp = p->priv;
	size_t o = 0;
	int first = -1;
	bool any = false;

	if (!b->vlan_aware || bp == NULL) {
		snprintf(buf, len, "%s", "");
		return;
	}
	if (!bp->trunk) {
		snprintf(buf, len, "access %u%s", bp->pvid, bp->vlan_set ? "" : " (default)");
		return;
	}
	o += (size_t)snprintf(buf, len, "trunk ");
	for (int v = 1; v <= 4095 && o < len; v++) {
		bool in = v < 4095 && bport_member(bp, (uint16_t)v) &&
			!(v == bp->pvid);
		if (in && first < 0)
			first = v;
		if (!in && first >= 0) {
			o += (size_t)snprintf(buf + o, len - o, "%s%d", any ? "," : "", first);
			if (v - 1 > first)
				o += (size_t)snprintf(buf + o, len - o, "-%d", v - 1);
			any = true;
			first = -1;
		}
	}
	if (!any && o < len)
		o += (size_t)snprintf(buf + o, len - o, "none");
	if (o < len)
		snprintf(buf + o, len - o, bp->pvid ? " native %u" : " no native", bp->pvid);
}

struct bridge *bridge_from_node(struct node *n)
{
	return n != NULL && n->ops == &bridge_ops ? container_of(n, struct bridge, node) : NULL;
}

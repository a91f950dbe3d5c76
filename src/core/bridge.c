/*
 * Learning bridge: learn the source, then forward on an FDB hit, flood
 * broadcast, multicast and unknown unicast, and filter frames whose
 * destination sits on the ingress port. Every decision is counted on the
 * bridge and recorded in the trace.
 */
#include "bridge.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>

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

static void bridge_flood(struct bridge *b, struct port *in, struct frame *f, enum decision why)
{
	if (node_flood(&b->node, in, f, why) == 0)
		b->st.dropped++;
}

static void bridge_input(struct node *n, struct port *in, struct frame *f)
{
	struct bridge *b = container_of(n, struct bridge, node);
	uint64_t now, src, dst;
	uint16_t vid;
	int32_t out;

	b->st.frames++;
	if (f->len < ETH_HLEN) {
		b->st.dropped++;
		port_drop(in, f, DROP_RUNT);
		return;
	}
	now = loop_now(n->g->loop);
	dst = mac_to_u64(f->data);
	src = mac_to_u64(f->data + 6);
	vid = bridge_frame_vlan(f);

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

	if (dst & (1ULL << 40)) {
		if (dst == 0xffffffffffffULL) {
			b->st.flooded_bcast++;
			bridge_flood(b, in, f, DEC_FLOODED_BCAST);
		} else {
			b->st.flooded_mcast++;
			bridge_flood(b, in, f, DEC_FLOODED_MCAST);
		}
		return;
	}
	out = fdb_lookup(b->fdb, dst, vid, now);
	if (out < 0) {
		b->st.flooded_unknown++;
		bridge_flood(b, in, f, DEC_FLOODED_UNKNOWN);
		return;
	}
	if (out == in->index) {
		b->st.filtered++;
		port_drop(in, f, DROP_SAME_PORT);
		return;
	}
	b->st.forwarded++;
	trace_record(n->g, in, f, DEC_FORWARDED, n->ports[out]->gid, 0, false);
	port_tx(n->ports[out], f);
}

/* A port whose link goes down loses its learned entries, as on Linux. */
static void bridge_link_change(struct node *n, struct port *p, bool up)
{
	struct bridge *b = container_of(n, struct bridge, node);

	if (!up)
		b->st.flushed += fdb_flush(b->fdb, p->index, false);
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
}

static void bridge_destroy(struct node *n)
{
	struct bridge *b = container_of(n, struct bridge, node);

	loop_timer_disarm(n->g->loop, &b->ager);
	fdb_free(b->fdb);
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

struct port *bridge_add_port(struct bridge *b)
{
	char suffix[16];

	snprintf(suffix, sizeof(suffix), "%d", b->node.nports + 1);
	return port_new(&b->node, suffix, b->speed, 1000);
}

struct bridge *bridge_from_node(struct node *n)
{
	return n != NULL && n->ops == &bridge_ops ? container_of(n, struct bridge, node) : NULL;
}

/*
 * The named values of ports, bridges and hubs (values.h).
 */
#include "values.h"
#include "stp.h"
#include "util.h"

uint64_t port_drops_total(const struct port *p)
{
	uint64_t t = 0;

	for (int i = 0; i < DROP_REASON_COUNT; i++)
		t += port_drops(p, i);
	return t;
}

uint64_t bridge_flooded_total(const struct bridge *b)
{
	return b->st.flooded_unknown + b->st.flooded_bcast + b->st.flooded_mcast;
}

static void get_drops(const void *obj, struct value *v)
{
	value_num(v, (double)port_drops_total(obj));
}

static void get_link(const void *obj, struct value *v)
{
	value_str(v, port_link_up(obj) ? "up" : "down");
}

static void get_queue(const void *obj, struct value *v)
{
	value_num(v, port_queue_len((struct port *)obj));
}

#define P(x) FIELD_U64(struct port, #x, st.x, 0)
static const struct field port_f[] = {
	P(rx_frames), P(rx_bytes), P(tx_frames), P(tx_bytes),
	FIELD_FN("drops", get_drops, FIELD_NOREPORT),
	FIELD_FN("link", get_link, FIELD_NOREPORT | FIELD_TEXT),
	FIELD_FN("queue", get_queue, FIELD_NOREPORT),
};
#undef P

#define I(x) FIELD_U64(struct impair_stats, #x, x, 0)
static const struct field impair_f[] = {
	I(lost), I(burst_lost), I(bursts), I(duplicated), I(corrupted), I(reordered),
};
#undef I

static void get_role(const void *obj, struct value *v)
{
	value_str(v, stp_role_name(((const struct stp_port *)obj)->role));
}

static void get_state(const void *obj, struct value *v)
{
	value_str(v, stp_state_name(((const struct stp_port *)obj)->state));
}

#define S(x, flags) FIELD_U64(struct stp_port, #x, x, flags)
static const struct field stp_port_f[] = {
	FIELD_FN("role", get_role, FIELD_TEXT),
	FIELD_FN("state", get_state, FIELD_TEXT),
	S(bpdus_rx, 0), S(bpdus_tx, 0), S(tcns_rx, 0), S(tcns_tx, 0),
	S(transitions, FIELD_NOREPORT),
};
#undef S

static void get_flooded(const void *obj, struct value *v)
{
	value_num(v, (double)bridge_flooded_total(obj));
}

#define B(x) FIELD_U64(struct bridge, #x, st.x, 0)
static const struct field bridge_f[] = {
	B(frames), B(forwarded), B(flooded_unknown), B(flooded_bcast), B(flooded_mcast),
	B(filtered), B(dropped), B(learned), B(moved), B(table_full), B(aged), B(flushed),
	FIELD_FN("flooded", get_flooded, FIELD_NOREPORT),
};
#undef B

static const struct field hub_f[] = {
	FIELD_U64(struct hub, "flooded", flooded, 0),
};

const struct field_table port_fields = { port_f, ARRAY_SIZE(port_f) };
const struct field_table impair_fields = { impair_f, ARRAY_SIZE(impair_f) };
const struct field_table stp_port_fields = { stp_port_f, ARRAY_SIZE(stp_port_f) };
const struct field_table bridge_fields = { bridge_f, ARRAY_SIZE(bridge_f) };
const struct field_table hub_fields = { hub_f, ARRAY_SIZE(hub_f) };

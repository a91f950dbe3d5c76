/*
 * A learning bridge with 802.1Q (an access port, a trunk with a native
 * VLAN, a trunk without), STP on and a mirror port, fed frames from four
 * outside ports, with time passing (ageing, STP timers) and the commands
 * that change it (flush, static entries, link down).
 *
 * Input: a sequence of operations, each one byte then its arguments:
 *   0..3     a frame sent from port 1..4's peer: 2-byte little-endian
 *            length, then that many bytes
 *   4..223   the same as (byte & 3)
 *   224..239 one of the commands in cmds[] (byte - 224, modulo)
 *   240..255 let (byte - 239) x 500 ms of simulated time pass
 * A fresh sim per input; after the run the last 512 trace records are
 * formatted and explained, and the bridge's MAC table stays within
 * max_entries.
 */
#include "fuzz.h"
#include "../../src/core/bridge.h"
#include "../../src/core/fdb.h"

#define TOPO \
	"[bridge br]\nstp = on\nmax_entries = 64\nageing = 30s\n" \
	"port.1.access = 10\nport.2.trunk = 10,20\nport.2.native = 1\n" \
	"port.3.trunk = 1-4094\nport.5.mirror = 1,2\n" \
	"[guest p1]\nnic = model=e1000\n[guest p2]\nnic = model=e1000\n" \
	"[guest p3]\nnic = model=e1000\n[guest p4]\nnic = model=e1000\n" \
	"[guest m]\nnic = model=e1000\n" \
	"[link]\na = p1\nb = br.1\n[link]\na = p2\nb = br.2\n[link]\na = p3\nb = br.3\n" \
	"[link]\na = p4\nb = br.4\n[link]\na = m\nb = br.5\n"

static const char *const cmds[] = {
	"mac_flush br",
	"mac_flush br br.2",
	"mac_add br 52:54:00:00:00:09 br.2 vlan=10",
	"mac_del br 52:54:00:00:00:09 vlan=10",
	"set_link br.3 off",
	"set_link br.3 on",
	"info mac br",
	"info ports",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim *s;
	struct port *peer[4];
	struct bridge *b;
	char err[ERRLEN], buf[512];

	if (size > 1 << 16)
		return 0;
	s = fuzz_sim(TOPO, strlen(TOPO), NULL);
	if (s == NULL)
		abort();
	for (int i = 0; i < 4; i++) {
		char name[16];

		snprintf(name, sizeof(name), "p%d", i + 1);
		peer[i] = sim_guest(s, name)->nics[0]->port;
	}
	b = sim_bridge(s, "br");
	sim_start(s);
	while (size > 0) {
		uint8_t op = fuzz_u8(&data, &size);

		if (op < 224) {
			fuzz_send_frame(s, peer[op & 3], &data, &size);
			loop_run(s->loop, loop_now(s->loop) + NS_PER_SEC / 1000);
		} else if (op < 240) {
			cmd_exec(s, cmds[(op - 224) % ARRAY_SIZE(cmds)], fuzz_null(), false, err);
		} else {
			loop_run(s->loop, loop_now(s->loop) + (uint64_t)(op - 239) * NS_PER_SEC / 2);
		}
		if (fdb_count(b->fdb) > 64)
			abort();
	}
	loop_run(s->loop, loop_now(s->loop) + 5 * NS_PER_SEC);
	{
		const struct trace *t = &s->g->trace;
		/* The last 512 hops: formatting is most of a run's cost. */
		uint64_t first = t->total > 512 ? t->total - 512 : 0;

		for (uint64_t i = first; i < t->total; i++) {
			const struct trace_rec *r = &t->ring[i % t->cap];

			trace_format(s->g, r, buf, sizeof(buf));
			trace_explain(s->g, r, buf, sizeof(buf));
		}
	}
	sim_free(s);
	return 0;
}

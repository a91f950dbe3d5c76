/*
 * make bench: throughput of the forwarding path, measured against a
 * baseline run in the same process, so the figures compare on any machine.
 *
 *  baseline   a bare learning-table loop: read the MACs from frame bytes,
 *             learn the source, look up the destination (no pool, no graph)
 *  bridge     64-byte frames through one learning-bridge hop: generator ->
 *             bridge -> sink, 1,024 source and 1,024 destination MACs, every
 *             frame allocated, counted, traced and freed; instant links
 *  bridge+1G  the same with 1 Gbit/s links, so every hop is queued and timed
 *             on the virtual clock (a timer per frame)
 *  hub16      64-byte frames into a 16-port hub, flooded to 15 sinks
 *
 * Wall time is CLOCK_MONOTONIC around a virtual-clock run.
 */
#include "../src/core/bridge.h"
#include "../src/core/hub.h"
#include "../src/core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NMACS 1024
#define BATCH 4096

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct sink {
	struct node node;
	uint64_t count;
};

static void sink_input(struct node *n, struct port *in, struct frame *f)
{
	(void)in;
	container_of(n, struct sink, node)->count++;
	frame_unref(f);
}

static void sink_destroy(struct node *n)
{
	free(container_of(n, struct sink, node));
}

static const struct node_ops sink_ops = { .kind = "sink", .input = sink_input,
					  .destroy = sink_destroy };

static struct sink *sink_new(struct graph *g, const char *name)
{
	struct sink *s = xcalloc(1, sizeof(*s));

	node_init(&s->node, g, &sink_ops, name, 0);
	return s;
}

static uint64_t src_mac(uint32_t i) { return 0x020000000000ULL | (i % NMACS); }
static uint64_t dst_mac(uint32_t i) { return 0x020000010000ULL | ((i * 7) % NMACS); }

/* n 64-byte frames with MACs in a shuffled order (seed x). */
static void fill_frames(uint8_t (*frames)[64], uint32_t n, uint64_t x)
{
	for (uint32_t i = 0; i < n; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		u64_to_mac(dst_mac((uint32_t)(x >> 33)), frames[i]);
		u64_to_mac(src_mac((uint32_t)(x >> 45)), frames[i] + 6);
	}
}

/* The slot of key in an open-addressing table of size (a power of 2):
 * where it is, or the empty slot where it goes. */
static inline uint32_t probe(const uint64_t *keys, uint32_t size, uint64_t key)
{
	uint32_t h = (uint32_t)((key * 0x9e3779b97f4a7c15ULL) >> 52) & (size - 1);

	while (keys[h] != 0 && keys[h] != key)
		h = (h + 1) & (size - 1);
	return h;
}

/* The baseline: a bare learning-table loop over real frame bytes. 65,536
 * pre-built 64-byte frames (4 MiB, more than the caches) with MACs in a
 * shuffled order; per frame: read both MACs out of the bytes, learn the
 * source with a timestamp, look up the destination, count per port. No
 * pool, no graph, no counters, no trace: what the hop costs at the least. */
static double bench_baseline(uint64_t n)
{
	enum { SIZE = 4096, NFRAMES = 65536 };
	static uint64_t keys[SIZE];
	static uint64_t seen[SIZE];
	static int32_t ports[SIZE];
	static uint8_t frames[NFRAMES][64];
	uint64_t per_port[2] = { 0, 0 }, x = 7;
	double t0;

	memset(keys, 0, sizeof(keys));
	fill_frames(frames, NFRAMES, x);
	t0 = now_s();
	for (uint64_t i = 0; i < n; i++) {
		const uint8_t *f = frames[i % NFRAMES];
		uint64_t s = mac_to_u64(f + 6), d = mac_to_u64(f);
		uint32_t h = probe(keys, SIZE, s);

		keys[h] = s;
		ports[h] = (int32_t)(i & 1);
		seen[h] = i;
		h = probe(keys, SIZE, d);
		/* A hit must also be fresh, as in a real table. */
		per_port[keys[h] == d && i - seen[h] < n ? ports[h] : 1]++;
	}
	t0 = now_s() - t0;
	if (per_port[0] + per_port[1] != n)
		fatal("baseline miscounted");
	return (double)n / t0;
}

/* The bridge hop's yardstick: a minimal in-memory switch loop. Per
 * frame it learns the source (with its port and time), looks up the
 * destination, and copies the 64 bytes into the egress port's ring,
 * where a consumer takes them: what a software switch must do at the
 * least, with no pool, graph, counters or trace. */
static double bench_switch(uint64_t n)
{
	enum { SIZE = 4096, NFRAMES = 65536, NPORTS = 4, RING = 256 };
	static uint64_t keys[SIZE], seen[SIZE];
	static int32_t ports[SIZE];
	static uint8_t frames[NFRAMES][64];
	static uint8_t ring[NPORTS][RING][64];
	uint32_t head[NPORTS] = { 0 };
	uint64_t out[NPORTS] = { 0 }, check = 0, x = 11;
	double t0;

	memset(keys, 0, sizeof(keys));
	fill_frames(frames, NFRAMES, x);
	t0 = now_s();
	for (uint64_t i = 0; i < n; i++) {
		const uint8_t *f = frames[i % NFRAMES];
		uint64_t s = mac_to_u64(f + 6), d = mac_to_u64(f);
		int32_t in = (int32_t)(i & 1), eg;
		uint32_t h = probe(keys, SIZE, s);

		keys[h] = s;
		ports[h] = in;
		seen[h] = i;
		h = probe(keys, SIZE, d);
		eg = keys[h] == d && i - seen[h] < n ? ports[h] : 2 + in;   /* unknown: flood port */
		memcpy(ring[eg][head[eg]++ & (RING - 1)], f, 64);
		out[eg]++;
		if ((head[eg] & (RING - 1)) == 0)      /* the consumer takes a full ring */
			check += ring[eg][RING - 1][0];
	}
	t0 = now_s() - t0;
	if (out[0] + out[1] + out[2] + out[3] != n || check == UINT64_MAX)
		fatal("switch loop miscounted");
	return (double)n / t0;
}

static void inject(struct frame_pool *p, struct port *from, uint32_t i)
{
	struct frame *f = frame_alloc(p, 64);

	if (f == NULL)
		fatal("bench: pool exhausted");
	u64_to_mac(dst_mac(i), f->data);
	u64_to_mac(src_mac(i), f->data + 6);
	f->data[12] = 0x08;
	f->data[13] = 0x00;
	port_tx(from, f);
}

/* Generator -> bridge -> sink. rate 0: instant links. */
static double bench_bridge(uint64_t n, uint64_t rate, uint64_t *delivered)
{
	struct loop *l = loop_new(LOOP_VIRTUAL, 1u << 20);
	struct frame_pool *p = frame_pool_new(1u << 20);
	struct graph *g = graph_new(l, p, 1, 65536);
	struct bridge *b = bridge_new(g, "br0", 4096, 300 * NS_PER_SEC, 0);
	struct sink *gen = sink_new(g, "gen"), *out = sink_new(g, "out");
	struct port *gp = port_new(&gen->node, "p", 0, 1u << 20);
	struct port *op = port_new(&out->node, "p", 0, 1u << 20);
	struct link *l1 = link_new(g, gp, bridge_add_port(b), rate, 0, 0, 0);
	struct link *l2 = link_new(g, op, bridge_add_port(b), rate, 0, 0, 0);
	double t0, t;

	l1->rate = l2->rate = rate;
	/* Teach the bridge where the destinations are. */
	for (uint32_t i = 0; i < NMACS; i++)
		fdb_add_static(b->fdb, dst_mac(i), BRIDGE_DEFAULT_VLAN, 1);
	for (int i = 0; i < 2; i++)
		b->node.ports[i]->txqlen = 1u << 20;
	t0 = now_s();
	for (uint64_t i = 0; i < n; i += BATCH) {
		for (uint32_t k = 0; k < BATCH; k++)
			inject(p, gp, (uint32_t)(i + k));
		loop_run(l, UINT64_MAX);
	}
	t = now_s() - t0;
	*delivered = out->count;
	if (b->st.forwarded != out->count || fdb_count(b->fdb) != 2 * NMACS)
		fatal("bench: bridge forwarded %llu, sink got %llu, table %u",
		      (unsigned long long)b->st.forwarded, (unsigned long long)out->count,
		      fdb_count(b->fdb));
	graph_free(g);
	frame_pool_free(p);
	loop_free(l);
	return (double)n / t;
}

static double bench_hub(uint64_t n, uint64_t *delivered)
{
	struct loop *l = loop_new(LOOP_VIRTUAL, 1u << 20);
	struct frame_pool *p = frame_pool_new(1u << 20);
	struct graph *g = graph_new(l, p, 1, 65536);
	struct hub *h = hub_new(g, "vlan0", 0, 0);
	struct sink *s[16];
	double t0, t;

	for (int i = 0; i < 16; i++) {
		char name[16];
		struct link *lk;

		snprintf(name, sizeof(name), "s%d", i);
		s[i] = sink_new(g, name);
		lk = link_new(g, port_new(&s[i]->node, "p", 0, 1u << 20), hub_add_port(h), 0, 0, 0, 0);
		lk->rate = 0;
	}
	t0 = now_s();
	for (uint64_t i = 0; i < n; i += BATCH / 4) {
		for (uint32_t k = 0; k < BATCH / 4; k++)
			inject(p, s[0]->node.ports[0], (uint32_t)(i + k));
		loop_run(l, UINT64_MAX);
	}
	t = now_s() - t0;
	*delivered = 0;
	for (int i = 1; i < 16; i++)
		*delivered += s[i]->count;
	graph_free(g);
	frame_pool_free(p);
	loop_free(l);
	return (double)n / t;
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 20000000;
	uint64_t got;
	double base, sw, br, br1g, hub;

	printf("qnetsim bench: %llu frames of 64 bytes, %d source and %d destination MACs\n",
	       (unsigned long long)n, NMACS, NMACS);
	bench_baseline(n / 4);  /* warm up */
	base = bench_baseline(n);
	printf("  baseline  bare learning-table loop        %7.2f M frames/s\n", base / 1e6);
	sw = bench_switch(n);
	printf("  switch    learn, look up, copy to a ring  %7.2f M frames/s\n", sw / 1e6);
	br = bench_bridge(n, 0, &got);
	printf("  bridge    one bridge hop, instant links   %7.2f M frames/s  (%.2fx baseline, %.2fx the "
	       "switch loop [goal >= 0.7x], %llu delivered)\n",
	       br / 1e6, br / base, br / sw, (unsigned long long)got);
	br1g = bench_bridge(n / 4, 1000000000, &got);
	printf("  bridge+1G one bridge hop, 1 Gbit/s links  %7.2f M frames/s  (%.2fx baseline, %llu delivered)\n",
	       br1g / 1e6, br1g / base, (unsigned long long)got);
	hub = bench_hub(n / 4, &got);
	printf("  hub16     16-port hub, 1 in -> 15 out     %7.2f M frames/s in, %.2f M deliveries/s  (%.2fx baseline)\n",
	       hub / 1e6, hub * 15 / 1e6, hub / base);
	return 0;
}

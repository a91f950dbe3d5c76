/*
 * Frame decoders: the one-line summary of a whole frame, the summary the
 * trace ring keeps (its first TRACE_HDR bytes and the DHCP type read when
 * recorded), and the trace's formatting and explanation of a frame through
 * a hub, a VLAN-aware bridge and a guest. The input is one frame.
 */
#include "fuzz.h"
#include "../../src/core/bridge.h"
#include "../../src/core/hub.h"
#include "../../src/app/decode.h"

#define TOPO \
	"[bridge br]\nport.1.trunk = 10,20\nport.2.access = 10\n" \
	"[guest a]\nnic = model=e1000,macaddr=52:54:00:00:00:01\nip = 10.0.0.1/24\n" \
	"[guest b]\nnic = model=e1000,vlan=1\n[guest c]\nnic = model=e1000,vlan=1\n" \
	"[link]\na = a\nb = br.2\n[link]\na = br.1\nb = vlan1\n"

static struct sim *s;
static struct dline lines[DECODE_MAX_LINES];
static uint8_t whole[65536];

/* Decodes len bytes; every line within them and within the list. */
static void decode(const uint8_t *data, uint32_t len)
{
	int n = frame_decode(data, len, lines, DECODE_MAX_LINES);

	if (n < 0 || n > DECODE_MAX_LINES)
		abort();
	for (int i = 0; i < n; i++)
		if (lines[i].pos + lines[i].size > len || memchr(lines[i].text, '\0', DECODE_TEXT) == NULL)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[512];
	uint8_t hdr[TRACE_HDR] = { 0 };
	uint8_t dhcp;
	struct frame *f;
	uint64_t first;

	if (size > FRAME_MAX)
		return 0;
	frame_summary(data, (uint32_t)size, buf, sizeof(buf));
	dhcp = size >= 282 && data[23] == 17 && data[12] == 8 && data[13] == 0 ?
		trace_dhcp_type(data, (uint32_t)size) : 0;
	memcpy(hdr, data, size < TRACE_HDR ? size : TRACE_HDR);
	frame_summary_dhcp(hdr, size < TRACE_HDR ? (uint32_t)size : TRACE_HDR, dhcp, buf,
			   sizeof(buf));
	decode(data, (uint32_t)size);
	if (size < ETH_HLEN)
		return 0;
	if (s == NULL) {
		s = fuzz_sim(TOPO, strlen(TOPO), NULL);
		if (s == NULL)
			abort();
		/* Small, so the ring wraps and old frames are written over. */
		graph_set_trace_bytes(s->g, 4096);
	}
	/* Into the hub from b: to c, and over the trunk into the bridge, then
	 * to a; every hop is recorded, and each record formatted. */
	first = s->g->trace.total;
	f = frame_from_bytes(s->g->pool, data, (uint32_t)size);
	if (f != NULL)
		port_tx(sim_guest(s, "b")->nics[0]->port, f);
	loop_run(s->loop, loop_now(s->loop) + NS_PER_SEC);
	for (uint64_t i = first; i < s->g->trace.total; i++) {
		const struct trace_rec *r = &s->g->trace.ring[i % s->g->trace.cap];

		trace_format(s->g, r, buf, sizeof(buf));
		trace_decision(s->g, r, buf, sizeof(buf));
		trace_explain(s->g, r, buf, sizeof(buf));
		if (trace_bytes(&s->g->trace, r, whole) == r->len) {
			/* The ring gives back what the record's summary saw. */
			if (memcmp(whole, r->hdr, r->len < TRACE_HDR ? r->len : TRACE_HDR) != 0)
				abort();
			decode(whole, r->len);
		}
	}
	return 0;
}

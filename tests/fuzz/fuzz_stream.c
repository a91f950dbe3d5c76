/*
 * The stream deframer (QEMU's socket/stream framing: a 4-byte big-endian
 * length, then the frame), fed the input in arbitrary chunks, against a
 * reference deframer written the simplest way: the frames that enter the
 * topology, their bytes, the drop for a bad length and the partial frame
 * left at the end must be the same.
 *
 * Input: one byte k, then k chunk sizes (one byte each, 1..256), then the
 * stream. The chunk sizes are used in turn, over and over.
 */
#include "fuzz.h"
#include "../../src/backends/sockio.h"

#define TOPO "[netdev n]\ntype = socket\nlisten = 127.0.0.1:1\nvlan = 0\n"

struct ref {
	uint64_t frames, bytes;
	bool bad;               /* a bad length ended it */
	bool partial;           /* bytes of an incomplete frame left over */
};

static void reference(const uint8_t *p, size_t n, struct ref *r)
{
	size_t off = 0;

	memset(r, 0, sizeof(*r));
	while (off < n) {
		uint32_t len;

		if (n - off < 4) {
			r->partial = true;
			return;
		}
		len = (uint32_t)p[off] << 24 | (uint32_t)p[off + 1] << 16 |
		      (uint32_t)p[off + 2] << 8 | p[off + 3];
		if (len < 14 || len > 69632) {
			r->bad = true;
			return;
		}
		if (n - off - 4 < len) {
			r->partial = true;
			return;
		}
		r->frames++;
		r->bytes += len;
		off += 4 + (size_t)len;
	}
}

static struct sim *s;
static struct netdev *nd;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t chunks[256];
	size_t nchunks, off, ci = 0;
	struct ref want;
	uint64_t frames0, bytes0, lost0, bad0;
	uint64_t lost;
	bool bad = false;

	if (size > 1 << 18)
		return 0;
	if (s == NULL) {
		s = fuzz_sim(TOPO, strlen(TOPO), NULL);
		if (s == NULL)
			abort();
		nd = s->netdevs[0];
		nd->state = ND_CONNECTED;
	}
	nchunks = size > 0 ? data[0] : 0;
	if (size < 1 + nchunks)
		return 0;
	memcpy(chunks, data + 1, nchunks);
	off = 1 + nchunks;
	reference(data + off, size - off, &want);

	frames0 = nd->port->st.tx_frames;
	bytes0 = nd->port->st.tx_bytes;
	lost0 = port_drops(nd->port, DROP_NO_BUFFER) + port_drops(nd->port, DROP_FIFO_FULL);
	bad0 = nd->st.bad_length;
	while (off < size && !bad) {
		size_t take = nchunks > 0 ? (size_t)chunks[ci++ % nchunks] + 1 : size - off;

		if (take > size - off)
			take = size - off;
		bad = sockio_stream_input(nd, data + off, take) < 0;
		off += take;
	}
	if (want.bad != bad || nd->st.bad_length - bad0 != (uint64_t)want.bad)
		abort();
	lost = port_drops(nd->port, DROP_NO_BUFFER) + port_drops(nd->port, DROP_FIFO_FULL) - lost0;
	if (nd->port->st.tx_frames - frames0 + lost != want.frames)
		abort();
	if (lost == 0 && nd->port->st.tx_bytes - bytes0 != want.bytes)
		abort();
	if (!bad && (socknet_of(nd)->lenhave > 0) != want.partial)
		abort();
	/* The next input starts on a frame boundary, as a new peer would. */
	sockio_stream_input(nd, (const uint8_t *)"", 0);
	if (socknet_of(nd)->lenhave > 0 || bad) {
		nd->state = ND_CONNECTED;
		if (socknet_of(nd)->rf != NULL)
			frame_unref(socknet_of(nd)->rf);
		socknet_of(nd)->rf = NULL;
		socknet_of(nd)->lenhave = socknet_of(nd)->need = socknet_of(nd)->got = 0;
	}
	/* Let the frames travel, so none piles up between inputs. */
	loop_run(s->loop, loop_now(s->loop) + NS_PER_SEC);
	return 0;
}

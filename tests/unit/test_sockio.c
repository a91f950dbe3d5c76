/* QEMU's stream framing as sockio reads it (sockio_stream_input): a
 * 4-byte big-endian length, then the frame, in any split across reads;
 * lengths of 0, below 14 and above 69632 drop the peer, counted. */
#include "testutil.h"
#include "../../src/backends/sockio.h"
#include "../../src/app/sim.h"

#define TOPO "[netdev n]\ntype = socket\nlisten = 127.0.0.1:1\nvlan = 0\n"

struct world {
	struct sim *s;
	struct netdev *nd;
	char *path;
};

static struct world *world_new(void)
{
	struct world *w = xcalloc(1, sizeof(*w));

	w->path = write_tmp(TOPO);
	w->s = sim_new(1);
	w->s->out = fopen("/dev/null", "w");
	assert_int_equal(topo_load(w->s, w->path, stderr), 0);
	w->nd = w->s->netdevs[0];
	w->nd->state = ND_CONNECTED;        /* as if a peer had connected */
	return w;
}

static void world_free(struct world *w)
{
	fclose(w->s->out);
	w->s->out = stdout;
	sim_free(w->s);
	unlink(w->path);
	free(w->path);
	free(w);
}

/* Length word and frame bytes for a frame of len bytes (pattern fill). */
static size_t put_frame(uint8_t *buf, uint32_t len)
{
	wr32(buf, len);
	for (uint32_t i = 0; i < len; i++)
		buf[4 + i] = (uint8_t)(i * 7);
	return 4 + len;
}

static void test_any_split(void **state)
{
	struct world *w = world_new();
	uint8_t buf[256];
	size_t n = put_frame(buf, 60);

	(void)state;
	n += put_frame(buf + n, 100);
	/* One byte at a time, then both at once: four frames in all. */
	for (size_t i = 0; i < n; i++)
		assert_int_equal(sockio_stream_input(w->nd, buf + i, 1), 0);
	assert_int_equal(w->nd->port->st.tx_frames, 2);
	assert_int_equal(w->nd->port->st.tx_bytes, 160);
	assert_int_equal(sockio_stream_input(w->nd, buf, n), 0);
	assert_int_equal(w->nd->port->st.tx_frames, 4);
	/* Split inside the length word and inside the frame. */
	assert_int_equal(sockio_stream_input(w->nd, buf, 2), 0);
	assert_int_equal(sockio_stream_input(w->nd, buf + 2, 30), 0);
	assert_true(socknet_of(w->nd)->lenhave == 4 && socknet_of(w->nd)->got == 28);
	assert_int_equal(sockio_stream_input(w->nd, buf + 32, 32), 0);
	assert_int_equal(w->nd->port->st.tx_frames, 5);
	assert_int_equal(socknet_of(w->nd)->lenhave, 0);
	assert_int_equal(w->nd->st.bad_length, 0);
	world_free(w);
}

static void test_bad_lengths_drop_the_peer(void **state)
{
	static const uint32_t bad[] = { 0, 13, 69633, 0xffffffffu };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct world *w = world_new();
		uint8_t word[4];

		wr32(word, bad[i]);
		assert_int_equal(sockio_stream_input(w->nd, word, 4), -1);
		assert_int_equal(w->nd->st.bad_length, 1);
		assert_int_equal(w->nd->st.peers_dropped, 1);
		assert_int_equal(port_drops(w->nd->port, DROP_BAD_LENGTH), 1);
		assert_int_equal(w->nd->state, ND_LISTENING);   /* waiting for the next peer */
		assert_int_equal(w->nd->port->st.tx_frames, 0);
		world_free(w);
	}
}

static void test_limits_are_inclusive(void **state)
{
	struct world *w = world_new();
	uint8_t *buf = xmalloc(4 + 69632);

	(void)state;
	put_frame(buf, 14);
	assert_int_equal(sockio_stream_input(w->nd, buf, 18), 0);
	put_frame(buf, 69632);
	assert_int_equal(sockio_stream_input(w->nd, buf, 4 + 69632), 0);
	assert_int_equal(w->nd->port->st.tx_frames, 2);
	assert_int_equal(w->nd->st.bad_length, 0);
	free(buf);
	world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_any_split),
		cmocka_unit_test(test_bad_lengths_drop_the_peer),
		cmocka_unit_test(test_limits_are_inclusive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Hop filters (app/hopfilter.c): qnetsim's words, tcpdump's after them,
 * and the errors for what neither understands. */
#include "../../src/app/hopfilter.h"
#include "../../src/app/sim.h"
#include "testutil.h"

static const char *topo =
	"[bridge br0]\n"
	"[guest a]\nnic = model=e1000\nip = 10.0.0.1/24\n"
	"[guest b]\nnic = model=e1000\nip = 10.0.0.2/24\n"
	"[link]\na = a\nb = br0\n"
	"[link]\na = b\nb = br0\n";

static struct sim *s;
static pcap_t *dead;

static int setup(void **state)
{
	(void)state;
	s = load_topology(topo, stderr);
	dead = pcap_open_dead(DLT_EN10MB, 65535);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pcap_close(dead);
	sim_free(s);
	return 0;
}

/* A hop at port `port`: an ARP broadcast or an ICMP frame. */
static struct trace_rec hop(const char *port, enum decision d, int reason, uint64_t id, bool icmp)
{
	struct trace_rec r = { .frame_id = id, .decision = (uint8_t)d, .reason = (uint8_t)reason,
			       .len = 60 };
	struct node *n = NULL;

	for (uint32_t i = 0; i < s->g->nports; i++)
		if (strcmp(s->g->ports[i]->name, port) == 0) {
			r.port = i;
			n = s->g->ports[i]->node;
		}
	assert_non_null(n);
	memset(r.hdr, 0xff, 6);
	r.hdr[12] = 0x08;
	r.hdr[13] = icmp ? 0x00 : 0x06;
	if (icmp) {
		r.hdr[14] = 0x45;
		r.hdr[23] = 1;          /* protocol ICMP */
	}
	return r;
}

static bool m(const char *expr, struct trace_rec r)
{
	struct hop_filter hf;
	char err[ERRLEN];
	bool ok;

	assert_int_equal(hop_filter_parse(&hf, s->g, dead, expr, err), 0);
	ok = hop_filter_match(&hf, s->g, &r);
	hop_filter_free(&hf);
	return ok;
}

static void test_words(void **state)
{
	struct trace_rec drop = hop("br0.2", DEC_DROPPED, DROP_VLAN, 7, false);
	struct trace_rec flood = hop("br0.1", DEC_FLOODED_BCAST, 0, 3, false);
	struct trace_rec ping = hop("a.nic0", DEC_SENT, 0, 9, true);

	(void)state;
	assert_true(m("dropped", drop));
	assert_false(m("dropped", flood));
	assert_true(m("flooded", flood));
	assert_true(m("dropped flooded", flood));       /* any of them */
	assert_true(m("reason vlan", drop));
	assert_false(m("reason not_for_us", drop));
	assert_true(m("node br0", flood));
	assert_false(m("node a", flood));
	assert_true(m("port br0.2", drop));
	assert_false(m("port br0.2", flood));
	assert_true(m("frame 7", drop));
	assert_true(m("#3", flood));
	assert_false(m("frame 3", drop));
	/* tcpdump's after the words, with or without "and". */
	assert_true(m("icmp", ping));
	assert_false(m("icmp", flood));
	assert_true(m("node a and icmp", ping));
	assert_true(m("sent icmp", ping));
	assert_false(m("node br0 and icmp", ping));
	assert_true(m("arp", flood));
	assert_true(m("port 53 or arp", flood));        /* a number: tcpdump's port */
}

static void test_errors(void **state)
{
	struct hop_filter hf;
	char err[ERRLEN];

	(void)state;
	assert_int_equal(hop_filter_parse(&hf, s->g, dead, "reason bogus", err), -1);
	assert_non_null(strstr(err, "reason 'bogus': not a drop reason"));
	assert_int_equal(hop_filter_parse(&hf, s->g, dead, "node nosuch", err), -1);
	assert_string_equal(err, "node 'nosuch': no node of that name");
	assert_int_equal(hop_filter_parse(&hf, s->g, dead, "port nosuch.1", err), -1);
	assert_non_null(strstr(err, "port 'nosuch.1': no port of that name"));
	assert_int_equal(hop_filter_parse(&hf, s->g, dead, "dropped and frobnicate", err), -1);
	assert_non_null(strstr(err, "'frobnicate': "));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/* Expectations (expect_eval) after a real run: every kind of left-hand
 * side (guest, port, bridge, hub, netdev), units on the right, the
 * operators, --check's placeholders, and errors that list the names the
 * value tables hold. */
#include "testutil.h"
#include "../../src/app/sim.h"

static const char *topo =
	"[bridge br0]\n"
	"[hub h]\n"
	"[guest a]\nnic = model=e1000\nip = 10.0.0.1/24\n"
	"[guest b]\nnic = model=e1000\nip = 10.0.0.2/24\n"
	"[guest c]\nnic = model=e1000,vlan=3\nip = 10.0.0.3/24\n"
	"[netdev hp]\ntype = hubport\nhubid = 3\n"
	"[guest d]\nnic = model=e1000,netdev=hp\nip = 10.0.0.4/24\n"
	"[link]\na = a\nb = br0\n"
	"[link]\na = b\nb = h\n"
	"[link]\na = h\nb = br0\n"
	"[scenario]\nduration = 5s\nat 0s = a ping 10.0.0.2 count=3\nat 0s = c ping 10.0.0.4 count=2\n";

static struct sim *s;
static char *path;

static int setup(void **state)
{
	char err[ERRLEN];

	(void)state;
	path = write_tmp(topo);
	s = sim_new(1);
	s->out = fopen("/dev/null", "w");
	assert_int_equal(topo_load(s, path, stderr), 0);
	assert_int_equal(sim_open(s, err), 0);
	assert_false(sim_is_real(s));       /* hubports stay in the process */
	sim_start(s);
	sim_run(s);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fclose(s->out);
	s->out = stdout;
	sim_free(s);
	unlink(path);
	free(path);
	return 0;
}

/* expect_eval's verdict, and the actual value or the error in *text. */
static int eval(const char *expr, bool check, char *text)
{
	char err[ERRLEN] = "";
	int r = expect_eval(s, expr, check, text, 256, err);

	if (r < 0)
		snprintf(text, 256, "%s", err);
	return r;
}

static void test_values_and_operators(void **state)
{
	char t[256];

	(void)state;
	assert_int_equal(eval("a.ping.received == 3", false, t), 1);
	assert_string_equal(t, "3");
	assert_int_equal(eval("a.ping.loss == 0%", false, t), 1);
	assert_int_equal(eval("a.ping.rtt_max < 1s", false, t), 1);
	assert_int_equal(eval("a.ping.rtt_max > 1s", false, t), 0);
	assert_int_equal(eval("c.ping.received == 2", false, t), 1);    /* through the hubport */
	assert_int_equal(eval("br0.1.link == on", false, t), 1);        /* on means up */
	assert_int_equal(eval("br0.1.rx_frames >= 3", false, t), 1);
	assert_int_equal(eval("br0.flooded > 0", false, t), 1);
	assert_int_equal(eval("h.flooded > 0", false, t), 1);
	assert_int_equal(eval("br0.fdb[52:54:00:12:34:56] == br0.1", false, t), 1);
	assert_int_equal(eval("br0.fdb[52:54:00:99:99:99] == none", false, t), 1);
	assert_int_equal(eval("hp.state == open", false, t), 1);
	assert_int_equal(eval("hp.1.tx_frames > 0", false, t), 1);
	assert_int_equal(eval("a.ip contains 10.0.0", false, t), 1);
	assert_int_equal(eval("b.udp.sent == 0", false, t), 1);
	assert_int_equal(eval("a.ping.received != 3", false, t), 0);
	assert_int_equal(eval("a.ping.dst == 10.0.0.2", false, t), 1);
	assert_int_equal(eval("a.ping.count == 3", false, t), 1);
	/* b pinged no one: all lost, and no round-trip time to pass a bound. */
	assert_int_equal(eval("b.ping.loss == 100%", false, t), 1);
	assert_int_equal(eval("b.ping.rtt_avg < 5ms", false, t), 0);
	assert_string_equal(t, "none");
	assert_int_equal(eval("b.tcp[1].state == none", false, t), 1);
	assert_int_equal(eval("a.ip == 10.0.0.1", false, t), 1);
	assert_int_equal(eval("a.ip.0 == 10.0.0.1", false, t), 1);
	assert_int_equal(eval("a.gateway == none", false, t), 1);
}

static void test_errors_list_the_tables(void **state)
{
	char t[256];

	(void)state;
	assert_int_equal(eval("br0.1.rx_fraems == 1", false, t), -1);
	assert_string_equal(t, "unknown port field 'rx_fraems' (rx_frames, rx_bytes, tx_frames, "
			       "tx_bytes, drops, link, queue, drops.REASON, impair.COUNTER, "
			       "stp.VALUE)");
	assert_int_equal(eval("br0.forwarded_all > 1", false, t), -1);
	assert_non_null(strstr(t, "unknown bridge value 'forwarded_all' (frames, forwarded, "));
	assert_non_null(strstr(t, "flooded, fdb[MAC], fdb.size, stp.VALUE)"));
	assert_int_equal(eval("hp.bogus == 1", false, t), -1);
	assert_non_null(strstr(t, "netdev hp has no value 'bogus' (its port: hp.0): state, "
				  "connects, disconnects,"));
	assert_int_equal(eval("br0.vde.clients == 0", false, t), -1);
	assert_string_equal(t, "'br0.vde.clients': br0 serves no VDE switch (vde = DIR)");
	assert_int_equal(eval("a.udp.lost == 0", false, t), -1);
	assert_string_equal(t, "unknown udp field 'lost' (sent, received, echoed)");
	assert_int_equal(eval("a.ping.rtt == 1", false, t), -1);
	assert_string_equal(t, "unknown ping field 'rtt' (dst, started_ms, count, size, sent, "
			       "received, dups, loss, rtt_min, rtt_avg, rtt_max)");
	assert_int_equal(eval("a.tcp[1].bogus == 1", true, t), -1);
	assert_non_null(strstr(t, "unknown tcp field 'bogus' (id, state, local, remote, "));
	assert_int_equal(eval("a.bogus == 1", false, t), -1);
	assert_non_null(strstr(t, "unknown guest value 'bogus' (ping.FIELD, ping[IP].FIELD, "
				  "udp.FIELD, arp[IP], ip.N, dhcp.FIELD, tcp[ID].FIELD, "
				  "resolve[NAME], ip, gateway, gw, dns; netns guests: "));
	/* A value of another kind of guest: the error lists each kind's own. */
	assert_int_equal(eval("a.exec[0].state == exited", false, t), -1);
	assert_non_null(strstr(t, "; netns guests: exec[N].state|status|output|cmd, netns)"));
	assert_int_equal(eval("br0.1.drops.bogus == 0", false, t), -1);
	assert_int_equal(eval("br0.1.stp.state == forwarding", false, t), -1);
	assert_int_equal(eval("a.ping.received ~ 3", false, t), -1);
	assert_int_equal(eval("nosuch.x == 1", false, t), -1);
	assert_string_equal(t, "'nosuch.x': no node or port named 'nosuch'");
}

static void test_check_mode(void **state)
{
	char t[256];

	(void)state;
	/* --check validates names and types without a run behind them. */
	assert_int_equal(eval("br0.fdb[52:54:00:12:34:56] == br0.1", true, t), 1);
	assert_int_equal(eval("a.ping.received > 1", true, t), 1);
	assert_int_equal(eval("br0.1.link > up", true, t), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_and_operators),
		cmocka_unit_test(test_errors_list_the_tables),
		cmocka_unit_test(test_check_mode),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/* Commands: the same functions check (at load) and run; info views in
 * QEMU's layout; set_link, MAC table commands, ping, capture, expect. */
#include "testutil.h"
#include "../../src/app/sim.h"

static const char *topo =
	"[bridge br0]\n"
	"[guest a]\nnic = model=e1000\nip = 10.0.0.1/24\n"
	"[guest b]\nnic = model=rtl8139,vlan=3\nip = 10.0.0.2/24\n"
	"[guest c]\nnic = model=e1000\nip = 10.0.0.3/24\n"
	"[link]\na = a\nb = br0\n"
	"[link]\na = vlan3\nb = br0\n"
	"[link]\na = c\nb = br0\n";

static struct sim *mksim(void)
{
	char *path = write_tmp(topo);
	struct sim *s = sim_new(1);

	assert_int_equal(topo_load(s, path, stderr), 0);
	unlink(path);
	free(path);
	s->out = fopen("/dev/null", "w");
	sim_start(s);
	return s;
}

static void freesim(struct sim *s)
{
	fclose(s->out);
	sim_free(s);
}

/* Runs a command and returns its output (static buffer). */
static const char *run(struct sim *s, const char *cmd, int want_rc)
{
	static char buf[8192];
	char err[ERRLEN] = "";
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	int rc;

	memset(buf, 0, sizeof(buf));
	rc = cmd_exec(s, cmd, f, false, err);
	fclose(f);
	if (rc != want_rc)
		fail_msg("'%s' returned %d (%s), wanted %d", cmd, rc, err, want_rc);
	if (rc < 0)
		snprintf(buf, sizeof(buf), "%s", err);
	return buf;
}

static void test_info_network_layout(void **state)
{
	struct sim *s = mksim();
	const char *out = run(s, "info network", 0);

	(void)state;
	/* Explicit links come first: vlan3.1 is the cable to br0, then b's NIC. */
	assert_non_null(strstr(out, "hub 3 (vlan3)\n \\ vlan3.1: br0.2: type=bridge,link=up,"
				    "rate=1Gbit/s\n \\ vlan3.2: b.nic0: type=nic,model=rtl8139,"
				    "macaddr=52:54:00:12:34:57,ip=10.0.0.2/24,link=up,rate=100Mbit/s\n"));
	assert_non_null(strstr(out, " \\ br0.2: vlan3.1: type=hub,link=up,rate=1Gbit/s\n"));
	freesim(s);
}

static void test_ping_and_tables(void **state)
{
	struct sim *s = mksim();
	const char *out;

	(void)state;
	out = run(s, "a ping 10.0.0.2 count=2 interval=100ms", 0);
	assert_non_null(strstr(out, "a: PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.\n"));
	loop_run(s->loop, 2 * NS_PER_SEC);
	out = run(s, "info pings a", 0);
	assert_non_null(strstr(out, "ping 10.0.0.2: 2 sent, 2 received, 0% loss"));
	out = run(s, "info mac br0", 0);
	assert_non_null(strstr(out, "br0: 2 entries"));
	assert_non_null(strstr(out, "52:54:00:12:34:56 1    br0.1"));
	assert_non_null(strstr(out, "52:54:00:12:34:57 1    br0.2"));
	out = run(s, "info arp a", 0);
	assert_non_null(strstr(out, "10.0.0.2        52:54:00:12:34:57 nic0     reachable"));
	assert_int_equal(run(s, "expect br0.fdb[52:54:00:12:34:57] == br0.2", 0)[0], 'e');
	run(s, "expect br0.fdb[52:54:00:12:34:57] == br0.1", 1);
	run(s, "mac_add br0 52:54:00:00:00:99 br0.3 vlan=5", 0);
	run(s, "expect br0.fdb[52:54:00:00:00:99,vlan=5] == br0.3", 0);
	out = run(s, "mac_flush br0", 0);
	assert_non_null(strstr(out, "flushed 2 entries"));
	run(s, "expect br0.fdb.size == 1", 0);
	run(s, "mac_del br0 52:54:00:00:00:99 vlan=5", 0);
	run(s, "mac_del br0 52:54:00:00:00:99 vlan=5", -1);
	freesim(s);
}

/* A ping prints what ping(8) prints: each reply, each unanswered request
 * (as ping -O), an unreachable host, and the statistics. */
static void test_ping_prints_like_ping8(void **state)
{
	struct sim *s = mksim();
	static char buf[8192];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	(void)state;
	fclose(s->out);
	s->out = f;
	s->show_time = false;
	run(s, "a ping 10.0.0.3 count=3 interval=100ms", 0);
	run(s, "a ping 10.0.0.9 count=2", 0);
	loop_run(s->loop, 10 * NS_PER_SEC);
	fflush(f);
	assert_non_null(strstr(buf, "a: 64 bytes from 10.0.0.3: icmp_seq=0 ttl=64 time="));
	assert_non_null(strstr(buf, "a: 64 bytes from 10.0.0.3: icmp_seq=2 ttl=64 time="));
	assert_non_null(strstr(buf, "a: --- 10.0.0.3 ping statistics ---\n"
				    "a: 3 packets transmitted, 3 received, 0% packet loss, time 200ms\n"
				    "a: rtt min/avg/max/mdev = "));
	/* Nobody has 10.0.0.9: ARP gives up after 3 tries. */
	assert_non_null(strstr(buf, "a: no answer yet for icmp_seq=0\n"));
	assert_non_null(strstr(buf, "a: From 10.0.0.1 icmp_seq=1 Destination Host Unreachable\n"));
	assert_non_null(strstr(buf, "a: --- 10.0.0.9 ping statistics ---\n"
				    "a: 2 packets transmitted, 0 received, +2 errors, 100% packet loss, "
				    "time 1000ms\n"));
	assert_null(strstr(buf, "rtt min/avg/max/mdev = 0.000"));
	freesim(s);
}

static void test_set_link_and_expect(void **state)
{
	struct sim *s = mksim();

	(void)state;
	run(s, "set_link c off", 0);   /* a one-NIC guest's name means its NIC */
	run(s, "expect c.nic0.link == down", 0);
	run(s, "expect br0.3.link == off", 0);
	run(s, "expect br0.3.link == up", 1);
	run(s, "set_link c.nic0 on", 0);
	run(s, "expect c.nic0.link == up", 0);
	run(s, "expect a.nic0.tx_frames < 1", 0);
	run(s, "expect a.nic0.drops.link_down == 0", 0);
	freesim(s);
}

static void test_errors_and_check(void **state)
{
	struct sim *s = mksim();
	char err[ERRLEN];
	FILE *null = fopen("/dev/null", "w");
	struct {
		const char *cmd, *want;
	} bad[] = {
		{ "frobnicate", "unknown command 'frobnicate'" },
		{ "set_link nowhere off", "no port named 'nowhere'" },
		{ "set_link a.nic0 sideways", "'sideways' is not on or off" },
		{ "ping a 10.0.0.999", "not an IPv4 address" },
		{ "ping a 10.0.0.2 colour=red", "unknown option 'colour'" },
		{ "ping a 10.0.0.2 size=9000", "out of range" },
		{ "udp a 10.0.0.2", "needs a port" },
		{ "info mac nobridge", "no bridge named 'nobridge'" },
		{ "capture a.nic0 /tmp/x.pcap port 80 and", "capture filter" },
		{ "expect a.nic0.rx_frames ~ 3", "unknown operator" },
		{ "expect a.nic0.colour == 3", "unknown port field 'colour'" },
		{ "mac_add br0 01:00:5e:00:00:01 br0.1", "not a unicast MAC" },
		{ "mac_add br0 52:54:00:00:00:01 a.nic0", "a.nic0 is not a port of br0" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		/* Both check mode and run mode reject it, with the same words. */
		if (cmd_exec(s, bad[i].cmd, null, true, err) != -1 || strstr(err, bad[i].want) == NULL)
			fail_msg("check '%s': got '%s'", bad[i].cmd, err);
		if (cmd_exec(s, bad[i].cmd, null, false, err) != -1 || strstr(err, bad[i].want) == NULL)
			fail_msg("run '%s': got '%s'", bad[i].cmd, err);
	}
	/* Check mode does not act. */
	assert_int_equal(cmd_exec(s, "set_link a.nic0 off", null, true, err), 0);
	assert_true(port_link_up(sim_guest(s, "a")->nics[0]->port));
	fclose(null);
	freesim(s);
}

static void test_capture(void **state)
{
	struct sim *s = mksim();
	const char *out;
	char path[] = "/tmp/qnetsim-test-capture.pcap";
	char cmd[128];
	FILE *f;
	uint8_t hdr[24];

	(void)state;
	snprintf(cmd, sizeof(cmd), "capture br0.1 %s icmp[icmptype] == icmp-echo", path);
	run(s, cmd, 0);
	run(s, "ping a 10.0.0.3 count=3", 0);
	loop_run(s->loop, 5 * NS_PER_SEC);
	out = run(s, "capture_stop br0.1", 0);
	/* Only the three echo requests pass the filter (not ARP, not replies). */
	assert_non_null(strstr(out, "capture stopped, 3 frames"));
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(hdr, 1, 24, f), 24);
	fclose(f);
	/* pcap with nanosecond timestamps, Ethernet link type. */
	assert_int_equal(hdr[0] | hdr[1] << 8 | hdr[2] << 16 | (uint32_t)hdr[3] << 24, 0xa1b23c4d);
	assert_int_equal(hdr[20], 1);
	run(s, "capture_stop br0.1", -1);
	unlink(path);
	freesim(s);
}

/* A command of the wrong form prints the usage its table entry gives, so
 * the two can no longer disagree; "GUEST cmd ..." still works. */
static void test_usage_from_table(void **state)
{
	static const char *const wrong[] = {
		"exec", "info", "info network extra more", "hostfwd_add", "set_link a.nic0",
		"impair", "flap a.nic0", "ping a", "udp a", "tcp_connect a", "tcp_send a 1",
		"tcp_close a", "tcp_abort a 1 2", "tcp_listen a", "resolve a", "dhcp a",
		"mac_flush", "mac_add br0 52:54:00:00:00:09", "mac_del br0", "capture a.nic0",
		"capture_stop", "capture_stop a.nic0 b.nic0", "expect", "quit now",
	};
	struct sim *s = mksim();
	char err[ERRLEN], want[ERRLEN], name[32];
	FILE *null = fopen("/dev/null", "w");
	size_t nguest = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(wrong); i++) {
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(wrong[i], " "), wrong[i]);
		snprintf(want, sizeof(want), "usage: %s", cmd_usage(name));
		if (cmd_exec(s, wrong[i], null, true, err) != -1 || strcmp(err, want) != 0)
			fail_msg("'%s': wanted '%s', got '%s'", wrong[i], want, err);
	}
	/* Every command in the table, and the guest-first ones among them. */
	for (size_t i = 0; cmd_name(i) != NULL; i++)
		assert_non_null(cmd_usage(cmd_name(i)));
	while (cmd_guest_name(nguest) != NULL)
		nguest++;
	assert_int_equal(nguest, 10);
	/* info's words: its usage names each, an unknown one lists them all. */
	assert_int_equal(cmd_exec(s, "info colours", null, true, err), -1);
	for (size_t i = 0; cmd_info_word(i) != NULL; i++) {
		const char *w = cmd_info_word(i);

		if (strstr(cmd_usage("info"), w) == NULL || strstr(err, w) == NULL)
			fail_msg("info %s: missing from '%s' or '%s'", w, cmd_usage("info"), err);
	}
	assert_true(cmd_info_takes_guest("arp") && cmd_info_takes_guest("kernel"));
	assert_false(cmd_info_takes_guest("mac"));
	assert_int_equal(cmd_exec(s, "a ping 10.0.0.2 count=1", null, true, err), 0);
	assert_int_equal(cmd_exec(s, "a exec true", null, true, err), -1);
	assert_non_null(strstr(err, "netns"));
	fclose(null);
	freesim(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_info_network_layout),
		cmocka_unit_test(test_ping_and_tables),
		cmocka_unit_test(test_ping_prints_like_ping8),
		cmocka_unit_test(test_set_link_and_expect),
		cmocka_unit_test(test_errors_and_check),
		cmocka_unit_test(test_capture),
		cmocka_unit_test(test_usage_from_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The prompt's Tab completion on a real topology: command names, guest
 * names (for "vm1 ping"), info subcommands, on/off, node and port names,
 * the guests' addresses where an address goes; longest common prefix when
 * several match, the list of candidates, and no change when nothing
 * matches.
 */
#include "../../src/tui/tui.h"
#include "testutil.h"

static const char two_guests[] =
	"[bridge br0]\n"
	"[guest vm1]\nnic = model=e1000\nip = 10.0.0.1/24\n"
	"[guest vm2]\nnic = model=e1000\nip = 10.0.0.2/24\n"
	"[link]\na = vm1\nb = br0\n"
	"[link]\na = vm2\nb = br0\n";

static struct sim *load_text(const char *text)
{
	return load_topology(text, stderr);
}

static struct sim *load(void)
{
	return load_text(two_guests);
}

/* Completes `in` with the cursor at its end; returns the candidates. */
static int complete(struct sim *s, const char *in, char *out, char *list)
{
	int len, cur, n;

	snprintf(out, PROMPT_MAX, "%s", in);
	len = cur = (int)strlen(out);
	n = prompt_complete(s, out, &len, &cur, list, 512);
	assert_int_equal(len, (int)strlen(out));
	assert_int_equal(cur, len);
	return n;
}

static void test_completion(void **state)
{
	struct sim *s = load();
	char out[PROMPT_MAX], list[512];

	(void)state;
	/* One command: completed, with a space. */
	assert_int_equal(complete(s, "set_l", out, list), 1);
	assert_string_equal(out, "set_link ");
	/* "mac_" matches mac_flush, mac_add, mac_del: common prefix only. */
	assert_int_equal(complete(s, "mac_", out, list), 3);
	assert_string_equal(out, "mac_");
	assert_non_null(strstr(list, "mac_flush"));
	assert_non_null(strstr(list, "mac_del"));
	/* Guests complete as a first word (vm1 ping ...). */
	assert_int_equal(complete(s, "vm", out, list), 2);
	assert_string_equal(out, "vm");
	assert_int_equal(complete(s, "vm1 p", out, list), 1);
	assert_string_equal(out, "vm1 ping ");
	/* info subcommands. */
	assert_int_equal(complete(s, "info ne", out, list), 1);
	assert_string_equal(out, "info network ");
	/* Ports, then on/off. */
	assert_int_equal(complete(s, "set_link br0.", out, list), 2);
	assert_string_equal(out, "set_link br0.");
	assert_int_equal(complete(s, "set_link vm2.n", out, list), 1);
	assert_string_equal(out, "set_link vm2.nic0 ");
	assert_int_equal(complete(s, "set_link vm2.nic0 of", out, list), 1);
	assert_string_equal(out, "set_link vm2.nic0 off ");
	/* The argument's kind: bridges for mac_flush and info mac, guests
	 * for ping and info arp, ports for set_link. */
	assert_int_equal(complete(s, "mac_flush b", out, list), 1);
	assert_string_equal(out, "mac_flush br0 ");
	assert_int_equal(complete(s, "info mac ", out, list), 1);
	assert_string_equal(out, "info mac br0 ");
	assert_int_equal(complete(s, "ping v", out, list), 2);
	assert_int_equal(complete(s, "info arp vm2", out, list), 1);
	assert_string_equal(out, "info arp vm2 ");
	assert_int_equal(complete(s, "set_link v", out, list), 2);
	assert_string_equal(out, "set_link vm");
	assert_string_equal(list, "vm1.nic0 vm2.nic0");
	/* Elsewhere: any node or port. */
	assert_int_equal(complete(s, "mac_add br0 52:54:00:00:00:99 br0.", out, list), 2);
	/* Nothing matches: unchanged. */
	assert_int_equal(complete(s, "frobnicate", out, list), 0);
	assert_string_equal(out, "frobnicate");
	sim_free(s);
}

/* Completing in the middle of a line inserts at the cursor. */
static void test_completion_mid_line(void **state)
{
	struct sim *s = load();
	char buf[PROMPT_MAX] = "set_l br0.1 off";
	int len = (int)strlen(buf), cur = 5;

	(void)state;
	assert_int_equal(prompt_complete(s, buf, &len, &cur, NULL, 0), 1);
	assert_string_equal(buf, "set_link  br0.1 off");
	assert_int_equal(cur, 9);
	sim_free(s);
}

/* Where an address goes, the candidates are the other guests'
 * addresses, never node or port names. */
static void test_completion_addresses(void **state)
{
	struct sim *s = load();
	char out[PROMPT_MAX], list[512];

	(void)state;
	/* ping GUEST ADDRESS: vm2's address, not vm1's own. */
	assert_int_equal(complete(s, "ping vm1 ", out, list), 1);
	assert_string_equal(out, "ping vm1 10.0.0.2 ");
	assert_int_equal(complete(s, "vm1 ping ", out, list), 1);
	assert_string_equal(out, "vm1 ping 10.0.0.2 ");
	assert_int_equal(complete(s, "ping vm2 10.", out, list), 1);
	assert_string_equal(out, "ping vm2 10.0.0.1 ");
	/* No node names where an address goes. */
	assert_int_equal(complete(s, "ping vm1 v", out, list), 0);
	assert_string_equal(out, "ping vm1 v");
	assert_int_equal(complete(s, "ping vm1 b", out, list), 0);
	/* ADDRESS:PORT: the colon follows, ready for the port. */
	assert_int_equal(complete(s, "udp vm2 ", out, list), 1);
	assert_string_equal(out, "udp vm2 10.0.0.1:");
	assert_int_equal(complete(s, "vm1 tcp_connect 1", out, list), 1);
	assert_string_equal(out, "vm1 tcp_connect 10.0.0.2:");
	/* After the address, the command's options. */
	assert_int_equal(complete(s, "ping vm1 10.0.0.2 co", out, list), 1);
	assert_string_equal(out, "ping vm1 10.0.0.2 count=");
	assert_int_equal(complete(s, "ping vm1 10.0.0.2 v", out, list), 0);
	sim_free(s);

	/* Several addresses: their common prefix and the list. */
	s = load_text("[bridge br0]\n"
		      "[guest vm1]\nnic = model=e1000\nip = 10.0.0.1/24\n"
		      "[guest vm2]\nnic = model=e1000\nip = 10.0.0.2/24\n"
		      "[guest vm3]\nnic = model=e1000\nip = 10.0.0.3/24\n"
		      "[link]\na = vm1\nb = br0\n"
		      "[link]\na = vm2\nb = br0\n"
		      "[link]\na = vm3\nb = br0\n");
	assert_int_equal(complete(s, "ping vm1 ", out, list), 2);
	assert_string_equal(out, "ping vm1 10.0.0.");
	assert_string_equal(list, "10.0.0.2 10.0.0.3");
	sim_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_completion),
		cmocka_unit_test(test_completion_mid_line),
		cmocka_unit_test(test_completion_addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

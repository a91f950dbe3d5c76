/* Topology loader: what a good file builds, and that each mistake is
 * reported as file:line: message. */
#include "testutil.h"
#include "../../src/app/sim.h"

/* Loads len bytes of text (NULs too); returns the error count and the
 * messages in errs. */
static int load_bytes(const char *text, size_t len, struct sim **out, char *errs,
		      size_t errlen)
{
	char *path = xstrdup("/tmp/qnetsim-test-XXXXXX.ini");
	int fd = mkstemps(path, 4);
	FILE *f = fmemopen(errs, errlen, "w");
	struct sim *s = sim_new(1);
	int n;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	memset(errs, 0, errlen);
	n = topo_load(s, path, f);
	fclose(f);
	unlink(path);
	free(path);
	*out = s;
	return n;
}

static int load(const char *text, struct sim **out, char *errs, size_t errlen)
{
	return load_bytes(text, strlen(text), out, errs, errlen);
}

static void test_builds_graph(void **state)
{
	struct sim *s;
	char errs[2048];
	struct guest *vm1, *vm2;

	(void)state;
	assert_int_equal(load("; seed 000\n"
			      "[guest vm1]\n"
			      "nic = model=pcnet\n"
			      "nic = -net nic,model=rtl8139,vlan=1,addr=08\n"
			      "ip = 10.0.0.1/24\n"
			      "ip.1 = 10.0.1.1/255.255.255.0\n"
			      "[guest vm2]\n"
			      "nic = model=virtio,vlan=1,macaddr=52:54:00:12:34:56,id=eth0\n"
			      "ip.eth0 = 10.0.1.2/24\n"
			      "[bridge br0]\n"
			      "ageing = 10\n"
			      "max_entries = 8\n",
			      &s, errs, sizeof(errs)),
			 0);
	vm1 = sim_guest(s, "vm1");
	vm2 = sim_guest(s, "vm2");
	assert_non_null(vm1);
	assert_int_equal(vm1->nnics, 2);
	assert_string_equal(vm1->nics[0]->model->name, "pcnet");
	/* 52:54:00:12:34:56 is taken explicitly by vm2, so autos skip it. */
	assert_int_equal(mac_to_u64(vm1->nics[0]->mac), 0x525400123457ULL);
	assert_int_equal(mac_to_u64(vm1->nics[1]->mac), 0x525400123458ULL);
	assert_int_equal(vm1->nics[1]->prefix, 24);
	assert_string_equal(vm2->nics[0]->id, "eth0");
	assert_string_equal(vm2->nics[0]->model->name, "virtio-net-pci");
	assert_int_equal(vm2->nics[0]->ip, 0x0a000102);
	/* vlan 0 and vlan 1 hubs exist; vm1.nic1 and vm2.eth0 share vlan1. */
	assert_non_null(sim_hub(s, "vlan0"));
	assert_int_equal(sim_hub(s, "vlan1")->node.nports, 2);
	assert_ptr_equal(port_peer(vm1->nics[1]->port)->node, &sim_hub(s, "vlan1")->node);
	/* A link runs at the slower end's speed: pcnet is 10 Mbit/s. */
	assert_int_equal(vm1->nics[0]->port->link->rate, 10000000);
	assert_int_equal(fdb_max(sim_bridge(s, "br0")->fdb), 8);
	assert_int_equal(fdb_ageing(sim_bridge(s, "br0")->fdb), 10 * NS_PER_SEC);
	sim_free(s);
}

static void test_links_and_ports(void **state)
{
	struct sim *s;
	char errs[2048];
	struct port *p;

	(void)state;
	assert_int_equal(load("[bridge br0]\n[bridge br1]\n"
			      "[guest a]\nnic = model=e1000\n"
			      "[link]\na = a\nb = br0.3\ndelay = 5ms\nloss = 1%\nrate = 64k\n"
			      "[link]\na = br0\nb = br1\nstate = down\n",
			      &s, errs, sizeof(errs)),
			 0);
	p = graph_find_port(s->g, "br0.3");
	assert_non_null(p);
	assert_int_equal(sim_bridge(s, "br0")->node.nports, 4);
	assert_int_equal(link_dir_impair(&p->link->dir[0])->delay, 5 * NS_PER_MS);
	assert_int_equal(p->link->rate, 64000);
	assert_true(link_dir_impair(&p->link->dir[1])->loss > 0.0099 && link_dir_impair(&p->link->dir[1])->loss < 0.0101);
	p = graph_find_port(s->g, "br0.4");
	assert_false(port_link_up(p));
	assert_string_equal(port_peer(p)->name, "br1.1");
	sim_free(s);
}

struct bad {
	const char *text;
	const char *want;       /* a substring of "file:line: message" after the path */
};

/* Loads each case; each must fail with its message, after the file name. */
static void expect_errors(const struct bad *cases, size_t ncases)
{
	char errs[2048];
	struct sim *s;

	for (size_t i = 0; i < ncases; i++) {
		int n = load(cases[i].text, &s, errs, sizeof(errs));

		if (n == 0 || strstr(errs, cases[i].want) == NULL)
			fail_msg("case %zu: wanted '%s', got %d errors: %s", i, cases[i].want, n, errs);
		assert_true(strncmp(errs, "/tmp/qnetsim-test-", 18) == 0);
		sim_free(s);
	}
}

static void test_errors(void **state)
{
	static const struct bad cases[] = {
		{ "[guest a]\nnic = model=e1000\nfoo = 1\n", ":3: [guest a] unknown key 'foo'" },
		{ "[switch s]\n", ":1: unknown section [switch]" },
		{ "[guest a]\nnic = model=nope\n", ":2: nic: unknown model 'nope'" },
		{ "[guest a]\nnic = model=e1000,macaddr=zz:54:00:12:34:56\n", ":2: nic: macaddr" },
		{ "[guest a]\nnic = model=e1000,macaddr=52:54:00:00:00:01\n"
		  "[guest b]\nnic = model=e1000,macaddr=52:54:00:00:00:01\n",
		  ":4: duplicate MAC 52:54:00:00:00:01 (also a.nic0 at line 2)" },
		{ "[guest a]\nnic = model=e1000\n[guest a]\n", ":3: duplicate name 'a'" },
		{ "[guest a]\nnic = model=e1000\n[link]\na = a\nb = nowhere\n",
		  ":5: link endpoint 'nowhere'" },
		{ "[guest a]\nnic = model=e1000,vlan=99999\n", ":2: nic: vlan: 99999 is out of range" },
		{ "[bridge b]\nmax_entries = 99999999\n", ":2: max_entries:" },
		{ "[guest a]\nnic = model=e1000\n[link]\na = a\n", ":3: [link] needs both ends" },
		{ "[guest a]\n", ":1: guest 'a' has no NIC" },
		{ "[guest a]\nnic = model=e1000\n[scenario]\nat 1s = set_link a.nic9 off\n",
		  ":4: no port named 'a.nic9'" },
		{ "[guest a]\nnic = model=e1000\n[scenario]\nduration = 1s\nat 2s = info network\n",
		  ":5: step at 2.000s is after the scenario's duration" },
		{ "[guest a]\nnic = model=e1000\n[scenario]\nat 1s = expect a.nic0.rx_frames >= many\n",
		  ":4: 'many' is not a number" },
		{ "key = value\n", ":1: 'key' is outside any section" },
		{ "[guest bad.name]\n", ":1: bad name 'bad.name'" },
		/* A port number too large says so, not how ports are named. */
		{ "[bridge swB]\n[guest a]\nnic = model=e1000\n[link]\na = a\nb = swB.99999\n",
		  ":6: link endpoint 'swB.99999': port 99999 is out of range: a bridge has at most "
		  "4096 ports (swB.1 .. swB.4096)" },
		{ "[bridge swB]\n[guest a]\nnic = model=e1000\n[link]\na = a\nb = swB.x\n",
		  ":6: link endpoint 'swB.x': ports of swB are numbered (swB.1, swB.2, ...)" },
		/* A VLAN list with spaces asks for commas. */
		{ "[bridge b]\nport.3.trunk = 10 20\n",
		  ":2: port.3.trunk: '10 20': separate VLANs with commas and ranges with a dash "
		  "(10,20,30-40)" },
		{ "[bridge b]\nstp = maybe\n",
		  ":2: stp: 'maybe' is not on or off (also yes/no, y/n, true/false, 1/0)" },
	};
	(void)state;
	expect_errors(cases, ARRAY_SIZE(cases));
}

/* Booleans take what QEMU takes (restrict=y), and VLAN lists their
 * spaces around commas. */
static void test_values_qemu_takes(void **state)
{
	static const char *const yes[] = { "on", "yes", "y", "true", "1", "ON", "Y" };
	static const char *const no[] = { "off", "no", "n", "false", "0", "N" };
	char errs[2048];
	struct sim *s;
	bool b;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		assert_int_equal(parse_bool(yes[i], &b, errs), 0);
		assert_true(b);
	}
	for (size_t i = 0; i < ARRAY_SIZE(no); i++) {
		assert_int_equal(parse_bool(no[i], &b, errs), 0);
		assert_false(b);
	}
	assert_int_equal(load("[bridge b]\nstp = y\nport.1.trunk = 10 , 20-30\n"
			      "[guest a]\nnic = model=e1000\n[link]\na = a\nb = b\n",
			      &s, errs, sizeof(errs)), 0);
	assert_non_null(sim_bridge(s, "b")->stp);
	sim_free(s);
}

static void test_long_line(void **state)
{
	char *text = xcalloc(1, 6000);
	char errs[2048];
	struct sim *s;

	(void)state;
	strcpy(text, "[guest a]\nnic = model=e1000\n; ");
	memset(text + strlen(text), 'x', 5000);
	strcat(text, "\nfoo = 1\n");
	assert_int_equal(load(text, &s, errs, sizeof(errs)), 2);
	assert_non_null(strstr(errs, ":3: line is too long"));
	/* Line numbers after the long line are still right. */
	assert_non_null(strstr(errs, ":4: [guest a] unknown key 'foo'"));
	sim_free(s);
	free(text);
}

/* Files that are not a topology are refused with file:line. */
static void test_not_a_topology(void **state)
{
	static const struct {
		const char *text;
		size_t len;
		const char *want;
	} cases[] = {
#define B(lit) lit, sizeof(lit) - 1     /* the bytes, NULs too, not the end */
		{ B(""), ":1: the file is empty: no [guest], [hub], [bridge] or [netdev] section" },
		{ B("; only a comment\n\n"), ":1: the file declares no node" },
		{ B("\0\0\0\0\0\0\0\0"), ":1: a NUL byte at column 1" },
		/* A NUL no longer cuts a line short in silence. */
		{ B("[guest a]\nnic = model=e1000\0,vlan=1\n"), ":2: a NUL byte at column 18" },
		{ B("[guest a]\nnic = model=e1000\njunk\n"),
		  ":3: syntax error: expected [section], key = value, or a comment" },
		{ B("[guest a\nnic = model=e1000\n"), ":1: syntax error: a section header needs" },
#undef B
	};
	char errs[2048];
	struct sim *s;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int n = load_bytes(cases[i].text, cases[i].len, &s, errs, sizeof(errs));

		if (n == 0 || strstr(errs, cases[i].want) == NULL)
			fail_msg("case %zu: wanted '%s', got %d errors: %s", i, cases[i].want, n, errs);
		sim_free(s);
	}
}

/* LF, CRLF and a lone CR all end a line, with the right line numbers. */
static void test_line_endings(void **state)
{
	static const char *const eol[] = { "\n", "\r\n", "\r" };
	char text[512], errs[2048];
	struct sim *s;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(eol); i++) {
		const char *e = eol[i];

		snprintf(text, sizeof(text), "[guest a]%snic = model=e1000,vlan=1%s[guest b]%s"
			 "nic = model=e1000,vlan=1%sip = 10.0.0.2/24%s", e, e, e, e, e);
		assert_int_equal(load(text, &s, errs, sizeof(errs)), 0);
		assert_int_equal(s->nguests, 2);
		assert_int_equal(s->guests[1]->nics[0]->ip, 0x0a000002);
		sim_free(s);
		snprintf(text, sizeof(text), "[guest a]%snic = model=e1000%s%sfoo = 1%s", e, e, e, e);
		assert_int_equal(load(text, &s, errs, sizeof(errs)), 1);
		if (strstr(errs, ":4: [guest a] unknown key 'foo'") == NULL)
			fail_msg("eol %zu: %s", i, errs);
		sim_free(s);
	}
	/* Mixed in one file: a CR before the next LF still ends its line. */
	assert_int_equal(load("[guest a]\rnic = model=e1000,vlan=1\n[guest b]\r\n"
			      "nic = model=e1000,vlan=1\rip = 10.0.0.2/24\n\rfoo = 1",
			      &s, errs, sizeof(errs)), 1);
	if (strstr(errs, ":7: [guest b] unknown key 'foo'") == NULL)
		fail_msg("mixed: %s", errs);
	sim_free(s);
}

/* A key given twice is an error with both lines; keys meant to repeat
 * (nic, static, steps, hostfwd) still do. */
static void test_keys_twice(void **state)
{
	static const struct bad cases[] = {
		{ "[bridge b]\nmax_entries = 10\nmax_entries = 20\n",
		  ":3: max_entries: given twice (first at line 2)" },
		{ "[bridge b]\nstp = on\nstp = off\n", ":3: stp: given twice (first at line 2)" },
		{ "[bridge b]\nageing = 10s\naging = 20s\n", ":3: aging: given twice (first at line 2)" },
		{ "[guest a]\nnic = model=e1000\ngw = 10.0.0.1\ngateway = 10.0.0.1\n",
		  ":4: gateway: given twice (first at line 3)" },
		{ "[hub h]\nspeed = 1M\nspeed = 1M\n", ":3: speed: given twice (first at line 2)" },
		{ "[guest a]\nnic = model=e1000\n[link]\na = a\na = a\nb = h\n[hub h]\n",
		  ":5: a: given twice (first at line 4)" },
		{ "[netdev n]\ntype = socket\ntype = stream\nlisten = :1\nvlan = 0\n",
		  ":3: type: given twice (first at line 2)" },
		{ "[netdev n]\ntype = socket\nlisten = :1\nlisten = :2\nvlan = 0\n",
		  ":4: listen: given twice (first at line 3)" },
		{ "[guest a]\nnic = model=e1000\n[scenario]\nduration = 1s\nduration = 2s\n",
		  ":5: duration: given twice (first at line 4)" },
	};
	char errs[2048];
	struct sim *s;

	(void)state;
	expect_errors(cases, ARRAY_SIZE(cases));
	assert_int_equal(load("[guest a]\nnic = model=e1000,vlan=1\nnic = model=e1000,vlan=2\n"
			      "[bridge b]\nstatic = 52:54:00:00:00:01,port=1\n"
			      "static = 52:54:00:00:00:02,port=1\n"
			      "[netdev u]\ntype = user\nhostfwd = tcp::20001-:22\n"
			      "hostfwd = tcp::20002-:23\nvlan = 3\n"
			      "[guest c]\nnic = model=e1000\n[link]\na = c\nb = b.1\n"
			      "[scenario]\nat 1s = info network\nat 1s = info network\n",
			      &s, errs, sizeof(errs)), 0);
	assert_int_equal(s->guests[0]->nnics, 2);
	sim_free(s);
}

/* Every error of every pass, and every error of one netdev section. */
static void test_all_errors(void **state)
{
	static const char *const want[] = {
		":3: [guest a] unknown key 'foo'",              /* first pass */
		":6: link endpoint 'nowhere'",                  /* second pass: links */
		":9: queue: 0 is out of range",                 /* a netdev's three */
		":10: socket: unknown option 'bogus'",
		":11: listen: 'bad' is not host:port",
		":13: step at 2.000s is after the scenario's duration",   /* the scenario */
	};
	char errs[4096];
	struct sim *s;
	int n;

	(void)state;
	n = load("[guest a]\nnic = model=e1000,vlan=1\nfoo = 1\n"
		 "[link]\na = a\nb = nowhere\n"
		 "[netdev n]\ntype = socket\nqueue = 0\nbogus = 1\nlisten = bad\n"
		 "[scenario]\nat 2s = info network\nduration = 1s\n",
		 &s, errs, sizeof(errs));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		if (strstr(errs, want[i]) == NULL)
			fail_msg("wanted '%s' in: %s", want[i], errs);
	assert_true(n >= (int)ARRAY_SIZE(want));
	sim_free(s);
}

/* The peer of port p: the node at the other end of its link. */
static const char *peer_node(struct port *p)
{
	struct link *l = p->link;

	assert_non_null(l);
	return l->end[l->end[0] == p]->node->name;
}

/* QEMU's fragments pasted: -net nic and -net TYPE on hub 0, -nic making
 * its back-end, -netdev then -device wired, a [netdev] taking QEMU's
 * whole value; an unattached netdev goes on vlan0 with a warning. */
static void test_qemu_fragments(void **state)
{
	char errs[4096];
	struct sim *s;
	struct guest *a, *b, *c;

	(void)state;
	assert_int_equal(load("[guest a]\nnic = -net nic,model=rtl8139 -net user\n"
			      "[guest b]\nnic = -nic user,model=virtio-net-pci,net=10.0.9.0/24\n"
			      "nic = -netdev socket,id=s0,listen=:8010 -device e1000,netdev=s0,bus=pci.0,id=lan\n"
			      "[guest c]\nnic = -device e1000,netdev=up,mac=52:54:00:aa:00:01\n"
			      "[netdev up]\nnetdev = socket,id=up,listen=:8011\n"
			      "[netdev alone]\ntype = socket,connect=127.0.0.1:8012\n",
			      &s, errs, sizeof(errs)), 0);
	a = sim_guest(s, "a");
	b = sim_guest(s, "b");
	c = sim_guest(s, "c");
	assert_string_equal(a->nics[0]->model->name, "rtl8139");
	assert_string_equal(peer_node(a->nics[0]->port), "vlan0");
	assert_non_null(graph_find_node(s->g, "a-user"));
	assert_string_equal(peer_node(graph_find_node(s->g, "a-user")->ports[0]), "vlan0");
	assert_string_equal(b->nics[0]->model->name, "virtio-net-pci");
	assert_string_equal(peer_node(b->nics[0]->port), "b-user");
	assert_string_equal(peer_node(b->nics[1]->port), "s0");
	assert_string_equal(b->nics[1]->port->name, "b.lan");
	assert_string_equal(peer_node(c->nics[0]->port), "up");
	assert_string_equal(peer_node(graph_find_node(s->g, "alone")->ports[0]), "vlan0");
	assert_non_null(strstr(errs, ":10: warning: netdev alone has no vlan=, no NIC's netdev= and "
				     "no [link]: it goes on hub vlan0"));
	assert_null(strstr(errs, "a.nic0 has no vlan="));
	sim_free(s);

	/* The line, then the guest left with no NIC. */
	assert_int_equal(load("[guest a]\nnic = -foo bar\n", &s, errs, sizeof(errs)), 2);
	assert_non_null(strstr(errs, ":2: nic: '-foo' is not one of QEMU's network options"));
	sim_free(s);
	assert_int_equal(load("[guest a]\nnic = -netdev user -device e1000\n", &s, errs,
			      sizeof(errs)), 1);
	assert_non_null(strstr(errs, ":2: nic: -netdev user needs id=NAME"));
	sim_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builds_graph),
		cmocka_unit_test(test_links_and_ports),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_values_qemu_takes),
		cmocka_unit_test(test_not_a_topology),
		cmocka_unit_test(test_line_endings),
		cmocka_unit_test(test_keys_twice),
		cmocka_unit_test(test_all_errors),
		cmocka_unit_test(test_qemu_fragments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

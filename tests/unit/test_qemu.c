/* The QEMU import (app/qemu.c): words, QEMU's semantics, and that what it
 * writes loads as a topology with the network QEMU would build. */
#include "../../src/app/qemu.h"
#include "../../src/app/sim.h"
#include "testutil.h"

/* Imports one command line (split as a shell would); the topology in
 * *topo and the warnings in *warn (free both). */
static int import(const char *line, char **topo, char **warn)
{
	char err[ERRLEN];
	size_t tl = 0, wl = 0;
	FILE *out = open_memstream(topo, &tl), *wf = open_memstream(warn, &wl);
	int rc = qemu_import_line(line, out, wf, err);

	fclose(out);
	fclose(wf);
	return rc;
}

/* The topology loads; its sim (free it). */
static struct sim *loads(const char *topo)
{
	return load_topology(topo, stderr);
}

static struct guest *vm(struct sim *s, const char *name)
{
	return sim_guest(s, name);
}

static void test_split(void **state)
{
	char err[ERRLEN], **w;
	int n;

	(void)state;
	n = qemu_split("qemu -net 'nic,model=e1000' \"-net\" user\\,x a\\\nb", &w, err);
	assert_int_equal(n, 6);
	assert_string_equal(w[0], "qemu");
	assert_string_equal(w[2], "nic,model=e1000");
	assert_string_equal(w[3], "-net");
	assert_string_equal(w[4], "user,x");
	assert_string_equal(w[5], "ab");
	free(w[0]);
	free(w);
	assert_int_equal(qemu_split("qemu -net 'nic", &w, err), -1);
	assert_non_null(strstr(err, "quote"));
}

/* The texts' classic line: a NIC with a MAC on hub 0, user networking
 * (written with a typographic dash, read as '-' with a warning). */
static void test_net_nic_user(void **state)
{
	char *topo, *warn;
	struct sim *s;
	struct guest *g;
	char mac[18];

	(void)state;
	assert_int_equal(import("qemu-system-x86_64 -m 1024 rhel7.img -net nic,vlan=0,"
				"macaddr=52:54:00:12:34:22,model=e1000,addr=08 \xe2\x80\x93net user",
				&topo, &warn), 0);
	assert_non_null(strstr(warn, "typographic dash"));
	assert_non_null(strstr(topo, "not the network's, left out: -m 1024, rhel7.img"));
	assert_non_null(strstr(topo, "; -net nic,vlan=0,macaddr=52:54:00:12:34:22,model=e1000,addr=08"));
	s = loads(topo);
	g = vm(s, "vm1");
	assert_non_null(g);
	assert_int_equal(g->nnics, 1);
	assert_string_equal(fmt_mac(g->nics[0]->mac, mac), "52:54:00:12:34:22");
	assert_string_equal(g->nics[0]->model->name, "e1000");
	assert_int_equal(s->nnetdevs, 1);
	/* Both on hub vlan0, and the guest asks the NAT's DHCP. */
	assert_non_null(sim_hub(s, "vlan0"));
	assert_non_null(strstr(topo, "ip = dhcp"));
	sim_free(s);
	free(topo);
	free(warn);
}

/* -device before the -netdev it names (QEMU makes netdevs first), the
 * default MACs counting up, -nic, a hubport, bus= accepted. */
static void test_device_netdev_nic(void **state)
{
	char *topo, *warn;
	struct sim *s;
	struct guest *g;
	char mac[18];

	(void)state;
	assert_int_equal(import("-device e1000,netdev=n0,bus=pci.0 -netdev user,id=n0,hostfwd=tcp::5555-:22 "
				"-nic socket,model=virtio-net-pci,listen=:8010 "
				"-netdev hubport,id=h1,hubid=1 -device rtl8139,netdev=h1 -net user,vlan=1",
				&topo, &warn), 0);
	assert_null(strstr(warn, "no peer"));
	s = loads(topo);
	g = vm(s, "vm1");
	assert_int_equal(g->nnics, 3);
	/* QEMU makes -nic's NIC first, then each -device in turn. */
	assert_string_equal(fmt_mac(g->nics[0]->mac, mac), "52:54:00:12:34:56");
	assert_string_equal(fmt_mac(g->nics[1]->mac, mac), "52:54:00:12:34:57");
	assert_string_equal(fmt_mac(g->nics[2]->mac, mac), "52:54:00:12:34:58");
	assert_string_equal(g->nics[0]->model->name, "virtio-net-pci");
	assert_string_equal(g->nics[1]->model->name, "e1000");
	assert_int_equal(s->nnetdevs, 4);       /* with the hubport */
	assert_non_null(strstr(topo, "hostfwd = tcp::5555-:22"));
	assert_non_null(strstr(topo, "listen = :8010"));
	assert_non_null(strstr(topo, "model=rtl8139,macaddr=52:54:00:12:34:58,netdev=h1"));
	assert_non_null(strstr(topo, "bus: accepted, no effect here"));
	sim_free(s);
	free(topo);
	free(warn);
}

/* QEMU's default MACs go to the NICs in the order QEMU makes them (-nic,
 * -net nic, -device), skipping one an earlier NIC was given; a hubport's
 * netdev= puts that netdev on the hub. */
static void test_qemu_order(void **state)
{
	char *topo, *warn;
	struct sim *s;
	struct guest *g;
	char mac[18];

	(void)state;
	assert_int_equal(import("-net nic,macaddr=52:54:00:12:34:57 -device e1000,netdev=u "
				"-netdev user,id=u -net nic -netdev user,id=u9 "
				"-netdev hubport,id=c,hubid=0,netdev=u9", &topo, &warn), 0);
	s = loads(topo);
	g = vm(s, "vm1");
	assert_int_equal(g->nnics, 3);
	assert_string_equal(fmt_mac(g->nics[0]->mac, mac), "52:54:00:12:34:57");
	assert_string_equal(fmt_mac(g->nics[1]->mac, mac), "52:54:00:12:34:56");
	assert_string_equal(fmt_mac(g->nics[2]->mac, mac), "52:54:00:12:34:58");
	assert_non_null(strstr(topo, "[netdev c]"));
	assert_non_null(strstr(topo, "netdev = u9\n"));
	assert_null(strstr(warn, "u9: no NIC uses it"));
	assert_int_equal(s->nnetdevs, 3);
	sim_free(s);
	free(topo);
	free(warn);
}

/* No network option: QEMU's default network; -nic none: none. -redir is
 * hostfwd; an unknown back-end and option are comments and warnings. */
static void test_defaults_and_refusals(void **state)
{
	char *topo, *warn;
	struct sim *s;

	(void)state;
	assert_int_equal(import("qemu -m 512 disk.img -redir tcp:5555::22", &topo, &warn), 0);
	assert_non_null(strstr(topo, "QEMU's default, -net nic -net user"));
	assert_non_null(strstr(topo, "hostfwd = tcp::5555-:22"));
	assert_non_null(strstr(warn, "hostfwd=tcp::5555-:22 since QEMU 3.0"));
	s = loads(topo);
	assert_int_equal(s->nguests, 1);
	assert_int_equal(s->nnetdevs, 1);
	sim_free(s);
	free(topo);
	free(warn);

	assert_int_equal(import("qemu -nic none", &topo, &warn), 0);
	assert_non_null(strstr(warn, "has no NIC"));
	assert_null(strstr(topo, "\n[guest"));
	free(topo);
	free(warn);

	assert_int_equal(import("qemu -netdev vhost-user,id=v0,chardev=c0 -device virtio-net-pci,netdev=v0 "
				"-net nic -net tap,ifname=tap0,script=no,poll-us=50", &topo, &warn), 0);
	assert_non_null(strstr(warn, "no 'vhost-user' back-end"));
	assert_non_null(strstr(warn, "poll-us=50"));
	assert_non_null(strstr(topo, "; poll-us=50: QEMU's, not modelled by qnetsim: left out"));
	/* The NIC on vhost-user has no peer: alone on a hub. */
	assert_non_null(strstr(topo, "[hub vm1-nopeer1]"));
	s = loads(topo);
	assert_int_equal(vm(s, "vm1")->nnics, 2);
	sim_free(s);
	free(topo);
	free(warn);

	assert_int_equal(import("qemu -netdev user", &topo, &warn), -1);
	free(topo);
	free(warn);

	/* QEMU 10.1's passt, with its lists repeated as QEMU takes them;
	 * vhost-user=on is left out with a warning (qnetsim refuses it). */
	assert_int_equal(import("qemu -netdev passt,id=p0,tcp-ports=2222:22,tcp-ports=8080,"
				"param=--no-map-gw,vhost-user=on -device virtio-net-pci,netdev=p0",
				&topo, &warn), 0);
	assert_non_null(strstr(topo, "[netdev p0]"));
	assert_non_null(strstr(topo, "type = passt\ntcp-ports = 2222:22\ntcp-ports = 8080\n"
				     "param = --no-map-gw\n"));
	assert_non_null(strstr(warn, "vhost-user=on"));
	assert_null(strstr(topo, "\nvhost-user = on"));
	s = loads(topo);
	assert_int_equal(s->nnetdevs, 1);
	sim_free(s);
	free(topo);
	free(warn);
}

/* Two VMs in a file: each its own hubs; both get QEMU's first default MAC,
 * which the import says, and the second gets a free one. */
/* The texts' three NICs on two vlans, user networking on vlan 0: vlan 1
 * reaches nothing outside, as QEMU warns. */
static void test_isolated_hub(void **state)
{
	char *topo, *warn;
	struct sim *s;

	(void)state;
	assert_int_equal(import("qemu -net nic,model=pcnet -net nic,model=rtl8139,vlan=1 "
				"-net nic,model=ne2k_pci,vlan=1 -net user", &topo, &warn), 0);
	assert_non_null(strstr(warn, "vm1: hub 1 is not connected to host network"));
	assert_null(strstr(warn, "hub 0 is not connected"));
	assert_non_null(strstr(topo, "its 2 NICs reach only each other"));
	s = loads(topo);
	assert_int_equal(vm(s, "vm1")->nnics, 3);
	sim_free(s);
	free(topo);
	free(warn);
}

static void test_two_vms(void **state)
{
	char *topo = NULL, *warn = NULL, err[ERRLEN];
	size_t tl = 0, wl = 0;
	FILE *out = open_memstream(&topo, &tl), *wf = open_memstream(&warn, &wl);
	struct sim *s;

	(void)state;
	assert_int_equal(qemu_import_text("#!/bin/sh\n"
					  "$ qemu -net nic -net socket,listen=:8010 a.img\n"
					  "echo not a VM\n"
					  "[root@host ~]# qemu -name guest=bee,debug-threads=on -net nic,vlan=2 \\\n"
					  "   -net socket,vlan=2,connect=127.0.0.1:8010 b.img\n",
					  out, wf, err), 0);
	fclose(out);
	fclose(wf);
	assert_non_null(strstr(warn, "vm1's NIC 0 and bee's NIC 0 both have MAC 52:54:00:12:34:56"));
	assert_non_null(strstr(topo, "[hub vm1-vlan0]"));
	assert_non_null(strstr(topo, "[hub bee-vlan2]"));
	s = loads(topo);
	assert_int_equal(s->nguests, 2);
	assert_int_equal(s->nhubs, 2);
	assert_memory_not_equal(vm(s, "vm1")->nics[0]->mac, vm(s, "bee")->nics[0]->mac, 6);
	sim_free(s);
	free(topo);
	free(warn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_net_nic_user),
		cmocka_unit_test(test_device_netdev_nic),
		cmocka_unit_test(test_qemu_order),
		cmocka_unit_test(test_defaults_and_refusals),
		cmocka_unit_test(test_isolated_hub),
		cmocka_unit_test(test_two_vms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Writing the imported VMs as a topology (qemu.h): a guest per VM, its
 * NICs, its back-ends, its hubs. One VM uses QEMU's own words (`vlan=N`
 * on the NIC and the netdev: hub vlanN). Several VMs each get hubs of
 * their own ([hub VM-vlanN] and links), as each QEMU process has, and
 * netdevs named after their VM.
 */
#include "qemu_internal.h"
#include "../backends/netdev.h"
#include "../core/util.h"

#include <stdarg.h>
#include <string.h>

#define COMMENT_COL 40

/* "key = value" (or a NIC line) with its source as a comment after it. */
static void line(FILE *out, const char *src, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void line(FILE *out, const char *src, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (src == NULL || *src == '\0') {
		fprintf(out, "%s\n", buf);
		return;
	}
	fprintf(out, "%s%*s; %s\n", buf, n < COMMENT_COL ? COMMENT_COL - n : 1, "", src);
}

/* A value that would not survive a topology line: a comment there, a
 * line end. */
static bool unsafe(const char *v)
{
	return v != NULL && (strpbrk(v, ";#\n\r") != NULL || strlen(v) > 400);
}

static bool backend_knows(const struct backend_ops *ops, const char *key)
{
	for (int i = 0; ops != NULL && ops->opts[i].name != NULL; i++)
		if (strcmp(ops->opts[i].name, key) == 0)
			return true;
	return false;
}

/* Options qnetsim's back-ends know but a command line's value cannot
 * mean here: why, or NULL. */
static const char *refused(const char *key, const char *val)
{
	bool on = strcmp(val, "on") == 0 || strcmp(val, "true") == 0 || strcmp(val, "yes") == 0;

	if ((strcmp(key, "vhost") == 0 || strcmp(key, "vhostforce") == 0) && on)
		return "vhost moves frames inside the kernel, past qnetsim (it stays off)";
	if (strcmp(key, "vhost-user") == 0 && on)
		return "passt would then move frames to the VM's memory, past qnetsim (it stays "
		       "off)";
	if (strcmp(key, "fd") == 0 || strcmp(key, "fds") == 0)
		return "a file descriptor the program that started QEMU (libvirt) passed it, "
		       "which qnetsim does not have";
	return NULL;
}

/* The hub's name: vlanN for one VM, VM-vlanN for several. */
static void hub_name(const struct qvm *vm, bool multi, int hub, char *buf, size_t len)
{
	if (multi)
		snprintf(buf, len, "%.20s-vlan%d", vm->name, hub);
	else
		snprintf(buf, len, "vlan%d", hub);
}

static void netdev_name(const struct qvm *vm, bool multi, const struct qnetdev *nd, char *buf,
			size_t len)
{
	if (multi)
		snprintf(buf, len, "%.15s-%.16s", vm->name, nd->id);
	else
		snprintf(buf, len, "%s", nd->id);
}

/* The hub a NIC is on: its own, or its netdev's when that is a hubport. */
static int nic_hub(const struct qvm *vm, const struct qnic *nic)
{
	if (nic->netdev >= 0 && strcmp(vm->nds[nic->netdev].type, "hubport") == 0)
		return vm->nds[nic->netdev].hub;
	return nic->hub;
}

static bool nic_wired(const struct qvm *vm, const struct qnic *nic)
{
	return nic->netdev >= 0 && vm->nds[nic->netdev].supported &&
	       strcmp(vm->nds[nic->netdev].type, "hubport") != 0;
}

static bool netdev_used(const struct qvm *vm, int i)
{
	for (int k = 0; k < vm->nnics; k++)
		if (vm->nics[k].netdev == i)
			return true;
	return false;
}

/* MACs two NICs share: the later ones get a free one from qnetsim. */
static void find_dups(struct qvm *vms, int n, FILE *warn)
{
	for (int v = 0; v < n; v++)
		for (int k = 0; k < vms[v].nnics; k++) {
			struct qnic *a = &vms[v].nics[k];
			char mac[18], other[QEMU_NAME_MAX];

			for (int w = 0; w <= v && !a->mac_dup; w++)
				for (int j = 0; j < (w == v ? k : vms[w].nnics) && !a->mac_dup; j++) {
					const struct qnic *b = &vms[w].nics[j];

					if (b->mac_dup || memcmp(a->mac, b->mac, 6) != 0)
						continue;
					a->mac_dup = true;
					fmt_mac(a->mac, mac);
					snprintf(other, sizeof(other), "%s", vms[w].name);
					snprintf(a->note, sizeof(a->note), "QEMU gives it %s, as %s's NIC %d: "
						 "on one network they collide; qnetsim gives it a free MAC",
						 mac, other, j);
					fprintf(warn, "import: %s's NIC %d and %s's NIC %d both have MAC %s%s: "
						"on one network they collide (give each its own mac=); "
						"qnetsim gives the second a free MAC\n", vms[w].name, j,
						vms[v].name, k, mac, a->mac_given && b->mac_given ? "" :
						" (QEMU's default, 52:54:00:12:34:56 counting up in each VM)");
				}
		}
}

static void emit_nic(const struct qvm *vm, bool multi, const struct qnic *nic, int k, FILE *out,
		     FILE *warn)
{
	char mac[18], where[64] = "", id[48] = "", dev[48];
	int hub = nic_hub(vm, nic);

	if (nic->mac_dup)
		fprintf(out, "; %s\n", nic->note);
	else if (nic->note[0] != '\0')
		fprintf(out, "; %s\n", nic->note);
	if (nic->id[0] != '\0')
		snprintf(id, sizeof(id), ",id=%s", nic->id);
	if (nic_wired(vm, nic)) {
		netdev_name(vm, multi, &vm->nds[nic->netdev], dev, sizeof(dev));
		snprintf(where, sizeof(where), ",netdev=%s", dev);
	} else if (nic->netdev >= 0 && !multi && strcmp(vm->nds[nic->netdev].type, "hubport") == 0) {
		snprintf(where, sizeof(where), ",netdev=%s", vm->nds[nic->netdev].id);
	} else if (nic->netdev >= 0 && !vm->nds[nic->netdev].supported) {
		fprintf(out, "; its back-end, %s, is not one qnetsim has: it has no peer, as in QEMU "
			"without that back-end\n", vm->nds[nic->netdev].type);
		fprintf(warn, "import: %s's NIC %d: its back-end (%s) is left out, so it has no peer\n",
			vm->name, k, vm->nds[nic->netdev].type);
	} else if (hub >= 0 && !multi && !nic->nopeer) {
		snprintf(where, sizeof(where), ",vlan=%d", hub);
	}
	line(out, nic->src, "nic = model=%s%s%s%s%s%s", nic->model,
	     nic->mac_dup ? "" : ",macaddr=", nic->mac_dup ? "" : fmt_mac(nic->mac, mac), where, id,
	     nic->extra);
}

/* Whether QEMU's user network (its DHCP server) is where the NIC is. */
static bool nic_on_user(const struct qvm *vm, const struct qnic *nic)
{
	int hub = nic_hub(vm, nic);

	if (nic_wired(vm, nic))
		return strcmp(vm->nds[nic->netdev].type, "user") == 0;
	for (int i = 0; hub >= 0 && !nic->nopeer && i < vm->nnds; i++)
		if (vm->nds[i].hub == hub && strcmp(vm->nds[i].type, "user") == 0)
			return true;
	return false;
}

/* A back-end's section, or the comment that says why there is none. */
static void emit_netdev(const struct qvm *vm, bool multi, int i, FILE *out, FILE *warn)
{
	const struct qnetdev *nd = &vm->nds[i];
	const struct backend_ops *ops = backend_find(nd->type);
	char name[64], hub[48];

	if (strcmp(nd->type, "hubport") == 0 && !multi &&
	    (netdev_used(vm, i) || nd->hub_netdev != NULL)) {
		/* One VM: its hubs are the topology's vlanN, as QEMU's are. */
		line(out, nd->src, "[netdev %s]", nd->id);
		fprintf(out, "type = hubport\nhubid = %d\n", nd->hub);
		for (int k = 0; k < vm->nnds; k++)
			if (vm->nds[k].via == i && vm->nds[k].supported)
				fprintf(out, "netdev = %s\n", vm->nds[k].id);
		fputc('\n', out);
		return;
	}
	if (strcmp(nd->type, "hubport") == 0) {
		if (nd->hub_netdev != NULL)
			fprintf(out, "; %s: puts %s on %s's hub %d (vlan = %d there)\n\n", nd->src,
				nd->hub_netdev, vm->name, nd->hub, nd->hub);
		else if (netdev_used(vm, i))
			fprintf(out, "; %s: %s's hub %d, which the NIC on it joins\n\n", nd->src,
				vm->name, nd->hub);
		else
			fprintf(out, "; %s: a port of %s's hub %d with nothing on it: left out\n\n",
				nd->src, vm->name, nd->hub);
		return;
	}
	if (!nd->supported) {
		fprintf(out, "; %s: qnetsim has no '%s' back-end (it has %s): left out\n\n", nd->src,
			nd->type, backend_names());
		fprintf(warn, "import: %s: %s: qnetsim has no '%s' back-end: left out\n", vm->name,
			nd->src, nd->type);
		return;
	}
	if (nd->hub < 0 && !netdev_used(vm, i)) {
		fprintf(out, "; %s: no NIC uses it, so it has no peer: left out\n\n", nd->src);
		fprintf(warn, "import: %s: %s: no NIC uses it: left out\n", vm->name, nd->src);
		return;
	}
	netdev_name(vm, multi, nd, name, sizeof(name));
	line(out, nd->src, "[netdev %s]", name);
	fprintf(out, "type = %s\n", nd->type);
	if (nd->hub >= 0 && !multi && nd->via < 0)
		fprintf(out, "vlan = %d\n", nd->hub);
	for (int k = 0; k < nd->opts.n; k++) {
		const char *key = nd->opts.key[k], *val = nd->opts.val[k] ? nd->opts.val[k] : "on";
		const char *why = refused(key, val);

		if (why != NULL) {
			fprintf(out, "; %s=%s: %s: left out\n", key, val, why);
			fprintf(warn, "import: %s: %s=%s (%s) is left out: %s\n", vm->name, key, val,
				nd->src, why);
			continue;
		}
		if (!backend_knows(ops, key) || unsafe(val)) {
			fprintf(out, "; %s=%s: %s: left out\n", key, val, unsafe(val) ?
				"a value a topology line cannot hold" : "QEMU's, not modelled by qnetsim");
			fprintf(warn, "import: %s: %s=%s (%s) is left out: %s\n", vm->name, key, val,
				nd->src, unsafe(val) ? "a topology line cannot hold it" :
				"qnetsim does not model it");
			continue;
		}
		fprintf(out, "%s = %s\n", key, val);
	}
	for (int k = 0; k < nd->nfwd; k++)
		line(out, "-redir", "hostfwd = %s", nd->fwd[k]);
	fputc('\n', out);
	if (multi && nd->hub >= 0) {
		hub_name(vm, multi, nd->hub, hub, sizeof(hub));
		fprintf(out, "[link]\na = %s\nb = %s\n\n", name, hub);
	}
}

/* Several VMs: each hub of the VM a section. */
static void emit_hub_sections(const struct qvm *vm, FILE *out)
{
	bool seen[4096] = { false };
	char hub[48], what[64];

	for (int k = 0; k < vm->nnics + vm->nnds; k++) {
		int h = k < vm->nnics ? nic_hub(vm, &vm->nics[k]) : vm->nds[k - vm->nnics].hub;

		if (h < 0 || h >= 4096 || seen[h] ||
		    (k < vm->nnics && (nic_wired(vm, &vm->nics[k]) || vm->nics[k].nopeer)) ||
		    (k >= vm->nnics && (!vm->nds[k - vm->nnics].supported ||
					strcmp(vm->nds[k - vm->nnics].type, "hubport") == 0)))
			continue;
		seen[h] = true;
		hub_name(vm, true, h, hub, sizeof(hub));
		snprintf(what, sizeof(what), "%s's QEMU vlan (hub) %d", vm->name, h);
		line(out, what, "[hub %s]", hub);
		fputc('\n', out);
	}
}

/* Several VMs: each NIC on a hub a link to it. */
static void emit_hubs(const struct qvm *vm, FILE *out)
{
	char hub[48];

	for (int k = 0; k < vm->nnics; k++) {
		int h = nic_hub(vm, &vm->nics[k]);

		if (nic_wired(vm, &vm->nics[k]) || vm->nics[k].nopeer || h < 0 || h >= 4096)
			continue;
		hub_name(vm, true, h, hub, sizeof(hub));
		if (vm->nics[k].id[0] != '\0')
			fprintf(out, "[link]\na = %s.%s\nb = %s\n\n", vm->name, vm->nics[k].id, hub);
		else
			fprintf(out, "[link]\na = %s.nic%d\nb = %s\n\n", vm->name, k, hub);
	}
}

/* NICs QEMU leaves without a peer: a hub of their own keeps each alone
 * (qnetsim would put an unwired NIC on vlan0). */
static void emit_unplugged(const struct qvm *vm, FILE *out, FILE *warn)
{
	for (int k = 0; k < vm->nnics; k++) {
		const struct qnic *nic = &vm->nics[k];
		char port[64];

		if (!(nic->nopeer || (nic->netdev >= 0 && !vm->nds[nic->netdev].supported)))
			continue;
		if (nic->id[0] != '\0')
			snprintf(port, sizeof(port), "%s.%s", vm->name, nic->id);
		else
			snprintf(port, sizeof(port), "%s.nic%d", vm->name, k);
		fprintf(out, "[hub %.20s-nopeer%d]%*s; QEMU: \"%s has no peer\": alone on a hub\n"
			"[link]\na = %s\nb = %.20s-nopeer%d\n\n", vm->name, k, 8, "", port, port,
			vm->name, k);
		if (nic->nopeer)
			fprintf(warn, "import: %s: NIC %d (%s) has no peer, as QEMU warns: it is on a "
				"hub of its own\n", vm->name, k, nic->src);
	}
}

/* Hubs with NICs and no back-end: QEMU warns "hub N is not connected to
 * host network"; their NICs reach only each other (the texts' vlan 1,
 * which cannot see vlan 0). A comment and a warning each. */
static void isolated_hubs(const struct qvm *vm, FILE *out, FILE *warn)
{
	for (int k = 0; k < vm->nnics; k++) {
		int h = nic_hub(vm, &vm->nics[k]), nics = 0;
		bool first = true, wired = false;

		if (h < 0 || nic_wired(vm, &vm->nics[k]) || vm->nics[k].nopeer)
			continue;
		for (int j = 0; j < vm->nnics; j++) {
			if (nic_hub(vm, &vm->nics[j]) != h || nic_wired(vm, &vm->nics[j]) ||
			    vm->nics[j].nopeer)
				continue;
			first = first && j >= k;
			nics++;
		}
		for (int i = 0; i < vm->nnds; i++)
			wired = wired || (vm->nds[i].hub == h && vm->nds[i].supported &&
					  strcmp(vm->nds[i].type, "hubport") != 0);
		if (!first || wired)
			continue;
		fprintf(out, "; QEMU: \"hub %d is not connected to host network\": its %d NIC%s "
			"reach%s only each other\n", h, nics, nics == 1 ? "" : "s", nics == 1 ? "es" : "");
		fprintf(warn, "import: %s: hub %d is not connected to host network (as QEMU warns): "
			"its %d NIC%s reach%s nothing outside it\n", vm->name, h, nics, nics == 1 ? "" : "s",
			nics == 1 ? "es" : "");
	}
}

void qemu_emit(struct qvm *vms, int n, FILE *out, FILE *warn)
{
	bool multi = n > 1;

	find_dups(vms, n, warn);
	fprintf(out, "; The network of %d QEMU command line%s, imported by qnetsim import qemu.\n"
		"; Each line says which QEMU argument it comes from.\n", n, n == 1 ? "" : "s");
	for (int v = 0; v < n; v++) {
		fprintf(out, ";\n; %s: %s\n", vms[v].name, vms[v].cmdline);
		if (vms[v].ignored[0] != '\0')
			fprintf(out, ";   not the network's, left out: %s\n", vms[v].ignored);
		if (vms[v].nodefault && vms[v].nnics == 0)
			fprintf(out, ";   no network: QEMU gives it no NIC\n");
	}
	for (int v = 0; v < n; v++) {
		struct qvm *vm = &vms[v];

		if (vm->nnics == 0) {
			/* A guest is its NICs here: none, no guest. */
			fprintf(out, "\n; [guest %s]: no NIC (-nic none, -net none or -nodefaults), so "
				"nothing of it to simulate\n", vm->name);
			fprintf(warn, "import: %s has no NIC: it is left out\n", vm->name);
			continue;
		}
		fprintf(out, "\n[guest %s]\n", vm->name);
		isolated_hubs(vm, out, warn);
		for (int k = 0; k < vm->nnics; k++)
			emit_nic(vm, multi, &vm->nics[k], k, out, warn);
		for (int k = 0; k < vm->nnics; k++) {
			char key[16] = "ip";

			if (!nic_on_user(vm, &vm->nics[k]))
				continue;
			if (k > 0)
				snprintf(key, sizeof(key), "ip.%d", k);
			line(out, "as the VM's OS would: DHCP from QEMU's user network", "%s = dhcp", key);
		}
		fputc('\n', out);
		if (multi)
			emit_hub_sections(vm, out);
		for (int i = 0; i < vm->nnds; i++)
			emit_netdev(vm, multi, i, out, warn);
		if (multi)
			emit_hubs(vm, out);
		emit_unplugged(vm, out, warn);
	}
}

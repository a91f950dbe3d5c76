/*
 * QEMU's own words in a topology file (loader.h): a `nic =` line may be a
 * pasted fragment of a QEMU command line, and a [netdev] may take
 * QEMU's whole -netdev value on one line.
 *
 *   nic = -net nic,model=rtl8139 -net user     a NIC on hub 0, and QEMU's
 *                                              user network there
 *   nic = -nic user,model=e1000                a NIC and its back-end
 *   nic = -device e1000,netdev=n0,bus=pci.0    a NIC wired to [netdev n0]
 *   nic = -netdev socket,id=s0,listen=:8010 -device e1000,netdev=s0
 *   [netdev s0]
 *   netdev = socket,id=s0,listen=:8010         (or type = socket,listen=...)
 *
 * A back-end a fragment makes is a netdev named after its guest and type
 * (`vm1-user`; a -netdev keeps its id=), on the guest's hub N for -net
 * (vlan=N, 0 without it), wired to its NIC for -nic. Properties QEMU's
 * -device takes that have no meaning here (bus=, romfile=, bootindex=)
 * are accepted; others are refused with the list.
 */
#include "loader.h"
#include "qemu.h"

#include <stdlib.h>
#include <string.h>

static const char *kv_get(const struct kv *kv, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (strcmp(kv[i].key, key) == 0)
			return kv[i].val != NULL ? kv[i].val : "on";
	return NULL;
}

/* A netdev made from a fragment, named `want` or, when that is taken,
 * want2, want3, ...: its declaration. */
static struct netdev_decl *netdev_made(struct loader *L, const char *want, const char *type,
				       int vlan, int line)
{
	char name[SIM_MAX_NAME + 16];
	struct netdev_decl *d;

	snprintf(name, sizeof(name), "%s", want);
	for (int k = 2; find_node(L, name) != NULL && k < 1000; k++)
		snprintf(name, sizeof(name), "%.*s%d", SIM_MAX_NAME - 3, want, k % 1000);
	d = topo_netdev_decl(L, name, line);
	d->type = xstrdup(type);
	d->type_line = d->vlan_line = line;
	d->vlan = vlan;
	topo_netdev_make(L, d);
	return d;
}

/* The back-end's options of a fragment, all but those in `skip`. */
static void netdev_opts(struct loader *L, struct netdev_decl *d, const struct kv *kv, int n,
			const char *const *skip, int line)
{
	for (int i = 0; i < n; i++) {
		bool s = false;

		for (int k = 0; skip[k] != NULL; k++)
			s = s || strcmp(kv[i].key, skip[k]) == 0;
		if (!s)
			topo_netdev_key(L, d, kv[i].key, kv[i].val != NULL ? kv[i].val : "on", line);
	}
}

/* -device MODEL,... as a nic = line of qnetsim's words. */
static void device(struct loader *L, struct guest *gu, const char *v, int line)
{
	static const char *const quiet[] = { "bus", "romfile", "bootindex", "rombar", "multifunction",
					     NULL };
	char *buf = xmalloc(strlen(v) + 1), err[ERRLEN], *nic = NULL;
	struct kv kv[MAX_KV];
	int n = qemu_opts_split(v, "driver", buf, kv, MAX_KV, err);

	if (n < 0) {
		lerr(L, line, "nic: -device %s: %s", v, err);
		goto out;
	}
	xasprintf(&nic, "model=%s", kv_get(kv, n, "driver") ? kv_get(kv, n, "driver") : "");
	for (int i = 0; i < n; i++) {
		bool q = strcmp(kv[i].key, "driver") == 0;
		char *o = nic;

		for (int k = 0; quiet[k] != NULL; k++)
			q = q || strcmp(kv[i].key, quiet[k]) == 0;
		if (q)
			continue;
		xasprintf(&nic, "%s,%s=%s", o, kv[i].key, kv[i].val != NULL ? kv[i].val : "on");
		free(o);
	}
	topo_nic(L, gu, nic, line);
out:
	free(nic);
	free(buf);
}

/* -net nic,...: QEMU puts it on hub 0 without vlan=, and so does this. */
static void net_nic(struct loader *L, struct guest *gu, const char *v, const struct kv *kv, int n,
		    int line)
{
	char *nic = NULL;

	if (kv_get(kv, n, "vlan") != NULL || kv_get(kv, n, "netdev") != NULL) {
		topo_nic(L, gu, v, line);
		return;
	}
	xasprintf(&nic, "%s,vlan=0", v);
	topo_nic(L, gu, nic, line);
	free(nic);
}

/* -net TYPE,... (not nic): a back-end on the guest's hub vlan= (0). */
static void net_backend(struct loader *L, struct guest *gu, const struct kv *kv, int n, int line)
{
	static const char *const skip[] = { "type", "vlan", "name", NULL };
	const char *type = kv_get(kv, n, "type"), *vl = kv_get(kv, n, "vlan");
	char want[SIM_MAX_NAME + 1], err[ERRLEN];
	uint64_t vlan = 0;

	if (vl != NULL && parse_u64(vl, 0, 4095, &vlan, err) < 0) {
		lerr(L, line, "nic: -net %s: vlan: %s", type, err);
		return;
	}
	snprintf(want, sizeof(want), "%.15s-%.15s", gu->node.name, type);
	netdev_opts(L, netdev_made(L, want, type, (int)vlan, line), kv, n, skip, line);
}

/* -nic TYPE[,model=][,mac=],...: a back-end and a NIC wired to it. */
static void nic_backend(struct loader *L, struct guest *gu, const struct kv *kv, int n, int line)
{
	static const char *const skip[] = { "type", "model", "mac", "id", NULL };
	const char *type = kv_get(kv, n, "type") ? kv_get(kv, n, "type") : "user";
	const char *model = kv_get(kv, n, "model"), *mac = kv_get(kv, n, "mac");
	char want[SIM_MAX_NAME + 1], *nic = NULL;
	struct netdev_decl *d;

	if (strcmp(type, "none") == 0)
		return;
	snprintf(want, sizeof(want), "%.15s-%.15s", gu->node.name, type);
	d = netdev_made(L, want, type, -1, line);
	netdev_opts(L, d, kv, n, skip, line);
	xasprintf(&nic, "model=%s%s%s,netdev=%s", model ? model : "e1000", mac ? ",mac=" : "",
		  mac ? mac : "", d->name);
	topo_nic(L, gu, nic, line);
	free(nic);
}

/* -netdev TYPE,id=ID,...: a back-end named ID, for a -device to name. */
static void netdev_frag(struct loader *L, const struct kv *kv, int n, int line)
{
	static const char *const skip[] = { "type", "id", NULL };
	const char *type = kv_get(kv, n, "type"), *id = kv_get(kv, n, "id");

	if (id == NULL || !valid_name(id) || find_node(L, id) != NULL) {
		lerr(L, line, "nic: -netdev %s needs id=NAME, a name no node has (%s)",
		     type ? type : "", id == NULL ? "it has none" : id);
		return;
	}
	netdev_opts(L, netdev_made(L, id, type ? type : "", -1, line), kv, n, skip, line);
}

void topo_nic_fragment(struct loader *L, struct guest *gu, const char *value, int line)
{
	char err[ERRLEN], **w;
	int nw = qemu_split(value, &w, err);

	if (nw < 0) {
		lerr(L, line, "nic: %s", err);
		return;
	}
	for (int i = 0; i < nw; i += 2) {
		const char *opt = w[i], *v = i + 1 < nw ? w[i + 1] : NULL;
		char *buf;
		struct kv kv[MAX_KV];
		int n;

		if (strcmp(opt, "-net") != 0 && strcmp(opt, "-nic") != 0 &&
		    strcmp(opt, "-netdev") != 0 && strcmp(opt, "-device") != 0) {
			lerr(L, line, "nic: '%s' is not one of QEMU's network options (-net, -nic, "
				      "-netdev, -device)", opt);
			break;
		}
		if (v == NULL) {
			lerr(L, line, "nic: %s needs a value", opt);
			break;
		}
		if (strcmp(opt, "-device") == 0) {
			device(L, gu, v, line);
			continue;
		}
		buf = xmalloc(strlen(v) + 1);
		n = qemu_opts_split(v, "type", buf, kv, MAX_KV, err);
		if (n < 0)
			lerr(L, line, "nic: %s %s: %s", opt, v, err);
		else if (strcmp(opt, "-net") == 0 && kv_get(kv, n, "type") != NULL &&
			 strcmp(kv_get(kv, n, "type"), "nic") == 0)
			net_nic(L, gu, v, kv, n, line);
		else if (strcmp(opt, "-net") == 0 && kv_get(kv, n, "type") == NULL)
			lerr(L, line, "nic: -net %s: name the type first (-net nic,..., -net user,...)", v);
		else if (strcmp(opt, "-net") == 0)
			net_backend(L, gu, kv, n, line);
		else if (strcmp(opt, "-nic") == 0)
			nic_backend(L, gu, kv, n, line);
		else
			netdev_frag(L, kv, n, line);
		free(buf);
	}
	if (nw > 0)
		free(w[0]);
	free(w);
}

bool topo_netdev_value(struct loader *L, struct netdev_decl *d, const char *k, const char *v,
		       int line)
{
	char *buf, err[ERRLEN];
	struct kv kv[MAX_KV];
	int n;

	/* netdev = TYPE,...; type = TYPE,...: QEMU's -netdev value. After a
	 * type, a netdev = without a comma is the back-end's own option
	 * (hubport's netdev=, which it refuses with a reason). */
	if (strcmp(k, "netdev") != 0 && !(strcmp(k, "type") == 0 && strchr(v, ',') != NULL))
		return false;
	if (strcmp(k, "netdev") == 0 && d->type != NULL && strchr(v, ',') == NULL)
		return false;
	buf = xmalloc(strlen(v) + 1);
	n = qemu_opts_split(v, "type", buf, kv, MAX_KV, err);
	if (n < 0)
		lerr(L, line, "%s: %s", k, err);
	for (int i = 0; i < n; i++)
		topo_netdev_key(L, d, kv[i].key, kv[i].val != NULL ? kv[i].val : "on", line);
	free(buf);
	return true;
}

/*
 * Reading QEMU command lines (qemu.h): words, then each VM's NICs and
 * back-ends as QEMU would make them. qemu_emit.c writes the topology.
 */
#include "qemu_internal.h"
#include "../backends/netdev.h"
#include "../core/util.h"
#include "../nics/nic_models.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const char *qemu_keep(struct qvm *vm, const char *s)
{
	vm->owned = xreallocarray(vm->owned, (size_t)vm->nowned + 1, sizeof(*vm->owned));
	vm->owned[vm->nowned] = xstrdup(s);
	return vm->owned[vm->nowned++];
}

static void warnf(FILE *warn, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void warnf(FILE *warn, const char *fmt, ...)
{
	va_list ap;

	fputs("import: ", warn);
	va_start(ap, fmt);
	vfprintf(warn, fmt, ap);
	va_end(ap);
	fputc('\n', warn);
}

/* ---- words ------------------------------------------------------------------ */

int qemu_split(const char *line, char ***words, char *err)
{
	size_t len = strlen(line);
	char *buf = xmalloc(len + 1), *w = buf;
	char **v = xcalloc(QEMU_MAX_ARGS + 1, sizeof(*v));
	int n = 0;
	char quote = 0;
	bool in = false;

	for (const char *p = line;; p++) {
		char c = *p;

		if (c == '\0') {
			if (quote != 0) {
				free(buf);
				free(v);
				return errf(err, "a %c quote is not closed", quote);
			}
			break;
		}
		if (quote == '\'') {
			if (c == '\'')
				quote = 0;
			else
				*w++ = c;
			continue;
		}
		if (c == '\\' && p[1] == '\n') {
			p++;            /* a continued line */
			continue;
		}
		if (c == '\\' && p[1] != '\0' && (quote == 0 || strchr("\"\\$`", p[1]) != NULL)) {
			if (!in && n == QEMU_MAX_ARGS)
				goto many;
			if (!in)
				v[n++] = w;
			in = true;
			*w++ = *++p;
			continue;
		}
		if (quote == '"') {
			if (c == '"')
				quote = 0;
			else
				*w++ = c;
			continue;
		}
		if (isspace((unsigned char)c)) {
			if (in)
				*w++ = '\0';
			in = false;
			continue;
		}
		if (!in) {
			if (n == QEMU_MAX_ARGS)
				goto many;
			v[n++] = w;
			in = true;
		}
		if (c == '\'' || c == '"')
			quote = c;
		else
			*w++ = c;
	}
	*w = '\0';
	if (n == 0)
		free(buf);
	*words = v;
	return n;
many:
	free(buf);
	free(v);
	return errf(err, "more than %d words in one command line", QEMU_MAX_ARGS);
}

/* ---- QEMU's option values --------------------------------------------------- */

int qemu_opts_split(const char *v, const char *first_key, char *buf, struct kv *kv, int max,
		    char *err)
{
	char *w = buf;
	int n = 0;

	for (const char *p = v;;) {
		char *start = w, *eq;

		while (*p != '\0' && !(*p == ',' && p[1] != ',')) {
			if (*p == ',')
				p++;    /* ",," */
			*w++ = *p++;
		}
		*w++ = '\0';
		if (n == max)
			return errf(err, "more than %d options", max);
		eq = strchr(start, '=');
		if (eq != NULL) {
			*eq = '\0';
			kv[n++] = (struct kv){ start, eq + 1 };
		} else if (n == 0 && first_key != NULL) {
			kv[n++] = (struct kv){ (char *)first_key, start };
		} else if (*start != '\0') {
			kv[n++] = (struct kv){ start, NULL };
		}
		if (*p == '\0')
			break;
		p++;
	}
	return n;
}

/* "type,key=val,..." into o (qemu_opts_split), its strings kept by vm. */
static int qopts_parse(struct qvm *vm, const char *text, const char *first_key, struct qopts *o,
		       char *err)
{
	char *buf = xmalloc(strlen(text) + 1);
	struct kv kv[QEMU_MAX_OPTS];
	int n = qemu_opts_split(text, first_key, buf, kv, QEMU_MAX_OPTS, err);

	for (int i = 0; i < n; i++) {
		o->key[i] = (char *)qemu_keep(vm, kv[i].key);
		o->val[i] = kv[i].val != NULL ? (char *)qemu_keep(vm, kv[i].val) : NULL;
	}
	o->n = MAX(n, 0);
	free(buf);
	return n < 0 ? -1 : 0;
}

static const char *qget(const struct qopts *o, const char *key)
{
	for (int i = 0; i < o->n; i++)
		if (strcmp(o->key[i], key) == 0)
			return o->val[i] != NULL ? o->val[i] : "";
	return NULL;
}

/* Takes key out of o (an option the import acts on itself). */
static void qdrop(struct qopts *o, const char *key)
{
	for (int i = 0; i < o->n; i++)
		if (strcmp(o->key[i], key) == 0) {
			memmove(&o->key[i], &o->key[i + 1], (size_t)(o->n - i - 1) * sizeof(char *));
			memmove(&o->val[i], &o->val[i + 1], (size_t)(o->n - i - 1) * sizeof(char *));
			o->n--;
			i--;
		}
}

/* ---- a VM's network --------------------------------------------------------- */

/* A name for the topology from a QEMU id: letters, digits, _ and -. */
static void clean_name(char *dst, size_t len, const char *src, const char *fallback)
{
	size_t k = 0;

	for (const char *p = src; *p != '\0' && k + 1 < len; p++)
		dst[k++] = isalnum((unsigned char)*p) || *p == '-' || *p == '_' ? *p : '_';
	dst[k] = '\0';
	if (k == 0 || !isalpha((unsigned char)dst[0]))
		snprintf(dst, len, "%s%s", fallback, src);
	for (size_t i = 0; dst[i] != '\0'; i++)
		if (!isalnum((unsigned char)dst[i]) && dst[i] != '-' && dst[i] != '_')
			dst[i] = '_';
	dst[MIN(len - 1, (size_t)QEMU_NAME_MAX - 1)] = '\0';
}

static int find_netdev(const struct qvm *vm, const char *qid)
{
	for (int i = 0; i < vm->nnds; i++)
		if (strcmp(vm->nds[i].qid, qid) == 0)
			return i;
	return -1;
}

static int find_id(const struct qvm *vm, const char *id)
{
	for (int i = 0; i < vm->nnds; i++)
		if (strcmp(vm->nds[i].id, id) == 0)
			return i;
	return -1;
}

static struct qnetdev *add_netdev(struct qvm *vm, const char *type, const char *qid,
				  const char *src, FILE *warn)
{
	struct qnetdev *nd;
	char base[QEMU_NAME_MAX + 8];

	if (vm->nnds == QEMU_MAX_NETDEVS) {
		warnf(warn, "%s: more than %d back-ends: '%s' left out", vm->name, QEMU_MAX_NETDEVS,
		      src);
		return NULL;
	}
	nd = &vm->nds[vm->nnds++];
	memset(nd, 0, sizeof(*nd));
	snprintf(nd->type, sizeof(nd->type), "%s", type);
	nd->hub = nd->via = -1;
	nd->src = src;
	nd->supported = backend_find(type) != NULL;
	snprintf(nd->qid, sizeof(nd->qid), "%s", qid != NULL ? qid : type);
	clean_name(nd->id, sizeof(nd->id), nd->qid, "n");
	/* Unique within the VM: user, user1, ... */
	snprintf(base, sizeof(base), "%s", nd->id);
	for (int k = 1; find_id(vm, nd->id) != vm->nnds - 1; k++)
		snprintf(nd->id, sizeof(nd->id), "%.24s%d", base, k % 1000);
	return nd;
}

static struct qnic *add_nic(struct qvm *vm, const char *model, const char *src, FILE *warn)
{
	struct qnic *nic;

	if (vm->nnics == QEMU_MAX_NICS) {
		warnf(warn, "%s: more than %d NICs: '%s' left out", vm->name, QEMU_MAX_NICS, src);
		return NULL;
	}
	nic = &vm->nics[vm->nnics++];
	memset(nic, 0, sizeof(*nic));
	nic->hub = nic->netdev = -1;
	nic->src = src;
	if (model == NULL || nic_model_find(model) == NULL) {
		if (model != NULL) {
			snprintf(nic->note, sizeof(nic->note), "QEMU's model %s is not one qnetsim "
				 "knows: e1000 stands in", model);
			warnf(warn, "%s: NIC model '%s' (%s) is not one qnetsim knows: e1000 stands in "
			      "(model=help lists them)", vm->name, model, src);
		}
		model = "e1000";
	}
	snprintf(nic->model, sizeof(nic->model), "%s", nic_model_find(model)->name);
	return nic;
}

/* mac= or macaddr=, into nic; else QEMU's default, given once the NICs are
 * in QEMU's order (qemu_macs). */
static void nic_mac(struct qvm *vm, struct qnic *nic, const char *mac, FILE *warn)
{
	if (mac != NULL && parse_mac(mac, nic->mac) == 0) {
		nic->mac_given = true;
		return;
	}
	if (mac != NULL)
		warnf(warn, "%s: '%s' is not a MAC address (%s): QEMU's default instead", vm->name,
		      mac, nic->src);
}

/* QEMU makes the NICs of -nic, then of -net nic, with the machine, then
 * each -device in turn (read off QEMU 7.2), and gives each without a MAC the first of
 * 52:54:00:12:34:56..fe that no NIC made before it has (its mac_table). */
static void qemu_macs(struct qvm *vm)
{
	struct qnic sorted[QEMU_MAX_NICS];
	bool used[256] = { false };
	int n = 0;

	for (int pass = 0; pass < 3; pass++)
		for (int i = 0; i < vm->nnics; i++)
			if (vm->nics[i].realize == pass)
				sorted[n++] = vm->nics[i];
	memcpy(vm->nics, sorted, (size_t)n * sizeof(sorted[0]));
	for (int i = 0; i < vm->nnics; i++) {
		struct qnic *nic = &vm->nics[i];
		static const uint8_t base[5] = { 0x52, 0x54, 0x00, 0x12, 0x34 };
		int k = 0x56;

		if (!nic->mac_given) {
			while (k < 0xff && used[k])
				k++;
			memcpy(nic->mac, base, sizeof(base));
			nic->mac[5] = (uint8_t)k;
		}
		if (memcmp(nic->mac, base, sizeof(base)) == 0)
			used[nic->mac[5]] = true;
	}
}

/* addr=, vectors=, name=/id= of a NIC. */
static void nic_extras(struct qnic *nic, const struct qopts *o)
{
	const char *addr = qget(o, "addr"), *vec = qget(o, "vectors");
	const char *id = qget(o, "name") ? qget(o, "name") : qget(o, "id");

	if (addr != NULL)
		snprintf(nic->extra, sizeof(nic->extra), ",addr=%.16s", addr);
	if (vec != NULL)
		snprintf(nic->extra + strlen(nic->extra), sizeof(nic->extra) - strlen(nic->extra),
			 ",vectors=%.8s", vec);
	if (id != NULL)
		clean_name(nic->id, sizeof(nic->id), id, "nic");
}

static int hub_of(const struct qopts *o, FILE *warn, const char *vmname)
{
	const char *v = qget(o, "vlan");
	char *end;
	long n;

	if (v == NULL)
		return 0;
	n = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || n < 0 || n > 4095) {
		warnf(warn, "%s: vlan=%s is not a number 0..4095: hub 0 instead", vmname, v);
		return 0;
	}
	return (int)n;
}

/* -net VALUE */
static int opt_net(struct qvm *vm, const char *val, const char *src, FILE *warn, char *err)
{
	struct qopts o;
	const char *type;

	if (qopts_parse(vm, val, "type", &o, err) < 0)
		return -1;
	type = qget(&o, "type") ? qget(&o, "type") : "";
	if (strcmp(type, "none") == 0) {
		vm->nodefault = true;
		return 0;
	}
	vm->has_net = true;
	if (strcmp(type, "nic") == 0) {
		struct qnic *nic = add_nic(vm, qget(&o, "model"), src, warn);

		if (nic == NULL)
			return 0;
		nic->realize = 1;
		nic_mac(vm, nic, qget(&o, "macaddr") ? qget(&o, "macaddr") : qget(&o, "mac"), warn);
		nic_extras(nic, &o);
		nic->netdev_qid = qget(&o, "netdev");
		if (nic->netdev_qid == NULL)
			nic->hub = hub_of(&o, warn, vm->name);
		return 0;
	}
	{
		struct qnetdev *nd = add_netdev(vm, type, qget(&o, "name") ? qget(&o, "name") : type,
						src, warn);

		if (nd == NULL)
			return 0;
		nd->hub = hub_of(&o, warn, vm->name);
		qdrop(&o, "type");
		qdrop(&o, "vlan");
		qdrop(&o, "name");
		nd->opts = o;
	}
	return 0;
}

/* -netdev VALUE */
static int opt_netdev(struct qvm *vm, const char *val, const char *src, FILE *warn, char *err)
{
	struct qopts o;
	struct qnetdev *nd;
	const char *id;

	if (qopts_parse(vm, val, "type", &o, err) < 0)
		return -1;
	vm->has_net = true;
	id = qget(&o, "id");
	if (id == NULL || *id == '\0')
		return errf(err, "%s: -netdev %s has no id=, which QEMU requires", vm->name, val);
	nd = add_netdev(vm, qget(&o, "type") ? qget(&o, "type") : "", id, src, warn);
	if (nd == NULL)
		return 0;
	if (strcmp(nd->type, "hubport") == 0) {
		const char *h = qget(&o, "hubid");

		nd->hub = h != NULL ? atoi(h) : 0;
		nd->supported = true;
		nd->hub_netdev = qget(&o, "netdev");
	}
	qdrop(&o, "type");
	qdrop(&o, "id");
	nd->opts = o;
	return 0;
}

/* -nic VALUE: a back-end and a NIC on it, at once. */
static int opt_nic(struct qvm *vm, const char *val, const char *src, FILE *warn, char *err)
{
	struct qopts o;
	struct qnic *nic;
	struct qnetdev *nd;
	const char *type;

	if (qopts_parse(vm, val, "type", &o, err) < 0)
		return -1;
	type = qget(&o, "type") ? qget(&o, "type") : "user";
	if (strcmp(type, "none") == 0) {
		vm->nodefault = true;
		return 0;
	}
	vm->has_net = true;
	nd = add_netdev(vm, type, qget(&o, "id") ? qget(&o, "id") : type, src, warn);
	nic = add_nic(vm, qget(&o, "model"), src, warn);
	if (nic == NULL)
		return 0;
	nic_mac(vm, nic, qget(&o, "mac"), warn);
	if (nd != NULL) {
		nic->netdev = (int)(nd - vm->nds);
		qdrop(&o, "type");
		qdrop(&o, "id");
		qdrop(&o, "model");
		qdrop(&o, "mac");
		nd->opts = o;
	}
	return 0;
}

/* -device VALUE: a NIC when the driver is one (or names a netdev). */
static int opt_device(struct qvm *vm, const char *val, const char *src, FILE *warn, char *err)
{
	static const char *const quiet[] = { "driver", "netdev", "mac", "id", "addr", "vectors", NULL };
	struct qopts o;
	struct qnic *nic;
	const char *drv, *nd;
	char unused[160] = "";

	if (qopts_parse(vm, val, "driver", &o, err) < 0)
		return -1;
	drv = qget(&o, "driver") ? qget(&o, "driver") : "";
	nd = qget(&o, "netdev");
	if (nic_model_find(drv) == NULL && nd == NULL)
		return 1;       /* not the network's */
	vm->has_net = true;
	nic = add_nic(vm, drv, src, warn);
	if (nic == NULL)
		return 0;
	nic->realize = 2;
	nic_mac(vm, nic, qget(&o, "mac"), warn);
	nic_extras(nic, &o);
	/* The netdev may come later on the line: QEMU makes them all first. */
	nic->netdev_qid = nd;
	nic->nopeer = nd == NULL;
	/* bus=, romfile=, mq=, ...: PCI and device details, no network's. */
	for (int i = 0; i < o.n; i++) {
		bool q = false;

		for (int k = 0; quiet[k] != NULL; k++)
			q = q || strcmp(o.key[i], quiet[k]) == 0;
		if (!q && strlen(unused) + strlen(o.key[i]) + 3 < sizeof(unused))
			snprintf(unused + strlen(unused), sizeof(unused) - strlen(unused), "%s%s",
				 unused[0] ? ", " : "", o.key[i]);
	}
	if (unused[0] != '\0' && nic->note[0] == '\0')
		snprintf(nic->note, sizeof(nic->note), "%.120s: accepted, no effect here", unused);
	return 0;
}

/* -redir [tcp|udp]:HOSTPORT:[GUESTADDR]:GUESTPORT, QEMU 2.x: a hostfwd
 * on hub 0's user back-end (QEMU 3.0 removed -redir for it). */
static int opt_redir(struct qvm *vm, const char *val, FILE *warn)
{
	char proto[8] = "tcp", hport[16] = "", gaddr[64] = "", gport[16] = "";
	struct qnetdev *user = NULL;

	if (sscanf(val, "%7[a-z]:%15[0-9]:%63[0-9.]:%15[0-9]", proto, hport, gaddr, gport) != 4 &&
	    sscanf(val, "%7[a-z]:%15[0-9]::%15[0-9]", proto, hport, gport) != 3) {
		warnf(warn, "%s: -redir %s is not [tcp|udp]:HOSTPORT:[GUESTADDR]:GUESTPORT: left out",
		      vm->name, val);
		return 0;
	}
	for (int i = 0; i < vm->nnds && user == NULL; i++)
		if (strcmp(vm->nds[i].type, "user") == 0 && vm->nds[i].hub == 0)
			user = &vm->nds[i];
	if (user == NULL || user->nfwd == (int)ARRAY_SIZE(user->fwd)) {
		warnf(warn, "%s: -redir %s needs a user back-end on hub 0 (-net user): left out",
		      vm->name, val);
		return 0;
	}
	snprintf(user->fwd[user->nfwd++], sizeof(user->fwd[0]), "%s::%s-%s:%s", proto, hport,
		 gaddr, gport);
	warnf(warn, "%s: -redir %s is hostfwd=%s since QEMU 3.0", vm->name, val,
	      user->fwd[user->nfwd - 1]);
	return 0;
}

/* QEMU's options that take a value, so the value is not taken for a disk
 * image; an option not listed here takes none. */
static const char *const with_value[] = {
	"M", "machine", "cpu", "accel", "smp", "m", "mem-path", "k", "audio", "audiodev",
	"soundhw", "device", "name", "uuid", "fda", "fdb", "hda", "hdb", "hdc", "hdd", "cdrom",
	"drive", "mtdblock", "sd", "pflash", "snapshot-never", "boot", "kernel", "append",
	"initrd", "dtb", "fw_cfg", "serial", "parallel", "monitor", "qmp", "qmp-pretty", "mon",
	"debugcon", "pidfile", "chardev", "fsdev", "virtfs", "display", "vga", "vnc", "spice",
	"usbdevice", "smbios", "bios", "L", "rtc", "icount", "watchdog-action", "echr",
	"incoming", "chroot", "runas", "sandbox", "object", "global", "D", "d", "dfilter",
	"trace", "plugin", "gdb", "add-fd", "loadvm", "option-rom", "action", "iscsi", "blockdev",
	"numa", "set", "readconfig", "tpmdev", "semihosting-config", "msg", "compat", "overcommit",
	"g", "p", "rotate", "xen-domid", "seed", "run-with", NULL,
};

static bool takes_value(const char *opt)
{
	for (int i = 0; with_value[i] != NULL; i++)
		if (strcmp(opt, with_value[i]) == 0)
			return true;
	return false;
}

/* "–net" with an en or em dash, as word processors write it: read as "-". */
static const char *fix_dash(struct qvm *vm, const char *w, FILE *warn)
{
	static const char *const dashes[] = { "\xe2\x80\x93", "\xe2\x80\x94", "\xe2\x88\x92" };

	for (size_t i = 0; i < ARRAY_SIZE(dashes); i++) {
		size_t l = strlen(dashes[i]);

		if (strncmp(w, dashes[i], l) == 0 && w[l] != '\0') {
			char fixed[256];

			snprintf(fixed, sizeof(fixed), "-%s", w + l);
			warnf(warn, "%s: '%s' starts with a typographic dash, not '-': QEMU would take "
			      "it for a file name; read as %s", vm->name, w, fixed);
			return qemu_keep(vm, fixed);
		}
	}
	return w;
}

static void note_ignored(struct qvm *vm, const char *w, const char *v)
{
	size_t k = strlen(vm->ignored);

	if (k + strlen(w) + (v ? strlen(v) : 0) + 8 >= sizeof(vm->ignored)) {
		if (k + 5 < sizeof(vm->ignored) && strstr(vm->ignored, ", ...") == NULL)
			snprintf(vm->ignored + k, sizeof(vm->ignored) - k, ", ...");
		return;
	}
	snprintf(vm->ignored + k, sizeof(vm->ignored) - k, "%s%s%s%s", k ? ", " : "", w,
		 v ? " " : "", v ? v : "");
}

/* One VM's command line. */
static int read_vm(struct qvm *vm, int argc, char **argv, FILE *warn, char *err)
{
	int i = 0;

	if (argc > 0 && argv[0][0] != '-' && (strstr(argv[0], "qemu") || strstr(argv[0], "kvm")))
		i = 1;          /* the program */
	for (size_t k = 0, c = 0; (int)k < argc && c + 2 < sizeof(vm->cmdline); k++)
		c += (size_t)snprintf(vm->cmdline + c, sizeof(vm->cmdline) - c, "%s%s", k ? " " : "",
				      argv[k]);
	for (; i < argc; i++) {
		const char *w = fix_dash(vm, argv[i], warn), *o;
		const char *v = i + 1 < argc ? argv[i + 1] : NULL, *src;
		int rc;

		if (w[0] != '-') {
			note_ignored(vm, w, NULL);
			continue;
		}
		o = w + (w[1] == '-' ? 2 : 1);
		if (strcmp(o, "nodefaults") == 0) {
			vm->nodefault = true;
			continue;
		}
		if (strcmp(o, "net") != 0 && strcmp(o, "netdev") != 0 && strcmp(o, "nic") != 0 &&
		    strcmp(o, "device") != 0 && strcmp(o, "redir") != 0 && strcmp(o, "name") != 0) {
			note_ignored(vm, w, takes_value(o) ? v : NULL);
			i += takes_value(o) && v != NULL;
			continue;
		}
		if (v == NULL)
			return errf(err, "%s: %s needs a value", vm->name, w);
		i++;
		{
			char both[1024];

			snprintf(both, sizeof(both), "%s %s", w, v);
			src = qemu_keep(vm, both);
		}
		if (strcmp(o, "name") == 0) {
			const char *eq = strstr(v, "guest=");
			char nm[QEMU_NAME_MAX];

			snprintf(nm, sizeof(nm), "%s", eq ? eq + 6 : v);
			nm[strcspn(nm, ",")] = '\0';
			clean_name(vm->name, sizeof(vm->name), nm, "vm");
			continue;
		}
		if (strcmp(o, "redir") == 0) {
			/* After the rest: it may be the default network's. */
			if (vm->nredir < (int)ARRAY_SIZE(vm->redir))
				vm->redir[vm->nredir++] = qemu_keep(vm, v);
			else
				warnf(warn, "%s: more than %d -redir: -redir %s left out", vm->name,
				      (int)ARRAY_SIZE(vm->redir), v);
			continue;
		}
		rc = strcmp(o, "net") == 0 ? opt_net(vm, v, src, warn, err) :
		     strcmp(o, "netdev") == 0 ? opt_netdev(vm, v, src, warn, err) :
		     strcmp(o, "nic") == 0 ? opt_nic(vm, v, src, warn, err) :
		     opt_device(vm, v, src, warn, err);
		if (rc < 0)
			return -1;
		if (rc > 0)
			note_ignored(vm, w, v);
	}
	for (int k = 0; k < vm->nnics; k++) {
		struct qnic *nic = &vm->nics[k];

		if (nic->netdev_qid == NULL)
			continue;
		nic->netdev = find_netdev(vm, nic->netdev_qid);
		if (nic->netdev < 0) {
			warnf(warn, "%s: %s names netdev '%s', which no -netdev defines: QEMU refuses "
			      "that; here the NIC has no peer", vm->name, nic->src, nic->netdev_qid);
			nic->nopeer = true;
		}
	}
	/* A hubport's netdev= puts that netdev on the hub. */
	for (int k = 0; k < vm->nnds; k++) {
		int t;

		if (vm->nds[k].hub_netdev == NULL)
			continue;
		t = find_netdev(vm, vm->nds[k].hub_netdev);
		if (t < 0 || strcmp(vm->nds[t].type, "hubport") == 0 || vm->nds[t].via >= 0) {
			warnf(warn, "%s: %s names netdev '%s', which no -netdev defines or another "
			      "hubport took: QEMU refuses that; here it is left out", vm->name,
			      vm->nds[k].src, vm->nds[k].hub_netdev);
			vm->nds[k].hub_netdev = NULL;
		} else {
			vm->nds[t].hub = vm->nds[k].hub;
			vm->nds[t].via = k;
		}
	}
	if (!vm->has_net && !vm->nodefault) {
		/* QEMU's default network: -net nic -net user. */
		const char *src = qemu_keep(vm, "(no network option: QEMU's default, -net nic -net user)");
		struct qnic *nic = add_nic(vm, NULL, src, warn);
		struct qnetdev *nd = add_netdev(vm, "user", "user", src, warn);

		nic->realize = 1;
		nic->hub = 0;
		nd->hub = 0;
	}
	qemu_macs(vm);
	for (int k = 0; k < vm->nredir; k++)
		opt_redir(vm, vm->redir[k], warn);
	return 0;
}

int qemu_import(char ***argvs, const int *argcs, int nvms, FILE *out, FILE *warn, char *err)
{
	struct qvm *vms;
	int rc = 0;

	if (nvms < 1 || nvms > QEMU_MAX_VMS)
		return errf(err, "%d command lines: import takes 1 to %d", nvms, QEMU_MAX_VMS);
	vms = xcalloc((size_t)nvms, sizeof(*vms));
	for (int k = 0; k < nvms && rc == 0; k++) {
		snprintf(vms[k].name, sizeof(vms[k].name), "vm%d", k + 1);
		rc = read_vm(&vms[k], argcs[k], argvs[k], warn, err);
	}
	/* Two VMs with the same -name: the second gets a number. */
	for (int k = 0; k < nvms && rc == 0; k++)
		for (int j = 0; j < k; j++)
			if (strcmp(vms[j].name, vms[k].name) == 0)
				snprintf(vms[k].name, sizeof(vms[k].name), "vm%d", k + 1);
	if (rc == 0)
		qemu_emit(vms, nvms, out, warn);
	for (int k = 0; k < nvms; k++) {
		for (int i = 0; i < vms[k].nowned; i++)
			free(vms[k].owned[i]);
		free(vms[k].owned);
	}
	free(vms);
	return rc;
}

int qemu_import_line(const char *line, FILE *out, FILE *warn, char *err)
{
	char **words;
	int n = qemu_split(line, &words, err), rc;

	if (n < 0)
		return -1;
	rc = n > 0 ? qemu_import(&words, &n, 1, out, warn, err) :
	     errf(err, "the command line is empty");
	if (n > 0)
		free(words[0]);
	free(words);
	return rc;
}

/* Whether a word names QEMU's program. */
static bool is_qemu(const char *w)
{
	const char *b = strrchr(w, '/') ? strrchr(w, '/') + 1 : w;

	return strncmp(b, "qemu", 4) == 0 || strcmp(b, "kvm") == 0;
}

int qemu_import_text(const char *text, FILE *out, FILE *warn, char *err)
{
	char **argvs[QEMU_MAX_VMS], **words[QEMU_MAX_VMS];
	int argcs[QEMU_MAX_VMS], n = 0, rc;
	char *copy = xstrdup(text), *line, *save = NULL;

	/* Joined continuations first, so that a line is a command. */
	for (char *p = copy; (p = strstr(p, "\\\n")) != NULL;)
		memmove(p, p + 2, strlen(p + 2) + 1);
	for (line = strtok_r(copy, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char **w;
		int c = qemu_split(line, &w, err), s = 0;

		if (c <= 0) {
			if (c == 0)
				free(w);
			else
				warnf(warn, "a line is not read: %s", err);
			continue;
		}
		/* A prompt ("$", "#", "[root@host ~]#"), sudo, VAR=value; an
		 * empty word ('') is none of them. */
		while (s < c && w[s][0] != '\0' &&
		       (strcmp(w[s], "$") == 0 || strcmp(w[s], "#") == 0 ||
			w[s][strlen(w[s]) - 1] == '#' || w[s][strlen(w[s]) - 1] == ']' ||
			w[s][0] == '[' || strcmp(w[s], "sudo") == 0 ||
			(strchr(w[s], '=') != NULL && w[s][0] != '-')))
			s++;
		if (s >= c || !is_qemu(w[s]) || n == QEMU_MAX_VMS) {
			free(w[0] == NULL ? NULL : w[0]);
			free(w);
			continue;
		}
		words[n] = w;
		argvs[n] = w + s;
		argcs[n] = c - s;
		n++;
	}
	free(copy);
	rc = n == 0 ? errf(err, "no QEMU command line in it (a line starting with qemu-system-..., "
			      "qemu or kvm)") : qemu_import(argvs, argcs, n, out, warn, err);
	for (int k = 0; k < n; k++) {
		free(words[k][0]);
		free(words[k]);
	}
	return rc;
}

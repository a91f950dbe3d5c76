/*
 * Kernel guests: a network namespace behind taps; see kernel.h.
 *
 * This file has the guest and its namespace: its keys, the set-up (the
 * namespace, a tap per NIC moved into it, addresses, the route, the
 * resolver), the teardown, and what it shows (expectations' fields, info,
 * the report). The processes that run in it are in kernel_exec.c, the
 * frames between its NICs and their taps in kernel_tap.c.
 */
#include "kernel_internal.h"
#include "../os/host.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

const char *kexec_state_name(enum kexec_state st)
{
	static const char *const n[] = { "pending", "running", "exited", "timeout", "killed",
					 "failed" };

	return (unsigned)st < ARRAY_SIZE(n) ? n[st] : "?";
}

static void kguest_init(struct guest *gu)
{
	struct kguest *k = xcalloc(1, sizeof(*k));

	k->gu = gu;
	k->timeout = KEXEC_DEFAULT_TIMEOUT;
	for (int i = 0; i < GUEST_MAX_NICS; i++)
		k->tapfd[i] = -1;
	gu->kind_state = k;
}

static int kguest_key(struct guest *gu, const char *key, const char *val, char *err)
{
	struct kguest *k = KG(gu);

	if (strcmp(key, "exec") == 0) {
		if (val[0] == '\0')
			return errf(err, "exec: needs a command (run with /bin/sh -c in the guest)");
		if (k->nexec == KEXEC_MAX)
			return errf(err, "exec: at most %d commands per guest", KEXEC_MAX);
		k->exec[k->nexec++] = kexec_new(k, val, -1);
		return 0;
	}
	if (strcmp(key, "exec_timeout") == 0) {
		char e[ERRLEN];

		if (parse_duration(val, &k->timeout, e) < 0)
			return errf(err, "exec_timeout: %s", e);
		if (k->timeout == 0 || k->timeout > 86400 * NS_PER_SEC)
			return errf(err, "exec_timeout: %s is out of range (1ms..86400s)", val);
		return 0;
	}
	return errf(err, "%s: not a netns guest's key", key);
}

/* ---- set-up --------------------------------------------------------------- */

static int ip_cmd(struct kguest *k, bool in_ns, char *err, const char *what, const char *fmt,
		  ...) __attribute__((format(printf, 5, 6)));

/* Runs `ip [-n NS] ARGS...` (in_ns: inside the guest's namespace; fmt builds the arguments, space-separated, no
 * quoting needed: names and addresses only). */
static int ip_cmd(struct kguest *k, bool in_ns, char *err, const char *what, const char *fmt,
		  ...)
{
	char args[512], out[256], *argv[32];
	const char *cargv[40];
	int argc, n = 0, rc;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	argc = split_words(args, argv, 30);
	cargv[n++] = "ip";
	if (in_ns) {
		cargv[n++] = "-n";
		cargv[n++] = k->ns;
	}
	for (int i = 0; i < argc; i++)
		cargv[n++] = argv[i];
	cargv[n] = NULL;
	rc = host_run(cargv, NULL, out, sizeof(out));
	if (rc == 0)
		return 0;
	return errf(err, "guest %s: %s failed%s%s", k->gu->node.name, what, out[0] ? ": " : "",
		    rc == 127 && out[0] == '\0' ? "ip (iproute2) is not installed" : out);
}

int kguest_write_resolv(struct kguest *k, uint32_t dns, char *err)
{
	char path[160], ip[16];
	FILE *f;

	snprintf(k->resolv_dir, sizeof(k->resolv_dir), "/etc/netns/%s", k->ns);
	mkdir("/etc/netns", 0755);
	if (mkdir(k->resolv_dir, 0755) < 0 && errno != EEXIST)
		return errf(err, "guest %s: cannot make %s: %s", k->gu->node.name, k->resolv_dir,
			    strerror(errno));
	if (!k->resolv_made) {
		host_record(HOST_DIR, k->resolv_dir);
		k->resolv_made = true;
	}
	snprintf(path, sizeof(path), "%s/resolv.conf", k->resolv_dir);
	f = fopen(path, "we");
	if (f == NULL)
		return errf(err, "guest %s: %s: %s", k->gu->node.name, path, strerror(errno));
	fprintf(f, "# written by qnetsim for guest %s\nnameserver %s\n", k->gu->node.name,
		fmt_ipv4(dns, ip));
	fclose(f);
	return 0;
}

static int kguest_open(struct guest *gu, char *err)
{
	struct kguest *k = KG(gu);
	char ip[16];

	if (host_can_net_admin(err) < 0)
		return errf(err, "guest %s: kind=netns: %.200s", gu->node.name, err);
	k->buf = xmalloc(TAP_BUF);
	snprintf(k->ns, sizeof(k->ns), "qn%d-%s", (int)getpid(), gu->node.name);
	if (ip_cmd(k, false, err, "creating network namespace", "netns add %s", k->ns) < 0)
		return -1;
	k->ns_made = true;
	k->open = true;
	host_record(HOST_NETNS, k->ns);
	if (ip_cmd(k, true, err, "bringing lo up", "link set lo up") < 0)
		return -1;
	for (int i = 0; i < gu->nnics; i++) {
		struct nic *nic = gu->nics[i];
		char e[ERRLEN];

		k->tapfd[i] = tap_open("qk%d", k->tapname[i], e);
		if (k->tapfd[i] < 0)
			return errf(err, "guest %s: %s", gu->node.name, e);
		if (if_set_mac(k->tapname[i], nic->mac, e) < 0)
			return errf(err, "guest %s: %s", gu->node.name, e);
		/* The tap is still in our namespace. */
		if (ip_cmd(k, false, err, "moving the tap into the namespace",
			   "link set dev %s netns %s name eth%d", k->tapname[i], k->ns, i) < 0)
			return -1;
		if (ip_cmd(k, true, err, "bringing the NIC up", "link set eth%d up", i) < 0)
			return -1;
		if (nic->ip != 0 &&
		    ip_cmd(k, true, err, "setting the address", "addr add %s/%d dev eth%d",
			   fmt_ipv4(nic->ip, ip), nic->prefix, i) < 0)
			return -1;
		if (loop_fd_add(LP(k), k->tapfd[i], EPOLLIN, kguest_tap_cb, nic) < 0)
			return errf(err, "guest %s: cannot watch the tap", gu->node.name);
	}
	if (gu->gateway != 0 &&
	    ip_cmd(k, true, err, "setting the default route", "route add default via %s",
		   fmt_ipv4(gu->gateway, ip)) < 0)
		return -1;
	if (gu->dns != 0 && kguest_write_resolv(k, gu->dns, err) < 0)
		return -1;
	return 0;
}

/* ---- teardown ------------------------------------------------------------- */

static void kguest_close(struct guest *gu)
{
	struct kguest *k = KG(gu);

	if (k == NULL || !k->open)
		return;
	k->open = false;
	for (int i = 0; i < k->nexec; i++)
		kexec_kill(k->exec[i]);
	for (int i = 0; i < gu->nnics; i++) {
		kexec_kill(k->dhcp[i]);
		if (k->tapfd[i] >= 0) {
			loop_fd_del(LP(k), k->tapfd[i]);
			close(k->tapfd[i]);
			k->tapfd[i] = -1;
		}
	}
	if (k->ns_made) {
		host_remove(HOST_NETNS, k->ns);
		host_forget(HOST_NETNS, k->ns);
	}
	if (k->resolv_made) {
		host_remove(HOST_DIR, k->resolv_dir);
		host_forget(HOST_DIR, k->resolv_dir);
		rmdir("/etc/netns");    /* only when empty */
	}
}

static void kguest_free(struct guest *gu)
{
	struct kguest *k = KG(gu);

	kguest_close(gu);
	for (int i = 0; i < k->nexec; i++)
		kexec_free(k->exec[i]);
	for (int i = 0; i < GUEST_MAX_NICS; i++)
		kexec_free(k->dhcp[i]);
	free(k->buf);
	free(k);
	gu->kind_state = NULL;
}

/* ---- what it shows -------------------------------------------------------- */

static void kexec_state_f(const void *obj, struct value *v)
{
	value_str(v, kexec_state_name(((const struct kexec *)obj)->state));
}

/* The exit status (128 + N for signal N); none while pending or running. */
static void kexec_status_f(const void *obj, struct value *v)
{
	const struct kexec *x = obj;

	if (x->state == KX_PENDING || x->state == KX_RUNNING)
		value_str(v, "none");
	else
		value_num(v, x->status);
}

static void kexec_started_f(const void *obj, struct value *v)
{
	value_num(v, (double)((const struct kexec *)obj)->started / NS_PER_SEC);
}

static void kexec_ended_f(const void *obj, struct value *v)
{
	value_num(v, (double)((const struct kexec *)obj)->ended / NS_PER_SEC);
}

/* A command's values: GUEST.exec[N].NAME and the report's "exec" and
 * "udhcpc" objects. */
static const struct field kexec_f[] = {
	FIELD_STR(struct kexec, "cmd", cmd, 0),
	FIELD_FN("state", kexec_state_f, FIELD_TEXT),
	FIELD_FN("status", kexec_status_f, 0),
	FIELD_STR(struct kexec, "output", out, 0),
	FIELD_U64(struct kexec, "output_dropped", dropped, 0),
	FIELD_FN("started", kexec_started_f, 0),
	FIELD_FN("ended", kexec_ended_f, 0),
};

static const struct field_table kexec_fields = { kexec_f, ARRAY_SIZE(kexec_f) };

/* exec[N].NAME and netns: 0, or -1 when name is none of them. At load
 * time (check) and for a command not queued yet, every value is none. */
static int kguest_value(struct guest *gu, const char *name, bool check, struct value *v)
{
	struct kguest *k = KG(gu);
	const struct field *f;
	char *end;
	long i;

	if (strcmp(name, "netns") == 0) {
		value_str(v, check ? "none" : k->ns);
		return 0;
	}
	if (strncmp(name, "exec[", 5) != 0)
		return -1;
	i = strtol(name + 5, &end, 10);
	if (end == name + 5 || end[0] != ']' || end[1] != '.' || i < 0)
		return -1;
	if ((f = field_in(&kexec_fields, end + 2)) == NULL)
		return -1;
	if (check || i >= k->nexec)
		value_str(v, "none");
	else
		field_get(f, k->exec[i], v);
	return 0;
}

static void kguest_exec_line(const struct guest *gu, int i, char *buf, size_t len)
{
	const struct kexec *x = KG(gu)->exec[i];

	if (x->state == KX_PENDING || x->state == KX_RUNNING)
		snprintf(buf, len, "%s: %s", kexec_state_name(x->state), x->cmd);
	else
		snprintf(buf, len, "%s %d: %s", kexec_state_name(x->state), x->status, x->cmd);
}

static void kguest_info(struct guest *gu, FILE *out)
{
	struct kguest *k = KG(gu);

	fprintf(out, "guest %s: netns %s\n", gu->node.name, k->ns);
	for (int i = 0; i < gu->nnics; i++) {
		char ip[16];

		fprintf(out, "  eth%d (NIC %s, tap %s): %s/%d%s\n", i, gu->nics[i]->id,
			k->tapname[i], fmt_ipv4(gu->nics[i]->ip, ip), gu->nics[i]->prefix,
			gu->nics[i]->dhcp_wanted ? " (udhcpc)" : "");
	}
	for (int i = 0; i < k->nexec; i++) {
		struct kexec *x = k->exec[i];
		char line[600];

		kguest_exec_line(gu, i, line, sizeof(line));
		fprintf(out, "  exec[%d] %s\n", i, line);
		if (x->outlen > 0) {
			const char *p = x->out;

			while (*p != '\0') {
				const char *nl = strchr(p, '\n');
				int n = nl ? (int)(nl - p) : (int)strlen(p);

				fprintf(out, "    | %.*s\n", n, p);
				p += n + (nl != NULL);
			}
		}
		if (x->dropped > 0)
			fprintf(out, "    (%" PRIu64 " more bytes of output not kept)\n", x->dropped);
	}
}

static json_t *kexec_json(const struct kexec *x)
{
	json_t *o = json_object();

	fields_json(o, &kexec_fields, x);
	return o;
}

static void kguest_report(struct guest *gu, json_t *obj)
{
	struct kguest *k = KG(gu);
	json_t *ex = json_array(), *dh = json_array();

	json_object_set_new(obj, "kind", json_string("netns"));
	json_object_set_new(obj, "netns", json_string(k->ns));
	for (int i = 0; i < k->nexec; i++)
		json_array_append_new(ex, kexec_json(k->exec[i]));
	json_object_set_new(obj, "exec", ex);
	for (int i = 0; i < gu->nnics; i++)
		if (k->dhcp[i] != NULL)
			json_array_append_new(dh, kexec_json(k->dhcp[i]));
	json_object_set_new(obj, "udhcpc", dh);
	json_object_set_new(obj, "tap_write_errors", json_integer((json_int_t)k->tap_write_errors));
}

static void kguest_lines(struct guest *gu, struct detail_lines *o)
{
	struct kguest *k = KG(gu);
	char text[300];

	snprintf(text, sizeof(text), "Linux kernel, netns %s", k->ns);
	o->line(o, LINE_TEXT, text);
	o->line(o, LINE_HEADING, " commands (exec)");
	if (k->nexec == 0)
		o->line(o, LINE_DIM, "(none)");
	for (int i = 0; i < k->nexec; i++) {
		const struct kexec *x = k->exec[i];
		char line[256];

		kguest_exec_line(gu, i, line, sizeof(line));
		snprintf(text, sizeof(text), "[%d] %s", i, line);
		o->line(o, x->state == KX_PENDING || x->state == KX_RUNNING ? LINE_PENDING :
			   x->status == 0 ? LINE_GOOD : LINE_BAD, text);
	}
}

static const char *const kguest_keys[] = { "exec", "exec_timeout", NULL };

const struct guest_kind netns_guest_kind = {
	.name = "netns",
	.about = "the Linux kernel's, in a network namespace",
	.tag = "netns, ",
	.stack = "the Linux kernel's stack",
	.real = true,
	.no_vifs = "a netns guest can make its own (exec = ip link add ... type vlan)",
	.keys = kguest_keys,
	.values = "exec[N].state|status|output|cmd, netns",
	.info_word = "kernel",
	.init = kguest_init,
	.free = kguest_free,
	.key = kguest_key,
	.open = kguest_open,
	.start = kguest_start,
	.input = kguest_input,
	.value = kguest_value,
	.report = kguest_report,
	.info = kguest_info,
	.lines = kguest_lines,
	.exec = kguest_exec_add,
};

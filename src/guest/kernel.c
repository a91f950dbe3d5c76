/*
 * Kernel guests: a network namespace behind taps; see kernel.h.
 */
#include "kernel.h"
#include "guest.h"
#include "stack.h"
#include "../os/tapdev.h"
#include "../os/host.h"
#include "../core/util.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define KEXEC_DEFAULT_TIMEOUT (60 * NS_PER_SEC)
#define DHCP_TIMEOUT (20 * NS_PER_SEC)
#define TAP_BUF (FRAME_MAX + 1)

struct kexec {
	struct kguest *k;
	char *cmd;
	int nic;                    /* udhcpc: the NIC; -1: an exec command */
	enum kexec_state state;
	int status;                 /* exit status, or 128 + signal */
	char *out;
	size_t outlen;
	uint64_t dropped;           /* output bytes past KEXEC_OUTPUT_MAX */
	pid_t pid;
	int outfd, pidfd;
	uint64_t started, ended;    /* loop time */
	struct timer timer;
};

struct kguest {
	struct guest *gu;
	char ns[64];
	bool ns_made, resolv_made, open;
	char resolv_dir[96];
	int tapfd[GUEST_MAX_NICS];
	char tapname[GUEST_MAX_NICS][IFNAMSIZ];
	struct kexec *exec[KEXEC_MAX];
	int nexec, next;            /* next: the first not started */
	struct kexec *dhcp[GUEST_MAX_NICS];
	int dhcp_running;
	uint64_t timeout;
	uint8_t *buf;
	uint64_t tap_write_errors;
};

static struct loop *LP(struct kguest *k)
{
	return k->gu->node.g->loop;
}

const char *kexec_state_name(enum kexec_state st)
{
	static const char *const n[] = { "pending", "running", "exited", "timeout", "killed",
					 "failed" };

	return (unsigned)st < ARRAY_SIZE(n) ? n[st] : "?";
}

struct kguest *kguest_new(struct guest *gu)
{
	struct kguest *k = xcalloc(1, sizeof(*k));

	k->gu = gu;
	k->timeout = KEXEC_DEFAULT_TIMEOUT;
	for (int i = 0; i < GUEST_MAX_NICS; i++)
		k->tapfd[i] = -1;
	return k;
}

static struct kexec *kexec_new(struct kguest *k, const char *cmd, int nic)
{
	struct kexec *x = xcalloc(1, sizeof(*x));

	x->k = k;
	x->cmd = xstrdup(cmd);
	x->nic = nic;
	x->outfd = x->pidfd = -1;
	x->out = xmalloc(1);
	x->out[0] = '\0';
	return x;
}

int kguest_key(struct kguest *k, const char *key, const char *val, char *err)
{
	if (strcmp(key, "exec") == 0) {
		if (val[0] == '\0')
			return errf(err, "exec: needs a command (run with /bin/sh -c in the guest)");
		if (k->nexec == KEXEC_MAX)
			return errf(err, "exec: at most %d commands per guest", KEXEC_MAX);
		k->exec[k->nexec++] = kexec_new(k, val, -1);
		return 1;
	}
	if (strcmp(key, "exec_timeout") == 0) {
		char e[ERRLEN];

		if (parse_duration(val, &k->timeout, e) < 0)
			return errf(err, "exec_timeout: %s", e);
		if (k->timeout == 0 || k->timeout > 86400 * NS_PER_SEC)
			return errf(err, "exec_timeout: %s is out of range (1ms..86400s)", val);
		return 1;
	}
	return 0;
}

const char *kguest_netns(const struct guest *gu)
{
	return gu->kern->ns;
}

int kguest_nexec(const struct guest *gu)
{
	return gu->kern->nexec;
}

/* ---- frames --------------------------------------------------------------- */

static void tap_cb(void *arg, uint32_t events);

static void tap_read(struct kguest *k, int i)
{
	struct nic *nic = k->gu->nics[i];

	for (int n = 0; n < 64; n++) {
		ssize_t len = read(k->tapfd[i], k->buf, TAP_BUF);
		struct frame *f;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (len < (ssize_t)ETH_HLEN || len > (ssize_t)FRAME_MAX)
			continue;
		f = frame_from_bytes(k->gu->node.g->pool, k->buf, (uint32_t)len);
		if (f == NULL) {
			nic->port->st.drops[DROP_NO_BUFFER]++;
			continue;
		}
		f->born = loop_now(LP(k));
		trace_record(k->gu->node.g, nic->port, f, DEC_SENT, 0, 0, true);
		port_tx(nic->port, f);
	}
}

static void tap_cb(void *arg, uint32_t events)
{
	struct nic *nic = arg;

	(void)events;
	tap_read(nic->guest->kern, nic->index);
}

void kguest_input(struct guest *gu, struct nic *nic, struct frame *f)
{
	struct kguest *k = gu->kern;
	int fd = k->tapfd[nic->index];
	ssize_t n;

	/* The NIC's filter: its MAC, broadcast and multicast (the kernel's
	 * IPv6 neighbour discovery needs multicast). */
	if (memcmp(f->data, nic->mac, 6) != 0 && !mac_is_multicast(f->data)) {
		port_drop(nic->port, f, DROP_NOT_FOR_US);
		return;
	}
	if (fd < 0) {
		port_drop(nic->port, f, DROP_LINK_DOWN);
		return;
	}
	do
		n = write(fd, f->data, f->len);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		k->tap_write_errors++;
		port_drop(nic->port, f, errno == EAGAIN ? DROP_PEER_BACKLOG : DROP_PEER_ERROR);
		return;
	}
	trace_record(gu->node.g, nic->port, f, DEC_DELIVERED, 0, 0, false);
	frame_unref(f);
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

static int write_resolv(struct kguest *k, uint32_t dns, char *err)
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

int kguest_open(struct guest *gu, char *err)
{
	struct kguest *k = gu->kern;
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
		if (loop_fd_add(LP(k), k->tapfd[i], EPOLLIN, tap_cb, nic) < 0)
			return errf(err, "guest %s: cannot watch the tap", gu->node.name);
	}
	if (gu->gateway != 0 &&
	    ip_cmd(k, true, err, "setting the default route", "route add default via %s",
		   fmt_ipv4(gu->gateway, ip)) < 0)
		return -1;
	if (gu->dns != 0 && write_resolv(k, gu->dns, err) < 0)
		return -1;
	return 0;
}

/* ---- processes ------------------------------------------------------------ */

static void kexec_run_next(struct kguest *k);

static void kexec_collect(struct kexec *x)
{
	char buf[4096];

	while (x->outfd >= 0) {
		ssize_t n = read(x->outfd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		if (x->outlen < KEXEC_OUTPUT_MAX) {
			size_t take = MIN((size_t)n, KEXEC_OUTPUT_MAX - x->outlen);

			x->out = xrealloc(x->out, x->outlen + take + 1);
			memcpy(x->out + x->outlen, buf, take);
			x->outlen += take;
			x->out[x->outlen] = '\0';
			x->dropped += (size_t)n - take;
		} else {
			x->dropped += (size_t)n;
		}
	}
}

static void out_cb(void *arg, uint32_t events)
{
	(void)events;
	kexec_collect(arg);
}

/* Reads a udhcpc lease file (KEY=VALUE lines our script wrote). */
static void dhcp_apply(struct kexec *x)
{
	struct kguest *k = x->k;
	struct guest *gu = k->gu;
	struct nic *nic = gu->nics[x->nic];
	char path[512], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s-eth%d.lease", host_scratch_dir(), k->ns, x->nic);
	f = fopen(path, "re");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *eq = strchr(line, '=');
		uint32_t a;
		uint64_t bits;

		line[strcspn(line, "\n")] = '\0';
		if (eq == NULL)
			continue;
		*eq = '\0';
		if (strcmp(line, "ip") == 0 && parse_ipv4(eq + 1, &a) == 0)
			nic->ip = a;
		else if (strcmp(line, "mask") == 0 && parse_u64(eq + 1, 0, 32, &bits, NULL) == 0)
			nic->prefix = (int)bits;    /* the DHCP server's: checked */
		else if (strcmp(line, "router") == 0 && parse_ipv4(strtok(eq + 1, " "), &a) == 0 &&
			 !gu->gateway_static)
			gu->gateway = a;
		else if (strcmp(line, "dns") == 0 && parse_ipv4(strtok(eq + 1, " "), &a) == 0 &&
			 gu->dns == 0)
			gu->dns = a;
	}
	fclose(f);
	if (nic->ip != 0) {
		char ip[16], e[ERRLEN];

		guest_event(gu, "eth%d: udhcpc got %s/%d", x->nic, fmt_ipv4(nic->ip, ip),
			    nic->prefix);
		if (gu->dns != 0 && write_resolv(k, gu->dns, e) < 0)
			guest_event(gu, "%s", e);
	}
}

/* The process has ended: its last output, then its fds and timer go. */
static void kexec_finish(struct kexec *x, enum kexec_state st, int status)
{
	struct loop *l = LP(x->k);

	kexec_collect(x);
	loop_timer_disarm(l, &x->timer);
	if (x->outfd >= 0) {
		loop_fd_del(l, x->outfd);
		close(x->outfd);
		x->outfd = -1;
	}
	if (x->pidfd >= 0) {
		loop_fd_del(l, x->pidfd);
		close(x->pidfd);
		x->pidfd = -1;
	}
	x->pid = 0;
	x->state = st;
	x->status = status;
	x->ended = loop_now(l);
}

static void kexec_done(struct kexec *x, enum kexec_state st, int status)
{
	struct kguest *k = x->k;

	kexec_finish(x, st, status);
	if (x->nic >= 0) {
		k->dhcp_running--;
		if (st == KX_EXITED && status == 0)
			dhcp_apply(x);
		else
			guest_event(k->gu, "eth%d: udhcpc got no lease (%s, status %d): %s", x->nic,
				    kexec_state_name(st), status, x->out);
		if (k->dhcp_running == 0)
			kexec_run_next(k);
		return;
	}
	for (int i = 0; i < k->nexec; i++)
		if (k->exec[i] == x)
			guest_event(k->gu, "exec[%d] %s, status %d: %s", i, kexec_state_name(st),
				    status, x->cmd);
	kexec_run_next(k);
}

static void pidfd_cb(void *arg, uint32_t events)
{
	struct kexec *x = arg;
	int status = 0;

	(void)events;
	if (waitpid(x->pid, &status, WNOHANG) <= 0)
		return;
	if (WIFEXITED(status))
		kexec_done(x, x->state == KX_TIMEOUT ? KX_TIMEOUT : KX_EXITED, WEXITSTATUS(status));
	else
		kexec_done(x, x->state == KX_TIMEOUT ? KX_TIMEOUT : KX_KILLED,
			   128 + WTERMSIG(status));
}

static void timeout_cb(void *arg)
{
	struct kexec *x = arg;

	if (x->pid <= 0)
		return;
	x->state = KX_TIMEOUT;
	kill(-x->pid, SIGKILL);
	kill(x->pid, SIGKILL);
}

static int kexec_spawn(struct kexec *x, const char *const argv[], uint64_t timeout)
{
	struct kguest *k = x->k;
	struct loop *l = LP(k);
	char e[ERRLEN];

	x->started = loop_now(l);
	x->pid = host_spawn(argv, k->ns, &x->outfd, &x->pidfd, e);
	if (x->pid < 0) {
		x->pid = 0;
		free(x->out);
		x->out = xstrdup(e);
		x->outlen = strlen(e);
		x->state = KX_FAILED;
		x->status = -1;
		x->ended = x->started;
		return -1;
	}
	x->state = KX_RUNNING;
	loop_fd_add(l, x->outfd, EPOLLIN, out_cb, x);
	loop_fd_add(l, x->pidfd, EPOLLIN, pidfd_cb, x);
	timer_init(&x->timer, timeout_cb, x);
	loop_timer_arm(l, &x->timer, x->started + timeout);
	return 0;
}

static void kexec_run_next(struct kguest *k)
{
	while (k->open && k->dhcp_running == 0 && k->next < k->nexec) {
		struct kexec *x = k->exec[k->next];
		const char *argv[] = { "/bin/sh", "-c", x->cmd, NULL };
		int idx = k->next;

		if (idx > 0 && k->exec[idx - 1]->state == KX_RUNNING)
			return;
		k->next++;
		if (kexec_spawn(x, argv, k->timeout) == 0) {
			guest_event(k->gu, "exec[%d]: %s", idx, x->cmd);
			return;
		}
		guest_event(k->gu, "exec[%d] failed to start: %s", idx, x->out);
	}
}

/* udhcpc calls this with the event as $1 and the lease in the environment. */
static const char udhcpc_script[] =
	"#!/bin/sh\n"
	"# qnetsim: applies a busybox udhcpc lease and writes it down for qnetsim\n"
	"lease=\"$QNETSIM_LEASE_DIR/$QNETSIM_NETNS-$interface.lease\"\n"
	"case \"$1\" in\n"
	"deconfig)\n"
	"\tip addr flush dev \"$interface\"\n"
	"\tip link set \"$interface\" up\n"
	"\t;;\n"
	"bound|renew)\n"
	"\tip addr flush dev \"$interface\"\n"
	"\tip addr add \"$ip/${mask:-24}\" dev \"$interface\" || exit 1\n"
	"\tfor r in $router; do ip route replace default via \"$r\" dev \"$interface\"; break; "
	"done\n"
	"\tprintf 'ip=%s\\nmask=%s\\nrouter=%s\\ndns=%s\\nlease=%s\\n' \"$ip\" \"${mask:-24}\" "
	"\"$router\" \"$dns\" \"$lease\" > \"$lease.tmp\" && mv \"$lease.tmp\" \"$lease\"\n"
	"\t;;\n"
	"esac\n"
	"exit 0\n";

static int write_script(char *path, size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/udhcpc.script", host_scratch_dir());
	if (access(path, X_OK) == 0)
		return 0;
	f = fopen(path, "we");
	if (f == NULL)
		return -1;
	fputs(udhcpc_script, f);
	fclose(f);
	return chmod(path, 0700);
}

void kguest_start(struct guest *gu)
{
	struct kguest *k = gu->kern;
	char script[512];

	if (!k->open)
		return;
	for (int i = 0; i < gu->nnics; i++) {
		char ifname[16], env1[600], env2[128];
		const char *argv[] = { "env", env1, env2, "busybox", "udhcpc", "-f", "-q", "-n",
				       "-t", "5", "-T", "2", "-A", "1", "-i", ifname, "-s", script,
				       NULL };

		if (!gu->nics[i]->kdhcp)
			continue;
		if (write_script(script, sizeof(script)) < 0) {
			guest_event(gu, "cannot write the udhcpc script %s: %s", script,
				    strerror(errno));
			break;
		}
		snprintf(ifname, sizeof(ifname), "eth%d", i);
		snprintf(env1, sizeof(env1), "QNETSIM_LEASE_DIR=%s", host_scratch_dir());
		snprintf(env2, sizeof(env2), "QNETSIM_NETNS=%s", k->ns);
		k->dhcp[i] = kexec_new(k, "busybox udhcpc", i);
		if (kexec_spawn(k->dhcp[i], argv, DHCP_TIMEOUT) == 0)
			k->dhcp_running++;
		else
			guest_event(gu, "eth%d: cannot run udhcpc: %s", i, k->dhcp[i]->out);
	}
	kexec_run_next(k);
}

int kguest_exec_add(struct guest *gu, const char *cmd, char *err)
{
	struct kguest *k = gu->kern;

	if (k == NULL)
		return errf(err, "guest %s is a sim guest; exec runs commands in netns guests "
				 "(kind = netns)", gu->node.name);
	if (k->nexec == KEXEC_MAX)
		return errf(err, "guest %s: at most %d commands", gu->node.name, KEXEC_MAX);
	k->exec[k->nexec++] = kexec_new(k, cmd, -1);
	kexec_run_next(k);
	return 0;
}

/* ---- teardown ------------------------------------------------------------- */

static void kexec_kill(struct kexec *x)
{
	if (x == NULL || x->pid <= 0)
		return;
	kill(-x->pid, SIGKILL);
	kill(x->pid, SIGKILL);
	waitpid(x->pid, NULL, 0);
	kexec_finish(x, KX_KILLED, 128 + SIGKILL);
}

void kguest_close(struct guest *gu)
{
	struct kguest *k = gu->kern;

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

static void kexec_free(struct kexec *x)
{
	if (x == NULL)
		return;
	free(x->cmd);
	free(x->out);
	free(x);
}

void kguest_free(struct kguest *k)
{
	if (k == NULL)
		return;
	kguest_close(k->gu);
	for (int i = 0; i < k->nexec; i++)
		kexec_free(k->exec[i]);
	for (int i = 0; i < GUEST_MAX_NICS; i++)
		kexec_free(k->dhcp[i]);
	free(k->buf);
	free(k);
}

/* ---- what it shows -------------------------------------------------------- */

int kguest_field(struct guest *gu, const char *field, char *buf, size_t len)
{
	struct kguest *k = gu->kern;
	const char *dot;
	struct kexec *x;
	char *end;
	long i;

	if (strcmp(field, "netns") == 0) {
		snprintf(buf, len, "%s", k->ns);
		return 0;
	}
	if (strncmp(field, "exec[", 5) != 0)
		return -1;
	i = strtol(field + 5, &end, 10);
	if (end == field + 5 || *end != ']' || i < 0)
		return -1;
	dot = end + 1;
	if (*dot != '.')
		return -1;
	dot++;
	if (i >= k->nexec) {
		snprintf(buf, len, "none");
		return strcmp(dot, "state") == 0 || strcmp(dot, "status") == 0 ||
		       strcmp(dot, "output") == 0 || strcmp(dot, "cmd") == 0 ? 0 : -1;
	}
	x = k->exec[i];
	if (strcmp(dot, "state") == 0)
		snprintf(buf, len, "%s", kexec_state_name(x->state));
	else if (strcmp(dot, "status") == 0)
		snprintf(buf, len, x->state == KX_PENDING || x->state == KX_RUNNING ? "none" : "%d",
			 x->status);
	else if (strcmp(dot, "output") == 0)
		snprintf(buf, len, "%s", x->out);
	else if (strcmp(dot, "cmd") == 0)
		snprintf(buf, len, "%s", x->cmd);
	else
		return -1;
	return 0;
}

void kguest_exec_line(const struct guest *gu, int i, char *buf, size_t len)
{
	const struct kexec *x = gu->kern->exec[i];

	if (x->state == KX_PENDING || x->state == KX_RUNNING)
		snprintf(buf, len, "%s: %s", kexec_state_name(x->state), x->cmd);
	else
		snprintf(buf, len, "%s %d: %s", kexec_state_name(x->state), x->status, x->cmd);
}

void kguest_info(struct guest *gu, FILE *out)
{
	struct kguest *k = gu->kern;

	fprintf(out, "guest %s: netns %s\n", gu->node.name, k->ns);
	for (int i = 0; i < gu->nnics; i++) {
		char ip[16];

		fprintf(out, "  eth%d (NIC %s, tap %s): %s/%d%s\n", i, gu->nics[i]->id,
			k->tapname[i], fmt_ipv4(gu->nics[i]->ip, ip), gu->nics[i]->prefix,
			gu->nics[i]->kdhcp ? " (udhcpc)" : "");
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

	json_object_set_new(o, "cmd", json_string(x->cmd));
	json_object_set_new(o, "state", json_string(kexec_state_name(x->state)));
	if (x->state != KX_PENDING && x->state != KX_RUNNING)
		json_object_set_new(o, "status", json_integer(x->status));
	else
		json_object_set_new(o, "status", json_null());
	json_object_set_new(o, "output", json_stringn(x->out, x->outlen));
	json_object_set_new(o, "output_dropped", json_integer((json_int_t)x->dropped));
	json_object_set_new(o, "started", json_real((double)x->started / NS_PER_SEC));
	json_object_set_new(o, "ended", json_real((double)x->ended / NS_PER_SEC));
	return o;
}

void kguest_report(struct guest *gu, json_t *obj)
{
	struct kguest *k = gu->kern;
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

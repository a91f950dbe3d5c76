/*
 * The processes a kernel guest runs in its namespace: busybox udhcpc on the
 * NICs with ip = dhcp first (their leases read back), then the exec
 * commands one after another, each with its timeout; their output, exit
 * status and times are kept for the report, info and expectations.
 */
#include "kernel_internal.h"
#include "../os/host.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct kexec *kexec_new(struct kguest *k, const char *cmd, int nic)
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
		if (gu->dns != 0 && kguest_write_resolv(k, gu->dns, e) < 0)
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
	x->pid = host_spawn(argv, k->ns, -1, &x->outfd, &x->pidfd, e);
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
	struct kguest *k = KG(gu);
	char script[512];

	if (!k->open)
		return;
	for (int i = 0; i < gu->nnics; i++) {
		char ifname[16], env1[600], env2[128];
		const char *argv[] = { "env", env1, env2, "busybox", "udhcpc", "-f", "-q", "-n",
				       "-t", "5", "-T", "2", "-A", "1", "-i", ifname, "-s", script,
				       NULL };

		if (!gu->nics[i]->dhcp_wanted)
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
	struct kguest *k = KG(gu);

	if (k->nexec == KEXEC_MAX)
		return errf(err, "guest %s: at most %d commands", gu->node.name, KEXEC_MAX);
	k->exec[k->nexec++] = kexec_new(k, cmd, -1);
	kexec_run_next(k);
	return k->nexec - 1;
}

void kexec_kill(struct kexec *x)
{
	if (x == NULL || x->pid <= 0)
		return;
	kill(-x->pid, SIGKILL);
	kill(x->pid, SIGKILL);
	waitpid(x->pid, NULL, 0);
	kexec_finish(x, KX_KILLED, 128 + SIGKILL);
}

void kexec_free(struct kexec *x)
{
	if (x == NULL)
		return;
	free(x->cmd);
	free(x->out);
	free(x);
}

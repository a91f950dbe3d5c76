/*
 * type=passt: QEMU 10.1's -netdev passt. qnetsim starts the passt program
 * (user-mode networking without privileges, what libvirt and Podman use)
 * with one end of a socketpair as its descriptor 3 (`passt --fd 3`), as
 * QEMU does, and speaks the stream framing on the other end: a 4-byte
 * big-endian length, then the frame (sockio.h).
 *
 *   [netdev net0]                   -netdev passt,id=net0,tcp-ports=8022:22
 *   type      = passt
 *   tcp-ports = 8022:22
 *
 * The options are QEMU's, each turned into passt's own option as QEMU
 * turns it (mtu=1500 is --mtu 1500, dhcp=off is --no-dhcp, ipv4=off is
 * --ipv6-only, search= and the ports lists joined); param= passes one
 * argument as it is. qnetsim checks the values it can (numbers, addresses,
 * on/off) when the topology is read; passt judges the rest when it starts,
 * and what it prints when it exits is the netdev's error.
 *
 * passt is run in the foreground with --one-off, so it ends when qnetsim
 * closes its end (even if qnetsim is killed: passt changes its user as
 * root, which clears the parent-death signal). Frames leave unpadded, cut
 * to their IP packet (socknet.cut_to_ip): passt 2023 drops a frame that is
 * longer than the packet in it, and a VM's virtio NIC sends none.
 *
 * vhost-user=on is refused: passt and the VM's memory would then exchange
 * frames without qnetsim in between.
 */
#include "sockio.h"
#include "../core/util.h"
#include "../os/host.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#define PASST_ARGS 160      /* passt's own argument vector, at most */
#define PASST_OUT 512       /* what passt printed, kept for the error */
#define PASST_START_WAIT_MS 150  /* how long open waits to see passt refuse */

struct passtnet {
	struct socknet sn;          /* first: the socket family's state */
	char *argv[PASST_ARGS + 1]; /* passt's command, NULL-ended */
	int argc;
	pid_t pid;                  /* 0: not running */
	int pidfd, outfd;           /* -1 */
	char out[PASST_OUT];        /* its first lines, "; " between them */
	size_t outlen;
	char line[256];             /* the line being read */
	size_t linelen;
	bool usage;                 /* it printed its usage: no more lines kept */
};

static struct passtnet *P(struct netdev *nd)
{
	return container_of(socknet_of(nd), struct passtnet, sn);
}

/* A QEMU option and what it becomes on passt's command line. */
enum pkind {
	PK_VALUE,       /* --flag VALUE */
	PK_OFF,         /* on/off; off gives --flag */
	PK_ON,          /* on/off; on gives --flag */
	PK_LIST,        /* repeatable; the values joined by sep after --flag */
	PK_PARAM,       /* repeatable; each value one argument as it is */
};

enum pcheck { PC_NONE, PC_IP, PC_NETMASK, PC_MAC, PC_IFNAME, PC_MTU, PC_IP_OR_NONE };

/* Every QEMU key that becomes a passt option: key, kind, passt's flag, the
 * check of its value, the list separator. popts and passt_opts are made
 * from it. */
#define PASST_KEYS(X) \
	X("mtu", PK_VALUE, "--mtu", PC_MTU, 0) \
	X("address", PK_VALUE, "--address", PC_IP, 0) \
	X("netmask", PK_VALUE, "--netmask", PC_NETMASK, 0) \
	X("mac", PK_VALUE, "--mac-addr", PC_MAC, 0) \
	X("gateway", PK_VALUE, "--gateway", PC_IP, 0) \
	X("interface", PK_VALUE, "--interface", PC_IFNAME, 0) \
	X("outbound", PK_VALUE, "--outbound", PC_IP, 0) \
	X("outbound-if4", PK_VALUE, "--outbound-if4", PC_IFNAME, 0) \
	X("outbound-if6", PK_VALUE, "--outbound-if6", PC_IFNAME, 0) \
	X("dns", PK_VALUE, "--dns", PC_IP, 0) \
	X("fqdn", PK_VALUE, "--fqdn", PC_NONE, 0) \
	X("dhcp-dns", PK_OFF, "--no-dhcp-dns", PC_NONE, 0) \
	X("dhcp-search", PK_OFF, "--no-dhcp-search", PC_NONE, 0) \
	X("map-host-loopback", PK_VALUE, "--map-host-loopback", PC_IP_OR_NONE, 0) \
	X("map-guest-addr", PK_VALUE, "--map-guest-addr", PC_IP_OR_NONE, 0) \
	X("dns-forward", PK_VALUE, "--dns-forward", PC_IP, 0) \
	X("dns-host", PK_VALUE, "--dns-host", PC_IP, 0) \
	X("tcp", PK_OFF, "--no-tcp", PC_NONE, 0) \
	X("udp", PK_OFF, "--no-udp", PC_NONE, 0) \
	X("icmp", PK_OFF, "--no-icmp", PC_NONE, 0) \
	X("dhcp", PK_OFF, "--no-dhcp", PC_NONE, 0) \
	X("ndp", PK_OFF, "--no-ndp", PC_NONE, 0) \
	X("dhcpv6", PK_OFF, "--no-dhcpv6", PC_NONE, 0) \
	X("ra", PK_OFF, "--no-ra", PC_NONE, 0) \
	X("freebind", PK_ON, "--freebind", PC_NONE, 0) \
	X("ipv4", PK_OFF, "--ipv6-only", PC_NONE, 0) \
	X("ipv6", PK_OFF, "--ipv4-only", PC_NONE, 0) \
	X("search", PK_LIST, "--search", PC_NONE, ' ') \
	X("tcp-ports", PK_LIST, "--tcp-ports", PC_NONE, ',') \
	X("udp-ports", PK_LIST, "--udp-ports", PC_NONE, ',') \
	X("param", PK_PARAM, NULL, PC_NONE, 0)

static const struct popt {
	const char *key;
	enum pkind kind;
	const char *flag;
	enum pcheck check;
	char sep;
} popts[] = {
#define AS_POPT(key, kind, flag, check, sep) { key, kind, flag, check, sep },
	PASST_KEYS(AS_POPT)
};

static const struct popt *popt_find(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(popts); i++)
		if (strcmp(popts[i].key, key) == 0)
			return &popts[i];
	return NULL;
}

static int check_value(const struct popt *p, const char *v, char *err)
{
	unsigned char a[16];
	uint8_t mac[6];
	uint64_t n;
	uint32_t ip;

	switch (p->check) {
	case PC_NONE:
		return 0;
	case PC_MTU:
		if (parse_u64(v, 68, 65520, &n, NULL) < 0)
			return errf(err, "mtu: '%s' is not a number from 68 to 65520", v);
		return 0;
	case PC_IP_OR_NONE:
		if (strcmp(v, "none") == 0)
			return 0;
		/* fall through */
	case PC_IP:
		if (inet_pton(AF_INET, v, a) == 1 || inet_pton(AF_INET6, v, a) == 1)
			return 0;
		return errf(err, "%s: '%s' is not an IPv4 or IPv6 address", p->key, v);
	case PC_NETMASK:
		if (parse_ipv4(v, &ip) == 0 || parse_u64(v, 0, 32, &n, NULL) == 0)
			return 0;
		return errf(err, "netmask: '%s' is not an IPv4 netmask (255.255.255.0) or a prefix "
				 "length (24)", v);
	case PC_MAC:
		if (parse_mac(v, mac) == 0)
			return 0;
		return errf(err, "mac: '%s' is not a MAC address (52:54:00:12:34:56)", v);
	case PC_IFNAME:
		if (v[0] != '\0' && strlen(v) < 16 && strchr(v, '/') == NULL)
			return 0;
		return errf(err, "%s: '%s' is not an interface name (1 to 15 characters, no '/')",
			    p->key, v);
	}
	return 0;
}

static int add_arg(struct passtnet *pn, const char *a, char *err)
{
	if (pn->argc >= PASST_ARGS)
		return errf(err, "passt: more than %d arguments", PASST_ARGS);
	pn->argv[pn->argc++] = xstrdup(a);
	return 0;
}

static void free_args(struct passtnet *pn)
{
	for (int i = 0; i < pn->argc; i++)
		free(pn->argv[i]);
	memset(pn->argv, 0, sizeof(pn->argv));
	pn->argc = 0;
}

/* The values of a PK_LIST option, in order, joined by its separator. */
static char *join_list(const struct popt *p, const struct netdev_opt *o, int n)
{
	size_t len = 1;
	char *s;

	for (int i = 0; i < n; i++)
		if (strcmp(o[i].key, p->key) == 0)
			len += strlen(o[i].val) + 1;
	s = xmalloc(len);
	s[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (strcmp(o[i].key, p->key) != 0)
			continue;
		if (s[0] != '\0')
			strncat(s, &p->sep, 1);
		strcat(s, o[i].val);
	}
	return s;
}

static int passt_configure(struct netdev *nd, const struct netdev_opt *o, int n, int *line,
			   char *err)
{
	struct passtnet *pn = P(nd);
	const char *path = "passt";
	bool quiet = true, listed[ARRAY_SIZE(popts)] = { false };
	char e[ERRLEN];
	int rc;

	free_args(pn);
	for (int i = 0; i < n; i++) {
		const struct popt *p = popt_find(o[i].key);
		bool on;

		*line = o[i].line;
		if (strcmp(o[i].key, "path") == 0) {
			if (o[i].val[0] == '\0')
				return errf(err, "path: empty (the passt program, default passt)");
			path = o[i].val;
		} else if (strcmp(o[i].key, "quiet") == 0) {
			if (parse_bool(o[i].val, &quiet, e) < 0)
				return errf(err, "quiet: %s", e);
		} else if (strcmp(o[i].key, "vhost-user") == 0) {
			if (parse_bool(o[i].val, &on, e) < 0)
				return errf(err, "vhost-user: %s", e);
			if (on)
				return errf(err, "vhost-user=on: passt would then trade frames with "
						 "the VM's memory, without qnetsim in between; "
						 "leave it off");
		} else if ((rc = netdev_tuning_opt(nd, o[i].key, o[i].val, e)) != 0) {
			if (rc < 0)
				return errf(err, "%s", e);
		} else if (p != NULL && (p->kind == PK_ON || p->kind == PK_OFF)) {
			if (parse_bool(o[i].val, &on, e) < 0)
				return errf(err, "%s: %s", o[i].key, e);
		} else if (p != NULL) {
			if (strchr(o[i].val, '\n') != NULL)
				return errf(err, "%s: a value on one line", o[i].key);
			if (check_value(p, o[i].val, err) < 0)
				return -1;
		}
	}
	/* The command, in QEMU's order: program, --quiet, the options, the
	 * parameters, then what qnetsim needs. */
	*line = nd->node.line;
	if (add_arg(pn, path, err) < 0 || (quiet && add_arg(pn, "--quiet", err) < 0))
		return -1;
	for (int i = 0; i < n; i++) {
		const struct popt *p = popt_find(o[i].key);
		bool on = false;

		if (p == NULL || p->kind == PK_PARAM)
			continue;
		*line = o[i].line;
		if (p->kind == PK_VALUE) {
			if (add_arg(pn, p->flag, err) < 0 || add_arg(pn, o[i].val, err) < 0)
				return -1;
		} else if (p->kind == PK_LIST) {
			char *joined;

			if (listed[p - popts])
				continue;
			listed[p - popts] = true;
			joined = join_list(p, o, n);
			rc = add_arg(pn, p->flag, err) < 0 || add_arg(pn, joined, err) < 0 ? -1 : 0;
			free(joined);
			if (rc < 0)
				return -1;
		} else {
			parse_bool(o[i].val, &on, NULL);
			if (on == (p->kind == PK_ON) && add_arg(pn, p->flag, err) < 0)
				return -1;
		}
	}
	for (int i = 0; i < n; i++) {
		*line = o[i].line;
		if (strcmp(o[i].key, "param") == 0 && add_arg(pn, o[i].val, err) < 0)
			return -1;
	}
	*line = nd->node.line;
	if (add_arg(pn, "--foreground", err) < 0 || add_arg(pn, "--one-off", err) < 0 ||
	    add_arg(pn, "--fd", err) < 0 || add_arg(pn, "3", err) < 0)
		return -1;
	socknet_of(nd)->spec.kind = SK_STREAM_FD;
	socknet_of(nd)->cut_to_ip = true;
	snprintf(nd->local_desc, sizeof(nd->local_desc), "passt");
	snprintf(nd->remote_desc, sizeof(nd->remote_desc), "passt");
	return 0;
}

static void passt_init(struct netdev *nd)
{
	sockio_init(nd);
	P(nd)->pidfd = P(nd)->outfd = -1;
}

/* One line passt printed, kept while there is room: its first lines say
 * why it stopped (an unknown option, then its usage). Lines about syslog
 * are left out (passt cannot reach one in its sandbox and says so), as
 * is its notice that it leaves root for nobody, and its usage text after
 * an option it refused. */
static void keep_line(struct passtnet *pn)
{
	size_t n = pn->linelen;

	pn->line[n] = '\0';
	pn->linelen = 0;
	while (n > 0 && (pn->line[n - 1] == ' ' || pn->line[n - 1] == '\r'))
		pn->line[--n] = '\0';
	if (strncmp(pn->line, "Usage:", 6) == 0)
		pn->usage = true;   /* the rest is its help text */
	if (n == 0 || pn->usage || strstr(pn->line, "syslog") != NULL ||
	    strstr(pn->line, "Changing to nobody") != NULL ||
	    pn->outlen + 3 >= sizeof(pn->out))
		return;
	pn->outlen += (size_t)snprintf(pn->out + pn->outlen, sizeof(pn->out) - pn->outlen, "%s%s",
				       pn->outlen ? "; " : "", pn->line);
	if (pn->outlen >= sizeof(pn->out))
		pn->outlen = sizeof(pn->out) - 1;
}

static void read_out(struct passtnet *pn)
{
	char buf[256];
	ssize_t r;

	while (pn->outfd >= 0 && (r = read(pn->outfd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < r; i++) {
			if (buf[i] == '\n') {
				keep_line(pn);
				continue;
			}
			if (pn->linelen + 1 < sizeof(pn->line))
				pn->line[pn->linelen++] = buf[i] == '\t' ? ' ' : buf[i];
		}
}

static void out_cb(void *arg, uint32_t events)
{
	struct passtnet *pn = arg;

	read_out(pn);
	if (events & (EPOLLHUP | EPOLLERR)) {
		loop_fd_del(pn->sn.nd.loop, pn->outfd);
		close(pn->outfd);
		pn->outfd = -1;
	}
}

static void stop_watching(struct passtnet *pn)
{
	struct loop *l = pn->sn.nd.loop;

	if (pn->outfd >= 0) {
		loop_fd_del(l, pn->outfd);
		close(pn->outfd);
		pn->outfd = -1;
	}
	if (pn->pidfd >= 0) {
		loop_fd_del(l, pn->pidfd);
		close(pn->pidfd);
		pn->pidfd = -1;
	}
}

/* "passt exited with status 1: passt: unrecognized option ..." in buf. */
static void exit_message(struct passtnet *pn, int status, char *buf, size_t len)
{
	char how[48];
	size_t l;
	int k;

	keep_line(pn);
	l = pn->outlen;
	if (WIFEXITED(status))
		snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(status));
	else
		snprintf(how, sizeof(how), "was killed by signal %d", WTERMSIG(status));
	k = snprintf(buf, len, "passt (pid %d) %s%s", (int)pn->pid, how, l ? ": " : "");
	if (k > 0 && (size_t)k + 1 < len) {         /* its words, as many as fit */
		size_t take = MIN(l, len - (size_t)k - 1);

		memcpy(buf + k, pn->out, take);
		buf[(size_t)k + take] = '\0';
	}
}

static void pidfd_cb(void *arg, uint32_t events)
{
	struct passtnet *pn = arg;
	struct netdev *nd = &pn->sn.nd;
	char msg[ERRLEN];
	int status = 0;

	(void)events;
	if (waitpid(pn->pid, &status, WNOHANG) <= 0)
		return;
	read_out(pn);
	stop_watching(pn);
	exit_message(pn, status, msg, sizeof(msg));
	pn->pid = 0;
	netdev_event(nd, "%s", msg);
	sockio_close(nd);           /* passt's end is gone with it */
	snprintf(nd->error, sizeof(nd->error), "%s", msg);
	netdev_set_state(nd, ND_ERROR);
}

/* passt's program on PATH (or the path given), or -1 with why not. */
static int find_program(const char *prog, char *err)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (strchr(prog, '/') != NULL)
		return access(prog, X_OK) == 0 ? 0 :
			errf(err, "passt: cannot run %s: %s", prog, strerror(errno));
	for (const char *p = path ? path : "/usr/bin:/bin"; *p != '\0';) {
		size_t n = strcspn(p, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, n ? p : ".", prog);
		if (access(buf, X_OK) == 0)
			return 0;
		p += n + (p[n] == ':');
	}
	return errf(err, "passt: '%s' is not on PATH (Debian and Ubuntu: apt-get install "
			 "passt; or give path=)", prog);
}

static int passt_open(struct netdev *nd, char *err)
{
	struct passtnet *pn = P(nd);
	struct pollfd pfd;
	char e[ERRLEN];
	int sv[2];

	if (find_program(pn->argv[0], err) < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return errf(err, "passt: socketpair: %s", strerror(errno));
	pn->outlen = pn->linelen = 0;
	pn->usage = false;
	pn->out[0] = '\0';
	pn->pid = host_spawn((const char *const *)pn->argv, NULL, sv[1], &pn->outfd, &pn->pidfd, e);
	close(sv[1]);
	if (pn->pid < 0) {
		pn->pid = 0;
		close(sv[0]);
		return errf(err, "passt: %s", e);
	}
	/* passt checks its options at once: a refusal is an error of open. */
	pfd = (struct pollfd){ .fd = pn->pidfd, .events = POLLIN };
	if (poll(&pfd, 1, PASST_START_WAIT_MS) == 1) {
		int status = 0;

		waitpid(pn->pid, &status, 0);
		read_out(pn);
		exit_message(pn, status, err, ERRLEN);
		pn->pid = 0;
		close(pn->outfd);
		close(pn->pidfd);
		pn->outfd = pn->pidfd = -1;
		close(sv[0]);
		return -1;
	}
	loop_fd_add(nd->loop, pn->outfd, EPOLLIN, out_cb, pn);
	loop_fd_add(nd->loop, pn->pidfd, EPOLLIN, pidfd_cb, pn);
	socknet_of(nd)->spec.fd = sv[0];
	snprintf(nd->remote_desc, sizeof(nd->remote_desc), "passt pid %d", (int)pn->pid);
	return sockio_open(nd, err);
}

static void passt_close(struct netdev *nd)
{
	struct passtnet *pn = P(nd);

	sockio_close(nd);
	if (pn->pid > 0) {
		kill(pn->pid, SIGTERM);
		if (pn->pidfd >= 0) {
			struct pollfd pfd = { .fd = pn->pidfd, .events = POLLIN };

			if (poll(&pfd, 1, 1000) != 1)
				kill(pn->pid, SIGKILL);
		}
		waitpid(pn->pid, NULL, 0);
		pn->pid = 0;
	}
	stop_watching(pn);
}

static void passt_free(struct netdev *nd)
{
	sockio_free(nd);
	free_args(P(nd));
}

static void passt_describe(struct netdev *nd, char *buf, size_t len)
{
	if (nd->state == ND_CONNECTED)
		snprintf(buf, len, "connected to passt (pid %d)", (int)P(nd)->pid);
	else
		netdev_describe_state(nd, buf, len);
}

static void command_line(struct passtnet *pn, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < pn->argc && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? " " : "", pn->argv[i]);
}

static void passt_info(struct netdev *nd, FILE *out)
{
	char cmd[1024];

	command_line(P(nd), cmd, sizeof(cmd));
	fprintf(out, "    command: %s\n", cmd);
}

static void passt_report(struct netdev *nd, struct json_t *obj)
{
	char cmd[1024];

	command_line(P(nd), cmd, sizeof(cmd));
	json_object_set_new(obj, "command", json_string(cmd));
}

/* As QEMU 10.1 shows a passt netdev. */
static void passt_qemu_info(struct netdev *nd, char *buf, size_t len)
{
	if (P(nd)->pid > 0)
		snprintf(buf, len, "stream,connected to pid %d", (int)P(nd)->pid);
	else if (nd->state == ND_ERROR)
		snprintf(buf, len, "stream,passt has exited");
	else
		snprintf(buf, len, "stream,connecting to passt");
}

static int passt_qemu_peer(struct netdev *nd, char *buf, size_t len)
{
	(void)nd;
	snprintf(buf, len, "passt is qnetsim's own peer; a VM runs its own passt "
		 "(-netdev passt) or joins a listener of the topology");
	return -1;
}

static const struct backend_opt passt_opts[] = {
	{ "path" }, { "quiet" }, { "vhost-user" },
#define AS_BOPT(key, kind, flag, check, sep) { key, kind == PK_LIST || kind == PK_PARAM },
	PASST_KEYS(AS_BOPT)
	{ "queue" }, { NULL },
};

const struct backend_ops backend_passt = {
	.type = "passt",
	.size = sizeof(struct passtnet),
	.opts = passt_opts,
	.init = passt_init,
	.configure = passt_configure,
	.open = passt_open,
	.output = sockio_output,
	.close = passt_close,
	.describe = passt_describe,
	.info = passt_info,
	.report = passt_report,
	.free = passt_free,
	.qemu_info = passt_qemu_info,
	.qemu_peer = passt_qemu_peer,
	.peerless = true,
};

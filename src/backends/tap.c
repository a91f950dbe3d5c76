/*
 * type=tap and type=bridge: QEMU's -netdev tap and -netdev bridge, a TAP
 * device on this host, so the host kernel (and through a Linux bridge, a
 * real LAN) is one more port of the topology.
 *
 * type=tap:
 *   ifname=NAME      the device, or a pattern like tap%d (default tap%d)
 *   fd=N             an inherited, already open tap (no scripts)
 *   script=PATH|no   run with the interface name once the tap exists;
 *                    exit 0 required (default /etc/qemu-ifup, as QEMU)
 *   downscript=PATH|no  run with the name at exit, tap still open
 *                    (default /etc/qemu-ifdown)
 *   br=BRIDGE        attach the tap to this Linux bridge (ioctl, as
 *                    qemu-bridge-helper does; the tap's MAC starts with fe
 *                    and takes the bridge's MTU)
 *   br_create=on     ours: create the bridge if it is missing, and delete
 *                    it at exit (default off: a missing bridge is an error)
 *   helper=PROG      let PROG open the tap (qemu-bridge-helper protocol:
 *                    PROG --br=BRIDGE --fd=N sends the fd over a socket)
 *   sndbuf=BYTES     the tap's send buffer (0: unlimited, QEMU's default)
 *   vnet_hdr=off, vhost=off, vhostforce=off, queues=1: accepted as QEMU's
 *                    values; anything else is refused (qnetsim switches
 *                    plain frames in one queue).
 * type=bridge: br=BRIDGE (default br0), helper=PROG (default
 *   /usr/lib/qemu/qemu-bridge-helper).
 *
 * A relative script or helper path is relative to the topology file. The
 * interface is brought up after the script (a write to a down tap fails).
 * Closing the fd removes the tap, also when qnetsim is killed.
 */
#include "netdev.h"
#include "../os/tapdev.h"
#include "../os/host.h"
#include "../core/util.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEFAULT_SCRIPT "/etc/qemu-ifup"
#define DEFAULT_DOWNSCRIPT "/etc/qemu-ifdown"
#define DEFAULT_HELPER "/usr/lib/qemu/qemu-bridge-helper"

struct tapnet {
	struct netdev nd;
	bool bridge_type;           /* type=bridge */
	char *ifname_opt;
	char *script, *downscript;  /* NULL: none */
	char *br;
	char *helper;
	bool br_create, br_made;
	int fd_opt;                 /* -1: none */
	int sndbuf;                 /* -1: not given */
	char ifname[IFNAMSIZ];
	int fd;
	bool up_done;               /* the script ran: the downscript is due */
	uint8_t *buf;
};

#define TAP_BUF (FRAME_MAX + 1)

static struct tapnet *T(struct netdev *nd)
{
	return container_of(nd, struct tapnet, nd);
}

/* A program path, relative to the topology file; one with spaces is a
 * shell command line and stays as written. */
static char *rel_path(struct netdev *nd, const char *v)
{
	return strchr(v, ' ') != NULL ? xstrdup(v) : path_beside(nd->node.g->source, v);
}

/* script=: "no" or "" turns it off. */
static char *script_opt(struct netdev *nd, const char *v)
{
	if (v[0] == '\0' || strcmp(v, "no") == 0)
		return NULL;
	return rel_path(nd, v);
}

static int only_value(const char *k, const char *v, const char *want, const char *why, char *err)
{
	bool b, wb;

	if (parse_bool(v, &b, NULL) == 0 && parse_bool(want, &wb, NULL) == 0) {
		if (b == wb)
			return 0;
	} else if (strcmp(v, want) == 0) {
		return 0;
	}
	return errf(err, "tap: %s=%s is not supported: %s (leave it at %s)", k, v, why, want);
}

static int tap_configure_common(struct netdev *nd, const struct netdev_opt *o, int n, int *line,
				char *err, bool bridge_type)
{
	struct tapnet *t = T(nd);
	bool have_fd = false;
	int other_line = 0;
	const char *other = NULL;
	char e[ERRLEN];

	t->bridge_type = bridge_type;
	t->sndbuf = -1;
	if (!bridge_type) {
		t->script = xstrdup(DEFAULT_SCRIPT);
		t->downscript = xstrdup(DEFAULT_DOWNSCRIPT);
	} else {
		t->br = xstrdup("br0");
		t->helper = xstrdup(DEFAULT_HELPER);
	}
	for (int i = 0; i < n; i++) {
		const char *k = o[i].key, *v = o[i].val;
		uint64_t num;

		*line = o[i].line;
		if (strcmp(k, "br") == 0) {
			if (v[0] == '\0' || strlen(v) >= IFNAMSIZ)
				return errf(err, "%s: br: '%s' is not an interface name (1 to %d "
						 "characters)", nd->ops->type, v, IFNAMSIZ - 1);
			free(t->br);
			t->br = xstrdup(v);
		} else if (strcmp(k, "helper") == 0) {
			if (v[0] == '\0')
				return errf(err, "%s: helper: needs a program", nd->ops->type);
			free(t->helper);
			t->helper = rel_path(nd, v);
			if (!bridge_type) {
				other = k;
				other_line = o[i].line;
			}
		} else if (strcmp(k, "ifname") == 0) {
			if (v[0] == '\0' || strlen(v) >= IFNAMSIZ || strchr(v, '/') || strchr(v, ' '))
				return errf(err, "tap: ifname: '%s' is not an interface name (1 to %d "
						 "characters, no '/' or spaces)", v, IFNAMSIZ - 1);
			free(t->ifname_opt);
			t->ifname_opt = xstrdup(v);
			other = k;
			other_line = o[i].line;
		} else if (strcmp(k, "script") == 0 || strcmp(k, "downscript") == 0) {
			char **slot = k[0] == 's' ? &t->script : &t->downscript;

			free(*slot);
			*slot = script_opt(nd, v);
			if (*slot != NULL) {
				other = k;
				other_line = o[i].line;
			}
		} else if (strcmp(k, "br_create") == 0) {
			if (parse_bool(v, &t->br_create, e) < 0)
				return errf(err, "tap: br_create: %s", e);
		} else if (strcmp(k, "fd") == 0) {
			if (parse_u64(v, 0, INT_MAX, &num, e) < 0)
				return errf(err, "tap: fd: %s", e);
			t->fd_opt = (int)num;
			have_fd = true;
		} else if (strcmp(k, "sndbuf") == 0) {
			if (parse_u64(v, 0, INT_MAX, &num, e) < 0)
				return errf(err, "tap: sndbuf: %s", e);
			t->sndbuf = (int)num;
		} else if (strcmp(k, "vnet_hdr") == 0) {
			if (only_value(k, v, "off", "qnetsim switches plain frames, without "
				       "virtio-net headers", err) < 0)
				return -1;
		} else if (strcmp(k, "vhost") == 0 || strcmp(k, "vhostforce") == 0) {
			if (only_value(k, v, "off", "vhost moves frames inside the kernel, past "
				       "qnetsim", err) < 0)
				return -1;
		} else {
			/* vnet_hdr, vhost, vhostforce, queues: only QEMU's defaults. */
			assert(strcmp(k, "queues") == 0);
			if (only_value(k, v, "1", "qnetsim reads a tap through one queue", err) < 0)
				return -1;
		}
	}
	if (have_fd && other != NULL) {
		*line = other_line;
		return errf(err, "tap: %s= cannot go with fd= (an inherited tap is used as it "
				 "is)", other);
	}
	if (have_fd) {
		free(t->script);
		free(t->downscript);
		t->script = t->downscript = NULL;
	}
	if (!bridge_type && t->helper != NULL) {
		/* As QEMU: a helper opens the tap; scripts are not run. */
		free(t->script);
		free(t->downscript);
		t->script = t->downscript = NULL;
		if (t->br == NULL)
			t->br = xstrdup("br0");
	}
	if (t->br_create && t->br == NULL) {
		*line = nd->node.line;
		return errf(err, "tap: br_create=on needs br=");
	}
	return 0;
}

static int tap_configure(struct netdev *nd, const struct netdev_opt *o, int n, int *line,
			 char *err)
{
	return tap_configure_common(nd, o, n, line, err, false);
}

static int bridge_configure(struct netdev *nd, const struct netdev_opt *o, int n, int *line,
			    char *err)
{
	return tap_configure_common(nd, o, n, line, err, true);
}

/* qemu-bridge-helper: PROG --br=BR --fd=N; the tap fd comes back with one
 * byte over the socket (SCM_RIGHTS). */
static int run_helper(struct netdev *nd, char *err)
{
	struct tapnet *t = T(nd);
	char cbuf[CMSG_SPACE(sizeof(int))], byte, out[256] = "";
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	int sv[2], status, fd = -1;
	ssize_t n;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return errf(err, "socketpair: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return errf(err, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		char fdarg[32], brarg[IFNAMSIZ + 8], *cmd;

		close(sv[0]);
		dup2(sv[1], 3);         /* a known number, without close-on-exec */
		snprintf(fdarg, sizeof(fdarg), "--fd=3");
		snprintf(brarg, sizeof(brarg), "--br=%s", t->br);
		dup2(2, 1);
		if (strchr(t->helper, ' ') != NULL) {
			xasprintf(&cmd, "%s %s %s", t->helper, fdarg, brarg);
			execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		} else {
			execl(t->helper, t->helper, fdarg, brarg, (char *)NULL);
		}
		dprintf(2, "cannot run %s: %s\n", t->helper, strerror(errno));
		_exit(127);
	}
	close(sv[1]);
	do
		n = recvmsg(sv[0], &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n == 1) {
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

		if (c != NULL && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
	}
	close(sv[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (fd < 0) {
		if (WIFEXITED(status))
			snprintf(out, sizeof(out), "exit status %d", WEXITSTATUS(status));
		else
			snprintf(out, sizeof(out), "killed by signal %d", WTERMSIG(status));
		return errf(err, "helper %s --br=%s sent no tap (%s; its messages are above)",
			    t->helper, t->br, out);
	}
	if (tap_check_fd(fd, t->ifname, err) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int run_script(struct netdev *nd, const char *script, char *err)
{
	struct tapnet *t = T(nd);
	const char *argv[] = { script, t->ifname, NULL };
	char out[200];
	int rc;

	if (access(script, X_OK) != 0)
		return errf(err, "script %s: %s", script, strerror(errno));
	rc = host_run(argv, NULL, out, sizeof(out));
	if (rc == 0)
		return 0;
	if (rc < 0)
		return errf(err, "cannot run script %s", script);
	return errf(err, "script %s %s failed with exit status %d%s%s", script, t->ifname, rc,
		    out[0] ? ": " : "", out);
}

static void tap_read_cb(void *arg, uint32_t events)
{
	struct netdev *nd = arg;
	struct tapnet *t = T(nd);

	(void)events;
	for (int i = 0; i < 64; i++) {
		ssize_t n = read(t->fd, t->buf, TAP_BUF);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EIO)
				log_debug("tap %s: read: %s", t->ifname, strerror(errno));
			return;
		}
		if (n == 0)
			return;
		netdev_rx_bytes(nd, t->buf, (size_t)n);
	}
}

static int attach_bridge(struct netdev *nd, char *err)
{
	struct tapnet *t = T(nd);
	uint8_t mac[6];
	int mtu;

	if (!if_exists(t->br)) {
		if (!t->br_create)
			return errf(err, "bridge %s does not exist (create it with `ip link add %s "
					 "type bridge`, or say br_create=on)", t->br, t->br);
		if (br_create(t->br, err) < 0)
			return -1;
		t->br_made = true;
		host_record(HOST_LINK, t->br);
		netdev_event(nd, "created bridge %s", t->br);
	} else if (!if_is_bridge(t->br)) {
		return errf(err, "br=%s: that interface is not a bridge", t->br);
	}
	/* As qemu-bridge-helper: the bridge keeps its own MAC (it takes the
	 * lowest of its ports'), and the tap takes the bridge's MTU. */
	if (if_get_mac(t->ifname, mac, err) == 0) {
		mac[0] = 0xfe;
		if_set_mac(t->ifname, mac, err);
	}
	if (if_get_mtu(t->br, &mtu, err) == 0)
		if_set_mtu(t->ifname, mtu, err);
	return br_add_if(t->br, t->ifname, err);
}

static void tap_teardown(struct netdev *nd, bool run_down)
{
	struct tapnet *t = T(nd);
	char e[ERRLEN];

	if (t->fd >= 0) {
		loop_fd_del(nd->loop, t->fd);
		if (run_down && t->up_done && t->downscript != NULL &&
		    run_script(nd, t->downscript, e) < 0)
			netdev_event(nd, "%s", e);
		if (t->fd != t->fd_opt)
			close(t->fd);
		t->fd = -1;
	}
	if (t->br_made) {
		if (br_delete(t->br, e) < 0)
			netdev_event(nd, "%s", e);
		host_forget(HOST_LINK, t->br);
		t->br_made = false;
	}
}

static int tap_nd_open(struct netdev *nd, char *err)
{
	struct tapnet *t = T(nd);

	t->buf = xmalloc(TAP_BUF);
	if (t->fd_opt >= 0) {
		if (tap_check_fd(t->fd_opt, t->ifname, err) < 0)
			return -1;
		t->fd = t->fd_opt;
	} else if (t->helper != NULL) {
		t->fd = run_helper(nd, err);
		if (t->fd < 0)
			return -1;
	} else {
		t->fd = tap_open(t->ifname_opt ? t->ifname_opt : "tap%d", t->ifname, err);
		if (t->fd < 0)
			return -1;
		if (t->br != NULL && attach_bridge(nd, err) < 0) {
			tap_teardown(nd, false);
			return -1;
		}
	}
	if (t->sndbuf >= 0 && tap_set_sndbuf(t->fd, t->sndbuf ? t->sndbuf : INT_MAX, err) < 0) {
		tap_teardown(nd, false);
		return -1;
	}
	if (t->script != NULL) {
		if (run_script(nd, t->script, err) < 0) {
			tap_teardown(nd, false);
			return -1;
		}
		t->up_done = true;
	} else {
		t->up_done = true;      /* downscript= alone still runs at exit */
	}
	if (if_set_up(t->ifname, true, err) < 0 ||
	    loop_fd_add(nd->loop, t->fd, EPOLLIN, tap_read_cb, nd) < 0) {
		tap_teardown(nd, true);
		return -1;
	}
	snprintf(nd->local_desc, sizeof(nd->local_desc), "%s", t->ifname);
	snprintf(nd->remote_desc, sizeof(nd->remote_desc), "tap %s", t->ifname);
	nd->st.connects++;
	netdev_set_state(nd, ND_OPEN);
	return 0;
}

static void tap_output(struct netdev *nd, struct frame *f)
{
	struct tapnet *t = T(nd);
	ssize_t n;

	if (t->fd < 0) {
		port_drop_dir(nd->port, f, DROP_NO_PEER, false);
		return;
	}
	/* The kernel takes short frames as they are; it pads on real wires. */
	do
		n = write(t->fd, f->data, f->len);
	while (n < 0 && errno == EINTR);
	netdev_tx_done(nd, f, n < 0 ? errno : 0);
}

static void tap_nd_close(struct netdev *nd)
{
	tap_teardown(nd, true);
	netdev_set_state(nd, ND_CLOSED);
}

static void tap_describe(struct netdev *nd, char *buf, size_t len)
{
	struct tapnet *t = T(nd);
	const char *st = netdev_state_name(nd->state);

	if (nd->state != ND_OPEN)
		snprintf(buf, len, "%s", st);
	else if (t->br != NULL)
		snprintf(buf, len, "%s: tap %s on bridge %s", st, t->ifname, t->br);
	else
		snprintf(buf, len, "%s: tap %s", st, t->ifname);
}

/* What QEMU 7.2's `info network` shows after type= for the same tap. */
static void tap_qemu_info(struct netdev *nd, char *buf, size_t len)
{
	struct tapnet *t = T(nd);

	if (t->bridge_type)
		snprintf(buf, len, "helper=%s,br=%s", t->helper, t->br);
	else if (t->fd_opt >= 0)
		snprintf(buf, len, "fd=%d", t->fd_opt);
	else if (t->helper != NULL)
		snprintf(buf, len, "helper=%s", t->helper);
	else
		snprintf(buf, len, "ifname=%s,script=%s,downscript=%s",
			 t->ifname[0] ? t->ifname : t->ifname_opt ? t->ifname_opt : "",
			 t->script ? t->script : "no", t->downscript ? t->downscript : "no");
}

static void tap_free(struct netdev *nd)
{
	struct tapnet *t = T(nd);

	free(t->ifname_opt);
	free(t->script);
	free(t->downscript);
	free(t->br);
	free(t->helper);
	free(t->buf);
}

static void tap_init(struct netdev *nd)
{
	T(nd)->fd = T(nd)->fd_opt = -1;
}

static const struct backend_opt tap_opts[] = {
	{ "ifname" }, { "fd" }, { "script" }, { "downscript" }, { "br" }, { "br_create" },
	{ "helper" }, { "sndbuf" }, { "vnet_hdr" }, { "vhost" }, { "vhostforce" }, { "queues" },
	{ NULL },
};

static const struct backend_opt bridge_opts[] = { { "br" }, { "helper" }, { NULL } };

/* A VM joins the host bridge the tap is on, with QEMU's bridge helper; a
 * tap on no bridge is qnetsim's own end, which nothing else can open. */
static int tap_qemu_peer(struct netdev *nd, char *buf, size_t len)
{
	struct tapnet *t = container_of(nd, struct tapnet, nd);

	if (t->br == NULL)
		return errf(buf, "a VM cannot open qnetsim's own tap; give the netdev br= (a host "
			    "bridge), and the VM joins the bridge");
	snprintf(buf, len, "bridge,br=%s", t->br);
	return 0;
}

const struct backend_ops backend_tap = {
	.type = "tap",
	.size = sizeof(struct tapnet),
	.opts = tap_opts,
	.init = tap_init,
	.configure = tap_configure,
	.open = tap_nd_open,
	.output = tap_output,
	.close = tap_nd_close,
	.describe = tap_describe,
	.qemu_info = tap_qemu_info,
	.qemu_peer = tap_qemu_peer,
	.free = tap_free,
};

const struct backend_ops backend_bridge = {
	.type = "bridge",
	.size = sizeof(struct tapnet),
	.opts = bridge_opts,
	.init = tap_init,
	.configure = bridge_configure,
	.open = tap_nd_open,
	.output = tap_output,
	.close = tap_nd_close,
	.describe = tap_describe,
	.qemu_info = tap_qemu_info,
	.qemu_peer = tap_qemu_peer,
	.free = tap_free,
};

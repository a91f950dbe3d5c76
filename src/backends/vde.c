/*
 * type=vde: QEMU's -netdev vde, a client of a VDE network through
 * libvdeplug (vdeplug4), so sock= takes a switch directory or any vdeplug
 * URL (vde://, vxvde://, ptp://, udp://, tap://, ...).
 *
 *   sock=PATH|URL   the switch (default: libvdeplug's, /var/run/vde.ctl or
 *                   /tmp/vde.ctl); a relative directory is relative to the
 *                   topology file
 *   port=N          ask the switch for port N (0: any)
 *   group=NAME      the group our data socket is given to
 *   mode=OCTAL      our data socket's permissions (default 0700)
 *   reconnect=SECS  ours: when the switch hangs up, open again every SECS
 *                   (default 1; 0: stay closed, as QEMU does)
 *
 * One frame per vde_recv/vde_send. Frames leave padded to 60 bytes; a send
 * that would block is a counted drop (peer_backlog), never a wait.
 */
#include "netdev.h"
#include "../core/util.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <libvdeplug.h>
#include <sys/epoll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct vdenet {
	struct netdev nd;
	char *sock;                 /* as given to vde_open ("" for the default) */
	char *group;
	int port;
	mode_t mode;
	VDECONN *conn;
	int datafd, ctlfd;
	uint8_t *buf;
};

#define VDE_BUF (FRAME_MAX + 1)

static struct vdenet *V(struct netdev *nd)
{
	return container_of(nd, struct vdenet, nd);
}

static void vde_init(struct netdev *nd)
{
	V(nd)->datafd = V(nd)->ctlfd = -1;
}

static int vde_configure(struct netdev *nd, const struct netdev_opt *o, int n, int *line,
			 char *err)
{
	struct vdenet *v = V(nd);
	char e[ERRLEN];

	v->mode = 0700;
	for (int i = 0; i < n; i++) {
		const char *k = o[i].key, *val = o[i].val;
		uint64_t num;

		*line = o[i].line;
		if (strcmp(k, "sock") == 0) {
			/* A directory is relative to the topology; a URL is as written. */
			free(v->sock);
			v->sock = val[0] == '\0' || strstr(val, "://") != NULL ? xstrdup(val) :
				  path_beside(nd->node.g->source, val);
		} else if (strcmp(k, "port") == 0) {
			if (parse_u64(val, 0, 65535, &num, e) < 0)
				return errf(err, "vde: port: %s", e);
			v->port = (int)num;
		} else if (strcmp(k, "group") == 0) {
			if (val[0] == '\0')
				return errf(err, "vde: group: needs a group name");
			free(v->group);
			v->group = xstrdup(val);
		} else if (strcmp(k, "mode") == 0) {
			char *end;
			unsigned long m = strtoul(val, &end, 8);

			if (val[0] == '\0' || *end != '\0' || m > 0777)
				return errf(err, "vde: mode: '%s' is not an octal mode like 0700",
					    val);
			v->mode = (mode_t)m;
		} else {
			int rc = netdev_tuning_opt(nd, k, val, e);

			if (rc < 0)
				return errf(err, "%s", e);
			assert(rc == 1);        /* netdev_configure let only vde_opts through */
		}
	}
	if (v->sock == NULL)
		v->sock = xstrdup("");
	snprintf(nd->remote_desc, sizeof(nd->remote_desc), "%s",
		 v->sock[0] ? v->sock : "the default switch");
	return 0;
}

static void vde_data_cb(void *arg, uint32_t events);
static void vde_ctl_cb(void *arg, uint32_t events);

static void vde_drop_conn(struct netdev *nd)
{
	struct vdenet *v = V(nd);

	if (v->conn == NULL)
		return;
	loop_fd_del(nd->loop, v->datafd);
	if (v->ctlfd >= 0)
		loop_fd_del(nd->loop, v->ctlfd);
	vde_close(v->conn);
	v->conn = NULL;
	v->datafd = v->ctlfd = -1;
}

static int vde_try_open(struct netdev *nd, char *err)
{
	struct vdenet *v = V(nd);
	struct vde_open_args args = { .port = v->port, .group = v->group, .mode = v->mode };
	int fl;

	errno = 0;
	v->conn = vde_open(v->sock, "qnetsim", &args);
	if (v->conn == NULL)
		return errf(err, "cannot open VDE %s: %s", nd->remote_desc,
			    errno == EPROTONOSUPPORT ? "no vdeplug plugin for this URL" :
			    errno ? strerror(errno) : "refused");
	v->datafd = vde_datafd(v->conn);
	v->ctlfd = vde_ctlfd(v->conn);
	fl = fcntl(v->datafd, F_GETFL);
	if (fl >= 0)
		fcntl(v->datafd, F_SETFL, fl | O_NONBLOCK);
	if (loop_fd_add(nd->loop, v->datafd, EPOLLIN, vde_data_cb, nd) < 0 ||
	    (v->ctlfd >= 0 && loop_fd_add(nd->loop, v->ctlfd, EPOLLIN, vde_ctl_cb, nd) < 0)) {
		vde_drop_conn(nd);
		return errf(err, "cannot watch the VDE connection");
	}
	nd->st.connects++;
	nd->error[0] = '\0';
	netdev_set_state(nd, ND_CONNECTED);
	return 0;
}

static void vde_retry(void *arg)
{
	struct netdev *nd = arg;
	char e[ERRLEN];

	if (vde_try_open(nd, e) < 0) {
		nd->st.connect_failures++;
		if (strcmp(nd->error, e) != 0) {
			snprintf(nd->error, sizeof(nd->error), "%s", e);
			netdev_event(nd, "%s; trying again every %s", e,
				     fmt_duration(nd->reconnect, (char[32]){ 0 }, 32));
		}
		loop_timer_arm(nd->loop, &nd->timer,
			       loop_now(nd->loop) + nd->reconnect);
		return;
	}
	netdev_event(nd, "connected to VDE %s", nd->remote_desc);
}

static void vde_gone(struct netdev *nd, const char *why)
{
	vde_drop_conn(nd);
	nd->st.disconnects++;
	snprintf(nd->error, sizeof(nd->error), "%s", why);
	if (nd->reconnect == 0) {
		netdev_event(nd, "VDE %s: %s", nd->remote_desc, why);
		netdev_set_state(nd, ND_ERROR);
		return;
	}
	netdev_event(nd, "VDE %s: %s; reconnecting every %s", nd->remote_desc, why,
		     fmt_duration(nd->reconnect, (char[32]){ 0 }, 32));
	netdev_set_state(nd, ND_RECONNECTING);
	loop_timer_arm(nd->loop, &nd->timer, loop_now(nd->loop) + nd->reconnect);
}

static void vde_data_cb(void *arg, uint32_t events)
{
	struct netdev *nd = arg;
	struct vdenet *v = V(nd);

	(void)events;
	for (int i = 0; i < 64 && v->conn != NULL; i++) {
		ssize_t n = vde_recv(v->conn, v->buf, VDE_BUF, MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				vde_gone(nd, strerror(errno));
			return;
		}
		if (n == 0) {
			/* Stream-like plugins (cmd://) end this way. */
			vde_gone(nd, "the peer closed the connection");
			return;
		}
		if (n == 1)
			continue;           /* libvdeplug: received, to be dropped */
		netdev_rx_bytes(nd, v->buf, (size_t)n);
	}
}

static void vde_ctl_cb(void *arg, uint32_t events)
{
	struct netdev *nd = arg;
	struct vdenet *v = V(nd);
	char b[64];
	ssize_t n;

	(void)events;
	n = read(v->ctlfd, b, sizeof(b));
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		vde_gone(nd, "the switch hung up");
}

static int vde_nd_open(struct netdev *nd, char *err)
{
	struct vdenet *v = V(nd);

	v->buf = xmalloc(VDE_BUF);
	timer_init(&nd->timer, vde_retry, nd);
	return vde_try_open(nd, err);
}

static void vde_output(struct netdev *nd, struct frame *f)
{
	struct vdenet *v = V(nd);
	uint8_t pad[ETH_MIN_LEN];
	const uint8_t *b;
	size_t len;
	ssize_t n;

	if (v->conn == NULL) {
		port_drop_dir(nd->port, f, DROP_NO_PEER, false);
		return;
	}
	b = netdev_padded(f, pad, &len);
	do
		n = vde_send(v->conn, b, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	netdev_tx_done(nd, f, n < 0 ? errno : 0);
}

static void vde_nd_close(struct netdev *nd)
{
	struct vdenet *v = V(nd);

	loop_timer_disarm(nd->loop, &nd->timer);
	vde_drop_conn(nd);
	free(v->buf);
	v->buf = NULL;
	netdev_set_state(nd, ND_CLOSED);
}

static void vde_describe(struct netdev *nd, char *buf, size_t len)
{
	const char *st = netdev_state_name(nd->state);

	if (nd->state == ND_CONNECTED)
		snprintf(buf, len, "%s to VDE %s", st, nd->remote_desc);
	else if (nd->state == ND_RECONNECTING || nd->state == ND_ERROR)
		snprintf(buf, len, "%s to VDE %s (%s)", st, nd->remote_desc, nd->error);
	else
		snprintf(buf, len, "%s", st);
}

static void vde_free(struct netdev *nd)
{
	struct vdenet *v = V(nd);

	free(v->sock);
	free(v->group);
	free(v->buf);
	v->sock = v->group = NULL;
	v->buf = NULL;
}

static const struct backend_opt vde_opts[] = {
	{ "sock" }, { "port" }, { "group" }, { "mode" }, { "reconnect" }, { NULL },
};

/* A VM joins the same switch. */
static int vde_qemu_peer(struct netdev *nd, char *buf, size_t len)
{
	struct vdenet *v = container_of(nd, struct vdenet, nd);

	if (v->sock == NULL || v->sock[0] == '\0')
		snprintf(buf, len, "vde");
	else if (strchr(v->sock, ',') != NULL)
		return errf(buf, "its switch's name has a comma, which a -netdev value cannot hold");
	else
		snprintf(buf, len, "vde,sock=%s", v->sock);
	return 0;
}

const struct backend_ops backend_vde = {
	.type = "vde",
	.size = sizeof(struct vdenet),
	.opts = vde_opts,
	.init = vde_init,
	.configure = vde_configure,
	.open = vde_nd_open,
	.output = vde_output,
	.close = vde_nd_close,
	.describe = vde_describe,
	.qemu_peer = vde_qemu_peer,
	.free = vde_free,
};

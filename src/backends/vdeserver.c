/*
 * Serving the classic VDE protocol from a hub or bridge; see vdeserver.h.
 */
#include "vdeserver.h"
#include "netdev.h"
#include "queue.h"
#include "../os/host.h"
#include "../core/bridge.h"
#include "../core/field.h"
#include "../core/hub.h"
#include "../core/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define VDE_DEFAULT_PORTS 32
#define VDE_MAX_PORTS 1024
#define VDE_DEFAULT_QUEUE 1024u
#define VDE_RBUF (FRAME_MAX + 1)
#define PENDING_TIMEOUT NS_PER_SEC  /* a client sends its request at once */
#define VDE_BATCH 32            /* frames per recvmmsg/sendmmsg */

struct vdeport;

/* A control connection that has not sent its whole request yet (see
 * vdeserver.h for the slots and who makes room). */
struct pending {
	struct vdeserver *v;
	int fd;                     /* -1: the slot is free */
	uid_t uid;                  /* the source */
	uint64_t seq;               /* accept order: the lowest is the oldest */
	size_t have;                /* bytes of the request read so far */
	uint8_t req[VDE_REQ_MAX];
	struct timer timer;
};

struct vdeserver {
	struct node_ext x;          /* owner and line (vde= or the first vde_ key) */
	struct loop *loop;
	char *dir;
	mode_t mode;                /* the sockets' */
	gid_t gid;
	bool have_gid;
	int maxports;
	uint32_t queue;
	int lfd;
	struct loop_backoff accept_backoff;     /* lfd, while out of descriptors */
	char ctl_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct vdeport **ports;     /* [1..maxports], created on first use */
	vde_data_socket_fn data_socket;
	bool dir_ours;              /* made or taken by vdeserver_open: removed at close */
	struct pending pend[VDE_PENDING_MAX];
	uint64_t pend_seq;
	uint64_t connects, disconnects, refused, bad_requests;
	uint64_t silent;            /* connections closed for sending no request */
	uint64_t limited;           /* of those, closed for their source's limit */
	bool told_silent;
	uint64_t limit_burst_end;   /* a limit closing before this is the same burst */
	uint64_t pauses;            /* times reading from clients was paused */
	int clients;
	int over;                   /* ports whose queue is over the high mark */
	bool open;
};

struct vdeport {
	struct netdev nd;           /* first: backend_vdeport.size is the whole */
	struct vdeserver *v;
	int num;
	struct port *owner_port;    /* the hub's or bridge's side */
	int ctlfd, datafd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char descr[VDE_DESCR_MAX];
	struct fqueue q;            /* frames waiting for room at the client (vde_queue) */
	uint32_t ev;                /* the events registered for datafd */
};

static const struct node_ext_ops vdeserver_ext;

struct vdeserver *vdeserver_of(const struct node *owner)
{
	struct node_ext *x = node_ext_find(owner, &vdeserver_ext);

	return x != NULL ? container_of(x, struct vdeserver, x) : NULL;
}

int vdeserver_key(struct node *owner, const char *key, const char *val, int line, char *err)
{
	struct vdeserver *v;
	char e[ERRLEN];
	uint64_t num;

	if (strcmp(key, "vde") != 0 && strncmp(key, "vde_", 4) != 0)
		return 0;
	if (hub_from_node(owner) == NULL && bridge_from_node(owner) == NULL)
		return 0;
	v = vdeserver_of(owner);
	if (v == NULL) {
		v = xcalloc(1, sizeof(*v));
		v->x.ops = &vdeserver_ext;
		node_ext_add(owner, &v->x, line);
		v->loop = owner->g->loop;
		v->mode = 0600;
		v->maxports = VDE_DEFAULT_PORTS;
		v->queue = VDE_DEFAULT_QUEUE;
		v->lfd = -1;
	}
	if (strcmp(key, "vde") == 0) {
		if (val[0] == '\0')
			return errf(err, "vde: needs a directory (the switch's, as vde_switch -s)");
		free(v->dir);
		v->dir = path_beside(owner->g->source, val);
		if (strlen(v->dir) + 16 >= sizeof(v->ctl_path))
			return errf(err, "vde: '%s' is too long for a unix socket path (at most "
					 "%zu bytes)", v->dir, sizeof(v->ctl_path) - 17);
		v->x.line = line;
	} else if (strcmp(key, "vde_mode") == 0) {
		char *end;
		unsigned long m = strtoul(val, &end, 8);

		if (val[0] == '\0' || *end != '\0' || m > 0777 || (m & 0600) != 0600)
			return errf(err, "vde_mode: '%s' is not an octal mode that gives the owner "
					 "rw (like 0600, 0660 or 0666)", val);
		v->mode = (mode_t)m;
	} else if (strcmp(key, "vde_group") == 0) {
		struct group *gr = getgrnam(val);

		if (gr == NULL) {
			if (parse_u64(val, 0, 0x7fffffff, &num, NULL) < 0)
				return errf(err, "vde_group: no group '%s' on this host", val);
			v->gid = (gid_t)num;
		} else {
			v->gid = gr->gr_gid;
		}
		v->have_gid = true;
	} else if (strcmp(key, "vde_ports") == 0) {
		if (parse_u64(val, 1, VDE_MAX_PORTS, &num, e) < 0)
			return errf(err, "vde_ports: %s", e);
		v->maxports = (int)num;
	} else if (strcmp(key, "vde_queue") == 0) {
		if (parse_u64(val, 1, 65536, &num, e) < 0)
			return errf(err, "vde_queue: %s", e);
		v->queue = (uint32_t)num;
	} else {
		return errf(err, "unknown key '%s' (the VDE server's keys: vde, vde_mode, "
				 "vde_group, vde_ports, vde_queue)", key);
	}
	return 1;
}

static int vdeserver_check(struct node_ext *x, int *line, char *err)
{
	struct vdeserver *v = container_of(x, struct vdeserver, x);

	*line = v->x.line;
	if (v->dir == NULL)
		return errf(err, "vde_* keys need vde = DIRECTORY (where the switch is served)");
	return 0;
}

/* ---- ports -------------------------------------------------------------- */

static void port_data_cb(void *arg, uint32_t events);

static struct vdeport *P(struct netdev *nd)
{
	return container_of(nd, struct vdeport, nd);
}

/* Flow control between VDE clients, as 802.3x pause frames do on a real
 * switch: while any client's backlog is over its high mark, the switch stops
 * reading from its VDE clients; their sends then wait in their sockets
 * instead of being lost. Reading starts again below the low mark. The
 * backlog is the client's queue plus the frames on the link towards it:
 * those arrive while reading is paused, and the queue must still hold
 * them. */
static struct vdeport *QP(struct fqueue *q)
{
	return container_of(q, struct vdeport, q);
}

static uint32_t q_extra(struct fqueue *q)
{
	return port_queue_len(QP(q)->owner_port);
}

static void port_update(struct vdeport *p)
{
	uint32_t ev = (p->v->over > 0 ? 0 : EPOLLIN) | (p->q.want_out ? EPOLLOUT : 0);

	if (p->datafd < 0 || ev == p->ev)
		return;
	p->ev = ev;
	loop_fd_mod(p->v->loop, p->datafd, ev);
}

static void update_all(struct vdeserver *v)
{
	for (int i = 1; i <= v->maxports; i++)
		if (v->ports[i] != NULL && v->ports[i]->datafd >= 0)
			port_update(v->ports[i]);
}

static void q_over(struct fqueue *q, bool over)
{
	struct vdeserver *v = QP(q)->v;

	v->over += over ? 1 : -1;
	if (over && v->over == 1) {
		v->pauses++;
		update_all(v);
	} else if (!over && v->over == 0) {
		update_all(v);
	}
}

static void q_want_out(struct fqueue *q, bool on)
{
	(void)on;
	port_update(QP(q));
}

static bool would_block(int e)
{
	return e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS;
}

/* Sends the queue, VDE_BATCH frames per sendmmsg, until it is empty or the
 * client's socket is full (then EPOLLOUT resumes it). */
static enum fqueue_sent q_send(struct fqueue *q)
{
	struct vdeport *p = QP(q);
	uint8_t pad[VDE_BATCH][ETH_MIN_LEN];
	struct mmsghdr m[VDE_BATCH];
	struct iovec iov[VDE_BATCH];

	while (q->len > 0 && p->datafd >= 0) {
		unsigned k = MIN(q->len, (uint32_t)VDE_BATCH);
		int n, e = 0;

		memset(m, 0, sizeof(m[0]) * k);
		for (unsigned i = 0; i < k; i++) {
			size_t len;

			iov[i].iov_base = (void *)netdev_padded(fqueue_peek(q, i), pad[i], &len);
			iov[i].iov_len = len;
			m[i].msg_hdr.msg_iov = &iov[i];
			m[i].msg_hdr.msg_iovlen = 1;
		}
		do
			n = sendmmsg(p->datafd, m, k, MSG_DONTWAIT | MSG_NOSIGNAL);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			e = errno;
			if (would_block(e))
				return FQ_BLOCKED;
			n = 1;      /* the first frame failed: count it and go on */
		}
		for (int i = 0; i < n; i++)
			netdev_tx_done(&p->nd, fqueue_pop(q), e);
	}
	return FQ_DONE;
}

/* Flow control between VDE clients, as 802.3x pause frames do on a real
 * switch: while any client's backlog is over its high mark (queue.h), the
 * switch stops reading from its VDE clients; their sends then wait in their
 * sockets instead of being lost. Reading starts again below the low mark.
 * The backlog is the client's queue plus the frames on the link towards it:
 * those arrive while reading is paused, and the queue must still hold them. */
static const struct fqueue_ops vdeport_qops = {
	.send = q_send,
	.want_out = q_want_out,
	.over = q_over,
	.extra = q_extra,
};

/* Frames wait in the queue until the work now running is done, then leave
 * together: one system call per batch, not one per frame. */
static void vdeport_output(struct netdev *nd, struct frame *f)
{
	struct vdeport *p = P(nd);

	if (p->datafd < 0) {
		port_drop_dir(nd->port, f, DROP_NO_PEER, false);
		return;
	}
	fqueue_push(&p->q, f);
}

/* The client hung up (or broke the protocol): the port is free again. */
static void port_end(struct vdeport *p, const char *why)
{
	struct vdeserver *v = p->v;
	struct loop *l = v->loop;

	if (p->ctlfd < 0)
		return;
	fqueue_clear(&p->q);
	loop_fd_del(l, p->ctlfd);
	close(p->ctlfd);
	p->ctlfd = -1;
	if (p->datafd >= 0) {
		loop_fd_del(l, p->datafd);
		close(p->datafd);
		p->datafd = -1;
	}
	if (p->path[0] != '\0')
		unlink(p->path);
	v->clients--;
	if (why != NULL) {
		v->disconnects++;
		p->nd.st.disconnects++;
		netdev_event(&p->nd, "VDE port %d: %s %s; the port is free", p->num, p->descr, why);
	}
	netdev_set_state(&p->nd, ND_CLOSED);
	port_set_link(p->owner_port, false);
}

static void port_ctl_cb(void *arg, uint32_t events)
{
	struct vdeport *p = arg;
	char b[256];
	ssize_t n;

	(void)events;
	n = read(p->ctlfd, b, sizeof(b));
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		port_end(p, "hung up");
	/* Anything else on the control stream is ignored, as vde_switch does. */
}

/* Where clients' datagrams are read: one set for the process, as each
 * batch is copied into frames before the next is read. */
static uint8_t rx_buf[VDE_BATCH][VDE_RBUF];
static struct mmsghdr rx_msg[VDE_BATCH];
static struct iovec rx_iov[VDE_BATCH];

static void port_data_cb(void *arg, uint32_t events)
{
	struct vdeport *p = arg;
	struct vdeserver *v = p->v;

	if (events & EPOLLOUT)
		fqueue_flush(&p->q);
	if (!(events & EPOLLIN))
		return;
	/* Up to 4 batches a wakeup, then other fds get their turn. */
	for (int round = 0; round < 4 && p->datafd >= 0 && v->over == 0; round++) {
		int n;

		for (int i = 0; i < VDE_BATCH; i++) {
			rx_iov[i] = (struct iovec){ rx_buf[i], VDE_RBUF };
			rx_msg[i] = (struct mmsghdr){ .msg_hdr.msg_iov = &rx_iov[i],
						      .msg_hdr.msg_iovlen = 1 };
		}
		do
			n = recvmmsg(p->datafd, rx_msg, VDE_BATCH, MSG_DONTWAIT | MSG_TRUNC, NULL);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			/* ECONNREFUSED: the client's socket is gone; its control
			 * connection will end too, or already has. */
			return;
		}
		for (int i = 0; i < n && p->datafd >= 0; i++) {
			size_t len = rx_msg[i].msg_len;

			/* MSG_TRUNC per message is in msg_flags; msg_len is what
			 * was read. A truncated datagram is over FRAME_MAX. */
			if (rx_msg[i].msg_hdr.msg_flags & MSG_TRUNC)
				len = VDE_RBUF;
			netdev_rx_bytes(&p->nd, rx_buf[i], len);
		}
		if (n < VDE_BATCH)
			return;
	}
}

static void vdeport_close(struct netdev *nd)
{
	struct vdeport *p = P(nd);

	if (p->ctlfd >= 0)
		port_end(p, NULL);
}

static void vdeport_describe(struct netdev *nd, char *buf, size_t len)
{
	struct vdeport *p = P(nd);

	if (p->ctlfd >= 0)
		snprintf(buf, len, "connected: VDE port %d of %s, %s", p->num, p->v->dir, p->descr);
	else
		snprintf(buf, len, "closed: VDE port %d of %s, free", p->num, p->v->dir);
}

static void vdeport_report(struct netdev *nd, json_t *obj)
{
	struct vdeport *p = P(nd);

	json_object_set_new(obj, "vde_port", json_integer(p->num));
	json_object_set_new(obj, "vde_client", json_string(p->ctlfd >= 0 ? p->descr : ""));
}

static void vdeport_free(struct netdev *nd)
{
	struct vdeport *p = P(nd);

	if (p->v != NULL && p->v->ports != NULL)
		p->v->ports[p->num] = NULL;
	fqueue_free(&p->q);
}

static const struct backend_ops backend_vdeport = {
	.type = "vde-port",
	.size = sizeof(struct vdeport),
	.output = vdeport_output,
	.close = vdeport_close,
	.describe = vdeport_describe,
	.report = vdeport_report,
	.free = vdeport_free,
};

static struct port *owner_add_port(struct vdeserver *v)
{
	struct bridge *b = bridge_from_node(v->x.owner);

	return b != NULL ? bridge_add_port(b) : hub_add_port(hub_from_node(v->x.owner));
}

static struct vdeport *port_get(struct vdeserver *v, int num)
{
	struct graph *g = v->x.owner->g;
	struct vdeport *p = v->ports[num];
	char name[96];

	if (p != NULL)
		return p;
	snprintf(name, sizeof(name), "%s-vde%d", v->x.owner->name, num);
	for (int k = 2; graph_find_node(g, name) != NULL; k++)
		snprintf(name, sizeof(name), "%s-vde%d_%d", v->x.owner->name, num, k);
	p = P(netdev_new(g, &backend_vdeport, name, v->x.line));
	p->v = v;
	p->num = num;
	p->ctlfd = p->datafd = -1;
	fqueue_init(&p->q, &vdeport_qops, v->loop, p->nd.port, v->queue);
	xasprintf(&p->nd.options, "vde port %d of %s", num, v->x.owner->name);
	p->owner_port = owner_add_port(v);
	link_new(g, p->owner_port, p->nd.port, 0, 0, 0, v->x.line);
	v->ports[num] = p;
	return p;
}

static void refuse(struct vdeserver *v, int fd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void refuse(struct vdeserver *v, int fd, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	close(fd);
	node_event(v->x.owner, "VDE: refused a client: %s", msg);
}

_Static_assert(VDE_REQ_MIN == 12 + sizeof(struct sockaddr_un),
	       "a request is magic, version, type and a struct sockaddr_un");

int vde_request_parse(const uint8_t *req, size_t n, struct vde_request *r, char *why,
		      size_t whylen)
{
	uint32_t magic, version, type;
	size_t dlen;

	memset(r, 0, sizeof(*r));
	if (n < VDE_REQ_MIN) {
		snprintf(why, whylen, "a %zu-byte request (a VDE request is at least %d bytes)", n,
			 VDE_REQ_MIN);
		return -1;
	}
	memcpy(&magic, req, 4);
	memcpy(&version, req + 4, 4);
	memcpy(&type, req + 8, 4);
	if (magic != VDE_MAGIC) {
		snprintf(why, whylen, "no VDE magic (0x%08x): an old (V0) client or not VDE", magic);
		return -1;
	}
	if (version != VDE_VERSION) {
		snprintf(why, whylen, "protocol version %u (only version 3 is served)", version);
		return -1;
	}
	if ((type & 0xff) != 0) {
		snprintf(why, whylen, "request type %u (only new-port requests, type 0, are served)",
			 type & 0xff);
		return -1;
	}
	memcpy(&r->sock, req + 12, sizeof(r->sock));
	r->sock.sun_path[sizeof(r->sock.sun_path) - 1] = '\0';
	if (r->sock.sun_family != AF_UNIX || r->sock.sun_path[0] == '\0') {
		snprintf(why, whylen, "the request names no unix socket for data");
		return -1;
	}
	r->port = (int)(type >> 8);
	dlen = MIN(MIN(n, (size_t)VDE_REQ_MAX) - VDE_REQ_MIN, sizeof(r->descr) - 1);
	memcpy(r->descr, req + VDE_REQ_MIN, dlen);
	for (size_t i = 0; i < dlen; i++)
		if (r->descr[i] < 32 || r->descr[i] > 126)
			r->descr[i] = '?';
	return 0;
}

/* Connects dfd to the client's data socket, which must be a socket of the
 * client's own user (root's may be anyone's): else a client could make the
 * switch, perhaps root's, send frames to any socket on the host that it
 * names. The path is opened once (O_PATH) and connected to through that
 * descriptor, so what is checked is what is connected to. */
static int data_connect(int dfd, uid_t uid, const struct sockaddr_un *client, char *err)
{
	struct sockaddr_un via = { .sun_family = AF_UNIX };
	int pfd = open(client->sun_path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	int rc = 0, e;

	if (pfd < 0)
		return errf(err, "cannot reach its data socket %s: %s", client->sun_path,
			    strerror(errno));
	if (fstat(pfd, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		rc = errf(err, "its data socket %s is not a socket", client->sun_path);
	} else if (uid != 0 && st.st_uid != uid) {
		rc = errf(err, "its data socket %s belongs to user %u, not to the client's "
			       "(%ld)", client->sun_path, (unsigned)st.st_uid,
			  uid == (uid_t)-1 ? -1L : (long)uid);
	} else {
		snprintf(via.sun_path, sizeof(via.sun_path), "/proc/self/fd/%d", pfd);
		if (connect(dfd, (struct sockaddr *)&via, sizeof(via)) < 0) {
			e = errno;
			rc = errf(err, "cannot reach its data socket %s: %s", client->sun_path,
				  strerror(e));
		}
	}
	close(pfd);
	return rc;
}

/* The default data socket: connected to the client's (data_connect), bound
 * at DIR/NNN.FD with the switch's mode and group. */
static int data_socket_bind(struct vdeserver *v, int num, uid_t uid,
			    const struct sockaddr_un *client, struct sockaddr_un *mine, char *err)
{
	int dfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int e;

	if (dfd < 0)
		return errf(err, "socket: %s", strerror(errno));
	if (data_connect(dfd, uid, client, err) < 0) {
		close(dfd);
		return -1;
	}
	mine->sun_family = AF_UNIX;
	snprintf(mine->sun_path, sizeof(mine->sun_path), "%s/%03d.%d", v->dir, num, dfd);
	unlink(mine->sun_path);
	if (bind(dfd, (struct sockaddr *)mine, sizeof(*mine)) < 0) {
		e = errno;
		close(dfd);
		return errf(err, "cannot bind %s: %s", mine->sun_path, strerror(e));
	}
	chmod(mine->sun_path, v->mode);
	if (v->have_gid && chown(mine->sun_path, (uid_t)-1, v->gid) < 0)
		log_debug("vde: chown %s: %s", mine->sun_path, strerror(errno));
	return dfd;
}

/* A request read (n bytes: VDE_REQ_MIN or more, or fewer from a client
 * that hung up) from a peer of user uid: validates it, makes the port,
 * answers. */
static void handshake(struct vdeserver *v, int fd, uid_t uid, const uint8_t *req, size_t n)
{
	struct vde_request r;
	struct sockaddr_un mine;
	struct vdeport *p;
	char why[ERRLEN];
	int num = 0, dfd;

	if (vde_request_parse(req, n, &r, why, sizeof(why)) < 0) {
		v->bad_requests++;
		refuse(v, fd, "%s", why);
		return;
	}
	if (r.port > 0) {
		if (r.port > v->maxports) {
			v->refused++;
			refuse(v, fd, "%s asked for port %d; this switch has %d (vde_ports)", r.descr,
			       r.port, v->maxports);
			return;
		}
		if (v->ports[r.port] != NULL && v->ports[r.port]->ctlfd >= 0) {
			v->refused++;
			refuse(v, fd, "%s asked for port %d, which is in use by %s", r.descr, r.port,
			       v->ports[r.port]->descr);
			return;
		}
		num = r.port;
	} else {
		for (int i = 1; i <= v->maxports && num == 0; i++)
			if (v->ports[i] == NULL || v->ports[i]->ctlfd < 0)
				num = i;
		if (num == 0) {
			v->refused++;
			refuse(v, fd, "%s: all %d ports are in use (vde_ports)", r.descr, v->maxports);
			return;
		}
	}
	memset(&mine, 0, sizeof(mine));
	dfd = v->data_socket(v, num, uid, &r.sock, &mine, why);
	if (dfd < 0) {
		v->refused++;
		refuse(v, fd, "%s: %s", r.descr, why);
		return;
	}
	if (write(fd, &mine, sizeof(mine)) != (ssize_t)sizeof(mine)) {
		close(dfd);
		if (mine.sun_path[0] != '\0')
			unlink(mine.sun_path);
		v->refused++;
		refuse(v, fd, "%s went away during the handshake", r.descr);
		return;
	}
	p = port_get(v, num);
	p->ctlfd = fd;
	p->datafd = dfd;
	p->ev = EPOLLIN;
	snprintf(p->path, sizeof(p->path), "%s", mine.sun_path);
	snprintf(p->descr, sizeof(p->descr), "%s", r.descr);
	snprintf(p->nd.peer, sizeof(p->nd.peer), "%s", r.descr);
	snprintf(p->nd.remote_desc, sizeof(p->nd.remote_desc), "%s", r.descr);
	if (loop_fd_add(v->loop, fd, EPOLLIN, port_ctl_cb, p) < 0 ||
	    loop_fd_add(v->loop, dfd, EPOLLIN, port_data_cb, p) < 0) {
		loop_fd_del(v->loop, fd);
		p->datafd = -1;
		close(dfd);
		close(fd);
		p->ctlfd = -1;
		if (p->path[0] != '\0')
			unlink(p->path);
		v->refused++;
		return;
	}
	v->clients++;
	v->connects++;
	port_update(p);             /* paused if the switch is paused */
	p->nd.st.connects++;
	p->nd.error[0] = '\0';
	netdev_set_state(&p->nd, ND_CONNECTED);
	port_set_link(p->owner_port, true);
	netdev_event(&p->nd, "VDE port %d: %s connected", num, r.descr);
}

static void pending_end(struct pending *pd)
{
	struct loop *l = pd->v->loop;

	loop_timer_disarm(l, &pd->timer);
	loop_fd_del(l, pd->fd);
	pd->fd = -1;
	pd->have = 0;
}

/* Closes a connection that sent no whole request: its time is up, or a
 * newer one needs its slot. Counted; the first is told. */
static void pending_silent(struct pending *pd, const char *why)
{
	struct vdeserver *v = pd->v;

	close(pd->fd);
	pending_end(pd);
	v->silent++;
	if (!v->told_silent) {
		v->told_silent = true;
		node_event(v->x.owner, "VDE: closed a connection that sent no request (%s); "
				     "more are counted in vde.silent", why);
	}
}

/* Closes the oldest pending connection of a user who has
 * VDE_PENDING_PER_SOURCE waiting and opened one more: silent, and counted
 * in limited too. Told once a burst (closings less than 1 s apart). */
static void pending_limited(struct pending *pd)
{
	struct vdeserver *v = pd->v;
	uint64_t now = loop_now(v->loop);
	uid_t uid = pd->uid;

	close(pd->fd);
	pending_end(pd);
	v->silent++;
	v->limited++;
	if (now >= v->limit_burst_end)
		node_event(v->x.owner, "VDE: user %ld has %d connections that sent no request yet, the "
				     "most one user may have: its oldest make room for its newest "
				     "(counted in vde.limited)", uid == (uid_t)-1 ? -1L : (long)uid,
			   VDE_PENDING_PER_SOURCE);
	v->limit_burst_end = now + PENDING_TIMEOUT;
}

static void pending_timeout(void *arg)
{
	pending_silent(arg, "1 s passed");
}

/* Reads what a pending connection sent. VDE_REQ_MIN bytes make a request
 * (the description is what came with them); the connection's end makes
 * one of what it sent, or just closes it if that was nothing. */
static void pending_cb(void *arg, uint32_t events)
{
	struct pending *pd = arg;
	struct vdeserver *v = pd->v;
	uint8_t req[VDE_REQ_MAX];
	int fd = pd->fd;
	uid_t uid = pd->uid;
	size_t have;
	ssize_t n;

	(void)events;
	n = read(fd, pd->req + pd->have, sizeof(pd->req) - pd->have);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0) {
		pd->have += (size_t)n;
		if (pd->have < VDE_REQ_MIN)
			return;     /* a stream: the rest may come in another read */
	}
	have = pd->have;
	memcpy(req, pd->req, have);
	pending_end(pd);
	if (have == 0) {
		close(fd);      /* hung up before saying anything */
		return;
	}
	handshake(v, fd, uid, req, have);
}

/* A free slot for a connection from uid. When uid has
 * VDE_PENDING_PER_SOURCE waiting, its oldest makes room; when all slots
 * are taken, the oldest of all does. That one is read once more first:
 * if it has sent its request (or hung up) by now, it leaves by itself. */
static struct pending *pending_slot(struct vdeserver *v, uid_t uid)
{
	for (;;) {
		struct pending *free_slot = NULL, *oldest = NULL, *mine = NULL, *victim;
		int from = 0;

		for (int i = 0; i < VDE_PENDING_MAX; i++) {
			struct pending *pd = &v->pend[i];

			if (pd->fd < 0) {
				if (free_slot == NULL)
					free_slot = pd;
				continue;
			}
			if (oldest == NULL || pd->seq < oldest->seq)
				oldest = pd;
			if (pd->uid != uid)
				continue;
			from++;
			if (mine == NULL || pd->seq < mine->seq)
				mine = pd;
		}
		victim = from >= VDE_PENDING_PER_SOURCE ? mine : free_slot == NULL ? oldest : NULL;
		if (victim == NULL)
			return free_slot;
		pending_cb(victim, EPOLLIN);
		if (victim->fd < 0)
			continue;
		if (from >= VDE_PENDING_PER_SOURCE)
			pending_limited(victim);
		else
			pending_silent(victim, "a newer one needed its place");
		return victim;
	}
}

void vdeserver_accepted(struct vdeserver *v, int fd, uid_t uid)
{
	struct pending *pd = pending_slot(v, uid);

	pd->v = v;
	pd->fd = fd;
	pd->uid = uid;
	pd->seq = ++v->pend_seq;
	pd->have = 0;
	if (loop_fd_add(v->loop, fd, EPOLLIN, pending_cb, pd) < 0) {
		close(fd);
		pd->fd = -1;
		return;
	}
	loop_timer_arm(v->loop, &pd->timer, loop_now(v->loop) + PENDING_TIMEOUT);
}

/* The peer's user, as the kernel tells it (SO_PEERCRED): the source its
 * pending handshake counts against. Not a pid, which a fork renews, nor a
 * group, which vde_mode 0660 shares between the users it lets in. */
static uid_t peer_uid(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return (uid_t)-1;   /* unknown peers are one source together */
	return cr.uid;
}

static void accept_cb(void *arg, uint32_t events)
{
	struct vdeserver *v = arg;

	(void)events;
	for (;;) {
		int fd = accept4(v->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0 && errno == EINTR)
			continue;
		if (fd < 0 && loop_accept_starved(errno)) {
			int e = errno;

			if (loop_fd_backoff(v->loop, &v->accept_backoff, v->lfd, EPOLLIN,
					    100 * NS_PER_MS))
				node_event(v->x.owner, "VDE: cannot accept a client: %s; trying again "
						     "every 100 ms", strerror(e));
			return;
		}
		if (fd < 0)
			return;
		vdeserver_accepted(v, fd, peer_uid(fd));
	}
}

/* ---- the directory ------------------------------------------------------ */

/* An existing directory: ours to take if it holds only sockets nobody
 * serves (a switch that crashed); refused if a switch answers or it holds
 * anything else. */
static int take_stale_dir(struct vdeserver *v, char *err)
{
	struct sockaddr_un a;
	int stale = 0, s;
	struct dirent *de;
	struct stat st;
	DIR *d;

	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", v->ctl_path);
	if (lstat(a.sun_path, &st) == 0) {
		s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s >= 0 && connect(s, (struct sockaddr *)&a, sizeof(a)) == 0) {
			close(s);
			return errf(err, "vde=%s: a VDE switch is already serving there (its ctl "
					 "socket answers); stop it or choose another directory",
				    v->dir);
		}
		if (s >= 0)
			close(s);
	}
	d = opendir(v->dir);
	if (d == NULL)
		return errf(err, "vde=%s: %s", v->dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		char p[PATH_MAX];

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", v->dir, de->d_name);
		if (lstat(p, &st) < 0 || !S_ISSOCK(st.st_mode)) {
			closedir(d);
			return errf(err, "vde=%s exists and holds '%s', which is not a socket: not "
					 "a VDE switch directory (choose another vde= path)", v->dir,
				    de->d_name);
		}
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		char p[PATH_MAX];

		if (de->d_name[0] == '.' && (de->d_name[1] == '\0' || de->d_name[1] == '.'))
			continue;
		snprintf(p, sizeof(p), "%s/%s", v->dir, de->d_name);
		if (unlink(p) == 0)
			stale++;
	}
	closedir(d);
	if (stale > 0)
		node_event(v->x.owner, "VDE: removed %d stale socket%s from %s (left "
				    "by a switch that is gone)", stale, stale == 1 ? "" : "s", v->dir);
	return 0;
}

/* What serving needs besides the directory: the port table and the
 * pending slots. */
static void serve_init(struct vdeserver *v, vde_data_socket_fn data_socket)
{
	v->data_socket = data_socket;
	v->ports = xcalloc((size_t)v->maxports + 1, sizeof(*v->ports));
	for (int i = 0; i < VDE_PENDING_MAX; i++) {
		v->pend[i].v = v;
		v->pend[i].fd = -1;
		timer_init(&v->pend[i].timer, pending_timeout, &v->pend[i]);
	}
	v->open = true;
}

void vdeserver_open_detached(struct vdeserver *v, vde_data_socket_fn data_socket)
{
	serve_init(v, data_socket);
}

static int vdeserver_open(struct node_ext *x, char *err)
{
	struct vdeserver *v = container_of(x, struct vdeserver, x);
	mode_t dirmode = 02700 | ((v->mode & 0060) ? 0070 : 0) | ((v->mode & 0006) ? 0007 : 0);
	struct sockaddr_un a;
	struct stat st;

	snprintf(v->ctl_path, sizeof(v->ctl_path), "%s/ctl", v->dir);
	if (stat(v->dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return errf(err, "vde=%s exists and is not a directory", v->dir);
		if (take_stale_dir(v, err) < 0)
			return -1;
	} else if (mkdir(v->dir, 0700) < 0) {
		return errf(err, "vde=%s: cannot create the directory: %s", v->dir, strerror(errno));
	}
	host_record(HOST_VDEDIR, v->dir);
	v->dir_ours = true;
	if (v->have_gid && chown(v->dir, (uid_t)-1, v->gid) < 0)
		return errf(err, "vde_group: cannot give %s to group %u: %s", v->dir,
			    (unsigned)v->gid, strerror(errno));
	if (chmod(v->dir, dirmode) < 0)
		return errf(err, "vde=%s: chmod: %s", v->dir, strerror(errno));
	v->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (v->lfd < 0)
		return errf(err, "socket: %s", strerror(errno));
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", v->ctl_path);
	if (bind(v->lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(v->lfd, 15) < 0)
		return errf(err, "vde=%s: cannot listen on %s: %s", v->dir, v->ctl_path,
			    strerror(errno));
	chmod(v->ctl_path, v->mode);
	if (v->have_gid && chown(v->ctl_path, (uid_t)-1, v->gid) < 0)
		log_debug("vde: chown %s: %s", v->ctl_path, strerror(errno));
	if (loop_fd_add(v->loop, v->lfd, EPOLLIN, accept_cb, v) < 0)
		return errf(err, "cannot watch %s", v->ctl_path);
	serve_init(v, data_socket_bind);
	return 0;
}

static void vdeserver_close(struct node_ext *x)
{
	struct vdeserver *v = container_of(x, struct vdeserver, x);
	struct loop *l = v->loop;

	if (!v->open)
		return;
	for (int i = 1; i <= v->maxports; i++)
		if (v->ports[i] != NULL && v->ports[i]->ctlfd >= 0)
			port_end(v->ports[i], NULL);
	for (int i = 0; i < VDE_PENDING_MAX; i++) {
		if (v->pend[i].fd >= 0) {
			close(v->pend[i].fd);
			pending_end(&v->pend[i]);
		}
	}
	if (v->lfd >= 0) {
		loop_backoff_cancel(&v->accept_backoff);
		loop_fd_del(l, v->lfd);
		close(v->lfd);
		v->lfd = -1;
	}
	if (v->dir_ours) {
		host_remove(HOST_VDEDIR, v->dir);
		host_forget(HOST_VDEDIR, v->dir);
		v->dir_ours = false;
	}
	v->open = false;
}

static void vdeserver_free(struct node_ext *x)
{
	struct vdeserver *v = container_of(x, struct vdeserver, x);

	vdeserver_close(x);
	/* The port netdevs are graph nodes; they go with the graph. */
	for (int i = 1; v->ports != NULL && i <= v->maxports; i++)
		if (v->ports[i] != NULL)
			v->ports[i]->v = NULL;
	free(v->ports);
	free(v->dir);
	free(v);
}

static void vdeserver_describe(struct node_ext *x, char *buf, size_t len)
{
	struct vdeserver *v = container_of(x, struct vdeserver, x);

	snprintf(buf, len, "serving VDE at %s: %d client%s (most %d), %" PRIu64 " connects, %"
		 PRIu64 " refused", v->dir, v->clients, v->clients == 1 ? "" : "s", v->maxports,
		 v->connects, v->refused);
}

static void get_clients(const void *obj, struct value *val)
{
	value_num(val, ((const struct vdeserver *)obj)->clients);
}

/* The switch's values: br0.vde.NAME, the report's "vde" object. */
static const struct field vdeserver_fields[] = {
	FIELD_FN("clients", get_clients, 0),
	FIELD_U64(struct vdeserver, "connects", connects, 0),
	FIELD_U64(struct vdeserver, "disconnects", disconnects, 0),
	FIELD_U64(struct vdeserver, "refused", refused, 0),
	FIELD_U64(struct vdeserver, "bad_requests", bad_requests, 0),
	FIELD_U64(struct vdeserver, "silent", silent, 0),
	FIELD_U64(struct vdeserver, "limited", limited, 0),
	FIELD_U64(struct vdeserver, "pauses", pauses, 0),
};

int vdeserver_counter(const struct vdeserver *v, const char *name, uint64_t *out)
{
	const struct field *f = field_find(vdeserver_fields, ARRAY_SIZE(vdeserver_fields), name);
	struct value val;

	if (f == NULL)
		return -1;
	field_get(f, v, &val);
	*out = (uint64_t)val.num;
	return 0;
}

int vdeserver_port_field(const struct vdeserver *v, const char *f, char *buf, size_t len)
{
	const struct vdeport *p;
	char *end;
	long num = strtol(f + 1, &end, 10);

	if (f[0] != '[' || end == f + 1 || *end != ']' || end[1] != '.' || num < 1)
		return -1;
	f = end + 2;
	p = v->ports != NULL && num <= v->maxports ? v->ports[num] : NULL;
	if (strcmp(f, "state") == 0)
		snprintf(buf, len, "%s", p == NULL ? "none" : p->ctlfd >= 0 ? "connected" : "free");
	else if (strcmp(f, "client") == 0)
		snprintf(buf, len, "%s", p == NULL || p->ctlfd < 0 ? "none" : p->descr);
	else if (strcmp(f, "rx_frames") == 0)
		snprintf(buf, len, "%" PRIu64, p == NULL ? 0 : p->nd.port->st.tx_frames);
	else if (strcmp(f, "tx_frames") == 0)
		snprintf(buf, len, "%" PRIu64, p == NULL ? 0 : p->nd.port->st.rx_frames);
	else
		return -1;
	return 0;
}

static void vdeserver_report(struct node_ext *x, json_t *obj)
{
	struct vdeserver *v = container_of(x, struct vdeserver, x);
	json_t *o = json_object();

	json_object_set_new(o, "dir", json_string(v->dir));
	json_object_set_new(o, "mode", json_integer(v->mode));
	json_object_set_new(o, "max_ports", json_integer(v->maxports));
	for (size_t i = 0; i < ARRAY_SIZE(vdeserver_fields); i++) {
		struct value val;

		field_get(&vdeserver_fields[i], v, &val);
		json_object_set_new(o, vdeserver_fields[i].name, json_integer((json_int_t)val.num));
	}
	json_object_set_new(obj, "vde", o);
}

/* NODE.vde.COUNTER and NODE.vde[N].state|client|rx_frames|tx_frames. */
static int vdeserver_value(struct node_ext *x, const char *name, bool check, struct value *val,
			   char *err)
{
	struct vdeserver *v = container_of(x, struct vdeserver, x);
	char b[160], names[256];

	if (name[0] == '.') {
		const struct field *f = field_find(vdeserver_fields, ARRAY_SIZE(vdeserver_fields),
						   name + 1);

		if (f == NULL) {
			field_names(vdeserver_fields, ARRAY_SIZE(vdeserver_fields), names,
				    sizeof(names));
			return errf(err, "unknown VDE value '%s' (%s)", name + 1, names);
		}
		if (check)
			value_num(val, 0);
		else
			field_get(f, v, val);
		return 0;
	}
	if (vdeserver_port_field(v, name, b, sizeof(b)) < 0)
		return errf(err, "expected %s.vde[PORT].state|client|rx_frames|tx_frames",
			    v->x.owner->name);
	if (check)
		value_str(val, "none");
	else if (b[0] >= '0' && b[0] <= '9')
		value_num(val, atof(b));
	else
		value_str(val, b);
	return 0;
}

static const struct node_ext_ops vdeserver_ext = {
	.name = "vde",
	.check = vdeserver_check,
	.open = vdeserver_open,
	.close = vdeserver_close,
	.free = vdeserver_free,
	.describe = vdeserver_describe,
	.report = vdeserver_report,
	.value = vdeserver_value,
};

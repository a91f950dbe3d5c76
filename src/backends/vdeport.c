/*
 * The served VDE switch's ports: one netdev node per client ("br0-vdeN",
 * backend vde-port), linked to a port of the hub or bridge, made on first use
 * and kept for the next client of that number. Its data path: the client's
 * datagrams read in batches into the topology, frames to the client through
 * a bounded queue flushed in batches, and the flow control between clients.
 */
#include "vdeserver_internal.h"
#include "../core/bridge.h"
#include "../core/hub.h"
#include "../core/util.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define VDE_RBUF (FRAME_MAX + 1)
#define VDE_BATCH 32            /* frames per recvmmsg/sendmmsg */

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
void vdeport_end(struct vdeport *p, const char *why)
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
		vdeport_end(p, "hung up");
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
		vdeport_end(p, NULL);
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

void vdeport_connect(struct vdeserver *v, int num, int fd, int dfd, const char *path,
		     const char *descr)
{
	struct vdeport *p = port_get(v, num);

	p->ctlfd = fd;
	p->datafd = dfd;
	p->ev = EPOLLIN;
	snprintf(p->path, sizeof(p->path), "%s", path);
	snprintf(p->descr, sizeof(p->descr), "%s", descr);
	snprintf(p->nd.peer, sizeof(p->nd.peer), "%s", descr);
	snprintf(p->nd.remote_desc, sizeof(p->nd.remote_desc), "%s", descr);
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
	netdev_event(&p->nd, "VDE port %d: %s connected", num, descr);
}

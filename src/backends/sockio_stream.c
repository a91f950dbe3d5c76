/*
 * The socket family's streams (socket listen/connect/fd, stream): QEMU's
 * framing, a 4-byte big-endian length and the frame, both ways. The write
 * queue flushed with non-blocking sendmsg, the reading state machine, and
 * the connection's life: listening and accepting one peer at a time,
 * connecting and reconnecting, an inherited socket, the peer going.
 * sockio.c says who owns what.
 */
#include "sockio_internal.h"
#include "../core/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <unistd.h>

#define WQ_BATCH 64                 /* frames per sendmsg */
#define ACCEPT_BACKOFF (100 * NS_PER_MS)  /* out of descriptors: wait, then accept */

/* ---- stream: the write queue ---------------------------------------------- */

static void stream_gone(struct netdev *nd, const char *why, bool dropped);

static void wq_want_out(struct fqueue *q, bool on)
{
	struct socknet *sn = container_of(q, struct socknet, wq);

	if (sn->fd >= 0)
		loop_fd_mod(sn->nd.loop, sn->fd, EPOLLIN | (on ? EPOLLOUT : 0));
}

/* The bytes of f that go on the stream: padded to 60 as QEMU sends them,
 * or with cut_to_ip the Ethernet and VLAN headers and the IP packet their
 * length field gives, nothing after it (a length past the frame: all). */
static uint32_t wire_len(const struct socknet *sn, const struct frame *f)
{
	uint32_t off = 12, type;

	if (!sn->cut_to_ip)
		return MAX(f->len, (uint32_t)ETH_MIN_LEN);
	for (;;) {
		if (off + 2 > f->len)
			return f->len;
		type = rd16(f->data + off);
		off += 2;
		if (type != 0x8100 && type != 0x88a8)
			break;
		off += 2;
	}
	if (type == 0x0800 && off + 20 <= f->len)
		return MIN(f->len, MAX(off + rd16(f->data + off + 2), off + 20));
	if (type == 0x86dd && off + 40 <= f->len)
		return MIN(f->len, off + 40 + rd16(f->data + off + 4));
	return f->len;
}

/* Writes as much of the queue as the socket takes: each frame as QEMU
 * frames it, a 4-byte big-endian length and the frame (wire_len). */
static enum fqueue_sent wq_send(struct fqueue *q)
{
	struct socknet *sn = container_of(q, struct socknet, wq);
	struct netdev *nd = &sn->nd;

	while (q->len > 0 && sn->fd >= 0) {
		uint8_t hdr[WQ_BATCH][4];
		struct iovec iov[WQ_BATCH * 3];
		struct msghdr msg = { .msg_iov = iov };
		uint32_t skip = sn->woff;
		size_t niov = 0;
		ssize_t n;

		for (uint32_t i = 0; i < q->len && i < WQ_BATCH; i++) {
			struct frame *f = fqueue_peek(q, i);
			uint32_t wl = wire_len(sn, f);
			struct { const void *p; size_t n; } part[3] = {
				{ hdr[i], 4 }, { f->data, MIN(f->len, wl) },
				{ zeros, wl > f->len ? wl - f->len : 0 },
			};

			wr32(hdr[i], wl);
			for (int k = 0; k < 3; k++) {
				if (skip >= part[k].n) {
					skip -= (uint32_t)part[k].n;
					continue;
				}
				iov[niov].iov_base = (char *)part[k].p + skip;
				iov[niov].iov_len = part[k].n - skip;
				niov++;
				skip = 0;
			}
		}
		msg.msg_iovlen = niov;
		n = sendmsg(sn->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return FQ_BLOCKED;
			nd->st.send_errors++;
			stream_gone(nd, strerror(errno), false);
			return FQ_DONE;
		}
		while (n > 0) {
			struct frame *f = fqueue_peek(q, 0);
			uint32_t left = 4 + wire_len(sn, f) - sn->woff;

			if ((size_t)n < left) {
				sn->woff += (uint32_t)n;
				break;
			}
			n -= left;
			frame_unref(fqueue_pop(q));
			sn->woff = 0;
		}
	}
	return FQ_DONE;
}

const struct fqueue_ops sockio_wq_ops = {
	.send = wq_send,
	.want_out = wq_want_out,
};

void sockio_stream_output(struct netdev *nd, struct frame *f)
{
	struct socknet *sn = socknet_of(nd);

	if (sn->fd < 0 || nd->state != ND_CONNECTED) {
		port_drop_dir(nd->port, f, DROP_NO_PEER, false);
		return;
	}
	if (fqueue_full(&sn->wq)) {
		port_drop_dir(nd->port, f, DROP_PEER_BACKLOG, false);
		return;
	}
	trace_record(nd->node.g, nd->port, f, DEC_DELIVERED, 0, 0, false);
	fqueue_push(&sn->wq, f);
}

/* ---- stream: reading ------------------------------------------------------ */

void sockio_rx_reset(struct netdev *nd)
{
	if (SN(nd)->rf != NULL)
		frame_unref(SN(nd)->rf);
	SN(nd)->rf = NULL;
	SN(nd)->lenhave = SN(nd)->need = SN(nd)->got = 0;
}

/* The framing state machine (contract in netdev.h). */
int sockio_stream_input(struct netdev *nd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		size_t take;

		if (SN(nd)->lenhave < 4) {
			take = MIN(n, (size_t)(4 - SN(nd)->lenhave));
			memcpy(SN(nd)->lenbuf + SN(nd)->lenhave, p, take);
			SN(nd)->lenhave += (uint32_t)take;
			p += take;
			n -= take;
			if (SN(nd)->lenhave < 4)
				break;
			SN(nd)->need = rd32(SN(nd)->lenbuf);
			SN(nd)->got = 0;
			if (SN(nd)->need < ETH_HLEN || SN(nd)->need > FRAME_MAX) {
				char why[128];

				snprintf(why, sizeof(why), "sent a frame length of %u (%s)", SN(nd)->need,
					 SN(nd)->need == 0 ? "zero" :
					 SN(nd)->need < ETH_HLEN ? "shorter than an Ethernet header, 14" :
					 "over QEMU's limit of 69632");
				nd->st.bad_length++;
				port_count_drop(nd->port, DROP_BAD_LENGTH);
				stream_gone(nd, why, true);
				return -1;
			}
			SN(nd)->rf = frame_alloc(nd->node.g->pool, SN(nd)->need);
			continue;
		}
		take = MIN(n, (size_t)(SN(nd)->need - SN(nd)->got));
		if (SN(nd)->rf != NULL)
			memcpy(SN(nd)->rf->data + SN(nd)->got, p, take);
		SN(nd)->got += (uint32_t)take;
		p += take;
		n -= take;
		if (SN(nd)->got == SN(nd)->need) {
			struct frame *f = SN(nd)->rf;

			SN(nd)->rf = NULL;
			SN(nd)->lenhave = 0;
			if (f != NULL)
				enter_topology(nd, f);
			else
				port_count_drop(nd->port, DROP_NO_BUFFER);
		}
	}
	return 0;
}

static void stream_read(struct netdev *nd)
{
	for (int i = 0; i < READS_PER_EVENT && SN(nd)->fd >= 0; i++) {
		ssize_t n = recv(SN(nd)->fd, SN(nd)->rbuf, RBUF_SIZE, MSG_DONTWAIT);

		if (n == 0) {
			stream_gone(nd, "closed the connection", false);
			return;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				stream_gone(nd, strerror(errno), false);
			return;
		}
		if (sockio_stream_input(nd, SN(nd)->rbuf, (size_t)n) < 0 || n < RBUF_SIZE)
			return;
	}
}

/* ---- stream: connections -------------------------------------------------- */

static void stream_fd_cb(void *arg, uint32_t events);

static void adopt(struct netdev *nd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	if (getpeername(SN(nd)->fd, (struct sockaddr *)&ss, &len) == 0 && ss.ss_family != AF_UNIX)
		sockaddr_format(&ss, len, nd->peer, sizeof(nd->peer));
	else if (SN(nd)->spec.kind == SK_STREAM_SERVER)
		snprintf(nd->peer, sizeof(nd->peer), "a client on %s", nd->local_desc);
	else
		snprintf(nd->peer, sizeof(nd->peer), "%s", nd->remote_desc);
	if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6) {
		int one = 1;

		setsockopt(SN(nd)->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (SN(nd)->spec.keepalive)
			setsockopt(SN(nd)->fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	}
	sockio_rx_reset(nd);
	nd->st.connects++;
	nd->error[0] = '\0';
	set_state(nd, ND_CONNECTED);
	loop_fd_mod(nd->loop, SN(nd)->fd, EPOLLIN);
	netdev_event(nd, "connected to %s", nd->peer);
}

/* A client tries again in `reconnect`; with reconnect=0 it gives up. */
static void retry_later(struct netdev *nd)
{
	if (nd->reconnect > 0) {
		set_state(nd, ND_RECONNECTING);
		loop_timer_arm(nd->loop, &nd->timer,
			       loop_now(nd->loop) + nd->reconnect);
	} else {
		set_state(nd, ND_ERROR);
	}
}

/* The peer is gone: EOF, an error, or we dropped it (dropped = true). */
static void stream_gone(struct netdev *nd, const char *why, bool dropped)
{
	if (SN(nd)->lenhave > 0) {
		if (!dropped) {
			nd->st.partial++;
			netdev_event(nd, "peer %s left in the middle of a frame (%u of %u bytes): "
				     "partial frame discarded", nd->peer,
				     SN(nd)->lenhave < 4 ? SN(nd)->lenhave : SN(nd)->got,
				     SN(nd)->lenhave < 4 ? 4 : SN(nd)->need);
		}
	}
	sockio_rx_reset(nd);
	fqueue_clear(&SN(nd)->wq);
	SN(nd)->woff = 0;
	sockio_close_fd(nd);
	if (dropped) {
		nd->st.peers_dropped++;
		netdev_event(nd, "dropped peer %s: it %s", nd->peer, why);
	} else {
		nd->st.disconnects++;
		netdev_event(nd, "peer %s: %s", nd->peer, why);
	}
	snprintf(nd->error, sizeof(nd->error), "%s %s", dropped ? "dropped:" : "peer", why);
	switch (SN(nd)->spec.kind) {
	case SK_STREAM_SERVER:
		set_state(nd, ND_LISTENING);
		break;
	case SK_STREAM_CLIENT:
		retry_later(nd);
		break;
	default:
		set_state(nd, ND_ERROR);
		break;
	}
}

static void accept_cb(void *arg, uint32_t events)
{
	struct netdev *nd = arg;

	(void)events;
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd = accept4(SN(nd)->lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		char who[128];

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			if (loop_accept_starved(errno)) {
				int e = errno;

				nd->st.accept_backoffs++;
				if (loop_fd_backoff(nd->node.g->loop, &SN(nd)->accept_backoff, SN(nd)->lfd,
						    EPOLLIN, ACCEPT_BACKOFF))
					netdev_event(nd, "cannot accept a peer: %s; trying again every "
							 "100 ms", strerror(e));
				return;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_debug("netdev %s: accept: %s", nd->node.name, strerror(errno));
			return;
		}
		sockaddr_format(&ss, len, who, sizeof(who));
		if (SN(nd)->fd >= 0) {
			/* QEMU serves one peer at a time; a second one is told at
			 * once instead of waiting unseen in the backlog. */
			close(fd);
			nd->st.refused++;
			netdev_event(nd, "refused %s: %s already has a peer (%s); one at a time",
				     ss.ss_family == AF_UNIX ? "a second client" : who, nd->node.name,
				     nd->peer);
			continue;
		}
		SN(nd)->fd = fd;
		if (loop_fd_add(nd->loop, fd, EPOLLIN, stream_fd_cb, nd) < 0) {
			close(fd);
			SN(nd)->fd = -1;
			continue;
		}
		adopt(nd);
	}
}

static void client_failed(struct netdev *nd, int err)
{
	bool changed = strcmp(nd->error, strerror(err)) != 0;

	sockio_close_fd(nd);
	nd->st.connect_failures++;
	snprintf(nd->error, sizeof(nd->error), "%s", strerror(err));
	/* Say it once per new reason, not every retry. */
	if (changed)
		netdev_event(nd, "cannot connect to %s: %s%s", nd->remote_desc, strerror(err),
			     nd->reconnect > 0 ? "; retrying" : "");
	retry_later(nd);
}

static void stream_fd_cb(void *arg, uint32_t events)
{
	struct netdev *nd = arg;

	if (nd->state == ND_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(SN(nd)->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err != 0)
			client_failed(nd, err);
		else
			adopt(nd);
		return;
	}
	if (events & EPOLLOUT)
		fqueue_flush(&SN(nd)->wq);
	if (SN(nd)->fd >= 0 && (events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
		stream_read(nd);
}

void sockio_client_try(struct netdev *nd)
{
	const struct sock_spec *sp = &SN(nd)->spec;
	int fd = socket(sp->local.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		client_failed(nd, errno);
		return;
	}
	SN(nd)->fd = fd;
	if (loop_fd_add(nd->loop, fd, EPOLLOUT, stream_fd_cb, nd) < 0) {
		close(fd);
		SN(nd)->fd = -1;
		client_failed(nd, ENOMEM);
		return;
	}
	SN(nd)->wq.want_out = false;
	set_state(nd, ND_CONNECTING);
	if (connect(fd, (const struct sockaddr *)&sp->local, sp->local_len) == 0) {
		adopt(nd);
		return;
	}
	if (errno != EINPROGRESS && errno != EAGAIN)
		client_failed(nd, errno);
}

void sockio_reconnect_cb(void *arg)
{
	struct netdev *nd = arg;

	if (SN(nd)->fd < 0)
		sockio_client_try(nd);
}

/* ---- stream: listening, an inherited socket ------------------------------- */

int sockio_open_server(struct netdev *nd, char *err)
{
	struct sock_spec *sp = &SN(nd)->spec;
	int one = 1, fd = -1;
	int port_from = sp->local.ss_family == AF_INET ?
		ntohs(((struct sockaddr_in *)&sp->local)->sin_port) :
		sp->local.ss_family == AF_INET6 ?
		ntohs(((struct sockaddr_in6 *)&sp->local)->sin6_port) : 0;
	int port_to = sp->port_to > port_from ? sp->port_to : port_from;

	if (sockaddr_unlink_stale(&sp->local, err) < 0)
		return -1;
	for (int port = port_from; port <= port_to; port++) {
		fd = socket(sp->local.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return sockio_fail(-1, err, "cannot listen on", nd->local_desc);
		if (sp->local.ss_family != AF_UNIX)
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (sp->local.ss_family == AF_INET)
			((struct sockaddr_in *)&sp->local)->sin_port = htons((uint16_t)port);
		else if (sp->local.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&sp->local)->sin6_port = htons((uint16_t)port);
		if (bind(fd, (struct sockaddr *)&sp->local, sp->local_len) == 0)
			break;
		if (errno != EADDRINUSE || port == port_to)
			return sockio_fail(fd, err, "cannot listen on", nd->local_desc);
		close(fd);
		fd = -1;
	}
	if (listen(fd, 4) < 0)
		return sockio_fail(fd, err, "cannot listen on", nd->local_desc);
	if (sp->local.ss_family == AF_UNIX) {
		SN(nd)->unlink_at_close = ((struct sockaddr_un *)&sp->local)->sun_path[0] != '\0';
	} else {
		/* Port 0, or a range: say which port we got. */
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);

		if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
			sockaddr_format(&ss, len, nd->local_desc, sizeof(nd->local_desc));
	}
	SN(nd)->lfd = fd;
	if (loop_fd_add(nd->loop, fd, EPOLLIN, accept_cb, nd) < 0)
		return errf(err, "cannot watch %s", nd->local_desc);
	set_state(nd, ND_LISTENING);
	netdev_event(nd, "listening on %s", nd->local_desc);
	return 0;
}

/* fd=: an inherited socket, taken as connected; type=socket's fd= may be a
 * datagram socket too, which the datagram side opens. */
int sockio_open_stream_fd(struct netdev *nd, char *err)
{
	struct sock_spec *sp = &SN(nd)->spec;
	int type = 0;
	socklen_t len = sizeof(type);

	if (getsockopt(sp->fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return errf(err, "fd=%d is not a socket: %s", sp->fd, strerror(errno));
	if (fcntl(sp->fd, F_SETFL, fcntl(sp->fd, F_GETFL) | O_NONBLOCK) < 0)
		return errf(err, "fd=%d: %s", sp->fd, strerror(errno));
	if (type == SOCK_DGRAM) {
		sp->kind = SK_DGRAM_FD;
		return sockio_open_dgram(nd, err);
	}
	SN(nd)->fd = sp->fd;
	if (loop_fd_add(nd->loop, SN(nd)->fd, EPOLLIN, stream_fd_cb, nd) < 0)
		return errf(err, "cannot watch fd=%d", sp->fd);
	adopt(nd);
	return 0;
}

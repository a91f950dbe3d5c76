/*
 * Socket I/O for the socket, stream and dgram netdevs (see netdev.h for
 * the contract). Who owns what:
 *
 *  - SN(nd)->lfd (a listening socket) lives from open to close.
 *  - SN(nd)->fd is the peer connection (streams) or the datagram socket. When a
 *    stream peer goes, fd is closed here, the partial frame and the write
 *    queue are released, and the server goes back to listening or the
 *    client arms its reconnect timer.
 *  - Frames in the write queue hold one reference each; the head entry may
 *    be partly written (woff). Flushes run from the loop's FIFO, so frames
 *    that arrive at the same instant leave in one sendmsg.
 */
#include "sockio.h"
#include "../core/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define RBUF_SIZE (FRAME_MAX + 1)   /* one byte more: a longer datagram is seen */
#define READS_PER_EVENT 16          /* then let other fds have a turn */
#define WQ_BATCH 64                 /* frames per sendmsg */
#define ACCEPT_BACKOFF (100 * NS_PER_MS)  /* out of descriptors: wait, then accept */

static const uint8_t zeros[ETH_MIN_LEN];

#define SN(nd) socknet_of(nd)
#define set_state netdev_set_state
#define enter_topology netdev_enter

/* ---- stream: the write queue ---------------------------------------------- */

static void stream_gone(struct netdev *nd, const char *why, bool dropped);

static struct netdev *wq_nd(struct fqueue *q)
{
	return &container_of(q, struct socknet, wq)->nd;
}

static void wq_want_out(struct fqueue *q, bool on)
{
	struct socknet *sn = container_of(q, struct socknet, wq);

	if (sn->fd >= 0)
		loop_fd_mod(sn->nd.loop, sn->fd, EPOLLIN | (on ? EPOLLOUT : 0));
}

/* Writes as much of the queue as the socket takes: each frame as QEMU
 * frames it, a 4-byte big-endian length and the frame padded to 60. */
static enum fqueue_sent wq_send(struct fqueue *q)
{
	struct socknet *sn = container_of(q, struct socknet, wq);
	struct netdev *nd = wq_nd(q);

	while (q->len > 0 && sn->fd >= 0) {
		uint8_t hdr[WQ_BATCH][4];
		struct iovec iov[WQ_BATCH * 3];
		struct msghdr msg = { .msg_iov = iov };
		uint32_t skip = sn->woff;
		size_t niov = 0;
		ssize_t n;

		for (uint32_t i = 0; i < q->len && i < WQ_BATCH; i++) {
			struct frame *f = fqueue_peek(q, i);
			struct { const void *p; size_t n; } part[3] = {
				{ hdr[i], 4 }, { f->data, f->len },
				{ zeros, f->len < ETH_MIN_LEN ? ETH_MIN_LEN - f->len : 0 },
			};

			wr32(hdr[i], MAX(f->len, (uint32_t)ETH_MIN_LEN));
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
			uint32_t left = 4 + MAX(f->len, (uint32_t)ETH_MIN_LEN) - sn->woff;

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

static const struct fqueue_ops wq_ops = {
	.send = wq_send,
	.want_out = wq_want_out,
};

static void stream_output(struct netdev *nd, struct frame *f)
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

static void rx_reset(struct netdev *nd)
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
				nd->port->st.drops[DROP_BAD_LENGTH]++;
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
				nd->port->st.drops[DROP_NO_BUFFER]++;
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
static void client_try(struct netdev *nd);

static void close_fd(struct netdev *nd)
{
	if (SN(nd)->fd < 0)
		return;
	loop_fd_del(nd->loop, SN(nd)->fd);
	close(SN(nd)->fd);
	SN(nd)->fd = -1;
	SN(nd)->wq.want_out = false;
}

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
	rx_reset(nd);
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
	rx_reset(nd);
	fqueue_clear(&SN(nd)->wq);
	SN(nd)->woff = 0;
	close_fd(nd);
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

	close_fd(nd);
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

static void client_try(struct netdev *nd)
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

static void reconnect_cb(void *arg)
{
	struct netdev *nd = arg;

	if (SN(nd)->fd < 0)
		client_try(nd);
}

/* ---- datagrams ------------------------------------------------------------ */

/* Multicast: did this datagram come from our own send socket? Its port is
 * ours alone on its address (no SO_REUSEADDR on it). Bound to any address,
 * the source address varies with the route, so only the port is compared. */
static bool is_echo(struct netdev *nd, const struct sockaddr_storage *from, socklen_t flen)
{
	const struct sockaddr_in *x = (const void *)from, *self = (const void *)&SN(nd)->self;

	if (flen < (socklen_t)sizeof(*x) || from->ss_family != AF_INET)
		return false;
	return x->sin_port == self->sin_port &&
	       (self->sin_addr.s_addr == htonl(INADDR_ANY) ||
		x->sin_addr.s_addr == self->sin_addr.s_addr);
}

static void dgram_cb(void *arg, uint32_t events)
{
	struct netdev *nd = arg;

	(void)events;
	for (int i = 0; i < READS_PER_EVENT; i++) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(SN(nd)->fd, SN(nd)->rbuf, RBUF_SIZE, MSG_DONTWAIT | MSG_TRUNC,
				     (struct sockaddr *)&from, &flen);
		struct frame *f;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_debug("netdev %s: recv: %s", nd->node.name, strerror(errno));
			return;
		}
		if (SN(nd)->spec.kind == SK_DGRAM_MCAST && is_echo(nd, &from, flen)) {
			nd->st.echoes++;    /* our own frame, looped back */
			continue;
		}
		if (n > (ssize_t)FRAME_MAX) {
			nd->st.oversize++;
			nd->port->st.drops[DROP_OVERSIZE]++;
			continue;
		}
		if (n < (ssize_t)ETH_HLEN) {
			nd->st.runts++;
			nd->port->st.drops[DROP_RUNT]++;
			continue;
		}
		f = frame_from_bytes(nd->node.g->pool, SN(nd)->rbuf, (uint32_t)n);
		if (f == NULL) {
			nd->port->st.drops[DROP_NO_BUFFER]++;
			continue;
		}
		/* Kept raw: formatting per datagram would cost more than the hop. */
		if (flen > 0) {
			memcpy(&nd->last_from, &from, flen);
			nd->last_from_len = flen;
		}
		enter_topology(nd, f);
	}
}

/* Drains the multicast send socket: nothing should arrive there. */
static void dgram_drain_cb(void *arg, uint32_t events)
{
	struct netdev *nd = arg;
	uint8_t b[64];

	(void)events;
	while (recv(SN(nd)->sfd, b, sizeof(b), MSG_DONTWAIT | MSG_TRUNC) >= 0)
		;
}

static void dgram_output(struct netdev *nd, struct frame *f)
{
	const struct sock_spec *sp = &SN(nd)->spec;
	struct iovec iov[2] = {
		{ f->data, f->len },
		{ (void *)zeros, f->len < ETH_MIN_LEN ? ETH_MIN_LEN - f->len : 0 },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
	int fd = sp->kind == SK_DGRAM_MCAST ? SN(nd)->sfd : SN(nd)->fd;
	ssize_t n;

	if (fd < 0) {
		port_drop_dir(nd->port, f, DROP_NO_PEER, false);
		return;
	}
	if (sp->kind != SK_DGRAM_FD) {
		msg.msg_name = (void *)&sp->remote;
		msg.msg_namelen = sp->remote_len;
	}
	do
		n = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	netdev_tx_done(nd, f, n < 0 ? errno : 0);
}

/* ---- open and close ------------------------------------------------------- */

static int sock_fail(int fd, char *err, const char *what, const char *where)
{
	int e = errno;

	if (fd >= 0)
		close(fd);
	return errf(err, "%s %s: %s", what, where, strerror(e));
}

/* A unix path we are about to bind: remove a stale socket left there, but
 * never a file that is not a socket. */
static int unlink_stale(const struct sockaddr_storage *ss, char *err)
{
	const struct sockaddr_un *un = (const void *)ss;
	struct stat st;

	if (ss->ss_family != AF_UNIX || un->sun_path[0] == '\0')
		return 0;
	if (lstat(un->sun_path, &st) < 0)
		return 0;
	if (!S_ISSOCK(st.st_mode))
		return errf(err, "%s exists and is not a socket; not replacing it", un->sun_path);
	unlink(un->sun_path);
	return 0;
}

static int open_server(struct netdev *nd, char *err)
{
	struct sock_spec *sp = &SN(nd)->spec;
	int one = 1, fd = -1;
	int port_from = sp->local.ss_family == AF_INET ?
		ntohs(((struct sockaddr_in *)&sp->local)->sin_port) :
		sp->local.ss_family == AF_INET6 ?
		ntohs(((struct sockaddr_in6 *)&sp->local)->sin6_port) : 0;
	int port_to = sp->port_to > port_from ? sp->port_to : port_from;

	if (unlink_stale(&sp->local, err) < 0)
		return -1;
	for (int port = port_from; port <= port_to; port++) {
		fd = socket(sp->local.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return sock_fail(-1, err, "cannot listen on", nd->local_desc);
		if (sp->local.ss_family != AF_UNIX)
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (sp->local.ss_family == AF_INET)
			((struct sockaddr_in *)&sp->local)->sin_port = htons((uint16_t)port);
		else if (sp->local.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&sp->local)->sin6_port = htons((uint16_t)port);
		if (bind(fd, (struct sockaddr *)&sp->local, sp->local_len) == 0)
			break;
		if (errno != EADDRINUSE || port == port_to)
			return sock_fail(fd, err, "cannot listen on", nd->local_desc);
		close(fd);
		fd = -1;
	}
	if (listen(fd, 4) < 0)
		return sock_fail(fd, err, "cannot listen on", nd->local_desc);
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

static int open_mcast(struct netdev *nd, char *err)
{
	struct sock_spec *sp = &SN(nd)->spec;
	struct sockaddr_in *grp = (struct sockaddr_in *)&sp->remote;
	struct sockaddr_in src = { .sin_family = AF_INET, .sin_addr = sp->mcast_if };
	struct ip_mreq mreq = { .imr_multiaddr = grp->sin_addr, .imr_interface = sp->mcast_if };
	int one = 1, loop = 1, fd, sfd;

	/* The receiving socket is QEMU's: bound to group:port, a member. */
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sock_fail(-1, err, "cannot join", nd->remote_desc);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)grp, sizeof(*grp)) < 0)
		return sock_fail(fd, err, "cannot bind", nd->remote_desc);
	if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) < 0) {
		char msg[320];

		snprintf(msg, sizeof(msg), "%s via %s (is localaddr= an address of an interface "
			 "that is up?)", nd->remote_desc, nd->local_desc);
		return sock_fail(fd, err, "cannot join", msg);
	}
	/* We send from a socket of our own, bound to localaddr and a port of
	 * its own: every echo the loopback brings back then carries that
	 * exact source, while QEMU peers all send from the group's port. */
	sfd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (sfd < 0)
		return sock_fail(fd, err, "cannot open a socket for", nd->remote_desc);
	if (sp->mcast_if.s_addr != htonl(INADDR_ANY) &&
	    setsockopt(sfd, IPPROTO_IP, IP_MULTICAST_IF, &sp->mcast_if, sizeof(sp->mcast_if)) < 0) {
		close(fd);
		return sock_fail(sfd, err, "cannot send multicast via", nd->local_desc);
	}
	setsockopt(sfd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof(loop));
	if (bind(sfd, (struct sockaddr *)&src, sizeof(src)) < 0) {
		close(fd);
		return sock_fail(sfd, err, "cannot bind", nd->local_desc);
	}
	SN(nd)->self_len = sizeof(SN(nd)->self);
	getsockname(sfd, (struct sockaddr *)&SN(nd)->self, &SN(nd)->self_len);
	SN(nd)->fd = fd;
	SN(nd)->sfd = sfd;
	if (loop_fd_add(nd->loop, fd, EPOLLIN, dgram_cb, nd) < 0 ||
	    loop_fd_add(nd->loop, sfd, EPOLLIN, dgram_drain_cb, nd) < 0)
		return errf(err, "cannot watch %s", nd->remote_desc);
	set_state(nd, ND_OPEN);
	return 0;
}

static int open_dgram(struct netdev *nd, char *err)
{
	struct sock_spec *sp = &SN(nd)->spec;
	int one = 1, fd;

	if (sp->kind == SK_DGRAM_FD) {
		fd = sp->fd;
		if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
			return sock_fail(-1, err, "cannot use", nd->local_desc);
	} else {
		if (unlink_stale(&sp->local, err) < 0)
			return -1;
		fd = socket(sp->local.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return sock_fail(-1, err, "cannot bind", nd->local_desc);
		if (sp->local.ss_family != AF_UNIX)
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&sp->local, sp->local_len) < 0)
			return sock_fail(fd, err, "cannot bind", nd->local_desc);
		SN(nd)->unlink_at_close = sp->local.ss_family == AF_UNIX &&
			((struct sockaddr_un *)&sp->local)->sun_path[0] != '\0';
	}
	SN(nd)->fd = fd;
	if (loop_fd_add(nd->loop, fd, EPOLLIN, dgram_cb, nd) < 0)
		return errf(err, "cannot watch %s", nd->local_desc);
	set_state(nd, ND_OPEN);
	return 0;
}

int sockio_open(struct netdev *nd, char *err)
{
	struct sock_spec *sp = &SN(nd)->spec;

	fqueue_init(&SN(nd)->wq, &wq_ops, nd->loop, nd->port, nd->queue);
	SN(nd)->rbuf = xmalloc(RBUF_SIZE);
	timer_init(&nd->timer, reconnect_cb, nd);
	switch (sp->kind) {
	case SK_STREAM_SERVER:
		return open_server(nd, err);
	case SK_STREAM_CLIENT:
		client_try(nd);
		return 0;
	case SK_STREAM_FD: {
		int type = 0;
		socklen_t len = sizeof(type);

		if (getsockopt(sp->fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
			return errf(err, "fd=%d is not a socket: %s", sp->fd, strerror(errno));
		if (fcntl(sp->fd, F_SETFL, fcntl(sp->fd, F_GETFL) | O_NONBLOCK) < 0)
			return errf(err, "fd=%d: %s", sp->fd, strerror(errno));
		if (type == SOCK_DGRAM) {
			sp->kind = SK_DGRAM_FD;
			return open_dgram(nd, err);
		}
		SN(nd)->fd = sp->fd;
		if (loop_fd_add(nd->loop, SN(nd)->fd, EPOLLIN, stream_fd_cb, nd) < 0)
			return errf(err, "cannot watch fd=%d", sp->fd);
		adopt(nd);
		return 0;
	}
	case SK_DGRAM_MCAST:
		return open_mcast(nd, err);
	case SK_DGRAM:
	case SK_DGRAM_FD:
		return open_dgram(nd, err);
	default:
		return errf(err, "netdev %s has no transport", nd->node.name);
	}
}

void sockio_output(struct netdev *nd, struct frame *f)
{
	switch (SN(nd)->spec.kind) {
	case SK_STREAM_SERVER:
	case SK_STREAM_CLIENT:
	case SK_STREAM_FD:
		stream_output(nd, f);
		break;
	default:
		dgram_output(nd, f);
		break;
	}
}

void sockio_close(struct netdev *nd)
{
	struct loop *l = nd->loop;

	loop_timer_disarm(l, &nd->timer);
	rx_reset(nd);
	close_fd(nd);
	if (SN(nd)->sfd >= 0) {
		loop_fd_del(l, SN(nd)->sfd);
		close(SN(nd)->sfd);
		SN(nd)->sfd = -1;
	}
	if (SN(nd)->lfd >= 0) {
		loop_backoff_cancel(&SN(nd)->accept_backoff);
		loop_fd_del(l, SN(nd)->lfd);
		close(SN(nd)->lfd);
		SN(nd)->lfd = -1;
	}
	if (SN(nd)->unlink_at_close) {
		unlink(((struct sockaddr_un *)&SN(nd)->spec.local)->sun_path);
		SN(nd)->unlink_at_close = false;
	}
	fqueue_free(&SN(nd)->wq);
	free(SN(nd)->rbuf);
	SN(nd)->rbuf = NULL;
	if (nd->state != ND_CLOSED)
		set_state(nd, ND_CLOSED);
}

void sockio_init(struct netdev *nd)
{
	struct socknet *sn = socknet_of(nd);

	sn->lfd = sn->fd = sn->sfd = -1;
	sn->spec.fd = -1;
}

void sockio_free(struct netdev *nd)
{
	fqueue_free(&socknet_of(nd)->wq);
	free(socknet_of(nd)->rbuf);
	socknet_of(nd)->rbuf = NULL;
}

void sockio_describe(struct netdev *nd, char *buf, size_t len)
{
	if (nd->state == ND_OPEN && socknet_of(nd)->spec.kind == SK_DGRAM_MCAST)
		snprintf(buf, len, "%s: multicast bus %s via %s", netdev_state_name(nd->state),
			 nd->remote_desc, nd->local_desc);
	else
		netdev_describe_state(nd, buf, len);
}

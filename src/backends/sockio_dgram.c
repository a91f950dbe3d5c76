/*
 * The socket family's datagrams (socket mcast/udp, dgram, an inherited
 * datagram socket): one frame per datagram. A multicast bus receives on
 * QEMU's socket, bound to the group, and sends from one of its own, so its
 * own frames looped back are told apart. A send that would block is a
 * counted drop (datagrams are lossy anyway).
 */
#include "sockio_internal.h"
#include "../core/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <unistd.h>

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
			port_count_drop(nd->port, DROP_OVERSIZE);
			continue;
		}
		if (n < (ssize_t)ETH_HLEN) {
			nd->st.runts++;
			port_count_drop(nd->port, DROP_RUNT);
			continue;
		}
		f = frame_from_bytes(nd->node.g->pool, SN(nd)->rbuf, (uint32_t)n);
		if (f == NULL) {
			port_count_drop(nd->port, DROP_NO_BUFFER);
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

void sockio_dgram_output(struct netdev *nd, struct frame *f)
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

int sockio_open_mcast(struct netdev *nd, char *err)
{
	struct sock_spec *sp = &SN(nd)->spec;
	struct sockaddr_in *grp = (struct sockaddr_in *)&sp->remote;
	struct sockaddr_in src = { .sin_family = AF_INET, .sin_addr = sp->mcast_if };
	struct ip_mreq mreq = { .imr_multiaddr = grp->sin_addr, .imr_interface = sp->mcast_if };
	int one = 1, loop = 1, fd, sfd;

	/* The receiving socket is QEMU's: bound to group:port, a member. */
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sockio_fail(-1, err, "cannot join", nd->remote_desc);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)grp, sizeof(*grp)) < 0)
		return sockio_fail(fd, err, "cannot bind", nd->remote_desc);
	if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) < 0) {
		char msg[320];

		snprintf(msg, sizeof(msg), "%s via %s (is localaddr= an address of an interface "
			 "that is up?)", nd->remote_desc, nd->local_desc);
		return sockio_fail(fd, err, "cannot join", msg);
	}
	/* We send from a socket of our own, bound to localaddr and a port of
	 * its own: every echo the loopback brings back then carries that
	 * exact source, while QEMU peers all send from the group's port. */
	sfd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (sfd < 0)
		return sockio_fail(fd, err, "cannot open a socket for", nd->remote_desc);
	if (sp->mcast_if.s_addr != htonl(INADDR_ANY) &&
	    setsockopt(sfd, IPPROTO_IP, IP_MULTICAST_IF, &sp->mcast_if, sizeof(sp->mcast_if)) < 0) {
		close(fd);
		return sockio_fail(sfd, err, "cannot send multicast via", nd->local_desc);
	}
	setsockopt(sfd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof(loop));
	if (bind(sfd, (struct sockaddr *)&src, sizeof(src)) < 0) {
		close(fd);
		return sockio_fail(sfd, err, "cannot bind", nd->local_desc);
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

int sockio_open_dgram(struct netdev *nd, char *err)
{
	struct sock_spec *sp = &SN(nd)->spec;
	int one = 1, fd;

	if (sp->kind == SK_DGRAM_FD) {
		fd = sp->fd;
		if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
			return sockio_fail(-1, err, "cannot use", nd->local_desc);
	} else {
		if (sockaddr_unlink_stale(&sp->local, err) < 0)
			return -1;
		fd = socket(sp->local.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return sockio_fail(-1, err, "cannot bind", nd->local_desc);
		if (sp->local.ss_family != AF_UNIX)
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&sp->local, sp->local_len) < 0)
			return sockio_fail(fd, err, "cannot bind", nd->local_desc);
		SN(nd)->unlink_at_close = sp->local.ss_family == AF_UNIX &&
			((struct sockaddr_un *)&sp->local)->sun_path[0] != '\0';
	}
	SN(nd)->fd = fd;
	if (loop_fd_add(nd->loop, fd, EPOLLIN, dgram_cb, nd) < 0)
		return errf(err, "cannot watch %s", nd->local_desc);
	set_state(nd, ND_OPEN);
	return 0;
}

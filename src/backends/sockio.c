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
 *
 * This file opens and closes a netdev's sockets, sends each frame to its
 * side and has what both sides use; the streams are in sockio_stream.c,
 * the datagrams in sockio_dgram.c, and sockio_internal.h is what the three
 * share.
 */
#include "sockio_internal.h"
#include "../core/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- what both sides use -------------------------------------------------- */

int sockio_fail(int fd, char *err, const char *what, const char *where)
{
	int e = errno;

	if (fd >= 0)
		close(fd);
	return errf(err, "%s %s: %s", what, where, strerror(e));
}

void sockio_close_fd(struct netdev *nd)
{
	if (SN(nd)->fd < 0)
		return;
	loop_fd_del(nd->loop, SN(nd)->fd);
	close(SN(nd)->fd);
	SN(nd)->fd = -1;
	SN(nd)->wq.want_out = false;
}

/* ---- open and close ------------------------------------------------------- */

int sockio_open(struct netdev *nd, char *err)
{
	struct sock_spec *sp = &SN(nd)->spec;

	fqueue_init(&SN(nd)->wq, &sockio_wq_ops, nd->loop, nd->port, nd->queue);
	SN(nd)->rbuf = xmalloc(RBUF_SIZE);
	timer_init(&nd->timer, sockio_reconnect_cb, nd);
	switch (sp->kind) {
	case SK_STREAM_SERVER:
		return sockio_open_server(nd, err);
	case SK_STREAM_CLIENT:
		sockio_client_try(nd);
		return 0;
	case SK_STREAM_FD:
		return sockio_open_stream_fd(nd, err);
	case SK_DGRAM_MCAST:
		return sockio_open_mcast(nd, err);
	case SK_DGRAM:
	case SK_DGRAM_FD:
		return sockio_open_dgram(nd, err);
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
		sockio_stream_output(nd, f);
		break;
	default:
		sockio_dgram_output(nd, f);
		break;
	}
}

void sockio_close(struct netdev *nd)
{
	struct loop *l = nd->loop;

	loop_timer_disarm(l, &nd->timer);
	sockio_rx_reset(nd);
	sockio_close_fd(nd);
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

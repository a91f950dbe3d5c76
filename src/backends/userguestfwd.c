/*
 * guestfwd to a host TCP port (guestfwd=...-tcp:HOST:PORT): one connection
 * to HOST:PORT for the run, made at open as QEMU's chardev makes it, its
 * bytes both ways between that socket and libslirp's guest connection.
 * The cmd: and unix: kinds are libslirp's own (usernet_open).
 */
#include "usernet_internal.h"
#include "../core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define GF_OUT_MAX (1u << 20)   /* guest -> host bytes we hold for a slow host peer */

void usernet_guestfwd_close(struct user_guestfwd *g, const char *why)
{
	struct usernet *u = g->u;

	if (g->host_fd < 0)
		return;
	loop_fd_del(L(u), g->host_fd);
	close(g->host_fd);
	g->host_fd = -1;
	g->host_closed = true;
	g->outlen = 0;
	if (why != NULL)
		netdev_event(&u->nd, "guestfwd %s: %s", g->text, why);
}

static void gf_watch(struct user_guestfwd *g, bool in)
{
	uint32_t ev = (in ? EPOLLIN : 0) | (g->outlen > 0 ? EPOLLOUT : 0);

	loop_fd_mod(L(g->u), g->host_fd, ev);
}

static void gf_flush(struct user_guestfwd *g)
{
	while (g->outlen > 0 && g->host_fd >= 0) {
		ssize_t w = send(g->host_fd, g->out, g->outlen, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				break;
			usernet_guestfwd_close(g, strerror(errno));
			return;
		}
		memmove(g->out, g->out + w, g->outlen - (size_t)w);
		g->outlen -= (size_t)w;
		g->to_host += (uint64_t)w;
	}
}

static ssize_t gf_write_cb(const void *buf, size_t len, void *opaque)
{
	struct user_guestfwd *g = opaque;

	if (g->host_fd < 0)
		return (ssize_t)len;    /* the host side is gone: the bytes go nowhere */
	if (g->outlen + len > GF_OUT_MAX) {
		usernet_guestfwd_close(g, "the host side stopped reading; connection closed");
		return (ssize_t)len;
	}
	if (g->outlen + len > g->outcap) {
		g->outcap = MAX(g->outlen + len, g->outcap * 2);
		g->out = xrealloc(g->out, g->outcap);
	}
	memcpy(g->out + g->outlen, buf, len);
	g->outlen += len;
	gf_flush(g);
	if (g->host_fd >= 0)
		gf_watch(g, true);
	return (ssize_t)len;
}

static void gf_read(struct user_guestfwd *g)
{
	struct usernet *u = g->u;
	uint8_t buf[16384];
	size_t room;
	ssize_t r;

	room = slirp_socket_can_recv(u->slirp, g->addr, g->port);
	if (room == 0) {
		gf_watch(g, false);     /* no guest connection yet, or it is full */
		return;
	}
	r = recv(g->host_fd, buf, MIN(room, sizeof(buf)), MSG_DONTWAIT);
	if (r == 0) {
		usernet_guestfwd_close(g, "the host side closed the connection");
		return;
	}
	if (r < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			usernet_guestfwd_close(g, strerror(errno));
		return;
	}
	g->from_host += (uint64_t)r;
	slirp_socket_recv(u->slirp, g->addr, g->port, buf, (int)r);
	usernet_queue_cycle(u);
}

static void gf_cb(void *arg, uint32_t events)
{
	struct user_guestfwd *g = arg;

	if (events & EPOLLOUT) {
		gf_flush(g);
		if (g->host_fd >= 0)
			gf_watch(g, true);
	}
	if (g->host_fd >= 0 && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		gf_read(g);
}

/* After each cycle: host sides paused for want of a guest connection read on. */
void usernet_guestfwd_resume(struct usernet *u)
{
	for (int i = 0; i < u->nguestfwds; i++) {
		struct user_guestfwd *g = &u->guestfwds[i];

		if (g->kind == GF_TCP && g->host_fd >= 0 &&
		    slirp_socket_can_recv(u->slirp, g->addr, g->port) > 0)
			gf_watch(g, true);
	}
}

int usernet_guestfwd_open(struct usernet *u, struct user_guestfwd *g, char *err)
{
	char a[160];
	int fd = socket(g->host.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sockaddr_format(&g->host, g->host_len, a, sizeof(a));
	if (fd < 0)
		return errf(err, "guestfwd %s: socket: %s", g->text, strerror(errno));
	/* QEMU's chardev connects once, at start-up, and fails if it cannot. */
	if (connect(fd, (struct sockaddr *)&g->host, g->host_len) < 0) {
		int e = errno;

		close(fd);
		return errf(err, "guestfwd %s: cannot connect to %s: %s", g->text, a, strerror(e));
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	g->u = u;
	g->host_fd = fd;
	if (loop_fd_add(L(u), fd, EPOLLIN, gf_cb, g) < 0) {
		close(fd);
		g->host_fd = -1;
		return errf(err, "guestfwd %s: cannot watch the connection", g->text);
	}
	if (slirp_add_guestfwd(u->slirp, gf_write_cb, g, &g->addr, g->port) < 0)
		return errf(err, "guestfwd %s: conflicting or invalid server address and port",
			    g->text);
	return 0;
}

/*
 * What a real QEMU VM gives -netdev to join a socket, stream or dgram
 * netdev (backend_ops.qemu_peer): the other end of the same socket. A
 * listener is connected to, a connector listened for, a UDP tunnel
 * mirrored (the VM binds where this one sends), a multicast bus joined
 * at its group. A listener on every address (0.0.0.0, ::) is reached at
 * the loopback address; one on an inherited descriptor cannot be named.
 */
#include "sockio.h"
#include "../core/util.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

/* An inet address's host (loopback for "any") and port; false for unix. */
static bool inet_of(const struct sockaddr_storage *ss, char *host, size_t len, unsigned *port)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
		struct in_addr a = in->sin_addr;

		if (a.s_addr == htonl(INADDR_ANY))
			a.s_addr = htonl(INADDR_LOOPBACK);
		inet_ntop(AF_INET, &a, host, (socklen_t)len);
		*port = ntohs(in->sin_port);
		return true;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
		struct in6_addr a = in6->sin6_addr;

		if (IN6_IS_ADDR_UNSPECIFIED(&a))
			a = in6addr_loopback;
		inet_ntop(AF_INET6, &a, host, (socklen_t)len);
		*port = ntohs(in6->sin6_port);
		return true;
	}
	return false;
}

/* -netdev socket's HOST:PORT ([HOST]:PORT for IPv6). */
static void host_port(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	unsigned port = 0;

	inet_of(ss, host, sizeof(host), &port);
	snprintf(buf, len, ss->ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", host, port);
}

/* -netdev stream/dgram's PREFIX.type=...: inet host and port, or unix path. */
static void addr_opts(const struct sockaddr_storage *ss, const char *prefix, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	unsigned port = 0;

	if (inet_of(ss, host, sizeof(host), &port))
		snprintf(buf, len, "%s.type=inet,%s.host=%s,%s.port=%u", prefix, prefix, host, prefix,
			 port);
	else
		snprintf(buf, len, "%s.type=unix,%s.path=%s", prefix, prefix,
			 ((const struct sockaddr_un *)ss)->sun_path);
}

int sockio_qemu_peer(struct netdev *nd, char *buf, size_t len)
{
	const struct sock_spec *sp = &socknet_of(nd)->spec;
	bool socket = strcmp(nd->ops->type, "socket") == 0;
	bool unix_abstract = sp->local.ss_family == AF_UNIX && sp->local_len > 0 &&
			     ((const struct sockaddr_un *)&sp->local)->sun_path[0] == '\0';
	char a[160], b[160];

	if (unix_abstract)
		return errf(buf, "its unix socket is abstract, which QEMU 7.2 names only with "
			    "abstract=on; give it a path");
	switch (sp->kind) {
	case SK_STREAM_SERVER:
	case SK_STREAM_CLIENT: {
		bool server = sp->kind == SK_STREAM_SERVER;

		if (socket) {
			host_port(&sp->local, a, sizeof(a));
			snprintf(buf, len, "socket,%s=%s", server ? "connect" : "listen", a);
		} else {
			addr_opts(&sp->local, "addr", a, sizeof(a));
			snprintf(buf, len, "stream,server=%s,%s", server ? "off" : "on", a);
		}
		return 0;
	}
	case SK_DGRAM:
		if (sp->local_len == 0)
			return errf(buf, "it sends from a port the system picks, which a VM cannot "
				    "know: give it %s", socket ? "localaddr=" : "local.*=");
		if (socket) {
			host_port(&sp->local, a, sizeof(a));
			host_port(&sp->remote, b, sizeof(b));
			snprintf(buf, len, "socket,udp=%s,localaddr=%s", a, b);
		} else {
			addr_opts(&sp->remote, "local", a, sizeof(a));
			addr_opts(&sp->local, "remote", b, sizeof(b));
			snprintf(buf, len, "dgram,%s,%s", a, b);
		}
		return 0;
	case SK_DGRAM_MCAST:
		if (socket) {
			host_port(&sp->remote, a, sizeof(a));
			snprintf(buf, len, "socket,mcast=%s", a);
		} else {
			addr_opts(&sp->remote, "remote", a, sizeof(a));
			snprintf(buf, len, "dgram,%s", a);
		}
		return 0;
	default:
		return errf(buf, "it uses an inherited descriptor (fd=), which a VM cannot name");
	}
}

/* An address as QEMU's info strings print it: HOST:PORT, or a unix path. */
static const char *bare(const char *desc)
{
	return strncmp(desc, "unix:", 5) == 0 ? desc + 5 : desc;
}

/* What QEMU 7.2's `info network` shows after type= for the same socket,
 * stream or dgram (its info_str), read off a real QEMU 7.2: a stream shows
 * its peer only once one is there, as QEMU's does, and a stream client
 * never shows it. */
void sockio_qemu_info(struct netdev *nd, char *buf, size_t len)
{
	const struct sock_spec *sp = &socknet_of(nd)->spec;
	bool socket = strcmp(nd->ops->type, "socket") == 0;
	bool up = nd->state == ND_CONNECTED;
	const char *pre = socket ? "socket: " : "";

	buf[0] = '\0';
	switch (sp->kind) {
	case SK_STREAM_SERVER:
		if (!up)
			break;
		if (socket)
			snprintf(buf, len, "socket: connection from %s", nd->peer);
		else if (sp->local.ss_family == AF_UNIX)
			snprintf(buf, len, "%s", nd->local_desc);
		else
			snprintf(buf, len, "tcp:%s", nd->peer);
		break;
	case SK_STREAM_CLIENT:
		if (up && socket)
			snprintf(buf, len, "socket: connect to %s", nd->remote_desc);
		else if (!socket && (nd->state == ND_RECONNECTING || nd->state == ND_ERROR))
			snprintf(buf, len, "connection error");
		break;
	case SK_STREAM_FD:
		if (socket)
			snprintf(buf, len, "socket: fd=%d", sp->fd);
		else if (up && strncmp(nd->peer, "fd ", 3) != 0)
			snprintf(buf, len, "tcp:%s", nd->peer);
		break;
	case SK_DGRAM:
		if (socket)
			snprintf(buf, len, "socket: udp=%s", nd->remote_desc);
		else
			snprintf(buf, len, "udp=%s%s%s", bare(nd->local_desc),
				 sp->remote.ss_family == AF_UNIX ? ":" : "/", bare(nd->remote_desc));
		break;
	case SK_DGRAM_MCAST:
		snprintf(buf, len, "%smcast=%s", pre, nd->remote_desc);
		break;
	case SK_DGRAM_FD: {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);

		ss.ss_family = AF_INET;
		(void)getsockname(sp->fd, (struct sockaddr *)&ss, &sl);
		snprintf(buf, len, "%sfd=%d %s", pre, sp->fd, ss.ss_family == AF_UNIX ? "unix" : "inet");
		break;
	}
	default:
		break;
	}
}

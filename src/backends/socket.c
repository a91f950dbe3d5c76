/*
 * type=socket: QEMU's -netdev socket. Exactly one of
 *
 *   listen=[host]:port   TCP server; an empty host binds 127.0.0.1 (QEMU
 *                        binds every address; say 0.0.0.0 for that)
 *   connect=host:port    TCP client; reconnects every reconnect= seconds
 *                        (default 1; 0: never, as QEMU 7.2)
 *   mcast=group:port     UDP multicast bus; localaddr=IP picks the
 *                        interface (default 127.0.0.1)
 *   udp=host:port        UDP tunnel; localaddr=host:port is where we bind
 *   fd=N                 an inherited socket (stream or datagram)
 *
 * Frames are framed and padded as netdev.h says.
 */
#include "sockio.h"
#include "../core/util.h"

#include <assert.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int socket_configure(struct netdev *nd, const struct netdev_opt *o, int n, int *line,
			    char *err)
{
	static const char *const modes[] = { "listen", "connect", "mcast", "udp", "fd" };
	const struct netdev_opt *mode = NULL, *localaddr = NULL, *reconnect = NULL;
	struct sock_spec *sp = &socknet_of(nd)->spec;
	char e[ERRLEN];

	for (int i = 0; i < n; i++) {
		bool is_mode = false;
		int rc;

		*line = o[i].line;
		for (size_t m = 0; m < ARRAY_SIZE(modes); m++) {
			if (strcmp(o[i].key, modes[m]) != 0)
				continue;
			if (mode != NULL)
				return errf(err, "socket: %s= and %s= exclude each other; give "
						 "exactly one of listen, connect, mcast, udp, fd",
					    mode->key, o[i].key);
			mode = &o[i];
			is_mode = true;
		}
		if (is_mode)
			continue;
		if (strcmp(o[i].key, "localaddr") == 0) {
			localaddr = &o[i];
			continue;
		}
		rc = netdev_tuning_opt(nd, o[i].key, o[i].val, e);
		if (rc < 0)
			return errf(err, "%s", e);
		assert(rc == 1);        /* netdev_configure let only socket_opts through */
		if (strcmp(o[i].key, "reconnect") == 0)
			reconnect = &o[i];
	}
	if (mode == NULL) {
		*line = nd->node.line;
		return errf(err, "socket: needs one of listen=, connect=, mcast=, udp= or fd=");
	}
	*line = mode->line;
	if (localaddr != NULL && strcmp(mode->key, "mcast") != 0 && strcmp(mode->key, "udp") != 0) {
		*line = localaddr->line;
		return errf(err, "socket: localaddr= goes with mcast= or udp= only");
	}
	if (reconnect != NULL && strcmp(mode->key, "connect") != 0) {
		*line = reconnect->line;
		return errf(err, "socket: reconnect= goes with connect= only");
	}
	if (strcmp(mode->key, "listen") == 0) {
		sp->kind = SK_STREAM_SERVER;
		if (sockaddr_parse_inet4(mode->val, "127.0.0.1", &sp->local, &sp->local_len, e) < 0)
			return errf(err, "listen: %s", e);
		sockaddr_format(&sp->local, sp->local_len, nd->local_desc, sizeof(nd->local_desc));
	} else if (strcmp(mode->key, "connect") == 0) {
		sp->kind = SK_STREAM_CLIENT;
		if (sockaddr_parse_inet4(mode->val, "127.0.0.1", &sp->local, &sp->local_len, e) < 0)
			return errf(err, "connect: %s", e);
		if (((struct sockaddr_in *)&sp->local)->sin_port == 0)
			return errf(err, "connect: '%s' needs a port", mode->val);
		sockaddr_format(&sp->local, sp->local_len, nd->remote_desc, sizeof(nd->remote_desc));
	} else if (strcmp(mode->key, "mcast") == 0) {
		struct sockaddr_in *g = (struct sockaddr_in *)&sp->remote;

		sp->kind = SK_DGRAM_MCAST;
		if (sockaddr_parse_inet4(mode->val, "", &sp->remote, &sp->remote_len, e) < 0)
			return errf(err, "mcast: %s", e);
		if (!IN_MULTICAST(ntohl(g->sin_addr.s_addr)))
			return errf(err, "mcast: %s is not a multicast address (224.0.0.0/4)",
				    mode->val);
		if (g->sin_port == 0)
			return errf(err, "mcast: '%s' needs a port", mode->val);
		sp->mcast_if.s_addr = htonl(INADDR_LOOPBACK);
		if (localaddr != NULL && inet_pton(AF_INET, localaddr->val, &sp->mcast_if) != 1) {
			*line = localaddr->line;
			return errf(err, "localaddr: '%s' is not an IPv4 address (mcast= takes a bare "
					 "address, like 127.0.0.1)", localaddr->val);
		}
		sockaddr_format(&sp->remote, sp->remote_len, nd->remote_desc, sizeof(nd->remote_desc));
		inet_ntop(AF_INET, &sp->mcast_if, nd->local_desc, sizeof(nd->local_desc));
	} else if (strcmp(mode->key, "udp") == 0) {
		sp->kind = SK_DGRAM;
		if (sockaddr_parse_inet4(mode->val, "127.0.0.1", &sp->remote, &sp->remote_len, e) < 0)
			return errf(err, "udp: %s", e);
		if (localaddr == NULL)
			return errf(err, "socket: udp= needs localaddr=HOST:PORT, the address to "
					 "bind (as QEMU requires)");
		*line = localaddr->line;
		if (sockaddr_parse_inet4(localaddr->val, "127.0.0.1", &sp->local, &sp->local_len,
					 e) < 0)
			return errf(err, "localaddr: %s", e);
		sockaddr_format(&sp->local, sp->local_len, nd->local_desc, sizeof(nd->local_desc));
		sockaddr_format(&sp->remote, sp->remote_len, nd->remote_desc,
				sizeof(nd->remote_desc));
	} else {
		uint64_t fd;

		if (parse_u64(mode->val, 0, 65535, &fd, NULL) < 0)
			return errf(err, "fd: '%s' is not a file descriptor number", mode->val);
		sp->kind = SK_STREAM_FD;
		sp->fd = (int)fd;
		snprintf(nd->local_desc, sizeof(nd->local_desc), "fd %d", sp->fd);
		snprintf(nd->remote_desc, sizeof(nd->remote_desc), "fd %d", sp->fd);
	}
	return 0;
}

static const struct backend_opt socket_opts[] = {
	{ "listen" }, { "connect" }, { "mcast" }, { "udp" }, { "fd" }, { "localaddr" },
	{ "reconnect" }, { "queue" }, { NULL },
};

const struct backend_ops backend_socket = {
	.type = "socket",
	.opts = socket_opts,
	.configure = socket_configure,
	SOCKIO_OPS,
};

/*
 * type=dgram: QEMU 7.2's -netdev dgram. One frame per datagram:
 *
 *   local.type=inet local.host=A local.port=P remote.type=inet remote.host=B
 *       remote.port=Q                        UDP, bound to A:P, sending to B:Q
 *   remote.type=inet remote.host=GROUP remote.port=P [local.type=inet
 *       local.host=IF]                       a multicast bus (IF: 127.0.0.1)
 *   local.type=unix local.path=L remote.type=unix remote.path=R
 *                                            unix datagrams, bound to L, to R
 *   local.type=fd local.str=N                an inherited datagram socket
 *
 * As in QEMU: local is required unless remote is multicast, remote unless
 * local is an fd, and both have the same type.
 */
#include "sockio.h"
#include "../core/util.h"

#include <assert.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dg_end {
	const char *type, *host, *port, *path, *str;
	int line;
};

/* Reads the local.* and remote.* options into the two ends; each end's line
 * is its first option's. */
static void dgram_read(const struct netdev_opt *o, int n, int *line, struct dg_end *local,
		       struct dg_end *remote)
{
	for (int i = 0; i < n; i++) {
		struct dg_end *end = NULL;
		const char *k = o[i].key;

		*line = o[i].line;
		if (strncmp(k, "local.", 6) == 0)
			end = local;
		else if (strncmp(k, "remote.", 7) == 0)
			end = remote;
		if (end != NULL) {
			const char *f = strchr(k, '.') + 1;

			if (end->line == 0)
				end->line = o[i].line;
			if (strcmp(f, "type") == 0)
				end->type = o[i].val;
			else if (strcmp(f, "host") == 0)
				end->host = o[i].val;
			else if (strcmp(f, "port") == 0)
				end->port = o[i].val;
			else if (strcmp(f, "path") == 0)
				end->path = o[i].val;
			else
				end->str = o[i].val;
			continue;
		}
		assert(!"netdev_configure let only dgram_opts through");
	}
}

/* A multicast remote: local.type=inet may name the interface (local.host=). */
static int dgram_mcast(struct netdev *nd, const struct dg_end *local, int *line, char *err)
{
	struct sock_spec *sp = &socknet_of(nd)->spec;

	sp->kind = SK_DGRAM_MCAST;
	sp->mcast_if.s_addr = htonl(INADDR_LOOPBACK);
	if (local->line) {
		*line = local->line;
		if (strcmp(local->type, "inet") != 0)
			return errf(err, "dgram: a multicast remote takes local.type=inet");
		if (local->host != NULL &&
		    inet_pton(AF_INET, local->host, &sp->mcast_if) != 1)
			return errf(err, "dgram: local.host '%s' is not an IPv4 address",
				    local->host);
	}
	inet_ntop(AF_INET, &sp->mcast_if, nd->local_desc, sizeof(nd->local_desc));
	return 0;
}

/* local.type=fd: an inherited socket, local.str=N, and no remote. */
static int dgram_fd(struct netdev *nd, const struct dg_end *local, const struct dg_end *remote,
		    int *line, char *err)
{
	struct sock_spec *sp = &socknet_of(nd)->spec;
	uint64_t fd;

	if (remote->line) {
		*line = remote->line;
		return errf(err, "dgram: local.type=fd takes no remote");
	}
	if (local->str == NULL || parse_u64(local->str, 0, 65535, &fd, NULL) < 0)
		return errf(err, "dgram: local.type=fd needs local.str=N, a file descriptor "
				 "number");
	sp->kind = SK_DGRAM_FD;
	sp->fd = (int)fd;
	snprintf(nd->local_desc, sizeof(nd->local_desc), "fd %d", sp->fd);
	snprintf(nd->remote_desc, sizeof(nd->remote_desc), "its peer");
	return 0;
}

static int dgram_configure(struct netdev *nd, const struct netdev_opt *o, int n, int *line,
			   char *err)
{
	struct dg_end local = { 0 }, remote = { 0 };
	struct sock_spec *sp = &socknet_of(nd)->spec;
	bool mcast = false;
	char e[ERRLEN];

	dgram_read(o, n, line, &local, &remote);
	*line = remote.line ? remote.line : local.line ? local.line : nd->node.line;
	if (local.line && local.type == NULL) {
		*line = local.line;
		return errf(err, "dgram: local needs local.type=inet, unix or fd");
	}
	if (remote.line && remote.type == NULL)
		return errf(err, "dgram: remote needs remote.type=inet or unix");
	if (remote.type != NULL && strcmp(remote.type, "inet") == 0) {
		struct sockaddr_in *r = (struct sockaddr_in *)&sp->remote;

		if (remote.host == NULL || remote.port == NULL)
			return errf(err, "dgram: remote.type=inet needs remote.host= and remote.port=");
		if (sockaddr_resolve(remote.host, remote.port, AF_INET, &sp->remote, &sp->remote_len,
				     e) < 0)
			return errf(err, "dgram: remote: %s", e);
		mcast = IN_MULTICAST(ntohl(r->sin_addr.s_addr));
		if (r->sin_port == 0)
			return errf(err, "dgram: remote.port must not be 0");
		sockaddr_format(&sp->remote, sp->remote_len, nd->remote_desc, sizeof(nd->remote_desc));
	}
	if (mcast)
		return dgram_mcast(nd, &local, line, err);
	if (!local.line)
		return errf(err, "dgram: needs local.* (only a multicast remote goes without)");
	*line = local.line;
	if (strcmp(local.type, "fd") == 0)
		return dgram_fd(nd, &local, &remote, line, err);
	if (!remote.line)
		return errf(err, "dgram: needs remote.* with local.type=%s", local.type);
	if (strcmp(local.type, remote.type) != 0)
		return errf(err, "dgram: local.type=%s and remote.type=%s must be the same",
			    local.type, remote.type);
	sp->kind = SK_DGRAM;
	if (strcmp(local.type, "inet") == 0) {
		if (local.host == NULL || local.port == NULL)
			return errf(err, "dgram: local.type=inet needs local.host= and local.port=");
		if (sockaddr_resolve(local.host, local.port, AF_INET, &sp->local, &sp->local_len,
				     e) < 0)
			return errf(err, "dgram: local: %s", e);
	} else if (strcmp(local.type, "unix") == 0) {
		if (local.path == NULL) {
			return errf(err, "dgram: local.type=unix needs local.path=");
		}
		if (remote.path == NULL) {
			*line = remote.line;
			return errf(err, "dgram: remote.type=unix needs remote.path=");
		}
		if (sockaddr_unix(local.path, false, true, &sp->local, &sp->local_len, e) < 0)
			return errf(err, "dgram: local: %s", e);
		if (sockaddr_unix(remote.path, false, true, &sp->remote, &sp->remote_len, e) < 0) {
			*line = remote.line;
			return errf(err, "dgram: remote: %s", e);
		}
		sockaddr_format(&sp->remote, sp->remote_len, nd->remote_desc, sizeof(nd->remote_desc));
	} else {
		return errf(err, "dgram: local.type '%s' is not inet, unix or fd", local.type);
	}
	sockaddr_format(&sp->local, sp->local_len, nd->local_desc, sizeof(nd->local_desc));
	return 0;
}

static const struct backend_opt dgram_opts[] = {
	{ "local.type" }, { "local.host" }, { "local.port" }, { "local.path" }, { "local.str" },
	{ "remote.type" }, { "remote.host" }, { "remote.port" }, { "remote.path" },
	{ "remote.str" }, { NULL },
};

const struct backend_ops backend_dgram = {
	.type = "dgram",
	.opts = dgram_opts,
	.configure = dgram_configure,
	SOCKIO_OPS,
};

/*
 * type=stream: QEMU 7.2's -netdev stream. The same framing as socket
 * listen/connect, over inet (IPv4 or IPv6) or unix sockets:
 *
 *   server=on|off                  listen, or connect (default off)
 *   addr.type=inet  addr.host=H addr.port=P [addr.to=P2] [addr.ipv4=on|off]
 *                   [addr.ipv6=on|off] [addr.numeric=on|off] [addr.keep-alive=on|off]
 *   addr.type=unix  addr.path=PATH [addr.abstract=on|off] [addr.tight=on|off]
 *   addr.type=fd    addr.str=N
 *   reconnect=SECONDS (client; default 1, 0: never) or reconnect-ms=MS
 *   (QEMU 9.2's spelling), queue=FRAMES
 */
#include "sockio.h"
#include "../core/util.h"

#include <assert.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct stream_opts {
	const char *type, *host, *port, *to, *path, *str;
	bool server, ipv4, ipv6, ipv4_set, ipv6_set, numeric, abstract, tight, keepalive;
	int type_line, first_line;
	const struct netdev_opt *reconnect, *to_opt;  /* given: their lines, for errors */
};

static int want_bool(const struct netdev_opt *o, bool *out, char *err)
{
	char e[ERRLEN];

	if (parse_bool(o->val, out, e) < 0)
		return errf(err, "%s: %s (use on or off)", o->key, e);
	return 0;
}

/* Reads the options into so; an error is on its option's line. */
static int stream_read(struct netdev *nd, const struct netdev_opt *o, int n, int *line,
		       struct stream_opts *so, char *err)
{
	char e[ERRLEN];
	int rc;

	for (int i = 0; i < n; i++) {
		const char *k = o[i].key;

		*line = o[i].line;
		if (strcmp(k, "server") == 0) {
			if (want_bool(&o[i], &so->server, err) < 0)
				return -1;
		} else if (strcmp(k, "addr.type") == 0) {
			so->type = o[i].val;
			so->type_line = o[i].line;
		} else if (strcmp(k, "addr.host") == 0) {
			so->host = o[i].val;
		} else if (strcmp(k, "addr.port") == 0) {
			so->port = o[i].val;
		} else if (strcmp(k, "addr.to") == 0) {
			so->to = o[i].val;
			so->to_opt = &o[i];
		} else if (strcmp(k, "addr.path") == 0) {
			so->path = o[i].val;
		} else if (strcmp(k, "addr.str") == 0) {
			so->str = o[i].val;
		} else if (strcmp(k, "addr.ipv4") == 0) {
			if (want_bool(&o[i], &so->ipv4, err) < 0)
				return -1;
			so->ipv4_set = true;
		} else if (strcmp(k, "addr.ipv6") == 0) {
			if (want_bool(&o[i], &so->ipv6, err) < 0)
				return -1;
			so->ipv6_set = true;
		} else if (strcmp(k, "addr.numeric") == 0) {
			if (want_bool(&o[i], &so->numeric, err) < 0)
				return -1;
		} else if (strcmp(k, "addr.keep-alive") == 0) {
			if (want_bool(&o[i], &so->keepalive, err) < 0)
				return -1;
		} else if (strcmp(k, "addr.abstract") == 0) {
			if (want_bool(&o[i], &so->abstract, err) < 0)
				return -1;
		} else if (strcmp(k, "addr.tight") == 0) {
			if (want_bool(&o[i], &so->tight, err) < 0)
				return -1;
		} else if ((rc = netdev_tuning_opt(nd, k, o[i].val, e)) != 0) {
			if (rc < 0)
				return errf(err, "%s", e);
			if (strcmp(k, "reconnect") == 0 || strcmp(k, "reconnect-ms") == 0) {
				if (so->reconnect != NULL)
					return errf(err, "%s= and %s= say the same; give one",
						    so->reconnect->key, k);
				so->reconnect = &o[i];
			}
		} else {
			assert(!"netdev_configure let only stream_opts through");
		}
	}
	return 0;
}

/* addr.type=inet: the family from addr.ipv4= and addr.ipv6=, the address
 * (addr.numeric=on: numbers only), and a server's ports up to addr.to=. */
static int stream_inet(struct netdev *nd, const struct stream_opts *so, int *line, char *err)
{
	struct sock_spec *sp = &socknet_of(nd)->spec;
	int family = AF_UNSPEC;
	char *desc = so->server ? nd->local_desc : nd->remote_desc;
	char e[ERRLEN];

	if (so->host == NULL || so->port == NULL)
		return errf(err, "stream: addr.type=inet needs addr.host= and addr.port=");
	if (so->path != NULL || so->str != NULL)
		return errf(err, "stream: addr.path/addr.str do not go with addr.type=inet");
	if (so->ipv4_set && so->ipv6_set && !so->ipv4 && !so->ipv6)
		return errf(err, "stream: addr.ipv4=off and addr.ipv6=off leave nothing");
	if ((so->ipv4_set && so->ipv4 && !(so->ipv6_set && so->ipv6)) ||
	    (so->ipv6_set && !so->ipv6))
		family = AF_INET;
	else if ((so->ipv6_set && so->ipv6 && !(so->ipv4_set && so->ipv4)) ||
		 (so->ipv4_set && !so->ipv4))
		family = AF_INET6;
	if (so->numeric) {
		struct addrinfo hints = { .ai_family = family,
					  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
		struct addrinfo *res = NULL;

		if (getaddrinfo(so->host, so->port, &hints, &res) != 0)
			return errf(err, "stream: addr.numeric=on but '%s' port '%s' is not "
					 "numeric", so->host, so->port);
		freeaddrinfo(res);
	}
	if (sockaddr_resolve(so->host, so->port, family, &sp->local, &sp->local_len, e) < 0)
		return errf(err, "stream: %s", e);
	if (so->to != NULL) {
		uint64_t v, from = 0;

		parse_u64(so->port, 0, 65535, &from, NULL);
		if (parse_u64(so->to, from, 65535, &v, e) < 0) {
			*line = so->to_opt->line;
			return errf(err, "addr.to: %s", e);
		}
		sp->port_to = (int)v;
	}
	sockaddr_format(&sp->local, sp->local_len, desc, sizeof(nd->local_desc));
	sp->kind = so->server ? SK_STREAM_SERVER : SK_STREAM_CLIENT;
	return 0;
}

static int stream_configure(struct netdev *nd, const struct netdev_opt *o, int n, int *line,
			    char *err)
{
	struct stream_opts so = { .tight = true };
	struct sock_spec *sp = &socknet_of(nd)->spec;
	char e[ERRLEN];

	if (stream_read(nd, o, n, line, &so, err) < 0)
		return -1;
	*line = so.type_line ? so.type_line : nd->node.line;
	if (so.type == NULL)
		return errf(err, "stream: needs addr.type=inet, unix or fd");
	if (so.reconnect != NULL && so.server) {
		*line = so.reconnect->line;
		return errf(err, "stream: %s= is for a client (server=off)", so.reconnect->key);
	}
	if (so.to_opt != NULL && !so.server) {
		*line = so.to_opt->line;
		return errf(err, "stream: addr.to= is for a server (server=on)");
	}
	sp->keepalive = so.keepalive;
	if (strcmp(so.type, "inet") == 0) {
		if (stream_inet(nd, &so, line, err) < 0)
			return -1;
	} else if (strcmp(so.type, "unix") == 0) {
		if (so.path == NULL)
			return errf(err, "stream: addr.type=unix needs addr.path=");
		if (so.host != NULL || so.port != NULL || so.str != NULL)
			return errf(err, "stream: addr.host/port/str do not go with addr.type=unix");
		if (sockaddr_unix(so.path, so.abstract, so.tight, &sp->local, &sp->local_len, e) < 0)
			return errf(err, "stream: %s", e);
		sockaddr_format(&sp->local, sp->local_len,
				so.server ? nd->local_desc : nd->remote_desc, sizeof(nd->local_desc));
		sp->kind = so.server ? SK_STREAM_SERVER : SK_STREAM_CLIENT;
	} else if (strcmp(so.type, "fd") == 0) {
		uint64_t fd;

		if (so.str == NULL || parse_u64(so.str, 0, 65535, &fd, NULL) < 0)
			return errf(err, "stream: addr.type=fd needs addr.str=N, a file descriptor "
					 "number (monitor fd names need a monitor)");
		sp->kind = SK_STREAM_FD;
		sp->fd = (int)fd;
		snprintf(nd->local_desc, sizeof(nd->local_desc), "fd %d", sp->fd);
		snprintf(nd->remote_desc, sizeof(nd->remote_desc), "fd %d", sp->fd);
	} else {
		return errf(err, "stream: addr.type '%s' is not inet, unix or fd", so.type);
	}
	return 0;
}

static const struct backend_opt stream_opts[] = {
	{ "server" }, { "addr.type" }, { "addr.host" }, { "addr.port" }, { "addr.to" },
	{ "addr.ipv4" }, { "addr.ipv6" }, { "addr.numeric" }, { "addr.keep-alive" },
	{ "addr.path" }, { "addr.abstract" }, { "addr.tight" }, { "addr.str" },
	{ "reconnect" }, { "reconnect-ms" }, { "queue" }, { NULL },
};

const struct backend_ops backend_stream = {
	.type = "stream",
	.opts = stream_opts,
	.configure = stream_configure,
	SOCKIO_OPS,
};

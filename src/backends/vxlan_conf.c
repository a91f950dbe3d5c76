/*
 * type=vxlan's options (vxlan.c has the keys and what they mean).
 */
#include "vxlan_internal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- options ----------------------------------------------------------------- */

/* ADDRESS[:PORT], the port defaulting to port. */
static int parse_endpoint(const char *s, uint16_t port, struct sockaddr_in *out, char *err)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char e[ERRLEN];

	if (strchr(s, '[') != NULL || (strchr(s, ':') != NULL && strchr(s, ':') != strrchr(s, ':')))
		return errf(err, "'%s': IPv6 underlays are not supported yet (IPv4 only)", s);
	if (strchr(s, ':') != NULL) {
		if (sockaddr_parse_inet4(s, "127.0.0.1", &ss, &len, e) < 0)
			return errf(err, "%s", e);
	} else {
		char p[8];

		snprintf(p, sizeof(p), "%u", port);
		if (sockaddr_resolve(s, p, AF_INET, &ss, &len, e) < 0)
			return errf(err, "%s (IPv4 only)", e);
	}
	memcpy(out, &ss, sizeof(*out));
	if (out->sin_port == 0)
		return errf(err, "'%s': the port must not be 0", s);
	return 0;
}

static int vxlan_opt(struct vxlan *v, const struct netdev_opt *o, char *err)
{
	const char *k = o->key, *val = o->val;
	uint64_t u;
	char e[ERRLEN];

	if (strcmp(k, "vni") == 0) {
		if (parse_u64(val, 0, VXLAN_VNI_MAX, &u, e) < 0)
			return errf(err, "vxlan: vni: %s", e);
		v->vni = (uint32_t)u;
	} else if (strcmp(k, "port") == 0) {
		if (parse_u64(val, 1, 65535, &u, e) < 0)
			return errf(err, "vxlan: port: %s", e);
		v->port = (uint16_t)u;
	} else if (strcmp(k, "mtu") == 0) {
		if (parse_u64(val, 68, VXLAN_MTU_MAX, &u, e) < 0)
			return errf(err, "vxlan: mtu: %s", e);
		v->mtu = (uint32_t)u;
	} else if (strcmp(k, "ttl") == 0) {
		if (parse_u64(val, 1, 255, &u, e) < 0)
			return errf(err, "vxlan: ttl: %s", e);
		v->ttl = (int)u;
	} else if (strcmp(k, "learning") == 0) {
		if (parse_bool(val, &v->learning, e) < 0)
			return errf(err, "vxlan: learning: %s", e);
	} else if (strcmp(k, "maxaddress") == 0) {
		if (parse_u64(val, 1, FDB_MAX_ENTRIES_LIMIT, &u, e) < 0)
			return errf(err, "vxlan: maxaddress: %s", e);
		v->maxaddress = (uint32_t)u;
	} else if (strcmp(k, "ageing") == 0) {
		if (parse_duration(val, &v->ageing, e) < 0)
			return errf(err, "vxlan: ageing: %s", e);
		if (v->ageing < NS_PER_SEC || v->ageing > 1000000 * NS_PER_SEC)
			return errf(err, "vxlan: ageing must be 1s..1000000s");
	} else if (strcmp(k, "localaddr") == 0) {
		if (inet_pton(AF_INET, val, &v->localaddr) != 1)
			return errf(err, "vxlan: localaddr '%s' is not an IPv4 address", val);
	} else if (strcmp(k, "local") == 0) {
		v->local_opt = val;
	} else if (strcmp(k, "learned_port") == 0) {
		if (strcmp(val, "port") != 0 && strcmp(val, "source") != 0)
			return errf(err, "vxlan: learned_port is port or source, not '%s'", val);
		v->learn_source_port = strcmp(val, "source") == 0;
	}
	return 0;
}

/* remote and group, once the port is known. */
static int vxlan_peer_opt(struct vxlan *v, const struct netdev_opt *o, char *err)
{
	struct sockaddr_in a;
	char e[ERRLEN];

	if (strcmp(o->key, "group") == 0) {
		if (strchr(o->val, ':') != NULL)
			return errf(err, "vxlan: group is an address; its port is port = (default %u)",
				    VXLAN_PORT);
		if (parse_endpoint(o->val, v->port, &a, e) < 0)
			return errf(err, "vxlan: group: %s", e);
		if (!IN_MULTICAST(ntohl(a.sin_addr.s_addr)))
			return errf(err, "vxlan: group %s is not a multicast address (224.0.0.0/4)",
				    o->val);
		v->group = a;
	} else if (strcmp(o->key, "remote") == 0) {
		if (parse_endpoint(o->val, v->port, &a, e) < 0)
			return errf(err, "vxlan: remote: %s", e);
		if (IN_MULTICAST(ntohl(a.sin_addr.s_addr)) || a.sin_addr.s_addr == htonl(INADDR_ANY))
			return errf(err, "vxlan: remote %s must be a unicast address (a multicast one "
				    "is group =)", o->val);
		if (v->nremotes == VXLAN_REMOTES_MAX)
			return errf(err, "vxlan: at most %d remotes", VXLAN_REMOTES_MAX);
		v->remotes = xreallocarray(v->remotes, (size_t)v->nremotes + 1, sizeof(a));
		v->remotes[v->nremotes++] = a;
	}
	return 0;
}

/* The line of option key (the last given), or def. */
static int opt_line(const struct netdev_opt *o, int n, const char *key, int def)
{
	for (int i = 0; i < n; i++)
		if (strcmp(o[i].key, key) == 0)
			def = o[i].line;
	return def;
}

int vxlan_configure(struct netdev *nd, const struct netdev_opt *o, int n, int *line,
			   char *err)
{
	struct vxlan *v = VX(nd);
	bool have_vni = false, have_localaddr = false;
	char e[ERRLEN];

	v->localaddr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; i < n; i++) {
		*line = o[i].line;
		if (vxlan_opt(v, &o[i], err) < 0)
			return -1;
		have_vni |= strcmp(o[i].key, "vni") == 0;
		have_localaddr |= strcmp(o[i].key, "localaddr") == 0;
	}
	for (int i = 0; i < n; i++) {
		*line = o[i].line;
		if (vxlan_peer_opt(v, &o[i], err) < 0)
			return -1;
	}
	*line = nd->node.line;
	if (!have_vni)
		return errf(err, "vxlan: needs vni = N (0..16777215)");
	if (v->group.sin_family != 0 && v->nremotes > 0) {
		*line = opt_line(o, n, "remote", *line);
		return errf(err, "vxlan: group and remote do not go together (as in ip-link)");
	}
	if (have_localaddr && v->group.sin_family == 0) {
		*line = opt_line(o, n, "localaddr", *line);
		return errf(err, "vxlan: localaddr is the interface for group =; there is no group");
	}
	if (v->local_opt != NULL) {
		*line = opt_line(o, n, "local", *line);
		if (parse_endpoint(v->local_opt, v->port, &v->local, e) < 0)
			return errf(err, "vxlan: local: %s", e);
	} else {
		v->local.sin_family = AF_INET;
		v->local.sin_addr = v->group.sin_family != 0 ? v->localaddr :
			(struct in_addr){ htonl(INADDR_LOOPBACK) };
		v->local.sin_port = htons(v->port);
	}
	v->local_opt = NULL;        /* the option's text goes with the section */
	v->fdb = fdb_new(v->maxaddress, v->ageing);
	sockaddr_format((struct sockaddr_storage *)&v->local, sizeof(v->local), nd->local_desc,
			sizeof(nd->local_desc));
	if (v->group.sin_family != 0)
		sockaddr_format((struct sockaddr_storage *)&v->group, sizeof(v->group),
				nd->remote_desc, sizeof(nd->remote_desc));
	else if (v->nremotes > 0)
		snprintf(nd->remote_desc, sizeof(nd->remote_desc), "%d remote%s", v->nremotes,
			 v->nremotes == 1 ? "" : "s");
	return 0;
}


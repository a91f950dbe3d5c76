/*
 * type=user: QEMU's -netdev user, a NAT on libslirp, with QEMU 7.2's
 * options, defaults and checks (net/slirp.c):
 *
 *   net=ADDR[/MASK]     10.0.2.0/24; MASK dotted or a prefix 4..32; without
 *                       one, a classful guess; legacy ip=ADDR means ADDR/24
 *   host= dhcpstart= dns=   net|.2, net|.15, net|.3
 *   dnssearch= (many) domainname= hostname= restrict=on|off
 *   hostfwd=[tcp|udp]:[haddr]:hport-[gaddr]:gport (many)
 *   guestfwd=[tcp]:[server]:port-cmd:COMMAND | -[tcp:]HOST:PORT | -unix:PATH (many)
 *   tftp= bootfile= tftp-server-name=
 *   ipv4= ipv6= ipv6-prefix= ipv6-prefixlen= ipv6-host= ipv6-dns=
 *   smb=DIR smbserver=ADDR  (needs /usr/sbin/smbd)
 *
 * Run time (usernet.c and the files it names): libslirp's sockets and timers
 * on our loop, frames both ways, hostfwd_add/_remove, `info usernet` and the
 * DHCP leases.
 */
#include "user.h"
#include "../core/util.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void addr_str(struct in_addr a, char buf[16])
{
	inet_ntop(AF_INET, &a, buf, 16);
}

/* QEMU's get_str_sep: the text up to sep goes to buf, *pp moves past it. */
static int str_sep(char *buf, size_t n, const char **pp, int sep)
{
	const char *p = *pp, *q = strchr(p, sep);
	size_t len;

	if (q == NULL)
		return -1;
	len = (size_t)(q - p);
	if (len >= n)
		len = n - 1;
	memcpy(buf, p, len);
	buf[len] = '\0';
	*pp = q + 1;
	return 0;
}

/* strtol(s, 0) over the whole string, as QEMU reads forward ports. */
static int port_num(const char *s, long min, long max, int *out)
{
	char *end;
	long v;

	if (*s == '\0')
		return -1;
	v = strtol(s, &end, 0);
	if (*end != '\0' || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

/* "[tcp|udp]:[hostaddr]:", the part both forms share; *pp is left at the
 * host port. form: the whole syntax, for the first error. */
static int fwd_host_side(const char *rule, const char **pp, struct user_hostfwd *f,
			 const char *form, char *err)
{
	char buf[256];

	memset(f, 0, sizeof(*f));
	if (str_sep(buf, sizeof(buf), pp, ':') < 0)
		return errf(err, "'%s': missing ':' after the protocol (%s)", rule, form);
	if (strcmp(buf, "tcp") == 0 || buf[0] == '\0')
		f->udp = false;
	else if (strcmp(buf, "udp") == 0)
		f->udp = true;
	else
		return errf(err, "'%s': bad protocol '%s' (tcp or udp)", rule, buf);
	if (str_sep(buf, sizeof(buf), pp, ':') < 0)
		return errf(err, "'%s': missing ':' after the host address", rule);
	if (buf[0] != '\0' && inet_aton(buf, &f->haddr) == 0)
		return errf(err, "'%s': bad host address '%s'", rule, buf);
	return 0;
}

int usernet_parse_hostfwd(const char *rule, struct user_hostfwd *f, char *err)
{
	const char *p = rule;
	char buf[256];

	if (fwd_host_side(rule, &p, f, "[tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport",
			  err) < 0)
		return -1;
	if (str_sep(buf, sizeof(buf), &p, '-') < 0)
		return errf(err, "'%s': missing '-' after the host port", rule);
	if (port_num(buf, 0, 65535, &f->hport) < 0)
		return errf(err, "'%s': bad host port '%s' (0..65535)", rule, buf);
	if (str_sep(buf, sizeof(buf), &p, ':') < 0)
		return errf(err, "'%s': missing the guest address (':' before the guest port)", rule);
	if (buf[0] != '\0' && inet_aton(buf, &f->gaddr) == 0)
		return errf(err, "'%s': bad guest address '%s'", rule, buf);
	if (port_num(p, 1, 65535, &f->gport) < 0)
		return errf(err, "'%s': bad guest port '%s' (1..65535)", rule, p);
	return 0;
}

int usernet_parse_hostfwd_remove(const char *rule, struct user_hostfwd *f, char *err)
{
	const char *p = rule;

	if (fwd_host_side(rule, &p, f, "[tcp|udp]:[hostaddr]:hostport", err) < 0)
		return -1;
	if (port_num(p, 0, 65535, &f->hport) < 0)
		return errf(err, "'%s': bad host port '%s' (0..65535)", rule, p);
	return 0;
}

static int parse_guestfwd(struct usernet *u, const char *rule, struct user_guestfwd *g, char *err)
{
	const char *p = rule;
	char buf[256];
	int port;

	memset(g, 0, sizeof(*g));
	g->host_fd = -1;
	if (str_sep(buf, sizeof(buf), &p, ':') < 0 || (strcmp(buf, "tcp") != 0 && buf[0] != '\0'))
		return errf(err, "guestfwd: '%s' is not [tcp]:[server]:port-cmd:COMMAND or "
				 "[tcp]:[server]:port-HOST:PORT (TCP only)", rule);
	if (str_sep(buf, sizeof(buf), &p, ':') < 0)
		return errf(err, "guestfwd: '%s': missing ':' after the server address", rule);
	if (buf[0] != '\0' && inet_aton(buf, &g->addr) == 0)
		return errf(err, "guestfwd: '%s': bad server address '%s'", rule, buf);
	if (buf[0] == '\0')
		g->addr.s_addr = htonl(ntohl(u->cfg.vnetwork.s_addr) | 4);
	if (str_sep(buf, sizeof(buf), &p, '-') < 0)
		return errf(err, "guestfwd: '%s': missing '-' after the port", rule);
	{
		char *end;
		long v = strtol(buf, &end, 10);

		if (buf[0] == '\0' || *end != '\0' || v < 1 || v > 65535)
			return errf(err, "guestfwd: '%s': bad port '%s' (1..65535)", rule, buf);
		port = (int)v;
	}
	g->port = port;
	if ((ntohl(g->addr.s_addr) & ntohl(u->cfg.vnetmask.s_addr)) !=
	    ntohl(u->cfg.vnetwork.s_addr))
		return errf(err, "guestfwd: '%s': the server address is not in the network", rule);
	if (g->addr.s_addr == u->cfg.vhost.s_addr || g->addr.s_addr == u->cfg.vnameserver.s_addr)
		return errf(err, "guestfwd: '%s': the server address is the host's or the DNS "
				 "server's", rule);
	if (strncmp(p, "cmd:", 4) == 0) {
		if (p[4] == '\0')
			return errf(err, "guestfwd: '%s': cmd: needs a command", rule);
		g->kind = GF_CMD;
		g->target = xstrdup(p + 4);
	} else if (strncmp(p, "unix:", 5) == 0) {
		if (p[5] == '\0')
			return errf(err, "guestfwd: '%s': unix: needs a path", rule);
		g->kind = GF_UNIX;
		g->target = xstrdup(p + 5);
	} else {
		/* QEMU's chardev "tcp:HOST:PORT", or plain HOST:PORT. */
		const char *hp = strncmp(p, "tcp:", 4) == 0 ? p + 4 : p;
		char e[ERRLEN];

		if (strchr(hp, ':') == NULL)
			return errf(err, "guestfwd: '%s': '%s' is not cmd:COMMAND, HOST:PORT, "
					 "tcp:HOST:PORT or unix:PATH", rule, p);
		if (sockaddr_parse_inet4(hp, "127.0.0.1", &g->host, &g->host_len, e) < 0)
			return errf(err, "guestfwd: '%s': %s", rule, e);
		if (((struct sockaddr_in *)&g->host)->sin_port == 0)
			return errf(err, "guestfwd: '%s': the host port must not be 0", rule);
		g->kind = GF_TCP;
		g->target = xstrdup(hp);
	}
	for (int i = 0; i < u->nguestfwds; i++)
		if (u->guestfwds[i].addr.s_addr == g->addr.s_addr && u->guestfwds[i].port == port) {
			free(g->target);
			return errf(err, "guestfwd: '%s': %s:%d is forwarded twice", rule,
				    inet_ntoa(g->addr), port);
		}
	g->text = xstrdup(rule);
	return 0;
}

/* net=: "ADDR/MASK", "ADDR/PREFIX" or "ADDR" (classful, as QEMU guesses). */
static int parse_net(const char *v, struct in_addr *net, struct in_addr *mask, char *err)
{
	char buf[64];
	const char *slash = strchr(v, '/');
	uint32_t n, m;

	if (strlen(v) >= sizeof(buf))
		return errf(err, "net: '%s' is too long", v);
	snprintf(buf, sizeof(buf), "%.*s", slash ? (int)(slash - v) : (int)strlen(v), v);
	if (inet_aton(buf, net) == 0)
		return errf(err, "net: '%s' is not an IPv4 address", buf);
	n = ntohl(net->s_addr);
	if (slash != NULL) {
		char *end;
		long bits = strtol(slash + 1, &end, 10);

		if (slash[1] != '\0' && *end == '\0') {
			if (bits < 4 || bits > 32)
				return errf(err, "net: prefix /%s is out of range (4..32)", slash + 1);
			m = bits == 32 ? 0xffffffffu : ~(0xffffffffu >> bits);
		} else {
			struct in_addr mm;

			if (inet_aton(slash + 1, &mm) == 0)
				return errf(err, "net: '%s' is not a netmask", slash + 1);
			m = ntohl(mm.s_addr);
			if (m != 0 && (~m & (~m + 1)) != 0)
				return errf(err, "net: '%s' is not a contiguous netmask", slash + 1);
		}
	} else if ((n & 0xfff00000u) == 0xac100000u) {
		m = 0xfff00000u;        /* 172.16/12 */
	} else if ((n & 0xffff0000u) == 0xc0a80000u) {
		m = 0xffff0000u;        /* 192.168/16 */
	} else if ((n & 0xfffe0000u) == 0xc6120000u) {
		m = 0xfffe0000u;        /* 198.18/15 */
	} else if ((n & 0x80000000u) == 0) {
		m = 0xff000000u;        /* class A */
	} else if ((n & 0xc0000000u) == 0x80000000u) {
		m = 0xffff0000u;        /* class B */
	} else if ((n & 0xe0000000u) == 0xc0000000u) {
		m = 0xffffff00u;        /* class C */
	} else {
		m = 0xfffffff0u;
	}
	mask->s_addr = htonl(m);
	net->s_addr = htonl(n & m);
	return 0;
}

static bool in_net(const struct usernet *u, struct in_addr a)
{
	return (a.s_addr & u->cfg.vnetmask.s_addr) == u->cfg.vnetwork.s_addr;
}

static bool in6_net(const struct in6_addr *prefix, const struct in6_addr *a, int len)
{
	for (int i = 0; i < 16 && len > 0; i++, len -= 8) {
		uint8_t m = len >= 8 ? 0xff : (uint8_t)(0xff << (8 - len));

		if ((prefix->s6_addr[i] & m) != (a->s6_addr[i] & m))
			return false;
	}
	return true;
}

static const char *find(const struct netdev_opt *o, int n, const char *k, int *line)
{
	for (int i = 0; i < n; i++) {
		if (strcmp(o[i].key, k) == 0) {
			*line = o[i].line;
			return o[i].val;
		}
	}
	return NULL;
}


/* ipv4= and ipv6=: giving only one of them "on" turns the other off, and the
 * options of a family that is off are refused. */
static int user_versions(struct usernet *u, const struct netdev_opt *o, int n, int *line, char *err)
{
	SlirpConfig *c = &u->cfg;
	const char *v;
	char e[ERRLEN];
	bool has4 = false, has6 = false, b;
	int l = u->nd.node.line;

	u->ipv4 = u->ipv6 = true;
	if ((v = find(o, n, "ipv4", line)) != NULL) {
		if (parse_bool(v, &b, e) < 0)
			return errf(err, "ipv4: %s", e);
		has4 = true;
		u->ipv4 = b;
	}
	if ((v = find(o, n, "ipv6", line)) != NULL) {
		if (parse_bool(v, &b, e) < 0)
			return errf(err, "ipv6: %s", e);
		has6 = true;
		u->ipv6 = b;
	}
	if (has4 && !has6)
		u->ipv6 = !u->ipv4;
	if (has6 && !has4)
		u->ipv4 = !u->ipv6;
	if (!u->ipv4 && !u->ipv6) {
		*line = l;
		return errf(err, "user: ipv4=off and ipv6=off leave nothing to do; turn one on");
	}
	if (!u->ipv4) {
		static const char *const v4[] = { "net", "ip", "host", "dhcpstart", "dns" };

		for (size_t k = 0; k < ARRAY_SIZE(v4); k++)
			if (find(o, n, v4[k], line) != NULL)
				return errf(err, "%s: IPv4 is off (ipv4=off), so %s= has no meaning",
					    v4[k], v4[k]);
	}
	if (!u->ipv6) {
		static const char *const v6[] = { "ipv6-prefix", "ipv6-prefixlen", "ipv6-host",
						   "ipv6-dns" };

		for (size_t k = 0; k < ARRAY_SIZE(v6); k++)
			if (find(o, n, v6[k], line) != NULL)
				return errf(err, "%s: IPv6 is off (ipv6=off), so %s= has no meaning",
					    v6[k], v6[k]);
	}
	c->version = 4;
	c->in_enabled = u->ipv4;
	c->in6_enabled = u->ipv6;
	return 0;
}

/* The IPv4 network and the addresses in it: net= (or the legacy ip=), host=,
 * dns=, dhcpstart=. */
static int user_addresses(struct usernet *u, const struct netdev_opt *o, int n, int *line,
			  char *err)
{
	SlirpConfig *c = &u->cfg;
	const char *v;
	char e[ERRLEN];

	inet_aton("10.0.2.0", &c->vnetwork);
	inet_aton("255.255.255.0", &c->vnetmask);
	if ((v = find(o, n, "net", line)) != NULL) {
		int l2;

		if (find(o, n, "ip", &l2) != NULL) {
			*line = l2;
			return errf(err, "ip: the legacy ip= and net= exclude each other; keep net=");
		}
		if (parse_net(v, &c->vnetwork, &c->vnetmask, err) < 0)
			return -1;
	} else if ((v = find(o, n, "ip", line)) != NULL) {
		char buf[64];

		if (strchr(v, '/') != NULL)
			return errf(err, "ip: '%s' takes no mask (ip=ADDR means ADDR/24; use net=)", v);
		snprintf(buf, sizeof(buf), "%s/24", v);
		if (parse_net(buf, &c->vnetwork, &c->vnetmask, e) < 0)
			return errf(err, "ip: '%s' is not an IPv4 address", v);
	}
	{
		uint32_t net = ntohl(c->vnetwork.s_addr);

		c->vhost.s_addr = htonl(net | 2);
		c->vdhcp_start.s_addr = htonl(net | 15);
		c->vnameserver.s_addr = htonl(net | 3);
	}
	if ((v = find(o, n, "host", line)) != NULL) {
		if (inet_aton(v, &c->vhost) == 0)
			return errf(err, "host: '%s' is not an IPv4 address", v);
		if (!in_net(u, c->vhost))
			return errf(err, "host: %s is not in the network %s", v, usernet_net_text(u));
	}
	if ((v = find(o, n, "dns", line)) != NULL) {
		if (inet_aton(v, &c->vnameserver) == 0)
			return errf(err, "dns: '%s' is not an IPv4 address", v);
		if (c->restricted && !in_net(u, c->vnameserver))
			return errf(err, "dns: %s is not in the network %s (restrict=on needs it "
					 "there)", v, usernet_net_text(u));
	}
	if (c->vnameserver.s_addr == c->vhost.s_addr) {
		char h[16];

		addr_str(c->vhost, h);
		if (find(o, n, "dns", line) == NULL)
			find(o, n, "host", line);
		return errf(err, "dns: the DNS address %s must differ from the host address", h);
	}
	if ((v = find(o, n, "dhcpstart", line)) != NULL) {
		if (inet_aton(v, &c->vdhcp_start) == 0)
			return errf(err, "dhcpstart: '%s' is not an IPv4 address", v);
		if (!in_net(u, c->vdhcp_start))
			return errf(err, "dhcpstart: %s is not in the network %s", v, usernet_net_text(u));
	}
	if (c->vdhcp_start.s_addr == c->vhost.s_addr ||
	    c->vdhcp_start.s_addr == c->vnameserver.s_addr) {
		char d[16];

		addr_str(c->vdhcp_start, d);
		if (find(o, n, "dhcpstart", line) == NULL)
			*line = u->nd.node.line;
		return errf(err, "dhcpstart: %s must differ from the host and DNS addresses", d);
	}
	return 0;
}

/* IPv6: ipv6-prefix= (its length after a slash, or in ipv6-prefixlen=),
 * ipv6-host=, ipv6-dns=. */
static int user_ipv6(struct usernet *u, const struct netdev_opt *o, int n, int *line, char *err)
{
	SlirpConfig *c = &u->cfg;
	const char *v;

	inet_pton(AF_INET6, "fec0::", &c->vprefix_addr6);
	c->vprefix_len = 64;
	if ((v = find(o, n, "ipv6-prefix", line)) != NULL) {
		char buf[INET6_ADDRSTRLEN + 8];
		char *slash;

		snprintf(buf, sizeof(buf), "%s", v);
		slash = strchr(buf, '/');
		if (slash != NULL) {
			uint64_t len;

			*slash = '\0';
			if (parse_u64(slash + 1, 0, 126, &len, NULL) < 0)
				return errf(err, "ipv6-prefix: prefix length '%s' is out of range "
						 "(0..126)", slash + 1);
			c->vprefix_len = (uint8_t)len;
		}
		if (inet_pton(AF_INET6, buf, &c->vprefix_addr6) != 1)
			return errf(err, "ipv6-prefix: '%s' is not an IPv6 address", buf);
	}
	if ((v = find(o, n, "ipv6-prefixlen", line)) != NULL) {
		uint64_t len;

		if (parse_u64(v, 0, 126, &len, NULL) < 0)
			return errf(err, "ipv6-prefixlen: '%s' is out of range (0..126)", v);
		c->vprefix_len = (uint8_t)len;
	}
	c->vhost6 = c->vprefix_addr6;
	c->vhost6.s6_addr[15] |= 2;
	c->vnameserver6 = c->vprefix_addr6;
	c->vnameserver6.s6_addr[15] |= 3;
	if ((v = find(o, n, "ipv6-host", line)) != NULL) {
		if (inet_pton(AF_INET6, v, &c->vhost6) != 1)
			return errf(err, "ipv6-host: '%s' is not an IPv6 address", v);
		if (!in6_net(&c->vprefix_addr6, &c->vhost6, c->vprefix_len))
			return errf(err, "ipv6-host: %s is not in the IPv6 prefix", v);
	}
	if ((v = find(o, n, "ipv6-dns", line)) != NULL) {
		if (inet_pton(AF_INET6, v, &c->vnameserver6) != 1)
			return errf(err, "ipv6-dns: '%s' is not an IPv6 address", v);
		if (!in6_net(&c->vprefix_addr6, &c->vnameserver6, c->vprefix_len))
			return errf(err, "ipv6-dns: %s is not in the IPv6 prefix", v);
	}
	return 0;
}

/* Names: hostname=, domainname=, dnssearch= (one domain each, many). */
static int user_names(struct usernet *u, const struct netdev_opt *o, int n, int *line, char *err)
{
	SlirpConfig *c = &u->cfg;
	const char *v;

	if ((v = find(o, n, "hostname", line)) != NULL) {
		if (strlen(v) > 255)
			return errf(err, "hostname: longer than 255 bytes");
		u->hostname = xstrdup(v);
		c->vhostname = u->hostname;
	}
	if ((v = find(o, n, "domainname", line)) != NULL) {
		if (strlen(v) > 255)
			return errf(err, "domainname: longer than 255 bytes");
		u->domainname = xstrdup(v);
		c->vdomainname = u->domainname;
	}
	for (int i = 0; i < n; i++) {
		if (strcmp(o[i].key, "dnssearch") != 0)
			continue;
		*line = o[i].line;
		if (strlen(o[i].val) > 255)
			return errf(err, "dnssearch: '%s' is longer than 255 bytes", o[i].val);
		for (const char *p = o[i].val; *p; p++)
			if (*p == ' ' || *p == ',' || *p == '\t')
				return errf(err, "dnssearch: '%s' is not one domain (give dnssearch= "
						 "once per domain)", o[i].val);
		u->dnssearch = xreallocarray(u->dnssearch, (size_t)u->ndnssearch + 2,
					     sizeof(*u->dnssearch));
		u->dnssearch[u->ndnssearch++] = xstrdup(o[i].val);
		u->dnssearch[u->ndnssearch] = NULL;
	}
	c->vdnssearch = (const char **)u->dnssearch;
	return 0;
}

/* TFTP and boot: tftp= (a directory, beside the topology), bootfile=,
 * tftp-server-name=. */
static int user_boot(struct usernet *u, const struct netdev_opt *o, int n, int *line, char *err)
{
	SlirpConfig *c = &u->cfg;
	const char *v;

	if ((v = find(o, n, "tftp", line)) != NULL) {
		struct stat st;

		u->tftp = path_beside(u->nd.node.g->source, v);
		if (stat(u->tftp, &st) < 0 || !S_ISDIR(st.st_mode))
			return errf(err, "tftp: '%s' is not a directory", u->tftp);
		c->tftp_path = u->tftp;
	}
	if ((v = find(o, n, "bootfile", line)) != NULL) {
		if (strlen(v) >= 128)
			return errf(err, "bootfile: '%s' is too long (libslirp takes at most 127 bytes)",
				    v);
		u->bootfile = xstrdup(v);
		c->bootfile = u->bootfile;
	}
	if ((v = find(o, n, "tftp-server-name", line)) != NULL) {
		if (strlen(v) > 255)
			return errf(err, "tftp-server-name: longer than 255 bytes");
		u->tftp_server_name = xstrdup(v);
		c->tftp_server_name = u->tftp_server_name;
	}
	return 0;
}

/* smb=: a share served by smbd at smbserver (net|.4), ports 445 and 139. */
static int user_smb(struct usernet *u, const struct netdev_opt *o, int n, int *line, char *err)
{
	SlirpConfig *c = &u->cfg;
	const char *v;

	u->smbserver.s_addr = htonl(ntohl(c->vnetwork.s_addr) | 4);
	if ((v = find(o, n, "smbserver", line)) != NULL) {
		int l2;

		if (find(o, n, "smb", &l2) == NULL)
			return errf(err, "smbserver: goes with smb=DIR");
		if (inet_aton(v, &u->smbserver) == 0)
			return errf(err, "smbserver: '%s' is not an IPv4 address", v);
		if (!in_net(u, u->smbserver) || u->smbserver.s_addr == c->vhost.s_addr ||
		    u->smbserver.s_addr == c->vnameserver.s_addr)
			return errf(err, "smbserver: %s must be in the network %s and differ from "
					 "the host and DNS addresses", v, usernet_net_text(u));
	}
	if ((v = find(o, n, "smb", line)) != NULL) {
		struct stat st;
		char *rel;

		if (!u->ipv4)
			return errf(err, "smb: needs IPv4");
		rel = path_beside(u->nd.node.g->source, v);
		if (stat(rel, &st) < 0 || !S_ISDIR(st.st_mode)) {
			errf(err, "smb: '%s' is not a directory", rel);
			free(rel);
			return -1;
		}
		u->smb = realpath(rel, NULL);
		free(rel);
		if (u->smb == NULL)
			return errf(err, "smb: '%s' is not a directory", v);
		for (const char *p = u->smb; *p; p++)
			if (*p == '\n' || *p == '[' || *p == ']')
				return errf(err, "smb: '%s': the path cannot go into smb.conf", v);
	}
	return 0;
}

/* Forwards, in the order given: hostfwd= and guestfwd=. */
static int user_forwards(struct usernet *u, const struct netdev_opt *o, int n, int *line, char *err)
{
	char e[ERRLEN];

	for (int i = 0; i < n; i++) {
		*line = o[i].line;
		if (strcmp(o[i].key, "hostfwd") == 0) {
			struct user_hostfwd f;

			if (!u->ipv4)
				return errf(err, "hostfwd: needs IPv4");
			if (usernet_parse_hostfwd(o[i].val, &f, e) < 0)
				return errf(err, "hostfwd: %s", e);
			if (f.gaddr.s_addr != 0 && !in_net(u, f.gaddr))
				return errf(err, "hostfwd: '%s': the guest address is not in the "
						 "network %s", o[i].val, usernet_net_text(u));
			for (int j = 0; j < u->nhostfwds; j++) {
				struct user_hostfwd *g = &u->hostfwds[j];

				if (g->udp == f.udp && g->hport == f.hport && f.hport != 0 &&
				    g->haddr.s_addr == f.haddr.s_addr)
					return errf(err, "hostfwd: '%s': host port %d is forwarded "
							 "twice (line %d)", o[i].val, f.hport, g->line);
			}
			f.line = o[i].line;
			f.text = xstrdup(o[i].val);
			u->hostfwds = xreallocarray(u->hostfwds, (size_t)u->nhostfwds + 1,
						    sizeof(*u->hostfwds));
			u->hostfwds[u->nhostfwds++] = f;
		} else if (strcmp(o[i].key, "guestfwd") == 0) {
			struct user_guestfwd g;

			if (!u->ipv4)
				return errf(err, "guestfwd: needs IPv4");
			if (parse_guestfwd(u, o[i].val, &g, err) < 0)
				return -1;
			if (u->smb != NULL && g.addr.s_addr == u->smbserver.s_addr &&
			    (g.port == 445 || g.port == 139)) {
				free(g.target);
				free(g.text);
				return errf(err, "guestfwd: '%s': smb= serves that port", o[i].val);
			}
			g.line = o[i].line;
			u->guestfwds = xreallocarray(u->guestfwds, (size_t)u->nguestfwds + 1,
						     sizeof(*u->guestfwds));
			u->guestfwds[u->nguestfwds++] = g;
		}
	}
	return 0;
}

/* Group by group, in this order: the first error (and the line it is
 * reported on) depends on it. */
static int user_configure(struct netdev *nd, const struct netdev_opt *o, int n, int *line,
			  char *err)
{
	struct usernet *u = U(nd);
	const char *v;
	char e[ERRLEN];
	bool b;

	if (user_versions(u, o, n, line, err) < 0)
		return -1;
	if ((v = find(o, n, "restrict", line)) != NULL) {
		if (parse_bool(v, &b, e) < 0)
			return errf(err, "restrict: %s", e);
		u->cfg.restricted = b;
	}
	if (user_addresses(u, o, n, line, err) < 0 || user_ipv6(u, o, n, line, err) < 0 ||
	    user_names(u, o, n, line, err) < 0 || user_boot(u, o, n, line, err) < 0 ||
	    user_smb(u, o, n, line, err) < 0 || user_forwards(u, o, n, line, err) < 0)
		return -1;
	*line = nd->node.line;
	return 0;
}

static const struct backend_opt user_opts[] = {
	{ "net" }, { "ip" }, { "host" }, { "dhcpstart" }, { "dns" }, { "dnssearch", true },
	{ "domainname" }, { "hostname" }, { "restrict" }, { "hostfwd", true },
	{ "guestfwd", true }, { "tftp" }, { "bootfile" }, { "tftp-server-name" }, { "ipv4" },
	{ "ipv6" }, { "ipv6-prefix" }, { "ipv6-prefixlen" }, { "ipv6-host" }, { "ipv6-dns" },
	{ "smb" }, { "smbserver" }, { NULL },
};

/* As QEMU 7.2 shows a user netdev: its network and restrict=. */
static void user_qemu_info(struct netdev *nd, char *buf, size_t len)
{
	struct usernet *u = container_of(nd, struct usernet, nd);
	char net[16];

	snprintf(buf, len, "net=%s,restrict=%s", inet_ntop(AF_INET, &u->cfg.vnetwork, net, sizeof(net)),
		 u->cfg.restricted ? "on" : "off");
}

const struct backend_ops backend_user = {
	.type = "user",
	.size = sizeof(struct usernet),
	.opts = user_opts,
	.init = usernet_init,
	.configure = user_configure,
	.open = usernet_open,
	.output = usernet_output,
	.close = usernet_close,
	.describe = usernet_describe,
	.info = usernet_info_network,
	.qemu_info = user_qemu_info,
	.report = usernet_report,
	.free = usernet_free,
	.value = user_value,
	.lines = user_lines,
	.cmds = user_cmds,
	.peerless = true,
};

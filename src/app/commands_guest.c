/*
 * The commands that drive a guest's stack: exec in a netns guest; ping,
 * udp, tcp_*, resolve and dhcp in a sim guest. Each validates its
 * arguments fully before acting (commands.c says why).
 */
#include "commands_internal.h"
#include "../core/util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* `exec GUEST COMMAND...`: the rest of the line, as written, for /bin/sh. */
int cmd_exec_guest(struct cmd_ctx *c, int argc, char **argv)
{
	const char *p = c->line;
	struct guest *gu;
	int n;

	(void)argc;
	if ((gu = cmd_need_guest(c, argv[1])) == NULL)
		return -1;
	if (gu->kind->exec == NULL) {
		const struct guest_kind *k = NULL;

		for (int i = 0; guest_kinds[i] != NULL && k == NULL; i++)
			if (guest_kinds[i]->exec != NULL)
				k = guest_kinds[i];
		return errf(c->err, "guest %s is a %s guest; exec runs commands in %s guests "
				    "(kind = %s)", gu->node.name, gu->kind->name, k ? k->name : "?",
			    k ? k->name : "?");
	}
	/* Past two words: "exec" and the guest (in either order). */
	for (int w = 0; w < 2; w++) {
		p += strspn(p, " \t");
		p += strcspn(p, " \t");
	}
	p += strspn(p, " \t");
	if (c->check)
		return 0;
	if ((n = gu->kind->exec(gu, p, c->err)) < 0)
		return -1;
	fprintf(c->out, "%s: exec[%d] queued: %s\n", gu->node.name, n, p);
	return 0;
}

/* count= (1..PING_MAX_COUNT) and interval= of ping and udp: vals[0] and
 * vals[1]. A ping's interval must be more than 0. */
static int count_interval(struct cmd_ctx *c, char *const *vals, bool ping, uint64_t *count,
			  uint64_t *interval)
{
	if (vals[0] && parse_u64(vals[0], 1, PING_MAX_COUNT, count, c->err) < 0)
		return -1;
	if (vals[1] && parse_duration(vals[1], interval, c->err) < 0)
		return -1;
	if (ping && vals[1] && *interval == 0)
		return errf(c->err, "ping: interval must be more than 0");
	return 0;
}

int cmd_ping(struct cmd_ctx *c, int argc, char **argv)
{
	static const char *const keys[] = { "count", "interval", "size", "ttl", NULL };
	char *vals[4] = { NULL, NULL, NULL, NULL };
	struct guest *gu;
	char ip[16];
	uint32_t dst;
	uint64_t count = 3, interval = NS_PER_SEC, size = 56, ttl = 0;

	if ((gu = cmd_need_guest(c, argv[1])) == NULL)
		return -1;
	if (parse_ipv4(argv[2], &dst) < 0 || dst == 0)
		return errf(c->err, "ping: '%s' is not an IPv4 address", argv[2]);
	if (cmd_opts(c, argc, argv, 3, keys, vals) < 0 ||
	    count_interval(c, vals, true, &count, &interval) < 0)
		return -1;
	if (vals[2] && parse_u64(vals[2], 0, PING_MAX_SIZE, &size, c->err) < 0)
		return -1;
	if (vals[3] && parse_u64(vals[3], 1, 255, &ttl, c->err) < 0)
		return -1;
	if (!(c->check ? guest_may_route(gu, dst) : guest_has_route(gu, dst)))
		return errf(c->err, "ping: %s has no route to %s (no NIC on that subnet, no gw)",
			    gu->node.name, argv[2]);
	if (c->check)
		return 0;
	if (guest_ping(gu, dst, (uint32_t)count, interval, (uint32_t)size, (uint8_t)ttl, c->err) ==
	    NULL)
		return -1;
	/* As ping(8) starts; replies and statistics follow as events. */
	fprintf(c->out, "%s: PING %s (%s) %" PRIu64 "(%" PRIu64 ") bytes of data.\n", gu->node.name,
		argv[2], fmt_ipv4(dst, ip), size, size + 28);
	return 0;
}

int cmd_udp(struct cmd_ctx *c, int argc, char **argv)
{
	static const char *const keys[] = { "count", "interval", "size", "sport", "data", NULL };
	char *vals[5] = { NULL };
	struct guest *gu;
	uint32_t dst;
	uint64_t count = 1, interval = NS_PER_SEC, size = 32, sport = 40000, dport;
	char addr[32], *colon;

	if ((gu = cmd_need_guest(c, argv[1])) == NULL)
		return -1;
	snprintf(addr, sizeof(addr), "%s", argv[2]);
	colon = strchr(addr, ':');
	if (colon == NULL)
		return errf(c->err, "udp: '%s' needs a port (ADDRESS:PORT)", argv[2]);
	*colon = '\0';
	if (parse_ipv4(addr, &dst) < 0 || dst == 0)
		return errf(c->err, "udp: '%s' is not an IPv4 address", addr);
	if (parse_u64(colon + 1, 1, 65535, &dport, c->err) < 0)
		return -1;
	if (cmd_opts(c, argc, argv, 3, keys, vals) < 0 ||
	    count_interval(c, vals, false, &count, &interval) < 0)
		return -1;
	if (vals[2] && parse_u64(vals[2], 0, UDP_MAX_SIZE, &size, c->err) < 0)
		return -1;
	if (vals[3] && parse_u64(vals[3], 1, 65535, &sport, c->err) < 0)
		return -1;
	if (vals[4] && strlen(vals[4]) > UDP_MAX_SIZE)
		return errf(c->err, "udp: data is longer than %u bytes", UDP_MAX_SIZE);
	if (!(c->check ? guest_may_route(gu, dst) : guest_has_route(gu, dst)))
		return errf(c->err, "udp: %s has no route to %s", gu->node.name, addr);
	if (c->check)
		return 0;
	return guest_udp_send(gu, dst, (uint16_t)dport, (uint16_t)sport, (uint32_t)count, interval,
			      (uint32_t)size, vals[4], c->err);
}

/* ADDRESS:PORT */
static int addr_port(struct cmd_ctx *c, const char *what, const char *s, uint32_t *ip,
		     uint64_t *port)
{
	char addr[32], *colon;

	snprintf(addr, sizeof(addr), "%s", s);
	colon = strchr(addr, ':');
	if (colon == NULL)
		return errf(c->err, "%s: '%s' needs a port (ADDRESS:PORT)", what, s);
	*colon = '\0';
	if (parse_ipv4(addr, ip) < 0 || *ip == 0)
		return errf(c->err, "%s: '%s' is not an IPv4 address", what, addr);
	if (parse_u64(colon + 1, 1, 65535, port, c->err) < 0)
		return errf(c->err, "%s: port '%s' is not 1..65535", what, colon + 1);
	return 0;
}

/* A connection id. At load time (check) only its form can be checked: the
 * connection does not exist yet, and *t stays NULL. */
static int need_conn(struct cmd_ctx *c, struct guest *gu, const char *id_s, struct tcp_conn **t)
{
	uint64_t id;

	*t = NULL;
	if (parse_u64(id_s, 1, 1u << 30, &id, NULL) < 0)
		return errf(c->err, "'%s' is not a connection id (info tcp %s lists them)", id_s,
			    gu->node.name);
	if (c->check)
		return 0;
	*t = tcp_find(gu, (int)id);
	if (*t == NULL)
		return errf(c->err, "%s has no TCP connection %s (info tcp %s lists them)",
			    gu->node.name, id_s, gu->node.name);
	return 0;
}

int cmd_tcp_connect(struct cmd_ctx *c, int argc, char **argv)
{
	static const char *const keys[] = { "sport", NULL };
	char *vals[1] = { NULL };
	struct guest *gu;
	uint32_t dst;
	uint64_t dport, sport = 0;
	int id;

	if ((gu = cmd_need_guest(c, argv[1])) == NULL)
		return -1;
	if (addr_port(c, "tcp_connect", argv[2], &dst, &dport) < 0)
		return -1;
	if (cmd_opts(c, argc, argv, 3, keys, vals) < 0)
		return -1;
	if (vals[0] && parse_u64(vals[0], 1, 65535, &sport, c->err) < 0)
		return -1;
	if (!(c->check ? guest_may_route(gu, dst) : guest_has_route(gu, dst)))
		return errf(c->err, "tcp_connect: %s has no route to %s", gu->node.name, argv[2]);
	if (c->check)
		return 0;
	id = tcp_connect(gu, dst, (uint16_t)dport, (uint16_t)sport, c->err);
	if (id < 0)
		return -1;
	fprintf(c->out, "%s: tcp %d\n", gu->node.name, id);
	return 0;
}

/* TEXT with \n, \r, \t and \\ escapes. */
static uint32_t unescape(const char *in, char *out)
{
	uint32_t n = 0;

	for (; *in; in++) {
		if (*in == '\\' && in[1]) {
			in++;
			out[n++] = *in == 'n' ? '\n' : *in == 'r' ? '\r' : *in == 't' ? '\t' : *in;
		} else {
			out[n++] = *in;
		}
	}
	return n;
}

int cmd_tcp_send(struct cmd_ctx *c, int argc, char **argv)
{
	struct guest *gu;
	struct tcp_conn *t = NULL;
	uint64_t size = 0;
	bool sized;
	char *buf;
	uint32_t n;
	int rc;

	(void)argc;
	if ((gu = cmd_need_guest(c, argv[1])) == NULL)
		return -1;
	sized = strncmp(argv[3], "size=", 5) == 0;
	if (sized && parse_u64(argv[3] + 5, 1, 16u << 20, &size, c->err) < 0)
		return errf(c->err, "tcp_send: size: 1..16777216 bytes");
	if (need_conn(c, gu, argv[2], &t) < 0)
		return -1;
	if (c->check)
		return 0;
	if (sized) {
		buf = xmalloc(size);
		for (uint64_t i = 0; i < size; i++)
			buf[i] = (char)('a' + i % 26);
		n = (uint32_t)size;
	} else {
		buf = xmalloc(strlen(argv[3]) + 1);
		n = unescape(argv[3], buf);
	}
	rc = tcp_send(t, (const uint8_t *)buf, n, c->err);
	free(buf);
	return rc;
}

int cmd_tcp_close(struct cmd_ctx *c, int argc, char **argv)
{
	struct guest *gu;
	struct tcp_conn *t;

	(void)argc;
	if ((gu = cmd_need_guest(c, argv[1])) == NULL)
		return -1;
	if (need_conn(c, gu, argv[2], &t) < 0)
		return -1;
	if (c->check)
		return 0;
	return tcp_close(t, strcmp(argv[0], "tcp_abort") == 0, c->err);
}

int cmd_tcp_listen(struct cmd_ctx *c, int argc, char **argv)
{
	struct guest *gu;
	uint64_t port;
	enum tcp_app app = TCP_APP_SINK;

	if ((gu = cmd_need_guest(c, argv[1])) == NULL)
		return -1;
	if (parse_u64(argv[2], 1, 65535, &port, c->err) < 0)
		return -1;
	if (argc == 4) {
		if (strcmp(argv[3], "echo") == 0)
			app = TCP_APP_ECHO;
		else if (strcmp(argv[3], "discard") == 0)
			app = TCP_APP_DISCARD;
		else if (strcmp(argv[3], "sink") != 0)
			return errf(c->err, "tcp_listen: '%s' is not sink, echo or discard", argv[3]);
	}
	if (c->check)
		return 0;
	return tcp_listen(gu, (uint16_t)port, app, c->err);
}

int cmd_resolve(struct cmd_ctx *c, int argc, char **argv)
{
	static const char *const keys[] = { "server", NULL };
	char *vals[1] = { NULL };
	struct guest *gu;
	uint32_t server = 0;
	uint64_t port = 53;

	if ((gu = cmd_need_guest(c, argv[1])) == NULL)
		return -1;
	if (cmd_opts(c, argc, argv, 3, keys, vals) < 0)
		return -1;
	if (vals[0] != NULL) {
		if (strchr(vals[0], ':') != NULL) {
			if (addr_port(c, "resolve", vals[0], &server, &port) < 0)
				return -1;
		} else if (parse_ipv4(vals[0], &server) < 0 || server == 0) {
			return errf(c->err, "resolve: '%s' is not an IPv4 address", vals[0]);
		}
	}
	if (c->check)
		return strlen(argv[2]) > 253 ? errf(c->err, "resolve: the name is too long") : 0;
	return dns_resolve(gu, argv[2], server, (uint16_t)port, c->err);
}

int cmd_dhcp(struct cmd_ctx *c, int argc, char **argv)
{
	struct guest *gu;
	struct nic *nic = NULL;

	if ((gu = cmd_need_guest(c, argv[1])) == NULL)
		return -1;
	if (strcmp(argv[2], "renew") != 0 && strcmp(argv[2], "release") != 0 &&
	    strcmp(argv[2], "restart") != 0)
		return errf(c->err, "dhcp: '%s' is not renew, release or restart", argv[2]);
	if (argc == 4) {
		nic = guest_find_nic(gu, argv[3]);
		if (nic == NULL)
			return errf(c->err, "%s has no NIC %s", gu->node.name, argv[3]);
	} else {
		for (int i = 0; i < gu->nnics && nic == NULL; i++)
			if (gu->nics[i]->dhcp != NULL)
				nic = gu->nics[i];
		if (nic == NULL)
			return errf(c->err, "dhcp: %s has no NIC with ip = dhcp", gu->node.name);
	}
	if (nic->dhcp == NULL)
		return errf(c->err, "dhcp: %s.%s has a static address", gu->node.name, nic->id);
	if (c->check)
		return 0;
	return dhcp_command(nic, argv[2], c->err);
}

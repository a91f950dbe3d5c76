/*
 * The command language: scenario steps now, the TUI prompt and any control
 * socket later. QEMU monitor names where QEMU has them (info network,
 * set_link). One table; each command is one function that validates its
 * arguments fully before acting, so the same function checks a scenario at
 * load time (check = true) and runs it later.
 *
 * To add a command: write cmd_NAME below, add one line to the table.
 */
#include "sim.h"
#include "util.h"
#include "../backends/user.h"
#include "../guest/kernel.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 32

struct cmd_ctx;

/* One command, written once: its name, how many arguments it takes (after
 * the name; max -1: any), whether the first is a guest (then "GUEST cmd
 * ..." works too), the usage every error about its form prints, its help
 * line, and the handler. cmd_exec checks the count before the handler
 * runs; a handler that finds the form wrong returns usage(c). */
struct cmd {
	const char *name;
	int min, max;
	bool guest_first;
	const char *usage;
	const char *help;
	int (*fn)(struct cmd_ctx *c, int argc, char **argv);
};

struct cmd_ctx {
	struct sim *s;
	FILE *out;
	bool check;
	char *err;
	const char *line;       /* the command as written */
	const struct cmd *cmd;  /* its entry */
};

/* "usage: ..." from the command's entry. */
static int usage(struct cmd_ctx *c)
{
	return errf(c->err, "usage: %s", c->cmd->usage);
}

static struct port *need_port(struct cmd_ctx *c, const char *name)
{
	struct port *p = graph_find_port(c->s->g, name);

	if (p == NULL) {
		struct guest *gu = sim_guest(c->s, name);

		/* A one-NIC guest's name stands for its NIC. */
		if (gu != NULL && gu->nnics == 1)
			return gu->nics[0]->port;
		errf(c->err, "no port named '%s' (info ports lists them)", name);
	}
	return p;
}

static struct guest *need_guest(struct cmd_ctx *c, const char *name)
{
	struct guest *gu = sim_guest(c->s, name);

	if (gu == NULL)
		errf(c->err, "no guest named '%s'", name);
	return gu;
}

static struct bridge *need_bridge(struct cmd_ctx *c, const char *name)
{
	struct bridge *b = sim_bridge(c->s, name);

	if (b == NULL)
		errf(c->err, "no bridge named '%s'", name);
	return b;
}

/* Parses trailing key=value options against a list of allowed keys. */
static int opts(struct cmd_ctx *c, int argc, char **argv, int from, const char *const *keys,
		char **vals)
{
	for (int i = from; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		bool ok = false;

		if (eq == NULL)
			return errf(c->err, "unexpected argument '%s' (expected key=value)", argv[i]);
		for (int k = 0; keys[k] != NULL; k++) {
			if (strlen(keys[k]) == (size_t)(eq - argv[i]) &&
			    strncmp(keys[k], argv[i], (size_t)(eq - argv[i])) == 0) {
				vals[k] = eq + 1;
				ok = true;
			}
		}
		if (!ok)
			return errf(c->err, "unknown option '%.*s'", (int)(eq - argv[i]), argv[i]);
	}
	return 0;
}

static int cmd_help_fn(struct cmd_ctx *c, int argc, char **argv);

/* ---- info: one table of what it shows ------------------------------------ */

enum info_arg { INFO_NONE, INFO_GUEST, INFO_BRIDGE_OPT };

static void info_dhcp(struct guest *gu, FILE *out)
{
	bool any = false;

	for (int i = 0; i < gu->nnics; i++) {
		if (gu->nics[i]->dhcp != NULL) {
			dhcp_info(gu->nics[i]->dhcp, out);
			any = true;
		}
	}
	if (!any)
		fprintf(out, "  %s has no NIC with ip = dhcp\n", gu->node.name);
}

static void info_pings(struct guest *gu, FILE *out)
{
	for (int i = 0; i < gu->npings; i++) {
		struct ping *p = gu->pings[i];
		char ip[16];

		fprintf(out, "ping %s: %u sent, %u received, %.0f%% loss", fmt_ipv4(p->dst, ip),
			p->sent, p->received,
			p->sent ? 100.0 * (p->sent - p->received) / p->sent : 0.0);
		if (p->received)
			fprintf(out, ", rtt min/avg/max %.3f/%.3f/%.3f ms", (double)p->rtt_min / 1e6,
				(double)p->rtt_sum / p->received / 1e6, (double)p->rtt_max / 1e6);
		fputc('\n', out);
	}
}

static void info_usernet_all(struct sim *s, FILE *out)
{
	char *argv[] = { "usernet", NULL };
	int n = 0;

	for (int i = 0; i < s->nnetdevs; i++) {
		const struct backend_cmd *bc = netdev_cmd(s->netdevs[i], "info usernet");

		if (bc != NULL) {
			n++;
			bc->run(s->netdevs[i], 1, argv, false, out, NULL);
		}
	}
	if (n == 0)
		fprintf(out, "no user netdevs\n");
}

/* The guest's kind is checked when the subcommand needs one. */
static const struct info_cmd {
	const char *word;
	enum info_arg arg;
	bool netns;             /* INFO_GUEST: a kind = netns guest, not a sim one */
	void (*all)(struct sim *s, FILE *out);                 /* INFO_NONE */
	void (*guest)(struct guest *gu, FILE *out);            /* INFO_GUEST */
	void (*bridge)(struct sim *s, struct bridge *b, FILE *out);  /* INFO_BRIDGE_OPT */
} info_cmds[] = {
	{ "network", INFO_NONE, false, info_network, NULL, NULL },
	{ "usernet", INFO_NONE, false, info_usernet_all, NULL, NULL },
	{ "ports", INFO_NONE, false, info_ports, NULL, NULL },
	{ "mac", INFO_BRIDGE_OPT, false, NULL, NULL, info_mac },
	{ "arp", INFO_GUEST, false, NULL, NULL, NULL },     /* info_arp: it needs the sim */
	{ "pings", INFO_GUEST, false, NULL, info_pings, NULL },
	{ "tcp", INFO_GUEST, false, NULL, tcp_info, NULL },
	{ "dhcp", INFO_GUEST, false, NULL, info_dhcp, NULL },
	{ "dns", INFO_GUEST, false, NULL, dns_info, NULL },
	{ "kernel", INFO_GUEST, true, NULL, kguest_info, NULL },
};

const char *cmd_info_word(size_t i)
{
	return i < ARRAY_SIZE(info_cmds) ? info_cmds[i].word : NULL;
}

bool cmd_info_takes_guest(const char *word)
{
	for (size_t i = 0; i < ARRAY_SIZE(info_cmds); i++)
		if (strcmp(info_cmds[i].word, word) == 0)
			return info_cmds[i].arg == INFO_GUEST;
	return false;
}

static int cmd_info(struct cmd_ctx *c, int argc, char **argv)
{
	const struct info_cmd *ic = NULL;
	char words[128] = "";

	for (size_t i = 0; i < ARRAY_SIZE(info_cmds); i++) {
		if (strcmp(argv[1], info_cmds[i].word) == 0)
			ic = &info_cmds[i];
		snprintf(words + strlen(words), sizeof(words) - strlen(words), "%s%s",
			 i ? ", " : "", info_cmds[i].word);
	}
	if (ic == NULL)
		return errf(c->err, "unknown info '%s' (%s)", argv[1], words);
	if (ic->arg == INFO_NONE) {
		if (argc != 2)
			return errf(c->err, "usage: info %s", ic->word);
		if (!c->check)
			ic->all(c->s, c->out);
	} else if (ic->arg == INFO_BRIDGE_OPT) {
		struct bridge *b = NULL;

		if (argc == 3 && (b = need_bridge(c, argv[2])) == NULL)
			return -1;
		if (!c->check)
			ic->bridge(c->s, b, c->out);
	} else {
		struct guest *gu;

		if (argc != 3)
			return errf(c->err, "usage: info %s GUEST", ic->word);
		if ((gu = need_guest(c, argv[2])) == NULL)
			return -1;
		if (ic->netns && gu->kern == NULL)
			return errf(c->err, "guest %s is a sim guest (info %s is for kind = netns)",
				    gu->node.name, ic->word);
		if (c->check)
			return 0;
		if (ic->guest != NULL)
			ic->guest(gu, c->out);
		else
			info_arp(c->s, gu, c->out);
	}
	return 0;
}

/* `exec GUEST COMMAND...`: the rest of the line, as written, for /bin/sh. */
static int cmd_exec_guest(struct cmd_ctx *c, int argc, char **argv)
{
	const char *p = c->line;
	struct guest *gu;

	(void)argc;
	if ((gu = need_guest(c, argv[1])) == NULL)
		return -1;
	if (gu->kern == NULL)
		return errf(c->err, "guest %s is a sim guest; exec runs commands in netns guests "
				    "(kind = netns)", gu->node.name);
	/* Past two words: "exec" and the guest (in either order). */
	for (int w = 0; w < 2; w++) {
		p += strspn(p, " \t");
		p += strcspn(p, " \t");
	}
	p += strspn(p, " \t");
	if (c->check)
		return 0;
	if (kguest_exec_add(gu, p, c->err) < 0)
		return -1;
	fprintf(c->out, "%s: exec[%d] queued: %s\n", gu->node.name, kguest_nexec(gu) - 1, p);
	return 0;
}

static int cmd_set_link(struct cmd_ctx *c, int argc, char **argv)
{
	struct port *p;
	bool up;

	(void)argc;
	if ((p = need_port(c, argv[1])) == NULL)
		return -1;
	if (parse_bool(argv[2], &up, c->err) < 0)
		return -1;
	if (!c->check) {
		port_set_link(p, up);
		fprintf(c->out, "%s: link %s\n", p->name, up ? "on" : "off");
	}
	return 0;
}

static void print_impair(struct cmd_ctx *c, struct port *from)
{
	struct port *to = port_peer(from);
	char buf[256];

	impair_format(&port_out_dir(from)->im, buf, sizeof(buf));
	fprintf(c->out, "%s -> %s: %s\n", from->name, to->name, buf[0] ? buf : "no impairments");
}

/* impair PORT [dir=out|in|both] KEY=VALUE... | clear */
static int cmd_impair(struct cmd_ctx *c, int argc, char **argv)
{
	struct impair im[2];
	struct port *p, *ends[2];
	int first = 2, dir = 2;      /* 0: out of PORT, 1: into PORT, 2: both */
	bool clear = false;

	if ((p = need_port(c, argv[1])) == NULL)
		return -1;
	if (p->link == NULL)
		return errf(c->err, "%s has no link", p->name);
	ends[0] = p;
	ends[1] = port_peer(p);
	im[0] = port_out_dir(ends[0])->im;
	im[1] = port_out_dir(ends[1])->im;
	if (argc > 2 && strncmp(argv[2], "dir=", 4) == 0) {
		const char *d = argv[2] + 4;

		if (strcmp(d, "out") == 0)
			dir = 0;
		else if (strcmp(d, "in") == 0)
			dir = 1;
		else if (strcmp(d, "both") != 0)
			return errf(c->err, "impair: dir=%s: use out, in or both", d);
		first = 3;
	}
	for (int i = first; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (strcmp(argv[i], "clear") == 0) {
			clear = true;
			continue;
		}
		if (eq == NULL)
			return errf(c->err, "impair: '%s' is not KEY=VALUE (or clear)", argv[i]);
		*eq = '\0';
		for (int d = 0; d < 2; d++) {
			if (dir != 2 && dir != d)
				continue;
			if (impair_set(&im[d], argv[i], eq + 1, c->err) < 0) {
				*eq = '=';
				return -1;
			}
		}
		*eq = '=';
	}
	if (clear)
		for (int d = 0; d < 2; d++)
			if (dir == 2 || dir == d)
				memset(&im[d], 0, sizeof(im[d]));
	if (c->check)
		return 0;
	for (int d = 0; d < 2; d++) {
		if (dir != 2 && dir != d)
			continue;
		link_dir_set_impair(port_out_dir(ends[d]), &im[d]);
	}
	for (int d = 0; d < 2; d++)
		print_impair(c, ends[d]);
	return 0;
}

static void flap_fire(void *arg)
{
	struct flap *f = arg;
	struct loop *l = f->sim->loop;

	if (!f->is_down) {
		port_set_link(f->port, false);
		f->is_down = true;
		loop_timer_arm(l, &f->timer, loop_now(l) + f->down);
		return;
	}
	port_set_link(f->port, true);
	f->is_down = false;
	if (!f->forever && --f->left == 0)
		return;
	loop_timer_arm(l, &f->timer, loop_now(l) + (f->period - f->down));
}

/* flap PORT period=T [down=T] [count=N] | flap PORT off */
static int cmd_flap(struct cmd_ctx *c, int argc, char **argv)
{
	static const char *const keys[] = { "period", "down", "count", NULL };
	char *vals[3] = { NULL, NULL, NULL };
	struct sim *s = c->s;
	struct port *p;
	struct flap *f = NULL;
	uint64_t period = 0, down, count = 0;

	if ((p = need_port(c, argv[1])) == NULL)
		return -1;
	for (int i = 0; i < s->nflaps; i++)
		if (s->flaps[i]->port == p)
			f = s->flaps[i];
	if (argc == 3 && strcmp(argv[2], "off") == 0) {
		if (!c->check && f != NULL && timer_armed(&f->timer)) {
			loop_timer_disarm(s->loop, &f->timer);
			if (f->is_down)
				port_set_link(p, true);
			f->is_down = false;
		}
		if (!c->check)
			fprintf(c->out, "%s: flapping stopped, link on\n", p->name);
		return 0;
	}
	if (opts(c, argc, argv, 2, keys, vals) < 0)
		return -1;
	if (vals[0] == NULL || parse_duration(vals[0], &period, c->err) < 0 || period == 0)
		return errf(c->err, "flap: period=T is needed and must be above 0");
	down = period / 2;
	if (vals[1] && parse_duration(vals[1], &down, c->err) < 0)
		return -1;
	if (down == 0 || down >= period)
		return errf(c->err, "flap: down must be above 0 and below the period");
	if (vals[2] && parse_u64(vals[2], 1, 1000000, &count, c->err) < 0)
		return -1;
	if (c->check)
		return 0;
	if (f == NULL) {
		f = xcalloc(1, sizeof(*f));
		f->sim = s;
		f->port = p;
		timer_init(&f->timer, flap_fire, f);
		s->flaps = xreallocarray(s->flaps, (size_t)s->nflaps + 1, sizeof(*s->flaps));
		s->flaps[s->nflaps++] = f;
	}
	if (f->is_down)
		port_set_link(p, true);
	f->period = period;
	f->down = down;
	f->left = (uint32_t)count;
	f->forever = count == 0;
	f->is_down = false;
	loop_timer_arm(s->loop, &f->timer, loop_now(s->loop));
	{
		char a[24], b[24];

		fprintf(c->out, "%s: flapping: down %s of every %s, %s\n", p->name,
			fmt_duration(down, a, sizeof(a)), fmt_duration(period, b, sizeof(b)),
			count ? "for the count given" : "until flap off");
	}
	return 0;
}

static int cmd_ping(struct cmd_ctx *c, int argc, char **argv)
{
	static const char *const keys[] = { "count", "interval", "size", NULL };
	char *vals[3] = { NULL, NULL, NULL };
	struct guest *gu;
	char ip[16];
	uint32_t dst;
	uint64_t count = 3, interval = NS_PER_SEC, size = 56;

	if ((gu = need_guest(c, argv[1])) == NULL)
		return -1;
	if (parse_ipv4(argv[2], &dst) < 0 || dst == 0)
		return errf(c->err, "ping: '%s' is not an IPv4 address", argv[2]);
	if (opts(c, argc, argv, 3, keys, vals) < 0)
		return -1;
	if (vals[0] && parse_u64(vals[0], 1, PING_MAX_COUNT, &count, c->err) < 0)
		return -1;
	if (vals[1] && parse_duration(vals[1], &interval, c->err) < 0)
		return -1;
	if (vals[1] && interval == 0)
		return errf(c->err, "ping: interval must be more than 0");
	if (vals[2] && parse_u64(vals[2], 0, PING_MAX_SIZE, &size, c->err) < 0)
		return -1;
	if (!(c->check ? guest_may_route(gu, dst) : guest_has_route(gu, dst)))
		return errf(c->err, "ping: %s has no route to %s (no NIC on that subnet, no gw)",
			    gu->node.name, argv[2]);
	if (c->check)
		return 0;
	if (guest_ping(gu, dst, (uint32_t)count, interval, (uint32_t)size, c->err) == NULL)
		return -1;
	/* As ping(8) starts; replies and statistics follow as events. */
	fprintf(c->out, "%s: PING %s (%s) %" PRIu64 "(%" PRIu64 ") bytes of data.\n", gu->node.name,
		argv[2], fmt_ipv4(dst, ip), size, size + 28);
	return 0;
}

static int cmd_udp(struct cmd_ctx *c, int argc, char **argv)
{
	static const char *const keys[] = { "count", "interval", "size", "sport", "data", NULL };
	char *vals[5] = { NULL };
	struct guest *gu;
	uint32_t dst;
	uint64_t count = 1, interval = NS_PER_SEC, size = 32, sport = 40000, dport;
	char addr[32], *colon;

	if ((gu = need_guest(c, argv[1])) == NULL)
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
	if (opts(c, argc, argv, 3, keys, vals) < 0)
		return -1;
	if (vals[0] && parse_u64(vals[0], 1, PING_MAX_COUNT, &count, c->err) < 0)
		return -1;
	if (vals[1] && parse_duration(vals[1], &interval, c->err) < 0)
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

/* A back-end's command, [NETDEV] ARGS: the named netdev, or the first
 * whose back-end answers it (hostfwd_add RULE, as QEMU's HMP). */
static int cmd_backend(struct cmd_ctx *c, int argc, char **argv)
{
	const struct backend_cmd *bc = NULL;
	struct netdev *nd = NULL;

	if (argc == 3) {
		nd = netdev_from_node(graph_find_node(c->s->g, argv[1]));
		if ((bc = netdev_cmd(nd, argv[0])) == NULL)
			return errf(c->err, "%s: no %s netdev named '%s'", argv[0],
				    backend_cmd_type(argv[0]), argv[1]);
		argv[1] = argv[0];
		argv++;
		argc--;
	} else {
		for (int i = 0; i < c->s->nnetdevs && bc == NULL; i++)
			if ((bc = netdev_cmd(c->s->netdevs[i], argv[0])) != NULL)
				nd = c->s->netdevs[i];
		if (bc == NULL)
			return errf(c->err, "%s: the topology has no %s netdev", argv[0],
				    backend_cmd_type(argv[0]));
	}
	return bc->run(nd, argc, argv, c->check, c->out, c->err);
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

static int cmd_tcp_connect(struct cmd_ctx *c, int argc, char **argv)
{
	static const char *const keys[] = { "sport", NULL };
	char *vals[1] = { NULL };
	struct guest *gu;
	uint32_t dst;
	uint64_t dport, sport = 0;
	int id;

	if ((gu = need_guest(c, argv[1])) == NULL)
		return -1;
	if (addr_port(c, "tcp_connect", argv[2], &dst, &dport) < 0)
		return -1;
	if (opts(c, argc, argv, 3, keys, vals) < 0)
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

static int cmd_tcp_send(struct cmd_ctx *c, int argc, char **argv)
{
	struct guest *gu;
	struct tcp_conn *t = NULL;
	uint64_t size = 0;
	bool sized;
	char *buf;
	uint32_t n;
	int rc;

	(void)argc;
	if ((gu = need_guest(c, argv[1])) == NULL)
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

static int cmd_tcp_close(struct cmd_ctx *c, int argc, char **argv)
{
	struct guest *gu;
	struct tcp_conn *t;

	(void)argc;
	if ((gu = need_guest(c, argv[1])) == NULL)
		return -1;
	if (need_conn(c, gu, argv[2], &t) < 0)
		return -1;
	if (c->check)
		return 0;
	return tcp_close(t, strcmp(argv[0], "tcp_abort") == 0, c->err);
}

static int cmd_tcp_listen(struct cmd_ctx *c, int argc, char **argv)
{
	struct guest *gu;
	uint64_t port;
	enum tcp_app app = TCP_APP_SINK;

	if ((gu = need_guest(c, argv[1])) == NULL)
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

static int cmd_resolve(struct cmd_ctx *c, int argc, char **argv)
{
	static const char *const keys[] = { "server", NULL };
	char *vals[1] = { NULL };
	struct guest *gu;
	uint32_t server = 0;
	uint64_t port = 53;

	if ((gu = need_guest(c, argv[1])) == NULL)
		return -1;
	if (opts(c, argc, argv, 3, keys, vals) < 0)
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

static int cmd_dhcp(struct cmd_ctx *c, int argc, char **argv)
{
	struct guest *gu;
	struct nic *nic = NULL;

	if ((gu = need_guest(c, argv[1])) == NULL)
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

static int parse_mac_vlan(struct cmd_ctx *c, const char *mac_s, const char *vlan_opt,
			  uint8_t mac[6], uint64_t *vid)
{
	*vid = BRIDGE_DEFAULT_VLAN;
	if (parse_mac(mac_s, mac) < 0)
		return errf(c->err, "'%s' is not a MAC address", mac_s);
	if (vlan_opt != NULL && parse_u64(vlan_opt, 1, 4094, vid, c->err) < 0)
		return -1;
	return 0;
}

static int cmd_mac_flush(struct cmd_ctx *c, int argc, char **argv)
{
	struct bridge *b;
	struct port *p = NULL;

	if ((b = need_bridge(c, argv[1])) == NULL)
		return -1;
	if (argc == 3) {
		if ((p = need_port(c, argv[2])) == NULL)
			return -1;
		if (p->node != &b->node)
			return errf(c->err, "%s is not a port of %s", p->name, b->node.name);
	}
	if (!c->check) {
		uint32_t n = fdb_flush(b->fdb, p ? p->index : -1, false);

		b->st.flushed += n;
		fprintf(c->out, "%s: flushed %u entries\n", b->node.name, n);
	}
	return 0;
}

static int cmd_mac_add(struct cmd_ctx *c, int argc, char **argv)
{
	static const char *const keys[] = { "vlan", NULL };
	char *vals[1] = { NULL };
	struct bridge *b;
	struct port *p;
	uint8_t mac[6];
	uint64_t vid;

	if ((b = need_bridge(c, argv[1])) == NULL || (p = need_port(c, argv[3])) == NULL)
		return -1;
	if (p->node != &b->node)
		return errf(c->err, "%s is not a port of %s", p->name, b->node.name);
	if (opts(c, argc, argv, 4, keys, vals) < 0 ||
	    parse_mac_vlan(c, argv[2], vals[0], mac, &vid) < 0)
		return -1;
	if (mac_is_multicast(mac) || mac_is_zero(mac))
		return errf(c->err, "%s is not a unicast MAC", argv[2]);
	if (c->check)
		return 0;
	if (fdb_add_static(b->fdb, mac_to_u64(mac), (uint16_t)vid, p->index) < 0)
		return errf(c->err, "%s: MAC table full", b->node.name);
	fprintf(c->out, "%s: static %s vlan %" PRIu64 " on %s\n", b->node.name, argv[2], vid,
		p->name);
	return 0;
}

static int cmd_mac_del(struct cmd_ctx *c, int argc, char **argv)
{
	static const char *const keys[] = { "vlan", NULL };
	char *vals[1] = { NULL };
	struct bridge *b;
	uint8_t mac[6];
	uint64_t vid;

	if ((b = need_bridge(c, argv[1])) == NULL)
		return -1;
	if (opts(c, argc, argv, 3, keys, vals) < 0 ||
	    parse_mac_vlan(c, argv[2], vals[0], mac, &vid) < 0)
		return -1;
	if (c->check)
		return 0;
	if (fdb_del(b->fdb, mac_to_u64(mac), (uint16_t)vid) < 0)
		return errf(c->err, "%s: no entry for %s in vlan %" PRIu64, b->node.name, argv[2],
			    vid);
	fprintf(c->out, "%s: removed %s vlan %" PRIu64 "\n", b->node.name, argv[2], vid);
	return 0;
}

static int cmd_capture(struct cmd_ctx *c, int argc, char **argv)
{
	struct port *p;
	char *filter = NULL;
	size_t flen = 0;
	int rc;

	if ((p = need_port(c, argv[1])) == NULL)
		return -1;
	for (int i = 3; i < argc; i++)
		flen += strlen(argv[i]) + 1;
	if (flen > 0) {
		filter = xcalloc(1, flen);
		for (int i = 3; i < argc; i++) {
			strcat(filter, argv[i]);
			if (i + 1 < argc)
				strcat(filter, " ");
		}
	}
	if (c->check) {
		/* Compile the filter now, so a typo is a load-time error. */
		rc = capture_start(c->s, NULL, argv[2], filter, c->err);
	} else {
		rc = capture_start(c->s, p, argv[2], filter, c->err);
		if (rc == 0)
			fprintf(c->out, "%s: capturing to %s%s%s\n", p->name, argv[2],
				filter ? " filter " : "", filter ? filter : "");
	}
	free(filter);
	return rc;
}

static int cmd_capture_stop(struct cmd_ctx *c, int argc, char **argv)
{
	struct port *p;

	(void)argc;
	if ((p = need_port(c, argv[1])) == NULL)
		return -1;
	if (c->check)
		return 0;
	{
		uint64_t n;

		if (capture_stop(c->s, p, &n, c->err) < 0)
			return -1;
		fprintf(c->out, "%s: capture stopped, %" PRIu64 " frames\n", p->name, n);
	}
	return 0;
}

static int cmd_expect(struct cmd_ctx *c, int argc, char **argv)
{
	char expr[SIM_MAX_LINE], actual[128];
	size_t off = 0;
	int r;

	expr[0] = '\0';
	for (int i = 1; i < argc; i++)
		off += (size_t)snprintf(expr + off, sizeof(expr) - MIN(off, sizeof(expr)), "%s%s%s%s",
					i > 1 ? " " : "", strchr(argv[i], ' ') ? "\"" : "",
					argv[i], strchr(argv[i], ' ') ? "\"" : "");
	actual[0] = '\0';
	r = expect_eval(c->s, expr, c->check, actual, sizeof(actual), c->err);
	if (r < 0)
		return -1;
	if (!c->check)
		fprintf(c->out, "expect %s: %s (actual %s)\n", expr, r ? "PASS" : "FAIL", actual);
	return r ? 0 : 1;
}

static int cmd_echo(struct cmd_ctx *c, int argc, char **argv)
{
	if (c->check)
		return 0;
	for (int i = 1; i < argc; i++)
		fprintf(c->out, "%s%s", i > 1 ? " " : "", argv[i]);
	fputc('\n', c->out);
	return 0;
}

static int cmd_quit(struct cmd_ctx *c, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (!c->check)
		loop_stop(c->s->loop);
	return 0;
}

static const struct cmd commands[] = {
	{ "help", 0, -1, false, "help", "lists the commands", cmd_help_fn },
	{ "exec", 2, -1, true, "exec GUEST COMMAND...",
	  "runs a shell command in a netns guest, after the ones before it", cmd_exec_guest },
	{ "info", 1, 2, false, "info network|usernet|ports|mac [BRIDGE]|arp|pings|tcp|dhcp|dns|kernel GUEST",
	  "shows hubs and their devices, NAT connections and leases, port counters, MAC "
	  "tables, ARP caches, ping results",
	  cmd_info },
	{ "hostfwd_add", 1, 2, false, "hostfwd_add [NETDEV] [tcp|udp]:[haddr]:hport-[gaddr]:gport",
	  "forwards a host port into a user netdev's network (QEMU hostfwd_add)", cmd_backend },
	{ "hostfwd_remove", 1, 2, false, "hostfwd_remove [NETDEV] [tcp|udp]:[haddr]:hport",
	  "removes a host forward (QEMU hostfwd_remove)", cmd_backend },
	{ "set_link", 2, 2, false, "set_link PORT on|off", "brings a port's link up or down (QEMU set_link)",
	  cmd_set_link },
	{ "impair", 1, -1, false, "impair PORT [dir=out|in|both] KEY=VALUE... | impair PORT clear",
	  "changes a link's impairments (delay, jitter, loss, burst_loss, rate, limit, duplicate, "
	  "corrupt, reorder); 0 removes one", cmd_impair },
	{ "flap", 2, -1, false, "flap PORT period=T [down=T] [count=N] | flap PORT off",
	  "takes a port's link down and up again every period", cmd_flap },
	{ "ping", 2, -1, true, "ping GUEST ADDRESS [count=3] [interval=1s] [size=56]",
	  "sends ICMP echo requests from a guest (also: GUEST ping ...)", cmd_ping },
	{ "udp", 2, -1, true, "udp GUEST ADDRESS:PORT [count=1] [interval=1s] [size=32] [sport=40000] [data=TEXT]",
	  "sends UDP datagrams; port 7 on a sim guest echoes them back", cmd_udp },
	{ "tcp_connect", 2, -1, true, "tcp_connect GUEST ADDRESS:PORT [sport=N]",
	  "opens a TCP connection from a guest; prints its id", cmd_tcp_connect },
	{ "tcp_send", 3, 3, true, "tcp_send GUEST ID TEXT|size=N", "sends on a guest's TCP connection (TEXT in quotes, with \\n escapes)",
	  cmd_tcp_send },
	{ "tcp_close", 2, 2, true, "tcp_close GUEST ID", "closes a TCP connection (FIN)", cmd_tcp_close },
	{ "tcp_abort", 2, 2, true, "tcp_abort GUEST ID", "resets a TCP connection (RST)", cmd_tcp_close },
	{ "tcp_listen", 2, 3, true, "tcp_listen GUEST PORT [sink|echo|discard]",
	  "accepts TCP connections on a port (7 echoes and 9 discards already)", cmd_tcp_listen },
	{ "resolve", 2, -1, true, "resolve GUEST NAME [server=ADDRESS[:PORT]]",
	  "looks up NAME's IPv4 address with the guest's DNS server", cmd_resolve },
	{ "dhcp", 2, 3, true, "dhcp GUEST renew|release|restart [NIC]",
	  "drives a guest's DHCP client", cmd_dhcp },
	{ "mac_flush", 1, 2, false, "mac_flush BRIDGE [PORT]", "removes learned MAC table entries",
	  cmd_mac_flush },
	{ "mac_add", 3, -1, false, "mac_add BRIDGE MAC PORT [vlan=1]", "adds a static MAC table entry",
	  cmd_mac_add },
	{ "mac_del", 2, -1, false, "mac_del BRIDGE MAC [vlan=1]", "removes a MAC table entry", cmd_mac_del },
	{ "capture", 2, -1, false, "capture PORT FILE [FILTER]",
	  "writes the port's frames to a pcap file; FILTER in tcpdump syntax", cmd_capture },
	{ "capture_stop", 1, 1, false, "capture_stop PORT", "closes the port's capture", cmd_capture_stop },
	{ "expect", 1, -1, false, "expect LHS OP VALUE", "checks a counter, ping result, MAC entry or link state (expect vm1.ping.received == 3)",
	  cmd_expect },
	{ "echo", 0, -1, false, "echo TEXT", "prints TEXT", cmd_echo },
	{ "quit", 0, 0, false, "quit", "ends the run", cmd_quit },
};

const char *cmd_name(size_t i)
{
	return i < ARRAY_SIZE(commands) ? commands[i].name : NULL;
}

const char *cmd_usage(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return commands[i].usage;
	return NULL;
}

void cmd_help(FILE *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "%-70s %s\n", commands[i].usage, commands[i].help);
}

static int cmd_help_fn(struct cmd_ctx *c, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (!c->check)
		cmd_help(c->out);
	return 0;
}

/* The i-th command whose first argument is a guest (the prompt completes
 * guest names after them). */
const char *cmd_guest_name(size_t i)
{
	for (size_t k = 0; k < ARRAY_SIZE(commands); k++)
		if (commands[k].guest_first && i-- == 0)
			return commands[k].name;
	return NULL;
}

bool cmd_takes_guest(const char *w)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (commands[i].guest_first && strcmp(w, commands[i].name) == 0)
			return true;
	return false;
}

int cmd_exec(struct sim *s, const char *line, FILE *out, bool check, char *err)
{
	char buf[SIM_MAX_LINE + 1];
	char *argv[MAX_ARGS];
	int argc;
	struct cmd_ctx c = { .s = s, .out = out, .check = check, .err = err, .line = line };

	if (strlen(line) > SIM_MAX_LINE)
		return errf(err, "command is too long");
	strcpy(buf, line);
	argc = split_words(buf, argv, MAX_ARGS);
	if (argc < 0)
		return errf(err, "too many arguments (at most %d)", MAX_ARGS);
	if (argc == 0)
		return errf(err, "empty command");
	/* "vm1 ping 10.0.0.2" is "ping vm1 10.0.0.2". */
	if (argc >= 2 && cmd_takes_guest(argv[1]) && cmd_usage(argv[0]) == NULL) {
		char *t = argv[0];

		if (sim_guest(s, argv[0]) == NULL)
			return errf(err, "no guest named '%s'", argv[0]);
		argv[0] = argv[1];
		argv[1] = t;
	}
	/* The sim stack's commands make no sense on the kernel's. */
	if (argc >= 2 && cmd_takes_guest(argv[0]) && strcmp(argv[0], "exec") != 0) {
		struct guest *gu = sim_guest(s, argv[1]);

		if (gu != NULL && gu->kern != NULL)
			return errf(err, "guest %s runs the Linux kernel's stack (kind = netns): "
					 "%s is for sim guests; use `exec %s COMMAND`, e.g. `exec %s "
					 "ping -c1 ADDRESS`", argv[1], argv[0], argv[1], argv[1]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(argv[0], commands[i].name) == 0) {
			int r;

			c.cmd = &commands[i];
			if (argc - 1 < c.cmd->min || (c.cmd->max >= 0 && argc - 1 > c.cmd->max))
				r = usage(&c);
			else
				r = c.cmd->fn(&c, argc, argv);

			if (r < 0 && !check)
				s->commands_failed++;
			return r < 0 ? -1 : r;
		}
	}
	return errf(err, "unknown command '%s' (help lists them)", argv[0]);
}

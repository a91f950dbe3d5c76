/*
 * The command language: scenario steps now, the TUI prompt and any control
 * socket later. QEMU monitor names where QEMU has them (info network,
 * set_link). One table; each command is one function that validates its
 * arguments fully before acting, so the same function checks a scenario at
 * load time (check = true) and runs it later.
 *
 * This file has the table and its dispatch (cmd_exec, help, the guest-first
 * form), the argument helpers every handler uses, info and its own table of
 * subcommands, the back-ends' commands and the run's own (expect, echo,
 * quit). The other handlers are one file per group: commands_guest.c (a
 * guest's stack), commands_link.c (a port and its link), commands_bridge.c
 * (a bridge's MAC table); commands_internal.h declares them.
 *
 * To add a command: write cmd_NAME in its group's file, declare it in
 * commands_internal.h, add one line to the table.
 */
#include "commands_internal.h"
#include "../core/util.h"
#include "../backends/user.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 32

/* One command, written once: its name, how many arguments it takes (after
 * the name; max -1: any), whether the first is a guest (then "GUEST cmd
 * ..." works too), the usage every error about its form prints, its help
 * line, and the handler. cmd_exec checks the count before the handler
 * runs, and answers a wrong one with usage(c). */
struct cmd {
	const char *name;
	int min, max;
	bool guest_first;
	const char *usage;
	const char *help;
	int (*fn)(struct cmd_ctx *c, int argc, char **argv);
};

/* "usage: ..." from the command's entry. */
static int usage(struct cmd_ctx *c)
{
	return errf(c->err, "usage: %s", c->cmd->usage);
}

struct port *cmd_need_port(struct cmd_ctx *c, const char *name)
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

struct guest *cmd_need_guest(struct cmd_ctx *c, const char *name)
{
	struct guest *gu = sim_guest(c->s, name);

	if (gu == NULL)
		errf(c->err, "no guest named '%s'", name);
	return gu;
}

struct bridge *cmd_need_bridge(struct cmd_ctx *c, const char *name)
{
	struct bridge *b = sim_bridge(c->s, name);

	if (b == NULL)
		errf(c->err, "no bridge named '%s'", name);
	return b;
}

/* Parses trailing key=value options against a list of allowed keys. */
int cmd_opts(struct cmd_ctx *c, int argc, char **argv, int from, const char *const *keys,
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

enum info_arg { INFO_NONE, INFO_GUEST, INFO_GUEST_OPT, INFO_BRIDGE_OPT };

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

/* Besides these, a kind of guest may have an info word of its own
 * (guest.h: info_word, "kernel"). */
static const struct info_cmd {
	const char *word;
	enum info_arg arg;
	void (*all)(struct sim *s, FILE *out);                 /* INFO_NONE */
	void (*guest)(struct guest *gu, FILE *out);            /* INFO_GUEST */
	void (*bridge)(struct sim *s, struct bridge *b, FILE *out);  /* INFO_BRIDGE_OPT */
	/* INFO_GUEST, or INFO_GUEST_OPT (gu NULL: none given): with the sim */
	void (*sim_guest)(struct sim *s, struct guest *gu, FILE *out);
} info_cmds[] = {
	{ "network", INFO_GUEST_OPT, NULL, NULL, NULL, info_network },
	{ "usernet", INFO_NONE, info_usernet_all, NULL, NULL, NULL },
	{ "ports", INFO_NONE, info_ports, NULL, NULL, NULL },
	{ "mac", INFO_BRIDGE_OPT, NULL, NULL, info_mac, NULL },
	{ "arp", INFO_GUEST, NULL, NULL, NULL, info_arp },
	{ "pings", INFO_GUEST, NULL, info_pings, NULL, NULL },
	{ "tcp", INFO_GUEST, NULL, tcp_info, NULL, NULL },
	{ "dhcp", INFO_GUEST, NULL, info_dhcp, NULL, NULL },
	{ "dns", INFO_GUEST, NULL, dns_info, NULL, NULL },
};

/* The kind of guest whose info word this is, or NULL. */
static const struct guest_kind *info_kind(const char *word)
{
	for (int i = 0; guest_kinds[i] != NULL; i++)
		if (guest_kinds[i]->info_word != NULL && strcmp(guest_kinds[i]->info_word, word) == 0)
			return guest_kinds[i];
	return NULL;
}

const char *cmd_info_word(size_t i)
{
	if (i < ARRAY_SIZE(info_cmds))
		return info_cmds[i].word;
	i -= ARRAY_SIZE(info_cmds);
	for (int k = 0; guest_kinds[k] != NULL; k++)
		if (guest_kinds[k]->info_word != NULL && i-- == 0)
			return guest_kinds[k]->info_word;
	return NULL;
}

bool cmd_info_takes_guest(const char *word)
{
	for (size_t i = 0; i < ARRAY_SIZE(info_cmds); i++)
		if (strcmp(info_cmds[i].word, word) == 0)
			return info_cmds[i].arg == INFO_GUEST || info_cmds[i].arg == INFO_GUEST_OPT;
	return info_kind(word) != NULL;
}

/* info WORD GUEST */
static int info_guest(struct cmd_ctx *c, const struct info_cmd *ic, const struct guest_kind *kind,
		      int argc, char **argv)
{
	struct guest *gu = NULL;
	bool opt = ic != NULL && ic->arg == INFO_GUEST_OPT;

	if (argc != 3 && !(opt && argc == 2))
		return errf(c->err, "usage: info %s %s", argv[1], opt ? "[GUEST]" : "GUEST");
	if (argc == 3 && (gu = cmd_need_guest(c, argv[2])) == NULL)
		return -1;
	if (kind != NULL && gu->kind != kind)
		return errf(c->err, "guest %s is a %s guest (info %s is for kind = %s)",
			    gu->node.name, gu->kind->name, argv[1], kind->name);
	if (c->check)
		return 0;
	if (kind != NULL)
		kind->info(gu, c->out);
	else if (ic->guest != NULL)
		ic->guest(gu, c->out);
	else
		ic->sim_guest(c->s, gu, c->out);
	return 0;
}

static int cmd_info(struct cmd_ctx *c, int argc, char **argv)
{
	const struct info_cmd *ic = NULL;
	const struct guest_kind *kind = info_kind(argv[1]);
	char words[160] = "";
	const char *w;

	for (size_t i = 0; (w = cmd_info_word(i)) != NULL; i++)
		snprintf(words + strlen(words), sizeof(words) - strlen(words), "%s%s",
			 i ? ", " : "", w);
	for (size_t i = 0; i < ARRAY_SIZE(info_cmds); i++)
		if (strcmp(argv[1], info_cmds[i].word) == 0)
			ic = &info_cmds[i];
	if (ic == NULL && kind == NULL)
		return errf(c->err, "unknown info '%s' (%s)", argv[1], words);
	if (kind != NULL || ic->arg == INFO_GUEST || ic->arg == INFO_GUEST_OPT)
		return info_guest(c, ic, kind, argc, argv);
	if (ic->arg == INFO_NONE) {
		if (argc != 2)
			return errf(c->err, "usage: info %s", ic->word);
		if (!c->check)
			ic->all(c->s, c->out);
	} else {
		struct bridge *b = NULL;

		if (argc == 3 && (b = cmd_need_bridge(c, argv[2])) == NULL)
			return -1;
		if (!c->check)
			ic->bridge(c->s, b, c->out);
	}
	return 0;
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
	{ "ping", 2, -1, true, "ping GUEST ADDRESS [count=3] [interval=1s] [size=56] [ttl=64]",
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
	{ "capture", 2, -1, false, "capture PORT FILE|FIFO|- [format=pcap|pcapng] [FILTER]",
	  "writes the port's frames to a pcap or pcapng file, a FIFO, or (-) the monitor client; FILTER in tcpdump syntax", cmd_capture },
	{ "capture_stop", 1, 1, false, "capture_stop PORT", "closes the port's capture", cmd_capture_stop },
	{ "expect", 1, -1, false, "expect LHS OP VALUE", "checks a counter, ping result, MAC entry or link state (expect vm1.ping.received == 3)",
	  cmd_expect },
	{ "echo", 0, -1, false, "echo TEXT", "prints TEXT", cmd_echo },
	{ "quit", 0, 0, false, "quit", "ends the run", cmd_quit },
	{ "pause", 0, 0, false, "pause", "stops the clock in the UI (a lesson's step; headless runs go on)",
	  cmd_pause },
	{ "say", 1, -1, false, "say TEXT...", "shows TEXT in a box in the UI, a line headless (lessons)",
	  cmd_say },
	{ "ask", 3, 3, false, "ask \"QUESTION\" choices=A,B,... answer=B",
	  "asks the class; keys 1 to 9 answer in the UI (lessons: docs/teaching.md)", cmd_ask },
};

const char *cmd_name(size_t i)
{
	return i < ARRAY_SIZE(commands) ? commands[i].name : NULL;
}

/* The table's entry for a command's name; NULL if none. A scenario of
 * 100,000 steps looks up 300,000 words: most differ in the first letter. */
static const struct cmd *find_command(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (commands[i].name[0] == name[0] && strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

const char *cmd_usage(const char *name)
{
	const struct cmd *cmd = find_command(name);

	return cmd != NULL ? cmd->usage : NULL;
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
	const struct cmd *cmd = find_command(w);

	return cmd != NULL && cmd->guest_first;
}

int cmd_exec(struct sim *s, const char *line, FILE *out, bool check, char *err)
{
	char buf[SIM_MAX_LINE + 1];
	char *argv[MAX_ARGS];
	int argc;
	struct cmd_ctx c = { .s = s, .out = out, .check = check, .err = err, .line = line };

	if (strlen(line) > SIM_MAX_LINE)
		return errf(err, "command is too long");
	/* A command may read any counter (graph_settle). */
	graph_settle(s->g, false);
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

		if (gu != NULL && !gu->kind->sim_stack)
			return errf(err, "guest %s runs %s (kind = %s): %s is for sim guests; use "
					 "`exec %s COMMAND`, e.g. `exec %s ping -c1 ADDRESS`", argv[1],
				    gu->kind->stack, gu->kind->name, argv[0], argv[1], argv[1]);
	}
	if ((c.cmd = find_command(argv[0])) != NULL) {
		int r;

		if (argc - 1 < c.cmd->min || (c.cmd->max >= 0 && argc - 1 > c.cmd->max))
			r = usage(&c);
		else
			r = c.cmd->fn(&c, argc, argv);
		if (r < 0 && !check)
			s->commands_failed++;
		return r < 0 ? -1 : r;
	}
	return errf(err, "unknown command '%s' (help lists them)", argv[0]);
}

/*
 * Inside the command language: what the table and dispatch (commands.c)
 * and the handlers, one file per group (commands_guest.c, commands_link.c,
 * commands_bridge.c), share. Not for use outside them; the rest of the
 * program sees sim.h's cmd_* only.
 */
#ifndef QNETSIM_COMMANDS_INTERNAL_H
#define QNETSIM_COMMANDS_INTERNAL_H

#include "sim.h"

#include <stdio.h>

struct cmd;

/* One command as it runs: where it writes, whether it only checks (at load
 * time) or acts, where its error goes. */
struct cmd_ctx {
	struct sim *s;
	FILE *out;
	bool check;
	char *err;
	const char *line;       /* the command as written */
	const struct cmd *cmd;  /* its entry */
};

/* The named port (a one-NIC guest's name stands for its NIC), guest or
 * bridge; NULL with the error in c->err if there is none. */
struct port *cmd_need_port(struct cmd_ctx *c, const char *name);
struct guest *cmd_need_guest(struct cmd_ctx *c, const char *name);
struct bridge *cmd_need_bridge(struct cmd_ctx *c, const char *name);

/* Parses argv[from..] as key=value options against keys (NULL-ended):
 * vals[k] gets keys[k]'s value. */
int cmd_opts(struct cmd_ctx *c, int argc, char **argv, int from, const char *const *keys,
	     char **vals);

/* The handlers, by group; each is one line of the table in commands.c. */

/* commands_guest.c */
int cmd_exec_guest(struct cmd_ctx *c, int argc, char **argv);
int cmd_ping(struct cmd_ctx *c, int argc, char **argv);
int cmd_udp(struct cmd_ctx *c, int argc, char **argv);
int cmd_tcp_connect(struct cmd_ctx *c, int argc, char **argv);
int cmd_tcp_send(struct cmd_ctx *c, int argc, char **argv);
int cmd_tcp_close(struct cmd_ctx *c, int argc, char **argv);
int cmd_tcp_listen(struct cmd_ctx *c, int argc, char **argv);
int cmd_resolve(struct cmd_ctx *c, int argc, char **argv);
int cmd_dhcp(struct cmd_ctx *c, int argc, char **argv);

/* commands_link.c */
int cmd_set_link(struct cmd_ctx *c, int argc, char **argv);
int cmd_impair(struct cmd_ctx *c, int argc, char **argv);
int cmd_flap(struct cmd_ctx *c, int argc, char **argv);
int cmd_capture(struct cmd_ctx *c, int argc, char **argv);
int cmd_capture_stop(struct cmd_ctx *c, int argc, char **argv);

/* commands_lesson.c */
int cmd_pause(struct cmd_ctx *c, int argc, char **argv);
int cmd_say(struct cmd_ctx *c, int argc, char **argv);
int cmd_ask(struct cmd_ctx *c, int argc, char **argv);

/* commands_bridge.c */
int cmd_mac_flush(struct cmd_ctx *c, int argc, char **argv);
int cmd_mac_add(struct cmd_ctx *c, int argc, char **argv);
int cmd_mac_del(struct cmd_ctx *c, int argc, char **argv);

#endif

/*
 * What the user netdev shows and answers beyond every netdev's: its values
 * for expectations (leases, lease[MAC]), QEMU's hostfwd_add and
 * hostfwd_remove, `info usernet`, and its lines in the UI's details. The
 * layers above reach these only through backend_ops (netdev.h).
 */
#include "user.h"
#include "../core/util.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

/* NETDEV.leases, NETDEV.lease[MAC]: the DHCP leases libslirp handed out. */
int user_value(struct netdev *nd, const char *name, struct value *v, char *err)
{
	struct usernet *u = U(nd);
	uint8_t mac[6];
	char a[16];
	int rc;

	if (strcmp(name, "leases") == 0) {
		value_num(v, u->nleases);
		return 1;
	}
	if ((rc = netdev_value_mac(nd, name, "lease", mac, err)) <= 0)
		return rc;
	value_str(v, "none");
	for (int i = 0; i < u->nleases; i++)
		if (memcmp(u->leases[i].mac, mac, 6) == 0)
			value_str(v, inet_ntop(AF_INET, &u->leases[i].ip, a, sizeof(a)));
	return 1;
}

/* hostfwd_add [NETDEV] RULE, hostfwd_remove [NETDEV] RULE (QEMU's HMP). */
static int cmd_hostfwd(struct netdev *nd, int argc, char **argv, bool check, FILE *out,
		       char *err)
{
	bool add = strcmp(argv[0], "hostfwd_add") == 0;
	const char *rule = argv[argc - 1];

	if (check) {
		struct user_hostfwd f;
		char e[ERRLEN];

		if ((add ? usernet_parse_hostfwd(rule, &f, e) :
			   usernet_parse_hostfwd_remove(rule, &f, e)) < 0)
			return errf(err, "%s: %s", argv[0], e);
		return 0;
	}
	return add ? usernet_hostfwd_add(U(nd), rule, out, err) :
		     usernet_hostfwd_remove(U(nd), rule, out, err);
}

static int cmd_info(struct netdev *nd, int argc, char **argv, bool check, FILE *out, char *err)
{
	(void)argc, (void)argv, (void)err;
	if (!check)
		usernet_info(U(nd), out);
	return 0;
}

const struct backend_cmd user_cmds[] = {
	{ "hostfwd_add", cmd_hostfwd },
	{ "hostfwd_remove", cmd_hostfwd },
	{ "info usernet", cmd_info },
	{ NULL, NULL },
};

/* The UI: forwards and leases. */
void user_lines(struct netdev *nd, struct detail_lines *o)
{
	struct usernet *u = U(nd);
	char ln[160];

	o->line(o, LINE_HEADING, " forwards");
	if (u->nhostfwds + u->nguestfwds == 0)
		o->line(o, LINE_DIM, "(none)");
	for (int i = 0; i < u->nhostfwds; i++) {
		snprintf(ln, sizeof(ln), "host %s", u->hostfwds[i].text);
		o->line(o, LINE_TEXT, ln);
	}
	for (int i = 0; i < u->nguestfwds; i++) {
		snprintf(ln, sizeof(ln), "guest %s", u->guestfwds[i].text);
		o->line(o, LINE_TEXT, ln);
	}
	o->line(o, LINE_HEADING, " DHCP leases");
	if (u->nleases == 0)
		o->line(o, LINE_DIM, "(none)");
	for (int i = 0; i < u->nleases; i++) {
		char m[18], ip4[16];

		snprintf(ln, sizeof(ln), "%s %s", fmt_mac(u->leases[i].mac, m),
			 inet_ntop(AF_INET, &u->leases[i].ip, ip4, sizeof(ip4)));
		o->line(o, LINE_TEXT, ln);
	}
}

/*
 * The commands on a bridge's MAC table: mac_flush, mac_add and mac_del.
 * Each validates its arguments fully before acting (commands.c says why).
 */
#include "commands_internal.h"
#include "../core/util.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

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

int cmd_mac_flush(struct cmd_ctx *c, int argc, char **argv)
{
	struct bridge *b;
	struct port *p = NULL;

	if ((b = cmd_need_bridge(c, argv[1])) == NULL)
		return -1;
	if (argc == 3) {
		if ((p = cmd_need_port(c, argv[2])) == NULL)
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

int cmd_mac_add(struct cmd_ctx *c, int argc, char **argv)
{
	static const char *const keys[] = { "vlan", NULL };
	char *vals[1] = { NULL };
	struct bridge *b;
	struct port *p;
	uint8_t mac[6];
	uint64_t vid;

	if ((b = cmd_need_bridge(c, argv[1])) == NULL || (p = cmd_need_port(c, argv[3])) == NULL)
		return -1;
	if (p->node != &b->node)
		return errf(c->err, "%s is not a port of %s", p->name, b->node.name);
	if (cmd_opts(c, argc, argv, 4, keys, vals) < 0 ||
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

int cmd_mac_del(struct cmd_ctx *c, int argc, char **argv)
{
	static const char *const keys[] = { "vlan", NULL };
	char *vals[1] = { NULL };
	struct bridge *b;
	uint8_t mac[6];
	uint64_t vid;

	if ((b = cmd_need_bridge(c, argv[1])) == NULL)
		return -1;
	if (cmd_opts(c, argc, argv, 3, keys, vals) < 0 ||
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

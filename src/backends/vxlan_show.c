/*
 * What type=vxlan shows: its counters (expectations, the report, info),
 * what it learned behind the tunnel, and how a QEMU VM joins it.
 */
#include "vxlan_internal.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- what it shows ------------------------------------------------------------ */

static const struct field vxlan_fields[] = {
	FIELD_U64(struct vxlan, "rx", vs.rx, FIELD_GOOD),
	FIELD_U64(struct vxlan, "tx_unicast", vs.tx_unicast, FIELD_GOOD),
	FIELD_U64(struct vxlan, "tx_flooded", vs.tx_flooded, FIELD_GOOD),
	FIELD_U64(struct vxlan, "learned", vs.learned, FIELD_GOOD),
	FIELD_U64(struct vxlan, "short_header", vs.short_header, 0),
	FIELD_U64(struct vxlan, "bad_flags", vs.bad_flags, 0),
	FIELD_U64(struct vxlan, "wrong_vni", vs.wrong_vni, 0),
	FIELD_U64(struct vxlan, "too_big", vs.too_big, 0),
	FIELD_U64(struct vxlan, "no_vtep", vs.no_vtep, 0),
	FIELD_U64(struct vxlan, "learn_full", vs.learn_full, 0),
};

const struct field_table vxlan_field_table = { vxlan_fields, ARRAY_SIZE(vxlan_fields) };

void vxlan_describe(struct netdev *nd, char *buf, size_t len)
{
	struct vxlan *v = VX(nd);

	if (nd->state != ND_OPEN) {
		netdev_describe_state(nd, buf, len);
		return;
	}
	snprintf(buf, len, "VNI %u on %s, flooding to %s", v->vni, nd->local_desc,
		 nd->remote_desc[0] ? nd->remote_desc : "nobody (learned VTEPs only)");
}

/* The live learned entries, sorted by MAC, into *e (the caller frees). */
static uint32_t vxlan_entries(struct vxlan *v, struct fdb_entry **e)
{
	*e = NULL;
	return v->fdb != NULL ? fdb_snapshot(v->fdb, loop_now(v->nd.loop), e) : 0;
}

static char *vtep_text(const struct vxlan *v, int32_t slot, char *buf, size_t len)
{
	if (slot < 0 || (uint32_t)slot >= v->nvteps)
		return strcpy(buf, "?");
	return sockaddr_format((const struct sockaddr_storage *)&v->vteps[slot],
			       sizeof(v->vteps[slot]), buf, len);
}

void vxlan_info(struct netdev *nd, FILE *out)
{
	struct vxlan *v = VX(nd);
	struct fdb_entry *e;
	uint32_t n = vxlan_entries(v, &e);
	uint64_t now = loop_now(nd->loop);
	char a[64], m[18];
	uint8_t mac[6];
	bool any = false;

	fprintf(out, "  vni %u, port %u, mtu %u, learning %s\n", v->vni, v->port, v->mtu,
		v->learning ? "on" : "off");
	for (size_t i = 0; i < ARRAY_SIZE(vxlan_fields); i++) {
		uint64_t x = field_u64(&vxlan_fields[i], v);

		if (x == 0)
			continue;
		fprintf(out, "%s %s=%" PRIu64, any ? "" : " ", vxlan_fields[i].name, x);
		any = true;
	}
	if (any)
		fputc('\n', out);
	fprintf(out, "  learned %u (at most %u):\n", n, v->maxaddress);
	for (uint32_t i = 0; i < n; i++) {
		u64_to_mac(fdb_key_mac(e[i].key), mac);
		fprintf(out, "    %s via %s, %.1fs ago\n", fmt_mac(mac, m), vtep_text(v, e[i].port, a,
			sizeof(a)), (double)(now - e[i].last_seen) / 1e9);
	}
	free(e);
}

void vxlan_report(struct netdev *nd, struct json_t *obj)
{
	struct vxlan *v = VX(nd);
	struct fdb_entry *e;
	uint32_t n = vxlan_entries(v, &e);
	json_t *fdb = json_array(), *vx = json_object();
	char a[64], m[18];
	uint8_t mac[6];

	json_object_set_new(vx, "vni", json_integer(v->vni));
	json_object_set_new(vx, "port", json_integer(v->port));
	json_object_set_new(vx, "mtu", json_integer(v->mtu));
	fields_json(vx, &vxlan_field_table, v);
	for (uint32_t i = 0; i < n; i++) {
		json_t *o = json_object();

		u64_to_mac(fdb_key_mac(e[i].key), mac);
		json_object_set_new(o, "mac", json_string(fmt_mac(mac, m)));
		json_object_set_new(o, "vtep", json_string(vtep_text(v, e[i].port, a, sizeof(a))));
		json_array_append_new(fdb, o);
	}
	free(e);
	json_object_set_new(vx, "fdb", fdb);
	json_object_set_new(obj, "vxlan", vx);
}

/* NETDEV.fdb (entries) and NETDEV.fdb[MAC] (its VTEP, or "none"); the
 * counters above are the table's. */
int vxlan_value(struct netdev *nd, const char *name, struct value *val, char *err)
{
	struct vxlan *v = VX(nd);
	uint64_t now = loop_now(nd->loop);
	struct fdb_entry e;
	uint8_t mac[6];
	char a[64];
	int rc;

	if (strcmp(name, "fdb") == 0) {
		value_num(val, v->fdb != NULL ? fdb_count(v->fdb) : 0);
		return 1;
	}
	if ((rc = netdev_value_mac(nd, name, "fdb", mac, err)) <= 0)
		return rc;
	value_str(val, "none");
	if (v->fdb != NULL && fdb_get(v->fdb, mac_to_u64(mac), 0, now, &e))
		value_str(val, vtep_text(v, e.port, a, sizeof(a)));
	return 1;
}

void vxlan_lines(struct netdev *nd, struct detail_lines *o)
{
	struct vxlan *v = VX(nd);
	struct fdb_entry *e;
	uint32_t n = vxlan_entries(v, &e);
	char ln[160], a[64], m[18];
	uint8_t mac[6];

	o->line(o, LINE_HEADING, " learned behind the tunnel");
	if (n == 0)
		o->line(o, LINE_DIM, "(none)");
	for (uint32_t i = 0; i < n; i++) {
		u64_to_mac(fdb_key_mac(e[i].key), mac);
		snprintf(ln, sizeof(ln), "%s via %s", fmt_mac(mac, m), vtep_text(v, e[i].port, a,
			 sizeof(a)));
		o->line(o, LINE_TEXT, ln);
	}
	free(e);
}

/* A QEMU VM joins a group through vdeplug4's vxvde plug-in (QEMU's vde
 * back-end takes its URLs), which listens on the port it sends from;
 * QEMU itself has no VXLAN back-end. */
int vxlan_qemu_peer(struct netdev *nd, char *buf, size_t len)
{
	struct vxlan *v = VX(nd);
	char g[INET_ADDRSTRLEN];

	if (v->group.sin_family == 0 || !v->learn_source_port)
		return errf(buf, "QEMU has no VXLAN back-end; with group = and learned_port = "
			    "source, a VM joins through vdeplug4 (-netdev vde,sock=vxvde://GROUP/...)");
	inet_ntop(AF_INET, &v->group.sin_addr, g, sizeof(g));
	snprintf(buf, len, "vde,sock=vxvde://%s/port=%u/vni=%u", g, v->port, v->vni);
	return 0;
}


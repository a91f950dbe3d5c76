/*
 * Serving the classic VDE protocol from a hub or bridge; see vdeserver.h.
 * Here: the vde* keys and the extension's ops (check, free, describe, the
 * values and the report). The control socket, the handshake and the pending
 * slots are vdectl.c's; the clients' ports and their data path vdeport.c's.
 */
#include "vdeserver_internal.h"
#include "../core/bridge.h"
#include "../core/field.h"
#include "../core/hub.h"
#include "../core/util.h"

#include <grp.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define VDE_DEFAULT_PORTS 32
#define VDE_MAX_PORTS 1024
#define VDE_DEFAULT_QUEUE 1024u

static const struct node_ext_ops vdeserver_ext;

struct vdeserver *vdeserver_of(const struct node *owner)
{
	struct node_ext *x = node_ext_find(owner, &vdeserver_ext);

	return x != NULL ? container_of(x, struct vdeserver, x) : NULL;
}

int vdeserver_key(struct node *owner, const char *key, const char *val, int line, char *err)
{
	struct vdeserver *v;
	char e[ERRLEN];
	uint64_t num;

	if (strcmp(key, "vde") != 0 && strncmp(key, "vde_", 4) != 0)
		return 0;
	if (hub_from_node(owner) == NULL && bridge_from_node(owner) == NULL)
		return 0;
	v = vdeserver_of(owner);
	if (v == NULL) {
		v = xcalloc(1, sizeof(*v));
		v->x.ops = &vdeserver_ext;
		node_ext_add(owner, &v->x, line);
		v->loop = owner->g->loop;
		v->mode = 0600;
		v->maxports = VDE_DEFAULT_PORTS;
		v->queue = VDE_DEFAULT_QUEUE;
		v->lfd = -1;
	}
	if (strcmp(key, "vde") == 0) {
		if (val[0] == '\0')
			return errf(err, "vde: needs a directory (the switch's, as vde_switch -s)");
		free(v->dir);
		v->dir = path_beside(owner->g->source, val);
		if (strlen(v->dir) + 16 >= sizeof(v->ctl_path))
			return errf(err, "vde: '%s' is too long for a unix socket path (at most "
					 "%zu bytes)", v->dir, sizeof(v->ctl_path) - 17);
		v->x.line = line;
	} else if (strcmp(key, "vde_mode") == 0) {
		char *end;
		unsigned long m = strtoul(val, &end, 8);

		if (val[0] == '\0' || *end != '\0' || m > 0777 || (m & 0600) != 0600)
			return errf(err, "vde_mode: '%s' is not an octal mode that gives the owner "
					 "rw (like 0600, 0660 or 0666)", val);
		v->mode = (mode_t)m;
	} else if (strcmp(key, "vde_group") == 0) {
		struct group *gr = getgrnam(val);

		if (gr == NULL) {
			if (parse_u64(val, 0, 0x7fffffff, &num, NULL) < 0)
				return errf(err, "vde_group: no group '%s' on this host", val);
			v->gid = (gid_t)num;
		} else {
			v->gid = gr->gr_gid;
		}
		v->have_gid = true;
	} else if (strcmp(key, "vde_ports") == 0) {
		if (parse_u64(val, 1, VDE_MAX_PORTS, &num, e) < 0)
			return errf(err, "vde_ports: %s", e);
		v->maxports = (int)num;
	} else if (strcmp(key, "vde_queue") == 0) {
		if (parse_u64(val, 1, 65536, &num, e) < 0)
			return errf(err, "vde_queue: %s", e);
		v->queue = (uint32_t)num;
	} else {
		return errf(err, "unknown key '%s' (the VDE server's keys: vde, vde_mode, "
				 "vde_group, vde_ports, vde_queue)", key);
	}
	return 1;
}

static int vdeserver_check(struct node_ext *x, int *line, char *err)
{
	struct vdeserver *v = container_of(x, struct vdeserver, x);

	*line = v->x.line;
	if (v->dir == NULL)
		return errf(err, "vde_* keys need vde = DIRECTORY (where the switch is served)");
	return 0;
}

static void vdeserver_free(struct node_ext *x)
{
	struct vdeserver *v = container_of(x, struct vdeserver, x);

	vdeserver_close(x);
	/* The port netdevs are graph nodes; they go with the graph. */
	for (int i = 1; v->ports != NULL && i <= v->maxports; i++)
		if (v->ports[i] != NULL)
			v->ports[i]->v = NULL;
	free(v->ports);
	free(v->dir);
	free(v);
}

static void vdeserver_describe(struct node_ext *x, char *buf, size_t len)
{
	struct vdeserver *v = container_of(x, struct vdeserver, x);

	snprintf(buf, len, "serving VDE at %s: %d client%s (most %d), %" PRIu64 " connects, %"
		 PRIu64 " refused", v->dir, v->clients, v->clients == 1 ? "" : "s", v->maxports,
		 v->connects, v->refused);
}

static void get_clients(const void *obj, struct value *val)
{
	value_num(val, ((const struct vdeserver *)obj)->clients);
}

/* The switch's values: br0.vde.NAME, the report's "vde" object. */
static const struct field vdeserver_fields[] = {
	FIELD_FN("clients", get_clients, 0),
	FIELD_U64(struct vdeserver, "connects", connects, 0),
	FIELD_U64(struct vdeserver, "disconnects", disconnects, 0),
	FIELD_U64(struct vdeserver, "refused", refused, 0),
	FIELD_U64(struct vdeserver, "bad_requests", bad_requests, 0),
	FIELD_U64(struct vdeserver, "silent", silent, 0),
	FIELD_U64(struct vdeserver, "limited", limited, 0),
	FIELD_U64(struct vdeserver, "pauses", pauses, 0),
};

int vdeserver_counter(const struct vdeserver *v, const char *name, uint64_t *out)
{
	const struct field *f = field_find(vdeserver_fields, ARRAY_SIZE(vdeserver_fields), name);
	struct value val;

	if (f == NULL)
		return -1;
	field_get(f, v, &val);
	*out = (uint64_t)val.num;
	return 0;
}

int vdeserver_port_field(const struct vdeserver *v, const char *f, char *buf, size_t len)
{
	const struct vdeport *p;
	char *end;
	long num = strtol(f + 1, &end, 10);

	if (f[0] != '[' || end == f + 1 || *end != ']' || end[1] != '.' || num < 1)
		return -1;
	f = end + 2;
	p = v->ports != NULL && num <= v->maxports ? v->ports[num] : NULL;
	if (strcmp(f, "state") == 0)
		snprintf(buf, len, "%s", p == NULL ? "none" : p->ctlfd >= 0 ? "connected" : "free");
	else if (strcmp(f, "client") == 0)
		snprintf(buf, len, "%s", p == NULL || p->ctlfd < 0 ? "none" : p->descr);
	else if (strcmp(f, "rx_frames") == 0)
		snprintf(buf, len, "%" PRIu64, p == NULL ? 0 : p->nd.port->st.tx_frames);
	else if (strcmp(f, "tx_frames") == 0)
		snprintf(buf, len, "%" PRIu64, p == NULL ? 0 : p->nd.port->st.rx_frames);
	else
		return -1;
	return 0;
}

static void vdeserver_report(struct node_ext *x, json_t *obj)
{
	struct vdeserver *v = container_of(x, struct vdeserver, x);
	json_t *o = json_object();

	json_object_set_new(o, "dir", json_string(v->dir));
	json_object_set_new(o, "mode", json_integer(v->mode));
	json_object_set_new(o, "max_ports", json_integer(v->maxports));
	for (size_t i = 0; i < ARRAY_SIZE(vdeserver_fields); i++) {
		struct value val;

		field_get(&vdeserver_fields[i], v, &val);
		json_object_set_new(o, vdeserver_fields[i].name, json_integer((json_int_t)val.num));
	}
	json_object_set_new(obj, "vde", o);
}

/* NODE.vde.COUNTER and NODE.vde[N].state|client|rx_frames|tx_frames. */
static int vdeserver_value(struct node_ext *x, const char *name, bool check, struct value *val,
			   char *err)
{
	struct vdeserver *v = container_of(x, struct vdeserver, x);
	char b[160], names[256];

	if (name[0] == '.') {
		const struct field *f = field_find(vdeserver_fields, ARRAY_SIZE(vdeserver_fields),
						   name + 1);

		if (f == NULL) {
			field_names(vdeserver_fields, ARRAY_SIZE(vdeserver_fields), names,
				    sizeof(names));
			return errf(err, "unknown VDE value '%s' (%s)", name + 1, names);
		}
		if (check)
			value_num(val, 0);
		else
			field_get(f, v, val);
		return 0;
	}
	if (vdeserver_port_field(v, name, b, sizeof(b)) < 0)
		return errf(err, "expected %s.vde[PORT].state|client|rx_frames|tx_frames",
			    v->x.owner->name);
	if (check)
		value_str(val, "none");
	else if (b[0] >= '0' && b[0] <= '9')
		value_num(val, atof(b));
	else
		value_str(val, b);
	return 0;
}

/* A VM joins the switch served here as vde_switch's clients do. */
static int vdeserver_qemu_peer(struct node_ext *x, char *buf, size_t len)
{
	struct vdeserver *v = container_of(x, struct vdeserver, x);

	if (strchr(v->dir, ',') != NULL)
		return errf(buf, "its directory's name has a comma, which a -netdev value cannot hold");
	snprintf(buf, len, "vde,sock=%s", v->dir);
	return 0;
}

static const struct node_ext_ops vdeserver_ext = {
	.name = "vde",
	.check = vdeserver_check,
	.open = vdeserver_open,
	.close = vdeserver_close,
	.free = vdeserver_free,
	.describe = vdeserver_describe,
	.report = vdeserver_report,
	.value = vdeserver_value,
	.qemu_peer = vdeserver_qemu_peer,
};

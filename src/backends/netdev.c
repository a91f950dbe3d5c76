/*
 * The netdev node: one port toward the topology, a backend toward the
 * outside. The backend table maps QEMU's type= names to the files that
 * read their options; the socket family shares its I/O in sockio.c.
 */
#include "netdev.h"
#include "vdeserver.h"
#include "../core/util.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern const struct backend_ops backend_socket;
extern const struct backend_ops backend_stream;
extern const struct backend_ops backend_dgram;
extern const struct backend_ops backend_user;
extern const struct backend_ops backend_vde;
extern const struct backend_ops backend_tap;
extern const struct backend_ops backend_bridge;
extern const struct backend_ops backend_hubport;
extern const struct backend_ops backend_passt;
extern const struct backend_ops backend_vxlan;

static const struct backend_ops *const backend_table[] = {
	&backend_socket,
	&backend_stream,
	&backend_dgram,
	&backend_user,
	&backend_vde,
	&backend_tap,
	&backend_bridge,
	&backend_hubport,
	&backend_passt,
	&backend_vxlan,
};

const struct backend_ops *backend_find(const char *type)
{
	for (size_t i = 0; i < ARRAY_SIZE(backend_table); i++)
		if (strcmp(backend_table[i]->type, type) == 0)
			return backend_table[i];
	return NULL;
}

/* What a hub or bridge section can attach (a served VDE switch), one line
 * each: the prefix of its values, the keys that make it, and what a node
 * without it lacks. */
static const struct {
	const char *prefix;
	int (*key)(struct node *owner, const char *key, const char *val, int line, char *err);
	const char *missing;
} node_ext_table[] = {
	{ "vde", vdeserver_key, "serves no VDE switch (vde = DIR)" },
};

int backend_node_key(struct node *owner, const char *key, const char *val, int line, char *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(node_ext_table); i++) {
		int rc = node_ext_table[i].key(owner, key, val, line, err);

		if (rc != 0)
			return rc;
	}
	return 0;
}

const char *backend_node_ext_missing(const char *prefix)
{
	for (size_t i = 0; i < ARRAY_SIZE(node_ext_table); i++)
		if (strcmp(node_ext_table[i].prefix, prefix) == 0)
			return node_ext_table[i].missing;
	return NULL;
}

const char *backend_cmd_type(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(backend_table); i++)
		for (const struct backend_cmd *c = backend_table[i]->cmds; c && c->name; c++)
			if (strcmp(c->name, name) == 0)
				return backend_table[i]->type;
	return "?";
}

const char *backend_names(void)
{
	static char names[256];

	if (names[0] == '\0') {
		size_t off = 0;

		for (size_t i = 0; i < ARRAY_SIZE(backend_table) && off < sizeof(names); i++)
			off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s",
						i ? ", " : "", backend_table[i]->type);
	}
	return names;
}

void backend_opt_names(const struct backend_ops *ops, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (const struct backend_opt *o = ops->opts; o != NULL && o->name != NULL && off < len;
	     o++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", o == ops->opts ? "" : ", ",
					o->name);
}

const char *netdev_state_name(enum netdev_state st)
{
	static const char *const names[] = {
		[ND_CLOSED] = "closed", [ND_LISTENING] = "listening",
		[ND_CONNECTING] = "connecting", [ND_CONNECTED] = "connected",
		[ND_RECONNECTING] = "reconnecting", [ND_OPEN] = "open",
		[ND_ERROR] = "error",
	};

	return (size_t)st < ARRAY_SIZE(names) ? names[st] : "?";
}

static void netdev_input(struct node *n, struct port *in, struct frame *f)
{
	struct netdev *nd = container_of(n, struct netdev, node);

	if (nd->ops->input != NULL)
		nd->ops->input(nd, in, f);
	else
		nd->ops->output(nd, f);
}

void netdev_set_state(struct netdev *nd, enum netdev_state st)
{
	nd->state = st;
	nd->since = loop_now(nd->loop);
}

void netdev_enter(struct netdev *nd, struct frame *f)
{
	nd->last_rx = loop_now(nd->loop);
	netdev_mac_check(nd, f);
	trace_record(nd->node.g, nd->port, f, DEC_SENT, 0, 0, true);
	port_tx(nd->port, f);
}

void netdev_rx_bytes(struct netdev *nd, const void *buf, size_t n)
{
	struct frame *f;

	if (n > FRAME_MAX) {
		nd->st.oversize++;
		port_count_drop(nd->port, DROP_OVERSIZE);
		return;
	}
	if (n < ETH_HLEN) {
		nd->st.runts++;
		port_count_drop(nd->port, DROP_RUNT);
		return;
	}
	f = frame_from_bytes(nd->node.g->pool, buf, (uint32_t)n);
	if (f == NULL) {
		port_count_drop(nd->port, DROP_NO_BUFFER);
		return;
	}
	netdev_enter(nd, f);
}

void netdev_tx_done(struct netdev *nd, struct frame *f, int e)
{
	if (e == 0) {
		if (nd->error[0] != '\0') {
			netdev_event(nd, "sending to %s works again", nd->remote_desc);
			nd->error[0] = '\0';
		}
		trace_record(nd->node.g, nd->port, f, DEC_DELIVERED, 0, 0, false);
		frame_unref(f);
		return;
	}
	if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS) {
		port_drop_dir(nd->port, f, DROP_PEER_BACKLOG, false);
		return;
	}
	nd->st.send_errors++;
	if (strcmp(nd->error, strerror(e)) != 0) {
		snprintf(nd->error, sizeof(nd->error), "%s", strerror(e));
		netdev_event(nd, "cannot send to %s: %s", nd->remote_desc, strerror(e));
	}
	port_drop_dir(nd->port, f, DROP_PEER_ERROR, false);
}

const uint8_t *netdev_padded(const struct frame *f, uint8_t pad[ETH_MIN_LEN], size_t *len)
{
	if (f->len >= ETH_MIN_LEN) {
		*len = f->len;
		return f->data;
	}
	memcpy(pad, f->data, f->len);
	memset(pad + f->len, 0, ETH_MIN_LEN - f->len);
	*len = ETH_MIN_LEN;
	return pad;
}

static void netdev_destroy(struct node *n)
{
	struct netdev *nd = container_of(n, struct netdev, node);

	netdev_close(nd);
	if (nd->ops != NULL && nd->ops->free != NULL)
		nd->ops->free(nd);
	netdev_mac_free(nd);
	free(nd->options);
	free(nd);
}

static void netdev_node_describe(struct node *n, char *buf, size_t len)
{
	netdev_describe(container_of(n, struct netdev, node), buf, len);
}

static const struct node_ops netdev_ops = {
	.kind = "netdev",
	.input = netdev_input,
	.destroy = netdev_destroy,
	.describe = netdev_node_describe,
};

struct netdev *netdev_new(struct graph *g, const struct backend_ops *ops, const char *name,
			  int line)
{
	size_t size = ops != NULL && ops->size > 0 ? ops->size : sizeof(struct netdev);
	struct netdev *nd;

	assert(size >= sizeof(struct netdev));
	nd = xcalloc(1, size);
	node_init(&nd->node, g, &netdev_ops, name, line);
	nd->ops = ops;
	nd->loop = g->loop;
	nd->vlan = -1;
	nd->queue = NETDEV_QUEUE_DEFAULT;
	nd->reconnect = NETDEV_RECONNECT_DEFAULT;
	timer_init(&nd->timer, NULL, NULL);
	/* One port; speed 0: the other end of the link sets the pace. */
	nd->port = port_new(&nd->node, "0", 0, 1000);
	if (ops != NULL && ops->init != NULL)
		ops->init(nd);
	return nd;
}

/* Back to the state netdev_new left, so the backend can configure again. */
static void netdev_unconfigure(struct netdev *nd)
{
	if (nd->ops->free != NULL)
		nd->ops->free(nd);
	if (nd->ops->size > sizeof(*nd))
		memset((char *)nd + sizeof(*nd), 0, nd->ops->size - sizeof(*nd));
	nd->queue = NETDEV_QUEUE_DEFAULT;
	nd->reconnect = NETDEV_RECONNECT_DEFAULT;
	nd->local_desc[0] = nd->remote_desc[0] = '\0';
	nd->tuned_reconnect = nd->tuned_queue = false;
	if (nd->ops->init != NULL)
		nd->ops->init(nd);
}

static const struct backend_opt *opt_find(const struct backend_ops *ops, const char *key)
{
	for (const struct backend_opt *o = ops->opts; o != NULL && o->name != NULL; o++)
		if (strcmp(o->name, key) == 0)
			return o;
	return NULL;
}

bool backend_takes(const struct backend_ops *ops, const char *key)
{
	return ops != NULL && opt_find(ops, key) != NULL;
}

/* The keys the back-end declares, each once unless it may repeat: the
 * others are reported and left out before it configures. */
static int check_keys(struct netdev *nd, struct netdev_opt *w, int *nw,
		      void (*report)(void *arg, int line, const char *msg), void *arg)
{
	char msg[ERRLEN + 600], names[600];
	int nerr = 0, keep = 0;

	for (int i = 0; i < *nw; i++) {
		const struct backend_opt *o = opt_find(nd->ops, w[i].key);
		int first = -1;

		for (int m = 0; m < i && o != NULL && !o->many && first < 0; m++)
			if (strcmp(w[m].key, w[i].key) == 0)
				first = m;
		if (o == NULL) {
			backend_opt_names(nd->ops, names, sizeof(names));
			snprintf(msg, sizeof(msg), "%s: unknown option '%s' (known: %s)",
				 nd->ops->type, w[i].key, names);
		} else if (first >= 0) {
			snprintf(msg, sizeof(msg), "%s: given twice (first at line %d)", w[i].key,
				 w[first].line);
		} else {
			w[keep++] = w[i];
			continue;
		}
		report(arg, w[i].line, msg);
		nerr++;
	}
	*nw = keep;
	return nerr;
}

int netdev_configure(struct netdev *nd, const struct netdev_opt *o, int n,
		     void (*report)(void *arg, int line, const char *msg), void *arg)
{
	struct netdev_opt *w = xreallocarray(NULL, (size_t)(n > 0 ? n : 1), sizeof(*w));
	char err[ERRLEN];
	int nw = n, nerr, line, i;

	if (n > 0)
		memcpy(w, o, (size_t)n * sizeof(*w));
	nerr = check_keys(nd, w, &nw, report, arg);
	for (;;) {
		line = nd->node.line;
		if (nd->ops->configure(nd, w, nw, &line, err) == 0)
			break;
		for (i = 0; i < nw && w[i].line != line; i++)
			;
		/* A whole-section error after a removed option is likely that
		 * option's echo ("needs listen=" once listen= was bad): keep quiet. */
		if (i < nw || nerr == 0) {
			report(arg, line, err);
			nerr++;
		}
		if (i == nw)
			break;
		memmove(&w[i], &w[i + 1], (size_t)(nw - i - 1) * sizeof(*w));
		nw--;
		netdev_unconfigure(nd);
	}
	free(w);
	return nerr;
}

struct netdev *netdev_from_node(struct node *n)
{
	return n != NULL && n->ops == &netdev_ops ? container_of(n, struct netdev, node) : NULL;
}

int netdev_attach(struct netdev *nd, char *err)
{
	return nd->ops->attach != NULL ? nd->ops->attach(nd, err) : 0;
}

bool netdev_is_real(const struct netdev *nd)
{
	return nd->ops == NULL || !nd->ops->internal;
}

int netdev_open(struct netdev *nd, char *err)
{
	return nd->ops->open != NULL ? nd->ops->open(nd, err) : 0;
}

void netdev_close(struct netdev *nd)
{
	if (nd->ops != NULL && nd->ops->close != NULL)
		nd->ops->close(nd);
}

const char *netdev_peer(struct netdev *nd)
{
	if (nd->last_from_len > 0)
		sockaddr_format(&nd->last_from, nd->last_from_len, nd->peer, sizeof(nd->peer));
	return nd->peer;
}

void netdev_describe(struct netdev *nd, char *buf, size_t len)
{
	if (nd->ops != NULL && nd->ops->describe != NULL)
		nd->ops->describe(nd, buf, len);
	else
		netdev_describe_state(nd, buf, len);
}

void netdev_describe_state(struct netdev *nd, char *buf, size_t len)
{
	const char *st = netdev_state_name(nd->state);

	switch (nd->state) {
	case ND_LISTENING:
		snprintf(buf, len, "%s on %s", st, nd->local_desc);
		break;
	case ND_CONNECTING:
		snprintf(buf, len, "%s to %s", st, nd->remote_desc);
		break;
	case ND_CONNECTED:
		snprintf(buf, len, "%s to %s", st, nd->peer);
		break;
	case ND_RECONNECTING:
		snprintf(buf, len, "%s to %s (%s)", st, nd->remote_desc, nd->error);
		break;
	case ND_OPEN:
		snprintf(buf, len, "%s: %s -> %s", st, nd->local_desc, nd->remote_desc);
		break;
	case ND_ERROR:
		snprintf(buf, len, "%s: %s", st, nd->error);
		break;
	default:
		snprintf(buf, len, "%s", st);
		break;
	}
}

void netdev_event(struct netdev *nd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	graph_eventv(nd->node.g, "netdev", nd->node.name, fmt, ap);
	va_end(ap);
}

/* ---- addresses ------------------------------------------------------------ */

int sockaddr_resolve(const char *host, const char *port, int family, struct sockaddr_storage *ss,
		     socklen_t *len, char *err)
{
	struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	int rc;

	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0 || res == NULL)
		return errf(err, "cannot resolve '%s': %s", host,
			    rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int sockaddr_parse_inet4(const char *s, const char *default_host, struct sockaddr_storage *ss,
			 socklen_t *len, char *err)
{
	const char *colon = strrchr(s, ':');
	char host[256];
	uint64_t port;

	if (colon == NULL)
		return errf(err, "'%s' is not host:port", s);
	if ((size_t)(colon - s) >= sizeof(host))
		return errf(err, "host name in '%s' is too long", s);
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	if (parse_u64(colon + 1, 0, 65535, &port, NULL) < 0 || colon[1] == '\0')
		return errf(err, "'%s': port must be 0..65535", s);
	if (host[0] == '\0')
		snprintf(host, sizeof(host), "%s", default_host);
	if (sockaddr_resolve(host, colon + 1, AF_INET, ss, len, err) < 0)
		return -1;
	((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
	return 0;
}

int sockaddr_unix(const char *path, bool abstract, bool tight, struct sockaddr_storage *ss,
		  socklen_t *len, char *err)
{
	struct sockaddr_un *un = (struct sockaddr_un *)ss;
	size_t n = strlen(path), room = sizeof(un->sun_path) - (abstract ? 1 : 0);

	if (n == 0)
		return errf(err, "a unix socket needs a path");
	if (n >= room)
		return errf(err, "unix socket path '%s' is too long (at most %zu bytes)", path,
			    room - 1);
	memset(ss, 0, sizeof(*ss));
	un->sun_family = AF_UNIX;
	if (abstract) {
		memcpy(un->sun_path + 1, path, n);
		/* tight: the name is only as long as the path; otherwise the
		 * whole sun_path, zero-filled (QEMU's addr.tight). */
		*len = tight ? (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n) :
			       (socklen_t)sizeof(*un);
	} else {
		memcpy(un->sun_path, path, n);
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	}
	return 0;
}

/* A unix path we are about to bind: remove a stale socket left there, but
 * never a file that is not a socket. */
int sockaddr_unlink_stale(const struct sockaddr_storage *ss, char *err)
{
	const struct sockaddr_un *un = (const void *)ss;
	struct stat st;

	if (ss->ss_family != AF_UNIX || un->sun_path[0] == '\0')
		return 0;
	if (lstat(un->sun_path, &st) < 0)
		return 0;
	if (!S_ISSOCK(st.st_mode))
		return errf(err, "%s exists and is not a socket; not replacing it", un->sun_path);
	unlink(un->sun_path);
	return 0;
}

char *sockaddr_format(const struct sockaddr_storage *ss, socklen_t len, char *buf, size_t n)
{
	char host[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		snprintf(buf, n, "%s:%u", host, ntohs(in->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(buf, n, "[%s]:%u", host, ntohs(in6->sin6_port));
	} else if (ss->ss_family == AF_UNIX) {
		const struct sockaddr_un *un = (const struct sockaddr_un *)ss;
		size_t plen = len > offsetof(struct sockaddr_un, sun_path) ?
			len - offsetof(struct sockaddr_un, sun_path) : 0;

		if (plen == 0)
			snprintf(buf, n, "unix:(unnamed)");
		else if (un->sun_path[0] == '\0')
			snprintf(buf, n, "unix:@%.*s", (int)strnlen(un->sun_path + 1, plen - 1),
				 un->sun_path + 1);
		else
			snprintf(buf, n, "unix:%.*s", (int)strnlen(un->sun_path, plen), un->sun_path);
	} else {
		snprintf(buf, n, "?");
	}
	return buf;
}

/* ---- options shared by the socket family ---------------------------------- */

int netdev_tuning_opt(struct netdev *nd, const char *key, const char *val, char *err)
{
	uint64_t num;

	if (strcmp(key, "reconnect") == 0) {
		/* Seconds, as newer QEMU spells it; units are accepted too. */
		if (parse_duration(val, &num, err) < 0)
			return -1;
		if (num > 3600 * NS_PER_SEC)
			return errf(err, "reconnect: %s is out of range (0..3600 seconds)", val);
		nd->reconnect = num;
		nd->tuned_reconnect = true;
		return 1;
	}
	if (strcmp(key, "reconnect-ms") == 0) {
		/* QEMU 9.2's spelling: milliseconds, a whole number. */
		if (parse_u64(val, 0, 3600000, &num, err) < 0)
			return errf(err, "reconnect-ms: %s", err);
		nd->reconnect = num * 1000000;
		nd->tuned_reconnect = true;
		return 1;
	}
	if (strcmp(key, "queue") == 0) {
		if (parse_u64(val, 1, 65536, &num, err) < 0)
			return errf(err, "queue: %s", err);
		nd->queue = (uint32_t)num;
		nd->tuned_queue = true;
		return 1;
	}
	return 0;
}

/* ---- counters by name, for expectations, the report and info -------------- */

#define C(x, flags) FIELD_U64(struct netdev, #x, st.x, flags)
static const struct field netdev_counters[] = {
	C(connects, FIELD_GOOD | FIELD_PEER), C(disconnects, FIELD_GOOD | FIELD_PEER), C(peers_dropped, 0), C(refused, 0),
	C(connect_failures, 0), C(bad_length, 0), C(partial, 0), C(runts, 0), C(oversize, 0),
	C(echoes, FIELD_GOOD), C(send_errors, 0), C(accept_backoffs, 0),
	C(tags_stripped, FIELD_GOOD), C(padded, FIELD_GOOD), C(dhcp_acks, FIELD_GOOD),
	C(pings_lost, 0), C(guest_errors, 0), C(mac_clashes, 0),
};
#undef C

const struct field_table netdev_fields = { netdev_counters, ARRAY_SIZE(netdev_counters) };

int netdev_value(struct netdev *nd, const char *name, struct value *v, char *err)
{
	const struct field *f;
	char names[1024];
	int rc;

	if (strcmp(name, "state") == 0) {
		value_str(v, netdev_state_name(nd->state));
		return 0;
	}
	if (nd->ops != NULL && nd->ops->value != NULL &&
	    (rc = nd->ops->value(nd, name, v, err)) != 0)
		return rc < 0 ? -1 : 0;
	if ((f = field_in(&netdev_fields, name)) != NULL) {
		field_get(f, nd, v);
		return 0;
	}
	if (nd->ops != NULL && nd->ops->fields != NULL &&
	    (f = field_in(nd->ops->fields, name)) != NULL) {
		field_get(f, nd, v);
		return 0;
	}
	field_names(netdev_counters, ARRAY_SIZE(netdev_counters), names, sizeof(names));
	if (nd->ops != NULL && nd->ops->fields != NULL) {
		size_t n = strlen(names);

		snprintf(names + n, sizeof(names) - n, ", ");
		field_names(nd->ops->fields->f, nd->ops->fields->n, names + n + 2,
			    sizeof(names) - n - 2);
	}
	return errf(err, "netdev %s has no value '%s' (its port: %s.0): state, %s", nd->node.name,
		    name, nd->node.name, names);
}

int netdev_value_mac(const struct netdev *nd, const char *name, const char *word,
		     uint8_t mac[6], char *err)
{
	size_t w = strlen(word);
	const char *close;
	char m[32];

	if (strncmp(name, word, w) != 0 || name[w] != '[')
		return 0;
	close = strchr(name, ']');
	if (close == NULL || close[1] != '\0' || close - name - (long)w - 1 >= (long)sizeof(m))
		return errf(err, "expected %s.%s[MAC]", nd->node.name, word);
	snprintf(m, sizeof(m), "%.*s", (int)(close - name - (long)w - 1), name + w + 1);
	if (parse_mac(m, mac) < 0)
		return errf(err, "'%s' is not a MAC address", m);
	return 1;
}

const struct backend_cmd *netdev_cmd(const struct netdev *nd, const char *name)
{
	if (nd == NULL || nd->ops == NULL || nd->ops->cmds == NULL)
		return NULL;
	for (const struct backend_cmd *c = nd->ops->cmds; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

void netdev_info(struct netdev *nd, FILE *out)
{
	char state[400];
	uint64_t now = loop_now(nd->loop);
	bool any = false;

	netdev_describe(nd, state, sizeof(state));
	fprintf(out, "netdev %s: type=%s%s%s\n", nd->node.name, nd->ops ? nd->ops->type : "?",
		nd->options && nd->options[0] ? "," : "", nd->options ? nd->options : "");
	fprintf(out, "  %s", state);
	if (nd->state != ND_CLOSED)
		fprintf(out, ", for %.3fs", (double)(now - nd->since) / 1e9);
	fprintf(out, "\n  frames from outside %" PRIu64 ", to outside %" PRIu64 "\n",
		nd->port->st.tx_frames, nd->port->st.rx_frames);
	for (size_t i = 0; i < ARRAY_SIZE(netdev_counters); i++) {
		uint64_t v = field_u64(&netdev_counters[i], nd);

		if (v == 0)
			continue;
		fprintf(out, "%s %s=%" PRIu64, any ? "" : " ", netdev_counters[i].name, v);
		any = true;
	}
	if (any)
		fputc('\n', out);
	if (nd->ops != NULL && nd->ops->info != NULL)
		nd->ops->info(nd, out);
}

/*
 * The user netdev's run-time commands (hostfwd_add, hostfwd_remove) and
 * what it shows: its description, its lines in `info network` and
 * `info usernet`, and its object in the report.
 */
#include "usernet_internal.h"
#include "../core/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* ---- commands ---------------------------------------------------------------- */

static void fwd_desc(const struct user_hostfwd *f, char *buf, size_t n)
{
	char h[16], g[16];

	inet_ntop(AF_INET, &f->haddr, h, sizeof(h));
	if (f->gaddr.s_addr != 0)
		inet_ntop(AF_INET, &f->gaddr, g, sizeof(g));
	else
		snprintf(g, sizeof(g), "(dhcpstart)");
	snprintf(buf, n, "%s %s:%d -> %s:%d", f->udp ? "udp" : "tcp", h, f->hport, g, f->gport);
}

int usernet_hostfwd_add(struct usernet *u, const char *rule, FILE *out, char *err)
{
	struct user_hostfwd f;
	char e[ERRLEN];

	if (usernet_parse_hostfwd(rule, &f, e) < 0)
		return errf(err, "hostfwd_add: %s", e);
	if (f.gaddr.s_addr != 0 && (f.gaddr.s_addr & u->cfg.vnetmask.s_addr) != u->cfg.vnetwork.s_addr)
		return errf(err, "hostfwd_add: '%s': the guest address is not in the network %s",
			    rule, usernet_net_text(u));
	if (u->slirp == NULL)
		return errf(err, "hostfwd_add: %s is not running", u->nd.node.name);
	errno = 0;
	if (slirp_add_hostfwd(u->slirp, f.udp, f.haddr, f.hport, f.gaddr, f.gport) < 0)
		return errf(err, "could not set up host forwarding rule '%s'%s%s%s", rule,
			    errno ? " (" : "", errno ? strerror(errno) : "", errno ? ")" : "");
	f.text = xstrdup(rule);
	f.active = true;
	u->hostfwds = xreallocarray(u->hostfwds, (size_t)u->nhostfwds + 1, sizeof(*u->hostfwds));
	u->hostfwds[u->nhostfwds++] = f;
	usernet_arm(u);
	if (out != NULL) {
		char d[96];

		fwd_desc(&f, d, sizeof(d));
		fprintf(out, "%s: host forwarding rule %s added\n", u->nd.node.name, d);
	}
	return 0;
}

int usernet_hostfwd_remove(struct usernet *u, const char *rule, FILE *out, char *err)
{
	struct user_hostfwd f;
	char e[ERRLEN];

	if (usernet_parse_hostfwd_remove(rule, &f, e) < 0)
		return errf(err, "hostfwd_remove: invalid format: %s", e);
	if (u->slirp == NULL)
		return errf(err, "hostfwd_remove: %s is not running", u->nd.node.name);
	if (slirp_remove_hostfwd(u->slirp, f.udp, f.haddr, f.hport) < 0)
		return errf(err, "could not remove host forwarding rule '%s'", rule);
	for (int i = 0; i < u->nhostfwds; i++) {
		struct user_hostfwd *g = &u->hostfwds[i];

		if (g->active && g->udp == f.udp && g->hport == f.hport &&
		    g->haddr.s_addr == f.haddr.s_addr) {
			free(g->text);
			memmove(g, g + 1, (size_t)(u->nhostfwds - i - 1) * sizeof(*g));
			u->nhostfwds--;
			break;
		}
	}
	usernet_arm(u);
	if (out != NULL)
		fprintf(out, "%s: host forwarding rule for %s removed\n", u->nd.node.name, rule);
	return 0;
}

/* ---- what it shows ------------------------------------------------------------- */

void usernet_describe(struct netdev *nd, char *buf, size_t len)
{
	struct usernet *u = U(nd);
	char h[16], d[16];

	inet_ntop(AF_INET, &u->cfg.vhost, h, sizeof(h));
	inet_ntop(AF_INET, &u->cfg.vnameserver, d, sizeof(d));
	if (!u->ipv4)
		snprintf(buf, len, "%s: NAT, IPv6 only", netdev_state_name(nd->state));
	else
		snprintf(buf, len, "%s: NAT %s, host %s, dns %s, %d lease%s%s",
			 netdev_state_name(nd->state), usernet_net_text(u), h, d, u->nleases,
			 u->nleases == 1 ? "" : "s", u->cfg.restricted ? ", restricted" : "");
}

static void leases_print(struct usernet *u, FILE *out, const char *indent)
{
	uint64_t now = loop_now(L(u));

	for (int i = 0; i < u->nleases; i++) {
		struct user_lease *l = &u->leases[i];
		char m[18], a[16];
		uint64_t age = (now - l->granted) / NS_PER_SEC;

		fprintf(out, "%slease %s %s, %us, %" PRIu64 "s left, %u ACK%s\n", indent,
			fmt_mac(l->mac, m), inet_ntop(AF_INET, &l->ip, a, sizeof(a)), l->seconds,
			age < l->seconds ? l->seconds - age : 0, l->acks, l->acks == 1 ? "" : "s");
	}
}

void usernet_info_network(struct netdev *nd, FILE *out)
{
	struct usernet *u = U(nd);
	char s[16];

	if (u->ipv4)
		fprintf(out, "  dhcp from %s%s%s\n", inet_ntop(AF_INET, &u->cfg.vdhcp_start, s,
								sizeof(s)),
			u->cfg.restricted ? ", restrict=on" : "",
			u->cfg.tftp_path ? ", tftp" : "");
	for (int i = 0; i < u->nhostfwds; i++) {
		char d[96];

		fwd_desc(&u->hostfwds[i], d, sizeof(d));
		fprintf(out, "  hostfwd %s\n", d);
	}
	for (int i = 0; i < u->nguestfwds; i++)
		fprintf(out, "  guestfwd %s\n", u->guestfwds[i].text);
	leases_print(u, out, "  ");
}

void usernet_info(struct usernet *u, FILE *out)
{
	char desc[256];
	char *t;

	usernet_describe(&u->nd, desc, sizeof(desc));
	fprintf(out, "netdev %s (user): %s\n", u->nd.node.name, desc);
	if (u->slirp != NULL && (t = slirp_connection_info(u->slirp)) != NULL) {
		fputs(t, out);
		free(t);
	}
	leases_print(u, out, "  ");
}

void usernet_report(struct netdev *nd, struct json_t *obj)
{
	struct usernet *u = U(nd);
	json_t *o = json_object(), *a;
	char s[INET6_ADDRSTRLEN];

	json_object_set_new(o, "ipv4", json_boolean(u->ipv4));
	json_object_set_new(o, "ipv6", json_boolean(u->ipv6));
	json_object_set_new(o, "restrict", json_boolean(u->cfg.restricted));
	if (u->ipv4) {
		json_object_set_new(o, "net", json_string(usernet_net_text(u)));
		json_object_set_new(o, "host", json_string(inet_ntop(AF_INET, &u->cfg.vhost, s, 16)));
		json_object_set_new(o, "dns", json_string(inet_ntop(AF_INET, &u->cfg.vnameserver,
									 s, 16)));
		json_object_set_new(o, "dhcpstart", json_string(inet_ntop(AF_INET,
									     &u->cfg.vdhcp_start,
									     s, 16)));
	}
	if (u->ipv6) {
		inet_ntop(AF_INET6, &u->cfg.vprefix_addr6, s, sizeof(s));
		json_object_set_new(o, "ipv6_prefix", json_string(s));
		json_object_set_new(o, "ipv6_prefixlen", json_integer(u->cfg.vprefix_len));
		json_object_set_new(o, "ipv6_host", json_string(inet_ntop(AF_INET6, &u->cfg.vhost6,
									      s, sizeof(s))));
		json_object_set_new(o, "ipv6_dns", json_string(inet_ntop(AF_INET6,
									     &u->cfg.vnameserver6,
									     s, sizeof(s))));
	}
	a = json_array();
	for (int i = 0; i < u->nhostfwds; i++) {
		struct user_hostfwd *f = &u->hostfwds[i];
		json_t *e = json_object();

		json_object_set_new(e, "rule", json_string(f->text));
		json_object_set_new(e, "protocol", json_string(f->udp ? "udp" : "tcp"));
		json_object_set_new(e, "host_addr", json_string(inet_ntop(AF_INET, &f->haddr, s, 16)));
		json_object_set_new(e, "host_port", json_integer(f->hport));
		json_object_set_new(e, "guest_addr",
				    json_string(inet_ntop(AF_INET, f->gaddr.s_addr ? &f->gaddr :
								   &u->cfg.vdhcp_start, s, 16)));
		json_object_set_new(e, "guest_port", json_integer(f->gport));
		json_object_set_new(e, "line", f->line ? json_integer(f->line) : json_null());
		json_array_append_new(a, e);
	}
	json_object_set_new(o, "hostfwd", a);
	a = json_array();
	for (int i = 0; i < u->nguestfwds; i++) {
		struct user_guestfwd *g = &u->guestfwds[i];
		json_t *e = json_object();
		static const char *const kinds[] = { "cmd", "tcp", "unix" };

		json_object_set_new(e, "rule", json_string(g->text));
		json_object_set_new(e, "server", json_string(inet_ntop(AF_INET, &g->addr, s, 16)));
		json_object_set_new(e, "port", json_integer(g->port));
		json_object_set_new(e, "kind", json_string(kinds[g->kind]));
		json_object_set_new(e, "target", json_string(g->target));
		if (g->kind == GF_TCP) {
			json_object_set_new(e, "bytes_to_host", json_integer((json_int_t)g->to_host));
			json_object_set_new(e, "bytes_from_host",
					    json_integer((json_int_t)g->from_host));
		}
		json_array_append_new(a, e);
	}
	json_object_set_new(o, "guestfwd", a);
	a = json_array();
	for (int i = 0; i < u->nleases; i++) {
		struct user_lease *l = &u->leases[i];
		json_t *e = json_object();
		char m[18];

		json_object_set_new(e, "mac", json_string(fmt_mac(l->mac, m)));
		json_object_set_new(e, "ip", json_string(inet_ntop(AF_INET, &l->ip, s, 16)));
		json_object_set_new(e, "seconds", json_integer(l->seconds));
		json_object_set_new(e, "granted_ms", json_integer((json_int_t)(l->granted / NS_PER_MS)));
		json_object_set_new(e, "acks", json_integer(l->acks));
		json_array_append_new(a, e);
	}
	json_object_set_new(o, "leases", a);
	json_object_set_new(o, "pings_allowed", json_boolean(u->ping_ok));
	json_object_set_new(o, "ipv4_reassembled", json_integer((json_int_t)u->reassembled));
	json_object_set_new(o, "ipv4_reass_failed", json_integer((json_int_t)u->reass_failed));
	json_object_set_new(obj, "user", o);
}

/*
 * A DNS resolver for sim guests: `resolve GUEST NAME` sends one A
 * query (recursion desired) over UDP to the guest's DNS server (dns = in
 * the topology, or option 6 from DHCP), from a port of its own, tried three
 * times two seconds apart. The answer's A records (CNAMEs are followed by
 * the server) are kept for `info dns`, expectations and the report.
 */
#include "stack.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DNS_TRIES 3
#define DNS_RETRY (2 * NS_PER_SEC)
#define DNS_MAX_ADDRS 8
#define DNS_PORT_BASE 53000

enum dns_status { DNS_PENDING, DNS_OK, DNS_NODATA, DNS_NXDOMAIN, DNS_ERROR, DNS_TIMEOUT };

struct dns_query {
	struct guest *gu;
	char name[256];
	uint32_t server;
	uint16_t port;              /* the server's */
	uint16_t sport, id;
	uint8_t tries;
	enum dns_status status;
	int rcode;
	uint32_t addrs[DNS_MAX_ADDRS];
	int naddrs;
	uint64_t sent, answered;
	struct timer timer;
};

static const char *status_name(const struct dns_query *q)
{
	static const char *const n[] = { "pending", "ok", "nodata", "nxdomain", "error",
					 "timeout" };

	return n[q->status];
}

static uint32_t build(const struct dns_query *q, uint8_t *m)
{
	uint32_t o = 12;
	const char *p = q->name;

	memset(m, 0, 12);
	wr16(m, q->id);
	wr16(m + 2, 0x0100);    /* standard query, recursion desired */
	wr16(m + 4, 1);
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		m[o++] = (uint8_t)l;
		memcpy(m + o, p, l);
		o += (uint32_t)l;
		p += l;
		if (*p == '.')
			p++;
	}
	m[o++] = 0;
	wr16(m + o, 1);         /* A */
	wr16(m + o + 2, 1);     /* IN */
	return o + 4;
}

static void send_query(struct dns_query *q)
{
	uint8_t m[300];
	uint32_t len = build(q, m);

	q->tries++;
	q->sent = loop_now(q->gu->node.g->loop);
	guest_udp_output(q->gu, q->server, q->sport, q->port, m, len, 0);
}

static void retry_cb(void *arg)
{
	struct dns_query *q = arg;
	struct loop *l = q->gu->node.g->loop;

	if (q->status != DNS_PENDING)
		return;
	if (q->tries >= DNS_TRIES) {
		q->status = DNS_TIMEOUT;
		guest_event(q->gu, "resolve %s: no answer from %s after %d tries", q->name,
			    fmt_ipv4(q->server, (char[16]){ 0 }), q->tries);
		return;
	}
	send_query(q);
	loop_timer_arm(l, &q->timer, loop_now(l) + DNS_RETRY);
}

static int valid_name(const char *name, char *err)
{
	size_t n = strlen(name), label = 0;

	if (n == 0 || n > 253)
		return errf(err, "resolve: '%s' is not a host name (1..253 characters)", name);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '.') {
			if (label == 0)
				return errf(err, "resolve: '%s' has an empty label", name);
			label = 0;
			continue;
		}
		if (!isalnum(c) && c != '-' && c != '_')
			return errf(err, "resolve: '%s': '%c' cannot be in a host name", name, c);
		if (++label > 63)
			return errf(err, "resolve: '%s' has a label over 63 characters", name);
	}
	return 0;
}

int dns_resolve(struct guest *gu, const char *name, uint32_t server, uint16_t port, char *err)
{
	struct dns_query *q = NULL;
	char nm[256];
	size_t n;
	struct loop *l = gu->node.g->loop;

	if (valid_name(name, err) < 0)
		return -1;
	snprintf(nm, sizeof(nm), "%s", name);
	n = strlen(nm);
	if (nm[n - 1] == '.')
		nm[n - 1] = '\0';
	if (server == 0)
		server = gu->dns;
	if (server == 0)
		return errf(err, "resolve: %s has no DNS server (dns = in the topology, or DHCP)",
			    gu->node.name);
	if (!guest_has_route(gu, server))
		return errf(err, "resolve: %s has no route to the DNS server %s", gu->node.name,
			    fmt_ipv4(server, (char[16]){ 0 }));
	/* Reuse the oldest finished slot when full. */
	if (gu->ndnsq == GUEST_MAX_DNS) {
		for (int i = 0; i < gu->ndnsq; i++) {
			if (gu->dnsq[i]->status != DNS_PENDING) {
				q = gu->dnsq[i];
				memmove(gu->dnsq + i, gu->dnsq + i + 1,
					(size_t)(gu->ndnsq - i - 1) * sizeof(*gu->dnsq));
				gu->ndnsq--;
				break;
			}
		}
		if (q == NULL)
			return errf(err, "resolve: %s has %d queries pending", gu->node.name,
				    GUEST_MAX_DNS);
		memset(q, 0, sizeof(*q));
	} else {
		q = xcalloc(1, sizeof(*q));
	}
	q->gu = gu;
	snprintf(q->name, sizeof(q->name), "%s", nm);
	q->server = server;
	q->port = port ? port : 53;
	q->id = (uint16_t)(rng_hash(nm) ^ gu->ip_id ^ (uint16_t)gu->ndnsq);
	q->sport = (uint16_t)(DNS_PORT_BASE + (gu->ip_id + gu->ndnsq) % 1000);
	timer_init(&q->timer, retry_cb, q);
	VEC_RESERVE(gu->dnsq, gu->ndnsq, gu->dnsqcap);
	gu->dnsq[gu->ndnsq++] = q;
	send_query(q);
	loop_timer_arm(l, &q->timer, loop_now(l) + DNS_RETRY);
	return 0;
}

/* Skips a (possibly compressed) name; returns the offset after it, or 0. */
static uint32_t skip_name(const uint8_t *m, uint32_t len, uint32_t o)
{
	while (o < len) {
		uint8_t l = m[o];

		if (l == 0)
			return o + 1;
		if ((l & 0xc0) == 0xc0)
			return o + 2 <= len ? o + 2 : 0;
		if (l & 0xc0)
			return 0;
		o += 1u + l;
	}
	return 0;
}

int dns_input(struct guest *gu, uint32_t src, uint16_t sport, uint16_t dport, const uint8_t *m,
	      uint32_t len)
{
	struct dns_query *q = NULL;
	uint32_t o;
	uint16_t qd, an;
	char a[16];

	for (int i = gu->ndnsq - 1; i >= 0; i--)
		if (gu->dnsq[i]->sport == dport && gu->dnsq[i]->status == DNS_PENDING)
			q = gu->dnsq[i];
	if (q == NULL)
		return 0;
	if (src != q->server || sport != q->port || len < 12 || rd16(m) != q->id ||
	    !(m[2] & 0x80))
		return 1;       /* for our port, but not the answer: ignored */
	q->rcode = m[3] & 0x0f;
	qd = rd16(m + 4);
	an = rd16(m + 6);
	o = 12;
	for (int i = 0; i < qd && o; i++) {
		o = skip_name(m, len, o);
		o = o && o + 4 <= len ? o + 4 : 0;
	}
	for (int i = 0; i < an && o; i++) {
		uint16_t type, rdlen;

		o = skip_name(m, len, o);
		if (o == 0 || o + 10 > len)
			break;
		type = rd16(m + o);
		rdlen = rd16(m + o + 8);
		o += 10;
		if (o + rdlen > len)
			break;
		if (type == 1 && rdlen == 4 && q->naddrs < DNS_MAX_ADDRS)
			q->addrs[q->naddrs++] = rd32(m + o);
		o += rdlen;
	}
	q->answered = loop_now(gu->node.g->loop);
	loop_timer_disarm(gu->node.g->loop, &q->timer);
	if (q->rcode == 3) {
		q->status = DNS_NXDOMAIN;
		guest_event(gu, "resolve %s: no such name (NXDOMAIN)", q->name);
	} else if (q->rcode != 0) {
		q->status = DNS_ERROR;
		guest_event(gu, "resolve %s: the server answered with error %d", q->name,
			    q->rcode);
	} else if (q->naddrs == 0) {
		q->status = DNS_NODATA;
		guest_event(gu, "resolve %s: no A record", q->name);
	} else {
		char list[DNS_MAX_ADDRS * 17] = "";

		q->status = DNS_OK;
		for (int i = 0; i < q->naddrs; i++) {
			strcat(list, i ? " " : "");
			strcat(list, fmt_ipv4(q->addrs[i], a));
		}
		guest_event(gu, "resolve %s: %s (%.1f ms)", q->name, list,
			    (double)(q->answered - q->sent) / 1e6);
	}
	return 1;
}

const char *dns_result(struct guest *gu, const char *name, char *buf, size_t len)
{
	for (int i = gu->ndnsq - 1; i >= 0; i--) {
		struct dns_query *q = gu->dnsq[i];

		if (strcasecmp(q->name, name) != 0)
			continue;
		if (q->status == DNS_OK)
			fmt_ipv4(q->addrs[0], buf);
		else
			snprintf(buf, len, "%s", status_name(q));
		return buf;
	}
	return NULL;
}

void dns_info(struct guest *gu, FILE *out)
{
	char a[16];

	if (gu->dns)
		fprintf(out, "  dns server %s\n", fmt_ipv4(gu->dns, a));
	for (int i = 0; i < gu->ndnsq; i++) {
		struct dns_query *q = gu->dnsq[i];

		fprintf(out, "  resolve %s via %s: %s", q->name, fmt_ipv4(q->server, a),
			status_name(q));
		for (int j = 0; j < q->naddrs; j++)
			fprintf(out, " %s", fmt_ipv4(q->addrs[j], a));
		fputc('\n', out);
	}
}

void dns_free_all(struct guest *gu)
{
	for (int i = 0; i < gu->ndnsq; i++) {
		loop_timer_disarm(gu->node.g->loop, &gu->dnsq[i]->timer);
		free(gu->dnsq[i]);
	}
	gu->ndnsq = 0;
}

/*
 * A DHCP client for a sim guest's NIC (RFC 2131, the parts a client needs).
 *
 *   INIT -> SELECTING: DISCOVER, broadcast, retried after 2, 4, 8 ... 64 s
 *   SELECTING -> REQUESTING: the first OFFER; REQUEST (broadcast, with the
 *                server id and requested address), retried 4 times
 *   REQUESTING -> BOUND: ACK; the address, mask (option 1), router (3),
 *                DNS (6) and lease time (51) are applied
 *   BOUND -> RENEWING at T1 (option 58, else half the lease): REQUEST
 *                unicast to the server; RENEWING -> REBINDING at T2 (option
 *                59, else 7/8): REQUEST broadcast; at expiry the address is
 *                dropped and the client starts over
 *   NAK anywhere: drop the address, start over
 *
 * The router becomes the guest's gateway unless the topology gave gw =;
 * the first DNS server becomes the guest's resolver unless dns = was given.
 */
#include "stack.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BOOTP_LEN 240           /* fixed part and magic cookie */
#define DHCP_MAX_BACKOFF (64 * NS_PER_SEC)
#define REQUEST_TRIES 4

enum { DHCPDISCOVER = 1, DHCPOFFER, DHCPREQUEST, DHCPDECLINE, DHCPACK, DHCPNAK, DHCPRELEASE };

struct dhcp_client {
	struct nic *nic;
	enum dhcp_state state;
	uint32_t xid;
	uint32_t server;            /* option 54 */
	uint32_t offered;           /* yiaddr of the OFFER */
	uint32_t lease, t1, t2;     /* seconds */
	uint64_t bound_at;          /* loop time of the last ACK */
	uint64_t backoff;
	uint32_t tries;
	uint32_t router, dns, mask;
	bool dns_static;            /* dns = given in the topology */
	uint32_t next_server;       /* siaddr: where to fetch the boot file */
	char bootfile[128];         /* option 67, else the BOOTP file field */
	char tftp_server[64];       /* option 66 */
	struct timer timer;
	uint32_t discovers, requests, offers, acks, naks, renewals;
	uint32_t xid_seq;
};

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

const char *dhcp_state_name(enum dhcp_state st)
{
	static const char *const n[] = {
		[DHCP_INIT] = "init", [DHCP_SELECTING] = "selecting",
		[DHCP_REQUESTING] = "requesting", [DHCP_BOUND] = "bound",
		[DHCP_RENEWING] = "renewing", [DHCP_REBINDING] = "rebinding",
	};

	return (size_t)st < ARRAY_SIZE(n) ? n[st] : "?";
}

enum dhcp_state dhcp_state(const struct dhcp_client *d)
{
	return d->state;
}

static struct loop *L(struct dhcp_client *d)
{
	return d->nic->guest->node.g->loop;
}

static uint64_t now(struct dhcp_client *d)
{
	return loop_now(L(d));
}

/* Builds and sends one message. ciaddr: our address when renewing. */
static void send_msg(struct dhcp_client *d, int type, uint32_t ciaddr, uint32_t dst)
{
	struct nic *nic = d->nic;
	struct guest *gu = nic->guest;
	uint8_t m[BOOTP_LEN + 64];
	uint8_t *o = m + BOOTP_LEN;
	size_t hl = strlen(gu->node.name);
	uint32_t secs;

	memset(m, 0, sizeof(m));
	m[0] = 1;               /* BOOTREQUEST */
	m[1] = 1;               /* Ethernet */
	m[2] = 6;
	wr32(m + 4, d->xid);
	secs = (uint32_t)(now(d) / NS_PER_SEC);
	wr16(m + 8, (uint16_t)MIN(secs, 65535u));
	if (ciaddr == 0)
		wr16(m + 10, 0x8000);   /* broadcast the replies: we have no address */
	wr32(m + 12, ciaddr);
	memcpy(m + 28, nic->mac, 6);
	wr32(m + 236, 0x63825363u);
	*o++ = 53;
	*o++ = 1;
	*o++ = (uint8_t)type;
	if (type == DHCPREQUEST && ciaddr == 0) {
		*o++ = 50;      /* requested address */
		*o++ = 4;
		wr32(o, d->offered);
		o += 4;
		*o++ = 54;      /* server identifier */
		*o++ = 4;
		wr32(o, d->server);
		o += 4;
	}
	if (type == DHCPRELEASE) {
		*o++ = 54;
		*o++ = 4;
		wr32(o, d->server);
		o += 4;
	}
	if (hl > 0 && hl <= 32 && type != DHCPRELEASE) {
		*o++ = 12;      /* host name: the guest's */
		*o++ = (uint8_t)hl;
		memcpy(o, gu->node.name, hl);
		o += hl;
	}
	if (type != DHCPRELEASE) {
		static const uint8_t want[] = { 1, 3, 6, 15, 51, 58, 59 };

		*o++ = 55;      /* parameter request list */
		*o++ = sizeof(want);
		memcpy(o, want, sizeof(want));
		o += sizeof(want);
	}
	*o++ = 255;
	if (ciaddr != 0 && dst != 0xffffffffu)
		guest_udp_output(gu, dst, 68, 67, m, (uint32_t)(o - m), ciaddr);
	else
		guest_udp_raw(nic, bcast, ciaddr, 0xffffffffu, 68, 67, m, (uint32_t)(o - m));
	if (type == DHCPDISCOVER)
		d->discovers++;
	else if (type == DHCPREQUEST)
		d->requests++;
}

static void new_xid(struct dhcp_client *d)
{
	struct guest *gu = d->nic->guest;

	d->xid = (uint32_t)rng_hash(gu->node.name) ^ ((uint32_t)d->nic->index << 24) ^
		 (++d->xid_seq * 0x9e3779b9u);
}

static void unbind(struct dhcp_client *d, const char *why)
{
	struct nic *nic = d->nic;
	struct guest *gu = nic->guest;
	char a[16];

	if (nic->ip != 0) {
		guest_event(gu, "DHCP %s: %s released (%s)", nic->id, fmt_ipv4(nic->ip, a), why);
		nic->ip = 0;
		nic->prefix = 0;
		guest_arp_flush_nic(gu, nic->index);
	}
	if (!gu->gateway_static && gu->gateway == d->router)
		gu->gateway = 0;
	if (!d->dns_static && gu->dns == d->dns)
		gu->dns = 0;
	d->router = d->dns = d->mask = 0;
	d->lease = 0;
}

static void arm_in(struct dhcp_client *d, uint64_t ns)
{
	loop_timer_arm(L(d), &d->timer, now(d) + ns);
}

static void discover(struct dhcp_client *d)
{
	d->state = DHCP_SELECTING;
	new_xid(d);
	d->offered = d->server = 0;
	send_msg(d, DHCPDISCOVER, 0, 0xffffffffu);
	arm_in(d, d->backoff);
	d->backoff = MIN(d->backoff * 2, DHCP_MAX_BACKOFF);
}

static void start_over(struct dhcp_client *d)
{
	d->state = DHCP_INIT;
	d->backoff = 2 * NS_PER_SEC;
	d->tries = 0;
	discover(d);
}

static void timer_cb(void *arg)
{
	struct dhcp_client *d = arg;
	struct nic *nic = d->nic;
	uint64_t t = now(d), t1, t2, end;

	switch (d->state) {
	case DHCP_INIT:
	case DHCP_SELECTING:
		discover(d);
		break;
	case DHCP_REQUESTING:
		if (++d->tries >= REQUEST_TRIES) {
			guest_event(nic->guest, "DHCP %s: no ACK after %u REQUESTs; starting over",
				    nic->id, d->tries);
			start_over(d);
			break;
		}
		send_msg(d, DHCPREQUEST, 0, 0xffffffffu);
		arm_in(d, 2 * NS_PER_SEC << d->tries);
		break;
	case DHCP_BOUND:
	case DHCP_RENEWING:
	case DHCP_REBINDING:
		t1 = d->bound_at + (uint64_t)d->t1 * NS_PER_SEC;
		t2 = d->bound_at + (uint64_t)d->t2 * NS_PER_SEC;
		end = d->bound_at + (uint64_t)d->lease * NS_PER_SEC;
		if (t >= end) {
			d->state = DHCP_INIT;
			unbind(d, "lease expired");
			start_over(d);
			break;
		}
		if (t >= t2) {
			if (d->state != DHCP_REBINDING)
				guest_event(nic->guest, "DHCP %s: rebinding (T2)", nic->id);
			d->state = DHCP_REBINDING;
			send_msg(d, DHCPREQUEST, nic->ip, 0xffffffffu);
			/* RFC 2131 4.4.5: wait half the time left, at least 60 s. */
			arm_in(d, MIN(MAX((end - t) / 2, 60 * NS_PER_SEC), end - t));
		} else if (t >= t1) {
			if (d->state != DHCP_RENEWING)
				guest_event(nic->guest, "DHCP %s: renewing (T1)", nic->id);
			d->state = DHCP_RENEWING;
			send_msg(d, DHCPREQUEST, nic->ip, d->server);
			arm_in(d, MIN(MAX((t2 - t) / 2, 60 * NS_PER_SEC), t2 - t));
		} else {
			loop_timer_arm(L(d), &d->timer, t1);
		}
		break;
	}
}

/* Options of interest from a reply. */
struct offer {
	int type;
	char bootfile[128], tftp_server[64];
	uint32_t server, mask, router, dns, lease, t1, t2;
	bool has_mask, has_router, has_lease, has_t1, has_t2;
};

static void parse_opts(const uint8_t *o, const uint8_t *end, struct offer *of)
{
	while (o < end && *o != 255) {
		uint8_t code = *o, len;

		if (code == 0) {
			o++;
			continue;
		}
		if (o + 2 > end || o + 2 + o[1] > end)
			break;
		len = o[1];
		switch (code) {
		case 53:
			if (len >= 1)
				of->type = o[2];
			break;
		case 54:
			if (len == 4)
				of->server = rd32(o + 2);
			break;
		case 1:
			if (len == 4) {
				of->mask = rd32(o + 2);
				of->has_mask = true;
			}
			break;
		case 3:
			if (len >= 4) {
				of->router = rd32(o + 2);
				of->has_router = true;
			}
			break;
		case 6:
			if (len >= 4)
				of->dns = rd32(o + 2);
			break;
		case 51:
			if (len == 4) {
				of->lease = rd32(o + 2);
				of->has_lease = true;
			}
			break;
		case 58:
			if (len == 4) {
				of->t1 = rd32(o + 2);
				of->has_t1 = true;
			}
			break;
		case 66:
			snprintf(of->tftp_server, sizeof(of->tftp_server), "%.*s", (int)len, o + 2);
			break;
		case 67:
			snprintf(of->bootfile, sizeof(of->bootfile), "%.*s", (int)len, o + 2);
			break;
		case 59:
			if (len == 4) {
				of->t2 = rd32(o + 2);
				of->has_t2 = true;
			}
			break;
		default:
			break;
		}
		o += 2 + len;
	}
}

static int mask_prefix(uint32_t mask)
{
	int n = 0;

	while (n < 32 && (mask & (0x80000000u >> n)))
		n++;
	return (n < 32 && (mask << n) != 0) ? -1 : n;
}

static void bind_lease(struct dhcp_client *d, uint32_t yiaddr, uint32_t siaddr,
		       const struct offer *of)
{
	struct nic *nic = d->nic;
	struct guest *gu = nic->guest;
	int prefix = of->has_mask ? mask_prefix(of->mask) : 24;
	bool renewal = d->state == DHCP_RENEWING || d->state == DHCP_REBINDING;
	char a[16], r[16], n[16];

	if (prefix < 1 || prefix > 30) {
		guest_event(gu, "DHCP %s: ACK with an unusable subnet mask; declined", nic->id);
		start_over(d);
		return;
	}
	if (nic->ip != 0 && nic->ip != yiaddr)
		unbind(d, "the server gave another address");
	if (nic->ip != yiaddr)
		guest_arp_flush_nic(gu, nic->index);
	nic->ip = yiaddr;
	nic->prefix = prefix;
	if (!gu->gateway_static && gu->gateway == d->router)
		gu->gateway = 0;
	d->router = of->has_router ? of->router : 0;
	if (!gu->gateway_static && d->router != 0 &&
	    ((d->router ^ yiaddr) & prefix_mask(prefix)) == 0)
		gu->gateway = d->router;
	if (!d->dns_static) {
		d->dns = of->dns;
		gu->dns = of->dns;
	}
	if (of->server != 0)
		d->server = of->server;
	d->next_server = siaddr;
	snprintf(d->bootfile, sizeof(d->bootfile), "%s", of->bootfile);
	snprintf(d->tftp_server, sizeof(d->tftp_server), "%s", of->tftp_server);
	d->mask = prefix_mask(prefix);
	d->lease = of->has_lease ? of->lease : 3600;
	if (d->lease == 0xffffffffu)
		d->lease = 0x7fffffffu;     /* infinite: far enough */
	d->lease = MAX(d->lease, 2u);
	d->t1 = of->has_t1 && of->t1 < d->lease ? of->t1 : d->lease / 2;
	d->t2 = of->has_t2 && of->t2 < d->lease && of->t2 > d->t1 ? of->t2 :
		(uint32_t)((uint64_t)d->lease * 7 / 8);
	if (d->t2 <= d->t1)
		d->t2 = d->t1 + (d->lease - d->t1) / 2;
	d->bound_at = now(d);
	d->acks++;
	if (renewal)
		d->renewals++;
	d->state = DHCP_BOUND;
	d->tries = 0;
	loop_timer_arm(L(d), &d->timer, d->bound_at + (uint64_t)d->t1 * NS_PER_SEC);
	if (renewal) {
		guest_event(gu, "DHCP %s: renewed %s for %us", nic->id, fmt_ipv4(yiaddr, a),
			    d->lease);
		return;
	}
	guest_event(gu, "DHCP %s: bound %s/%d, router %s, dns %s, lease %us (server %s)", nic->id,
		    fmt_ipv4(yiaddr, a), prefix, d->router ? fmt_ipv4(d->router, r) : "none",
		    of->dns ? fmt_ipv4(of->dns, n) : "none", d->lease,
		    fmt_ipv4(d->server, (char[16]){ 0 }));
}

void dhcp_input(struct dhcp_client *d, const uint8_t *ip, const uint8_t *m, uint32_t len)
{
	struct nic *nic = d->nic;
	struct offer of = { 0 };
	uint32_t yiaddr;

	(void)ip;
	if (len < BOOTP_LEN || m[0] != 2 || rd32(m + 4) != d->xid || memcmp(m + 28, nic->mac, 6) != 0 ||
	    rd32(m + 236) != 0x63825363u)
		return;         /* not an answer to us */
	parse_opts(m + BOOTP_LEN, m + len, &of);
	if (of.bootfile[0] == '\0')
		snprintf(of.bootfile, sizeof(of.bootfile), "%.*s", (int)strnlen((const char *)m + 108,
									       128), m + 108);
	yiaddr = rd32(m + 16);
	switch (of.type) {
	case DHCPOFFER:
		if (d->state != DHCP_SELECTING || yiaddr == 0)
			return;
		d->offers++;
		d->offered = yiaddr;
		d->server = of.server ? of.server : rd32(ip + 12);
		d->state = DHCP_REQUESTING;
		d->tries = 0;
		send_msg(d, DHCPREQUEST, 0, 0xffffffffu);
		arm_in(d, 2 * NS_PER_SEC);
		break;
	case DHCPACK:
		if (d->state != DHCP_REQUESTING && d->state != DHCP_RENEWING &&
		    d->state != DHCP_REBINDING)
			return;
		if (yiaddr == 0)
			return;
		bind_lease(d, yiaddr, rd32(m + 20), &of);
		break;
	case DHCPNAK:
		if (d->state != DHCP_REQUESTING && d->state != DHCP_RENEWING &&
		    d->state != DHCP_REBINDING)
			return;
		d->naks++;
		guest_event(nic->guest, "DHCP %s: NAK from the server; starting over", nic->id);
		unbind(d, "NAK");
		start_over(d);
		break;
	default:
		break;
	}
}

struct dhcp_client *dhcp_client_new(struct nic *nic)
{
	struct dhcp_client *d = xcalloc(1, sizeof(*d));

	d->nic = nic;
	d->state = DHCP_INIT;
	timer_init(&d->timer, timer_cb, d);
	return d;
}

void dhcp_client_free(struct dhcp_client *d)
{
	loop_timer_disarm(L(d), &d->timer);
	free(d);
}

int dhcp_command(struct nic *nic, const char *what, char *err)
{
	struct dhcp_client *d = nic->dhcp;

	if (d == NULL)
		return errf(err, "%s.%s has a static address (ip = dhcp turns DHCP on)",
			    nic->guest->node.name, nic->id);
	d->dns_static = nic->guest->dns != 0 && nic->guest->dns != d->dns;
	if (strcmp(what, "start") == 0 || strcmp(what, "restart") == 0) {
		if (d->state != DHCP_INIT)
			unbind(d, "restart");
		loop_timer_disarm(L(d), &d->timer);
		start_over(d);
	} else if (strcmp(what, "renew") == 0) {
		if (d->state != DHCP_BOUND && d->state != DHCP_RENEWING &&
		    d->state != DHCP_REBINDING)
			return errf(err, "%s.%s has no lease to renew (DHCP state %s)",
				    nic->guest->node.name, nic->id, dhcp_state_name(d->state));
		d->state = DHCP_RENEWING;
		send_msg(d, DHCPREQUEST, nic->ip, d->server);
		arm_in(d, 2 * NS_PER_SEC);
	} else if (strcmp(what, "release") == 0) {
		if (nic->ip == 0)
			return errf(err, "%s.%s has no address to release", nic->guest->node.name,
				    nic->id);
		send_msg(d, DHCPRELEASE, nic->ip, d->server);
		loop_timer_disarm(L(d), &d->timer);
		unbind(d, "released");
		d->state = DHCP_INIT;
	} else {
		return errf(err, "dhcp: '%s' is not renew, release or restart", what);
	}
	return 0;
}

void dhcp_info(const struct dhcp_client *d, FILE *out)
{
	char a[16], r[16], n[16], sv[16];
	uint64_t t = loop_now(d->nic->guest->node.g->loop);
	uint64_t end = d->bound_at + (uint64_t)d->lease * NS_PER_SEC;

	fprintf(out, "  dhcp %s: %s", d->nic->id, dhcp_state_name(d->state));
	if (d->nic->ip != 0)
		fprintf(out, ", %s/%d router %s dns %s server %s, lease %us, %" PRIu64 "s left",
			fmt_ipv4(d->nic->ip, a), d->nic->prefix,
			d->router ? fmt_ipv4(d->router, r) : "none",
			d->dns ? fmt_ipv4(d->dns, n) : "none", fmt_ipv4(d->server, sv), d->lease,
			end > t ? (end - t) / NS_PER_SEC : 0);
	fprintf(out, " (%u DISCOVER, %u REQUEST, %u ACK, %u NAK, %u renewals)\n", d->discovers,
		d->requests, d->acks, d->naks, d->renewals);
	if (d->bootfile[0] != '\0')
		fprintf(out, "    boot file %s from %s%s%s\n", d->bootfile,
			d->next_server ? fmt_ipv4(d->next_server, sv) : "?",
			d->tftp_server[0] ? ", tftp server name " : "", d->tftp_server);
}

/* ---- values (field.h) ---------------------------------------------------- */

static void dhcp_state_f(const void *obj, struct value *v)
{
	value_str(v, dhcp_state_name(((const struct dhcp_client *)obj)->state));
}

static void dhcp_server_f(const void *obj, struct value *v)
{
	value_ipv4(v, ((const struct dhcp_client *)obj)->server);
}

static void dhcp_router_f(const void *obj, struct value *v)
{
	value_ipv4(v, ((const struct dhcp_client *)obj)->router);
}

static void dhcp_dns_f(const void *obj, struct value *v)
{
	value_ipv4(v, ((const struct dhcp_client *)obj)->dns);
}

static void dhcp_next_server_f(const void *obj, struct value *v)
{
	value_ipv4(v, ((const struct dhcp_client *)obj)->next_server);
}

static void dhcp_bootfile_f(const void *obj, struct value *v)
{
	const struct dhcp_client *d = obj;

	value_str(v, d->bootfile[0] ? d->bootfile : "none");
}

static void dhcp_tftp_server_f(const void *obj, struct value *v)
{
	const struct dhcp_client *d = obj;

	value_str(v, d->tftp_server[0] ? d->tftp_server : "none");
}

#define U(name) FIELD_U32(struct dhcp_client, #name, name, 0)
static const struct field dhcp_f[] = {
	FIELD_FN("state", dhcp_state_f, FIELD_TEXT),
	FIELD_FN("server", dhcp_server_f, FIELD_TEXT),
	FIELD_FN("router", dhcp_router_f, FIELD_TEXT),
	FIELD_FN("dns", dhcp_dns_f, FIELD_TEXT),
	U(lease), U(t1), U(t2), U(acks), U(renewals), U(discovers), U(requests), U(offers),
	U(naks),
	FIELD_FN("bootfile", dhcp_bootfile_f, FIELD_TEXT),
	FIELD_FN("tftp_server", dhcp_tftp_server_f, FIELD_TEXT),
	FIELD_FN("next_server", dhcp_next_server_f, FIELD_TEXT),
};
#undef U

const struct field_table dhcp_fields = { dhcp_f, ARRAY_SIZE(dhcp_f) };

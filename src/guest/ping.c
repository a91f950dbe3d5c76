/*
 * A sim guest's ping sessions, as ping(8) runs them: one echo request per
 * interval; each reply printed as it comes ("64 bytes from 10.0.1.3:
 * icmp_seq=0 ttl=64 time=0.004 ms", "(DUP!)" for a duplicate); a request
 * still unanswered when the next one leaves reported as `ping -O` does
 * ("no answer yet for icmp_seq=0"); a request dropped because ARP never
 * answered reported as ping(8) reports it ("From 10.0.1.1 icmp_seq=0
 * Destination Host Unreachable"); and the statistics once every request
 * is answered or known lost, or a while after the last (ping_linger). Replies
 * that come later still count, as the expectations and the report read
 * the counters, not the printout. icmp_seq is the number on the wire, as
 * the trace and tshark show it: the first request is 0.
 */
#include "stack.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* How long after its last request a session waits for replies: an
 * interval (at least a second) once replies have come; with none yet, also
 * long enough for the stack's ARP to give up (ARP_RETRIES tries a second
 * apart), so that "Destination Host Unreachable" comes before the
 * statistics, as in ping(8). */
static uint64_t ping_linger(const struct ping *p)
{
	uint64_t t = MAX(p->interval, NS_PER_SEC);

	return p->received > 0 ? t : MAX(t, ARP_RETRIES * NS_PER_SEC + NS_PER_MS);
}

static void ping_finish(struct ping *p)
{
	struct guest *gu = p->guest;
	char ip[16], dups[64] = "";
	uint32_t lost = p->sent - MIN(p->received, p->sent);

	if (p->done)
		return;
	p->done = true;
	loop_timer_disarm(gu->node.g->loop, &p->timer);
	fmt_ipv4(p->dst, ip);
	if (p->dups > 0)
		snprintf(dups, sizeof(dups), ", +%u duplicate%s", p->dups, p->dups == 1 ? "" : "s");
	if (p->errors > 0)
		snprintf(dups + strlen(dups), sizeof(dups) - strlen(dups), ", +%u error%s",
			 p->errors, p->errors == 1 ? "" : "s");
	guest_event(gu, "--- %s ping statistics ---", ip);
	guest_event(gu, "%u packets transmitted, %u received%s, %g%% packet loss, time %.0fms",
		    p->sent, p->received, dups, p->sent ? 100.0 * lost / p->sent : 0.0,
		    p->sent ? (double)(p->sent_at[p->sent - 1] - p->sent_at[0]) / 1e6 : 0.0);
	if (p->received > 0) {
		double n = p->received, avg = (double)p->rtt_sum / n / 1e6;
		double var = p->rtt_sq / n - avg * avg;

		guest_event(gu, "rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms",
			    (double)p->rtt_min / 1e6, avg, (double)p->rtt_max / 1e6,
			    var > 0 ? sqrt(var) : 0.0);
	}
}

static void ping_tick(void *arg)
{
	struct ping *p = arg;
	struct guest *gu = p->guest;
	struct loop *l = gu->node.g->loop;
	uint8_t rest[4], *data;
	uint16_t seq = (uint16_t)p->sent;

	if (p->sent == p->count) {
		ping_finish(p);
		return;
	}
	if (p->sent > 0 && !p->got[p->sent - 1])
		guest_event(gu, "no answer yet for icmp_seq=%u", p->sent - 1);
	data = xcalloc(1, p->size ? p->size : 1);
	for (uint32_t i = 0; i < p->size; i++)
		data[i] = (uint8_t)(i + 0x10);
	wr16(rest, p->ident);
	wr16(rest + 2, seq);
	p->sent_at[p->sent] = MAX(loop_now(l), 1);
	p->sent++;
	gu->tx_ttl = p->ttl;
	guest_icmp_send(gu, p->dst, 8, 0, rest, data, p->size, 0);
	gu->tx_ttl = 0;
	free(data);
	loop_timer_arm(l, &p->timer,
		       loop_now(l) + (p->sent < p->count ? p->interval : ping_linger(p)));
}

void guest_ping_reply(struct guest *gu, uint32_t from, uint16_t ident, uint16_t seq, uint8_t ttl,
		      uint32_t len)
{
	uint64_t now = loop_now(gu->node.g->loop);

	for (int i = gu->npings - 1; i >= 0; i--) {
		struct ping *p = gu->pings[i];
		uint64_t rtt;
		int64_t idx;
		char ip[16];

		if (p->ident != ident || p->dst != from)
			continue;
		/* The wire's 16-bit number names the latest request that has it. */
		idx = (int64_t)p->sent - 1 - (uint16_t)(p->sent - 1 - seq);
		if (p->sent == 0 || idx < 0 || p->sent_at[idx] == 0)
			return;
		rtt = now - p->sent_at[idx];
		fmt_ipv4(from, ip);
		if (p->got[idx]) {
			p->dups++;
			guest_event(gu, "%u bytes from %s: icmp_seq=%u ttl=%u time=%.3f ms (DUP!)",
				    len, ip, seq, ttl, (double)rtt / 1e6);
			return;
		}
		p->got[idx] = 1;
		p->received++;
		p->rtt_sum += rtt;
		p->rtt_sq += ((double)rtt / 1e6) * ((double)rtt / 1e6);
		if (p->received == 1 || rtt < p->rtt_min)
			p->rtt_min = rtt;
		if (rtt > p->rtt_max)
			p->rtt_max = rtt;
		guest_event(gu, "%u bytes from %s: icmp_seq=%u ttl=%u time=%.3f ms", len, ip, seq,
			    ttl, (double)rtt / 1e6);
		if (p->received + p->errors == p->count)
			ping_finish(p);
		return;
	}
}

void guest_ping_error(struct guest *gu, uint32_t from, const uint8_t *ip, uint32_t len,
		      const char *what)
{
	uint32_t ihl;
	const uint8_t *m;
	char src[16];

	if (len < IP_HLEN || (ip[0] >> 4) != 4 || ip[9] != 1)
		return;
	ihl = (ip[0] & 0xfu) * 4u;
	if (ihl < IP_HLEN || len < ihl + ICMP_HLEN)
		return;
	m = ip + ihl;
	if (m[0] != 8)
		return;
	for (int i = gu->npings - 1; i >= 0; i--) {
		struct ping *p = gu->pings[i];

		if (p->ident != rd16(m + 4) || p->dst != rd32(ip + 16))
			continue;
		p->errors++;
		guest_event(gu, "From %s icmp_seq=%u %s", fmt_ipv4(from, src), rd16(m + 6), what);
		if (p->received + p->errors == p->count)
			ping_finish(p);
		return;
	}
}

struct ping *guest_ping(struct guest *gu, uint32_t dst, uint32_t count, uint64_t interval,
			uint32_t size, uint8_t ttl, char *err)
{
	struct ping *p;

	if (count == 0 || count > PING_MAX_COUNT) {
		errf(err, "count must be 1..%u", PING_MAX_COUNT);
		return NULL;
	}
	if (size > PING_MAX_SIZE) {
		errf(err, "size %u is too large: at most %u (no IP fragmentation)", size,
		     PING_MAX_SIZE);
		return NULL;
	}
	if (gu->npings == GUEST_MAX_PINGS) {
		errf(err, "%s already ran %d pings, the most one guest keeps", gu->node.name,
		     GUEST_MAX_PINGS);
		return NULL;
	}
	p = xcalloc(1, sizeof(*p));
	p->guest = gu;
	p->dst = dst;
	p->ident = (uint16_t)(gu->ident_base + gu->npings);
	p->count = count;
	p->size = size;
	p->interval = interval;
	p->ttl = ttl;
	p->started = loop_now(gu->node.g->loop);
	p->sent_at = xcalloc(count, sizeof(*p->sent_at));
	p->got = xcalloc(count, 1);
	timer_init(&p->timer, ping_tick, p);
	VEC_RESERVE(gu->pings, gu->npings, gu->pingscap);
	gu->pings[gu->npings++] = p;
	ping_tick(p);
	return p;
}

struct ping *guest_last_ping(struct guest *gu, uint32_t dst)
{
	for (int i = gu->npings - 1; i >= 0; i--)
		if (dst == 0 || gu->pings[i]->dst == dst)
			return gu->pings[i];
	return NULL;
}

void guest_ping_free(struct ping *p)
{
	loop_timer_disarm(p->guest->node.g->loop, &p->timer);
	free(p->sent_at);
	free(p->got);
	free(p);
}

/* ---- values (field.h) ---------------------------------------------------- */

static void ping_dst(const void *obj, struct value *v)
{
	value_ipv4(v, ((const struct ping *)obj)->dst);
}

static void ping_started_ms(const void *obj, struct value *v)
{
	value_num(v, (double)(((const struct ping *)obj)->started / NS_PER_MS));
}

/* Percent of the requests sent with no reply; 100 when none was sent. */
static void ping_loss(const void *obj, struct value *v)
{
	const struct ping *p = obj;

	value_num(v, p->sent ? 100.0 * (p->sent - MIN(p->received, p->sent)) / p->sent : 100);
}

/* Round-trip times in ms; none before the first reply. */
static void ping_rtt(const struct ping *p, uint64_t ns, struct value *v)
{
	if (p->received == 0)
		value_str(v, "none");
	else
		value_num(v, (double)ns / 1e6);
}

static void ping_rtt_min(const void *obj, struct value *v)
{
	ping_rtt(obj, ((const struct ping *)obj)->rtt_min, v);
}

static void ping_rtt_avg(const void *obj, struct value *v)
{
	const struct ping *p = obj;

	ping_rtt(p, p->received ? p->rtt_sum / p->received : 0, v);
}

static void ping_rtt_max(const void *obj, struct value *v)
{
	ping_rtt(obj, ((const struct ping *)obj)->rtt_max, v);
}

static const struct field ping_f[] = {
	FIELD_FN("dst", ping_dst, FIELD_TEXT),
	FIELD_FN("started_ms", ping_started_ms, 0),
	FIELD_U32(struct ping, "count", count, 0),
	FIELD_U32(struct ping, "size", size, 0),
	FIELD_U32(struct ping, "sent", sent, 0),
	FIELD_U32(struct ping, "received", received, 0),
	FIELD_U32(struct ping, "dups", dups, 0),
	FIELD_FN("loss", ping_loss, 0),
	FIELD_FN("rtt_min", ping_rtt_min, 0),
	FIELD_FN("rtt_avg", ping_rtt_avg, 0),
	FIELD_FN("rtt_max", ping_rtt_max, 0),
};

const struct field_table ping_fields = { ping_f, ARRAY_SIZE(ping_f) };

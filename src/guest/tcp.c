/*
 * A small TCP for sim guests (RFC 793/9293 in outline).
 *
 *  - Active open (`tcp_connect`) and passive open on listeners: port 7
 *    echoes, port 9 discards, `tcp_listen` adds sinks. MSS 1460 is offered
 *    and the peer's is honoured (536 without the option); no window
 *    scaling, SACK or timestamps.
 *  - Data both ways. Received data in order is taken at once (the window
 *    stays 65535) and kept as a count plus the last RX_KEEP bytes for
 *    display; echo connections send it back and shrink their window while
 *    their send buffer is full. Segments out of order are dropped and
 *    answered with a duplicate ACK; the sender retransmits.
 *  - ACKs: every second full segment at once, otherwise after 10 ms, and at
 *    once for a FIN, a window update or anything out of order.
 *  - Retransmission: RTO from RFC 6298 (initial 1 s, floor 200 ms, ceiling
 *    60 s, doubling), Karn's rule for RTT samples, go-back-N from snd_una;
 *    after TCP_MAX_RETRIES the connection is aborted with a RST. A zero
 *    window is probed with one byte on the same timer.
 *  - FIN in both directions (FIN_WAIT_1/2, CLOSING, TIME_WAIT for 2 s,
 *    CLOSE_WAIT, LAST_ACK); RST sent for segments to no
 *    connection, and honoured when its sequence number is in the window.
 *
 * At most GUEST_MAX_TCP connections per guest; a closed one's slot is
 * reused (oldest first), and a SYN beyond that is answered with a RST.
 */
#include "stack.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TCP_MSS 1460u
#define TCP_MIN_MSS 88u             /* Linux's floor for a peer's MSS option */
#define TCP_WINDOW 65535u
#define TCP_SNDBUF_MAX (16u << 20)     /* bytes an application may queue */
#define TCP_ECHO_BUF (256u << 10)      /* echo: received but not yet sent back */
#define TCP_RTO_INIT (1 * NS_PER_SEC)
#define TCP_RTO_MIN (200 * NS_PER_MS)
#define TCP_RTO_MAX (60 * NS_PER_SEC)
#define TCP_MAX_RETRIES 8
#define TCP_TIME_WAIT_NS (2 * NS_PER_SEC)
#define TCP_DELACK (10 * NS_PER_MS)
#define RX_KEEP 512

enum { F_FIN = 1, F_SYN = 2, F_RST = 4, F_PSH = 8, F_ACK = 16 };

struct tcp_conn {
	struct guest *gu;
	int id;
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	enum tcp_state state;
	enum tcp_app app;
	bool passive;

	/* send side: sbuf holds the bytes from snd_una on (sent or not) */
	uint32_t iss, snd_una, snd_nxt, snd_wnd;
	uint16_t mss;
	uint8_t *sbuf;
	uint32_t slen, scap;
	bool fin_wanted, fin_sent;
	uint32_t fin_seq;

	/* receive side */
	uint32_t irs, rcv_nxt;
	uint32_t unacked_segs;
	bool ack_now;
	char rx[RX_KEEP + 1];       /* the last bytes received, as text */
	uint32_t rxlen;

	/* timers */
	struct timer rtx, delack, tw;
	uint64_t rto, srtt, rttvar;
	bool rtt_timing;
	uint32_t rtt_seq;
	uint64_t rtt_start;
	int backoff;

	uint64_t rx_bytes, tx_bytes, retransmits, segs_in, segs_out;
	uint64_t opened, established_at, closed_at;
	char error[64];             /* why it closed: "reset by peer", "timed out" */
};

static void tcp_output(struct tcp_conn *c);

const char *tcp_state_name(enum tcp_state st)
{
	static const char *const n[] = {
		[TS_CLOSED] = "closed", [TS_LISTEN] = "listen", [TS_SYN_SENT] = "syn_sent",
		[TS_SYN_RCVD] = "syn_rcvd", [TS_ESTABLISHED] = "established",
		[TS_FIN_WAIT_1] = "fin_wait_1", [TS_FIN_WAIT_2] = "fin_wait_2",
		[TS_CLOSING] = "closing", [TS_TIME_WAIT] = "time_wait",
		[TS_CLOSE_WAIT] = "close_wait", [TS_LAST_ACK] = "last_ack",
	};

	return (size_t)st < ARRAY_SIZE(n) ? n[st] : "?";
}

/* Sequence arithmetic. */
static bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static bool seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

static struct loop *L(struct tcp_conn *c)
{
	return c->gu->node.g->loop;
}

static uint64_t now(struct tcp_conn *c)
{
	return loop_now(L(c));
}

static const char *endpoint(uint32_t a, uint16_t p, char *buf)
{
	char ip[16];

	snprintf(buf, 24, "%s:%u", fmt_ipv4(a, ip), p);
	return buf;
}

/* ---- segments ---------------------------------------------------------------- */

static uint16_t rcv_window(const struct tcp_conn *c)
{
	if (c->app == TCP_APP_ECHO) {
		uint32_t room = c->slen >= TCP_ECHO_BUF ? 0 : TCP_ECHO_BUF - c->slen;

		return (uint16_t)MIN(room, TCP_WINDOW);
	}
	return TCP_WINDOW;
}

static void send_seg(struct guest *gu, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
		     uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win, const uint8_t *data,
		     uint32_t len, bool mss_opt)
{
	uint8_t buf[TCP_HLEN + 4 + TCP_MSS];
	uint32_t hl = TCP_HLEN + (mss_opt ? 4 : 0);

	if (len > TCP_MSS)
		len = TCP_MSS;
	wr16(buf, sport);
	wr16(buf + 2, dport);
	wr32(buf + 4, seq);
	wr32(buf + 8, ack);
	buf[12] = (uint8_t)((hl / 4) << 4);
	buf[13] = flags;
	wr16(buf + 14, win);
	wr16(buf + 16, 0);
	wr16(buf + 18, 0);
	if (mss_opt) {
		buf[20] = 2;
		buf[21] = 4;
		wr16(buf + 22, TCP_MSS);
	}
	if (len > 0)
		memcpy(buf + hl, data, len);
	gu->st.tcp_segs_out++;
	if (flags & F_RST)
		gu->st.tcp_resets_sent++;
	guest_ip_output(gu, dst, 6, buf, hl + len, src);
}

static void conn_seg(struct tcp_conn *c, uint32_t seq, uint8_t flags, const uint8_t *data,
		     uint32_t len)
{
	bool syn = flags & F_SYN;

	c->segs_out++;
	if (c->state != TS_SYN_SENT)
		flags |= F_ACK;
	send_seg(c->gu, c->laddr, c->raddr, c->lport, c->rport, seq,
		 (flags & F_ACK) ? c->rcv_nxt : 0, flags, rcv_window(c), data, len, syn);
	if (flags & F_ACK) {
		c->unacked_segs = 0;
		c->ack_now = false;
		loop_timer_disarm(L(c), &c->delack);
	}
}

static void send_ack(struct tcp_conn *c)
{
	conn_seg(c, c->snd_nxt, F_ACK, NULL, 0);
}

/* ---- life cycle --------------------------------------------------------------- */

static void conn_closed(struct tcp_conn *c, const char *why)
{
	char l[24], r[24];

	loop_timer_disarm(L(c), &c->rtx);
	loop_timer_disarm(L(c), &c->delack);
	loop_timer_disarm(L(c), &c->tw);
	if (why != NULL) {
		snprintf(c->error, sizeof(c->error), "%s", why);
		guest_event(c->gu, "tcp %d %s -> %s: %s", c->id, endpoint(c->laddr, c->lport, l),
			    endpoint(c->raddr, c->rport, r), why);
	}
	c->state = TS_CLOSED;
	c->closed_at = now(c);
	free(c->sbuf);
	c->sbuf = NULL;
	c->slen = c->scap = 0;
}

static void tw_cb(void *arg)
{
	struct tcp_conn *c = arg;

	conn_closed(c, NULL);
}

static void enter_time_wait(struct tcp_conn *c)
{
	c->state = TS_TIME_WAIT;
	loop_timer_disarm(L(c), &c->rtx);
	loop_timer_arm(L(c), &c->tw, now(c) + TCP_TIME_WAIT_NS);
}

static void rtx_arm(struct tcp_conn *c)
{
	loop_timer_arm(L(c), &c->rtx, now(c) + c->rto);
}

static void rtx_cb(void *arg)
{
	struct tcp_conn *c = arg;
	struct guest *gu = c->gu;

	if (++c->backoff > TCP_MAX_RETRIES) {
		conn_seg(c, c->snd_nxt, F_RST, NULL, 0);
		conn_closed(c, "timed out");
		return;
	}
	c->rto = MIN(c->rto * 2, TCP_RTO_MAX);
	c->rtt_timing = false;      /* Karn: no sample from a retransmission */
	c->retransmits++;
	gu->st.tcp_retransmits++;
	switch (c->state) {
	case TS_SYN_SENT:
	case TS_SYN_RCVD:       /* conn_seg adds the ACK of a SYN-ACK */
		conn_seg(c, c->iss, F_SYN, NULL, 0);
		break;
	default:
		if (c->snd_nxt == c->snd_una && c->slen > 0 && c->snd_wnd == 0) {
			/* Zero-window probe: one byte past the window. */
			conn_seg(c, c->snd_una, F_PSH, c->sbuf, 1);
			c->snd_nxt = c->snd_una + 1;
			break;
		}
		c->snd_nxt = c->snd_una;    /* go back N */
		if (c->fin_sent && seq_le(c->snd_una, c->fin_seq))
			c->fin_sent = false;
		tcp_output(c);
		break;
	}
	rtx_arm(c);
}

static void delack_cb(void *arg)
{
	send_ack(arg);
}

static struct tcp_conn *conn_new(struct guest *gu, char *err)
{
	struct tcp_conn *c = NULL;
	int victim = -1;

	if (gu->ntcp == GUEST_MAX_TCP) {
		for (int i = 0; i < gu->ntcp; i++)
			if (gu->tcp[i]->state == TS_CLOSED &&
			    (victim < 0 || gu->tcp[i]->closed_at < gu->tcp[victim]->closed_at))
				victim = i;
		if (victim < 0) {
			if (err)
				errf(err, "%s has %d TCP connections open, the most it keeps",
				     gu->node.name, GUEST_MAX_TCP);
			return NULL;
		}
		free(gu->tcp[victim]);
		memmove(gu->tcp + victim, gu->tcp + victim + 1,
			(size_t)(gu->ntcp - victim - 1) * sizeof(*gu->tcp));
		gu->ntcp--;
	}
	c = xcalloc(1, sizeof(*c));
	c->gu = gu;
	c->id = ++gu->tcp_next_id;
	c->rto = TCP_RTO_INIT;
	c->mss = 536;
	c->opened = loop_now(gu->node.g->loop);
	timer_init(&c->rtx, rtx_cb, c);
	timer_init(&c->delack, delack_cb, c);
	timer_init(&c->tw, tw_cb, c);
	/* The initial sequence number: from the guest, the clock and the id. */
	c->iss = (uint32_t)(rng_hash(gu->node.name) ^ (c->opened / 4000) ^
			    ((uint64_t)c->id * 0x9e3779b9u));
	gu->tcp[gu->ntcp++] = c;
	return c;
}

struct tcp_conn *tcp_find(struct guest *gu, int id)
{
	for (int i = 0; i < gu->ntcp; i++)
		if (gu->tcp[i]->id == id)
			return gu->tcp[i];
	return NULL;
}

int tcp_count(const struct guest *gu)
{
	return gu->ntcp;
}

struct tcp_conn *tcp_at(struct guest *gu, int i)
{
	return i >= 0 && i < gu->ntcp ? gu->tcp[i] : NULL;
}

static bool port_in_use(struct guest *gu, uint16_t port)
{
	for (int i = 0; i < gu->ntcp; i++)
		if (gu->tcp[i]->state != TS_CLOSED && gu->tcp[i]->lport == port)
			return true;
	for (int i = 0; i < gu->nlisten; i++)
		if (gu->listen[i].port == port)
			return true;
	return false;
}

int tcp_connect(struct guest *gu, uint32_t dst, uint16_t dport, uint16_t sport, char *err)
{
	uint32_t nexthop;
	struct nic *nic = guest_route(gu, dst, &nexthop);
	struct tcp_conn *c;
	char l[24], r[24];

	if (nic == NULL)
		return errf(err, "tcp_connect: %s has no route to %s", gu->node.name,
			    fmt_ipv4(dst, (char[16]){ 0 }));
	if (sport == 0) {
		for (int tries = 0; tries < 16384; tries++) {
			sport = gu->tcp_next_port++;
			if (gu->tcp_next_port < 49152)
				gu->tcp_next_port = 49152;
			if (!port_in_use(gu, sport))
				break;
		}
	} else {
		for (int i = 0; i < gu->ntcp; i++) {
			struct tcp_conn *o = gu->tcp[i];

			if (o->state != TS_CLOSED && o->lport == sport && o->raddr == dst &&
			    o->rport == dport)
				return errf(err, "tcp_connect: %s:%u to %s:%u is already open (tcp %d)",
					    gu->node.name, sport, fmt_ipv4(dst, (char[16]){ 0 }),
					    dport, o->id);
		}
	}
	if ((c = conn_new(gu, err)) == NULL)
		return -1;
	c->laddr = nic->ip;
	c->raddr = dst;
	c->lport = sport;
	c->rport = dport;
	c->app = TCP_APP_SINK;
	c->state = TS_SYN_SENT;
	c->snd_una = c->iss;
	c->snd_nxt = c->iss + 1;
	conn_seg(c, c->iss, F_SYN, NULL, 0);
	rtx_arm(c);
	guest_event(gu, "tcp %d %s -> %s: connecting", c->id, endpoint(c->laddr, c->lport, l),
		    endpoint(c->raddr, c->rport, r));
	return c->id;
}

int tcp_send(struct tcp_conn *c, const uint8_t *data, uint32_t len, char *err)
{
	if (c->state != TS_ESTABLISHED && c->state != TS_CLOSE_WAIT &&
	    c->state != TS_SYN_SENT && c->state != TS_SYN_RCVD)
		return errf(err, "tcp %d is %s: nothing more can be sent", c->id,
			    tcp_state_name(c->state));
	if (c->fin_wanted)
		return errf(err, "tcp %d is closing: nothing more can be sent", c->id);
	if (len == 0)
		return 0;       /* nothing to queue (and no buffer yet to add it to) */
	if (c->slen + len > TCP_SNDBUF_MAX)
		return errf(err, "tcp %d: the send buffer would pass %u bytes", c->id,
			    TCP_SNDBUF_MAX);
	if (c->slen + len > c->scap) {
		c->scap = MAX(c->slen + len, c->scap * 2);
		c->sbuf = xrealloc(c->sbuf, c->scap);
	}
	memcpy(c->sbuf + c->slen, data, len);
	c->slen += len;
	if (c->state == TS_ESTABLISHED || c->state == TS_CLOSE_WAIT)
		tcp_output(c);
	return 0;
}

int tcp_close(struct tcp_conn *c, bool abort, char *err)
{
	if (c->state == TS_CLOSED || c->state == TS_TIME_WAIT)
		return errf(err, "tcp %d is already %s", c->id, tcp_state_name(c->state));
	if (abort) {
		if (c->state != TS_SYN_SENT)
			conn_seg(c, c->snd_nxt, F_RST, NULL, 0);
		conn_closed(c, "aborted (RST sent)");
		return 0;
	}
	if (c->state == TS_SYN_SENT) {
		conn_closed(c, "closed before it connected");
		return 0;
	}
	if (c->fin_wanted)
		return errf(err, "tcp %d is already closing (%s)", c->id, tcp_state_name(c->state));
	c->fin_wanted = true;
	tcp_output(c);
	return 0;
}

int tcp_listen(struct guest *gu, uint16_t port, enum tcp_app app, char *err)
{
	for (int i = 0; i < gu->nlisten; i++) {
		if (gu->listen[i].port == port) {
			gu->listen[i].app = app;
			return 0;
		}
	}
	if (gu->nlisten == GUEST_MAX_LISTEN)
		return errf(err, "%s already listens on %d ports", gu->node.name, GUEST_MAX_LISTEN);
	gu->listen[gu->nlisten++] = (struct tcp_listener){ .port = port, .app = app };
	return 0;
}

/* ---- output ------------------------------------------------------------------ */

static void tcp_output(struct tcp_conn *c)
{
	for (;;) {
		uint32_t sent = c->snd_nxt - c->snd_una;       /* in flight */
		uint32_t unsent, room, n;

		if (c->fin_sent && sent > 0)
			sent = MIN(sent, c->slen);    /* the FIN takes a sequence number */
		unsent = c->slen > sent ? c->slen - sent : 0;
		room = c->snd_wnd > sent ? c->snd_wnd - sent : 0;
		n = MIN(MIN(unsent, room), (uint32_t)c->mss);
		if (n == 0)
			break;
		conn_seg(c, c->snd_nxt, (n == unsent) ? F_PSH : 0, c->sbuf + sent, n);
		if (!c->rtt_timing) {
			c->rtt_timing = true;
			c->rtt_seq = c->snd_nxt;
			c->rtt_start = now(c);
		}
		c->snd_nxt += n;
		if (!timer_armed(&c->rtx))
			rtx_arm(c);
	}
	if (c->fin_wanted && !c->fin_sent && c->snd_nxt - c->snd_una == c->slen &&
	    (c->state == TS_ESTABLISHED || c->state == TS_CLOSE_WAIT ||
	     c->state == TS_FIN_WAIT_1 || c->state == TS_LAST_ACK ||
	     c->state == TS_CLOSING)) {
		c->fin_seq = c->snd_nxt;
		conn_seg(c, c->snd_nxt, F_FIN, NULL, 0);
		c->snd_nxt++;
		c->fin_sent = true;
		if (c->state == TS_ESTABLISHED)
			c->state = TS_FIN_WAIT_1;
		else if (c->state == TS_CLOSE_WAIT)
			c->state = TS_LAST_ACK;
		if (!timer_armed(&c->rtx))
			rtx_arm(c);
	}
	if (c->slen > 0 && c->snd_wnd == 0 && !timer_armed(&c->rtx))
		rtx_arm(c);     /* the persist timer */
}

/* ---- input --------------------------------------------------------------------- */

static void reset_for(struct guest *gu, const uint8_t *ip, const uint8_t *seg, uint32_t dlen)
{
	uint8_t flags = seg[13];
	uint32_t seq = rd32(seg + 4), ack = rd32(seg + 8);

	if (flags & F_RST)
		return;
	if (flags & F_ACK)
		send_seg(gu, rd32(ip + 16), rd32(ip + 12), rd16(seg + 2), rd16(seg), ack, 0, F_RST, 0,
			 NULL, 0, false);
	else
		send_seg(gu, rd32(ip + 16), rd32(ip + 12), rd16(seg + 2), rd16(seg), 0,
			 seq + dlen + ((flags & F_SYN) ? 1 : 0) + ((flags & F_FIN) ? 1 : 0),
			 F_RST | F_ACK, 0, NULL, 0, false);
}

static uint16_t parse_mss_opt(const uint8_t *seg, uint32_t hl)
{
	for (uint32_t o = TCP_HLEN; o < hl;) {
		uint8_t k = seg[o];

		if (k == 0)
			break;
		if (k == 1) {
			o++;
			continue;
		}
		if (o + 1 >= hl || seg[o + 1] < 2 || o + seg[o + 1] > hl)
			break;
		if (k == 2 && seg[o + 1] == 4)
			return rd16(seg + o + 2);
		o += seg[o + 1];
	}
	return 536;
}

/* The peer's MSS option (536 without one), held to TCP_MIN_MSS..TCP_MSS
 * as Linux does: an MSS of 0 would stall the connection, 1 would send a
 * frame per byte. */
static uint16_t parse_mss(const uint8_t *seg, uint32_t hl)
{
	return (uint16_t)MIN(MAX(parse_mss_opt(seg, hl), TCP_MIN_MSS), TCP_MSS);
}

static void rtt_sample(struct tcp_conn *c, uint64_t r)
{
	if (c->srtt == 0) {
		c->srtt = r;
		c->rttvar = r / 2;
	} else {
		uint64_t d = c->srtt > r ? c->srtt - r : r - c->srtt;

		c->rttvar = (3 * c->rttvar + d) / 4;
		c->srtt = (7 * c->srtt + r) / 8;
	}
	c->rto = MIN(MAX(c->srtt + MAX(4 * c->rttvar, (uint64_t)NS_PER_MS), TCP_RTO_MIN),
		     TCP_RTO_MAX);
}

static void established(struct tcp_conn *c)
{
	char l[24], r[24];

	c->state = TS_ESTABLISHED;
	c->established_at = now(c);
	guest_event(c->gu, "tcp %d %s -> %s: established%s", c->id,
		    endpoint(c->laddr, c->lport, l), endpoint(c->raddr, c->rport, r),
		    c->passive ? (c->app == TCP_APP_ECHO ? " (echo)" :
				  c->app == TCP_APP_DISCARD ? " (discard)" : " (accepted)") : "");
}

/* The ACK field of an acceptable segment. */
static void process_ack(struct tcp_conn *c, uint32_t ack, uint16_t win)
{
	uint32_t acked;

	if (seq_lt(c->snd_nxt, ack))
		return;                 /* acks what we never sent */
	if (seq_le(ack, c->snd_una)) {
		if (ack == c->snd_una)
			c->snd_wnd = win;
		return;
	}
	acked = ack - c->snd_una;
	if (c->fin_sent && seq_lt(c->fin_seq, ack)) {
		acked--;                /* the FIN's sequence number */
		if (c->state == TS_FIN_WAIT_1)
			c->state = TS_FIN_WAIT_2;
		else if (c->state == TS_CLOSING)
			enter_time_wait(c);
		else if (c->state == TS_LAST_ACK) {
			c->snd_una = ack;
			conn_closed(c, "closed");
			return;
		}
	}
	acked = MIN(acked, c->slen);
	memmove(c->sbuf, c->sbuf + acked, c->slen - acked);
	c->slen -= acked;
	c->tx_bytes += acked;
	c->snd_una = ack;
	c->snd_wnd = win;
	if (c->rtt_timing && seq_lt(c->rtt_seq, ack)) {
		rtt_sample(c, now(c) - c->rtt_start);
		c->rtt_timing = false;
	}
	c->backoff = 0;
	if (c->snd_una == c->snd_nxt)
		loop_timer_disarm(L(c), &c->rtx);
	else
		rtx_arm(c);
}

static void take_data(struct tcp_conn *c, const uint8_t *d, uint32_t n)
{
	c->rx_bytes += n;
	if (c->app == TCP_APP_ECHO) {
		tcp_send(c, d, n, NULL);
		return;
	}
	if (c->app == TCP_APP_DISCARD)
		return;
	/* Keep the last RX_KEEP bytes for display. */
	if (n >= RX_KEEP) {
		memcpy(c->rx, d + n - RX_KEEP, RX_KEEP);
		c->rxlen = RX_KEEP;
	} else {
		if (c->rxlen + n > RX_KEEP) {
			uint32_t drop = c->rxlen + n - RX_KEEP;

			memmove(c->rx, c->rx + drop, c->rxlen - drop);
			c->rxlen -= drop;
		}
		memcpy(c->rx + c->rxlen, d, n);
		c->rxlen += n;
	}
	c->rx[c->rxlen] = '\0';
}

static struct tcp_conn *lookup(struct guest *gu, uint32_t laddr, uint16_t lport, uint32_t raddr,
			       uint16_t rport)
{
	for (int i = gu->ntcp - 1; i >= 0; i--) {
		struct tcp_conn *c = gu->tcp[i];

		if (c->state != TS_CLOSED && c->lport == lport && c->rport == rport &&
		    c->raddr == raddr && c->laddr == laddr)
			return c;
	}
	return NULL;
}

static void passive_open(struct guest *gu, struct tcp_listener *ls, const uint8_t *ip,
			 const uint8_t *seg, uint32_t hl)
{
	struct tcp_conn *c = conn_new(gu, NULL);

	if (c == NULL) {
		reset_for(gu, ip, seg, 0);
		return;
	}
	ls->accepted++;
	c->passive = true;
	c->app = ls->app;
	c->laddr = rd32(ip + 16);
	c->raddr = rd32(ip + 12);
	c->lport = rd16(seg + 2);
	c->rport = rd16(seg);
	c->irs = rd32(seg + 4);
	c->rcv_nxt = c->irs + 1;
	c->mss = parse_mss(seg, hl);
	c->snd_wnd = rd16(seg + 14);
	c->state = TS_SYN_RCVD;
	c->snd_una = c->iss;
	c->snd_nxt = c->iss + 1;
	conn_seg(c, c->iss, F_SYN | F_ACK, NULL, 0);
	rtx_arm(c);
}

void tcp_input(struct guest *gu, struct nic *nic, const uint8_t *ip, const uint8_t *seg,
	       uint32_t len)
{
	uint32_t hl, dlen, seq, ack, sum;
	uint8_t flags;
	uint16_t win;
	struct tcp_conn *c;
	const uint8_t *data;

	sum = csum_add(0, ip + 12, 8) + 6 + len;
	if (len < TCP_HLEN || (hl = (uint32_t)(seg[12] >> 4) * 4) < TCP_HLEN || hl > len ||
	    csum_fold(csum_add(sum, seg, len)) != 0) {
		gu->st.tcp_bad++;
		nic->port->st.drops[DROP_BAD_PACKET]++;
		return;
	}
	gu->st.tcp_segs_in++;
	dlen = len - hl;
	data = seg + hl;
	flags = seg[13];
	seq = rd32(seg + 4);
	ack = rd32(seg + 8);
	win = rd16(seg + 14);
	if (flags & F_RST)
		gu->st.tcp_resets_rx++;
	c = lookup(gu, rd32(ip + 16), rd16(seg + 2), rd32(ip + 12), rd16(seg));
	if (c == NULL) {
		if ((flags & (F_SYN | F_ACK | F_RST)) == F_SYN) {
			for (int i = 0; i < gu->nlisten; i++) {
				if (gu->listen[i].port == rd16(seg + 2)) {
					passive_open(gu, &gu->listen[i], ip, seg, hl);
					return;
				}
			}
		}
		reset_for(gu, ip, seg, dlen);
		return;
	}
	c->segs_in++;

	if (c->state == TS_SYN_SENT) {
		if ((flags & F_ACK) && ack != c->iss + 1) {
			reset_for(gu, ip, seg, dlen);
			return;
		}
		if (flags & F_RST) {
			if (flags & F_ACK)
				conn_closed(c, "connection refused (RST)");
			return;
		}
		if (!(flags & F_SYN))
			return;
		c->irs = seq;
		c->rcv_nxt = seq + 1;
		c->mss = parse_mss(seg, hl);
		if (!(flags & F_ACK))
			return;         /* simultaneous open: not handled; the peer retries */
		c->snd_una = ack;
		c->snd_wnd = win;
		c->backoff = 0;
		loop_timer_disarm(L(c), &c->rtx);
		if (c->retransmits == 0)
			rtt_sample(c, now(c) - c->opened);
		established(c);
		send_ack(c);
		tcp_output(c);
		return;
	}

	/* Synchronized states. Sequence check: only the next expected byte. */
	if (seq != c->rcv_nxt) {
		if (flags & F_RST)
			return;
		if (c->state == TS_SYN_RCVD && (flags & F_SYN) && seq == c->irs) {
			conn_seg(c, c->iss, F_SYN | F_ACK, NULL, 0);    /* our SYN-ACK was lost */
			return;
		}
		if (flags & F_ACK)
			process_ack(c, ack, win);
		if (c->state != TS_CLOSED && (dlen > 0 || (flags & (F_SYN | F_FIN))))
			send_ack(c);        /* duplicate ACK: here is what we expect */
		if (c->state != TS_CLOSED)
			tcp_output(c);
		return;
	}
	if (flags & F_RST) {
		conn_closed(c, c->state == TS_SYN_RCVD ? "reset by peer during the handshake" :
							  "reset by peer");
		return;
	}
	if (flags & F_SYN) {
		send_ack(c);            /* a SYN in the window: challenge ACK, ignore */
		return;
	}
	if (!(flags & F_ACK))
		return;
	if (c->state == TS_SYN_RCVD) {
		if (ack != c->iss + 1) {
			reset_for(gu, ip, seg, dlen);
			return;
		}
		c->snd_una = ack;
		c->snd_wnd = win;
		c->backoff = 0;
		loop_timer_disarm(L(c), &c->rtx);
		established(c);
	} else {
		process_ack(c, ack, win);
		if (c->state == TS_CLOSED)
			return;
	}

	if (dlen > 0) {
		if (c->state == TS_ESTABLISHED || c->state == TS_FIN_WAIT_1 ||
		    c->state == TS_FIN_WAIT_2) {
			uint32_t take = dlen;

			if (c->app == TCP_APP_ECHO)
				take = MIN(take, (uint32_t)rcv_window(c));
			if (take > 0) {
				take_data(c, data, take);
				c->rcv_nxt += take;
			}
			if (take < dlen)
				c->ack_now = true;
			else if (++c->unacked_segs >= 2 || dlen < c->mss)
				c->ack_now = true;
			if (take < dlen)
				flags &= (uint8_t)~F_FIN;   /* the FIN comes after what we left */
		}
	}
	if (flags & F_FIN) {
		c->rcv_nxt++;
		c->ack_now = true;
		switch (c->state) {
		case TS_SYN_RCVD:
		case TS_ESTABLISHED:
			c->state = TS_CLOSE_WAIT;
			guest_event(gu, "tcp %d: the peer closed its side (%" PRIu64 " bytes in)",
				    c->id, c->rx_bytes);
			if (c->passive)
				c->fin_wanted = true;   /* services close back */
			break;
		case TS_FIN_WAIT_1:
			if (c->fin_sent && c->snd_una == c->snd_nxt)
				enter_time_wait(c);
			else
				c->state = TS_CLOSING;
			break;
		case TS_FIN_WAIT_2:
			enter_time_wait(c);
			guest_event(gu, "tcp %d: closed both ways (%" PRIu64 " bytes in, %" PRIu64
					" out)", c->id, c->rx_bytes, c->tx_bytes);
			break;
		default:
			break;
		}
	}
	if (c->ack_now)
		send_ack(c);
	else if (dlen > 0 && !timer_armed(&c->delack))
		loop_timer_arm(L(c), &c->delack, now(c) + TCP_DELACK);
	tcp_output(c);
}

/* ---- what it shows ------------------------------------------------------------- */

int tcp_field(const struct tcp_conn *c, const char *name, char *buf, size_t len)
{
	char t[24];

	if (strcmp(name, "state") == 0)
		snprintf(buf, len, "%s", tcp_state_name(c->state));
	else if (strcmp(name, "rx_bytes") == 0)
		snprintf(buf, len, "%" PRIu64, c->rx_bytes);
	else if (strcmp(name, "tx_bytes") == 0)
		snprintf(buf, len, "%" PRIu64, c->tx_bytes);
	else if (strcmp(name, "retransmits") == 0)
		snprintf(buf, len, "%" PRIu64, c->retransmits);
	else if (strcmp(name, "unacked") == 0)
		snprintf(buf, len, "%u", c->slen);
	else if (strcmp(name, "rx") == 0)
		snprintf(buf, len, "%s", c->rx);
	else if (strcmp(name, "local") == 0)
		snprintf(buf, len, "%s", endpoint(c->laddr, c->lport, t));
	else if (strcmp(name, "remote") == 0)
		snprintf(buf, len, "%s", endpoint(c->raddr, c->rport, t));
	else if (strcmp(name, "error") == 0)
		snprintf(buf, len, "%s", c->error[0] ? c->error : "none");
	else if (strcmp(name, "rtt") == 0)
		snprintf(buf, len, "%.3f", (double)c->srtt / 1e6);
	else
		return -1;
	return 0;
}

static void printable(const char *s, char *out, size_t n)
{
	size_t o = 0;

	for (; *s && o + 4 < n; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (ch >= 32 && ch < 127) {
			out[o++] = (char)ch;
		} else {
			out[o++] = '.';
		}
	}
	out[o] = '\0';
}

void tcp_info(struct guest *gu, FILE *out)
{
	char l[24], r[24], rx[80];

	for (int i = 0; i < gu->nlisten; i++)
		fprintf(out, "  tcp listen :%u (%s), %u accepted\n", gu->listen[i].port,
			gu->listen[i].app == TCP_APP_ECHO ? "echo" :
			gu->listen[i].app == TCP_APP_DISCARD ? "discard" : "sink",
			gu->listen[i].accepted);
	for (int i = 0; i < gu->ntcp; i++) {
		struct tcp_conn *c = gu->tcp[i];

		printable(c->rxlen > 40 ? c->rx + c->rxlen - 40 : c->rx, rx, sizeof(rx));
		fprintf(out, "  tcp %d %s -> %s %s: in %" PRIu64 " out %" PRIu64
			     " B, %" PRIu64 " retransmits, rtt %.3f ms%s%s%s%s%s\n",
			c->id, endpoint(c->laddr, c->lport, l), endpoint(c->raddr, c->rport, r),
			tcp_state_name(c->state), c->rx_bytes, c->tx_bytes, c->retransmits,
			(double)c->srtt / 1e6, c->error[0] ? " (" : "", c->error,
			c->error[0] ? ")" : "", rx[0] ? ", last in: " : "", rx);
	}
}

void tcp_free_all(struct guest *gu)
{
	for (int i = 0; i < gu->ntcp; i++) {
		struct tcp_conn *c = gu->tcp[i];

		loop_timer_disarm(L(c), &c->rtx);
		loop_timer_disarm(L(c), &c->delack);
		loop_timer_disarm(L(c), &c->tw);
		free(c->sbuf);
		free(c);
	}
	gu->ntcp = 0;
}

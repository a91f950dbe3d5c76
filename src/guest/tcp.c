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
 *
 * This file owns the connections (the table, their life cycle and timers),
 * what the application asks of them, and the segments they send;
 * tcp_input.c takes the segments that arrive.
 */
#include "tcp_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

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

/* ---- segments ---------------------------------------------------------------- */

uint16_t tcp_rcv_window(const struct tcp_conn *c)
{
	if (c->app == TCP_APP_ECHO) {
		uint32_t room = c->slen >= TCP_ECHO_BUF ? 0 : TCP_ECHO_BUF - c->slen;

		return (uint16_t)MIN(room, TCP_WINDOW);
	}
	return TCP_WINDOW;
}

void tcp_send_seg(struct guest *gu, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
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

void tcp_conn_seg(struct tcp_conn *c, uint32_t seq, uint8_t flags, const uint8_t *data,
		  uint32_t len)
{
	bool syn = flags & F_SYN;

	c->segs_out++;
	if (c->state != TS_SYN_SENT)
		flags |= F_ACK;
	tcp_send_seg(c->gu, c->laddr, c->raddr, c->lport, c->rport, seq,
		     (flags & F_ACK) ? c->rcv_nxt : 0, flags, tcp_rcv_window(c), data, len, syn);
	if (flags & F_ACK) {
		c->unacked_segs = 0;
		c->ack_now = false;
		loop_timer_disarm(L(c), &c->delack);
	}
}

void tcp_send_ack(struct tcp_conn *c)
{
	tcp_conn_seg(c, c->snd_nxt, F_ACK, NULL, 0);
}

/* ---- life cycle --------------------------------------------------------------- */

void tcp_conn_closed(struct tcp_conn *c, const char *why)
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

	tcp_conn_closed(c, NULL);
}

void tcp_rtx_arm(struct tcp_conn *c)
{
	loop_timer_arm(L(c), &c->rtx, now(c) + c->rto);
}

static void rtx_cb(void *arg)
{
	struct tcp_conn *c = arg;
	struct guest *gu = c->gu;

	if (++c->backoff > TCP_MAX_RETRIES) {
		tcp_conn_seg(c, c->snd_nxt, F_RST, NULL, 0);
		tcp_conn_closed(c, "timed out");
		return;
	}
	c->rto = MIN(c->rto * 2, TCP_RTO_MAX);
	c->rtt_timing = false;      /* Karn: no sample from a retransmission */
	c->retransmits++;
	gu->st.tcp_retransmits++;
	switch (c->state) {
	case TS_SYN_SENT:
	case TS_SYN_RCVD:       /* conn_seg adds the ACK of a SYN-ACK */
		tcp_conn_seg(c, c->iss, F_SYN, NULL, 0);
		break;
	default:
		if (c->snd_nxt == c->snd_una && c->slen > 0 && c->snd_wnd == 0) {
			/* Zero-window probe: one byte past the window. */
			tcp_conn_seg(c, c->snd_una, F_PSH, c->sbuf, 1);
			c->snd_nxt = c->snd_una + 1;
			break;
		}
		c->snd_nxt = c->snd_una;    /* go back N */
		if (c->fin_sent && seq_le(c->snd_una, c->fin_seq))
			c->fin_sent = false;
		tcp_output(c);
		break;
	}
	tcp_rtx_arm(c);
}

static void delack_cb(void *arg)
{
	tcp_send_ack(arg);
}

struct tcp_conn *tcp_conn_new(struct guest *gu, char *err)
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
	VEC_RESERVE(gu->tcp, gu->ntcp, gu->tcpcap);
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
	if ((c = tcp_conn_new(gu, err)) == NULL)
		return -1;
	c->laddr = nic->ip;
	c->raddr = dst;
	c->lport = sport;
	c->rport = dport;
	c->app = TCP_APP_SINK;
	c->state = TS_SYN_SENT;
	c->snd_una = c->iss;
	c->snd_nxt = c->iss + 1;
	tcp_conn_seg(c, c->iss, F_SYN, NULL, 0);
	tcp_rtx_arm(c);
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
			tcp_conn_seg(c, c->snd_nxt, F_RST, NULL, 0);
		tcp_conn_closed(c, "aborted (RST sent)");
		return 0;
	}
	if (c->state == TS_SYN_SENT) {
		tcp_conn_closed(c, "closed before it connected");
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
	VEC_RESERVE(gu->listen, gu->nlisten, gu->listencap);
	gu->listen[gu->nlisten++] = (struct tcp_listener){ .port = port, .app = app };
	return 0;
}

/* ---- output ------------------------------------------------------------------ */

void tcp_output(struct tcp_conn *c)
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
		tcp_conn_seg(c, c->snd_nxt, (n == unsent) ? F_PSH : 0, c->sbuf + sent, n);
		if (!c->rtt_timing) {
			c->rtt_timing = true;
			c->rtt_seq = c->snd_nxt;
			c->rtt_start = now(c);
		}
		c->snd_nxt += n;
		if (!timer_armed(&c->rtx))
			tcp_rtx_arm(c);
	}
	if (c->fin_wanted && !c->fin_sent && c->snd_nxt - c->snd_una == c->slen &&
	    (c->state == TS_ESTABLISHED || c->state == TS_CLOSE_WAIT ||
	     c->state == TS_FIN_WAIT_1 || c->state == TS_LAST_ACK ||
	     c->state == TS_CLOSING)) {
		c->fin_seq = c->snd_nxt;
		tcp_conn_seg(c, c->snd_nxt, F_FIN, NULL, 0);
		c->snd_nxt++;
		c->fin_sent = true;
		if (c->state == TS_ESTABLISHED)
			c->state = TS_FIN_WAIT_1;
		else if (c->state == TS_CLOSE_WAIT)
			c->state = TS_LAST_ACK;
		if (!timer_armed(&c->rtx))
			tcp_rtx_arm(c);
	}
	if (c->slen > 0 && c->snd_wnd == 0 && !timer_armed(&c->rtx))
		tcp_rtx_arm(c);     /* the persist timer */
}

/* ---- what it shows ------------------------------------------------------------- */

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

/* ---- values (field.h) ---------------------------------------------------- */

static void tcp_id_f(const void *obj, struct value *v)
{
	value_num(v, ((const struct tcp_conn *)obj)->id);
}

static void tcp_state_f(const void *obj, struct value *v)
{
	value_str(v, tcp_state_name(((const struct tcp_conn *)obj)->state));
}

static void tcp_local_f(const void *obj, struct value *v)
{
	const struct tcp_conn *c = obj;
	char t[24];

	value_str(v, endpoint(c->laddr, c->lport, t));
}

static void tcp_remote_f(const void *obj, struct value *v)
{
	const struct tcp_conn *c = obj;
	char t[24];

	value_str(v, endpoint(c->raddr, c->rport, t));
}

/* The last 63 bytes received, as text. */
static void tcp_rx_f(const void *obj, struct value *v)
{
	const struct tcp_conn *c = obj;
	size_t n = strlen(c->rx);

	value_str(v, n > 63 ? c->rx + n - 63 : c->rx);
}

static void tcp_error_f(const void *obj, struct value *v)
{
	const struct tcp_conn *c = obj;

	value_str(v, c->error[0] ? c->error : "none");
}

/* The smoothed round-trip time, ms. */
static void tcp_rtt_f(const void *obj, struct value *v)
{
	value_num(v, (double)((const struct tcp_conn *)obj)->srtt / 1e6);
}

static const struct field tcp_f[] = {
	FIELD_FN("id", tcp_id_f, 0),
	FIELD_FN("state", tcp_state_f, FIELD_TEXT),
	FIELD_FN("local", tcp_local_f, FIELD_TEXT),
	FIELD_FN("remote", tcp_remote_f, FIELD_TEXT),
	FIELD_U64(struct tcp_conn, "rx_bytes", rx_bytes, 0),
	FIELD_U64(struct tcp_conn, "tx_bytes", tx_bytes, 0),
	FIELD_U64(struct tcp_conn, "retransmits", retransmits, 0),
	FIELD_U32(struct tcp_conn, "unacked", slen, 0),
	FIELD_FN("rx", tcp_rx_f, FIELD_TEXT | FIELD_NOREPORT),
	FIELD_FN("error", tcp_error_f, FIELD_TEXT),
	FIELD_FN("rtt", tcp_rtt_f, 0),
};

const struct field_table tcp_fields = { tcp_f, ARRAY_SIZE(tcp_f) };

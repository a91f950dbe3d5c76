/*
 * The sim guests' TCP, input: a segment for us, checked, matched to its
 * connection (or a listener, or answered with a RST) and taken through the
 * state machine: handshake, ACKs and RTT samples, data, FIN. What the TCP
 * does is described in tcp.c, which owns the connections and sends.
 */
#include "tcp_internal.h"

#include <inttypes.h>
#include <string.h>

static void enter_time_wait(struct tcp_conn *c)
{
	c->state = TS_TIME_WAIT;
	loop_timer_disarm(L(c), &c->rtx);
	loop_timer_arm(L(c), &c->tw, now(c) + TCP_TIME_WAIT_NS);
}

static void reset_for(struct guest *gu, const uint8_t *ip, const uint8_t *seg, uint32_t dlen)
{
	uint8_t flags = seg[13];
	uint32_t seq = rd32(seg + 4), ack = rd32(seg + 8);

	if (flags & F_RST)
		return;
	if (flags & F_ACK)
		tcp_send_seg(gu, rd32(ip + 16), rd32(ip + 12), rd16(seg + 2), rd16(seg), ack, 0,
			     F_RST, 0, NULL, 0, false);
	else
		tcp_send_seg(gu, rd32(ip + 16), rd32(ip + 12), rd16(seg + 2), rd16(seg), 0,
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
			tcp_conn_closed(c, "closed");
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
		tcp_rtx_arm(c);
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
	struct tcp_conn *c = tcp_conn_new(gu, NULL);

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
	tcp_conn_seg(c, c->iss, F_SYN | F_ACK, NULL, 0);
	tcp_rtx_arm(c);
}

/* A segment's fields, read once from its header. */
struct segment {
	const uint8_t *ip, *hdr, *data;         /* IPv4 header, TCP header, payload */
	uint32_t hl, dlen, seq, ack;
	uint16_t win;
	uint8_t flags;
};

/* A segment to no connection: a SYN for a listener opens one, anything
 * else is answered with a RST. */
static void input_no_conn(struct guest *gu, const struct segment *s)
{
	if ((s->flags & (F_SYN | F_ACK | F_RST)) == F_SYN) {
		for (int i = 0; i < gu->nlisten; i++) {
			if (gu->listen[i].port == rd16(s->hdr + 2)) {
				passive_open(gu, &gu->listen[i], s->ip, s->hdr, s->hl);
				return;
			}
		}
	}
	reset_for(gu, s->ip, s->hdr, s->dlen);
}

/* SYN_SENT: the SYN-ACK to our SYN establishes the connection. */
static void input_syn_sent(struct tcp_conn *c, const struct segment *s)
{
	if ((s->flags & F_ACK) && s->ack != c->iss + 1) {
		reset_for(c->gu, s->ip, s->hdr, s->dlen);
		return;
	}
	if (s->flags & F_RST) {
		if (s->flags & F_ACK)
			tcp_conn_closed(c, "connection refused (RST)");
		return;
	}
	if (!(s->flags & F_SYN))
		return;
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->mss = parse_mss(s->hdr, s->hl);
	if (!(s->flags & F_ACK))
		return;         /* simultaneous open: not handled; the peer retries */
	c->snd_una = s->ack;
	c->snd_wnd = s->win;
	c->backoff = 0;
	loop_timer_disarm(L(c), &c->rtx);
	if (c->retransmits == 0)
		rtt_sample(c, now(c) - c->opened);
	established(c);
	tcp_send_ack(c);
	tcp_output(c);
}

/* A synchronized state, and the segment is not the next expected byte:
 * its ACK still counts, and one that takes sequence space is answered
 * with a duplicate ACK. */
static void input_unexpected_seq(struct tcp_conn *c, const struct segment *s)
{
	if (s->flags & F_RST)
		return;
	if (c->state == TS_SYN_RCVD && (s->flags & F_SYN) && s->seq == c->irs) {
		tcp_conn_seg(c, c->iss, F_SYN | F_ACK, NULL, 0);    /* our SYN-ACK was lost */
		return;
	}
	if (s->flags & F_ACK)
		process_ack(c, s->ack, s->win);
	if (c->state != TS_CLOSED && (s->dlen > 0 || (s->flags & (F_SYN | F_FIN))))
		tcp_send_ack(c);        /* duplicate ACK: here is what we expect */
	if (c->state != TS_CLOSED)
		tcp_output(c);
}

/* The segment's data, in order. An echo connection takes what its window
 * holds; a FIN after what it left is left too (the peer sends both again). */
static void input_data(struct tcp_conn *c, struct segment *s)
{
	uint32_t take = s->dlen;

	if (c->state != TS_ESTABLISHED && c->state != TS_FIN_WAIT_1 &&
	    c->state != TS_FIN_WAIT_2)
		return;
	if (c->app == TCP_APP_ECHO)
		take = MIN(take, (uint32_t)tcp_rcv_window(c));
	if (take > 0) {
		take_data(c, s->data, take);
		c->rcv_nxt += take;
	}
	if (take < s->dlen)
		c->ack_now = true;
	else if (++c->unacked_segs >= 2 || s->dlen < c->mss)
		c->ack_now = true;
	if (take < s->dlen)
		s->flags &= (uint8_t)~F_FIN;   /* the FIN comes after what we left */
}

/* The peer's FIN, in order: it has closed its side. */
static void input_fin(struct tcp_conn *c)
{
	c->rcv_nxt++;
	c->ack_now = true;
	switch (c->state) {
	case TS_SYN_RCVD:
	case TS_ESTABLISHED:
		c->state = TS_CLOSE_WAIT;
		guest_event(c->gu, "tcp %d: the peer closed its side (%" PRIu64 " bytes in)",
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
		guest_event(c->gu, "tcp %d: closed both ways (%" PRIu64 " bytes in, %" PRIu64
				   " out)", c->id, c->rx_bytes, c->tx_bytes);
		break;
	default:
		break;
	}
}

void tcp_input(struct guest *gu, struct nic *nic, const uint8_t *ip, const uint8_t *seg,
	       uint32_t len)
{
	struct segment s = { .ip = ip, .hdr = seg };
	uint32_t sum;
	struct tcp_conn *c;

	sum = csum_add(0, ip + 12, 8) + 6 + len;
	if (len < TCP_HLEN || (s.hl = (uint32_t)(seg[12] >> 4) * 4) < TCP_HLEN || s.hl > len ||
	    csum_fold(csum_add(sum, seg, len)) != 0) {
		gu->st.tcp_bad++;
		port_count_drop(nic->port, DROP_BAD_PACKET);
		return;
	}
	gu->st.tcp_segs_in++;
	s.dlen = len - s.hl;
	s.data = seg + s.hl;
	s.flags = seg[13];
	s.seq = rd32(seg + 4);
	s.ack = rd32(seg + 8);
	s.win = rd16(seg + 14);
	if (s.flags & F_RST)
		gu->st.tcp_resets_rx++;
	c = lookup(gu, rd32(ip + 16), rd16(seg + 2), rd32(ip + 12), rd16(seg));
	if (c == NULL) {
		input_no_conn(gu, &s);
		return;
	}
	c->segs_in++;

	if (c->state == TS_SYN_SENT) {
		input_syn_sent(c, &s);
		return;
	}

	/* Synchronized states. Sequence check: only the next expected byte. */
	if (s.seq != c->rcv_nxt) {
		input_unexpected_seq(c, &s);
		return;
	}
	if (s.flags & F_RST) {
		tcp_conn_closed(c, c->state == TS_SYN_RCVD ? "reset by peer during the handshake" :
							      "reset by peer");
		return;
	}
	if (s.flags & F_SYN) {
		tcp_send_ack(c);        /* a SYN in the window: challenge ACK, ignore */
		return;
	}
	if (!(s.flags & F_ACK))
		return;
	if (c->state == TS_SYN_RCVD) {
		if (s.ack != c->iss + 1) {
			reset_for(gu, ip, seg, s.dlen);
			return;
		}
		c->snd_una = s.ack;
		c->snd_wnd = s.win;
		c->backoff = 0;
		loop_timer_disarm(L(c), &c->rtx);
		established(c);
	} else {
		process_ack(c, s.ack, s.win);
		if (c->state == TS_CLOSED)
			return;
	}

	if (s.dlen > 0)
		input_data(c, &s);
	if (s.flags & F_FIN)
		input_fin(c);
	if (c->ack_now)
		tcp_send_ack(c);
	else if (s.dlen > 0 && !timer_armed(&c->delack))
		loop_timer_arm(L(c), &c->delack, now(c) + TCP_DELACK);
	tcp_output(c);
}

/*
 * Inside the sim guests' TCP: the connection and what tcp.c (the
 * connection table, timers and segment output) and tcp_input.c (the input
 * state machine) share. See tcp.c for what this TCP does and does not do.
 */
#ifndef QNETSIM_GUEST_TCP_INTERNAL_H
#define QNETSIM_GUEST_TCP_INTERNAL_H

#include "stack.h"

#include <stdio.h>

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

/* Sequence arithmetic. */
static inline bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline bool seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

static inline struct loop *L(struct tcp_conn *c)
{
	return c->gu->node.g->loop;
}

static inline uint64_t now(struct tcp_conn *c)
{
	return loop_now(L(c));
}

/* "10.0.0.1:49152" into buf (24 bytes). */
static inline const char *endpoint(uint32_t a, uint16_t p, char *buf)
{
	char ip[16];

	snprintf(buf, 24, "%s:%u", fmt_ipv4(a, ip), p);
	return buf;
}

/* tcp.c */
/* The window we offer: an echo connection's shrinks while its send
 * buffer is full. */
uint16_t tcp_rcv_window(const struct tcp_conn *c);
/* One segment from src:sport to dst:dport, not of a connection (RSTs). */
void tcp_send_seg(struct guest *gu, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
		  uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win, const uint8_t *data,
		  uint32_t len, bool mss_opt);
/* One segment of c: with an ACK (and rcv_nxt) once past SYN_SENT, the MSS
 * option on a SYN. */
void tcp_conn_seg(struct tcp_conn *c, uint32_t seq, uint8_t flags, const uint8_t *data,
		  uint32_t len);
void tcp_send_ack(struct tcp_conn *c);
/* The connection is over; why (NULL: quietly) is its error and an event. */
void tcp_conn_closed(struct tcp_conn *c, const char *why);
void tcp_rtx_arm(struct tcp_conn *c);
/* A new connection in the guest's table, or NULL (err set if not NULL)
 * when all GUEST_MAX_TCP are open. */
struct tcp_conn *tcp_conn_new(struct guest *gu, char *err);
/* Sends what the window allows, then the FIN when it is due. */
void tcp_output(struct tcp_conn *c);

#endif

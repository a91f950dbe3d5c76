/*
 * Inside the spanning tree: what the protocol (stp.c), its configuration
 * (stp_conf.c) and the BPDU wire format (stp_bpdu.c) share. Not for use
 * outside them; the bridge sees stp.h only.
 */
#ifndef QNETSIM_STP_INTERNAL_H
#define QNETSIM_STP_INTERNAL_H

#include "bridge.h"
#include "stp.h"

#define BPDU_CONFIG 0x00
#define BPDU_TCN 0x80
#define FLAG_TC 0x01
#define FLAG_TCA 0x80

/* 01:80:c2:00:00:00, where BPDUs go. */
extern const uint8_t stp_group[6];

/* A BPDU, decoded. */
struct bpdu {
	uint8_t type, flags;
	uint64_t root, bridge;
	uint32_t cost;
	uint16_t port, msg_age, max_age, hello, fwd_delay;  /* times in 1/256 s */
};

static inline uint16_t to256(uint64_t ns)
{
	return (uint16_t)(ns * 256 / NS_PER_SEC);
}

static inline uint64_t from256(uint16_t t)
{
	return (uint64_t)t * NS_PER_SEC / 256;
}

/* A bridge port's spanning-tree state. */
static inline struct stp_port *SP(struct port *p)
{
	return bport_sp(p->priv);
}

/* stp.c: the protocol's state for a bridge, made once its keys check. */
struct stp *stp_new(struct bridge *b, const struct stp_conf *c);

/* stp_bpdu.c: sends a BPDU out of p (a configuration BPDU or a TCN, by
 * bp->type) and counts it. */
void stp_send_bpdu(struct stp *st, struct port *p, const struct bpdu *bp);
/* Decodes a frame to stp_group: false when it is no BPDU we take (not LLC
 * 42 42 03, an unknown type, or a root's times out of 802.1D's ranges). */
bool stp_parse_bpdu(const struct frame *f, struct bpdu *bp);

#endif

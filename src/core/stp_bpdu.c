/*
 * BPDUs on the wire (802.1D-1998 clause 9): configuration BPDUs and TCNs
 * in 802.3 frames with LLC 42 42 03, encoded and decoded. What they mean
 * is stp.c's.
 */
#include "stp_internal.h"
#include "util.h"

#include <string.h>

const uint8_t stp_group[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x00 };

void stp_send_bpdu(struct stp *st, struct port *p, const struct bpdu *bp)
{
	struct graph *g = st->b->node.g;
	struct frame *f = frame_alloc(g->pool, ETH_MIN_LEN);
	struct stp_port *sp = SP(p);
	uint8_t *d;
	uint16_t blen = bp->type == BPDU_TCN ? 4 : 35;

	if (f == NULL) {
		port_count_drop(p, DROP_NO_BUFFER);
		return;
	}
	d = f->data;
	memset(d, 0, ETH_MIN_LEN);
	memcpy(d, stp_group, 6);
	memcpy(d + 6, st->mac, 6);
	wr16(d + 12, (uint16_t)(3 + blen));     /* 802.3 length */
	d[14] = 0x42;                           /* LLC: DSAP, SSAP, UI */
	d[15] = 0x42;
	d[16] = 0x03;
	/* protocol 0x0000, version 0 */
	d[20] = bp->type;
	if (bp->type == BPDU_CONFIG) {
		d[21] = bp->flags;
		wr64(d + 22, bp->root);
		wr32(d + 30, bp->cost);
		wr64(d + 34, bp->bridge);
		wr16(d + 42, bp->port);
		wr16(d + 44, bp->msg_age);
		wr16(d + 46, bp->max_age);
		wr16(d + 48, bp->hello);
		wr16(d + 50, bp->fwd_delay);
		sp->bpdus_tx++;
	} else {
		sp->tcns_tx++;
	}
	trace_record(g, p, f, DEC_SENT, 0, 0, true);
	port_tx(p, f);
}

bool stp_parse_bpdu(const struct frame *f, struct bpdu *bp)
{
	const uint8_t *d = f->data;
	uint16_t len;

	if (f->len < 21 || memcmp(d, stp_group, 6) != 0)
		return false;
	len = rd16(d + 12);
	if (len > 1500 || d[14] != 0x42 || d[15] != 0x42 || d[16] != 0x03 || d[17] != 0 ||
	    d[18] != 0)
		return false;
	memset(bp, 0, sizeof(*bp));
	bp->type = d[20];
	if (bp->type == BPDU_TCN)
		return true;
	if (bp->type != BPDU_CONFIG || f->len < 52)
		return false;
	bp->flags = d[21];
	bp->root = rd64(d + 22);
	bp->cost = rd32(d + 30);
	bp->bridge = rd64(d + 34);
	bp->port = rd16(d + 42);
	bp->msg_age = rd16(d + 44);
	bp->max_age = rd16(d + 46);
	bp->hello = rd16(d + 48);
	bp->fwd_delay = rd16(d + 50);
	/* The root's times become our timers (a hello of 0 re-armed the TCN
	 * timer at the same instant, for ever): they must be in 802.1D's
	 * ranges, in 1/256 s, or the BPDU is a counted bad_packet drop. */
	if (bp->hello < 1 * 256 || bp->hello > 10 * 256 || bp->max_age < 6 * 256 ||
	    bp->max_age > 40 * 256 || bp->fwd_delay < 4 * 256 || bp->fwd_delay > 30 * 256)
		return false;
	return true;
}

/*
 * What the decoder's files share (decode.h says what it does). Each layer
 * reads the bytes [off, end) of the frame and adds its lines; every read
 * is checked against end first.
 */
#ifndef QNETSIM_DECODE_INTERNAL_H
#define QNETSIM_DECODE_INTERNAL_H

#include "decode.h"

#include <stdbool.h>
#include <stddef.h>

#define DEC_MAX_TAGS 8

struct dec {
	const uint8_t *d;
	uint32_t len;
	struct dline *out;
	int n, max;
	uint8_t base;           /* added to every depth: an ICMP error's packet */
	uint8_t tags;           /* 802.1Q tags read: at most DEC_MAX_TAGS */
};

struct dec_name {
	uint32_t v;
	const char *name;
};

/* Adds a line; -1 when max lines are there already. */
int dec_add(struct dec *c, int depth, uint32_t pos, uint32_t size, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* A line of a bit field, "0100 .... = Version: 4": the bits of word (the
 * width bits at pos) under mask, then the text. */
int dec_bits(struct dec *c, int depth, uint32_t pos, int width, uint32_t word, uint32_t mask,
	     const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* "Short: IPv4 (4 of 20 bytes)": a layer cut short. */
void dec_short(struct dec *c, int depth, uint32_t pos, uint32_t end, const char *layer);
const char *dec_name(const struct dec_name *t, size_t n, uint32_t v, const char *dflt);
/* "c0a80001...": n bytes as hex into buf, as Wireshark shows bytes: the
 * first DEC_HEX_MAX, then an ellipsis (buf: DEC_HEX_LEN). */
#define DEC_HEX_MAX 36
#define DEC_HEX_LEN (2 * DEC_HEX_MAX + 4)
char *dec_hex(const uint8_t *p, uint32_t n, char *buf, size_t len);
/* Seconds as Wireshark words them: "1 day, 2 hours, 3 minutes". */
char *dec_secs(uint32_t s, char *buf, size_t len);

/* The layers, each reading [off, end). */
void dec_ipv4(struct dec *c, uint32_t off, uint32_t end, bool inner);
void dec_arp(struct dec *c, uint32_t off, uint32_t end);
void dec_dhcp(struct dec *c, uint32_t off, uint32_t end);
void dec_dns(struct dec *c, uint32_t off, uint32_t end);
void dec_data(struct dec *c, uint32_t off, uint32_t end);

#endif

/*
 * The pcapng writer (pcapng.h). Blocks are written in this machine's byte
 * order, which the section header's magic tells readers.
 */
#include "pcapng.h"
#include "sim.h"
#include "../core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_EPB 0x00000006u
#define OPT_END 0
#define OPT_COMMENT 1
#define SHB_USERAPPL 4
#define IF_NAME 2
#define IF_DESCRIPTION 3
#define IF_TSRESOL 9
#define EPB_FLAGS 2
#define EPB_PACKETID 5
#define LINKTYPE_ETHERNET 1

struct pcapng {
	struct graph *g;
	pcapng_write_fn write;
	void *ctx;
	uint32_t *ifid;         /* by port gid: interface id + 1, 0: not described */
	uint32_t nifid, nif;
	uint8_t *b;             /* the block being built */
	size_t len, cap;
};

static void put(struct pcapng *w, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (w->len + n > w->cap) {
		while (w->len + n > w->cap)
			w->cap = w->cap ? w->cap * 2 : 4096;
		w->b = xrealloc(w->b, w->cap);
	}
	memcpy(w->b + w->len, p, n);
	w->len += n;
}

static void put32(struct pcapng *w, uint32_t v)
{
	put(w, &v, 4);
}

static void pad4(struct pcapng *w)
{
	static const uint8_t zero[4];

	put(w, zero, (4 - w->len % 4) % 4);
}

static void opt(struct pcapng *w, uint16_t code, const void *p, uint16_t n)
{
	put(w, &code, 2);
	put(w, &n, 2);
	put(w, p, n);
	pad4(w);
}

static void opt_str(struct pcapng *w, uint16_t code, const char *s)
{
	size_t n = strlen(s);

	if (n > 0)
		opt(w, code, s, (uint16_t)MIN(n, 65535u - 4));
}

static void begin(struct pcapng *w, uint32_t type)
{
	w->len = 0;
	put32(w, type);
	put32(w, 0);            /* the length, once known */
}

/* Ends the block (end of options, its length twice) and writes it. */
static bool finish(struct pcapng *w, bool options)
{
	uint32_t total;

	if (options)
		opt(w, OPT_END, NULL, 0);
	total = (uint32_t)w->len + 4;
	memcpy(w->b + 4, &total, 4);
	put32(w, total);
	return w->write(w->ctx, w->b, w->len);
}

struct pcapng *pcapng_new(struct graph *g, pcapng_write_fn write, void *ctx)
{
	struct pcapng *w = xcalloc(1, sizeof(*w));
	uint32_t magic = 0x1A2B3C4Du;
	uint16_t major = 1, minor = 0;
	uint64_t section_len = UINT64_MAX;  /* not given */

	w->g = g;
	w->write = write;
	w->ctx = ctx;
	begin(w, BT_SHB);
	put32(w, magic);
	put(w, &major, 2);
	put(w, &minor, 2);
	put(w, &section_len, 8);
	opt_str(w, SHB_USERAPPL, "qnetsim " QNETSIM_VERSION_STR);
	finish(w, true);
	return w;
}

void pcapng_free(struct pcapng *w)
{
	if (w == NULL)
		return;
	free(w->ifid);
	free(w->b);
	free(w);
}

/* "bridge sw1, port 3, cable to sw2.2" */
static void describe(const struct port *p, char *buf, size_t n)
{
	const struct port *peer = p->link != NULL ? p->link->end[p->link->end[0] == p] : NULL;

	snprintf(buf, n, "%s %s, port %s, %s%s", p->node->ops->kind, p->node->name,
		 strchr(p->name, '.') ? strchr(p->name, '.') + 1 : p->name,
		 peer != NULL ? "linked to " : "not linked", peer != NULL ? peer->name : "");
}

/* The interface of port p: described by an IDB at its first use. -1 when
 * the output refused the IDB (the packet is not written either). */
static int64_t interface(struct pcapng *w, const struct port *p)
{
	uint16_t linktype = LINKTYPE_ETHERNET, reserved = 0;
	uint8_t tsresol = 9;
	char desc[256];

	if (p->gid < w->nifid && w->ifid[p->gid] != 0)
		return w->ifid[p->gid] - 1;
	if (p->gid >= w->nifid) {
		uint32_t n = MAX(p->gid + 1, w->nifid * 2);

		w->ifid = xreallocarray(w->ifid, n, sizeof(*w->ifid));
		memset(w->ifid + w->nifid, 0, (n - w->nifid) * sizeof(*w->ifid));
		w->nifid = n;
	}
	begin(w, BT_IDB);
	put(w, &linktype, 2);
	put(w, &reserved, 2);
	put32(w, PCAPNG_SNAPLEN);
	opt_str(w, IF_NAME, p->name);
	describe(p, desc, sizeof(desc));
	opt_str(w, IF_DESCRIPTION, desc);
	opt(w, IF_TSRESOL, &tsresol, 1);
	if (!finish(w, true))
		return -1;
	w->ifid[p->gid] = ++w->nif;
	return w->nif - 1;
}

bool pcapng_packet(struct pcapng *w, const struct port *p, uint64_t time_ns,
		   const uint8_t *data, uint32_t len, uint32_t flags, uint64_t packet_id,
		   const char *comment, const char *comment2)
{
	int64_t id = interface(w, p);
	uint32_t cap = MIN(len, (uint32_t)PCAPNG_SNAPLEN);

	if (id < 0)
		return false;
	begin(w, BT_EPB);
	put32(w, (uint32_t)id);
	put32(w, (uint32_t)(time_ns >> 32));
	put32(w, (uint32_t)time_ns);
	put32(w, cap);
	put32(w, len);
	put(w, data, cap);
	pad4(w);
	if (comment != NULL)
		opt_str(w, OPT_COMMENT, comment);
	if (comment2 != NULL)
		opt_str(w, OPT_COMMENT, comment2);
	if (flags != 0)
		opt(w, EPB_FLAGS, &flags, 4);
	opt(w, EPB_PACKETID, &packet_id, 8);
	return finish(w, true);
}

bool pcapng_record(struct pcapng *w, const struct trace_rec *r, const uint8_t *data,
		   uint32_t len)
{
	char what[160], why[512], c1[192];

	trace_decision(w->g, r, what, sizeof(what));
	trace_explain(w->g, r, why, sizeof(why));
	snprintf(c1, sizeof(c1), "#%llu %s", (unsigned long long)r->frame_id, what);
	if (r->port >= w->g->nports)
		return false;
	return pcapng_packet(w, w->g->ports[r->port], r->time, data, len,
			     r->tx ? PCAPNG_OUTBOUND : PCAPNG_INBOUND, r->frame_id, c1,
			     why[0] != '\0' && strcmp(why, what) != 0 ? why : NULL);
}

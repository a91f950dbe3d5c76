/*
 * Hop filters: qnetsim's words, then tcpdump's (hopfilter.h).
 */
#include "hopfilter.h"
#include "../core/util.h"

#include <string.h>

static const struct {
	const char *word;
	unsigned decisions;
} decision_words[] = {
	{ "dropped", 1u << DEC_DROPPED },
	{ "flooded", 1u << DEC_FLOODED_UNKNOWN | 1u << DEC_FLOODED_BCAST | 1u << DEC_FLOODED_MCAST |
		     1u << DEC_FLOODED_HUB },
	{ "forwarded", 1u << DEC_FORWARDED },
	{ "delivered", 1u << DEC_DELIVERED },
	{ "sent", 1u << DEC_SENT },
	{ "stp", 1u << DEC_STP },
	{ "mirrored", 1u << DEC_MIRRORED },
	{ "routed", 1u << DEC_ROUTED },
};

/* The next word of *p (at most len - 1 bytes), *p moved past it; "" at the end. */
static const char *word(const char **p, char *buf, size_t len)
{
	size_t n = 0;

	*p += strspn(*p, " \t");
	while (**p != '\0' && **p != ' ' && **p != '\t') {
		if (n + 1 < len)
			buf[n++] = **p;
		(*p)++;
	}
	buf[n] = '\0';
	return buf;
}

static int reason_named(const char *name)
{
	for (int r = 0; r < DROP_REASON_COUNT; r++)
		if (strcmp(drop_reason_name((enum drop_reason)r), name) == 0)
			return r;
	return -1;
}

/* One of qnetsim's words at *p (with its argument): 1 taken, 0 not ours
 * (*p unmoved), -1 with err. */
static int take_word(struct hop_filter *hf, const struct graph *g, const char **p, char *err)
{
	const char *start = *p;
	char w[64], a[128];
	uint64_t n;

	word(p, w, sizeof(w));
	for (size_t k = 0; k < ARRAY_SIZE(decision_words); k++) {
		if (strcmp(w, decision_words[k].word) == 0) {
			hf->decisions |= decision_words[k].decisions;
			return 1;
		}
	}
	if (w[0] == '#' && parse_u64(w + 1, 1, UINT64_MAX, &hf->frame, NULL) == 0)
		return 1;
	if (strcmp(w, "reason") == 0 || strcmp(w, "node") == 0 || strcmp(w, "port") == 0 ||
	    strcmp(w, "frame") == 0) {
		word(p, a, sizeof(a));
		if (strcmp(w, "reason") == 0) {
			if ((hf->reason = reason_named(a)) < 0)
				return errf(err, "reason '%s': not a drop reason (vlan, not_for_us, "
						 "link_down, ...: docs/commands.md)", a);
			hf->decisions |= 1u << DEC_DROPPED;
			return 1;
		}
		if (strcmp(w, "node") == 0) {
			if ((hf->node = graph_find_node((struct graph *)g, a)) == NULL)
				return errf(err, "node '%s': no node of that name", a);
			return 1;
		}
		if (strcmp(w, "frame") == 0) {
			if (parse_u64(a, 1, UINT64_MAX, &hf->frame, NULL) < 0)
				return errf(err, "frame '%s': not a frame number", a);
			return 1;
		}
		/* port: ours when it names a port, tcpdump's (port 53) else. */
		if (parse_u64(a, 0, 65535, &n, NULL) < 0 && (hf->port = graph_find_port((struct graph *)g, a)) != NULL)
			return 1;
		if (parse_u64(a, 0, 65535, &n, NULL) < 0)
			return errf(err, "port '%s': no port of that name (a number is tcpdump's "
					 "port)", a);
	}
	*p = start;
	return 0;
}

int hop_filter_parse(struct hop_filter *hf, const struct graph *g, pcap_t *dead, const char *expr,
		     char *err)
{
	struct hop_filter f = { .reason = -1 };
	const char *p = expr;
	int r;

	while ((r = take_word(&f, g, &p, err)) == 1) {
		const char *q = p;
		char w[8];

		if (strcmp(word(&q, w, sizeof(w)), "and") == 0)
			p = q;
	}
	if (r < 0)
		return -1;
	p += strspn(p, " \t");
	if (*p != '\0') {
		if (pcap_compile(dead, &f.prog, p, 1, PCAP_NETMASK_UNKNOWN) < 0)
			return errf(err, "'%s': %s", p, pcap_geterr(dead));
		f.bpf = true;
	}
	*hf = f;
	return 0;
}

bool hop_filter_match(const struct hop_filter *hf, const struct graph *g,
		      const struct trace_rec *r)
{
	static uint8_t whole[65536];
	struct pcap_pkthdr h;

	if (hf->decisions != 0 && !(hf->decisions & (1u << r->decision)))
		return false;
	if (hf->reason >= 0 && (r->decision != DEC_DROPPED || r->reason != hf->reason))
		return false;
	if (hf->frame != 0 && r->frame_id != hf->frame)
		return false;
	if (hf->port != NULL && r->port != hf->port->gid)
		return false;
	if (hf->node != NULL && (r->port >= g->nports || g->ports[r->port]->node != hf->node))
		return false;
	if (!hf->bpf)
		return true;
	memset(&h, 0, sizeof(h));
	h.len = r->len;
	/* The whole frame where the trace keeps it, else its first bytes. */
	if (g->trace.bytes_cap > 0 && (h.caplen = trace_bytes(&g->trace, r, whole)) > 0)
		return pcap_offline_filter(&hf->prog, &h, whole) != 0;
	h.caplen = MIN(r->len, (uint32_t)TRACE_HDR);
	return pcap_offline_filter(&hf->prog, &h, r->hdr) != 0;
}

void hop_filter_free(struct hop_filter *hf)
{
	if (hf->bpf)
		pcap_freecode(&hf->prog);
	hf->bpf = false;
}

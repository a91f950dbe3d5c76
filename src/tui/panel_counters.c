/*
 * Counters panel: per port, frames and bytes each way, rates, and drops
 * with their main reason. Rates are per second of simulated time, sampled
 * every half second of wall time, so a 1 Gbit/s link reads 1 Gbit/s at any
 * clock speed. Reset (r) only moves this panel's baseline: the sim's own
 * counters, which expectations and the report read, are untouched.
 */
#include "tui.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define SAMPLE_WALL (500 * NS_PER_MS)

enum col { COL_PORT, COL_LINK, COL_RXF, COL_TXF, COL_RXB, COL_TXB, COL_RXFPS, COL_TXFPS,
	   COL_BPS, COL_DROPS, COL_REASON, COL_COUNT };

static const struct {
	const char *head;
	int width;
	bool wide_only;
} cols[COL_COUNT] = {
	[COL_PORT] = { "PORT", 12, false },
	[COL_LINK] = { "LINK", 8, false },
	[COL_RXF] = { "RX", 7, false },
	[COL_TXF] = { "TX", 7, false },
	[COL_RXB] = { "RX-BYTES", 8, false },
	[COL_TXB] = { "TX-BYTES", 8, false },
	[COL_RXFPS] = { "RX/s", 6, false },
	[COL_TXFPS] = { "TX/s", 6, true },
	[COL_BPS] = { "BIT/s", 7, false },
	[COL_DROPS] = { "DROPS", 6, false },
	[COL_REASON] = { "MOST DROPS FOR", 22, true },
};

struct sample {
	uint64_t rx_frames, tx_frames, rx_bytes, tx_bytes;
};

/* A port's counters when the panel's were reset: a copy, drops included. */
struct cbase {
	uint64_t rx_frames, rx_bytes;
	uint64_t tx_frames, tx_bytes;
	uint64_t drops[DROP_REASON_COUNT];
};

struct counters {
	int sel, top, nrows;
	int sort;               /* column */
	bool reverse;
	struct cbase *base;             /* baseline per port gid (reset) */
	uint32_t nbase;
	struct sample *prev;
	double *rx_fps, *tx_fps, *bps;
	uint32_t nrate;
	uint64_t sample_wall, sample_virt;
	uint64_t reset_at;
	bool reset_done;
	uint32_t *order;
	bool wide;              /* the last draw had room for every column */
};

static void *counters_create(struct tui *t)
{
	struct counters *c = xcalloc(1, sizeof(*c));

	(void)t;
	c->sort = COL_PORT;
	return c;
}

static void counters_destroy(void *st)
{
	struct counters *c = st;

	free(c->base);
	free(c->prev);
	free(c->rx_fps);
	free(c->tx_fps);
	free(c->bps);
	free(c->order);
	free(c);
}

/* Grows the per-port arrays when ports appeared. */
static void fit(struct counters *c, uint32_t n)
{
	if (n <= c->nrate)
		return;
	c->base = xreallocarray(c->base, n, sizeof(*c->base));
	c->prev = xreallocarray(c->prev, n, sizeof(*c->prev));
	c->rx_fps = xreallocarray(c->rx_fps, n, sizeof(*c->rx_fps));
	c->tx_fps = xreallocarray(c->tx_fps, n, sizeof(*c->tx_fps));
	c->bps = xreallocarray(c->bps, n, sizeof(*c->bps));
	c->order = xreallocarray(c->order, n, sizeof(*c->order));
	for (uint32_t i = c->nrate; i < n; i++) {
		memset(&c->base[i], 0, sizeof(c->base[i]));
		memset(&c->prev[i], 0, sizeof(c->prev[i]));
		c->rx_fps[i] = c->tx_fps[i] = c->bps[i] = 0;
	}
	c->nrate = n;
}

static void sample(struct counters *c, struct sim *s)
{
	uint64_t wall = loop_mono_ns(), virt = loop_now(s->loop);

	if (c->sample_wall != 0 && (wall - c->sample_wall < SAMPLE_WALL || virt == c->sample_virt))
		return;
	for (uint32_t i = 0; i < s->g->nports; i++) {
		const struct port_stats *p = &s->g->ports[i]->st;
		struct sample *pv = &c->prev[i];

		if (c->sample_wall != 0 && virt > c->sample_virt) {
			double dt = (double)(virt - c->sample_virt) / 1e9;

			c->rx_fps[i] = (double)(p->rx_frames - pv->rx_frames) / dt;
			c->tx_fps[i] = (double)(p->tx_frames - pv->tx_frames) / dt;
			c->bps[i] = (double)(p->rx_bytes - pv->rx_bytes + p->tx_bytes - pv->tx_bytes) *
				    8 / dt;
		}
		pv->rx_frames = p->rx_frames;
		pv->tx_frames = p->tx_frames;
		pv->rx_bytes = p->rx_bytes;
		pv->tx_bytes = p->tx_bytes;
	}
	c->sample_wall = wall;
	c->sample_virt = virt;
}

static uint64_t drops_of(const struct counters *c, const struct port *p, int *top)
{
	uint64_t sum = 0, best = 0;

	*top = -1;
	for (int r = 0; r < DROP_REASON_COUNT; r++) {
		uint64_t d = port_drops(p, r) - c->base[p->gid].drops[r];

		sum += d;
		if (d > best) {
			best = d;
			*top = r;
		}
	}
	return sum;
}

static double value(const struct counters *c, const struct port *p, int col)
{
	const struct cbase *b = &c->base[p->gid];
	int top;

	switch (col) {
	case COL_RXF: return (double)(p->st.rx_frames - b->rx_frames);
	case COL_TXF: return (double)(p->st.tx_frames - b->tx_frames);
	case COL_RXB: return (double)(p->st.rx_bytes - b->rx_bytes);
	case COL_TXB: return (double)(p->st.tx_bytes - b->tx_bytes);
	case COL_RXFPS: return c->rx_fps[p->gid];
	case COL_TXFPS: return c->tx_fps[p->gid];
	case COL_BPS: return c->bps[p->gid];
	case COL_DROPS: return (double)drops_of(c, p, &top);
	default: return 0;
	}
}

/* Compares names the way people count: runs of digits by their value, so
 * sw1.2 comes before sw1.10, and sw2 before sw10. */
static int counters_natcmp(const char *a, const char *b)
{
	while (*a != '\0' && *b != '\0') {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			const char *ea, *eb;
			size_t na, nb;
			int r;

			while (*a == '0' && isdigit((unsigned char)a[1]))
				a++;
			while (*b == '0' && isdigit((unsigned char)b[1]))
				b++;
			for (ea = a; isdigit((unsigned char)*ea); ea++)
				;
			for (eb = b; isdigit((unsigned char)*eb); eb++)
				;
			na = (size_t)(ea - a);
			nb = (size_t)(eb - b);
			if (na != nb)
				return na < nb ? -1 : 1;
			r = strncmp(a, b, na);
			if (r != 0)
				return r;
			a = ea;
			b = eb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return *a != '\0' ? 1 : *b != '\0' ? -1 : 0;
}

/* Ports in natural order: by node name, then by the port's own name. */
static int counters_portcmp(const struct port *pa, const struct port *pb)
{
	int r = counters_natcmp(pa->node->name, pb->node->name);

	return r != 0 ? r : counters_natcmp(pa->name, pb->name);
}

static struct counters *sort_ctx;
static struct sim *sort_sim;

static int cmp(const void *a, const void *b)
{
	const struct port *pa = sort_sim->g->ports[*(const uint32_t *)a];
	const struct port *pb = sort_sim->g->ports[*(const uint32_t *)b];
	int r;

	if (sort_ctx->sort == COL_PORT) {
		r = counters_portcmp(pa, pb);
	} else if (sort_ctx->sort == COL_LINK) {
		r = strcmp(tui_link_word(pa), tui_link_word(pb));
	} else if (sort_ctx->sort == COL_REASON) {
		int ta, tb;

		/* By the reason's name; ports that dropped nothing last. */
		drops_of(sort_ctx, pa, &ta);
		drops_of(sort_ctx, pb, &tb);
		if (ta < 0 || tb < 0)
			r = (ta < 0) - (tb < 0);
		else
			r = strcmp(drop_reason_name(ta), drop_reason_name(tb));
	} else {
		double va = value(sort_ctx, pa, sort_ctx->sort), vb = value(sort_ctx, pb, sort_ctx->sort);

		/* Numbers sort biggest first: what a teacher looks for. */
		r = va > vb ? -1 : va < vb;
	}
	if (r == 0)
		r = counters_portcmp(pa, pb);
	return sort_ctx->reverse ? -r : r;
}

static void cell(char *buf, size_t n, double v, bool human)
{
	if (human)
		tui_human(v, buf, n);
	else
		snprintf(buf, n, "%.0f", v);
}

static void counters_draw(struct tui *t, void *st, struct rect r, bool focused)
{
	struct counters *c = st;
	struct sim *s = tui_sim(t);
	uint32_t np = s->g->nports;
	bool wide = r.w >= 110;
	char head[512], extra[96];
	int x, list;

	c->wide = wide;
	fit(c, np);
	sample(c, s);
	c->nrows = (int)np;
	for (uint32_t i = 0; i < np; i++)
		c->order[i] = i;
	sort_ctx = c;
	sort_sim = s;
	qsort(c->order, np, sizeof(*c->order), cmp);
	if (c->reset_done)
		snprintf(extra, sizeof(extra), "since reset at t=%.3fs; sorted by %s%s",
			 (double)c->reset_at / 1e9, cols[c->sort].head, c->reverse ? " (reversed)" : "");
	else
		snprintf(extra, sizeof(extra), "sorted by %s%s", cols[c->sort].head,
			 c->reverse ? " (reversed)" : "");
	tui_title(t, r, tui_panel_index(&panel_counters_ops) + 1, "Counters", extra,
		  focused);
	/* Header. */
	tui_text(r.y + 1, r.x, r.w, A_BOLD | A_UNDERLINE, true, "");
	x = r.x;
	for (int k = 0; k < COL_COUNT; k++) {
		if (cols[k].wide_only && !wide)
			continue;
		snprintf(head, sizeof(head), k <= COL_LINK || k == COL_REASON ? "%-*s" : "%*s",
			 cols[k].width, cols[k].head);
		tui_text(r.y + 1, x, MIN(cols[k].width, r.x + r.w - x),
			 (k == c->sort ? A_REVERSE : 0) | A_BOLD | A_UNDERLINE, false, head);
		x += cols[k].width + 1;
	}
	list = r.h - 2 - 1;
	tui_list_scroll(&c->sel, &c->top, c->nrows, list);
	for (int i = 0; i < list; i++) {
		int k = c->top + i, y = r.y + 2 + i;
		struct port *p;
		char v[32], line[512];
		int top = -1, off = 0;
		uint64_t drops;
		attr_t a;

		if (k >= c->nrows) {
			tui_text(y, r.x, r.w, tui_attr(t, C_NORMAL), true, "");
			continue;
		}
		p = s->g->ports[c->order[k]];
		drops = drops_of(c, p, &top);
		a = k == c->sel ? tui_attr(t, C_SELECT) : tui_attr(t, C_NORMAL);
		line[0] = '\0';
		for (int col = 0; col < COL_COUNT; col++) {
			if (cols[col].wide_only && !wide)
				continue;
			switch (col) {
			case COL_PORT: snprintf(v, sizeof(v), "%s", p->name); break;
			case COL_LINK: snprintf(v, sizeof(v), "%s", tui_link_word(p)); break;
			case COL_REASON:
				snprintf(v, sizeof(v), "%s", top >= 0 ? drop_reason_name(top) : "");
				break;
			default:
				cell(v, sizeof(v), value(c, p, col), col != COL_RXF && col != COL_TXF &&
				     col != COL_DROPS);
			}
			off += snprintf(line + off, sizeof(line) - (size_t)off,
					col <= COL_LINK || col == COL_REASON ? "%-*.*s " : "%*.*s ",
					cols[col].width, cols[col].width, v);
		}
		tui_text(y, r.x, r.w, a, true, line);
		if (k != c->sel) {
			/* Colour the link word and a non-zero drop count. */
			int lx = r.x + cols[COL_PORT].width + 1;
			const char *w = tui_link_word(p);

			tui_text(y, lx, cols[COL_LINK].width,
				 strcmp(w, "up") == 0 ? tui_attr(t, C_UP) :
				 strcmp(w, "--") == 0 ? tui_attr(t, C_DIM) : tui_attr(t, C_DOWN),
				 false, w);
			if (drops > 0) {
				int dx = r.x;

				for (int col = 0; col < COL_DROPS; col++)
					if (!(cols[col].wide_only && !wide))
						dx += cols[col].width + 1;
				snprintf(v, sizeof(v), "%*" PRIu64, cols[COL_DROPS].width, drops);
				tui_text(y, dx, cols[COL_DROPS].width, tui_attr(t, C_DROP), false, v);
			}
		}
	}
	/* The selected port's drops by reason. */
	if (c->nrows > 0 && r.h > 3) {
		struct port *p = s->g->ports[c->order[c->sel]];
		char line[512];
		int off = snprintf(line, sizeof(line), " %s drops:", p->name);
		bool any = false;

		for (int rr = 0; rr < DROP_REASON_COUNT; rr++) {
			uint64_t d = port_drops(p, rr) - c->base[p->gid].drops[rr];

			if (d == 0)
				continue;
			/* "VLAN not allowed: 3", not "vlan 3", which reads as VLAN 3. */
			off += snprintf(line + off, sizeof(line) - (size_t)MIN(off, (int)sizeof(line)),
					"%s %s: %" PRIu64, any ? "," : "", drop_reason_label(rr), d);
			any = true;
			if (off >= (int)sizeof(line))
				break;
		}
		if (!any)
			snprintf(line + off, sizeof(line) - (size_t)off, " none");
		tui_text(r.y + r.h - 1, r.x, r.w, tui_attr(t, C_HEADER), true, line);
		if (focused)
			tui_select(t, p->node, p);
	}
}

static bool counters_key(struct tui *t, void *st, int ch)
{
	struct counters *c = st;
	struct sim *s = tui_sim(t);

	/* Keys can come before the panel is first drawn (4, then Down). */
	c->nrows = (int)s->g->nports;
	if (tui_list_key(ch, &c->sel, c->nrows))
		return true;
	switch (ch) {
	case '>': case KEY_RIGHT:
		do
			c->sort = (c->sort + 1) % COL_COUNT;
		while (cols[c->sort].wide_only && !c->wide);
		return true;
	case '<': case KEY_LEFT:
		do
			c->sort = (c->sort + COL_COUNT - 1) % COL_COUNT;
		while (cols[c->sort].wide_only && !c->wide);
		return true;
	case 'I':
		c->reverse = !c->reverse;
		return true;
	case 'r':
		fit(c, s->g->nports);
		for (uint32_t i = 0; i < s->g->nports; i++) {
			const struct port *q = s->g->ports[i];
			struct cbase *b = &c->base[i];

			b->rx_frames = q->st.rx_frames;
			b->rx_bytes = q->st.rx_bytes;
			b->tx_frames = q->st.tx_frames;
			b->tx_bytes = q->st.tx_bytes;
			for (int r = 0; r < DROP_REASON_COUNT; r++)
				b->drops[r] = port_drops(q, r);
		}
		c->reset_at = loop_now(s->loop);
		c->reset_done = true;
		tui_message(t, "counters reset at t=%.3fs (this panel only; expectations and the "
			    "report still count from the start)", (double)c->reset_at / 1e9);
		return true;
	default:
		return false;
	}
}

const struct panel_ops panel_counters_ops = {
	.name = "Counters",
	.keys = "Up/Down    select a port (its drops by reason show at the bottom)\n"
		"< / >      sort by the previous / next column (numbers: biggest first)\n"
		"I          reverse the order\n"
		"r          reset this panel's counters (the sim's own are kept)\n"
		"l / c      link on/off, capture on the selected port",
	.create = counters_create,
	.destroy = counters_destroy,
	.draw = counters_draw,
	.key = counters_key,
};

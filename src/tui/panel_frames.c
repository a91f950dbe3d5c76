/*
 * Frames panel: the trace ring as a live list, one line per hop (a frame
 * arriving at or leaving a node, and what the node decided). The list
 * follows the newest hop until you move up; a filter (app/hopfilter.h:
 * the decision, the reason, a node, a port, a frame number, tcpdump
 * syntax) and "follow this frame" narrow it. The box at the
 * bottom explains the selected hop.
 *
 * The history is the trace ring: its last --trace-size hops (65536 by
 * default). Filters see each frame whole while the trace's byte ring
 * (--frame-bytes) keeps it, then its first TRACE_HDR (64) bytes, where
 * tests on deeper bytes never match; the DHCP type is kept separately.
 */
#include "tui.h"
#include "../app/hopfilter.h"

#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#define SCAN_MAX 200000u        /* hops looked at per draw when filtering */
#define FRAMES_ROWS_MAX 512     /* list rows drawn at most */

struct frames {
	bool live;
	uint64_t cursor;        /* selected hop (absolute trace index) */
	uint64_t top;           /* the first hop shown when not live */
	uint64_t shown_top;     /* the first hop the last draw showed */
	bool filtering;
	char filter[256];
	struct hop_filter hf;           /* while filtering */
	pcap_t *dead;
	struct graph *g;
	bool following;
	uint64_t follow_id;
	int rows;
	bool scan_cut;          /* the last draw stopped scanning at SCAN_MAX */
	/* The cursor's place in its frame, kept between draws: the hops
	 * before it never change, and the ones after are counted as they
	 * come, so a redraw does not rescan the ring. */
	uint64_t hop_cursor, hop_first_kept, hop_nth, hop_after, hop_scanned;
	bool hop_valid;
	/* The hops the last draw listed, row by row (a click selects one). */
	uint64_t shown[FRAMES_ROWS_MAX];
	int nshown;
};

static struct frames *state(struct tui *t);

static void *frames_create(struct tui *t)
{
	struct frames *f = xcalloc(1, sizeof(*f));

	f->g = tui_sim(t)->g;
	f->live = true;
	f->dead = pcap_open_dead(DLT_EN10MB, 65535);
	if (f->dead == NULL)
		fatal("pcap_open_dead failed");
	return f;
}

static void frames_destroy(void *st)
{
	struct frames *f = st;

	if (f->filtering)
		hop_filter_free(&f->hf);
	pcap_close(f->dead);
	free(f);
}

static uint64_t first_kept(const struct trace *tr)
{
	return tr->total > tr->cap ? tr->total - tr->cap : 0;
}

static const struct trace_rec *rec(const struct trace *tr, uint64_t i)
{
	return &tr->ring[i % tr->cap];
}

static bool match(struct frames *f, const struct trace_rec *r)
{
	if (f->following && r->frame_id != f->follow_id)
		return false;
	return !f->filtering || hop_filter_match(&f->hf, f->g, r);
}

/* The nearest matching hop before `i` (exclusive), or UINT64_MAX. */
static uint64_t prev_match(struct frames *f, const struct trace *tr, uint64_t i)
{
	uint64_t lo = first_kept(tr), n = 0;

	while (i > lo && n++ < SCAN_MAX) {
		i--;
		if (match(f, rec(tr, i)))
			return i;
	}
	return UINT64_MAX;
}

/* The first matching hop at `i` or after it, or UINT64_MAX. */
static uint64_t match_from(struct frames *f, const struct trace *tr, uint64_t i)
{
	uint64_t n = 0;

	for (i = MAX(i, first_kept(tr)); i < tr->total && n++ < SCAN_MAX; i++)
		if (match(f, rec(tr, i)))
			return i;
	return UINT64_MAX;
}

/* The nearest matching hop after `i` (exclusive), or UINT64_MAX. */
static uint64_t next_match(struct frames *f, const struct trace *tr, uint64_t i)
{
	return i == UINT64_MAX ? UINT64_MAX : match_from(f, tr, i + 1);
}

/* Up to `max` matching hops from `from` on, oldest first. */
static int frames_collect_fwd(struct frames *f, const struct trace *tr, uint64_t from, int max,
			      uint64_t *idx)
{
	uint64_t scanned = 0;
	int n = 0;

	for (uint64_t i = MAX(from, first_kept(tr)); i < tr->total && n < max; i++) {
		if (++scanned > SCAN_MAX) {
			f->scan_cut = true;
			break;
		}
		if (match(f, rec(tr, i)))
			idx[n++] = i;
	}
	return n;
}

/* Up to `max` matching hops before `before`, newest first. */
static int frames_collect_back(struct frames *f, const struct trace *tr, uint64_t before, int max,
			       uint64_t *idx)
{
	uint64_t lo = first_kept(tr), scanned = 0;
	int n = 0;

	for (uint64_t i = MIN(before, tr->total); i > lo && n < max;) {
		i--;
		if (++scanned > SCAN_MAX) {
			f->scan_cut = true;
			break;
		}
		if (match(f, rec(tr, i)))
			idx[n++] = i;
	}
	return n;
}

/* Which hop of its frame the cursor's is (1: the first), and how many hops
 * of that frame the ring holds. The scan each way is bounded, as a frame's
 * hops are seldom far apart; what was scanned is kept for the next call. */
static void frames_hop_of(struct frames *f, const struct trace *tr, uint64_t *nth,
			  uint64_t *count)
{
	uint64_t i = f->cursor, id = rec(tr, i)->frame_id, lo = first_kept(tr), n = 0;

	if (!f->hop_valid || f->hop_cursor != i || f->hop_first_kept != lo) {
		f->hop_valid = true;
		f->hop_cursor = i;
		f->hop_first_kept = lo;
		f->hop_nth = 1;
		f->hop_after = 0;
		f->hop_scanned = i + 1;
		for (uint64_t k = i; k > lo && n++ < SCAN_MAX;)
			if (rec(tr, --k)->frame_id == id)
				f->hop_nth++;
	}
	for (uint64_t k = f->hop_scanned; k < tr->total && k - i <= SCAN_MAX; k++) {
		if (rec(tr, k)->frame_id == id)
			f->hop_after++;
		f->hop_scanned = k + 1;
	}
	*nth = f->hop_nth;
	*count = f->hop_nth + f->hop_after;
}

int frames_set_filter(struct tui *t, void *st, const char *expr)
{
	struct frames *f = st;
	struct hop_filter hf;
	char err[ERRLEN];

	while (*expr == ' ')
		expr++;
	if (*expr == '\0') {
		if (f->filtering)
			hop_filter_free(&f->hf);
		f->filtering = false;
		f->filter[0] = '\0';
		tui_message(t, "frame filter cleared");
		return 0;
	}
	if (hop_filter_parse(&hf, f->g, f->dead, expr, err) < 0) {
		tui_message(t, "error: filter '%s': %s", expr, err);
		return -1;
	}
	if (f->filtering)
		hop_filter_free(&f->hf);
	f->hf = hf;
	f->filtering = true;
	snprintf(f->filter, sizeof(f->filter), "%s", expr);
	f->live = true;
	tui_message(t, "frame filter: %s", expr);
	return 0;
}

bool frames_shows(struct tui *t, const struct trace_rec *r)
{
	return match(state(t), r);
}

const char *frames_narrowed(struct tui *t)
{
	struct frames *f = state(t);
	static char why[300];

	if (f->filtering && f->following)
		snprintf(why, sizeof(why), "frame #%" PRIu64 ", filter %s", f->follow_id,
			 f->filter);
	else if (f->following)
		snprintf(why, sizeof(why), "frame #%" PRIu64, f->follow_id);
	else if (f->filtering)
		snprintf(why, sizeof(why), "filter %s", f->filter);
	else
		return NULL;
	return why;
}

static void frames_hold(struct frames *f);

bool frames_current(struct tui *t, uint64_t *i)
{
	struct frames *f = state(t);
	struct trace *tr = &tui_sim(t)->g->trace;

	if (!f->live) {
		*i = f->cursor;
		return f->cursor >= first_kept(tr) && f->cursor < tr->total;
	}
	*i = prev_match(f, tr, tr->total);      /* the newest shown */
	return *i != UINT64_MAX;
}

static void frames_box_title(struct tui *t, struct frames *f, char *buf, size_t len);

bool frames_open_current(struct tui *t)
{
	struct frames *f = state(t);
	struct graph *g = tui_sim(t)->g;
	const struct trace_rec *r;
	char title[160], dec[160], full[400], *cut;
	uint64_t i;

	if (!frames_current(t, &i)) {
		tui_message(t, "o opens a hop's frame: there is none in Frames yet");
		return false;
	}
	/* The title names the hop as the box under the list does. */
	f->cursor = i;
	r = rec(&g->trace, i);
	frames_box_title(t, f, title, sizeof(title));
	cut = strstr(title, "   ");
	if (cut != NULL)
		*cut = '\0';
	trace_decision(g, r, dec, sizeof(dec));
	snprintf(full, sizeof(full), "%s: %s %s", title,
		 r->port < g->nports ? g->ports[r->port]->name : "?", dec);
	tui_frame_open(t, r, full);
	return true;
}

void frames_select(struct tui *t, uint64_t i)
{
	struct frames *f = state(t);
	struct trace *tr = &tui_sim(t)->g->trace;

	/* The newest hop shown: the list stays live. */
	if (next_match(f, tr, i) == UINT64_MAX) {
		f->live = true;
		return;
	}
	frames_hold(f);
	f->cursor = i;
}

static void short_mac(const uint8_t *m, char *buf)
{
	if (memcmp(m, "\xff\xff\xff\xff\xff\xff", 6) == 0)
		snprintf(buf, 9, "bcast");
	else
		snprintf(buf, 9, "%02x:%02x:%02x", m[3], m[4], m[5]);
}

/* The decision in a few characters, for narrow screens. */
static void decision_short(struct graph *g, const struct trace_rec *r, char *buf, size_t n)
{
	switch (r->decision) {
	case DEC_FORWARDED:
		snprintf(buf, n, "fwd %s", r->out_port < g->nports ? g->ports[r->out_port]->name : "?");
		break;
	case DEC_ROUTED:
		snprintf(buf, n, "rtd %s", r->out_port < g->nports ? g->ports[r->out_port]->name : "?");
		break;
	case DEC_FLOODED_UNKNOWN: snprintf(buf, n, "flood unknown/%u", r->out_port); break;
	case DEC_FLOODED_BCAST: snprintf(buf, n, "flood bcast/%u", r->out_port); break;
	case DEC_FLOODED_MCAST: snprintf(buf, n, "flood mcast/%u", r->out_port); break;
	case DEC_FLOODED_HUB: snprintf(buf, n, "flood hub/%u", r->out_port); break;
	case DEC_DROPPED:
		if (r->reason == DROP_SAME_PORT)
			snprintf(buf, n, "filtered");
		else
			snprintf(buf, n, "drop %s", drop_reason_name(r->reason));
		break;
	default:
		snprintf(buf, n, "%s", decision_name(r->decision));
	}
}

static attr_t decision_attr(struct tui *t, const struct trace_rec *r)
{
	switch (r->decision) {
	case DEC_FORWARDED: case DEC_DELIVERED: case DEC_ROUTED: return tui_attr(t, C_FORWARD);
	case DEC_FLOODED_UNKNOWN: case DEC_FLOODED_BCAST: case DEC_FLOODED_MCAST:
	case DEC_FLOODED_HUB: return tui_attr(t, C_FLOOD);
	case DEC_DROPPED:
		return r->reason == DROP_SAME_PORT || r->reason == DROP_NOT_FOR_US ?
			tui_attr(t, C_DIM) : tui_attr(t, C_DROP);
	default: return tui_attr(t, C_NORMAL);
	}
}

static void draw_line(struct tui *t, const struct trace_rec *r, int y, int x, int w,
		      bool selected, bool stepped)
{
	struct sim *s = tui_sim(t);
	char tm[32], sum[200], dec[96], line[512], src[18], dst[18];
	const char *pname = r->port < s->g->nports ? s->g->ports[r->port]->name : "?";
	int dw, pre;
	attr_t base = selected ? tui_attr(t, C_SELECT) : stepped ? A_BOLD : tui_attr(t, C_NORMAL);

	tui_time(r->time, tm, sizeof(tm));
	frame_summary_dhcp(r->hdr, MIN(r->len, (uint32_t)TRACE_HDR), r->dhcp, sum, sizeof(sum));
	if (w >= 140)
		trace_decision(s->g, r, dec, sizeof(dec));
	else
		decision_short(s->g, r, dec, sizeof(dec));
	if (w >= 140) {
		fmt_mac(r->hdr + 6, src);
		fmt_mac(r->hdr, dst);
		pre = snprintf(line, sizeof(line), "%-11s %6" PRIu64 " %-11s %-3s %s > %s ", tm,
			       r->frame_id, pname, r->tx ? "out" : "in", src, dst);
	} else {
		short_mac(r->hdr + 6, src);
		short_mac(r->hdr, dst);
		pre = snprintf(line, sizeof(line), "%-10.10s %-8.8s %-3s %-8s>%-8s ", tm, pname,
			       r->tx ? "out" : "in", src, dst);
	}
	dw = MIN((int)strlen(dec), MAX(12, w / 3));
	snprintf(line + pre, sizeof(line) - (size_t)pre, "%s", sum);
	tui_text(y, x, w, base, true, line);
	if (w - dw - 1 > pre) {
		/* The decision, right-aligned, over the summary's tail. */
		tui_text(y, x + w - dw - 1, 1, base, false, " ");
		tui_text(y, x + w - dw, dw, selected ? base : decision_attr(t, r) | base, false, dec);
	}
}

/* "hop 2 of 3 of frame #5   Enter: follow this frame" for the cursor. */
static void frames_box_title(struct tui *t, struct frames *f, char *buf, size_t len)
{
	struct trace *tr = &tui_sim(t)->g->trace;
	uint64_t nth, count;

	frames_hop_of(f, tr, &nth, &count);
	snprintf(buf, len, " hop %" PRIu64 " of %" PRIu64 " of frame #%" PRIu64 "   %s", nth,
		 count, rec(tr, f->cursor)->frame_id,
		 f->following ? "Esc: all frames" : "Enter: follow this frame");
}

/* The title (live or scrolled, the filter, the frame followed) and the
 * column heads, wide or narrow. */
static void frames_heading(struct tui *t, struct frames *f, const struct trace *tr, uint64_t lo,
			   struct rect r, bool focused)
{
	char extra[400], head[256];

	{
		char fl[300] = "", fo[64] = "";

		if (f->filtering)
			snprintf(fl, sizeof(fl), "  filter: %s", f->filter);
		if (f->following)
			snprintf(fo, sizeof(fo), "  following frame #%" PRIu64 " (Esc: all)",
				 f->follow_id);
		snprintf(extra, sizeof(extra), "%s%s%s  %" PRIu64 " hops kept",
			 f->live ? "live" : "SCROLLED (End: live)", fl, fo, tr->total - lo);
	}
	tui_title(t, r, tui_panel_index(&panel_frames_ops) + 1, "Frames", extra, focused);
	if (r.w >= 140)
		snprintf(head, sizeof(head), "%-11s %6s %-11s %-3s %-17s   %-17s %s", "TIME", "FRAME",
			 "PORT", "DIR", "SOURCE", "DESTINATION", "SUMMARY");
	else
		snprintf(head, sizeof(head), "%-10s %-8s %-3s %-8s %-8s %s", "TIME", "PORT", "DIR",
			 "SOURCE", "DEST", "SUMMARY");
	tui_text(r.y + 1, r.x, r.w, A_BOLD | A_UNDERLINE, true, head);
	tui_text(r.y + 1, r.x + r.w - 9, 9, A_BOLD | A_UNDERLINE, false, "DECISION ");
}

/* Which hops to show, into idx (at most rows of them); returns how many.
 * Live: the newest `rows` matches. Scrolled: a page from `top` that holds
 * the cursor and, when it reaches the newest hop, is filled from above,
 * as less does at the end. */
static int frames_page(struct frames *f, const struct trace *tr, uint64_t lo, int rows,
		       uint64_t *idx)
{
	uint64_t back[FRAMES_ROWS_MAX];
	int n, nb;

	if (f->live) {
		n = frames_collect_back(f, tr, tr->total, rows, back);
		for (int i = 0; i < n; i++)
			idx[i] = back[n - 1 - i];
		f->cursor = n > 0 ? idx[n - 1] : tr->total;
		return n;
	}
	f->top = MAX(f->top, lo);
	if (f->cursor < f->top)
		f->top = f->cursor;
	n = frames_collect_fwd(f, tr, f->top, rows, idx);
	if (n == rows && f->cursor > idx[n - 1]) {
		/* The cursor went below the page: the page ends with it. */
		n = frames_collect_back(f, tr, f->cursor + 1, rows, back);
		for (int i = 0; i < n; i++)
			idx[i] = back[n - 1 - i];
	} else if (n < rows && !f->scan_cut) {
		nb = frames_collect_back(f, tr, n > 0 ? idx[0] : f->top, rows - n, back);
		memmove(idx + nb, idx, (size_t)n * sizeof(*idx));
		for (int i = 0; i < nb; i++)
			idx[i] = back[nb - 1 - i];
		n += nb;
	}
	if (n > 0)
		f->top = idx[0];
	return n;
}

/* The box below the list, `detail` rows from y: the selected hop's trace
 * line and its explanation (sel: one is shown and selected). */
static void frames_detail(struct tui *t, struct frames *f, struct rect r, int y, int detail,
			  bool sel, const char *line, const char *why)
{
	char hd[160];

	if (sel) {
		int fl = tui_wrap_count(r.w, line), wl = tui_wrap_count(r.w, why);
		bool cut = 1 + fl + wl > detail;

		frames_box_title(t, f, hd, sizeof(hd));
		if (cut)
			snprintf(hd + strlen(hd), sizeof(hd) - strlen(hd), "   e: all of it");
		tui_text(y, r.x, r.w, tui_attr(t, C_HEADER), true, hd);
		{
			/* When it does not all fit, the explanation keeps at
			 * least its first rows. */
			int used = tui_wrap(y + 1, r.x, r.w,
					    cut ? MAX(1, MIN(fl, detail - 1 - MIN(wl, 3))) : fl,
					    tui_attr(t, C_DIM), line);

			used += tui_wrap(y + 1 + used, r.x, r.w, detail - 1 - used,
					 tui_attr(t, C_NORMAL), why);
			for (int i = 1 + used; i < detail; i++)
				tui_text(y + i, r.x, r.w, tui_attr(t, C_NORMAL), true, "");
		}
	} else {
		tui_text(y, r.x, r.w, tui_attr(t, C_HEADER), true, " no hop selected");
		for (int i = 1; i < detail; i++)
			tui_text(y + i, r.x, r.w, tui_attr(t, C_NORMAL), true, "");
	}
}

static void frames_draw(struct tui *t, void *st, struct rect r, bool focused)
{
	struct frames *f = st;
	struct sim *s = tui_sim(t);
	struct trace *tr = &s->g->trace;
	uint64_t lo = first_kept(tr), idx[FRAMES_ROWS_MAX];
	int rows, n, detail;
	char line[512], why[768];
	const struct trace_rec *sel = NULL;
	uint64_t step_first = tui_last_step_first(t);

	/* The selected hop first: the box's size depends on it. */
	f->scan_cut = false;
	if (!f->live && (f->cursor < lo || f->cursor >= tr->total ||
			 !match(f, rec(tr, f->cursor)))) {
		/* The ring dropped the selected hop (or it is no longer shown). */
		uint64_t k = match_from(f, tr, f->cursor < lo ? lo : f->cursor);

		if (k == UINT64_MAX)
			f->live = true;
		else
			f->cursor = k;
	}
	if (f->live)
		f->cursor = prev_match(f, tr, tr->total);
	if (f->cursor != UINT64_MAX) {
		sel = rec(tr, f->cursor);
		trace_format(s->g, sel, line, sizeof(line));
		trace_explain(s->g, sel, why, sizeof(why));
	}
	/* The box below the list: 6 rows, more when the explanation needs
	 * them, as long as the list keeps a third of the panel. */
	detail = r.h >= 12 ? 6 : r.h >= 8 ? 3 : 0;
	if (detail > 0 && sel != NULL) {
		int need = 1 + tui_wrap_count(r.w, line) + tui_wrap_count(r.w, why);
		int cap = MAX(detail, r.h - 2 - MAX(3, (r.h - 2) / 3));

		detail = MIN(MAX(detail, need), cap);
	}
	rows = MIN(r.h - 2 - detail, (int)ARRAY_SIZE(idx));
	f->rows = rows;
	frames_heading(t, f, tr, lo, r, focused);

	n = frames_page(f, tr, lo, rows, idx);
	f->shown_top = n > 0 ? idx[0] : lo;
	memcpy(f->shown, idx, (size_t)n * sizeof(*idx));
	f->nshown = n;
	for (int i = 0; i < rows; i++) {
		int y = r.y + 2 + i;

		if (i < n) {
			uint64_t k = idx[i];
			bool stepped = tui_paused(t) && step_first != UINT64_MAX && k >= step_first;

			draw_line(t, rec(tr, k), y, r.x, r.w, k == f->cursor, stepped);
		} else {
			tui_text(y, r.x, r.w, tui_attr(t, C_NORMAL), true,
				 i == 0 && n == 0 ? (tr->total == 0 ?
					"  (no frames yet: the clock runs with space, n steps one hop)" :
					f->scan_cut ? "  (no match in the last 200000 hops)" :
					"  (no hop matches)") : "");
		}
	}
	if (detail > 0)
		frames_detail(t, f, r, r.y + 2 + rows, detail, n > 0 && sel != NULL, line, why);
}

/* Leaves live mode with the page as it was last drawn. */
static void frames_hold(struct frames *f)
{
	if (f->live) {
		f->live = false;
		f->top = f->shown_top;
	}
}

static bool frames_key(struct tui *t, void *st, int ch)
{
	struct frames *f = st;
	struct trace *tr = &tui_sim(t)->g->trace;
	uint64_t k;

	/* While live, the newest match is selected, though the list may not
	 * have been drawn since it came (keys typed right after 2). */
	if (f->live)
		f->cursor = prev_match(f, tr, tr->total);
	switch (ch) {
	case KEY_UP: case 'k':
		if (f->cursor == UINT64_MAX)
			return true;
		k = prev_match(f, tr, f->cursor);
		if (k != UINT64_MAX) {
			frames_hold(f);
			f->cursor = k;
		}
		return true;
	case KEY_DOWN: case 'j':
		if (f->live)
			return true;
		k = next_match(f, tr, f->cursor);
		if (k == UINT64_MAX)
			f->live = true;
		else
			f->cursor = k;
		return true;
	case KEY_PPAGE:
		for (int i = 0; i < MAX(1, f->rows - 1); i++)
			frames_key(t, st, KEY_UP);
		return true;
	case KEY_NPAGE:
		for (int i = 0; i < MAX(1, f->rows - 1) && !f->live; i++)
			frames_key(t, st, KEY_DOWN);
		return true;
	case KEY_HOME: case 'g':
		k = match_from(f, tr, first_kept(tr));
		if (k != UINT64_MAX) {
			f->live = false;
			f->cursor = k;
			f->top = k;
		}
		return true;
	case KEY_END: case 'G':
		f->live = true;
		return true;
	case 'z':
		if (f->live)
			frames_hold(f);
		else
			f->live = true;
		return true;
	case '\n': case '\r': case KEY_ENTER: case 'F':
		if (f->cursor < tr->total && f->cursor >= first_kept(tr)) {
			const struct trace_rec *r = rec(tr, f->cursor);

			if (f->following && f->follow_id == r->frame_id) {
				f->following = false;
				return true;
			}
			f->following = true;
			f->follow_id = r->frame_id;
			/* The page starts at the frame's first hop, as long as the
			 * selected one stays on it. */
			k = f->cursor;
			for (int i = 1; i < f->rows; i++) {
				uint64_t p = prev_match(f, tr, k);

				if (p == UINT64_MAX)
					break;
				k = p;
			}
			f->top = k;
			tui_message(t, "following frame #%" PRIu64 " across its hops (Esc: all frames)",
				    r->frame_id);
		}
		return true;
	case 27:
		f->following = false;
		return true;
	case 'x':
		frames_set_filter(t, f, "");
		return true;
	case 'o':
		frames_open_current(t);
		return true;
	case 'e':
		/* The selected hop in full, in a pop-up: for when the box is
		 * too small to hold all of its explanation. */
		if (f->cursor < tr->total && f->cursor >= first_kept(tr)) {
			char title[160], line[512], why[768], text[1400];

			frames_box_title(t, f, title, sizeof(title));
			trace_format(tui_sim(t)->g, rec(tr, f->cursor), line, sizeof(line));
			trace_explain(tui_sim(t)->g, rec(tr, f->cursor), why, sizeof(why));
			snprintf(text, sizeof(text), "%s\n\n%s", line, why);
			tui_popup(t, title + 1, text);
		}
		return true;
	default:
		return false;
	}
}

/* A click on a row of the list selects its hop (the list stops
 * following the newest, as Up does); a second click on it opens it. */
static void frames_click(struct tui *t, void *st, int y, int x)
{
	struct frames *f = st;
	struct trace *tr = &tui_sim(t)->g->trace;
	int row = y - 2;
	uint64_t k;

	(void)x;
	if (row < 0 || row >= f->nshown)
		return;
	k = f->shown[row];
	if (k < first_kept(tr) || k >= tr->total)
		return;
	if (!f->live && f->cursor == k) {
		frames_open_current(t);
		return;
	}
	frames_hold(f);
	f->cursor = k;
}

const struct panel_ops panel_frames_ops = {
	.name = "Frames",
	.keys = "Up/Down    select a hop; the list stops following (End: live again)\n"
		"z          freeze / unfreeze the list\n"
		"Enter      follow the selected frame across its hops (Esc: all)\n"
		"/          filter: dropped, flooded, reason vlan, node sw1, port br0.2, frame 18,\n"
		"           and/or tcpdump syntax (icmp, arp, ether host 52:54:00:12:34:56)\n"
		"x          clear the filter\n"
		"e          the selected hop and its explanation in full, in a pop-up\n"
		"o          open the selected hop's frame: its layers and its bytes\n"
		"n          step to the next hop shown here; the box explains it\n"
		"click      select the hop under the mouse; click it again to open it",
	.create = frames_create,
	.destroy = frames_destroy,
	.draw = frames_draw,
	.key = frames_key,
	.click = frames_click,
};

static struct frames *state(struct tui *t)
{
	return tui_panel_state(t, tui_panel_index(&panel_frames_ops));
}

/*
 * A hop's whole frame, opened from Frames or Map (o): its layers as
 * Wireshark's packet details show them (decode.h), above a hex dump in
 * which the selected line's bytes stand out, as in Wireshark's bytes
 * pane. The view keeps its own copy of the frame, so the run going on
 * under it changes nothing it shows. When the trace no longer holds the
 * whole frame (--frame-bytes, the byte ring written over), it decodes
 * the first TRACE_HDR bytes the hop's record keeps and says so.
 */
#include "tui_internal.h"
#include "../app/decode.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEX_PER_ROW 16

void tui_frame_open(struct tui *t, const struct trace_rec *r, const char *title)
{
	struct frameview *v = &t->fv;
	uint8_t *whole = xmalloc(65536);
	uint32_t len = trace_bytes(&t->s->g->trace, r, whole);

	frameview_close(t);
	v->full_len = r->len;
	if (len == 0) {
		len = MIN(r->len, (uint32_t)TRACE_HDR);
		memcpy(whole, r->hdr, len);
	}
	v->len = len;
	v->bytes = xrealloc(whole, MAX(len, 1u));
	v->lines = xcalloc(DECODE_MAX_LINES, sizeof(*v->lines));
	v->n = frame_decode(v->bytes, v->len, v->lines, DECODE_MAX_LINES);
	v->sel = 0;
	v->top = 0;
	v->hex_top = 0;
	v->title = xstrdup(title);
	t->dirty = true;
}

void frameview_close(struct tui *t)
{
	struct frameview *v = &t->fv;

	free(v->title);
	free(v->bytes);
	free(v->lines);
	memset(v, 0, sizeof(*v));
}

/* The next (dir 1) or previous (-1) layer's line from the selection. */
static int layer_from(const struct frameview *v, int dir)
{
	for (int i = v->sel + dir; i >= 0 && i < v->n; i += dir)
		if (v->lines[i].depth == 0)
			return i;
	return v->sel;
}

void frameview_key(struct tui *t, int ch)
{
	struct frameview *v = &t->fv;

	t->dirty = true;
	switch (ch) {
	case 27: case 'q': case 'o': case '\n': case '\r': case KEY_ENTER:
		frameview_close(t);
		return;
	case '\t': case KEY_RIGHT: case 'l':
		/* A layer reached so shows from its first line down. */
		v->sel = v->top = layer_from(v, 1);
		return;
	case KEY_BTAB: case KEY_LEFT: case 'h':
		/* To the selected line's own layer first, then the one before. */
		if (v->sel > 0 && v->lines[v->sel].depth > 0)
			while (v->sel > 0 && v->lines[v->sel].depth > 0)
				v->sel--;
		else
			v->sel = layer_from(v, -1);
		v->top = v->sel;
		return;
	default:
		tui_list_key(ch, &v->sel, v->n);
		return;
	}
}

/* One row of the dump: the offset, 16 bytes in two groups of 8, their
 * characters; the bytes in [hi, hi_end) stand out. */
static void hex_row(struct tui *t, int y, int x, int w, const struct frameview *v, uint32_t off,
		    uint32_t hi, uint32_t hi_end)
{
	attr_t norm = tui_attr(t, C_NORMAL), sel = tui_attr(t, C_SELECT);
	int xa = x + 6 + HEX_PER_ROW * 3 + 1 + 1;

	tui_printf(y, x, MIN(w, 6), tui_attr(t, C_DIM), "%04" PRIx32 "  ", off);
	for (uint32_t i = 0; i < HEX_PER_ROW && off + i < v->len; i++) {
		uint8_t b = v->bytes[off + i];
		bool on = off + i >= hi && off + i < hi_end;
		int xh = x + 6 + (int)i * 3 + (i >= 8);

		if (xh + 2 <= x + w)
			tui_printf(y, xh, 2, on ? sel : norm, "%02x", b);
		if (xa + (int)i < x + w)
			tui_printf(y, xa + (int)i, 1, on ? sel : norm, "%c", b >= 0x20 && b < 0x7f ? b : '.');
	}
}

void frameview_draw(struct tui *t)
{
	struct frameview *v = &t->fv;
	struct rect r = { .y = 1, .x = 0, .h = LINES - 2, .w = COLS };
	int hex_total = (int)((v->len + HEX_PER_ROW - 1) / HEX_PER_ROW);
	int hex_rows = MIN(hex_total, MAX(2, (r.h - 4) / 2));
	int tree_rows = MAX(1, MIN(v->n, r.h - 3 - hex_rows));
	const struct dline *s = v->n > 0 ? &v->lines[v->sel] : NULL;
	char foot[256], kept[96] = "";
	attr_t head = tui_attr(t, C_HEADER);
	int y = r.y + 1;

	for (int i = 0; i < r.h; i++)
		tui_text(r.y + i, r.x, r.w, tui_attr(t, C_NORMAL), true, "");
	tui_text(r.y, r.x, r.w, tui_attr(t, C_TITLE), true, v->title);
	tui_list_scroll(&v->sel, &v->top, v->n, tree_rows);
	for (int i = 0; i < tree_rows && v->top + i < v->n; i++) {
		const struct dline *l = &v->lines[v->top + i];
		int k = v->top + i;
		attr_t a = k == v->sel ? tui_attr(t, C_SELECT) :
			   l->depth == 0 ? A_BOLD : tui_attr(t, C_NORMAL);

		tui_text(y + i, r.x, r.w, a, k == v->sel, "");
		tui_text(y + i, r.x + 1 + 2 * l->depth, r.w - 1 - 2 * l->depth, a, false, l->text);
	}
	y += tree_rows;
	/* The dump follows the selection: its first byte on a shown row. */
	if (s != NULL && s->size > 0) {
		int row = (int)(s->pos / HEX_PER_ROW);

		if (row < v->hex_top || row >= v->hex_top + hex_rows)
			v->hex_top = row;
	}
	v->hex_top = MAX(0, MIN(v->hex_top, hex_total - hex_rows));
	if (v->len < v->full_len)
		snprintf(kept, sizeof(kept), "; only the first %" PRIu32 " of %" PRIu32
			 " were kept (--frame-bytes)", v->len, v->full_len);
	tui_text(y, r.x, r.w, head, true, "");
	if (s != NULL && s->size == 1)
		tui_printf(y, r.x, r.w, head, " byte %" PRIu32 " of %" PRIu32 "%s", s->pos, v->len, kept);
	else if (s != NULL && s->size > 0)
		tui_printf(y, r.x, r.w, head, " bytes %" PRIu32 "-%" PRIu32 " (%" PRIu32 ") of %"
			   PRIu32 "%s", s->pos, s->pos + s->size - 1, s->size, v->len, kept);
	else
		tui_printf(y, r.x, r.w, head, " %" PRIu32 " bytes%s", v->len, kept);
	y++;
	for (int i = 0; i < hex_rows && v->hex_top + i < hex_total; i++)
		hex_row(t, y + i, r.x + 1, r.w - 1, v, (uint32_t)(v->hex_top + i) * HEX_PER_ROW,
			s != NULL ? s->pos : 0, s != NULL ? s->pos + s->size : 0);
	snprintf(foot, sizeof(foot), " line %d of %d  Up/Down a line  Tab/BackTab a layer  "
		 "Esc/q closes", v->n > 0 ? v->sel + 1 : 0, v->n);
	tui_text(r.y + r.h - 1, r.x, r.w, head, true, foot);
}

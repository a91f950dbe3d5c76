/*
 * MAC tables panel: every bridge's table, entries sorted by MAC, with the
 * port, the VLAN, an age that counts up and the guest NIC that has the
 * MAC; static entries are marked, and entries learned in the last second
 * are highlighted. A snapshot is taken
 * per draw (fdb_snapshot), so entries appear and age out live.
 */
#include "tui.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

struct mac {
	int sel;        /* selected row (headers count as rows) */
	int top;
	int nrows;
};

struct row {
	struct bridge *b;               /* the bridge this row belongs to */
	const struct fdb_entry *e;      /* NULL: the bridge's heading */
};

static void *mac_create(struct tui *t)
{
	(void)t;
	return xcalloc(1, sizeof(struct mac));
}

static void mac_destroy(void *st)
{
	free(st);
}

/* Who has a MAC: the NICs of the topology's guests, sorted by MAC. */
struct owner {
	uint64_t mac;
	const char *name;       /* the NIC's port: "pc1.nic0" */
};

static int cmp_owner(const void *a, const void *b)
{
	const struct owner *x = a, *y = b;

	if (x->mac != y->mac)
		return x->mac < y->mac ? -1 : 1;
	return strcmp(x->name, y->name);
}

static struct owner *owners(struct sim *s, int *n)
{
	struct owner *o = NULL;

	*n = 0;
	for (int i = 0; i < s->nguests; i++) {
		struct guest *gu = s->guests[i];

		o = xreallocarray(o, (size_t)*n + (size_t)gu->nnics + 1, sizeof(*o));
		for (int k = 0; k < gu->nnics; k++) {
			uint64_t m = 0;

			for (int j = 0; j < 6; j++)
				m = m << 8 | gu->nics[k]->mac[j];
			o[(*n)++] = (struct owner){ m, gu->nics[k]->port->name };
		}
	}
	qsort(o, (size_t)*n, sizeof(*o), cmp_owner);
	return o;
}

/* The NIC with this MAC, "" when none (or when several have it: the
 * first, with a +). */
static const char *owner_of(const struct owner *o, int n, uint64_t mac, char *buf, size_t len)
{
	int lo = 0, hi = n;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (o[mid].mac < mac)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo >= n || o[lo].mac != mac)
		return "";
	snprintf(buf, len, "%s%s", o[lo].name, lo + 1 < n && o[lo + 1].mac == mac ? " +" : "");
	return buf;
}

/* Builds the rows: for each bridge a heading and its entries. */
static int build(struct sim *s, struct row **rows, struct fdb_entry ***snaps, uint32_t **counts)
{
	int n = 0;

	*snaps = xcalloc((size_t)MAX(1, s->nbridges), sizeof(**snaps));
	*counts = xcalloc((size_t)MAX(1, s->nbridges), sizeof(**counts));
	*rows = NULL;
	for (int i = 0; i < s->nbridges; i++) {
		struct bridge *b = s->bridges[i];

		(*counts)[i] = fdb_snapshot(b->fdb, loop_now(s->loop), &(*snaps)[i]);
		*rows = xreallocarray(*rows, (size_t)n + 1 + (*counts)[i], sizeof(**rows));
		(*rows)[n++] = (struct row){ b, NULL };
		for (uint32_t k = 0; k < (*counts)[i]; k++)
			(*rows)[n++] = (struct row){ b, &(*snaps)[i][k] };
	}
	return n;
}

static void release(struct sim *s, struct row *rows, struct fdb_entry **snaps, uint32_t *counts)
{
	for (int i = 0; i < s->nbridges; i++)
		free(snaps[i]);
	free(snaps);
	free(counts);
	free(rows);
}

static void mac_draw(struct tui *t, void *stp, struct rect r, bool focused)
{
	struct mac *st = stp;
	struct sim *s = tui_sim(t);
	struct row *rows;
	struct fdb_entry **snaps;
	uint32_t *counts, total = 0;
	uint64_t now = loop_now(s->loop);
	char extra[64];
	int list, nown;
	struct owner *own = owners(s, &nown);

	st->nrows = build(s, &rows, &snaps, &counts);
	for (int i = 0; i < s->nbridges; i++)
		total += counts[i];
	snprintf(extra, sizeof(extra), "%d bridge%s, %u entr%s", s->nbridges,
		 s->nbridges == 1 ? "" : "s", total, total == 1 ? "y" : "ies");
	tui_title(t, r, tui_panel_index(&panel_mac_ops) + 1, "MAC tables", extra,
		  focused);
	tui_printf(r.y + 1, r.x, r.w, A_BOLD | A_UNDERLINE, "  %-17s  %4s  %-14s %10s %1s  %-s%*s",
		   "MAC", "VLAN", "PORT", "AGE", "", "OWNER", MAX(0, r.w - 60), "");
	list = r.h - 2;
	if (s->nbridges == 0) {
		tui_text(r.y + 2, r.x, r.w, tui_attr(t, C_DIM), true,
			 "  (no bridges in this topology: hubs learn nothing)");
		release(s, rows, snaps, counts);
		free(own);
		return;
	}
	tui_list_scroll(&st->sel, &st->top, st->nrows, list);
	for (int i = 0; i < list; i++) {
		int k = st->top + i, y = r.y + 2 + i;
		attr_t a;

		if (k >= st->nrows) {
			tui_text(y, r.x, r.w, tui_attr(t, C_NORMAL), true, "");
			continue;
		}
		if (rows[k].e == NULL) {
			struct bridge *b = rows[k].b;

			tui_printf(y, r.x, r.w, k == st->sel ? tui_attr(t, C_SELECT) : A_BOLD,
				   "bridge %s: %u of %u entries, ageing %.0fs%*s", b->node.name,
				   fdb_count(b->fdb), fdb_max(b->fdb),
				   (double)fdb_ageing(b->fdb) / 1e9, r.w, "");
		} else {
			const struct fdb_entry *e = rows[k].e;
			struct bridge *b = rows[k].b;
			uint64_t mac = fdb_key_mac(e->key);
			uint8_t m[6];
			char ms[18], age[24], ob[80];
			const char *pname = e->port >= 0 && e->port < b->node.nports ?
				b->node.ports[e->port]->name : "?";

			for (int j = 0; j < 6; j++)
				m[j] = (uint8_t)(mac >> (8 * (5 - j)));
			fmt_mac(m, ms);
			if (e->is_static)
				snprintf(age, sizeof(age), "static");
			else
				snprintf(age, sizeof(age), "%.1fs", (double)(now - e->last_seen) / 1e9);
			a = k == st->sel ? tui_attr(t, C_SELECT) :
			    !e->is_static && now - e->last_seen < NS_PER_SEC ? tui_attr(t, C_FORWARD) | A_BOLD :
			    tui_attr(t, C_NORMAL);
			tui_printf(y, r.x, r.w, a, "  %-17s  %4u  %-14s %10s %1s  %s%*s", ms,
				   fdb_key_vid(e->key), pname, age, e->is_static ? "S" : "",
				   owner_of(own, nown, mac, ob, sizeof(ob)), r.w, "");
		}
	}
	if (focused && st->sel >= 0 && st->sel < st->nrows) {
		struct row *rw = &rows[st->sel];

		if (rw->e == NULL)
			tui_select(t, &rw->b->node, NULL);
		else if (rw->e->port >= 0 && rw->e->port < rw->b->node.nports)
			tui_select(t, &rw->b->node, rw->b->node.ports[rw->e->port]);
	}
	release(s, rows, snaps, counts);
	free(own);
}

static bool mac_key(struct tui *t, void *stp, int ch)
{
	struct mac *st = stp;

	(void)t;
	return tui_list_key(ch, &st->sel, st->nrows);
}

const struct panel_ops panel_mac_ops = {
	.name = "MAC tables",
	.keys = "Up/Down    select a bridge or an entry (selects its port)\n"
		"f          flush the selected bridge's learned entries\n"
		"           AGE counts up from the last frame seen from that MAC;\n"
		"           S marks a static entry; bright: learned in the last second;\n"
		"           OWNER is the guest NIC with that MAC (+: more than one has it)",
	.create = mac_create,
	.destroy = mac_destroy,
	.draw = mac_draw,
	.key = mac_key,
};

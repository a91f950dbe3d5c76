/*
 * The map's wide fan-outs (map.h): a node with MAP_FAN_MIN links or more
 * down to the row below (a hub or bridge with a room of guests) gets a
 * box as wide as its children's row, a bus bar, and each of those links
 * leaves it straight above its child. Without it, dozens of links would
 * converge on a box a few columns wide, each on a track of its own.
 */
#include "map_internal.h"
#include "../core/util.h"

#include <stdlib.h>

#define MAP_FAN_MIN 8

/* Node i's links down to the row below: how many, and the centres of the
 * nodes they go to, the leftmost and the rightmost; 0 when two go to the
 * same node (their ends there sit side by side, not at its centre). */
static int fan(const struct lay *L, int i, int *lo, int *hi)
{
	const struct map_node *mn = L->m->nodes;
	int n = 0;

	*lo = INT32_MAX;
	*hi = INT32_MIN;
	for (int a = 0; a < L->natt[i]; a++) {
		const struct map_node *c = &mn[L->att[i][a].other];

		if (!L->att[i][a].bottom || c->row != mn[i].row + 1)
			continue;
		for (int b = 0; b < a; b++)
			if (L->att[i][b].other == L->att[i][a].other)
				return 0;
		n++;
		*lo = MIN(*lo, c->x + c->w / 2);
		*hi = MAX(*hi, c->x + c->w / 2);
	}
	return n;
}

void map_fan_widen(struct lay *L)
{
	struct map_node *mn = L->m->nodes;
	int gap = L->m->compact ? 2 : 3;

	for (int i = 0; i < L->n; i++) {
		int lo, hi, nx, nr;
		bool clear = true;

		if (fan(L, i, &lo, &hi) < MAP_FAN_MIN)
			continue;
		nx = MIN(mn[i].x, lo - 1);
		nr = MAX(mn[i].x + mn[i].w, hi + 2);
		/* Only where the row has room: no other box of its part there. */
		for (int j = 0; j < L->n && clear; j++)
			clear = j == i || L->comp[j] != L->comp[i] || mn[j].row != mn[i].row ||
				nr + gap <= mn[j].x || mn[j].x + mn[j].w + gap <= nx;
		if (!clear)
			continue;
		mn[i].x = nx;
		mn[i].w = nr - nx;
		mn[i].fan = true;
	}
}

bool map_fan_attach(struct lay *L, int i)
{
	const struct map_node *mn = L->m->nodes;
	const struct map_node *v = &mn[i];
	int prev = v->x, *xs;
	bool ok = true;

	if (!v->fan)
		return false;
	/* The bottom ends, in the order of their nodes (place_attachments
	 * sorted them): over each child when it is below, else just right
	 * of the one before; all inside the box and two columns apart. */
	xs = xmalloc((size_t)MAX(1, L->natt[i]) * sizeof(int));
	for (int a = 0; a < L->natt[i] && ok; a++) {
		const struct attach *e = &L->att[i][a];
		const struct map_node *c = &mn[e->other];
		int x;

		if (!e->bottom)
			continue;
		x = c->row == v->row + 1 ? c->x + c->w / 2 : prev + 2;
		ok = x >= prev + (prev == v->x ? 1 : 2) && x <= v->x + v->w - 2;
		xs[a] = prev = x;
	}
	for (int a = 0; a < L->natt[i] && ok; a++)
		if (L->att[i][a].bottom)
			L->att[i][a].x = xs[a];
	free(xs);
	return ok;
}

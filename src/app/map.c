/*
 * The topology as a drawing in cells; map.h says how it is laid out.
 */
#include "map_internal.h"
#include "../core/util.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>





static int cmp_addr(const void *a, const void *b)
{
	const struct addr_idx *x = a, *y = b;

	return x->n < y->n ? -1 : x->n > y->n;
}

/* A node's index in the graph (the map's index too). */
static int idx(const struct lay *L, const struct node *n)
{
	struct addr_idx k = { n, -1 };
	const struct addr_idx *f = bsearch(&k, L->byaddr, (size_t)L->n, sizeof(k), cmp_addr);

	assert(f != NULL);
	return f->i;
}

static int other_end(const struct lay *L, int li, int me)
{
	const struct link *l = L->s->g->links[li];
	int a = idx(L, l->end[0]->node);

	return a == me ? idx(L, l->end[1]->node) : a;
}

enum box_style map_style_of(const struct node *n)
{
	static const char *const kinds[] = { [BOX_GUEST] = "guest", [BOX_BRIDGE] = "bridge",
					     [BOX_HUB] = "hub", [BOX_NETDEV] = "netdev" };

	for (int k = 0; k < BOX_OTHER; k++)
		if (strcmp(n->ops->kind, kinds[k]) == 0)
			return (enum box_style)k;
	return BOX_OTHER;
}

/* The number written beside a link's end: a bridge's or hub's port
 * number, a guest's NIC number when it has several; "" for none. */
const char *map_port_label(const struct port *p)
{
	const char *dot = strrchr(p->name, '.');
	enum box_style st = map_style_of(p->node);

	if (dot == NULL)
		return "";
	if (st == BOX_GUEST)        /* a guest's ports are its NICs */
		return p->node->nports > 1 && strncmp(dot + 1, "nic", 3) == 0 ? dot + 4 : "";
	if (st == BOX_BRIDGE || st == BOX_HUB)
		return dot + 1;
	return "";
}

/* ---- rows: components, roots, distances ------------------------------------ */

static void adjacency(struct lay *L)
{
	struct graph *g = L->s->g;
	int *fill = xcalloc((size_t)L->n + 1, sizeof(int));

	L->adj_start = xcalloc((size_t)L->n + 1, sizeof(int));
	for (int li = 0; li < g->nlinks; li++) {
		L->adj_start[idx(L, g->links[li]->end[0]->node) + 1]++;
		L->adj_start[idx(L, g->links[li]->end[1]->node) + 1]++;
	}
	for (int i = 0; i < L->n; i++)
		L->adj_start[i + 1] += L->adj_start[i];
	L->adj = xcalloc((size_t)MAX(1, 2 * g->nlinks), sizeof(int));
	for (int li = 0; li < g->nlinks; li++) {
		int a = idx(L, g->links[li]->end[0]->node), b = idx(L, g->links[li]->end[1]->node);

		L->adj[L->adj_start[a] + fill[a]++] = li;
		L->adj[L->adj_start[b] + fill[b]++] = li;
	}
	free(fill);
}

static int degree(const struct lay *L, int i)
{
	return L->adj_start[i + 1] - L->adj_start[i];
}

/* A part's root: the node with the most links; a hub or bridge before a
 * guest or netdev with as many. */
static int root_weight(const struct lay *L, int i)
{
	enum box_style st = map_style_of(L->m->nodes[i].n);

	return 2 * degree(L, i) + (st == BOX_BRIDGE || st == BOX_HUB);
}

/* BFS from root over unvisited nodes: their rows (distance), in order. */
static int bfs(struct lay *L, int root, int *queue, int *dist)
{
	int head = 0, tail = 0;

	dist[root] = 0;
	queue[tail++] = root;
	while (head < tail) {
		int u = queue[head++];

		for (int k = L->adj_start[u]; k < L->adj_start[u + 1]; k++) {
			int v = other_end(L, L->adj[k], u);

			if (dist[v] < 0) {
				dist[v] = dist[u] + 1;
				queue[tail++] = v;
			}
		}
	}
	return tail;
}

static void assign_rows(struct lay *L, int *order_out)
{
	int *dist = xmalloc((size_t)L->n * sizeof(int)), *queue = xmalloc((size_t)L->n * sizeof(int));
	int *scratch = xmalloc((size_t)L->n * sizeof(int));
	int done = 0;

	for (int i = 0; i < L->n; i++)
		dist[i] = scratch[i] = -1;
	L->comp = xmalloc((size_t)L->n * sizeof(int));
	L->cstart = xmalloc(((size_t)L->n + 1) * sizeof(int));
	for (int i = 0; i < L->n; i++) {
		int cnt, root = i;

		if (dist[i] >= 0)
			continue;
		/* The part's nodes, then its root, then the rows from the root. */
		cnt = bfs(L, i, queue, scratch);
		for (int k = 0; k < cnt; k++)
			if (root_weight(L, queue[k]) > root_weight(L, root) ||
			    (root_weight(L, queue[k]) == root_weight(L, root) && queue[k] < root))
				root = queue[k];
		cnt = bfs(L, root, queue, dist);
		L->cstart[L->ncomp] = done;
		for (int k = 0; k < cnt; k++) {
			L->comp[queue[k]] = L->ncomp;
			L->m->nodes[queue[k]].row = dist[queue[k]];
			order_out[done++] = queue[k];
		}
		L->ncomp++;
	}
	L->cstart[L->ncomp] = done;
	assert(done == L->n);
	free(dist);
	free(queue);
	free(scratch);
}

/* ---- order within rows ------------------------------------------------------- */

static const struct lay *sort_ctx;

static int cmp_key(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	const struct lay *L = sort_ctx;

	if (L->key[x] != L->key[y])
		return L->key[x] < L->key[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* Nodes of part c in row r, sorted by order; returns how many. */
static int row_nodes(const struct lay *L, const int *bfs_order, int c, int r, int *out)
{
	int n = 0;

	for (int k = L->cstart[c]; k < L->cstart[c + 1]; k++) {
		int i = bfs_order[k];

		if (L->comp[i] == c && L->m->nodes[i].row == r)
			out[n++] = i;
	}
	for (int a = 1; a < n; a++)             /* insertion sort by order: rows are short */
		for (int b = a; b > 0 && L->m->nodes[out[b]].order < L->m->nodes[out[b - 1]].order;
		     b--) {
			int t = out[b];

			out[b] = out[b - 1];
			out[b - 1] = t;
		}
	return n;
}

/* Reorders row r by the mean order of neighbours in row nr. */
static void sweep_row(struct lay *L, int *nodes, int n, int nr)
{
	struct map_node *mn = L->m->nodes;

	for (int k = 0; k < n; k++) {
		int i = nodes[k], cnt = 0;
		double sum = 0;

		for (int a = L->adj_start[i]; a < L->adj_start[i + 1]; a++) {
			int o = other_end(L, L->adj[a], i);

			if (mn[o].row == nr) {
				sum += mn[o].order;
				cnt++;
			}
		}
		L->key[i] = cnt ? sum / cnt : mn[i].order;
		if (L->col[i] >= 0)
			L->key[i] = -1e9 + L->col[i];
	}
	sort_ctx = L;
	qsort(nodes, (size_t)n, sizeof(int), cmp_key);
	for (int k = 0; k < n; k++)
		mn[nodes[k]].order = k;
}

static int max_row(const struct lay *L, const int *bfs_order, int c)
{
	int r = 0;

	for (int k = L->cstart[c]; k < L->cstart[c + 1]; k++)
		r = MAX(r, L->m->nodes[bfs_order[k]].row);
	return r;
}

static void order_rows(struct lay *L, const int *bfs_order)
{
	int *buf = xmalloc((size_t)MAX(1, L->n) * sizeof(int));
	int *rank = xcalloc((size_t)L->n + MAP_PIN_MAX + 1, sizeof(int));

	/* First: discovery order within each row. */
	for (int k = 0; k < L->n; k++) {
		int i = bfs_order[k];

		L->m->nodes[i].order = rank[L->m->nodes[i].row]++;
	}
	for (int c = 0; c < L->ncomp; c++) {
		int rows = max_row(L, bfs_order, c);

		if (rows == 0) {
			int n = row_nodes(L, bfs_order, c, 0, buf);

			sweep_row(L, buf, n, -1);       /* pins only */
			continue;
		}
		for (int pass = 0; pass < 4; pass++) {
			bool down = pass % 2 == 0;

			for (int r = down ? 1 : rows - 1; down ? r <= rows : r >= 0; r += down ? 1 : -1) {
				int n = row_nodes(L, bfs_order, c, r, buf);

				sweep_row(L, buf, n, down ? r - 1 : r + 1);
			}
		}
	}
	free(buf);
	free(rank);
}

/* ---- boxes and columns ------------------------------------------------------- */

/* The ends of links on each box, and each box's size. */
static void attachments(struct lay *L)
{
	struct graph *g = L->s->g;
	struct map_node *mn = L->m->nodes;

	L->att = xcalloc((size_t)L->n, sizeof(*L->att));
	L->natt = xcalloc((size_t)L->n, sizeof(int));
	for (int i = 0; i < L->n; i++)
		L->att[i] = xcalloc((size_t)MAX(1, degree(L, i)), sizeof(struct attach));
	for (int li = 0; li < g->nlinks; li++) {
		for (int side = 0; side < 2; side++) {
			struct port *p = g->links[li]->end[side];
			int me = idx(L, p->node), o = idx(L, g->links[li]->end[!side]->node);
			/* A link to a row above ends on the top edge; to the same row
			 * or one below, on the bottom edge. */
			bool bottom = mn[o].row >= mn[me].row;

			L->att[me][L->natt[me]++] = (struct attach){ li, me, o, p, bottom, 0 };
		}
	}
	for (int i = 0; i < L->n; i++) {
		int top = 0, bot = 0, name = (int)strlen(mn[i].n->name);
		int sp = L->m->compact ? 2 : 4;

		for (int k = 0; k < L->natt[i]; k++)
			L->att[i][k].bottom ? bot++ : top++;
		if (L->m->compact) {
			mn[i].w = MAX(name + 2, sp * MAX(top, bot) + 1);
			mn[i].h = 1;
		} else {
			mn[i].w = MAX(name + 4, sp * MAX(top, bot) + 1);
			mn[i].h = 3;
		}
	}
}

/* Where u's link to v will leave u's bottom edge: u's bottom ends are
 * spread in the order of the nodes they go to (as place_attachments
 * will), so a node placed under its slot gets a straight link. */
static int slot_x(const struct lay *L, int u, int v)
{
	const struct map_node *mn = L->m->nodes;
	int sp = L->m->compact ? 2 : 4, cnt = 0, k = 0;

	for (int a = 0; a < L->natt[u]; a++) {
		const struct attach *e = &L->att[u][a];

		if (!e->bottom)
			continue;
		cnt++;
		if (e->other != v && (mn[e->other].row < mn[v].row ||
				      (mn[e->other].row == mn[v].row &&
				       mn[e->other].order < mn[v].order)))
			k++;
	}
	return mn[u].x + (mn[u].w - (cnt - 1) * sp) / 2 + k * sp;
}

/* Columns: each row of a part left to right in order; a node below its
 * neighbours above when there is room; the parts side by side, wrapped
 * into bands. Returns the number of bands' rows of the tallest part. */
static void place_columns(struct lay *L, const int *bfs_order)
{
	struct map_node *mn = L->m->nodes;
	int *buf = xmalloc((size_t)MAX(1, L->n) * sizeof(int));
	int gap = L->m->compact ? 2 : 3;

	for (int c = 0; c < L->ncomp; c++) {
		int rows = max_row(L, bfs_order, c), minx = 0;

		for (int r = 0; r <= rows; r++) {
			int n = row_nodes(L, bfs_order, c, r, buf), end = -gap;

			for (int k = 0; k < n; k++) {
				struct map_node *v = &mn[buf[k]];
				int cnt = 0, sum = 0, want;

				for (int a = L->adj_start[buf[k]]; a < L->adj_start[buf[k] + 1]; a++) {
					int ui = other_end(L, L->adj[a], buf[k]);

					if (mn[ui].row == r - 1) {
						sum += slot_x(L, ui, buf[k]) + v->w / 2 - v->w / 2;
						cnt++;
					}
				}
				want = cnt ? sum / cnt - (v->w - 1) / 2 : end + gap;
				v->x = MAX(want, end + gap);
				end = v->x + v->w;
				minx = MIN(minx, v->x);
			}
		}
		/* Then each node over its neighbours below, where there is room. */
		for (int r = rows - 1; r >= 0; r--) {
			int n = row_nodes(L, bfs_order, c, r, buf), end = INT32_MIN / 2;

			for (int k = 0; k < n; k++) {
				struct map_node *v = &mn[buf[k]];
				int cnt = 0, sum = 0;

				for (int a = L->adj_start[buf[k]]; a < L->adj_start[buf[k] + 1]; a++) {
					const struct map_node *d = &mn[other_end(L, L->adj[a], buf[k])];

					if (d->row == r + 1) {
						sum += d->x + (d->w - 1) / 2;
						cnt++;
					}
				}
				if (cnt > 0)
					v->x = MAX(sum / cnt - (v->w - 1) / 2, end + gap);
				else
					v->x = MAX(v->x, end + gap);
				end = v->x + v->w;
				minx = MIN(minx, v->x);
			}
		}
		for (int k = L->cstart[c]; k < L->cstart[c + 1]; k++)
			mn[bfs_order[k]].x -= minx;
	}
	free(buf);
}

/* Puts part after part left to right, starting a new band below when one
 * is BAND_WIDTH wide; returns each part's row offset (in rows of nodes). */
static int *place_parts(struct lay *L, const int *bfs_order, int *nbands)
{
	struct map_node *mn = L->m->nodes;
	int *band_row = xcalloc((size_t)L->ncomp + 1, sizeof(int));
	int x = 0, row0 = 0, band_rows = 0;

	*nbands = 0;
	for (int c = 0; c < L->ncomp; c++) {
		int w = 0, rows = max_row(L, bfs_order, c) + 1;

		for (int k = L->cstart[c]; k < L->cstart[c + 1]; k++)
			w = MAX(w, mn[bfs_order[k]].x + mn[bfs_order[k]].w);
		if (x > 0 && x + w > L->width) {
			row0 += band_rows;
			x = 0;
			band_rows = 0;
		}
		for (int k = L->cstart[c]; k < L->cstart[c + 1]; k++) {
			mn[bfs_order[k]].x += x;
			mn[bfs_order[k]].row += row0;
		}
		band_row[c] = row0;
		band_rows = MAX(band_rows, rows);
		x += w + 4;
	}
	*nbands = row0 + band_rows;
	return band_row;
}

static const struct lay *att_ctx;

static int cmp_att(const void *a, const void *b)
{
	const struct attach *x = a, *y = b;
	const struct map_node *mn = att_ctx->m->nodes;
	int cx = mn[x->other].x + mn[x->other].w / 2, cy = mn[y->other].x + mn[y->other].w / 2;

	if (cx != cy)
		return cx < cy ? -1 : 1;
	return x->link < y->link ? -1 : x->link > y->link;
}

/* Spreads each edge's ends along it, in the order of the nodes they go to. */
static void place_attachments(struct lay *L)
{
	struct map_node *mn = L->m->nodes;
	int sp = L->m->compact ? 2 : 4;

	att_ctx = L;
	for (int i = 0; i < L->n; i++) {
		qsort(L->att[i], (size_t)L->natt[i], sizeof(struct attach), cmp_att);
		for (int b = 0; b < 2; b++) {
			int cnt = 0, k = 0, start;

			if (b == 1 && map_fan_attach(L, i))
				continue;
			for (int a = 0; a < L->natt[i]; a++)
				cnt += L->att[i][a].bottom == b;
			start = mn[i].x + (mn[i].w - (cnt - 1) * sp) / 2;
			for (int a = 0; a < L->natt[i]; a++)
				if (L->att[i][a].bottom == b)
					L->att[i][a].x = start + sp * k++;
		}
	}
}

/* ---- rows of cells, tracks ------------------------------------------------- */

struct span {
	int lo, hi, link;
	bool right;             /* the upper end is the left one */
};

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	if (x->right != y->right)
		return x->right ? 1 : -1;
	if (x->right ? x->lo != y->lo : x->hi != y->hi)
		return x->right ? (x->lo > y->lo ? -1 : 1) : (x->hi < y->hi ? -1 : 1);
	return x->link < y->link ? -1 : x->link > y->link;
}

/* The two ends of link li: upper first (the same row: the left one). */
void map_link_ends(const struct lay *L, int li, const struct attach **a,
		   const struct attach **b)
{
	const struct link *l = L->s->g->links[li];
	const struct attach *e[2] = { NULL, NULL };
	const struct map_node *mn = L->m->nodes;

	for (int side = 0; side < 2; side++) {
		int i = idx(L, l->end[side]->node);

		for (int k = 0; k < L->natt[i]; k++)
			if (L->att[i][k].link == li && L->att[i][k].port == l->end[side])
				e[side] = &L->att[i][k];
	}
	assert(e[0] != NULL && e[1] != NULL);
	if (mn[e[1]->me].row < mn[e[0]->me].row ||
	    (mn[e[1]->me].row == mn[e[0]->me].row && e[1]->x < e[0]->x)) {
		*a = e[1];
		*b = e[0];
	} else {
		*a = e[0];
		*b = e[1];
	}
}

/* Gives every link a track in the gap it runs through; returns the tracks
 * each gap needs. */
static int *assign_tracks(struct lay *L, int nrows, int *track)
{
	struct graph *g = L->s->g;
	struct span *sp = xcalloc((size_t)MAX(1, g->nlinks), sizeof(*sp));
	int *gapn = xcalloc((size_t)nrows + 1, sizeof(int)), *ends = NULL, nends = 0;
	int *gap_of = xcalloc((size_t)MAX(1, g->nlinks), sizeof(int));
	int nsp = 0;

	for (int li = 0; li < g->nlinks; li++) {
		const struct attach *a, *b;
		int ra, rb;

		map_link_ends(L, li, &a, &b);
		ra = L->m->nodes[a->me].row;
		rb = L->m->nodes[b->me].row;
		gap_of[li] = ra == rb ? ra : rb - 1;
		track[li] = 0;
		if (a->x != b->x)
			sp[nsp++] = (struct span){ MIN(a->x, b->x), MAX(a->x, b->x), li, a->x < b->x };
	}
	/* Spans going right: the rightmost first, so a span's start (the
	 * upper end's line down) is never under another's run; going left,
	 * the leftmost first. */
	qsort(sp, (size_t)nsp, sizeof(*sp), cmp_span);
	for (int r = 0; r <= nrows; r++) {
		nends = 0;
		for (int k = 0; k < nsp; k++) {
			int t = 0;

			if (gap_of[sp[k].link] != r)
				continue;
			while (t < nends && ends[2 * t + 1] >= sp[k].lo - 1 && ends[2 * t] <= sp[k].hi + 1)
				t++;
			if (t == nends) {
				ends = xreallocarray(ends, 2 * ((size_t)nends + 1), sizeof(int));
				ends[2 * nends] = INT32_MAX;
				ends[2 * nends + 1] = INT32_MIN;
				nends++;
			}
			ends[2 * t] = MIN(ends[2 * t], sp[k].lo);
			ends[2 * t + 1] = MAX(ends[2 * t + 1], sp[k].hi);
			track[sp[k].link] = t;
		}
		gapn[r] = nends;
	}
	free(ends);
	free(sp);
	free(gap_of);
	return gapn;
}

/* ---- the whole ------------------------------------------------------------------ */

static void lay_free(struct lay *L)
{
	for (int i = 0; L->att != NULL && i < L->n; i++)
		free(L->att[i]);
	free(L->att);
	free(L->natt);
	free(L->byaddr);
	free(L->adj_start);
	free(L->adj);
	free(L->comp);
	free(L->cstart);
	free(L->col);
	free(L->key);
}

/* pos = COLUMN,ROW from the topology. */
static void apply_pins(struct lay *L)
{
	struct sim *s = L->s;

	for (int i = 0; i < L->n; i++)
		L->col[i] = -1;
	for (int k = 0; k < s->npins; k++) {
		struct node *n = graph_find_node(s->g, s->pins[k].name);
		int i = n != NULL ? idx(L, n) : -1;

		if (i < 0)
			continue;
		L->col[i] = s->pins[k].col;
		L->m->nodes[i].row = s->pins[k].row;
		L->m->nodes[i].pinned = true;
	}
}

/* Rows' y and the gaps' (gap_y[r]: the first row under row r's boxes). */
static int place_rows(struct lay *L, int nrows, const int *gapn, int *gap_y)
{
	struct map_node *mn = L->m->nodes;
	int *rowh = xcalloc((size_t)nrows + 1, sizeof(int)), *rowy = xcalloc((size_t)nrows + 1, sizeof(int));
	int y = 0;

	for (int i = 0; i < L->n; i++)
		rowh[mn[i].row] = MAX(rowh[mn[i].row], mn[i].h);
	for (int r = 0; r < nrows; r++) {
		rowy[r] = y;
		gap_y[r] = y + rowh[r];
		y += rowh[r] + (gapn[r] > 0 || r + 1 < nrows ? gapn[r] + 2 : 0);
	}
	for (int i = 0; i < L->n; i++)
		mn[i].y = rowy[mn[i].row];
	free(rowh);
	free(rowy);
	return y;
}

struct map *map_build(struct sim *s, bool compact, int width)
{
	struct graph *g = s->g;
	struct map *m = xcalloc(1, sizeof(*m));
	struct lay L = { .s = s, .m = m, .n = g->nnodes, .width = width > 0 ? width : 160 };
	int *bfs_order = xmalloc((size_t)MAX(1, L.n) * sizeof(int));
	int *track = xcalloc((size_t)MAX(1, g->nlinks), sizeof(int));
	int *gapn, *gap_y, *band_row, nrows = 0, w = 0;

	m->compact = compact;
	m->nnodes = L.n;
	m->nodes = xcalloc((size_t)MAX(1, L.n), sizeof(*m->nodes));
	L.byaddr = xmalloc((size_t)MAX(1, L.n) * sizeof(*L.byaddr));
	L.col = xmalloc((size_t)MAX(1, L.n) * sizeof(int));
	L.key = xmalloc((size_t)MAX(1, L.n) * sizeof(double));
	for (int i = 0; i < L.n; i++) {
		m->nodes[i].n = g->nodes[i];
		L.byaddr[i] = (struct addr_idx){ g->nodes[i], i };
	}
	qsort(L.byaddr, (size_t)L.n, sizeof(*L.byaddr), cmp_addr);
	adjacency(&L);
	assign_rows(&L, bfs_order);
	apply_pins(&L);
	order_rows(&L, bfs_order);
	attachments(&L);
	place_columns(&L, bfs_order);
	map_fan_widen(&L);
	band_row = place_parts(&L, bfs_order, &nrows);
	place_attachments(&L);
	gapn = assign_tracks(&L, nrows, track);
	gap_y = xcalloc((size_t)nrows + 1, sizeof(int));
	m->h = place_rows(&L, nrows, gapn, gap_y);
	for (int i = 0; i < L.n; i++)
		w = MAX(w, m->nodes[i].x + m->nodes[i].w + 3);
	m->w = w;
	if (m->h == 0 || (uint64_t)m->w * (uint64_t)m->h > MAP_MAX_CELLS) {
		m->w = m->h = 0;        /* too big to draw: the caller says so */
	} else {
		m->cells = xmalloc((size_t)m->w * (size_t)m->h * sizeof(*m->cells));
		for (size_t k = 0; k < (size_t)m->w * (size_t)m->h; k++)
			m->cells[k] = (struct map_cell){ ' ', MAP_BLANK, 0, -1, -1, -1 };
		for (int i = 0; i < L.n; i++)
			map_draw_box(m, i);
		for (int li = 0; li < g->nlinks; li++)
			map_draw_link(&L, li, gap_y, track[li]);
	}
	free(band_row);
	free(gapn);
	free(gap_y);
	free(track);
	free(bfs_order);
	lay_free(&L);
	return m;
}

void map_free(struct map *m)
{
	if (m == NULL)
		return;
	free(m->cells);
	free(m->nodes);
	free(m);
}

int map_node_index(const struct map *m, const struct node *n)
{
	for (int i = 0; i < m->nnodes; i++)
		if (m->nodes[i].n == n)
			return i;
	return -1;
}

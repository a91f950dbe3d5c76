/*
 * Map panel: the topology drawn (app/map.h lays it out) and kept live.
 * Nodes are boxes whose border says their kind; links are lines, dashed
 * while down and highlighted while frames cross them; a bridge port STP
 * keeps from forwarding is marked ×. The selection is the UI's: moving it
 * here selects the node (and with [ and ], a port) in every panel, and a
 * selection made elsewhere shows here.
 *
 * While the clock is stopped, the hop Frames has selected (in step mode,
 * the one just taken) is shown on the map: the links it came in on and
 * (forwarded) went out on in the decision's colour, and the decision
 * beside the node, as the title says it in full. Every copy of that frame
 * still on its way across a link (all of a flood's) is a mark on its
 * link, as far along as its time on the wire has gone, and lights the
 * link too. Otherwise, while the clock is stopped or runs at real time or
 * slower, every frame on a link is a mark there: frames move along
 * delayed links as they travel (graph_flights).
 *
 * The drawing is made once and again only when the graph or the panel's
 * width changes or z toggles names only; what changes while running (link
 * state, load, STP) is read at every draw.
 */
#include "tui.h"
#include "../app/map.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define MAP_MARKS 256                   /* frames marked on links at most */

struct mapp {
	struct map *m;
	bool compact;
	int built_w, built_nodes, built_links;
	int ox, oy;                     /* the drawing's cell at the panel's top left */
	int sel;                        /* node index in m, or -1 */
	uint64_t *tx;                   /* per link: frames sent by its ends at the last draw */
	bool *busy;
	char find[64];                  /* '/': the name being typed */
	/* The hop shown (paused): its links, colour, node and words. */
	bool hop;
	uint64_t hop_i, hop_seen;
	int hop_in, hop_out, hop_node;
	enum tui_color hop_col;
	char hop_text[160];
	char hop_word[96];              /* beside the node */
	bool finding;
	bool ascii;
	/* Frames on their way (graph_flights): a mark each, on a cell of
	 * its link's line; lit: links a copy of the hop's frame is on. */
	int32_t *port_cell;             /* per port gid: its line's port cell, -1 */
	int32_t *port_link;             /* per port gid: its link's index, -1 */
	uint32_t **path;                /* per link: its line's cells, end 0 to 1 */
	int *pathlen;                   /* per link: -1 until followed */
	bool *lit;
	uint32_t marks[MAP_MARKS];
	int nmarks, nflights;
};

static void free_paths(struct mapp *p);

static void *map_create(struct tui *t)
{
	struct mapp *p = xcalloc(1, sizeof(*p));

	(void)t;
	p->sel = -1;
	p->ascii = MB_CUR_MAX == 1;     /* no UTF-8 locale: +-| */
	return p;
}

static void map_destroy(void *st)
{
	struct mapp *p = st;

	map_free(p->m);
	free(p->tx);
	free(p->busy);
	free_paths(p);
	free(p);
}

static void free_paths(struct mapp *p)
{
	for (int i = 0; p->path != NULL && i < p->built_links; i++)
		free(p->path[i]);
	free(p->path);
	free(p->pathlen);
	free(p->lit);
	free(p->port_cell);
	free(p->port_link);
	p->path = NULL;
	p->pathlen = NULL;
	p->lit = NULL;
	p->port_cell = p->port_link = NULL;
}

/* Where each port's line starts, and which link each port is on. */
static void index_ports(struct graph *g, struct mapp *p)
{
	size_t ncells = (size_t)p->m->w * (size_t)p->m->h;

	p->port_cell = xmalloc(((size_t)g->nports + 1) * sizeof(int32_t));
	p->port_link = xmalloc(((size_t)g->nports + 1) * sizeof(int32_t));
	for (uint32_t i = 0; i < g->nports; i++)
		p->port_cell[i] = p->port_link[i] = -1;
	for (size_t k = 0; k < ncells; k++) {
		const struct map_cell *c = &p->m->cells[k];

		if (c->role == MAP_PORT && c->port >= 0 && (uint32_t)c->port < g->nports)
			p->port_cell[c->port] = (int32_t)k;
	}
	for (int i = 0; i < g->nlinks; i++)
		for (int s = 0; s < 2; s++)
			p->port_link[g->links[i]->end[s]->gid] = i;
	p->path = xcalloc((size_t)g->nlinks + 1, sizeof(*p->path));
	p->pathlen = xmalloc(((size_t)g->nlinks + 1) * sizeof(int));
	for (int i = 0; i < g->nlinks; i++)
		p->pathlen[i] = -1;
	p->lit = xcalloc((size_t)g->nlinks + 1, sizeof(bool));
}

static void rebuild(struct tui *t, struct mapp *p, int w)
{
	struct graph *g = tui_sim(t)->g;

	if (p->m != NULL && p->built_w == w && p->built_nodes == g->nnodes &&
	    p->built_links == g->nlinks && p->m->compact == p->compact)
		return;
	map_free(p->m);
	free_paths(p);
	p->m = map_build(tui_sim(t), p->compact, w);
	index_ports(g, p);
	p->built_w = w;
	p->built_nodes = g->nnodes;
	p->built_links = g->nlinks;
	free(p->tx);
	free(p->busy);
	p->tx = xcalloc((size_t)g->nlinks + 1, sizeof(uint64_t));
	p->busy = xcalloc((size_t)g->nlinks + 1, sizeof(bool));
	p->sel = -1;
}

/* A link is busy while its ends sent frames since the last draw. */
static void load(struct tui *t, struct mapp *p)
{
	struct graph *g = tui_sim(t)->g;

	for (int i = 0; i < g->nlinks; i++) {
		uint64_t n = g->links[i]->end[0]->st.tx_frames + g->links[i]->end[1]->st.tx_frames;

		p->busy[i] = n != p->tx[i];
		p->tx[i] = n;
	}
}

static int link_index(const struct graph *g, const struct link *l)
{
	for (int i = 0; i < g->nlinks; i++)
		if (g->links[i] == l)
			return i;
	return -1;
}

/* The hop to show: Frames' while the clock is stopped. */
static void hop_find(struct tui *t, struct mapp *p)
{
	struct graph *g = tui_sim(t)->g;
	const struct trace_rec *r;
	struct port *in;
	char reason[64] = "";

	p->hop = tui_paused(t) && frames_current(t, &p->hop_i);
	if (!p->hop)
		return;
	r = &g->trace.ring[p->hop_i % g->trace.cap];
	in = g->ports[r->port];
	p->hop_in = in->link != NULL ? link_index(g, in->link) : -1;
	p->hop_out = -1;
	p->hop_node = map_node_index(p->m, in->node);
	switch ((enum decision)r->decision) {
	case DEC_FORWARDED:
		p->hop_col = C_FORWARD;
		if (r->out_port < g->nports && g->ports[r->out_port]->link != NULL)
			p->hop_out = link_index(g, g->ports[r->out_port]->link);
		snprintf(reason, sizeof(reason), " to %s", r->out_port < g->nports ?
			 g->ports[r->out_port]->name : "?");
		break;
	case DEC_DROPPED:
		p->hop_col = C_DROP;
		snprintf(reason, sizeof(reason), ": %s", drop_reason_text(r->reason));
		break;
	case DEC_FLOODED_UNKNOWN: case DEC_FLOODED_BCAST: case DEC_FLOODED_MCAST:
	case DEC_FLOODED_HUB:
		p->hop_col = C_FLOOD;
		break;
	default:
		p->hop_col = C_SELECT;
		break;
	}
	snprintf(p->hop_text, sizeof(p->hop_text), "#%" PRIu64 " %s %s: %s%s", r->frame_id,
		 in->name, r->tx ? "out" : "in", decision_name(r->decision), reason);
	snprintf(p->hop_word, sizeof(p->hop_word), "< %s%s", decision_name(r->decision), reason);
}

struct flights_want {
	struct tui *t;
	struct mapp *p;
	uint64_t now, id;       /* id: only this frame's copies; 0: all frames */
};

/* A frame on a link: a mark as far along its line as its time has gone. */
static bool flight_mark(void *ctx, const struct flight *fl)
{
	struct flights_want *w = ctx;
	struct mapp *p = w->p;
	struct graph *g = tui_sim(w->t)->g;
	int li = p->port_link[fl->from->gid], len, k;
	const struct link *l;
	double frac;

	if (w->id != 0 && fl->f->id != w->id)
		return true;
	if (li < 0)
		return true;
	l = g->links[li];
	p->nflights++;
	p->lit[li] = true;
	if (p->pathlen[li] < 0) {
		uint32_t cells[4096];
		int32_t start = p->port_cell[l->end[0]->gid];

		len = start >= 0 ? map_line_path(p->m, (uint32_t)start, (int32_t)l->end[1]->gid, cells,
						 (int)ARRAY_SIZE(cells)) : 0;
		if (len > 0) {
			p->path[li] = xmalloc((size_t)len * sizeof(*cells));
			memcpy(p->path[li], cells, (size_t)len * sizeof(*cells));
		}
		p->pathlen[li] = len;
	}
	len = p->pathlen[li];
	if (len <= 0 || p->nmarks == MAP_MARKS)
		return p->nmarks < MAP_MARKS || w->id != 0;
	/* Queued: at the sender; on the wire: along; handed on at once: at
	 * the far end, where it arrives next. */
	frac = fl->arrives <= fl->left ? 1.0 : w->now <= fl->left ? 0.0 :
	       (double)(w->now - fl->left) / (double)(fl->arrives - fl->left);
	k = (int)(MIN(frac, 1.0) * (len - 1) + 0.5);
	if (fl->from != l->end[0])
		k = len - 1 - k;
	p->marks[p->nmarks++] = p->path[li][k];
	return true;
}

/* The frames on links to mark: the hop's frame's copies while a hop is
 * shown, else every frame while the clock is stopped or slow. */
static void flights_find(struct tui *t, struct mapp *p)
{
	struct graph *g = tui_sim(t)->g;
	struct flights_want w = { .t = t, .p = p, .now = loop_now(g->loop) };
	double v = tui_speed(t);

	p->nmarks = p->nflights = 0;
	memset(p->lit, 0, ((size_t)g->nlinks + 1) * sizeof(bool));
	if (p->m->h == 0 || p->m->compact)
		return;
	if (p->hop)
		w.id = g->trace.ring[p->hop_i % g->trace.cap].frame_id;
	else if (!tui_paused(t) && !(v > 0 && v <= 1.0))
		return;
	graph_flights(g, flight_mark, &w);
}

/* Scrolls so that node i's box is inside w x h. */
static void follow_box(struct mapp *p, int i, int w, int h)
{
	const struct map_node *v;

	if (i < 0)
		return;
	v = &p->m->nodes[i];
	if (v->x < p->ox)
		p->ox = v->x;
	else if (v->x + v->w > p->ox + w)
		p->ox = MIN(v->x, v->x + v->w - w);
	if (v->y - 1 < p->oy)
		p->oy = MAX(0, v->y - 1);
	else if (v->y + v->h + 1 > p->oy + h)
		p->oy = v->y + v->h + 1 - h;
	p->ox = MAX(0, p->ox);
}

static void put_cell(struct tui *t, int y, int x, uint32_t ch, enum tui_color c, bool ascii)
{
	attr_t a = tui_attr(t, c);

	if (ascii || ch < 128) {
		attron(a);
		mvaddch(y, x, ch < 128 ? (chtype)ch : '?');
		attroff(a);
	} else {
		wchar_t wc[2] = { (wchar_t)ch, 0 };
		cchar_t cc;

		setcchar(&cc, wc, a, 0, NULL);
		mvadd_wch(y, x, &cc);
	}
}

/* One cell as it is now: its character and colour. */
static void cell_now(struct tui *t, struct mapp *p, const struct map_cell *c, uint32_t *ch,
		     enum tui_color *col)
{
	struct graph *g = tui_sim(t)->g;
	struct port *sp = tui_sel_port(t);

	*ch = c->ch;
	*col = C_NORMAL;
	switch ((enum map_role)c->role) {
	case MAP_BLANK:
		*ch = ' ';
		break;
	case MAP_BOX:
		*col = c->node == p->sel ? C_SELECT : C_NORMAL;
		if (p->ascii)
			*ch = map_ascii(*ch);
		break;
	case MAP_LABEL:
		*col = sp != NULL && (int32_t)sp->gid == c->port ? C_SELECT : C_DIM;
		break;
	case MAP_LINE:
	case MAP_PORT: {
		const struct link *l = g->links[c->link];
		bool down = map_link_down(l);

		*ch = map_line_char(c->dirs, down, p->ascii);
		*col = down ? C_DOWN : p->busy[c->link] ? C_FORWARD : C_DIM;
		if (c->role == MAP_PORT && map_port_blocked(g->ports[c->port])) {
			*ch = p->ascii ? 'x' : 0xD7;
			*col = C_DROP;
		}
		if (c->role == MAP_PORT && sp != NULL && (int32_t)sp->gid == c->port)
			*col = C_SELECT;
		if (p->hop && (c->link == p->hop_in || c->link == p->hop_out || p->lit[c->link]))
			*col = p->hop_col;
		break;
	}
	}
}

/* The hop's decision to the right of its node, over blank cells only. */
static void hop_word(struct tui *t, struct mapp *p, struct rect r, int h)
{
	const struct map_node *v = &p->m->nodes[p->hop_node];
	int my = v->y + v->h / 2, y = my - p->oy + r.y + 1;

	if (my - p->oy < 0 || my - p->oy >= h)
		return;
	for (int k = 0; p->hop_word[k] != '\0'; k++) {
		int mx = v->x + v->w + 1 + k, x = mx - p->ox;

		if (x < 0 || x >= r.w)
			continue;
		if (mx < p->m->w && map_at(p->m, my, mx)->role != MAP_BLANK)
			break;
		put_cell(t, y, r.x + x, (unsigned char)p->hop_word[k], p->hop_col, true);
	}
}

static void map_draw(struct tui *t, void *st, struct rect r, bool focused)
{
	struct mapp *p = st;
	struct node *seln = tui_sel_node(t);
	char extra[192];
	int h = r.h - 1;

	rebuild(t, p, r.w - 1);
	load(t, p);
	if (seln != NULL && (p->sel < 0 || p->m->nodes[p->sel].n != seln))
		p->sel = map_node_index(p->m, seln);
	hop_find(t, p);
	flights_find(t, p);
	if (p->finding)
		snprintf(extra, sizeof(extra), "find: %s_", p->find);
	else if (p->hop && p->nflights > 0)
		snprintf(extra, sizeof(extra), "%s; %d cop%s on the way", p->hop_text, p->nflights,
			 p->nflights == 1 ? "y" : "ies");
	else if (p->hop)
		snprintf(extra, sizeof(extra), "%s", p->hop_text);
	else
		snprintf(extra, sizeof(extra), "%s%s", p->compact ? "names only  " : "",
			 focused ? "arrows select  z zoom  / find" : "");
	tui_title(t, r, tui_panel_index(&panel_map_ops) + 1, "Map", extra, focused);
	if (p->m->h == 0) {
		tui_text(r.y + 1, r.x, r.w, tui_attr(t, C_WARN), true,
			 p->m->nnodes == 0 ? "(no nodes)" :
			 p->compact ? "too large to draw" : "too large to draw: z shows names only");
		return;
	}
	if (p->hop && p->hop_i != p->hop_seen) {
		p->hop_seen = p->hop_i;         /* a new hop: bring it into view */
		follow_box(p, p->hop_node, r.w, h);
	} else {
		follow_box(p, p->sel, r.w, h);
	}
	for (int y = 0; y < h; y++) {
		int my = p->oy + y;

		move(r.y + 1 + y, r.x);
		for (int x = 0; x < r.w; x++) {
			int mx = p->ox + x;
			uint32_t ch = ' ';
			enum tui_color col = C_NORMAL;

			if (my < p->m->h && mx < p->m->w)
				cell_now(t, p, map_at(p->m, my, mx), &ch, &col);
			put_cell(t, r.y + 1 + y, r.x + x, ch, col, p->ascii);
		}
	}
	if (p->hop && p->hop_node >= 0)
		hop_word(t, p, r, h);
	for (int i = 0; i < p->nmarks; i++) {
		int my = (int)(p->marks[i] / (uint32_t)p->m->w) - p->oy;
		int mx = (int)(p->marks[i] % (uint32_t)p->m->w) - p->ox;

		if (my >= 0 && my < h && mx >= 0 && mx < r.w)
			put_cell(t, r.y + 1 + my, r.x + mx, p->ascii ? '*' : 0x25CF,
				 p->hop ? p->hop_col : C_FORWARD, p->ascii);
	}
}

/* The nearest node from the selected one in a direction (dx, dy). */
static int nearest(const struct mapp *p, int dx, int dy)
{
	const struct map *m = p->m;
	int best = -1;
	long bestd = 0;

	if (p->sel < 0)
		return m->nnodes > 0 ? 0 : -1;
	for (int i = 0; i < m->nnodes; i++) {
		const struct map_node *a = &m->nodes[p->sel], *b = &m->nodes[i];
		long ddx = (b->x + b->w / 2) - (a->x + a->w / 2), ddy = (b->y + b->h / 2) - (a->y + a->h / 2);
		long along = dx ? ddx * dx : ddy * dy, across = dx ? labs(ddy) : labs(ddx);
		long d;

		if (i == p->sel || along <= 0 || across > 2 * along + 4)
			continue;
		d = along + 2 * across;
		if (best < 0 || d < bestd) {
			best = i;
			bestd = d;
		}
	}
	return best;
}

/* [ and ]: the selected node's ports in turn. */
static void cycle_port(struct tui *t, struct mapp *p, int step)
{
	struct node *n = p->m->nodes[p->sel].n;
	struct port *cur = tui_sel_port(t);
	int i = -1;

	if (n->nports == 0)
		return;
	for (int k = 0; k < n->nports; k++)
		if (n->ports[k] == cur)
			i = k;
	i = i < 0 ? (step > 0 ? 0 : n->nports - 1) : (i + step + n->nports) % n->nports;
	tui_select(t, n, n->ports[i]);
}

static bool find_key(struct tui *t, struct mapp *p, int ch)
{
	size_t n = strlen(p->find);

	if (ch == '\n' || ch == '\r' || ch == KEY_ENTER || ch == 27) {
		p->finding = false;
		return true;
	}
	if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && n > 0)
		p->find[n - 1] = '\0';
	else if (ch >= 32 && ch < 127 && n + 1 < sizeof(p->find))
		p->find[n] = (char)ch, p->find[n + 1] = '\0';
	for (int i = 0; i < p->m->nnodes && p->find[0] != '\0'; i++) {
		if (strstr(p->m->nodes[i].n->name, p->find) != NULL) {
			p->sel = i;
			tui_select(t, p->m->nodes[i].n, NULL);
			break;
		}
	}
	return true;
}

static bool map_key(struct tui *t, void *st, int ch)
{
	struct mapp *p = st;
	int to = -2;

	if (p->m == NULL)
		return false;
	if (p->finding)
		return find_key(t, p, ch);
	switch (ch) {
	case KEY_LEFT: to = nearest(p, -1, 0); break;
	case KEY_RIGHT: to = nearest(p, 1, 0); break;
	case KEY_UP: to = nearest(p, 0, -1); break;
	case KEY_DOWN: to = nearest(p, 0, 1); break;
	case KEY_SLEFT: p->ox = MAX(0, p->ox - 8); p->sel = -1; return true;
	case KEY_SRIGHT: p->ox += 8; p->sel = -1; return true;
	case KEY_PPAGE: p->oy = MAX(0, p->oy - 8); p->sel = -1; return true;
	case KEY_NPAGE: p->oy += 8; p->sel = -1; return true;
	case KEY_HOME: p->ox = p->oy = 0; return true;
	case 'z':
		p->compact = !p->compact;
		return true;
	case '/':
		p->finding = true;
		p->find[0] = '\0';
		return true;
	case 'o':
		frames_open_current(t);
		return true;
	case '[': case ']':
		if (p->sel >= 0)
			cycle_port(t, p, ch == ']' ? 1 : -1);
		return p->sel >= 0;
	default:
		return false;
	}
	if (to >= 0) {
		p->sel = to;
		tui_select(t, p->m->nodes[to].n, NULL);
	}
	return true;
}

/* A click selects the node, or the port, under it. */
static void map_click(struct tui *t, void *st, int y, int x)
{
	struct mapp *p = st;
	const struct map_cell *c;
	int my = p->oy + y - 1, mx = p->ox + x;
	struct graph *g = tui_sim(t)->g;

	if (p->m == NULL || y < 1 || my >= p->m->h || mx >= p->m->w)
		return;
	c = map_at(p->m, my, mx);
	if (c->role == MAP_BOX && c->node >= 0) {
		p->sel = c->node;
		tui_select(t, p->m->nodes[c->node].n, NULL);
	} else if ((c->role == MAP_PORT || c->role == MAP_LABEL) && c->port >= 0) {
		struct port *port = g->ports[c->port];

		p->sel = map_node_index(p->m, port->node);
		tui_select(t, port->node, port);
	}
}

const struct panel_ops panel_map_ops = {
	.name = "Map",
	.keys = "arrows     select the nearest node that way (every panel follows)\n"
		"[ / ]      select the node's ports in turn\n"
		"/          find a node by name (Enter or Esc ends)\n"
		"z          zoom: names only, or boxes\n"
		"o          open the hop drawn (Frames' selected one): its layers and bytes\n"
		"Shift-Left/Right, PgUp/PgDn  pan;  Home  back to the top left\n"
		"click      select the node or port under the mouse",
	.create = map_create,
	.destroy = map_destroy,
	.draw = map_draw,
	.key = map_key,
	.click = map_click,
};

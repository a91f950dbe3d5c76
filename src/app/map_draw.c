/*
 * The map's cells (map.h): boxes, lines with their junctions, port cells
 * and labels, and the characters and text they are shown with.
 */
#include "map_internal.h"
#include "../core/util.h"

#include <string.h>

/* ┌ ┐ └ ┘ ─ │ ┬ ┴ for each style. */
static const uint32_t box_chars[][8] = {
	[BOX_GUEST] = { 0x250C, 0x2510, 0x2514, 0x2518, 0x2500, 0x2502, 0x252C, 0x2534 },
	[BOX_BRIDGE] = { 0x2554, 0x2557, 0x255A, 0x255D, 0x2550, 0x2551, 0x2564, 0x2567 },
	[BOX_HUB] = { 0x250F, 0x2513, 0x2517, 0x251B, 0x2501, 0x2503, 0x252F, 0x2537 },
	[BOX_NETDEV] = { 0x256D, 0x256E, 0x2570, 0x256F, 0x2500, 0x2502, 0x252C, 0x2534 },
	[BOX_OTHER] = { 0x250C, 0x2510, 0x2514, 0x2518, 0x2500, 0x2502, 0x252C, 0x2534 },
};

/* ---- cells ------------------------------------------------------------------- */

static void put(struct map *m, int y, int x, enum map_role role, uint32_t ch, int node)
{
	struct map_cell *c;

	if (y < 0 || x < 0 || y >= m->h || x >= m->w)
		return;
	c = map_at(m, y, x);
	c->role = (uint8_t)role;
	c->ch = ch;
	c->node = node;
}

void map_draw_box(struct map *m, int i)
{
	const struct map_node *v = &m->nodes[i];
	const uint32_t *bc = box_chars[map_style_of(v->n)];
	const char *name = v->n->name;

	if (m->compact) {
		int len = (int)strlen(name), pad = (v->w - 2 - len) / 2;

		put(m, v->y, v->x, MAP_BOX, '[', i);
		for (int k = 0; k < v->w - 2; k++)
			put(m, v->y, v->x + 1 + k, MAP_BOX,
			    k >= pad && k - pad < len ? (unsigned char)name[k - pad] : ' ', i);
		put(m, v->y, v->x + v->w - 1, MAP_BOX, ']', i);
		return;
	}
	for (int x = 0; x < v->w; x++) {
		bool l = x == 0, r = x == v->w - 1;

		put(m, v->y, v->x + x, MAP_BOX, l ? bc[0] : r ? bc[1] : bc[4], i);
		put(m, v->y + 2, v->x + x, MAP_BOX, l ? bc[2] : r ? bc[3] : bc[4], i);
		put(m, v->y + 1, v->x + x, MAP_BOX, l || r ? bc[5] : ' ', i);
	}
	for (int k = 0; name[k] != '\0' && k < v->w - 4; k++)
		put(m, v->y + 1, v->x + 2 + k, MAP_BOX, (unsigned char)name[k], i);
}

/* Adds directions to a line cell (boxes win over lines). */
static void line_dirs(struct map *m, int y, int x, unsigned dirs, int link)
{
	struct map_cell *c;

	if (y < 0 || x < 0 || y >= m->h || x >= m->w)
		return;
	c = map_at(m, y, x);
	if (c->role == MAP_BOX || c->role == MAP_LABEL)
		return;
	if (c->role == MAP_BLANK) {
		c->role = MAP_LINE;
		c->link = link;
	}
	c->dirs |= (uint8_t)dirs;
}

static void line_v(struct map *m, int x, int y1, int y2, int link)
{
	for (int y = MIN(y1, y2); y <= MAX(y1, y2); y++)
		line_dirs(m, y, x, (y > MIN(y1, y2) ? MAP_N : 0) | (y < MAX(y1, y2) ? MAP_S : 0), link);
}

static void line_h(struct map *m, int y, int x1, int x2, int link)
{
	for (int x = MIN(x1, x2); x <= MAX(x1, x2); x++)
		line_dirs(m, y, x, (x > MIN(x1, x2) ? MAP_W : 0) | (x < MAX(x1, x2) ? MAP_E : 0), link);
}

/* Where a link leaves a box: the line cell (a port cell), its label, and
 * a tee in the box's border. */
static void end_cell(struct map *m, const struct attach *e, int y, bool below_box)
{
	const struct map_node *v = &m->nodes[e->me];
	const char *label = map_port_label(e->port);
	struct map_cell *c;

	line_dirs(m, y, e->x, below_box ? MAP_N : MAP_S, e->link);
	if (y >= 0 && y < m->h && e->x < m->w) {
		c = map_at(m, y, e->x);
		if (c->role == MAP_LINE) {
			c->role = MAP_PORT;
			c->port = (int32_t)e->port->gid;
		}
	}
	if (!m->compact) {
		const uint32_t *bc = box_chars[map_style_of(v->n)];

		put(m, below_box ? v->y + v->h - 1 : v->y, e->x, MAP_BOX, below_box ? bc[6] : bc[7],
		    e->me);
	}
	for (int k = 0; label[k] != '\0'; k++) {
		if (y < 0 || y >= m->h || e->x + 1 + k >= m->w)
			break;
		c = map_at(m, y, e->x + 1 + k);
		if (c->role != MAP_BLANK)
			break;
		c->role = MAP_LABEL;
		c->ch = (unsigned char)label[k];
		c->port = (int32_t)e->port->gid;
	}
}

/* ---- following a line ------------------------------------------------------- */

static const int dir_dy[9] = { [MAP_N] = -1, [MAP_S] = 1 };
static const int dir_dx[9] = { [MAP_E] = 1, [MAP_W] = -1 };

static unsigned dir_back(unsigned d)
{
	return d == MAP_N ? MAP_S : d == MAP_S ? MAP_N : d == MAP_E ? MAP_W : MAP_E;
}

/* Whether the cell d from (y, x) is a line cell that joins back. */
static bool joins(const struct map *m, int y, int x, unsigned d)
{
	const struct map_cell *c;

	y += dir_dy[d];
	x += dir_dx[d];
	if (y < 0 || x < 0 || y >= m->h || x >= m->w)
		return false;
	c = map_at(m, y, x);
	return (c->role == MAP_LINE || c->role == MAP_PORT) && (c->dirs & dir_back(d));
}

struct walk {
	const struct map *m;
	int32_t to;
	uint32_t *cells;
	int max, n;
	long budget;            /* cells entered at most, over every branch */
};

static bool on_path(const struct walk *w, uint32_t cell)
{
	for (int k = 0; k < w->n; k++)
		if (w->cells[k] == cell)
			return true;
	return false;
}

/* Depth first from (y, x), entered going `came`: straight on first, then
 * the turns. Lines may share a stretch (a junction of three), so a branch
 * that does not reach `to` is taken back. */
static bool walk(struct walk *w, int y, int x, unsigned came)
{
	const struct map_cell *c = map_at(w->m, y, x);
	uint32_t cell = (uint32_t)y * (uint32_t)w->m->w + (uint32_t)x;
	unsigned order[4];
	int no = 0;

	if (w->n == w->max || --w->budget < 0 || on_path(w, cell))
		return false;
	w->cells[w->n++] = cell;
	if (w->n > 1 && c->role == MAP_PORT && c->port == w->to)
		return true;
	if (came != 0)
		order[no++] = came;
	for (unsigned d = MAP_N; d <= MAP_W; d <<= 1)
		if (d != came && (came == 0 || d != dir_back(came)))
			order[no++] = d;
	for (int k = 0; k < no; k++) {
		unsigned d = order[k];

		/* Over a crossing, only straight on. */
		if (c->dirs == (MAP_N | MAP_E | MAP_S | MAP_W) && came != 0 && d != came)
			break;
		if ((c->dirs & d) && joins(w->m, y, x, d) &&
		    walk(w, y + dir_dy[d], x + dir_dx[d], d))
			return true;
	}
	w->n--;
	return false;
}

int map_line_path(const struct map *m, uint32_t start, int32_t to, uint32_t *cells, int max)
{
	struct walk w = { .m = m, .to = to, .cells = cells, .max = max, .budget = 65536 };

	if (m->w <= 0 || start >= (uint32_t)m->w * (uint32_t)m->h)
		return 0;
	return walk(&w, (int)(start / (uint32_t)m->w), (int)(start % (uint32_t)m->w), 0) ? w.n : 0;
}

void map_draw_link(struct lay *L, int li, const int *gap_y, int track)
{
	struct map *m = L->m;
	const struct attach *a, *b;
	const struct map_node *u, *v;
	int ya, yb, ty;
	bool same;

	map_link_ends(L, li, &a, &b);
	u = &m->nodes[a->me];
	v = &m->nodes[b->me];
	same = u->row == v->row;
	ya = u->y + u->h;
	yb = same ? v->y + v->h : v->y - 1;
	ty = gap_y[same ? u->row : v->row - 1] + 1 + track;
	if (a->x == b->x && !same) {
		line_v(m, a->x, ya, yb, li);
	} else {
		line_v(m, a->x, ya, ty, li);
		line_h(m, ty, a->x, b->x, li);
		line_v(m, b->x, ty, yb, li);
	}
	end_cell(m, a, ya, true);
	end_cell(m, b, yb, same);
}

bool map_link_down(const struct link *l)
{
	return !l->end[0]->admin_up || !l->end[1]->admin_up;
}

bool map_port_blocked(const struct port *p)
{
	struct bridge *b = bridge_from_node(p->node);
	const struct bport *bp;

	if (b == NULL || b->stp == NULL || p->priv == NULL)
		return false;
	bp = p->priv;
	return bport_sp_peek(bp)->state != STP_FORWARDING && bport_sp_peek(bp)->state != STP_DISABLED;
}

uint32_t map_line_char(unsigned dirs, bool dashed, bool ascii)
{
	static const uint32_t light[16] = {
		[0] = ' ',
		[MAP_N] = 0x2502, [MAP_S] = 0x2502, [MAP_N | MAP_S] = 0x2502,
		[MAP_E] = 0x2500, [MAP_W] = 0x2500, [MAP_E | MAP_W] = 0x2500,
		[MAP_S | MAP_E] = 0x250C, [MAP_S | MAP_W] = 0x2510,
		[MAP_N | MAP_E] = 0x2514, [MAP_N | MAP_W] = 0x2518,
		[MAP_N | MAP_S | MAP_E] = 0x251C, [MAP_N | MAP_S | MAP_W] = 0x2524,
		[MAP_E | MAP_W | MAP_S] = 0x252C, [MAP_E | MAP_W | MAP_N] = 0x2534,
		[MAP_N | MAP_S | MAP_E | MAP_W] = 0x253C,
	};
	bool v = (dirs & (MAP_N | MAP_S)) != 0, h = (dirs & (MAP_E | MAP_W)) != 0;

	dirs &= 15;
	if (dirs == 0)
		return ' ';
	if (v && h)
		return ascii ? '+' : light[dirs];
	if (ascii)
		return v ? (dashed ? ':' : '|') : (dashed ? '.' : '-');
	if (dashed)
		return v ? 0x254E : 0x254C;
	return light[dirs];
}

uint32_t map_ascii(uint32_t ch)
{
	switch (ch) {
	case 0x2500: case 0x2501: return '-';
	case 0x2550: return '=';
	case 0x2502: case 0x2503: case 0x2551: return '|';
	case 0x250C: case 0x2510: case 0x2514: case 0x2518: case 0x252C: case 0x2534:
	case 0x256D: case 0x256E: case 0x256F: case 0x2570:
		return '+';
	case 0x2554: case 0x2557: case 0x255A: case 0x255D: case 0x2564: case 0x2567:
		return '#';
	case 0x250F: case 0x2513: case 0x2517: case 0x251B: case 0x252F: case 0x2537:
		return '*';
	default:
		return ch < 128 ? ch : '?';
	}
}

static void put_utf8(FILE *out, uint32_t c)
{
	if (c < 0x80) {
		fputc((int)c, out);
	} else if (c < 0x800) {
		fputc((int)(0xc0 | (c >> 6)), out);
		fputc((int)(0x80 | (c & 0x3f)), out);
	} else {
		fputc((int)(0xe0 | (c >> 12)), out);
		fputc((int)(0x80 | ((c >> 6) & 0x3f)), out);
		fputc((int)(0x80 | (c & 0x3f)), out);
	}
}

void map_print(const struct map *m, FILE *out, bool ascii)
{
	for (int y = 0; y < m->h; y++) {
		int end = m->w;

		while (end > 0 && map_at(m, y, end - 1)->role == MAP_BLANK)
			end--;
		for (int x = 0; x < end; x++) {
			const struct map_cell *c = map_at(m, y, x);
			uint32_t ch = c->ch;

			if (c->role == MAP_LINE || c->role == MAP_PORT) {
				const struct link *l = m->nodes[0].n->g->links[c->link];

				ch = c->role == MAP_PORT && map_port_blocked(m->nodes[0].n->g->ports[c->port]) ?
				     (ascii ? 'x' : 0xD7) : map_line_char(c->dirs, map_link_down(l), ascii);
			} else if (ascii) {
				ch = map_ascii(ch);
			}
			put_utf8(out, ch);
		}
		fputc('\n', out);
	}
}

/* The map's layout (app/map.c): every node a box with its name, no two
 * boxes overlapping, every link's two ends as port cells against their
 * boxes, the same drawing every time, pins, names only, the characters. */
#include "../../src/app/map.h"
#include "testutil.h"

#include <string.h>

/* A loop of two bridges (a link within a row), a hub with QEMU guests, a
 * guest with two NICs and a part of its own. */
static const char *topo =
	"[bridge br0]\n[bridge br1]\n[hub h]\n"
	"[guest a]\nnic = model=e1000\nnic = model=e1000\n"
	"[guest b]\nnic = model=e1000\n"
	"[guest c]\nnic = model=e1000,vlan=3\n"
	"[guest d]\nnic = model=e1000,vlan=3\n"
	"[link]\na = a.nic0\nb = br0\n"
	"[link]\na = a.nic1\nb = br1\n"
	"[link]\na = br0\nb = br1\n"
	"[link]\na = b\nb = h\n"
	"[link]\na = h\nb = br0\n";

static struct sim *load(const char *text)
{
	FILE *null = fopen("/dev/null", "w");
	struct sim *s = load_topology(text, null);

	s->out = null;
	return s;
}

static void unload(struct sim *s)
{
	fclose(s->out);
	s->out = stdout;
	sim_free(s);
}

static bool overlap(const struct map_node *a, const struct map_node *b)
{
	return a->x < b->x + b->w && b->x < a->x + a->w && a->y < b->y + b->h && b->y < a->y + a->h;
}

/* The port cell of p: right under or over its node's box. */
static bool port_cell(const struct map *m, const struct port *p)
{
	const struct map_node *v = &m->nodes[map_node_index(m, p->node)];

	for (int x = v->x; x < v->x + v->w; x++) {
		int rows[2] = { v->y - 1, v->y + v->h };

		for (int k = 0; k < 2; k++) {
			if (rows[k] < 0 || rows[k] >= m->h)
				continue;
			if (map_at(m, rows[k], x)->role == MAP_PORT &&
			    map_at(m, rows[k], x)->port == (int32_t)p->gid)
				return true;
		}
	}
	return false;
}

static void test_boxes_and_links(void **state)
{
	struct sim *s = load(topo);

	(void)state;
	for (int compact = 0; compact < 2; compact++) {
		struct map *m = map_build(s, compact, 80);

		assert_int_equal(m->nnodes, s->g->nnodes);
		assert_true(m->w > 0 && m->h > 0);
		for (int i = 0; i < m->nnodes; i++) {
			const struct map_node *v = &m->nodes[i];
			const char *name = v->n->name;
			int row = compact ? v->y : v->y + 1, at = -1;

			/* The name is inside the box, on its middle row. */
			for (int x = v->x; x + (int)strlen(name) <= v->x + v->w && at < 0; x++) {
				int k = 0;

				while (name[k] && map_at(m, row, x + k)->ch == (uint32_t)(unsigned char)name[k])
					k++;
				if (name[k] == '\0')
					at = x;
			}
			assert_true(at >= 0);
			for (int j = 0; j < i; j++)
				assert_false(overlap(v, &m->nodes[j]));
		}
		for (int li = 0; li < s->g->nlinks; li++) {
			assert_true(port_cell(m, s->g->links[li]->end[0]));
			assert_true(port_cell(m, s->g->links[li]->end[1]));
		}
		map_free(m);
	}
	unload(s);
}

static void test_same_every_time(void **state)
{
	struct sim *s = load(topo), *s2 = load(topo);
	struct map *a = map_build(s, false, 80), *b = map_build(s2, false, 80);

	(void)state;
	assert_int_equal(a->w, b->w);
	assert_int_equal(a->h, b->h);
	for (int y = 0; y < a->h; y++)
		for (int x = 0; x < a->w; x++) {
			assert_int_equal(map_at(a, y, x)->ch, map_at(b, y, x)->ch);
			assert_int_equal(map_at(a, y, x)->dirs, map_at(b, y, x)->dirs);
		}
	map_free(a);
	map_free(b);
	unload(s);
	unload(s2);
}

static void test_roots_rows_and_pins(void **state)
{
	struct sim *s = load(topo);
	struct map *m = map_build(s, false, 80);
	char *pinned;

	(void)state;
	/* br0 has the most links: the root, alone in the top row. */
	assert_int_equal(m->nodes[map_node_index(m, graph_find_node(s->g, "br0"))].row, 0);
	assert_int_equal(m->nodes[map_node_index(m, graph_find_node(s->g, "b"))].row, 2);
	map_free(m);
	unload(s);

	xasprintf(&pinned, "%s[guest e]\nnic = model=e1000,vlan=3\npos = 0,0\n", topo);
	s = load(pinned);
	m = map_build(s, false, 80);
	{
		const struct map_node *e = &m->nodes[map_node_index(m, graph_find_node(s->g, "e"))];
		const struct map_node *br0 = &m->nodes[map_node_index(m, graph_find_node(s->g, "br0"))];
		const struct map_node *hub = &m->nodes[map_node_index(m, graph_find_node(s->g, "vlan3"))];

		/* Row 0 of its part (vlan3's), first in it: left of the hub. */
		assert_true(e->pinned);
		assert_int_equal(e->order, 0);
		assert_int_equal(e->y, br0->y);
		assert_int_equal(hub->y, br0->y);
		assert_true(e->x + e->w < hub->x);
	}
	map_free(m);
	unload(s);
	free(pinned);
}

static void test_characters(void **state)
{
	(void)state;
	assert_int_equal(map_line_char(MAP_N | MAP_S, false, false), 0x2502);
	assert_int_equal(map_line_char(MAP_E | MAP_W, true, false), 0x254C);
	assert_int_equal(map_line_char(MAP_N | MAP_E, false, false), 0x2514);
	assert_int_equal(map_line_char(MAP_N | MAP_S | MAP_E | MAP_W, false, false), 0x253C);
	assert_int_equal(map_line_char(MAP_N | MAP_S, true, true), ':');
	assert_int_equal(map_line_char(MAP_S | MAP_W, false, true), '+');
	assert_int_equal(map_ascii(0x2554), '#');       /* a bridge's corner */
	assert_int_equal(map_ascii(0x250F), '*');       /* a hub's */
	assert_int_equal(map_ascii('a'), 'a');
}

/* The column of p's port cell (under or over its box), or -1. */
static int port_col(const struct map *m, const struct port *p)
{
	const struct map_node *v = &m->nodes[map_node_index(m, p->node)];

	for (int x = v->x; x < v->x + v->w; x++)
		for (int y = v->y - 1; y <= v->y + v->h; y += v->h + 1)
			if (y >= 0 && y < m->h && map_at(m, y, x)->role == MAP_PORT &&
			    map_at(m, y, x)->port == (int32_t)p->gid)
				return x;
	return -1;
}

/* A hub with 12 guests: its box spans them, and each link drops straight
 * from it (both ends in one column, the line from the hub's end to the
 * guest's as long as the gap). 7 guests keep a box of the hub's own size,
 * narrower than their row. The line is followed end to end either way. */
static void test_fan_out(void **state)
{
	char text[4096];
	size_t k;

	(void)state;
	for (int n = 7; n <= 12; n += 5) {
		struct sim *s;
		struct map *m;
		const struct map_node *hub;

		k = (size_t)snprintf(text, sizeof(text), "[hub h]\n");
		for (int i = 1; i <= n; i++)
			k += (size_t)snprintf(text + k, sizeof(text) - k,
					      "[guest g%d]\nnic = model=e1000\n[link]\na = g%d\nb = h\n", i, i);
		s = load(text);
		m = map_build(s, false, 0);
		hub = &m->nodes[map_node_index(m, s->g->links[0]->end[1]->node)];
		assert_int_equal(hub->fan, n == 12);
		if (n == 7)
			assert_true(hub->w < 7 * 6);
		for (int li = 0; li < s->g->nlinks; li++) {
			struct link *l = s->g->links[li];
			const struct map_node *g = &m->nodes[map_node_index(m, l->end[0]->node)];
			int a = port_col(m, l->end[0]), b = port_col(m, l->end[1]);
			uint32_t cells[256];
			int len;

			assert_true(a >= 0 && b >= 0);
			len = map_line_path(m, (uint32_t)(hub->y + hub->h) * (uint32_t)m->w + (uint32_t)b,
					    (int32_t)l->end[0]->gid, cells, 256);
			assert_true(len > 0);
			assert_int_equal(cells[len - 1], (uint32_t)(g->y - 1) * (uint32_t)m->w + (uint32_t)a);
			if (n == 12) {
				assert_int_equal(a, b);
				assert_int_equal(len, g->y - 1 - (hub->y + hub->h) + 1);
			}
		}
		map_free(m);
		unload(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boxes_and_links),
		cmocka_unit_test(test_same_every_time),
		cmocka_unit_test(test_roots_rows_and_pins),
		cmocka_unit_test(test_characters),
		cmocka_unit_test(test_fan_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

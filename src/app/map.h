/*
 * The topology drawn in terminal cells: the map panel draws it, and
 * `qnetsim --export text` prints it.
 *
 * Layout (map.c), in the manner of a layered drawing (Graphviz's dot):
 *  - Each connected part of the graph gets a root: its node with the most
 *    links (the first in the file on a tie). A node's row is its distance
 *    in links from the root, so every link joins a row to itself or the
 *    next (a hub or bridge is the root rather than a guest with as many
 *    links); the parts stand side by side, in the order of their first
 *    node, in bands as wide as the screen.
 *  - Within a row, nodes are ordered by the mean place of their neighbours
 *    in the row above, then below (four sweeps), ties kept in file order.
 *  - `pos = COLUMN,ROW` in a section pins a node: its row, and its place in
 *    the row before the others (sorted by COLUMN). Unpinned nodes keep
 *    their automatic row.
 *  - Links are drawn orthogonally: down from the upper node's bottom edge
 *    into the gap below its row, along a track of that gap, and down into
 *    the lower node's top edge (both ends on the bottom edge for a link
 *    within a row). Links whose horizontal runs would touch get different
 *    tracks, so the gap is as tall as its busiest stretch needs.
 *  - A node with 8 links or more down to the next row (a hub with a room of
 *    guests) gets a box as wide as those children, and each link drops
 *    straight from it (map_fan.c).
 * The same topology gives the same picture: nothing depends on time,
 * addresses or hash order.
 *
 * Nodes are boxes whose border says the kind without colour: guest light
 * (┌─┐), bridge double (╔═╗), hub heavy (┏━┓), netdev rounded (╭─╮). Where
 * a link meets a bridge or hub its port number is written beside the
 * line; a guest's NIC number when it has more than one. In compact form
 * (zoomed out) a node is one row, "[name]".
 *
 * A cell keeps what the UI needs to draw it now: a character, or the link
 * directions meeting there (drawn as a line when the map is shown, dashed
 * while the link is down); the node, link or port it belongs to.
 */
#ifndef QNETSIM_MAP_H
#define QNETSIM_MAP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim.h"

enum { MAP_N = 1, MAP_E = 2, MAP_S = 4, MAP_W = 8 };

#define MAP_MAX_CELLS (4u << 20) /* a larger drawing is not made (80 MiB of cells) */
#define MAP_PIN_MAX 999         /* pos = COLUMN,ROW: each 0 .. MAP_PIN_MAX */

enum map_role {
	MAP_BLANK,
	MAP_BOX,        /* a node's border or name: node */
	MAP_LINE,       /* part of a link: dirs, link */
	MAP_PORT,       /* the line's cell next to a box: dirs, link, port (STP marks it) */
	MAP_LABEL,      /* a port number: port */
};

struct map_cell {
	uint32_t ch;            /* a code point (MAP_BOX, MAP_LABEL) */
	uint8_t role;           /* enum map_role */
	uint8_t dirs;           /* MAP_N | MAP_E | ... for lines */
	int32_t node;           /* index in map->nodes, or -1 */
	int32_t link;           /* index in the graph's links, or -1 */
	int32_t port;           /* the port's gid, or -1 */
};

struct map_node {
	struct node *n;
	int row, order;         /* layer and place in it */
	int x, y, w, h;         /* the box, in cells */
	bool pinned;
	bool fan;               /* its box spans its children (map_fan.c) */
};

struct map {
	int w, h;
	struct map_cell *cells;         /* h rows of w */
	struct map_node *nodes;         /* in the graph's node order */
	int nnodes;
	bool compact;
};

/* Lays out s's graph. compact: one row per node, names only. Parts of
 * the graph that are not linked stand side by side, starting a new band
 * below once a band is `width` columns wide (0: 160). */
struct map *map_build(struct sim *s, bool compact, int width);
void map_free(struct map *m);

static inline struct map_cell *map_at(const struct map *m, int y, int x)
{
	return &m->cells[(size_t)y * (size_t)m->w + (size_t)x];
}

/* The line character for a cell's directions: light, or dashed (a link
 * that is down); ascii: +, -, |. */
uint32_t map_line_char(unsigned dirs, bool dashed, bool ascii);
/* A box cell's character in ASCII (the UI without a UTF-8 locale). */
uint32_t map_ascii(uint32_t ch);
/* The cells (y * w + x) of a link's line in order, from the port cell at
 * `start` to the port cell of port gid `to`, through junctions and
 * straight over crossings: their count (at most max), 0 when the line
 * does not lead there. The map panel moves frames along it. */
int map_line_path(const struct map *m, uint32_t start, int32_t to, uint32_t *cells, int max);
/* The map as text, a line a row, trailing blanks cut (UTF-8 unless ascii). */
void map_print(const struct map *m, FILE *out, bool ascii);
/* What is written beside a link's end at p: a bridge's or hub's port
 * number, a guest's NIC number when it has several, or "". */
const char *map_port_label(const struct port *p);
/* The index in m->nodes of node n, or -1. */
int map_node_index(const struct map *m, const struct node *n);
/* Whether link l is down (either end set off). */
bool map_link_down(const struct link *l);
/* Whether port p is a bridge port STP keeps from forwarding (blocking,
 * listening or learning). */
bool map_port_blocked(const struct port *p);

/* --export FORMAT (export.c): the topology as text (map_print's), DOT
 * for Graphviz or Mermaid. -1 with err for an unknown format. */
int map_export(struct sim *s, const char *format, FILE *out, char *err);

#endif

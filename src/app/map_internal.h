/*
 * Inside the map: what the layout (map.c) and the drawing of cells and
 * text (map_draw.c) share. Not for use outside them; see map.h.
 */
#ifndef QNETSIM_MAP_INTERNAL_H
#define QNETSIM_MAP_INTERNAL_H

#include "map.h"

enum box_style { BOX_GUEST, BOX_BRIDGE, BOX_HUB, BOX_NETDEV, BOX_OTHER };

struct addr_idx {
	const struct node *n;
	int i;
};

/* One end of a link on a box's edge. */
struct attach {
	int link;               /* graph link index */
	int me, other;          /* the node it is on, and the one at the other end */
	struct port *port;      /* this end's port */
	bool bottom;            /* on the bottom edge (else the top) */
	int x;                  /* its column */
};

struct lay {
	struct sim *s;
	struct map *m;
	int n;
	struct addr_idx *byaddr;        /* nodes sorted by address, for idx() */
	int *adj_start, *adj;           /* CSR: adj holds link indices */
	int *comp, ncomp;
	int *cstart;                    /* part c is bfs_order[cstart[c] .. cstart[c + 1]) */
	struct attach **att;            /* per node */
	int *natt;
	int *col;                       /* pin column, or -1 */
	int width;                      /* parts wrap into bands this wide */
	double *key;
};

/* map.c */
enum box_style map_style_of(const struct node *n);
/* The two ends of link li: upper first (the same row: the left one). */
void map_link_ends(const struct lay *L, int li, const struct attach **a,
		   const struct attach **b);

/* map_fan.c: boxes of a wide fan-out span their children. */
void map_fan_widen(struct lay *L);
/* Places node i's bottom ends over its children: false when it is not a
 * fan (or they do not fit), and nothing changed. */
bool map_fan_attach(struct lay *L, int i);

/* map_draw.c */
void map_draw_box(struct map *m, int i);
/* Link li through its gap's track: lines, port cells, labels, tees. */
void map_draw_link(struct lay *L, int li, const int *gap_y, int track);

#endif

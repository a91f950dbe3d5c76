/*
 * Inside the graph: what graph.c (the graph, nodes and ports) and link.c
 * (links: queues, impairments, delivery) share. Not for use outside them;
 * the rest of the program sees graph.h.
 */
#ifndef QNETSIM_GRAPH_INTERNAL_H
#define QNETSIM_GRAPH_INTERNAL_H

#include "graph.h"

/* Ends a link: its timers stopped, the frames on its wire released, what
 * it made freed (graph_free, after the extensions and before the nodes;
 * its own memory is in the graph's link slabs). */
void link_free(struct link *l);

#endif

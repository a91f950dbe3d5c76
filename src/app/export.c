/*
 * --export: the topology for a slide. text is the map panel's drawing;
 * dot is for Graphviz (dot -Tsvg); mermaid for Markdown. Node shapes say
 * the kind as the map's borders do, a link's labels are its port numbers
 * and a link that is down is dashed.
 */
#include "map.h"
#include "../core/util.h"

#include <string.h>

/* A name as a quoted string for DOT and Mermaid: names are letters,
 * digits, '-', '_' and '.', so only the quotes are needed. */
static void export_dot(struct sim *s, FILE *out)
{
	static const struct {
		const char *kind, *attrs;
	} shapes[] = {
		{ "guest", "shape=box" },
		{ "bridge", "shape=box, peripheries=2" },
		{ "hub", "shape=ellipse, style=bold" },
		{ "netdev", "shape=box, style=rounded" },
	};
	struct graph *g = s->g;

	fprintf(out, "graph topology {\n\tnode [fontname=\"monospace\"];\n");
	for (int i = 0; i < g->nnodes; i++) {
		const char *attrs = "shape=box";

		for (size_t k = 0; k < ARRAY_SIZE(shapes); k++)
			if (strcmp(g->nodes[i]->ops->kind, shapes[k].kind) == 0)
				attrs = shapes[k].attrs;
		fprintf(out, "\t\"%s\" [%s];\n", g->nodes[i]->name, attrs);
	}
	for (int i = 0; i < g->nlinks; i++) {
		struct link *l = g->links[i];

		fprintf(out, "\t\"%s\" -- \"%s\" [taillabel=\"%s\", headlabel=\"%s\"%s];\n",
			l->end[0]->node->name, l->end[1]->node->name, map_port_label(l->end[0]),
			map_port_label(l->end[1]), map_link_down(l) ? ", style=dashed" : "");
	}
	fprintf(out, "}\n");
}

static void export_mermaid(struct sim *s, FILE *out)
{
	static const struct {
		const char *kind, *open, *close;
	} shapes[] = {
		{ "guest", "[\"", "\"]" },
		{ "bridge", "[[\"", "\"]]" },
		{ "hub", "((\"", "\"))" },
		{ "netdev", "([\"", "\"])" },
	};
	struct graph *g = s->g;

	fprintf(out, "graph TD\n");
	for (int i = 0; i < g->nnodes; i++) {
		const char *open = "[\"", *close = "\"]";

		for (size_t k = 0; k < ARRAY_SIZE(shapes); k++) {
			if (strcmp(g->nodes[i]->ops->kind, shapes[k].kind) == 0) {
				open = shapes[k].open;
				close = shapes[k].close;
			}
		}
		fprintf(out, "    n%d%s%s%s\n", i, open, g->nodes[i]->name, close);
	}
	for (int i = 0; i < g->nlinks; i++) {
		struct link *l = g->links[i];
		const char *a = map_port_label(l->end[0]), *b = map_port_label(l->end[1]);
		int ia = -1, ib = -1;

		for (int k = 0; k < g->nnodes; k++) {
			if (g->nodes[k] == l->end[0]->node)
				ia = k;
			if (g->nodes[k] == l->end[1]->node)
				ib = k;
		}
		if (*a || *b)
			fprintf(out, "    n%d %s|\"%s%s%s\"| n%d\n", ia, map_link_down(l) ? "-.-" : "---",
				a, *a && *b ? " - " : "", b, ib);
		else
			fprintf(out, "    n%d %s n%d\n", ia, map_link_down(l) ? "-.-" : "---", ib);
	}
}

int map_export(struct sim *s, const char *format, FILE *out, char *err)
{
	if (strcmp(format, "text") == 0 || strcmp(format, "ascii") == 0) {
		struct map *m = map_build(s, false, 80);

		if (m->h == 0 && m->nnodes > 0) {
			map_free(m);
			return errf(err, "--export %s: the drawing would be over %u cells; use dot",
				    format, MAP_MAX_CELLS);
		}
		map_print(m, out, strcmp(format, "ascii") == 0);
		map_free(m);
	} else if (strcmp(format, "dot") == 0) {
		export_dot(s, out);
	} else if (strcmp(format, "mermaid") == 0) {
		export_mermaid(s, out);
	} else {
		return errf(err, "--export: unknown format '%s' (text, ascii, dot, mermaid)", format);
	}
	return 0;
}

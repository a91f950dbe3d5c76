/*
 * One topology across hosts: [host] sections, host = keys, and each
 * host's part of the file (hosts.h has the rules).
 */
#include "hosts.h"
#include "loader.h"
#include "monitor.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- the loader's part -------------------------------------------------------- */

int sim_host_find(const struct sim *s, const char *name)
{
	for (int i = 0; i < s->nhosts; i++)
		if (strcmp(s->hosts[i].name, name) == 0)
			return i;
	return -1;
}

void host_sect_create(struct loader *L, struct sect *sc)
{
	struct sim *s = L->s;

	sc->idx = -1;
	if (!valid_name(sc->name)) {
		lerr(L, sc->line, "[host %s]: a host's name is letters, digits, '_' and '-', a "
		     "letter first, up to %d", sc->name, SIM_MAX_NAME);
		return;
	}
	if (sim_host_find(s, sc->name) >= 0) {
		lerr(L, sc->line, "[host %s] is declared twice (first at line %d)", sc->name,
		     s->hosts[sim_host_find(s, sc->name)].line);
		return;
	}
	s->hosts = xreallocarray(s->hosts, (size_t)s->nhosts + 1, sizeof(*s->hosts));
	s->hosts[s->nhosts] = (struct sim_host){ .name = xstrdup(sc->name), .line = sc->line,
						 .port = HOST_PORT_DEFAULT };
	sc->idx = s->nhosts++;
}

void host_sect_key(struct loader *L, struct sect *sc, const char *k, const char *v, int line)
{
	struct sim_host *h;
	char err[ERRLEN];
	uint64_t u;

	if (sc->idx < 0 || sc->idx >= L->s->nhosts || strcmp(L->s->hosts[sc->idx].name, sc->name))
		return;         /* the header was refused */
	h = &L->s->hosts[sc->idx];
	if (strcmp(k, "address") == 0) {
		if (parse_ipv4(v, &h->addr) < 0 || h->addr == 0)
			lerr(L, line, "address: '%s' is not an IPv4 address (the one this host's "
			     "qnetsim is reached at)", v);
	} else if (strcmp(k, "port") == 0) {
		if (parse_u64(v, 1, 65535 - 1023, &u, err) < 0)
			lerr(L, line, "port: %s", err);
		else
			h->port = (uint16_t)u;
	} else if (strcmp(k, "monitor") == 0) {
		if (monitor_parse(v, err) < 0)
			lerr(L, line, "%s", err);
		else
			h->monitor = xstrdup(v);
	} else {
		lerr(L, line, "[host] unknown key '%s' (address, port, monitor)", k);
	}
}

void host_sect_end(struct loader *L, struct sect *sc)
{
	if (sc->idx >= 0 && sc->idx < L->s->nhosts && L->s->hosts[sc->idx].addr == 0 &&
	    strcmp(L->s->hosts[sc->idx].name, sc->name) == 0)
		lerr(L, sc->line, "[host %s] needs address = (the IPv4 address its qnetsim is "
		     "reached at)", sc->name);
}

void host_place(struct loader *L, struct sect *sc, const char *v, int line)
{
	struct sim *s = L->s;

	s->places = xreallocarray(s->places, (size_t)s->nplaces + 1, sizeof(*s->places));
	s->places[s->nplaces++] = (struct sim_place){ .node = xstrdup(sc->name),
						      .host = xstrdup(v), .line = line };
}

void hosts_check(struct loader *L)
{
	struct sim *s = L->s;

	for (int i = 0; i < s->nplaces; i++) {
		if (sim_host_find(s, s->places[i].host) >= 0)
			continue;
		if (s->nhosts == 0)
			lerr(L, s->places[i].line, "host = %s: the topology has no [host] sections",
			     s->places[i].host);
		else
			lerr(L, s->places[i].line, "host = %s: no [host %s] section (the first "
			     "is [host %s] at line %d)", s->places[i].host, s->places[i].host,
			     s->hosts[0].name, s->hosts[0].line);
	}
}

void hosts_free(struct sim *s)
{
	for (int i = 0; i < s->nhosts; i++) {
		free(s->hosts[i].name);
		free(s->hosts[i].monitor);
	}
	free(s->hosts);
	for (int i = 0; i < s->nplaces; i++) {
		free(s->places[i].node);
		free(s->places[i].host);
	}
	free(s->places);
	for (int i = 0; i < s->ncrossings; i++) {
		free(s->crossings[i].local);
		free(s->crossings[i].remote);
		free(s->crossings[i].to_host);
		free(s->crossings[i].netdev);
	}
	free(s->crossings);
	free(s->part);
}

/* ---- the file, line by line ----------------------------------------------------- */

enum tl_kind { TL_OTHER, TL_HEADER, TL_KEY };

struct tline {
	const char *p;          /* the line as written, without its end */
	size_t n;
	enum tl_kind kind;
	int sect;               /* the section it is in, -1: before any */
	char key[64];           /* TL_KEY: the key (a continuation: the key before) */
	char val[SIM_MAX_LINE + 1];  /* TL_KEY: the value, trimmed, no inline comment */
	char *out;              /* what this host's part has on this line; NULL: p */
};

struct tsect {
	char word[16], name[SIM_MAX_NAME + 8];
	int first, last;        /* its lines (indexes) */
	int host;               /* node sections: where it is */
};

struct split {
	const struct sim *full;
	const char *path;
	FILE *errs;
	int nerr;
	struct tline *l;
	int nl;
	struct tsect *sec;
	int nsec;
	struct strmap node_host;        /* node name -> host index + 1 */
};

static void serr(struct split *S, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void serr(struct split *S, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(S->errs, "%s:%d: ", S->path, line);
	va_start(ap, fmt);
	vfprintf(S->errs, fmt, ap);
	va_end(ap);
	fputc('\n', S->errs);
	S->nerr++;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* The lines, as the loader's reader splits them (LF, CRLF, CR), each
 * classified: a header, a key (inih's continuation lines, indented under
 * a key, take that key), or anything else. */
static void scan(struct split *S, const char *text, size_t len)
{
	size_t pos = 0;
	int cur = -1;
	char prev[64] = "";

	while (pos < len) {
		struct tline *t;
		size_t n = 0;
		char buf[SIM_MAX_LINE + 1], *p;

		while (pos + n < len && text[pos + n] != '\n' && text[pos + n] != '\r')
			n++;
		S->l = xreallocarray(S->l, (size_t)S->nl + 1, sizeof(*S->l));
		t = &S->l[S->nl++];
		*t = (struct tline){ .p = text + pos, .n = n, .sect = cur };
		pos += n;
		if (pos < len)
			pos += text[pos] == '\r' && pos + 1 < len && text[pos + 1] == '\n' ? 2 : 1;
		snprintf(buf, sizeof(buf), "%.*s", (int)MIN(n, (size_t)SIM_MAX_LINE), t->p);
		p = buf;
		if (S->nl == 1 && (unsigned char)p[0] == 0xef && (unsigned char)p[1] == 0xbb &&
		    (unsigned char)p[2] == 0xbf)
			p += 3;
		if (*p == '[') {
			char *close = strchr(p, ']'), *w;
			struct tsect *sc;

			if (close == NULL)
				continue;
			*close = '\0';
			S->sec = xreallocarray(S->sec, (size_t)S->nsec + 1, sizeof(*S->sec));
			sc = &S->sec[S->nsec];
			*sc = (struct tsect){ .first = S->nl - 1, .last = S->nl - 1 };
			w = strtok(p + 1, " \t");
			snprintf(sc->word, sizeof(sc->word), "%s", w ? w : "");
			w = strtok(NULL, " \t");
			snprintf(sc->name, sizeof(sc->name), "%s", w ? w : "");
			cur = S->nsec++;
			t->kind = TL_HEADER;
			t->sect = cur;
			prev[0] = '\0';
			continue;
		}
		if (cur >= 0)
			S->sec[cur].last = S->nl - 1;
		if (isspace((unsigned char)*p) && prev[0] != '\0' && *trim(p) != '\0' &&
		    *trim(p) != ';' && *trim(p) != '#') {
			t->kind = TL_KEY;
			snprintf(t->key, sizeof(t->key), "%s", prev);
			snprintf(t->val, sizeof(t->val), "%s", trim(p));
			continue;
		}
		p = trim(p);
		if (*p == '\0' || *p == ';' || *p == '#' || strpbrk(p, "=:") == NULL)
			continue;
		{
			char *eq = strpbrk(p, "=:"), *semi;

			*eq = '\0';
			t->kind = TL_KEY;
			snprintf(t->key, sizeof(t->key), "%s", trim(p));
			if ((semi = strstr(eq + 1, " ;")) != NULL || (semi = strstr(eq + 1, "\t;")) != NULL)
				*semi = '\0';
			snprintf(t->val, sizeof(t->val), "%s", trim(eq + 1));
			snprintf(prev, sizeof(prev), "%s", t->key);
		}
	}
}

static bool is_node_word(const char *w)
{
	return strcmp(w, "guest") == 0 || strcmp(w, "hub") == 0 || strcmp(w, "bridge") == 0 ||
	       strcmp(w, "netdev") == 0;
}

static int host_of(struct split *S, const char *node)
{
	intptr_t h = (intptr_t)strmap_get(&S->node_host, node);

	return h > 0 ? (int)h - 1 : -1;
}

static void set_host(struct split *S, const char *node, int h)
{
	strmap_put(&S->node_host, node, (void *)(intptr_t)(h + 1));
}

/* The node of an endpoint or value as written ("br0.3" -> "br0"). */
static void node_part(const char *w, char *buf, size_t n)
{
	size_t k = strcspn(w, ".[:");

	snprintf(buf, n, "%.*s", (int)MIN(k, n - 1), w);
}

/* Every node's host: its section's host =, else the first host; netdevs
 * without one, and nodes made without a section (QEMU vlans' hubs, a nic
 * = line's netdevs), go with what joins them without a [link]; a vlan's
 * NICs on two hosts are an error. */
static void place_nodes(struct split *S, bool *link_line)
{
	const struct sim *f = S->full;
	const struct graph *g = f->g;

	/* A netdev without host = goes with what it is attached to. */
	for (int i = 0; i < S->nsec; i++)
		if (is_node_word(S->sec[i].word) && strcmp(S->sec[i].word, "netdev") != 0)
			set_host(S, S->sec[i].name, 0);
	for (int i = 0; i < f->nplaces; i++)
		set_host(S, f->places[i].node, sim_host_find(f, f->places[i].host));
	/* Twice: a hub placed by its NICs places a netdev on it. */
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < g->nlinks; i++) {
			const struct link *lk = g->links[i];
			const struct node *a, *b;
			int ha, hb;

			if (lk == NULL || (lk->line > 0 && lk->line <= S->nl && link_line[lk->line - 1]))
				continue;
			a = lk->end[0]->node;
			b = lk->end[1]->node;
			ha = host_of(S, a->name);
			hb = host_of(S, b->name);
			if (ha < 0 && hb >= 0)
				set_host(S, a->name, hb);
			else if (hb < 0 && ha >= 0)
				set_host(S, b->name, ha);
			else if (pass == 1 && ha >= 0 && hb >= 0 && ha != hb)
				serr(S, lk->line, "%s (host %s) and %s (host %s) are joined here without "
				     "a [link]: a QEMU vlan, a NIC's netdev= and a netdev's vlan= stay on "
				     "one host; join hosts with a [link]", a->name, f->hosts[ha].name,
				     b->name, f->hosts[hb].name);
		}
	}
	for (int i = 0; i < g->nnodes; i++)
		if (host_of(S, g->nodes[i]->name) < 0)
			set_host(S, g->nodes[i]->name, 0);
}

/* ---- rewriting ---------------------------------------------------------------- */

static void comment_out(struct tline *t)
{
	free(t->out);
	t->out = xstrdup(";");
}

static void replace(struct tline *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void replace(struct tline *t, const char *fmt, ...)
{
	va_list ap;
	char buf[SIM_MAX_LINE + 64];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	free(t->out);
	t->out = xstrdup(buf);
}

static uint32_t fnv1a(const char *a, const char *b)
{
	uint32_t h = 2166136261u;

	for (const char *p = a; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	h = (h ^ '\n') * 16777619u;
	for (const char *p = b; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return h;
}

/* The impairments a [link] takes for both directions at once. */
static bool both_ways(const char *k)
{
	static const char *const keys[] = { "delay", "jitter", "loss", "burst_loss", "duplicate",
					     "corrupt", "reorder", "limit" };

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (strcmp(k, keys[i]) == 0)
			return true;
	return false;
}

struct crossing_plan {
	int sect, k;
	char a[SIM_MAX_LINE + 1], b[SIM_MAX_LINE + 1];
	int ha, hb, a_line, b_line;
	uint32_t vni;
};

/* Tunnel k's netdev toward host: "vx-HOST-K", with "x"s until no node of
 * the topology has that name. */
static void tunnel_name(struct split *S, const char *host, int k, char *name, size_t n)
{
	static const char *const suffix[] = { "", "x", "xx", "xxx", "xxxx" };
	char buf[64];

	/* At most 3 + 12 + 1 + 5 + 4 = 25 characters: a valid node name. */
	for (size_t i = 0; i < ARRAY_SIZE(suffix); i++) {
		bool taken = false;

		snprintf(buf, sizeof(buf), "vx-%.12s-%d%s", host, k & 0xffff, suffix[i]);
		for (int j = 0; j < S->full->g->nnodes && !taken; j++)
			taken = strcmp(S->full->g->nodes[j]->name, buf) == 0;
		if (!taken)
			break;
	}
	snprintf(name, n, "%.*s", (int)(n - 1), buf);
}

/* A [link] from here to another host: its far end is tunnel k. */
static void cross(struct split *S, const struct crossing_plan *c, int me, struct sim_crossing *x)
{
	const struct sim *f = S->full;
	const struct tsect *sc = &S->sec[c->sect];
	bool a_local = c->ha == me;
	int other = a_local ? c->hb : c->ha;
	char name[SIM_MAX_NAME + 1];
	const char *letter = a_local ? "a" : "b", *far = a_local ? "b" : "a";

	tunnel_name(S, f->hosts[other].name, c->k, name, sizeof(name));
	for (int i = sc->first + 1; i <= sc->last; i++) {
		struct tline *t = &S->l[i];
		char want[8];

		if (t->kind != TL_KEY)
			continue;
		if (strcmp(t->key, far) == 0) {
			replace(t, "%s = %s", far, name);
		} else if (both_ways(t->key)) {
			replace(t, "%s>%s.%s = %s", letter, far, t->key, t->val);
		} else if (strchr(t->key, '>') != NULL) {
			/* a>b.KEY: kept where a sends. */
			snprintf(want, sizeof(want), "%s>", letter);
			if (strncmp(t->key, want, 2) != 0)
				comment_out(t);
		}
	}
	*x = (struct sim_crossing){ .line = sc->first + 1,
				    .local = xstrdup(a_local ? c->a : c->b),
				    .remote = xstrdup(a_local ? c->b : c->a),
				    .to_host = xstrdup(f->hosts[other].name), .netdev = xstrdup(name),
				    .vni = c->vni, .lport = (uint16_t)(f->hosts[me].port + c->k),
				    .rport = (uint16_t)(f->hosts[other].port + c->k) };
}

/* The crossing links, in the file's order, with their numbers and VNIs. */
static int plan_links(struct split *S, struct crossing_plan **out)
{
	struct crossing_plan *p = NULL;
	int n = 0;

	for (int i = 0; i < S->nsec; i++) {
		struct crossing_plan c = { .sect = i, .ha = -1, .hb = -1 };
		char node[SIM_MAX_LINE + 1];
		bool taken;

		if (strcmp(S->sec[i].word, "link") != 0)
			continue;
		for (int j = S->sec[i].first + 1; j <= S->sec[i].last; j++) {
			if (S->l[j].kind != TL_KEY)
				continue;
			if (strcmp(S->l[j].key, "a") == 0) {
				snprintf(c.a, sizeof(c.a), "%s", S->l[j].val);
				c.a_line = j + 1;
			} else if (strcmp(S->l[j].key, "b") == 0) {
				snprintf(c.b, sizeof(c.b), "%s", S->l[j].val);
				c.b_line = j + 1;
			}
		}
		node_part(c.a, node, sizeof(node));
		c.ha = host_of(S, node);
		node_part(c.b, node, sizeof(node));
		c.hb = host_of(S, node);
		S->sec[i].host = c.ha;
		if (c.ha < 0 || c.hb < 0 || c.ha == c.hb)
			continue;
		c.vni = fnv1a(c.a, c.b) & 0xffffff;
		do {
			taken = c.vni == 0;
			for (int k = 0; k < n && !taken; k++)
				taken = p[k].vni == c.vni;
			if (taken)
				c.vni = (c.vni + 1) & 0xffffff;
		} while (taken);
		c.k = n;
		p = xreallocarray(p, (size_t)n + 1, sizeof(*p));
		p[n++] = c;
	}
	for (int h = 0; h < S->full->nhosts && n > 0; h++)
		if (S->full->hosts[h].port + n - 1 > 65535)
			serr(S, S->full->hosts[h].line, "[host %s]: port %u leaves no room for the "
			     "%d tunnels (ports %u to %u)", S->full->hosts[h].name,
			     S->full->hosts[h].port, n, S->full->hosts[h].port,
			     S->full->hosts[h].port + n - 1);
	*out = p;
	return n;
}

/* The node a scenario step is about: the first word naming a node (an
 * expectation's left-hand side first), or NULL: every host runs it. */
static const char *step_node(struct split *S, const char *cmd, char *buf, size_t n)
{
	char words[SIM_MAX_LINE + 1], *save = NULL;
	bool first = true;

	snprintf(words, sizeof(words), "%s", cmd);
	for (char *w = strtok_r(words, " \t", &save); w != NULL; w = strtok_r(NULL, " \t", &save)) {
		if (first && strcmp(w, "echo") == 0)
			return NULL;
		node_part(w, buf, n);
		if (!first || cmd_usage(w) == NULL)
			if (host_of(S, buf) >= 0)
				return buf;
		first = false;
	}
	return NULL;
}

static void split_lines(struct split *S, int me, const struct crossing_plan *plan, int nplan,
			struct sim_crossing *cx)
{
	int k = 0;

	for (int i = 0; i < S->nsec; i++) {
		struct tsect *sc = &S->sec[i];
		bool drop = false;

		if (is_node_word(sc->word)) {
			drop = host_of(S, sc->name) != me;
		} else if (strcmp(sc->word, "link") == 0) {
			if (k < nplan && plan[k].sect == i) {
				if (plan[k].ha == me || plan[k].hb == me)
					cross(S, &plan[k], me, &cx[k]);
				else
					drop = true;
				k++;
			} else {
				drop = sc->host != me;
			}
		} else if (strcmp(sc->word, "scenario") == 0) {
			for (int j = sc->first + 1; j <= sc->last; j++) {
				char node[SIM_MAX_LINE + 1];
				const char *nd;

				if (S->l[j].kind != TL_KEY || strncmp(S->l[j].key, "at ", 3) != 0)
					continue;
				nd = step_node(S, S->l[j].val, node, sizeof(node));
				if (nd != NULL && host_of(S, nd) != me)
					comment_out(&S->l[j]);
			}
		}
		if (drop)
			for (int j = sc->first; j <= sc->last; j++)
				comment_out(&S->l[j]);
	}
}

static int split_begin(struct split *S, const struct sim *full, const char *text, size_t len,
		       FILE *errs, bool **link_line)
{
	*S = (struct split){ .full = full, .path = full->path, .errs = errs };
	strmap_init(&S->node_host);
	scan(S, text, len);
	*link_line = xcalloc((size_t)S->nl + 1, sizeof(bool));
	for (int i = 0; i < S->nsec; i++)
		if (strcmp(S->sec[i].word, "link") == 0)
			(*link_line)[S->sec[i].first] = true;
	place_nodes(S, *link_line);
	return S->nerr;
}

static void split_end(struct split *S, bool *link_line)
{
	for (int i = 0; i < S->nl; i++)
		free(S->l[i].out);
	free(S->l);
	free(S->sec);
	strmap_free(&S->node_host);
	free(link_line);
}

int hosts_split(const struct sim *full, const char *text, size_t len, const char *host,
		char **out, size_t *outlen, struct sim_crossing **cx, int *ncx, FILE *errs)
{
	struct split S;
	struct crossing_plan *plan = NULL;
	struct sim_crossing *all;
	bool *link_line;
	int me = sim_host_find(full, host), nplan, n = 0;
	FILE *o;

	*out = NULL;
	*cx = NULL;
	*ncx = 0;
	if (full->nhosts == 0) {
		fprintf(errs, "%s: --host %s: the topology has no [host] sections\n", full->path, host);
		return 1;
	}
	if (me < 0) {
		fprintf(errs, "%s: --host %s: no such host (the first is %s, line %d)\n", full->path,
			host, full->hosts[0].name, full->hosts[0].line);
		return 1;
	}
	if (split_begin(&S, full, text, len, errs, &link_line) > 0) {
		split_end(&S, link_line);
		return S.nerr;
	}
	nplan = plan_links(&S, &plan);
	if (S.nerr > 0) {
		free(plan);
		split_end(&S, link_line);
		return S.nerr;
	}
	all = xcalloc((size_t)nplan + 1, sizeof(*all));
	split_lines(&S, me, plan, nplan, all);
	o = open_memstream(out, outlen);
	for (int i = 0; i < S.nl; i++) {
		if (S.l[i].out != NULL)
			fprintf(o, "%s\n", S.l[i].out);
		else
			fprintf(o, "%.*s\n", (int)S.l[i].n, S.l[i].p);
	}
	for (int k = 0; k < nplan; k++) {
		struct in_addr la = { htonl(full->hosts[me].addr) }, ra;
		char ls[INET_ADDRSTRLEN], rs[INET_ADDRSTRLEN];

		if (all[k].netdev == NULL)
			continue;
		ra.s_addr = htonl(full->hosts[sim_host_find(full, all[k].to_host)].addr);
		inet_ntop(AF_INET, &la, ls, sizeof(ls));
		inet_ntop(AF_INET, &ra, rs, sizeof(rs));
		fprintf(o, "\n[netdev %s]\ntype = vxlan\nvni = %u\nlocal = %s:%u\nremote = %s:%u\n",
			all[k].netdev, all[k].vni, ls, all[k].lport, rs, all[k].rport);
		all[n++] = all[k];
	}
	fclose(o);
	*cx = all;
	*ncx = n;
	free(plan);
	split_end(&S, link_line);
	return 0;
}

int hosts_validate(const struct sim *full, const char *text, size_t len, FILE *errs)
{
	struct split S;
	bool *link_line;
	struct crossing_plan *plan = NULL;
	int nerr;

	if (full->nhosts == 0)
		return 0;
	nerr = split_begin(&S, full, text, len, errs, &link_line);
	if (nerr == 0) {
		plan_links(&S, &plan);
		nerr = S.nerr;
	}
	free(plan);
	split_end(&S, link_line);
	return nerr;
}

int hosts_print(const struct sim *full, const char *text, size_t len, FILE *out, FILE *errs)
{
	struct split S;
	struct crossing_plan *plan = NULL;
	bool *link_line;
	int nplan;

	if (full->nhosts == 0) {
		fprintf(errs, "%s: the topology has no [host] sections: it runs in one process\n",
			full->path);
		return 1;
	}
	if (split_begin(&S, full, text, len, errs, &link_line) > 0) {
		split_end(&S, link_line);
		return S.nerr;
	}
	nplan = plan_links(&S, &plan);
	for (int h = 0; h < full->nhosts; h++) {
		const struct sim_host *hs = &full->hosts[h];
		struct in_addr a = { htonl(hs->addr) };
		char as[INET_ADDRSTRLEN];
		int nodes = 0;

		for (int i = 0; i < full->g->nnodes; i++)
			nodes += host_of(&S, full->g->nodes[i]->name) == h;
		inet_ntop(AF_INET, &a, as, sizeof(as));
		fprintf(out, "# host %s (%s, line %d): %d node%s\n", hs->name, as, hs->line, nodes,
			nodes == 1 ? "" : "s");
		for (int k = 0; k < nplan; k++) {
			const struct crossing_plan *c = &plan[k];
			int other = c->ha == h ? c->hb : c->hb == h ? c->ha : -1;

			if (other < 0)
				continue;
			fprintf(out, "#   tunnel %d: %s -- %s (line %d): VNI %u, UDP %u to %s port %u\n",
				c->k, c->a, c->b, S.sec[c->sect].first + 1, c->vni, hs->port + c->k,
				full->hosts[other].name, full->hosts[other].port + c->k);
		}
		fprintf(out, "qnetsim --headless --host %s%s%s %s\n", hs->name,
			hs->monitor ? " --monitor " : "", hs->monitor ? hs->monitor : "", full->path);
	}
	free(plan);
	split_end(&S, link_line);
	return 0;
}

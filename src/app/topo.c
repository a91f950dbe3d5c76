/*
 * Topology loader: reads the INI file with inih and builds the graph.
 *
 * inih calls us once per key; it does not tell us where a section starts,
 * and a repeated [link] header looks the same as the one before. So we
 * feed inih through our own line reader, which sees every [header] first,
 * numbers the section instances, rejects over-long lines, and lets a
 * section with no keys still be validated.
 *
 * Loading has two passes. While parsing, sections create their nodes and
 * NICs (topo_sections.c) and keep what refers to other things (links,
 * static entries, IP addresses, scenario steps) with its line number.
 * Then topo_resolve() builds ports and links in a fixed order and checks
 * every reference, so each error names the line that caused it.
 */
#include "loader.h"
#include "hosts.h"
#include "map.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define TOPO_MAX_BYTES (256u << 20)   /* a file bigger than this is refused */

static void lmsg(struct loader *L, int line, const char *kind, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

static void lmsg(struct loader *L, int line, const char *kind, const char *fmt, va_list ap)
{
	fprintf(L->errs, "%s:%d: %s", L->path, line, kind);
	vfprintf(L->errs, fmt, ap);
	fputc('\n', L->errs);
}

void lerr(struct loader *L, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lmsg(L, line, "", fmt, ap);
	va_end(ap);
	L->nerrors++;
}

void lwarn(struct loader *L, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lmsg(L, line, "warning: ", fmt, ap);
	va_end(ap);
}

void report_err(void *arg, int line, const char *msg)
{
	lerr(arg, line, "%s", msg);
}

static struct sect *cur_sect(struct loader *L)
{
	return L->nsects > 0 ? &L->sects[L->nsects - 1] : NULL;
}

bool valid_name(const char *n)
{
	size_t len = strlen(n);

	if (len == 0 || len > SIM_MAX_NAME || !isalpha((unsigned char)n[0]))
		return false;
	for (const char *p = n; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			return false;
	return true;
}

struct node *find_node(struct loader *L, const char *name)
{
	return graph_find_node(L->s->g, name);
}

/* The array's room doubles when its count reaches a power of two (it
 * grew by one a time: 100,000 guests copied it 100,000 times). */
void push_node(void ***arr, int *n, void *item)
{
	if ((*n & (*n - 1)) == 0)
		*arr = xreallocarray(*arr, *n ? (size_t)*n * 2 : 1, sizeof(void *));
	(*arr)[(*n)++] = item;
}

/* The section before a header (or the last one, at the end) is complete. */
static void section_end(struct loader *L)
{
	struct sect *sc = cur_sect(L);

	if (sc != NULL && sc->kind != NULL && sc->kind->end != NULL)
		sc->kind->end(L, sc);
}

static const struct section_kind *section_kind(const char *word)
{
	for (size_t i = 0; i < topo_nsections; i++)
		if (strcmp(topo_sections[i].word, word) == 0)
			return &topo_sections[i];
	return NULL;
}

/* "guest, hub, ... or scenario": the words of the table. */
static void section_words(char *buf, size_t len)
{
	size_t off = 0;

	for (size_t i = 0; i < topo_nsections && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
					i == 0 ? "" : i + 1 == topo_nsections ? " or " : ", ",
					topo_sections[i].word);
}

/* What the table's flags ask of a header's name: false when reported. */
static bool header_name_ok(struct loader *L, const struct section_kind *k, const char *name,
			   int line)
{
	uint64_t num;
	struct node *dup;

	if (name != NULL && !k->free_name && !valid_name(name)) {
		lerr(L, line, "bad name '%s': use up to %d letters, digits, '_' or '-', "
			      "starting with a letter", name, SIM_MAX_NAME);
		return false;
	}
	if (!k->node)
		return true;
	/* vlanN is the hub of QEMU's vlan N, which NICs join by number. */
	if (!k->vlan_name_ok && strncmp(name, "vlan", 4) == 0 &&
	    parse_u64(name + 4, 0, 4095, &num, NULL) == 0) {
		lerr(L, line, "the name '%s' is QEMU's vlan %u hub; only a [hub] may take it", name,
		     (unsigned)num);
		return false;
	}
	if ((dup = find_node(L, name)) != NULL) {
		lerr(L, line, "duplicate name '%s' (already declared at line %d)", name, dup->line);
		return false;
	}
	return true;
}

/* Handles a "[kind name]" header seen by the reader. */
static void section_header(struct loader *L, char *text, int line)
{
	const struct section_kind *k = NULL;
	char *words[4], known[128];
	int nw;
	struct sect sc = { .line = line, .idx = -1 };
	char *close = strchr(text, ']');

	section_end(L);
	L->nkeys = 0;
	if (close == NULL)
		goto push;      /* inih reports this one itself */
	*close = '\0';
	nw = split_words(text + 1, words, 4);
	if (nw < 1) {
		lerr(L, line, "empty section header");
		goto push;
	}
	k = section_kind(words[0]);
	if (k == NULL) {
		section_words(known, sizeof(known));
		lerr(L, line, "unknown section [%s] (expected %s)", words[0], known);
		goto push;
	}
	if (k->named && nw != 2) {
		lerr(L, line, "[%s] needs a name: [%s NAME]", words[0], words[0]);
		k = NULL;
		goto push;
	}
	if (!k->named && nw > 2) {
		lerr(L, line, "[%s] takes at most one name", words[0]);
		k = NULL;
		goto push;
	}
	if (nw == 2)
		sc.name = xstrdup(words[1]);
	if (!header_name_ok(L, k, sc.name, line)) {
		k = NULL;
		goto push;
	}
	sc.kind = k;
	k->create(L, &sc);
push:
	sc.kind = k;
	if (L->nsects == L->sectcap) {
		L->sectcap = L->sectcap ? L->sectcap * 2 : 16;
		L->sects = xreallocarray(L->sects, (size_t)L->sectcap, sizeof(*L->sects));
	}
	L->sects[L->nsects++] = sc;
}

/* inih's line source. It hands inih one line at a time from the file read
 * whole, so it can split on LF, CRLF or a lone CR (old Mac files), and sees
 * each line first: it rejects over-long lines, NUL bytes and lines inih
 * would only call a syntax error (inih returns just the first of those), so
 * every bad line gets its own file:line. A rejected line reaches inih as a
 * comment. */
static char *reader(char *buf, int num, void *arg)
{
	struct loader *L = arg;
	const char *line = L->text + L->pos, *end;
	size_t n = 0, next, rest = L->textlen - L->pos;
	char *p;

	if (L->pos >= L->textlen)
		return NULL;
	/* The line ends at the first LF or CR. memchr scans many bytes at
	 * once (a topology of 100,000 guests has half a million lines), but
	 * only as far as a line may go: CR-only files have no LF to find. */
	end = memchr(line, '\n', MIN(rest, (size_t)SIM_MAX_LINE + 1));
	if (end != NULL) {
		n = (size_t)(end - line);
		if ((end = memchr(line, '\r', n)) != NULL)
			n = (size_t)(end - line);
	} else {
		while (n < rest && line[n] != '\n' && line[n] != '\r')
			n++;
	}
	next = L->pos + n;
	if (next < L->textlen)
		next += line[n] == '\r' && next + 1 < L->textlen && line[n + 1] == '\n' ? 2 : 1;
	L->pos = next;
	L->lineno++;
	if (n > SIM_MAX_LINE || n + 2 > (size_t)num) {
		lerr(L, L->lineno, "line is too long (%zu characters; at most %d)", n, SIM_MAX_LINE);
		goto comment;
	}
	if (memchr(line, '\0', n) != NULL) {
		lerr(L, L->lineno, "a NUL byte at column %zu: a topology is text",
		     (size_t)((const char *)memchr(line, '\0', n) - line) + 1);
		goto comment;
	}
	memcpy(buf, line, n);
	buf[n] = '\n';
	buf[n + 1] = '\0';
	p = buf;
	if (L->lineno == 1 && n >= 3 && (unsigned char)p[0] == 0xef &&
	    (unsigned char)p[1] == 0xbb && (unsigned char)p[2] == 0xbf)
		p += 3;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0' || *p == ';' || *p == '#')
		return buf;
	if (*p == '[') {
		char hdr[SIM_MAX_LINE + 2];
		char *semi;
		size_t hl = strlen(p);

		if (strchr(p, ']') == NULL) {
			lerr(L, L->lineno, "syntax error: a section header needs its ']'");
			goto comment;
		}
		/* The line and its '\n' fit: n <= SIM_MAX_LINE. */
		hl = MIN(hl, sizeof(hdr) - 1);
		memcpy(hdr, p, hl);
		hdr[hl] = '\0';
		/* Drop an inline comment after the header. */
		if ((semi = strstr(hdr, " ;")) != NULL)
			*semi = '\0';
		section_header(L, hdr, L->lineno);
		return buf;
	}
	if (strpbrk(p, "=:") == NULL) {
		lerr(L, L->lineno, "syntax error: expected [section], key = value, or a comment");
		goto comment;
	}
	return buf;
comment:
	snprintf(buf, (size_t)num, ";\n");
	return buf;
}

/* ---- keys ----------------------------------------------------------------- */

/* One spelling per key, so "gw" then "gateway" is a key given twice. */
static const char *key_canonical(const char *k)
{
	if (strcmp(k, "gateway") == 0)
		return "gw";
	if (strcmp(k, "ageing_time") == 0 || strcmp(k, "aging") == 0)
		return "ageing";
	if (strcmp(k, "name") == 0)
		return "id";
	return k;
}

/* A 100,000-section topology gives a handful of key names 200,000 times:
 * one copy each. */
static const char *intern_key(struct loader *L, const char *k)
{
	char *copy = strmap_get(&L->key_names, k);

	if (copy == NULL) {
		copy = xstrdup(k);
		strmap_put(&L->key_names, copy, copy);
	}
	return copy;
}

/* Reports a key the section already has; true if it was given before. */
static bool key_given_twice(struct loader *L, struct sect *sc, const char *k, int line)
{
	const char *c;

	if (sc->kind == NULL || (sc->kind->repeats != NULL && sc->kind->repeats(k)))
		return false;
	/* Interned: one string per key, compared by address (a bridge of
	 * 100 ports has 100 keys to compare each new one with). */
	c = intern_key(L, key_canonical(k));
	for (int i = 0; i < L->nkeys; i++) {
		if (L->keys[i].key == c) {
			lerr(L, line, "%s: given twice (first at line %d); give each key once", k,
			     L->keys[i].line);
			return true;
		}
	}
	VEC_RESERVE(L->keys, L->nkeys, L->keycap);
	L->keys[L->nkeys++] = (struct seen_key){ .key = c, .line = line };
	return false;
}

/* pos = COLUMN,ROW in a node's section: where the map draws it (map.h). */
static void node_pos(struct loader *L, struct sect *sc, const char *v, int line)
{
	struct sim *s = L->s;
	uint64_t col, row;
	const char *comma = strchr(v, ',');
	char a[16];

	if (comma == NULL || comma - v >= (long)sizeof(a)) {
		lerr(L, line, "pos: '%s' is not COLUMN,ROW (e.g. pos = 2,1)", v);
		return;
	}
	snprintf(a, sizeof(a), "%.*s", (int)(comma - v), v);
	if (parse_u64(a, 0, MAP_PIN_MAX, &col, NULL) < 0 ||
	    parse_u64(comma + 1, 0, MAP_PIN_MAX, &row, NULL) < 0) {
		lerr(L, line, "pos: '%s' is not COLUMN,ROW with each 0..%d", v, MAP_PIN_MAX);
		return;
	}
	for (int i = 0; i < s->npins; i++) {
		if (strcmp(s->pins[i].name, sc->name) == 0) {
			lerr(L, line, "pos: given twice for %s", sc->name);
			return;
		}
	}
	s->pins = xreallocarray(s->pins, (size_t)s->npins + 1, sizeof(*s->pins));
	s->pins[s->npins++] = (struct map_pin){ xstrdup(sc->name), (int)col, (int)row };
}

static int handler(void *user, const char *section, const char *name, const char *value,
		   int line)
{
	struct loader *L = user;
	struct sect *sc = cur_sect(L);

	(void)section;
	if (value == NULL)
		value = "";
	if (sc == NULL) {
		lerr(L, line, "'%s' is outside any section", name);
		return 1;
	}
	if (sc->kind != NULL && sc->kind->node && strcmp(name, "pos") == 0) {
		node_pos(L, sc, value, line);
		return 1;
	}
	if (key_given_twice(L, sc, name, line))
		return 1;
	/* A netdev's host = is its back-end's when it has one (QEMU's user
	 * NAT address): netdev_end sorts it out, once the type is known. */
	if (sc->kind != NULL && sc->kind->node && strcmp(name, "host") == 0 &&
	    strcmp(sc->kind->word, "netdev") != 0) {
		host_place(L, sc, value, line);
		return 1;
	}
	if (sc->kind != NULL)   /* else the header was already reported */
		sc->kind->key(L, sc, name, value, line);
	return 1;
}

static void loader_free(struct loader *L)
{
	for (int i = 0; i < L->nsects; i++) {
		free(L->sects[i].name);
	}
	free(L->sects);
	free(L->keys);
	for (uint32_t i = 0; i <= L->key_names.mask; i++)
		free(L->key_names.vals[i]);
	strmap_free(&L->key_names);
	for (int i = 0; i < L->nlinks; i++) {
		free(L->links[i].a);
		free(L->links[i].b);
		free(L->links[i].im);
	}
	free(L->links);
	for (int i = 0; i < L->nips; i++)
		free(L->ips[i].nic);
	free(L->ips);
	for (int i = 0; i < L->nstatics; i++)
		free(L->statics[i].port);
	free(L->statics);
	for (int i = 0; i < L->nnetdevs; i++) {
		for (int j = 0; j < L->netdevs[i].nopts; j++) {
			free((char *)L->netdevs[i].opts[j].key);
			free((char *)L->netdevs[i].opts[j].val);
		}
		free(L->netdevs[i].opts);
		free(L->netdevs[i].type);
		free(L->netdevs[i].name);
	}
	free(L->netdevs);
	for (int i = 0; i < L->nnicnets; i++)
		free(L->nicnets[i].netdev);
	free(L->nicnets);
}

/* Reads the whole file; NULL with errno set, or EFBIG past TOPO_MAX_BYTES. */
char *topo_read(FILE *f, size_t *len)
{
	size_t cap = 65536, n = 0, got;
	char *buf = xmalloc(cap);

	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			if (cap >= TOPO_MAX_BYTES) {
				free(buf);
				errno = EFBIG;
				return NULL;
			}
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
	}
	if (ferror(f)) {
		free(buf);
		errno = EIO;
		return NULL;
	}
	*len = n;
	return buf;
}

int topo_load(struct sim *s, const char *path, FILE *errs)
{
	FILE *f;
	char *text;
	size_t len;
	int rc;

	f = fopen(path, "r");
	if (f == NULL) {
		fprintf(errs, "%s: cannot open: %s\n", path, strerror(errno));
		return 1;
	}
	text = topo_read(f, &len);
	fclose(f);
	if (text == NULL) {
		if (errno == EFBIG)
			fprintf(errs, "%s: too big: a topology file is at most %u MiB\n", path,
				TOPO_MAX_BYTES >> 20);
		else
			fprintf(errs, "%s: cannot read: %s\n", path, strerror(errno));
		return 1;
	}
	rc = topo_load_text(s, path, text, len, errs);
	free(text);
	return rc;
}

int topo_load_text(struct sim *s, const char *path, const char *text, size_t len, FILE *errs)
{
	struct loader L = { .s = s, .path = path, .errs = errs, .text = text, .textlen = len };
	int rc;

	if (len > TOPO_MAX_BYTES) {
		fprintf(errs, "%s: too big: a topology is at most %u MiB\n", path, TOPO_MAX_BYTES >> 20);
		return 1;
	}
	s->path = xstrdup(path);
	s->g->source = s->path;
	strmap_init(&L.key_names);
	/* Debian's libinih exposes its options as globals (reference §4). */
	ini_allow_multiline = false;
	ini_use_stack = false;
	ini_allow_realloc = false;
	ini_max_line = SIM_MAX_LINE + 8;
	ini_initial_alloc = SIM_MAX_LINE + 8;
	ini_stop_on_first_error = false;
	rc = ini_parse_stream(reader, &L, handler, &L);
	section_end(&L);
	if (rc > 0) {
		/* The reader turns every line inih would refuse into a comment
		 * and reports it; this is a line it did not foresee. */
		lerr(&L, rc, "syntax error: expected [section], key = value, or a comment");
	} else if (rc == -2) {
		fatal("out of memory parsing %s", path);
	}
	if (L.help_printed) {
		loader_free(&L);
		return -1;
	}
	if (L.nerrors == 0 && s->nguests + s->nhubs + s->nbridges + s->nnetdevs == 0)
		lerr(&L, 1, "%s: no [guest], [hub], [bridge] or [netdev] section, so nothing to "
			    "simulate (see docs/topology.md)",
		     L.textlen == 0 ? "the file is empty" : "the file declares no node");
	/* Every pass runs, so every error is reported at once; resolve() and
	 * the scenario check only act on what the first pass accepted. */
	topo_resolve(&L);
	topo_check_scenario(&L);
	loader_free(&L);
	return L.nerrors;
}

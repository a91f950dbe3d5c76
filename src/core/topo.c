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
 * NICs and keep what refers to other things (links, static entries, IP
 * addresses, scenario steps) with its line number. Then resolve() builds
 * ports and links in a fixed order and checks every reference, so each
 * error names the line that caused it.
 */
#include "sim.h"
#include "util.h"
#include "../backends/netdev.h"
#include "../guest/kernel.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KV 32
#define TOPO_MAX_BYTES (256u << 20)   /* a file bigger than this is refused */
#define TOPO_MAX_NICS 1000000          /* NICs in one topology (docs/topology.md) */

enum sect_kind { SECT_NONE, SECT_GUEST, SECT_HUB, SECT_BRIDGE, SECT_NETDEV, SECT_LINK, SECT_SCENARIO,
		 SECT_BAD };

struct seen_key {
	char *key;
	int line;
};

struct sect {
	enum sect_kind kind;
	char *name;
	int line;
	struct node *node;
	int link;               /* index into links for SECT_LINK */
	int netdev;             /* index into netdevs for SECT_NETDEV */
	struct seen_key *keys;  /* keys given so far, for "given twice" */
	int nkeys;
};

/* A netdev is made when its section ends, with the state its type needs;
 * until then its keys are kept here. */
struct netdev_decl {
	struct netdev *nd;
	char *name;
	int line;
	int vlan;               /* -1: none */
	char *type;
	int type_line;
	int vlan_line;
	struct netdev_opt *opts;    /* keys and values owned here */
	int nopts;
};

struct nic_netdev_decl {
	struct nic *nic;
	char *netdev;
	int line;
};

struct link_decl {
	int line;
	char *a, *b;
	int a_line, b_line;
	uint64_t rate;
	struct impair im[2];    /* [0]: frames from a to b, [1]: from b to a */
	bool down;
};

struct ip_decl {
	struct guest *gu;
	char *nic;              /* index or id */
	uint32_t ip;
	int prefix;
	bool dhcp;              /* ip = dhcp */
	int line;
};

struct static_decl {
	struct bridge *b;
	uint8_t mac[6];
	char *port;
	uint16_t vid;
	int line;
};

struct loader {
	struct sim *s;
	const char *path;
	FILE *errs;
	int nerrors;
	const char *text;       /* the whole file */
	size_t textlen, pos;
	int lineno;             /* lines the reader handed out */
	struct sect *sects;
	int nsects, sectcap;
	struct link_decl *links;
	int nlinks;
	struct ip_decl *ips;
	int nips;
	struct static_decl *statics;
	int nstatics;
	struct netdev_decl *netdevs;
	int nnetdevs;
	struct nic_netdev_decl *nicnets;
	int nnicnets;
	int nnics;              /* nic = lines so far */
	bool help_printed;
	bool scenario_seen;
};

static void lerr(struct loader *L, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void lmsg(struct loader *L, int line, const char *kind, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

static void lmsg(struct loader *L, int line, const char *kind, const char *fmt, va_list ap)
{
	fprintf(L->errs, "%s:%d: %s", L->path, line, kind);
	vfprintf(L->errs, fmt, ap);
	fputc('\n', L->errs);
}

static void lerr(struct loader *L, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lmsg(L, line, "", fmt, ap);
	va_end(ap);
	L->nerrors++;
}

/* A warning: "file:line: warning: ...", and the run goes on. */
static void lwarn(struct loader *L, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void lwarn(struct loader *L, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lmsg(L, line, "warning: ", fmt, ap);
	va_end(ap);
}

/* lerr for a callback that already has the message. */
static void report_err(void *arg, int line, const char *msg)
{
	lerr(arg, line, "%s", msg);
}

static struct sect *cur_sect(struct loader *L)
{
	return L->nsects > 0 ? &L->sects[L->nsects - 1] : NULL;
}

static bool valid_name(const char *n)
{
	size_t len = strlen(n);

	if (len == 0 || len > SIM_MAX_NAME || !isalpha((unsigned char)n[0]))
		return false;
	for (const char *p = n; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			return false;
	return true;
}

static struct node *find_node(struct loader *L, const char *name)
{
	return graph_find_node(L->s->g, name);
}

static void push_node(void ***arr, int *n, void *item)
{
	*arr = xreallocarray(*arr, (size_t)*n + 1, sizeof(void *));
	(*arr)[(*n)++] = item;
}

/* The section before a header (or the last one, at the end) is complete:
 * a netdev is made now, with its type's state, in the order the sections
 * came. */
static void section_end(struct loader *L)
{
	struct sect *sc = cur_sect(L);
	struct netdev_decl *d;

	if (sc == NULL || sc->kind != SECT_NETDEV || L->netdevs[sc->netdev].nd != NULL)
		return;
	d = &L->netdevs[sc->netdev];
	d->nd = netdev_new(L->s->g, d->type != NULL ? backend_find(d->type) : NULL, d->name,
			   d->line);
	d->nd->vlan = d->vlan;
}

/* Handles a "[kind name]" header seen by the reader. */
static void section_header(struct loader *L, char *text, int line)
{
	static const struct {
		const char *word;
		enum sect_kind kind;
		bool named;     /* needs a name */
	} kinds[] = {
		{ "guest", SECT_GUEST, true }, { "hub", SECT_HUB, true },
		{ "bridge", SECT_BRIDGE, true }, { "netdev", SECT_NETDEV, true },
		{ "link", SECT_LINK, false },
		{ "scenario", SECT_SCENARIO, false },
	};
	char *words[4];
	int nw;
	struct sect sc = { .kind = SECT_BAD, .line = line, .link = -1, .netdev = -1 };
	char *close = strchr(text, ']');

	section_end(L);
	if (close == NULL) {
		/* inih reports this one itself. */
		goto push;
	}
	*close = '\0';
	nw = split_words(text + 1, words, 4);
	if (nw < 1) {
		lerr(L, line, "empty section header");
		goto push;
	}
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		if (strcmp(words[0], kinds[i].word) != 0)
			continue;
		if (kinds[i].named && nw != 2) {
			lerr(L, line, "[%s] needs a name: [%s NAME]", words[0], words[0]);
			goto push;
		}
		if (!kinds[i].named && nw > 2) {
			lerr(L, line, "[%s] takes at most one name", words[0]);
			goto push;
		}
		sc.kind = kinds[i].kind;
		if (nw == 2)
			sc.name = xstrdup(words[1]);
		break;
	}
	if (sc.kind == SECT_BAD) {
		lerr(L, line, "unknown section [%s] (expected guest, hub, bridge, netdev, link or "
			      "scenario)",
		     words[0]);
		goto push;
	}
	if (sc.name != NULL && sc.kind != SECT_LINK && !valid_name(sc.name)) {
		lerr(L, line, "bad name '%s': use up to %d letters, digits, '_' or '-', "
			      "starting with a letter", sc.name, SIM_MAX_NAME);
		sc.kind = SECT_BAD;
		goto push;
	}
	if (sc.kind == SECT_SCENARIO) {
		if (L->scenario_seen)
			lerr(L, line, "a second [scenario] section; put every step in one");
		L->scenario_seen = true;
	}
	if (sc.kind == SECT_GUEST || sc.kind == SECT_BRIDGE || sc.kind == SECT_NETDEV) {
		uint64_t num;

		/* vlanN is the hub of QEMU's vlan N, which NICs join by number. */
		if (strncmp(sc.name, "vlan", 4) == 0 &&
		    parse_u64(sc.name + 4, 0, 4095, &num, NULL) == 0) {
			lerr(L, line, "the name '%s' is QEMU's vlan %u hub; only a [hub] may "
				      "take it", sc.name, (unsigned)num);
			sc.kind = SECT_BAD;
			goto push;
		}
	}
	if (sc.kind == SECT_GUEST || sc.kind == SECT_HUB || sc.kind == SECT_BRIDGE ||
	    sc.kind == SECT_NETDEV) {
		struct node *dup = find_node(L, sc.name);

		if (dup != NULL) {
			lerr(L, line, "duplicate name '%s' (already declared at line %d)", sc.name,
			     dup->line);
			sc.kind = SECT_BAD;
			goto push;
		}
		if (sc.kind == SECT_GUEST) {
			struct guest *gu = guest_new(L->s->g, sc.name, line);

			push_node((void ***)&L->s->guests, &L->s->nguests, gu);
			sc.node = &gu->node;
		} else if (sc.kind == SECT_HUB) {
			int vlan = -1;

			uint64_t num;

			/* [hub vlanN] is QEMU's vlan N (0..4095); vlan99999 is a name. */
			if (strncmp(sc.name, "vlan", 4) == 0 &&
			    parse_u64(sc.name + 4, 0, 4095, &num, NULL) == 0)
				vlan = (int)num;
			struct hub *h = hub_new(L->s->g, sc.name, vlan, line);

			push_node((void ***)&L->s->hubs, &L->s->nhubs, h);
			sc.node = &h->node;
		} else if (sc.kind == SECT_NETDEV) {
			L->netdevs = xreallocarray(L->netdevs, (size_t)L->nnetdevs + 1,
						   sizeof(*L->netdevs));
			L->netdevs[L->nnetdevs] = (struct netdev_decl){
				.name = xstrdup(sc.name), .line = line, .vlan = -1 };
			sc.netdev = L->nnetdevs++;
		} else {
			struct bridge *b = bridge_new(L->s->g, sc.name, FDB_DEFAULT_MAX,
						      FDB_DEFAULT_AGEING, line);

			push_node((void ***)&L->s->bridges, &L->s->nbridges, b);
			sc.node = &b->node;
		}
	}
	if (sc.kind == SECT_LINK) {
		L->links = xreallocarray(L->links, (size_t)L->nlinks + 1, sizeof(*L->links));
		L->links[L->nlinks] = (struct link_decl){ .line = line };
		sc.link = L->nlinks++;
	}
push:
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
	const char *line = L->text + L->pos;
	size_t n = 0, next;
	char *p;

	if (L->pos >= L->textlen)
		return NULL;
	while (L->pos + n < L->textlen && line[n] != '\n' && line[n] != '\r')
		n++;
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

		if (strchr(p, ']') == NULL) {
			lerr(L, L->lineno, "syntax error: a section header needs its ']'");
			goto comment;
		}
		snprintf(hdr, sizeof(hdr), "%s", p);
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

/* ---- per-section keys ----------------------------------------------------- */

static int parse_nic(struct loader *L, struct guest *gu, const char *value, int line)
{
	char *copy = xstrdup(value), *v = copy;
	struct kv kv[MAX_KV];
	char err[ERRLEN];
	int n;
	const struct nic_model *model = nic_model_default();
	struct nic *nic;
	int rc = -1;

	if (++L->nnics > TOPO_MAX_NICS) {
		lerr(L, line, "nic: this is NIC %d of the topology; qnetsim takes at most %d",
		     L->nnics, TOPO_MAX_NICS);
		free(copy);
		return -1;
	}
	/* Accept a pasted "-net nic,..." or "nic,..." argument. */
	while (isspace((unsigned char)*v))
		v++;
	if (strncmp(v, "-net ", 5) == 0 || strncmp(v, "-nic ", 5) == 0)
		v += 5;
	while (isspace((unsigned char)*v))
		v++;
	n = kv_split(v, kv, MAX_KV, err);
	if (n < 0) {
		lerr(L, line, "nic: %s", err);
		goto out;
	}
	/* The model first, so the NIC gets it from the start. */
	for (int i = 0; i < n; i++) {
		if (strcmp(kv[i].key, "model") == 0 && kv[i].val != NULL) {
			if (strcmp(kv[i].val, "help") == 0 || strcmp(kv[i].val, "?") == 0) {
				nic_model_help(stdout);
				L->help_printed = true;
				goto out;
			}
			model = nic_model_find(kv[i].val);
			if (model == NULL) {
				lerr(L, line, "nic: unknown model '%s' (model=help lists them)",
				     kv[i].val);
				goto out;
			}
		}
	}
	nic = guest_add_nic(gu, model, line);
	if (nic == NULL) {
		lerr(L, line, "nic: guest '%s' already has %d NICs, the most it can have",
		     gu->node.name, GUEST_MAX_NICS);
		goto out;
	}
	nic->mac_auto = true;
	for (int i = 0; i < n; i++) {
		const char *k = kv[i].key, *val = kv[i].val;
		uint64_t num;

		if (i == 0 && val == NULL && (strcmp(k, "nic") == 0))
			continue;
		if (val == NULL) {
			lerr(L, line, "nic: '%s' needs a value (%s=...)", k, k);
			goto out;
		}
		if (strcmp(k, "model") == 0) {
			continue;
		} else if (strcmp(k, "macaddr") == 0 || strcmp(k, "mac") == 0) {
			if (parse_mac(val, nic->mac) < 0) {
				lerr(L, line, "nic: macaddr '%s' is not a MAC address "
					      "(like 52:54:00:12:34:56)", val);
				goto out;
			}
			if (mac_is_multicast(nic->mac) || mac_is_zero(nic->mac)) {
				lerr(L, line, "nic: macaddr %s is a %s address; a NIC needs a unicast one",
				     val, mac_is_zero(nic->mac) ? "zero" : "multicast");
				goto out;
			}
			nic->mac_auto = false;
		} else if (strcmp(k, "vlan") == 0) {
			if (parse_u64(val, 0, 4095, &num, err) < 0) {
				lerr(L, line, "nic: vlan: %s", err);
				goto out;
			}
			nic->vlan = (int)num;
		} else if (strcmp(k, "id") == 0 || strcmp(k, "name") == 0) {
			if (!valid_name(val)) {
				lerr(L, line, "nic: %s '%s' is not a valid name", k, val);
				goto out;
			}
			if (guest_find_nic(gu, val) != NULL) {
				lerr(L, line, "nic: duplicate NIC id '%s' in guest '%s'", val,
				     gu->node.name);
				goto out;
			}
			free(nic->id);
			nic->id = xstrdup(val);
		} else if (strcmp(k, "addr") == 0) {
			/* PCI address, hex "slot[.func]" as QEMU reads it: accepted so
			 * pasted QEMU lines load; there is no PCI bus to simulate. */
			char *end;
			unsigned long slot = strtoul(val, &end, 16), fn = 0;

			if (*end == '.')
				fn = strtoul(end + 1, &end, 16);
			if (!isxdigit((unsigned char)val[0]) || *end != '\0' || slot > 0x1f || fn > 7) {
				lerr(L, line, "nic: addr: '%s' is not a PCI address (slot[.function] in "
					      "hex, slot 00..1f)", val);
				goto out;
			}
		} else if (strcmp(k, "vectors") == 0) {
			if (parse_u64(val, 0, 2048, &num, err) < 0) {
				lerr(L, line, "nic: vectors: %s", err);
				goto out;
			}
		} else if (strcmp(k, "netdev") == 0) {
			L->nicnets = xreallocarray(L->nicnets, (size_t)L->nnicnets + 1,
						   sizeof(*L->nicnets));
			L->nicnets[L->nnicnets++] = (struct nic_netdev_decl){
				.nic = nic, .netdev = xstrdup(val), .line = line };
		} else {
			lerr(L, line, "nic: unknown option '%s' (known: model, macaddr, vlan, netdev, "
				      "id, name, addr, vectors)", k);
			goto out;
		}
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

static void guest_key(struct loader *L, struct guest *gu, const char *k, const char *v, int line)
{
	char err[ERRLEN];

	if (strcmp(k, "nic") == 0) {
		parse_nic(L, gu, v, line);
	} else if (strcmp(k, "ip") == 0 || strncmp(k, "ip.", 3) == 0) {
		struct ip_decl d = { .gu = gu, .line = line };

		if (strcmp(v, "dhcp") == 0) {
			d.dhcp = true;
		} else if (parse_ipv4_prefix(v, &d.ip, &d.prefix) < 0) {
			lerr(L, line, "%s: '%s' is not an address with a prefix (like 10.0.0.1/24) "
				      "or dhcp", k, v);
			return;
		}
		if (!d.dhcp && (d.prefix == 0 || d.prefix > 30 || d.ip == 0)) {
			lerr(L, line, "%s: prefix /%d is out of range (1..30)", k, d.prefix);
			return;
		}
		d.nic = xstrdup(k[2] == '.' ? k + 3 : "0");
		L->ips = xreallocarray(L->ips, (size_t)L->nips + 1, sizeof(*L->ips));
		L->ips[L->nips++] = d;
	} else if (strcmp(k, "gw") == 0 || strcmp(k, "gateway") == 0) {
		if (parse_ipv4(v, &gu->gateway) < 0 || gu->gateway == 0)
			lerr(L, line, "%s: '%s' is not an IPv4 address", k, v);
		gu->gateway_static = true;
	} else if (strcmp(k, "dns") == 0) {
		if (parse_ipv4(v, &gu->dns) < 0 || gu->dns == 0)
			lerr(L, line, "dns: '%s' is not an IPv4 address", v);
	} else if (strcmp(k, "kind") == 0) {
		if (strcmp(v, "netns") == 0) {
			if (gu->kern == NULL)
				gu->kern = kguest_new(gu);
		} else if (strcmp(v, "sim") != 0) {
			lerr(L, line, "kind: '%s' is not a guest kind (sim: qnetsim's own stack; "
				      "netns: the Linux kernel's, in a network namespace)", v);
		}
	} else if (strcmp(k, "exec") == 0 || strcmp(k, "exec_timeout") == 0) {
		if (gu->kern == NULL)
			lerr(L, line, "%s: only netns guests run commands; put kind = netns before "
				      "it", k);
		else if (kguest_key(gu->kern, k, v, err) < 0)
			lerr(L, line, "%s", err);
	} else if (strcmp(k, "arp_timeout") == 0) {
		if (parse_duration(v, &gu->arp_timeout, err) < 0)
			lerr(L, line, "arp_timeout: %s", err);
		else if (gu->arp_timeout < NS_PER_SEC)
			lerr(L, line, "arp_timeout: %s is too short (at least 1s)", v);
	} else {
		lerr(L, line, "[guest %s] unknown key '%s' (known: nic, ip, ip.N, gw, dns, "
			      "arp_timeout, kind, exec, exec_timeout)",
		     gu->node.name, k);
	}
}

static void speed_key(struct loader *L, uint64_t *speed, const char *v, int line)
{
	char err[ERRLEN];

	if (parse_rate(v, speed, err) < 0)
		lerr(L, line, "speed: %s", err);
	else if (*speed < 1000)
		lerr(L, line, "speed: %s is too slow (at least 1k)", v);
}

/* vde* keys of hubs and bridges: 1 taken (or wrong, reported), 0 not ours. */
static int vde_key(struct loader *L, struct node *n, const char *k, const char *v, int line)
{
	char err[ERRLEN];
	int rc = backend_node_key(n, k, v, line, err);

	if (rc < 0)
		lerr(L, line, "%s", err);
	return rc != 0;
}

static void bridge_key(struct loader *L, struct bridge *b, const char *k, const char *v, int line)
{
	char err[ERRLEN] = "";
	uint64_t num;

	if (strcmp(k, "ageing") == 0 || strcmp(k, "ageing_time") == 0 || strcmp(k, "aging") == 0) {
		if (parse_duration(v, &num, err) < 0)
			lerr(L, line, "%s: %s", k, err);
		else if (num > 1000000ULL * NS_PER_SEC)
			lerr(L, line, "%s: %s is out of range (0..1000000s)", k, v);
		else
			fdb_set_ageing(b->fdb, num);
	} else if (strcmp(k, "max_entries") == 0) {
		if (parse_u64(v, 1, FDB_MAX_ENTRIES_LIMIT, &num, err) < 0) {
			lerr(L, line, "max_entries: %s", err);
		} else {
			uint64_t ageing = fdb_ageing(b->fdb);

			fdb_free(b->fdb);
			b->fdb = fdb_new((uint32_t)num, ageing);
		}
	} else if (strcmp(k, "speed") == 0) {
		speed_key(L, &b->speed, v, line);
	} else if (strcmp(k, "static") == 0) {
		char *copy = xstrdup(v);
		struct kv kv[MAX_KV];
		struct static_decl d = { .b = b, .line = line, .vid = BRIDGE_DEFAULT_VLAN };
		int n = kv_split(copy, kv, MAX_KV, err);
		bool have_mac = false;

		for (int i = 0; n > 0 && i < n; i++) {
			if (kv[i].val == NULL && i == 0) {
				if (parse_mac(kv[i].key, d.mac) < 0) {
					lerr(L, line, "static: '%s' is not a MAC address", kv[i].key);
					goto bad;
				}
				have_mac = true;
			} else if (kv[i].val != NULL && strcmp(kv[i].key, "port") == 0) {
				free(d.port);
				d.port = xstrdup(kv[i].val);
			} else if (kv[i].val != NULL && strcmp(kv[i].key, "vlan") == 0) {
				if (parse_u64(kv[i].val, 1, 4094, &num, err) < 0) {
					lerr(L, line, "static: vlan: %s", err);
					goto bad;
				}
				d.vid = (uint16_t)num;
			} else {
				lerr(L, line, "static: unknown option '%s' (MAC,port=P[,vlan=N])",
				     kv[i].key);
				goto bad;
			}
		}
		if (!have_mac || d.port == NULL) {
			lerr(L, line, "static: needs MAC,port=PORT[,vlan=N]");
			goto bad;
		}
		if (mac_is_multicast(d.mac) || mac_is_zero(d.mac)) {
			lerr(L, line, "static: %s is not a unicast MAC", kv[0].key);
			goto bad;
		}
		L->statics = xreallocarray(L->statics, (size_t)L->nstatics + 1, sizeof(*L->statics));
		L->statics[L->nstatics++] = d;
		free(copy);
		return;
bad:
		free(d.port);
		free(copy);
	} else if (stp_bridge_key(b, k, v, line, err) != 0) {
		if (err[0] != '\0')
			lerr(L, line, "%s: %s", k, err);
	} else if (strncmp(k, "port.", 5) == 0) {
		const char *dot = strchr(k + 5, '.');
		char pnum[24];
		uint64_t pn;

		/* The number whole, into its real type: port.4294967297 is not
		 * port 1. */
		if (dot == NULL || dot == k + 5 || dot[1] == '\0' ||
		    (size_t)(dot - (k + 5)) >= sizeof(pnum)) {
			lerr(L, line, "'%s': port keys are port.N.KEY (port.2.access = 10)", k);
		} else {
			memcpy(pnum, k + 5, (size_t)(dot - (k + 5)));
			pnum[dot - (k + 5)] = '\0';
			if (parse_u64(pnum, 1, 4096, &pn, err) < 0)
				lerr(L, line, "%s: port number %s", k, err);
			else if (bridge_port_key(b, (int)pn, dot + 1, v, line, err) < 0)
				lerr(L, line, "%s: %s", k, err);
		}
	} else if (vde_key(L, &b->node, k, v, line) == 0) {
		lerr(L, line, "[bridge %s] unknown key '%s' (known: ageing, max_entries, speed, "
			      "static, stp, priority, hello_time, max_age, forward_delay, bridge_mac, "
			      "port.N.access, port.N.trunk, port.N.native, port.N.cost, "
			      "port.N.priority, vde, vde_mode, vde_group, vde_ports, vde_queue)",
		     b->node.name, k);
	}
}

static void link_key(struct loader *L, struct link_decl *d, const char *k, const char *v, int line)
{
	char err[ERRLEN];

	if (strcmp(k, "a") == 0 || strcmp(k, "b") == 0) {
		char **slot = k[0] == 'a' ? &d->a : &d->b;

		*slot = xstrdup(v);
		if (k[0] == 'a')
			d->a_line = line;
		else
			d->b_line = line;
	} else if (strcmp(k, "rate") == 0) {
		if (parse_rate(v, &d->rate, err) < 0)
			lerr(L, line, "rate: %s", err);
		else if (d->rate < 1000)
			lerr(L, line, "rate: %s is too slow (at least 1k)", v);
	} else if (strncmp(k, "a>b.", 4) == 0 || strncmp(k, "b>a.", 4) == 0) {
		if (impair_set(&d->im[k[0] == 'b'], k + 4, v, err) < 0)
			lerr(L, line, "%s: %s", k, err);
	} else if (strcmp(k, "delay") == 0 || strcmp(k, "loss") == 0 || strcmp(k, "jitter") == 0 ||
		   strcmp(k, "burst_loss") == 0 || strcmp(k, "duplicate") == 0 ||
		   strcmp(k, "corrupt") == 0 || strcmp(k, "reorder") == 0 ||
		   strcmp(k, "limit") == 0) {
		if (impair_set(&d->im[0], k, v, err) < 0 || impair_set(&d->im[1], k, v, err) < 0)
			lerr(L, line, "%s: %s", k, err);
	} else if (strcmp(k, "state") == 0) {
		bool up;

		if (parse_bool(v, &up, err) < 0)
			lerr(L, line, "state: %s (use up or down)", err);
		else
			d->down = !up;
	} else {
		lerr(L, line, "[link] unknown key '%s' (known: a, b, rate, state, delay, jitter, loss, "
			      "burst_loss, duplicate, corrupt, reorder, limit; a>b.KEY and b>a.KEY "
			      "for one direction)", k);
	}
}

/* [netdev NAME]: type=, vlan=, id= here; the rest is the backend's, read
 * in resolve() once the section is complete. */
static void netdev_key(struct loader *L, struct netdev_decl *d, const char *k, const char *v,
		       int line)
{
	char err[ERRLEN];
	uint64_t num;

	if (strcmp(k, "type") == 0) {
		d->type = xstrdup(v);
		d->type_line = line;
		return;
	}
	if (strcmp(k, "vlan") == 0) {
		if (parse_u64(v, 0, 4095, &num, err) < 0) {
			lerr(L, line, "vlan: %s", err);
			return;
		}
		d->vlan = (int)num;
		d->vlan_line = line;
		return;
	}
	if (strcmp(k, "id") == 0 || strcmp(k, "name") == 0) {
		if (strcmp(v, d->name) != 0)
			lerr(L, line, "%s: '%s' differs from the section's name '%s'; the section "
				      "name is the id", k, v, d->name);
		return;
	}
	if (*v == '\0') {
		lerr(L, line, "%s: needs a value", k);
		return;
	}
	d->opts = xreallocarray(d->opts, (size_t)d->nopts + 1, sizeof(*d->opts));
	d->opts[d->nopts++] = (struct netdev_opt){ .key = xstrdup(k), .val = xstrdup(v),
						   .line = line };
}

static void scenario_key(struct loader *L, const char *k, const char *v, int line)
{
	struct sim *s = L->s;
	char err[ERRLEN];
	uint64_t at;

	if (strcmp(k, "duration") == 0) {
		if (parse_duration(v, &s->duration, err) < 0)
			lerr(L, line, "duration: %s", err);
		else
			s->duration_set = true;
		return;
	}
	if (strncmp(k, "at ", 3) == 0) {
		const char *t = k + 3;

		while (isspace((unsigned char)*t))
			t++;
		if (parse_duration(t, &at, err) < 0) {
			lerr(L, line, "at: %s", err);
			return;
		}
		s->steps = xreallocarray(s->steps, (size_t)s->nsteps + 1, sizeof(*s->steps));
		s->steps[s->nsteps] = (struct step){ .sim = s, .at = at, .line = line,
						     .cmd = xstrdup(v) };
		/* Not armed yet; sim_start arms it once the array stops moving. */
		timer_init(&s->steps[s->nsteps].timer, NULL, NULL);
		s->nsteps++;
		return;
	}
	lerr(L, line, "[scenario] unknown key '%s' (use 'at TIME = COMMAND' or 'duration = T')", k);
}

/* Keys a section takes more than once: a guest's NICs and commands, a
 * bridge's static entries, the scenario's steps. A netdev's own options are
 * checked once the backend is known (it may repeat hostfwd=). */
static bool key_repeats(enum sect_kind kind, const char *k)
{
	switch (kind) {
	case SECT_GUEST:
		return strcmp(k, "nic") == 0 || strcmp(k, "exec") == 0;
	case SECT_BRIDGE:
		return strcmp(k, "static") == 0;
	case SECT_SCENARIO:
		return strncmp(k, "at ", 3) == 0;
	case SECT_NETDEV:
		return strcmp(k, "type") != 0 && strcmp(k, "vlan") != 0 && strcmp(k, "id") != 0 &&
		       strcmp(k, "name") != 0;
	default:
		return false;
	}
}

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

/* Reports a key the section already has; true if it was given before. */
static bool key_given_twice(struct loader *L, struct sect *sc, const char *k, int line)
{
	const char *c = key_canonical(k);

	if (sc->kind == SECT_BAD || key_repeats(sc->kind, k))
		return false;
	for (int i = 0; i < sc->nkeys; i++) {
		if (strcmp(sc->keys[i].key, c) == 0) {
			lerr(L, line, "%s: given twice (first at line %d); give each key once", k,
			     sc->keys[i].line);
			return true;
		}
	}
	sc->keys = xreallocarray(sc->keys, (size_t)sc->nkeys + 1, sizeof(*sc->keys));
	sc->keys[sc->nkeys++] = (struct seen_key){ .key = xstrdup(c), .line = line };
	return false;
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
	if (key_given_twice(L, sc, name, line))
		return 1;
	switch (sc->kind) {
	case SECT_GUEST:
		guest_key(L, guest_from_node(sc->node), name, value, line);
		break;
	case SECT_HUB:
		if (strcmp(name, "speed") == 0)
			speed_key(L, &hub_from_node(sc->node)->speed, value, line);
		else if (vde_key(L, sc->node, name, value, line) == 0)
			lerr(L, line, "[hub %s] unknown key '%s' (known: speed, vde, vde_mode, "
				      "vde_group, vde_ports, vde_queue)", sc->name, name);
		break;
	case SECT_BRIDGE:
		bridge_key(L, bridge_from_node(sc->node), name, value, line);
		break;
	case SECT_NETDEV:
		netdev_key(L, &L->netdevs[sc->netdev], name, value, line);
		break;
	case SECT_LINK:
		link_key(L, &L->links[sc->link], name, value, line);
		break;
	case SECT_SCENARIO:
		scenario_key(L, name, value, line);
		break;
	default:
		break;  /* the header was already reported */
	}
	return 1;
}

/* ---- resolve -------------------------------------------------------------- */

struct hub *sim_vlan_hub(struct sim *s, int vlan, int line)
{
	char name[24];
	struct node *n;
	struct hub *h;

	snprintf(name, sizeof(name), "vlan%d", vlan);
	n = graph_find_node(s->g, name);
	if (n != NULL)
		return hub_from_node(n);
	h = hub_new(s->g, name, vlan, line);
	push_node((void ***)&s->hubs, &s->nhubs, h);
	return h;
}

/* Finds or creates the port an endpoint names. */
static struct port *endpoint(struct loader *L, const char *ep, int line)
{
	struct sim *s = L->s;
	char name[SIM_MAX_NAME * 2 + 2];
	char *dot;
	struct node *n;
	struct guest *gu;
	struct port *p;

	if (strlen(ep) >= sizeof(name)) {
		lerr(L, line, "link endpoint '%s' is too long", ep);
		return NULL;
	}
	strcpy(name, ep);
	dot = strchr(name, '.');
	if (dot != NULL)
		*dot = '\0';
	n = find_node(L, name);
	if (n == NULL && strncmp(name, "vlan", 4) == 0 && isdigit((unsigned char)name[4])) {
		uint64_t v;

		if (parse_u64(name + 4, 0, 4095, &v, NULL) == 0)
			n = &sim_vlan_hub(s, (int)v, line)->node;
	}
	if (n == NULL) {
		lerr(L, line, "link endpoint '%s': no guest, hub, bridge or netdev named '%s'", ep,
		     name);
		return NULL;
	}
	if (netdev_from_node(n) != NULL) {
		if (dot == NULL || strcmp(dot + 1, "0") == 0)
			return n->ports[0];
		lerr(L, line, "link endpoint '%s': a netdev has one port, %s.0", ep, name);
		return NULL;
	}
	gu = guest_from_node(n);
	if (dot == NULL) {
		if (gu != NULL) {
			if (gu->nnics != 1) {
				lerr(L, line, "link endpoint '%s': guest has %d NICs; name one (%s.nic0)",
				     ep, gu->nnics, name);
				return NULL;
			}
			return gu->nics[0]->port;
		}
		if (hub_from_node(n) != NULL)
			return hub_add_port(hub_from_node(n));
		return bridge_add_port(bridge_from_node(n));
	}
	p = graph_find_port(s->g, ep);
	if (p != NULL)
		return p;
	if (gu == NULL) {
		/* br0.3: create ports up to 3 so the number is the one asked for. */
		uint64_t num;

		if (parse_u64(dot + 1, 0, UINT64_MAX, &num, NULL) < 0 || num == 0) {
			lerr(L, line, "link endpoint '%s': ports of %s are numbered (%s.1, %s.2, ...)",
			     ep, name, name, name);
			return NULL;
		}
		if (num > 4096) {
			lerr(L, line, "link endpoint '%s': port %s is out of range: a %s has at most "
				      "4096 ports (%s.1 .. %s.4096)", ep, dot + 1,
			     hub_from_node(n) != NULL ? "hub" : "bridge", name, name);
			return NULL;
		}
		while ((uint64_t)n->nports < num) {
			if (hub_from_node(n) != NULL)
				hub_add_port(hub_from_node(n));
			else
				bridge_add_port(bridge_from_node(n));
		}
		return n->ports[num - 1];
	}
	lerr(L, line, "link endpoint '%s': guest '%s' has no NIC '%s'", ep, name, dot + 1);
	return NULL;
}

struct mac_use {
	uint64_t mac;
	int order;              /* declaration order, to name the first user */
	struct nic *nic;
};

static int mac_use_exists(const void *a, const void *b)
{
	const struct mac_use *x = a, *y = b;

	return x->mac == y->mac ? 0 : x->mac < y->mac ? -1 : 1;
}

static int mac_use_cmp(const void *a, const void *b)
{
	const struct mac_use *x = a, *y = b;

	if (x->mac != y->mac)
		return x->mac < y->mac ? -1 : 1;
	return x->order - y->order;
}

/* Checks explicit MACs are unique, then gives every other NIC the next
 * free address counting up from 52:54:00:12:34:56. O(n log n). */
static void assign_macs(struct loader *L)
{
	struct sim *s = L->s;
	struct mac_use *used = NULL;
	size_t n = 0, cap = 0;
	uint64_t next = 0x525400123456ULL;
	int order = 0;

	for (int i = 0; i < s->nguests; i++) {
		for (int j = 0; j < s->guests[i]->nnics; j++, order++) {
			struct nic *a = s->guests[i]->nics[j];

			if (a->mac_auto)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				used = xreallocarray(used, cap, sizeof(*used));
			}
			used[n++] = (struct mac_use){ mac_to_u64(a->mac), order, a };
		}
	}
	if (n > 0)
		qsort(used, n, sizeof(*used), mac_use_cmp);
	for (size_t k = 1; k < n; k++) {
		if (used[k].mac == used[k - 1].mac) {
			struct nic *first = used[k - 1].nic;
			char buf[18];

			/* Name the first user of the address (a run keeps order). */
			for (size_t f = k - 1; f > 0 && used[f - 1].mac == used[k].mac; f--)
				first = used[f - 1].nic;
			lerr(L, used[k].nic->line, "duplicate MAC %s (also %s.%s at line %d)",
			     fmt_mac(used[k].nic->mac, buf), first->guest->node.name, first->id,
			     first->line);
		}
	}
	for (int i = 0; i < s->nguests; i++) {
		for (int j = 0; j < s->guests[i]->nnics; j++) {
			struct nic *a = s->guests[i]->nics[j];
			struct mac_use key;

			if (!a->mac_auto)
				continue;
			do {
				key.mac = next++;
				key.order = -1;
			} while (n > 0 && bsearch(&key, used, n, sizeof(*used), mac_use_exists) != NULL);
			u64_to_mac(key.mac, a->mac);
		}
	}
	free(used);
}

static void resolve(struct loader *L)
{
	struct sim *s = L->s;

	for (int i = 0; i < s->g->nnodes; i++) {
		for (struct node_ext *x = s->g->nodes[i]->ext; x != NULL; x = x->next) {
			char err[ERRLEN];
			int line;

			if (x->ops->check != NULL && x->ops->check(x, &line, err) < 0)
				lerr(L, line, "%s", err);
		}
	}

	assign_macs(L);
	for (int i = 0; i < s->nguests; i++) {
		if (s->guests[i]->nnics == 0)
			lerr(L, s->guests[i]->node.line, "guest '%s' has no NIC (add nic = model=e1000)",
			     s->guests[i]->node.name);
		for (int j = 0; j < s->guests[i]->nnics; j++)
			guest_nic_attach(s->guests[i]->nics[j]);
	}
	/* IP addresses, now that NIC ids are final. */
	for (int i = 0; i < L->nips; i++) {
		struct ip_decl *d = &L->ips[i];
		struct nic *nic = guest_nic_named(d->gu, d->nic);

		if (nic == NULL && strrchr(d->nic, '.') != NULL) {
			/* ip.nic0.10: an 802.1Q VLAN interface on nic0. */
			char *dot = strrchr(d->nic, '.');
			char parent_id[64];
			struct nic *parent;
			uint64_t vid;

			snprintf(parent_id, sizeof(parent_id), "%.*s", (int)(dot - d->nic), d->nic);
			parent = guest_nic_named(d->gu, parent_id);
			if (parent != NULL && parent->parent == NULL) {
				if (parse_u64(dot + 1, 1, 4094, &vid, NULL) < 0) {
					lerr(L, d->line, "ip.%s: VLAN '%s' must be 1..4094", d->nic,
					     dot + 1);
					continue;
				}
				if (d->gu->kern != NULL) {
					lerr(L, d->line, "ip.%s: VLAN interfaces are for sim guests; a netns "
						 "guest can make its own (exec = ip link add ... type vlan)",
					     d->nic);
					continue;
				}
				if (d->dhcp) {
					lerr(L, d->line, "ip.%s: a VLAN interface takes a static address, "
						 "not dhcp", d->nic);
					continue;
				}
				{
					char vid_id[80];

					snprintf(vid_id, sizeof(vid_id), "%s.%u", parent->id,
						 (unsigned)vid);
					nic = guest_find_nic(d->gu, vid_id);
				}
				if (nic == NULL)
					nic = guest_add_vif(parent, (uint16_t)vid);
				if (nic == NULL) {
					lerr(L, d->line, "ip.%s: guest '%s' has %d VLAN interfaces, the most",
					     d->nic, d->gu->node.name, GUEST_MAX_VIFS);
					continue;
				}
			}
		}
		if (nic == NULL) {
			lerr(L, d->line, "ip.%s: guest '%s' has no NIC %s", d->nic, d->gu->node.name,
			     d->nic);
			continue;
		}
		if (nic->ip != 0 || nic->dhcp != NULL || nic->kdhcp) {
			lerr(L, d->line, "ip: NIC %s.%s already has an address", d->gu->node.name,
			     nic->id);
			continue;
		}
		if (d->dhcp && d->gu->kern != NULL) {
			nic->kdhcp = true;      /* busybox udhcpc, in the namespace */
			continue;
		}
		if (d->dhcp) {
			nic->dhcp = dhcp_client_new(nic);
			continue;
		}
		nic->ip = d->ip;
		nic->prefix = d->prefix;
	}
	for (int i = 0; i < s->nguests; i++) {
		struct guest *gu = s->guests[i];

		if (gu->gateway != 0 && !guest_may_route(gu, gu->gateway))
			lerr(L, gu->node.line, "guest '%s': gateway is not on any NIC's subnet",
			     gu->node.name);
	}
	/* Netdevs read their options now that each section is complete. */
	for (int i = 0; i < L->nnetdevs; i++) {
		struct netdev_decl *d = &L->netdevs[i];
		int line = d->nd->node.line;

		if (d->type == NULL) {
			lerr(L, line, "[netdev %s] needs type = %s", d->nd->node.name, backend_names());
			continue;
		}
		if (d->nd->ops == NULL) {
			lerr(L, d->type_line, "type: unknown netdev type '%s' (known: %s)", d->type,
			     backend_names());
			continue;
		}
		if (netdev_configure(d->nd, d->opts, d->nopts, report_err, L) == 0) {
			char err[ERRLEN];

			if (netdev_attach(d->nd, err) < 0)
				lerr(L, line, "%s", err);
		}
		/* As written, for info network: "listen=:8010". */
		for (int j = 0; j < d->nopts; j++) {
			char *o = d->nd->options;

			d->nd->options = NULL;
			xasprintf(&d->nd->options, "%s%s%s=%s", o ? o : "", o ? "," : "",
				  d->opts[j].key, d->opts[j].val);
			free(o);
		}
	}
	/* A NIC's netdev= is a cable straight to that netdev (-device ...,netdev=). */
	for (int i = 0; i < L->nnicnets; i++) {
		struct nic_netdev_decl *d = &L->nicnets[i];
		struct netdev *nd = netdev_from_node(find_node(L, d->netdev));

		if (nd == NULL) {
			lerr(L, d->line, "nic: netdev=%s: no [netdev %s] section", d->netdev, d->netdev);
			continue;
		}
		if (d->nic->vlan >= 0) {
			lerr(L, d->line, "nic: netdev= and vlan= exclude each other");
			continue;
		}
		if (nd->vlan >= 0) {
			lerr(L, d->line, "nic: netdev %s is already on vlan %d (line %d)", d->netdev,
			     nd->vlan, nd->node.line);
			continue;
		}
		if (nd->port->link != NULL) {
			lerr(L, d->line, "nic: netdev %s already has a NIC (line %d)", d->netdev,
			     nd->port->link->line);
			continue;
		}
		link_new(s->g, d->nic->port, nd->port, 0, 0, 0, d->line);
	}
	/* Explicit links first, in file order. */
	for (int i = 0; i < L->nlinks; i++) {
		struct link_decl *d = &L->links[i];
		struct port *a, *b;
		struct link *lk;

		if (d->a == NULL || d->b == NULL) {
			lerr(L, d->line, "[link] needs both ends: a = NODE[.PORT] and b = NODE[.PORT]");
			continue;
		}
		a = endpoint(L, d->a, d->a_line);
		b = endpoint(L, d->b, d->b_line);
		if (a == NULL || b == NULL)
			continue;
		if (a == b || a->node == b->node) {
			lerr(L, d->line, "[link] joins %s to itself", a->node->name);
			continue;
		}
		if (a->link != NULL || b->link != NULL) {
			struct port *busy = a->link != NULL ? a : b;

			lerr(L, busy == a ? d->a_line : d->b_line,
			     "link endpoint %s is already connected (link at line %d)", busy->name,
			     busy->link->line);
			continue;
		}
		if (guest_from_node(a->node) != NULL && ((struct nic *)a->priv)->vlan >= 0)
			lerr(L, d->a_line, "%s has vlan=%d and is also linked here; choose one",
			     a->name, ((struct nic *)a->priv)->vlan);
		if (guest_from_node(b->node) != NULL && ((struct nic *)b->priv)->vlan >= 0)
			lerr(L, d->b_line, "%s has vlan=%d and is also linked here; choose one",
			     b->name, ((struct nic *)b->priv)->vlan);
		lk = link_new(s->g, a, b, d->rate, 0, 0, d->line);
		link_dir_set_impair(&lk->dir[0], &d->im[0]);
		link_dir_set_impair(&lk->dir[1], &d->im[1]);
		if (d->down)
			a->admin_up = b->admin_up = false;
	}
	/* NICs not linked go to their QEMU vlan (hub), vlan 0 by default. */
	for (int i = 0; i < s->nguests; i++) {
		for (int j = 0; j < s->guests[i]->nnics; j++) {
			struct nic *nic = s->guests[i]->nics[j];
			struct hub *h;

			if (nic->port->link != NULL)
				continue;
			/* QEMU does this silently; a teacher wants to know. */
			if (nic->vlan < 0)
				lwarn(L, nic->line, "%s has no vlan=, netdev= or [link]: it goes on "
						    "hub vlan0, as in QEMU (write vlan=0 to say so)",
				      nic->port->name);
			h = sim_vlan_hub(s, nic->vlan >= 0 ? nic->vlan : 0, nic->line);
			link_new(s->g, nic->port, hub_add_port(h), 0, 0, 0, nic->line);
		}
	}
	/* Netdevs on a QEMU vlan; every netdev must end up attached. */
	for (int i = 0; i < L->nnetdevs; i++) {
		struct netdev *nd = L->netdevs[i].nd;

		if (nd->vlan >= 0) {
			if (nd->port->link != NULL) {
				lerr(L, L->netdevs[i].vlan_line, "netdev %s has vlan=%d and is also "
					 "connected at line %d; choose one", nd->node.name, nd->vlan,
				     nd->port->link->line);
				continue;
			}
			link_new(s->g, nd->port, hub_add_port(sim_vlan_hub(s, nd->vlan, nd->node.line)),
				 0, 0, 0, L->netdevs[i].vlan_line);
		} else if (nd->port->link == NULL) {
			lerr(L, nd->node.line, "netdev %s is not attached: give it vlan=N, name it in "
				 "a NIC's netdev=, or join it with a [link]", nd->node.name);
		}
	}
	/* Static FDB entries need the ports. */
	for (int i = 0; i < L->nstatics; i++) {
		struct static_decl *d = &L->statics[i];
		struct node *n = &d->b->node;
		struct port *p = graph_find_port(s->g, d->port);
		char full[SIM_MAX_NAME * 2 + 16];
		int rc;

		if (p == NULL) {
			snprintf(full, sizeof(full), "%s.%s", n->name, d->port);
			p = graph_find_port(s->g, full);
		}
		if (p == NULL || p->node != n) {
			lerr(L, d->line, "static: bridge '%s' has no port '%s'", n->name, d->port);
			continue;
		}
		rc = fdb_add_static(d->b->fdb, mac_to_u64(d->mac), d->vid, p->index);
		if (rc == -ENOSPC)
			lerr(L, d->line, "static: the MAC table of '%s' is full (max_entries)",
			     n->name);
	}
	for (int i = 0; i < s->nbridges; i++) {
		char err[ERRLEN];
		int line;

		if (bridge_check_ports(s->bridges[i], &line, err) < 0)
			lerr(L, line, "%s", err);
	}
}

static void check_scenario(struct loader *L)
{
	struct sim *s = L->s;
	char err[ERRLEN];
	FILE *null = fopen("/dev/null", "w");

	for (int i = 0; i < s->nsteps; i++) {
		if (cmd_exec(s, s->steps[i].cmd, null, true, err) < 0)
			lerr(L, s->steps[i].line, "%s", err);
		if (s->duration_set && s->steps[i].at > s->duration)
			lerr(L, s->steps[i].line, "step at %.3fs is after the scenario's duration",
			     (double)s->steps[i].at / 1e9);
	}
	if (null != NULL)
		fclose(null);
}

static void loader_free(struct loader *L)
{
	for (int i = 0; i < L->nsects; i++) {
		free(L->sects[i].name);
		for (int j = 0; j < L->sects[i].nkeys; j++)
			free(L->sects[i].keys[j].key);
		free(L->sects[i].keys);
	}
	free(L->sects);
	for (int i = 0; i < L->nlinks; i++) {
		free(L->links[i].a);
		free(L->links[i].b);
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
static char *read_whole(FILE *f, size_t *len)
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
	struct loader L = { .s = s, .path = path, .errs = errs };
	FILE *f;
	char *text;
	int rc;

	s->path = xstrdup(path);
	s->g->source = s->path;
	f = fopen(path, "r");
	if (f == NULL) {
		fprintf(errs, "%s: cannot open: %s\n", path, strerror(errno));
		return 1;
	}
	text = read_whole(f, &L.textlen);
	fclose(f);
	if (text == NULL) {
		if (errno == EFBIG)
			fprintf(errs, "%s: too big: a topology file is at most %u MiB\n", path,
				TOPO_MAX_BYTES >> 20);
		else
			fprintf(errs, "%s: cannot read: %s\n", path, strerror(errno));
		return 1;
	}
	L.text = text;
	/* Debian's libinih exposes its options as globals (reference §4). */
	ini_allow_multiline = false;
	ini_use_stack = false;
	ini_allow_realloc = false;
	ini_max_line = SIM_MAX_LINE + 8;
	ini_initial_alloc = SIM_MAX_LINE + 8;
	ini_stop_on_first_error = false;
	rc = ini_parse_stream(reader, &L, handler, &L);
	section_end(&L);
	free(text);
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
	resolve(&L);
	check_scenario(&L);
	loader_free(&L);
	return L.nerrors;
}

/*
 * The topology loader's own declarations, shared by its three files:
 * topo.c reads the file and dispatches each header and key through the
 * section table, topo_sections.c has each kind of section (its header,
 * its keys, its end), topo_resolve.c builds ports and links and checks
 * every reference once the whole file is read.
 */
#ifndef QNETSIM_LOADER_H
#define QNETSIM_LOADER_H

#include "sim.h"
#include "../core/util.h"
#include "../backends/netdev.h"

#include <stdbool.h>
#include <stdio.h>

#define MAX_KV 32
#define TOPO_MAX_NICS 1000000          /* NICs in one topology (docs/topology.md) */

struct loader;
struct sect;

/*
 * One kind of section, one line in topo_sections[]: adding a kind is its
 * functions and that line. The loader checks what the flags say at the
 * header (a name or not, a valid and unique node name, vlanN kept for
 * hubs), then calls create; every key goes to key, unless it was given
 * before and repeats() does not allow it; end runs when the next header
 * (or the end of the file) shows the section is complete.
 */
struct section_kind {
	const char *word;       /* [word ...] */
	bool named;             /* [word NAME]; else [word] with at most an ignored name */
	bool node;              /* NAME is a node's: valid, unique */
	bool vlan_name_ok;      /* may be called vlanN (QEMU's hub N): hubs only */
	bool free_name;         /* any name, not checked ([link] labels) */
	void (*create)(struct loader *L, struct sect *sc);
	void (*key)(struct loader *L, struct sect *sc, const char *k, const char *v, int line);
	bool (*repeats)(const char *k);         /* optional: keys given many times */
	void (*end)(struct loader *L, struct sect *sc);  /* optional */
};

extern const struct section_kind topo_sections[];
extern const size_t topo_nsections;

struct seen_key {
	const char *key;        /* interned in the loader's key_names */
	int line;
};

struct sect {
	const struct section_kind *kind;        /* NULL: a bad header, already reported */
	char *name;
	int line;
	struct node *node;      /* guest, hub, bridge */
	int idx;                /* link, netdev: index into the loader's declarations */
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
	/* [0]: frames from a to b, [1]: from b to a; made at the first
	 * impairment key (most links have none). */
	struct impair *im;
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
	struct strmap key_names; /* one copy of each key name the sections gave */
	/* The keys the section being read has given so far, for "given
	 * twice" (one list, emptied at each header: no section needs its
	 * keys once it ends). */
	struct seen_key *keys;
	int nkeys, keycap;
	/* Each grows by doubling (VEC_RESERVE): by one, 100,000 [link]s
	 * moved their array a few thousand times. */
	struct link_decl *links;
	int nlinks, linkcap;
	struct ip_decl *ips;
	int nips, ipcap;
	struct static_decl *statics;
	int nstatics, staticcap;
	struct netdev_decl *netdevs;
	int nnetdevs, netdevcap;
	struct nic_netdev_decl *nicnets;
	int nnicnets, nicnetcap;
	int nnics;              /* nic = lines so far */
	bool help_printed;
	bool scenario_seen;
};

void lerr(struct loader *L, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A warning: "file:line: warning: ...", and the run goes on. */
void lwarn(struct loader *L, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* lerr for a callback that already has the message. */
void report_err(void *arg, int line, const char *msg);
struct node *find_node(struct loader *L, const char *name);

/* topo_sections.c: a nic = value (of qnetsim's words, or QEMU's, which
 * go to topo_nic_fragment); a [netdev] key. */
int topo_nic(struct loader *L, struct guest *gu, const char *value, int line);
/* A [netdev]'s declaration (vlan -1), and its node, made once its type is
 * known (at the section's end, or at once for a fragment's). */
struct netdev_decl *topo_netdev_decl(struct loader *L, const char *name, int line);
void topo_netdev_make(struct loader *L, struct netdev_decl *d);
void topo_netdev_key(struct loader *L, struct netdev_decl *d, const char *k, const char *v,
		     int line);
/* topo_qemu.c: QEMU's fragments in a nic = line (-net, -nic, -netdev,
 * -device); a [netdev]'s netdev = TYPE,... or type = TYPE,...: true when
 * it was one. */
void topo_nic_fragment(struct loader *L, struct guest *gu, const char *value, int line);
bool topo_netdev_value(struct loader *L, struct netdev_decl *d, const char *k, const char *v,
		       int line);
/* A node's name: up to SIM_MAX_NAME letters, digits, '_' or '-', a letter first. */
bool valid_name(const char *n);
void push_node(void ***arr, int *n, void *item);

/* topo_resolve.c: the passes after reading, in order; then the scenario's
 * commands, checked. */
void topo_resolve(struct loader *L);
void topo_check_scenario(struct loader *L);

#endif

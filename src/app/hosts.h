/*
 * One topology across several hosts (docs/multihost.md).
 *
 * [host NAME] sections say where each host's qnetsim is (address =, the
 * first UDP port of its tunnels port =, its monitor =), and host = NAME in
 * a guest, hub, bridge or netdev section puts that node there (a user
 * netdev's host = is QEMU's own option); a guest, hub or bridge without
 * one is on the first host declared, a netdev with what it is attached
 * to. Without --host the whole topology runs in one process, as if it
 * had no hosts.
 *
 * `qnetsim --host NAME` runs NAME's part: hosts_split turns the file into
 * that part's own text, line for line (so every file:line stays true):
 *  - the sections of nodes on other hosts become comments;
 *  - a [link] between two other hosts' nodes too;
 *  - a [link] from one of NAME's nodes to another host's node keeps its
 *    local end, and its far end becomes a VXLAN netdev (type = vxlan),
 *    written after the last line: tunnel k (k = 0, 1, ... counting the
 *    crossing links in the order the file has them) is UDP port
 *    `port + k` on both hosts, between their addresses, and carries VNI
 *    (FNV-1a of "A\nB", A and B the link's ends as written) & 0xffffff,
 *    0 and numbers taken by an earlier crossing link moving to the next;
 *    a link's impairments apply on the host that sends: `delay = 5ms`
 *    becomes `a>b.delay = 5ms` on a's host and `b>a.delay = 5ms` on b's;
 *  - a scenario step about another host's node (the first word that
 *    names a node: `ping A ...`, `expect A.ping...`, `set_link br1.2
 *    off`) becomes a comment; a step that names none runs on every host.
 * What cannot be split is an error at its line: a QEMU vlan (hub vlanN)
 * whose NICs are on two hosts, a NIC whose netdev= is on another.
 */
#ifndef QNETSIM_HOSTS_H
#define QNETSIM_HOSTS_H

#include "sim.h"

#include <stdio.h>

#define HOST_PORT_DEFAULT 4789

struct loader;
struct sect;

/* The loader's part: a [host NAME] section's header, keys and end; a
 * node section's host = key; the check, once the file is read, that
 * every host = names a declared host. */
void host_sect_create(struct loader *L, struct sect *sc);
void host_sect_key(struct loader *L, struct sect *sc, const char *k, const char *v, int line);
void host_sect_end(struct loader *L, struct sect *sc);
void host_place(struct loader *L, struct sect *sc, const char *v, int line);
void hosts_check(struct loader *L);
/* The index of host name in s->hosts, or -1. */
int sim_host_find(const struct sim *s, const char *name);
void hosts_free(struct sim *s);

/* The part of the topology text (loaded, whole and without errors, into
 * full) that host runs: its text in *out (the caller frees), the links it
 * crosses in *cx (the caller hands them to the part's sim). Errors are
 * "path:line: ..." on errs; returns their number. */
int hosts_split(const struct sim *full, const char *text, size_t len, const char *host,
		char **out, size_t *outlen, struct sim_crossing **cx, int *ncx, FILE *errs);

/* Whether the topology (loaded whole into full) splits: the errors a
 * --host run would meet, for --check and a run in one process. */
int hosts_validate(const struct sim *full, const char *text, size_t len, FILE *errs);
/* qnetsim hosts TOPOLOGY: each host's command line and its tunnels. */
int hosts_print(const struct sim *full, const char *text, size_t len, FILE *out, FILE *errs);

#endif

/*
 * QEMU's command line, as far as the network goes: `qnetsim import qemu`
 * and `--qemu` read one command line per VM and write the topology they
 * build, a commented topology file in which every line names the QEMU
 * argument it came from.
 *
 * What is read (QEMU's semantics, as qemu-options.hx gives them):
 *  - `-net nic[,vlan=N][,macaddr=][,model=][,name=][,addr=][,vectors=]`:
 *    a NIC on the VM's hub N (0 by default); `-net TYPE[,vlan=N][,name=]`
 *    a back-end there;
 *  - `-netdev TYPE,id=ID,...`: a back-end for a NIC to name
 *    (`-device MODEL,netdev=ID`); `-netdev hubport,id=ID,hubid=N` puts
 *    that NIC on hub N;
 *  - `-nic TYPE[,model=][,mac=],...`: a NIC and its back-end at once;
 *    `-nic none`, `-net none` and `-nodefaults`: no default network;
 *  - `-device MODEL,netdev=ID[,mac=][,id=][,bus=][,addr=]`: a NIC, for
 *    every model qnetsim knows; other devices are not the network's;
 *  - `-redir [tcp|udp]:HOSTPORT:[GUESTADDR]:GUESTPORT` (QEMU 2.x): a
 *    hostfwd on hub 0's user back-end;
 *  - no network option at all: QEMU's default, `-net nic -net user`.
 * Each VM has hubs of its own, as each QEMU process does. NICs without a
 * MAC get QEMU's default, 52:54:00:12:34:56 counting up within each VM,
 * so two VMs collide as they would in QEMU: the import warns, and lets
 * qnetsim give the later NIC a free MAC. What qnetsim cannot model (a
 * back-end type, an option) becomes a comment and a warning, never a
 * silent drop; options that are not about the network are listed in the
 * header. Warnings go to `warn`, as "import: ..." lines.
 */
#ifndef QNETSIM_QEMU_H
#define QNETSIM_QEMU_H

#include <stdio.h>

#include "../core/util.h"

#define QEMU_MAX_VMS 64
#define QEMU_MAX_ARGS 4096      /* words of one command line */

/* Imports the command lines (each argv[0] the program or the first
 * option) of nvms VMs: writes the topology to out. -1 with err when none
 * can be read (e.g. an option's value is missing). */
int qemu_import(char ***argvs, const int *argcs, int nvms, FILE *out, FILE *warn, char *err);

/* Splits one of QEMU's option values, "type,key=val,..." (",," is a
 * comma), into kv, whose keys and values point into buf (a buffer as long
 * as v): the first part goes under first_key when it has no "=", a part
 * without "=" has a NULL value, an empty part is skipped. Returns the
 * count, or -1 with err past max. */
int qemu_opts_split(const char *v, const char *first_key, char *buf, struct kv *kv, int max,
		    char *err);

/* Splits a command line as a shell would split words: quotes ('...',
 * "..."), backslash escapes, and a backslash before a newline joins
 * lines. No expansion. The words are in one allocation (*words, free it);
 * their count, or -1 with err (an open quote, too many words). */
int qemu_split(const char *line, char ***words, char *err);

/* One VM's command line as one string (--qemu 'ARGS', a quoted argument):
 * its words (qemu_split), imported. */
int qemu_import_line(const char *line, FILE *out, FILE *warn, char *err);

/* The command lines in a file or shell script: every line (backslash
 * continuations joined) whose first word names QEMU (qemu, qemu-system-*,
 * kvm; after an optional prompt or sudo) is a VM. Imports them. */
int qemu_import_text(const char *text, FILE *out, FILE *warn, char *err);

/* qnetsim qemu-args (qemu_args.c): for every node of s a real VM can join
 * (or only the one named), a comment and the qemu-system-x86_64 arguments
 * that join it, each with a MAC no NIC of the topology has. -1 with err
 * when `only` names no node. */
struct sim;
struct node;
int qemu_args_print(struct sim *s, const char *only, FILE *out, char *err);
/* The arguments for node n ("-netdev ... -device ..."), the MAC the nth
 * free one: 0; -1 with why no VM can join it, in buf. */
int qemu_args_for(struct sim *s, struct node *n, int nth, char *buf, size_t len);

#endif

/*
 * Inside the QEMU import (qemu.h): a VM's network as its command line
 * declares it, which qemu.c reads and qemu_emit.c writes as a topology.
 */
#ifndef QNETSIM_QEMU_INTERNAL_H
#define QNETSIM_QEMU_INTERNAL_H

#include "qemu.h"

#include <stdbool.h>
#include <stdint.h>

#define QEMU_MAX_OPTS 64        /* key=value pairs of one option */
#define QEMU_MAX_NICS 32        /* NICs of one VM, as a guest takes */
#define QEMU_MAX_NETDEVS 64
#define QEMU_NAME_MAX 32

/* One of QEMU's option values, "type,key=val,key=val" (",," is a comma). */
struct qopts {
	int n;
	char *key[QEMU_MAX_OPTS];
	char *val[QEMU_MAX_OPTS];       /* NULL: a key without "=" */
};

struct qnic {
	char model[48];
	uint8_t mac[6];
	bool mac_given;                 /* in the command line (else QEMU's default) */
	int realize;                    /* QEMU makes -nic's (0), -net nic's (1), then -device's (2) */
	bool mac_dup;                   /* another NIC has it: qnetsim picks one */
	int hub;                        /* the VM's hub N, or -1 */
	int netdev;                     /* index in the VM's netdevs, or -1 */
	const char *netdev_qid;         /* netdev=, resolved once all are read */
	bool nopeer;                    /* QEMU leaves it unconnected */
	char extra[96];                 /* addr=, vectors=: carried over */
	char id[QEMU_NAME_MAX];
	char note[160];                 /* why something was changed */
	const char *src;                /* the argument it came from */
};

struct qnetdev {
	char type[24];
	char qid[64];                   /* QEMU's id= (or -net's name=) */
	char id[QEMU_NAME_MAX];         /* its name in the topology */
	int hub;                        /* -1: a NIC names it, or nothing */
	const char *hub_netdev;         /* hubport: netdev=, put on its hub */
	int via;                        /* the hubport whose netdev= it is, or -1 */
	bool supported;
	struct qopts opts;              /* the rest, as given */
	char fwd[8][112];               /* -redir, as hostfwd */
	int nfwd;
	const char *src;
};

struct qvm {
	char name[QEMU_NAME_MAX];
	struct qnic nics[QEMU_MAX_NICS];
	int nnics;
	struct qnetdev nds[QEMU_MAX_NETDEVS];
	int nnds;
	bool nodefault;                 /* -nodefaults, -nic none, -net none */
	bool has_net;                   /* any network option */
	const char *redir[8];           /* -redir, applied once all is read */
	int nredir;
	char cmdline[1024];             /* for the header */
	char ignored[512];              /* options not about the network */
	char **owned;                   /* what src and opts point to */
	int nowned;
};

/* qemu.c */
const char *qemu_keep(struct qvm *vm, const char *s);

/* qemu_emit.c: the topology of the VMs read. */
void qemu_emit(struct qvm *vms, int n, FILE *out, FILE *warn);

#endif

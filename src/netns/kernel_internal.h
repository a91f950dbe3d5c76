/*
 * Inside the kernel guests: what the guest and its namespace (kernel.c),
 * its processes (kernel_exec.c: exec commands, udhcpc) and its frames
 * (kernel_tap.c) share. Not for use outside them; see kernel.h.
 */
#ifndef QNETSIM_NETNS_KERNEL_INTERNAL_H
#define QNETSIM_NETNS_KERNEL_INTERNAL_H

#include "kernel.h"
#include "../guest/guest.h"
#include "../os/tapdev.h"
#include "../core/util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct json_t;

#define KEXEC_OUTPUT_MAX (64 * 1024)
#define KEXEC_MAX 64

enum kexec_state { KX_PENDING, KX_RUNNING, KX_EXITED, KX_TIMEOUT, KX_KILLED, KX_FAILED };
const char *kexec_state_name(enum kexec_state st);

/* The kind's members in kernel_exec.c and kernel_tap.c (guest.h). */
void kguest_start(struct guest *gu);
void kguest_input(struct guest *gu, struct nic *nic, struct frame *f);
int kguest_exec_add(struct guest *gu, const char *cmd, char *err);

#define KEXEC_DEFAULT_TIMEOUT (60 * NS_PER_SEC)
#define DHCP_TIMEOUT (20 * NS_PER_SEC)
#define TAP_BUF (FRAME_MAX + 1)

struct kexec {
	struct kguest *k;
	char *cmd;
	int nic;                    /* udhcpc: the NIC; -1: an exec command */
	enum kexec_state state;
	int status;                 /* exit status, or 128 + signal */
	char *out;
	size_t outlen;
	uint64_t dropped;           /* output bytes past KEXEC_OUTPUT_MAX */
	pid_t pid;
	int outfd, pidfd;
	uint64_t started, ended;    /* loop time */
	struct timer timer;
};

struct kguest {
	struct guest *gu;
	char ns[64];
	bool ns_made, resolv_made, open;
	char resolv_dir[96];
	int tapfd[GUEST_MAX_NICS];
	char tapname[GUEST_MAX_NICS][IFNAMSIZ];
	struct kexec *exec[KEXEC_MAX];
	int nexec, next;            /* next: the first not started */
	struct kexec *dhcp[GUEST_MAX_NICS];
	int dhcp_running;
	uint64_t timeout;
	uint8_t *buf;
	uint64_t tap_write_errors;
};

/* The guest's state (guest.h: kind_state). */
static inline struct kguest *KG(const struct guest *gu)
{
	return gu->kind_state;
}

static inline struct loop *LP(struct kguest *k)
{
	return k->gu->node.g->loop;
}

/* kernel.c: the resolver (dns =, or a lease's) as /etc/netns/NS/resolv.conf. */
int kguest_write_resolv(struct kguest *k, uint32_t dns, char *err);

/* kernel_exec.c */
/* A process not started yet: an exec command (nic -1) or udhcpc on a NIC. */
struct kexec *kexec_new(struct kguest *k, const char *cmd, int nic);
/* Kills a running process and waits for it (the guest is closing). */
void kexec_kill(struct kexec *x);
void kexec_free(struct kexec *x);

/* kernel_tap.c: the loop's callback for a NIC's tap (arg: the NIC). */
void kguest_tap_cb(void *arg, uint32_t events);

#endif

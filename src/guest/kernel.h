/*
 * Kernel guests ([guest NAME] kind = netns): the Linux kernel's own stack
 * in a network namespace, one tap per NIC.
 *
 * At start-up (exit 3 when anything fails) qnetsim
 *  - creates the namespace qn<PID>-<NAME> (as `ip netns add`, so
 *    `ip netns exec` reaches it too) with lo up;
 *  - opens a tap per NIC, gives it the NIC's MAC, moves it into the
 *    namespace as eth0, eth1, ... and brings it up;
 *  - sets static addresses (ip =, ip.N =), the default route (gw =) and
 *    the resolver (dns =, as /etc/netns/NS/resolv.conf).
 * When the run starts, NICs with ip = dhcp run busybox udhcpc inside the
 * namespace; the lease it gets is read back (GUEST.ip, .gateway, .dns).
 * Then the guest's exec = commands run one after another inside it, with
 * /bin/sh -c, each with exec_timeout (default 60s); their exit status and
 * output (the first 64 KiB) go to the report, `info kernel GUEST`, the
 * expectations GUEST.exec[N].state/.status/.output and the UI.
 *
 * Frames: what the kernel sends on ethN leaves the NIC's port; what
 * reaches the NIC (its MAC, broadcast, multicast) is written to the tap.
 * The namespace, taps and processes go away at exit, and after a crash on
 * the next start (host.h).
 */
#ifndef QNETSIM_KERNEL_H
#define QNETSIM_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct guest;
struct nic;
struct frame;
struct json_t;
struct kguest;

#define KEXEC_OUTPUT_MAX (64 * 1024)
#define KEXEC_MAX 64

enum kexec_state { KX_PENDING, KX_RUNNING, KX_EXITED, KX_TIMEOUT, KX_KILLED, KX_FAILED };
const char *kexec_state_name(enum kexec_state st);

struct kguest *kguest_new(struct guest *gu);
void kguest_free(struct kguest *k);
/* exec= and exec_timeout=: 1 taken, 0 not ours, -1 bad (err). */
int kguest_key(struct kguest *k, const char *key, const char *val, char *err);

int kguest_open(struct guest *gu, char *err);       /* -1: exit 3 */
void kguest_start(struct guest *gu);
void kguest_close(struct guest *gu);
void kguest_input(struct guest *gu, struct nic *nic, struct frame *f);

/* `exec GUEST CMD`: queued after the commands before it. */
int kguest_exec_add(struct guest *gu, const char *cmd, char *err);
/* exec[N].state|status|output|cmd, netns: 0, or -1 if unknown. */
int kguest_field(struct guest *gu, const char *field, char *buf, size_t len);
const char *kguest_netns(const struct guest *gu);
int kguest_nexec(const struct guest *gu);
/* One line on exec[i]: "exited 0: ping -c3 10.0.0.2". */
void kguest_exec_line(const struct guest *gu, int i, char *buf, size_t len);
void kguest_info(struct guest *gu, FILE *out);
void kguest_report(struct guest *gu, struct json_t *obj);

#endif

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

#include "../guest/guest.h"

/* The kind (guest.h): sim.c lists it in guest_kinds. */
extern const struct guest_kind netns_guest_kind;

#endif

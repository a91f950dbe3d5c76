/*
 * type=vxlan's entry points for tests and the fuzzer (tests/fuzz/fuzz_vxlan.c):
 * the layers above reach it through backend_ops, as every back-end.
 */
#ifndef QNETSIM_VXLAN_H
#define QNETSIM_VXLAN_H

#include "netdev.h"

#define VXLAN_VTEPS_MAX 1024u      /* distinct learned VTEPs at once */

enum vxlan_verdict { VX_OK, VX_SHORT, VX_FLAGS, VX_VNI };

/* Whether a datagram of n bytes carries a frame of network vni (its inner
 * frame follows the 8-byte header): VX_SHORT under 8 bytes, VX_FLAGS with
 * the I flag clear or any other flag or reserved bit set, VX_VNI for
 * another network. */
enum vxlan_verdict vxlan_check(const uint8_t *p, size_t n, uint32_t vni);

/* A datagram of n bytes from `from`, as the socket gave it (group: on the
 * group's socket): checked, counted, learned from, and its frame into the
 * topology. */
void vxlan_datagram(struct netdev *nd, const uint8_t *p, size_t n, const struct sockaddr_in *from,
		    bool group);

/* Learned entries now, and distinct VTEPs they point at. */
uint32_t vxlan_learned(struct netdev *nd, uint32_t *vteps);

#endif

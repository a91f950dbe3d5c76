/*
 * NIC models: every model QEMU 7.2's `-nic model=help` lists for
 * qemu-system-x86_64, with the PCI id QEMU gives it (read with `info pci`
 * from QEMU 7.2.22), the link speed of the real chip and the depth of its
 * transmit ring, which is what limits a simulated guest's queue; and
 * ne2k_isa (the texts' NE2000, which `-net nic,model=ne2k_isa` gives a pc
 * machine; PCI id 0: it has none) and igb (QEMU 8.0).
 */
#ifndef QNETSIM_NIC_MODELS_H
#define QNETSIM_NIC_MODELS_H

#include <stdint.h>
#include <stdio.h>

struct nic_model {
	const char *name;       /* QEMU's model= name */
	uint16_t vendor, device;/* PCI id; 0: an ISA card */
	uint64_t speed;         /* bit/s */
	uint32_t txqlen;        /* transmit ring, frames */
	const char *desc;       /* the chip */
};

extern const struct nic_model nic_models[];
extern const unsigned nic_model_count;

const struct nic_model *nic_model_find(const char *name);
const struct nic_model *nic_model_default(void);   /* e1000, as QEMU */
/* Prints the `model=help` list: QEMU's layout, then our details. */
void nic_model_help(FILE *out);

#endif

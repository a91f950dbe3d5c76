/*
 * The NIC model table. Speeds are the real chips' line rates; queue depths
 * are their transmit rings as Linux drivers set them up by default (the
 * ne2k has one transmit buffer page set, the rtl8139 four descriptors).
 * virtio-net has no line rate; it is modelled as 10 Gbit/s with QEMU's
 * default 256-entry queue, so it never becomes the bottleneck in a
 * topology of 1 Gbit/s bridges.
 */
#include "nic_models.h"
#include "../core/util.h"

#include <stdio.h>
#include <string.h>

#define M 1000000ULL
#define G 1000000000ULL

const struct nic_model nic_models[] = {
	{ "e1000", 0x8086, 0x100e, 1 * G, 256, "Intel 82540EM Gigabit Ethernet" },
	{ "e1000-82544gc", 0x8086, 0x100c, 1 * G, 256, "Intel 82544GC Gigabit Ethernet" },
	{ "e1000-82545em", 0x8086, 0x100f, 1 * G, 256, "Intel 82545EM Gigabit Ethernet" },
	{ "e1000e", 0x8086, 0x10d3, 1 * G, 256, "Intel 82574L Gigabit Ethernet" },
	{ "i82550", 0x8086, 0x1209, 100 * M, 128, "Intel i82550 Ethernet (eepro100)" },
	{ "i82551", 0x8086, 0x1209, 100 * M, 128, "Intel i82551 Ethernet (eepro100)" },
	{ "i82557a", 0x8086, 0x1229, 100 * M, 128, "Intel i82557A Ethernet (eepro100)" },
	{ "i82557b", 0x8086, 0x1229, 100 * M, 128, "Intel i82557B Ethernet (eepro100)" },
	{ "i82557c", 0x8086, 0x1229, 100 * M, 128, "Intel i82557C Ethernet (eepro100)" },
	{ "i82558a", 0x8086, 0x1229, 100 * M, 128, "Intel i82558A Ethernet (eepro100)" },
	{ "i82558b", 0x8086, 0x1229, 100 * M, 128, "Intel i82558B Ethernet (eepro100)" },
	{ "i82559a", 0x8086, 0x1229, 100 * M, 128, "Intel i82559A Ethernet (eepro100)" },
	{ "i82559b", 0x8086, 0x1229, 100 * M, 128, "Intel i82559B Ethernet (eepro100)" },
	{ "i82559c", 0x8086, 0x1229, 100 * M, 128, "Intel i82559C Ethernet (eepro100)" },
	{ "i82559er", 0x8086, 0x1209, 100 * M, 128, "Intel i82559ER Ethernet (eepro100)" },
	{ "i82562", 0x8086, 0x1209, 100 * M, 128, "Intel i82562 Ethernet (eepro100)" },
	{ "i82801", 0x8086, 0x2449, 100 * M, 128, "Intel i82801 Ethernet (eepro100)" },
	{ "igb", 0x8086, 0x10c9, 1 * G, 256, "Intel 82576 Gigabit Ethernet (QEMU 8.0)" },
	{ "ne2k_isa", 0, 0, 10 * M, 2, "NE2000 on the ISA bus (no PCI id)" },
	{ "ne2k_pci", 0x10ec, 0x8029, 10 * M, 2, "Realtek RTL8029 (NE2000 PCI)" },
	{ "pcnet", 0x1022, 0x2000, 10 * M, 16, "AMD Am79C970A PCnet-PCI II" },
	{ "pvrdma", 0x15ad, 0x0820, 10 * G, 512, "VMware paravirtual RDMA (Ethernet function)" },
	{ "rtl8139", 0x10ec, 0x8139, 100 * M, 4, "Realtek RTL8139 Fast Ethernet" },
	{ "tulip", 0x1011, 0x0019, 100 * M, 32, "DEC 21143 Tulip" },
	{ "virtio-net-pci", 0x1af4, 0x1000, 10 * G, 256, "virtio network device (transitional)" },
	{ "virtio-net-pci-non-transitional", 0x1af4, 0x1041, 10 * G, 256,
	  "virtio network device (modern only)" },
	{ "virtio-net-pci-transitional", 0x1af4, 0x1000, 10 * G, 256,
	  "virtio network device (transitional)" },
	{ "vmxnet3", 0x15ad, 0x07b0, 10 * G, 512, "VMware vmxnet3 paravirtual NIC" },
};

const unsigned nic_model_count = ARRAY_SIZE(nic_models);

const struct nic_model *nic_model_find(const char *name)
{
	/* QEMU also accepts "virtio" for virtio-net-pci on -net nic. */
	if (strcmp(name, "virtio") == 0)
		name = "virtio-net-pci";
	for (unsigned i = 0; i < nic_model_count; i++)
		if (strcmp(nic_models[i].name, name) == 0)
			return &nic_models[i];
	return NULL;
}

const struct nic_model *nic_model_default(void)
{
	return &nic_models[0];
}

void nic_model_help(FILE *out)
{
	char rate[32];

	fprintf(out, "Supported NIC models:\n");
	for (unsigned i = 0; i < nic_model_count; i++) {
		const struct nic_model *m = &nic_models[i];

		char id[16] = "ISA";

		if (m->vendor != 0)
			snprintf(id, sizeof(id), "%04x:%04x", m->vendor, m->device);
		fprintf(out, "%-32s %-9s %10s  txq %3u  %s\n", m->name, id,
			fmt_rate(m->speed, rate, sizeof(rate)), m->txqlen, m->desc);
	}
}

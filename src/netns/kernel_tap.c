/*
 * A kernel guest's frames: what the kernel sends on ethN is read from the
 * NIC's tap and leaves the NIC's port; what reaches the NIC through its
 * filter (its MAC, broadcast, multicast) is written to the tap.
 */
#include "kernel_internal.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

static void tap_read(struct kguest *k, int i)
{
	struct nic *nic = k->gu->nics[i];

	for (int n = 0; n < 64; n++) {
		ssize_t len = read(k->tapfd[i], k->buf, TAP_BUF);
		struct frame *f;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (len < (ssize_t)ETH_HLEN || len > (ssize_t)FRAME_MAX)
			continue;
		f = frame_from_bytes(k->gu->node.g->pool, k->buf, (uint32_t)len);
		if (f == NULL) {
			port_count_drop(nic->port, DROP_NO_BUFFER);
			continue;
		}
		f->born = loop_now(LP(k));
		trace_record(k->gu->node.g, nic->port, f, DEC_SENT, 0, 0, true);
		port_tx(nic->port, f);
	}
}

void kguest_tap_cb(void *arg, uint32_t events)
{
	struct nic *nic = arg;

	(void)events;
	tap_read(KG(nic->guest), nic->index);
}

void kguest_input(struct guest *gu, struct nic *nic, struct frame *f)
{
	struct kguest *k = KG(gu);
	int fd = k->tapfd[nic->index];
	ssize_t n;

	/* The NIC's filter: its MAC, broadcast and multicast (the kernel's
	 * IPv6 neighbour discovery needs multicast). */
	if (memcmp(f->data, nic->mac, 6) != 0 && !mac_is_multicast(f->data)) {
		port_drop(nic->port, f, DROP_NOT_FOR_US);
		return;
	}
	if (fd < 0) {
		port_drop(nic->port, f, DROP_LINK_DOWN);
		return;
	}
	do
		n = write(fd, f->data, f->len);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		k->tap_write_errors++;
		port_drop(nic->port, f, errno == EAGAIN ? DROP_PEER_BACKLOG : DROP_PEER_ERROR);
		return;
	}
	trace_record(gu->node.g, nic->port, f, DEC_DELIVERED, 0, 0, false);
	frame_unref(f);
}

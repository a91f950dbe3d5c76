/*
 * The sim guests' ARP: a cache per guest, requests and their retries, the
 * answers to requests for our addresses (RFC 826), and the neighbour output
 * that sends an IPv4 frame to its next hop's MAC address or holds it until
 * ARP answers. An entry's pending frames are its own until they are sent
 * or dropped.
 */
#include "stack.h"

#include <stdlib.h>
#include <string.h>

static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

bool guest_arp_live(const struct guest *gu, const struct arp_entry *e)
{
	uint64_t now = loop_now(gu->node.g->loop);

	return e->resolved && now - e->updated < gu->arp_timeout;
}

static struct arp_entry *arp_find(struct guest *gu, uint32_t ip)
{
	for (int i = 0; i < gu->narp; i++)
		if (gu->arp_ip[i] == ip)
			return gu->arp[i];
	return NULL;
}

const struct arp_entry *guest_arp_lookup(struct guest *gu, uint32_t ip)
{
	struct arp_entry *e = arp_find(gu, ip);

	return e != NULL && guest_arp_live(gu, e) ? e : NULL;
}

static void arp_entry_drop_pending(struct arp_entry *e, enum drop_reason why)
{
	struct nic *nic = e->guest->nics[e->nic];

	for (int i = 0; i < e->npending; i++) {
		struct frame *f = e->pending[i];

		if (why == DROP_ARP_FAILED) {
			/* A ping waiting here hears of it, as ping(8) does. */
			uint32_t off = f->len >= 18 && rd16(f->data + 12) == 0x8100 ? 18 : 14;

			e->guest->st.arp_failed++;
			if (f->len > off)
				guest_ping_error(e->guest, rd32(f->data + off + 12), f->data + off,
						 f->len - off, "Destination Host Unreachable");
		}
		port_drop(nic->port, f, why);
	}
	e->npending = 0;
}

static void arp_remove(struct guest *gu, int idx)
{
	struct arp_entry *e = gu->arp[idx];

	loop_timer_disarm(gu->node.g->loop, &e->retry);
	arp_entry_drop_pending(e, DROP_ARP_FAILED);
	free(e);
	gu->arp[idx] = gu->arp[--gu->narp];
	gu->arp_ip[idx] = gu->arp_ip[gu->narp];
}

static void arp_send(struct nic *nic, uint16_t op, const uint8_t *tha, uint32_t tpa,
		     const uint8_t *eth_dst)
{
	struct frame *f = guest_eth_alloc(nic, eth_dst, ETH_P_ARP, 28);
	uint8_t *a;

	if (f == NULL)
		return;
	a = f->data + ETH_HLEN;
	wr16(a, 1);             /* Ethernet */
	wr16(a + 2, ETH_P_IP);
	a[4] = 6;
	a[5] = 4;
	wr16(a + 6, op);
	memcpy(a + 8, nic->mac, 6);
	wr32(a + 14, nic->ip);
	memcpy(a + 18, tha, 6);
	wr32(a + 24, tpa);
	if (op == 1)
		nic->guest->st.arp_requests_sent++;
	else
		nic->guest->st.arp_replies_sent++;
	guest_nic_send(nic, f);
}

static void arp_retry(void *arg)
{
	struct arp_entry *e = arg;
	struct guest *gu = e->guest;
	static const uint8_t zero[6];

	if (e->tries >= ARP_RETRIES) {
		for (int i = 0; i < gu->narp; i++) {
			if (gu->arp[i] == e) {
				arp_remove(gu, i);
				return;
			}
		}
		return;
	}
	e->tries++;
	arp_send(gu->nics[e->nic], 1, zero, e->ip, bcast_mac);
	loop_timer_arm(gu->node.g->loop, &e->retry, loop_now(gu->node.g->loop) + NS_PER_SEC);
}

static struct arp_entry *arp_new_entry(struct guest *gu, uint32_t ip, int nic)
{
	struct arp_entry *e;

	if (gu->narp == ARP_CACHE_MAX) {
		/* Evict the oldest resolved entry; incomplete ones are in use. */
		int victim = -1;

		for (int i = 0; i < gu->narp; i++)
			if (gu->arp[i]->resolved &&
			    (victim < 0 || gu->arp[i]->updated < gu->arp[victim]->updated))
				victim = i;
		if (victim < 0)
			return NULL;
		arp_remove(gu, victim);
	}
	if (gu->narp == gu->arpcap) {
		gu->arpcap = gu->arpcap ? gu->arpcap * 2 : 4;
		gu->arp = xreallocarray(gu->arp, (size_t)gu->arpcap, sizeof(*gu->arp));
		gu->arp_ip = xreallocarray(gu->arp_ip, (size_t)gu->arpcap, sizeof(*gu->arp_ip));
	}
	e = xcalloc(1, sizeof(*e));
	e->guest = gu;
	e->ip = ip;
	e->nic = nic;
	timer_init(&e->retry, arp_retry, e);
	gu->arp_ip[gu->narp] = ip;
	gu->arp[gu->narp++] = e;
	return e;
}

static void arp_resolved(struct guest *gu, struct arp_entry *e, const uint8_t *mac, int nic)
{
	e->resolved = true;
	memcpy(e->mac, mac, 6);
	e->nic = nic;
	e->updated = loop_now(gu->node.g->loop);
	e->tries = 0;
	loop_timer_disarm(gu->node.g->loop, &e->retry);
	for (int i = 0; i < e->npending; i++) {
		struct frame *f = e->pending[i];

		memcpy(f->data, mac, 6);
		guest_nic_send(gu->nics[nic], f);
	}
	e->npending = 0;
}

void guest_arp_input(struct guest *gu, struct nic *nic, struct frame *f)
{
	const uint8_t *a = f->data + ETH_HLEN;
	uint16_t op;
	uint32_t spa, tpa;
	struct arp_entry *e;

	if (f->len < ETH_HLEN + 28 || rd16(a) != 1 || rd16(a + 2) != ETH_P_IP || a[4] != 6 ||
	    a[5] != 4) {
		port_drop(nic->port, f, DROP_BAD_PACKET);
		return;
	}
	op = rd16(a + 6);
	spa = rd32(a + 14);
	tpa = rd32(a + 24);
	trace_record(gu->node.g, nic->port, f, DEC_DELIVERED, 0, 0, false);
	e = arp_find(gu, spa);
	/* Update an existing entry from any ARP; create one only when the
	 * request is for us (RFC 826's merge rule). */
	if (e != NULL && spa != 0)
		arp_resolved(gu, e, a + 8, nic->index);
	if (op == 1) {
		gu->st.arp_requests_rx++;
		if (nic->ip != 0 && tpa == nic->ip) {
			if (e == NULL && spa != 0 && (e = arp_new_entry(gu, spa, nic->index)) != NULL)
				arp_resolved(gu, e, a + 8, nic->index);
			arp_send(nic, 2, a + 8, spa, a + 8);
		}
	} else if (op == 2) {
		gu->st.arp_replies_rx++;
	}
	frame_unref(f);
}

/* Sends an IP frame (Ethernet destination still blank) to nexthop. */
void guest_neigh_output(struct guest *gu, struct nic *nic, uint32_t nexthop, struct frame *f)
{
	struct arp_entry *e;

	if (nexthop == 0xffffffffu || nic_is_bcast(nic, nexthop)) {
		memcpy(f->data, bcast_mac, 6);
		guest_nic_send(nic, f);
		return;
	}
	e = arp_find(gu, nexthop);
	if (e != NULL && e->resolved && guest_arp_live(gu, e)) {
		memcpy(f->data, e->mac, 6);
		guest_nic_send(nic, f);
		return;
	}
	if (e != NULL && e->resolved) {
		/* Expired: forget it and resolve again. */
		e->resolved = false;
		e->tries = 0;
		e->nic = nic->index;
	}
	if (e == NULL)
		e = arp_new_entry(gu, nexthop, nic->index);
	if (e == NULL || e->npending == ARP_PENDING_MAX) {
		port_drop(nic->port, f, DROP_ARP_QUEUE_FULL);
		return;
	}
	e->pending[e->npending++] = f;
	if (!timer_armed(&e->retry))
		arp_retry(e);
}

void guest_arp_flush_nic(struct guest *gu, int nic)
{
	for (int i = gu->narp - 1; i >= 0; i--)
		if (gu->arp[i]->nic == nic)
			arp_remove(gu, i);
}

/* Every entry, its pending frames dropped as arp_failed (the guest is going). */
void guest_arp_free(struct guest *gu)
{
	while (gu->narp > 0)
		arp_remove(gu, gu->narp - 1);
	free(gu->arp);
	free(gu->arp_ip);
}

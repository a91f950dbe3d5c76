/*
 * Sim guests: a machine with NICs and a small IPv4 stack of its own.
 *
 *  - ARP: a cache per guest (entries expire after arp_timeout, default
 *    60 s; at most ARP_CACHE_MAX entries, the oldest evicted). Packets for an
 *    unresolved neighbour wait (at most ARP_PENDING_MAX per neighbour)
 *    while a request is retried every second, three times; then they are
 *    dropped as "arp_failed".
 *  - IPv4: static address per NIC, an optional default gateway; no
 *    fragmentation or reassembly (fragments are dropped as bad packets).
 *  - ICMP: answers echo requests; `ping` sessions with count, interval and
 *    size record sent, received and rtt min/avg/max.
 *  - UDP: an echo service on port 7, a discard service on port 9; `udp` sends datagrams from a source
 *    port that then accepts replies; other ports answer port unreachable.
 */
#ifndef QNETSIM_GUEST_H
#define QNETSIM_GUEST_H

#include "../core/graph.h"
#include "../nics/nic_models.h"

#define GUEST_MAX_NICS 32
#define ARP_CACHE_MAX 256
#define ARP_PENDING_MAX 3
#define ARP_RETRIES 3
#define ARP_DEFAULT_TIMEOUT (60ULL * NS_PER_SEC)
#define GUEST_MAX_PINGS 256
#define PING_MAX_COUNT 1000000u
#define PING_MAX_SIZE 1472u      /* ICMP payload that fits a 1500-byte MTU */
#define UDP_MAX_SIZE 1472u
#define GUEST_MAX_UDP_PORTS 64

struct guest;
struct udp_flow;

struct nic {
	struct guest *guest;
	int index;
	char *id;                       /* "nic0" or the id= given */
	const struct nic_model *model;
	uint8_t mac[6];
	bool mac_auto;                  /* assigned by qnetsim, not macaddr= */
	uint32_t ip;                    /* 0: none */
	int prefix;
	int vlan;                       /* QEMU vlan= number; -1 when not set */
	struct port *port;
	int line;
};

struct arp_entry {
	struct guest *guest;
	uint32_t ip;
	uint8_t mac[6];
	bool resolved;
	int nic;                        /* the NIC the neighbour is on */
	uint64_t updated;               /* when resolved or refreshed */
	uint8_t tries;
	struct timer retry;
	struct frame *pending[ARP_PENDING_MAX];
	uint8_t npending;
};

struct ping {
	struct guest *guest;
	uint32_t dst;
	uint16_t ident;
	uint32_t count, size;
	uint64_t interval;
	uint64_t started;
	uint32_t sent, received, dups, errors;
	uint64_t rtt_min, rtt_max, rtt_sum;     /* ns */
	uint64_t *sent_at;                      /* per sequence number; 0: not sent */
	uint8_t *got;                           /* per sequence number: reply seen */
	struct timer timer;
};

struct guest_stats {
	uint64_t ip_rx, ip_tx;
	uint64_t icmp_echo_requests, icmp_echo_replies, icmp_unreachable_rx;
	uint64_t udp_sent, udp_received, udp_echoed;
	uint64_t arp_requests_sent, arp_replies_sent, arp_requests_rx, arp_replies_rx;
	uint64_t no_route, arp_failed;
};

struct guest {
	struct node node;
	struct nic *nics[GUEST_MAX_NICS];
	int nnics;
	uint32_t gateway;               /* 0: none */
	uint64_t arp_timeout;
	struct arp_entry **arp;
	int narp, arpcap;
	struct ping *pings[GUEST_MAX_PINGS];
	int npings;
	uint16_t udp_ports[GUEST_MAX_UDP_PORTS]; /* source ports we sent from */
	int nudp_ports;
	struct udp_flow *flows[GUEST_MAX_UDP_PORTS];
	int nflows;
	uint16_t ip_id;
	uint16_t ident_base;
	struct guest_stats st;
};

struct guest *guest_new(struct graph *g, const char *name, int line);
struct guest *guest_from_node(struct node *n);  /* NULL if not a guest */
struct nic *guest_add_nic(struct guest *gu, const struct nic_model *model, int line);
/* Creates the NIC's port (after the MAC and model are final). */
void guest_nic_attach(struct nic *nic);
struct nic *guest_find_nic(struct guest *gu, const char *id);

/* Starts a ping session. Returns it, or NULL with err. */
struct ping *guest_ping(struct guest *gu, uint32_t dst, uint32_t count, uint64_t interval,
			uint32_t size, char *err);
/* The latest ping session (to dst, or to anyone when dst is 0). */
struct ping *guest_last_ping(struct guest *gu, uint32_t dst);
/* Sends count UDP datagrams of size bytes (or data when not NULL). */
int guest_udp_send(struct guest *gu, uint32_t dst, uint16_t dport, uint16_t sport,
		   uint32_t count, uint64_t interval, uint32_t size, const char *data, char *err);
/* Checks whether the guest could route to dst at all (for --check). */
bool guest_has_route(struct guest *gu, uint32_t dst);
/* A live ARP entry for ip, or NULL. */
const struct arp_entry *guest_arp_lookup(struct guest *gu, uint32_t ip);
bool guest_arp_live(const struct guest *gu, const struct arp_entry *e);

#endif

/*
 * Inside the sim guests' stack: what guest.c (the node, Ethernet), arp.c
 * (ARP, the neighbour output) and ip.c (IPv4, ICMP, UDP) offer one another
 * and dhcp.c, dns.c and tcp.c, and what those offer them back.
 */
#ifndef QNETSIM_GUEST_STACK_H
#define QNETSIM_GUEST_STACK_H

#include "guest.h"
#include "../core/util.h"

#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define IP_HLEN 20
#define ICMP_HLEN 8
#define UDP_HLEN 8
#define TCP_HLEN 20

static inline uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static inline uint32_t csum_add(uint32_t sum, const uint8_t *p, uint32_t len)
{
	for (uint32_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static inline uint32_t prefix_mask(int prefix)
{
	return prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
}

/* ip is a broadcast on n: all ones, or its subnet's broadcast address. */
static inline bool nic_is_bcast(const struct nic *n, uint32_t ip)
{
	return ip == 0xffffffffu ||
	       (n->ip != 0 && n->prefix < 31 && ip == (n->ip | ~prefix_mask(n->prefix)));
}

/* guest.c */
/* A frame from nic with its Ethernet header (dst NULL: left zero) and room
 * for payload bytes, padded to 60; NULL, counted, when the pool is empty. */
struct frame *guest_eth_alloc(struct nic *nic, const uint8_t *dst, uint16_t type,
			      uint32_t payload);
/* Sends a frame out of nic (tagged, for a VLAN interface) through the
 * loop's FIFO; takes its reference. */
void guest_nic_send(struct nic *nic, struct frame *f);

/* arp.c */
/* An ARP frame that passed the NIC's filter; takes its reference. */
void guest_arp_input(struct guest *gu, struct nic *nic, struct frame *f);
/* Sends an IP frame (Ethernet destination still blank) to nexthop, or
 * holds it until ARP answers; takes its reference. */
void guest_neigh_output(struct guest *gu, struct nic *nic, uint32_t nexthop, struct frame *f);
/* Forgets ARP entries learned on a NIC (its address changed). */
void guest_arp_flush_nic(struct guest *gu, int nic);
/* Frees the cache, pending frames dropped (the guest is going). */
void guest_arp_free(struct guest *gu);

/* ip.c */
/* Sends an IPv4 packet (UDP and TCP checksums filled in here). src 0: the
 * route's NIC address. Returns 0, or -1 when there is no route. */
int guest_ip_output(struct guest *gu, uint32_t dst, uint8_t proto, const uint8_t *l4, uint32_t l4len,
		    uint32_t src);
/* Sends a UDP datagram (src 0: the route's address). */
int guest_udp_output(struct guest *gu, uint32_t dst, uint16_t sport, uint16_t dport,
		     const uint8_t *data, uint32_t len, uint32_t src);
/* Sends a UDP datagram out of one NIC to an Ethernet address, without
 * routing or ARP (DHCP before the NIC has an address). */
void guest_udp_raw(struct nic *nic, const uint8_t *dmac, uint32_t src, uint32_t dst,
		   uint16_t sport, uint16_t dport, const uint8_t *data, uint32_t len);
/* The NIC and next hop toward dst, or NULL. */
struct nic *guest_route(struct guest *gu, uint32_t dst, uint32_t *nexthop);
/* Sends an ICMP message: type, code, the 4 bytes after the checksum, data. */
void guest_icmp_send(struct guest *gu, uint32_t dst, uint8_t type, uint8_t code,
		     const uint8_t *rest4, const uint8_t *data, uint32_t dlen, uint32_t src);
/* An IPv4 frame that passed the NIC's filter; takes its reference. */
void guest_ip_input(struct guest *gu, struct nic *nic, struct frame *f);
/* Stops and frees the udp command's sends (the guest is going). */
void guest_udp_free_all(struct guest *gu);

/* ping.c: an echo reply (ICMP length len, IP TTL ttl) from `from`. */
void guest_ping_reply(struct guest *gu, uint32_t from, uint16_t ident, uint16_t seq, uint8_t ttl,
		      uint32_t len);
/* A packet of ours (IPv4 header first) that came to nothing: when it is a
 * ping's echo request, that ping says so as ping(8) does ("From FROM
 * icmp_seq=N WHAT"): ARP never answered (from: ourselves), or an ICMP
 * error from a router (time exceeded, unreachable). */
void guest_ping_error(struct guest *gu, uint32_t from, const uint8_t *ip, uint32_t len,
		      const char *what);
void guest_ping_free(struct ping *p);

/* dhcp.c: a UDP datagram for port 68 on a NIC with a DHCP client. */
void dhcp_input(struct dhcp_client *d, const uint8_t *ip, const uint8_t *data, uint32_t len);
/* tcp_input.c: a TCP segment for us. */
void tcp_input(struct guest *gu, struct nic *nic, const uint8_t *ip, const uint8_t *seg,
	       uint32_t len);
/* dns.c: 1 if the datagram answered one of our queries. */
int dns_input(struct guest *gu, uint32_t src, uint16_t sport, uint16_t dport,
	      const uint8_t *data, uint32_t len);

#endif

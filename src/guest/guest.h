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
 *  - DHCP client (dhcp.c) for NICs with `ip = dhcp`: DISCOVER, OFFER,
 *    REQUEST, ACK; the subnet mask, router and DNS options; renewal at T1
 *    (unicast), rebinding at T2 (broadcast), the address dropped at expiry.
 *  - DNS resolver (dns.c): `resolve` sends A queries to the guest's DNS server.
 *  - TCP (tcp.c): active and passive open, data both ways, FIN and RST,
 *    retransmission on timeout with RFC 6298 RTO and Karn's rule; echo on
 *    port 7, discard on port 9, `tcp_listen` sinks; see tcp.c for limits.
 */
#ifndef QNETSIM_GUEST_H
#define QNETSIM_GUEST_H

#include <stdio.h>

#include "../core/graph.h"
#include "../core/lines.h"
#include "../core/values.h"
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

#define GUEST_MAX_ROUTES 32

/* route = NET/LEN via GW: a static route (forward = on or not). */
struct guest_route {
	uint32_t net, via;
	int prefix, line;
};

struct guest;
struct udp_flow;
struct dhcp_client;
struct tcp_conn;
struct dns_query;
struct value;
struct detail_lines;
struct json_t;

#define GUEST_MAX_TCP 256         /* connections kept per guest, closed ones reused */
#define GUEST_MAX_LISTEN 16
#define GUEST_MAX_DNS 64

struct nic {
	struct guest *guest;
	int index;
	char *id;                       /* "nic0" or the id= given */
	bool id_given;                  /* id= was given (QEMU names it so) */
	const struct nic_model *model;
	uint8_t mac[6];
	bool mac_auto;                  /* assigned by qnetsim, not macaddr= */
	uint32_t ip;                    /* 0: none */
	int prefix;
	int vlan;                       /* QEMU vlan= number; -1 when not set */
	struct dhcp_client *dhcp;       /* ip = dhcp; NULL for a static address */
	bool dhcp_wanted;               /* ip = dhcp (a sim guest's client is dhcp) */
	struct port *port;
	int line;
	/* An 802.1Q VLAN interface ("nic0.10"): it sends and receives frames
	 * tagged vid on its parent's port, with the parent's MAC. */
	struct nic *parent;             /* NULL for a real NIC */
	uint16_t vid;
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
	uint8_t ttl;                            /* of the requests; 0: 64 */
	uint64_t rtt_min, rtt_max, rtt_sum;     /* ns */
	double rtt_sq;                          /* sum of squared RTTs, ms^2, for mdev */
	uint64_t *sent_at;                      /* per sequence number; 0: not sent */
	uint8_t *got;                           /* per sequence number: reply seen */
	bool done;                              /* statistics printed */
	struct timer timer;                     /* the next request, then the end */
};

struct guest_stats {
	uint64_t ip_rx, ip_tx;
	uint64_t icmp_echo_requests, icmp_echo_replies, icmp_unreachable_rx;
	uint64_t udp_sent, udp_received, udp_echoed;
	uint64_t arp_requests_sent, arp_replies_sent, arp_requests_rx, arp_replies_rx;
	uint64_t no_route, arp_failed;
	uint64_t tcp_segs_in, tcp_segs_out, tcp_retransmits, tcp_resets_sent, tcp_resets_rx;
	uint64_t tcp_bad;
	uint64_t ip_forwarded, ttl_exceeded, icmp_time_exceeded_rx;
};

enum tcp_app { TCP_APP_SINK, TCP_APP_ECHO, TCP_APP_DISCARD };

struct tcp_listener {
	uint16_t port;
	enum tcp_app app;
	uint32_t accepted;
};

#define GUEST_MAX_VIFS 32

struct guest {
	struct node node;
	/* [0, nnics): NICs; [nnics, nnics + nvifs): VLAN interfaces. */
	struct nic **nics;
	int nnics;
	int nvifs;
	int nicscap;
	uint32_t gateway;               /* 0: none */
	uint64_t arp_timeout;
	struct arp_entry **arp;
	uint32_t *arp_ip;               /* arp[i]->ip, searched without reading the entries */
	int narp, arpcap;
	/* The growing arrays (VEC_RESERVE) below hold at most their
	 * GUEST_MAX_*; a guest that does nothing holds none of them. */
	struct ping **pings;
	int npings, pingscap;
	uint16_t *udp_ports;            /* source ports we sent from */
	int nudp_ports, udp_portscap;
	struct udp_flow **flows;
	int nflows, flowscap;
	uint16_t ip_id;
	uint16_t ident_base;
	uint32_t dns;                   /* DNS server: dns = or from DHCP; 0: none */
	bool gateway_static;            /* gw = given: DHCP's router does not replace it */
	struct tcp_conn **tcp;
	int ntcp, tcpcap;
	int tcp_next_id;
	uint16_t tcp_next_port;
	struct tcp_listener *listen;
	int nlisten, listencap;
	struct dns_query **dnsq;
	int ndnsq, dnsqcap;
	struct guest_stats st;
	/* forward = on: IPv4 between its interfaces, by its routes (ip.c). */
	bool forward;
	struct guest_route *routes;
	int nroutes, routescap;
	uint8_t tx_ttl;                 /* the TTL of what it sends now; 0: 64 */
	const struct guest_kind *kind;  /* sim (guest_sim_kind) unless kind = */
	void *kind_state;               /* the kind's own, from its init */
};

/*
 * A kind of guest: whose stack answers its NICs. Every guest is a struct
 * guest with NICs, addresses, a gateway and a DNS server; its kind does
 * the rest. sim (guest_sim_kind, here) is qnetsim's own stack; netns
 * (src/netns/) the Linux kernel's. The loader, sim, commands,
 * expectations, the report and the UI call these and never ask which
 * kind a guest is; the kinds are listed once, in sim.c's guest_kinds.
 * Optional members may be NULL.
 */
struct guest_kind {
	const char *name;               /* kind = NAME */
	const char *about;              /* "the Linux kernel's, in a network namespace" */
	const char *tag;                /* in the UI's node line ("netns, "); NULL: none */
	const char *stack;              /* for errors: "the Linux kernel's stack" */
	/* The sim stack's commands (ping, udp, tcp, resolve, dhcp, arp) and
	 * values apply; false: they are refused with a pointer to exec. */
	bool sim_stack;
	bool real;                      /* needs the real clock */
	/* NULL: ip.NIC.VID makes VLAN interfaces; else why not, for the error. */
	const char *no_vifs;
	const char *const *keys;        /* its own section keys, NULL-ended */
	const char *values;             /* its own values, for the error listing them */
	const char *info_word;          /* `info WORD GUEST`: info */
	void (*init)(struct guest *gu); /* when kind = NAME is read */
	void (*free)(struct guest *gu);
	/* One of keys: 0, or -1 with err. */
	int (*key)(struct guest *gu, const char *key, const char *val, char *err);
	void (*dhcp)(struct nic *nic);  /* ip = dhcp on nic, after dhcp_wanted is set */
	int (*open)(struct guest *gu, char *err);       /* real resources; -1: exit 3 */
	void (*start)(struct guest *gu);                /* the run starts */
	void (*input)(struct guest *gu, struct nic *nic, struct frame *f);
	/* One of its values: 0, or -1 when name is none of them (err untouched). */
	int (*value)(struct guest *gu, const char *name, bool check, struct value *v);
	void (*report)(struct guest *gu, struct json_t *obj);   /* its keys of the guest's object */
	void (*info)(struct guest *gu, FILE *out);
	void (*lines)(struct guest *gu, struct detail_lines *o); /* the UI's details */
	/* `exec GUEST CMD`: queues it; its index, or -1 with err. */
	int (*exec)(struct guest *gu, const char *cmd, char *err);
};

extern const struct guest_kind guest_sim_kind;

struct guest *guest_new(struct graph *g, const char *name, int line);
/* Prints "[time] GUEST: message" to the run's output (any kind's). */
void guest_event(struct guest *gu, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* GUEST.udp.NAME and the report's "udp" object (field.h; the object is the
 * struct guest). */
extern const struct field_table guest_udp_fields;
/* GUEST.ip, .gateway (.gw), .dns and the report's keys of the guest. */
extern const struct field_table guest_fields;
struct guest *guest_from_node(struct node *n);  /* NULL if not a guest */
/* Adds VLAN interface vid on parent ("nic0.10"); NULL when the guest has
 * GUEST_MAX_VIFS already. Call after every NIC is added. */
struct nic *guest_add_vif(struct nic *parent, uint16_t vid);
struct nic *guest_add_nic(struct guest *gu, const struct nic_model *model, int line);
/* Creates the NIC's port (after the MAC and model are final). */
void guest_nic_attach(struct nic *nic);
struct nic *guest_find_nic(struct guest *gu, const char *id);
/* The same, or NIC number N when name is a number ("0"). */
struct nic *guest_nic_named(struct guest *gu, const char *name);

/* Starts a ping session. Returns it, or NULL with err. */
struct ping *guest_ping(struct guest *gu, uint32_t dst, uint32_t count, uint64_t interval,
			uint32_t size, uint8_t ttl, char *err);
/* A session's values: GUEST.ping.NAME, GUEST.ping[IP].NAME and the
 * report's "pings" (field.h; the object is the struct ping). */
extern const struct field_table ping_fields;
/* The latest ping session (to dst, or to anyone when dst is 0). */
struct ping *guest_last_ping(struct guest *gu, uint32_t dst);
/* Sends count UDP datagrams of size bytes (or data when not NULL). */
int guest_udp_send(struct guest *gu, uint32_t dst, uint16_t dport, uint16_t sport,
		   uint32_t count, uint64_t interval, uint32_t size, const char *data, char *err);
/* Starts what runs by itself (DHCP clients). */
void guest_start(struct guest *gu);

/* DHCP (dhcp.c). */
enum dhcp_state { DHCP_INIT, DHCP_SELECTING, DHCP_REQUESTING, DHCP_BOUND, DHCP_RENEWING,
		  DHCP_REBINDING };
const char *dhcp_state_name(enum dhcp_state st);
struct dhcp_client *dhcp_client_new(struct nic *nic);
void dhcp_client_free(struct dhcp_client *d);
enum dhcp_state dhcp_state(const struct dhcp_client *d);
/* Its values: GUEST.dhcp.NAME, the report's "dhcp" (the object is the
 * struct dhcp_client). */
extern const struct field_table dhcp_fields;
/* `dhcp GUEST renew|release|restart [NIC]` */
int dhcp_command(struct nic *nic, const char *what, char *err);
void dhcp_info(const struct dhcp_client *d, FILE *out);

/* TCP (tcp.c). */
enum tcp_state { TS_CLOSED, TS_LISTEN, TS_SYN_SENT, TS_SYN_RCVD, TS_ESTABLISHED,
		 TS_FIN_WAIT_1, TS_FIN_WAIT_2, TS_CLOSING, TS_TIME_WAIT, TS_CLOSE_WAIT,
		 TS_LAST_ACK };
const char *tcp_state_name(enum tcp_state st);
struct tcp_conn *tcp_find(struct guest *gu, int id);
/* Opens a connection; returns its id, or -1 with err. */
int tcp_connect(struct guest *gu, uint32_t dst, uint16_t dport, uint16_t sport, char *err);
int tcp_send(struct tcp_conn *c, const uint8_t *data, uint32_t len, char *err);
int tcp_close(struct tcp_conn *c, bool abort, char *err);
int tcp_listen(struct guest *gu, uint16_t port, enum tcp_app app, char *err);
/* A connection's values: GUEST.tcp[ID].NAME, the report's "tcp" (the
 * object is the struct tcp_conn). */
extern const struct field_table tcp_fields;
void tcp_info(struct guest *gu, FILE *out);
void tcp_free_all(struct guest *gu);
int tcp_count(const struct guest *gu);
struct tcp_conn *tcp_at(struct guest *gu, int i);

/* DNS (dns.c). Starts a query for name's A records; -1 with err. */
int dns_resolve(struct guest *gu, const char *name, uint32_t server, uint16_t port, char *err);
/* The latest query for name: "1.2.3.4", "nxdomain", "pending", "timeout"... */
const char *dns_result(struct guest *gu, const char *name, char *buf, size_t len);
void dns_info(struct guest *gu, FILE *out);
void dns_free_all(struct guest *gu);

/* The NIC and next hop for dst by the longest matching prefix: its own
 * subnets, its routes, its gateway; NULL: none. *which: 0 a subnet of its
 * own, 1..GUEST_MAX_ROUTES routes[which - 1], 255 the gateway. */
struct nic *guest_route_which(struct guest *gu, uint32_t dst, uint32_t *nexthop, int *which);
/* "10.0.2.0/24 via 10.0.1.254 (line 12)" for a route code of
 * guest_route_which. */
void guest_route_text(const struct guest *gu, int which, char *buf, size_t len);

/* Checks whether the guest could route to dst at all (for --check). */
bool guest_has_route(struct guest *gu, uint32_t dst);
/* The same, counting a NIC still waiting for DHCP as a way anywhere. */
bool guest_may_route(struct guest *gu, uint32_t dst);
/* A live ARP entry for ip, or NULL. */
const struct arp_entry *guest_arp_lookup(struct guest *gu, uint32_t ip);
bool guest_arp_live(const struct guest *gu, const struct arp_entry *e);

#endif

/*
 * The user netdev (libslirp NAT): its options (user.c) and its run time
 * (usernet.c, userframes.c, userguestfwd.c, userinfo.c; usernet_internal.h).
 */
#ifndef QNETSIM_USER_H
#define QNETSIM_USER_H

#include "netdev.h"

#include <poll.h>
#include <slirp/libslirp.h>

#define USERNET_MAX_LEASES 64   /* libslirp hands out 16; others are seen, not kept */

struct user_hostfwd {
	bool udp;
	struct in_addr haddr;       /* 0: every address */
	int hport;                  /* 0: any free port (then bound_port says which) */
	struct in_addr gaddr;       /* 0: dhcpstart */
	int gport;
	int line;                   /* 0: added at run time */
	char *text;                 /* as written */
	bool active;                /* set up in libslirp */
};

enum guestfwd_kind { GF_CMD, GF_TCP, GF_UNIX };

struct user_guestfwd {
	struct in_addr addr;
	int port;
	enum guestfwd_kind kind;
	char *target;               /* the command, HOST:PORT or path */
	char *text;
	int line;
	/* GF_TCP: one connection to HOST:PORT for the run, as QEMU's chardev */
	struct sockaddr_storage host;
	socklen_t host_len;
	int host_fd;
	struct usernet *u;
	uint8_t *out;               /* guest -> host bytes not yet written */
	size_t outlen, outcap;
	uint64_t to_host, from_host;
	bool host_closed;
};

#define USERNET_REASS 16        /* IPv4 datagrams being put together at once */
#define USERNET_REASS_MAX 65535 /* an IPv4 datagram's most bytes, header included */

/* An IPv4 datagram from the guests whose fragments are being put together
 * before libslirp sees it (userframes.c says why libslirp must not). */
struct user_reass {
	bool used;
	uint32_t src, dst;
	uint16_t id;
	uint8_t proto;
	uint64_t until;             /* loop time it is given up */
	uint32_t hlen;              /* the first fragment's IP header length; 0: not come */
	uint32_t total;             /* payload bytes once the last fragment came; 0: not */
	uint32_t reach;             /* the furthest any fragment went */
	uint8_t eth[ETH_HLEN];      /* the first fragment's Ethernet header */
	uint8_t hdr[60];            /* and its IP header */
	uint8_t *data;              /* USERNET_REASS_MAX bytes of payload, kept for reuse */
	uint64_t *got;              /* a bit per payload byte received */
};

struct user_lease {
	uint8_t mac[6];
	struct in_addr ip;
	uint32_t seconds;           /* lease time libslirp gave */
	uint64_t granted;           /* loop time of the ACK */
	uint32_t acks;              /* ACKs seen (renewals count) */
};

struct usernet {
	struct netdev nd;           /* first: backend_user.size is the whole */
	SlirpConfig cfg;
	bool ipv4, ipv6;
	char *hostname, *domainname, *tftp, *bootfile, *tftp_server_name;
	char **dnssearch;           /* NULL-terminated */
	int ndnssearch;
	char *smb;                  /* the shared directory (absolute) */
	struct in_addr smbserver;
	char smb_tmp[64];           /* the smb.conf directory we made */
	struct user_hostfwd *hostfwds;
	int nhostfwds;
	struct user_guestfwd *guestfwds;
	int nguestfwds;
	char net_text[40];

	Slirp *slirp;
	int epfd;                   /* an epoll set of libslirp's sockets, on our loop */
	struct pollfd *pfd;         /* what the last slirp_pollfds_fill asked for */
	int npfd, pfdcap;
	struct pollfd *old;         /* the fill before, to drop fds no longer wanted */
	int nold, oldcap;
	struct timer tick;          /* libslirp's own timeouts (TCP timers) */
	bool cycle_queued;
	struct user_timer *timers;  /* libslirp's timer_new_opaque timers */

	struct user_lease leases[USERNET_MAX_LEASES];
	int nleases;
	bool ping_ok;               /* the host lets us send pings on */
	char ping_why[512];
	bool ping_told;
	bool ping6_told;            /* IPv6 pings libslirp cannot send, told */

	struct user_reass reass[USERNET_REASS];
	uint64_t reassembled;       /* datagrams put together from fragments */
	uint64_t reass_failed;      /* datagrams given up: timed out, pushed out, inconsistent */
};

void usernet_init(struct netdev *nd);
const char *usernet_net_text(struct usernet *u);   /* "10.0.2.0/24" */

int usernet_parse_hostfwd(const char *rule, struct user_hostfwd *f, char *err);
int usernet_parse_hostfwd_remove(const char *rule, struct user_hostfwd *f, char *err);

int usernet_open(struct netdev *nd, char *err);
void usernet_output(struct netdev *nd, struct frame *f);
void usernet_close(struct netdev *nd);
void usernet_describe(struct netdev *nd, char *buf, size_t len);
void usernet_info_network(struct netdev *nd, FILE *out);
void usernet_report(struct netdev *nd, struct json_t *obj);
void usernet_free(struct netdev *nd);

/* The user netdev's state, for its own hooks (nd is a user netdev). */
static inline struct usernet *U(struct netdev *nd)
{
	return container_of(nd, struct usernet, nd);
}

/* The user netdev behind nd, or NULL. */
struct usernet *usernet_of(struct netdev *nd);
/* Run-time commands. Return -1 with err. */
int usernet_hostfwd_add(struct usernet *u, const char *rule, FILE *out, char *err);
int usernet_hostfwd_remove(struct usernet *u, const char *rule, FILE *out, char *err);
/* `info usernet`: connections (libslirp's table), forwards and leases. */
void usernet_info(struct usernet *u, FILE *out);

/* userops.c: the backend_ops hooks for values, commands and the UI. */
int user_value(struct netdev *nd, const char *name, struct value *v, char *err);
void user_lines(struct netdev *nd, struct detail_lines *o);
extern const struct backend_cmd user_cmds[];

#endif

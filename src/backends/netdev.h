/*
 * Netdevs: QEMU's back-ends, each a node with one port toward the topology
 * and real file descriptors toward the outside.
 *
 * A frame that reaches the netdev's port from the topology goes to the
 * peer (backend output); a frame the peer sends enters the topology through
 * the same port. What happens in between is the backend's business, and it
 * never blocks the loop:
 *
 *  - streams (socket listen/connect/fd, stream): a 4-byte big-endian length,
 *    then the frame, as QEMU frames them. Reads run through a state machine
 *    that takes any split across reads; a length of 0, below 14 or above
 *    69632 drops the peer (counted, logged). Writes go through a bounded
 *    per-peer queue flushed with non-blocking sendmsg; a full queue is a
 *    counted drop, never a wait, and MSG_NOSIGNAL keeps SIGPIPE away.
 *  - datagrams (socket mcast/udp, dgram): one frame per datagram. A send
 *    that would block is a counted drop (datagrams are lossy anyway).
 *  - frames shorter than 60 bytes leave zero-padded to 60, as a real NIC
 *    would put them on the wire.
 *
 * Peer state (listening, connecting, connected, reconnecting, open, error)
 * is kept here for `info network`, the report, expectations and the UI.
 *
 * To add a backend: one file in src/backends/ that fills a const struct
 * backend_ops (its options, parsed into a struct sock_spec or its own
 * state), one line in backend_table (netdev.c), one Makefile line.
 */
#ifndef QNETSIM_NETDEV_H
#define QNETSIM_NETDEV_H

#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "../core/field.h"
#include "../core/graph.h"

struct netdev;
struct json_t;

#define NETDEV_QUEUE_DEFAULT 1024u   /* frames waiting for a slow stream peer */
#define NETDEV_RECONNECT_DEFAULT (1 * NS_PER_SEC)

enum netdev_state {
	ND_CLOSED,          /* not opened yet, or closed at exit */
	ND_LISTENING,       /* server: waiting for a peer */
	ND_CONNECTING,      /* client: connect() in progress */
	ND_CONNECTED,       /* stream: a peer is there */
	ND_RECONNECTING,    /* client: waiting to try again */
	ND_OPEN,            /* datagram: bound, sending to the remote */
	ND_ERROR,           /* client without reconnect, after a failure */
};

const char *netdev_state_name(enum netdev_state st);

/* How a socket-family netdev talks to the outside; the backend files fill
 * it from QEMU's options, sockio.c does the I/O. */
enum sock_kind {
	SK_NONE,
	SK_STREAM_SERVER,   /* listen, accept one peer at a time */
	SK_STREAM_CLIENT,   /* connect, reconnect on failure */
	SK_STREAM_FD,       /* an inherited connected stream socket */
	SK_DGRAM,           /* bound to local, sendto remote */
	SK_DGRAM_MCAST,     /* a multicast bus: join remote's group */
	SK_DGRAM_FD,        /* an inherited datagram socket */
};

struct sock_spec {
	enum sock_kind kind;
	struct sockaddr_storage local;   /* stream: listen or connect address */
	socklen_t local_len;             /* 0: none (dgram: unbound) */
	struct sockaddr_storage remote;  /* dgram: where frames go; mcast: group */
	socklen_t remote_len;
	struct in_addr mcast_if;         /* mcast: interface address */
	int fd;                          /* SK_*_FD */
	int port_to;                     /* stream inet server: try ports up to this */
	uint64_t reconnect;              /* client: ns between attempts, 0: never */
	uint32_t queue;                  /* stream: write queue limit, frames */
	bool keepalive;                  /* stream inet: SO_KEEPALIVE */
};

struct netdev_opt {
	const char *key;
	const char *val;
	int line;
};

/* A command a back-end answers (QEMU's hostfwd_add for user), and the words
 * of `info` it answers (usernet). argv[0] is the command's name; a netdev
 * name, when given, is already taken out. check: validate only. 0, or -1
 * with err. */
struct backend_cmd {
	const char *name;
	int (*run)(struct netdev *nd, int argc, char **argv, bool check, FILE *out, char *err);
};

/* Where a back-end writes the lines of its own in the UI's details. */
enum netdev_line_style { NL_HEADING, NL_TEXT, NL_DIM };
struct netdev_lines {
	void (*line)(struct netdev_lines *o, enum netdev_line_style style, const char *text);
};

struct backend_ops {
	const char *type;           /* "socket" */
	const char *options;        /* for error messages: the keys it takes */
	const char *const *repeatable;  /* keys that may be given many times; NULL-ended */
	/* Reads the section's options (type/vlan/id already taken out).
	 * Returns -1 with err and *line set to the offending option's line. */
	int (*configure)(struct netdev *nd, const struct netdev_opt *o, int n, int *line,
			 char *err);
	/* Run time. NULL: the socket family's I/O (sockio.c). */
	int (*open)(struct netdev *nd, char *err);          /* -1 with err: exit 3 */
	void (*output)(struct netdev *nd, struct frame *f); /* a frame for outside */
	void (*close)(struct netdev *nd);
	/* Optional: the state line, more lines for `info network`, more fields
	 * for the report's netdevs[] entry, and freeing nd->priv. */
	void (*describe)(struct netdev *nd, char *buf, size_t len);
	void (*info)(struct netdev *nd, FILE *out);
	void (*report)(struct netdev *nd, struct json_t *obj);
	void (*free)(struct netdev *nd);
	/* Optional: values of its own for expectations (user: leases,
	 * lease[MAC]): 1 set, 0 not one of its, -1 with err. */
	int (*value)(struct netdev *nd, const char *name, struct value *v, char *err);
	/* Optional: lines of its own in the UI's details (forwards, leases). */
	void (*lines)(struct netdev *nd, struct netdev_lines *o);
	/* Optional: its commands and info words, ended by a NULL name. */
	const struct backend_cmd *cmds;
	/* No peer connects to it (user): the UI leaves connects and
	 * disconnects out while they are 0. */
	bool peerless;
};

struct netdev_stats {
	uint64_t connects;          /* peers accepted, or connections made */
	uint64_t disconnects;       /* peers that went away by themselves */
	uint64_t peers_dropped;     /* peers cut off for what they sent */
	uint64_t refused;           /* extra simultaneous peers turned away */
	uint64_t connect_failures;  /* client connection attempts that failed */
	uint64_t bad_length;        /* stream lengths of 0, < 14 or > 69632 */
	uint64_t partial;           /* peers that left in the middle of a frame */
	uint64_t runts;             /* datagrams shorter than 14 bytes */
	uint64_t oversize;          /* datagrams over 69632 bytes */
	uint64_t echoes;            /* multicast: our own frames heard back */
	uint64_t send_errors;       /* sends that failed (not would-block) */
	uint64_t accept_backoffs;   /* accepts that failed for want of descriptors */
	/* user (libslirp) */
	uint64_t tags_stripped;     /* 802.1Q tags removed before libslirp */
	uint64_t padded;            /* libslirp frames padded to 60 bytes */
	uint64_t dhcp_acks;         /* DHCP ACKs libslirp sent */
	uint64_t pings_lost;        /* echo requests the host cannot send on */
	uint64_t guest_errors;      /* libslirp's guest_error reports */
};

struct wq_ent {
	struct frame *f;
	uint8_t hdr[4];             /* stream length word */
	uint32_t wire;              /* bytes on the wire: 4 + padded length */
};

struct netdev {
	struct node node;
	struct port *port;
	const struct backend_ops *ops;
	struct loop *loop;          /* the graph's */
	int vlan;                   /* -1: not on a QEMU vlan */
	char *options;              /* the options as written, for info network */

	struct sock_spec spec;
	enum netdev_state state;
	char local_desc[128];       /* "127.0.0.1:8010", "/tmp/q.sock" */
	char remote_desc[128];      /* the configured remote (client, dgram) */
	char peer[160];             /* the connected peer's address */
	struct sockaddr_storage last_from;  /* datagrams: the last sender, */
	socklen_t last_from_len;            /* formatted only when asked */
	char error[ERRLEN];         /* the last error, for the state line */
	uint64_t since;             /* loop time of the last state change */
	uint64_t last_rx;           /* loop time of the last frame from outside */
	struct netdev_stats st;
	void *priv;                 /* backends with their own state (user) */

	int lfd;                    /* listening socket, -1 */
	int fd;                     /* connected stream, or datagram socket, -1 */
	int sfd;                    /* mcast: the socket we send from, -1 */
	struct sockaddr_storage self;  /* mcast: sfd's address, to spot echoes */
	socklen_t self_len;
	struct timer timer;         /* reconnect */
	struct loop_backoff accept_backoff;  /* lfd, while out of descriptors */
	bool unlink_at_close;       /* a unix path we bound */
	bool tuned_reconnect, tuned_queue;  /* given in the topology */

	/* stream reassembly */
	uint8_t lenbuf[4];
	uint32_t lenhave, need, got;
	struct frame *rf;           /* the frame being filled, NULL: discarding */

	/* stream write queue (ring) */
	struct wq_ent *wq;
	uint32_t wqcap, wqhead, wqcount;
	uint32_t woff;              /* bytes of the head entry already written */
	bool want_out, flush_queued;
	uint8_t *rbuf;
};

/* The backend for a type= value, NULL if unknown. */
const struct backend_ops *backend_find(const char *type);
/* A key of a hub or bridge section that a back-end serves there (vde=,
 * vde_*): 1 taken (the node has the extension now), 0 not a back-end's,
 * -1 with err. */
int backend_node_key(struct node *owner, const char *key, const char *val, int line, char *err);
/* The type of the back-end that answers command `name` ("user"). */
const char *backend_cmd_type(const char *name);
/* "socket, stream, dgram" */
const char *backend_names(void);

struct netdev *netdev_new(struct graph *g, const char *name, int line);
struct netdev *netdev_from_node(struct node *n);   /* NULL if not a netdev */

/* Runs the backend's configure (nd->ops set) on the section's options and
 * reports every error it finds, each with its line: after an error on an
 * option's line it configures again without that option. Returns the number
 * of errors. */
int netdev_configure(struct netdev *nd, const struct netdev_opt *o, int n,
		     void (*report)(void *arg, int line, const char *msg), void *arg);

/* Opens the sockets (bind, listen, connect). -1 with err: exit status 3. */
int netdev_open(struct netdev *nd, char *err);
void netdev_close(struct netdev *nd);

/* The peer's address: the connected one (streams), the last sender
 * (datagrams), or "" when there is none. */
const char *netdev_peer(struct netdev *nd);

/* "connected to 127.0.0.1:40000", "listening on 127.0.0.1:8010" */
void netdev_describe(struct netdev *nd, char *buf, size_t len);

/* The counters every netdev keeps (connects, peers_dropped, ...), one
 * table for expectations, the report, info and the UI; the object is the
 * struct netdev. FIELD_GOOD marks the ones that are not trouble. */
const struct field *netdev_fields(size_t *n);
/* NETDEV.NAME for expectations: state, the counters, the back-end's own.
 * 0, or -1 with err (naming what there is). */
int netdev_value(struct netdev *nd, const char *name, struct value *v, char *err);
/* The back-end command `name` of nd, or NULL. */
const struct backend_cmd *netdev_cmd(const struct netdev *nd, const char *name);
/* The netdev's block of `info network`. */
void netdev_info(struct netdev *nd, FILE *out);

/* A frame from outside enters the topology through the netdev's port. */
void netdev_enter(struct netdev *nd, struct frame *f);
void netdev_set_state(struct netdev *nd, enum netdev_state st);
/* n bytes read from outside as one frame: runts (< 14) and oversize
 * (> 69632) are counted and dropped, the rest enters the topology. */
void netdev_rx_bytes(struct netdev *nd, const void *buf, size_t n);
/* After sending f (reference passes) to the outside: e is 0 or the errno.
 * Would-block is a peer_backlog drop; other errors count in send_errors,
 * are reported once per change and dropped as peer_error. */
void netdev_tx_done(struct netdev *nd, struct frame *f, int e);
/* f's bytes zero-padded to 60 (in pad when short). */
const uint8_t *netdev_padded(const struct frame *f, uint8_t pad[ETH_MIN_LEN], size_t *len);

/* reconnect= and queue=: 1 taken, 0 not ours, -1 bad value (err). */
int netdev_tuning_opt(struct netdev *nd, const char *key, const char *val, char *err);

/* Shared by the socket-family backends (sockio.c). */
int sockio_open(struct netdev *nd, char *err);
void sockio_output(struct netdev *nd, struct frame *f);
void sockio_close(struct netdev *nd);
/* Bytes a stream peer sent, in any split: QEMU's 4-byte big-endian length
 * and the frame, each complete frame into the topology. A length of 0, below
 * 14 or above 69632 drops the peer (counted): returns -1, and the caller
 * stops reading. */
int sockio_stream_input(struct netdev *nd, const uint8_t *p, size_t n);

/* Address helpers for the backends. "host:port" as QEMU's socket backend
 * reads it (IPv4; an empty host is default_host). */
int sockaddr_parse_inet4(const char *s, const char *default_host, struct sockaddr_storage *ss,
			 socklen_t *len, char *err);
int sockaddr_resolve(const char *host, const char *port, int family, struct sockaddr_storage *ss,
		     socklen_t *len, char *err);
int sockaddr_unix(const char *path, bool abstract, bool tight, struct sockaddr_storage *ss,
		  socklen_t *len, char *err);
char *sockaddr_format(const struct sockaddr_storage *ss, socklen_t len, char *buf, size_t n);

/* Prints "[  time] NAME: message" to the run's output and the log. */
void netdev_event(struct netdev *nd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

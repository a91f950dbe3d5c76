/*
 * Netdevs: QEMU's back-ends, each a node with one port toward the topology
 * and real file descriptors toward the outside. This header is the plug-in
 * author's API; the layers above use only its generic functions.
 *
 * A frame that reaches the netdev's port from the topology goes to the
 * peer (backend_ops.output); a frame the peer sends enters the topology
 * through the same port (netdev_enter, netdev_rx_bytes). What happens in
 * between is the back-end's business, and it never blocks the loop: a peer
 * that cannot take a frame now gets it later from the netdev's frame queue
 * (queue.h) or loses it as a counted drop, never a wait. Frames shorter
 * than 60 bytes leave zero-padded to 60, as a real NIC would put them on
 * the wire.
 *
 * Peer state (listening, connecting, connected, reconnecting, open, error)
 * and the counters (netdev_fields) are kept here for `info network`, the
 * report, expectations and the UI.
 *
 * To add a back-end: one file in src/backends/ with its state (struct
 * netdev first), its options table and a const struct backend_ops; one
 * line in backend_table (netdev.c); one Makefile line. hubport.c is the
 * smallest example; sockio.h has the socket family's shared state.
 */
#ifndef QNETSIM_NETDEV_H
#define QNETSIM_NETDEV_H

#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "../core/field.h"
#include "../core/graph.h"
#include "../core/lines.h"

struct netdev;
struct mac_side;
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

/* An option a back-end takes (the key of key = value in its section). */
struct backend_opt {
	const char *name;
	bool many;                  /* may be given many times (hostfwd) */
};

struct backend_ops {
	const char *type;           /* "socket" */
	size_t size;                /* its state, struct netdev first; 0: just a netdev */
	/* Its options, ended by a NULL name. netdev_configure rejects every
	 * other key, and a key given twice unless it is `many`, before the
	 * back-end sees them; errors and help list these names. */
	const struct backend_opt *opts;
	/* Optional: sets what zero does not mean in its state (fds to -1);
	 * before configure, and again before configure runs once more. */
	void (*init)(struct netdev *nd);
	/* Reads the section's options (type/vlan/id already taken out).
	 * Returns -1 with err and *line set to the offending option's line.
	 * The state past struct netdev is zero when it is called. */
	int (*configure)(struct netdev *nd, const struct netdev_opt *o, int n, int *line,
			 char *err);
	/* Optional: joins the topology beyond its own port (hubport: a port on
	 * hub N), once, after configure succeeded. -1 with err. */
	int (*attach)(struct netdev *nd, char *err);
	/* Run time: open and close are optional; output is required unless
	 * input is given. */
	int (*open)(struct netdev *nd, char *err);          /* -1 with err: exit 3 */
	void (*output)(struct netdev *nd, struct frame *f); /* a frame for outside */
	void (*close)(struct netdev *nd);
	/* Optional: the state line, more lines for `info network`, more fields
	 * for the report's netdevs[] entry, and freeing what its state holds
	 * (not the state itself: netdev.c frees the whole). */
	void (*describe)(struct netdev *nd, char *buf, size_t len);
	void (*info)(struct netdev *nd, FILE *out);
	void (*report)(struct netdev *nd, struct json_t *obj);
	void (*free)(struct netdev *nd);
	/* Optional: counters of its own (the object is its state, struct
	 * netdev first): NETDEV.NAME for expectations, and listed with the
	 * others when a name is unknown. */
	const struct field_table *fields;
	/* Optional: values of its own for expectations (user: leases,
	 * lease[MAC]): 1 set, 0 not one of its, -1 with err. */
	int (*value)(struct netdev *nd, const char *name, struct value *v, char *err);
	/* Optional: lines of its own in the UI's details (forwards, leases). */
	void (*lines)(struct netdev *nd, struct detail_lines *o);
	/* Optional: its commands and info words, ended by a NULL name. */
	const struct backend_cmd *cmds;
	/* Optional: takes every frame that reaches the node, on any of its
	 * ports, instead of output (hubport, which has a port on a hub too). */
	void (*input)(struct netdev *nd, struct port *in, struct frame *f);
	/* Optional: the fields QEMU 7.2's `info network` shows for this
	 * back-end, after type= ("net=10.0.2.0,restrict=off"); without it,
	 * the options as the topology wrote them. */
	void (*qemu_info)(struct netdev *nd, char *buf, size_t len);
	/* Optional: what a real QEMU VM gives -netdev to join it, without
	 * id= ("socket,connect=127.0.0.1:8010"), in buf (ERRLEN at least):
	 * 0; or -1 with why it cannot, in buf (qnetsim qemu-args). */
	int (*qemu_peer)(struct netdev *nd, char *buf, size_t len);
	/* No peer connects to it (user): the UI leaves connects and
	 * disconnects out while they are 0. */
	bool peerless;
	/* Nothing outside the process (hubport): the run keeps the virtual
	 * clock. */
	bool internal;
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
	uint64_t mac_clashes;       /* frames from outside with a NIC's MAC of this side */
};

/* The part of every netdev that the layers above and every back-end share.
 * A back-end with state of its own embeds it first and declares the whole
 * size in backend_ops.size; container_of gets it back (QEMU's
 * NetClientState and NetClientInfo.size). */
struct netdev {
	struct node node;
	struct port *port;
	const struct backend_ops *ops;  /* NULL: the type was missing or unknown */
	struct loop *loop;          /* the graph's */
	int vlan;                   /* -1: not on a QEMU vlan */
	char *options;              /* the options as written, for info network */

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

	/* reconnect= and queue= (netdev_tuning_opt) */
	uint64_t reconnect;         /* client: ns between attempts, 0: never */
	uint32_t queue;             /* frames waiting for a slow peer, at most */
	bool tuned_reconnect, tuned_queue;  /* given in the topology */
	struct timer timer;         /* reconnect */
	struct mac_side *macs;      /* the NICs on its side (netdev_mac.c), on first use */
};

/* The backend for a type= value, NULL if unknown. */
const struct backend_ops *backend_find(const char *type);
/* A key of a hub or bridge section that a back-end serves there (vde=,
 * vde_*): 1 taken (the node has the extension now), 0 not a back-end's,
 * -1 with err. */
int backend_node_key(struct node *owner, const char *key, const char *val, int line, char *err);
/* What a node lacks that has no extension with this value prefix ("serves
 * no VDE switch (vde = DIR)" for "vde"), or NULL if no back-end has one. */
const char *backend_node_ext_missing(const char *prefix);
/* The type of the back-end that answers command `name` ("user"). */
const char *backend_cmd_type(const char *name);
/* "socket, stream, dgram" */
const char *backend_names(void);
/* Whether a back-end has an option named key. */
bool backend_takes(const struct backend_ops *ops, const char *key);
/* "listen, connect, ...": a back-end's options, from its table. */
void backend_opt_names(const struct backend_ops *ops, char *buf, size_t len);

/* A netdev node with the state ops declares (ops NULL: a bare netdev that
 * reports its type error and never opens). */
struct netdev *netdev_new(struct graph *g, const struct backend_ops *ops, const char *name,
			  int line);
struct netdev *netdev_from_node(struct node *n);   /* NULL if not a netdev */

/* Runs the backend's configure (nd->ops set) on the section's options and
 * reports every error it finds, each with its line: after an error on an
 * option's line it configures again without that option. Returns the number
 * of errors. */
int netdev_configure(struct netdev *nd, const struct netdev_opt *o, int n,
		     void (*report)(void *arg, int line, const char *msg), void *arg);

/* The back-end's attach, once its options are read: -1 with err. */
int netdev_attach(struct netdev *nd, char *err);
/* Whether it reaches outside the process (the run then uses the real
 * clock). */
bool netdev_is_real(const struct netdev *nd);

/* Opens the sockets (bind, listen, connect). -1 with err: exit status 3. */
int netdev_open(struct netdev *nd, char *err);
void netdev_close(struct netdev *nd);

/* The peer's address: the connected one (streams), the last sender
 * (datagrams), or "" when there is none. */
const char *netdev_peer(struct netdev *nd);

/* "connected to 127.0.0.1:40000", "listening on 127.0.0.1:8010": the
 * back-end's describe, or netdev_describe_state, which says the state
 * with the addresses every netdev keeps. */
void netdev_describe(struct netdev *nd, char *buf, size_t len);
void netdev_describe_state(struct netdev *nd, char *buf, size_t len);

/* The counters every netdev keeps (connects, peers_dropped, ...), one
 * table for expectations, the report, info and the UI; the object is the
 * struct netdev. FIELD_GOOD marks the ones that are not trouble. */
extern const struct field_table netdev_fields;
/* NETDEV.NAME for expectations: state, the counters, the back-end's own.
 * 0, or -1 with err (naming what there is). */
int netdev_value(struct netdev *nd, const char *name, struct value *v, char *err);
/* A back-end's NETDEV.WORD[MAC] value (lease[MAC], fdb[MAC]): 1 with mac
 * set, 0 when name is not WORD[...], -1 with err when the MAC is not one. */
int netdev_value_mac(const struct netdev *nd, const char *name, const char *word,
		     uint8_t mac[6], char *err);
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

/* Address helpers for the backends. "host:port" as QEMU's socket backend
 * reads it (IPv4; an empty host is default_host). */
int sockaddr_parse_inet4(const char *s, const char *default_host, struct sockaddr_storage *ss,
			 socklen_t *len, char *err);
int sockaddr_resolve(const char *host, const char *port, int family, struct sockaddr_storage *ss,
		     socklen_t *len, char *err);
int sockaddr_unix(const char *path, bool abstract, bool tight, struct sockaddr_storage *ss,
		  socklen_t *len, char *err);
char *sockaddr_format(const struct sockaddr_storage *ss, socklen_t len, char *buf, size_t n);
/* A unix path about to be bound: a stale socket there is removed, but
 * never a file that is not a socket (-1, err). Other families: 0. */
int sockaddr_unlink_stale(const struct sockaddr_storage *ss, char *err);

/* Prints "[  time] NAME: message" to the run's output and the log. */
void netdev_event(struct netdev *nd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A frame from outside: told once per MAC, and counted, when its source
 * is the MAC of a NIC on the netdev's side (netdev_mac.c). */
void netdev_mac_check(struct netdev *nd, const struct frame *f);
void netdev_mac_free(struct netdev *nd);

#endif

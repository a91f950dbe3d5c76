/*
 * A hub or bridge serving itself as a classic VDE switch directory, so
 * `qemu -netdev vde,sock=DIR` and `vde_plug DIR` plug straight into the
 * topology, no vde_switch needed.
 *
 *   [bridge br0]
 *   vde       = /tmp/br0.vde   the switch directory
 *   vde_mode  = 0660           the sockets' permissions (vde_switch -m;
 *                              default 0600); the directory gets rwx for
 *                              each class that has access, plus setgid
 *   vde_group = kvm            the group of directory and sockets (-g)
 *   vde_ports = 32             the most clients at once (-n; default 32)
 *
 * Each client gets a switch port: a netdev node "br0-vdeN" (N is the VDE
 * port number) linked to a port of the hub or bridge, with its own state,
 * peer (the client's description), counters and captures. A client that
 * hangs up frees its port: the link goes down (the bridge forgets its
 * MACs) and the next client may take the number again.
 *
 * The protocol (reference §2.2): the client connects to DIR/ctl and sends
 * one request (magic 0xfeedface, version 3, the port it wants, its data
 * socket's address, a description); we connect a datagram socket to that
 * address, bind it at DIR/NNN.FD and write our address back. The control
 * connection stays open and silent; EOF on it ends the port. The client's
 * data socket must belong to the client's user (root's may be anyone's),
 * so a client cannot make the switch send frames to a socket it names.
 *
 * A control connection that has not sent its whole request yet holds one
 * of VDE_PENDING_MAX slots for at most 1 s. The request may come in pieces
 * (it is a stream); it is read once VDE_REQ_MIN bytes are in. When all
 * slots are taken, the oldest makes room. One source, the peer's user
 * (SO_PEERCRED), holds at most VDE_PENDING_PER_SOURCE of them: past that,
 * its own oldest makes room, so one user's silent connections never take
 * the slots other users' clients need. Before a connection is closed to
 * make room, what it has sent is read, and a whole request is served.
 *
 * Frames to a client go through a bounded queue per port, flushed when
 * the client's socket has room, so a burst waits instead of being lost;
 * past vde_queue frames (default 1024) they are counted drops.
 */
#ifndef QNETSIM_VDESERVER_H
#define QNETSIM_VDESERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/un.h>

#define VDE_MAGIC 0xfeedfaceu
#define VDE_VERSION 3
#define VDE_REQ_MIN 122         /* magic, version, type, struct sockaddr_un */
#define VDE_REQ_MAX 256         /* vde_switch reads this much, once */
#define VDE_DESCR_MAX 128       /* the description kept, with its NUL */
#define VDE_PENDING_MAX 16      /* control connections still handshaking */
#define VDE_PENDING_PER_SOURCE 8        /* of those, from one user */

struct node;
struct vdeserver;
struct json_t;

/* A client's request (magic, version, type, its data socket's address,
 * a description), as vde_request_parse reads it. */
struct vde_request {
	int port;                   /* the port it asks for; 0: any */
	struct sockaddr_un sock;    /* AF_UNIX; sun_path non-empty, NUL-terminated */
	char descr[VDE_DESCR_MAX];  /* printable ASCII (others are '?'), NUL-terminated */
};

/* Reads the n bytes a client sent (at most VDE_REQ_MAX are looked at).
 * Returns 0, or -1 with why said in whylen bytes: not a request we serve. */
int vde_request_parse(const uint8_t *req, size_t n, struct vde_request *r, char *why,
		      size_t whylen);

/* Makes port num's data socket for a client of user uid whose own is at
 * client: a datagram socket connected to it and bound where the client
 * can reach it, that address in *mine (sent back to the client; a
 * sun_path starting with NUL names no file). Returns the socket, or -1
 * with err. The default binds DIR/NNN.FD; a test gives its own to
 * vdeserver_open_detached. */
typedef int (*vde_data_socket_fn)(struct vdeserver *v, int num, uid_t uid,
				  const struct sockaddr_un *client, struct sockaddr_un *mine,
				  char *err);

/* A vde* key of a hub or bridge section: 1 taken, 0 not ours, -1 (err).
 * The first one attaches the server to the node (graph.h's node_ext):
 * from then on the layers above check, open, describe, report, read and
 * free it through its node_ext_ops, as any extension. Its values are
 * NODE.vde.COUNTER and NODE.vde[N].state|client|rx_frames|tx_frames. */
int vdeserver_key(struct node *owner, const char *key, const char *val, int line, char *err);
/* Serves without a directory or a listener (tests, fuzzing): control
 * connections come from vdeserver_accepted, data sockets from data_socket.
 * Nothing on the host is touched. */
void vdeserver_open_detached(struct vdeserver *v, vde_data_socket_fn data_socket);
/* A control connection accepted from a peer of user uid; fd is the
 * server's now. The listener calls it with SO_PEERCRED's uid. */
void vdeserver_accepted(struct vdeserver *v, int fd, uid_t uid);

/* The server of a hub or bridge, or NULL. */
struct vdeserver *vdeserver_of(const struct node *owner);
/* Counters by name (clients, connects, disconnects, refused, bad_requests,
 * pauses, silent, limited). */
int vdeserver_counter(const struct vdeserver *v, const char *name, uint64_t *out);
/* "[N].state" (connected, free, none), "[N].client", "[N].rx_frames",
 * "[N].tx_frames" (frames from and to the client): 0 or -1. */
int vdeserver_port_field(const struct vdeserver *v, const char *f, char *buf, size_t len);

#endif

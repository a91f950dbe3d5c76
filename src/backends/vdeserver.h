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
 * connection stays open and silent; EOF on it ends the port.
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

struct sim;
struct node;
struct vdeserver;
struct json_t;

/* A vde* key of a hub or bridge section: 1 taken, 0 not ours, -1 (err). */
int vdeserver_key(struct sim *s, struct node *owner, const char *key, const char *val,
		  int line, char *err);
/* Load-time checks (vde= given when other vde_* keys are). */
int vdeserver_check(struct vdeserver *v, int *line, char *err);
/* Opens the directory and the control socket; -1 with err: exit 3. */
int vdeserver_open(struct vdeserver *v, char *err);
void vdeserver_close(struct vdeserver *v);
void vdeserver_free(struct vdeserver *v);

/* The server of a hub or bridge, or NULL. */
struct vdeserver *vdeserver_of(struct sim *s, const struct node *owner);
/* "serving VDE at DIR: 2 clients (most 32), 3 connects, 1 refused" */
void vdeserver_describe(struct vdeserver *v, char *buf, size_t len);
int vdeserver_line(const struct vdeserver *v);     /* where vde= was given */
/* Counters by name (clients, connects, disconnects, refused, bad_requests). */
int vdeserver_counter(const struct vdeserver *v, const char *name, uint64_t *out);
/* "[N].state" (connected, free, none), "[N].client", "[N].rx_frames",
 * "[N].tx_frames" (frames from and to the client): 0 or -1. */
int vdeserver_port_field(const struct vdeserver *v, const char *f, char *buf, size_t len);
void vdeserver_report(struct vdeserver *v, struct json_t *obj);

#endif

/*
 * What the served VDE switch's files share and the rest of qnetsim does not
 * see: its state, and the calls between vdeserver.c (the vde* keys and the
 * extension's ops: check, free, describe, values, report), vdectl.c (the
 * control socket, the handshake, the pending slots, the directory; open and
 * close) and vdeport.c (a switch port per client and its data path).
 * Others go through vdeserver.h.
 */
#ifndef QNETSIM_VDESERVER_INTERNAL_H
#define QNETSIM_VDESERVER_INTERNAL_H

#include "vdeserver.h"
#include "netdev.h"
#include "queue.h"

struct vdeport;

/* A control connection that has not sent its whole request yet (see
 * vdeserver.h for the slots and who makes room). */
struct pending {
	struct vdeserver *v;
	int fd;                     /* -1: the slot is free */
	uid_t uid;                  /* the source */
	uint64_t seq;               /* accept order: the lowest is the oldest */
	size_t have;                /* bytes of the request read so far */
	uint8_t req[VDE_REQ_MAX];
	struct timer timer;
};

struct vdeserver {
	struct node_ext x;          /* owner and line (vde= or the first vde_ key) */
	struct loop *loop;
	char *dir;
	mode_t mode;                /* the sockets' */
	gid_t gid;
	bool have_gid;
	int maxports;
	uint32_t queue;
	int lfd;
	struct loop_backoff accept_backoff;     /* lfd, while out of descriptors */
	char ctl_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct vdeport **ports;     /* [1..maxports], created on first use */
	vde_data_socket_fn data_socket;
	bool dir_ours;              /* made or taken by vdeserver_open: removed at close */
	struct pending pend[VDE_PENDING_MAX];
	uint64_t pend_seq;
	uint64_t connects, disconnects, refused, bad_requests;
	uint64_t silent;            /* connections closed for sending no request */
	uint64_t limited;           /* of those, closed for their source's limit */
	bool told_silent;
	uint64_t limit_burst_end;   /* a limit closing before this is the same burst */
	uint64_t pauses;            /* times reading from clients was paused */
	int clients;
	int over;                   /* ports whose queue is over the high mark */
	bool open;
};

struct vdeport {
	struct netdev nd;           /* first: backend_vdeport.size is the whole */
	struct vdeserver *v;
	int num;
	struct port *owner_port;    /* the hub's or bridge's side */
	int ctlfd, datafd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char descr[VDE_DESCR_MAX];
	struct fqueue q;            /* frames waiting for room at the client (vde_queue) */
	uint32_t ev;                /* the events registered for datafd */
};

/* vdectl.c: the extension's open (the directory, the listener) and close
 * (every client and pending connection, the listener, the directory). */
int vdeserver_open(struct node_ext *x, char *err);
void vdeserver_close(struct node_ext *x);

/* vdeport.c: port num (made on first use) gets the client whose handshake
 * just ended: fd its control connection, dfd its data socket, bound at path
 * (empty or starting with NUL: no file), descr what it calls itself. */
void vdeport_connect(struct vdeserver *v, int num, int fd, int dfd, const char *path,
		     const char *descr);
/* The client hung up (why told) or the switch closes (why NULL): the port
 * is free again. */
void vdeport_end(struct vdeport *p, const char *why);

#endif

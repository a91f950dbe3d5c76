/*
 * The socket family's state and I/O (sockio.c, sockio_stream.c and
 * sockio_dgram.c), shared by type=socket, type=stream and type=dgram: each
 * reads QEMU's options into a struct sock_spec, and sockio does the rest.
 *
 *  - streams (socket listen/connect/fd, stream): a 4-byte big-endian length,
 *    then the frame, as QEMU frames them. Reads run through a state machine
 *    that takes any split across reads; a length of 0, below 14 or above
 *    69632 drops the peer (counted, logged). Writes go through the netdev's
 *    frame queue (queue.h) flushed with non-blocking sendmsg.
 *  - datagrams (socket mcast/udp, dgram): one frame per datagram. A send
 *    that would block is a counted drop (datagrams are lossy anyway).
 */
#ifndef QNETSIM_SOCKIO_H
#define QNETSIM_SOCKIO_H

#include "netdev.h"
#include "queue.h"

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
	int fd;                          /* SK_*_FD, -1 */
	int port_to;                     /* stream inet server: try ports up to this */
	bool keepalive;                  /* stream inet: SO_KEEPALIVE */
};

/* A socket-family netdev: backend_ops.size of socket, stream and dgram. */
struct socknet {
	struct netdev nd;
	struct sock_spec spec;
	int lfd;                    /* listening socket, -1 */
	int fd;                     /* connected stream, or datagram socket, -1 */
	int sfd;                    /* mcast: the socket we send from, -1 */
	struct sockaddr_storage self;  /* mcast: sfd's address, to spot echoes */
	socklen_t self_len;
	struct loop_backoff accept_backoff;  /* lfd, while out of descriptors */
	bool unlink_at_close;       /* a unix path we bound */
	/* Frames leave unpadded, cut to the IPv4 or IPv6 packet they carry
	 * (passt, which drops a frame longer than its IP packet). */
	bool cut_to_ip;

	/* stream reassembly */
	uint8_t lenbuf[4];
	uint32_t lenhave, need, got;
	struct frame *rf;           /* the frame being filled, NULL: discarding */
	uint8_t *rbuf;

	/* stream writes: frames with their length words, flushed on EPOLLOUT */
	struct fqueue wq;
	uint32_t woff;              /* bytes of the head frame already written */
};

static inline struct socknet *socknet_of(struct netdev *nd)
{
	return container_of(nd, struct socknet, nd);
}

/* The state every socket-family back-end starts from (fds closed). */
void sockio_init(struct netdev *nd);
int sockio_open(struct netdev *nd, char *err);
void sockio_output(struct netdev *nd, struct frame *f);
void sockio_close(struct netdev *nd);
void sockio_free(struct netdev *nd);
void sockio_describe(struct netdev *nd, char *buf, size_t len);
/* backend_ops.qemu_peer and qemu_info of the three (sockio_peer.c). */
int sockio_qemu_peer(struct netdev *nd, char *buf, size_t len);
void sockio_qemu_info(struct netdev *nd, char *buf, size_t len);
/* Bytes a stream peer sent, in any split: QEMU's 4-byte big-endian length
 * and the frame, each complete frame into the topology. A length of 0, below
 * 14 or above 69632 drops the peer (counted): returns -1, and the caller
 * stops reading. */
int sockio_stream_input(struct netdev *nd, const uint8_t *p, size_t n);

/* The ops the three share: a back-end's table line names these. */
#define SOCKIO_OPS                                                               \
	.size = sizeof(struct socknet), .init = sockio_init, .open = sockio_open,      \
	.output = sockio_output, .close = sockio_close, .free = sockio_free,         \
	.describe = sockio_describe, .qemu_peer = sockio_qemu_peer,       \
	.qemu_info = sockio_qemu_info

#endif

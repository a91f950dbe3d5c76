/*
 * Inside the socket family's I/O: what sockio.c (open, close, the common
 * socket helpers), sockio_stream.c (streams) and sockio_dgram.c (datagrams)
 * share. Not for use outside them; the back-ends see sockio.h.
 */
#ifndef QNETSIM_SOCKIO_INTERNAL_H
#define QNETSIM_SOCKIO_INTERNAL_H

#include "sockio.h"

#define RBUF_SIZE (FRAME_MAX + 1)   /* one byte more: a longer datagram is seen */
#define READS_PER_EVENT 16          /* then let other fds have a turn */

/* Padding: frames under 60 bytes go out padded with these. */
static const uint8_t zeros[ETH_MIN_LEN];

#define SN(nd) socknet_of(nd)
#define set_state netdev_set_state
#define enter_topology netdev_enter

/* sockio.c */
/* Closes fd (errno kept for the message): "WHAT WHERE: strerror" in err, -1. */
int sockio_fail(int fd, char *err, const char *what, const char *where);
/* Closes the connected stream or datagram socket, if open. */
void sockio_close_fd(struct netdev *nd);

/* sockio_stream.c */
extern const struct fqueue_ops sockio_wq_ops;
/* The partial frame, if any, released; the framing starts over. */
void sockio_rx_reset(struct netdev *nd);
void sockio_stream_output(struct netdev *nd, struct frame *f);
int sockio_open_server(struct netdev *nd, char *err);
/* A client's connect, now or when the reconnect timer fires. */
void sockio_client_try(struct netdev *nd);
void sockio_reconnect_cb(void *arg);
int sockio_open_stream_fd(struct netdev *nd, char *err);

/* sockio_dgram.c */
void sockio_dgram_output(struct netdev *nd, struct frame *f);
int sockio_open_mcast(struct netdev *nd, char *err);
int sockio_open_dgram(struct netdev *nd, char *err);

#endif

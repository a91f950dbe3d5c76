/*
 * What the user netdev's run-time files share and the rest of qnetsim does
 * not see: the calls between usernet.c (libslirp on our loop: callbacks,
 * timers, the cycle, open and close), userframes.c (frames both ways),
 * userguestfwd.c (guestfwd to a host TCP port) and userinfo.c (the run-time
 * commands, what it shows). Others go through user.h.
 */
#ifndef QNETSIM_USERNET_INTERNAL_H
#define QNETSIM_USERNET_INTERNAL_H

#include "user.h"

static inline struct loop *L(struct usernet *u)
{
	return u->nd.loop;
}

/* usernet.c */
/* A cycle once the work now running is done (a batch of guest frames, bytes
 * from a guestfwd's host side): they may have opened sockets or queued data. */
void usernet_queue_cycle(struct usernet *u);
/* Fills, re-registers the fds libslirp wants and arms its timeout. */
void usernet_arm(struct usernet *u);

/* userframes.c: libslirp's send_packet, a frame from libslirp into the
 * topology. */
ssize_t usernet_send_packet(const void *buf, size_t len, void *opaque);

/* userguestfwd.c: a GF_TCP guestfwd. Open connects to the host side and
 * tells libslirp (-1 with err); close drops the host side, why (if not
 * NULL) told; resume, after each cycle, reads on host sides that waited
 * for a guest connection. */
int usernet_guestfwd_open(struct usernet *u, struct user_guestfwd *g, char *err);
void usernet_guestfwd_close(struct user_guestfwd *g, const char *why);
void usernet_guestfwd_resume(struct usernet *u);

#endif

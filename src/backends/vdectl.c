/*
 * The served VDE switch's control side: the listener at DIR/ctl, the
 * pending slots of connections still handshaking (who makes room when they
 * are full, vdeserver.h), the request and the handshake that gives a client
 * its port and data socket, and the directory: taking a stale one, making
 * it, opening and closing the whole.
 */
#include "vdeserver_internal.h"
#include "../os/host.h"
#include "../core/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define PENDING_TIMEOUT NS_PER_SEC  /* a client sends its request at once */

static void refuse(struct vdeserver *v, int fd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void refuse(struct vdeserver *v, int fd, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	close(fd);
	node_event(v->x.owner, "VDE: refused a client: %s", msg);
}

_Static_assert(VDE_REQ_MIN == 12 + sizeof(struct sockaddr_un),
	       "a request is magic, version, type and a struct sockaddr_un");

int vde_request_parse(const uint8_t *req, size_t n, struct vde_request *r, char *why,
		      size_t whylen)
{
	uint32_t magic, version, type;
	size_t dlen;

	memset(r, 0, sizeof(*r));
	if (n < VDE_REQ_MIN) {
		snprintf(why, whylen, "a %zu-byte request (a VDE request is at least %d bytes)", n,
			 VDE_REQ_MIN);
		return -1;
	}
	memcpy(&magic, req, 4);
	memcpy(&version, req + 4, 4);
	memcpy(&type, req + 8, 4);
	if (magic != VDE_MAGIC) {
		snprintf(why, whylen, "no VDE magic (0x%08x): an old (V0) client or not VDE", magic);
		return -1;
	}
	if (version != VDE_VERSION) {
		snprintf(why, whylen, "protocol version %u (only version 3 is served)", version);
		return -1;
	}
	if ((type & 0xff) != 0) {
		snprintf(why, whylen, "request type %u (only new-port requests, type 0, are served)",
			 type & 0xff);
		return -1;
	}
	memcpy(&r->sock, req + 12, sizeof(r->sock));
	r->sock.sun_path[sizeof(r->sock.sun_path) - 1] = '\0';
	if (r->sock.sun_family != AF_UNIX || r->sock.sun_path[0] == '\0') {
		snprintf(why, whylen, "the request names no unix socket for data");
		return -1;
	}
	r->port = (int)(type >> 8);
	dlen = MIN(MIN(n, (size_t)VDE_REQ_MAX) - VDE_REQ_MIN, sizeof(r->descr) - 1);
	memcpy(r->descr, req + VDE_REQ_MIN, dlen);
	for (size_t i = 0; i < dlen; i++)
		if (r->descr[i] < 32 || r->descr[i] > 126)
			r->descr[i] = '?';
	return 0;
}

/* Connects dfd to the client's data socket, which must be a socket of the
 * client's own user (root's may be anyone's): else a client could make the
 * switch, perhaps root's, send frames to any socket on the host that it
 * names. The path is opened once (O_PATH) and connected to through that
 * descriptor, so what is checked is what is connected to. */
static int data_connect(int dfd, uid_t uid, const struct sockaddr_un *client, char *err)
{
	struct sockaddr_un via = { .sun_family = AF_UNIX };
	int pfd = open(client->sun_path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	int rc = 0, e;

	if (pfd < 0)
		return errf(err, "cannot reach its data socket %s: %s", client->sun_path,
			    strerror(errno));
	if (fstat(pfd, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		rc = errf(err, "its data socket %s is not a socket", client->sun_path);
	} else if (uid != 0 && st.st_uid != uid) {
		rc = errf(err, "its data socket %s belongs to user %u, not to the client's "
			       "(%ld)", client->sun_path, (unsigned)st.st_uid,
			  uid == (uid_t)-1 ? -1L : (long)uid);
	} else {
		snprintf(via.sun_path, sizeof(via.sun_path), "/proc/self/fd/%d", pfd);
		if (connect(dfd, (struct sockaddr *)&via, sizeof(via)) < 0) {
			e = errno;
			rc = errf(err, "cannot reach its data socket %s: %s", client->sun_path,
				  strerror(e));
		}
	}
	close(pfd);
	return rc;
}

/* The default data socket: connected to the client's (data_connect), bound
 * at DIR/NNN.FD with the switch's mode and group. */
static int data_socket_bind(struct vdeserver *v, int num, uid_t uid,
			    const struct sockaddr_un *client, struct sockaddr_un *mine, char *err)
{
	int dfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int e;

	if (dfd < 0)
		return errf(err, "socket: %s", strerror(errno));
	if (data_connect(dfd, uid, client, err) < 0) {
		close(dfd);
		return -1;
	}
	mine->sun_family = AF_UNIX;
	snprintf(mine->sun_path, sizeof(mine->sun_path), "%s/%03d.%d", v->dir, num, dfd);
	unlink(mine->sun_path);
	if (bind(dfd, (struct sockaddr *)mine, sizeof(*mine)) < 0) {
		e = errno;
		close(dfd);
		return errf(err, "cannot bind %s: %s", mine->sun_path, strerror(e));
	}
	chmod(mine->sun_path, v->mode);
	if (v->have_gid && chown(mine->sun_path, (uid_t)-1, v->gid) < 0)
		log_debug("vde: chown %s: %s", mine->sun_path, strerror(errno));
	return dfd;
}

/* A request read (n bytes: VDE_REQ_MIN or more, or fewer from a client
 * that hung up) from a peer of user uid: validates it, makes the port,
 * answers. */
static void handshake(struct vdeserver *v, int fd, uid_t uid, const uint8_t *req, size_t n)
{
	struct vde_request r;
	struct sockaddr_un mine;
	char why[ERRLEN];
	int num = 0, dfd;

	if (vde_request_parse(req, n, &r, why, sizeof(why)) < 0) {
		v->bad_requests++;
		refuse(v, fd, "%s", why);
		return;
	}
	if (r.port > 0) {
		if (r.port > v->maxports) {
			v->refused++;
			refuse(v, fd, "%s asked for port %d; this switch has %d (vde_ports)", r.descr,
			       r.port, v->maxports);
			return;
		}
		if (v->ports[r.port] != NULL && v->ports[r.port]->ctlfd >= 0) {
			v->refused++;
			refuse(v, fd, "%s asked for port %d, which is in use by %s", r.descr, r.port,
			       v->ports[r.port]->descr);
			return;
		}
		num = r.port;
	} else {
		for (int i = 1; i <= v->maxports && num == 0; i++)
			if (v->ports[i] == NULL || v->ports[i]->ctlfd < 0)
				num = i;
		if (num == 0) {
			v->refused++;
			refuse(v, fd, "%s: all %d ports are in use (vde_ports)", r.descr, v->maxports);
			return;
		}
	}
	memset(&mine, 0, sizeof(mine));
	dfd = v->data_socket(v, num, uid, &r.sock, &mine, why);
	if (dfd < 0) {
		v->refused++;
		refuse(v, fd, "%s: %s", r.descr, why);
		return;
	}
	if (write(fd, &mine, sizeof(mine)) != (ssize_t)sizeof(mine)) {
		close(dfd);
		if (mine.sun_path[0] != '\0')
			unlink(mine.sun_path);
		v->refused++;
		refuse(v, fd, "%s went away during the handshake", r.descr);
		return;
	}
	vdeport_connect(v, num, fd, dfd, mine.sun_path, r.descr);
}

static void pending_end(struct pending *pd)
{
	struct loop *l = pd->v->loop;

	loop_timer_disarm(l, &pd->timer);
	loop_fd_del(l, pd->fd);
	pd->fd = -1;
	pd->have = 0;
}

/* Closes a connection that sent no whole request: its time is up, or a
 * newer one needs its slot. Counted; the first is told. */
static void pending_silent(struct pending *pd, const char *why)
{
	struct vdeserver *v = pd->v;

	close(pd->fd);
	pending_end(pd);
	v->silent++;
	if (!v->told_silent) {
		v->told_silent = true;
		node_event(v->x.owner, "VDE: closed a connection that sent no request (%s); "
				     "more are counted in vde.silent", why);
	}
}

/* Closes the oldest pending connection of a user who has
 * VDE_PENDING_PER_SOURCE waiting and opened one more: silent, and counted
 * in limited too. Told once a burst (closings less than 1 s apart). */
static void pending_limited(struct pending *pd)
{
	struct vdeserver *v = pd->v;
	uint64_t now = loop_now(v->loop);
	uid_t uid = pd->uid;

	close(pd->fd);
	pending_end(pd);
	v->silent++;
	v->limited++;
	if (now >= v->limit_burst_end)
		node_event(v->x.owner, "VDE: user %ld has %d connections that sent no request yet, the "
				     "most one user may have: its oldest make room for its newest "
				     "(counted in vde.limited)", uid == (uid_t)-1 ? -1L : (long)uid,
			   VDE_PENDING_PER_SOURCE);
	v->limit_burst_end = now + PENDING_TIMEOUT;
}

static void pending_timeout(void *arg)
{
	pending_silent(arg, "1 s passed");
}

/* Reads what a pending connection sent. VDE_REQ_MIN bytes make a request
 * (the description is what came with them); the connection's end makes
 * one of what it sent, or just closes it if that was nothing. */
static void pending_cb(void *arg, uint32_t events)
{
	struct pending *pd = arg;
	struct vdeserver *v = pd->v;
	uint8_t req[VDE_REQ_MAX];
	int fd = pd->fd;
	uid_t uid = pd->uid;
	size_t have;
	ssize_t n;

	(void)events;
	n = read(fd, pd->req + pd->have, sizeof(pd->req) - pd->have);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0) {
		pd->have += (size_t)n;
		if (pd->have < VDE_REQ_MIN)
			return;     /* a stream: the rest may come in another read */
	}
	have = pd->have;
	memcpy(req, pd->req, have);
	pending_end(pd);
	if (have == 0) {
		close(fd);      /* hung up before saying anything */
		return;
	}
	handshake(v, fd, uid, req, have);
}

/* A free slot for a connection from uid. When uid has
 * VDE_PENDING_PER_SOURCE waiting, its oldest makes room; when all slots
 * are taken, the oldest of all does. That one is read once more first:
 * if it has sent its request (or hung up) by now, it leaves by itself. */
static struct pending *pending_slot(struct vdeserver *v, uid_t uid)
{
	for (;;) {
		struct pending *free_slot = NULL, *oldest = NULL, *mine = NULL, *victim;
		int from = 0;

		for (int i = 0; i < VDE_PENDING_MAX; i++) {
			struct pending *pd = &v->pend[i];

			if (pd->fd < 0) {
				if (free_slot == NULL)
					free_slot = pd;
				continue;
			}
			if (oldest == NULL || pd->seq < oldest->seq)
				oldest = pd;
			if (pd->uid != uid)
				continue;
			from++;
			if (mine == NULL || pd->seq < mine->seq)
				mine = pd;
		}
		victim = from >= VDE_PENDING_PER_SOURCE ? mine : free_slot == NULL ? oldest : NULL;
		if (victim == NULL)
			return free_slot;
		pending_cb(victim, EPOLLIN);
		if (victim->fd < 0)
			continue;
		if (from >= VDE_PENDING_PER_SOURCE)
			pending_limited(victim);
		else
			pending_silent(victim, "a newer one needed its place");
		return victim;
	}
}

void vdeserver_accepted(struct vdeserver *v, int fd, uid_t uid)
{
	struct pending *pd = pending_slot(v, uid);

	pd->v = v;
	pd->fd = fd;
	pd->uid = uid;
	pd->seq = ++v->pend_seq;
	pd->have = 0;
	if (loop_fd_add(v->loop, fd, EPOLLIN, pending_cb, pd) < 0) {
		close(fd);
		pd->fd = -1;
		return;
	}
	loop_timer_arm(v->loop, &pd->timer, loop_now(v->loop) + PENDING_TIMEOUT);
}

/* The peer's user, as the kernel tells it (SO_PEERCRED): the source its
 * pending handshake counts against. Not a pid, which a fork renews, nor a
 * group, which vde_mode 0660 shares between the users it lets in. */
static uid_t peer_uid(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return (uid_t)-1;   /* unknown peers are one source together */
	return cr.uid;
}

static void accept_cb(void *arg, uint32_t events)
{
	struct vdeserver *v = arg;

	(void)events;
	for (;;) {
		int fd = accept4(v->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0 && errno == EINTR)
			continue;
		if (fd < 0 && loop_accept_starved(errno)) {
			int e = errno;

			if (loop_fd_backoff(v->loop, &v->accept_backoff, v->lfd, EPOLLIN,
					    100 * NS_PER_MS))
				node_event(v->x.owner, "VDE: cannot accept a client: %s; trying again "
						     "every 100 ms", strerror(e));
			return;
		}
		if (fd < 0)
			return;
		vdeserver_accepted(v, fd, peer_uid(fd));
	}
}

/* ---- the directory ------------------------------------------------------ */

/* An existing directory: ours to take if it holds only sockets nobody
 * serves (a switch that crashed); refused if a switch answers or it holds
 * anything else. */
static int take_stale_dir(struct vdeserver *v, char *err)
{
	struct sockaddr_un a;
	int stale = 0, s;
	struct dirent *de;
	struct stat st;
	DIR *d;

	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", v->ctl_path);
	if (lstat(a.sun_path, &st) == 0) {
		s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s >= 0 && connect(s, (struct sockaddr *)&a, sizeof(a)) == 0) {
			close(s);
			return errf(err, "vde=%s: a VDE switch is already serving there (its ctl "
					 "socket answers); stop it or choose another directory",
				    v->dir);
		}
		if (s >= 0)
			close(s);
	}
	d = opendir(v->dir);
	if (d == NULL)
		return errf(err, "vde=%s: %s", v->dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		char p[PATH_MAX];

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", v->dir, de->d_name);
		if (lstat(p, &st) < 0 || !S_ISSOCK(st.st_mode)) {
			closedir(d);
			return errf(err, "vde=%s exists and holds '%s', which is not a socket: not "
					 "a VDE switch directory (choose another vde= path)", v->dir,
				    de->d_name);
		}
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		char p[PATH_MAX];

		if (de->d_name[0] == '.' && (de->d_name[1] == '\0' || de->d_name[1] == '.'))
			continue;
		snprintf(p, sizeof(p), "%s/%s", v->dir, de->d_name);
		if (unlink(p) == 0)
			stale++;
	}
	closedir(d);
	if (stale > 0)
		node_event(v->x.owner, "VDE: removed %d stale socket%s from %s (left "
				    "by a switch that is gone)", stale, stale == 1 ? "" : "s", v->dir);
	return 0;
}

/* What serving needs besides the directory: the port table and the
 * pending slots. */
static void serve_init(struct vdeserver *v, vde_data_socket_fn data_socket)
{
	v->data_socket = data_socket;
	v->ports = xcalloc((size_t)v->maxports + 1, sizeof(*v->ports));
	for (int i = 0; i < VDE_PENDING_MAX; i++) {
		v->pend[i].v = v;
		v->pend[i].fd = -1;
		timer_init(&v->pend[i].timer, pending_timeout, &v->pend[i]);
	}
	v->open = true;
}

void vdeserver_open_detached(struct vdeserver *v, vde_data_socket_fn data_socket)
{
	serve_init(v, data_socket);
}

int vdeserver_open(struct node_ext *x, char *err)
{
	struct vdeserver *v = container_of(x, struct vdeserver, x);
	mode_t dirmode = 02700 | ((v->mode & 0060) ? 0070 : 0) | ((v->mode & 0006) ? 0007 : 0);
	struct sockaddr_un a;
	struct stat st;

	snprintf(v->ctl_path, sizeof(v->ctl_path), "%s/ctl", v->dir);
	if (stat(v->dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return errf(err, "vde=%s exists and is not a directory", v->dir);
		if (take_stale_dir(v, err) < 0)
			return -1;
	} else if (mkdir(v->dir, 0700) < 0) {
		return errf(err, "vde=%s: cannot create the directory: %s", v->dir, strerror(errno));
	}
	host_record(HOST_VDEDIR, v->dir);
	v->dir_ours = true;
	if (v->have_gid && chown(v->dir, (uid_t)-1, v->gid) < 0)
		return errf(err, "vde_group: cannot give %s to group %u: %s", v->dir,
			    (unsigned)v->gid, strerror(errno));
	if (chmod(v->dir, dirmode) < 0)
		return errf(err, "vde=%s: chmod: %s", v->dir, strerror(errno));
	v->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (v->lfd < 0)
		return errf(err, "socket: %s", strerror(errno));
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", v->ctl_path);
	if (bind(v->lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(v->lfd, 15) < 0)
		return errf(err, "vde=%s: cannot listen on %s: %s", v->dir, v->ctl_path,
			    strerror(errno));
	chmod(v->ctl_path, v->mode);
	if (v->have_gid && chown(v->ctl_path, (uid_t)-1, v->gid) < 0)
		log_debug("vde: chown %s: %s", v->ctl_path, strerror(errno));
	if (loop_fd_add(v->loop, v->lfd, EPOLLIN, accept_cb, v) < 0)
		return errf(err, "cannot watch %s", v->ctl_path);
	serve_init(v, data_socket_bind);
	return 0;
}

void vdeserver_close(struct node_ext *x)
{
	struct vdeserver *v = container_of(x, struct vdeserver, x);
	struct loop *l = v->loop;

	if (!v->open)
		return;
	for (int i = 1; i <= v->maxports; i++)
		if (v->ports[i] != NULL && v->ports[i]->ctlfd >= 0)
			vdeport_end(v->ports[i], NULL);
	for (int i = 0; i < VDE_PENDING_MAX; i++) {
		if (v->pend[i].fd >= 0) {
			close(v->pend[i].fd);
			pending_end(&v->pend[i]);
		}
	}
	if (v->lfd >= 0) {
		loop_backoff_cancel(&v->accept_backoff);
		loop_fd_del(l, v->lfd);
		close(v->lfd);
		v->lfd = -1;
	}
	if (v->dir_ours) {
		host_remove(HOST_VDEDIR, v->dir);
		host_forget(HOST_VDEDIR, v->dir);
		v->dir_ours = false;
	}
	v->open = false;
}

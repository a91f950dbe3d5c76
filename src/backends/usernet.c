/*
 * The user netdev at run time: libslirp on our loop.
 *
 * libslirp is poll()-shaped: slirp_pollfds_fill says which fds it wants and
 * how long it may sleep, slirp_pollfds_poll takes the results and runs its
 * TCP timers. Our loop is epoll, and its fd table is ours alone, so the
 * fds go into an epoll set of their own (u->epfd), which sits on our loop
 * as one fd. One "cycle" is:
 *
 *   poll() the fds of the last fill, without waiting;
 *   slirp_pollfds_poll();
 *   slirp_pollfds_fill() again, bring u->epfd in line, arm u->tick for the
 *   timeout libslirp asked for.
 *
 * A cycle runs when u->epfd is readable, when u->tick fires, and once after
 * a batch of guest frames (slirp_input may open sockets or queue data).
 * Because the kernel drops a closed fd from an epoll set by itself, and fd
 * numbers come back, every wanted fd is re-registered on each fill
 * (EPOLL_CTL_MOD, or ADD when the kernel forgot it).
 *
 * The rest of the run time is in userframes.c (frames both ways),
 * userguestfwd.c (guestfwd to a host TCP port) and userinfo.c (the run-time
 * commands and what it shows); usernet_internal.h has the calls between them.
 */
#include "usernet_internal.h"
#include "../core/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define SMBD "/usr/sbin/smbd"

struct user_timer {
	struct timer t;
	struct usernet *u;
	SlirpTimerId id;
	SlirpTimerCb cb;            /* old-style timers */
	void *cb_opaque;
	struct user_timer *next;
};

static void cycle(struct usernet *u);

struct usernet *usernet_of(struct netdev *nd)
{
	extern const struct backend_ops backend_user;

	return nd != NULL && nd->ops == &backend_user ? container_of(nd, struct usernet, nd) :
							 NULL;
}

void usernet_init(struct netdev *nd)
{
	struct usernet *u = U(nd);

	u->epfd = -1;
	timer_init(&u->tick, NULL, NULL);
}

const char *usernet_net_text(struct usernet *u)
{
	char a[16];
	uint32_t m = ntohl(u->cfg.vnetmask.s_addr);
	int bits = 0;

	while (m & 0x80000000u) {
		bits++;
		m <<= 1;
	}
	inet_ntop(AF_INET, &u->cfg.vnetwork, a, sizeof(a));
	snprintf(u->net_text, sizeof(u->net_text), "%s/%d", a, bits);
	return u->net_text;
}

/* ---- libslirp callbacks ---------------------------------------------------- */

static void cb_guest_error(const char *msg, void *opaque)
{
	struct usernet *u = opaque;

	u->nd.st.guest_errors++;
	netdev_event(&u->nd, "libslirp: guest error: %s", msg);
}

static int64_t cb_clock_get_ns(void *opaque)
{
	struct usernet *u = opaque;

	return (int64_t)loop_now(L(u));
}

static void timer_fire(void *arg)
{
	struct user_timer *t = arg;

	if (t->cb != NULL)
		t->cb(t->cb_opaque);
	else if (t->u->slirp != NULL)
		slirp_handle_timer(t->u->slirp, t->id, t->cb_opaque);
	cycle(t->u);
}

static struct user_timer *timer_make(struct usernet *u)
{
	struct user_timer *t = xcalloc(1, sizeof(*t));

	t->u = u;
	timer_init(&t->t, timer_fire, t);
	t->next = u->timers;
	u->timers = t;
	return t;
}

static void *cb_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
	struct user_timer *t = timer_make(opaque);

	t->cb = cb;
	t->cb_opaque = cb_opaque;
	return t;
}

static void *cb_timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque)
{
	struct user_timer *t = timer_make(opaque);

	t->id = id;
	t->cb_opaque = cb_opaque;
	return t;
}

static void cb_timer_free(void *timer, void *opaque)
{
	struct usernet *u = opaque;
	struct user_timer **pp;

	for (pp = &u->timers; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == timer) {
			*pp = (*pp)->next;
			break;
		}
	}
	loop_timer_disarm(L(u), &((struct user_timer *)timer)->t);
	free(timer);
}

static void cb_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
	struct usernet *u = opaque;
	uint64_t when = expire_ms <= 0 ? 0 : (uint64_t)expire_ms * NS_PER_MS;

	loop_timer_arm(L(u), &((struct user_timer *)timer)->t, MAX(when, loop_now(L(u))));
}

static void cb_poll_fd(int fd, void *opaque)
{
	(void)fd;
	(void)opaque;
}

static void cycle_deferred(void *a, void *b)
{
	struct usernet *u = a;

	(void)b;
	u->cycle_queued = false;
	if (u->slirp != NULL)
		cycle(u);
}

void usernet_queue_cycle(struct usernet *u)
{
	if (u->cycle_queued || u->slirp == NULL)
		return;
	if (loop_defer(L(u), cycle_deferred, u, NULL) == 0)
		u->cycle_queued = true;
	else
		loop_timer_arm(L(u), &u->tick, loop_now(L(u)));
}

static void cb_notify(void *opaque)
{
	usernet_queue_cycle(opaque);
}

static void cb_init_completed(Slirp *slirp, void *opaque)
{
	struct usernet *u = opaque;

	u->slirp = slirp;
}

static const SlirpCb callbacks = {
	.send_packet = usernet_send_packet,
	.guest_error = cb_guest_error,
	.clock_get_ns = cb_clock_get_ns,
	.timer_new = cb_timer_new,
	.timer_free = cb_timer_free,
	.timer_mod = cb_timer_mod,
	.register_poll_fd = cb_poll_fd,
	.unregister_poll_fd = cb_poll_fd,
	.notify = cb_notify,
	.init_completed = cb_init_completed,
	.timer_new_opaque = cb_timer_new_opaque,
};

/* ---- the cycle ------------------------------------------------------------ */

static int add_poll(int fd, int events, void *opaque)
{
	struct usernet *u = opaque;
	short ev = 0;

	if (u->npfd == u->pfdcap) {
		u->pfdcap = u->pfdcap ? u->pfdcap * 2 : 16;
		u->pfd = xreallocarray(u->pfd, (size_t)u->pfdcap, sizeof(*u->pfd));
	}
	if (events & SLIRP_POLL_IN)
		ev |= POLLIN;
	if (events & SLIRP_POLL_OUT)
		ev |= POLLOUT;
	if (events & SLIRP_POLL_PRI)
		ev |= POLLPRI;
	u->pfd[u->npfd] = (struct pollfd){ .fd = fd, .events = ev };
	return u->npfd++;
}

static int get_revents(int idx, void *opaque)
{
	struct usernet *u = opaque;
	short r;
	int ev = 0;

	if (idx < 0 || idx >= u->npfd)
		return 0;
	r = u->pfd[idx].revents;
	if (r & POLLIN)
		ev |= SLIRP_POLL_IN;
	if (r & POLLOUT)
		ev |= SLIRP_POLL_OUT;
	if (r & POLLPRI)
		ev |= SLIRP_POLL_PRI;
	if (r & POLLERR)
		ev |= SLIRP_POLL_ERR;
	if (r & POLLHUP)
		ev |= SLIRP_POLL_HUP;
	return ev;
}

/* Fills, re-registers the fds libslirp wants and arms its timeout. */
void usernet_arm(struct usernet *u)
{
	uint32_t timeout = UINT32_MAX;
	struct pollfd *t = u->old;
	int tcap = u->oldcap;

	/* Keep the previous set in the other buffer; fill the emptied one. */
	u->old = u->pfd;
	u->oldcap = u->pfdcap;
	u->nold = u->npfd;
	u->pfd = t;
	u->pfdcap = tcap;
	u->npfd = 0;
	slirp_pollfds_fill(u->slirp, &timeout, add_poll, u);
	for (int i = 0; i < u->npfd; i++) {
		struct epoll_event ev = { .data.fd = u->pfd[i].fd };
		uint32_t e = 0;

		/* One fd may be asked for twice: register the union. */
		for (int j = 0; j < u->npfd; j++)
			if (u->pfd[j].fd == u->pfd[i].fd)
				e |= (uint32_t)u->pfd[j].events;
		ev.events = (e & POLLIN ? EPOLLIN : 0) | (e & POLLOUT ? EPOLLOUT : 0) |
			    (e & POLLPRI ? EPOLLPRI : 0);
		if (epoll_ctl(u->epfd, EPOLL_CTL_MOD, u->pfd[i].fd, &ev) < 0 && errno == ENOENT)
			epoll_ctl(u->epfd, EPOLL_CTL_ADD, u->pfd[i].fd, &ev);
	}
	for (int i = 0; i < u->nold; i++) {
		bool kept = false;

		for (int j = 0; j < u->npfd && !kept; j++)
			kept = u->pfd[j].fd == u->old[i].fd;
		if (!kept)
			epoll_ctl(u->epfd, EPOLL_CTL_DEL, u->old[i].fd, NULL);
	}
	if (timeout != UINT32_MAX)
		loop_timer_arm(L(u), &u->tick, loop_now(L(u)) + (uint64_t)timeout * NS_PER_MS);
	else
		loop_timer_disarm(L(u), &u->tick);
}

static void cycle(struct usernet *u)
{
	int rc = 0;

	if (u->slirp == NULL)
		return;
	if (u->npfd > 0)
		rc = poll(u->pfd, (nfds_t)u->npfd, 0);
	slirp_pollfds_poll(u->slirp, rc < 0, get_revents, u);
	usernet_arm(u);
	usernet_guestfwd_resume(u);
}

static void tick_cb(void *arg)
{
	cycle(arg);
}

static void epfd_cb(void *arg, uint32_t events)
{
	(void)events;
	cycle(arg);
}

/* ---- smb ------------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int smb_open(struct usernet *u, char *err)
{
	char conf[128], cmd[512];
	FILE *f;
	const char *user = getenv("USER");

	if (access(SMBD, X_OK) < 0)
		return errf(err, "smb: %s is not installed; smb= needs Samba's smbd "
				 "(apt-get install samba)", SMBD);
	snprintf(u->smb_tmp, sizeof(u->smb_tmp), "/tmp/qnetsim-smb.XXXXXX");
	if (mkdtemp(u->smb_tmp) == NULL) {
		u->smb_tmp[0] = '\0';
		return errf(err, "smb: cannot make a directory for smb.conf: %s", strerror(errno));
	}
	snprintf(conf, sizeof(conf), "%s/smb.conf", u->smb_tmp);
	f = fopen(conf, "w");
	if (f == NULL)
		return errf(err, "smb: cannot write %s: %s", conf, strerror(errno));
	fprintf(f,
		"[global]\n"
		"private dir=%1$s\n"
		"interfaces=127.0.0.1\n"
		"bind interfaces only=yes\n"
		"pid directory=%1$s\n"
		"lock directory=%1$s\n"
		"state directory=%1$s\n"
		"cache directory=%1$s\n"
		"ncalrpc dir=%1$s/ncalrpc\n"
		"log file=%1$s/log.smbd\n"
		"smb passwd file=%1$s/smbpasswd\n"
		"security = user\n"
		"map to guest = Bad User\n"
		"load printers = no\n"
		"printing = bsd\n"
		"disable spoolss = yes\n"
		"usershare max shares = 0\n"
		"[qemu]\n"
		"path=%2$s\n"
		"read only=no\n"
		"guest ok=yes\n"
		"force user=%3$s\n",
		u->smb_tmp, u->smb, user && *user ? user : "root");
	if (fclose(f) != 0)
		return errf(err, "smb: cannot write %s", conf);
	snprintf(cmd, sizeof(cmd), "%s -l %s -s %s", SMBD, u->smb_tmp, conf);
	if (slirp_add_exec(u->slirp, cmd, &u->smbserver, 445) < 0 ||
	    slirp_add_exec(u->slirp, cmd, &u->smbserver, 139) < 0)
		return errf(err, "smb: %s:445 is taken by another forward",
			    inet_ntoa(u->smbserver));
	return 0;
}

/* ---- open and close ---------------------------------------------------------- */

/*
 * Can libslirp send the guests' pings from this host? It opens an
 * unprivileged ICMP ("ping") socket, which net.ipv4.ping_group_range
 * allows per group, and when that is refused falls back to a raw ICMP
 * socket, which root (CAP_NET_RAW) may open. Both are tried here the same
 * way, so ping_group_range is blamed only when it is what stops them.
 */
static void check_ping_socket(struct usernet *u)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_ICMP);
	int dgram_errno = errno, raw_errno = 0;
	char range[64] = "?";
	FILE *f;

	/* libslirp falls back to a raw socket on these errors only. */
	if (fd < 0 && (errno == EACCES || errno == EPROTONOSUPPORT || errno == EAFNOSUPPORT)) {
		fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
		raw_errno = errno;
	}
	if (fd >= 0) {
		close(fd);
		u->ping_ok = true;
		return;
	}
	if (dgram_errno != EACCES || geteuid() == 0) {
		snprintf(u->ping_why, sizeof(u->ping_why),
			 "libslirp cannot open an ICMP socket (%s)%s%s", strerror(dgram_errno),
			 raw_errno != 0 ? ", nor a raw one: " : "",
			 raw_errno != 0 ? strerror(raw_errno) : "");
		return;
	}
	f = fopen("/proc/sys/net/ipv4/ping_group_range", "r");
	if (f != NULL) {
		if (fgets(range, sizeof(range), f) == NULL)
			snprintf(range, sizeof(range), "?");
		fclose(f);
		range[strcspn(range, "\n")] = '\0';
		for (char *p = range; *p; p++)
			if (*p == '\t')
				*p = ' ';
	}
	snprintf(u->ping_why, sizeof(u->ping_why),
		 "net.ipv4.ping_group_range is '%s', which leaves out group %u, and a raw "
		 "ICMP socket needs root (CAP_NET_RAW), so libslirp cannot send it "
		 "(sysctl -w net.ipv4.ping_group_range='0 2147483647' allows it)", range,
		 (unsigned)getegid());
}

int usernet_open(struct netdev *nd, char *err)
{
	struct usernet *u = U(nd);
	char e[ERRLEN];

	u->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (u->epfd < 0)
		return errf(err, "epoll_create1: %s", strerror(errno));
	if (slirp_new(&u->cfg, &callbacks, u) == NULL || u->slirp == NULL)
		return errf(err, "libslirp refused the configuration");
	timer_init(&u->tick, tick_cb, u);
	if (loop_fd_add(L(u), u->epfd, EPOLLIN, epfd_cb, u) < 0)
		return errf(err, "cannot watch libslirp's sockets");
	for (int i = 0; i < u->nhostfwds; i++) {
		struct user_hostfwd *f = &u->hostfwds[i];

		if (slirp_add_hostfwd(u->slirp, f->udp, f->haddr, f->hport, f->gaddr, f->gport) < 0)
			return errf(err, "hostfwd=%s (line %d): cannot bind %s %s:%d: %s", f->text,
				    f->line, f->udp ? "UDP" : "TCP", inet_ntoa(f->haddr), f->hport,
				    errno ? strerror(errno) : "in use");
		f->active = true;
	}
	for (int i = 0; i < u->nguestfwds; i++) {
		struct user_guestfwd *g = &u->guestfwds[i];
		int rc = 0;

		g->u = u;
		if (g->kind == GF_CMD)
			rc = slirp_add_exec(u->slirp, g->target, &g->addr, g->port);
		else if (g->kind == GF_UNIX)
			rc = slirp_add_unix(u->slirp, g->target, &g->addr, g->port);
		else if (usernet_guestfwd_open(u, g, e) < 0)
			return errf(err, "%s (line %d)", e, g->line);
		if (rc < 0)
			return errf(err, "guestfwd=%s (line %d): conflicting or invalid server "
					 "address and port", g->text, g->line);
	}
	if (u->smb != NULL && smb_open(u, err) < 0)
		return -1;
	check_ping_socket(u);
	netdev_set_state(nd, ND_OPEN);
	snprintf(nd->local_desc, sizeof(nd->local_desc), "%s", usernet_net_text(u));
	usernet_arm(u);
	return 0;
}

void usernet_close(struct netdev *nd)
{
	struct usernet *u = U(nd);

	for (int i = 0; i < u->nguestfwds; i++)
		if (u->guestfwds[i].host_fd >= 0)
			usernet_guestfwd_close(&u->guestfwds[i], NULL);
	if (u->slirp != NULL) {
		slirp_cleanup(u->slirp);
		u->slirp = NULL;
	}
	while (u->timers != NULL)
		cb_timer_free(u->timers, u);
	loop_timer_disarm(L(u), &u->tick);
	if (u->epfd >= 0) {
		loop_fd_del(L(u), u->epfd);
		close(u->epfd);
		u->epfd = -1;
	}
	u->npfd = 0;
	if (u->smb_tmp[0] != '\0') {
		nftw(u->smb_tmp, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
		u->smb_tmp[0] = '\0';
	}
	if (nd->state != ND_CLOSED)
		netdev_set_state(nd, ND_CLOSED);
}

void usernet_free(struct netdev *nd)
{
	struct usernet *u = U(nd);

	if (u == NULL)
		return;
	free(u->hostname);
	free(u->domainname);
	free(u->tftp);
	free(u->bootfile);
	free(u->tftp_server_name);
	for (int i = 0; i < u->ndnssearch; i++)
		free(u->dnssearch[i]);
	free(u->dnssearch);
	free(u->smb);
	for (int i = 0; i < u->nhostfwds; i++)
		free(u->hostfwds[i].text);
	free(u->hostfwds);
	for (int i = 0; i < u->nguestfwds; i++) {
		free(u->guestfwds[i].target);
		free(u->guestfwds[i].text);
		free(u->guestfwds[i].out);
	}
	free(u->guestfwds);
	for (int i = 0; i < USERNET_REASS; i++) {
		free(u->reass[i].data);
		free(u->reass[i].got);
	}
	free(u->pfd);
	free(u->old);
}

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
 * Frames: guest frames lose their 802.1Q tags before slirp_input (libslirp
 * drops tagged ones); libslirp's frames leave padded to 60 bytes. DHCP ACKs
 * are read on the way out to keep the lease table.
 */
#include "user.h"
#include "../core/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define SMBD "/usr/sbin/smbd"
#define GF_OUT_MAX (1u << 20)   /* guest -> host bytes we hold for a slow host peer */

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

static struct loop *L(struct usernet *u)
{
	return u->nd.loop;
}

/* ---- libslirp callbacks ---------------------------------------------------- */

static void lease_seen(struct usernet *u, const uint8_t *mac, struct in_addr ip, uint32_t secs)
{
	struct user_lease *l = NULL;
	char m[18], a[16];

	for (int i = 0; i < u->nleases; i++)
		if (memcmp(u->leases[i].mac, mac, 6) == 0)
			l = &u->leases[i];
	if (l == NULL && u->nleases < USERNET_MAX_LEASES) {
		l = &u->leases[u->nleases++];
		memcpy(l->mac, mac, 6);
	}
	u->nd.st.dhcp_acks++;
	if (l == NULL)
		return;
	if (l->acks == 0 || l->ip.s_addr != ip.s_addr)
		netdev_event(&u->nd, "DHCP: %s gets %s for %us", fmt_mac(mac, m),
			     inet_ntop(AF_INET, &ip, a, sizeof(a)), secs);
	l->ip = ip;
	l->seconds = secs;
	l->granted = loop_now(L(u));
	l->acks++;
}

/* Reads a DHCP ACK libslirp sends, for the lease table. */
static void snoop_dhcp(struct usernet *u, const uint8_t *p, size_t len)
{
	const uint8_t *ip, *udp, *b, *opt, *end;
	uint32_t ihl, secs = 0;
	int type = 0;

	if (len < ETH_HLEN + 20 || rd16(p + 12) != 0x0800)
		return;
	ip = p + ETH_HLEN;
	ihl = (uint32_t)(ip[0] & 0xf) * 4;
	if (ip[9] != 17 || len < ETH_HLEN + ihl + 8 + 240)
		return;
	udp = ip + ihl;
	if (rd16(udp) != 67 || rd16(udp + 2) != 68)
		return;
	b = udp + 8;
	if (b[0] != 2 || rd32(b + 236) != 0x63825363u)
		return;
	end = p + len;
	for (opt = b + 240; opt < end && *opt != 255;) {
		if (*opt == 0) {
			opt++;
			continue;
		}
		if (opt + 2 > end || opt + 2 + opt[1] > end)
			break;
		if (opt[0] == 53 && opt[1] >= 1)
			type = opt[2];
		else if (opt[0] == 51 && opt[1] == 4)
			secs = rd32(opt + 2);
		opt += 2 + opt[1];
	}
	if (type == 5) {
		struct in_addr yi = { .s_addr = htonl(rd32(b + 16)) };

		lease_seen(u, b + 28, yi, secs);
	}
}

static ssize_t cb_send_packet(const void *buf, size_t len, void *opaque)
{
	struct usernet *u = opaque;
	struct netdev *nd = &u->nd;
	uint32_t flen = (uint32_t)MAX(len, ETH_MIN_LEN);
	struct frame *f;

	if (len > FRAME_MAX || len < ETH_HLEN) {
		nd->port->st.drops[DROP_BAD_PACKET]++;
		return (ssize_t)len;
	}
	snoop_dhcp(u, buf, len);
	f = frame_alloc(nd->node.g->pool, flen);
	if (f == NULL) {
		nd->port->st.drops[DROP_NO_BUFFER]++;
		return (ssize_t)len;    /* libslirp's TCP sends again */
	}
	f->born = loop_now(L(u));
	memcpy(f->data, buf, len);
	if (len < ETH_MIN_LEN) {
		memset(f->data + len, 0, ETH_MIN_LEN - len);
		nd->st.padded++;
	}
	netdev_enter(nd, f);
	return (ssize_t)len;
}

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

static void queue_cycle(struct usernet *u)
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
	queue_cycle(opaque);
}

static void cb_init_completed(Slirp *slirp, void *opaque)
{
	struct usernet *u = opaque;

	u->slirp = slirp;
}

static const SlirpCb callbacks = {
	.send_packet = cb_send_packet,
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
static void arm(struct usernet *u)
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

static void guestfwd_resume(struct usernet *u);

static void cycle(struct usernet *u)
{
	int rc = 0;

	if (u->slirp == NULL)
		return;
	if (u->npfd > 0)
		rc = poll(u->pfd, (nfds_t)u->npfd, 0);
	slirp_pollfds_poll(u->slirp, rc < 0, get_revents, u);
	arm(u);
	guestfwd_resume(u);
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

/* ---- frames from the topology --------------------------------------------- */

static bool is_ours(const struct usernet *u, uint32_t dst)
{
	if (dst == ntohl(u->cfg.vhost.s_addr) || dst == ntohl(u->cfg.vnameserver.s_addr))
		return true;
	if (u->smb != NULL && dst == ntohl(u->smbserver.s_addr))
		return true;
	for (int i = 0; i < u->nguestfwds; i++)
		if (dst == ntohl(u->guestfwds[i].addr.s_addr))
			return true;
	return false;
}

/* libslirp's own IPv6 addresses (its in6_equal_host): the host and the
 * DNS server, in the prefix or link-local with the same interface id. */
static bool is_ours6(const struct usernet *u, const uint8_t *dst)
{
	const struct in6_addr *mine[2] = { &u->cfg.vhost6, &u->cfg.vnameserver6 };

	for (int i = 0; i < 2; i++) {
		if (memcmp(dst, mine[i]->s6_addr, 16) == 0)
			return true;
		if (rd16(dst) == 0xfe80 && memcmp(dst + 2, "\0\0\0\0\0\0", 6) == 0 &&
		    memcmp(dst + 8, mine[i]->s6_addr + 8, 8) == 0)
			return true;
	}
	return false;
}

/* An IPv6 echo request for an address not libslirp's own: libslirp 4.7
 * cannot send it on and says so on stderr with a GLib critical, once per
 * packet, over the UI. It is dropped here instead, counted and told once.
 * Returns true when dropped. */
static bool drop_ping6(struct usernet *u, const uint8_t *p, uint32_t len)
{
	const uint8_t *ip = p + ETH_HLEN;
	char d[INET6_ADDRSTRLEN];

	if (!u->ipv6 || len < ETH_HLEN + 40 + 8 || rd16(p + 12) != 0x86dd ||
	    (ip[0] >> 4) != 6 || ip[6] != 58 || ip[40] != 128 || is_ours6(u, ip + 24))
		return false;
	u->nd.st.pings_lost++;
	if (!u->ping6_told) {
		u->ping6_told = true;
		inet_ntop(AF_INET6, ip + 24, d, sizeof(d));
		netdev_event(&u->nd, "ping %s is dropped: libslirp does not send IPv6 pings on", d);
	}
	return true;
}

/* An echo request that libslirp would have to send from the host. */
static void check_ping(struct usernet *u, const uint8_t *p, uint32_t len)
{
	const uint8_t *ip = p + ETH_HLEN;
	uint32_t ihl, dst;
	char d[16];

	if (len < ETH_HLEN + 28 || rd16(p + 12) != 0x0800 || (ip[0] >> 4) != 4 || ip[9] != 1)
		return;
	ihl = (uint32_t)(ip[0] & 0xf) * 4;
	if (len < ETH_HLEN + ihl + 8 || ip[ihl] != 8)
		return;
	dst = rd32(ip + 16);
	if (is_ours(u, dst) || (u->ping_ok && !u->cfg.restricted))
		return;
	u->nd.st.pings_lost++;
	if (u->ping_told)
		return;
	u->ping_told = true;
	fmt_ipv4(dst, d);
	if (u->cfg.restricted)
		netdev_event(&u->nd, "ping %s is dropped: restrict=on keeps the guests inside", d);
	else
		netdev_event(&u->nd, "ping %s cannot leave this host: %s", d, u->ping_why);
}

/* ---- IPv4 fragments from the guests --------------------------------------- */

/*
 * IPv4 fragments from the guests are put together here, and libslirp gets
 * whole datagrams only. libslirp 4.7 as distributions build it (-O2, so
 * strict aliasing) misreads its own reassembly list when a fragment goes in
 * front of every other one: a last fragment that comes first (alone, before
 * the others, or again after its datagram was whole) is taken for a whole
 * datagram, and slirp_input crashes the process. Here fragments may come in
 * any order, and more than once. A datagram is given up (reass_failed) 30 s
 * after its first fragment (libslirp's IPFRAGTTL), when USERNET_REASS newer
 * ones push it out, or when its fragments disagree: two different ends,
 * bytes past the end, more than 65535 bytes in all.
 */
#define REASS_TTL (30 * NS_PER_SEC)
#define REASS_WORDS ((USERNET_REASS_MAX + 63) / 64)

/* A fragment libslirp's ip_input would reassemble: its checks before it
 * does, all of them (a packet they refuse goes to libslirp as it is, to be
 * dropped there). ip is the IPv4 header, n the bytes from it on. */
static bool is_fragment(const struct usernet *u, const uint8_t *ip, uint32_t n)
{
	uint32_t hlen, sum = 0;

	if (!u->ipv4 || n < 20 || (ip[0] >> 4) != 4)
		return false;
	hlen = (uint32_t)(ip[0] & 0xf) * 4;
	if (hlen < 20 || hlen > n)
		return false;
	for (uint32_t i = 0; i < hlen; i += 2)
		sum += rd16(ip + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	if (sum != 0xffff || rd16(ip + 2) < hlen || rd16(ip + 2) > n || ip[8] == 0)
		return false;
	return (rd16(ip + 6) & 0x3fff) != 0;    /* more fragments, or an offset */
}

static void bits_set(uint64_t *b, uint32_t from, uint32_t to)
{
	for (; from < to && from % 64 != 0; from++)
		b[from / 64] |= 1ull << (from % 64);
	for (; to - from >= 64; from += 64)
		b[from / 64] = ~0ull;
	for (; from < to; from++)
		b[from / 64] |= 1ull << (from % 64);
}

static bool bits_all(const uint64_t *b, uint32_t to)
{
	uint32_t i = 0;

	for (; i + 64 <= to; i += 64)
		if (b[i / 64] != ~0ull)
			return false;
	for (; i < to; i++)
		if (!(b[i / 64] >> (i % 64) & 1))
			return false;
	return true;
}

static void reass_fail(struct usernet *u, struct user_reass *r)
{
	r->used = false;
	u->reass_failed++;
}

/* The datagram a fragment belongs to: found, or started (in a free slot,
 * or in the oldest one's). */
static struct user_reass *reass_find(struct usernet *u, const uint8_t *ip)
{
	uint64_t now = loop_now(L(u));
	struct user_reass *r = NULL;

	for (int i = 0; i < USERNET_REASS; i++) {
		struct user_reass *x = &u->reass[i];

		if (x->used && now >= x->until)
			reass_fail(u, x);
		if (x->used && x->src == rd32(ip + 12) && x->dst == rd32(ip + 16) &&
		    x->id == rd16(ip + 4) && x->proto == ip[9])
			return x;
	}
	for (int i = 0; i < USERNET_REASS && (r == NULL || r->used); i++)
		if (r == NULL || !u->reass[i].used || u->reass[i].until < r->until)
			r = &u->reass[i];
	if (r->used)
		reass_fail(u, r);
	if (r->data == NULL) {
		r->data = xmalloc(USERNET_REASS_MAX);
		r->got = xmalloc(REASS_WORDS * sizeof(*r->got));
	}
	memset(r->got, 0, REASS_WORDS * sizeof(*r->got));
	r->used = true;
	r->src = rd32(ip + 12);
	r->dst = rd32(ip + 16);
	r->id = rd16(ip + 4);
	r->proto = ip[9];
	r->until = now + REASS_TTL;
	r->hlen = r->total = r->reach = 0;
	return r;
}

/* A fragment (is_fragment said so), len bytes at p from the Ethernet header
 * on. Returns 0 while its datagram is not whole; then the length of the
 * whole datagram's frame, written to out (FRAME_MAX bytes; it may be p's
 * buffer: p is read first): the first fragment's Ethernet and IP headers,
 * the length and checksum made anew, no fragment bits. */
static uint32_t reass_input(struct usernet *u, const uint8_t *p, uint32_t len, uint8_t *out)
{
	const uint8_t *ip = p + ETH_HLEN;
	uint32_t hlen = (uint32_t)(ip[0] & 0xf) * 4, plen = rd16(ip + 2) - hlen;
	uint32_t off = (uint32_t)(rd16(ip + 6) & 0x1fff) * 8, end = off + plen;
	bool last = !(rd16(ip + 6) & 0x2000);
	struct user_reass *r = reass_find(u, ip);
	uint32_t sum = 0, n;

	(void)len;
	if (end > USERNET_REASS_MAX - 20 || (last && r->total != 0 && r->total != end) ||
	    (last && r->reach > end) || (r->total != 0 && end > r->total)) {
		reass_fail(u, r);
		return 0;
	}
	if (last)
		r->total = end;
	r->reach = MAX(r->reach, end);
	memcpy(r->data + off, ip + hlen, plen);
	bits_set(r->got, off, end);
	if (off == 0) {
		r->hlen = hlen;
		memcpy(r->hdr, ip, hlen);
		memcpy(r->eth, p, ETH_HLEN);
	}
	if (r->hlen == 0 || r->total == 0 || !bits_all(r->got, r->total))
		return 0;
	r->used = false;
	if (r->hlen + r->total > USERNET_REASS_MAX) {
		u->reass_failed++;
		return 0;
	}
	memcpy(out, r->eth, ETH_HLEN);
	memcpy(out + ETH_HLEN, r->hdr, r->hlen);
	ip = out + ETH_HLEN;
	wr16(out + ETH_HLEN + 2, (uint16_t)(r->hlen + r->total));
	wr16(out + ETH_HLEN + 6, 0);
	wr16(out + ETH_HLEN + 10, 0);
	for (uint32_t i = 0; i < r->hlen; i += 2)
		sum += rd16(ip + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	wr16(out + ETH_HLEN + 10, (uint16_t)~sum);
	n = ETH_HLEN + r->hlen;
	memcpy(out + n, r->data, r->total);
	u->reassembled++;
	return n + r->total;
}

/* ---- frames from the topology, continued ------------------------------------ */

void usernet_output(struct netdev *nd, struct frame *f)
{
	struct usernet *u = U(nd);
	uint8_t buf[FRAME_MAX];
	const uint8_t *p = f->data;
	uint32_t len = f->len;

	if (u->slirp == NULL) {
		port_drop(nd->port, f, DROP_NO_PEER);
		return;
	}
	trace_record(nd->node.g, nd->port, f, DEC_DELIVERED, 0, 0, false);
	/* libslirp drops tagged frames: strip 802.1Q (and 802.1ad) tags. */
	if (len >= ETH_HLEN + 4 && (rd16(p + 12) == 0x8100 || rd16(p + 12) == 0x88a8)) {
		uint32_t off = 12;

		while (off + 4 + 2 <= len && (rd16(p + off) == 0x8100 || rd16(p + off) == 0x88a8))
			off += 4;
		memcpy(buf, p, 12);
		memcpy(buf + 12, p + off, len - off);
		len = len - off + 12;
		p = buf;
		nd->st.tags_stripped++;
	}
	if (len >= ETH_HLEN && rd16(p + 12) == 0x0800 &&
	    is_fragment(u, p + ETH_HLEN, len - ETH_HLEN)) {
		len = reass_input(u, p, len, buf);
		if (len == 0) {
			frame_unref(f);
			return;
		}
		p = buf;
	}
	check_ping(u, p, len);
	if (!drop_ping6(u, p, len))
		slirp_input(u->slirp, p, (int)len);
	frame_unref(f);
	queue_cycle(u);
}

/* ---- guestfwd to a host TCP port -------------------------------------------- */

static void gf_close(struct user_guestfwd *g, const char *why)
{
	struct usernet *u = g->u;

	if (g->host_fd < 0)
		return;
	loop_fd_del(L(u), g->host_fd);
	close(g->host_fd);
	g->host_fd = -1;
	g->host_closed = true;
	g->outlen = 0;
	if (why != NULL)
		netdev_event(&u->nd, "guestfwd %s: %s", g->text, why);
}

static void gf_watch(struct user_guestfwd *g, bool in)
{
	uint32_t ev = (in ? EPOLLIN : 0) | (g->outlen > 0 ? EPOLLOUT : 0);

	loop_fd_mod(L(g->u), g->host_fd, ev);
}

static void gf_flush(struct user_guestfwd *g)
{
	while (g->outlen > 0 && g->host_fd >= 0) {
		ssize_t w = send(g->host_fd, g->out, g->outlen, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				break;
			gf_close(g, strerror(errno));
			return;
		}
		memmove(g->out, g->out + w, g->outlen - (size_t)w);
		g->outlen -= (size_t)w;
		g->to_host += (uint64_t)w;
	}
}

static ssize_t gf_write_cb(const void *buf, size_t len, void *opaque)
{
	struct user_guestfwd *g = opaque;

	if (g->host_fd < 0)
		return (ssize_t)len;    /* the host side is gone: the bytes go nowhere */
	if (g->outlen + len > GF_OUT_MAX) {
		gf_close(g, "the host side stopped reading; connection closed");
		return (ssize_t)len;
	}
	if (g->outlen + len > g->outcap) {
		g->outcap = MAX(g->outlen + len, g->outcap * 2);
		g->out = xrealloc(g->out, g->outcap);
	}
	memcpy(g->out + g->outlen, buf, len);
	g->outlen += len;
	gf_flush(g);
	if (g->host_fd >= 0)
		gf_watch(g, true);
	return (ssize_t)len;
}

static void gf_read(struct user_guestfwd *g)
{
	struct usernet *u = g->u;
	uint8_t buf[16384];
	size_t room;
	ssize_t r;

	room = slirp_socket_can_recv(u->slirp, g->addr, g->port);
	if (room == 0) {
		gf_watch(g, false);     /* no guest connection yet, or it is full */
		return;
	}
	r = recv(g->host_fd, buf, MIN(room, sizeof(buf)), MSG_DONTWAIT);
	if (r == 0) {
		gf_close(g, "the host side closed the connection");
		return;
	}
	if (r < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			gf_close(g, strerror(errno));
		return;
	}
	g->from_host += (uint64_t)r;
	slirp_socket_recv(u->slirp, g->addr, g->port, buf, (int)r);
	queue_cycle(u);
}

static void gf_cb(void *arg, uint32_t events)
{
	struct user_guestfwd *g = arg;

	if (events & EPOLLOUT) {
		gf_flush(g);
		if (g->host_fd >= 0)
			gf_watch(g, true);
	}
	if (g->host_fd >= 0 && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		gf_read(g);
}

/* After each cycle: host sides paused for want of a guest connection read on. */
static void guestfwd_resume(struct usernet *u)
{
	for (int i = 0; i < u->nguestfwds; i++) {
		struct user_guestfwd *g = &u->guestfwds[i];

		if (g->kind == GF_TCP && g->host_fd >= 0 &&
		    slirp_socket_can_recv(u->slirp, g->addr, g->port) > 0)
			gf_watch(g, true);
	}
}

static int gf_open(struct usernet *u, struct user_guestfwd *g, char *err)
{
	char a[160];
	int fd = socket(g->host.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sockaddr_format(&g->host, g->host_len, a, sizeof(a));
	if (fd < 0)
		return errf(err, "guestfwd %s: socket: %s", g->text, strerror(errno));
	/* QEMU's chardev connects once, at start-up, and fails if it cannot. */
	if (connect(fd, (struct sockaddr *)&g->host, g->host_len) < 0) {
		int e = errno;

		close(fd);
		return errf(err, "guestfwd %s: cannot connect to %s: %s", g->text, a, strerror(e));
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	g->u = u;
	g->host_fd = fd;
	if (loop_fd_add(L(u), fd, EPOLLIN, gf_cb, g) < 0) {
		close(fd);
		g->host_fd = -1;
		return errf(err, "guestfwd %s: cannot watch the connection", g->text);
	}
	if (slirp_add_guestfwd(u->slirp, gf_write_cb, g, &g->addr, g->port) < 0)
		return errf(err, "guestfwd %s: conflicting or invalid server address and port",
			    g->text);
	return 0;
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
		else if (gf_open(u, g, e) < 0)
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
	arm(u);
	return 0;
}

void usernet_close(struct netdev *nd)
{
	struct usernet *u = U(nd);

	for (int i = 0; i < u->nguestfwds; i++)
		if (u->guestfwds[i].host_fd >= 0)
			gf_close(&u->guestfwds[i], NULL);
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

/* ---- commands ---------------------------------------------------------------- */

static void fwd_desc(const struct user_hostfwd *f, char *buf, size_t n)
{
	char h[16], g[16];

	inet_ntop(AF_INET, &f->haddr, h, sizeof(h));
	if (f->gaddr.s_addr != 0)
		inet_ntop(AF_INET, &f->gaddr, g, sizeof(g));
	else
		snprintf(g, sizeof(g), "(dhcpstart)");
	snprintf(buf, n, "%s %s:%d -> %s:%d", f->udp ? "udp" : "tcp", h, f->hport, g, f->gport);
}

int usernet_hostfwd_add(struct usernet *u, const char *rule, FILE *out, char *err)
{
	struct user_hostfwd f;
	char e[ERRLEN];

	if (usernet_parse_hostfwd(rule, &f, e) < 0)
		return errf(err, "hostfwd_add: %s", e);
	if (f.gaddr.s_addr != 0 && (f.gaddr.s_addr & u->cfg.vnetmask.s_addr) != u->cfg.vnetwork.s_addr)
		return errf(err, "hostfwd_add: '%s': the guest address is not in the network %s",
			    rule, usernet_net_text(u));
	if (u->slirp == NULL)
		return errf(err, "hostfwd_add: %s is not running", u->nd.node.name);
	errno = 0;
	if (slirp_add_hostfwd(u->slirp, f.udp, f.haddr, f.hport, f.gaddr, f.gport) < 0)
		return errf(err, "could not set up host forwarding rule '%s'%s%s%s", rule,
			    errno ? " (" : "", errno ? strerror(errno) : "", errno ? ")" : "");
	f.text = xstrdup(rule);
	f.active = true;
	u->hostfwds = xreallocarray(u->hostfwds, (size_t)u->nhostfwds + 1, sizeof(*u->hostfwds));
	u->hostfwds[u->nhostfwds++] = f;
	arm(u);
	if (out != NULL) {
		char d[96];

		fwd_desc(&f, d, sizeof(d));
		fprintf(out, "%s: host forwarding rule %s added\n", u->nd.node.name, d);
	}
	return 0;
}

int usernet_hostfwd_remove(struct usernet *u, const char *rule, FILE *out, char *err)
{
	struct user_hostfwd f;
	char e[ERRLEN];

	if (usernet_parse_hostfwd_remove(rule, &f, e) < 0)
		return errf(err, "hostfwd_remove: invalid format: %s", e);
	if (u->slirp == NULL)
		return errf(err, "hostfwd_remove: %s is not running", u->nd.node.name);
	if (slirp_remove_hostfwd(u->slirp, f.udp, f.haddr, f.hport) < 0)
		return errf(err, "could not remove host forwarding rule '%s'", rule);
	for (int i = 0; i < u->nhostfwds; i++) {
		struct user_hostfwd *g = &u->hostfwds[i];

		if (g->active && g->udp == f.udp && g->hport == f.hport &&
		    g->haddr.s_addr == f.haddr.s_addr) {
			free(g->text);
			memmove(g, g + 1, (size_t)(u->nhostfwds - i - 1) * sizeof(*g));
			u->nhostfwds--;
			break;
		}
	}
	arm(u);
	if (out != NULL)
		fprintf(out, "%s: host forwarding rule for %s removed\n", u->nd.node.name, rule);
	return 0;
}

/* ---- what it shows ------------------------------------------------------------- */

void usernet_describe(struct netdev *nd, char *buf, size_t len)
{
	struct usernet *u = U(nd);
	char h[16], d[16];

	inet_ntop(AF_INET, &u->cfg.vhost, h, sizeof(h));
	inet_ntop(AF_INET, &u->cfg.vnameserver, d, sizeof(d));
	if (!u->ipv4)
		snprintf(buf, len, "%s: NAT, IPv6 only", netdev_state_name(nd->state));
	else
		snprintf(buf, len, "%s: NAT %s, host %s, dns %s, %d lease%s%s",
			 netdev_state_name(nd->state), usernet_net_text(u), h, d, u->nleases,
			 u->nleases == 1 ? "" : "s", u->cfg.restricted ? ", restricted" : "");
}

static void leases_print(struct usernet *u, FILE *out, const char *indent)
{
	uint64_t now = loop_now(L(u));

	for (int i = 0; i < u->nleases; i++) {
		struct user_lease *l = &u->leases[i];
		char m[18], a[16];
		uint64_t age = (now - l->granted) / NS_PER_SEC;

		fprintf(out, "%slease %s %s, %us, %" PRIu64 "s left, %u ACK%s\n", indent,
			fmt_mac(l->mac, m), inet_ntop(AF_INET, &l->ip, a, sizeof(a)), l->seconds,
			age < l->seconds ? l->seconds - age : 0, l->acks, l->acks == 1 ? "" : "s");
	}
}

void usernet_info_network(struct netdev *nd, FILE *out)
{
	struct usernet *u = U(nd);
	char s[16];

	if (u->ipv4)
		fprintf(out, "  dhcp from %s%s%s\n", inet_ntop(AF_INET, &u->cfg.vdhcp_start, s,
								sizeof(s)),
			u->cfg.restricted ? ", restrict=on" : "",
			u->cfg.tftp_path ? ", tftp" : "");
	for (int i = 0; i < u->nhostfwds; i++) {
		char d[96];

		fwd_desc(&u->hostfwds[i], d, sizeof(d));
		fprintf(out, "  hostfwd %s\n", d);
	}
	for (int i = 0; i < u->nguestfwds; i++)
		fprintf(out, "  guestfwd %s\n", u->guestfwds[i].text);
	leases_print(u, out, "  ");
}

void usernet_info(struct usernet *u, FILE *out)
{
	char desc[256];
	char *t;

	usernet_describe(&u->nd, desc, sizeof(desc));
	fprintf(out, "netdev %s (user): %s\n", u->nd.node.name, desc);
	if (u->slirp != NULL && (t = slirp_connection_info(u->slirp)) != NULL) {
		fputs(t, out);
		free(t);
	}
	leases_print(u, out, "  ");
}

void usernet_report(struct netdev *nd, struct json_t *obj)
{
	struct usernet *u = U(nd);
	json_t *o = json_object(), *a;
	char s[INET6_ADDRSTRLEN];

	json_object_set_new(o, "ipv4", json_boolean(u->ipv4));
	json_object_set_new(o, "ipv6", json_boolean(u->ipv6));
	json_object_set_new(o, "restrict", json_boolean(u->cfg.restricted));
	if (u->ipv4) {
		json_object_set_new(o, "net", json_string(usernet_net_text(u)));
		json_object_set_new(o, "host", json_string(inet_ntop(AF_INET, &u->cfg.vhost, s, 16)));
		json_object_set_new(o, "dns", json_string(inet_ntop(AF_INET, &u->cfg.vnameserver,
									 s, 16)));
		json_object_set_new(o, "dhcpstart", json_string(inet_ntop(AF_INET,
									     &u->cfg.vdhcp_start,
									     s, 16)));
	}
	if (u->ipv6) {
		inet_ntop(AF_INET6, &u->cfg.vprefix_addr6, s, sizeof(s));
		json_object_set_new(o, "ipv6_prefix", json_string(s));
		json_object_set_new(o, "ipv6_prefixlen", json_integer(u->cfg.vprefix_len));
		json_object_set_new(o, "ipv6_host", json_string(inet_ntop(AF_INET6, &u->cfg.vhost6,
									      s, sizeof(s))));
		json_object_set_new(o, "ipv6_dns", json_string(inet_ntop(AF_INET6,
									     &u->cfg.vnameserver6,
									     s, sizeof(s))));
	}
	a = json_array();
	for (int i = 0; i < u->nhostfwds; i++) {
		struct user_hostfwd *f = &u->hostfwds[i];
		json_t *e = json_object();

		json_object_set_new(e, "rule", json_string(f->text));
		json_object_set_new(e, "protocol", json_string(f->udp ? "udp" : "tcp"));
		json_object_set_new(e, "host_addr", json_string(inet_ntop(AF_INET, &f->haddr, s, 16)));
		json_object_set_new(e, "host_port", json_integer(f->hport));
		json_object_set_new(e, "guest_addr",
				    json_string(inet_ntop(AF_INET, f->gaddr.s_addr ? &f->gaddr :
								   &u->cfg.vdhcp_start, s, 16)));
		json_object_set_new(e, "guest_port", json_integer(f->gport));
		json_object_set_new(e, "line", f->line ? json_integer(f->line) : json_null());
		json_array_append_new(a, e);
	}
	json_object_set_new(o, "hostfwd", a);
	a = json_array();
	for (int i = 0; i < u->nguestfwds; i++) {
		struct user_guestfwd *g = &u->guestfwds[i];
		json_t *e = json_object();
		static const char *const kinds[] = { "cmd", "tcp", "unix" };

		json_object_set_new(e, "rule", json_string(g->text));
		json_object_set_new(e, "server", json_string(inet_ntop(AF_INET, &g->addr, s, 16)));
		json_object_set_new(e, "port", json_integer(g->port));
		json_object_set_new(e, "kind", json_string(kinds[g->kind]));
		json_object_set_new(e, "target", json_string(g->target));
		if (g->kind == GF_TCP) {
			json_object_set_new(e, "bytes_to_host", json_integer((json_int_t)g->to_host));
			json_object_set_new(e, "bytes_from_host",
					    json_integer((json_int_t)g->from_host));
		}
		json_array_append_new(a, e);
	}
	json_object_set_new(o, "guestfwd", a);
	a = json_array();
	for (int i = 0; i < u->nleases; i++) {
		struct user_lease *l = &u->leases[i];
		json_t *e = json_object();
		char m[18];

		json_object_set_new(e, "mac", json_string(fmt_mac(l->mac, m)));
		json_object_set_new(e, "ip", json_string(inet_ntop(AF_INET, &l->ip, s, 16)));
		json_object_set_new(e, "seconds", json_integer(l->seconds));
		json_object_set_new(e, "granted_ms", json_integer((json_int_t)(l->granted / NS_PER_MS)));
		json_object_set_new(e, "acks", json_integer(l->acks));
		json_array_append_new(a, e);
	}
	json_object_set_new(o, "leases", a);
	json_object_set_new(o, "pings_allowed", json_boolean(u->ping_ok));
	json_object_set_new(o, "ipv4_reassembled", json_integer((json_int_t)u->reassembled));
	json_object_set_new(o, "ipv4_reass_failed", json_integer((json_int_t)u->reass_failed));
	json_object_set_new(obj, "user", o);
}

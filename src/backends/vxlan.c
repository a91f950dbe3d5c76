/*
 * type=vxlan: a VXLAN tunnel endpoint (RFC 7348). Each frame travels in a
 * UDP datagram after an 8-byte header: a flags byte with only the I flag
 * (0x08) set, 24 reserved bits, the 24-bit VNI, 8 reserved bits.
 *
 *   vni        the network's identifier, 0..16777215 (required)
 *   local      ADDRESS[:PORT] bound for unicast (default 127.0.0.1:port)
 *   remote     ADDRESS[:PORT], repeatable: the static flood list, where
 *              broadcast, multicast and unknown unicast go (the kernel's
 *              `bridge fdb append 00:00:00:00:00:00 dst ...`)
 *   group      a multicast group for flooding instead (with ttl, localaddr),
 *              at port
 *   port       the UDP port (default 4789, the IANA port)
 *   learning   on (default): each inner source MAC is remembered with the
 *              VTEP it came from, and unicast to it goes there alone
 *   ageing     how long a learned entry lives (default 300 s)
 *   maxaddress learned entries at most (default 4096); beyond, counted
 *   mtu        the largest inner payload (default 1500); longer frames are
 *              `too_big` drops, never cut
 *   ttl        the outer IP TTL (multicast default 1)
 *   learned_port  where unicast to a learned VTEP goes: `port` (default;
 *              the kernel and Open vSwitch send from a port of their
 *              choosing and listen on the VXLAN port) or `source` (vdeplug4's
 *              vxvde, which listens on the port it sends from)
 *
 * What arrives is checked where it enters: a datagram shorter than the
 * header, with the I flag clear or any other flag or reserved bit set
 * (RFC 7348 says to ignore those; the Linux kernel drops them, and so do
 * we), or with another VNI is a `bad_header` drop, counted by why. A
 * learned VTEP is the datagram's source address; its port is the source
 * port when that is `port` or a configured remote's or learned_port is
 * source, else `port`.
 */
#include "vxlan_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <unistd.h>

static const uint8_t zero_pad[ETH_MIN_LEN];     /* short frames leave padded to 60 */

static void vxlan_init(struct netdev *nd)
{
	struct vxlan *v = VX(nd);

	v->fd = v->mfd = -1;
	v->port = VXLAN_PORT;
	v->mtu = 1500;
	v->learning = true;
	v->maxaddress = FDB_DEFAULT_MAX;
	v->ageing = FDB_DEFAULT_AGEING;
}

/* ---- the header, where every byte from a peer is checked ------------------ */

enum vxlan_verdict vxlan_check(const uint8_t *p, size_t n, uint32_t vni)
{
	if (n < VXLAN_HLEN)
		return VX_SHORT;
	if (p[0] != VXLAN_FLAG_I || p[1] != 0 || p[2] != 0 || p[3] != 0 || p[7] != 0)
		return VX_FLAGS;
	if ((((uint32_t)p[4] << 16) | ((uint32_t)p[5] << 8) | p[6]) != vni)
		return VX_VNI;
	return VX_OK;
}

static void vxlan_header(uint8_t h[VXLAN_HLEN], uint32_t vni)
{
	memset(h, 0, VXLAN_HLEN);
	h[0] = VXLAN_FLAG_I;
	h[4] = (uint8_t)(vni >> 16);
	h[5] = (uint8_t)(vni >> 8);
	h[6] = (uint8_t)vni;
}

/* ---- learning ---------------------------------------------------------------- */

static bool vxlan_same_addr(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
	return a->sin_addr.s_addr == b->sin_addr.s_addr && a->sin_port == b->sin_port;
}

/* Where unicast to a VTEP that sent from `from` goes: from itself when it
 * is a configured remote (or the group's port), else its address at port. */
static struct sockaddr_in vtep_of(const struct vxlan *v, const struct sockaddr_in *from)
{
	struct sockaddr_in to = *from;

	if (v->learn_source_port || from->sin_port == htons(v->port))
		return to;
	for (int i = 0; i < v->nremotes; i++)
		if (vxlan_same_addr(&v->remotes[i], from))
			return to;
	to.sin_port = htons(v->port);
	return to;
}

/* A full table or VTEP list is aged at most once a second: a flood of
 * new sources then costs a lookup each, not a sweep each. */
static bool may_sweep(struct vxlan *v, uint64_t now)
{
	if (v->swept != 0 && now - v->swept < NS_PER_SEC)
		return false;
	v->swept = now ? now : 1;
	return true;
}

/* Frees the VTEP slots no live entry points at; returns how many. */
static uint32_t vteps_reclaim(struct vxlan *v, uint64_t now)
{
	struct fdb_entry *e;
	uint32_t n, freed = 0;
	uint8_t *used;

	if (!may_sweep(v, now))
		return 0;
	used = xcalloc(v->nvteps, 1);
	fdb_age(v->fdb, now);
	n = fdb_snapshot(v->fdb, now, &e);
	for (uint32_t i = 0; i < n; i++)
		if (e[i].port >= 0 && (uint32_t)e[i].port < v->nvteps)
			used[e[i].port] = 1;
	for (uint32_t i = 0; i < v->nvteps; i++)
		if (!used[i] && v->vteps[i].sin_family != 0) {
			v->vteps[i].sin_family = 0;
			freed++;
		}
	free(e);
	free(used);
	return freed;
}

/* The slot of VTEP a, added if new; -1 when every slot is taken. */
static int32_t vtep_slot(struct vxlan *v, const struct sockaddr_in *a, uint64_t now)
{
	int32_t free_slot = -1;

	for (uint32_t i = 0; i < v->nvteps; i++) {
		if (v->vteps[i].sin_family == 0) {
			if (free_slot < 0)
				free_slot = (int32_t)i;
		} else if (vxlan_same_addr(&v->vteps[i], a)) {
			return (int32_t)i;
		}
	}
	if (free_slot < 0 && v->nvteps == VXLAN_VTEPS_MAX && vteps_reclaim(v, now) > 0)
		return vtep_slot(v, a, now);
	if (free_slot < 0) {
		if (v->nvteps == VXLAN_VTEPS_MAX)
			return -1;
		if (v->nvteps == v->vtepcap) {
			v->vtepcap = v->vtepcap ? v->vtepcap * 2 : 8;
			v->vteps = xreallocarray(v->vteps, v->vtepcap, sizeof(*v->vteps));
		}
		free_slot = (int32_t)v->nvteps++;
	}
	v->vteps[free_slot] = *a;
	v->vteps[free_slot].sin_family = AF_INET;
	return free_slot;
}

static void vxlan_learn(struct vxlan *v, const uint8_t *inner, const struct sockaddr_in *from)
{
	uint64_t now = loop_now(v->nd.loop), mac = mac_to_u64(inner + 6);
	struct sockaddr_in to = vtep_of(v, from);
	enum fdb_learn_result r;
	struct fdb_entry e;
	int32_t slot;

	if ((inner[6] & 1) || mac == 0)
		return;
	/* Known at the same VTEP: only its age changes. */
	if (fdb_get(v->fdb, mac, 0, now, &e) && e.port >= 0 && (uint32_t)e.port < v->nvteps &&
	    vxlan_same_addr(&v->vteps[e.port], &to)) {
		fdb_learn(v->fdb, mac, 0, e.port, now);
		return;
	}
	slot = vtep_slot(v, &to, now);
	if (slot < 0) {
		v->vs.learn_full++;
		return;
	}
	r = fdb_learn(v->fdb, mac, 0, slot, now);
	if (r == FDB_TABLE_FULL && may_sweep(v, now) && fdb_age(v->fdb, now) > 0)
		r = fdb_learn(v->fdb, mac, 0, slot, now);
	if (r == FDB_TABLE_FULL)
		v->vs.learn_full++;
	else if (r == FDB_LEARNED)
		v->vs.learned++;
}

/* ---- the wire ---------------------------------------------------------------- */

void vxlan_datagram(struct netdev *nd, const uint8_t *p, size_t n, const struct sockaddr_in *from,
		    bool group)
{
	struct vxlan *v = VX(nd);
	enum vxlan_verdict verdict;

	if (group && vxlan_same_addr(from, &v->local)) {
		nd->st.echoes++;           /* our own flood, looped back */
		return;
	}
	verdict = vxlan_check(p, n, v->vni);
	if (verdict != VX_OK) {
		if (verdict == VX_SHORT)
			v->vs.short_header++;
		else if (verdict == VX_FLAGS)
			v->vs.bad_flags++;
		else
			v->vs.wrong_vni++;
		port_count_drop(nd->port, DROP_BAD_HEADER);
		return;
	}
	p += VXLAN_HLEN;
	n -= VXLAN_HLEN;
	if (n >= ETH_HLEN && n <= FRAME_MAX) {
		if (v->learning)
			vxlan_learn(v, p, from);
		v->vs.rx++;
		memcpy(&nd->last_from, from, sizeof(*from));
		nd->last_from_len = sizeof(*from);
	}
	netdev_rx_bytes(nd, p, n);     /* runts and oversize: counted there */
}

/* The datagrams one recvmmsg takes, in buffers every vxlan netdev shares
 * (a handler uses them up before it returns): 16 of the largest a frame
 * can come in, made at the first open. */
#define RX_BATCH 16
#define RX_SIZE (VXLAN_HLEN + FRAME_MAX + 1)
static uint8_t *rx_bufs;

static void vxlan_rx(struct vxlan *v, int fd)
{
	struct netdev *nd = &v->nd;

	for (int round = 0; round < VXLAN_READS / 4 + 1; round++) {
		struct mmsghdr m[RX_BATCH];
		struct iovec iov[RX_BATCH];
		struct sockaddr_in from[RX_BATCH];
		int n;

		for (int i = 0; i < RX_BATCH; i++) {
			iov[i] = (struct iovec){ rx_bufs + (size_t)i * RX_SIZE, RX_SIZE };
			m[i].msg_hdr = (struct msghdr){ .msg_name = &from[i],
							.msg_namelen = sizeof(from[i]),
							.msg_iov = &iov[i], .msg_iovlen = 1 };
		}
		n = recvmmsg(fd, m, RX_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_debug("netdev %s: recv: %s", nd->node.name, strerror(errno));
			return;
		}
		for (int i = 0; i < n; i++) {
			size_t len = m[i].msg_len;

			if (from[i].sin_family != AF_INET || m[i].msg_hdr.msg_namelen < sizeof(from[i]))
				continue;
			/* Longer than a frame can be: cut by the kernel, seen whole
			 * as oversize, never entered cut. */
			if (m[i].msg_hdr.msg_flags & MSG_TRUNC)
				len = RX_SIZE;
			vxlan_datagram(nd, iov[i].iov_base, len, &from[i], fd == v->mfd);
		}
		if (n < RX_BATCH)
			return;
	}
}

static void vxlan_rx_cb(void *arg, uint32_t events)
{
	(void)events;
	vxlan_rx(VX(arg), VX(arg)->fd);
}

static void vxlan_mrx_cb(void *arg, uint32_t events)
{
	(void)events;
	vxlan_rx(VX(arg), VX(arg)->mfd);
}

/* The payload: what follows the Ethernet header and one 802.1Q tag. */
static uint32_t inner_payload(const struct frame *f)
{
	uint32_t hl = ETH_HLEN;

	if (f->len >= ETH_HLEN + 4 && f->data[12] == 0x81 && f->data[13] == 0x00)
		hl += 4;
	return f->len > hl ? f->len - hl : 0;
}

static int send_to(struct vxlan *v, const struct sockaddr_in *to, struct iovec *iov)
{
	struct msghdr msg = { .msg_name = (void *)to, .msg_namelen = sizeof(*to), .msg_iov = iov,
			      .msg_iovlen = 3 };
	ssize_t n;

	do
		n = sendmsg(v->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	return n < 0 ? errno : 0;
}

static void vxlan_output(struct netdev *nd, struct frame *f)
{
	struct vxlan *v = VX(nd);
	uint8_t h[VXLAN_HLEN];
	struct iovec iov[3] = {
		{ h, VXLAN_HLEN },
		{ f->data, f->len },
		{ (void *)zero_pad, f->len < ETH_MIN_LEN ? ETH_MIN_LEN - f->len : 0 },
	};
	int e = 0;

	if (v->fd < 0) {
		port_drop_dir(nd->port, f, DROP_NO_PEER, false);
		return;
	}
	if (inner_payload(f) > v->mtu) {
		v->vs.too_big++;
		port_drop_dir(nd->port, f, DROP_TOO_BIG, false);
		return;
	}
	vxlan_header(h, v->vni);
	if (!(f->data[0] & 1)) {
		int32_t slot = fdb_lookup(v->fdb, mac_to_u64(f->data), 0, loop_now(nd->loop));

		if (slot >= 0 && (uint32_t)slot < v->nvteps && v->vteps[slot].sin_family != 0) {
			v->vs.tx_unicast++;
			netdev_tx_done(nd, f, send_to(v, &v->vteps[slot], iov));
			return;
		}
	}
	if (v->group.sin_family == 0 && v->nremotes == 0) {
		v->vs.no_vtep++;
		port_drop_dir(nd->port, f, DROP_NO_PEER, false);
		return;
	}
	v->vs.tx_flooded++;
	if (v->group.sin_family != 0)
		e = send_to(v, &v->group, iov);
	for (int i = 0; i < v->nremotes; i++) {
		int r = send_to(v, &v->remotes[i], iov);

		if (e == 0)
			e = r;
	}
	netdev_tx_done(nd, f, e);
}

static int vxlan_fail(int fd, char *err, const char *what, const char *where)
{
	int e = errno;

	if (fd >= 0)
		close(fd);
	return errf(err, "%s %s: %s", what, where, strerror(e));
}

static int open_group(struct vxlan *v, char *err)
{
	struct ip_mreq mreq = { .imr_multiaddr = v->group.sin_addr, .imr_interface = v->localaddr };
	int one = 1, ttl = v->ttl ? v->ttl : 1, fd;
	char where[160];

	snprintf(where, sizeof(where), "%s", v->nd.remote_desc);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return vxlan_fail(-1, err, "cannot join", where);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&v->group, sizeof(v->group)) < 0)
		return vxlan_fail(fd, err, "cannot bind", where);
	if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) < 0)
		return vxlan_fail(fd, err, "cannot join (is localaddr an address of an interface "
				  "that is up?)", where);
	v->mfd = fd;
	if (setsockopt(v->fd, IPPROTO_IP, IP_MULTICAST_IF, &v->localaddr, sizeof(v->localaddr)) < 0 ||
	    setsockopt(v->fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl)) < 0 ||
	    setsockopt(v->fd, IPPROTO_IP, IP_MULTICAST_LOOP, &one, sizeof(one)) < 0)
		return vxlan_fail(-1, err, "cannot send to", where);
	if (loop_fd_add(v->nd.loop, fd, EPOLLIN, vxlan_mrx_cb, &v->nd) < 0)
		return errf(err, "cannot watch %s", where);
	return 0;
}

static int vxlan_open(struct netdev *nd, char *err)
{
	struct vxlan *v = VX(nd);
	int one = 1, rcvbuf = 1 << 20, fd;

	if (rx_bufs == NULL)
		rx_bufs = xmalloc((size_t)RX_BATCH * RX_SIZE);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return vxlan_fail(-1, err, "cannot bind", nd->local_desc);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* Room for bursts (the kernel caps it at net.core.rmem_max). */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (v->ttl != 0)
		setsockopt(fd, IPPROTO_IP, IP_TTL, &v->ttl, sizeof(v->ttl));
	if (bind(fd, (struct sockaddr *)&v->local, sizeof(v->local)) < 0)
		return vxlan_fail(fd, err, "cannot bind", nd->local_desc);
	v->fd = fd;
	if (loop_fd_add(nd->loop, fd, EPOLLIN, vxlan_rx_cb, nd) < 0)
		return errf(err, "cannot watch %s", nd->local_desc);
	if (v->group.sin_family != 0 && open_group(v, err) < 0)
		return -1;
	netdev_set_state(nd, ND_OPEN);
	return 0;
}

static void vxlan_close(struct netdev *nd)
{
	struct vxlan *v = VX(nd);

	for (int i = 0; i < 2; i++) {
		int *fd = i ? &v->mfd : &v->fd;

		if (*fd >= 0) {
			loop_fd_del(nd->loop, *fd);
			close(*fd);
			*fd = -1;
		}
	}
	netdev_set_state(nd, ND_CLOSED);
}

static void vxlan_free(struct netdev *nd)
{
	struct vxlan *v = VX(nd);

	free(v->remotes);
	free(v->vteps);
	if (v->fdb != NULL)
		fdb_free(v->fdb);
	v->remotes = NULL;
	v->vteps = NULL;
	v->fdb = NULL;
}

uint32_t vxlan_learned(struct netdev *nd, uint32_t *vteps)
{
	struct vxlan *v = VX(nd);
	uint32_t n = 0;

	for (uint32_t i = 0; i < v->nvteps; i++)
		n += v->vteps[i].sin_family != 0;
	*vteps = n;
	return fdb_count(v->fdb);
}

static const struct backend_opt vxlan_opts[] = {
	{ "vni" }, { "local" }, { "remote", true }, { "group" }, { "port" }, { "ttl" },
	{ "localaddr" }, { "learning" }, { "learned_port" }, { "ageing" }, { "maxaddress" },
	{ "mtu" }, { NULL },
};

const struct backend_ops backend_vxlan = {
	.type = "vxlan",
	.size = sizeof(struct vxlan),
	.opts = vxlan_opts,
	.init = vxlan_init,
	.configure = vxlan_configure,
	.open = vxlan_open,
	.output = vxlan_output,
	.close = vxlan_close,
	.free = vxlan_free,
	.describe = vxlan_describe,
	.info = vxlan_info,
	.report = vxlan_report,
	.fields = &vxlan_field_table,
	.value = vxlan_value,
	.lines = vxlan_lines,
	.qemu_peer = vxlan_qemu_peer,
};

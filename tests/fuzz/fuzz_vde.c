/*
 * The served VDE switch, against a model of it: control connections (the
 * handshake, in any split), the pending slots with their per-user limit
 * and 1 s timeout, ports given and refused, hang-ups, and the datagrams
 * clients send on their data sockets.
 *
 * The switch runs detached (vdeserver_open_detached): every control
 * connection is one end of a socketpair handed to vdeserver_accepted with
 * a user the input picks, and the data socket the switch makes for a
 * client is one end of a datagram socketpair (data_socket below), never a
 * connect to the path the client sent. Nothing outside the process is
 * touched.
 *
 * After every operation the loop runs for TICK, and then until the frames
 * it moved are all read, and the model is checked: each connection is
 * waiting, connected (it got a reply naming the port the model expects)
 * or closed exactly as the model says; the counters (connects, refused,
 * bad_requests, silent, limited, disconnects, clients) are the model's;
 * every frame a client sends reaches each other client once, padded to 60
 * bytes, in the order that client sent it, and no one else. A client may
 * stop reading (deaf): the switch queues for it, then pauses reading all
 * clients (vde_queue = 64), and still nothing is lost between them; once
 * no client is deaf, every frame has arrived. While frames wait unread in
 * a sender's socket, no client joins or leaves (those operations are
 * skipped), so who should get a frame is known when it is sent.
 *
 * Input: operations until it ends, each one byte (its kind) and operands:
 *   0 accept U       a connection from user U (0, 1000, 1001, unknown)
 *   1 send K N B..   N+1 raw bytes on connection K's control stream
 *   2 request K P F  a well-formed request for port P (0..5) from K, whole
 *                    (F: the low bit makes data_socket fail, the rest picks
 *                    the description's length)
 *   3 close K        K hangs up (both its sockets)
 *   4 frame K L B..  an L-byte datagram (2 bytes, little-endian) from K
 *   5 wait T         the clock moves on (T+1) * 8 ms
 *   6 giant K        a datagram over FRAME_MAX from K
 *   7 deaf K         K stops reading its data socket, or reads again
 */
#include "fuzz.h"
#include "../../src/backends/netdev.h"
#include "../../src/backends/vdeserver.h"

#include <errno.h>
#include <sys/socket.h>

#define PORTS 4
#define TOPO "[hub h]\nvde = /nonexistent/qnetsim-fuzz.vde\nvde_ports = 4\nvde_queue = 64\n"
#define MAXCONN 48
#define MAXFRAMES 4096
#define TICK (2 * NS_PER_MS)            /* a 65535-byte frame crosses the hub in 0.5 ms */
#define TIMEOUT NS_PER_SEC              /* the switch's pending timeout */

enum cstate { C_PENDING, C_CONNECTED, C_GONE };

struct conn {
	int ctl, data;          /* our ends; -1 once closed */
	uid_t uid;
	enum cstate st;
	uint64_t seq;           /* accept order */
	uint64_t at;            /* accepted at (loop time) */
	uint8_t req[VDE_REQ_MAX];
	size_t sent;            /* request bytes the switch has read */
	int port;
	/* what the last operation should have done to it */
	enum cstate want;
	int want_port;
	/* frames */
	bool deaf;              /* not reading its data socket */
	uint64_t dgrams;        /* datagrams it sent (the kernel took) */
	uint64_t base;          /* its port's read count when it connected */
	uint16_t *pend;         /* frames (in frs) still to reach it */
	int npend, pendcap;
};

/* A frame a client sent, as the others must get it: its hash and length
 * padded to 60 bytes. */
struct fr {
	uint64_t hash;
	uint32_t len;
	int from;               /* index in conns */
};

struct model {
	uint64_t connects, refused, bad_requests, silent, limited, disconnects;
	int clients;
};

/* Fails the input, saying which check on stderr (the fuzzer's log). */
#define CHECK(cond)                                                                     \
	do {                                                                            \
		if (!(cond)) {                                                          \
			fprintf(stderr, "fuzz_vde.c:%d: check failed: %s\n", __LINE__, #cond); \
			abort();                                                        \
		}                                                                       \
	} while (0)

static struct sim *s;
static struct loop *l;
static struct vdeserver *v;
static struct conn conns[MAXCONN];
static int nconns;
static uint64_t seq;
static struct model m;
static int fresh[PORTS + 1];    /* our end of a data socket just made, by port */
static struct fr frs[MAXFRAMES];
static int nfrs;

static uint64_t fnv(const uint8_t *b, size_t len, size_t padded)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < padded; i++)
		h = (h ^ (i < len ? b[i] : 0)) * 0x100000001b3ull;
	return h;
}

/* Datagrams the switch has read from port num's client so far (they enter
 * the hub, or are runts and oversize drops). */
static uint64_t port_read(int num)
{
	char name[32];
	struct netdev *nd;

	snprintf(name, sizeof(name), "h-vde%d", num);
	nd = netdev_from_node(graph_find_node(s->g, name));
	CHECK(nd != NULL);
	return nd->port->st.tx_frames + nd->st.runts + nd->st.oversize +
	       port_drops(nd->port, DROP_NO_BUFFER) + port_drops(nd->port, DROP_FIFO_FULL);
}

/* Datagrams sent but not read by the switch yet (it is paused). */
static uint64_t in_flight(void)
{
	uint64_t n = 0;

	for (int i = 0; i < nconns; i++)
		if (conns[i].st == C_CONNECTED)
			n += conns[i].dgrams - (port_read(conns[i].port) - conns[i].base);
	return n;
}

/* The switch's data socket for port num: one end of a datagram socketpair;
 * the other waits in fresh[num] until the client it belongs to is known.
 * The address sent back is "\0N", which names no file. */
static int data_socket(struct vdeserver *vs, int num, uid_t uid, const struct sockaddr_un *client,
		       struct sockaddr_un *mine, char *err)
{
	int sv[2];

	(void)vs;
	(void)uid;
	/* What the parser passes on: a unix address, a non-empty path with
	 * its NUL inside sun_path. */
	CHECK(client->sun_family == AF_UNIX && client->sun_path[0] != '\0' &&
	      memchr(client->sun_path, '\0', sizeof(client->sun_path)) != NULL);
	CHECK(num >= 1 && num <= PORTS && fresh[num] < 0);
	if (client->sun_path[0] == '!')
		return errf(err, "cannot reach its data socket %s: refused", client->sun_path);
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);
	mine->sun_family = AF_UNIX;
	mine->sun_path[0] = '\0';
	snprintf(mine->sun_path + 1, sizeof(mine->sun_path) - 1, "%d", num);
	fresh[num] = sv[1];
	return sv[0];
}

/* The request as the model reads it: -1 bad, else the port asked for. */
static int model_parse(const uint8_t *p, size_t n)
{
	uint32_t w[3];
	struct sockaddr_un a;

	if (n < 12 + sizeof(a))
		return -1;
	memcpy(w, p, sizeof(w));
	memcpy(&a, p + 12, sizeof(a));
	if (w[0] != 0xfeedfaceu || w[1] != 3 || (w[2] & 0xff) != 0)
		return -1;
	if (a.sun_family != AF_UNIX || a.sun_path[0] == '\0')
		return -1;
	return (int)(w[2] >> 8);
}

static bool port_busy(int port)
{
	for (int i = 0; i < nconns; i++)
		if (conns[i].st == C_CONNECTED && conns[i].port == port)
			return true;
	return false;
}

/* A whole request from c (its first c->sent bytes): what the switch must
 * answer, checked against vde_request_parse on the same bytes. */
static void model_request(struct conn *c)
{
	struct vde_request r;
	char why[ERRLEN];
	int want = model_parse(c->req, c->sent);
	int rc = vde_request_parse(c->req, c->sent, &r, why, sizeof(why));

	CHECK((rc < 0) == (want < 0));
	c->want = C_GONE;
	if (want < 0) {
		CHECK(why[0] != '\0' && strnlen(why, sizeof(why)) < sizeof(why));
		m.bad_requests++;
		return;
	}
	CHECK(r.port == want);
	CHECK(memchr(r.sock.sun_path, '\0', sizeof(r.sock.sun_path)) != NULL);
	CHECK(strnlen(r.descr, sizeof(r.descr)) < sizeof(r.descr));
	for (const char *d = r.descr; *d; d++)
		CHECK(*d >= 32 && *d <= 126);
	if (want == 0)
		for (want = 1; want <= PORTS && port_busy(want); want++)
			;       /* any: the lowest free port */
	if (want > PORTS || port_busy(want) || r.sock.sun_path[0] == '!') {
		m.refused++;
		return;
	}
	c->want = C_CONNECTED;
	c->want_port = want;
	m.connects++;
	m.clients++;
}

static int pending_from(uid_t uid, struct conn **oldest_mine, struct conn **oldest)
{
	int n = 0;

	*oldest_mine = *oldest = NULL;
	for (int i = 0; i < nconns; i++) {
		struct conn *c = &conns[i];

		if (c->st != C_PENDING)
			continue;
		if (*oldest == NULL || c->seq < (*oldest)->seq)
			*oldest = c;
		if (c->uid == uid) {
			n++;
			if (*oldest_mine == NULL || c->seq < (*oldest_mine)->seq)
				*oldest_mine = c;
		}
	}
	return n;
}

static uint64_t counter(const char *name)
{
	uint64_t x;

	CHECK(vdeserver_counter(v, name, &x) == 0);
	return x;
}

static void close_ours(struct conn *c)
{
	if (c->ctl >= 0)
		close(c->ctl);
	if (c->data >= 0)
		close(c->data);
	c->ctl = c->data = -1;
	free(c->pend);
	c->pend = NULL;
	c->npend = c->pendcap = 0;
}

/* What the switch said on the control connections: replies (the port
 * given) and ends. */
static void observe_ctl(void)
{
	for (int i = 0; i < nconns; i++) {
		struct conn *c = &conns[i];
		uint8_t buf[VDE_REQ_MAX];
		ssize_t r;

		if (c->st == C_GONE)
			continue;
		r = recv(c->ctl, buf, sizeof(buf), MSG_DONTWAIT);
		CHECK(r >= 0 || errno == EAGAIN || errno == ECONNRESET);
		if (c->st == C_PENDING && r == (ssize_t)sizeof(struct sockaddr_un)) {
			struct sockaddr_un a;
			int num;

			memcpy(&a, buf, sizeof(a));
			CHECK(a.sun_family == AF_UNIX && a.sun_path[0] == '\0' &&
			      sscanf(a.sun_path + 1, "%d", &num) == 1 && num >= 1 && num <= PORTS &&
			      fresh[num] >= 0);
			c->st = C_CONNECTED;
			c->port = num;
			c->data = fresh[num];
			c->base = port_read(num);
			fresh[num] = -1;
		} else if (r == 0 || (r < 0 && errno == ECONNRESET)) {
			c->st = C_GONE;
			close_ours(c);
		} else {
			CHECK(r <= 0);  /* the switch says nothing else */
		}
	}
	/* A data socket made for a client that is gone already. */
	for (int i = 1; i <= PORTS; i++) {
		if (fresh[i] >= 0) {
			close(fresh[i]);
			fresh[i] = -1;
		}
	}
}

/* Reads what came to the clients that read: each datagram must be the
 * next frame of one of its senders. Returns how many came. */
static uint64_t drain_frames(void)
{
	static uint8_t got[FRAME_MAX + 1];
	uint64_t n = 0;

	for (int i = 0; i < nconns; i++) {
		struct conn *c = &conns[i];
		ssize_t r;

		if (c->st != C_CONNECTED || c->deaf)
			continue;
		while ((r = recv(c->data, got, sizeof(got), MSG_DONTWAIT)) >= 0) {
			uint64_t h = fnv(got, (size_t)r, (size_t)r);
			bool seen[MAXCONN] = { false };
			int k;

			for (k = 0; k < c->npend; k++) {
				const struct fr *f = &frs[c->pend[k]];

				if (seen[f->from])
					continue;
				if (f->len == (uint32_t)r && f->hash == h)
					break;
				seen[f->from] = true;   /* its later frames come after this one */
			}
			CHECK(k < c->npend);    /* the next frame of one of its senders */
			memmove(c->pend + k, c->pend + k + 1, (size_t)(c->npend - k - 1) * sizeof(*c->pend));
			c->npend--;
			n++;
		}
	}
	return n;
}

/* Runs the switch for ns, then on until the frames it moves are read,
 * and holds it to the model. */
static void turn(uint64_t ns)
{
	uint64_t now, act;
	int waiting = 0;
	bool deaf = false;

	/* Every fd until none is ready: a connected client's control stream
	 * is read 256 bytes a wakeup, so its end may take a few. */
	while (loop_poll(l, 0) > 0)
		loop_run(l, loop_now(l));
	loop_run(l, loop_now(l) + ns);
	observe_ctl();
	do {
		uint64_t n;

		act = drain_frames();
		while ((n = loop_poll(l, 0)) > 0) {
			act += n;
			loop_run(l, loop_now(l));
		}
		loop_run(l, loop_now(l) + NS_PER_MS);   /* frames cross the hub */
	} while (act > 0);
	observe_ctl();
	now = loop_now(l);
	/* Connections still waiting at their deadline have been closed. */
	for (int i = 0; i < nconns; i++) {
		struct conn *c = &conns[i];

		if (c->want == C_PENDING && c->at + TIMEOUT <= now) {
			c->want = C_GONE;
			m.silent++;
		}
	}
	for (int i = 0; i < nconns; i++) {
		struct conn *c = &conns[i];

		CHECK(c->st == c->want);
		CHECK(c->st != C_CONNECTED || c->port == c->want_port);
		waiting += c->st == C_PENDING;
		deaf = deaf || (c->st == C_CONNECTED && c->deaf);
	}
	CHECK(waiting <= VDE_PENDING_MAX);
	for (uid_t u = 0; u < 4; u++) {
		struct conn *a, *b;
		uid_t uid = u == 0 ? 0 : u == 3 ? (uid_t)-1 : 999 + u;

		CHECK(pending_from(uid, &a, &b) <= VDE_PENDING_PER_SOURCE);
	}
	/* Nothing is lost between VDE clients; with no one deaf, all came. */
	for (int i = 1; i <= PORTS; i++) {
		char name[32];
		struct netdev *nd;

		snprintf(name, sizeof(name), "h-vde%d", i);
		nd = netdev_from_node(graph_find_node(s->g, name));
		CHECK(nd == NULL || port_drops(nd->port, DROP_PEER_BACKLOG) == 0);
	}
	if (!deaf) {
		CHECK(in_flight() == 0);
		for (int i = 0; i < nconns; i++)
			CHECK(conns[i].st != C_CONNECTED || conns[i].npend == 0);
	}
	CHECK(counter("connects") == m.connects);
	CHECK(counter("refused") == m.refused);
	CHECK(counter("bad_requests") == m.bad_requests);
	CHECK(counter("silent") == m.silent);
	CHECK(counter("limited") == m.limited);
	CHECK(counter("disconnects") == m.disconnects);
	CHECK(counter("clients") == (uint64_t)m.clients);
}

static struct conn *pick(const uint8_t **p, size_t *n)
{
	uint8_t k = fuzz_u8(p, n);

	return nconns > 0 ? &conns[k % nconns] : NULL;
}

static void op_accept(uid_t uid)
{
	struct conn *mine, *oldest, *c;
	int sv[2];
	int from = pending_from(uid, &mine, &oldest);
	int total = 0;

	if (nconns == MAXCONN)
		return;
	for (int i = 0; i < nconns; i++)
		total += conns[i].st == C_PENDING;
	if (from >= VDE_PENDING_PER_SOURCE) {
		mine->want = C_GONE;
		m.silent++;
		m.limited++;
	} else if (total == VDE_PENDING_MAX) {
		oldest->want = C_GONE;
		m.silent++;
	}
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);
	c = &conns[nconns++];
	memset(c, 0, sizeof(*c));
	c->ctl = sv[1];
	c->data = -1;
	c->uid = uid;
	c->st = c->want = C_PENDING;
	c->seq = ++seq;
	c->at = loop_now(l);
	vdeserver_accepted(v, sv[0], uid);
}

/* Bytes on c's control stream; the switch reads what completes a request. */
static void op_send(struct conn *c, const uint8_t *b, size_t len)
{
	if (c == NULL || c->ctl < 0 || len == 0 || (c->st == C_PENDING && in_flight() > 0))
		return;
	CHECK(send(c->ctl, b, len, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)len);
	if (c->st != C_PENDING)
		return;         /* a connected client's chatter is ignored */
	len = MIN(len, sizeof(c->req) - c->sent);
	memcpy(c->req + c->sent, b, len);
	c->sent += len;
	if (c->sent >= VDE_REQ_MIN)
		model_request(c);
}

static void op_request(struct conn *c, uint8_t port, uint8_t flags)
{
	uint8_t req[VDE_REQ_MAX];
	uint32_t w[3] = { 0xfeedfaceu, 3, (uint32_t)(port % 6) << 8 };
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	size_t dlen = (flags >> 1) % (VDE_REQ_MAX - VDE_REQ_MIN + 1);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s/tmp/fuzz.%d", flags & 1 ? "!" : "",
		 c != NULL ? (int)c->seq : 0);
	memcpy(req, w, sizeof(w));
	memcpy(req + 12, &a, sizeof(a));
	for (size_t i = 0; i < dlen; i++)
		req[VDE_REQ_MIN + i] = (uint8_t)(i % 96 + 31);  /* one '\x1f' to sanitize */
	op_send(c, req, VDE_REQ_MIN + dlen);
}

static void op_close(struct conn *c)
{
	if (c == NULL || c->ctl < 0 || (c->st == C_CONNECTED && in_flight() > 0))
		return;
	if (c->st == C_CONNECTED) {
		m.disconnects++;
		m.clients--;
	} else if (c->st == C_PENDING && c->sent > 0) {
		m.bad_requests++;       /* a piece of a request, then EOF */
	}
	close_ours(c);
	c->st = c->want = C_GONE;
}

/* A datagram from c: every other connected client gets it once. */
static void op_frame(struct conn *c, const uint8_t *b, size_t len)
{
	struct fr *f = &frs[nfrs];
	ssize_t r;

	if (c == NULL || c->st != C_CONNECTED || nfrs == MAXFRAMES)
		return;
	r = send(c->data, b, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (r < 0 && (errno == EAGAIN || errno == ENOBUFS))
		return;                 /* the switch is paused, its socket full */
	CHECK(r == (ssize_t)len);
	c->dgrams++;
	if (len < ETH_HLEN || len > FRAME_MAX)
		return;                 /* a runt or oversize drop */
	f->len = (uint32_t)MAX(len, (size_t)ETH_MIN_LEN);
	f->hash = fnv(b, len, f->len);
	f->from = (int)(c - conns);
	for (int i = 0; i < nconns; i++) {
		struct conn *o = &conns[i];

		if (o == c || o->st != C_CONNECTED)
			continue;
		if (o->npend == o->pendcap) {
			o->pendcap = o->pendcap ? o->pendcap * 2 : 64;
			o->pend = xreallocarray(o->pend, (size_t)o->pendcap, sizeof(*o->pend));
		}
		o->pend[o->npend++] = (uint16_t)nfrs;
	}
	nfrs++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uid_t uids[4] = { 0, 1000, 1001, (uid_t)-1 };
	static uint8_t giant[FRAME_MAX + 256];
	const uint8_t *p = data;
	size_t n = size;

	if (size > 1 << 16)
		return 0;
	s = fuzz_sim(TOPO, strlen(TOPO), NULL);
	CHECK(s != NULL);
	l = s->loop;
	v = vdeserver_of(graph_find_node(s->g, "h"));
	vdeserver_open_detached(v, data_socket);
	memset(&m, 0, sizeof(m));
	nconns = 0;
	nfrs = 0;
	seq = 0;
	for (int i = 0; i <= PORTS; i++)
		fresh[i] = -1;
	while (n > 0) {
		uint8_t op = fuzz_u8(&p, &n) % 8;
		uint64_t ns = TICK;

		switch (op) {
		case 0:
			op_accept(uids[fuzz_u8(&p, &n) & 3]);
			break;
		case 1: {
			struct conn *c = pick(&p, &n);
			size_t len = (size_t)fuzz_u8(&p, &n) + 1;

			len = MIN(len, n);
			op_send(c, p, len);
			p += len;
			n -= len;
			break;
		}
		case 2: {
			struct conn *c = pick(&p, &n);
			uint8_t port = fuzz_u8(&p, &n);

			op_request(c, port, fuzz_u8(&p, &n));
			break;
		}
		case 3:
			op_close(pick(&p, &n));
			break;
		case 4: {
			struct conn *c = pick(&p, &n);
			size_t len = fuzz_u16(&p, &n);

			len = MIN(len, n);
			op_frame(c, p, len);
			p += len;
			n -= len;
			break;
		}
		case 5:
			ns = (uint64_t)(fuzz_u8(&p, &n) + 1) * 8 * NS_PER_MS;
			break;
		case 7: {
			struct conn *c = pick(&p, &n);

			if (c != NULL && c->st == C_CONNECTED)
				c->deaf = !c->deaf;
			break;
		}
		default: {
			struct conn *c = pick(&p, &n);

			if (giant[0] == 0)
				memset(giant, 0x5a, sizeof(giant));
			op_frame(c, giant, FRAME_MAX + 1 + (size_t)fuzz_u8(&p, &n));
			break;
		}
		}
		turn(ns);
	}
	/* The ports the switch shows are the model's. */
	for (int i = 1; i <= PORTS; i++) {
		char f[32], st[32];

		snprintf(f, sizeof(f), "[%d].state", i);
		CHECK(vdeserver_port_field(v, f, st, sizeof(st)) == 0);
		CHECK((strcmp(st, "connected") == 0) == port_busy(i));
	}
	for (int i = 0; i < nconns; i++)
		close_ours(&conns[i]);
	sim_free(s);
	s = NULL;
	return 0;
}

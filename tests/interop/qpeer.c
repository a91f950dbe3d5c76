/*
 * qpeer: a scriptable socket peer for the interop tests. It speaks QEMU's
 * stream framing (4-byte big-endian length, then the frame) well or badly
 * on purpose.
 *
 *   qpeer freeport                  print a free TCP+UDP port on 127.0.0.1
 *   qpeer TARGET STEP...            connect to TARGET and run the steps
 *   qpeer dns PORT NAME ADDR SECS   answer DNS A queries on 127.0.0.1:PORT for
 *                                   SECS seconds: NAME is ADDR, other names
 *                                   get NXDOMAIN; prints "queries N" at the end
 *   qpeer vxlan HOST:PORT VNI VTEPS MACS
 *                                   hostile VXLAN datagrams to HOST:PORT: 8
 *                                   shorter than the header, 4 with bad flags
 *                                   or reserved bits, 1 with VNI+1, 2 runts
 *                                   (inner frames of 0 and 10 bytes); then a
 *                                   flood of MACS frames from random source
 *                                   MACs, sent from VTEPS addresses
 *                                   (127.1.0.1 on); prints what it sent
 *
 * TARGET: tcp:HOST:PORT or unix:PATH. Steps, in order:
 *   len:V           write a 4-byte length V (no data)
 *   hex:HEX         write these bytes
 *   frame:N         write one good framed frame of N bytes
 *   frames:K:N      write K good framed frames of N bytes in one write()
 *   bytewise:N      write one good framed frame of N bytes a byte at a time,
 *                   pausing between bytes so each arrives in its own read
 *   half:N          write the length of an N-byte frame and half its data
 *   sleep:MS        wait
 *   rcvbuf:BYTES    shrink the receive buffer (a peer that fills up fast)
 *   closed:MS       wait up to MS for the other side to close; fail if not
 *   open:MS         fail if the other side closes within MS
 *   count:MS        read for MS, or until the other side closes; print
 *                   "frames N min LEN udp U min LEN" (the shortest of all,
 *                   and of the IPv4 UDP frames among them)
 *   bpdus:N:MS      send N 802.1D BPDUs to 01:80:c2:00:00:00, spread evenly
 *                   over MS, reading (and dropping) what comes back; they
 *                   cycle through six kinds: a superior root claim
 *                   (priority 0, TC now and then), a TCN, a config BPDU cut
 *                   short (40 bytes), max_age 0, absurd times (0xffff) and
 *                   hello_time 0 (so with N a multiple of 6 the last claim
 *                   has hello 0); prints "bpdus N superior S bad B tcn T"
 *                   (B: the short one and the three with times outside
 *                   802.1D's ranges, which a bridge must drop)
 *   macflood:MS     for MS, send 60-byte frames from random unicast source
 *                   MACs (locally administered) to the unknown unicast
 *                   02:00:00:00:00:99, as fast as the socket takes them;
 *                   prints "flooded N frames in MS ms", and stops early
 *                   (status 0, "; the other side closed") if the peer goes
 *   arpwait:IP:MS   ask who has IP (from 52:54:00:ee:ee:01, 10.0.0.99) every
 *                   50 ms, and read until a reply comes; fail if none in MS.
 *                   The stream is in order, so once the reply is here the
 *                   other side has taken every frame sent before the request
 *   print:TEXT      print TEXT on stdout (a mark for the shell to wait on)
 *   close           close now
 * Good frames are broadcasts from 52:54:00:ee:ee:ee, EtherType 0x88b5.
 * Exit status: 0 all steps held, 1 a step failed, 2 usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <strings.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int fd = -1;

static void die(const char *what)
{
	fprintf(stderr, "qpeer: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void put(const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n > 0) {
		ssize_t w = send(fd, b, n, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			die("write");
		}
		b += w;
		n -= (size_t)w;
	}
}

static size_t good_frame(uint8_t *buf, uint32_t n)
{
	buf[0] = (uint8_t)(n >> 24);
	buf[1] = (uint8_t)(n >> 16);
	buf[2] = (uint8_t)(n >> 8);
	buf[3] = (uint8_t)n;
	memset(buf + 4, 0xff, 6);
	memcpy(buf + 10, "\x52\x54\x00\xee\xee\xee\x88\xb5", 8);
	for (uint32_t i = 14; i < n; i++)
		buf[4 + i] = (uint8_t)i;
	return 4 + (size_t)n;
}

static void msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Waits up to ms for EOF. Returns 1 closed, 0 still open. Data is read
 * and thrown away. */
static int wait_closed(long ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint8_t buf[65536];

	for (;;) {
		int r = poll(&p, 1, (int)ms);

		if (r <= 0)
			return 0;
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			return 1;
		ms = ms > 10 ? ms - 10 : 1;
	}
}

static uint32_t min_len = UINT32_MAX, udp_min_len = UINT32_MAX;
static long udp_frames;

static long count_frames(long ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	static uint8_t buf[1 << 17];
	size_t have = 0;
	long frames = 0;
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		long left;

		clock_gettime(CLOCK_MONOTONIC, &t);
		left = ms - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		ssize_t n = recv(fd, buf + have, sizeof(buf) - have, 0);
		if (n <= 0)
			break;
		have += (size_t)n;
		for (;;) {
			uint32_t len;

			if (have < 4)
				break;
			len = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | buf[2] << 8 | buf[3];
			if (len > sizeof(buf) - 4) {
				fprintf(stderr, "qpeer: bad length %u from the other side\n", len);
				exit(1);
			}
			if (have < 4 + len)
				break;
			frames++;
			if (len < min_len)
				min_len = len;
			/* IPv4 (ethertype 0x0800), protocol 17. */
			if (len >= 34 && buf[4 + 12] == 0x08 && buf[4 + 13] == 0x00 &&
			    buf[4 + 23] == 17) {
				udp_frames++;
				if (len < udp_min_len)
					udp_min_len = len;
			}
			memmove(buf, buf + 4 + len, have - 4 - len);
			have -= 4 + len;
		}
	}
	return frames;
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Reads and drops whatever the other side sent, without waiting. */
static void drain(void)
{
	static uint8_t junk[65536];

	while (recv(fd, junk, sizeof(junk), MSG_DONTWAIT) > 0)
		;
}

static void wr16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* One framed BPDU of kind k % 6 at b; returns its size with the length.
 * Layout after the LLC (e[14..16]): protocol 0 (e[17..18]), version 0
 * (e[19]), type (e[20]); a config BPDU goes on with flags, root ID, root
 * path cost, bridge ID, port ID, message age, max age, hello time and
 * forward delay (times in 1/256 s). The claims are from 02:00:00:00:00:01,
 * priority 0, as root, port 0x8001, except the absurd times, which come
 * from 02:00:00:00:00:02..04 (a claim inferior to the first, so a bridge
 * that took it would not use its times). Each round of six ends with
 * hello_time 0 from the root: a bridge that took it spins on its TCN
 * timer once the storm stops. */
static size_t bpdu(uint8_t *b, unsigned long k)
{
	uint8_t *e = b + 4;
	uint32_t n = 60;
	unsigned kind = (unsigned)(k % 6), who = 1;

	memset(e, 0, 60);
	memcpy(e, "\x01\x80\xc2\x00\x00\x00\x52\x54\x00\xee\xee\xee", 12);
	e[14] = 0x42;
	e[15] = 0x42;
	e[16] = 0x03;
	if (kind == 1) {
		e[20] = 0x80;                                   /* TCN */
		wr16(e + 12, 3 + 4);
	} else {
		if (kind == 4)
			who = 2 + (unsigned)(k / 6 % 3);
		e[20] = 0x00;                                   /* config */
		e[21] = k / 6 % 8 == 0 ? 0x01 : 0x00;           /* TC, now and then */
		e[24] = e[36] = 0x02;                           /* root = bridge */
		e[29] = e[41] = (uint8_t)who;
		wr16(e + 42, 0x8001);
		wr16(e + 44, 0);                                /* message age */
		wr16(e + 46, 20 * 256);                         /* max age */
		wr16(e + 48, 2 * 256);                          /* hello */
		wr16(e + 50, 15 * 256);                         /* forward delay */
		if (kind == 2)
			n = 40;                                 /* cut short */
		else if (kind == 3)
			wr16(e + 46, 0);                        /* max_age 0 */
		else if (kind == 4)
			memset(e + 46, 0xff, 6);                /* absurd */
		else if (kind == 5)
			wr16(e + 48, 0);                        /* hello_time 0 */
		wr16(e + 12, n == 60 ? 3 + 35 : n - 14);
	}
	b[0] = b[1] = b[2] = 0;
	b[3] = (uint8_t)n;
	return 4 + n;
}

static void bpdu_storm(unsigned long n, long ms, uint8_t *buf, size_t cap)
{
	unsigned long sent = 0, kinds[6] = { 0 };
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (sent < n) {
		long t = elapsed_ms(&t0);
		unsigned long due = t >= ms ? n : (unsigned long)((double)n * t / ms);
		size_t len = 0;

		while (sent < due && len + 64 <= cap) {
			len += bpdu(buf + len, sent);
			kinds[sent % 6]++;
			sent++;
		}
		if (len > 0)
			put(buf, len);
		drain();
		msleep(1);
	}
	printf("bpdus %lu superior %lu bad %lu tcn %lu\n", sent, kinds[0],
	       kinds[2] + kinds[3] + kinds[4] + kinds[5], kinds[1]);
	fflush(stdout);
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Sends 60-byte frames from random source MACs for ms, as fast as the
 * socket takes them; stops early, and says so, when the other side closes. */
static void mac_flood(long ms, uint8_t *buf)
{
	unsigned long sent = 0;
	struct timespec t0;
	bool gone = false;

	for (size_t o = 0; o < 1024 * 64; o += 64) {
		buf[o] = buf[o + 1] = buf[o + 2] = 0;
		buf[o + 3] = 60;
		memcpy(buf + o + 4, "\x02\x00\x00\x00\x00\x99", 6);
		buf[o + 4 + 12] = 0x88;
		buf[o + 4 + 13] = 0xb5;
		memset(buf + o + 4 + 14, 0, 46);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!gone && elapsed_ms(&t0) < ms) {
		size_t len = 1024 * 64;

		for (size_t o = 0; o < len; o += 64) {
			uint8_t *src = buf + o + 4 + 6;
			uint64_t r = next_rand();

			for (int i = 0; i < 6; i++)
				src[i] = (uint8_t)(r >> (8 * i));
			src[0] = (uint8_t)((src[0] & 0xfc) | 0x02);     /* unicast, local */
		}
		for (size_t o = 0; o < len;) {
			ssize_t w = send(fd, buf + o, len - o, MSG_NOSIGNAL);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				gone = true;
				break;
			}
			o += (size_t)w;
		}
		if (!gone) {
			sent += 1024;
			drain();
		}
	}
	printf("flooded %lu frames in %ld ms%s\n", sent, elapsed_ms(&t0),
	       gone ? "; the other side closed" : "");
	fflush(stdout);
}

/* Asks who has ip every 50 ms (a request can be dropped like any frame)
 * and reads until a reply comes. Returns the ms taken, or -1. */
static long arp_wait(const char *ip, long ms)
{
	static uint8_t rb[1 << 17];
	uint8_t f[4 + 60] = { 0, 0, 0, 60 }, *e = f + 4;
	struct in_addr want, me;
	struct timespec t0;
	size_t have = 0;
	long asked = -1000;

	if (inet_pton(AF_INET, ip, &want) != 1)
		exit(2);
	inet_pton(AF_INET, "10.0.0.99", &me);
	memset(e, 0xff, 6);
	memcpy(e + 6, "\x52\x54\x00\xee\xee\x01\x08\x06\x00\x01\x08\x00\x06\x04\x00\x01", 16);
	memcpy(e + 22, "\x52\x54\x00\xee\xee\x01", 6);
	memcpy(e + 28, &me, 4);
	memcpy(e + 38, &want, 4);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long now = elapsed_ms(&t0);
		ssize_t r;

		if (now >= ms)
			return -1;
		if (now - asked >= 50) {
			put(f, sizeof(f));
			asked = now;
		}
		if (poll(&p, 1, 10) <= 0)
			continue;
		r = recv(fd, rb + have, sizeof(rb) - have, 0);
		if (r <= 0)
			return -1;
		have += (size_t)r;
		while (have >= 4) {
			uint32_t len = (uint32_t)rb[0] << 24 | (uint32_t)rb[1] << 16 |
				       (uint32_t)rb[2] << 8 | rb[3];
			const uint8_t *g = rb + 4;

			if (len > sizeof(rb) - 4)
				return -1;
			if (have < 4 + len)
				break;
			if (len >= 42 && g[12] == 0x08 && g[13] == 0x06 && g[21] == 2 &&
			    memcmp(g + 28, &want, 4) == 0 && memcmp(g + 38, &me, 4) == 0)
				return elapsed_ms(&t0);
			memmove(rb, rb + 4 + len, have - 4 - len);
			have -= 4 + len;
		}
	}
}

static void freeport(void)
{
	for (int tries = 0; tries < 50; tries++) {
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t len = sizeof(a);
		int t = socket(AF_INET, SOCK_STREAM, 0), u;

		if (t < 0 || bind(t, (struct sockaddr *)&a, sizeof(a)) < 0 ||
		    getsockname(t, (struct sockaddr *)&a, &len) < 0)
			die("bind");
		u = socket(AF_INET, SOCK_DGRAM, 0);
		if (u >= 0 && bind(u, (struct sockaddr *)&a, sizeof(a)) == 0) {
			printf("%u\n", ntohs(a.sin_port));
			exit(0);
		}
		close(t);
		close(u);
	}
	fprintf(stderr, "qpeer: no free port\n");
	exit(1);
}

static void connect_to(const char *target)
{
	if (strncmp(target, "tcp:", 4) == 0) {
		struct sockaddr_in a = { .sin_family = AF_INET };
		char host[64];
		const char *colon = strrchr(target + 4, ':');
		int one = 1;

		if (colon == NULL || (size_t)(colon - target - 4) >= sizeof(host))
			exit(2);
		snprintf(host, sizeof(host), "%.*s", (int)(colon - target - 4), target + 4);
		a.sin_port = htons((uint16_t)atoi(colon + 1));
		if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
			exit(2);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
			die("connect");
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	} else if (strncmp(target, "unix:", 5) == 0) {
		struct sockaddr_un a = { .sun_family = AF_UNIX };

		snprintf(a.sun_path, sizeof(a.sun_path), "%s", target + 5);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
			die("connect");
	} else {
		fprintf(stderr, "qpeer: target is tcp:HOST:PORT or unix:PATH\n");
		exit(2);
	}
}

/* A DNS server for one name: enough to test a resolver against. */
static int dns_server(const char *port, const char *name, const char *addr, const char *secs)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				 .sin_port = htons((uint16_t)atoi(port)) };
	struct in_addr ip;
	int s = socket(AF_INET, SOCK_DGRAM, 0), queries = 0;
	long left = atol(secs) * 1000;

	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || inet_pton(AF_INET, addr, &ip) != 1)
		die("dns");
	while (left > 0) {
		struct pollfd p = { .fd = s, .events = POLLIN };
		uint8_t m[512];
		char qname[256];
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		ssize_t n;
		size_t o = 12, q = 0, end;

		if (poll(&p, 1, 100) <= 0) {
			left -= 100;
			continue;
		}
		n = recvfrom(s, m, sizeof(m) - 16, 0, (struct sockaddr *)&from, &flen);
		if (n < 17)
			continue;
		while (o < (size_t)n && m[o] != 0 && q + m[o] + 1 < sizeof(qname)) {
			if (q > 0)
				qname[q++] = '.';
			memcpy(qname + q, m + o + 1, m[o]);
			q += m[o];
			o += 1u + m[o];
		}
		qname[q] = '\0';
		end = o + 5;            /* the zero, type, class */
		if (end > (size_t)n)
			continue;
		queries++;
		m[2] = 0x81;            /* response, recursion desired */
		m[3] = 0x80;            /* recursion available */
		m[6] = m[7] = m[8] = m[9] = m[10] = m[11] = 0;
		if (strcasecmp(qname, name) == 0) {
			static const uint8_t rr[] = { 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4 };

			m[7] = 1;
			memcpy(m + end, rr, sizeof(rr));
			memcpy(m + end + sizeof(rr), &ip, 4);
			end += sizeof(rr) + 4;
		} else {
			m[3] |= 3;      /* NXDOMAIN */
		}
		sendto(s, m, end, 0, (struct sockaddr *)&from, flen);
	}
	printf("queries %d\n", queries);
	return 0;
}

/* One VXLAN datagram: header bytes h (8), then an inner frame of n bytes
 * from src to 02:00:00:00:00:99 (EtherType 0x88b5). */
static void vx_send(int s, const struct sockaddr_in *to, const uint8_t h[8], size_t n,
		    const uint8_t src[6])
{
	uint8_t d[8 + 128] = { 0 };

	memcpy(d, h, 8);
	if (n >= 14) {
		static const uint8_t dst[6] = { 2, 0, 0, 0, 0, 0x99 };

		memcpy(d + 8, dst, 6);
		memcpy(d + 14, src, 6);
		d[20] = 0x88;
		d[21] = 0xb5;
	}
	if (sendto(s, d, 8 + n, 0, (const struct sockaddr *)to, sizeof(*to)) < 0)
		die("vxlan: sendto");
}

static int vxlan_hostile(const char *target, const char *vni_s, const char *vteps_s,
			 const char *macs_s)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	const char *colon = strrchr(target, ':');
	unsigned long vni = strtoul(vni_s, NULL, 0), vteps = strtoul(vteps_s, NULL, 0);
	unsigned long macs = strtoul(macs_s, NULL, 0), sent = 0;
	uint8_t good[8] = { 0x08, 0, 0, 0, (uint8_t)(vni >> 16), (uint8_t)(vni >> 8), (uint8_t)vni, 0 };
	uint8_t h[8], src[6] = { 0x02, 0, 0, 0, 0, 1 };
	char host[64];
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	if (colon == NULL || (size_t)(colon - target) >= sizeof(host) || vteps == 0 ||
	    vteps > 60000) {
		fprintf(stderr, "qpeer vxlan HOST:PORT VNI VTEPS MACS\n");
		return 2;
	}
	memcpy(host, target, (size_t)(colon - target));
	host[colon - target] = '\0';
	to.sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &to.sin_addr) != 1)
		die("vxlan: address");
	for (size_t n = 0; n < 8; n++)         /* shorter than the header */
		if (sendto(s, good, n, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
			die("vxlan: sendto");
	for (int k = 0; k < 4; k++) {          /* I clear; another flag; reserved bits */
		static const uint8_t at[4] = { 0, 0, 1, 7 }, val[4] = { 0x00, 0x0c, 0x80, 0x01 };

		memcpy(h, good, 8);
		h[at[k]] = val[k];
		vx_send(s, &to, h, 60, src);
	}
	memcpy(h, good, 8);
	h[6] = (uint8_t)(vni + 1);             /* another network */
	h[5] = (uint8_t)((vni + 1) >> 8);
	h[4] = (uint8_t)((vni + 1) >> 16);
	vx_send(s, &to, h, 60, src);
	vx_send(s, &to, good, 0, src);         /* runts */
	vx_send(s, &to, good, 10, src);
	close(s);
	for (unsigned long a = 0; a < vteps; a++) {
		struct sockaddr_in from = { .sin_family = AF_INET,
					    .sin_addr.s_addr = htonl(0x7f010001u + (uint32_t)a) };

		s = socket(AF_INET, SOCK_DGRAM, 0);
		if (bind(s, (struct sockaddr *)&from, sizeof(from)) < 0)
			die("vxlan: bind 127.1.x.y");
		for (unsigned long k = a; k < macs; k += vteps) {
			uint64_t r = next_rand();

			src[0] = 0x02;
			memcpy(src + 1, &r, 5);
			vx_send(s, &to, good, 60, src);
			sent++;
			if (sent % 64 == 0)
				msleep(1);      /* a flood, not a loss test: give it time */
		}
		close(s);
	}
	printf("short 8 flags 4 vni 1 runts 2 flood %lu from %lu addresses\n", sent, vteps);
	return 0;
}

int main(int argc, char **argv)
{
	static uint8_t buf[1 << 22];

	if (argc == 6 && strcmp(argv[1], "dns") == 0)
		return dns_server(argv[2], argv[3], argv[4], argv[5]);

	if (argc == 6 && strcmp(argv[1], "vxlan") == 0)
		return vxlan_hostile(argv[2], argv[3], argv[4], argv[5]);
	if (argc == 2 && strcmp(argv[1], "freeport") == 0)
		freeport();
	if (argc < 2) {
		fprintf(stderr, "usage: qpeer freeport | qpeer TARGET STEP...\n");
		return 2;
	}
	connect_to(argv[1]);
	for (int i = 2; i < argc; i++) {
		const char *s = argv[i];
		unsigned long a = 0, b = 0;

		if (sscanf(s, "len:%lu", &a) == 1) {
			uint8_t l[4] = { (uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8),
					 (uint8_t)a };
			put(l, 4);
		} else if (strncmp(s, "hex:", 4) == 0) {
			size_t n = 0;

			for (const char *h = s + 4; h[0] && h[1]; h += 2) {
				unsigned v;

				sscanf(h, "%2x", &v);
				buf[n++] = (uint8_t)v;
			}
			put(buf, n);
		} else if (sscanf(s, "frames:%lu:%lu", &a, &b) == 2) {
			size_t n = 0;

			for (unsigned long k = 0; k < a && n + 4 + b <= sizeof(buf); k++)
				n += good_frame(buf + n, (uint32_t)b);
			put(buf, n);
		} else if (sscanf(s, "frame:%lu", &a) == 1) {
			put(buf, good_frame(buf, (uint32_t)a));
		} else if (sscanf(s, "bytewise:%lu", &a) == 1) {
			size_t n = good_frame(buf, (uint32_t)a);

			for (size_t k = 0; k < n; k++) {
				put(buf + k, 1);
				msleep(2);
			}
		} else if (sscanf(s, "half:%lu", &a) == 1) {
			size_t n = good_frame(buf, (uint32_t)a);

			put(buf, 4 + (n - 4) / 2);
		} else if (sscanf(s, "rcvbuf:%lu", &a) == 1) {
			int v = (int)a;

			if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) < 0) {
				fprintf(stderr, "qpeer: %s: %s\n", s, strerror(errno));
				return 1;
			}
		} else if (sscanf(s, "sleep:%lu", &a) == 1) {
			msleep((long)a);
		} else if (sscanf(s, "closed:%lu", &a) == 1) {
			if (!wait_closed((long)a)) {
				fprintf(stderr, "qpeer: %s: still open\n", s);
				return 1;
			}
		} else if (sscanf(s, "open:%lu", &a) == 1) {
			if (wait_closed((long)a)) {
				fprintf(stderr, "qpeer: %s: the other side closed\n", s);
				return 1;
			}
		} else if (sscanf(s, "count:%lu", &a) == 1) {
			long n = count_frames((long)a);

			printf("frames %ld min %u udp %ld min %u\n", n, n ? min_len : 0, udp_frames,
			       udp_frames ? udp_min_len : 0);
		} else if (sscanf(s, "bpdus:%lu:%lu", &a, &b) == 2) {
			bpdu_storm(a, (long)b, buf, sizeof(buf));
		} else if (sscanf(s, "macflood:%lu", &a) == 1) {
			mac_flood((long)a, buf);
		} else if (strncmp(s, "arpwait:", 8) == 0) {
			char ip[32];
			long t;

			if (sscanf(s, "arpwait:%31[0-9.]:%lu", ip, &a) != 2) {
				fprintf(stderr, "qpeer: arpwait:IP:MS\n");
				return 2;
			}
			t = arp_wait(ip, (long)a);
			if (t < 0) {
				fprintf(stderr, "qpeer: %s: no ARP reply\n", s);
				return 1;
			}
		} else if (strncmp(s, "print:", 6) == 0) {
			printf("%s\n", s + 6);
			fflush(stdout);
		} else if (strcmp(s, "close") == 0) {
			close(fd);
			fd = -1;
			return 0;
		} else {
			fprintf(stderr, "qpeer: unknown step '%s'\n", s);
			return 2;
		}
	}
	return 0;
}

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
 *   count:MS        read for MS; print "frames N min LEN" (the shortest)
 *   close           close now
 * Good frames are broadcasts from 52:54:00:ee:ee:ee, EtherType 0x88b5.
 * Exit status: 0 all steps held, 1 a step failed, 2 usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
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

static uint32_t min_len = UINT32_MAX;

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
			memmove(buf, buf + 4 + len, have - 4 - len);
			have -= 4 + len;
		}
	}
	return frames;
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

int main(int argc, char **argv)
{
	static uint8_t buf[1 << 22];

	if (argc == 6 && strcmp(argv[1], "dns") == 0)
		return dns_server(argv[2], argv[3], argv[4], argv[5]);

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

			printf("frames %ld min %u\n", n, n ? min_len : 0);
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

/*
 * vdebench SWITCH FRAMES: frames/s between two VDE clients through a switch.
 *
 * Both ends are libvdeplug clients of SWITCH (a directory or vdeplug URL).
 * The receiver announces its MAC first (one broadcast, so a learning
 * switch knows where it is); then the sender sends FRAMES 64-byte unicast
 * frames to it as fast as vde_send lets it. The receiver counts what
 * arrives until nothing has come for 300 ms.
 *
 * Prints: "sent N received M loss P% in S s: R frames/s", where R is the
 * frames received per second between the first send and the last receive.
 */
#include <errno.h>
#include <fcntl.h>
#include <libvdeplug.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };

struct result {
	uint64_t received;
	uint64_t last_rx;
};

static int receiver(const char *sw, int ready_fd, int result_fd)
{
	VDECONN *c = vde_open((char *)sw, "vdebench-rx", NULL);
	uint8_t buf[9234], hello[60] = { 0 };
	struct result r = { 0 };
	struct pollfd p;

	if (c == NULL) {
		fprintf(stderr, "vdebench: receiver cannot open %s: %s\n", sw, strerror(errno));
		return 1;
	}
	memset(hello, 0xff, 6);
	memcpy(hello + 6, mac_b, 6);
	hello[12] = 0x88;
	hello[13] = 0xb5;           /* local experimental ethertype */
	vde_send(c, hello, sizeof(hello), 0);
	if (write(ready_fd, "r", 1) != 1)
		return 1;
	p.fd = vde_datafd(c);
	p.events = POLLIN;
	/* vde_recv passes no flags to recv(): the fd itself must not block. */
	fcntl(p.fd, F_SETFL, fcntl(p.fd, F_GETFL) | O_NONBLOCK);
	for (;;) {
		int n = poll(&p, 1, r.received ? 300 : 5000);

		if (n <= 0)
			break;
		for (int i = 0; i < 256; i++) {
			ssize_t len = vde_recv(c, buf, sizeof(buf), MSG_DONTWAIT);

			if (len < 0)
				break;
			if (len >= 14 && memcmp(buf + 6, mac_a, 6) == 0) {
				r.received++;
				r.last_rx = now_ns();
			}
		}
	}
	if (write(result_fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		return 1;
	vde_close(c);
	return 0;
}

int main(int argc, char **argv)
{
	int ready[2], res[2], status;
	uint64_t frames, t0;
	struct result r;
	uint8_t f[64] = { 0 };
	VDECONN *c;
	char x;
	pid_t pid;

	if (argc != 3) {
		fprintf(stderr, "usage: vdebench SWITCH FRAMES\n");
		return 2;
	}
	frames = strtoull(argv[2], NULL, 10);
	if (pipe(ready) < 0 || pipe(res) < 0)
		return 1;
	pid = fork();
	if (pid == 0)
		_exit(receiver(argv[1], ready[1], res[1]));
	if (read(ready[0], &x, 1) != 1) {
		waitpid(pid, NULL, 0);
		return 1;
	}
	c = vde_open(argv[1], "vdebench-tx", NULL);
	if (c == NULL) {
		fprintf(stderr, "vdebench: sender cannot open %s: %s\n", argv[1], strerror(errno));
		kill(pid, 9);
		return 1;
	}
	usleep(200000);             /* the switch has learned B */
	memcpy(f, mac_b, 6);
	memcpy(f + 6, mac_a, 6);
	f[12] = 0x88;
	f[13] = 0xb5;
	t0 = now_ns();
	for (uint64_t i = 0; i < frames; i++) {
		memcpy(f + 14, &i, sizeof(i));
		while (vde_send(c, f, sizeof(f), 0) < 0 && errno == EINTR)
			;
	}
	if (read(res[0], &r, sizeof(r)) != (ssize_t)sizeof(r)) {
		waitpid(pid, NULL, 0);
		return 1;
	}
	waitpid(pid, &status, 0);
	vde_close(c);
	{
		double secs = r.last_rx > t0 ? (double)(r.last_rx - t0) / 1e9 : 0;

		printf("sent %llu received %llu loss %.2f%% in %.3f s: %.0f frames/s\n",
		       (unsigned long long)frames, (unsigned long long)r.received,
		       100.0 * (double)(frames - r.received) / (double)frames, secs,
		       secs > 0 ? (double)r.received / secs : 0.0);
	}
	return 0;
}

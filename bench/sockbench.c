/*
 * make bench, socket part: frames per second across one socket hop between
 * two processes, beside a baseline measured in the same run.
 *
 *  baseline  a minimal loopback TCP pair: the writer write()s framed
 *            frames (4-byte length, then the frame), the reader reads 64 KiB
 *            at a time and walks the lengths. Nothing else. Two writers:
 *            one frame per write() (as QEMU's socket backend does), and 64
 *            frames per write() (the batching qnetsim's flush does; the
 *            figure to compare with).
 *  qnetsim   two processes running qnetsim's own code: a generator node
 *            -> netdev (socket connect) ... TCP ... netdev (socket listen)
 *            -> a counting sink. Every frame is allocated from the pool,
 *            traced, counted on its ports, queued, framed and parsed.
 *  vxlan     the same two processes through type = vxlan netdevs: a UDP
 *            datagram per frame with its VXLAN header, checked and learned
 *            from. UDP drops what the receiver cannot take: the figure is
 *            the frames that arrived per second, with the share lost.
 *
 * Both move the same framed stream over 127.0.0.1; the figure is frames/s
 * from the first frame to the last at the receiver.
 */
#include "../src/backends/sockio.h"
#include "../src/app/sim.h"
#include "../src/core/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int listen_any(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 1) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		fatal("listen: %s", strerror(errno));
	*port = ntohs(a.sin_port);
	return fd;
}

static int free_port(void)
{
	int port, fd = listen_any(&port);

	close(fd);
	return port;
}

/* ---- baseline ------------------------------------------------------------- */

static double baseline(uint32_t size, uint64_t frames, unsigned batch)
{
	int port, lfd = listen_any(&port), fd;
	pid_t pid = fork();
	static uint8_t buf[1 << 16];
	uint64_t got = 0;
	size_t have = 0;
	double t0 = 0;

	if (pid == 0) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		static uint8_t f[64 * (4 + 1500)];
		int one = 1;

		close(lfd);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
			_exit(1);
		memset(f, 0xab, sizeof(f));
		for (unsigned k = 0; k < batch; k++)
			wr32(f + k * (4 + size), size);
		for (uint64_t i = 0; i < frames; i += batch) {
			size_t off = 0, n = (size_t)MIN(batch, frames - i) * (4 + size);

			while (off < n) {
				ssize_t w = write(fd, f + off, n - off);

				if (w < 0)
					_exit(1);
				off += (size_t)w;
			}
		}
		_exit(0);
	}
	fd = accept(lfd, NULL, NULL);
	close(lfd);
	while (got < frames) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - have);
		size_t off = 0;

		if (n <= 0)
			break;
		if (t0 == 0)
			t0 = now_s();
		have += (size_t)n;
		while (have - off >= 4 && have - off >= 4 + rd32(buf + off)) {
			off += 4 + rd32(buf + off);
			got++;
		}
		memmove(buf, buf + off, have - off);
		have -= off;
	}
	close(fd);
	waitpid(pid, NULL, 0);
	return (double)got / (now_s() - t0);
}

/* ---- qnetsim ---------------------------------------------------------------- */

struct endpoint {
	struct node node;
	struct port *port;
	struct netdev *nd;
	struct timer timer;
	uint32_t size;
	uint64_t left;          /* generator: frames still to send */
	uint64_t count;         /* sink: frames received */
	uint64_t want;
	bool lossy;             /* datagrams: the last arrival is the end */
	double t0, t1, last;
};

static void sink_input(struct node *n, struct port *in, struct frame *f)
{
	struct endpoint *e = container_of(n, struct endpoint, node);

	(void)in;
	if (e->count++ == 0)
		e->t0 = now_s();
	if (e->lossy)
		e->last = now_s();
	frame_unref(f);
	if (e->count == e->want) {
		e->t1 = now_s();
		loop_stop(n->g->loop);
	}
}

static void ep_destroy(struct node *n)
{
	free(container_of(n, struct endpoint, node));
}

static const struct node_ops ep_ops = { .kind = "bench", .input = sink_input,
					.destroy = ep_destroy };

/* One broadcast frame of e->size bytes from the generator: false when the
 * pool is out of frames. */
static bool send_one(struct endpoint *e)
{
	struct frame *f = frame_alloc(e->node.g->pool, e->size);

	if (f == NULL)
		return false;
	memset(f->data, 0xff, 6);
	memcpy(f->data + 6, "\x52\x54\x00\x00\x00\x01\x88\xb5", 8);
	port_tx(e->port, f);
	e->left--;
	return true;
}

/* The sending process: fire sends until `frames` are gone, or 60 s. */
static void run_sender(struct sim *s, struct endpoint *e, uint32_t size, uint64_t frames,
		       void (*fire)(void *))
{
	e->size = size;
	e->left = frames;
	timer_init(&e->timer, fire, e);
	loop_timer_arm(s->loop, &e->timer, loop_now(s->loop));
	loop_run(s->loop, loop_now(s->loop) + 60 * NS_PER_SEC);
	_exit(0);
}

/* Sends frames while the netdev's queue has room; otherwise waits a little
 * for the socket to drain (a spin would steal the reader's CPU). */
static void gen_fire(void *arg)
{
	struct endpoint *e = arg;
	struct loop *l = e->node.g->loop;

	if (e->nd->state == ND_CONNECTED) {
		while (e->left > 0 && socknet_of(e->nd)->wq.len + 64 < e->nd->queue) {
			if (!send_one(e))
				break;
			/* Let the FIFO carry a batch to the netdev. */
			if ((e->left & 63) == 0)
				break;
		}
	}
	if (e->left > 0)
		loop_timer_arm(l, &e->timer, loop_now(l) + (socknet_of(e->nd)->wq.len > 256 ? 20 * NS_PER_US : 0));
}

static struct endpoint *setup_n(struct sim *s, const char *type, const struct netdev_opt *o,
				int n)
{
	struct endpoint *e = xcalloc(1, sizeof(*e));
	char err[ERRLEN];
	int line;

	s->out = fopen("/dev/null", "w");
	node_init(&e->node, s->g, &ep_ops, "ep", 0);
	e->port = port_new(&e->node, "0", 0, 100000);
	e->nd = netdev_new(s->g, backend_find(type), "nd", 0);
	if (e->nd->ops->configure(e->nd, o, n, &line, err) < 0)
		fatal("%s", err);
	e->nd->reconnect = 10 * NS_PER_MS;
	link_new(s->g, e->port, e->nd->port, 0, 0, 0, 0);
	loop_set_clock(s->loop, LOOP_REAL);
	if (netdev_open(e->nd, err) < 0)
		fatal("%s", err);
	return e;
}

static struct endpoint *setup(struct sim *s, const char *key, const char *val)
{
	struct netdev_opt o = { key, val, 1 };

	return setup_n(s, "socket", &o, 1);
}

/* A vxlan endpoint at 127.0.0.1:local, sending to 127.0.0.1:remote. */
static struct endpoint *setup_vxlan(struct sim *s, int local, int remote)
{
	char l[32], r[32];
	struct netdev_opt o[3] = { { "vni", "42", 1 }, { "local", l, 2 }, { "remote", r, 3 } };

	snprintf(l, sizeof(l), "127.0.0.1:%d", local);
	snprintf(r, sizeof(r), "127.0.0.1:%d", remote);
	return setup_n(s, "vxlan", o, 3);
}

/* The vxlan sender: 64 frames a turn, as fast as the loop turns. */
static void vx_fire(void *arg)
{
	struct endpoint *e = arg;
	struct loop *l = e->node.g->loop;

	for (int k = 0; k < 64 && e->left > 0; k++)
		if (!send_one(e))
			break;
	if (e->left > 0)
		loop_timer_arm(l, &e->timer, loop_now(l));
}

/* frames/s that arrived through a vxlan hop, and the share lost. */
static double vxlan(uint32_t size, uint64_t frames, double *lost)
{
	int p1 = free_port(), p2 = free_port();
	pid_t pid;
	double fps;

	pid = fork();
	if (pid == 0) {
		struct sim *s = sim_new(1);

		usleep(100000);
		run_sender(s, setup_vxlan(s, p2, p1), size, frames, vx_fire);
	}
	{
		struct sim *s = sim_new(1);
		struct endpoint *e = setup_vxlan(s, p1, p2);
		uint64_t seen = 0;

		e->want = frames;
		e->lossy = true;
		/* Until all came, or nothing more came for 200 ms. */
		for (int i = 0; i < 600 && !loop_stopped(s->loop); i++) {
			loop_run(s->loop, loop_now(s->loop) + 200 * NS_PER_MS);
			if (e->count > 0 && e->count == seen)
				break;
			seen = e->count;
		}
		if (e->t1 == 0)
			e->t1 = e->last;
		fps = e->t1 > e->t0 ? (double)e->count / (e->t1 - e->t0) : 0;
		*lost = 1.0 - (double)e->count / (double)frames;
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		sim_free(s);
	}
	return fps;
}

static double qnetsim(uint32_t size, uint64_t frames)
{
	int port = free_port();
	char addr[32];
	pid_t pid;
	double fps;

	snprintf(addr, sizeof(addr), ":%d", port);
	pid = fork();
	if (pid == 0) {
		/* The sender. */
		struct sim *s = sim_new(1);

		snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
		usleep(100000);
		run_sender(s, setup(s, "connect", addr), size, frames, gen_fire);
	}
	{
		struct sim *s = sim_new(1);
		struct endpoint *e = setup(s, "listen", addr);

		e->want = frames;
		loop_run(s->loop, loop_now(s->loop) + 60 * NS_PER_SEC);
		fps = e->t1 > e->t0 ? (double)e->count / (e->t1 - e->t0) : 0;
		if (e->count < frames)
			fprintf(stderr, "sockbench: only %llu of %llu frames arrived\n",
				(unsigned long long)e->count, (unsigned long long)frames);
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		sim_free(s);
	}
	return fps;
}

int main(void)
{
	static const struct { uint32_t size; uint64_t frames; } runs[] = {
		{ 64, 1000000 }, { 1500, 300000 },
	};

	signal(SIGPIPE, SIG_IGN);
	printf("socket hop between two processes (TCP over 127.0.0.1, QEMU framing), and a "
	       "VXLAN hop (UDP):\n");
	for (size_t i = 0; i < ARRAY_SIZE(runs); i++) {
		double b1 = baseline(runs[i].size, runs[i].frames, 1);
		double b64 = baseline(runs[i].size, runs[i].frames, 64);
		double q = qnetsim(runs[i].size, runs[i].frames), v, lost;

		printf("  %4u-byte frames:\n", runs[i].size);
		printf("    baseline, 1 frame per write    %6.2f M frames/s (%6.0f Mbit/s)\n",
		       b1 / 1e6, b1 * runs[i].size * 8 / 1e6);
		printf("    baseline, 64 frames per write  %6.2f M frames/s (%6.0f Mbit/s)\n",
		       b64 / 1e6, b64 * runs[i].size * 8 / 1e6);
		printf("    qnetsim, netdev to netdev      %6.2f M frames/s (%6.0f Mbit/s): "
		       "%.2fx the batched baseline, %.2fx the per-frame one\n",
		       q / 1e6, q * runs[i].size * 8 / 1e6, q / b64, q / b1);
		v = vxlan(runs[i].size, runs[i].frames, &lost);
		printf("    qnetsim, vxlan to vxlan (UDP)  %6.2f M frames/s (%6.0f Mbit/s): "
		       "%.2fx the socket hop, %.1f %% lost\n",
		       v / 1e6, v * runs[i].size * 8 / 1e6, q > 0 ? v / q : 0, lost * 100);
	}
	return 0;
}

/* The served VDE switch's handshake, run detached (no directory): the
 * request parser, a request in pieces, the pending slots with their limit
 * per user, the reading of a waiting connection before it makes room, and
 * the once-a-burst message. Control connections and data sockets are
 * socketpairs. */
#include "testutil.h"
#include "../../src/backends/vdeserver.h"
#include "../../src/app/sim.h"

#include <errno.h>
#include <sys/socket.h>

#define TOPO "[hub h]\nvde = /nonexistent/qnetsim-test.vde\nvde_ports = 4\n"
#define LIMIT_MSG "connections that sent no request yet"

struct t {
	struct sim *s;
	struct vdeserver *v;
	char *out;              /* what the sim printed */
	size_t outlen;
	int data[8];            /* our ends of the data sockets made */
	int ndata;
};

static struct t *T;

static int data_socket(struct vdeserver *v, int num, uid_t uid, const struct sockaddr_un *client,
		       struct sockaddr_un *mine, char *err)
{
	int sv[2];

	(void)v;
	(void)num;
	(void)uid;
	(void)client;
	(void)err;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
	mine->sun_family = AF_UNIX;
	T->data[T->ndata++] = sv[1];
	return sv[0];
}

static struct t *start(void)
{
	struct t *t = xcalloc(1, sizeof(*t));
	char *path = write_tmp(TOPO);

	t->s = sim_new(1);
	assert_int_equal(topo_load(t->s, path, stderr), 0);
	unlink(path);
	free(path);
	t->s->out = open_memstream(&t->out, &t->outlen);
	t->s->show_time = false;
	t->v = vdeserver_of(graph_find_node(t->s->g, "h"));
	assert_non_null(t->v);
	vdeserver_open_detached(t->v, data_socket);
	T = t;
	return t;
}

static void stop(struct t *t)
{
	FILE *out = t->s->out;

	for (int i = 0; i < t->ndata; i++)
		close(t->data[i]);
	sim_free(t->s);
	fclose(out);
	free(t->out);
	free(t);
}

/* A connection from user uid; returns our end. */
static int conn(struct t *t, uid_t uid)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
	vdeserver_accepted(t->v, sv[0], uid);
	return sv[1];
}

static void run(struct t *t, uint64_t ns)
{
	while (loop_poll(t->s->loop, 0) > 0)
		loop_run(t->s->loop, loop_now(t->s->loop));
	loop_run(t->s->loop, loop_now(t->s->loop) + ns);
}

/* 1: the switch closed it, 0: still open and quiet, 2: it answered. */
static int state(int fd)
{
	char b[256];
	ssize_t r = recv(fd, b, sizeof(b), MSG_DONTWAIT);

	if (r == 0 || (r < 0 && errno == ECONNRESET))
		return 1;
	if (r < 0 && errno == EAGAIN)
		return 0;
	assert_int_equal(r, sizeof(struct sockaddr_un));
	return 2;
}

static uint64_t counter(struct t *t, const char *name)
{
	uint64_t x;

	assert_int_equal(vdeserver_counter(t->v, name, &x), 0);
	return x;
}

static size_t request(uint8_t *b, int port, const char *path, const char *descr)
{
	uint32_t w[3] = { VDE_MAGIC, VDE_VERSION, (uint32_t)port << 8 };
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	memcpy(b, w, sizeof(w));
	memcpy(b + 12, &a, sizeof(a));
	memcpy(b + VDE_REQ_MIN, descr, strlen(descr));
	return VDE_REQ_MIN + strlen(descr);
}

static int count_lines(struct t *t, const char *what)
{
	int n = 0;

	fflush(t->s->out);
	for (const char *p = t->out; p != NULL && (p = strstr(p, what)) != NULL; p++)
		n++;
	return n;
}

static void test_parse(void **state_)
{
	uint8_t b[VDE_REQ_MAX];
	struct vde_request r;
	char why[ERRLEN];
	size_t n = request(b, 3, "/tmp/sw/.1-00000", "vdeplug: \x01user\x7f");

	(void)state_;
	assert_int_equal(vde_request_parse(b, n, &r, why, sizeof(why)), 0);
	assert_int_equal(r.port, 3);
	assert_string_equal(r.sock.sun_path, "/tmp/sw/.1-00000");
	assert_string_equal(r.descr, "vdeplug: ?user?");
	assert_int_equal(vde_request_parse(b, VDE_REQ_MIN - 1, &r, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "121-byte request"));
	/* A path filling sun_path keeps its NUL inside it. */
	memset(b + 14, 'x', sizeof(r.sock.sun_path));
	assert_int_equal(vde_request_parse(b, n, &r, why, sizeof(why)), 0);
	assert_int_equal(strlen(r.sock.sun_path), sizeof(r.sock.sun_path) - 1);
	b[14] = '\0';
	assert_int_equal(vde_request_parse(b, n, &r, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "no unix socket"));
	request(b, 0, "/x", "");
	b[0] ^= 1;
	assert_int_equal(vde_request_parse(b, VDE_REQ_MIN, &r, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "no VDE magic"));
	b[0] ^= 1;
	b[4] = 2;
	assert_int_equal(vde_request_parse(b, VDE_REQ_MIN, &r, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "version 2"));
	b[4] = 3;
	b[8] = 1;
	assert_int_equal(vde_request_parse(b, VDE_REQ_MIN, &r, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "request type 1"));
}

/* A request written in three pieces is served; one cut short by a
 * hang-up is a bad request. */
static void test_pieces(void **state_)
{
	struct t *t = start();
	uint8_t b[VDE_REQ_MAX];
	size_t n = request(b, 0, "/tmp/sw/.2", "QEMU");
	int c = conn(t, 1000), d = conn(t, 1000);

	(void)state_;
	assert_int_equal(send(c, b, 5, 0), 5);
	run(t, NS_PER_MS);
	assert_int_equal(send(c, b + 5, 100, 0), 100);
	run(t, NS_PER_MS);
	assert_int_equal(state(c), 0);
	assert_int_equal(send(c, b + 105, n - 105, 0), (ssize_t)(n - 105));
	run(t, NS_PER_MS);
	assert_int_equal(state(c), 2);
	assert_int_equal(counter(t, "connects"), 1);
	assert_int_equal(send(d, b, 50, 0), 50);
	close(d);
	run(t, NS_PER_MS);
	assert_int_equal(counter(t, "bad_requests"), 1);
	assert_int_equal(counter(t, "silent"), 0);
	close(c);
	stop(t);
}

/* User 1000 opens 12 silent connections: 8 wait at a time, its oldest
 * make room, counted in silent and limited; user 1001's wait on, and the
 * switch says it once for the burst; a second burst after a quiet second
 * is said again. */
static void test_limit_per_user(void **state_)
{
	struct t *t = start();
	int a[12], b[4];

	(void)state_;
	for (int i = 0; i < 4; i++)
		b[i] = conn(t, 1001);
	for (int i = 0; i < 12; i++) {
		a[i] = conn(t, 1000);
		run(t, NS_PER_MS);
	}
	for (int i = 0; i < 12; i++)
		assert_int_equal(state(a[i]), i < 4 ? 1 : 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(state(b[i]), 0);
	assert_int_equal(counter(t, "limited"), 4);
	assert_int_equal(counter(t, "silent"), 4);
	assert_int_equal(count_lines(t, LIMIT_MSG), 1);
	assert_non_null(strstr(t->out, "user 1000 has 8"));
	/* All time out; then a new burst is told again. */
	run(t, 2 * NS_PER_SEC);
	assert_int_equal(counter(t, "silent"), 4 + 8 + 4);
	for (int i = 0; i < 4; i++)
		close(b[i]);
	for (int i = 0; i < 12; i++)
		close(a[i]);
	for (int i = 0; i < 9; i++)
		a[i] = conn(t, 1000);
	run(t, NS_PER_MS);
	assert_int_equal(counter(t, "limited"), 5);
	assert_int_equal(count_lines(t, LIMIT_MSG), 2);
	for (int i = 0; i < 9; i++)
		close(a[i]);
	stop(t);
}

/* 16 slots, 8 each for users 1000 and 1001: user 1002 takes the oldest of
 * all, which is silent but not limited. */
static void test_all_slots(void **state_)
{
	struct t *t = start();
	int a[16], c;

	(void)state_;
	for (int i = 0; i < 16; i++)
		a[i] = conn(t, 1000 + (uid_t)(i % 2));
	c = conn(t, 1002);
	run(t, NS_PER_MS);
	assert_int_equal(state(a[0]), 1);
	for (int i = 1; i < 16; i++)
		assert_int_equal(state(a[i]), 0);
	assert_int_equal(state(c), 0);
	assert_int_equal(counter(t, "silent"), 1);
	assert_int_equal(counter(t, "limited"), 0);
	for (int i = 0; i < 16; i++)
		close(a[i]);
	close(c);
	stop(t);
}

/* A waiting connection whose request has arrived but not been read yet is
 * read before it would make room: served, not closed. */
static void test_read_before_closing(void **state_)
{
	struct t *t = start();
	uint8_t b[VDE_REQ_MAX];
	size_t n = request(b, 0, "/tmp/sw/.3", "vdeplug");
	int a[9];

	(void)state_;
	for (int i = 0; i < 8; i++)
		a[i] = conn(t, 1000);
	assert_int_equal(send(a[0], b, n, 0), (ssize_t)n);
	a[8] = conn(t, 1000);   /* before the loop has read a[0] */
	assert_int_equal(counter(t, "connects"), 1);
	assert_int_equal(counter(t, "limited"), 0);
	run(t, NS_PER_MS);
	assert_int_equal(state(a[0]), 2);
	for (int i = 1; i < 9; i++)
		assert_int_equal(state(a[i]), 0);
	for (int i = 0; i < 9; i++)
		close(a[i]);
	stop(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_pieces),
		cmocka_unit_test(test_limit_per_user),
		cmocka_unit_test(test_all_slots),
		cmocka_unit_test(test_read_before_closing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

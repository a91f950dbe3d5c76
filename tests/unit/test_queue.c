/* The netdev frame queue (src/backends/queue.h) against a model peer that
 * takes `room` frames and then would block: the deferred flush sends a
 * burst in one call, a full queue is a counted peer_backlog drop, a blocked
 * peer asks for EPOLLOUT and gets the rest on fqueue_flush, the high and
 * low marks pause and resume the reader once each, and a peer that goes
 * away turns what waits into no_peer drops. */
#include "testutil.h"
#include "../../src/backends/queue.h"

struct peer {
	struct fqueue q;
	uint32_t room;          /* frames the peer takes before it blocks */
	uint32_t sent;
	int sends;              /* calls of send */
	int want_out_on, want_out_off;
	int overs, unders;
	uint32_t extra;
};

static struct peer *PEER(struct fqueue *q)
{
	return container_of(q, struct peer, q);
}

static enum fqueue_sent send_some(struct fqueue *q)
{
	struct peer *p = PEER(q);

	p->sends++;
	while (q->len > 0) {
		if (p->room == 0)
			return FQ_BLOCKED;
		frame_unref(fqueue_pop(q));
		p->room--;
		p->sent++;
	}
	return FQ_DONE;
}

static void want_out(struct fqueue *q, bool on)
{
	if (on)
		PEER(q)->want_out_on++;
	else
		PEER(q)->want_out_off++;
}

static void over(struct fqueue *q, bool on)
{
	if (on)
		PEER(q)->overs++;
	else
		PEER(q)->unders++;
}

static uint32_t extra(struct fqueue *q)
{
	return PEER(q)->extra;
}

static const struct fqueue_ops plain_ops = { .send = send_some, .want_out = want_out };
static const struct fqueue_ops paused_ops = {
	.send = send_some, .want_out = want_out, .over = over, .extra = extra,
};

struct world {
	struct loop *l;
	struct frame_pool *pool;
	struct graph *g;
	struct sink *s;
	struct port *port;
	struct peer peer;
};

static struct world *world_new(const struct fqueue_ops *ops, uint32_t limit, uint32_t room)
{
	struct world *w = xcalloc(1, sizeof(*w));

	w->l = loop_new(LOOP_VIRTUAL, 1 << 10);
	w->pool = frame_pool_new(1 << 12);
	w->g = graph_new(w->l, w->pool, 1, 64);
	w->s = sink_new(w->g, "nd");
	w->port = port_new(&w->s->node, "0", 0, 1000);
	w->peer.room = room;
	fqueue_init(&w->peer.q, ops, w->l, w->port, limit);
	return w;
}

static void world_free(struct world *w)
{
	fqueue_free(&w->peer.q);
	graph_free(w->g);
	loop_free(w->l);
	frame_pool_free(w->pool);
	free(w);
}

static void push(struct world *w, int n)
{
	for (int i = 0; i < n; i++)
		fqueue_push(&w->peer.q, mkframe(w->pool, 1, 2, 60));
}

static void test_burst_leaves_in_one_flush(void **state)
{
	struct world *w = world_new(&plain_ops, 16, 100);

	(void)state;
	push(w, 10);
	assert_int_equal(w->peer.sends, 0);        /* deferred, not sent frame by frame */
	assert_int_equal(w->peer.q.len, 10);
	loop_run(w->l, 0);
	assert_int_equal(w->peer.sends, 1);
	assert_int_equal(w->peer.sent, 10);
	assert_int_equal(w->peer.q.len, 0);
	assert_int_equal(w->peer.want_out_on, 0);
	world_free(w);
}

static void test_full_queue_drops_and_blocked_peer_waits(void **state)
{
	struct world *w = world_new(&plain_ops, 8, 3);

	(void)state;
	push(w, 10);                                /* 8 fit, 2 are backlog drops */
	assert_int_equal(port_drops(w->port, DROP_PEER_BACKLOG), 2);
	loop_run(w->l, 0);
	assert_int_equal(w->peer.sent, 3);
	assert_int_equal(w->peer.want_out_on, 1);   /* blocked: EPOLLOUT asked for */
	assert_true(w->peer.q.want_out);
	push(w, 1);                                 /* no deferred flush while waiting */
	loop_run(w->l, 0);
	assert_int_equal(w->peer.sends, 1);
	w->peer.room = 100;                         /* the socket drained: EPOLLOUT */
	fqueue_flush(&w->peer.q);
	assert_int_equal(w->peer.sent, 9);
	assert_int_equal(w->peer.want_out_off, 1);
	assert_false(w->peer.q.want_out);
	world_free(w);
}

static void test_marks_pause_and_resume_once(void **state)
{
	struct world *w = world_new(&paused_ops, 16, 0);

	(void)state;
	w->peer.extra = 2;                          /* frames already on the link */
	push(w, 5);
	assert_int_equal(w->peer.overs, 0);         /* 5 + 2 < 8 */
	push(w, 1);
	assert_int_equal(w->peer.overs, 1);         /* 6 + 2 reaches half of 16 */
	push(w, 4);
	assert_int_equal(w->peer.overs, 1);         /* told once */
	loop_run(w->l, 0);
	w->peer.room = 7;                           /* 10 -> 3 waiting: 3 + 2 > 4 */
	fqueue_flush(&w->peer.q);
	assert_int_equal(w->peer.unders, 0);
	w->peer.room = 1;                           /* 2 + 2 reaches a quarter */
	fqueue_flush(&w->peer.q);
	assert_int_equal(w->peer.unders, 1);
	world_free(w);
}

static void test_peer_gone_counts_no_peer(void **state)
{
	struct world *w = world_new(&paused_ops, 16, 0);

	(void)state;
	push(w, 9);
	assert_int_equal(w->peer.overs, 1);
	assert_int_equal(fqueue_clear(&w->peer.q), 9);
	assert_int_equal(port_drops(w->port, DROP_NO_PEER), 9);
	assert_int_equal(w->peer.q.len, 0);
	assert_int_equal(w->peer.unders, 1);        /* a gone peer pauses no one */
	push(w, 2);                                 /* a new peer: queueing again */
	fqueue_free(&w->peer.q);                    /* at exit: released, not counted */
	assert_int_equal(port_drops(w->port, DROP_NO_PEER), 9);
	fqueue_init(&w->peer.q, &paused_ops, w->l, w->port, 16);
	world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_leaves_in_one_flush),
		cmocka_unit_test(test_full_queue_drops_and_blocked_peer_waits),
		cmocka_unit_test(test_marks_pause_and_resume_once),
		cmocka_unit_test(test_peer_gone_counts_no_peer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

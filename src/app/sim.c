/*
 * The sim: owns the loop, the frame pool and the graph, and runs the
 * scenario. Steps are timers armed in file order, so steps at the same
 * time run in the order they were written.
 */
#include "sim.h"
#include "hosts.h"
#include "../core/util.h"
#include "../os/host.h"
#include "../backends/netdev.h"
#include "../netns/kernel.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define SIM_FRAME_LIMIT 262144u
#define SIM_TRACE_CAP 65536u

static void print_time(struct sim *s);

/* Events from nodes: "[  time] WHO: message", like command output. */
static void sim_node_event(void *ctx, const char *who, const char *msg)
{
	struct sim *s = ctx;

	print_time(s);
	fprintf(s->out, "%s: %s\n", who, msg);
	fflush(s->out);
}

/* Netdevs are made by the loader and, at run time, by back-ends (a client
 * joining a served VDE switch): the list learns of both here. */
static void sim_node_added(void *ctx, struct node *n)
{
	struct sim *s = ctx;

	if (netdev_from_node(n) != NULL) {
		s->netdevs = xreallocarray(s->netdevs, (size_t)s->nnetdevs + 1,
					   sizeof(*s->netdevs));
		s->netdevs[s->nnetdevs++] = netdev_from_node(n);
	}
}

static struct node *sim_vlan_hub_node(void *ctx, int id, int line)
{
	return &sim_vlan_hub(ctx, id, line)->node;
}

struct sim *sim_new(uint64_t seed)
{
	struct sim *s = xcalloc(1, sizeof(*s));

	s->seed = seed;
	s->loop = loop_new(LOOP_VIRTUAL, 1u << 20);
	s->pool = frame_pool_new(SIM_FRAME_LIMIT);
	s->g = graph_new(s->loop, s->pool, seed, SIM_TRACE_CAP);
	s->out = stdout;
	s->show_time = true;
	s->g->event = sim_node_event;
	s->g->event_ctx = s;
	s->g->node_added = sim_node_added;
	s->g->node_added_ctx = s;
	s->g->vlan_hub = sim_vlan_hub_node;
	s->g->vlan_hub_ctx = s;
	return s;
}

void sim_free(struct sim *s)
{
	if (s == NULL)
		return;
	capture_close_all(s);
	for (int i = 0; i < s->nflaps; i++) {
		loop_timer_disarm(s->loop, &s->flaps[i]->timer);
		free(s->flaps[i]);
	}
	free(s->flaps);
	for (int i = 0; i < s->npins; i++)
		free(s->pins[i].name);
	free(s->pins);
	hosts_free(s);
	if (s->pcapng != NULL) {
		char err[ERRLEN];

		capture_pcapng_close(s, err);
	}
	for (int i = 0; i < s->nsteps; i++) {
		loop_timer_disarm(s->loop, &s->steps[i].timer);
		free(s->steps[i].cmd);
	}
	free(s->steps);
	free(s->command_at);
	for (int i = 0; i < s->nresults; i++) {
		free(s->results[i].text);
		free(s->results[i].actual);
	}
	free(s->results);
	/* Frames still in flight (link queues) are released by graph_free;
	 * ones still waiting in the loop's FIFO are freed by frame_pool_free
	 * (slab frames with their chunks, large ones from its list). */
	graph_free(s->g);
	free(s->guests);
	free(s->hubs);
	free(s->bridges);
	free(s->netdevs);
	loop_free(s->loop);
	frame_pool_free(s->pool);
	free(s->path);
	free(s->pcap_dir);
	free(s);
}

struct guest *sim_guest(struct sim *s, const char *name)
{
	return guest_from_node(graph_find_node(s->g, name));
}

struct bridge *sim_bridge(struct sim *s, const char *name)
{
	return bridge_from_node(graph_find_node(s->g, name));
}

struct hub *sim_hub(struct sim *s, const char *name)
{
	return hub_from_node(graph_find_node(s->g, name));
}

static void print_time(struct sim *s)
{
	uint64_t t = loop_now(s->loop);

	if (s->show_time)
		fprintf(s->out, "[%4" PRIu64 ".%06" PRIu64 "] ", t / NS_PER_SEC,
			(t % NS_PER_SEC) / NS_PER_US);
}

/* The next command step's time, for a scripted run; UINT64_MAX: none. */
static void commands_from(struct sim *s)
{
	if (s->scripted)
		s->g->commands_from = s->commands_run < s->ncommands ? s->command_at[s->commands_run]
								   : UINT64_MAX;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void step_fire(void *arg)
{
	struct step *st = arg;
	struct sim *s = st->sim;
	char err[ERRLEN];
	const char *c = st->cmd;

	while (*c == ' ' || *c == '\t')
		c++;
	if (st->result >= 0) {
		char actual[128] = "";
		struct expect_result *r = &s->results[st->result];
		int rc = expect_eval(s, c + 7, false, actual, sizeof(actual), err);

		r->at = loop_now(s->loop);
		r->state = rc == 1 ? EXPECT_PASS : EXPECT_FAIL;
		r->actual = xstrdup(rc >= 0 ? actual : err);
		print_time(s);
		fprintf(s->out, "%s:%d: %s: expect %s (actual %s)\n", s->path, st->line,
			r->state == EXPECT_PASS ? "PASS" : "FAIL", r->text, r->actual);
		return;
	}
	/* Steps run in time order: this is the earliest one left. */
	s->commands_run++;
	commands_from(s);
	print_time(s);
	fprintf(s->out, "> %s\n", c);
	if (cmd_exec(s, c, s->out, false, err) < 0)
		fprintf(s->out, "%s:%d: error: %s\n", s->path, st->line, err);
}

/* The kinds of guest, one line each (guest.h). */
const struct guest_kind *const guest_kinds[] = {
	&guest_sim_kind,
	&netns_guest_kind,
	NULL,
};

const struct guest_kind *guest_kind_named(const char *name)
{
	for (int i = 0; guest_kinds[i] != NULL; i++)
		if (strcmp(guest_kinds[i]->name, name) == 0)
			return guest_kinds[i];
	return NULL;
}

bool sim_is_real(const struct sim *s)
{
	if (s->monitored)
		return true;
	for (int i = 0; i < s->nnetdevs; i++)
		if (netdev_is_real(s->netdevs[i]))
			return true;
	for (int i = 0; i < s->g->nnodes; i++)
		if (s->g->nodes[i]->ext != NULL)
			return true;
	for (int i = 0; i < s->nguests; i++)
		if (s->guests[i]->kind->real)
			return true;
	return false;
}

int sim_open(struct sim *s, char *err)
{
	int nnetdevs = s->nnetdevs;     /* VDE clients add netdevs as they come */
	char e[ERRLEN];

	if (sim_is_real(s)) {
		loop_set_clock(s->loop, LOOP_REAL);
		/* What a qnetsim killed with -9 left on this host goes first. */
		host_cleanup_stale(s->out);
	}
	for (int i = 0; i < s->nguests; i++) {
		const struct guest_kind *k = s->guests[i]->kind;

		if (k->open != NULL && k->open(s->guests[i], e) < 0)
			return errf(err, "%s:%d: %s", s->path, s->guests[i]->node.line, e);
	}
	for (int i = 0; i < s->g->nnodes; i++) {
		for (struct node_ext *x = s->g->nodes[i]->ext; x != NULL; x = x->next)
			if (x->ops->open != NULL && x->ops->open(x, e) < 0)
				return errf(err, "%s:%d: %s", s->path, x->line, e);
	}
	for (int i = 0; i < nnetdevs; i++) {
		if (netdev_open(s->netdevs[i], e) < 0)
			return errf(err, "%s:%d: netdev %s: %s", s->path, s->netdevs[i]->node.line,
				    s->netdevs[i]->node.name, e);
	}
	return 0;
}

void sim_start(struct sim *s)
{
	uint64_t last = 0;

	for (int i = 0; i < s->nbridges; i++)
		bridge_start(s->bridges[i]);
	for (int i = 0; i < s->nguests; i++)
		guest_start(s->guests[i]);
	for (int i = 0; i < s->nsteps; i++) {
		struct step *st = &s->steps[i];
		const char *c = st->cmd + strspn(st->cmd, " \t");

		st->result = -1;
		if (strncmp(c, "expect", 6) == 0 && (c[6] == ' ' || c[6] == '\t')) {
			s->results = xreallocarray(s->results, (size_t)s->nresults + 1,
						   sizeof(*s->results));
			st->result = s->nresults++;
			s->results[st->result] = (struct expect_result){
				.line = st->line, .at = st->at, .text = xstrdup(c + 7),
				.state = EXPECT_NOT_RUN };
		} else if (s->scripted) {
			if (s->command_at == NULL)
				s->command_at = xreallocarray(NULL, (size_t)s->nsteps,
							      sizeof(*s->command_at));
			s->command_at[s->ncommands++] = st->at;
		}
		timer_init(&s->steps[i].timer, step_fire, &s->steps[i]);
		loop_timer_arm(s->loop, &s->steps[i].timer, s->steps[i].at);
		last = MAX(last, s->steps[i].at);
	}
	if (s->ncommands > 0)
		qsort(s->command_at, (size_t)s->ncommands, sizeof(*s->command_at), cmp_u64);
	commands_from(s);
	if (!s->duration_set) {
		if (s->nsteps > 0)
			s->duration = last + SIM_SETTLE;
		else if (sim_is_real(s))
			s->duration = UINT64_MAX;   /* a switch for real peers: until stopped */
		else
			s->duration = SIM_DEFAULT_DURATION;
	}
}

void sim_tally(const struct sim *s, struct expect_tally *t)
{
	*t = (struct expect_tally){ .total = s->nresults };
	for (int i = 0; i < s->nresults; i++) {
		switch (s->results[i].state) {
		case EXPECT_PASS: t->passed++; break;
		case EXPECT_FAIL: t->failed++; break;
		case EXPECT_NOT_RUN: t->not_run++; break;
		}
	}
}

void sim_tally_line(const struct sim *s, char *buf, size_t n)
{
	struct expect_tally t;
	int len;

	sim_tally(s, &t);
	len = snprintf(buf, n, "%d expectation%s, %d passed, %d failed", t.total,
		       t.total == 1 ? "" : "s", t.passed, t.failed);
	if (t.not_run > 0 && len >= 0 && (size_t)len < n)
		snprintf(buf + len, n - (size_t)len, ", %d not run", t.not_run);
}

void sim_print_not_run(const struct sim *s, FILE *f)
{
	for (int i = 0; i < s->nresults; i++)
		if (s->results[i].state == EXPECT_NOT_RUN)
			fprintf(f, "%s:%d: NOT RUN: expect %s (due at %.3fs; the run ended at %.3fs)\n",
				s->path, s->results[i].line, s->results[i].text,
				(double)s->results[i].at / 1e9, (double)loop_now(s->loop) / 1e9);
}

void sim_run(struct sim *s)
{
	loop_run(s->loop, s->duration);
}

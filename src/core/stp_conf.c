/*
 * Spanning tree configuration: the topology file's STP keys for a bridge
 * and its ports, and the 802.1D checks on them once they are all read.
 * The protocol itself is stp.c.
 */
#include "stp_internal.h"
#include "util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static struct stp_conf *conf_get(struct bridge *b)
{
	if (b->stp_conf == NULL) {
		struct stp_conf *c = xcalloc(1, sizeof(*c));

		c->priority = 32768;
		c->max_age = 20 * NS_PER_SEC;
		c->hello_time = 2 * NS_PER_SEC;
		c->fwd_delay = 15 * NS_PER_SEC;
		b->stp_conf = c;
	}
	return b->stp_conf;
}

int stp_bridge_key(struct bridge *b, const char *key, const char *val, int line, char *err)
{
	uint64_t x;

	if (strcmp(key, "stp") == 0) {
		bool on;

		if (parse_bool(val, &on, err) < 0)
			return -1;
		conf_get(b)->on = on;
		return 1;
	}
	if (strcmp(key, "priority") == 0) {
		if (parse_u64(val, 0, 65535, &x, err) < 0)
			return -1;
		conf_get(b)->priority = (uint16_t)x;
		return 1;
	}
	if (strcmp(key, "hello_time") == 0 || strcmp(key, "max_age") == 0 ||
	    strcmp(key, "forward_delay") == 0) {
		struct stp_conf *c;

		if (parse_duration(val, &x, err) < 0)
			return -1;
		c = conf_get(b);
		if (key[0] == 'h') {
			c->hello_time = x;
			c->hello_line = line;
		} else if (key[0] == 'm') {
			c->max_age = x;
			c->max_age_line = line;
		} else {
			c->fwd_delay = x;
			c->fwd_line = line;
		}
		return 1;
	}
	if (strcmp(key, "bridge_mac") == 0) {
		uint8_t mac[6];

		if (parse_mac(val, mac) < 0 || (mac[0] & 1))
			return errf(err, "'%s' is not a unicast MAC address", val);
		memcpy(conf_get(b)->mac, mac, 6);
		conf_get(b)->mac_set = true;
		return 1;
	}
	return 0;
}

int stp_port_key(struct stp_port *sp, const char *key, const char *val, char *err)
{
	uint64_t x;

	if (strcmp(key, "cost") == 0) {
		if (parse_u64(val, 1, 65535, &x, err) < 0)
			return -1;
		sp->cost = (uint32_t)x;
		return 1;
	}
	if (strcmp(key, "priority") == 0) {
		if (parse_u64(val, 0, 255, &x, err) < 0)
			return -1;
		sp->priority = (uint8_t)x;
		return 1;
	}
	return 0;
}

/* A timer within 802.1D's range, in whole seconds. */
static int timer_ok(const char *name, uint64_t ns, uint64_t lo, uint64_t hi, char *err)
{
	if (ns < lo * NS_PER_SEC || ns > hi * NS_PER_SEC || ns % NS_PER_SEC != 0)
		return errf(err, "%s: %.9gs: whole seconds from %" PRIu64 " to %" PRIu64
			    " (802.1D) when stp = on", name, (double)ns / 1e9, lo, hi);
	return 0;
}

int stp_check(struct bridge *b, int *line, char *err)
{
	const struct stp_conf *c = b->stp_conf;

	if (c == NULL || !c->on) {
		free(b->stp);
		b->stp = NULL;
		return 0;
	}
	*line = c->hello_line;
	if (timer_ok("hello_time", c->hello_time, 1, 10, err) < 0)
		return -1;
	*line = c->max_age_line;
	if (timer_ok("max_age", c->max_age, 6, 40, err) < 0)
		return -1;
	*line = c->fwd_line;
	if (timer_ok("forward_delay", c->fwd_delay, 4, 30, err) < 0)
		return -1;
	/* 802.1D 8.10.2: the timers must fit each other. */
	if (c->max_age < 2 * (c->hello_time + NS_PER_SEC)) {
		*line = MAX(c->max_age_line, c->hello_line);
		return errf(err, "max_age %" PRIu64 "s must be at least 2 x (hello_time + 1) = %"
			    PRIu64 "s", c->max_age / NS_PER_SEC, 2 * (c->hello_time / NS_PER_SEC + 1));
	}
	if (c->max_age > 2 * (c->fwd_delay - NS_PER_SEC)) {
		*line = MAX(c->max_age_line, c->fwd_line);
		return errf(err, "max_age %" PRIu64 "s must be at most 2 x (forward_delay - 1) = %"
			    PRIu64 "s", c->max_age / NS_PER_SEC, 2 * (c->fwd_delay / NS_PER_SEC - 1));
	}
	if (b->stp == NULL)
		b->stp = stp_new(b, c);
	return 0;
}

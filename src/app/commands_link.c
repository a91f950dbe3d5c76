/*
 * The commands on a port and its link: set_link, impair, flap, capture and
 * capture_stop. Each validates its arguments fully before acting
 * (commands.c says why).
 */
#include "commands_internal.h"
#include "../core/util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_set_link(struct cmd_ctx *c, int argc, char **argv)
{
	struct port *p;
	bool up;

	(void)argc;
	if ((p = cmd_need_port(c, argv[1])) == NULL)
		return -1;
	if (parse_bool(argv[2], &up, c->err) < 0)
		return -1;
	if (!c->check) {
		port_set_link(p, up);
		fprintf(c->out, "%s: link %s\n", p->name, up ? "on" : "off");
	}
	return 0;
}

static void print_impair(struct cmd_ctx *c, struct port *from)
{
	struct port *to = port_peer(from);
	char buf[256];

	impair_format(link_dir_impair(port_out_dir(from)), buf, sizeof(buf));
	fprintf(c->out, "%s -> %s: %s\n", from->name, to->name, buf[0] ? buf : "no impairments");
}

/* impair PORT [dir=out|in|both] KEY=VALUE... | clear */
int cmd_impair(struct cmd_ctx *c, int argc, char **argv)
{
	struct impair im[2];
	struct port *p, *ends[2];
	int first = 2, dir = 2;      /* 0: out of PORT, 1: into PORT, 2: both */
	bool clear = false;

	if ((p = cmd_need_port(c, argv[1])) == NULL)
		return -1;
	if (p->link == NULL)
		return errf(c->err, "%s has no link", p->name);
	ends[0] = p;
	ends[1] = port_peer(p);
	im[0] = *link_dir_impair(port_out_dir(ends[0]));
	im[1] = *link_dir_impair(port_out_dir(ends[1]));
	if (argc > 2 && strncmp(argv[2], "dir=", 4) == 0) {
		const char *d = argv[2] + 4;

		if (strcmp(d, "out") == 0)
			dir = 0;
		else if (strcmp(d, "in") == 0)
			dir = 1;
		else if (strcmp(d, "both") != 0)
			return errf(c->err, "impair: dir=%s: use out, in or both", d);
		first = 3;
	}
	for (int i = first; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (strcmp(argv[i], "clear") == 0) {
			clear = true;
			continue;
		}
		if (eq == NULL)
			return errf(c->err, "impair: '%s' is not KEY=VALUE (or clear)", argv[i]);
		*eq = '\0';
		for (int d = 0; d < 2; d++) {
			if (dir != 2 && dir != d)
				continue;
			if (impair_set(&im[d], argv[i], eq + 1, c->err) < 0) {
				*eq = '=';
				return -1;
			}
		}
		*eq = '=';
	}
	if (clear)
		for (int d = 0; d < 2; d++)
			if (dir == 2 || dir == d)
				memset(&im[d], 0, sizeof(im[d]));
	if (c->check)
		return 0;
	for (int d = 0; d < 2; d++) {
		if (dir != 2 && dir != d)
			continue;
		link_dir_set_impair(port_out_dir(ends[d]), &im[d]);
	}
	for (int d = 0; d < 2; d++)
		print_impair(c, ends[d]);
	return 0;
}

static void flap_fire(void *arg)
{
	struct flap *f = arg;
	struct loop *l = f->sim->loop;

	if (!f->is_down) {
		port_set_link(f->port, false);
		f->is_down = true;
		loop_timer_arm(l, &f->timer, loop_now(l) + f->down);
		return;
	}
	port_set_link(f->port, true);
	f->is_down = false;
	if (!f->forever && --f->left == 0)
		return;
	loop_timer_arm(l, &f->timer, loop_now(l) + (f->period - f->down));
}

/* flap PORT period=T [down=T] [count=N] | flap PORT off */
int cmd_flap(struct cmd_ctx *c, int argc, char **argv)
{
	static const char *const keys[] = { "period", "down", "count", NULL };
	char *vals[3] = { NULL, NULL, NULL };
	struct sim *s = c->s;
	struct port *p;
	struct flap *f = NULL;
	uint64_t period = 0, down, count = 0;

	if ((p = cmd_need_port(c, argv[1])) == NULL)
		return -1;
	for (int i = 0; i < s->nflaps; i++)
		if (s->flaps[i]->port == p)
			f = s->flaps[i];
	if (argc == 3 && strcmp(argv[2], "off") == 0) {
		if (!c->check && f != NULL && timer_armed(&f->timer)) {
			loop_timer_disarm(s->loop, &f->timer);
			if (f->is_down)
				port_set_link(p, true);
			f->is_down = false;
		}
		if (!c->check)
			fprintf(c->out, "%s: flapping stopped, link on\n", p->name);
		return 0;
	}
	if (cmd_opts(c, argc, argv, 2, keys, vals) < 0)
		return -1;
	if (vals[0] == NULL || parse_duration(vals[0], &period, c->err) < 0 || period == 0)
		return errf(c->err, "flap: period=T is needed and must be above 0");
	down = period / 2;
	if (vals[1] && parse_duration(vals[1], &down, c->err) < 0)
		return -1;
	if (down == 0 || down >= period)
		return errf(c->err, "flap: down must be above 0 and below the period");
	if (vals[2] && parse_u64(vals[2], 1, 1000000, &count, c->err) < 0)
		return -1;
	if (c->check)
		return 0;
	if (f == NULL) {
		f = xcalloc(1, sizeof(*f));
		f->sim = s;
		f->port = p;
		timer_init(&f->timer, flap_fire, f);
		s->flaps = xreallocarray(s->flaps, (size_t)s->nflaps + 1, sizeof(*s->flaps));
		s->flaps[s->nflaps++] = f;
	}
	if (f->is_down)
		port_set_link(p, true);
	f->period = period;
	f->down = down;
	f->left = (uint32_t)count;
	f->forever = count == 0;
	f->is_down = false;
	loop_timer_arm(s->loop, &f->timer, loop_now(s->loop));
	{
		char a[24], b[24];

		fprintf(c->out, "%s: flapping: down %s of every %s, %s\n", p->name,
			fmt_duration(down, a, sizeof(a)), fmt_duration(period, b, sizeof(b)),
			count ? "for the count given" : "until flap off");
	}
	return 0;
}

int cmd_capture(struct cmd_ctx *c, int argc, char **argv)
{
	enum capture_format fmt = CAPTURE_AUTO;
	struct port *p;
	char *filter = NULL;
	size_t flen = 0;
	int first = 3, rc;

	if ((p = cmd_need_port(c, argv[1])) == NULL)
		return -1;
	if (argc > 3 && strncmp(argv[3], "format=", 7) == 0) {
		if (strcmp(argv[3] + 7, "pcap") == 0)
			fmt = CAPTURE_PCAP;
		else if (strcmp(argv[3] + 7, "pcapng") == 0)
			fmt = CAPTURE_PCAPNG;
		else
			return errf(c->err, "capture: format=%s: pcap or pcapng", argv[3] + 7);
		first = 4;
	}
	for (int i = first; i < argc; i++)
		flen += strlen(argv[i]) + 1;
	if (flen > 0) {
		filter = xcalloc(1, flen);
		for (int i = first; i < argc; i++) {
			strcat(filter, argv[i]);
			if (i + 1 < argc)
				strcat(filter, " ");
		}
	}
	if (c->check) {
		/* Compile the filter now, so a typo is a load-time error. */
		rc = capture_start(c->s, NULL, argv[2], filter, fmt, c->err);
	} else {
		rc = capture_start(c->s, p, argv[2], filter, fmt, c->err);
		if (rc == 0 && strcmp(argv[2], "-") != 0)
			fprintf(c->out, "%s: capturing to %s%s%s\n", p->name, argv[2],
				filter ? " filter " : "", filter ? filter : "");
	}
	free(filter);
	return rc;
}

int cmd_capture_stop(struct cmd_ctx *c, int argc, char **argv)
{
	struct port *p;

	(void)argc;
	if ((p = cmd_need_port(c, argv[1])) == NULL)
		return -1;
	if (c->check)
		return 0;
	{
		uint64_t n, dropped;

		if (capture_stop(c->s, p, &n, &dropped, c->err) < 0)
			return -1;
		fprintf(c->out, "%s: capture stopped, %" PRIu64 " frames", p->name, n);
		if (dropped > 0)
			fprintf(c->out, ", %" PRIu64 " dropped (the reader was behind)", dropped);
		fputc('\n', c->out);
	}
	return 0;
}

/*
 * The prompt: one line of input with readline's everyday keys, a history
 * of the last HISTORY_MAX lines, and Tab completion of command, node and
 * port names, and of the guests' addresses where an address goes. It runs
 * the same commands as a scenario (cmd_exec).
 */
#include "tui.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void prompt_open(struct prompt *p, enum prompt_mode mode, const char *text)
{
	p->active = true;
	p->mode = mode;
	snprintf(p->buf, sizeof(p->buf), "%s", text);
	p->len = (int)strlen(p->buf);
	p->cur = p->len;
	p->hpos = p->nhist;
}

void prompt_free(struct prompt *p)
{
	for (int i = 0; i < p->nhist; i++)
		free(p->history[i]);
	p->nhist = 0;
}

static void history_add(struct prompt *p, const char *line)
{
	if (line[0] == '\0' || (p->nhist > 0 && strcmp(p->history[p->nhist - 1], line) == 0))
		return;
	if (p->nhist == HISTORY_MAX) {
		free(p->history[0]);
		memmove(p->history, p->history + 1, (HISTORY_MAX - 1) * sizeof(*p->history));
		p->nhist--;
	}
	p->history[p->nhist++] = xstrdup(line);
}

static void set_line(struct prompt *p, const char *s)
{
	snprintf(p->buf, sizeof(p->buf), "%s", s);
	p->len = (int)strlen(p->buf);
	p->cur = p->len;
}

static void insert(struct prompt *p, const char *s)
{
	int n = (int)strlen(s);

	if (p->len + n >= PROMPT_MAX)
		n = PROMPT_MAX - 1 - p->len;
	if (n <= 0)
		return;
	memmove(p->buf + p->cur + n, p->buf + p->cur, (size_t)(p->len - p->cur + 1));
	memcpy(p->buf + p->cur, s, (size_t)n);
	p->len += n;
	p->cur += n;
}

static void delete_range(struct prompt *p, int from, int to)
{
	if (from >= to)
		return;
	memmove(p->buf + from, p->buf + to, (size_t)(p->len - to + 1));
	p->len -= to - from;
	p->cur = from;
}

struct comp {
	const char *prefix;
	size_t plen;
	char common[256];
	bool any;
	int n;
	char *list;
	size_t listlen, used;
	const char *seen[512];
	int nseen;
	char pool[8192];        /* copies of the candidates seen */
	size_t pool_used;
	char suffix;            /* after a unique completion: ' ', or ':' before a port */
};

static void comp_add(struct comp *c, const char *w)
{
	size_t k, n = strlen(w) + 1;

	if (strncmp(w, c->prefix, c->plen) != 0)
		return;
	for (int i = 0; i < c->nseen; i++)
		if (strcmp(c->seen[i], w) == 0)
			return;
	/* Keep a copy: addresses are formatted into a buffer that is reused. */
	if (c->nseen < (int)ARRAY_SIZE(c->seen) && c->pool_used + n <= sizeof(c->pool)) {
		memcpy(c->pool + c->pool_used, w, n);
		c->seen[c->nseen++] = c->pool + c->pool_used;
		c->pool_used += n;
	}
	if (!c->any) {
		snprintf(c->common, sizeof(c->common), "%s", w);
		c->any = true;
	} else {
		for (k = 0; c->common[k] != '\0' && c->common[k] == w[k]; k++)
			;
		c->common[k] = '\0';
	}
	c->n++;
	if (c->list != NULL && c->used + strlen(w) + 2 < c->listlen) {
		c->used += (size_t)snprintf(c->list + c->used, c->listlen - c->used, "%s%s",
					    c->used ? " " : "", w);
	}
}

static void comp_add_all(struct comp *c, const char *const *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		comp_add(c, w[i]);
}

/* Commands whose first argument is a guest (cmd_takes_guest) may also be
 * written "GUEST cmd ...". What follows the guest is the command's own: an
 * address, a number, a word of its own, never a node name. */

/* The addresses a guest can be sent to: every other guest's NIC and VLAN
 * interface addresses (a DHCP guest's once it has a lease). */
static void prompt_addresses(struct sim *s, const char *from, struct comp *c)
{
	struct guest *self = sim_guest(s, from);

	for (int i = 0; i < s->nguests; i++) {
		struct guest *gu = s->guests[i];

		if (gu == self)
			continue;
		for (int k = 0; k < gu->nnics + gu->nvifs; k++) {
			char ip[16];

			if (gu->nics[k]->ip == 0)
				continue;
			fmt_ipv4(gu->nics[k]->ip, ip);
			comp_add(c, ip);
		}
	}
}

/* The arguments of a guest command after its guest: argument `arg` (1:
 * the one right after the guest) of `cmd`, sent from guest `from`. */
static void prompt_guest_args(struct sim *s, const char *cmd, const char *from, int arg,
			      struct comp *c)
{
	static const char *const ping_opts[] = { "count=", "interval=", "size=" };
	static const char *const udp_opts[] = { "count=", "interval=", "size=", "sport=", "data=" };
	static const char *const tcp_opts[] = { "sport=" };
	static const char *const apps[] = { "sink", "echo", "discard" };
	static const char *const dhcp_ops[] = { "renew", "release", "restart" };
	bool to_port = strcmp(cmd, "udp") == 0 || strcmp(cmd, "tcp_connect") == 0;

	if (arg == 1 && (strcmp(cmd, "ping") == 0 || to_port)) {
		/* ADDRESS, or ADDRESS:PORT: the colon comes next. */
		c->suffix = to_port ? ':' : ' ';
		prompt_addresses(s, from, c);
	} else if (arg >= 2 && strcmp(cmd, "ping") == 0) {
		comp_add_all(c, ping_opts, ARRAY_SIZE(ping_opts));
	} else if (arg >= 2 && strcmp(cmd, "udp") == 0) {
		comp_add_all(c, udp_opts, ARRAY_SIZE(udp_opts));
	} else if (arg >= 2 && strcmp(cmd, "tcp_connect") == 0) {
		comp_add_all(c, tcp_opts, ARRAY_SIZE(tcp_opts));
	} else if (arg == 2 && strcmp(cmd, "tcp_listen") == 0) {
		comp_add_all(c, apps, ARRAY_SIZE(apps));
	} else if (arg == 1 && strcmp(cmd, "dhcp") == 0) {
		comp_add_all(c, dhcp_ops, ARRAY_SIZE(dhcp_ops));
	}
	/* Anything else (a port number, a connection ID, a name to resolve,
	 * a shell command) has nothing to complete. */
}

/* Candidate words for position `word` (0: the command) of a line whose
 * first two words are `first` and `second`, and whose word before this
 * one is `prev`. */
static void candidates(struct sim *s, int word, const char *first, const char *second,
		       const char *prev, struct comp *c)
{
	static const char *const onoff[] = { "on", "off" };

	if (word == 0) {
		for (size_t i = 0; cmd_name(i) != NULL; i++)
			comp_add(c, cmd_name(i));
		for (int i = 0; i < s->nguests; i++)
			comp_add(c, s->guests[i]->node.name);
		return;
	}
	/* "vm1 ping 10.0.0.2" is "ping vm1 10.0.0.2". */
	if (sim_guest(s, first) != NULL && cmd_usage(first) == NULL) {
		if (word == 1)
			for (size_t i = 0; cmd_guest_name(i) != NULL; i++)
				comp_add(c, cmd_guest_name(i));
		else if (cmd_takes_guest(second))
			prompt_guest_args(s, second, first, word - 1, c);
		return;
	}
	if (cmd_takes_guest(first)) {
		if (word == 1)
			for (int i = 0; i < s->nguests; i++)
				comp_add(c, s->guests[i]->node.name);
		else
			prompt_guest_args(s, first, second, word - 1, c);
		return;
	}
	if (strcmp(first, "info") == 0 && word == 1) {
		for (size_t i = 0; cmd_info_word(i) != NULL; i++)
			comp_add(c, cmd_info_word(i));
		return;
	}
	if (strcmp(first, "set_link") == 0 && word == 2) {
		comp_add_all(c, onoff, ARRAY_SIZE(onoff));
		return;
	}
	/* The first argument's kind, where the command says it. */
	if ((word == 1 && (strcmp(first, "mac_flush") == 0 || strcmp(first, "mac_add") == 0 ||
			   strcmp(first, "mac_del") == 0)) ||
	    (word == 2 && strcmp(first, "info") == 0 && strcmp(prev, "mac") == 0)) {
		for (int i = 0; i < s->nbridges; i++)
			comp_add(c, s->bridges[i]->node.name);
		return;
	}
	if (word == 2 && strcmp(first, "info") == 0 && cmd_info_takes_guest(prev)) {
		for (int i = 0; i < s->nguests; i++)
			comp_add(c, s->guests[i]->node.name);
		return;
	}
	if (word == 1 && (strcmp(first, "set_link") == 0 || strcmp(first, "capture") == 0 ||
			  strcmp(first, "capture_stop") == 0)) {
		for (uint32_t i = 0; i < s->g->nports; i++)
			comp_add(c, s->g->ports[i]->name);
		return;
	}
	for (int i = 0; i < s->g->nnodes; i++)
		comp_add(c, s->g->nodes[i]->name);
	for (uint32_t i = 0; i < s->g->nports; i++)
		comp_add(c, s->g->ports[i]->name);
}

int prompt_complete(struct sim *s, char *buf, int *len, int *cur, char *list, size_t listlen)
{
	int start = *cur, word = 0;
	char first[64] = "", second[64] = "", prev[64] = "";
	char prefix[256];
	struct comp *c;
	int n;

	while (start > 0 && !isspace((unsigned char)buf[start - 1]))
		start--;
	/* Which word is this, and the words before it. */
	{
		int i = 0;

		while (i < start) {
			int b;

			while (i < start && isspace((unsigned char)buf[i]))
				i++;
			if (i >= start)
				break;
			b = i;
			while (i < start && !isspace((unsigned char)buf[i]))
				i++;
			if (word == 0)
				snprintf(first, sizeof(first), "%.*s", i - b, buf + b);
			else if (word == 1)
				snprintf(second, sizeof(second), "%.*s", i - b, buf + b);
			snprintf(prev, sizeof(prev), "%.*s", i - b, buf + b);
			word++;
		}
	}
	snprintf(prefix, sizeof(prefix), "%.*s", *cur - start, buf + start);
	c = xcalloc(1, sizeof(*c));
	c->prefix = prefix;
	c->plen = strlen(prefix);
	c->list = list;
	c->listlen = listlen;
	c->suffix = ' ';
	if (list != NULL && listlen > 0)
		list[0] = '\0';
	candidates(s, word, first, second, prev, c);
	n = c->n;
	if (n > 0 && (strlen(c->common) > c->plen || n == 1)) {
		char add[260];
		size_t cl = strlen(c->common);
		int k;

		/* A unique option ("count=") waits for its value. */
		snprintf(add, sizeof(add), "%s", c->common + c->plen);
		if (n == 1 && cl > 0 && c->common[cl - 1] != '=')
			snprintf(add + strlen(add), sizeof(add) - strlen(add), "%c", c->suffix);
		k = (int)strlen(add);
		if (*len + k < PROMPT_MAX) {
			memmove(buf + *cur + k, buf + *cur, (size_t)(*len - *cur + 1));
			memcpy(buf + *cur, add, (size_t)k);
			*len += k;
			*cur += k;
		}
	}
	free(c);
	return n;
}

int prompt_key(struct tui *t, struct prompt *p, int ch)
{
	switch (ch) {
	case '\n': case '\r': case KEY_ENTER:
		p->active = false;
		if (p->mode == PROMPT_COMMAND)
			history_add(p, p->buf);
		return 1;
	case 27: case 7: /* Esc, Ctrl-G */
		p->active = false;
		return -1;
	case KEY_LEFT: case 2:
		if (p->cur > 0)
			p->cur--;
		break;
	case KEY_RIGHT: case 6:
		if (p->cur < p->len)
			p->cur++;
		break;
	case KEY_HOME: case 1:
		p->cur = 0;
		break;
	case KEY_END: case 5:
		p->cur = p->len;
		break;
	case KEY_BACKSPACE: case 127: case 8:
		if (p->cur > 0)
			delete_range(p, p->cur - 1, p->cur);
		else if (p->len == 0) {
			p->active = false;
			return -1;
		}
		break;
	case KEY_DC: case 4:
		if (p->cur < p->len)
			delete_range(p, p->cur, p->cur + 1);
		break;
	case 21: /* Ctrl-U */
		delete_range(p, 0, p->cur);
		break;
	case 11: /* Ctrl-K */
		p->buf[p->cur] = '\0';
		p->len = p->cur;
		break;
	case 23: { /* Ctrl-W */
		int b = p->cur;

		while (b > 0 && p->buf[b - 1] == ' ')
			b--;
		while (b > 0 && p->buf[b - 1] != ' ')
			b--;
		delete_range(p, b, p->cur);
		break;
	}
	case KEY_UP: case 16:
		if (p->mode != PROMPT_COMMAND || p->hpos == 0)
			break;
		if (p->hpos == p->nhist)
			snprintf(p->saved, sizeof(p->saved), "%s", p->buf);
		p->hpos--;
		set_line(p, p->history[p->hpos]);
		break;
	case KEY_DOWN: case 14:
		if (p->mode != PROMPT_COMMAND || p->hpos >= p->nhist)
			break;
		p->hpos++;
		set_line(p, p->hpos == p->nhist ? p->saved : p->history[p->hpos]);
		break;
	case '\t':
		if (p->mode == PROMPT_COMMAND) {
			char list[1024];
			int n = prompt_complete(tui_sim(t), p->buf, &p->len, &p->cur, list,
						sizeof(list));

			if (n > 1)
				tui_message(t, "%s", list);
			else if (n == 0)
				tui_message(t, "no completion");
		}
		break;
	default:
		if (ch >= 32 && ch < 127) {
			char s[2] = { (char)ch, '\0' };

			insert(p, s);
		}
		break;
	}
	return 0;
}

void prompt_draw(struct tui *t, struct prompt *p, int y, int w)
{
	const char *lead = p->mode == PROMPT_FILTER ? "filter: " : ":";
	int lw = (int)strlen(lead);
	int avail = w - lw - 1, off = 0;

	if (avail < 1)
		return;
	if (p->cur > avail)
		off = p->cur - avail;
	tui_text(y, 0, w, tui_attr(t, C_NORMAL), true, "");
	tui_text(y, 0, lw, tui_attr(t, C_TITLE), false, lead);
	tui_text(y, lw, avail + 1, tui_attr(t, C_NORMAL), false, p->buf + off);
	/* A hint: the usage of the command being typed. */
	if (p->mode == PROMPT_COMMAND) {
		char first[64] = "";
		const char *u;

		sscanf(p->buf, "%63s", first);
		u = p->len > 0 ? cmd_usage(first) : NULL;
		if (u != NULL && lw + p->len + 4 + (int)strlen(u) < w)
			tui_text(y, w - (int)strlen(u) - 1, (int)strlen(u), tui_attr(t, C_DIM),
				 false, u);
	}
	move(y, lw + p->cur - off);
}

/*
 * The monitor's side of a client connection (monitor.c): bytes in any
 * split, lines of any length, "\r\n", a client that stops reading. The
 * input reaches a client socket in chunks; what comes back is read.
 * Checked: every newline is answered by exactly one prompt, after the
 * banner's, and nothing else comes back once the input's last newline
 * is answered.
 *
 * Input: one byte, the chunk size (1..256), then what the client sends.
 * Lines whose first word is not one of the commands below are changed to
 * start with 'x' (an unknown command): the monitor runs whatever it is
 * given, and a fuzzer must not write files or start programs. A '(' is
 * changed to '[', so that no command's output can echo the prompt.
 */
#include "fuzz.h"
#include "../../src/app/monitor.h"

#include <fcntl.h>
#include <sys/socket.h>

#define TOPO "[guest A]\nnic = model=e1000\nip = 10.0.0.1/24\n"

static const char *const allowed[] = { "echo", "help", "info", "expect", "ping", "set_link" };

static void sanitize(char *p, size_t n)
{
	size_t i = 0;

	for (size_t k = 0; k < n; k++)
		if (p[k] == '(')
			p[k] = '[';
	while (i < n) {
		size_t start = i, w;
		bool ok = false;

		while (start < n && (p[start] == ' ' || p[start] == '\t'))
			start++;
		w = start;
		while (w < n && p[w] != ' ' && p[w] != '\t' && p[w] != '\n' && p[w] != '\r')
			w++;
		for (size_t k = 0; k < ARRAY_SIZE(allowed); k++)
			ok = ok || (strlen(allowed[k]) == w - start &&
				    memcmp(p + start, allowed[k], w - start) == 0);
		if (!ok && start < n && p[start] != '\n')
			p[start] = 'x';
		while (i < n && p[i] != '\n')
			i++;
		i++;
	}
}

static size_t count_prompts(const char *p, size_t n)
{
	size_t k = 0, plen = strlen(MONITOR_PROMPT);

	for (size_t i = 0; i + plen <= n; i++)
		if (memcmp(p + i, MONITOR_PROMPT, plen) == 0)
			k++;
	return k;
}

static void pump(struct sim *s)
{
	loop_poll(s->loop, 0);
	loop_run(s->loop, loop_now(s->loop));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char got[1 << 22];
	struct sim *s;
	struct monitor *m;
	size_t chunk, off = 0, glen = 0, newlines = 0;
	char *in;
	int sv[2];

	if (size < 1 || size > 1 << 14)
		return 0;
	chunk = (size_t)data[0] + 1;
	s = fuzz_sim(TOPO, strlen(TOPO), NULL);
	if (s == NULL || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	sim_start(s);
	m = monitor_new(s);
	fcntl(sv[1], F_SETFL, fcntl(sv[1], F_GETFL) | O_NONBLOCK);
	if (monitor_adopt(m, sv[0]) < 0)
		abort();
	in = xmalloc(size);
	memcpy(in, data + 1, size - 1);
	sanitize(in, size - 1);
	for (size_t i = 0; i + 1 < size; i++)
		newlines += in[i] == '\n';
	/* Send it all, reading what comes back as it comes (up to 4 MiB;
	 * beyond, it is left unread: a client that stops reading). */
	for (int rounds = 0; rounds < 100000 && (off < size - 1 || rounds < 4); rounds++) {
		ssize_t n;

		if (off < size - 1) {
			n = send(sv[1], in + off, MIN(chunk, size - 1 - off), MSG_DONTWAIT);
			if (n > 0)
				off += (size_t)n;
		}
		pump(s);
		while (glen < sizeof(got) &&
		       (n = recv(sv[1], got + glen, sizeof(got) - glen, MSG_DONTWAIT)) > 0)
			glen += (size_t)n;
	}
	for (int rounds = 0; rounds < 1000 && glen < sizeof(got); rounds++) {
		ssize_t n = recv(sv[1], got + glen, sizeof(got) - glen, MSG_DONTWAIT);

		if (n > 0)
			glen += (size_t)n;
		pump(s);
	}
	if (off == size - 1 && glen < sizeof(got) / 2 && count_prompts(got, glen) != newlines + 1)
		abort();
	monitor_close(m);
	close(sv[1]);
	free(in);
	sim_free(s);
	return 0;
}

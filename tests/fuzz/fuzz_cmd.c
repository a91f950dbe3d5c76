/*
 * The command and expectation parsers: every line of the input is checked
 * as `--check` checks a scenario step, and the lines whose command only
 * acts inside the simulation (no files, sockets or programs: not capture,
 * hostfwd, exec or quit) are then run for real, with a second of
 * simulated time after each. Each line is also a Frames filter (the UI's
 * `/`: qnetsim's words, then tcpdump's), parsed and matched against every
 * hop traced so far.
 */
#include "fuzz.h"
#include "../../src/app/hopfilter.h"

#define TOPO \
	"[bridge br]\nstp = on\nport.3.trunk = 10,20\n" \
	"[guest A]\nnic = model=e1000\nip = 10.0.0.1/24\n" \
	"[guest B]\nnic = model=e1000\nip = 10.0.0.2/24\ndns = 10.0.0.1\n" \
	"[guest C]\nnic = model=virtio-net-pci,vlan=3\nip = dhcp\n" \
	"[link]\na = A\nb = br.1\ndelay = 1ms\n[link]\na = B\nb = br.2\n" \
	"[link]\na = br.3\nb = vlan3\n"

static const char *const live[] = {
	"ping", "udp", "tcp_connect", "tcp_send", "tcp_close", "tcp_abort", "tcp_listen",
	"resolve", "dhcp", "mac_flush", "mac_add", "mac_del", "set_link", "impair", "flap",
	"expect", "info", "echo", "help",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim *s;
	char *text, *line, *save = NULL;
	char err[ERRLEN];
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);

	if (size > 1 << 14)
		return 0;
	s = fuzz_sim(TOPO, strlen(TOPO), NULL);
	if (s == NULL)
		abort();
	sim_start(s);
	text = xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		size_t w = strcspn(line, " \t");
		bool ok = false;
		struct hop_filter hf;

		if (hop_filter_parse(&hf, s->g, dead, line, err) == 0) {
			struct trace *tr = &s->g->trace;

			for (uint64_t i = tr->total > tr->cap ? tr->total - tr->cap : 0; i < tr->total; i++)
				hop_filter_match(&hf, s->g, &tr->ring[i % tr->cap]);
			hop_filter_free(&hf);
		}
		if (cmd_exec(s, line, fuzz_null(), true, err) < 0)
			continue;
		for (size_t i = 0; i < ARRAY_SIZE(live); i++)
			ok = ok || (strlen(live[i]) == w && strncmp(line, live[i], w) == 0);
		if (ok) {
			cmd_exec(s, line, fuzz_null(), false, err);
			loop_run(s->loop, loop_now(s->loop) + NS_PER_SEC);
		}
	}
	free(text);
	sim_free(s);
	pcap_close(dead);
	return 0;
}

/*
 * A sim guest's receive path: ARP, IPv4, ICMP, UDP, DHCP (client), DNS
 * (resolver), TCP in every state, 802.1Q on a VLAN interface, and
 * routing (R has forward = on, a VLAN interface and a route), with
 * the guests' own commands mixed in so there are connections, pings,
 * lookups and leases for the frames to meet.
 *
 * Input: a sequence of operations, each one byte then its arguments:
 *   0..127   a frame: 2-byte little-endian length, then that many bytes,
 *            sent from the port of guest x onto the hub of A and D
 *   128..191 one of the commands in cmds[] (byte - 128, modulo)
 *   192..255 let (byte - 191) x 50 ms of simulated time pass
 * A fresh sim per input, so every run is reproducible from its input.
 */
#include "fuzz.h"

#define TOPO \
	"[guest A]\nnic = model=e1000,vlan=1,macaddr=52:54:00:00:00:01\n" \
	"ip = 10.0.0.1/24\nip.0.10 = 10.1.0.1/24\ngw = 10.0.0.9\ndns = 10.0.0.9\n" \
	"[guest D]\nnic = model=e1000,vlan=1,macaddr=52:54:00:12:34:56\nip = dhcp\n" \
	"[guest R]\nnic = model=e1000,vlan=1,macaddr=52:54:00:00:00:02\n" \
	"ip = 10.0.0.2/24\nip.0.10 = 10.1.0.2/24\nforward = on\nroute = 10.2.0.0/16 via 10.0.0.9\n" \
	"[guest x]\nnic = model=e1000,vlan=1,macaddr=52:54:00:00:00:99\n"

static const char *const cmds[] = {
	"tcp_listen A 80 echo",
	"tcp_listen A 81 sink",
	"tcp_connect A 10.0.0.9:80",
	"tcp_connect A 10.0.0.9:81 sport=40001",
	"tcp_send A 1 hello",
	"tcp_send A 2 size=3000",
	"tcp_close A 1",
	"tcp_abort A 2",
	"ping A 10.0.0.9 count=2 interval=0.1s",
	"ping A 10.1.0.9 count=1",
	"udp A 10.0.0.9:53 count=1 data=x",
	"resolve A host.example",
	"resolve A other.example server=10.0.0.8:5353",
	"dhcp D renew",
	"dhcp D release",
	"dhcp D restart",
	"info tcp A",
	"info arp A",
	"info dhcp D",
	"info dns A",
	"info pings A",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim *s;
	struct port *x;
	char err[ERRLEN];

	if (size > 1 << 16)
		return 0;
	s = fuzz_sim(TOPO, strlen(TOPO), NULL);
	if (s == NULL)
		abort();
	x = sim_guest(s, "x")->nics[0]->port;
	sim_start(s);
	while (size > 0) {
		uint8_t op = fuzz_u8(&data, &size);

		if (op < 128) {
			fuzz_send_frame(s, x, &data, &size);
			loop_run(s->loop, loop_now(s->loop) + NS_PER_SEC / 1000);
		} else if (op < 192) {
			cmd_exec(s, cmds[(op - 128) % ARRAY_SIZE(cmds)], fuzz_null(), false, err);
			loop_run(s->loop, loop_now(s->loop) + NS_PER_SEC / 1000);
		} else {
			loop_run(s->loop, loop_now(s->loop) + (uint64_t)(op - 191) * 50 * NS_PER_SEC / 1000);
		}
	}
	/* Whatever is left to happen in the next 10 s (retries, timeouts). */
	loop_run(s->loop, loop_now(s->loop) + 10 * NS_PER_SEC);
	sim_free(s);
	return 0;
}

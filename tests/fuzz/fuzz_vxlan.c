/*
 * The VXLAN receive path (type = vxlan): datagrams from many source
 * addresses, as the socket would give them, into a netdev on a hub with a
 * sim guest. Checked after each input:
 *  - every datagram is accounted for once: decapsulated, a bad header
 *    (short, flags, VNI) or a runt;
 *  - the learning table stays within maxaddress, and the VTEPs it points
 *    at within their cap.
 *
 * Input: records of [source: 1 byte][length: 2 bytes, little-endian][the
 * datagram]; a source byte s is 127.1.0.(s & 127) at port 4789 + (s >> 7),
 * and a byte with a length past the end takes the rest.
 */
#include "fuzz.h"
#include "../../src/backends/vxlan.h"

#include <arpa/inet.h>

#define TOPO "[guest a]\nnic = model=e1000,macaddr=52:54:00:00:00:01,vlan=0\n" \
	     "ip = 10.0.0.1/24\n[netdev vx]\ntype = vxlan\nvlan = 0\nvni = 42\n" \
	     "remote = 127.0.0.2\nmaxaddress = 64\n"

static struct sim *s;
static struct netdev *nd;

static uint64_t value(const char *name)
{
	struct value v;
	char err[ERRLEN];

	if (netdev_value(nd, name, &v, err) < 0)
		abort();
	return (uint64_t)v.num;
}

static uint64_t accounted(void)
{
	return value("rx") + value("short_header") + value("bad_flags") + value("wrong_vni") +
	       value("runts");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t before, datagrams = 0;
	uint32_t vteps;

	if (size > 1 << 18)
		return 0;
	if (s == NULL) {
		s = fuzz_sim(TOPO, strlen(TOPO), NULL);
		if (s == NULL)
			abort();
		nd = s->netdevs[0];
	}
	before = accounted();
	while (size >= 3) {
		struct sockaddr_in from = { .sin_family = AF_INET };
		size_t len = (size_t)(data[1] | data[2] << 8);

		from.sin_addr.s_addr = htonl(0x7f010000u | (data[0] & 127u));
		from.sin_port = htons((uint16_t)(4789 + (data[0] >> 7)));
		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		vxlan_datagram(nd, data, len, &from, false);
		datagrams++;
		data += len;
		size -= len;
		loop_run(s->loop, loop_now(s->loop) + NS_PER_SEC);
	}
	if (accounted() - before != datagrams)
		abort();
	if (vxlan_learned(nd, &vteps) > 64 || vteps > VXLAN_VTEPS_MAX)
		abort();
	return 0;
}

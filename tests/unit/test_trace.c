/*
 * One-line frame summaries on real frames: an iPXE DHCP exchange captured
 * from QEMU 7.2 (filter-dump on -netdev user), ARP/ICMP/TCP/UDP from two
 * Linux network namespaces, and STP BPDUs from a Linux bridge with
 * stp_state 1. The pcaps are in tests/data/. Each frame is summarised both
 * whole and the way the trace ring keeps it (first TRACE_HDR bytes plus
 * the DHCP type taken at record time).
 */
#include "testutil.h"

#include <pcap/pcap.h>

#define MAXF 32

struct capfile {
	int n;
	uint32_t len[MAXF];
	uint8_t data[MAXF][1600];
};

static void load(const char *path, struct capfile *c)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, errbuf);
	struct pcap_pkthdr *h;
	const u_char *d;

	assert_non_null(p);
	c->n = 0;
	while (c->n < MAXF && pcap_next_ex(p, &h, &d) == 1) {
		assert_true(h->caplen == h->len && h->caplen <= 1600);
		c->len[c->n] = h->caplen;
		memcpy(c->data[c->n], d, h->caplen);
		c->n++;
	}
	pcap_close(p);
}

/* The summary from the trace's truncated copy, as the TUI shows it. */
static void summary_as_traced(const uint8_t *d, uint32_t len, char *buf, size_t n)
{
	uint8_t hdr[TRACE_HDR] = { 0 };
	uint8_t dhcp = len >= 282 && d[23] == 17 && d[12] == 8 && d[13] == 0 ?
		trace_dhcp_type(d, len) : 0;

	memcpy(hdr, d, MIN(len, (uint32_t)TRACE_HDR));
	frame_summary_dhcp(hdr, MIN(len, (uint32_t)TRACE_HDR), dhcp, buf, n);
}

static void check(const uint8_t *d, uint32_t len, const char *want)
{
	char whole[256], traced[256];

	frame_summary(d, len, whole, sizeof(whole));
	summary_as_traced(d, len, traced, sizeof(traced));
	if (strcmp(whole, want) != 0 || strcmp(traced, want) != 0)
		fail_msg("want '%s'\n got '%s' (whole) / '%s' (traced)", want, whole, traced);
}

static void test_ipxe_dhcp(void **state)
{
	struct capfile *c = xmalloc(sizeof(*c));
	const char *types[] = { "Discover", "Offer", "Request", "ACK" };
	int seen = 0;

	(void)state;
	load("tests/data/ipxe-dhcp.pcap", c);
	assert_int_equal(c->n, 13);
	check(c->data[0], c->len[0],
	      "IP 0.0.0.0.68 > 255.255.255.255.67: DHCP Discover, xid 0x16ef0c65");
	check(c->data[1], c->len[1],
	      "IP 10.0.2.2.67 > 255.255.255.255.68: DHCP Offer, xid 0x16ef0c65");
	check(c->data[10], c->len[10],
	      "IP 0.0.0.0.68 > 255.255.255.255.67: DHCP Request, xid 0x16ef0c65");
	check(c->data[11], c->len[11],
	      "IP 10.0.2.2.67 > 255.255.255.255.68: DHCP ACK, xid 0x16ef0c65");
	/* iPXE's gratuitous ARP once it has its lease. */
	check(c->data[12], c->len[12], "ARP, Request who-has 10.0.2.15 tell 10.0.2.15");
	check(c->data[2], c->len[2], "IPv6");
	for (int i = 0; i < c->n; i++) {
		char buf[256];

		frame_summary(c->data[i], c->len[i], buf, sizeof(buf));
		if (strstr(buf, types[seen < 4 ? seen : 3]) != NULL && seen < 4)
			seen++;
	}
	assert_int_equal(seen, 4);
	free(c);
}

static void test_kernel_ipv4(void **state)
{
	struct capfile *c = xmalloc(sizeof(*c));

	(void)state;
	load("tests/data/kernel-ipv4.pcap", c);
	assert_int_equal(c->n, 8);
	check(c->data[0], c->len[0], "ARP, Request who-has 10.9.0.2 tell 10.9.0.1");
	check(c->data[1], c->len[1], "ARP, Reply 10.9.0.2 is-at aa:cb:0c:fe:35:9f");
	check(c->data[2], c->len[2], "IP 10.9.0.1 > 10.9.0.2: ICMP echo request, id 18738, seq 1");
	check(c->data[3], c->len[3], "IP 10.9.0.2 > 10.9.0.1: ICMP echo reply, id 18738, seq 1");
	check(c->data[4], c->len[4], "IP 10.9.0.1.57560 > 10.9.0.2.5555: TCP [S]");
	check(c->data[5], c->len[5], "IP 10.9.0.2.5555 > 10.9.0.1.57560: TCP [RA]");
	check(c->data[6], c->len[6], "IP 10.9.0.1.60884 > 10.9.0.2.9: UDP, length 3");
	check(c->data[7], c->len[7], "IP 10.9.0.2 > 10.9.0.1: ICMP unreachable, code 3");
	free(c);
}

/* The kernel's ARP request with an 802.1Q tag inserted, as a trunk carries it. */
static void test_vlan_tag(void **state)
{
	struct capfile *c = xmalloc(sizeof(*c));
	uint8_t tagged[1600];
	uint32_t len;

	(void)state;
	load("tests/data/kernel-ipv4.pcap", c);
	memcpy(tagged, c->data[2], 12);
	wr16(tagged + 12, 0x8100);
	wr16(tagged + 14, (5u << 13) | 20);
	memcpy(tagged + 16, c->data[2] + 12, c->len[2] - 12);
	len = c->len[2] + 4;
	check(tagged, len,
	      "802.1Q vlan 20, p 5, IP 10.9.0.1 > 10.9.0.2: ICMP echo request, id 18738, seq 1");
	free(c);
}

static void test_kernel_stp(void **state)
{
	struct capfile *c = xmalloc(sizeof(*c));

	(void)state;
	load("tests/data/kernel-stp.pcap", c);
	assert_true(c->n >= 2);
	check(c->data[0], c->len[0],
	      "STP 802.1d, Config, root 8000.1a:41:1c:4b:72:49 cost 0, "
	      "bridge 8000.1a:41:1c:4b:72:49 port 8001");
	free(c);
}

static void test_short_frames(void **state)
{
	uint8_t f[64] = { 0 };
	char buf[128];

	(void)state;
	frame_summary(f, 10, buf, sizeof(buf));
	assert_string_equal(buf, "runt (10 bytes)");
	wr16(f + 12, 0x0806);
	frame_summary(f, 20, buf, sizeof(buf));
	assert_string_equal(buf, "ARP, truncated");
	wr16(f + 12, 0x0800);
	frame_summary(f, 30, buf, sizeof(buf));
	assert_string_equal(buf, "IPv4, malformed");
	/* A summary never overruns a small buffer. */
	frame_summary(f, 30, buf, 4);
	assert_int_equal(strlen(buf), 3);
}

/* The ring of whole frames: it keeps what the record's first TRACE_HDR
 * bytes do not, and each record gets its frame back, across the ring's
 * end too, until newer frames write over it; a frame whose rest is larger
 * than the ring is not kept; one of TRACE_HDR bytes or fewer is whole
 * from its record alone. */
static void test_byte_ring(void **state)
{
	static uint8_t out[65536];
	struct trace t = { 0 };
	struct trace_rec r[5] = { { .len = 100 }, { .len = 100 }, { .len = 130 }, { .len = 300 },
				  { .len = 60 } };
	uint8_t data[5][300];

	(void)state;
	for (int i = 0; i < 5; i++) {
		for (int k = 0; k < 300; k++)
			data[i][k] = (uint8_t)(i * 64 + k);
		memcpy(r[i].hdr, data[i], TRACE_HDR);
	}
	t.bytes = xmalloc(110);
	t.bytes_cap = 110;
	for (int i = 0; i < 5; i++) {
		r[i].boff = UINT64_MAX;
		trace_keep_bytes(&t, &r[i], data[i], r[i].len);
	}
	/* Rests of 36 + 36 + 66 = 138 bytes in 110: the first is gone, the
	 * third wraps; the fourth's 236 never fitted. */
	assert_int_equal(trace_bytes(&t, &r[0], out), 0);
	assert_int_equal(trace_bytes(&t, &r[1], out), 100);
	assert_memory_equal(out, data[1], 100);
	assert_int_equal(trace_bytes(&t, &r[2], out), 130);
	assert_memory_equal(out, data[2], 130);
	assert_int_equal(trace_bytes(&t, &r[3], out), 0);
	assert_int_equal(trace_bytes(&t, &r[4], out), 60);
	assert_memory_equal(out, data[4], 60);
	free(t.bytes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipxe_dhcp),
		cmocka_unit_test(test_kernel_ipv4),
		cmocka_unit_test(test_vlan_tag),
		cmocka_unit_test(test_kernel_stp),
		cmocka_unit_test(test_short_frames),
		cmocka_unit_test(test_byte_ring),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Prints qnetsim's decoding of every frame of a pcap, one line per field:
 * "FRAME<TAB>POS<TAB>SIZE<TAB>DEPTH<TAB>TEXT", frames counted from 1 as
 * tshark counts them. tests/decode/run.sh holds it against tshark's PDML.
 */
#include "../../src/app/decode.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	static struct dline lines[DECODE_MAX_LINES];
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const unsigned char *data;
	unsigned long frame = 0;
	pcap_t *p;

	if (argc != 2) {
		fprintf(stderr, "usage: decode_pcap FILE.pcap\n");
		return 2;
	}
	p = pcap_open_offline(argv[1], errbuf);
	if (p == NULL) {
		fprintf(stderr, "decode_pcap: %s\n", errbuf);
		return 2;
	}
	while (pcap_next_ex(p, &h, &data) == 1) {
		int n = frame_decode(data, h->caplen, lines, DECODE_MAX_LINES);

		frame++;
		for (int i = 0; i < n; i++)
			printf("%lu\t%u\t%u\t%u\t%s\n", frame, lines[i].pos, lines[i].size,
			       lines[i].depth, lines[i].text);
	}
	pcap_close(p);
	return 0;
}

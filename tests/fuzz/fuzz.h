/*
 * What every fuzz target shares.
 *
 * A target is one file, tests/fuzz/fuzz_NAME.c, that defines
 * LLVMFuzzerTestOneInput. It is built twice: with clang's libFuzzer for
 * `make fuzz`, and with replay.c's main for `make test`, which runs every
 * input in tests/fuzz/corpus/NAME/ and tests/fuzz/regressions/NAME/ once
 * (under ASan and UBSan in `make check-asan`). A target must be
 * deterministic, free everything it allocates, and touch nothing outside
 * the process: no file the input names, no connect, no exec.
 */
#ifndef QNETSIM_FUZZ_H
#define QNETSIM_FUZZ_H

#include "../../src/app/sim.h"
#include "../../src/core/util.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A sink for the messages a target provokes. */
static inline FILE *fuzz_null(void)
{
	static FILE *null;

	if (null == NULL)
		null = fopen("/dev/null", "w");
	return null;
}

/* Loads topology text from memory (a memfd, so nothing touches the disk).
 * Returns the sim, or NULL (and frees it) if the text has errors. Its
 * events and command output go to fuzz_null(). */
static inline struct sim *fuzz_sim(const void *text, size_t len, int *nerrors)
{
	int fd = memfd_create("qnetsim-fuzz.ini", 0);
	char path[64];
	struct sim *s = sim_new(1);
	const char *p = text;
	size_t left = len;
	int n;

	if (fd < 0)
		abort();
	while (left > 0) {
		ssize_t w = write(fd, p, left);

		if (w <= 0)
			abort();
		p += w;
		left -= (size_t)w;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = topo_load(s, path, fuzz_null());
	close(fd);
	s->out = fuzz_null();   /* events and command output */
	if (nerrors != NULL)
		*nerrors = n;
	if (n != 0) {
		sim_free(s);
		return NULL;
	}
	return s;
}

/* Reads a little-endian 16-bit value from the input, 0 past its end. */
static inline uint16_t fuzz_u16(const uint8_t **p, size_t *n)
{
	uint16_t v = 0;

	if (*n >= 2) {
		v = (uint16_t)((*p)[0] | (*p)[1] << 8);
		*p += 2;
		*n -= 2;
	} else if (*n == 1) {
		v = (*p)[0];
		*p += 1;
		*n = 0;
	}
	return v;
}

static inline uint8_t fuzz_u8(const uint8_t **p, size_t *n)
{
	uint8_t v = 0;

	if (*n > 0) {
		v = (*p)[0];
		(*p)++;
		(*n)--;
	}
	return v;
}

/* Takes a frame from the input (a 2-byte little-endian length, then the
 * bytes; cut short at the input's end) and sends it from port p, if it is
 * at least an Ethernet header long. */
static inline void fuzz_send_frame(struct sim *s, struct port *p, const uint8_t **data,
				   size_t *size)
{
	uint16_t len = fuzz_u16(data, size);
	struct frame *f;

	if (len > *size)
		len = (uint16_t)*size;
	if (len >= ETH_HLEN) {
		f = frame_from_bytes(s->g->pool, *data, len);
		if (f != NULL)
			port_tx(p, f);
	}
	*data += len;
	*size -= len;
}

#endif

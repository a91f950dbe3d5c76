/*
 * The topology loader, the whole --check path: parsing, resolving links and
 * netdev options, and checking the scenario's commands. Leaks count (ASan's
 * leak checker runs at exit under libFuzzer).
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim *s;
	int nerr;

	if (size > 1 << 20)
		return 0;
	s = fuzz_sim(data, size, &nerr);
	if (s != NULL)
		sim_free(s);
	return 0;
}

/*
 * The topology loader, the whole --check path: parsing, resolving links and
 * netdev options, and checking the scenario's commands; then the map's
 * layout of what loaded (pos = pins included), boxes and names only, as
 * --export text prints it. Leaks count (ASan's leak checker runs at exit
 * under libFuzzer).
 */
#include "fuzz.h"
#include "../../src/app/map.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim *s;
	int nerr;

	if (size > 1 << 20)
		return 0;
	s = fuzz_sim(data, size, &nerr);
	if (s == NULL)
		return 0;
	if (nerr == 0) {
		for (int compact = 0; compact < 2; compact++) {
			struct map *m = map_build(s, compact, 80);

			map_print(m, fuzz_null(), compact);
			map_free(m);
		}
	}
	sim_free(s);
	return 0;
}

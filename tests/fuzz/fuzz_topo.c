/*
 * The topology loader, the whole --check path: parsing, resolving links and
 * netdev options, and checking the scenario's commands; then the map's
 * layout of what loaded (pos = pins included), boxes and names only, as
 * --export text prints it; with [host] sections, each host's part, split
 * as --host splits it and loaded again. Leaks count (ASan's leak checker
 * runs at exit under libFuzzer).
 */
#include "fuzz.h"
#include "../../src/app/hosts.h"
#include "../../src/app/map.h"

/* Every host's part of a topology with [host]s: made, and loaded. */
static void parts(struct sim *s, const uint8_t *data, size_t size)
{
	if (hosts_validate(s, (const char *)data, size, fuzz_null()) != 0)
		return;
	for (int h = 0; h < s->nhosts; h++) {
		struct sim_crossing *cx;
		struct sim *p;
		char *text;
		size_t len;
		int ncx;

		if (hosts_split(s, (const char *)data, size, s->hosts[h].name, &text, &len, &cx, &ncx,
				fuzz_null()) != 0) {
			free(text);
			continue;
		}
		/* The part of a topology that loads and splits loads too. */
		p = fuzz_sim(text, len, NULL);
		if (p == NULL)
			abort();
		if (p != NULL) {
			p->crossings = cx;
			p->ncrossings = ncx;
			sim_free(p);
		} else {
			for (int i = 0; i < ncx; i++) {
				free(cx[i].local);
				free(cx[i].remote);
				free(cx[i].to_host);
				free(cx[i].netdev);
			}
			free(cx);
		}
		free(text);
	}
}

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
		if (s->nhosts > 0)
			parts(s, data, size);
	}
	sim_free(s);
	return 0;
}

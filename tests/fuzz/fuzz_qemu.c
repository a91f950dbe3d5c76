/*
 * The QEMU import: a file of command lines (qemu_import_text: words,
 * QEMU's options, one VM per line), then the topology it writes, through
 * the loader as --qemu gives it. Nothing is opened: the loader only
 * checks what it reads.
 */
#include "fuzz.h"
#include "../../src/app/qemu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *topo = NULL, err[ERRLEN];
	size_t len = 0;
	FILE *out;
	int rc;

	if (size > 1 << 16)
		return 0;
	text = xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	out = open_memstream(&topo, &len);
	rc = qemu_import_text(text, out, fuzz_null(), err);
	fclose(out);
	if (rc == 0) {
		struct sim *s = sim_new(1);

		topo_load_text(s, "--qemu", topo, len, fuzz_null());
		sim_free(s);
	}
	free(topo);
	free(text);
	return 0;
}

/* The JSON report: schema fields present, values right, identical bytes
 * for two runs with the same seed. */
#include "testutil.h"
#include "../../src/app/sim.h"

#include <jansson.h>

static const char *topo =
	"[bridge br0]\nstatic = 52:54:00:00:00:77,port=2\n"
	"[guest a]\nnic = model=e1000\nip = 10.0.0.1/24\n"
	"[guest b]\nnic = model=ne2k_pci\nip = 10.0.0.2/24\n"
	"[link]\na = a\nb = br0\n"
	"[link]\na = b\nb = br0\nloss = 30%\n"
	"[scenario]\nat 0s = a ping 10.0.0.2 count=20 interval=100ms\n"
	"at 3s = expect a.ping.sent == 20\nat 3s = expect a.ping.received == 20\n";

static void run_to(const char *out, uint64_t seed)
{
	/* A fixed path: the report names its topology. */
	const char *path = "/tmp/qnetsim-test-report-topo.ini";
	FILE *t = fopen(path, "w");
	struct sim *s = sim_new(seed);
	char err[ERRLEN];

	assert_non_null(t);
	fputs(topo, t);
	fclose(t);
	assert_int_equal(topo_load(s, path, stderr), 0);
	s->out = fopen("/dev/null", "w");
	sim_start(s);
	sim_run(s);
	assert_int_equal(report_write(s, out, err), 0);
	fclose(s->out);
	sim_free(s);
	unlink(path);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = xcalloc(1, 1 << 20);

	assert_non_null(f);
	assert_true(fread(buf, 1, (1 << 20) - 1, f) > 0);
	fclose(f);
	return buf;
}

static void test_schema(void **state)
{
	json_error_t je;
	json_t *r, *ports, *br, *gu, *ex, *ping;
	const char *path = "/tmp/qnetsim-test-report.json";

	(void)state;
	run_to(path, 5);
	r = json_load_file(path, 0, &je);
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "result")), "fail");
	assert_int_equal(json_integer_value(json_object_get(r, "seed")), 5);
	ports = json_object_get(r, "ports");
	assert_int_equal(json_array_size(ports), 4);
	assert_string_equal(json_string_value(json_object_get(json_array_get(ports, 0), "name")), "a.nic0");
	assert_true(json_integer_value(json_object_get(json_array_get(ports, 0), "tx_frames")) > 20);
	/* Random loss on b's link shows as drops by reason. */
	assert_true(json_integer_value(json_object_get(
		json_object_get(json_array_get(ports, 1), "drops"), "loss")) > 0);
	br = json_array_get(json_object_get(r, "bridges"), 0);
	assert_string_equal(json_string_value(json_object_get(br, "name")), "br0");
	assert_int_equal(json_integer_value(json_object_get(br, "max_entries")), 4096);
	assert_int_equal(json_array_size(json_object_get(br, "fdb")), 3);
	/* Sorted by MAC: the static 52:54:00:00:00:77 comes first. */
	assert_true(json_is_true(json_object_get(json_array_get(json_object_get(br, "fdb"), 0),
						 "static")));
	gu = json_array_get(json_object_get(r, "guests"), 1);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(json_object_get(gu, "nics"), 0), "pci_id")), "10ec:8029");
	ping = json_array_get(json_object_get(json_array_get(json_object_get(r, "guests"), 0), "pings"), 0);
	assert_int_equal(json_integer_value(json_object_get(ping, "sent")), 20);
	assert_true(json_integer_value(json_object_get(ping, "received")) < 20);
	ex = json_object_get(r, "expectations");
	assert_int_equal(json_array_size(ex), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(ex, 0), "result")), "pass");
	assert_string_equal(json_string_value(json_object_get(json_array_get(ex, 1), "result")), "fail");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(ex, 1), "line")), 19);
	json_decref(r);
	unlink(path);
}

static void test_deterministic(void **state)
{
	char *a, *b, *c;

	(void)state;
	run_to("/tmp/qnetsim-test-r1.json", 9);
	run_to("/tmp/qnetsim-test-r2.json", 9);
	run_to("/tmp/qnetsim-test-r3.json", 10);
	a = slurp("/tmp/qnetsim-test-r1.json");
	b = slurp("/tmp/qnetsim-test-r2.json");
	c = slurp("/tmp/qnetsim-test-r3.json");
	assert_string_equal(a, b);
	/* Another seed loses other frames. */
	assert_string_not_equal(a, c);
	free(a);
	free(b);
	free(c);
	unlink("/tmp/qnetsim-test-r1.json");
	unlink("/tmp/qnetsim-test-r2.json");
	unlink("/tmp/qnetsim-test-r3.json");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schema),
		cmocka_unit_test(test_deterministic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* util's parsers (numbers, durations, rates, probabilities, booleans, MACs,
 * IPv4 prefixes, words) and field.h's named values: what they accept,
 * what they refuse, and the words of the refusal. */
#include "testutil.h"
#include "../../src/core/field.h"

#include <math.h>

static void test_parse_u64(void **state)
{
	char err[ERRLEN];
	uint64_t v;

	(void)state;
	assert_int_equal(parse_u64("4095", 0, 4095, &v, err), 0);
	assert_int_equal(v, 4095);
	assert_int_equal(parse_u64("0x10", 0, 100, &v, err), 0);
	assert_int_equal(v, 16);
	assert_int_equal(parse_u64("4096", 0, 4095, &v, err), -1);
	assert_string_equal(err, "4096 is out of range (0..4095)");
	assert_int_equal(parse_u64("-1", 0, 10, &v, err), -1);
	assert_string_equal(err, "'-1' is not a number");
	assert_int_equal(parse_u64("12abc", 0, 100, &v, err), -1);
	assert_int_equal(parse_u64("", 0, 100, &v, err), -1);
	assert_string_equal(err, "expected a number");
	assert_int_equal(parse_u64("99999999999999999999999", 0, UINT64_MAX, &v, err), -1);
}

static void test_parse_duration(void **state)
{
	char err[ERRLEN];
	uint64_t ns;

	(void)state;
	assert_int_equal(parse_duration("2.5s", &ns, err), 0);
	assert_int_equal(ns, 2500 * NS_PER_MS);
	assert_int_equal(parse_duration("5ms", &ns, err), 0);
	assert_int_equal(ns, 5 * NS_PER_MS);
	assert_int_equal(parse_duration("3", &ns, err), 0);      /* seconds, as QEMU */
	assert_int_equal(ns, 3 * NS_PER_SEC);
	assert_int_equal(parse_duration("1h", &ns, err), 0);
	assert_int_equal(ns, 3600 * NS_PER_SEC);
	assert_int_equal(parse_duration("5 parsecs", &ns, err), -1);
	assert_int_equal(parse_duration("-1s", &ns, err), -1);
	assert_int_equal(parse_duration("1e30s", &ns, err), -1);
	assert_string_equal(err, "duration '1e30s' is too long");
	assert_int_equal(parse_duration("nan", &ns, err), -1);
	/* Whole numbers are read without strtod; the rest with it, the same. */
	assert_int_equal(parse_duration("250ms", &ns, err), 0);
	assert_int_equal(ns, 250 * NS_PER_MS);
	assert_int_equal(parse_duration("007us", &ns, err), 0);
	assert_int_equal(ns, 7000);
	assert_int_equal(parse_duration("1e3ms", &ns, err), 0);
	assert_int_equal(ns, NS_PER_SEC);
	assert_int_equal(parse_duration("0x10s", &ns, err), 0);
	assert_int_equal(ns, 16 * NS_PER_SEC);
	assert_int_equal(parse_duration("1234567890123456ns", &ns, err), 0);
	assert_int_equal(ns, 1234567890123456ULL);
	assert_int_equal(parse_duration(".5s", &ns, err), 0);
	assert_int_equal(ns, 500 * NS_PER_MS);
	assert_int_equal(parse_duration("12 s", &ns, err), -1);
}

static void test_parse_rate(void **state)
{
	char err[ERRLEN];
	uint64_t bps;

	(void)state;
	assert_int_equal(parse_rate("10M", &bps, err), 0);
	assert_int_equal(bps, 10000000);
	assert_int_equal(parse_rate("1Gbit/s", &bps, err), 0);
	assert_int_equal(bps, 1000000000);
	assert_int_equal(parse_rate("64kbps", &bps, err), 0);
	assert_int_equal(bps, 64000);
	assert_int_equal(parse_rate("11T", &bps, err), -1);
	assert_string_equal(err, "rate '11T' is too high (at most 10T)");
	assert_int_equal(parse_rate("10X", &bps, err), -1);
}

static void test_parse_percent_bool(void **state)
{
	char err[ERRLEN];
	double f;
	bool b;

	(void)state;
	assert_int_equal(parse_percent("1%", &f, err), 0);
	assert_true(fabs(f - 0.01) < 1e-12);
	assert_int_equal(parse_percent("0.25", &f, err), 0);
	assert_true(fabs(f - 0.25) < 1e-12);
	assert_int_equal(parse_percent("101%", &f, err), -1);
	assert_string_equal(err, "'101%' is more than 100%");
	assert_int_equal(parse_bool("On", &b, err), 0);
	assert_true(b);
	assert_int_equal(parse_bool("n", &b, err), 0);
	assert_false(b);
	assert_int_equal(parse_bool("maybe", &b, err), -1);
}

static void test_parse_mac_ip(void **state)
{
	uint8_t mac[6];
	uint32_t ip;
	int prefix;

	(void)state;
	assert_int_equal(parse_mac("52:54:00:12:34:56", mac), 0);
	assert_int_equal(mac[5], 0x56);
	assert_int_equal(parse_mac("52-54-00-AB-cd-EF", mac), 0);
	assert_int_equal(mac[3], 0xab);
	assert_int_equal(parse_mac("52:54:00-12:34:56", mac), -1);    /* mixed separators */
	assert_int_equal(parse_mac("52:54:00:12:34:5", mac), -1);
	assert_int_equal(parse_mac("52:54:00:12:34:5g", mac), -1);
	assert_int_equal(parse_ipv4_prefix("10.0.2.15/24", &ip, &prefix), 0);
	assert_int_equal(ip, 0x0a00020f);
	assert_int_equal(prefix, 24);
	assert_int_equal(parse_ipv4_prefix("10.0.2.15", &ip, &prefix), -1);
	assert_int_equal(parse_ipv4_prefix("10.0.2.15/33", &ip, &prefix), -1);
}

static void test_split_words_and_path(void **state)
{
	char line[] = "  ping  A \"10.0.0.2\"\tcount=3 ";
	char *argv[8];
	char *p;
	int n;

	(void)state;
	n = split_words(line, argv, 8);
	assert_int_equal(n, 4);
	assert_string_equal(argv[0], "ping");
	assert_string_equal(argv[2], "10.0.0.2");
	assert_string_equal(argv[3], "count=3");
	p = path_beside("/etc/lab/topo.ini", "tftp");
	assert_string_equal(p, "/etc/lab/tftp");
	free(p);
	p = path_beside("/etc/lab/topo.ini", "/abs");
	assert_string_equal(p, "/abs");
	free(p);
}

/* A map reserved for many keys, then filled: every key found, the
 * absent not. */
static void test_strmap_reserve(void **state)
{
	static char keys[3000][16];
	struct strmap m;

	(void)state;
	strmap_init(&m);
	strmap_put(&m, "first", keys[0]);
	strmap_reserve(&m, 3000);
	assert_true(m.mask + 1 >= 6002);
	for (int i = 1; i < 3000; i++) {
		snprintf(keys[i], sizeof(keys[i]), "k%d", i);
		strmap_put(&m, keys[i], keys[i]);
	}
	assert_ptr_equal(strmap_get(&m, "first"), keys[0]);
	for (int i = 1; i < 3000; i++)
		assert_ptr_equal(strmap_get(&m, keys[i]), keys[i]);
	assert_null(strmap_get(&m, "k3000"));
	assert_int_equal(m.count, 3000);
	strmap_free(&m);
}

/* Port names: "node.suffix", suffixes "nic0" and "12". */
static void test_names(void **state)
{
	char buf[32], *p;

	(void)state;
	assert_string_equal(name_num(buf, "nic", 0), "nic0");
	assert_string_equal(name_num(buf, "", 12), "12");
	assert_string_equal(name_num(buf, "p", UINT32_MAX), "p4294967295");
	p = name_join("sw1", name_num(buf, "", 100));
	assert_string_equal(p, "sw1.100");
	free(p);
	p = name_join("", "");
	assert_string_equal(p, ".");
	free(p);
}

struct counted {
	uint64_t a, b;
};

static void get_sum(const void *obj, struct value *v)
{
	const struct counted *c = obj;

	value_num(v, (double)(c->a + c->b));
}

static void get_word(const void *obj, struct value *v)
{
	(void)obj;
	value_str(v, "two\nlines");
}

static const struct field counted_fields[] = {
	FIELD_U64(struct counted, "a", a, 0),
	FIELD_U64(struct counted, "b", b, FIELD_GOOD),
	FIELD_FN("sum", get_sum, FIELD_NOREPORT),
	FIELD_FN("word", get_word, FIELD_TEXT),
};

static void test_fields(void **state)
{
	struct counted c = { 3, 4 };
	struct value v;
	char names[64];
	const struct field *f;

	(void)state;
	f = field_find(counted_fields, ARRAY_SIZE(counted_fields), "b");
	assert_non_null(f);
	assert_int_equal(field_u64(f, &c), 4);
	field_get(field_find(counted_fields, ARRAY_SIZE(counted_fields), "sum"), &c, &v);
	assert_true(v.numeric);
	assert_string_equal(v.str, "7");
	field_get(field_find(counted_fields, ARRAY_SIZE(counted_fields), "word"), &c, &v);
	assert_false(v.numeric);
	assert_string_equal(v.str, "two lines");   /* one line: control characters are spaces */
	assert_null(field_find(counted_fields, ARRAY_SIZE(counted_fields), "c"));
	field_names(counted_fields, ARRAY_SIZE(counted_fields), names, sizeof(names));
	assert_string_equal(names, "a, b, sum, word");
	value_num(&v, 2.5);
	assert_string_equal(v.str, "2.500");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_parse_duration),
		cmocka_unit_test(test_parse_rate),
		cmocka_unit_test(test_parse_percent_bool),
		cmocka_unit_test(test_parse_mac_ip),
		cmocka_unit_test(test_split_words_and_path),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_strmap_reserve),
		cmocka_unit_test(test_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

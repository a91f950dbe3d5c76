/* FDB: learning, (MAC, VLAN) keys, ageing without sleeping, the size
 * limit, statics, flush, and churn (deletions keep lookups right). */
#include "testutil.h"
#include "../../src/core/fdb.h"

#include <errno.h>

#define S NS_PER_SEC

static void test_learn_lookup_vlan(void **state)
{
	struct fdb *t = fdb_new(16, 300 * S);

	(void)state;
	assert_int_equal(fdb_learn(t, 0x525400000001ULL, 1, 2, 0), FDB_LEARNED);
	assert_int_equal(fdb_learn(t, 0x525400000001ULL, 1, 2, 10), FDB_REFRESHED);
	assert_int_equal(fdb_learn(t, 0x525400000001ULL, 10, 5, 10), FDB_LEARNED);
	assert_int_equal(fdb_lookup(t, 0x525400000001ULL, 1, 20), 2);
	assert_int_equal(fdb_lookup(t, 0x525400000001ULL, 10, 20), 5);
	assert_int_equal(fdb_lookup(t, 0x525400000001ULL, 20, 20), -1);
	assert_int_equal(fdb_learn(t, 0x525400000001ULL, 1, 3, 30), FDB_MOVED);
	assert_int_equal(fdb_lookup(t, 0x525400000001ULL, 1, 30), 3);
	/* Never learned: multicast and all-zero sources. */
	assert_int_equal(fdb_learn(t, 0x01005e000001ULL, 1, 1, 0), FDB_NOT_LEARNED);
	assert_int_equal(fdb_learn(t, 0xffffffffffffULL, 1, 1, 0), FDB_NOT_LEARNED);
	assert_int_equal(fdb_learn(t, 0, 1, 1, 0), FDB_NOT_LEARNED);
	assert_int_equal(fdb_count(t), 2);
	fdb_free(t);
}

static void test_ageing(void **state)
{
	struct fdb *t = fdb_new(16, 300 * S);
	struct fdb_entry e;

	(void)state;
	fdb_learn(t, 0x525400000001ULL, 1, 1, 0);
	fdb_learn(t, 0x525400000002ULL, 1, 1, 200 * S);
	assert_int_equal(fdb_add_static(t, 0x525400000003ULL, 1, 4), 0);
	assert_int_equal(fdb_lookup(t, 0x525400000001ULL, 1, 299 * S), 1);
	/* Expired is a miss before the ager runs. */
	assert_int_equal(fdb_lookup(t, 0x525400000001ULL, 1, 300 * S), -1);
	assert_false(fdb_get(t, 0x525400000001ULL, 1, 300 * S, &e));
	assert_int_equal(fdb_count(t), 3);
	assert_int_equal(fdb_age(t, 300 * S), 1);
	assert_int_equal(fdb_count(t), 2);
	assert_int_equal(fdb_age(t, 10000 * S), 1);
	/* The static entry never ages. */
	assert_int_equal(fdb_lookup(t, 0x525400000003ULL, 1, 10000 * S), 4);
	/* Ageing 0: learned entries expire at once (Linux semantics). */
	fdb_set_ageing(t, 0);
	fdb_learn(t, 0x525400000009ULL, 1, 1, 50 * S);
	assert_int_equal(fdb_lookup(t, 0x525400000009ULL, 1, 50 * S), -1);
	fdb_free(t);
}

static void test_full_and_static(void **state)
{
	struct fdb *t = fdb_new(4, 300 * S);

	(void)state;
	for (uint64_t i = 1; i <= 4; i++)
		assert_int_equal(fdb_learn(t, 0x525400000000ULL + i, 1, 1, 0), FDB_LEARNED);
	assert_int_equal(fdb_learn(t, 0x525400000099ULL, 1, 1, 0), FDB_TABLE_FULL);
	/* Known entries still refresh when full. */
	assert_int_equal(fdb_learn(t, 0x525400000001ULL, 1, 2, 0), FDB_MOVED);
	assert_int_equal(fdb_add_static(t, 0x525400000099ULL, 1, 1), -ENOSPC);
	assert_int_equal(fdb_add_static(t, 0x01005e000001ULL, 1, 1), -EINVAL);
	assert_int_equal(fdb_flush(t, 1, false), 3);
	assert_int_equal(fdb_add_static(t, 0x525400000099ULL, 1, 3), 0);
	/* Learning does not move a static entry. */
	assert_int_equal(fdb_learn(t, 0x525400000099ULL, 1, 1, 0), FDB_NOT_LEARNED);
	assert_int_equal(fdb_lookup(t, 0x525400000099ULL, 1, 0), 3);
	assert_int_equal(fdb_flush(t, -1, false), 1);
	assert_int_equal(fdb_count(t), 1);
	assert_int_equal(fdb_del(t, 0x525400000099ULL, 1), 0);
	assert_int_equal(fdb_del(t, 0x525400000099ULL, 1), -ENOENT);
	assert_int_equal(fdb_count(t), 0);
	fdb_free(t);
}

/* Random learn/delete churn checked against a plain array model. */
static void test_churn_against_model(void **state)
{
	enum { N = 512 };
	struct fdb *t = fdb_new(N, 300 * S);
	int32_t model[N];
	uint64_t x = 99;

	(void)state;
	for (int i = 0; i < N; i++)
		model[i] = -1;
	for (int step = 0; step < 200000; step++) {
		int k;

		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		k = (int)((x >> 33) % N);
		if ((x >> 20) % 3 == 0) {
			assert_int_equal(fdb_del(t, 0x020000000000ULL + (uint64_t)k * 7919, 1),
					 model[k] >= 0 ? 0 : -ENOENT);
			model[k] = -1;
		} else {
			int32_t port = (int32_t)((x >> 10) % 8);

			fdb_learn(t, 0x020000000000ULL + (uint64_t)k * 7919, 1, port, 0);
			model[k] = port;
		}
		if (step % 1000 == 0) {
			uint32_t live = 0;

			for (int i = 0; i < N; i++) {
				assert_int_equal(fdb_lookup(t, 0x020000000000ULL + (uint64_t)i * 7919, 1, 0),
						 model[i]);
				live += model[i] >= 0;
			}
			assert_int_equal(fdb_count(t), live);
		}
	}
	fdb_free(t);
}

static void test_snapshot_sorted(void **state)
{
	struct fdb *t = fdb_new(16, 300 * S);
	struct fdb_entry *v;
	uint32_t n;

	(void)state;
	fdb_learn(t, 0x525400000003ULL, 1, 1, 0);
	fdb_learn(t, 0x525400000001ULL, 20, 1, 0);
	fdb_learn(t, 0x525400000001ULL, 10, 1, 0);
	n = fdb_snapshot(t, 5 * S, &v);
	assert_int_equal(n, 3);
	assert_int_equal(fdb_key_mac(v[0].key), 0x525400000001ULL);
	assert_int_equal(fdb_key_vid(v[0].key), 10);
	assert_int_equal(fdb_key_vid(v[1].key), 20);
	assert_int_equal(fdb_key_mac(v[2].key), 0x525400000003ULL);
	free(v);
	fdb_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_learn_lookup_vlan),
		cmocka_unit_test(test_ageing),
		cmocka_unit_test(test_full_and_static),
		cmocka_unit_test(test_churn_against_model),
		cmocka_unit_test(test_snapshot_sorted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * FDB: open-addressing hash table with linear probing and backward-shift
 * deletion (no tombstones, so lookups stay short after churn). The slot
 * array has a power-of-two size at least twice max_entries.
 */
#include "fdb.h"
#include "util.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct fdb {
	struct fdb_entry *slots;
	uint32_t mask;
	uint32_t count;
	uint32_t max;
	uint32_t full;          /* the slots max entries need: the table doubles
				 * up to it as entries come (a bridge that learns
				 * ten MACs holds a table for ten) */
	uint64_t ageing;
};

#define FDB_FIRST_SLOTS 16u

struct fdb *fdb_new(uint32_t max_entries, uint64_t ageing_ns)
{
	struct fdb *t = xcalloc(1, sizeof(*t));
	uint32_t size = FDB_FIRST_SLOTS;

	/* The loader refuses other values with file:line (bridge max_entries). */
	assert(max_entries > 0 && max_entries <= FDB_MAX_ENTRIES_LIMIT);
	while (size < 2 * max_entries)
		size *= 2;
	t->full = size;
	size = MIN(size, FDB_FIRST_SLOTS);
	t->slots = xcalloc(size, sizeof(*t->slots));
	t->mask = size - 1;
	t->max = max_entries;
	t->ageing = ageing_ns;
	return t;
}

void fdb_free(struct fdb *t)
{
	if (t == NULL)
		return;
	free(t->slots);
	free(t);
}

uint32_t fdb_max(const struct fdb *t) { return t->max; }
uint64_t fdb_ageing(const struct fdb *t) { return t->ageing; }
void fdb_set_ageing(struct fdb *t, uint64_t ageing_ns) { t->ageing = ageing_ns; }
uint32_t fdb_count(const struct fdb *t) { return t->count; }

static inline uint32_t slot_of(const struct fdb *t, uint64_t key)
{
	return (uint32_t)((key * 0x9e3779b97f4a7c15ULL) >> 32) & t->mask;
}

/* Room for one more entry: the table doubles while it is over half full
 * and below its full size. The order of the slots changes; nothing shows
 * it (fdb_snapshot sorts). */
static void make_room(struct fdb *t)
{
	uint32_t size = t->mask + 1;
	struct fdb_entry *old = t->slots;

	if ((t->count + 1) * 2 <= size || size >= t->full)
		return;
	t->slots = xcalloc((size_t)size * 2, sizeof(*t->slots));
	t->mask = size * 2 - 1;
	for (uint32_t i = 0; i < size; i++) {
		uint32_t j;

		if (old[i].key == 0)
			continue;
		for (j = slot_of(t, old[i].key); t->slots[j].key != 0; j = (j + 1) & t->mask)
			;
		t->slots[j] = old[i];
	}
	free(old);
}

/* Index of key, or of the empty slot where it would go. */
static inline uint32_t probe(const struct fdb *t, uint64_t key)
{
	uint32_t i = slot_of(t, key);

	while (t->slots[i].key != 0 && t->slots[i].key != key)
		i = (i + 1) & t->mask;
	return i;
}

static inline bool expired(const struct fdb *t, const struct fdb_entry *e, uint64_t now)
{
	return !e->is_static && now - e->last_seen >= t->ageing && now >= e->last_seen;
}

static void remove_at(struct fdb *t, uint32_t i)
{
	uint32_t j = i;

	/* Backward shift: move later members of the cluster into the hole when
	 * their home slot does not lie cyclically in (i, j]. */
	for (;;) {
		uint32_t home;

		j = (j + 1) & t->mask;
		if (t->slots[j].key == 0)
			break;
		home = slot_of(t, t->slots[j].key);
		if (((j - home) & t->mask) >= ((j - i) & t->mask)) {
			t->slots[i] = t->slots[j];
			i = j;
		}
	}
	memset(&t->slots[i], 0, sizeof(t->slots[i]));
	t->count--;
}

enum fdb_learn_result fdb_learn(struct fdb *t, uint64_t mac, uint16_t vid, int32_t port,
				uint64_t now)
{
	uint64_t key;
	uint32_t i;
	struct fdb_entry *e;

	if (mac == 0 || (mac & (1ULL << 40)))
		return FDB_NOT_LEARNED;
	key = fdb_key(mac, vid);
	i = probe(t, key);
	e = &t->slots[i];
	if (e->key == key) {
		if (e->is_static)
			return e->port == port ? FDB_REFRESHED : FDB_NOT_LEARNED;
		if (expired(t, e, now) || e->port != port) {
			bool moved = !expired(t, e, now);

			e->port = port;
			e->last_seen = now;
			return moved ? FDB_MOVED : FDB_LEARNED;
		}
		e->last_seen = now;
		return FDB_REFRESHED;
	}
	if (t->count >= t->max)
		return FDB_TABLE_FULL;
	make_room(t);
	e = &t->slots[probe(t, key)];
	e->key = key;
	e->port = port;
	e->last_seen = now;
	e->is_static = 0;
	t->count++;
	return FDB_LEARNED;
}

int32_t fdb_lookup(struct fdb *t, uint64_t mac, uint16_t vid, uint64_t now)
{
	uint64_t key = fdb_key(mac, vid);
	const struct fdb_entry *e = &t->slots[probe(t, key)];

	if (e->key != key || expired(t, e, now))
		return -1;
	return e->port;
}

bool fdb_get(struct fdb *t, uint64_t mac, uint16_t vid, uint64_t now, struct fdb_entry *out)
{
	uint64_t key = fdb_key(mac, vid);
	const struct fdb_entry *e = &t->slots[probe(t, key)];

	if (e->key != key || expired(t, e, now))
		return false;
	*out = *e;
	return true;
}

int fdb_add_static(struct fdb *t, uint64_t mac, uint16_t vid, int32_t port)
{
	uint64_t key;
	uint32_t i;

	if (mac == 0 || (mac & (1ULL << 40)))
		return -EINVAL;
	key = fdb_key(mac, vid);
	i = probe(t, key);
	if (t->slots[i].key != key) {
		if (t->count >= t->max)
			return -ENOSPC;
		make_room(t);
		i = probe(t, key);
		t->count++;
	}
	t->slots[i] = (struct fdb_entry){ .key = key, .port = port, .is_static = 1 };
	return 0;
}

int fdb_del(struct fdb *t, uint64_t mac, uint16_t vid)
{
	uint64_t key = fdb_key(mac, vid);
	uint32_t i = probe(t, key);

	if (t->slots[i].key != key)
		return -ENOENT;
	remove_at(t, i);
	return 0;
}

/* Removes every entry for which `doomed` holds. Restarts the scan at the
 * same slot after a removal, since backward shift may move an unvisited
 * entry into it; entries that wrap around the end may be visited twice,
 * which is harmless. */
static uint32_t remove_if(struct fdb *t, bool (*doomed)(const struct fdb *, const struct fdb_entry *,
							const void *), const void *ctx)
{
	uint32_t removed = 0;

	for (uint32_t i = 0; i <= t->mask; i++) {
		while (t->slots[i].key != 0 && doomed(t, &t->slots[i], ctx)) {
			remove_at(t, i);
			removed++;
		}
	}
	return removed;
}

struct flush_ctx {
	int32_t port;
	bool statics;
};

static bool flush_doomed(const struct fdb *t, const struct fdb_entry *e, const void *arg)
{
	const struct flush_ctx *c = arg;

	(void)t;
	return (c->port < 0 || e->port == c->port) && (c->statics || !e->is_static);
}

uint32_t fdb_flush(struct fdb *t, int32_t port, bool statics)
{
	struct flush_ctx c = { port, statics };

	return remove_if(t, flush_doomed, &c);
}

static bool age_doomed(const struct fdb *t, const struct fdb_entry *e, const void *arg)
{
	return expired(t, e, *(const uint64_t *)arg);
}

uint32_t fdb_age(struct fdb *t, uint64_t now)
{
	return remove_if(t, age_doomed, &now);
}

static int entry_cmp(const void *a, const void *b)
{
	const struct fdb_entry *x = a, *y = b;
	uint64_t mx = fdb_key_mac(x->key), my = fdb_key_mac(y->key);

	if (mx != my)
		return mx < my ? -1 : 1;
	return (int)fdb_key_vid(x->key) - (int)fdb_key_vid(y->key);
}

uint32_t fdb_snapshot(struct fdb *t, uint64_t now, struct fdb_entry **out)
{
	struct fdb_entry *v = xcalloc(t->count ? t->count : 1, sizeof(*v));
	uint32_t n = 0;

	for (uint32_t i = 0; i <= t->mask; i++) {
		const struct fdb_entry *e = &t->slots[i];

		if (e->key != 0 && !expired(t, e, now))
			v[n++] = *e;
	}
	qsort(v, n, sizeof(*v), entry_cmp);
	*out = v;
	return n;
}

/*
 * Forwarding database (MAC table) of a learning bridge.
 *
 * The table never knows what a port is: ports are small integers chosen by
 * the bridge. Keys are (MAC, VLAN id) packed into one uint64_t; lookups
 * are O(1) (open addressing, linear probing, load at most 1/2). Multicast
 * and all-zero source MACs are never learned. An entry older than the
 * ageing time is a miss even before the ager removes it. The size limit
 * is hard: learning a new key when the table is full fails with
 * FDB_TABLE_FULL and the caller counts it.
 *
 * Ageing 0 follows Linux: learned entries expire at once, so the bridge
 * floods every unicast frame (it behaves like a hub); static entries stay.
 */
#ifndef QNETSIM_FDB_H
#define QNETSIM_FDB_H

#include <stdbool.h>
#include <stdint.h>

#define FDB_MAX_ENTRIES_LIMIT (1u << 20)
#define FDB_DEFAULT_MAX 4096u
#define FDB_DEFAULT_AGEING (300ULL * 1000000000ULL)

struct fdb_entry {
	uint64_t key;           /* 0: empty slot */
	uint64_t last_seen;     /* ns */
	int32_t port;
	uint8_t is_static;
};

static inline uint64_t fdb_key(uint64_t mac, uint16_t vid)
{
	return (mac << 12) | (vid & 0xfff);
}
static inline uint64_t fdb_key_mac(uint64_t key) { return key >> 12; }
static inline uint16_t fdb_key_vid(uint64_t key) { return key & 0xfff; }

enum fdb_learn_result {
	FDB_LEARNED,            /* new entry */
	FDB_REFRESHED,          /* known on the same port; age reset */
	FDB_MOVED,              /* known on another port; moved */
	FDB_NOT_LEARNED,        /* multicast or zero source, or static elsewhere */
	FDB_TABLE_FULL,         /* new entry but no room */
};

struct fdb;

struct fdb *fdb_new(uint32_t max_entries, uint64_t ageing_ns);
void fdb_free(struct fdb *t);
uint32_t fdb_max(const struct fdb *t);
uint64_t fdb_ageing(const struct fdb *t);
void fdb_set_ageing(struct fdb *t, uint64_t ageing_ns);
uint32_t fdb_count(const struct fdb *t);

enum fdb_learn_result fdb_learn(struct fdb *t, uint64_t mac, uint16_t vid, int32_t port,
				uint64_t now);
/* The port for (mac, vid), or -1 on a miss (absent or expired). */
int32_t fdb_lookup(struct fdb *t, uint64_t mac, uint16_t vid, uint64_t now);
/* Copies the live entry into *e; false on a miss. */
bool fdb_get(struct fdb *t, uint64_t mac, uint16_t vid, uint64_t now, struct fdb_entry *e);

/* Static entries never age and are never moved by learning.
 * Return 0, -ENOSPC when full, -EINVAL for a multicast or zero MAC. */
int fdb_add_static(struct fdb *t, uint64_t mac, uint16_t vid, int32_t port);
int fdb_del(struct fdb *t, uint64_t mac, uint16_t vid);  /* 0 or -ENOENT */

/* Removes dynamic entries on `port` (-1: every port); statics too when
 * asked. Returns how many were removed. */
uint32_t fdb_flush(struct fdb *t, int32_t port, bool statics);
/* Removes expired dynamic entries. Returns how many. */
uint32_t fdb_age(struct fdb *t, uint64_t now);

/* A sorted copy (by MAC, then VLAN) of the live entries; caller frees. */
uint32_t fdb_snapshot(struct fdb *t, uint64_t now, struct fdb_entry **out);

#endif

/*
 * Small helpers every module uses: allocation that never fails visibly,
 * container_of, fatal() for what the environment cannot give, logging.
 *
 * Three tiers of errors (style.md): assert() for our bugs, x*alloc that die
 * on out-of-memory, and -1 plus a message buffer for anything the user or
 * the environment can cause.
 */
#ifndef QNETSIM_UTIL_H
#define QNETSIM_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdarg.h>
#include <string.h>

#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define NS_PER_US UINT64_C(1000)
#define NS_PER_MS UINT64_C(1000000)
#define NS_PER_SEC UINT64_C(1000000000)

/* Size of the message buffers passed to fallible functions. */
#define ERRLEN 256

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t n);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t nmemb, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* "a.b", a copy: a port's name from its node's and its own (a loader of
 * 100,000 guests makes 200,000; xasprintf costs ten times as much). */
char *name_join(const char *a, const char *b);
/* v in decimal after prefix, into buf (at least strlen(prefix) + 11
 * bytes): "nic0", "12", without a printf per port. Returns buf. */
char *name_num(char *buf, const char *prefix, uint32_t v);
/* path, relative to the directory `file` is in (a copy): a path from a
 * topology is relative to the topology's file. Absolute paths, and any path
 * when file has no directory part, are returned as they are. */
char *path_beside(const char *file, const char *path);
int xasprintf(char **out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Dies with a message: for what the environment cannot give and no one
 * can recover from (out of memory, epoll itself failing). Our own bugs
 * are assert()s; what a user or a peer can cause is -1 with a message. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Runs before fatal() prints: the TUI restores the terminal there. */
void fatal_set_hook(void (*hook)(void));

/* Fills an error buffer of ERRLEN bytes; returns -1 so callers can
 * "return errf(err, ...)". The buffer may be one of the arguments
 * (errf(err, "queue: %s", err)). */
int errf(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Debug log: goes to the file opened by log_open (-v), never to a terminal. */
void log_open(const char *path);
void log_close(void);
/* The log file's path, NULL when not logging. */
const char *log_path(void);
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parsing helpers shared by the topology loader and the commands.
 * All return 0 on success, -1 with a message in err. */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *err);
int parse_duration(const char *s, uint64_t *ns, char *err);   /* 5ms, 2.5s, 100us, 7 (s) */
int parse_rate(const char *s, uint64_t *bps, char *err);      /* 10M, 1G, 64k, 1500 (bit/s) */
/* A size in bytes: 4096, 64k, 16M, 1G (powers of 1024; KiB, MiB, GiB too). */
int parse_size(const char *s, uint64_t max, uint64_t *bytes, char *err);
int parse_percent(const char *s, double *frac, char *err);    /* 1%, 0.5%, 0.01 */
int parse_bool(const char *s, bool *out, char *err);          /* on/off, yes/no, true/false, 1/0 */
int parse_mac(const char *s, uint8_t mac[6]);                 /* 52:54:00:12:34:56 or 52-54-... */
int parse_ipv4(const char *s, uint32_t *ip);                  /* host byte order */
int parse_ipv4_prefix(const char *s, uint32_t *ip, int *prefix); /* 10.0.0.1/24 or .../255.255.255.0 */

/* Formatting helpers: write into caller's buffer, return it. */
char *fmt_mac(const uint8_t mac[6], char buf[18]);
char *fmt_ipv4(uint32_t ip, char buf[16]);
char *fmt_duration(uint64_t ns, char *buf, size_t len);       /* "1.500s", "250ms" */
char *fmt_rate(uint64_t bps, char *buf, size_t len);          /* "10Mbit/s" */

static inline uint64_t mac_to_u64(const uint8_t m[6])
{
	return ((uint64_t)m[0] << 40) | ((uint64_t)m[1] << 32) | ((uint64_t)m[2] << 24) |
	       ((uint64_t)m[3] << 16) | ((uint64_t)m[4] << 8) | (uint64_t)m[5];
}

static inline void u64_to_mac(uint64_t v, uint8_t m[6])
{
	for (int i = 5; i >= 0; i--) {
		m[i] = v & 0xff;
		v >>= 8;
	}
}

static inline bool mac_is_multicast(const uint8_t m[6]) { return m[0] & 1; }
static inline bool mac_is_broadcast(const uint8_t m[6])
{
	return (m[0] & m[1] & m[2] & m[3] & m[4] & m[5]) == 0xff;
}
/* Two MACs the same: two loads each, not a call to memcmp (a hub's
 * flood asks it of every receiving port). */
static inline bool mac_equal(const uint8_t a[6], const uint8_t b[6])
{
	uint32_t a4, b4;
	uint16_t a2, b2;

	memcpy(&a4, a, 4);
	memcpy(&b4, b, 4);
	memcpy(&a2, a + 4, 2);
	memcpy(&b2, b + 4, 2);
	return a4 == b4 && a2 == b2;
}
static inline bool mac_is_zero(const uint8_t m[6])
{
	return (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]) == 0;
}

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void wr16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; }
static inline void wr32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = (v >> 16) & 0xff; p[2] = (v >> 8) & 0xff; p[3] = v & 0xff;
}
static inline uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) << 32 | rd32(p + 4); }
static inline void wr64(uint8_t *p, uint64_t v) { wr32(p, (uint32_t)(v >> 32)); wr32(p + 4, (uint32_t)v); }

/* Splits a QEMU-style "key=value,key=value" string in place. ",," is a
 * literal comma, as in QEMU. Returns the number of pairs, or -1 with err
 * when there are more than max. A bare word gives key=word, value=NULL. */
struct kv {
	char *key;
	char *val;
};
int kv_split(char *s, struct kv *kv, int max, char *err);

/* Splits a command line into words in place (whitespace separated,
 * "double quotes" group). Returns argc, or -1 when over max. */
int split_words(char *s, char **argv, int max);

/* Room for one more element in a growing array: arr holds cap elements,
 * n used; it doubles (from 4) when full. Idle parts of a topology then
 * hold no room they do not use. */
#define VEC_RESERVE(arr, n, cap)                                                    \
	do {                                                                        \
		if ((n) >= (cap)) {                                                 \
			(cap) = (cap) ? (cap) * 2 : 4;                              \
			(arr) = xreallocarray((arr), (size_t)(cap), sizeof(*(arr)));\
		}                                                                   \
	} while (0)

/* A string -> pointer hash map (open addressing). Keys are not copied:
 * they must live as long as the map (node and port names do). */
struct strmap {
	const char **keys;
	void **vals;
	uint32_t *hashes;       /* each key's: a probe compares strings only when
				 * hashes match (a miss reads no other key) */
	uint32_t mask, count;
};
void strmap_init(struct strmap *m);
void strmap_free(struct strmap *m);
void *strmap_get(const struct strmap *m, const char *key);
void strmap_put(struct strmap *m, const char *key, void *val);
/* Room for n keys in all, made at once (one rehash, not one per doubling). */
void strmap_reserve(struct strmap *m, uint32_t n);

#endif

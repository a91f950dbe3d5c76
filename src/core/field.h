/*
 * Named values, written once. Each kind of object (a port, a bridge, a
 * netdev, a served VDE switch) keeps one table of the values it shows:
 * expectations read them by name (`br0.flooded == 3`), the JSON report
 * writes them, `info` and the UI print them, and the error for an unknown
 * name lists them. Adding a counter to all four is one line in a table.
 *
 *   static const struct field bridge_fields[] = {
 *           FIELD_U64(struct bridge, "frames", st.frames, 0),
 *           FIELD_FN("flooded", bridge_flooded, FIELD_NOREPORT),
 *   };
 *
 * A field reads its object at an offset (counters) or through a getter
 * (values computed from several, or text). The object is whatever the
 * table's owner passes as `obj`: the table and its callers agree on it.
 */
#ifndef QNETSIM_FIELD_H
#define QNETSIM_FIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A value as an expectation compares it: a number (with its text form) or
 * text. Text is one line: control characters become spaces. */
struct value {
	bool numeric;
	double num;
	char str[8192];         /* text values: a command's output is matched in its first 8 KiB */
};

void value_num(struct value *v, double n);
void value_str(struct value *v, const char *s);
/* An IPv4 address as text ("10.0.0.1"); 0 is none. */
void value_ipv4(struct value *v, uint32_t addr);

enum field_type {
	FIELD_TYPE_U64,         /* uint64_t at off */
	FIELD_TYPE_U32,         /* uint32_t at off */
	FIELD_TYPE_STR,         /* char * at off: text, NULL is "none"; the report keeps
				 * its line breaks, expectations see one line */
	FIELD_TYPE_GET,         /* get(obj, v) */
};

enum {
	FIELD_NOREPORT = 1 << 0,        /* not a key of the report's object (derived) */
	FIELD_NOINFO = 1 << 1,          /* not in info's counter line */
	FIELD_TEXT = 1 << 2,            /* get gives text ("none" is JSON null) */
	FIELD_GOOD = 1 << 3,            /* counts normal events, not trouble (the UI's colour) */
	FIELD_PEER = 1 << 4,            /* about a peer: the UI shows it even at 0, unless
					 * the object has no peers (a peerless back-end) */
};

struct field {
	const char *name;
	enum field_type type;
	size_t off;
	void (*get)(const void *obj, struct value *v);
	unsigned flags;
};

#define FIELD_U64(type, name, member, flags) \
	{ name, FIELD_TYPE_U64, offsetof(type, member), NULL, flags }
#define FIELD_U32(type, name, member, flags) \
	{ name, FIELD_TYPE_U32, offsetof(type, member), NULL, flags }
#define FIELD_STR(type, name, member, flags) \
	{ name, FIELD_TYPE_STR, offsetof(type, member), NULL, flags | FIELD_TEXT }
#define FIELD_FN(name, fn, flags) { name, FIELD_TYPE_GET, 0, fn, flags }

/* A kind of object's table, as its owner exports it. */
struct field_table {
	const struct field *f;
	size_t n;
};

/* The field named name, or NULL. */
const struct field *field_find(const struct field *t, size_t n, const char *name);
/* Its value for obj. */
void field_get(const struct field *f, const void *obj, struct value *v);
/* A counter's value (FIELD_TYPE_U64 or FIELD_TYPE_U32 only). */
uint64_t field_u64(const struct field *f, const void *obj);
/* Every field of t but FIELD_NOREPORT ones as keys of the JSON object o:
 * counters as integers, numbers as integers when whole, text as strings,
 * "none" as null. */
struct json_t;
void fields_json(struct json_t *o, const struct field_table *t, const void *obj);
/* "a, b, c": the names, for errors and help. */
void field_names(const struct field *t, size_t n, char *buf, size_t len);
/* The value of obj's field name, which t must have (asserted), in a
 * static buffer that the next call reuses. */
const struct value *field_value(const struct field_table *t, const void *obj, const char *name);
/* The field of t named name, or NULL. */
static inline const struct field *field_in(const struct field_table *t, const char *name)
{
	return field_find(t->f, t->n, name);
}

#endif

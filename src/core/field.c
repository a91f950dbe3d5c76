/*
 * Named values (field.h): lookup, reading and the list of names.
 */
#include "field.h"
#include "util.h"

#include <assert.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

void value_num(struct value *v, double n)
{
	v->numeric = true;
	v->num = n;
	if (n == floor(n) && fabs(n) < 1e15)
		snprintf(v->str, sizeof(v->str), "%.0f", n);
	else
		snprintf(v->str, sizeof(v->str), "%.3f", n);
}

void value_str(struct value *v, const char *s)
{
	size_t n = 0;

	v->numeric = false;
	while (n < sizeof(v->str) - 1 && s[n] != '\0') {
		/* One line in reports: control characters become spaces. */
		v->str[n] = (unsigned char)s[n] < 32 ? ' ' : s[n];
		n++;
	}
	v->str[n] = '\0';
}

void value_ipv4(struct value *v, uint32_t addr)
{
	char ip[16];

	value_str(v, addr ? fmt_ipv4(addr, ip) : "none");
}

const struct field *field_find(const struct field *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	return NULL;
}

uint64_t field_u64(const struct field *f, const void *obj)
{
	uint64_t v;
	uint32_t v32;

	if (f->type == FIELD_TYPE_U32) {
		memcpy(&v32, (const char *)obj + f->off, sizeof(v32));
		return v32;
	}
	memcpy(&v, (const char *)obj + f->off, sizeof(v));
	return v;
}

static const char *field_text(const struct field *f, const void *obj)
{
	const char *s;

	memcpy(&s, (const char *)obj + f->off, sizeof(s));
	return s;
}

void field_get(const struct field *f, const void *obj, struct value *v)
{
	switch (f->type) {
	case FIELD_TYPE_U64:
	case FIELD_TYPE_U32:
		value_num(v, (double)field_u64(f, obj));
		break;
	case FIELD_TYPE_STR:
		value_str(v, field_text(f, obj) ?: "none");
		break;
	case FIELD_TYPE_GET:
		f->get(obj, v);
		break;
	}
}

const struct value *field_value(const struct field_table *t, const void *obj, const char *name)
{
	static struct value v;
	const struct field *f = field_find(t->f, t->n, name);

	assert(f != NULL);
	field_get(f, obj, &v);
	return &v;
}

void fields_json(json_t *o, const struct field_table *ft, const void *obj)
{
	const struct field *t = ft->f;

	for (size_t i = 0; i < ft->n; i++) {
		struct value v;
		const char *s;

		if (t[i].flags & FIELD_NOREPORT)
			continue;
		switch (t[i].type) {
		case FIELD_TYPE_U64:
		case FIELD_TYPE_U32:
			json_object_set_new(o, t[i].name, json_integer((json_int_t)field_u64(&t[i], obj)));
			continue;
		case FIELD_TYPE_STR:
			/* Text that is not UTF-8 (a command's output) is null. */
			s = field_text(&t[i], obj);
			json_object_set_new(o, t[i].name, (s ? json_string(s) : NULL) ?: json_null());
			continue;
		case FIELD_TYPE_GET:
			break;
		}
		field_get(&t[i], obj, &v);
		if (v.numeric)
			json_object_set_new(o, t[i].name, v.num == (double)(json_int_t)v.num ?
					    json_integer((json_int_t)v.num) : json_real(v.num));
		else
			json_object_set_new(o, t[i].name, strcmp(v.str, "none") ?
					    json_string(v.str) : json_null());
	}
}

void field_names(const struct field *t, size_t n, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "", t[i].name);
}

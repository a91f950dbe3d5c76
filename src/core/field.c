/*
 * Named values (field.h): lookup, reading and the list of names.
 */
#include "field.h"

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

	memcpy(&v, (const char *)obj + f->off, sizeof(v));
	return v;
}

void field_get(const struct field *f, const void *obj, struct value *v)
{
	if (f->type == FIELD_TYPE_U64)
		value_num(v, (double)field_u64(f, obj));
	else
		f->get(obj, v);
}

void field_names(const struct field *t, size_t n, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "", t[i].name);
}

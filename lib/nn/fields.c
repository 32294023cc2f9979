#include "nn/fields.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "base/num.h"

void fields_add(struct fields *f, const char *key, const char *value)
{
	grow_array(&f->line, &f->cap, (size_t)f->n + 1, sizeof *f->line);
	f->line[f->n++] = (struct field_line){ xstrdup(key), xstrdup(value) };
}

const char *fields_find(const struct fields *f, const char *key)
{
	for (int i = 0; i < f->n; i++)
		if (strcmp(f->line[i].key, key) == 0)
			return f->line[i].value;
	return NULL;
}

void fields_free(struct fields *f)
{
	for (int i = 0; i < f->n; i++) {
		free(f->line[i].key);
		free(f->line[i].value);
	}
	free(f->line);
	free(f->source);
	*f = (struct fields){ 0 };
}

static int numbers(const struct field *d)
{
	return d->count > 0 ? d->count : 1;
}

size_t field_size(const struct field *d)
{
	switch (d->type) {
	case FIELD_BOOL: return sizeof(bool);
	case FIELD_INT:
	case FIELD_ENUM: return sizeof(int);
	case FIELD_LONG: return sizeof(long);
	case FIELD_ULONG: return sizeof(unsigned long);
	case FIELD_FLOAT: return (size_t)numbers(d) * sizeof(float);
	case FIELD_DOUBLE: return (size_t)numbers(d) * sizeof(double);
	case FIELD_STRING: return (size_t)d->count;
	}
	return 0;
}

/* The fewest digits that read back (as fields_get reads them) as v, a
 * float's value when single: "0.1" for 0.1f, not "0.100000001"; and no
 * exponent that only the number's size would bring: "30", not "3e+01". */
static void number_text(double v, bool single, char *buf, size_t size)
{
	int digits = 1;
	for (double back;; digits++) {
		snprintf(buf, size, "%.*e", digits - 1, v);
		if (digits == (single ? 9 : 17) ||
		    (scan_number(buf, &back) == NUMBER_OK && (single ? (float)back == (float)v : back == v)))
			break;
	}
	const char *e = strchr(buf, 'e');
	int exponent = e ? atoi(e + 1) : 0;
	if (exponent >= digits && exponent < 17)
		digits = exponent + 1;
	snprintf(buf, size, "%.*g", digits, v);
}

/* The bytes field_text needs at most. */
static size_t text_size(const struct field *d)
{
	if (d->type == FIELD_STRING)
		return (size_t)d->count;
	if (d->type == FIELD_ENUM)
		return strlen(d->names[*(const int *)d->value]) + 1;
	return (size_t)numbers(d) * 32;
}

void field_text(const struct field *d, char *buf, size_t size)
{
	switch (d->type) {
	case FIELD_BOOL: snprintf(buf, size, "%d", *(const bool *)d->value); return;
	case FIELD_INT: snprintf(buf, size, "%d", *(const int *)d->value); return;
	case FIELD_LONG: snprintf(buf, size, "%ld", *(const long *)d->value); return;
	case FIELD_ULONG: snprintf(buf, size, "%lu", *(const unsigned long *)d->value); return;
	case FIELD_ENUM: snprintf(buf, size, "%s", d->names[*(const int *)d->value]); return;
	case FIELD_STRING: snprintf(buf, size, "%s", (const char *)d->value); return;
	case FIELD_FLOAT:
	case FIELD_DOUBLE:
		break;
	}
	size_t at = 0;
	for (int i = 0; i < numbers(d) && at + 1 < size; i++) {
		double v = d->type == FIELD_FLOAT ? ((const float *)d->value)[i]
						  : ((const double *)d->value)[i];
		if (i)
			buf[at++] = ',';
		number_text(v, d->type == FIELD_FLOAT, buf + at, size - at);
		at += strlen(buf + at);
	}
}

void fields_put(struct fields *f, const struct field *d)
{
	size_t size = text_size(d);
	char *text = xmalloc(size);
	field_text(d, text, size);
	fields_add(f, d->key, text);
	free(text);
}

/* An integer of [min, max] filling s. */
static bool parse_integer(const char *s, long long min, long long max, long long *v)
{
	char *end;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return (s[0] == '-' || (s[0] >= '0' && s[0] <= '9')) && !errno && !*end && *v >= min &&
	       *v <= max;
}

static bool parse_ulong(const char *s, unsigned long *v)
{
	char *end;
	errno = 0;
	unsigned long long u = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || errno || *end || u > ULONG_MAX)
		return false;
	*v = (unsigned long)u;
	return true;
}

/* The count numbers of s, separated by commas, into d's variable. */
static bool parse_numbers(const struct field *d, const char *s)
{
	int n = numbers(d);
	double *v = xmalloc((size_t)n * sizeof *v);
	bool ok = true;
	for (int i = 0; i < n && ok; i++) {
		size_t len = strcspn(s, ",");
		char *one = xmalloc(len + 1);
		memcpy(one, s, len);
		one[len] = 0;
		ok = scan_number(one, &v[i]) == NUMBER_OK && (i + 1 < n ? s[len] == ',' : !s[len]);
		free(one);
		s += len + 1;
	}
	for (int i = 0; i < n && ok; i++)
		if (d->type == FIELD_FLOAT)
			((float *)d->value)[i] = (float)v[i];
		else
			((double *)d->value)[i] = v[i];
	free(v);
	return ok;
}

static bool parse_enum(const struct field *d, const char *s)
{
	for (int i = 0; i < d->count; i++)
		if (strcmp(s, d->names[i]) == 0) {
			*(int *)d->value = i;
			return true;
		}
	return false;
}

/* s as d's type into d's variable: false, the variable unchanged, when
 * it is not one. */
static bool parse(const struct field *d, const char *s)
{
	long long v;
	switch (d->type) {
	case FIELD_BOOL:
		if (strcmp(s, "0") != 0 && strcmp(s, "1") != 0)
			return false;
		*(bool *)d->value = s[0] == '1';
		return true;
	case FIELD_INT:
		if (!parse_integer(s, INT_MIN, INT_MAX, &v))
			return false;
		*(int *)d->value = (int)v;
		return true;
	case FIELD_LONG:
		if (!parse_integer(s, LONG_MIN, LONG_MAX, &v))
			return false;
		*(long *)d->value = (long)v;
		return true;
	case FIELD_ULONG: return parse_ulong(s, d->value);
	case FIELD_FLOAT:
	case FIELD_DOUBLE: return parse_numbers(d, s);
	case FIELD_ENUM: return parse_enum(d, s);
	case FIELD_STRING:
		if (strlen(s) >= (size_t)d->count)
			return false;
		strcpy(d->value, s);
		return true;
	}
	return false;
}

/* What a value of d's type is, for the error about one that is not. */
static void expected(const struct field *d, char *buf, size_t size)
{
	static const char *const what[] = {
		[FIELD_BOOL] = "0 or 1", [FIELD_INT] = "an integer", [FIELD_LONG] = "an integer",
		[FIELD_ULONG] = "an integer of 0 or more",
	};
	size_t at = 0;
	switch (d->type) {
	case FIELD_FLOAT:
	case FIELD_DOUBLE:
		if (numbers(d) == 1)
			snprintf(buf, size, "a number");
		else
			snprintf(buf, size, "%d numbers separated by commas", numbers(d));
		return;
	case FIELD_ENUM:
		at = (size_t)snprintf(buf, size, "one of");
		for (int i = 0; i < d->count && at < size; i++)
			at += (size_t)snprintf(buf + at, size - at, "%s %s", i ? "," : "", d->names[i]);
		return;
	case FIELD_STRING:
		snprintf(buf, size, "a text of fewer than %d bytes", d->count);
		return;
	default:
		snprintf(buf, size, "%s", what[d->type]);
	}
}

/* "SOURCE: " of f's messages, or nothing for lines built. */
static const char *source(const struct fields *f, char *buf, size_t size)
{
	snprintf(buf, size, "%.200s%s", f->source ? f->source : "", f->source ? ": " : "");
	return buf;
}

int fields_refuse(const struct fields *f, const char *key, const char *what, char *err)
{
	char from[210];
	const char *text = fields_find(f, key);
	snprintf(err, ERRLEN, "%sits header's %.60s is '%.60s', not %.200s", source(f, from, sizeof from),
		 key, text ? text : "", what);
	return -1;
}

int fields_get(const struct fields *f, const struct field *d, char *err)
{
	const char *text = fields_find(f, d->key);
	char from[210], what[200];
	if (!text) {
		snprintf(err, ERRLEN, "%sits header lacks %.100s", source(f, from, sizeof from), d->key);
		return -1;
	}
	if (parse(d, text))
		return 0;
	expected(d, what, sizeof what);
	return fields_refuse(f, d->key, what, err);
}

#include "io/counts.h"

#include <errno.h>
#include <stdlib.h>

#include "base/err.h"
#include "base/mem.h"
#include "io/tsv.h"

/* The number of class name, added with 0 images when new. */
static size_t class_at(struct counts *c, const char *name, long line)
{
	size_t before = c->names.n, k = strmap_add(&c->names, name);
	if (k == before) {
		grow_array(&c->class, &c->cap, k + 1, sizeof *c->class);
		c->class[k] = (struct class_count){ 0, line };
	}
	return k;
}

void counts_add_manifest(struct counts *c, const char *path, size_t field)
{
	struct tsv_reader r;
	tsv_open(&r, path);
	c->path = r.name;
	while (tsv_next(&r)) {
		size_t k = class_at(c, tsv_class(&r, field), r.line); /* may move c->class */
		c->class[k].n++;
	}
	tsv_close(&r);
}

static long parse_count(const struct tsv_reader *r)
{
	const char *s = r->f[1].s;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > COUNTS_MAX)
		die_at(r->name, r->line, "'%s' is not a count of images (0 to %ld)", s, COUNTS_MAX);
	return v;
}

void counts_add_file(struct counts *c, const char *path)
{
	struct tsv_reader r;
	tsv_open(&r, path);
	c->path = r.name;
	while (tsv_next(&r)) {
		tsv_want_fields(&r, 2, 2);
		size_t k = class_at(c, tsv_class(&r, 1), r.line);
		long v = parse_count(&r);
		if (v > COUNTS_MAX - c->class[k].n)
			die_at(r.name, r.line, "class '%s' adds up to more than %ld images",
			       c->names.key[k], COUNTS_MAX);
		c->class[k].n += v;
	}
	tsv_close(&r);
}

void counts_free(struct counts *c)
{
	strmap_free(&c->names);
	free(c->class);
}

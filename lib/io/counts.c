#include "io/counts.h"

#include <errno.h>
#include <stdlib.h>

#include "base/err.h"
#include "base/mem.h"
#include "io/input.h"
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

/* The reader's error as c's, the reader closed; returns -1. */
static int fail_from(struct counts *c, struct tsv_reader *r)
{
	c->err = r->err;
	tsv_close(r);
	return -1;
}

/* A manifest's line: one image of the class in field `field`. */
static int add_image(struct counts *c, struct tsv_reader *r, size_t field)
{
	const char *name = tsv_class(r, field);
	if (!name)
		return -1;
	size_t k = class_at(c, name, r->line); /* may move c->class */
	c->class[k].n++;
	return 0;
}

/* Field 2 as a count: 0 with *v, or -1 (the reader's error set). */
static int parse_count(struct tsv_reader *r, long *v)
{
	const char *s = r->f[1].s;
	char *end;
	errno = 0;
	*v = strtol(s, &end, 10);
	if (errno || end == s || *end || *v < 0 || *v > COUNTS_MAX) {
		return line_error(&r->err, r->line, "'%s' is not a count of images (0 to %ld)", s,
				  COUNTS_MAX);
	}
	return 0;
}

/* A counts file's line: class<TAB>n, added to the class's count. */
static int add_count(struct counts *c, struct tsv_reader *r, size_t field)
{
	(void)field;
	const char *name;
	long v;
	if (tsv_want_fields(r, 2, 2) || !(name = tsv_class(r, 1)) || parse_count(r, &v))
		return -1;
	size_t k = class_at(c, name, r->line);
	if (v > COUNTS_MAX - c->class[k].n)
		return line_error(&r->err, r->line, "class '%s' adds up to more than %ld images",
				  c->names.key[k], COUNTS_MAX);
	c->class[k].n += v;
	return 0;
}

/* Every line of path through add: 0, or -1 with the error in c. */
static int add_lines(struct counts *c, const char *path, size_t field,
		     int (*add)(struct counts *c, struct tsv_reader *r, size_t field))
{
	struct tsv_reader r;
	c->path = input_name(path);
	if (tsv_open(&r, path))
		return fail_from(c, &r);
	int rc;
	while ((rc = tsv_read(&r)) > 0)
		if (add(c, &r, field))
			return fail_from(c, &r);
	if (rc < 0)
		return fail_from(c, &r);
	tsv_close(&r);
	return 0;
}

int counts_add_manifest(struct counts *c, const char *path, size_t field)
{
	return add_lines(c, path, field, add_image);
}

int counts_add_file(struct counts *c, const char *path)
{
	return add_lines(c, path, 0, add_count);
}

void counts_free(struct counts *c)
{
	strmap_free(&c->names);
	free(c->class);
}

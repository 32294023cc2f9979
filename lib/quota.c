#include "quota.h"

#include <errno.h>
#include <stdlib.h>

#include "cli.h"
#include "mem.h"
#include "tsv.h"

#define QUOTA_MAX 1000000000L

static long parse_count(const struct tsv_reader *r)
{
	const char *s = r->f[1].s;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > QUOTA_MAX)
		die_at(r->name, r->line, "'%s' is not a count of images (0 to %ld)", s, QUOTA_MAX);
	return v;
}

void quota_read(struct quota *q, const char *path)
{
	*q = (struct quota){ 0 };
	struct tsv_reader r;
	tsv_open(&r, path);
	q->path = r.name;
	while (tsv_next(&r)) {
		tsv_want_fields(&r, 2, 2);
		size_t before = q->names.n, k = strmap_add(&q->names, tsv_class(&r, 1));
		long v = parse_count(&r);
		if (k == before) {
			grow_array(&q->class, &q->cap, k + 1, sizeof *q->class);
			q->class[k] = (struct quota_class){ 0, r.line };
		}
		if (v > QUOTA_MAX - q->class[k].n)
			die_at(r.name, r.line, "class '%s' adds up to more than %ld images",
			       q->names.key[k], QUOTA_MAX);
		q->class[k].n += v;
	}
	tsv_close(&r);
}

void quota_free(struct quota *q)
{
	strmap_free(&q->names);
	free(q->class);
}

#include "cli/inputs.h"

#include <errno.h>
#include <stdnoreturn.h>
#include <string.h>

#include "base/err.h"
#include "io/input.h"

FILE *open_input_or_die(const char *path)
{
	FILE *fp = open_input(path);
	if (!fp)
		die("%s: %s", path, strerror(errno));
	return fp;
}

static noreturn void tsv_die(const struct tsv_reader *r)
{
	die_at(r->name, r->err_line, "%s", r->err);
}

void tsv_open_or_die(struct tsv_reader *r, const char *path)
{
	if (tsv_open(r, path))
		tsv_die(r);
}

int tsv_read_or_die(struct tsv_reader *r)
{
	int rc = tsv_read(r);
	if (rc < 0)
		tsv_die(r);
	return rc;
}

void tsv_want_fields_or_die(struct tsv_reader *r, size_t min, size_t max)
{
	if (tsv_want_fields(r, min, max))
		tsv_die(r);
}

const char *tsv_class_or_die(struct tsv_reader *r, size_t n)
{
	const char *name = tsv_class(r, n);
	if (!name)
		tsv_die(r);
	return name;
}

void counts_add_manifest_or_die(struct counts *c, const char *path, size_t field)
{
	if (counts_add_manifest(c, path, field))
		die_at(c->path, c->err_line, "%s", c->err);
}

void counts_add_file_or_die(struct counts *c, const char *path)
{
	if (counts_add_file(c, path))
		die_at(c->path, c->err_line, "%s", c->err);
}

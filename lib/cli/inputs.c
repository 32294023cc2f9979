#include "cli/inputs.h"

#include <errno.h>
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

void tsv_open_or_die(struct tsv_reader *r, const char *path)
{
	if (tsv_open(r, path))
		die_line_error(r->name, &r->err);
}

int tsv_read_or_die(struct tsv_reader *r)
{
	int rc = tsv_read(r);
	if (rc < 0)
		die_line_error(r->name, &r->err);
	return rc;
}

void tsv_want_fields_or_die(struct tsv_reader *r, size_t min, size_t max)
{
	if (tsv_want_fields(r, min, max))
		die_line_error(r->name, &r->err);
}

const char *tsv_class_or_die(struct tsv_reader *r, size_t n)
{
	const char *name = tsv_class(r, n);
	if (!name)
		die_line_error(r->name, &r->err);
	return name;
}

void counts_add_manifest_or_die(struct counts *c, const char *path, size_t field)
{
	if (counts_add_manifest(c, path, field))
		die_line_error(c->path, &c->err);
}

void counts_add_file_or_die(struct counts *c, const char *path)
{
	if (counts_add_file(c, path))
		die_line_error(c->path, &c->err);
}

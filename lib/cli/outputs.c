#include "cli/outputs.h"

#include <errno.h>
#include <string.h>

#include "base/err.h"
#include "img/sheet.h"

void output_name_check(const char *what, const char *path)
{
	if (!*path)
		die_usage("%s: empty file name", what);
}

void afile_check(const char *what, const char *path)
{
	output_name_check(what, path);
	char err[ERRLEN];
	if (afile_probe(path, err))
		die("%s", err);
}

void files_distinct(const struct named_file *f, size_t n)
{
	char err[ERRLEN];
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			const struct named_file *a = &f[i], *b = &f[j];
			if (!(a->output || b->output) || !a->path || !b->path ||
			    !strcmp(a->path, "-") || !strcmp(b->path, "-"))
				continue;
			int same = same_file(a->path, b->path, err);
			if (same < 0)
				die("%s", err);
			if (same)
				die_usage("%s and %s are the same file, %s: %s", a->what, b->what,
					  b->path,
					  a->output && b->output ? "one output would replace the other"
								 : "the output would replace the input");
		}
}

void staged_dir_begin_or_die(struct staged_dir *sd, const char *path)
{
	char err[ERRLEN];
	if (staged_dir_begin(sd, path, err))
		die("%s", err);
}

char *staged_dir_subdir_or_die(struct staged_dir *sd, const char *sub)
{
	char err[ERRLEN];
	char *p = staged_dir_subdir(sd, sub, err);
	if (!p)
		die("%s", err);
	return p;
}

void staged_dir_commit_or_die(struct staged_dir *sd)
{
	char err[ERRLEN];
	if (staged_dir_commit(sd, err))
		die("%s", err);
}

void png_save_as_or_die(const char *path, const char *name, const struct image *im)
{
	char err[ERRLEN];
	if (png_save_as(path, name, im, err))
		die("%s", err);
}

FILE *log_open_or_die(const char *path, double upto)
{
	if (!path)
		return NULL;
	char err[ERRLEN];
	if (upto > 0 && log_trim(path, upto, err))
		die("%s", err);
	FILE *log = fopen(path, upto > 0 ? "a" : "w");
	if (!log)
		die("%s: %s", path, strerror(errno));
	return log;
}

void plot_open_or_die(struct plot *p, const char *option, const char *path)
{
	output_name_check(option, path);
	char err[ERRLEN];
	if (plot_open(p, option, path, err))
		die("%s", err);
}

void sheet_write_png_or_die(const struct image *im, const char *path)
{
	char err[ERRLEN];
	if (sheet_write_png(im, path, err))
		die("%s", err);
}

void samples_sheet_or_die(const char *path, const uint8_t *px, int n, int columns, int c,
			  int h, int w, char *const *rows)
{
	size_t size = (size_t)c * (size_t)h * (size_t)w;
	struct sheet s = { 0 };
	char err[ERRLEN];
	for (int i = 0; i < n; i++) {
		struct image im;
		if (img_alloc(&im, w, h, c, 8, err))
			die("%s: %s", path, err);
		memcpy(im.px, px + (size_t)i * size, size);
		if (sheet_keep(&s, sheet_group(&s, rows[i / columns]), &im, err))
			die("%s: %s", path, err);
	}
	struct sheet_style style = { .columns = columns, .gap = 2, .captions = true };
	struct image sheet;
	if (sheet_render(&s, &style, &sheet, err))
		die("%s: %s", path, err);
	sheet_write_png_or_die(&sheet, path);
	img_free(&sheet);
	sheet_free(&s);
}

void trainer_outputs_check(const char *output, const char *sheet, const char *log,
			   const char *train, const char *judge)
{
	afile_check("--output", output);
	afile_check("--sheet", sheet);
	if (log)
		afile_check("--log", log);
	files_distinct((struct named_file[]){ { "--output", output, true },
					      { "--sheet", sheet, true },
					      { "--log", log, true },
					      { "TRAIN", train, false },
					      { "--fid-model", judge, false } },
		       5);
}

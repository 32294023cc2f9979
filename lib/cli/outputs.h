/* outputs: the checks a program makes of the outputs named on its command
 * line, before any work, and the forms of io/fsout, io/plot and img/sheet
 * that end the program with the library's message (exit 1) where the
 * library returns it. */
#ifndef SIMBAL_OUTPUTS_H
#define SIMBAL_OUTPUTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stddef.h>

#include "img/image.h"
#include "io/fsout.h"
#include "io/plot.h"

/* An output named on the command line (what: the option or operand, for
 * the message) must not be empty: bad usage, refused before any work. */
void output_name_check(const char *what, const char *path);
/* Dies as output_name_check does, then as afile_open would fail if path
 * could not be written (a directory, a directory that does not exist or
 * is not one, a name ending in '/', no permission), leaving nothing
 * behind: for programs that write their output only after long work, to
 * refuse before it. */
void afile_check(const char *what, const char *path);

/* A file named on the command line, for files_distinct. */
struct named_file {
	const char *what; /* the option or operand, for the message */
	const char *path; /* NULL, "-" (stdin): not a file, skipped */
	bool output;
};
/* Dies (bad usage) when an output is the same file as another output,
 * which would silently replace it, or as an input, which it would destroy.
 * Devices and FIFOs (/dev/stdout) may be named twice.  For after
 * afile_check, which refuses what cannot be written at all. */
void files_distinct(const struct named_file *f, size_t n);

void staged_dir_begin_or_die(struct staged_dir *sd, const char *path);
char *staged_dir_subdir_or_die(struct staged_dir *sd, const char *sub);
void staged_dir_commit_or_die(struct staged_dir *sd);
void png_save_as_or_die(const char *path, const char *name, const struct image *im);
/* A training's log at path (NULL: none, and NULL returned): written
 * anew, or for a run resumed after upto (> 0; kimg, epochs) its lines up
 * to upto kept and appended to, so that a killed run keeps the lines of
 * what it finished. */
FILE *log_open_or_die(const char *path, double upto);
/* output_name_check(option, path), then plot_open. */
void plot_open_or_die(struct plot *p, const char *option, const char *path);
void sheet_write_png_or_die(const struct image *im, const char *path);
/* A generator's training's outputs (its checkpoint, its sheet, its log
 * or NULL) refused before any work when they cannot be written, are the
 * same file, or are its training set or its judge's classifier (or
 * NULL). */
void trainer_outputs_check(const char *output, const char *sheet, const char *log,
			   const char *train, const char *judge);
/* A contact sheet of a generator's samples to path: n images px [n][h][w][c]
 * (8-bit, interleaved), columns a row, each row under the name of its
 * class, image i of rows[i / columns]. */
void samples_sheet_or_die(const char *path, const uint8_t *px, int n, int columns, int c,
			  int h, int w, char *const *rows);

#endif

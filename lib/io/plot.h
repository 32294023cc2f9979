/* plot: charts drawn by gnuplot into a PNG that appears complete or not at
 * all.
 *
 * The caller checks for gnuplot and opens the output before reading any
 * input (plot_open), so a missing gnuplot or an unwritable file is refused
 * before a long stream is consumed.  The caller writes the script into a
 * memory file; plot_finish runs gnuplot with it as stdin and copies what
 * gnuplot writes on its stdout into the output's temporary file through
 * our own stream, so that a write error (a full disk), which gnuplot would
 * not report, is ours to see.  The file is renamed into place only when
 * gnuplot succeeded, wrote something and all of it was written.  A
 * failure is -1 (or NULL) with the message in err (ERRLEN bytes), and
 * nothing left behind; lib/cli/outputs has the forms that end a program.
 *
 *	struct plot p;
 *	plot_open(&p, "--plot", path, err);      before reading input
 *	...
 *	FILE *gp = plot_begin(&p, err);          or plot_draw(&p, fn, arg, err)
 *	plot_png_terminal(gp, 640, 480);
 *	fprintf(gp, "plot ...\n");
 *	plot_finish(&p, err);                    waits, checks, renames
 */
#ifndef SIMBAL_PLOT_H
#define SIMBAL_PLOT_H

#include <stdio.h>
#include <sys/types.h>

#include "io/fsout.h"

struct plot {
	struct afile af;
	const char *path; /* as the user gave it, for messages */
	FILE *gp; /* while drawing: the script, into a memory file */
};

/* Fails unless gnuplot is on PATH, naming the option that needs it and
 * Debian's gnuplot-nox; then opens path for writing (afile: a temporary
 * name beside it), failing if it is a directory or cannot be created. */
__attribute__((warn_unused_result)) int plot_open(struct plot *p, const char *option,
						  const char *path, char *err);

/* Returns the stream the script goes to (a memory file). */
FILE *plot_begin(struct plot *p, char *err);
/* Ends the script, runs gnuplot on it, its output copied into the file,
 * and commits the file; fails with "PATH: gnuplot failed" (or cannot run /
 * wrote no image / write error: ...) otherwise. */
__attribute__((warn_unused_result)) int plot_finish(struct plot *p, char *err);
/* plot_begin, script(gp, arg), plot_finish. */
__attribute__((warn_unused_result)) int plot_draw(struct plot *p,
						  void (*script)(FILE *gp, const void *arg),
						  const void *arg, char *err);

/* The first lines of a script: a PNG of w x h pixels on gnuplot's stdout
 * (pngcairo when gnuplot has it, png otherwise), no enhanced-text markup. */
void plot_png_terminal(FILE *gp, unsigned w, unsigned h);
/* Writes s as a gnuplot double-quoted string that shows it literally. */
void plot_put_string(FILE *gp, const char *s);

#endif

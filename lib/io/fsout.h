/* fsout: outputs that appear complete or not at all.
 *
 * afile: one file, written unnamed (O_TMPFILE) in the same directory, or
 * under a temporary name where the file system cannot, and renamed over the
 * final name when complete.
 * staged_dir: a whole directory tree (an ImageFolder import), built in a
 * temporary sibling directory and renamed into place when complete. */
#ifndef SIMBAL_FSOUT_H
#define SIMBAL_FSOUT_H

#include <stdbool.h>
#include <stdio.h>

struct afile {
	FILE *fp;
	char *path;
	char *tmp; /* the temporary name, once it has one */
	bool unnamed; /* opened with O_TMPFILE: named only when complete */
	int handle;
	int fd;
	int err; /* the errno of the first failed write, for the message */
};

/* Opens a temporary file beside path (beside the file a symbolic link
 * points to, so the link stays, also one that points to no file yet);
 * dies with a clear error on failure.  A
 * path that names a device or a FIFO (/dev/stdout, a pipe) is written in
 * place, since there is nothing to rename. */
FILE *afile_open(struct afile *af, const char *path);
/* Flushes, closes and renames; dies on any error (nothing left behind). */
void afile_commit(struct afile *af);
/* Off: every afile is a named temporary file, as where the file system
 * has no O_TMPFILE; for the tests of that way. */
void afile_unnamed_disable(bool off);
/* An output named on the command line (what: the option or operand, for
 * the message) must not be empty: bad usage, refused before any work. */
void output_name_check(const char *what, const char *path);
/* Dies as output_name_check does, then as afile_open would if path could
 * not be written (a directory, a directory that does not exist or is not
 * one, a name ending in '/', no permission), leaving nothing behind: for programs that write
 * their output only after long work, to refuse before it. */
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

struct staged_dir {
	char *path; /* the final directory */
	char *tmp;  /* where the tree is built */
	int handle;
};

/* path must not exist, or be an empty directory (not a symbolic link to
 * one: it could not be replaced); dies otherwise. */
void staged_dir_begin(struct staged_dir *sd, const char *path);
/* Makes tmp/sub (one level, idempotent); returns its path (malloc'd). */
char *staged_dir_subdir(struct staged_dir *sd, const char *sub);
/* Renames the tree into place; it is still removed on a failure (and an
 * empty directory it replaced made again) until staged_dir_keep: a program
 * keeps it once what describes it, the manifest, is written. */
void staged_dir_commit(struct staged_dir *sd);
void staged_dir_keep(struct staged_dir *sd);

/* On a resumed run: keeps the lines of the log at path whose first field
 * (an epoch, a kimg) is at most upto, the file rewritten whole
 * (atomically), to be appended to; nothing when there is no such file. */
void log_trim(const char *path, double upto);

/* Why s cannot be a class directory name (empty, starts with '.', has
 * '/', TAB or newline, ends with a carriage return), or NULL when it can. */
const char *class_name_problem(const char *s);
/* Whether a path can be written as a manifest field (no TAB or newline). */
bool manifest_safe(const char *path);

/* Joins a directory and a name with exactly one '/' (malloc'd). */
char *path_join(const char *dir, const char *name);

#endif

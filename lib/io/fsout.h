/* fsout: outputs that appear complete or not at all.
 *
 * afile: one file, written unnamed (O_TMPFILE) in the same directory, or
 * under a temporary name where the file system cannot, and renamed over the
 * final name when complete.
 * staged_dir: a whole directory tree (an ImageFolder import), built in a
 * temporary sibling directory and renamed into place when complete.
 *
 * A function that fails returns -1 (or NULL) with the whole message in
 * err (ERRLEN bytes), "PATH: reason"; the programs' checks of the names
 * they are given, which end them, are lib/cli/outputs'. */
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
 * NULL on failure (path a directory, a name ending in '/', a directory
 * that does not exist, no permission).  A path that names a device or a
 * FIFO (/dev/stdout, a pipe) is written in place, since there is nothing
 * to rename. */
FILE *afile_open(struct afile *af, const char *path, char *err);
/* Flushes, closes and renames: 0, or -1 on any error, the temporary file
 * removed (nothing left behind). */
__attribute__((warn_unused_result)) int afile_commit(struct afile *af, char *err);
/* Closes and removes an output left unfinished (after a failure). */
void afile_abandon(struct afile *af);
/* Off: every afile is a named temporary file, as where the file system
 * has no O_TMPFILE; for the tests of that way. */
void afile_unnamed_disable(bool off);
/* 0 when afile_open could write path, -1 with the message it would give
 * otherwise; leaves nothing behind. */
__attribute__((warn_unused_result)) int afile_probe(const char *path, char *err);

/* Whether paths a and b are one regular file, or would be one when made:
 * 1 or 0; -1 where a chain of symbolic links does not resolve (a link
 * that cannot be read, a loop). */
int same_file(const char *a, const char *b, char *err);

struct staged_dir {
	char *path; /* the final directory */
	char *tmp;  /* where the tree is built */
	int handle;
};

/* path must not exist, or be an empty directory (not a symbolic link to
 * one: it could not be replaced), whose mode the tree then takes (a new
 * one gets the umask's): 0, or -1. */
__attribute__((warn_unused_result)) int staged_dir_begin(struct staged_dir *sd, const char *path,
							 char *err);
/* Makes tmp/sub (one level, idempotent); returns its path (malloc'd), or
 * NULL. */
char *staged_dir_subdir(struct staged_dir *sd, const char *sub, char *err);
/* Renames the tree into place: 0, or -1 with the tree removed (and an
 * empty directory it replaced made again).  The tree is still removed on
 * a failure (base/cleanup) until staged_dir_keep: a program keeps it once
 * what describes it, the manifest, is written. */
__attribute__((warn_unused_result)) int staged_dir_commit(struct staged_dir *sd, char *err);
void staged_dir_keep(struct staged_dir *sd);

/* On a resumed run: keeps the lines of the log at path whose first field
 * (an epoch, a kimg) is at most upto, the file rewritten whole
 * (atomically), to be appended to; nothing when there is no such file.
 * 0, or -1. */
__attribute__((warn_unused_result)) int log_trim(const char *path, double upto, char *err);

#endif

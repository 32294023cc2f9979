/* cleanup: temporary files and directories that must not outlive a failure.
 *
 * Outputs are written under temporary names and renamed when complete
 * (see fsout.h).  Until then their temporary names are registered here, and
 * removed when the program dies, exits early, or is killed by SIGINT,
 * SIGTERM, SIGHUP or SIGPIPE. */
#ifndef SIMBAL_CLEANUP_H
#define SIMBAL_CLEANUP_H

#include <stdbool.h>

/* Registers path (copied) for removal; a directory is removed with all it
 * holds.  Returns a handle for cleanup_forget, or -1 (errno ENAMETOOLONG)
 * for a path of PATH_MAX bytes or more. */
int cleanup_add(const char *path, bool is_dir);
/* The path was renamed into place or removed already: keep it. */
void cleanup_forget(int handle);
/* The directory registered under handle was renamed to path: remove it
 * there instead, and where it replaced an empty directory (recreate),
 * leave an empty directory in its place.  Call with signals held. */
void cleanup_moved(int handle, const char *path, bool recreate);
/* Removes everything still registered. */
void cleanup_run(void);
void cleanup_install_signals(void);
/* Removes a directory tree (async-signal-safe); returns 0 or -1. */
int remove_tree(const char *path);

#endif

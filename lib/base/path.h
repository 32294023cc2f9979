/* path: file names built from parts. */
#ifndef SIMBAL_PATH_H
#define SIMBAL_PATH_H

/* Joins a directory and a name with exactly one '/' (malloc'd). */
char *path_join(const char *dir, const char *name);

#endif

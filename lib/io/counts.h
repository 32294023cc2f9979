/* counts: images per class.  From a manifest (classcount, quota), or from
 * a class<TAB>n file, how many images of each class a stage is to make or
 * keep (quota writes them; gansample and thresh read them, and quota its
 * --targets). */
#ifndef SIMBAL_COUNTS_H
#define SIMBAL_COUNTS_H

#include <stddef.h>

#include "base/err.h"
#include "base/strmap.h"

/* The most images a count may say. */
#define COUNTS_MAX 1000000000L

/* Class names.key[i] has class[i].n images, first named on line
 * class[i].line of its file (for messages). */
struct counts {
	const char *path; /* the last file read, as named in messages */
	struct strmap names;
	struct class_count {
		long n, line;
	} *class;
	size_t cap;
	struct line_error err; /* after a failure, about path */
};

/* Adds the images of a manifest ("-" or NULL: stdin), the class taken
 * from field (1-based): 0, or -1 on a missing or empty class, or an input
 * that cannot be read. */
__attribute__((warn_unused_result)) int counts_add_manifest(struct counts *c, const char *path,
							    size_t field);
/* Adds the lines of a class<TAB>n file ("-": stdin): 0, or -1 on a line
 * of another shape, n not a whole number from 0 to 10^9, or a class whose
 * lines add up to more. */
__attribute__((warn_unused_result)) int counts_add_file(struct counts *c, const char *path);
void counts_free(struct counts *c);

#endif

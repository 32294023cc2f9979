/* quota: class<TAB>n files, how many images of each class a stage is to
 * make or keep (quota writes them; gansample and thresh read them, quota
 * its --targets). */
#ifndef SIMBAL_QUOTA_H
#define SIMBAL_QUOTA_H

#include "strmap.h"

/* Class names.key[i]: class[i].n images (its lines add up), first named
 * on class[i].line (for messages). */
struct quota {
	const char *path; /* as opened, for messages: the path or "(stdin)" */
	struct strmap names;
	struct quota_class {
		long n, line;
	} *class;
	size_t cap;
};

/* Reads path ("-": stdin); dies naming the line on one that is not
 * class<TAB>count, the count a whole number from 0 to 10^9. */
void quota_read(struct quota *q, const char *path);
void quota_free(struct quota *q);

#endif

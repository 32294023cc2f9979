/* tinyset: a training set built in memory for the unit tests of
 * lib/learn's training. */
#ifndef SIMBAL_TINYSET_H
#define SIMBAL_TINYSET_H

#include <stdio.h>
#include <string.h>

#include "base/mem.h"
#include "base/rng.h"
#include "learn/dataset.h"

/* n gray images of side x side, random samples from seed, of the classes
 * labels[i] (of k), indexed. */
static inline void tiny_set(struct dataset *d, int n, int side, const int *labels, int k,
		     unsigned long seed)
{
	*d = (struct dataset){ .n = n, .c = 1, .h = side, .w = side, .nclasses = k };
	struct rng r;
	rng_seed(&r, seed, 0);
	d->px = xmalloc((size_t)n * side * side);
	for (size_t i = 0; i < (size_t)n * side * side; i++)
		d->px[i] = (uint8_t)rng_below(&r, 256);
	d->label = xmalloc((size_t)n * sizeof *d->label);
	memcpy(d->label, labels, (size_t)n * sizeof *labels);
	d->classes = xcalloc((size_t)k, sizeof *d->classes);
	for (int c = 0; c < k; c++) {
		char name[16];
		snprintf(name, sizeof name, "c%d", c);
		d->classes[c] = xstrdup(name);
	}
	dataset_index_classes(d);
}

#endif

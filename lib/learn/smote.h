/* smote: SMOTE (Chawla et al. 2002) in pixel space, as imbalanced-learn
 * defines it: a new image of a class is x + u (x_nn - x), samples by
 * samples, x an image of the class drawn at random, x_nn one of its k
 * nearest neighbours in the class (Euclidean distance over every sample)
 * drawn at random, u uniform in [0, 1); rounded to the nearest 8-bit
 * value. */
#ifndef SIMBAL_SMOTE_H
#define SIMBAL_SMOTE_H

#include <stdint.h>

#include "base/rng.h"
#include "learn/dataset.h"

/* One class of a set, and the neighbours of its images, found as they
 * are first drawn. */
struct smote_class {
	const struct dataset *d;
	int c; /* the class */
	int k; /* neighbours an image has: 1 to the class's images - 1 */
	int *nn; /* [count][k] member numbers, nearest first; -1 first: not yet */
};

/* Class c of d (2 images at least) with k neighbours an image (1 to its
 * images - 1). */
void smote_class_init(struct smote_class *s, const struct dataset *d, int c, int k);
void smote_class_free(struct smote_class *s);

/* The k nearest neighbours of member m of the class, nearest first (a tie
 * to the lower member number), never m itself: s->nn's row m. */
const int *smote_neighbours(struct smote_class *s, int m);

/* The next new image of the class from r, into px (d's c h w samples):
 * r draws the image, then its neighbour, then u. */
void smote_draw(struct smote_class *s, struct rng *r, uint8_t *px);

/* r past the draws of n images of the class, no image made. */
void smote_skip(const struct smote_class *s, struct rng *r, long n);

#endif

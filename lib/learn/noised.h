/* noised: the draws of a batch of noised images, shared by the trainings
 * on a diffusion process (train_diff's diffusion model, noisy_cls's
 * noisy classifier): a class by how often it is to be shown, an image of
 * it, the image mirrored half the time, then diffused to a step t drawn
 * uniformly from the process (x_t = q_sample(x_0, t, ε)). */
#ifndef SIMBAL_NOISED_H
#define SIMBAL_NOISED_H

#include <stdbool.h>

#include "base/rng.h"
#include "learn/dataset.h"
#include "learn/diffusion.h"

/* How often a class is drawn for a batch: as often as the set has its
 * images, as the square root of that, or every class alike.  Stored by
 * name. */
enum class_draw { DRAW_NATURAL, DRAW_SQRT, DRAW_BALANCED };
#define CLASS_DRAWS 3
_Static_assert(DRAW_BALANCED + 1 == CLASS_DRAWS, "a draw added: count it, name it");
extern const char *const class_draw_names[CLASS_DRAWS];

/* The cumulative probabilities [d->nclasses] of draw: P(class c) ∝
 * count^1 natural, ^1/2 sqrt, ^0 balanced; a class of no image never.
 * Allocated. */
double *class_cdf(const struct dataset *d, enum class_draw draw);

/* A class drawn from r by cdf (of n classes), then an image of it: the
 * image's index in d; its class in *label. */
int class_image_draw(const struct dataset *d, const double *cdf, struct rng *r, int *label);

/* What a training on a diffusion process draws a batch with and into:
 * the process, the class draw, and the batch's images idx, classes
 * labels (the caller's to drop), steps t, clean images x0, noise eps and
 * noised images xt. */
struct noised {
	struct diffusion process;
	double *class_cdf;
	size_t size;          /* floats of an image */
	float *x0, *eps, *xt, *t;
	int *labels, *idx;
};

/* The process of schedule s and T steps, the class draw of d, buffers of
 * batch images; -1 with err for a process that cannot be. */
int noised_init(struct noised *b, enum beta_schedule s, int T, enum class_draw draw,
		const struct dataset *d, int batch, char *err);
void noised_free(struct noised *b);

/* Images b->idx[0 .. n-1] of d as b->x0 [n][c][h][w] in [-1, 1]; then
 * each, image by image, mirrored left to right half the time when flip,
 * and diffused to a uniform step of b->process: the step's timestep in
 * b->t[i], the noise in b->eps, x_t in b->xt; draws from r in this order. */
void noised_batch(struct noised *b, const struct dataset *d, struct rng *r, bool flip, int n);

#endif

/* gan: what the GAN programs share: a generator checkpoint's parts, the
 * transitional schedule of the conditioning, latent vectors, and images
 * from the generator.
 *
 * A gantrain checkpoint holds three models (simbal-checkpoint(5) parts):
 * first the generator whose weights are the exponential moving average of
 * the trained one's (the one that samples), then "G." the trained
 * generator and "D." the discriminator, each with Adam's state. */
#ifndef SIMBAL_GAN_H
#define SIMBAL_GAN_H

#include <stdint.h>

#include "base/rng.h"
#include "nn/ckpt.h"
#include "nn/model.h"

/* The transitional training of Shahbazi et al. (ICLR 2022): the weight of
 * the conditioning after kimg thousand real images shown, clip((kimg -
 * t_start) / (t_end - t_start), 0, 1); t_start = t_end: a step there (0
 * and 0: a plain conditional GAN from the start). */
double gan_lambda(double kimg, double t_start, double t_end);

/* n latent vectors z [n][GAN_ZDIM] of N(0, 1) from r; truncation > 0
 * draws again every value beyond +-truncation (the truncation trick of
 * BigGAN). */
void gan_latents(struct rng *r, int n, float truncation, float *z);

/* The generator's images for latents z and classes labels, in evaluation
 * (the running statistics), as 8-bit samples [n][h][w][c] (interleaved,
 * as struct image holds them). */
void gan_generate(struct model *g, const float *z, const int *labels, int n, float lambda,
		  uint8_t *px);

/* Differentiable augmentation of what the discriminator sees
 * (DiffAugment, Zhao et al. 2020, its translation and cutout policy): each
 * image moved by up to an eighth of its side each way, the border it
 * uncovers 0, then a square of half its side at a random centre set to 0
 * (0 is mid-grey in the networks' [-1, 1]).  The map is a selection of
 * pixels, so its gradient is the same selection backwards. */
struct gan_aug {
	int dy, dx; /* the move */
	int cy, cx; /* the cut square's top left corner (it may stick out) */
};

/* A draw from r for each of n images of side h x w. */
void gan_aug_draw(struct rng *r, int n, int h, int w, struct gan_aug *a);

/* y = the augmented x, both [n][c][h][w]. */
void gan_aug_forward(const struct gan_aug *a, int n, int c, int h, int w, const float *x,
		     float *y);

/* dx = the gradient in x of what has gradient dy in y. */
void gan_aug_backward(const struct gan_aug *a, int n, int c, int h, int w, const float *dy,
		      float *dx);

/* A generator's checkpoint for sampling: its first part and the weight
 * of its conditioning when it was written; -1 with err (naming path) for
 * a file that is no generator's. */
int gan_sampler_load(const char *path, struct model *g, struct ckpt_meta *meta, float *lambda,
		     char *err);

#endif

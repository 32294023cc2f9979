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

#include "ckpt.h"
#include "model.h"
#include "rng.h"

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

/* A generator's checkpoint for sampling: its first part and the weight
 * of its conditioning when it was written.  Dies naming path on a file
 * that is no generator's. */
void gan_load_sampler(const char *path, struct model *g, struct ckpt_meta *meta, float *lambda);

#endif

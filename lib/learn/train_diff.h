/* train_diff: a class-conditional diffusion model's training, as
 * difftrain runs it, step by step (Ho et al. 2020 with guided-diffusion's
 * choices): each image of a batch diffused to a step t drawn uniformly,
 * the UNet asked for the noise ε that was added (or for v, diffusion.h),
 * the mean squared error of its answer; labels dropped with probability
 * p_uncond so that the one network is also the unconditional model of
 * classifier-free guidance; AdamW after a linear warm-up; and the
 * exponential moving average of the weights that samples.
 *
 * A step's draws come from the seed and the step's number alone, so that
 * a run resumed at a step trains as the whole run would. */
#ifndef SIMBAL_TRAIN_DIFF_H
#define SIMBAL_TRAIN_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "base/rng.h"
#include "learn/dataset.h"
#include "learn/diffusion.h"
#include "learn/noised.h"
#include "nn/model.h"
#include "nn/optim.h"

/* The random streams of a run (rng_seed's second argument): the judge's
 * real images, its samples' classes, and one a step, DIFF_STREAM_STEP +
 * the step's number.  (Samples draw their noise as diffsample does.) */
enum { DIFF_STREAM_FID_REAL = 2, DIFF_STREAM_FID_FAKE = 3, DIFF_STREAM_STEP = 1000 };

struct diff_config {
	int batch;             /* images a step */
	float lr, beta1, beta2, weight_decay; /* AdamW's */
	double warmup;         /* kimg of the rate's linear warm-up (0: none) */
	float ema;             /* the sampling weights' half-life, kimg (0: a copy) */
	float p_uncond;        /* a label is dropped ("no class") this often */
	enum class_draw draw;
	bool augment;          /* images flipped left to right half the time */
	enum beta_schedule schedule;
	int timesteps;         /* T, the process's steps */
	enum diff_target predict;
	unsigned long seed;
};

/* A run's networks, optimizer, process and buffers.  ema samples; m
 * trains (difftrain's checkpoint holds the two, simbal-checkpoint(5)). */
struct diff_trainer {
	const struct diff_config *cfg;
	const struct dataset *data;
	struct model ema, m;
	struct optim opt;
	struct noised b;      /* the process and the batch */
	float *out;           /* the model's answer, then the loss's gradient */
	float *target;        /* what it should have answered: ε, or v */
};

/* The buffers and the process of a run of cfg on images of d; -1 with
 * err for a process that cannot be.  The networks are built
 * (diff_trainer_build) or read from a checkpoint into t->ema, m, opt by
 * the caller. */
int diff_trainer_init(struct diff_trainer *t, const struct diff_config *cfg,
		      const struct dataset *d, char *err);
/* New networks of arch a (weights from seed cfg->seed), ema a copy,
 * AdamW's state 0; -1 with err for an architecture that cannot be built. */
int diff_trainer_build(struct diff_trainer *t, const struct arch *a, char *err);
/* The optimizer of cfg, its state not set up. */
struct optim diff_optimizer(const struct diff_config *cfg);
void diff_trainer_free(struct diff_trainer *t);

/* Step number step (from 0) of the run: the batch, the loss, AdamW's
 * update at the warmed-up rate, the average (ema = beta ema + (1 - beta)
 * m, beta = 0.5^(batch / (1000 diff_ema_half_life))).  The loss (mean squared
 * error per value); not finite: the update and the average not done. */
double diff_train_step(struct diff_trainer *t, long step);

/* The rate of step step: lr, ramped up linearly over the warm-up. */
float diff_rate(const struct diff_config *cfg, long step);

/* The half-life of the average after step step (from 0), kimg: cfg->ema,
 * or less early on, DIFF_EMA_RAMP of the kimg shown by then (StyleGAN2-ADA's
 * ramp).  Without it the average keeps the weights it started from, 2^-(kimg
 * / half-life) of them: the UNet's output convolution starts at 0, so every
 * ε it predicts is that much too small, which DDIM's samples keep as noise
 * (80 kimg at a half-life of 25: 11 %, the ε's deviation 0.87 at t = 999). */
#define DIFF_EMA_RAMP 0.1
float diff_ema_half_life(const struct diff_config *cfg, long step);

#endif

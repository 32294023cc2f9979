/* train_gan: a class-conditional GAN's training, as gantrain runs it,
 * step by step: the transitional training of Shahbazi et al. (ICLR 2022)
 * with the non-saturating logistic loss, lazy R1 on real images, Adam
 * for both networks, optional differentiable augmentation, and the
 * exponential moving average of the generator that samples; and its
 * judge, FID-cls of that generator's images against real ones on a
 * classifier's features.
 *
 * A step's draws come from the seed and the step's number alone, so that
 * a run resumed at a step trains as the whole run would. */
#ifndef SIMBAL_TRAIN_GAN_H
#define SIMBAL_TRAIN_GAN_H

#include <stdbool.h>
#include <stddef.h>

#include "base/rng.h"
#include "learn/classify.h"
#include "learn/dataset.h"
#include "learn/fid.h"
#include "learn/gan.h"
#include "nn/model.h"
#include "nn/optim.h"

/* The random streams of a run (rng_seed's second argument): the sheet's
 * latents, the judge's real images and its latents, and one a step,
 * GAN_STREAM_STEP + the step's number. */
enum { GAN_STREAM_SHEET = 1, GAN_STREAM_FID_REAL = 2, GAN_STREAM_FID_FAKE = 3,
       GAN_STREAM_STEP = 1000 };

/* R1 is applied every GAN_R1_EVERY steps, scaled up as much (lazy
 * regularisation, Karras et al. 2020). */
#define GAN_R1_EVERY 16

struct gan_config {
	int batch;              /* images a step, a multiple of GAN_GROUP */
	float lr_g, lr_d;       /* the generator's and the discriminator's rates */
	float beta1, beta2;     /* Adam's, both networks' */
	double t_start, t_end;  /* kimg: the conditioning's weight goes from 0 to 1 */
	float r1;               /* R1's gamma (0: none) */
	float ema;              /* the sampling generator's half-life, kimg (0: a copy) */
	bool augment;           /* the discriminator sees images augmented (gan_aug) */
	unsigned long seed;
};

/* A run's networks, optimizers and buffers.  ema samples; g and d train
 * (gantrain's checkpoint holds the three, simbal-checkpoint(5)). */
struct gan_trainer {
	const struct gan_config *cfg;
	const struct dataset *data;
	struct model ema, g, d;
	struct optim og, od;
	size_t size;         /* floats of an image */
	float *real, *fake, *pair, *grad, *z;
	float *seen;         /* augment: the images as the discriminator sees them */
	struct gan_aug *aug; /* and how they were augmented */
	int *real_labels, *fake_labels, *pair_labels;
};

/* The buffers of a run of cfg on images of d; the networks are built
 * (gan_trainer_build) or read from a checkpoint into t->ema, g, d, og, od
 * by the caller. */
void gan_trainer_init(struct gan_trainer *t, const struct gan_config *cfg, const struct dataset *d);
/* New networks: the generator of arch g (seed 2 cfg->seed), its
 * discriminator (2 cfg->seed + 1), ema a copy of the generator, Adam's
 * state 0; -1 with err for an architecture that cannot be built. */
int gan_trainer_build(struct gan_trainer *t, const struct arch *g, char *err);
void gan_trainer_free(struct gan_trainer *t);

/* The discriminator of generator g: the same but for its name, ARCH-d. */
struct arch gan_discriminator_arch(const struct arch *g);

/* The non-saturating logistic loss of n images' logits [n][2]
 * (unconditional, conditional): the sum of softplus(sign l_uc) + lambda
 * softplus(sign l_c) over the images, divided by over; its gradient into
 * dlogits. */
double gan_logistic(const float *logits, int n, double sign, double lambda, int over,
		    float *dlogits);

/* The discriminator's step on a batch of generated and real images at
 * conditioning weight lambda, rate lr: its loss. */
double gan_step_d(struct gan_trainer *t, struct rng *r, double lambda, float lr);
/* R1 = gamma / 2 E |grad_x l_uc(x)|^2 on a batch of real images, and the
 * discriminator's step on it, GAN_R1_EVERY times as large: R1. */
double gan_step_r1(struct gan_trainer *t, struct rng *r, float lr);
/* The generator's step, through the discriminator: its loss. */
double gan_step_g(struct gan_trainer *t, struct rng *r, double lambda, float lr);
/* The sampling generator's average after a step: ema = beta ema + (1 -
 * beta) g, beta = 0.5^(batch / (1000 cfg->ema)), every float of the arena
 * (the running statistics too). */
void gan_update_ema(struct gan_trainer *t);

/* What a step gives. */
struct gan_step {
	double lambda;        /* the conditioning's weight */
	double loss_d, loss_g;
	bool r1_done;         /* an R1 step was taken ... */
	double r1;            /* ... and its R1 */
};

/* Step number step (from 0) of the run: the discriminator's step, R1's
 * every GAN_R1_EVERY steps (cfg->r1 > 0), the generator's, the average;
 * -1, the average not updated, when a loss is not finite. */
int gan_train_step(struct gan_trainer *t, long step, struct gan_step *s);

/* FID-cls during training: a classifier's features of n real images of
 * the set, and the latents and classes of as many generated ones, the
 * same at every call. */
struct gan_judge {
	struct model *m;   /* the caller's classifier ... */
	const struct norm *nm; /* ... and its normalisation */
	int n;
	struct features real;
	float *z;
	int *labels;
};

/* -1 with err for a classifier of another image shape than t's
 * generator. */
int gan_judge_open(struct gan_judge *j, struct model *classifier, const struct norm *nm,
		   const struct gan_trainer *t, int n, char *err);
/* FID-cls of t's sampling generator at weight lambda; -1 with err as
 * fid_distance. */
int gan_judge_fid(struct gan_judge *j, struct gan_trainer *t, double lambda, double *fid,
		  char *err);
void gan_judge_free(struct gan_judge *j);

#endif

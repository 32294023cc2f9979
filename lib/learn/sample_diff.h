/* sample_diff: images from a diffusion model, as difftrain's sheets and
 * diffsample make them: the process respaced to the sampling steps, DDIM
 * (η) or ancestral steps from pure noise, classifier-free guidance and
 * classifier guidance on the model's ε.
 *
 * A sample's noise comes from its own stream, rng_seed(seed, its index),
 * and every operation on it is the same whatever the other images of its
 * batch (the engine computes image by image): its bytes depend on the
 * seed, its index, its class and the settings alone.
 *
 * A difftrain checkpoint (simbal-checkpoint(5)) holds the average of the
 * weights that samples (the first part, a unet) and the trained model
 * with AdamW's state ("M."); its header records the process it was
 * trained with (train.schedule, train.diffusion_steps) and what the model
 * answers (train.predict). */
#ifndef SIMBAL_SAMPLE_DIFF_H
#define SIMBAL_SAMPLE_DIFF_H

#include <stdbool.h>
#include <stdint.h>

#include "learn/diffusion.h"
#include "nn/ckpt.h"
#include "nn/model.h"

/* What a run of the sampler does. */
enum diff_method { DIFF_DDIM, DIFF_DDPM };
#define DIFF_METHODS 2
_Static_assert(DIFF_DDPM + 1 == DIFF_METHODS, "a method added: count it, name it");
extern const char *const diff_method_names[DIFF_METHODS];

struct diff_settings {
	int steps;             /* the respaced process's, including T - 1 */
	enum diff_method method;
	double eta;            /* DDIM's noise (0: deterministic) */
	double cfg;            /* classifier-free guidance's w (1: the conditional model alone) */
	double scale;          /* classifier guidance's s (0: none) */
	enum diff_target predict; /* what the model answers (its train.predict) */
	bool unconditional;    /* the model sees no class (a --p-uncond 1 model);
				* the classifier's guidance brings it */
	unsigned long seed;
};

/* The process a model was trained with, as its checkpoint records it. */
struct diff_process {
	enum beta_schedule schedule;
	int timesteps;
};

/* Reads it from a header: -1 with err naming the file and the key. */
int diff_process_read(const struct fields *f, struct diff_process *p, char *err);

/* What the model predicts, as a difftrain checkpoint's header records it
 * (train.predict), into *t: -1 with err naming the file and the key. */
int diff_target_read(const struct fields *f, enum diff_target *t, char *err);

/* The header of a checkpoint of a difftrain before --predict, which has
 * no train.predict, given "train.predict eps": what its model answers. */
void diff_target_fill(struct fields *f);

struct diff_sampler {
	struct model *m;           /* the diffusion model (ε or v, set.predict) */
	struct model *classifier;  /* classifier guidance's, or NULL */
	struct diff_settings set;
	struct diffusion process;  /* respaced */
};

/* A sampler of model m (and classifier, when not NULL: a noisy
 * classifier of m's classes and images) trained with process p; -1 with
 * err where the settings cannot be (steps beyond T, ...). */
int diff_sampler_init(struct diff_sampler *s, struct model *m, struct model *classifier,
		      const struct diff_process *p, const struct diff_settings *set, char *err);
void diff_sampler_free(struct diff_sampler *s);

/* ∇x log p(y | x_t, t) of the noisy classifier c (unet-enc) for the n
 * images x [n][c][h][w] at timesteps t, y = labels[i] (c's class count:
 * no class, a gradient of 0), into grad [n][c][h][w]: classifier
 * guidance's gradient. */
void diff_classifier_grad(struct model *c, const float *x, const float *t, const int *labels,
			  int n, float *grad);

/* n images of classes labels[i] (m's class count: unconditional), image
 * i from the noise stream index[i], as 8-bit samples [n][h][w][c]. */
void diff_sample(struct diff_sampler *s, const int *labels, const uint64_t *index, int n,
		 uint8_t *px);

/* The noise stream of the k-th image of class c, as diffsample and
 * difftrain's sheets and judge draw it: its own whatever else is drawn
 * (k < 2^32). */
static inline uint64_t diff_noise_stream(int c, long k)
{
	return ((uint64_t)c << 32) | (uint64_t)k;
}

#endif

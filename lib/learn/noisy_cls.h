/* noisy_cls: the noisy classifier of classifier guidance (Dhariwal and
 * Nichol 2021), p(y | x_t, t) for the images x_t of a diffusion model's
 * own process: its training, as diffcls runs it, step by step (each image
 * of a batch diffused to a step t drawn uniformly, the softmax
 * cross-entropy of the unet-enc's logits against its class, AdamW), and
 * the check that a classifier so trained fits a diffusion model, as the
 * sampler makes it before it guides.
 *
 * A step's draws come from the seed and the step's number alone, so that
 * a run resumed at a step trains as the whole run would. */
#ifndef SIMBAL_NOISY_CLS_H
#define SIMBAL_NOISY_CLS_H

#include <stdbool.h>
#include <stddef.h>

#include "learn/dataset.h"
#include "learn/diffusion.h"
#include "learn/noised.h"
#include "learn/sample_diff.h"
#include "nn/ckpt.h"
#include "nn/model.h"
#include "nn/optim.h"

/* The random streams of a step: NOISY_STREAM_STEP + its number. */
enum { NOISY_STREAM_STEP = 1000 };

struct noisy_config {
	int batch;             /* images a step */
	float lr, beta1, beta2, weight_decay; /* AdamW's */
	enum class_draw draw;
	bool augment;          /* images flipped left to right half the time */
	struct diff_process process; /* the diffusion model's */
	unsigned long seed;
};

/* A run's network, optimizer, process and buffers. */
struct noisy_trainer {
	const struct noisy_config *cfg;
	const struct dataset *data;
	struct model m;
	struct optim opt;
	struct noised b;      /* the process and the batch */
};

/* What a step did: its batch's mean loss and how many of its images the
 * classifier gave their class (before the update). */
struct noisy_step {
	double loss;
	int correct;
};

/* The buffers and the process of a run of cfg on images of d; -1 with
 * err for a process that cannot be.  The network is built
 * (noisy_trainer_build) or read from a checkpoint into t->m and t->opt
 * by the caller. */
int noisy_trainer_init(struct noisy_trainer *t, const struct noisy_config *cfg,
		       const struct dataset *d, char *err);
/* A new unet-enc of d's images and classes at width_mult (weights from
 * cfg->seed), AdamW's state 0; -1 with err for sizes it cannot take. */
int noisy_trainer_build(struct noisy_trainer *t, float width_mult, char *err);
/* The optimizer of cfg, its state not set up. */
struct optim noisy_optimizer(const struct noisy_config *cfg);
void noisy_trainer_free(struct noisy_trainer *t);

/* Step number step (from 0) of the run: the batch, the loss, AdamW's
 * update at cfg->lr.  A loss not finite: no update. */
struct noisy_step noisy_train_step(struct noisy_trainer *t, long step);

/* Whether a noisy classifier c (its checkpoint's meta cmeta) fits the
 * diffusion model d (dmeta): the same image shape, the same classes in
 * the same order, the same schedule and T.  0, or -1 with "C: a noisy
 * classifier whose classes, size or schedule do not match D (...)" in
 * err, the files as the metas' fields name them. */
int noisy_classifier_check(const struct model *c, const struct ckpt_meta *cmeta,
			   const struct model *d, const struct ckpt_meta *dmeta, char *err);

/* Reads the noisy classifier at path (diffcls's checkpoint) into c and
 * cmeta and checks it against d and dmeta: 0, or -1 with err (a file
 * that is not one, or that does not fit); cmeta then needs no freeing. */
int noisy_classifier_load(const char *path, const struct model *d,
			  const struct ckpt_meta *dmeta, struct model *c,
			  struct ckpt_meta *cmeta, char *err);

#endif

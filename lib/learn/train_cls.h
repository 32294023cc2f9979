/* train_cls: a classifier's training, as clstrain runs it, epoch by
 * epoch: the order of an epoch's images (a shuffle, with oversampling
 * more draws of the smaller classes), the class-balanced weights of the
 * loss or the logit-adjusted loss's offsets, the augmentation (random crop and flip), the learning rate of
 * each step (nn/optim's schedules over the run's steps), and the step
 * itself (forward, softmax cross-entropy, backward, update).
 *
 * Everything random is drawn from the seed and the epoch alone, so that
 * a run resumed at an epoch trains as the whole run would. */
#ifndef SIMBAL_TRAIN_CLS_H
#define SIMBAL_TRAIN_CLS_H

#include <stdbool.h>

#include "base/rng.h"
#include "learn/classify.h"
#include "learn/dataset.h"
#include "nn/model.h"
#include "nn/optim.h"

/* What the training does, beside the model and its optimizer. */
struct cls_config {
	int epochs, batch;
	long steps;               /* the run's steps (0: epochs whole epochs): the
				   * schedule spans them, the last epoch ends there */
	float lr;                 /* the base rate */
	enum schedule_kind schedule;
	float warmup;             /* epochs of linear warm-up */
	float step_every, gamma;  /* SCHEDULE_STEP: epochs between decays, the decay */
	bool cb;                  /* class-balanced loss ... */
	float beta;               /* ... of (1 - beta) / (1 - beta^n) a class */
	bool la;                  /* logit-adjusted loss: the softmax of the ... */
	float tau;                /* ... logits + tau ln(prior) a class */
	bool oversample, augment;
	unsigned long seed;
};

/* A run's state: the caller's model, optimizer and normalisation (built,
 * or resumed from a checkpoint), and what the steps need. */
struct cls_trainer {
	const struct cls_config *cfg;
	const struct dataset *data;
	struct model *m;
	struct optim *optim;
	const struct norm *nm;
	struct schedule sched;
	float *weights;          /* of each class (cb), or NULL */
	float *offset;           /* of each class (la), or NULL */
	float *adjusted;         /* a batch's logits plus offset (la) */
	long steps_per_epoch;
	float *x;                /* a batch */
	int *labels;
};

void cls_trainer_init(struct cls_trainer *t, const struct cls_config *cfg, const struct dataset *d,
		      struct model *m, struct optim *o, const struct norm *nm);
void cls_trainer_free(struct cls_trainer *t);

/* The images of an epoch: all of d's, with cfg->oversample as many of
 * each class as the largest has. */
int cls_epoch_size(const struct cls_config *cfg, const struct dataset *d);

/* The steps of an epoch of d in batches of cfg->batch, and the epochs
 * of the run: cfg->epochs, or as many as cfg->steps begin. */
long cls_steps_per_epoch(const struct cls_config *cfg, const struct dataset *d);
int cls_epochs(const struct cls_config *cfg, long steps_per_epoch);

/* The order of epoch's images into *order (malloc'd, cls_epoch_size
 * of them): a shuffle of every image, and with oversample as many more
 * draws of each smaller class as make it as large as the largest. */
int cls_epoch_order(const struct cls_config *cfg, const struct dataset *d, int epoch, int **order);

/* The images of each class of d, as numbers; malloc'd. */
double *cls_class_counts(const struct dataset *d);

/* Class-balanced weights (Cui et al. 2019): (1 - beta) / (1 - beta^n_c),
 * normalised to sum to the number of classes; malloc'd. */
float *cls_class_weights(const struct dataset *d, float beta);

/* Random crop with 4 pixels of padding (the padding black, as the image's
 * 0 normalised) and horizontal flip, in place on a batch x [n][c][h][w]. */
void cls_augment(float *x, int n, int c, int h, int w, const struct norm *nm, struct rng *r);

/* The learning rates of a run of cfg->epochs epochs of steps_per_epoch
 * steps, or of cfg->steps steps: the warm-up and the decays' epochs in
 * steps. */
struct schedule cls_schedule(const struct cls_config *cfg, long steps_per_epoch);

/* One step on images idx[0 .. n - 1] of the set (augmented with r when
 * cfg->augment), the run's step number global: the loss, or a loss not
 * finite, and then no update.  The model's logits are the batch's. */
double cls_step(struct cls_trainer *t, const int *idx, int n, long global, struct rng *r);

struct cls_epoch_stats {
	double loss;  /* the mean over the images seen */
	long right, seen;
	int bad_step; /* the step whose loss was not finite (its loss in loss); 0: none */
};

/* Epoch epoch (from 0): its steps (those before cfg->steps, when it is
 * set), and after each, when progress is not NULL, progress(ctx, steps
 * done, mean loss so far, images seen); it stops at a loss not finite. */
void cls_epoch(struct cls_trainer *t, int epoch, struct cls_epoch_stats *st,
	       void (*progress)(void *ctx, long step, double loss, long seen), void *ctx);

#endif

/* optim: the optimizers of training as PyTorch defines them
 * (torch.optim.SGD, Adam, AdamW), over a model's parameter arena, and the
 * learning-rate schedules: step and cosine as PyTorch's StepLR and
 * CosineAnnealingLR (per update), after an optional linear warm-up from
 * lr / warmup to lr (PyTorch's LinearLR starts lower). */
#ifndef SIMBAL_OPTIM_H
#define SIMBAL_OPTIM_H

#include <stdbool.h>
#include <stddef.h>

#include "nn/model.h"

/* Stored by name (optim_names), so that a new kind may go anywhere; the
 * assertion fails the build until a kind added is counted. */
enum optim_kind { OPTIM_SGD, OPTIM_ADAM, OPTIM_ADAMW };
#define OPTIM_KINDS 3
_Static_assert(OPTIM_ADAMW + 1 == OPTIM_KINDS, "an optimizer added: count it, name it");
/* Their names, as the options and checkpoints say them. */
extern const char *const optim_names[OPTIM_KINDS];

struct optim {
	enum optim_kind kind;
	float momentum;      /* SGD */
	bool nesterov;       /* SGD */
	float beta1, beta2, eps; /* Adam, AdamW */
	float weight_decay;  /* L2 for SGD and Adam, decoupled for AdamW; weights only */
	long step;           /* updates done */
	float *state;        /* SGD: momentum buffer; Adam: first then second moments */
	size_t size;         /* floats in state */
};

/* Sets up the optimizer's state for m (zeros); kind and hyper-parameters
 * must be set in o first. */
void optim_init(struct optim *o, const struct model *m);
void optim_free(struct optim *o);

/* One update of m's trained parameters from its gradients, at rate lr. */
void optim_step(struct optim *o, struct model *m, float lr);

/* The exponential moving average of m's weights (every float of the
 * arena, the running statistics too) in avg, of m's architecture, after a
 * step of batch images: avg = beta avg + (1 - beta) m, beta =
 * 0.5^(batch / (1000 half_life)), half_life in thousands of images; a
 * copy when half_life is 0. */
void optim_average(struct model *avg, const struct model *m, float half_life, int batch);

enum schedule_kind { SCHEDULE_CONSTANT, SCHEDULE_STEP, SCHEDULE_COSINE };
#define SCHEDULE_KINDS 3
_Static_assert(SCHEDULE_COSINE + 1 == SCHEDULE_KINDS, "a schedule added: count it, name it");
extern const char *const schedule_names[SCHEDULE_KINDS];

struct schedule {
	enum schedule_kind kind;
	float lr;            /* the base rate */
	long total;          /* steps of the whole run (cosine) */
	long step_every;     /* SCHEDULE_STEP: multiply by gamma every so many steps */
	float gamma;
	long warmup;         /* steps of linear warm-up from lr / warmup to lr */
};

/* The rate of update number t (from 0). */
float schedule_lr(const struct schedule *s, long t);

#endif

#include "learn/train_diff.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "nn/act.h"

int diff_trainer_init(struct diff_trainer *t, const struct diff_config *cfg,
		      const struct dataset *d, char *err)
{
	*t = (struct diff_trainer){ .cfg = cfg, .data = d };
	if (noised_init(&t->b, cfg->schedule, cfg->timesteps, cfg->draw, d, cfg->batch, err))
		return -1;
	t->out = xmalloc((size_t)cfg->batch * t->b.size * sizeof *t->out);
	t->target = xmalloc((size_t)cfg->batch * t->b.size * sizeof *t->target);
	return 0;
}

struct optim diff_optimizer(const struct diff_config *cfg)
{
	return (struct optim){ .kind = OPTIM_ADAMW, .beta1 = cfg->beta1, .beta2 = cfg->beta2,
			       .eps = 1e-8f, .weight_decay = cfg->weight_decay };
}

int diff_trainer_build(struct diff_trainer *t, const struct arch *a, char *err)
{
	if (model_build(&t->m, a, t->cfg->seed, err) || model_build(&t->ema, a, 0, err))
		return -1;
	memcpy(t->ema.p, t->m.p, t->m.size * sizeof *t->m.p);
	t->opt = diff_optimizer(t->cfg);
	optim_init(&t->opt, &t->m);
	return 0;
}

void diff_trainer_free(struct diff_trainer *t)
{
	noised_free(&t->b);
	free(t->out), free(t->target);
	optim_free(&t->opt);
	model_free(&t->m), model_free(&t->ema);
	memset(t, 0, sizeof *t);
}

/* A batch's clean images x0 in [-1, 1], their labels (the class count:
 * dropped), their steps t, the noise eps and the noised images xt, all
 * from r in this order, image by image. */
static void draw_batch(struct diff_trainer *t, struct rng *r)
{
	const struct diff_config *cfg = t->cfg;
	const struct dataset *d = t->data;
	int n = cfg->batch;
	for (int i = 0; i < n; i++) {
		int c;
		t->b.idx[i] = class_image_draw(d, t->b.class_cdf, r, &c);
		t->b.labels[i] = rng_double(r) < cfg->p_uncond ? d->nclasses : c;
	}
	noised_batch(&t->b, d, r, cfg->augment, n);
}

/* What the model should answer for the batch's n images: the noise, or
 * v.  (The training process is not respaced: an image's t is its step.) */
static const float *batch_target(struct diff_trainer *t, int n)
{
	if (t->cfg->predict == TARGET_EPS)
		return t->b.eps;
	for (int i = 0; i < n; i++) {
		size_t at = (size_t)i * t->b.size;
		diffusion_v(&t->b.process, (int)t->b.t[i], t->b.x0 + at, t->b.eps + at,
			    t->target + at, (long)t->b.size);
	}
	return t->target;
}

float diff_rate(const struct diff_config *cfg, long step)
{
	struct schedule s = { .kind = SCHEDULE_CONSTANT, .lr = cfg->lr,
			      .warmup = lround(cfg->warmup * 1000 / cfg->batch) };
	return schedule_lr(&s, step);
}

double diff_train_step(struct diff_trainer *t, long step)
{
	const struct diff_config *cfg = t->cfg;
	struct rng r;
	rng_seed(&r, cfg->seed, DIFF_STREAM_STEP + (uint64_t)step);
	draw_batch(t, &r);
	int n = cfg->batch;
	t->m.timesteps = t->b.t;
	t->m.labels = t->b.labels;
	model_forward(&t->m, t->b.xt, n, true);
	model_output(&t->m, t->out);
	/* the gradient of the loss over the output replaces the output */
	double loss = mse_loss(t->out, batch_target(t, n), (size_t)n * t->b.size, t->out);
	if (!isfinite(loss))
		return loss;
	model_backward_from(&t->m, t->out, n);
	optim_step(&t->opt, &t->m, diff_rate(cfg, step));
	optim_average(&t->ema, &t->m, diff_ema_half_life(cfg, step), n);
	return loss;
}

float diff_ema_half_life(const struct diff_config *cfg, long step)
{
	double seen = (double)(step + 1) * cfg->batch / 1000;
	return fminf(cfg->ema, (float)(DIFF_EMA_RAMP * seen));
}

#include "learn/noisy_cls.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "metric/scores.h"
#include "nn/nn.h"

int noisy_trainer_init(struct noisy_trainer *t, const struct noisy_config *cfg,
		       const struct dataset *d, char *err)
{
	*t = (struct noisy_trainer){ .cfg = cfg, .data = d };
	return noised_init(&t->b, cfg->process.schedule, cfg->process.timesteps, cfg->draw, d,
			   cfg->batch, err);
}

struct optim noisy_optimizer(const struct noisy_config *cfg)
{
	return (struct optim){ .kind = OPTIM_ADAMW, .beta1 = cfg->beta1, .beta2 = cfg->beta2,
			       .eps = 1e-8f, .weight_decay = cfg->weight_decay };
}

int noisy_trainer_build(struct noisy_trainer *t, float width_mult, char *err)
{
	const struct dataset *d = t->data;
	struct arch a = { .name = "unet-enc", .channels = d->c, .height = d->h, .width = d->w,
			  .classes = d->nclasses, .width_mult = width_mult };
	if (model_build(&t->m, &a, t->cfg->seed, err))
		return -1;
	t->opt = noisy_optimizer(t->cfg);
	optim_init(&t->opt, &t->m);
	return 0;
}

void noisy_trainer_free(struct noisy_trainer *t)
{
	noised_free(&t->b);
	optim_free(&t->opt);
	model_free(&t->m);
	memset(t, 0, sizeof *t);
}

/* How many rows of logits [n][k] have their largest value at labels[i]. */
static int correct(const float *logits, const int *labels, int n, int k)
{
	int right = 0;
	for (int i = 0; i < n; i++)
		right += argmax(logits + (size_t)i * k, k) == labels[i];
	return right;
}

struct noisy_step noisy_train_step(struct noisy_trainer *t, long step)
{
	const struct noisy_config *cfg = t->cfg;
	const struct dataset *d = t->data;
	struct rng r;
	rng_seed(&r, cfg->seed, NOISY_STREAM_STEP + (uint64_t)step);
	int n = cfg->batch, k = d->nclasses;
	for (int i = 0; i < n; i++)
		t->b.idx[i] = class_image_draw(d, t->b.class_cdf, &r, &t->b.labels[i]);
	noised_batch(&t->b, d, &r, cfg->augment, n);
	struct model *m = &t->m;
	m->timesteps = t->b.t;
	model_forward(m, t->b.xt, n, true);
	struct noisy_step s = {
		softmax_ce(m->logits, t->b.labels, NULL, n, k, m->prob, m->dlogits),
		correct(m->logits, t->b.labels, n, k),
	};
	if (!isfinite(s.loss))
		return s;
	model_backward(m, n);
	optim_step(&t->opt, m, cfg->lr);
	return s;
}

/* Why c does not fit d, in why (ERRLEN bytes), or "". */
static void misfit(const struct model *c, const struct ckpt_meta *cmeta, const struct model *d,
		   const struct ckpt_meta *dmeta, char *why)
{
	const struct arch *ca = &c->arch, *da = &d->arch;
	struct diff_process cp, dp;
	char err[ERRLEN];
	*why = 0;
	bool same = ca->classes == da->classes;
	for (int i = 0; same && i < ca->classes; i++)
		same = strcmp(cmeta->classes[i], dmeta->classes[i]) == 0;
	if (!same)
		snprintf(why, ERRLEN, "its %d classes are not the %d of D, in their order",
			 ca->classes, da->classes);
	else if (ca->channels != da->channels || ca->height != da->height || ca->width != da->width)
		snprintf(why, ERRLEN, "its images are %dx%d of %d channels, D's %dx%d of %d",
			 ca->width, ca->height, ca->channels, da->width, da->height, da->channels);
	else if (diff_process_read(&cmeta->fields, &cp, err))
		snprintf(why, ERRLEN, "%s", err);
	else if (diff_process_read(&dmeta->fields, &dp, err))
		snprintf(why, ERRLEN, "%s", err);
	else if (cp.schedule != dp.schedule || cp.timesteps != dp.timesteps)
		snprintf(why, ERRLEN, "its process is %s of %d steps, D's %s of %d",
			 beta_schedule_names[cp.schedule], cp.timesteps,
			 beta_schedule_names[dp.schedule], dp.timesteps);
}

static const char *source(const struct ckpt_meta *m)
{
	return m->fields.source ? m->fields.source : "(unnamed)";
}

int noisy_classifier_check(const struct model *c, const struct ckpt_meta *cmeta,
			   const struct model *d, const struct ckpt_meta *dmeta, char *err)
{
	char why[ERRLEN];
	misfit(c, cmeta, d, dmeta, why);
	if (!*why)
		return 0;
	snprintf(err, ERRLEN, "%.100s: a noisy classifier whose classes, size or schedule do not match %.100s (%.200s)",
		 source(cmeta), source(dmeta), why);
	return -1;
}

int noisy_classifier_load(const char *path, const struct model *d,
			  const struct ckpt_meta *dmeta, struct model *c,
			  struct ckpt_meta *cmeta, char *err)
{
	if (ckpt_load(path, MODEL_NOISY_CLASSIFIER, c, NULL, cmeta, err))
		return -1;
	if (!noisy_classifier_check(c, cmeta, d, dmeta, err))
		return 0;
	model_free(c);
	ckpt_meta_free(cmeta);
	return -1;
}

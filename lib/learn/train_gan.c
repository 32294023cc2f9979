#include "learn/train_gan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"

/* R1's finite-difference step: the images move this far (RMS) along the
 * gradient. */
#define R1_STEP 0.01
/* Images a forward pass of the judge's classifier and generator. */
#define JUDGE_BATCH 256

void gan_trainer_init(struct gan_trainer *t, const struct gan_config *cfg, const struct dataset *d)
{
	*t = (struct gan_trainer){ .cfg = cfg, .data = d };
	t->size = (size_t)d->c * (size_t)d->h * (size_t)d->w;
	size_t n = (size_t)cfg->batch;
	t->real = xmalloc(n * t->size * sizeof *t->real);
	t->fake = xmalloc(n * t->size * sizeof *t->fake);
	t->grad = xmalloc(n * t->size * sizeof *t->grad);
	t->pair = xmalloc(2 * n * t->size * sizeof *t->pair);
	t->seen = cfg->augment ? xmalloc(2 * n * t->size * sizeof *t->seen) : NULL;
	t->aug = cfg->augment ? xmalloc(2 * n * sizeof *t->aug) : NULL;
	t->z = xmalloc(n * GAN_ZDIM * sizeof *t->z);
	t->real_labels = xmalloc(n * sizeof *t->real_labels);
	t->fake_labels = xmalloc(n * sizeof *t->fake_labels);
	t->pair_labels = xmalloc(2 * n * sizeof *t->pair_labels);
}

struct arch gan_discriminator_arch(const struct arch *g)
{
	struct arch d = *g;
	snprintf(d.name, sizeof d.name, "%.*s-d", (int)strcspn(g->name, "-"), g->name);
	return d;
}

int gan_trainer_build(struct gan_trainer *t, const struct arch *g, char *err)
{
	const struct gan_config *cfg = t->cfg;
	struct arch d = gan_discriminator_arch(g);
	/* seeds 2s and 2s + 1: the two networks' weights from seeds no other
	 * run's share */
	if (model_build(&t->g, g, cfg->seed * 2, err) ||
	    model_build(&t->d, &d, cfg->seed * 2 + 1, err) || model_build(&t->ema, g, 0, err))
		return -1;
	memcpy(t->ema.p, t->g.p, t->g.size * sizeof *t->g.p);
	struct optim adam = { .kind = OPTIM_ADAM, .beta1 = cfg->beta1, .beta2 = cfg->beta2,
			      .eps = 1e-8f };
	t->og = t->od = adam;
	optim_init(&t->og, &t->g);
	optim_init(&t->od, &t->d);
	return 0;
}

void gan_trainer_free(struct gan_trainer *t)
{
	free(t->real), free(t->fake), free(t->grad), free(t->pair), free(t->z), free(t->seen);
	free(t->aug), free(t->real_labels), free(t->fake_labels), free(t->pair_labels);
	optim_free(&t->og), optim_free(&t->od);
	model_free(&t->g), model_free(&t->d), model_free(&t->ema);
	memset(t, 0, sizeof *t);
}

/* A batch's images as the networks see them, [n][c][h][w] in [-1, 1]:
 * each group of GAN_GROUP of one class, drawn as often as the training
 * set has it. */
static void real_batch(const struct gan_trainer *t, struct rng *r, float *x, int *labels)
{
	int n = t->cfg->batch, *idx = xmalloc((size_t)n * sizeof *idx);
	for (int i = 0; i < n; i++) {
		int c = i % GAN_GROUP ? labels[i - 1] : t->data->label[rng_below(r, (uint32_t)t->data->n)];
		idx[i] = t->data->members[c][rng_below(r, (uint32_t)t->data->count[c])];
		labels[i] = c;
	}
	float mean[3] = { 0.5f, 0.5f, 0.5f }, sd[3] = { 0.5f, 0.5f, 0.5f };
	dataset_batch(t->data, idx, n, mean, sd, x);
	free(idx);
}

/* Classes for generated images, as often as the training set has them,
 * one a group of GAN_GROUP. */
static void fake_labels(const struct gan_trainer *t, struct rng *r, int *labels)
{
	for (int i = 0; i < t->cfg->batch; i++)
		labels[i] = i % GAN_GROUP ? labels[i - 1]
					  : t->data->label[rng_below(r, (uint32_t)t->data->n)];
}

/* What the discriminator is shown of n images x: x itself, or with
 * augment x augmented, in t->seen. */
static const float *shown(struct gan_trainer *t, struct rng *r, const float *x, int n)
{
	if (!t->cfg->augment)
		return x;
	const struct arch *a = &t->g.arch;
	gan_aug_draw(r, n, a->height, a->width, t->aug);
	gan_aug_forward(t->aug, n, a->channels, a->height, a->width, x, t->seen);
	return t->seen;
}

static double softplus(double x)
{
	return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
}

static double sigmoid(double x)
{
	return 1 / (1 + exp(-x));
}

double gan_logistic(const float *logits, int n, double sign, double lambda, int over,
		    float *dlogits)
{
	double loss = 0;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < 2; j++) {
			double w = j ? lambda : 1, l = sign * logits[2 * i + j];
			loss += w * softplus(l);
			dlogits[2 * i + j] = (float)(w * sign * sigmoid(l) / over);
		}
	return loss / over;
}

/* The discriminator's step: generated images (sign +1) and real ones
 * (sign -1) in one batch; it has no batch norm and its standard deviation
 * groups (GAN_GROUP divides the batch) hold one or the other, so that is
 * the same as two. */
double gan_step_d(struct gan_trainer *t, struct rng *r, double lambda, float lr)
{
	int n = t->cfg->batch;
	size_t bytes = (size_t)n * t->size * sizeof *t->pair;
	real_batch(t, r, t->real, t->real_labels);
	fake_labels(t, r, t->fake_labels);
	gan_latents(r, n, 0, t->z);
	t->g.labels = t->fake_labels;
	t->g.lambda = (float)lambda;
	model_forward(&t->g, t->z, n, true);
	model_output(&t->g, t->pair);
	memcpy((char *)t->pair + bytes, t->real, bytes);
	memcpy(t->pair_labels, t->fake_labels, (size_t)n * sizeof *t->pair_labels);
	memcpy(t->pair_labels + n, t->real_labels, (size_t)n * sizeof *t->pair_labels);
	t->d.labels = t->pair_labels;
	model_forward(&t->d, shown(t, r, t->pair, 2 * n), 2 * n, true);
	double loss = gan_logistic(t->d.logits, n, 1, lambda, n, t->d.dlogits) +
		      gan_logistic(t->d.logits + 2 * n, n, -1, lambda, n, t->d.dlogits + 2 * n);
	model_backward(&t->d, 2 * n);
	optim_step(&t->od, &t->d, lr);
	return loss;
}

/* R1 = gamma / 2 E |grad_x l_uc(x)|^2 on real images (with augment, x
 * the augmented image, every pixel of it: moved out and cut pixels too).
 * Its gradient in the weights, (gamma / n) sum_i H_i g_i (g_i the input
 * gradient, H_i the mixed second derivative), is the difference of the
 * weight gradients of l_uc at x_i + eps g_i and x_i - eps g_i over 2 eps:
 * two first-order passes, no second-order backward. */
double gan_step_r1(struct gan_trainer *t, struct rng *r, float lr)
{
	int n = t->cfg->batch;
	size_t len = (size_t)n * t->size;
	real_batch(t, r, t->real, t->real_labels);
	const float *real = shown(t, r, t->real, n);
	t->d.labels = t->real_labels;
	t->d.input_grad = true;
	model_forward(&t->d, real, n, true);
	for (int i = 0; i < n; i++) {
		t->d.dlogits[2 * i] = 1;
		t->d.dlogits[2 * i + 1] = 0;
	}
	model_backward(&t->d, n);
	model_input_grad(&t->d, t->grad);
	t->d.input_grad = false;
	double sq = 0;
	for (size_t i = 0; i < len; i++)
		sq += (double)t->grad[i] * t->grad[i];
	double r1 = t->cfg->r1 / 2 * sq / n;
	if (!(sq > 0))
		return r1;
	double eps = R1_STEP / sqrt(sq / (double)len);
	for (size_t i = 0; i < len; i++) {
		double step = eps * t->grad[i]; /* eps may be beyond float's range */
		t->pair[i] = (float)(real[i] + step);
		t->pair[len + i] = (float)(real[i] - step);
	}
	memcpy(t->pair_labels, t->real_labels, (size_t)n * sizeof *t->pair_labels);
	memcpy(t->pair_labels + n, t->real_labels, (size_t)n * sizeof *t->pair_labels);
	t->d.labels = t->pair_labels;
	model_forward(&t->d, t->pair, 2 * n, true);
	double w = (double)t->cfg->r1 * GAN_R1_EVERY / n / (2 * eps);
	for (int i = 0; i < 2 * n; i++) {
		t->d.dlogits[2 * i] = (float)(i < n ? w : -w);
		t->d.dlogits[2 * i + 1] = 0;
	}
	model_backward(&t->d, 2 * n);
	optim_step(&t->od, &t->d, lr);
	return r1;
}

/* The generator's step, through the discriminator's input gradient. */
double gan_step_g(struct gan_trainer *t, struct rng *r, double lambda, float lr)
{
	int n = t->cfg->batch;
	fake_labels(t, r, t->fake_labels);
	gan_latents(r, n, 0, t->z);
	t->g.labels = t->d.labels = t->fake_labels;
	t->g.lambda = (float)lambda;
	model_forward(&t->g, t->z, n, true);
	model_output(&t->g, t->fake);
	t->d.input_grad = t->d.no_conv_weight_grad = true;
	model_forward(&t->d, shown(t, r, t->fake, n), n, true);
	double loss = gan_logistic(t->d.logits, n, -1, lambda, n, t->d.dlogits);
	model_backward(&t->d, n);
	model_input_grad(&t->d, t->grad);
	t->d.input_grad = t->d.no_conv_weight_grad = false;
	const float *grad = t->grad;
	if (t->cfg->augment) {
		/* through the augmentation; t->seen is free again */
		const struct arch *a = &t->g.arch;
		gan_aug_backward(t->aug, n, a->channels, a->height, a->width, t->grad, t->seen);
		grad = t->seen;
	}
	model_backward_from(&t->g, grad, n);
	optim_step(&t->og, &t->g, lr);
	return loss;
}

void gan_update_ema(struct gan_trainer *t)
{
	optim_average(&t->ema, &t->g, t->cfg->ema, t->cfg->batch);
}

int gan_train_step(struct gan_trainer *t, long step, struct gan_step *s)
{
	const struct gan_config *cfg = t->cfg;
	double kimg = (double)step * cfg->batch / 1000;
	struct rng r;
	rng_seed(&r, cfg->seed, GAN_STREAM_STEP + (uint64_t)step);
	*s = (struct gan_step){ .lambda = gan_lambda(kimg, cfg->t_start, cfg->t_end) };
	s->loss_d = gan_step_d(t, &r, s->lambda, cfg->lr_d);
	if (cfg->r1 > 0 && step % GAN_R1_EVERY == 0) {
		s->r1 = gan_step_r1(t, &r, cfg->lr_d);
		s->r1_done = true;
	}
	s->loss_g = gan_step_g(t, &r, s->lambda, cfg->lr_g);
	if (!isfinite(s->loss_d) || !isfinite(s->loss_g))
		return -1;
	gan_update_ema(t);
	return 0;
}

int gan_judge_open(struct gan_judge *j, struct model *classifier, const struct norm *nm,
		   const struct gan_trainer *t, int n, char *err)
{
	const struct arch *c = &classifier->arch, *a = &t->g.arch;
	if (c->channels != a->channels || c->height != a->height || c->width != a->width) {
		snprintf(err, ERRLEN, "a classifier of %dx%d %s images, not of the generator's %dx%d %s",
			 c->width, c->height, c->channels == 1 ? "gray" : "colour", a->width,
			 a->height, a->channels == 1 ? "gray" : "colour");
		return -1;
	}
	*j = (struct gan_judge){ .m = classifier, .nm = nm, .n = n };
	const struct dataset *d = t->data;
	struct rng r;
	rng_seed(&r, t->cfg->seed, GAN_STREAM_FID_REAL);
	uint8_t *px = xmalloc((size_t)n * t->size);
	for (int i = 0; i < n; i++)
		memcpy(px + (size_t)i * t->size,
		       d->px + (size_t)rng_below(&r, (uint32_t)d->n) * t->size, t->size);
	int dim;
	model_features(j->m, &dim);
	features_init(&j->real, dim);
	classify_features(j->m, j->nm, px, n, JUDGE_BATCH, &j->real);
	free(px);
	rng_seed(&r, t->cfg->seed, GAN_STREAM_FID_FAKE);
	j->z = xmalloc((size_t)n * GAN_ZDIM * sizeof *j->z);
	j->labels = xmalloc((size_t)n * sizeof *j->labels);
	gan_latents(&r, n, 0, j->z);
	for (int i = 0; i < n; i++)
		j->labels[i] = d->label[rng_below(&r, (uint32_t)d->n)];
	return 0;
}

int gan_judge_fid(struct gan_judge *j, struct gan_trainer *t, double lambda, double *fid,
		  char *err)
{
	int n = j->n;
	uint8_t *px = xmalloc((size_t)n * t->size);
	for (int start = 0; start < n; start += JUDGE_BATCH) {
		int nb = n - start < JUDGE_BATCH ? n - start : JUDGE_BATCH;
		gan_generate(&t->ema, j->z + (size_t)start * GAN_ZDIM, j->labels + start, nb,
			     (float)lambda, px + (size_t)start * t->size);
	}
	struct features fake;
	features_init(&fake, j->real.dim);
	classify_features(j->m, j->nm, px, n, JUDGE_BATCH, &fake);
	bool offset;
	int rc = fid_distance(&j->real, &fake, 1e-6, &offset, fid, err);
	features_free(&fake);
	free(px);
	return rc;
}

void gan_judge_free(struct gan_judge *j)
{
	features_free(&j->real);
	free(j->z), free(j->labels);
	memset(j, 0, sizeof *j);
}

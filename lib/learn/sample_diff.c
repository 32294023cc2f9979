#include "learn/sample_diff.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "learn/dataset.h"

const char *const diff_method_names[DIFF_METHODS] = {
	[DIFF_DDIM] = "ddim",
	[DIFF_DDPM] = "ddpm",
};

int diff_process_read(const struct fields *f, struct diff_process *p, char *err)
{
	struct field schedule = FIELD_NAMED("train.schedule", &p->schedule, beta_schedule_names,
					    BETA_SCHEDULES);
	if (fields_get(f, &schedule, err) ||
	    fields_get(f, &FIELD("train.diffusion_steps", FIELD_INT, &p->timesteps), err))
		return -1;
	if (p->timesteps < 2)
		return fields_refuse(f, "train.diffusion_steps", "a count of at least 2", err);
	return 0;
}

int diff_target_read(const struct fields *f, enum diff_target *t, char *err)
{
	return fields_get(f, &FIELD_NAMED("train.predict", t, diff_target_names, DIFF_TARGETS), err);
}

void diff_target_fill(struct fields *f)
{
	if (!fields_find(f, "train.predict"))
		fields_add(f, "train.predict", diff_target_names[TARGET_EPS]);
}

int diff_sampler_init(struct diff_sampler *s, struct model *m, struct model *classifier,
		      const struct diff_process *p, const struct diff_settings *set, char *err)
{
	*s = (struct diff_sampler){ .m = m, .classifier = classifier, .set = *set };
	/* beyond 1, DDIM's sigma exceeds what the step can take */
	if (set->eta < 0 || set->eta > 1) {
		snprintf(err, ERRLEN, "DDIM's eta is %g, not in [0, 1]", set->eta);
		return -1;
	}
	struct diffusion base;
	if (diffusion_named(&base, p->schedule, p->timesteps, err))
		return -1;
	int *kept = xmalloc((size_t)(set->steps > 0 ? set->steps : 1) * sizeof *kept);
	int rc = diffusion_space(p->timesteps, set->steps, SPACING_EVEN, kept, err);
	if (!rc)
		rc = diffusion_respace(&s->process, &base, kept, set->steps, err);
	free(kept);
	diffusion_free(&base);
	return rc;
}

void diff_sampler_free(struct diff_sampler *s)
{
	diffusion_free(&s->process);
	memset(s, 0, sizeof *s);
}

/* A batch's buffers: its images, their ε, the model's input and output
 * of up to twice as many (the conditional and the unconditional pass), the
 * classifier's gradient, the noise. */
struct batch {
	int n;
	long size;
	float *x, *eps, *in, *out, *grad, *z, *t;
	int *labels;
	struct rng *r;
};

static void batch_init(struct batch *b, int n, long size)
{
	size_t len = (size_t)n * (size_t)size;
	*b = (struct batch){ .n = n, .size = size };
	b->x = xmalloc(len * sizeof *b->x);
	b->eps = xmalloc(len * sizeof *b->eps);
	b->in = xmalloc(2 * len * sizeof *b->in);
	b->out = xmalloc(2 * len * sizeof *b->out);
	b->grad = xmalloc(len * sizeof *b->grad);
	b->z = xmalloc(len * sizeof *b->z);
	b->t = xmalloc(2 * (size_t)n * sizeof *b->t);
	b->labels = xmalloc(2 * (size_t)n * sizeof *b->labels);
	b->r = xmalloc((size_t)n * sizeof *b->r);
}

static void batch_free(struct batch *b)
{
	free(b->x), free(b->eps), free(b->in), free(b->out), free(b->grad), free(b->z);
	free(b->t), free(b->labels), free(b->r);
}

/* The model's ε for the batch at step i (a v-model's answer turned into
 * ε first; guidance combines either alike): the conditional model's, the
 * unconditional one's (w = 0, or an unconditional sample), or with any
 * other w both in one pass of 2n images, combined. */
static void model_eps(struct diff_sampler *s, struct batch *b, const int *labels, int i)
{
	int n = b->n, classes = s->m->arch.classes;
	size_t len = (size_t)n * (size_t)b->size;
	double w = s->set.unconditional ? 0 : s->set.cfg;
	bool both = w != 0 && w != 1;
	int passes = both ? 2 : 1;
	for (int k = 0; k < n; k++) {
		b->labels[k] = w == 0 ? classes : labels[k];
		b->labels[n + k] = classes;
	}
	for (int k = 0; k < passes * n; k++)
		b->t[k] = (float)s->process.t[i];
	memcpy(b->in, b->x, len * sizeof *b->in);
	if (both)
		memcpy(b->in + len, b->x, len * sizeof *b->in);
	s->m->timesteps = b->t;
	s->m->labels = b->labels;
	model_forward(s->m, b->in, passes * n, false);
	model_output(s->m, b->out);
	if (s->set.predict == TARGET_V)
		for (int k = 0; k < passes * n; k++) {
			size_t at = (size_t)k * (size_t)b->size;
			diffusion_eps_of_v(&s->process, i, b->in + at, b->out + at, b->out + at,
					   b->size);
		}
	if (!both) {
		memcpy(b->eps, b->out, len * sizeof *b->eps);
		return;
	}
	/* an unconditional sample is the unconditional model's alone */
	for (int k = 0; k < n; k++) {
		size_t at = (size_t)k * (size_t)b->size;
		diffusion_cfg(b->out + len + at, b->out + at, labels[k] == classes ? 0 : w,
			      b->eps + at, b->size);
	}
}

void diff_classifier_grad(struct model *c, const float *x, const float *t, const int *labels,
			  int n, float *grad)
{
	int classes = c->arch.classes;
	c->timesteps = t;
	c->input_grad = c->no_conv_weight_grad = true;
	model_forward(c, x, n, true);
	for (int k = 0; k < n; k++) {
		const float *l = c->logits + (size_t)k * classes;
		float *d = c->dlogits + (size_t)k * classes;
		double top = l[0], sum = 0;
		for (int j = 1; j < classes; j++)
			top = l[j] > top ? l[j] : top;
		for (int j = 0; j < classes; j++)
			sum += exp(l[j] - top);
		/* d log softmax(l)_y / d l = onehot(y) - softmax(l) */
		for (int j = 0; j < classes; j++)
			d[j] = labels[k] == classes ? 0
						    : (float)((j == labels[k]) - exp(l[j] - top) / sum);
	}
	model_backward(c, n);
	model_input_grad(c, grad);
	c->input_grad = c->no_conv_weight_grad = false;
}

/* The classifier's gradient for each image of the batch at step i, into
 * b->grad. */
static void classifier_grad(struct diff_sampler *s, struct batch *b, const int *labels, int i)
{
	for (int k = 0; k < b->n; k++)
		b->t[k] = (float)s->process.t[i];
	diff_classifier_grad(s->classifier, b->x, b->t, labels, b->n, b->grad);
}

/* Step i for the whole batch: ε (guided for DDIM), then each image's
 * update (an ancestral step's mean guided). */
static void step(struct diff_sampler *s, struct batch *b, const int *labels, int i)
{
	const struct diff_settings *set = &s->set;
	model_eps(s, b, labels, i);
	bool guided = s->classifier && set->scale > 0, ddim = set->method == DIFF_DDIM;
	if (guided)
		classifier_grad(s, b, labels, i);
	if (guided && ddim)
		diffusion_guide(&s->process, i, set->scale, b->grad, b->eps, (long)b->n * b->size);
	bool noise = i > 0 && (!ddim || set->eta > 0);
	for (int k = 0; k < b->n; k++) {
		size_t at = (size_t)k * (size_t)b->size;
		const float *z = noise ? b->z + at : NULL;
		if (noise)
			diffusion_noise(&b->r[k], b->z + at, b->size);
		if (ddim)
			diffusion_ddim_step(&s->process, i, set->eta, b->x + at, b->eps + at, true, z,
					    b->x + at, b->size);
		else
			diffusion_ddpm_guided_step(&s->process, i, DDPM_FIXED_SMALL, b->x + at,
						   b->eps + at, true, set->scale,
						   guided ? b->grad + at : NULL, z, b->x + at,
						   b->size);
	}
}

void diff_sample(struct diff_sampler *s, const int *labels, const uint64_t *index, int n,
		 uint8_t *px)
{
	const struct arch *a = &s->m->arch;
	struct batch b;
	batch_init(&b, n, (long)a->channels * a->height * a->width);
	for (int k = 0; k < n; k++) {
		rng_seed(&b.r[k], s->set.seed, index[k]);
		diffusion_noise(&b.r[k], b.x + (size_t)k * (size_t)b.size, b.size);
	}
	for (int i = s->process.n - 1; i >= 0; i--)
		step(s, &b, labels, i);
	dataset_unbatch(b.x, n, a->channels, a->height, a->width, px);
	batch_free(&b);
}

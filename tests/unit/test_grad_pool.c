/* Unit tests of the model's buffers (lib/nn/model).  The gradients',
 * shared by activations whose gradients are never in use at once: a
 * training step gives the same bits of every parameter's gradient and of
 * the input's as with a buffer for each activation, for the UNet,
 * unet-enc, a ResNet and a discriminator (the input's gradient alone);
 * the sharing takes less memory; a model only evaluated has none.  The
 * activations', shared in evaluation until a pass in training: the same
 * bits of the output, logits and features as a buffer each (after a pass
 * in training), in less memory. */
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "base/rng.h"
#include "nn/model.h"
#include "probe.h"
#include "unit.h"

static const int labels[] = { 1, 3, 0, 2 };
static const float timesteps[] = { 3, 517.5f, 999, 40 };

/* The model of arch, its parameters moved off their start by up to 0.3
 * (the UNet's zero-started convolutions would hide the gradients behind
 * them), the same for the same seed. */
static void build(struct model *m, const struct arch *arch, unsigned long long seed)
{
	char err[ERRLEN];
	if (model_build(m, arch, 7, err)) {
		unit_fail(__FILE__, __LINE__, err);
		exit(1);
	}
	struct rng r;
	rng_seed(&r, seed, 0);
	float *nudge = probe_uniform(&r, m->size, -0.3f, 0.3f);
	for (size_t i = 0; i < m->size; i++)
		m->p[i] += nudge[i];
	free(nudge);
	m->labels = labels;
	m->timesteps = timesteps;
	m->input_grad = true;
}

static size_t act_floats(const struct model *m, int i, int n)
{
	const struct act *a = &m->acts[i];
	return (size_t)n * (size_t)a->c * (size_t)a->h * (size_t)a->w;
}

/* A training step of n images drawn from seed: the parameters' gradients
 * then the input's, in g [m->size + the input's floats]. */
static void step(struct model *m, int n, unsigned long long seed, float *g)
{
	struct rng r;
	rng_seed(&r, seed, 0);
	size_t nx = act_floats(m, 0, n), nout = act_floats(m, m->nacts - 1, n);
	float *x = probe_uniform(&r, nx, -1, 1);
	model_forward(m, x, n, true);
	float *dout = probe_uniform(&r, m->outputs ? (size_t)n * (size_t)m->outputs : nout, -1, 1);
	if (m->outputs) {
		memcpy(m->dlogits, dout, (size_t)n * (size_t)m->outputs * sizeof *dout);
		model_backward(m, n);
	} else {
		model_backward_from(m, dout, n);
	}
	memcpy(g, m->g, m->size * sizeof *g);
	model_input_grad(m, g + m->size);
	free(x);
	free(dout);
}

/* Steps of 3 images then 4 (the buffers grown) then 2, shared and
 * unshared: the same bits. */
static void same_bits(const struct arch *arch, bool no_conv_weight_grad)
{
	struct model shared, own;
	build(&shared, arch, 11);
	build(&own, arch, 11);
	own.grads_unshared = true;
	shared.no_conv_weight_grad = own.no_conv_weight_grad = no_conv_weight_grad;
	const int sizes[] = { 3, 4, 2 };
	for (int k = 0; k < 3; k++) {
		size_t len = shared.size + act_floats(&shared, 0, sizes[k]);
		float *a = xmalloc(len * sizeof *a), *b = xmalloc(len * sizeof *b);
		step(&shared, sizes[k], 100 + (unsigned)k, a);
		step(&own, sizes[k], 100 + (unsigned)k, b);
		CHECK(memcmp(a, b, len * sizeof *a) == 0);
		free(a);
		free(b);
	}
	CHECK(model_grad_floats(&shared) < model_grad_floats(&own));
	model_free(&shared);
	model_free(&own);
}

static void unet_same_bits(void)
{
	same_bits(&(struct arch){ "unet", 1, 8, 8, 3, 0.25f }, false);
}

static void unet_encoder_same_bits(void)
{
	same_bits(&(struct arch){ "unet-enc", 3, 12, 12, 4, 0.125f }, false);
}

static void resnet_same_bits(void)
{
	same_bits(&(struct arch){ "resnet20", 3, 8, 8, 4, 0.5f }, false);
}

/* The generator's step through the discriminator: the input's gradient
 * alone. */
static void discriminator_same_bits(void)
{
	same_bits(&(struct arch){ "rgan-d", 3, 8, 8, 4, 0.25f }, true);
}

/* Only evaluated, even of a batch of 4: no gradient buffer; the
 * unshared UNet's are each activation's but the scratch ones. */
static void evaluation_allocates_none(void)
{
	struct model m;
	build(&m, &(struct arch){ "unet", 1, 8, 8, 3, 0.25f }, 11);
	float *x = xcalloc(act_floats(&m, 0, 4), sizeof *x);
	model_forward(&m, x, 4, false);
	CHECK(model_grad_floats(&m) == 0);
	for (int i = 0; i < m.nacts; i++)
		CHECK(m.d[i] == NULL);
	m.grads_unshared = true;
	float *g = xmalloc((m.size + act_floats(&m, 0, 4)) * sizeof *g);
	step(&m, 4, 1, g);
	size_t all = 0;
	for (int i = 0; i < m.nacts; i++)
		all += m.acts[i].scratch ? 0 : act_floats(&m, i, 1);
	CHECK(model_grad_floats(&m) == all);
	model_free(&m);
	free(x);
	free(g);
}

/* An evaluation pass of n images drawn from seed: the output (or the
 * logits) then model_features', in out (malloc'd). */
static float *evaluate(struct model *m, int n, unsigned long long seed, size_t *len)
{
	struct rng r;
	rng_seed(&r, seed, 0);
	float *x = probe_uniform(&r, act_floats(m, 0, n), -1, 1);
	model_forward(m, x, n, false);
	int dim = 0;
	const float *feat = model_features(m, &dim);
	size_t nout = m->outputs ? (size_t)n * (size_t)m->outputs : act_floats(m, m->nacts - 1, n);
	*len = nout + (size_t)dim * (size_t)n;
	float *out = xmalloc(*len * sizeof *out);
	if (m->outputs)
		memcpy(out, m->logits, nout * sizeof *out);
	else
		model_output(m, out);
	if (dim)
		memcpy(out + nout, feat, (size_t)dim * (size_t)n * sizeof *out);
	free(x);
	return out;
}

/* Evaluations of 3, 4 then 2 images, on shared activation buffers and on
 * a buffer each (after a training pass): the same bits. */
static void evaluation_same_bits(const struct arch *arch)
{
	struct model shared, own;
	build(&shared, arch, 11);
	build(&own, arch, 11);
	float *g = xmalloc((own.size + act_floats(&own, 0, 2)) * sizeof *g);
	step(&own, 2, 1, g);
	memcpy(own.p, shared.p, own.size * sizeof *own.p); /* the running statistics */
	const int sizes[] = { 3, 4, 2 };
	for (int k = 0; k < 3; k++) {
		size_t la, lb;
		float *a = evaluate(&shared, sizes[k], 200 + (unsigned)k, &la);
		float *b = evaluate(&own, sizes[k], 200 + (unsigned)k, &lb);
		CHECK(la == lb && memcmp(a, b, la * sizeof *a) == 0);
		free(a);
		free(b);
	}
	CHECK(model_act_floats(&shared) < model_act_floats(&own));
	CHECK(model_grad_floats(&shared) == 0);
	model_free(&shared);
	model_free(&own);
	free(g);
}

static void unet_evaluation_same_bits(void)
{
	evaluation_same_bits(&(struct arch){ "unet", 1, 8, 8, 3, 0.25f });
}

static void classifiers_evaluation_same_bits(void)
{
	evaluation_same_bits(&(struct arch){ "unet-enc", 3, 12, 12, 4, 0.125f });
	evaluation_same_bits(&(struct arch){ "resnet20", 3, 8, 8, 4, 0.5f });
}

static void generator_evaluation_same_bits(void)
{
	evaluation_same_bits(&(struct arch){ "rgan-g", 3, 8, 8, 4, 0.25f });
}

void unit_main(void)
{
	unit_run("the UNet's gradients the same bits shared", unet_same_bits);
	unit_run("unet-enc's gradients the same bits shared", unet_encoder_same_bits);
	unit_run("a ResNet's gradients the same bits shared", resnet_same_bits);
	unit_run("a discriminator's input gradient the same bits shared",
		 discriminator_same_bits);
	unit_run("a model only evaluated has no gradient buffers", evaluation_allocates_none);
	unit_run("the UNet's evaluation the same bits shared", unet_evaluation_same_bits);
	unit_run("unet-enc's and a ResNet's evaluation the same bits shared",
		 classifiers_evaluation_same_bits);
	unit_run("a generator's evaluation the same bits shared", generator_evaluation_same_bits);
}

/* Unit tests of the unet architecture (lib/nn/arch, issue 18) on the model
 * interpreter (lib/nn/model): the whole network's gradients against
 * central differences, the same bits on 1 and 2 threads, an image's
 * output independent of its batch, guided-diffusion's parameter names,
 * the sizes it takes and refuses, and PyTorch's output and gradients for
 * the same weights (tests/fixtures/nn/unet-*.tsv); and of unet-enc, the
 * noisy classifier: its gradients, batch independence, names and
 * PyTorch's logits and gradients (tests/fixtures/nn/unet-enc-*.tsv). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "base/rng.h"
#include "nn/act.h"
#include "nn/model.h"
#include "nn/nn.h"
#include "fixture.h"
#include "netprobe.h"
#include "probe.h"
#include "unit.h"

static struct rng r;

static float *uniform(size_t n, float lo, float hi)
{
	return probe_uniform(&r, n, lo, hi);
}

/* The tiny UNet of these tests: 8 channels (width 0.25; group norms of
 * 8 groups), 8 x 8 images of 1 channel, 3 classes; 2 images, one of
 * them without a class. */
enum { SIDE = 8, PIXELS = SIDE * SIDE, N = 2, CLASSES = 3 };
static const struct arch tiny = { "unet", 1, SIDE, SIDE, CLASSES, 0.25f };
static const int tiny_labels[N] = { 1, CLASSES };
static const float tiny_times[N] = { 3, 517.5f };

/* Every parameter moved off its start by up to 0.3: the zero-started
 * convolutions (out_layers.3, proj_out, out.2) would otherwise hide the
 * gradients behind them. */
static void build_nudged(struct model *m, const struct arch *arch)
{
	char err[ERRLEN];
	if (model_build(m, arch, 7, err)) {
		unit_fail(__FILE__, __LINE__, err);
		exit(1);
	}
	float *nudge = uniform(m->size, -0.3f, 0.3f);
	for (size_t i = 0; i < m->size; i++)
		m->p[i] += nudge[i];
	free(nudge);
	m->labels = tiny_labels;
	m->timesteps = tiny_times;
}

static void gradients(void)
{
	struct net_case c = { .n = N };
	build_nudged(&c.m, &tiny);
	c.m.input_grad = true;
	float *x = uniform(N * PIXELS, -1, 1);
	c.x = x;
	float *r_out = uniform(N * PIXELS, -1, 1);
	double e = net_gradient_error(&c, x, N * PIXELS, N * PIXELS, r_out);
	free(r_out);
	printf("# unet (8 channels, 8x8, %d tensors): worst gradient error %.2g\n", c.m.nparams,
	       e);
	CHECK(e < NET_TOLERANCE);
	model_free(&c.m);
	free(x);
}

/* One forward and backward pass on threads threads: the output, the
 * parameters' gradients and the input's, one after the other in out. */
static float *pass_on(int threads, const float *x, const float *dout, size_t *len)
{
	nn_init(threads);
	struct model m;
	build_nudged(&m, &tiny);
	m.input_grad = true;
	size_t nx = N * PIXELS;
	*len = 2 * nx + m.size;
	float *out = xmalloc(*len * sizeof *out);
	model_forward(&m, x, N, true);
	model_output(&m, out);
	model_backward_from(&m, dout, N);
	model_input_grad(&m, out + nx);
	memcpy(out + 2 * nx, m.g, m.size * sizeof *m.g);
	model_free(&m);
	nn_init(2);
	return out;
}

static void same_bits_on_1_and_2_threads(void)
{
	float *x = uniform(N * PIXELS, -1, 1), *dout = uniform(N * PIXELS, -1, 1);
	size_t len;
	struct rng keep = r;
	float *one = pass_on(1, x, dout, &len);
	r = keep; /* the same nudges */
	float *two = pass_on(2, x, dout, &len);
	CHECK(memcmp(one, two, len * sizeof *one) == 0);
	free(x), free(dout), free(one), free(two);
}

/* Evaluation writes only the last activation of each group norm's chain
 * (nn/model's forward_gn_chain): the output is training's, bit for bit. */
static void evaluation_as_training(void)
{
	struct model m;
	build_nudged(&m, &tiny);
	float *x = uniform(N * PIXELS, -1, 1), train[N * PIXELS], eval[N * PIXELS];
	model_forward(&m, x, N, true);
	model_output(&m, train);
	for (int i = 0; i < m.nacts; i++)
		memset(m.a[i], 0xff, (size_t)m.acts[i].c * N * m.acts[i].h * m.acts[i].w * sizeof(float));
	model_forward(&m, x, N, false);
	model_output(&m, eval);
	CHECK(memcmp(train, eval, sizeof train) == 0);
	model_free(&m);
	free(x);
}

/* Image 1 of a batch of 3 and alone: the same bytes. */
static void batch_independent(void)
{
	struct model m;
	build_nudged(&m, &tiny);
	float *x = uniform(3 * PIXELS, -1, 1), *batch = xmalloc(3 * PIXELS * sizeof *batch);
	float alone[PIXELS];
	int labels[3] = { 0, 2, CLASSES };
	float times[3] = { 999, 41, 0 };
	m.labels = labels;
	m.timesteps = times;
	model_forward(&m, x, 3, false);
	model_output(&m, batch);
	m.labels = labels + 1;
	m.timesteps = times + 1;
	model_forward(&m, x + PIXELS, 1, false);
	model_output(&m, alone);
	CHECK(memcmp(alone, batch + PIXELS, sizeof alone) == 0);
	model_free(&m);
	free(x), free(batch);
}

static const struct param *param_named(const struct model *m, const char *name)
{
	for (int i = 0; i < m->nparams; i++)
		if (strcmp(m->params[i].name, name) == 0)
			return &m->params[i];
	return NULL;
}

/* A parameter of guided-diffusion's UNetModel(model_channels 32,
 * channel_mult (1, 2, 2), num_res_blocks 2, attention_resolutions (4,),
 * num_heads 4, num_classes 11, use_scale_shift_norm) on 1 channel:
 * its name and shape. */
struct torch_param {
	const char *name;
	int dims, shape[4];
};

static const struct torch_param torch_params[] = {
	{ "time_embed.0.weight", 2, { 128, 32 } },
	{ "time_embed.2.bias", 1, { 128 } },
	{ "label_emb.weight", 2, { 11, 128 } },
	{ "input_blocks.0.0.weight", 4, { 32, 1, 3, 3 } },
	{ "input_blocks.1.0.in_layers.0.weight", 1, { 32 } },
	{ "input_blocks.1.0.emb_layers.1.weight", 2, { 64, 128 } },
	{ "input_blocks.3.0.op.weight", 4, { 32, 32, 3, 3 } },
	{ "input_blocks.4.0.skip_connection.weight", 4, { 64, 32, 1, 1 } },
	{ "input_blocks.7.1.qkv.weight", 3, { 192, 64, 1 } },
	{ "middle_block.1.proj_out.bias", 1, { 64 } },
	{ "middle_block.2.out_layers.3.weight", 4, { 64, 64, 3, 3 } },
	{ "output_blocks.0.0.in_layers.0.weight", 1, { 128 } },
	{ "output_blocks.2.2.conv.weight", 4, { 64, 64, 3, 3 } },
	{ "output_blocks.5.1.conv.weight", 4, { 64, 64, 3, 3 } },
	{ "output_blocks.8.0.skip_connection.weight", 4, { 32, 64, 1, 1 } },
	{ "out.2.weight", 4, { 1, 32, 3, 3 } },
};

static bool same_shape(const struct param *p, const struct torch_param *t)
{
	if (p->dims != t->dims)
		return false;
	for (int i = 0; i < p->dims; i++)
		if (p->shape[i] != t->shape[i])
			return false;
	return true;
}

/* guided-diffusion's names and shapes, each once; it starts predicting
 * no noise at all (out.2 is zero). */
static void guided_diffusion_names(void)
{
	struct arch arch = { "unet", 1, 28, 28, 10, 1 };
	struct model m;
	char err[ERRLEN];
	CHECK(model_build(&m, &arch, 1, err) == 0);
	int duplicates = 0;
	for (int i = 0; i < m.nparams; i++)
		for (int j = 0; j < i; j++)
			duplicates += strcmp(m.params[i].name, m.params[j].name) == 0;
	CHECK(duplicates == 0);
	for (size_t i = 0; i < sizeof torch_params / sizeof *torch_params; i++) {
		const struct param *p = param_named(&m, torch_params[i].name);
		if (!p || !same_shape(p, &torch_params[i]))
			printf("# %s: %s\n", torch_params[i].name, p ? "another shape" : "missing");
		CHECK(p && same_shape(p, &torch_params[i]));
	}
	printf("# unet 28x28, 10 classes: %d tensors, %zu parameters\n", m.nparams, m.size);
	CHECK(param_named(&m, "output_blocks.9.0.in_layers.0.weight") == NULL);
	float *x = uniform(28 * 28, -1, 1), out[28 * 28];
	int label = 10;
	float t = 250;
	m.labels = &label;
	m.timesteps = &t;
	model_forward(&m, x, 1, false);
	model_output(&m, out);
	int nonzero = 0;
	for (int i = 0; i < 28 * 28; i++)
		nonzero += out[i] != 0;
	CHECK(nonzero == 0);
	model_free(&m);
	free(x);
}

static void sizes(void)
{
	static const int taken[][2] = { { 28, 28 }, { 32, 32 }, { 8, 8 }, { 64, 12 } };
	static const int refused[][2] = { { 30, 30 }, { 28, 26 }, { 68, 68 } };
	struct arch arch = tiny;
	char err[ERRLEN];
	size_t n;
	for (size_t i = 0; i < sizeof taken / sizeof *taken; i++) {
		arch.height = taken[i][0], arch.width = taken[i][1];
		CHECK(model_params(&arch, &n, err) == 0);
	}
	for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
		arch.height = refused[i][0], arch.width = refused[i][1];
		CHECK(model_params(&arch, &n, err) == -1);
		CHECK(strstr(err, "unet needs sides from 8 to 64 that halve twice whole") != NULL);
	}
	printf("# %s\n", err);
	CHECK(model_kind("unet") == MODEL_DIFFUSION);
}

/* unet against PyTorch (tests/fixtures/nn/unet-*.tsv, made by
 * make-unet-fixtures.py with bench/torch_unet.py in float64): the same
 * weights, images, timesteps and labels give the same noise, mean-squared
 * error against the fixture's target, and gradients of every parameter
 * and of the input. */
struct torch_gap {
	double output, loss, grad;
};

/* The fixture's parameters, each scaled by 1 + nudge, into m. */
static void load_fixture_params(struct model *m, const struct fixture *f, double nudge)
{
	int loaded = 0;
	for (int i = 0; i < m->nparams; i++) {
		const struct param *p = &m->params[i];
		const struct tensor *t = tensor(f, p->name);
		if (!t || t->size != p->size)
			continue;
		for (size_t j = 0; j < p->size; j++)
			m->p[p->offset + j] = t->v[j] * (float)(1 + nudge);
		loaded++;
	}
	CHECK(loaded == m->nparams);
}

/* The worst of each gradient's relative error (grad.NAME in f). */
static double gradients_gap(const struct model *m, const struct fixture *f, const float *dx)
{
	const struct tensor *t = tensor(f, "grad.input");
	double worst = relative_error(dx, t->v, t->size);
	for (int i = 0; i < m->nparams; i++) {
		const struct param *p = &m->params[i];
		char name[MODEL_MAX_NAME + 8];
		snprintf(name, sizeof name, "grad.%s", p->name);
		t = tensor(f, name);
		CHECK(t && t->size == p->size);
		if (t && t->size == p->size)
			worst = fmax(worst, relative_error(m->g + p->offset, t->v, p->size));
	}
	return worst;
}

static struct torch_gap unet_torch_gap(const struct fixture *f, const struct arch *arch,
				       double nudge)
{
	struct model m;
	char err[ERRLEN];
	CHECK(model_build(&m, arch, 1, err) == 0);
	load_fixture_params(&m, f, nudge);
	const struct tensor *x = tensor(f, "input"), *t = tensor(f, "timesteps");
	const struct tensor *y = tensor(f, "labels"), *target = tensor(f, "target");
	int n = (int)t->size, labels[4];
	CHECK(n <= 4);
	for (int i = 0; i < n; i++)
		labels[i] = (int)y->v[i];
	m.labels = labels;
	m.timesteps = t->v;
	m.input_grad = true;
	size_t len = x->size;
	float *out = xmalloc(len * sizeof *out), *dout = xmalloc(len * sizeof *dout);
	float *dx = xmalloc(len * sizeof *dx);
	model_forward(&m, x->v, n, true);
	model_output(&m, out);
	struct torch_gap gap = { relative_error(out, tensor(f, "output")->v, len), 0, 0 };
	double loss = mse_loss(out, target->v, len, dout), want = tensor(f, "loss")->v[0];
	gap.loss = fabs(loss - want) / fmax(1, fabs(want));
	model_backward_from(&m, dout, n);
	model_input_grad(&m, dx);
	gap.grad = gradients_gap(&m, f, dx);
	model_free(&m);
	free(out), free(dout), free(dx);
	return gap;
}

static const struct {
	const char *file;
	struct arch arch;
} torch_cases[] = {
	{ "unet-w0125-gray8.tsv", { "unet", 1, 8, 8, 3, 0.125f } },
	{ "unet-w0125-rgb12.tsv", { "unet", 3, 12, 12, 4, 0.125f } },
};

/* Within TORCH_TOLERANCE as it is; off by more with every weight off by
 * a relative 1e-4 (the tolerance catches a slight error). */
static void agrees_with_pytorch(void)
{
	for (size_t i = 0; i < sizeof torch_cases / sizeof *torch_cases; i++) {
		struct fixture f = { 0 };
		fixture_load(torch_cases[i].file, &f);
		struct torch_gap g = unet_torch_gap(&f, &torch_cases[i].arch, 0);
		struct torch_gap off = unet_torch_gap(&f, &torch_cases[i].arch, 1e-4);
		printf("# %s: output %.2g, loss %.2g, gradients %.2g; nudged by 1e-4: %.2g, %.2g, %.2g\n",
		       torch_cases[i].file, g.output, g.loss, g.grad, off.output, off.loss, off.grad);
		CHECK(g.output < TORCH_TOLERANCE && g.loss < TORCH_TOLERANCE && g.grad < TORCH_TOLERANCE);
		CHECK(off.output > TORCH_TOLERANCE && off.loss > TORCH_TOLERANCE &&
		      off.grad > TORCH_TOLERANCE);
		fixture_free(&f);
	}
}

/* unet-enc, the tiny UNet's encoder half with 3 logits. */
static const struct arch tiny_enc = { "unet-enc", 1, SIDE, SIDE, CLASSES, 0.25f };

static void encoder_gradients(void)
{
	struct net_case c = { .n = N };
	build_nudged(&c.m, &tiny_enc);
	c.m.labels = NULL; /* it reads none */
	c.m.input_grad = true;
	float *x = uniform(N * PIXELS, -1, 1);
	c.x = x;
	float *r_out = uniform(N * CLASSES, -1, 1);
	double e = net_gradient_error(&c, x, N * PIXELS, N * CLASSES, r_out);
	free(r_out);
	printf("# unet-enc (8 channels, 8x8, %d tensors): worst gradient error %.2g\n",
	       c.m.nparams, e);
	CHECK(c.m.outputs == CLASSES);
	CHECK(e < NET_TOLERANCE);
	model_free(&c.m);
	free(x);
}

/* Image 1's logits in a batch of 3 and alone: the same bytes, in
 * training (group norm: no batch statistics) as in evaluation. */
static void encoder_batch_independent(void)
{
	struct model m;
	build_nudged(&m, &tiny_enc);
	float *x = uniform(3 * PIXELS, -1, 1), times[3] = { 999, 41, 0 };
	float batch[3 * CLASSES];
	bool modes[2] = { false, true };
	for (int k = 0; k < 2; k++) {
		m.timesteps = times;
		model_forward(&m, x, 3, modes[k]);
		memcpy(batch, m.logits, sizeof batch);
		m.timesteps = times + 1;
		model_forward(&m, x + PIXELS, 1, modes[k]);
		CHECK(memcmp(m.logits, batch + CLASSES, CLASSES * sizeof *batch) == 0);
	}
	model_free(&m);
	free(x);
}

static const struct torch_param torch_encoder_params[] = {
	{ "time_embed.0.weight", 2, { 128, 32 } },
	{ "input_blocks.0.0.weight", 4, { 32, 1, 3, 3 } },
	{ "input_blocks.4.0.skip_connection.weight", 4, { 64, 32, 1, 1 } },
	{ "input_blocks.8.1.qkv.weight", 3, { 192, 64, 1 } },
	{ "middle_block.2.out_layers.3.weight", 4, { 64, 64, 3, 3 } },
	{ "out.0.weight", 1, { 64 } },
	{ "out.3.weight", 4, { 10, 64, 1, 1 } },
	{ "out.3.bias", 1, { 10 } },
};

/* guided-diffusion's EncoderUNetModel(28, 1, 32, 10 out_channels, 2,
 * (4,), channel_mult (1, 2, 2), num_heads 4, use_scale_shift_norm,
 * pool "adaptive"): its names and shapes, no class embedding, no
 * output_blocks; it starts at logits 0 (out.3 is zero). */
static void encoder_names(void)
{
	struct arch arch = { "unet-enc", 1, 28, 28, 10, 1 };
	struct model m;
	char err[ERRLEN];
	CHECK(model_build(&m, &arch, 1, err) == 0);
	for (size_t i = 0; i < sizeof torch_encoder_params / sizeof *torch_encoder_params; i++) {
		const struct param *p = param_named(&m, torch_encoder_params[i].name);
		if (!p || !same_shape(p, &torch_encoder_params[i]))
			printf("# %s: %s\n", torch_encoder_params[i].name, p ? "another shape" : "missing");
		CHECK(p && same_shape(p, &torch_encoder_params[i]));
	}
	printf("# unet-enc 28x28, 10 classes: %d tensors, %zu parameters\n", m.nparams, m.size);
	CHECK(param_named(&m, "label_emb.weight") == NULL);
	CHECK(param_named(&m, "output_blocks.0.0.in_layers.0.weight") == NULL);
	CHECK(model_kind("unet-enc") == MODEL_NOISY_CLASSIFIER);
	float *x = uniform(28 * 28, -1, 1), t = 250;
	m.timesteps = &t;
	model_forward(&m, x, 1, false);
	int nonzero = 0;
	for (int i = 0; i < 10; i++)
		nonzero += m.logits[i] != 0;
	CHECK(nonzero == 0);
	arch.height = 30;
	CHECK(model_params(&arch, &m.size, err) == -1);
	CHECK(strstr(err, "unet-enc needs sides from 8 to 64") != NULL);
	model_free(&m);
	free(x);
}

/* unet-enc against PyTorch: the logits, their cross-entropy against the
 * fixture's labels, the gradients. */
static struct torch_gap encoder_torch_gap(const struct fixture *f, const struct arch *arch,
					  double nudge)
{
	struct model m;
	char err[ERRLEN];
	CHECK(model_build(&m, arch, 1, err) == 0);
	load_fixture_params(&m, f, nudge);
	const struct tensor *x = tensor(f, "input"), *t = tensor(f, "timesteps");
	const struct tensor *y = tensor(f, "labels");
	int n = (int)t->size, labels[4], k = arch->classes;
	CHECK(n <= 4);
	for (int i = 0; i < n; i++)
		labels[i] = (int)y->v[i];
	m.timesteps = t->v;
	m.input_grad = true;
	float *dx = xmalloc(x->size * sizeof *dx);
	model_forward(&m, x->v, n, true);
	struct torch_gap gap = { relative_error(m.logits, tensor(f, "output")->v, (size_t)n * k), 0,
				 0 };
	double loss = softmax_ce(m.logits, labels, NULL, n, k, m.prob, m.dlogits);
	double want = tensor(f, "loss")->v[0];
	gap.loss = fabs(loss - want) / fmax(1, fabs(want));
	model_backward(&m, n);
	model_input_grad(&m, dx);
	gap.grad = gradients_gap(&m, f, dx);
	model_free(&m);
	free(dx);
	return gap;
}

static const struct {
	const char *file;
	struct arch arch;
} torch_encoder_cases[] = {
	{ "unet-enc-w0125-gray8.tsv", { "unet-enc", 1, 8, 8, 3, 0.125f } },
	{ "unet-enc-w0125-rgb12.tsv", { "unet-enc", 3, 12, 12, 4, 0.125f } },
};

static void encoder_agrees_with_pytorch(void)
{
	for (size_t i = 0; i < sizeof torch_encoder_cases / sizeof *torch_encoder_cases; i++) {
		struct fixture f = { 0 };
		fixture_load(torch_encoder_cases[i].file, &f);
		const struct arch *a = &torch_encoder_cases[i].arch;
		struct torch_gap g = encoder_torch_gap(&f, a, 0), off = encoder_torch_gap(&f, a, 1e-4);
		printf("# %s: logits %.2g, loss %.2g, gradients %.2g; nudged by 1e-4: %.2g, %.2g, %.2g\n",
		       torch_encoder_cases[i].file, g.output, g.loss, g.grad, off.output, off.loss,
		       off.grad);
		CHECK(g.output < TORCH_TOLERANCE && g.loss < TORCH_TOLERANCE && g.grad < TORCH_TOLERANCE);
		CHECK(off.output > TORCH_TOLERANCE && off.grad > TORCH_TOLERANCE);
		fixture_free(&f);
	}
}

void unit_main(void)
{
	rng_seed(&r, 18, 0);
	nn_init(2);
	unit_run("unet: gradients of the parameters and the input", gradients);
	unit_run("unet: the same bits on 1 and 2 threads", same_bits_on_1_and_2_threads);
	unit_run("unet: an image's output does not depend on its batch", batch_independent);
	unit_run("unet: evaluation's output is training's", evaluation_as_training);
	unit_run("unet: guided-diffusion's parameter names and shapes", guided_diffusion_names);
	unit_run("unet: the sizes it takes and refuses", sizes);
	unit_run("unet: output, loss and gradients agree with PyTorch, within 1e-5", agrees_with_pytorch);
	unit_run("unet-enc: gradients of the parameters and the input", encoder_gradients);
	unit_run("unet-enc: an image's logits do not depend on its batch", encoder_batch_independent);
	unit_run("unet-enc: EncoderUNetModel's parameter names and shapes", encoder_names);
	unit_run("unet-enc: logits, loss and gradients agree with PyTorch, within 1e-5",
		 encoder_agrees_with_pytorch);
}

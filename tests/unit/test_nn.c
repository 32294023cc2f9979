/* Unit tests of lib/nn/nn: each layer's forward against a direct loop where
 * one is simple, and each backward against central finite differences of
 * L = sum r * forward(...) for a random r. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "base/rng.h"
#include "nn/conv3.h"
#include "nn/model.h"
#include "nn/nn.h"
#include "nn/optim.h"
#include "fixture.h"
#include "netprobe.h"
#include "probe.h"
#include "unit.h"

static struct rng r;

static float *randn_like(size_t n, float lo, float hi)
{
	return probe_uniform(&r, n, lo, hi);
}

/* Values away from 0 (for ReLU's kink): |v| in [0.2, 1]. */
static float *away_from_zero(size_t n)
{
	float *v = randn_like(n, 0.2f, 1);
	for (size_t i = 0; i < n; i++)
		if (rng_below(&r, 2))
			v[i] = -v[i];
	return v;
}

/* Convolution */

struct conv_case {
	struct conv cv;
	int n, h, w;
	float *in, *wt;
};

static void conv_probe_forward(const struct probe *p, float *out)
{
	const struct conv_case *c = p->ctx;
	conv_forward(&c->cv, c->in, c->n, c->h, c->w, c->wt, out);
}

/* out[o][i][y][x] by the definition. */
static float conv_direct(const struct conv_case *c, int o, int i, int y, int x)
{
	const struct conv *cv = &c->cv;
	double sum = 0;
	for (int ci = 0; ci < cv->cin; ci++)
		for (int kh = 0; kh < cv->k; kh++)
			for (int kw = 0; kw < cv->k; kw++) {
				int iy = y * cv->stride - cv->pad + kh, ix = x * cv->stride - cv->pad + kw;
				if (iy < 0 || iy >= c->h || ix < 0 || ix >= c->w)
					continue;
				float v = c->in[(((size_t)ci * c->n + i) * c->h + iy) * c->w + ix];
				sum += (double)v * c->wt[(((size_t)o * cv->cin + ci) * cv->k + kh) * cv->k + kw];
			}
	return (float)sum;
}

static void check_conv(struct conv cv, int n, int h, int w)
{
	struct conv_case c = { .cv = cv, .n = n, .h = h, .w = w };
	size_t nin = (size_t)cv.cin * n * h * w, nw = conv_weights(&cv);
	int oh = conv_size(h, &cv), ow = conv_size(w, &cv);
	size_t nout = (size_t)cv.cout * n * oh * ow;
	c.in = randn_like(nin, -1, 1);
	c.wt = randn_like(nw, -1, 1);
	float *out = xmalloc(nout * sizeof *out);
	conv_forward(&cv, c.in, n, h, w, c.wt, out);
	double worst = 0;
	for (int o = 0; o < cv.cout; o++)
		for (int i = 0; i < n; i++)
			for (int y = 0; y < oh; y++)
				for (int x = 0; x < ow; x++) {
					float got = out[(((size_t)o * n + i) * oh + y) * ow + x];
					worst = fmax(worst, fabs(got - conv_direct(&c, o, i, y, x)));
				}
	CHECK(worst < 1e-5);

	float *rw = randn_like(nout, -1, 1);
	float *din = xcalloc(nin, sizeof *din), *dwt = xcalloc(nw, sizeof *dwt);
	conv_backward(&cv, c.in, n, h, w, c.wt, rw, din, dwt);
	struct probe p = { conv_probe_forward, &c, nout, rw };
	CHECK(worst_gradient_error(&p, c.in, nin, din) < GRAD_TOLERANCE);
	CHECK(worst_gradient_error(&p, c.wt, nw, dwt) < GRAD_TOLERANCE);

	/* Backward accumulates: a second call doubles both. */
	float *din2 = xmalloc(nin * sizeof *din2), *dwt2 = xmalloc(nw * sizeof *dwt2);
	memcpy(din2, din, nin * sizeof *din);
	memcpy(dwt2, dwt, nw * sizeof *dwt);
	conv_backward(&cv, c.in, n, h, w, c.wt, rw, din2, dwt2);
	double off = 0;
	for (size_t i = 0; i < nin; i++)
		off = fmax(off, fabs(din2[i] - 2 * din[i]));
	for (size_t i = 0; i < nw; i++)
		off = fmax(off, fabs(dwt2[i] - 2 * dwt[i]));
	CHECK(off < 1e-5);
	free(c.in), free(c.wt), free(out), free(rw), free(din), free(dwt), free(din2), free(dwt2);
}

static void conv_matches_definition_and_gradients(void)
{
	check_conv((struct conv){ .cin = 3, .cout = 4, .k = 3, .stride = 1, .pad = 1 }, 2, 5, 6);
	check_conv((struct conv){ .cin = 2, .cout = 3, .k = 3, .stride = 2, .pad = 1 }, 3, 7, 6);
	check_conv((struct conv){ .cin = 3, .cout = 2, .k = 1, .stride = 1, .pad = 0 }, 2, 4, 3);
	check_conv((struct conv){ .cin = 3, .cout = 5, .k = 1, .stride = 2, .pad = 0 }, 2, 5, 4);
	check_conv((struct conv){ .cin = 1, .cout = 2, .k = 5, .stride = 1, .pad = 0 }, 1, 6, 7);
}

/* The direct 3x3 kernels (lib/nn/conv3) where the processor has them, and
 * the im2col path on the shapes they would take: planes of a part of a
 * vector, of one, of several with a part left, of several rows a vector. */
static void direct_convolution(void)
{
	struct conv cv = { .cin = 8, .cout = 16, .k = 3, .stride = 1, .pad = 1 };
	struct conv wide = { .cin = 16, .cout = 8, .k = 3, .stride = 1, .pad = 1 };
	/* the passes one by one: forward and weights direct, data by im2col */
	struct conv stem = { .cin = 3, .cout = 8, .k = 3, .stride = 1, .pad = 1 };
	/* data and weights direct, forward by im2col */
	struct conv narrow = { .cin = 8, .cout = 2, .k = 3, .stride = 1, .pad = 1 };
	/* stride 2: forward and weights direct on the input's phases */
	struct conv strided = { .cin = 3, .cout = 8, .k = 3, .stride = 2, .pad = 1 };
	if (!conv3_takes(&cv, CONV3_FORWARD))
		printf("# no AVX-512 here: only the im2col path is tested\n");
	for (int off = 0; off <= 1; off++) {
		conv3_disable(off);
		check_conv(cv, 2, 3, 3);
		check_conv(cv, 1, 4, 4);
		check_conv(wide, 2, 5, 7);
		check_conv(cv, 3, 2, 20);
		check_conv(stem, 2, 6, 5);
		check_conv(narrow, 2, 6, 5);
		check_conv(cv, 17, 1, 5); /* more than one block of images */
		check_conv(cv, 2, 7, 1);
		check_conv(strided, 2, 7, 6);
		check_conv(strided, 3, 8, 5);
		check_conv(strided, 10, 1, 3);
	}
	conv3_disable(false);
}

/* The fused evaluation pass gives the bits of the layers one by one. */
static void fused_evaluation_bits(void)
{
	struct conv cv = { .cin = 8, .cout = 16, .k = 3, .stride = 1, .pad = 1 };
	struct batchnorm bn = { .c = 16, .eps = 1e-5f, .momentum = 0.1f };
	int n = 3, h = 7, w = 5;
	size_t nin = (size_t)cv.cin * n * h * w, nout = (size_t)cv.cout * n * h * w;
	float *in = randn_like(nin, -1, 1), *wt = randn_like(conv_weights(&cv), -1, 1);
	float *gamma = randn_like(16, 0.5f, 2), *beta = randn_like(16, -1, 1);
	float *mean = randn_like(16, -1, 1), *var = randn_like(16, 0.1f, 3);
	float *res = randn_like(nout, -1, 1);
	float *fused = xmalloc(nout * sizeof *fused), *ref = xmalloc(nout * sizeof *ref);
	float *tmp = xmalloc(nout * sizeof *tmp);
	if (conv_bn_forward_eval(&cv, in, n, h, w, wt, &bn, gamma, beta, mean, var, res, true,
				 fused)) {
		conv_forward(&cv, in, n, h, w, wt, tmp);
		bn_forward_eval(&bn, tmp, (size_t)n * h * w, gamma, beta, mean, var, ref);
		add_forward(ref, res, nout, tmp);
		relu_forward(tmp, nout, ref);
		CHECK(memcmp(fused, ref, nout * sizeof *ref) == 0);
	}
	free(in), free(wt), free(gamma), free(beta), free(mean), free(var), free(res);
	free(fused), free(ref), free(tmp);
}

/* A convolution with its bias in the direct kernels' pass: the bits of
 * the convolution, then the bias added; stride 1 and 2 (the UNet's
 * downsampling), and by im2col where the kernels do not take it. */
static void bias_in_pass_bits(const struct conv *cv, int n, int h, int w)
{
	size_t nin = (size_t)cv->cin * n * h * w;
	size_t nout = (size_t)cv->cout * n * conv_size(h, cv) * conv_size(w, cv);
	float *in = randn_like(nin, -1, 1), *wt = randn_like(conv_weights(cv), -1, 1);
	float *bias = randn_like((size_t)cv->cout, -1, 1);
	float *fused = xmalloc(nout * sizeof *fused), *ref = xmalloc(nout * sizeof *ref);
	conv_bias_forward(cv, in, n, h, w, wt, bias, fused);
	conv_forward(cv, in, n, h, w, wt, ref);
	size_t plane = nout / (size_t)cv->cout;
	for (size_t i = 0; i < nout; i++)
		ref[i] += bias[i / plane];
	CHECK(memcmp(fused, ref, nout * sizeof *ref) == 0);
	free(in), free(wt), free(bias), free(fused), free(ref);
}

static void convolution_bias_bits(void)
{
	struct rng keep = r; /* the tests after it keep their draws */
	bias_in_pass_bits(&(struct conv){ .cin = 8, .cout = 16, .k = 3, .stride = 1, .pad = 1 }, 3, 7, 5);
	bias_in_pass_bits(&(struct conv){ .cin = 8, .cout = 8, .k = 3, .stride = 2, .pad = 1 }, 2, 14, 14);
	r = keep;
}

/* Fewer output channels than the kernels' block (the UNet's last
 * convolution): the first planes of the whole block's, the other weights
 * 0, bit for bit; within 1e-5 of the convolution by im2col. */
static void convolution_bias_narrow(void)
{
	struct rng keep = r; /* the tests after it keep their draws */
	struct conv cv = { .cin = 8, .cout = 2, .k = 3, .stride = 1, .pad = 1 }, block = cv;
	block.cout = CONV3_BLOCK;
	int n = 3, h = 7, w = 6;
	size_t nin = (size_t)cv.cin * n * h * w, plane = (size_t)n * h * w;
	float *in = randn_like(nin, -1, 1), *wt = xcalloc(conv_weights(&block), sizeof *wt);
	float *bias = xcalloc(CONV3_BLOCK, sizeof *bias), *b = randn_like(2, -1, 1);
	float *w2 = randn_like(conv_weights(&cv), -1, 1), *out = xmalloc(2 * plane * sizeof *out);
	float *whole = xmalloc(CONV3_BLOCK * plane * sizeof *whole);
	memcpy(wt, w2, conv_weights(&cv) * sizeof *wt);
	memcpy(bias, b, 2 * sizeof *bias);
	conv_bias_forward(&cv, in, n, h, w, w2, b, out);
	conv_bias_forward(&block, in, n, h, w, wt, bias, whole);
	CHECK(memcmp(out, whole, 2 * plane * sizeof *out) == 0);
	conv3_disable(true);
	conv_bias_forward(&cv, in, n, h, w, w2, b, whole);
	conv3_disable(false);
	double off = 0;
	for (size_t i = 0; i < 2 * plane; i++)
		off = fmax(off, fabs(out[i] - whole[i]));
	CHECK(off < 1e-5);
	free(in), free(wt), free(bias), free(b), free(w2), free(out), free(whole);
	r = keep;
}

/* A 1x1 convolution with its bias (lib/nn/pointwise where it takes it):
 * within 1e-5 of the convolution by im2col, then the bias added; the same
 * bits on 1 and 2 threads, and for an image alone. */
static void pointwise_bias_case(int cin, int cout, int n, int h, int w)
{
	struct conv cv = { .cin = cin, .cout = cout, .k = 1, .stride = 1, .pad = 0 };
	size_t hw = (size_t)h * w, nin = (size_t)cin * n * hw, nout = (size_t)cout * n * hw;
	float *in = randn_like(nin, -1, 1), *wt = randn_like(conv_weights(&cv), -1, 1);
	float *bias = randn_like((size_t)cout, -1, 1), *ref = xmalloc(nout * sizeof *ref);
	float *out[2], *alone = xmalloc((size_t)cout * hw * sizeof *alone);
	conv_forward(&cv, in, n, h, w, wt, ref);
	for (int t = 0; t < 2; t++) {
		nn_init(t + 1);
		out[t] = xmalloc(nout * sizeof **out);
		conv_bias_forward(&cv, in, n, h, w, wt, bias, out[t]);
	}
	nn_init(0);
	double off = 0;
	for (size_t i = 0; i < nout; i++)
		off = fmax(off, fabs(out[0][i] - (ref[i] + bias[i / (n * hw)])));
	CHECK(off < 1e-5);
	CHECK(memcmp(out[0], out[1], nout * sizeof **out) == 0);
	float *one = xmalloc((size_t)cin * hw * sizeof *one); /* image n - 1 alone */
	for (int c = 0; c < cin; c++)
		memcpy(one + c * hw, in + ((size_t)c * n + n - 1) * hw, hw * sizeof *one);
	conv_bias_forward(&cv, one, 1, h, w, wt, bias, alone);
	for (int c = 0; c < cout; c++)
		CHECK(memcmp(alone + c * hw, out[0] + ((size_t)c * n + n - 1) * hw,
			     hw * sizeof *alone) == 0);
	free(in), free(wt), free(bias), free(ref), free(out[0]), free(out[1]), free(alone);
	free(one);
}

static void pointwise_bias(void)
{
	struct rng keep = r; /* the tests after it keep their draws */
	pointwise_bias_case(5, 16, 3, 7, 7);   /* 3 vectors and a lane */
	pointwise_bias_case(16, 8, 2, 8, 8);   /* 4 whole vectors */
	pointwise_bias_case(24, 48, 4, 14, 14); /* 12 vectors and a part */
	pointwise_bias_case(3, 5, 2, 4, 5);    /* by im2col */
	r = keep;
}

/* The same convolution's passes on 1 and 2 threads: the same bits, by
 * the direct kernels and by im2col (its chunks summed in order). */
static void convolution_threads(bool direct)
{
	conv3_disable(!direct);
	struct conv cv = { .cin = 8, .cout = 16, .k = 3, .stride = 1, .pad = 1 };
	int n = 19, h = 5, w = 6;
	size_t nin = (size_t)cv.cin * n * h * w, nout = (size_t)cv.cout * n * h * w;
	size_t nw = conv_weights(&cv);
	float *in = randn_like(nin, -1, 1), *wt = randn_like(nw, -1, 1);
	float *dout = randn_like(nout, -1, 1);
	float *out[2], *din[2], *dwt[2];
	for (int t = 0; t < 2; t++) {
		nn_init(t + 1);
		out[t] = xmalloc(nout * sizeof **out);
		din[t] = xcalloc(nin, sizeof **din);
		dwt[t] = xcalloc(nw, sizeof **dwt);
		conv_forward(&cv, in, n, h, w, wt, out[t]);
		conv_backward(&cv, in, n, h, w, wt, dout, din[t], dwt[t]);
	}
	nn_init(0);
	CHECK(memcmp(out[0], out[1], nout * sizeof **out) == 0);
	CHECK(memcmp(din[0], din[1], nin * sizeof **din) == 0);
	CHECK(memcmp(dwt[0], dwt[1], nw * sizeof **dwt) == 0);
	for (int t = 0; t < 2; t++)
		free(out[t]), free(din[t]), free(dwt[t]);
	free(in), free(wt), free(dout);
	conv3_disable(false);
}

static void convolutions_threads(void)
{
	convolution_threads(true);
	convolution_threads(false);
}

/* Batch norm */

struct bn_case {
	struct batchnorm bn;
	size_t m;
	float *x, *gamma, *beta;
};

static void bn_probe_forward(const struct probe *p, float *out)
{
	const struct bn_case *c = p->ctx;
	float rm[8] = { 0 }, rv[8] = { 0 }, mean[8], invstd[8];
	bn_forward_train(&c->bn, c->x, c->m, c->gamma, c->beta, rm, rv, mean, invstd, out);
}

static void batchnorm_gradients_and_statistics(void)
{
	struct bn_case c = { .bn = { .c = 3, .eps = 1e-5f, .momentum = 0.1f }, .m = 2 * 4 * 5 };
	size_t len = (size_t)c.bn.c * c.m;
	c.x = randn_like(len, -2, 3);
	c.gamma = randn_like(3, 0.5f, 1.5f);
	c.beta = randn_like(3, -1, 1);
	float *out = xmalloc(len * sizeof *out);
	float rm[3] = { 1, 1, 1 }, rv[3] = { 1, 1, 1 }, mean[3], invstd[3];
	bn_forward_train(&c.bn, c.x, c.m, c.gamma, c.beta, rm, rv, mean, invstd, out);
	/* Each channel of the output has mean beta and deviation gamma. */
	for (int ch = 0; ch < 3; ch++) {
		double s = 0, sq = 0, xs = 0, xsq = 0;
		for (size_t i = 0; i < c.m; i++) {
			s += out[ch * c.m + i];
			xs += c.x[ch * c.m + i];
		}
		for (size_t i = 0; i < c.m; i++) {
			double d = out[ch * c.m + i] - s / c.m, e = c.x[ch * c.m + i] - xs / c.m;
			sq += d * d;
			xsq += e * e;
		}
		CHECK(fabs(s / c.m - c.beta[ch]) < 1e-5);
		CHECK(fabs(sqrt(sq / c.m) - fabs(c.gamma[ch])) < 1e-3);
		/* running: 0.9 * 1 + 0.1 * batch (unbiased variance) */
		CHECK(fabs(rm[ch] - (0.9 + 0.1 * xs / c.m)) < 1e-5);
		CHECK(fabs(rv[ch] - (0.9 + 0.1 * xsq / (c.m - 1))) < 1e-4);
	}
	float *rw = randn_like(len, -1, 1);
	float *dx = xcalloc(len, sizeof *dx), dg[3] = { 0 }, db[3] = { 0 };
	bn_backward(&c.bn, c.x, c.m, c.gamma, mean, invstd, rw, dx, dg, db);
	struct probe p = { bn_probe_forward, &c, len, rw };
	CHECK(worst_gradient_error(&p, c.x, len, dx) < GRAD_TOLERANCE);
	CHECK(worst_gradient_error(&p, c.gamma, 3, dg) < GRAD_TOLERANCE);
	CHECK(worst_gradient_error(&p, c.beta, 3, db) < GRAD_TOLERANCE);
	/* Evaluation uses the running statistics. */
	float one[3] = { 1, 1, 1 }, zero[3] = { 0, 0, 0 };
	bn_forward_eval(&c.bn, c.x, c.m, one, zero, zero, one, out);
	CHECK(fabs(out[5] - c.x[5] / sqrtf(1 + 1e-5f)) < 1e-6);
	free(c.x), free(c.gamma), free(c.beta), free(out), free(rw), free(dx);
}

/* ReLU, global average pooling, linear */

struct vec_case {
	float *x, *wt, *bias;
	int n, c, hw, in, out;
};

static void relu_probe_forward(const struct probe *p, float *out)
{
	const struct vec_case *c = p->ctx;
	relu_forward(c->x, p->nout, out);
}

static void gap_probe_forward(const struct probe *p, float *out)
{
	const struct vec_case *c = p->ctx;
	avgpool_global_forward(c->x, c->c, c->n, c->hw, out);
}

static void linear_probe_forward(const struct probe *p, float *out)
{
	const struct vec_case *c = p->ctx;
	linear_forward(c->x, c->n, c->in, c->out, c->wt, c->bias, out);
}

static void relu_pool_linear_gradients(void)
{
	size_t len = 60;
	struct vec_case c = { .x = away_from_zero(len), .n = 3, .c = 4, .hw = 5 };
	float *out = xmalloc(len * sizeof *out), *rw = randn_like(len, -1, 1);
	float *dx = xcalloc(len, sizeof *dx);
	relu_forward(c.x, len, out);
	relu_backward(out, rw, len, dx);
	struct probe p = { relu_probe_forward, &c, len, rw };
	CHECK(worst_gradient_error(&p, c.x, len, dx) < GRAD_TOLERANCE);

	memset(dx, 0, len * sizeof *dx);
	avgpool_global_backward(rw, c.c, c.n, c.hw, dx);
	p = (struct probe){ gap_probe_forward, &c, 12, rw };
	CHECK(worst_gradient_error(&p, c.x, len, dx) < GRAD_TOLERANCE);
	avgpool_global_forward(c.x, c.c, c.n, c.hw, out);
	CHECK(fabs(out[7] - (c.x[35] + c.x[36] + c.x[37] + c.x[38] + c.x[39]) / 5) < 1e-6);

	/* x [in = 4][n = 3] -> y [3][out = 2] */
	struct vec_case l = { .x = randn_like(12, -1, 1), .wt = randn_like(8, -1, 1),
			      .bias = randn_like(2, -1, 1), .n = 3, .in = 4, .out = 2 };
	float y[6], ry[6], ldx[12] = { 0 }, ldw[8] = { 0 }, ldb[2] = { 0 };
	linear_forward(l.x, 3, 4, 2, l.wt, l.bias, y);
	CHECK(fabs(y[1 * 2 + 1] - (l.bias[1] + l.wt[4] * l.x[1] + l.wt[5] * l.x[4] +
				   l.wt[6] * l.x[7] + l.wt[7] * l.x[10])) < 1e-5);
	for (int i = 0; i < 6; i++)
		ry[i] = (float)(i + 1) / 7 - 0.5f;
	linear_backward(l.x, 3, 4, 2, l.wt, ry, ldx, ldw, ldb);
	p = (struct probe){ linear_probe_forward, &l, 6, ry };
	CHECK(worst_gradient_error(&p, l.x, 12, ldx) < GRAD_TOLERANCE);
	CHECK(worst_gradient_error(&p, l.wt, 8, ldw) < GRAD_TOLERANCE);
	CHECK(worst_gradient_error(&p, l.bias, 2, ldb) < GRAD_TOLERANCE);
	free(c.x), free(out), free(rw), free(dx), free(l.x), free(l.wt), free(l.bias);
}

/* Softmax cross-entropy */

struct ce_case {
	float *logits, *weight;
	int *labels;
	int n, k;
};

static void ce_probe_forward(const struct probe *p, float *out)
{
	const struct ce_case *c = p->ctx;
	float *prob = xmalloc((size_t)c->n * c->k * sizeof *prob);
	out[0] = (float)softmax_ce(c->logits, c->labels, c->weight, c->n, c->k, prob, NULL);
	free(prob);
}

static void softmax_ce_loss_and_gradient(void)
{
	int labels[4] = { 2, 0, 2, 1 };
	struct ce_case c = { .logits = randn_like(12, -2, 2), .labels = labels, .n = 4, .k = 3 };
	float prob[12], d[12], one = 1;
	/* Uniform logits: log k. */
	float flat[3] = { 0.5f, 0.5f, 0.5f };
	CHECK(fabs(softmax_ce(flat, labels, NULL, 1, 3, prob, NULL) - log(3)) < 1e-6);
	for (int weighted = 0; weighted < 2; weighted++) {
		float w[3] = { 0.5f, 2, 1.25f };
		c.weight = weighted ? w : NULL;
		softmax_ce(c.logits, labels, c.weight, 4, 3, prob, d);
		struct probe p = { ce_probe_forward, &c, 1, &one };
		CHECK(worst_gradient_error(&p, c.logits, 12, d) < GRAD_TOLERANCE);
	}
	free(c.logits);
}

/* Transposed convolution */

static void convt_probe_forward(const struct probe *p, float *out)
{
	const struct conv_case *c = p->ctx;
	convt_forward(&c->cv, c->in, c->n, c->h, c->w, c->wt, out);
}

static void transposed_convolution(void)
{
	struct conv_case c = { .cv = { .cin = 3, .cout = 2, .k = 4, .stride = 2, .pad = 1 },
			       .n = 2, .h = 3, .w = 4 };
	int oh = convt_size(c.h, &c.cv), ow = convt_size(c.w, &c.cv);
	CHECK(oh == 6 && ow == 8);
	size_t nin = 3 * 2 * 3 * 4, nw = conv_weights(&c.cv), nout = (size_t)2 * 2 * oh * ow;
	c.in = randn_like(nin, -1, 1);
	c.wt = randn_like(nw, -1, 1);
	float *out = xmalloc(nout * sizeof *out);
	convt_forward(&c.cv, c.in, 2, 3, 4, c.wt, out);
	/* By the definition: each input sample spreads its kernel. */
	float *want = xcalloc(nout, sizeof *want);
	for (int ci = 0; ci < 3; ci++)
		for (int i = 0; i < 2; i++)
			for (int y = 0; y < 3; y++)
				for (int x = 0; x < 4; x++)
					for (int o = 0; o < 2; o++)
						for (int ky = 0; ky < 4; ky++)
							for (int kx = 0; kx < 4; kx++) {
								int oy = y * 2 - 1 + ky, ox = x * 2 - 1 + kx;
								if (oy < 0 || oy >= oh || ox < 0 || ox >= ow)
									continue;
								want[(((size_t)o * 2 + i) * oh + oy) * ow + ox] +=
									c.in[(((size_t)ci * 2 + i) * 3 + y) * 4 + x] *
									c.wt[(((size_t)ci * 2 + o) * 4 + ky) * 4 + kx];
							}
	CHECK(relative_error(out, want, nout) < 1e-5);
	float *rw = randn_like(nout, -1, 1), *din = xcalloc(nin, sizeof *din), *dwt = xcalloc(nw, sizeof *dwt);
	convt_backward(&c.cv, c.in, 2, 3, 4, c.wt, rw, din, dwt);
	struct probe p = { convt_probe_forward, &c, nout, rw };
	CHECK(worst_gradient_error(&p, c.in, nin, din) < GRAD_TOLERANCE);
	CHECK(worst_gradient_error(&p, c.wt, nw, dwt) < GRAD_TOLERANCE);
	free(c.in), free(c.wt), free(out), free(want), free(rw), free(din), free(dwt);
}

/* Activations, addition, upsampling, the GAN's embedding and projection */

struct act_case {
	float *x;
	int which;
	int planes, h, w;
};

static void act_probe_forward(const struct probe *p, float *out)
{
	const struct act_case *c = p->ctx;
	switch (c->which) {
	case 0:
		leaky_relu_forward(c->x, p->nout, 0.2f, out);
		break;
	case 1:
		tanh_forward(c->x, p->nout, out);
		break;
	case 2:
		upsample_forward(c->x, c->planes, c->h, c->w, 2, out);
		break;
	}
}

static void elementwise_layers(void)
{
	size_t len = 40;
	float *rw = randn_like(len, -1, 1), *out = xmalloc(len * sizeof *out);
	for (int which = 0; which < 2; which++) {
		struct act_case c = { .x = away_from_zero(len), .which = which };
		float *dx = xcalloc(len, sizeof *dx);
		act_probe_forward(&(struct probe){ act_probe_forward, &c, len, rw }, out);
		if (which == 0)
			leaky_relu_backward(c.x, rw, len, 0.2f, dx);
		else
			tanh_backward(out, rw, len, dx);
		struct probe p = { act_probe_forward, &c, len, rw };
		CHECK(worst_gradient_error(&p, c.x, len, dx) < GRAD_TOLERANCE);
		free(c.x);
		free(dx);
	}
	free(rw);
	free(out);
}

/* out = a + b, each input's gradient dout. */
struct add_case {
	float *a, *b;
};

static void add_probe_forward(const struct probe *p, float *out)
{
	const struct add_case *c = p->ctx;
	add_forward(c->a, c->b, p->nout, out);
}

static void addition_gradients(void)
{
	size_t len = 30;
	struct add_case c = { randn_like(len, -1, 1), randn_like(len, -1, 1) };
	float *out = xmalloc(len * sizeof *out), *rw = randn_like(len, -1, 1);
	float *da = xcalloc(len, sizeof *da), *db = xcalloc(len, sizeof *db);
	add_forward(c.a, c.b, len, out);
	CHECK(out[7] == c.a[7] + c.b[7]);
	add_backward(rw, len, da, db);
	struct probe p = { add_probe_forward, &c, len, rw };
	CHECK(worst_gradient_error(&p, c.a, len, da) < GRAD_TOLERANCE);
	CHECK(worst_gradient_error(&p, c.b, len, db) < GRAD_TOLERANCE);
	free(c.a), free(c.b), free(out), free(rw), free(da), free(db);
}

static void upsampling(void)
{
	/* 2 planes of 6 x 4, each sample to a 2 x 2 block */
	size_t len = 48;
	float *x = xmalloc(len * sizeof *x);
	for (size_t i = 0; i < len; i++)
		x[i] = (float)((i * 37) % 48) / 8;
	struct act_case up = { .x = x, .which = 2, .planes = 2, .h = 6, .w = 4 };
	float big[192], rbig[192], dup[48] = { 0 };
	for (int i = 0; i < 192; i++)
		rbig[i] = (float)((i * 7) % 9) / 9 - 0.4f;
	upsample_forward(x, 2, 6, 4, 2, big);
	CHECK(big[8 * 3 + 5] == x[4 * 1 + 2] && big[96 + 8 * 11 + 7] == x[24 + 4 * 5 + 3]);
	upsample_backward(rbig, 2, 6, 4, 2, dup);
	CHECK(worst_gradient_error(&(struct probe){ act_probe_forward, &up, 192, rbig }, x, len, dup) <
	      GRAD_TOLERANCE);
	free(x);
}

/* The generator's conditioning on 5 images of dim 3 in 4 classes, and
 * the discriminator's head on 5 of 6 channels. */
enum { EMBED_N = 5, EMBED_DIM = 3, EMBED_CLASSES = 4, HEAD_C = 6 };
static const int embed_labels[EMBED_N] = { 2, 0, 3, 2, 1 };

struct embed_case {
	float *x, *table, *w, *bias;
};

static void embed_add_probe_forward(const struct probe *p, float *out)
{
	const struct embed_case *c = p->ctx;
	embed_add_forward(c->x, c->table, EMBED_DIM, embed_labels, EMBED_N, 0.7f, out);
}

static void projection_probe_forward(const struct probe *p, float *out)
{
	const struct embed_case *c = p->ctx;
	projection_forward(c->x, HEAD_C, EMBED_N, c->w, c->bias, c->table, embed_labels, out);
}

static void embedding_added(void)
{
	size_t len = EMBED_DIM * EMBED_N, nt = EMBED_CLASSES * EMBED_DIM;
	struct embed_case c = { .x = randn_like(len, -1, 1), .table = randn_like(nt, -1, 1) };
	float out[EMBED_DIM * EMBED_N], *rw = randn_like(len, -1, 1);
	float dx[EMBED_DIM * EMBED_N] = { 0 }, dt[EMBED_CLASSES * EMBED_DIM] = { 0 };
	embed_add_forward(c.x, c.table, EMBED_DIM, embed_labels, EMBED_N, 0.7f, out);
	/* channel 1 of image 2, of class 3 */
	CHECK(out[1 * EMBED_N + 2] == c.x[1 * EMBED_N + 2] + 0.7f * c.table[3 * EMBED_DIM + 1]);
	embed_add_backward(rw, EMBED_DIM, embed_labels, EMBED_N, 0.7f, dx, dt);
	struct probe p = { embed_add_probe_forward, &c, len, rw };
	CHECK(worst_gradient_error(&p, c.x, len, dx) < GRAD_TOLERANCE);
	CHECK(worst_gradient_error(&p, c.table, nt, dt) < GRAD_TOLERANCE);
	free(c.x), free(c.table), free(rw);
}

static void projection_head(void)
{
	size_t len = HEAD_C * EMBED_N, nt = EMBED_CLASSES * HEAD_C;
	struct embed_case c = { .x = randn_like(len, -1, 1), .table = randn_like(nt, -1, 1),
				.w = randn_like(HEAD_C, -1, 1), .bias = randn_like(1, -1, 1) };
	float out[2 * EMBED_N], *rw = randn_like(2 * EMBED_N, -1, 1);
	float dx[HEAD_C * EMBED_N] = { 0 }, dt[EMBED_CLASSES * HEAD_C] = { 0 };
	float dw[HEAD_C] = { 0 }, db[1] = { 0 };
	projection_forward(c.x, HEAD_C, EMBED_N, c.w, c.bias, c.table, embed_labels, out);
	double uc = c.bias[0], cond = 0; /* image 4, of class 1 */
	for (int k = 0; k < HEAD_C; k++) {
		uc += (double)c.w[k] * c.x[k * EMBED_N + 4];
		cond += (double)c.table[1 * HEAD_C + k] * c.x[k * EMBED_N + 4];
	}
	CHECK(fabs(out[8] - uc) < 1e-5 && fabs(out[9] - cond) < 1e-5);
	projection_backward(c.x, HEAD_C, EMBED_N, c.w, c.table, embed_labels, rw, dx, dw, db, dt);
	struct probe p = { projection_probe_forward, &c, 2 * EMBED_N, rw };
	CHECK(worst_gradient_error(&p, c.x, len, dx) < GRAD_TOLERANCE);
	CHECK(worst_gradient_error(&p, c.w, HEAD_C, dw) < GRAD_TOLERANCE);
	CHECK(worst_gradient_error(&p, c.bias, 1, db) < GRAD_TOLERANCE);
	CHECK(worst_gradient_error(&p, c.table, nt, dt) < GRAD_TOLERANCE);
	free(c.x), free(c.table), free(c.w), free(c.bias), free(rw);
}

/* Minibatch standard deviation over 3 channels of 2 x 2, 6 images: groups
 * of 4 and 2. */
static void mbstd_probe_forward(const struct probe *p, float *out)
{
	mbstd_forward(p->ctx, 3, 6, 4, 4, out);
}

static void minibatch_stddev(void)
{
	size_t len = 3 * 6 * 4, nout = 4 * 6 * 4;
	float *x = randn_like(len, -1, 1), *rw = randn_like(nout, -1, 1);
	float *out = xmalloc(nout * sizeof *out), *dx = xcalloc(len, sizeof *dx);
	mbstd_forward(x, 3, 6, 4, 4, out);
	CHECK(memcmp(out, x, len * sizeof *x) == 0);
	/* image 5's plane: the spread of images 4 and 5, |a - b| / 2 a value */
	double spread = 0;
	for (int ch = 0; ch < 3; ch++)
		for (int q = 0; q < 4; q++)
			spread += fabs(x[(ch * 6 + 4) * 4 + q] - x[(ch * 6 + 5) * 4 + q]) / 2 / 12;
	CHECK(fabs(out[len + 5 * 4 + 3] - spread) < 1e-6);
	CHECK(out[len + 0] == out[len + 3 * 4 + 2] && out[len + 0] != out[len + 4 * 4]);
	mbstd_backward(x, rw, 3, 6, 4, 4, dx);
	struct probe p = { mbstd_probe_forward, x, nout, rw };
	double e = worst_gradient_error(&p, x, len, dx);
	CHECK(e < GRAD_TOLERANCE);
	free(x), free(rw), free(out), free(dx);
}

/* Whole networks against PyTorch (tests/fixtures/nn, made by
 * make-nn-fixtures.py): the same weights and batch give the same logits,
 * loss, gradients and running statistics (tests/unit/fixture.h: the
 * fixtures, the tolerance). */

#define TORCH_STAT_TOLERANCE 1e-6 /* the running statistics: 2e-7 */

/* Every parameter of m scaled by 1 + nudge: 0 for the fixture's own. */
static void nudge_all(struct model *m, double nudge)
{
	for (size_t i = 0; i < m->size; i++)
		m->p[i] *= (float)(1 + nudge);
}

/* m built from arch with the fixture's parameters, nudged. */
static void model_from_fixture(struct model *m, const struct arch *arch, const struct fixture *f,
			       double nudge)
{
	char err[ERRLEN];
	CHECK(model_build(m, arch, 1, err) == 0);
	int loaded = 0;
	for (int i = 0; i < m->nparams; i++) {
		const struct tensor *t = tensor(f, m->params[i].name);
		CHECK(t && t->size == m->params[i].size);
		if (t && t->size == m->params[i].size) {
			memcpy(m->p + m->params[i].offset, t->v, t->size * sizeof *t->v);
			loaded++;
		}
	}
	CHECK(loaded == m->nparams);
	nudge_all(m, nudge);
}

/* The fixture's batch and labels (16 at most). */
static int fixture_batch(const struct fixture *f, const float **x, int *labels)
{
	const struct tensor *y = tensor(f, "labels");
	int n = (int)y->size;
	CHECK(n <= 16);
	for (int i = 0; i < n && i < 16; i++)
		labels[i] = (int)y->v[i];
	*x = tensor(f, "input")->v;
	return n < 16 ? n : 16;
}

/* How far the engine is from PyTorch on a fixture: the relative errors
 * of one training-mode pass's logits, loss, parameter gradients and
 * running statistics. */
struct torch_gap {
	double logits, loss, grad, stat;
};

static struct torch_gap torch_gap(const struct fixture *f, const struct arch *arch, double nudge)
{
	struct model m;
	model_from_fixture(&m, arch, f, nudge);
	const float *x;
	int labels[16], n = fixture_batch(f, &x, labels), k = arch->classes;
	model_forward(&m, x, n, true);
	struct torch_gap gap = { 0 };
	gap.logits = relative_error(m.logits, tensor(f, "logits")->v, (size_t)n * k);
	double loss = softmax_ce(m.logits, labels, NULL, n, k, m.prob, m.dlogits);
	gap.loss = fabs(loss - tensor(f, "loss")->v[0]) / fmax(1, fabs(loss));
	model_backward(&m, n);
	for (int i = 0; i < m.nparams; i++) {
		const struct param *p = &m.params[i];
		char name[MODEL_MAX_NAME + 8];
		snprintf(name, sizeof name, "%s.%s", p->trained ? "grad" : "after", p->name);
		const struct tensor *t = tensor(f, name);
		CHECK(t && t->size == p->size);
		if (!t || t->size != p->size)
			continue;
		double e = relative_error(p->trained ? m.g + p->offset : m.p + p->offset, t->v, p->size);
		if (p->trained)
			gap.grad = fmax(gap.grad, e);
		else
			gap.stat = fmax(gap.stat, e);
	}
	model_free(&m);
	return gap;
}

static void resnet_agrees_with_pytorch(const char *file, struct arch arch)
{
	struct fixture f = { 0 };
	fixture_load(file, &f);
	struct torch_gap g = torch_gap(&f, &arch, 0);
	printf("# %s: logits %.2g, loss %.2g, gradients %.2g, running statistics %.2g\n", file,
	       g.logits, g.loss, g.grad, g.stat);
	CHECK(g.logits < TORCH_TOLERANCE);
	CHECK(g.loss < TORCH_TOLERANCE);
	CHECK(g.grad < TORCH_TOLERANCE);
	CHECK(g.stat < TORCH_STAT_TOLERANCE);
	fixture_free(&f);
}

static void resnets_agree_with_pytorch(void)
{
	resnet_agrees_with_pytorch("resnet20-w0125-gray12.tsv",
				   (struct arch){ "resnet20", 1, 12, 12, 3, 0.125f });
	resnet_agrees_with_pytorch("resnet18-w003125-rgb10.tsv",
				   (struct arch){ "resnet18", 3, 10, 10, 5, 0.03125f });
}

/* Three steps of (forward, loss, backward, update) from the fixture's
 * state: the trained parameters' distance from PyTorch's after. */
static double three_steps(const struct fixture *f, const struct arch *arch, struct optim *o,
			  float lr, const char *tag, double nudge)
{
	struct model m;
	model_from_fixture(&m, arch, f, nudge);
	const float *x;
	int labels[16], n = fixture_batch(f, &x, labels);
	optim_init(o, &m);
	for (int step = 0; step < 3; step++) {
		model_forward(&m, x, n, true);
		softmax_ce(m.logits, labels, NULL, n, arch->classes, m.prob, m.dlogits);
		model_backward(&m, n);
		optim_step(o, &m, lr);
	}
	double worst = 0;
	for (int i = 0; i < m.nparams; i++) {
		const struct param *p = &m.params[i];
		if (!p->trained)
			continue;
		char name[MODEL_MAX_NAME + 8];
		snprintf(name, sizeof name, "%s.%s", tag, p->name);
		const struct tensor *t = tensor(f, name);
		CHECK(t && t->size == p->size);
		if (t && t->size == p->size)
			worst = fmax(worst, relative_error(m.p + p->offset, t->v, p->size));
	}
	optim_free(o);
	model_free(&m);
	return worst;
}

static const struct arch optim_arch = { "resnet20", 1, 12, 12, 3, 0.125f };

/* SGD (Nesterov) and AdamW as the fixture has them: their distances. */
static void optimizers_gap(const struct fixture *f, double nudge, double *sgd_gap,
			   double *adamw_gap)
{
	struct optim sgd = { .kind = OPTIM_SGD, .momentum = 0.9f, .nesterov = true,
			     .weight_decay = 5e-4f };
	struct optim adamw = { .kind = OPTIM_ADAMW, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f,
			       .weight_decay = 0.01f };
	*sgd_gap = three_steps(f, &optim_arch, &sgd, 0.1f, "sgd3", nudge);
	*adamw_gap = three_steps(f, &optim_arch, &adamw, 0.01f, "adamw3", nudge);
}

static void optimizers_agree_with_pytorch(void)
{
	struct fixture f = { 0 };
	fixture_load("resnet20-w0125-gray12.tsv", &f);
	double e_sgd, e_adamw;
	optimizers_gap(&f, 0, &e_sgd, &e_adamw);
	printf("# after three steps: SGD %.2g, AdamW %.2g\n", e_sgd, e_adamw);
	CHECK(e_sgd < TORCH_TOLERANCE);
	CHECK(e_adamw < TORCH_TOLERANCE);
	fixture_free(&f);
}

/* The tolerances fail an engine slightly wrong: every weight scaled by
 * 1 + 1e-4 moves each compared quantity past its tolerance (gradients by
 * less than the 1e-3 allowed before).  Scaling only a convolution would
 * not do: the batch norm after it undoes the scale. */
static void the_tolerances_catch_a_slight_error(void)
{
	const double nudge = 1e-4;
	struct fixture f = { 0 };
	fixture_load("resnet20-w0125-gray12.tsv", &f);
	struct torch_gap g = torch_gap(&f, &optim_arch, nudge);
	double e_sgd, e_adamw;
	optimizers_gap(&f, nudge, &e_sgd, &e_adamw);
	printf("# nudged: logits %.2g, loss %.2g, gradients %.2g, statistics %.2g, SGD %.2g, "
	       "AdamW %.2g\n", g.logits, g.loss, g.grad, g.stat, e_sgd, e_adamw);
	CHECK(g.logits > TORCH_TOLERANCE);
	CHECK(g.loss > TORCH_TOLERANCE);
	CHECK(g.grad > TORCH_TOLERANCE && g.grad < 1e-3);
	CHECK(g.stat > TORCH_STAT_TOLERANCE);
	CHECK(e_sgd > TORCH_TOLERANCE);
	CHECK(e_adamw > TORCH_TOLERANCE);
	fixture_free(&f);
}

/* A checkpoint finds tensors by name: every architecture names each of
 * its parameters once, and each batch norm's as a batch norm, whose
 * running statistics start at mean 0 and variance 1. */
static void parameter_names_are_unique(void)
{
	const char *archs[] = { "resnet20", "resnet32", "resnet56", "resnet18",
				"cgan-g",   "cgan-d",   "rgan-g",   "rgan-d" };
	for (size_t a = 0; a < sizeof archs / sizeof *archs; a++) {
		struct arch arch = { "", 3, 8, 8, 2, 0.125f };
		snprintf(arch.name, sizeof arch.name, "%s", archs[a]);
		struct model m;
		char err[ERRLEN];
		CHECK(model_build(&m, &arch, 1, err) == 0);
		int duplicates = 0, bn_named_conv = 0, bad_start = 0;
		for (int i = 0; i < m.nparams; i++) {
			const float *v = m.p + m.params[i].offset;
			bad_start += strstr(m.params[i].name, "running_mean") && v[0] != 0;
			bad_start += strstr(m.params[i].name, "running_var") && v[0] != 1;
			for (int j = 0; j < i; j++)
				duplicates += strcmp(m.params[i].name, m.params[j].name) == 0;
			bn_named_conv += strstr(m.params[i].name, "conv") &&
					 strstr(m.params[i].name, "running_mean");
		}
		CHECK(duplicates == 0);
		CHECK(bn_named_conv == 0);
		CHECK(bad_start == 0);
		model_free(&m);
	}
}

/* family: cgan or rgan */
static void gan_networks_gradients(const char *family)
{
	int n = 6, labels[] = { 0, 2, 1, 2, 1, 1 }; /* spread groups of 4 and 2 */
	char err[ERRLEN];
	struct net_case g = { .n = n }, d = { .n = n };
	struct arch ga = { "", 1, 8, 8, 3, 0.5f }, da = ga;
	snprintf(ga.name, sizeof ga.name, "%s-g", family);
	snprintf(da.name, sizeof da.name, "%s-d", family);
	CHECK(model_build(&g.m, &ga, 3, err) == 0);
	CHECK(model_build(&d.m, &da, 4, err) == 0);
	size_t nz = (size_t)n * GAN_ZDIM, nx = (size_t)n * 8 * 8;
	float *z = randn_like(nz, -1, 1), *x = randn_like(nx, -1, 1);
	g.x = z;
	d.x = x;
	g.m.labels = d.m.labels = labels;
	g.m.lambda = 0.5f;
	d.m.input_grad = true;
	float *rg = randn_like(nx, -1, 1);
	double eg = net_gradient_error(&g, z, nz, nx, rg);
	float *rd = randn_like(2 * (size_t)n, -1, 1);
	double ed = net_gradient_error(&d, x, nx, 2 * (size_t)n, rd);
	free(rg), free(rd);
	printf("# %s worst gradient error %.2g, %s (and its input) %.2g\n", ga.name, eg, da.name,
	       ed);
	CHECK(eg < NET_TOLERANCE);
	CHECK(ed < NET_TOLERANCE);
	/* the generator's images are in [-1, 1] */
	model_forward(&g.m, z, n, false);
	float *img = xmalloc(nx * sizeof *img);
	model_output(&g.m, img);
	int outside = 0;
	for (size_t i = 0; i < nx; i++)
		outside += !(img[i] >= -1 && img[i] <= 1);
	CHECK(outside == 0);
	model_free(&g.m), model_free(&d.m);
	free(z), free(x), free(img);
}

static void dcgan_gradients(void)
{
	gan_networks_gradients("cgan");
}

static void residual_gan_gradients(void)
{
	gan_networks_gradients("rgan");
}

static void schedules(void)
{
	struct schedule cosine = { .kind = SCHEDULE_COSINE, .lr = 0.1f, .total = 100, .warmup = 10 };
	CHECK(fabs(schedule_lr(&cosine, 0) - 0.01) < 1e-7);
	CHECK(fabs(schedule_lr(&cosine, 9) - 0.1) < 1e-7);
	CHECK(fabs(schedule_lr(&cosine, 10) - 0.1) < 1e-7);
	CHECK(fabs(schedule_lr(&cosine, 55) - 0.05) < 1e-7);
	CHECK(fabs(schedule_lr(&cosine, 100)) < 1e-7);
	struct schedule step = { .kind = SCHEDULE_STEP, .lr = 0.1f, .step_every = 30, .gamma = 0.1f };
	CHECK(fabs(schedule_lr(&step, 29) - 0.1) < 1e-7);
	CHECK(fabs(schedule_lr(&step, 30) - 0.01) < 1e-8);
	CHECK(fabs(schedule_lr(&step, 65) - 0.001) < 1e-9);
}

/* Evaluation fuses convolution, batch norm and ReLU where the direct
 * kernels take the convolution: the logits must be those of the layers
 * one by one (the im2col path, which fuses nothing). */
static void evaluation_fuses_the_same(void)
{
	struct arch arch = { "resnet20", 3, 12, 12, 4, 0.5f }; /* 8, 16, 32 channels */
	struct model m;
	char err[ERRLEN];
	CHECK(model_build(&m, &arch, 7, err) == 0);
	int n = 5;
	float *x = randn_like((size_t)n * 3 * 12 * 12, -1, 1);
	model_forward(&m, x, n, true); /* running statistics away from 0 and 1 */
	model_forward(&m, x, n, false);
	size_t k = (size_t)n * arch.classes;
	float *fused = xmalloc(k * sizeof *fused);
	memcpy(fused, m.logits, k * sizeof *fused);
	conv3_disable(true);
	model_forward(&m, x, n, false);
	conv3_disable(false);
	double e = relative_error(fused, m.logits, k);
	printf("# fused evaluation against the layers one by one: %.2g\n", e);
	CHECK(e < 1e-5);
	model_free(&m);
	free(x), free(fused);
}

/* The weight gradient of the direct kernel on 2 threads, on 1 (the same
 * bits) and by im2col (within float rounding of its sums). */
static void weight_grad_case(struct conv cv, int n, int h, int w)
{
	size_t nin = (size_t)cv.cin * n * h * w, nout = (size_t)cv.cout * n * h * w;
	size_t nw = conv_weights(&cv);
	float *in = randn_like(nin, -1, 1), *wt = randn_like(nw, -1, 1);
	float *dout = randn_like(nout, -1, 1), *din = xcalloc(nin, sizeof *din), *dwt[3];
	for (int t = 0; t < 3; t++) {
		conv3_disable(t == 2);
		nn_init(t == 1 ? 1 : 2);
		dwt[t] = xcalloc(nw, sizeof **dwt);
		conv_backward(&cv, in, n, h, w, wt, dout, din, dwt[t]);
	}
	nn_init(2);
	conv3_disable(false);
	CHECK(memcmp(dwt[0], dwt[1], nw * sizeof **dwt) == 0);
	double scale = 0, worst = 0;
	for (size_t i = 0; i < nw; i++) {
		scale = fmax(scale, fabs(dwt[2][i]));
		worst = fmax(worst, fabs(dwt[0][i] - dwt[2][i]));
	}
	CHECK(worst <= 1e-5 * scale);
	for (int t = 0; t < 3; t++)
		free(dwt[t]);
	free(in), free(wt), free(dout), free(din);
}

/* Where the weight gradient splits its work: an image's taps over
 * WG_GATHER (one image at a time), a block's sums over WG_SUMS (a block
 * at a time, several runs a thread). */
static void weight_grad_splits(void)
{
	struct conv cv = { .cin = 8, .cout = 16, .k = 3, .stride = 1, .pad = 1 };
	/* runs of 2 blocks, the last of a thread shorter; runs of 1 */
	struct conv deep = { .cin = 250, .cout = 26, .k = 3, .stride = 1, .pad = 1 };
	struct conv deeper = { .cin = 320, .cout = 14, .k = 3, .stride = 1, .pad = 1 };
	if (!conv3_takes(&cv, CONV3_WEIGHT_GRAD))
		return;
	weight_grad_case(cv, 2, 60, 60);
	weight_grad_case(deep, 2, 3, 4);
	weight_grad_case(deeper, 2, 3, 4);
}

void unit_main(void)
{
	rng_seed(&r, 11, 0);
	nn_init(2);
	unit_run("nn: convolution as defined; its gradients", conv_matches_definition_and_gradients);
	unit_run("nn: direct 3x3 convolution and im2col on the same shapes", direct_convolution);
	unit_run("nn: convolutions give the same bits on 1 and 2 threads", convolutions_threads);
	unit_run("nn: fused evaluation gives the bits of the layers one by one", fused_evaluation_bits);
	unit_run("nn: a convolution's bias in its pass gives the bits of adding it after",
		 convolution_bias_bits);
	unit_run("nn: a convolution with its bias of fewer channels than the kernels' block",
		 convolution_bias_narrow);
	unit_run("nn: a 1x1 convolution with its bias as by im2col, whatever the threads",
		 pointwise_bias);
	unit_run("nn: batch norm's statistics and gradients", batchnorm_gradients_and_statistics);
	unit_run("nn: ReLU, global average pooling, linear: gradients", relu_pool_linear_gradients);
	unit_run("nn: softmax cross-entropy, plain and weighted", softmax_ce_loss_and_gradient);
	unit_run("nn: transposed convolution as defined; its gradients", transposed_convolution);
	unit_run("nn: LeakyReLU, tanh: gradients", elementwise_layers);
	unit_run("nn: addition: values and gradients", addition_gradients);
	unit_run("nn: upsampling: values and gradients", upsampling);
	unit_run("nn: a class embedding added: values and gradients", embedding_added);
	unit_run("nn: the projection head: values and gradients", projection_head);
	unit_run("nn: minibatch standard deviation: values and gradients", minibatch_stddev);
	unit_run("model: every parameter has a name of its own", parameter_names_are_unique);
	unit_run("model: resnet20 and resnet18 agree with PyTorch (logits, loss, gradients, statistics)",
		 resnets_agree_with_pytorch);
	unit_run("model: evaluation fuses convolution, batch norm, ReLU to the same logits",
		 evaluation_fuses_the_same);
	unit_run("optim: three steps of SGD (Nesterov) and AdamW agree with PyTorch",
		 optimizers_agree_with_pytorch);
	unit_run("model, optim: weights off by a relative 1e-4 fail each PyTorch tolerance",
		 the_tolerances_catch_a_slight_error);
	unit_run("optim: cosine with warm-up, step schedules", schedules);
	unit_run("model: cgan-g and cgan-d gradients (parameters, labels, the input)",
		 dcgan_gradients);
	unit_run("model: rgan-g and rgan-d gradients (parameters, labels, the input)",
		 residual_gan_gradients);
	unit_run("nn: the direct weight gradient over large planes and many channels", weight_grad_splits);
}

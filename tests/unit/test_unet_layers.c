/* Unit tests of the UNet's layers (issue 18): lib/nn/act, groupnorm,
 * timestep and attention.  Each forward against a direct loop in double,
 * each backward against central differences (tests/unit/probe.h), and the
 * layers on OpenMP give the same bits on 1 and 2 threads. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/rng.h"
#include "nn/act.h"
#include "nn/attention.h"
#include "nn/groupnorm.h"
#include "nn/nn.h"
#include "nn/timestep.h"
#include "probe.h"
#include "unit.h"

static struct rng r;

static float *uniform(size_t n, float lo, float hi)
{
	return probe_uniform(&r, n, lo, hi);
}

static float *copy_of(const float *v, size_t n)
{
	float *c = xmalloc(n * sizeof *c);
	memcpy(c, v, n * sizeof *c);
	return c;
}

static double max_abs_diff(const float *a, const double *b, size_t n)
{
	double worst = 0;
	for (size_t i = 0; i < n; i++)
		worst = fmax(worst, fabs(a[i] - b[i]));
	return worst;
}

/* The shape of the tests: c = 8 channels, n = 3 images of 4 x 4. */
enum { C = 8, N = 3, HW = 16, NHW = N * HW, LEN = C * NHW };

/* SiLU */

static void silu_probe(const struct probe *p, float *out)
{
	silu_forward(p->ctx, LEN, out);
}

static void silu_values_and_gradient(void)
{
	float *x = uniform(LEN, -4, 4), *out = xmalloc(LEN * sizeof *out);
	float *rw = uniform(LEN, -1, 1), *dx = xcalloc(LEN, sizeof *dx);
	double want[LEN];
	for (size_t i = 0; i < LEN; i++)
		want[i] = x[i] / (1 + exp(-(double)x[i]));
	silu_forward(x, LEN, out);
	CHECK(max_abs_diff(out, want, LEN) < 1e-6);
	silu_backward(x, rw, LEN, dx);
	struct probe p = { silu_probe, x, LEN, rw };
	CHECK(worst_gradient_error(&p, x, LEN, dx) < GRAD_TOLERANCE);
	free(x), free(out), free(rw), free(dx);
}

/* SiLU from -100 to 100 and at the ends of the floats: within 2 ulp (or
 * 1e-37) of x / (1 + e^-x) in double, the gradient within 1e-6 of its
 * derivative; on 45 values, so that the last vector is a part one. */
static void silu_whole_range(void)
{
	enum { K = 45 };
	float x[K], out[K], dx[K] = { 0 }, ones[K];
	for (int i = 0; i < K; i++) {
		x[i] = i < 41 ? -100 + 5.0f * (float)i : (i % 2 ? 1 : -1) * (i < 43 ? 1e30f : 88.5f);
		ones[i] = 1;
	}
	silu_forward(x, K, out);
	silu_backward(x, ones, K, dx);
	for (int i = 0; i < K; i++) {
		double s = 1 / (1 + exp(-(double)x[i])), want = x[i] * s;
		CHECK(fabs(out[i] - want) <= fmax(2.4e-7 * fabs(want), 1e-37));
		CHECK(fabs(dx[i] - (s + x[i] * s * (1 - s))) <= 1e-6);
	}
}

/* A convolution's bias */

struct bias_case {
	const float *x, *b;
};

static void bias_probe(const struct probe *p, float *out)
{
	const struct bias_case *c = p->ctx;
	memcpy(out, c->x, LEN * sizeof *out);
	channel_bias_forward(out, C, NHW, c->b);
}

static void channel_bias_values_and_gradient(void)
{
	float *x = uniform(LEN, -1, 1), *b = uniform(C, -1, 1), *out = copy_of(x, LEN);
	float *rw = uniform(LEN, -1, 1), db[C] = { 0 };
	double want[LEN];
	for (size_t i = 0; i < LEN; i++)
		want[i] = (double)x[i] + b[i / NHW];
	channel_bias_forward(out, C, NHW, b);
	CHECK(max_abs_diff(out, want, LEN) < 1e-6);
	channel_bias_backward(rw, C, NHW, db);
	struct bias_case c = { x, b };
	struct probe p = { bias_probe, &c, LEN, rw };
	CHECK(worst_gradient_error(&p, b, C, db) < GRAD_TOLERANCE);
	free(x), free(b), free(out), free(rw);
}

/* Group normalisation and AdaGN */

struct gn_case {
	struct groupnorm gn;
	float *x, *gamma, *beta, *scale, *shift; /* scale NULL: no AdaGN */
};

static void gn_probe(const struct probe *p, float *out)
{
	const struct gn_case *c = p->ctx;
	float mean[C * N], invstd[C * N];
	groupnorm_forward(&c->gn, c->x, N, HW, c->gamma, c->beta, mean, invstd, out);
	if (c->scale)
		scale_shift_forward(out, C, N, HW, c->scale, c->shift, out);
}

/* out by the definition, in double: PyTorch's GroupNorm (biased variance),
 * then AdaGN's (1 + scale) and shift where the case has them. */
static void gn_direct(const struct gn_case *c, double *out)
{
	int cg = C / c->gn.groups;
	for (int g = 0; g < c->gn.groups; g++)
		for (int i = 0; i < N; i++) {
			double sum = 0, sq = 0, m = cg * HW;
			for (int k = g * cg; k < (g + 1) * cg; k++)
				for (int j = 0; j < HW; j++)
					sum += c->x[(k * N + i) * HW + j];
			for (int k = g * cg; k < (g + 1) * cg; k++)
				for (int j = 0; j < HW; j++)
					sq += pow(c->x[(k * N + i) * HW + j] - sum / m, 2);
			double sd = sqrt(sq / m + c->gn.eps);
			for (int k = g * cg; k < (g + 1) * cg; k++)
				for (int j = 0; j < HW; j++) {
					int at = (k * N + i) * HW + j;
					double y = (c->x[at] - sum / m) / sd * c->gamma[k] +
						   c->beta[k];
					if (c->scale)
						y = y * (1 + c->scale[k * N + i]) +
						    c->shift[k * N + i];
					out[at] = y;
				}
		}
}

static void check_groupnorm(int groups, bool adagn)
{
	struct gn_case c = { .gn = { C, groups, 1e-5f },
			     .x = uniform(LEN, -1, 1),
			     .gamma = uniform(C, 0.5f, 1.5f),
			     .beta = uniform(C, -1, 1) };
	if (adagn) {
		c.scale = uniform(C * N, -0.5f, 0.5f);
		c.shift = uniform(C * N, -1, 1);
	}
	float *out = xmalloc(LEN * sizeof *out), *rw = uniform(LEN, -1, 1);
	float *y = xmalloc(LEN * sizeof *y), *dy = xcalloc(LEN, sizeof *dy);
	float *dx = xcalloc(LEN, sizeof *dx), dg[C] = { 0 }, db[C] = { 0 };
	float ds[C * N] = { 0 }, dsh[C * N] = { 0 }, mean[C * N], invstd[C * N];
	double want[LEN];
	struct probe p = { gn_probe, &c, LEN, rw };
	p.forward(&p, out);
	gn_direct(&c, want);
	CHECK(max_abs_diff(out, want, LEN) < 1e-5);

	groupnorm_forward(&c.gn, c.x, N, HW, c.gamma, c.beta, mean, invstd, y);
	if (adagn)
		scale_shift_backward(y, C, N, HW, c.scale, rw, dy, ds, dsh);
	groupnorm_backward(&c.gn, c.x, N, HW, c.gamma, mean, invstd, adagn ? dy : rw, dx, dg, db);
	CHECK(worst_gradient_error(&p, c.x, LEN, dx) < GRAD_TOLERANCE);
	CHECK(worst_gradient_error(&p, c.gamma, C, dg) < GRAD_TOLERANCE);
	CHECK(worst_gradient_error(&p, c.beta, C, db) < GRAD_TOLERANCE);
	if (adagn) {
		CHECK(worst_gradient_error(&p, c.scale, C * N, ds) < GRAD_TOLERANCE);
		CHECK(worst_gradient_error(&p, c.shift, C * N, dsh) < GRAD_TOLERANCE);
	}
	free(c.x), free(c.gamma), free(c.beta), free(c.scale), free(c.shift);
	free(out), free(rw), free(y), free(dy), free(dx);
}

static void groupnorm_values_and_gradients(void)
{
	check_groupnorm(4, false);
	check_groupnorm(1, false); /* one group: layer norm over an image */
	check_groupnorm(C, false); /* a group a channel: instance norm */
	check_groupnorm(4, true);
}

/* Backward accumulates: a second call adds the same again. */
static void groupnorm_accumulates(void)
{
	struct groupnorm gn = { C, 2, 1e-5f };
	float *x = uniform(LEN, -1, 1), *gamma = uniform(C, 0.5f, 1.5f), *rw = uniform(LEN, -1, 1);
	float *y = xmalloc(LEN * sizeof *y), *dx = xcalloc(LEN, sizeof *dx), dg[C] = { 0 };
	float db[C] = { 0 }, mean[2 * N], invstd[2 * N];
	groupnorm_forward(&gn, x, N, HW, gamma, gamma, mean, invstd, y);
	groupnorm_backward(&gn, x, N, HW, gamma, mean, invstd, rw, dx, dg, db);
	float *dx1 = copy_of(dx, LEN), dg1[C], db1[C];
	memcpy(dg1, dg, sizeof dg), memcpy(db1, db, sizeof db);
	groupnorm_backward(&gn, x, N, HW, gamma, mean, invstd, rw, dx, dg, db);
	double off = 0;
	for (size_t i = 0; i < LEN; i++)
		off = fmax(off, fabs(dx[i] - 2 * dx1[i]));
	for (int k = 0; k < C; k++)
		off = fmax(off, fmax(fabs(dg[k] - 2 * dg1[k]), fabs(db[k] - 2 * db1[k])));
	CHECK(off < 1e-6);
	free(x), free(gamma), free(rw), free(y), free(dx), free(dx1);
}

/* The chain's shape: 7 x 7 planes, three vectors of 16 and one lane. */
enum { CHW = 49, CLEN = C * N * CHW };

/* Group g of image i's normalised value at plane k, pixel j, in double. */
static double normalised(const float *x, int groups, int k, int i, int j)
{
	int cg = C / groups, g = k / cg;
	double sum = 0, sq = 0, m = cg * CHW;
	for (int q = g * cg; q < (g + 1) * cg; q++)
		for (int t = 0; t < CHW; t++)
			sum += x[(q * N + i) * CHW + t];
	for (int q = g * cg; q < (g + 1) * cg; q++)
		for (int t = 0; t < CHW; t++)
			sq += pow(x[(q * N + i) * CHW + t] - sum / m, 2);
	return (x[(k * N + i) * CHW + j] - sum / m) / sqrt(sq / m + 1e-5);
}

/* groupnorm_chain_forward: each stage's output the bits of the layers one
 * after the other, the stages not asked for not written; the group norm
 * on planes that are no whole number of vectors as defined. */
static void groupnorm_chain_as_layers(void)
{
	struct groupnorm gn = { C, 2, 1e-5f };
	float *x = uniform(CLEN, -2, 3), *gamma = uniform(C, 1, 1), *beta = uniform(C, 0, 0);
	float *scale = uniform(C * N, -0.5f, 0.5f), *shift = uniform(C * N, -1, 1);
	float *want = xmalloc(3 * CLEN * sizeof *want), *got = xmalloc(3 * CLEN * sizeof *got);
	float mean[2 * N], invstd[2 * N];
	groupnorm_forward(&gn, x, N, CHW, gamma, beta, mean, invstd, want);
	scale_shift_forward(want, C, N, CHW, scale, shift, want + CLEN);
	silu_forward(want + CLEN, CLEN, want + 2 * CLEN);
	double off = 0;
	for (int k = 0; k < C; k++)
		for (int i = 0; i < N; i++)
			for (int j = 0; j < CHW; j++)
				off = fmax(off, fabs(want[(k * N + i) * CHW + j] -
						     normalised(x, 2, k, i, j)));
	CHECK(off < 1e-5);
	struct gn_chain all = { scale, shift, true, got, got + CLEN, got + 2 * CLEN };
	groupnorm_chain_forward(&gn, x, N, CHW, gamma, beta, &all, mean, invstd);
	CHECK(memcmp(got, want, 3 * CLEN * sizeof *got) == 0);
	memset(got, 0, 3 * CLEN * sizeof *got);
	struct gn_chain last = { scale, shift, true, NULL, NULL, got + 2 * CLEN };
	groupnorm_chain_forward(&gn, x, N, CHW, gamma, beta, &last, mean, invstd);
	CHECK(memcmp(got + 2 * CLEN, want + 2 * CLEN, CLEN * sizeof *got) == 0);
	CHECK(got[0] == 0 && got[2 * CLEN - 1] == 0);
	silu_forward(want, CLEN, want + CLEN);
	struct gn_chain no_adagn = { .silu = true, .act = got };
	groupnorm_chain_forward(&gn, x, N, CHW, gamma, beta, &no_adagn, mean, invstd);
	CHECK(memcmp(got, want + CLEN, CLEN * sizeof *got) == 0);
	free(x), free(gamma), free(beta), free(scale), free(shift), free(want), free(got);
}

/* The timestep embedding */

/* guided-diffusion's timestep_embedding in double, value (row j, image i). */
static double embedding_direct(double t, int dim, int j)
{
	int half = dim / 2;
	if (j >= 2 * half)
		return 0; /* an odd dim's padding */
	double f = exp(-log(10000.0) * (j % half) / half);
	return j < half ? cos(t * f) : sin(t * f);
}

static void timestep_embedding_values(void)
{
	float t[4] = { 0, 1, 17.5f, 999 };
	for (int dim = 7; dim <= 8; dim++) {
		float emb[8 * 4];
		double want[8 * 4];
		timestep_embedding(t, 4, dim, 10000, emb);
		for (int j = 0; j < dim; j++)
			for (int i = 0; i < 4; i++)
				want[j * 4 + i] = embedding_direct(t[i], dim, j);
		CHECK(max_abs_diff(emb, want, (size_t)dim * 4) < 1e-7);
	}
	/* cosines first: t = 0 gives 1 then 0; the first frequency is 1 */
	float emb[8 * 4];
	timestep_embedding(t, 4, 8, 10000, emb);
	CHECK(emb[0] == 1 && emb[4 * 4] == 0);
	CHECK(emb[1] == (float)cos(1.0) && emb[4 * 4 + 1] == (float)sin(1.0));
	/* the last frequency is max_period^(-(half - 1) / half) */
	CHECK(emb[3 * 4 + 1] == (float)cos(pow(10000, -3.0 / 4)));
}

/* Concatenation */

struct concat_case {
	float *a, *b;
};

enum { CA = 3, CB = 5 };

static void concat_probe(const struct probe *p, float *out)
{
	const struct concat_case *c = p->ctx;
	concat_forward(c->a, CA, c->b, CB, NHW, out);
}

static void concat_values_and_gradients(void)
{
	struct concat_case c = { uniform(CA * NHW, -1, 1), uniform(CB * NHW, -1, 1) };
	float *out = xmalloc(LEN * sizeof *out), *rw = uniform(LEN, -1, 1);
	float *da = xcalloc(CA * NHW, sizeof *da), *db = xcalloc(CB * NHW, sizeof *db);
	concat_forward(c.a, CA, c.b, CB, NHW, out);
	/* channel 1 of image 2, and channel CA + 4 (b's 4) of image 1 */
	CHECK(out[(1 * N + 2) * HW + 5] == c.a[(1 * N + 2) * HW + 5]);
	CHECK(out[((CA + 4) * N + 1) * HW + 7] == c.b[(4 * N + 1) * HW + 7]);
	concat_backward(rw, CA, CB, NHW, da, db);
	struct probe p = { concat_probe, &c, LEN, rw };
	CHECK(worst_gradient_error(&p, c.a, CA * NHW, da) < GRAD_TOLERANCE);
	CHECK(worst_gradient_error(&p, c.b, CB * NHW, db) < GRAD_TOLERANCE);
	concat_backward(rw, CA, CB, NHW, NULL, db); /* a's gradient not needed */
	CHECK(db[3] == 2 * rw[CA * NHW + 3]);
	free(c.a), free(c.b), free(out), free(rw), free(da), free(db);
}

/* Mean-squared error */

struct mse_case {
	float *a, *b;
};

static void mse_probe(const struct probe *p, float *out)
{
	const struct mse_case *c = p->ctx;
	out[0] = (float)mse_loss(c->a, c->b, LEN, NULL);
}

static void mse_value_and_gradient(void)
{
	struct mse_case c = { uniform(LEN, -1, 1), uniform(LEN, -1, 1) };
	float *da = xmalloc(LEN * sizeof *da), one = 1;
	double want = 0;
	for (size_t i = 0; i < LEN; i++)
		want += pow((double)c.a[i] - c.b[i], 2) / LEN;
	CHECK(fabs(mse_loss(c.a, c.b, LEN, da) - want) < 1e-12);
	struct probe p = { mse_probe, &c, 1, &one };
	CHECK(worst_gradient_error(&p, c.a, LEN, da) < GRAD_TOLERANCE);
	free(c.a), free(c.b), free(da);
}

/* Attention */

enum { HEADS = 2, D = C / HEADS };

struct attn_case {
	struct attention at;
	float *x;
	struct attention_params p;
};

static struct attention_saved saved_alloc(int n, int hw)
{
	size_t nhw = (size_t)n * (size_t)hw;
	return (struct attention_saved){ xmalloc(3 * C * nhw * sizeof(float)),
					 xmalloc((size_t)n * HEADS * (size_t)(hw * hw) *
						 sizeof(float)),
					 xmalloc(C * nhw * sizeof(float)) };
}

static void saved_free(struct attention_saved *s)
{
	free(s->qkv), free(s->weights), free(s->a);
}

static void attn_probe(const struct probe *p, float *out)
{
	const struct attn_case *c = p->ctx;
	struct attention_saved s = saved_alloc(N, HW);
	attention_forward(&c->at, c->x, N, HW, &c->p, &s, out);
	saved_free(&s);
}

/* qkv channel o of image i at position t, in double. */
static double qkv_direct(const struct attn_case *c, int o, int i, int t)
{
	double v = c->p.qkv_b[o];
	for (int k = 0; k < C; k++)
		v += (double)c->p.qkv_w[o * C + k] * c->x[(k * N + i) * HW + t];
	return v;
}

/* Head h's output at position t of image i, channels [h D, h D + D) of
 * a [C][N][HW], by the definition (legacy order: head h's q, k, v are qkv
 * channels 3 h D + [0, D), + [D, 2 D), + [2 D, 3 D)). */
static void head_direct(const struct attn_case *c, int i, int h, int t, double *a)
{
	int q = 3 * h * D, k = q + D, v = k + D;
	double w[HW], top = -INFINITY, sum = 0;
	for (int s = 0; s < HW; s++) {
		w[s] = 0;
		for (int j = 0; j < D; j++)
			w[s] += qkv_direct(c, q + j, i, t) * qkv_direct(c, k + j, i, s) / sqrt(D);
		top = fmax(top, w[s]);
	}
	for (int s = 0; s < HW; s++)
		sum += w[s] = exp(w[s] - top);
	for (int j = 0; j < D; j++) {
		double out = 0;
		for (int s = 0; s < HW; s++)
			out += w[s] / sum * qkv_direct(c, v + j, i, s);
		a[((h * D + j) * N + i) * HW + t] = out;
	}
}

static void heads_direct(const struct attn_case *c, double *a)
{
	for (int i = 0; i < N; i++)
		for (int h = 0; h < HEADS; h++)
			for (int t = 0; t < HW; t++)
				head_direct(c, i, h, t, a);
}

static void attention_direct(const struct attn_case *c, double *out)
{
	double *a = xmalloc(LEN * sizeof *a);
	heads_direct(c, a);
	for (int o = 0; o < C; o++)
		for (int i = 0; i < N; i++)
			for (int t = 0; t < HW; t++) {
				double v = c->p.proj_b[o];
				for (int k = 0; k < C; k++)
					v += c->p.proj_w[o * C + k] * a[(k * N + i) * HW + t];
				out[(o * N + i) * HW + t] = v;
			}
	free(a);
}

static struct attention_params params_alloc(void)
{
	return (struct attention_params){ uniform(3 * C * C, -0.5f, 0.5f),
					  uniform(3 * C, -0.5f, 0.5f), uniform(C * C, -0.5f, 0.5f),
					  uniform(C, -0.5f, 0.5f) };
}

static struct attention_params grads_alloc(void)
{
	return (struct attention_params){ xcalloc(3 * C * C, sizeof(float)),
					  xcalloc(3 * C, sizeof(float)),
					  xcalloc(C * C, sizeof(float)),
					  xcalloc(C, sizeof(float)) };
}

static void params_free(struct attention_params *p)
{
	free(p->qkv_w), free(p->qkv_b), free(p->proj_w), free(p->proj_b);
}

static void attention_values_and_gradients(void)
{
	struct attn_case c = { .at = { C, HEADS }, .x = uniform(LEN, -1, 1), .p = params_alloc() };
	struct attention_params g = grads_alloc();
	struct attention_saved s = saved_alloc(N, HW);
	float *out = xmalloc(LEN * sizeof *out), *rw = uniform(LEN, -1, 1);
	float *dx = xcalloc(LEN, sizeof *dx);
	double *want = xmalloc(LEN * sizeof *want);
	attention_forward(&c.at, c.x, N, HW, &c.p, &s, out);
	attention_direct(&c, want);
	CHECK(max_abs_diff(out, want, LEN) < 1e-5);

	attention_backward(&c.at, c.x, N, HW, &c.p, &s, rw, dx, &g);
	struct probe p = { attn_probe, &c, LEN, rw };
	CHECK(worst_gradient_error(&p, c.x, LEN, dx) < GRAD_TOLERANCE);
	CHECK(worst_gradient_error(&p, c.p.qkv_w, 3 * C * C, g.qkv_w) < GRAD_TOLERANCE);
	CHECK(worst_gradient_error(&p, c.p.qkv_b, 3 * C, g.qkv_b) < GRAD_TOLERANCE);
	CHECK(worst_gradient_error(&p, c.p.proj_w, C * C, g.proj_w) < GRAD_TOLERANCE);
	CHECK(worst_gradient_error(&p, c.p.proj_b, C, g.proj_b) < GRAD_TOLERANCE);
	free(c.x), params_free(&c.p), params_free(&g), saved_free(&s);
	free(out), free(rw), free(dx), free(want);
}

/* Threads: each layer on OpenMP run on 1 and 2 threads, larger than the
 * tests above so that the work splits unevenly (n = 5, 7 x 7). */

enum { TN = 5, THW = 49, TLEN = C * TN * THW };

/* Every output and gradient of the layers, each into a part of res of
 * its own (TLEN floats a part, PARTS parts; parameters taken from x and
 * dout). */
enum { PARTS = 19 };

static void run_layers(const float *x, const float *dout, const struct attention_params *p,
		       float *res)
{
	float *part[PARTS];
	for (int k = 0; k < PARTS; k++)
		part[k] = res + (size_t)k * TLEN;
	silu_forward(x, TLEN, part[0]);
	silu_backward(x, dout, TLEN, part[1]);
	memcpy(part[2], x, TLEN * sizeof *x);
	channel_bias_forward(part[2], C, TN * THW, dout);
	channel_bias_backward(dout, C, TN * THW, part[3]);
	concat_backward(dout, 3, 5, TN * THW, part[4], part[4] + 3 * TN * THW);
	struct groupnorm gn = { C, 4, 1e-5f };
	float *mean = part[5], *invstd = part[5] + 4 * TN;
	groupnorm_forward(&gn, x, TN, THW, dout, x, mean, invstd, part[6]);
	groupnorm_backward(&gn, x, TN, THW, dout, mean, invstd, dout, part[7], part[8],
			   part[8] + C);
	scale_shift_forward(x, C, TN, THW, dout, x, part[9]);
	scale_shift_backward(x, C, TN, THW, dout, dout, part[10], part[11], part[11] + C * TN);
	struct attention at = { C, HEADS };
	struct attention_saved s = { xmalloc(3 * TLEN * sizeof(float)),
				     xmalloc(TN * HEADS * THW * THW * sizeof(float)), part[12] };
	attention_forward(&at, x, TN, THW, p, &s, part[13]);
	struct attention_params g = { part[15], part[16], part[17], part[18] };
	attention_backward(&at, x, TN, THW, p, &s, dout, part[14], &g);
	free(s.qkv), free(s.weights);
}

static void same_bits_on_1_and_2_threads(void)
{
	float *x = uniform(TLEN, -1, 1), *dout = uniform(TLEN, -1, 1);
	struct attention_params p = params_alloc();
	float *res[2];
	for (int t = 0; t < 2; t++) {
		nn_init(t + 1);
		res[t] = xcalloc(PARTS * (size_t)TLEN, sizeof **res);
		run_layers(x, dout, &p, res[t]);
	}
	nn_init(2);
	for (int k = 0; k < PARTS; k++)
		CHECK(memcmp(res[0] + k * TLEN, res[1] + k * TLEN, TLEN * sizeof **res) == 0);
	free(x), free(dout), params_free(&p), free(res[0]), free(res[1]);
}

/* Image i's planes of x [c][n][hw] alone: [c][1][hw]. */
static float *one_image(const float *x, int c, int n, int hw, int i)
{
	float *one = xmalloc((size_t)c * (size_t)hw * sizeof *one);
	for (int k = 0; k < c; k++)
		memcpy(one + (size_t)k * hw, x + ((size_t)k * n + i) * hw,
		       (size_t)hw * sizeof *one);
	return one;
}

/* An image's attention is the same bits in a batch of TN and alone (so a
 * sampler's output does not depend on its batch). */
static void attention_batch_independent(void)
{
	struct attention at = { C, HEADS };
	struct attention_params p = params_alloc();
	float *x = uniform(TLEN, -1, 1), *out = xmalloc(TLEN * sizeof *out);
	float *alone = xmalloc(C * THW * sizeof *alone);
	struct attention_saved s = saved_alloc(TN, THW), s1 = saved_alloc(1, THW);
	attention_forward(&at, x, TN, THW, &p, &s, out);
	float *x2 = one_image(x, C, TN, THW, 2), *out2 = one_image(out, C, TN, THW, 2);
	attention_forward(&at, x2, 1, THW, &p, &s1, alone);
	CHECK(memcmp(alone, out2, C * THW * sizeof *alone) == 0);
	free(x), free(out), free(alone), free(x2), free(out2), params_free(&p);
	saved_free(&s), saved_free(&s1);
}

void unit_main(void)
{
	rng_seed(&r, 18, 1);
	nn_init(2);
	unit_run("act: SiLU: values and gradient", silu_values_and_gradient);
	unit_run("act: SiLU over the whole range of floats", silu_whole_range);
	unit_run("act: a convolution's bias: values and gradient",
		 channel_bias_values_and_gradient);
	unit_run("act: channel concatenation: values and gradients", concat_values_and_gradients);
	unit_run("act: mean-squared error: value and gradient", mse_value_and_gradient);
	unit_run("groupnorm: group norm and AdaGN as defined; their gradients",
		 groupnorm_values_and_gradients);
	unit_run("groupnorm: backward accumulates", groupnorm_accumulates);
	unit_run("groupnorm: GN, AdaGN and SiLU in one pass give the layers' bits",
		 groupnorm_chain_as_layers);
	unit_run("timestep: guided-diffusion's sinusoidal embedding", timestep_embedding_values);
	unit_run("attention: as guided-diffusion's AttentionBlock; its gradients",
		 attention_values_and_gradients);
	unit_run("attention: an image's output does not depend on its batch",
		 attention_batch_independent);
	unit_run("the layers give the same bits on 1 and 2 threads", same_bits_on_1_and_2_threads);
}

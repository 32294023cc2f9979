#include "nn/attention.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>

#include "base/mem.h"
#include "nn/act.h"
#include "nn/avx512.h"
#include "nn/nn.h"

/* The 1x1 convolutions: a plane of hw positions as hw rows of one column. */
static struct conv pointwise(int cin, int cout)
{
	return (struct conv){ .cin = cin, .cout = cout, .k = 1, .stride = 1, .pad = 0 };
}

/* Head h of image i: its q, k and v ([d][hw] each, rows ld = n hw apart
 * in qkv), its output's rows in a, its softmax weights w [hw][hw], and
 * the scale of its products, 1 / sqrt(d). */
struct head {
	int d, hw, ld;
	float alpha;
	float *q, *k, *v, *a, *w;
};

static struct head head_at(const struct attention *at, int n, int hw, float *qkv, float *a,
			   float *weights, int h, int i)
{
	int d = at->c / at->heads;
	size_t plane = (size_t)hw, ld = (size_t)n * plane;
	struct head hd = { .d = d, .hw = hw, .ld = (int)ld, .alpha = 1 / sqrtf((float)d) };
	hd.q = qkv + (size_t)(3 * h * d) * ld + (size_t)i * plane;
	hd.k = hd.q + (size_t)d * ld;
	hd.v = hd.k + (size_t)d * ld;
	hd.a = a + (size_t)(h * d) * ld + (size_t)i * plane;
	hd.w = weights + ((size_t)i * at->heads + h) * plane * plane;
	return hd;
}

#ifdef HAVE_AVX512
/* A row's softmax, 16 lanes at a time: its largest value, e^(x - top)
 * by exp512, their sum in 16 double lanes, each over the sum. */
AVX512 static void softmax_row512(float *row, int hw)
{
	__m512 top = _mm512_set1_ps(row[0]);
	for (int s = 0; s < hw; s += 16) {
		__mmask16 k = avx512_tail((size_t)(hw - s));
		top = _mm512_mask_max_ps(top, k, top, _mm512_maskz_loadu_ps(k, row + s));
	}
	top = _mm512_set1_ps(_mm512_reduce_max_ps(top));
	__m512d lo = _mm512_setzero_pd(), hi = lo;
	for (int s = 0; s < hw; s += 16) {
		__mmask16 k = avx512_tail((size_t)(hw - s));
		__m512 e = exp512(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, row + s), top));
		e = _mm512_maskz_mov_ps(k, e);
		_mm512_mask_storeu_ps(row + s, k, e);
		lo = _mm512_add_pd(lo, _mm512_cvtps_pd(_mm512_castps512_ps256(e)));
		hi = _mm512_add_pd(hi, _mm512_cvtps_pd(_mm256_castpd_ps(
					       _mm512_extractf64x4_pd(_mm512_castps_pd(e), 1))));
	}
	double sum = _mm512_reduce_add_pd(_mm512_add_pd(lo, hi));
	for (int s = 0; s < hw; s++)
		row[s] = (float)(row[s] / sum);
}
#endif

/* Each row of w [hw][hw] to its softmax (the exponentials in float, as
 * guided-diffusion; their sum in double). */
static void softmax_rows(float *w, int hw)
{
#ifdef HAVE_AVX512
	if (avx512_ok()) {
		for (int t = 0; t < hw; t++)
			softmax_row512(w + (size_t)t * hw, hw);
		return;
	}
#endif
	for (int t = 0; t < hw; t++) {
		float *row = w + (size_t)t * hw, top = row[0];
		for (int s = 1; s < hw; s++)
			top = row[s] > top ? row[s] : top;
		double sum = 0;
		for (int s = 0; s < hw; s++) {
			row[s] = expf(row[s] - top);
			sum += row[s];
		}
		for (int s = 0; s < hw; s++)
			row[s] = (float)(row[s] / sum);
	}
}

/* w = softmax(alpha q^T k) [hw][hw]; a = v w^T [d][hw]. */
static void head_forward(const struct head *hd)
{
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, hd->hw, hd->hw, hd->d, hd->alpha,
		    hd->q, hd->ld, hd->k, hd->ld, 0, hd->w, hd->hw);
	softmax_rows(hd->w, hd->hw);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, hd->d, hd->hw, hd->hw, 1, hd->v,
		    hd->ld, hd->w, hd->hw, 0, hd->a, hd->ld);
}

/* Every head of every image, one product each on one thread: an image's
 * result depends neither on the batch nor on the threads. */
static void heads_forward(const struct attention *at, int n, int hw,
			  const struct attention_saved *s)
{
	int units = n * at->heads;
#pragma omp parallel for schedule(static)
	for (int u = 0; u < units; u++) {
		struct head hd =
			head_at(at, n, hw, s->qkv, s->a, s->weights, u % at->heads, u / at->heads);
		head_forward(&hd);
	}
}

void attention_forward(const struct attention *at, const float *x, int n, int hw,
		       const struct attention_params *p, const struct attention_saved *s,
		       float *out)
{
	struct conv to_qkv = pointwise(at->c, 3 * at->c), proj = pointwise(at->c, at->c);
	conv_bias_forward(&to_qkv, x, n, hw, 1, p->qkv_w, p->qkv_b, s->qkv);
	heads_forward(at, n, hw, s);
	conv_bias_forward(&proj, s->a, n, hw, 1, p->proj_w, p->proj_b, out);
}

/* One head backward, from da (rows ld apart, as a) into dqkv's q, k, v
 * rows (as qkv's; written, not added: each head's rows are its own);
 * dw [hw][hw] scratch.  a = v w^T: dw = da^T v, dv = da w; w = softmax(S):
 * dS_ts = w_ts (dw_ts - sum_s' w_ts' dw_ts'); S = alpha q^T k:
 * dq = alpha k dS^T, dk = alpha q dS. */
static void head_backward(const struct head *hd, const float *da, const struct head *dh, float *dw)
{
	int hw = hd->hw, ld = hd->ld;
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, hw, hw, hd->d, 1, da, ld, hd->v, ld, 0,
		    dw, hw);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, hd->d, hw, hw, 1, da, ld, hd->w, hw,
		    0, dh->v, ld);
	for (int t = 0; t < hw; t++) {
		const float *w = hd->w + (size_t)t * hw;
		float *row = dw + (size_t)t * hw;
		double dot = 0;
		for (int s = 0; s < hw; s++)
			dot += (double)w[s] * row[s];
		for (int s = 0; s < hw; s++)
			row[s] = w[s] * (row[s] - (float)dot);
	}
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, hd->d, hw, hw, hd->alpha, hd->k, ld,
		    dw, hw, 0, dh->q, ld);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, hd->d, hw, hw, hd->alpha, hd->q, ld,
		    dw, hw, 0, dh->k, ld);
}

static void heads_backward(const struct attention *at, int n, int hw,
			   const struct attention_saved *s, float *da, float *dqkv)
{
	int units = n * at->heads;
#pragma omp parallel
	{
		float *dw = xmalloc((size_t)hw * (size_t)hw * sizeof *dw);
#pragma omp for schedule(static)
		for (int u = 0; u < units; u++) {
			int h = u % at->heads, i = u / at->heads;
			struct head hd = head_at(at, n, hw, s->qkv, s->a, s->weights, h, i);
			/* da and dqkv laid out as a and qkv: the same offsets */
			struct head dh = head_at(at, n, hw, dqkv, da, s->weights, h, i);
			head_backward(&hd, dh.a, &dh, dw);
		}
		free(dw);
	}
}

void attention_backward(const struct attention *at, const float *x, int n, int hw,
			const struct attention_params *p, const struct attention_saved *s,
			const float *dout, float *dx, const struct attention_params *g)
{
	struct conv to_qkv = pointwise(at->c, 3 * at->c), proj = pointwise(at->c, at->c);
	size_t nhw = (size_t)n * (size_t)hw;
	float *da = xcalloc((size_t)at->c * nhw, sizeof *da);
	float *dqkv = xmalloc(3 * (size_t)at->c * nhw * sizeof *dqkv);
	channel_bias_backward(dout, at->c, nhw, g->proj_b);
	conv_backward(&proj, s->a, n, hw, 1, p->proj_w, dout, da, g->proj_w);
	heads_backward(at, n, hw, s, da, dqkv);
	channel_bias_backward(dqkv, 3 * at->c, nhw, g->qkv_b);
	conv_backward(&to_qkv, x, n, hw, 1, p->qkv_w, dqkv, dx, g->qkv_w);
	free(da), free(dqkv);
}

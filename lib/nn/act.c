#include "nn/act.h"

#include <math.h>
#include <string.h>

#include "nn/avx512.h"

/* The elementwise layers go over the threads in spans of this many floats. */
#define SPAN 4096

static size_t spans(size_t len)
{
	return (len + SPAN - 1) / SPAN;
}

static void silu_span(const float *x, size_t len, float *out)
{
	for (size_t i = 0; i < len; i++)
		out[i] = silu_value(x[i]);
}

static void silu_grad_span(const float *x, const float *dout, size_t len, float *dx)
{
	for (size_t i = 0; i < len; i++) {
		float s = sigmoid_value(x[i]);
		dx[i] += dout[i] * s * (1 + x[i] * (1 - s));
	}
}

#ifdef HAVE_AVX512
/* As the spans above, 16 lanes at a time, with exp512 for expf: the same
 * operations in the same order otherwise. */
AVX512 static void silu_span512(const float *x, size_t len, float *out)
{
	for (size_t i = 0; i < len; i += 16) {
		__mmask16 k = avx512_tail(len - i);
		__m512 v = _mm512_maskz_loadu_ps(k, x + i);
		_mm512_mask_storeu_ps(out + i, k, _mm512_mul_ps(v, sigmoid512(v)));
	}
}

AVX512 static void silu_grad_span512(const float *x, const float *dout, size_t len, float *dx)
{
	__m512 one = _mm512_set1_ps(1);
	for (size_t i = 0; i < len; i += 16) {
		__mmask16 k = avx512_tail(len - i);
		__m512 v = _mm512_maskz_loadu_ps(k, x + i), s = sigmoid512(v);
		__m512 g = _mm512_mul_ps(_mm512_maskz_loadu_ps(k, dout + i), s);
		g = _mm512_mul_ps(g, _mm512_add_ps(one, _mm512_mul_ps(v, _mm512_sub_ps(one, s))));
		_mm512_mask_storeu_ps(dx + i, k, _mm512_add_ps(_mm512_maskz_loadu_ps(k, dx + i), g));
	}
}
#endif

void silu_forward(const float *x, size_t len, float *out)
{
	bool vec = avx512_ok();
#pragma omp parallel for schedule(static)
	for (size_t s = 0; s < spans(len); s++) {
		size_t at = s * SPAN, n = len - at < SPAN ? len - at : SPAN;
#ifdef HAVE_AVX512
		if (vec) {
			silu_span512(x + at, n, out + at);
			continue;
		}
#endif
		silu_span(x + at, n, out + at);
	}
	(void)vec;
}

/* d(x s)/dx = s + x s (1 - s), s' = s (1 - s) */
void silu_backward(const float *x, const float *dout, size_t len, float *dx)
{
	bool vec = avx512_ok();
#pragma omp parallel for schedule(static)
	for (size_t s = 0; s < spans(len); s++) {
		size_t at = s * SPAN, n = len - at < SPAN ? len - at : SPAN;
#ifdef HAVE_AVX512
		if (vec) {
			silu_grad_span512(x + at, dout + at, n, dx + at);
			continue;
		}
#endif
		silu_grad_span(x + at, dout + at, n, dx + at);
	}
	(void)vec;
}

void channel_bias_forward(float *x, int c, size_t nhw, const float *b)
{
#pragma omp parallel for schedule(static)
	for (int k = 0; k < c; k++) {
		float *xk = x + (size_t)k * nhw;
		for (size_t i = 0; i < nhw; i++)
			xk[i] += b[k];
	}
}

#ifdef HAVE_AVX512
/* The sum of len floats in 16 double lanes, added up at the end. */
AVX512 static double sum512(const float *x, size_t len)
{
	__m512d lo = _mm512_setzero_pd(), hi = lo;
	for (size_t i = 0; i < len; i += 16) {
		__m512 v = _mm512_maskz_loadu_ps(avx512_tail(len - i), x + i);
		lo = _mm512_add_pd(lo, _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
		hi = _mm512_add_pd(hi, _mm512_cvtps_pd(_mm256_castpd_ps(
					       _mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))));
	}
	return _mm512_reduce_add_pd(_mm512_add_pd(lo, hi));
}
#endif

static double sum(const float *x, size_t len)
{
	double s = 0;
	for (size_t i = 0; i < len; i++)
		s += x[i];
	return s;
}

void channel_bias_backward(const float *dout, int c, size_t nhw, float *db)
{
	bool vec = avx512_ok();
#pragma omp parallel for schedule(static)
	for (int k = 0; k < c; k++) {
		const float *dk = dout + (size_t)k * nhw;
#ifdef HAVE_AVX512
		if (vec) {
			db[k] += (float)sum512(dk, nhw);
			continue;
		}
#endif
		db[k] += (float)sum(dk, nhw);
	}
	(void)vec;
}

/* dst = src, a span a thread at a time (memcpy is one thread's). */
static void copy_spans(float *dst, const float *src, size_t len)
{
#pragma omp parallel for schedule(static)
	for (size_t s = 0; s < spans(len); s++) {
		size_t at = s * SPAN;
		memcpy(dst + at, src + at, (len - at < SPAN ? len - at : SPAN) * sizeof *dst);
	}
}

void concat_forward(const float *a, int ca, const float *b, int cb, size_t nhw, float *out)
{
	copy_spans(out, a, (size_t)ca * nhw);
	copy_spans(out + (size_t)ca * nhw, b, (size_t)cb * nhw);
}

static void accumulate(const float *d, size_t len, float *into)
{
#pragma omp parallel for simd schedule(static)
	for (size_t i = 0; i < len; i++)
		into[i] += d[i];
}

void concat_backward(const float *dout, int ca, int cb, size_t nhw, float *da, float *db)
{
	if (da)
		accumulate(dout, (size_t)ca * nhw, da);
	if (db)
		accumulate(dout + (size_t)ca * nhw, (size_t)cb * nhw, db);
}

double mse_loss(const float *a, const float *b, size_t len, float *da)
{
	double sum = 0;
	for (size_t i = 0; i < len; i++) {
		double d = (double)a[i] - b[i];
		sum += d * d;
		if (da)
			da[i] = (float)(2 * d / (double)len);
	}
	return sum / (double)len;
}

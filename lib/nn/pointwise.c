#include "nn/pointwise.h"

#include <stdlib.h>

#include "nn/avx512.h"

#define CO_BLOCK 8
#define PIX_BLOCK 3
#define UNROLL _Pragma("GCC unroll 16")

bool pointwise_takes(const struct conv *cv, size_t hw)
{
	return cv->k == 1 && cv->stride == 1 && cv->pad == 0 && cv->cout % CO_BLOCK == 0 &&
	       hw >= 16 && avx512_ok();
}

#ifdef HAVE_AVX512
/* Pixel vectors v0 .. v0 + np - 1 of CO_BLOCK output planes from co:
 * the sum over the input channels in order, then the bias. */
AVX512_INLINE void pointwise_block(const float *in, size_t in_stride, int cin, size_t hw, int v0,
				   int np, const float *wt, const float *bias, float *out,
				   size_t out_stride)
{
	__m512 acc[PIX_BLOCK][CO_BLOCK];
	__mmask16 k[PIX_BLOCK];
	UNROLL
	for (int p = 0; p < np; p++) {
		k[p] = avx512_tail(hw - (size_t)(v0 + p) * 16);
		UNROLL
		for (int r = 0; r < CO_BLOCK; r++)
			acc[p][r] = _mm512_setzero_ps();
	}
	for (int ci = 0; ci < cin; ci++, in += in_stride) {
		__m512 x[PIX_BLOCK];
		UNROLL
		for (int p = 0; p < np; p++)
			x[p] = _mm512_maskz_loadu_ps(k[p], in + (v0 + p) * 16);
		UNROLL
		for (int r = 0; r < CO_BLOCK; r++) {
			__m512 w = _mm512_set1_ps(wt[(size_t)r * cin + ci]);
			UNROLL
			for (int p = 0; p < np; p++)
				acc[p][r] = _mm512_fmadd_ps(x[p], w, acc[p][r]);
		}
	}
	UNROLL
	for (int r = 0; r < CO_BLOCK; r++)
		UNROLL
		for (int p = 0; p < np; p++)
			_mm512_mask_storeu_ps(out + r * out_stride + (v0 + p) * 16, k[p],
					      _mm512_add_ps(acc[p][r], _mm512_set1_ps(bias[r])));
}

/* Image i of the output, every block of output channels. */
AVX512 static void pointwise_image(const struct conv *cv, const float *in, int n, size_t hw,
				   int i, const float *wt, const float *bias, float *out)
{
	size_t stride = (size_t)n * hw;
	int vectors = (int)((hw + 15) / 16), full = vectors / PIX_BLOCK * PIX_BLOCK;
	for (int co = 0; co < cv->cout; co += CO_BLOCK) {
		const float *src = in + (size_t)i * hw, *w = wt + (size_t)co * cv->cin;
		float *dst = out + (size_t)co * stride + (size_t)i * hw;
		for (int v = 0; v < full; v += PIX_BLOCK)
			pointwise_block(src, stride, cv->cin, hw, v, PIX_BLOCK, w, bias + co, dst,
					stride);
		for (int v = full; v < vectors; v++)
			pointwise_block(src, stride, cv->cin, hw, v, 1, w, bias + co, dst, stride);
	}
}

/* Each image on one thread: its output does not depend on the threads
 * nor on the batch. */
void pointwise_bias_forward(const struct conv *cv, const float *in, int n, size_t hw,
			    const float *wt, const float *bias, float *out)
{
#pragma omp parallel for schedule(static)
	for (int i = 0; i < n; i++)
		pointwise_image(cv, in, n, hw, i, wt, bias, out);
}
#else
void pointwise_bias_forward(const struct conv *cv, const float *in, int n, size_t hw,
			    const float *wt, const float *bias, float *out)
{
	(void)cv, (void)in, (void)n, (void)hw, (void)wt, (void)bias, (void)out;
	abort(); /* pointwise_takes said no */
}
#endif

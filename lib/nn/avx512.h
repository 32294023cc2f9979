/* avx512: what lib/nn's AVX-512 kernels share (conv3 keeps its own): the
 * attributes that compile a function for AVX-512 inside a portable
 * build, and the exponential the UNet's SiLU takes 16 lanes at a time.
 * A caller checks avx512_ok() before calling any of them. */
#ifndef SIMBAL_NN_AVX512_H
#define SIMBAL_NN_AVX512_H

#include <stdbool.h>

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_AVX512 1
#include <immintrin.h>
#define AVX512 __attribute__((target("avx512f")))
#define AVX512_INLINE __attribute__((target("avx512f"), always_inline)) static inline

static inline bool avx512_ok(void)
{
	return __builtin_cpu_supports("avx512f");
}

/* e^x to within 2 ulp of expf over floats (Cephes's polynomial on x - n
 * ln 2, |x - n ln 2| <= ln 2 / 2, then times 2^n by vscalefps, which
 * gives inf past the top and 0 below the denormals); NaN stays NaN. */
AVX512_INLINE __m512 exp512(__m512 x)
{
	/* the bounds first: a NaN lane is returned by both, and stays NaN */
	x = _mm512_min_ps(_mm512_set1_ps(89.0f), _mm512_max_ps(_mm512_set1_ps(-104.0f), x));
	__m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
					_MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	__m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
	r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
	__m512 p = _mm512_set1_ps(1.9875691500e-4f);
	p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
	p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
	p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
	p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
	p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
	p = _mm512_fmadd_ps(_mm512_mul_ps(p, r), r, _mm512_add_ps(r, _mm512_set1_ps(1)));
	return _mm512_scalef_ps(p, n);
}

/* 1 / (1 + e^-x), as act.h's silu_value computes it but for exp512. */
AVX512_INLINE __m512 sigmoid512(__m512 x)
{
	__m512 one = _mm512_set1_ps(1);
	return _mm512_div_ps(one, _mm512_add_ps(one, exp512(_mm512_sub_ps(_mm512_setzero_ps(), x))));
}

/* The first left lanes (all 16 from 16 up). */
static inline __mmask16 avx512_tail(size_t left)
{
	return left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
}
#else
static inline bool avx512_ok(void)
{
	return false;
}
#endif

#endif

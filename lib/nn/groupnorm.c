#include "nn/groupnorm.h"

#include <math.h>

#include "nn/act.h"
#include "nn/avx512.h"

/* Group g of image i is the planes [g cg + k][i] for k < cg, each hw
 * floats; a group's statistics are indexed g n + i.  The offset of plane
 * [ch][i]: */
static size_t plane_at(int ch, int n, int i, size_t hw)
{
	return ((size_t)ch * (size_t)n + (size_t)i) * hw;
}

/* Mean and biased variance of one group, in double (two passes). */
static void group_moments(const float *x, int first, int cg, int n, int i, size_t hw, double *mean,
			  double *var)
{
	double sum = 0, sq = 0, m = (double)cg * (double)hw;
	for (int k = 0; k < cg; k++) {
		const float *p = x + plane_at(first + k, n, i, hw);
		for (size_t j = 0; j < hw; j++)
			sum += p[j];
	}
	*mean = sum / m;
	for (int k = 0; k < cg; k++) {
		const float *p = x + plane_at(first + k, n, i, hw);
		for (size_t j = 0; j < hw; j++)
			sq += (p[j] - *mean) * (p[j] - *mean);
	}
	*var = sq / m;
}

/* The chain's stages on one plane: q its index [k][i], k its channel. */
static void plane_chain(const struct gn_chain *ch, const float *p, size_t at, size_t q,
			size_t hw, float mean, float invstd, float gamma, float beta)
{
	for (size_t j = 0; j < hw; j++) {
		float y = (p[j] - mean) * invstd * gamma + beta;
		if (ch->norm)
			ch->norm[at + j] = y;
		if (ch->scale) {
			y = y * (1 + ch->scale[q]) + ch->shift[q];
			if (ch->adagn)
				ch->adagn[at + j] = y;
		}
		if (ch->silu)
			ch->act[at + j] = silu_value(y);
	}
}

#ifdef HAVE_AVX512
/* 16 floats as two vectors of 8 doubles. */
AVX512_INLINE void to_pd(__m512 v, __m512d *lo, __m512d *hi)
{
	*lo = _mm512_cvtps_pd(_mm512_castps512_ps256(v));
	*hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
}

/* 16 floats from p (lanes past k 0) as two vectors of 8 doubles. */
AVX512_INLINE void load_pd(const float *p, __mmask16 k, __m512d *lo, __m512d *hi)
{
	to_pd(_mm512_maskz_loadu_ps(k, p), lo, hi);
}

/* As group_moments, in 16 double lanes. */
AVX512 static void group_moments512(const float *x, int first, int cg, int n, int i, size_t hw,
				    double *mean, double *var)
{
	__m512d s0 = _mm512_setzero_pd(), s1 = s0, q0 = s0, q1 = s0, lo, hi;
	double m = (double)cg * (double)hw;
	for (int k = 0; k < cg; k++) {
		const float *p = x + plane_at(first + k, n, i, hw);
		for (size_t j = 0; j < hw; j += 16) {
			load_pd(p + j, avx512_tail(hw - j), &lo, &hi);
			s0 = _mm512_add_pd(s0, lo);
			s1 = _mm512_add_pd(s1, hi);
		}
	}
	*mean = _mm512_reduce_add_pd(_mm512_add_pd(s0, s1)) / m;
	__m512d mu = _mm512_set1_pd(*mean);
	for (int k = 0; k < cg; k++) {
		const float *p = x + plane_at(first + k, n, i, hw);
		for (size_t j = 0; j < hw; j += 16) {
			__mmask16 t = avx512_tail(hw - j);
			load_pd(p + j, t, &lo, &hi);
			lo = _mm512_maskz_sub_pd((__mmask8)t, lo, mu);
			hi = _mm512_maskz_sub_pd((__mmask8)(t >> 8), hi, mu);
			q0 = _mm512_fmadd_pd(lo, lo, q0);
			q1 = _mm512_fmadd_pd(hi, hi, q1);
		}
	}
	*var = _mm512_reduce_add_pd(_mm512_add_pd(q0, q1)) / m;
}

/* As plane_chain, 16 lanes at a time: the same operations in the same
 * order (SiLU's e^x by exp512). */
AVX512 static void plane_chain512(const struct gn_chain *ch, const float *p, size_t at, size_t q,
				  size_t hw, float mean, float invstd, float gamma, float beta)
{
	__m512 mu = _mm512_set1_ps(mean), is = _mm512_set1_ps(invstd), g = _mm512_set1_ps(gamma);
	__m512 b = _mm512_set1_ps(beta), s = _mm512_setzero_ps(), sh = s;
	if (ch->scale) {
		s = _mm512_set1_ps(1 + ch->scale[q]);
		sh = _mm512_set1_ps(ch->shift[q]);
	}
	for (size_t j = 0; j < hw; j += 16) {
		__mmask16 t = avx512_tail(hw - j);
		__m512 y = _mm512_sub_ps(_mm512_maskz_loadu_ps(t, p + j), mu);
		y = _mm512_add_ps(_mm512_mul_ps(_mm512_mul_ps(y, is), g), b);
		if (ch->norm)
			_mm512_mask_storeu_ps(ch->norm + at + j, t, y);
		if (ch->scale) {
			y = _mm512_add_ps(_mm512_mul_ps(y, s), sh);
			if (ch->adagn)
				_mm512_mask_storeu_ps(ch->adagn + at + j, t, y);
		}
		if (ch->silu)
			_mm512_mask_storeu_ps(ch->act + at + j, t, _mm512_mul_ps(y, sigmoid512(y)));
	}
}
#endif

/* Group unit u = g n + i: its statistics, then the chain on its planes. */
static void unit_forward(const struct groupnorm *gn, const float *x, int n, size_t hw,
			 const float *gamma, const float *beta, const struct gn_chain *ch,
			 bool vec, int u, float *mean, float *invstd)
{
	int cg = gn->c / gn->groups, g = u / n, i = u % n;
	double mu, var;
#ifdef HAVE_AVX512
	if (vec)
		group_moments512(x, g * cg, cg, n, i, hw, &mu, &var);
	else
#endif
		group_moments(x, g * cg, cg, n, i, hw, &mu, &var);
	mean[u] = (float)mu;
	invstd[u] = (float)(1 / sqrt(var + gn->eps));
	for (int k = g * cg; k < (g + 1) * cg; k++) {
		size_t q = (size_t)k * (size_t)n + (size_t)i, at = q * hw;
#ifdef HAVE_AVX512
		if (vec) {
			plane_chain512(ch, x + at, at, q, hw, mean[u], invstd[u], gamma[k], beta[k]);
			continue;
		}
#endif
		plane_chain(ch, x + at, at, q, hw, mean[u], invstd[u], gamma[k], beta[k]);
	}
}

void groupnorm_chain_forward(const struct groupnorm *gn, const float *x, int n, size_t hw,
			     const float *gamma, const float *beta, const struct gn_chain *ch,
			     float *mean, float *invstd)
{
	int units = gn->groups * n;
	bool vec = avx512_ok();
#pragma omp parallel for schedule(static)
	for (int u = 0; u < units; u++)
		unit_forward(gn, x, n, hw, gamma, beta, ch, vec, u, mean, invstd);
}

void groupnorm_forward(const struct groupnorm *gn, const float *x, int n, size_t hw,
		       const float *gamma, const float *beta, float *mean, float *invstd,
		       float *out)
{
	struct gn_chain ch = { .norm = out };
	groupnorm_chain_forward(gn, x, n, hw, gamma, beta, &ch, mean, invstd);
}

/* dgamma[k] and dbeta[k]'s sums over one plane: sum dout, sum dout xhat
 * (each product in float, as written; the sums in double). */
static void plane_affine_sums(const float *p, const float *d, size_t hw, float mean,
			      float invstd, double *sum_d, double *sum_dxhat)
{
	for (size_t j = 0; j < hw; j++) {
		*sum_d += d[j];
		*sum_dxhat += d[j] * (p[j] - mean) * invstd;
	}
}

/* With e = dout gamma (the gradient at xhat): sum e and sum e xhat over
 * one plane, in double. */
static void plane_input_sums(const float *p, const float *d, size_t hw, double gamma, float mean,
			     float invstd, double *sum_e, double *sum_exhat)
{
	for (size_t j = 0; j < hw; j++) {
		double e = (double)d[j] * gamma;
		*sum_e += e;
		*sum_exhat += e * (p[j] - mean) * invstd;
	}
}

/* dx = invstd (e - mean(e) - xhat mean(e xhat)) over one plane. */
static void plane_input_grad(const float *p, const float *d, size_t hw, float gamma, float mean,
			     float invstd, float mean_e, float mean_exhat, float *dx)
{
	for (size_t j = 0; j < hw; j++) {
		float xhat = (p[j] - mean) * invstd;
		dx[j] += invstd * (d[j] * gamma - mean_e - xhat * mean_exhat);
	}
}

#ifdef HAVE_AVX512
/* As the plane functions above, 16 lanes at a time; the sums in 16
 * double lanes, added up at the end. */
AVX512 static void plane_affine_sums512(const float *p, const float *d, size_t hw, float mean,
					float invstd, double *sum_d, double *sum_dxhat)
{
	__m512d a0 = _mm512_setzero_pd(), a1 = a0, b0 = a0, b1 = a0, lo, hi;
	__m512 mu = _mm512_set1_ps(mean), is = _mm512_set1_ps(invstd);
	for (size_t j = 0; j < hw; j += 16) {
		__mmask16 t = avx512_tail(hw - j);
		__m512 dv = _mm512_maskz_loadu_ps(t, d + j);
		__m512 x = _mm512_sub_ps(_mm512_maskz_loadu_ps(t, p + j), mu);
		to_pd(dv, &lo, &hi);
		a0 = _mm512_add_pd(a0, lo);
		a1 = _mm512_add_pd(a1, hi);
		to_pd(_mm512_mul_ps(_mm512_mul_ps(dv, x), is), &lo, &hi);
		b0 = _mm512_add_pd(b0, lo);
		b1 = _mm512_add_pd(b1, hi);
	}
	*sum_d += _mm512_reduce_add_pd(_mm512_add_pd(a0, a1));
	*sum_dxhat += _mm512_reduce_add_pd(_mm512_add_pd(b0, b1));
}

AVX512 static void plane_input_sums512(const float *p, const float *d, size_t hw, double gamma,
				      float mean, float invstd, double *sum_e, double *sum_exhat)
{
	__m512d a0 = _mm512_setzero_pd(), a1 = a0, b0 = a0, b1 = a0, e0, e1, x0, x1;
	__m512d g = _mm512_set1_pd(gamma), is = _mm512_set1_pd(invstd);
	__m512 mu = _mm512_set1_ps(mean);
	for (size_t j = 0; j < hw; j += 16) {
		__mmask16 t = avx512_tail(hw - j);
		load_pd(d + j, t, &e0, &e1);
		e0 = _mm512_mul_pd(e0, g);
		e1 = _mm512_mul_pd(e1, g);
		to_pd(_mm512_sub_ps(_mm512_maskz_loadu_ps(t, p + j), mu), &x0, &x1);
		a0 = _mm512_add_pd(a0, e0);
		a1 = _mm512_add_pd(a1, e1);
		b0 = _mm512_add_pd(b0, _mm512_mul_pd(_mm512_mul_pd(e0, x0), is));
		b1 = _mm512_add_pd(b1, _mm512_mul_pd(_mm512_mul_pd(e1, x1), is));
	}
	*sum_e += _mm512_reduce_add_pd(_mm512_add_pd(a0, a1));
	*sum_exhat += _mm512_reduce_add_pd(_mm512_add_pd(b0, b1));
}

AVX512 static void plane_input_grad512(const float *p, const float *d, size_t hw, float gamma,
				      float mean, float invstd, float mean_e, float mean_exhat,
				      float *dx)
{
	__m512 mu = _mm512_set1_ps(mean), is = _mm512_set1_ps(invstd), g = _mm512_set1_ps(gamma);
	__m512 me = _mm512_set1_ps(mean_e), mx = _mm512_set1_ps(mean_exhat);
	for (size_t j = 0; j < hw; j += 16) {
		__mmask16 t = avx512_tail(hw - j);
		__m512 xhat = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(t, p + j), mu), is);
		__m512 e = _mm512_sub_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(t, d + j), g), me);
		e = _mm512_mul_ps(is, _mm512_sub_ps(e, _mm512_mul_ps(xhat, mx)));
		_mm512_mask_storeu_ps(dx + j, t, _mm512_add_ps(_mm512_maskz_loadu_ps(t, dx + j), e));
	}
}
#endif

/* dgamma[k] += sum dout xhat, dbeta[k] += sum dout over channel k's
 * images, channel by channel: each sum in one order, whatever the threads. */
static void groupnorm_affine_grad(const struct groupnorm *gn, const float *x, int n, size_t hw,
				  const float *mean, const float *invstd, const float *dout,
				  float *dgamma, float *dbeta)
{
	int cg = gn->c / gn->groups;
	bool vec = avx512_ok();
#pragma omp parallel for schedule(static)
	for (int k = 0; k < gn->c; k++) {
		double sum_d = 0, sum_dxhat = 0;
		for (int i = 0; i < n; i++) {
			int u = k / cg * n + i;
			size_t at = plane_at(k, n, i, hw);
#ifdef HAVE_AVX512
			if (vec) {
				plane_affine_sums512(x + at, dout + at, hw, mean[u], invstd[u], &sum_d,
						     &sum_dxhat);
				continue;
			}
#endif
			plane_affine_sums(x + at, dout + at, hw, mean[u], invstd[u], &sum_d, &sum_dxhat);
		}
		dgamma[k] += (float)sum_dxhat;
		dbeta[k] += (float)sum_d;
	}
}

/* Group unit u's input gradient: its sums, then each plane's. */
static void unit_input_grad(const struct groupnorm *gn, const float *x, int n, size_t hw,
			    const float *gamma, float mean, float invstd, const float *dout,
			    bool vec, int u, float *dx)
{
	int cg = gn->c / gn->groups, g = u / n, i = u % n;
	double m = (double)cg * (double)hw, sum_e = 0, sum_exhat = 0;
	for (int k = g * cg; k < (g + 1) * cg; k++) {
		size_t at = plane_at(k, n, i, hw);
#ifdef HAVE_AVX512
		if (vec) {
			plane_input_sums512(x + at, dout + at, hw, gamma[k], mean, invstd, &sum_e,
					    &sum_exhat);
			continue;
		}
#endif
		plane_input_sums(x + at, dout + at, hw, gamma[k], mean, invstd, &sum_e, &sum_exhat);
	}
	float mean_e = (float)(sum_e / m), mean_exhat = (float)(sum_exhat / m);
	for (int k = g * cg; k < (g + 1) * cg; k++) {
		size_t at = plane_at(k, n, i, hw);
#ifdef HAVE_AVX512
		if (vec) {
			plane_input_grad512(x + at, dout + at, hw, gamma[k], mean, invstd, mean_e,
					    mean_exhat, dx + at);
			continue;
		}
#endif
		plane_input_grad(x + at, dout + at, hw, gamma[k], mean, invstd, mean_e, mean_exhat,
				 dx + at);
	}
}

void groupnorm_backward(const struct groupnorm *gn, const float *x, int n, size_t hw,
			const float *gamma, const float *mean, const float *invstd,
			const float *dout, float *dx, float *dgamma, float *dbeta)
{
	groupnorm_affine_grad(gn, x, n, hw, mean, invstd, dout, dgamma, dbeta);
	if (!dx)
		return;
	int units = gn->groups * n;
	bool vec = avx512_ok();
#pragma omp parallel for schedule(static)
	for (int u = 0; u < units; u++)
		unit_input_grad(gn, x, n, hw, gamma, mean[u], invstd[u], dout, vec, u, dx);
}
void scale_shift_forward(const float *y, int c, int n, size_t hw, const float *scale,
			 const float *shift, float *out)
{
	size_t planes = (size_t)c * (size_t)n;
#pragma omp parallel for schedule(static)
	for (size_t q = 0; q < planes; q++) {
		const float *yq = y + q * hw;
		float *oq = out + q * hw, s = 1 + scale[q];
		for (size_t j = 0; j < hw; j++)
			oq[j] = yq[j] * s + shift[q];
	}
}

void scale_shift_backward(const float *y, int c, int n, size_t hw, const float *scale,
			  const float *dout, float *dy, float *dscale, float *dshift)
{
	size_t planes = (size_t)c * (size_t)n;
#pragma omp parallel for schedule(static)
	for (size_t q = 0; q < planes; q++) {
		const float *yq = y + q * hw, *dq = dout + q * hw;
		double sum_d = 0, sum_dy = 0;
		for (size_t j = 0; j < hw; j++) {
			sum_d += dq[j];
			sum_dy += (double)dq[j] * yq[j];
		}
		dscale[q] += (float)sum_dy;
		dshift[q] += (float)sum_d;
		if (dy) {
			float s = 1 + scale[q];
			for (size_t j = 0; j < hw; j++)
				dy[q * hw + j] += dq[j] * s;
		}
	}
}

#include "nn/groupnorm.h"

#include <math.h>

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

void groupnorm_forward(const struct groupnorm *gn, const float *x, int n, size_t hw,
		       const float *gamma, const float *beta, float *mean, float *invstd,
		       float *out)
{
	int cg = gn->c / gn->groups, units = gn->groups * n;
#pragma omp parallel for schedule(static)
	for (int u = 0; u < units; u++) {
		int g = u / n, i = u % n;
		double mu, var;
		group_moments(x, g * cg, cg, n, i, hw, &mu, &var);
		mean[u] = (float)mu;
		invstd[u] = (float)(1 / sqrt(var + gn->eps));
		for (int k = g * cg; k < (g + 1) * cg; k++) {
			size_t at = plane_at(k, n, i, hw);
			const float *p = x + at;
			float *o = out + at;
			for (size_t j = 0; j < hw; j++)
				o[j] = (p[j] - mean[u]) * invstd[u] * gamma[k] + beta[k];
		}
	}
}

/* dgamma[k] += sum dout xhat, dbeta[k] += sum dout over channel k's
 * images, channel by channel: each sum in one order, whatever the threads. */
static void groupnorm_affine_grad(const struct groupnorm *gn, const float *x, int n, size_t hw,
				  const float *mean, const float *invstd, const float *dout,
				  float *dgamma, float *dbeta)
{
	int cg = gn->c / gn->groups;
#pragma omp parallel for schedule(static)
	for (int k = 0; k < gn->c; k++) {
		double sum_d = 0, sum_dxhat = 0;
		for (int i = 0; i < n; i++) {
			int u = k / cg * n + i;
			size_t at = plane_at(k, n, i, hw);
			const float *p = x + at, *d = dout + at;
			for (size_t j = 0; j < hw; j++) {
				sum_d += d[j];
				sum_dxhat += d[j] * (p[j] - mean[u]) * invstd[u];
			}
		}
		dgamma[k] += (float)sum_dxhat;
		dbeta[k] += (float)sum_d;
	}
}

/* With e = dout gamma (the gradient at xhat), over the group's m values:
 * dx = invstd (e - mean(e) - xhat mean(e xhat)). */
static void groupnorm_input_grad(const struct groupnorm *gn, const float *x, int n, size_t hw,
				 const float *gamma, const float *mean, const float *invstd,
				 const float *dout, float *dx)
{
	int cg = gn->c / gn->groups, units = gn->groups * n;
	double m = (double)cg * (double)hw;
#pragma omp parallel for schedule(static)
	for (int u = 0; u < units; u++) {
		int g = u / n, i = u % n;
		double sum_e = 0, sum_exhat = 0;
		for (int k = g * cg; k < (g + 1) * cg; k++) {
			size_t at = plane_at(k, n, i, hw);
			const float *p = x + at, *d = dout + at;
			for (size_t j = 0; j < hw; j++) {
				double e = (double)d[j] * gamma[k];
				sum_e += e;
				sum_exhat += e * (p[j] - mean[u]) * invstd[u];
			}
		}
		float mean_e = (float)(sum_e / m), mean_exhat = (float)(sum_exhat / m);
		for (int k = g * cg; k < (g + 1) * cg; k++) {
			size_t at = plane_at(k, n, i, hw);
			const float *p = x + at, *d = dout + at;
			float *dxp = dx + at;
			for (size_t j = 0; j < hw; j++) {
				float xhat = (p[j] - mean[u]) * invstd[u];
				dxp[j] +=
					invstd[u] * (d[j] * gamma[k] - mean_e - xhat * mean_exhat);
			}
		}
	}
}

void groupnorm_backward(const struct groupnorm *gn, const float *x, int n, size_t hw,
			const float *gamma, const float *mean, const float *invstd,
			const float *dout, float *dx, float *dgamma, float *dbeta)
{
	groupnorm_affine_grad(gn, x, n, hw, mean, invstd, dout, dgamma, dbeta);
	if (dx)
		groupnorm_input_grad(gn, x, n, hw, gamma, mean, invstd, dout, dx);
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

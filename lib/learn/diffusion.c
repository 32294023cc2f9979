#include "learn/diffusion.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/err.h"
#include "base/mem.h"

const char *const beta_schedule_names[BETA_SCHEDULES] = {
	[BETA_COSINE] = "cosine",
	[BETA_LINEAR] = "linear",
};

const char *const diff_target_names[DIFF_TARGETS] = {
	[TARGET_EPS] = "eps",
	[TARGET_V] = "v",
};

/* -1 with the message where a process of n steps cannot be: step 0's
 * log variance is step 1's (below). */
static int too_few_steps(int n, char *err)
{
	if (n >= 2)
		return 0;
	snprintf(err, ERRLEN, "a diffusion needs at least 2 steps, not %d", n);
	return -1;
}

/* Nichol & Dhariwal's ᾱ(u), u in [0, 1]; the offset 0.008 keeps β near
 * u = 0 from being too small. */
static double cosine_alpha_bar(double u)
{
	double c = cos((u + 0.008) / 1.008 * M_PI / 2);
	return c * c;
}

/* np.linspace(start, stop, n) as numpy computes it: start + i · step,
 * the last value stop itself. */
static void linspace(double start, double stop, int n, double *y)
{
	double step = (stop - start) / (n - 1);
	for (int i = 0; i < n; i++)
		y[i] = i * step + start;
	y[n - 1] = stop;
}

int diffusion_betas(enum beta_schedule s, int T, double *beta, char *err)
{
	if (too_few_steps(T, err))
		return -1;
	if (s == BETA_LINEAR) {
		/* Ho et al.'s 1e-4 to 0.02 at T = 1000; scaled by 1000 / T so
		 * that ᾱ at the end stays about the same at other lengths */
		double scale = 1000.0 / T;
		linspace(scale * 0.0001, scale * 0.02, T, beta);
		return 0;
	}
	for (int i = 0; i < T; i++) {
		/* The last β would be about 1 (ᾱ(1) is cos(π/2)²): capped, as
		 * guided-diffusion does, so that ᾱ stays above 0 (x̂0 divides
		 * by sqrt(ᾱ)). */
		double b = 1 - cosine_alpha_bar((double)(i + 1) / T) / cosine_alpha_bar((double)i / T);
		beta[i] = fmin(b, 0.999);
	}
	return 0;
}

static double *table(int n)
{
	return xmalloc((size_t)n * sizeof(double));
}

/* ᾱ and what is derived from it, once β is in place. */
static void derive_tables(struct diffusion *d)
{
	double prod = 1;
	for (int i = 0; i < d->n; i++) {
		double b = d->beta[i], p = prod;
		prod *= 1 - b;
		double a = prod;
		d->alpha_bar_prev[i] = p;
		d->alpha_bar[i] = a;
		d->sqrt_alpha_bar[i] = sqrt(a);
		d->sqrt_one_minus_alpha_bar[i] = sqrt(1 - a);
		d->sqrt_recip_alpha_bar[i] = sqrt(1 / a);
		d->sqrt_recipm1_alpha_bar[i] = sqrt(1 / a - 1);
		d->posterior_variance[i] = b * (1 - p) / (1 - a);
		d->posterior_mean_coef1[i] = b * sqrt(p) / (1 - a);
		d->posterior_mean_coef2[i] = (1 - p) * sqrt(1 - b) / (1 - a);
	}
	/* Step 0's posterior variance is 0 (x0 is known there): its log
	 * takes step 1's, which is why a process has two steps at least. */
	d->posterior_log_variance[0] = log(d->posterior_variance[1]);
	for (int i = 1; i < d->n; i++)
		d->posterior_log_variance[i] = log(d->posterior_variance[i]);
}

int diffusion_init(struct diffusion *d, const double *beta, const int *t, int n, char *err)
{
	if (too_few_steps(n, err))
		return -1;
	for (int i = 0; i < n; i++)
		if (!(beta[i] > 0 && beta[i] <= 1)) {
			snprintf(err, ERRLEN, "beta of step %d is %g, not in (0, 1]", i, beta[i]);
			return -1;
		}
	*d = (struct diffusion){ .n = n };
	d->t = xmalloc((size_t)n * sizeof *d->t);
	d->beta = table(n), d->alpha_bar = table(n), d->alpha_bar_prev = table(n);
	d->sqrt_alpha_bar = table(n), d->sqrt_one_minus_alpha_bar = table(n);
	d->sqrt_recip_alpha_bar = table(n), d->sqrt_recipm1_alpha_bar = table(n);
	d->posterior_variance = table(n), d->posterior_log_variance = table(n);
	d->posterior_mean_coef1 = table(n), d->posterior_mean_coef2 = table(n);
	for (int i = 0; i < n; i++) {
		d->t[i] = t ? t[i] : i;
		d->beta[i] = beta[i];
	}
	derive_tables(d);
	return 0;
}

int diffusion_named(struct diffusion *d, enum beta_schedule s, int T, char *err)
{
	if (too_few_steps(T, err))
		return -1;
	double *beta = table(T);
	int rc = diffusion_betas(s, T, beta, err);
	if (rc == 0)
		rc = diffusion_init(d, beta, NULL, T, err);
	free(beta);
	return rc;
}

void diffusion_free(struct diffusion *d)
{
	free(d->t), free(d->beta), free(d->alpha_bar), free(d->alpha_bar_prev);
	free(d->sqrt_alpha_bar), free(d->sqrt_one_minus_alpha_bar);
	free(d->sqrt_recip_alpha_bar), free(d->sqrt_recipm1_alpha_bar);
	free(d->posterior_variance), free(d->posterior_log_variance);
	free(d->posterior_mean_coef1), free(d->posterior_mean_coef2);
	*d = (struct diffusion){ 0 };
}

/* The even spacing: the fractional index summed step by step and rounded
 * half to even (nearbyint in the default rounding mode, Python's round),
 * so that the steps kept are guided-diffusion's to the last one. */
static void space_even(int T, int steps, int *kept)
{
	double stride = (double)(T - 1) / (steps - 1), at = 0;
	for (int i = 0; i < steps; i++) {
		kept[i] = (int)nearbyint(at);
		at += stride;
	}
}

/* The smallest stride that keeps exactly steps of T (len(range(0, T,
 * stride)) = ceil(T / stride)), as guided-diffusion searches 1 .. T - 1;
 * 0 if none does. */
static int ddim_stride(int T, int steps)
{
	for (int stride = 1; stride < T; stride++)
		if ((T + stride - 1) / stride == steps)
			return stride;
	return 0;
}

int diffusion_space(int T, int steps, enum spacing how, int *kept, char *err)
{
	if (steps < 2 || steps > T) {
		snprintf(err, ERRLEN, "cannot respace %d steps to %d: 2 to %d may be kept", T, steps, T);
		return -1;
	}
	if (how == SPACING_EVEN) {
		space_even(T, steps, kept);
		return 0;
	}
	int stride = ddim_stride(T, steps);
	if (stride == 0) {
		snprintf(err, ERRLEN, "no stride keeps exactly %d of %d steps", steps, T);
		return -1;
	}
	for (int i = 0; i < steps; i++)
		kept[i] = i * stride;
	return 0;
}

int diffusion_respace(struct diffusion *d, const struct diffusion *base, const int *kept, int n,
		      char *err)
{
	if (too_few_steps(n, err))
		return -1;
	for (int i = 0; i < n; i++)
		if (kept[i] < 0 || kept[i] >= base->n || (i > 0 && kept[i] <= kept[i - 1])) {
			snprintf(err, ERRLEN, "step %d kept is %d: not ascending in 0 .. %d", i,
				 kept[i], base->n - 1);
			return -1;
		}
	double *beta = table(n);
	int *t = xmalloc((size_t)n * sizeof *t);
	double last = 1;  /* ᾱ of the step kept before */
	for (int i = 0; i < n; i++) {
		/* ᾱ of the kept steps stays the base's: the β of a kept step
		 * is all the steps' since the one kept before it */
		beta[i] = 1 - base->alpha_bar[kept[i]] / last;
		last = base->alpha_bar[kept[i]];
		t[i] = base->t[kept[i]];
	}
	int rc = diffusion_init(d, beta, t, n, err);
	free(beta), free(t);
	return rc;
}

void diffusion_q_sample(const struct diffusion *d, int i, const float *x0, const float *eps,
			float *xi, long len)
{
	double a = d->sqrt_alpha_bar[i], b = d->sqrt_one_minus_alpha_bar[i];
	for (long k = 0; k < len; k++)
		xi[k] = (float)(a * x0[k] + b * eps[k]);
}

static double clip1(double v)
{
	return v < -1 ? -1 : v > 1 ? 1 : v;
}

static double x0_of(const struct diffusion *d, int i, float xi, float eps, bool clip)
{
	double x0 = d->sqrt_recip_alpha_bar[i] * xi - d->sqrt_recipm1_alpha_bar[i] * eps;
	return clip ? clip1(x0) : x0;
}

static double eps_of(const struct diffusion *d, int i, float xi, double x0)
{
	return (d->sqrt_recip_alpha_bar[i] * xi - x0) / d->sqrt_recipm1_alpha_bar[i];
}

void diffusion_predict_x0(const struct diffusion *d, int i, const float *xi, const float *eps,
			  bool clip, float *x0, long len)
{
	for (long k = 0; k < len; k++)
		x0[k] = (float)x0_of(d, i, xi[k], eps[k], clip);
}

void diffusion_predict_eps(const struct diffusion *d, int i, const float *xi, const float *x0,
			   float *eps, long len)
{
	for (long k = 0; k < len; k++)
		eps[k] = (float)eps_of(d, i, xi[k], x0[k]);
}

void diffusion_v(const struct diffusion *d, int i, const float *x0, const float *eps, float *v,
		 long len)
{
	double a = d->sqrt_alpha_bar[i], b = d->sqrt_one_minus_alpha_bar[i];
	for (long k = 0; k < len; k++)
		v[k] = (float)(a * eps[k] - b * x0[k]);
}

void diffusion_eps_of_v(const struct diffusion *d, int i, const float *xi, const float *v,
			float *eps, long len)
{
	double a = d->sqrt_alpha_bar[i], b = d->sqrt_one_minus_alpha_bar[i];
	for (long k = 0; k < len; k++)
		eps[k] = (float)(b * xi[k] + a * v[k]);
}

void diffusion_ddim_step(const struct diffusion *d, int i, double eta, const float *xi,
			 const float *eps, bool clip, const float *z, float *out, long len)
{
	double a = d->alpha_bar[i], prev = d->alpha_bar_prev[i];
	double sigma = eta * sqrt((1 - prev) / (1 - a)) * sqrt(1 - a / prev);
	double to_eps = sqrt(1 - prev - sigma * sigma), to_x0 = sqrt(prev);
	for (long k = 0; k < len; k++) {
		double x0 = x0_of(d, i, xi[k], eps[k], clip);
		/* ε again from x̂0: clipping x̂0 changes the ε it implies */
		double e = eps_of(d, i, xi[k], x0);
		double x = to_x0 * x0 + to_eps * e;
		if (sigma > 0)
			x += sigma * z[k];
		out[k] = (float)x;
	}
}

/* The posterior's mean for x̂0 (clipped when clip) and x_i. */
static double posterior_mean(const struct diffusion *d, int i, float xi, float eps, bool clip)
{
	return d->posterior_mean_coef1[i] * x0_of(d, i, xi, eps, clip) +
	       d->posterior_mean_coef2[i] * xi;
}

static double ddpm_variance(const struct diffusion *d, int i, enum ddpm_variance v)
{
	if (v == DDPM_FIXED_SMALL)
		return d->posterior_variance[i];
	/* Step 0's is step 1's posterior variance, as guided-diffusion sets
	 * it for the likelihood of its last step; sampling adds no noise
	 * there. */
	return i == 0 ? d->posterior_variance[1] : d->beta[i];
}

double diffusion_ddpm_mean(const struct diffusion *d, int i, enum ddpm_variance v,
			   const float *xi, const float *eps, bool clip, float *mean, long len)
{
	for (long k = 0; k < len; k++)
		mean[k] = (float)posterior_mean(d, i, xi[k], eps[k], clip);
	return ddpm_variance(d, i, v);
}

void diffusion_ddpm_guided_step(const struct diffusion *d, int i, enum ddpm_variance v,
				const float *xi, const float *eps, bool clip, double s,
				const float *grad, const float *z, float *out, long len)
{
	double var = ddpm_variance(d, i, v), shift = s * var;
	/* no noise into x0 */
	double sd = i > 0 ? sqrt(var) : 0;
	for (long k = 0; k < len; k++) {
		double x = posterior_mean(d, i, xi[k], eps[k], clip);
		if (grad)
			x += shift * grad[k];
		out[k] = (float)(sd > 0 ? x + sd * z[k] : x);
	}
}

void diffusion_ddpm_step(const struct diffusion *d, int i, enum ddpm_variance v,
			 const float *xi, const float *eps, bool clip, const float *z, float *out,
			 long len)
{
	diffusion_ddpm_guided_step(d, i, v, xi, eps, clip, 0, NULL, z, out, len);
}

void diffusion_cfg(const float *eps_uncond, const float *eps_cond, double w, float *out, long len)
{
	for (long k = 0; k < len; k++)
		out[k] = (float)(eps_uncond[k] + w * ((double)eps_cond[k] - eps_uncond[k]));
}

void diffusion_guide(const struct diffusion *d, int i, double s, const float *grad, float *eps,
		     long len)
{
	double shift = d->sqrt_one_minus_alpha_bar[i] * s;
	for (long k = 0; k < len; k++)
		eps[k] = (float)(eps[k] - shift * grad[k]);
}

void diffusion_noise(struct rng *r, float *z, long len)
{
	for (long k = 0; k < len; k++)
		z[k] = (float)rng_normal(r);
}

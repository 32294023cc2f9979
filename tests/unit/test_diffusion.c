/* Unit tests of learn/diffusion: the processes' tables against
 * guided-diffusion's formulas (tests/fixtures/diffusion, made by
 * make-diffusion-fixtures.py), respacing, and the identities the
 * per-sample operations must keep. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/rng.h"
#include "learn/diffusion.h"
#include "unit.h"

/* The tables agree with the fixture bit for bit here (the same libm);
 * 1e-12 leaves room for another libm's cos, sqrt and log. */
#define FIXTURE_RELATIVE 1e-12

/* The fixture's processes: T = 1000 of each schedule, and respaced. */
static const struct {
	const char *label;
	enum beta_schedule s;
	int steps; /* 0: not respaced */
	enum spacing how;
} processes[] = {
	{ "cosine/1000", BETA_COSINE, 0, SPACING_EVEN },
	{ "linear/1000", BETA_LINEAR, 0, SPACING_EVEN },
	{ "cosine/1000/25", BETA_COSINE, 25, SPACING_EVEN },
	{ "cosine/1000/10", BETA_COSINE, 10, SPACING_EVEN },
	{ "cosine/1000/ddim25", BETA_COSINE, 25, SPACING_DDIM },
	{ "linear/1000/25", BETA_LINEAR, 25, SPACING_EVEN },
	{ "linear/1000/ddim10", BETA_LINEAR, 10, SPACING_DDIM },
};
enum { PROCESSES = sizeof processes / sizeof *processes };

/* The process of T = 1000 with schedule s, respaced to steps (0: not);
 * false (a failed check) if it cannot be built. */
static bool build(struct diffusion *d, enum beta_schedule s, int steps, enum spacing how)
{
	char err[ERRLEN];
	struct diffusion base;
	bool built = diffusion_named(&base, s, 1000, err) == 0;
	CHECK(built);
	if (!built || steps == 0) {
		*d = base;
		return built;
	}
	int kept[1000];
	built = diffusion_space(1000, steps, how, kept, err) == 0 &&
		diffusion_respace(d, &base, kept, steps, err) == 0;
	CHECK(built);
	diffusion_free(&base);
	return built;
}

static bool close_to(double got, double want)
{
	return fabs(got - want) <= FIXTURE_RELATIVE * fabs(want);
}

/* The fixture's columns after the process, the index and t. */
enum { COLUMNS = 11 };

/* A fixture line's step against d's: its t and every table's value, in
 * the fixture's column order. */
static bool step_matches(const struct diffusion *d, int i, int t, const double *want)
{
	const double *tables[COLUMNS] = { d->beta, d->alpha_bar, d->alpha_bar_prev,
					  d->sqrt_alpha_bar, d->sqrt_one_minus_alpha_bar,
					  d->sqrt_recip_alpha_bar, d->sqrt_recipm1_alpha_bar,
					  d->posterior_variance, d->posterior_log_variance,
					  d->posterior_mean_coef1, d->posterior_mean_coef2 };
	bool ok = i < d->n && d->t[i] == t;
	for (int c = 0; ok && c < COLUMNS; c++)
		ok = close_to(tables[c][i], want[c]);
	return ok;
}

/* The lines of f (after its header) that differ from the processes d,
 * the first few printed; rows counts each process's lines. */
static int mismatches(FILE *f, const struct diffusion *d, int *rows)
{
	char line[1024];
	int bad = 0;
	while (fgets(line, sizeof line, f)) {
		char *tab = strchr(line, '\t'), *end;
		int p = 0;
		if (tab)
			*tab = '\0';
		while (tab && p < PROCESSES && strcmp(line, processes[p].label) != 0)
			p++;
		if (p == PROCESSES || !tab) {
			bad++;
			continue;
		}
		int i = (int)strtol(tab + 1, &end, 10), t = (int)strtol(end, &end, 10);
		double want[COLUMNS];
		for (int c = 0; c < COLUMNS; c++)
			want[c] = strtod(end, &end);
		if ((i != rows[p]++ || !step_matches(&d[p], i, t, want)) && bad++ < 5)
			printf("# %s step %d differs\n", line, i);
	}
	return bad;
}

static void tables_match_guided_diffusion(void)
{
	struct diffusion d[PROCESSES];
	int built = 0;
	while (built < PROCESSES && build(&d[built], processes[built].s, processes[built].steps,
					  processes[built].how))
		built++;
	char path[512], header[1024];
	const char *dir = getenv("FIXTURES") ? getenv("FIXTURES") : "tests/fixtures";
	snprintf(path, sizeof path, "%s/diffusion/schedules.tsv", dir);
	FILE *f = built == PROCESSES ? fopen(path, "r") : NULL;
	CHECK(f != NULL);
	if (f) {
		int rows[PROCESSES] = { 0 };
		CHECK(fgets(header, sizeof header, f) && strncmp(header, "process\t", 8) == 0);
		CHECK(mismatches(f, d, rows) == 0);
		for (int p = 0; p < PROCESSES; p++)
			CHECK(rows[p] == d[p].n);
		fclose(f);
	}
	for (int p = 0; p < built; p++)
		diffusion_free(&d[p]);
}

static void even_spacing_keeps_the_first_and_last_steps(void)
{
	char err[ERRLEN];
	int kept[1000];
	CHECK(diffusion_space(1000, 25, SPACING_EVEN, kept, err) == 0);
	/* 4 · 999/24 = 166.5, rounded half to even as Python rounds */
	CHECK(kept[0] == 0 && kept[4] == 166 && kept[24] == 999);
	for (int steps = 2; steps <= 1000; steps++) {
		CHECK(diffusion_space(1000, steps, SPACING_EVEN, kept, err) == 0);
		bool ascending = true;
		for (int i = 1; i < steps; i++)
			ascending = ascending && kept[i] > kept[i - 1];
		CHECK(ascending && kept[0] == 0 && kept[steps - 1] == 999);
	}
	/* the DDIM paper's stride: 40 for 25 of 1000, ending at 960 */
	CHECK(diffusion_space(1000, 25, SPACING_DDIM, kept, err) == 0);
	CHECK(kept[0] == 0 && kept[1] == 40 && kept[24] == 960);
}

static void bad_arguments_are_errors(void)
{
	char err[ERRLEN];
	double beta[4] = { 0.1, 0.2, 0, 0.3 };
	int kept[1000];
	struct diffusion d, base;
	err[0] = '\0';
	CHECK(diffusion_betas(BETA_COSINE, 1, beta, err) == -1 && err[0]);
	CHECK(diffusion_named(&d, BETA_LINEAR, 0, err) == -1);
	CHECK(diffusion_init(&d, beta, NULL, 4, err) == -1 && strstr(err, "step 2"));
	CHECK(diffusion_init(&d, beta, NULL, 1, err) == -1);
	CHECK(diffusion_space(10, 11, SPACING_EVEN, kept, err) == -1);
	CHECK(diffusion_space(10, 1, SPACING_EVEN, kept, err) == -1);
	/* strides 1 and 2 keep 1000 and 500 */
	CHECK(diffusion_space(1000, 999, SPACING_DDIM, kept, err) == -1 && strstr(err, "stride"));
	CHECK(diffusion_named(&base, BETA_COSINE, 10, err) == 0);
	int backwards[] = { 0, 5, 3 }, beyond[] = { 0, 10 };
	CHECK(diffusion_respace(&d, &base, backwards, 3, err) == -1 && strstr(err, "ascending"));
	CHECK(diffusion_respace(&d, &base, beyond, 2, err) == -1);
	diffusion_free(&base);
}

enum { LEN = 64 };

/* x0 in [-1, 1] and standard normal ε, from seed. */
static void data_and_noise(float *x0, float *eps, unsigned seed)
{
	struct rng r;
	rng_seed(&r, seed, 0);
	for (int k = 0; k < LEN; k++)
		x0[k] = (float)(2 * rng_double(&r) - 1);
	diffusion_noise(&r, eps, LEN);
}

static double max_diff(const float *a, const float *b)
{
	double m = 0;
	for (int k = 0; k < LEN; k++)
		m = fmax(m, fabs((double)a[k] - b[k]));
	return m;
}

/* DDIM with η = 0 maps q_sample(x0, ε) at step i to q_sample(x0, ε) at
 * step i - 1 when the model's ε is the true one, so from x_T the whole
 * chain returns x0.  Only float rounding separates them: x_i rounded
 * moves x̂0 by up to FLT_EPSILON |x_i| sqrt(1/ᾱ_i), summed over the
 * steps (|x_i| < 5 here). */
static void ddim_returns_x0_from_the_true_noise(void)
{
	for (int p = 0; p < PROCESSES; p++) {
		struct diffusion d;
		if (!build(&d, processes[p].s, processes[p].steps, processes[p].how))
			return;
		float x0[LEN], eps[LEN], x[LEN];
		data_and_noise(x0, eps, 3);
		diffusion_q_sample(&d, d.n - 1, x0, eps, x, LEN);
		double tolerance = 0;
		for (int i = d.n - 1; i >= 0; i--) {
			diffusion_ddim_step(&d, i, 0, x, eps, false, NULL, x, LEN);
			tolerance += 5 * FLT_EPSILON * d.sqrt_recip_alpha_bar[i];
		}
		if (max_diff(x, x0) > tolerance)
			printf("# %s: %g from x0 (tolerance %g)\n", processes[p].label, max_diff(x, x0),
			       tolerance);
		CHECK(max_diff(x, x0) <= tolerance);
		diffusion_free(&d);
	}
}

static void q_sample_and_predict_x0_invert(void)
{
	struct diffusion d;
	if (!build(&d, BETA_COSINE, 0, SPACING_EVEN))
		return;
	float x0[LEN], eps[LEN], x[LEN], back[LEN];
	data_and_noise(x0, eps, 5);
	for (int i = 0; i < d.n; i += 37) {
		diffusion_q_sample(&d, i, x0, eps, x, LEN);
		double tolerance = 10 * FLT_EPSILON * d.sqrt_recip_alpha_bar[i];
		diffusion_predict_x0(&d, i, x, eps, false, back, LEN);
		CHECK(max_diff(back, x0) <= tolerance);
		diffusion_predict_eps(&d, i, x, x0, back, LEN);
		CHECK(max_diff(back, eps) <= tolerance / d.sqrt_recipm1_alpha_bar[i]);
	}
	/* clipped: a value beyond 1 comes back as 1 */
	x0[0] = 1.5f, x0[1] = -3;
	diffusion_q_sample(&d, 500, x0, eps, x, LEN);
	diffusion_predict_x0(&d, 500, x, eps, true, back, LEN);
	CHECK(back[0] == 1 && back[1] == -1 && fabs(back[2] - x0[2]) < 1e-5);
	diffusion_free(&d);
}

/* v = sqrt(ᾱ) ε - sqrt(1 - ᾱ) x0 of x_i = q_sample(x0, ε): x0 =
 * sqrt(ᾱ) x_i - sqrt(1 - ᾱ) v and diffusion_eps_of_v give ε back, at
 * every step; near T, v is -x0 to within sqrt(ᾱ) |ε|. */
static void v_stands_for_the_noise_and_x0(void)
{
	struct diffusion d;
	if (!build(&d, BETA_COSINE, 0, SPACING_EVEN))
		return;
	float x0[LEN], eps[LEN], x[LEN], v[LEN], back[LEN], minus_x0[LEN];
	data_and_noise(x0, eps, 11);
	for (int i = 0; i < d.n; i += 37) {
		diffusion_q_sample(&d, i, x0, eps, x, LEN);
		diffusion_v(&d, i, x0, eps, v, LEN);
		diffusion_eps_of_v(&d, i, x, v, back, LEN);
		CHECK(max_diff(back, eps) <= 1e-5);
		for (int k = 0; k < LEN; k++)
			back[k] = (float)(d.sqrt_alpha_bar[i] * x[k] - d.sqrt_one_minus_alpha_bar[i] * v[k]);
		CHECK(max_diff(back, x0) <= 1e-5);
	}
	int last = d.n - 1;
	diffusion_v(&d, last, x0, eps, v, LEN);
	for (int k = 0; k < LEN; k++)
		minus_x0[k] = -x0[k];
	CHECK(max_diff(v, minus_x0) <= 5 * d.sqrt_alpha_bar[last] + 1e-6);
	diffusion_free(&d);
}

/* DDIM with η = 1 is the ancestral step with the posterior's variance
 * (guided-diffusion's ddim_sample; DDIM's paper, eq. 16): the same mean
 * and σ² = the posterior variance, also with x̂0 clipped (ε is taken
 * again from the clipped x̂0). */
static void ddim_at_eta_1_is_the_ancestral_step(void)
{
	const int cases[] = { 2, 1 }; /* of processes[]: cosine respaced, linear */
	for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
		struct diffusion d;
		int p = cases[c];
		if (!build(&d, processes[p].s, processes[p].steps, processes[p].how))
			return;
		float x0[LEN], eps[LEN], z[LEN], zero[LEN] = { 0 }, x[LEN];
		float ddim[LEN], ddpm[LEN], mean[LEN], shifted[LEN];
		data_and_noise(x0, eps, 9);
		data_and_noise(x0, z, 10);
		x0[0] = 2; /* beyond the clip */
		for (int i = 1; i < d.n; i += d.n / 7) {
			for (int clip = 0; clip < 2; clip++) {
				diffusion_q_sample(&d, i, x0, eps, x, LEN);
				diffusion_ddim_step(&d, i, 1, x, eps, clip, zero, ddim, LEN);
				double var = diffusion_ddpm_mean(&d, i, DDPM_FIXED_SMALL, x, eps, clip, mean,
								 LEN);
				CHECK(max_diff(ddim, mean) < 1e-6);
				CHECK(fabs(var - d.posterior_variance[i]) == 0);
				float one[LEN];
				for (int k = 0; k < LEN; k++)
					one[k] = 1;
				diffusion_ddim_step(&d, i, 1, x, eps, clip, one, shifted, LEN);
				double sigma = (double)shifted[5] - ddim[5];
				CHECK(fabs(sigma - sqrt(var)) < 1e-6);
				diffusion_ddim_step(&d, i, 1, x, eps, clip, z, ddim, LEN);
				diffusion_ddpm_step(&d, i, DDPM_FIXED_SMALL, x, eps, clip, z, ddpm, LEN);
				CHECK(max_diff(ddim, ddpm) < 1e-5);
			}
		}
		diffusion_free(&d);
	}
}

static void ancestral_variances(void)
{
	struct diffusion d;
	if (!build(&d, BETA_LINEAR, 25, SPACING_EVEN))
		return;
	float x[LEN], eps[LEN], mean[LEN], out[LEN];
	data_and_noise(x, eps, 11);
	CHECK(diffusion_ddpm_mean(&d, 7, DDPM_FIXED_LARGE, x, eps, false, mean, LEN) == d.beta[7]);
	CHECK(diffusion_ddpm_mean(&d, 0, DDPM_FIXED_LARGE, x, eps, false, mean, LEN) ==
	      d.posterior_variance[1]);
	/* step 0 adds no noise: its output is the mean, z unread */
	diffusion_ddpm_step(&d, 0, DDPM_FIXED_LARGE, x, eps, false, NULL, out, LEN);
	CHECK(memcmp(out, mean, sizeof out) == 0);
	diffusion_free(&d);
}

/* The guided ancestral step: the mean moved by s times the variance
 * times the gradient, then the noise; none at step 0. */
static void guided_ancestral_step(void)
{
	struct diffusion d;
	if (!build(&d, BETA_COSINE, 25, SPACING_EVEN))
		return;
	float x[LEN], eps[LEN], z[LEN], grad[LEN], mean[LEN], plain[LEN], guided[LEN];
	data_and_noise(x, eps, 12);
	data_and_noise(grad, z, 13);
	for (int i = 0; i < d.n; i += 6) {
		double var = diffusion_ddpm_mean(&d, i, DDPM_FIXED_SMALL, x, eps, true, mean, LEN);
		diffusion_ddpm_step(&d, i, DDPM_FIXED_SMALL, x, eps, true, z, plain, LEN);
		diffusion_ddpm_guided_step(&d, i, DDPM_FIXED_SMALL, x, eps, true, 3, grad, z, guided,
					   LEN);
		for (int k = 0; k < LEN; k++)
			CHECK(fabs(guided[k] - (plain[k] + 3 * var * grad[k])) < 1e-5);
		if (i == 0)
			CHECK(memcmp(guided, mean, sizeof mean) == 0);
		else
			CHECK(max_diff(guided, plain) > 1e-3);
	}
	diffusion_free(&d);
}

static void guidance_arithmetic(void)
{
	float u[LEN], c[LEN], out[LEN], eps[LEN], grad[LEN], x[LEN], a[LEN], b[LEN];
	data_and_noise(u, c, 13);
	diffusion_cfg(u, c, 1, out, LEN);
	CHECK(memcmp(out, c, sizeof out) == 0);
	diffusion_cfg(u, c, 0, out, LEN);
	CHECK(memcmp(out, u, sizeof out) == 0);
	diffusion_cfg(u, c, 3, out, LEN);
	CHECK(fabs(out[3] - (u[3] + 3 * ((double)c[3] - u[3]))) < 1e-6);

	/* classifier guidance moves x̂0 by s (1 - ᾱ) / sqrt(ᾱ) along the
	 * gradient: up the classifier's log-probability */
	struct diffusion d;
	if (!build(&d, BETA_COSINE, 25, SPACING_EVEN))
		return;
	data_and_noise(x, grad, 14);
	data_and_noise(eps, eps, 15);
	int i = 12;
	double s = 2.5;
	diffusion_predict_x0(&d, i, x, eps, false, a, LEN);
	diffusion_guide(&d, i, s, grad, eps, LEN);
	diffusion_predict_x0(&d, i, x, eps, false, b, LEN);
	double along = s * (1 - d.alpha_bar[i]) / d.sqrt_alpha_bar[i];
	for (int k = 0; k < LEN; k++)
		CHECK(fabs((b[k] - a[k]) - along * grad[k]) < 1e-5);
	diffusion_free(&d);
}

/* A sample's noise: its own stream (seed, index), whatever else is
 * drawn beside it; standard normal. */
static void noise_from_the_seed_and_index(void)
{
	enum { N = 100000 };
	static float alone[N], beside[N], other[N];
	struct rng r, s;
	rng_seed(&r, 7, 42);
	diffusion_noise(&r, alone, N);
	/* drawn in a batch: interleaved with another sample's stream */
	rng_seed(&r, 7, 42), rng_seed(&s, 7, 43);
	for (int k = 0; k < N; k += 1000) {
		diffusion_noise(&s, other + k, 1000);
		diffusion_noise(&r, beside + k, 1000);
	}
	CHECK(memcmp(alone, beside, sizeof alone) == 0);
	CHECK(memcmp(alone, other, sizeof alone) != 0);
	double sum = 0, sq = 0;
	for (int k = 0; k < N; k++)
		sum += alone[k], sq += (double)alone[k] * alone[k];
	/* 5 standard errors */
	CHECK(fabs(sum / N) < 5 / sqrt(N) && fabs(sq / N - 1) < 5 * sqrt(2.0 / N));
}

void unit_main(void)
{
	unit_run("diffusion: tables as guided-diffusion's, cosine and linear, respaced",
		 tables_match_guided_diffusion);
	unit_run("diffusion: even respacing keeps 0 and T - 1; DDIM's stride",
		 even_spacing_keeps_the_first_and_last_steps);
	unit_run("diffusion: bad steps, betas and spacings are errors", bad_arguments_are_errors);
	unit_run("diffusion: DDIM at eta 0 with the true noise returns x0",
		 ddim_returns_x0_from_the_true_noise);
	unit_run("diffusion: q_sample and x0 from eps invert", q_sample_and_predict_x0_invert);
	unit_run("diffusion: v gives back the noise and x0; near T it is -x0",
		 v_stands_for_the_noise_and_x0);
	unit_run("diffusion: DDIM at eta 1 is the ancestral step", ddim_at_eta_1_is_the_ancestral_step);
	unit_run("diffusion: the ancestral step's fixed variances", ancestral_variances);
	unit_run("diffusion: classifier-free and classifier guidance", guidance_arithmetic);
	unit_run("diffusion: classifier guidance of an ancestral step moves its mean",
		 guided_ancestral_step);
	unit_run("diffusion: noise from the seed and the sample's index alone",
		 noise_from_the_seed_and_index);
}

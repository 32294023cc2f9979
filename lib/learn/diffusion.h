/* diffusion: the mathematics of a Gaussian diffusion process as
 * openai/guided-diffusion defines it (gaussian_diffusion.py, respace.py;
 * Ho et al. 2020, Nichol & Dhariwal 2021, Song et al.'s DDIM): the beta
 * schedules, the tables derived from them, respacing to fewer steps, and
 * the per-sample arithmetic of training and sampling with an
 * ε- or v-predicting model, over float arrays, in double precision inside
 * (train_diff and sample_diff use it).
 *
 * A process has steps 0 .. n - 1; a step's t is its index in the process
 * it was respaced from (the model and the noisy classifier see that t),
 * its own index otherwise.
 *
 * Where it differs from guided-diffusion:
 * - a process has at least 2 steps, and respacing keeps 2 at least
 *   (guided-diffusion's clipped log variance takes the second step's
 *   value and fails on one; its respacing to 1 would keep t = 0 alone,
 *   not T - 1, where sampling starts);
 * - a DDIM step clips x̂0 after classifier guidance has shifted ε, where
 *   guided-diffusion clips before and then uses the unclipped x̂0 that
 *   the shifted ε gives (so x̂0 here stays in [-1, 1]). */
#ifndef SIMBAL_DIFFUSION_H
#define SIMBAL_DIFFUSION_H

#include <stdbool.h>

#include "base/rng.h"

/* Stored by name (beta_schedule_names); the assertion fails the build
 * until a schedule added is counted. */
enum beta_schedule { BETA_COSINE, BETA_LINEAR };
#define BETA_SCHEDULES 2
_Static_assert(BETA_LINEAR + 1 == BETA_SCHEDULES, "a schedule added: count it, name it");
extern const char *const beta_schedule_names[BETA_SCHEDULES];

/* What the model is trained to predict: the noise ε (Ho et al. 2020,
 * guided-diffusion's), or the velocity v = sqrt(ᾱ) ε - sqrt(1 - ᾱ) x0
 * (Salimans & Ho 2022).  Near T, where sqrt(ᾱ) is a few hundredths, an
 * ε-model must hand the noise it was given back to within a few
 * hundredths, and whatever it misses comes out of x̂0 = (x - sqrt(1 - ᾱ)
 * ε) / sqrt(ᾱ) magnified tens of times, as speckle that sampling keeps;
 * a v-model says -x0 itself there.  Stored by name. */
enum diff_target { TARGET_EPS, TARGET_V };
#define DIFF_TARGETS 2
_Static_assert(TARGET_V + 1 == DIFF_TARGETS, "a target added: count it, name it");
extern const char *const diff_target_names[DIFF_TARGETS];

/* The process's tables, one value a step, as guided-diffusion names them. */
struct diffusion {
	int n;                           /* steps */
	int *t;                          /* each step's original t */
	double *beta, *alpha_bar, *alpha_bar_prev;  /* ᾱ_{-1} = 1 */
	double *sqrt_alpha_bar, *sqrt_one_minus_alpha_bar;
	double *sqrt_recip_alpha_bar, *sqrt_recipm1_alpha_bar;  /* sqrt(1/ᾱ), sqrt(1/ᾱ - 1) */
	/* q(x_{t-1} | x_t, x0): variance β_t (1 - ᾱ_{t-1}) / (1 - ᾱ_t), its
	 * log with step 0's (log 0) replaced by step 1's, the mean's
	 * coefficients of x0 and of x_t */
	double *posterior_variance, *posterior_log_variance;
	double *posterior_mean_coef1, *posterior_mean_coef2;
};

/* get_named_beta_schedule(s, T) into beta[T]: cosine, β_i = min(1 -
 * ᾱ((i + 1) / T) / ᾱ(i / T), 0.999) with ᾱ(u) = cos((u + 0.008) / 1.008 ·
 * π/2)²; linear, 1000/T · 1e-4 to 1000/T · 0.02 evenly.  -1 with a
 * message in err (ERRLEN) for T < 2. */
int diffusion_betas(enum beta_schedule s, int T, double *beta, char *err);

/* The process of the n betas (0 < β ≤ 1) whose steps have the original
 * times t (NULL: 0 .. n - 1); its arrays are malloc'd.  -1 with a message
 * for n < 2 or a β out of range. */
int diffusion_init(struct diffusion *d, const double *beta, const int *t, int n, char *err);
/* The named schedule's process of T steps. */
int diffusion_named(struct diffusion *d, enum beta_schedule s, int T, char *err);
void diffusion_free(struct diffusion *d);

/* How space_timesteps keeps steps of a process of T:
 * - SPACING_EVEN ("N"): round(i · (T - 1) / (N - 1)), i = 0 .. N - 1,
 *   added up step by step and rounded half to even as guided-diffusion
 *   does; the first is 0 and the last T - 1, where sampling starts;
 * - SPACING_DDIM ("ddimN"): range(0, T, stride) for the smallest stride
 *   that keeps exactly N, the DDIM paper's; it ends at the last multiple
 *   of the stride, not at T - 1 (960 for ddim25 of 1000). */
enum spacing { SPACING_EVEN, SPACING_DDIM };

/* The steps kept of a process of T, ascending, into kept[steps]; -1 with
 * a message where steps < 2, steps > T, or no DDIM stride keeps exactly
 * steps. */
int diffusion_space(int T, int steps, enum spacing how, int *kept, char *err);

/* The process of base's steps kept[0 .. n - 1] (ascending, as
 * diffusion_space gives them): β = 1 - ᾱ_t / ᾱ of the step kept before
 * (1 before the first); each step's t is base's. */
int diffusion_respace(struct diffusion *d, const struct diffusion *base, const int *kept, int n,
		      char *err);

/* The operations below take a step i of d (0 .. d->n - 1) and arrays of
 * len values; outputs may be their inputs. */

/* x_i = sqrt(ᾱ_i) x0 + sqrt(1 - ᾱ_i) ε: x0 diffused to step i. */
void diffusion_q_sample(const struct diffusion *d, int i, const float *x0, const float *eps,
			float *xi, long len);

/* x̂0 = sqrt(1/ᾱ_i) x_i - sqrt(1/ᾱ_i - 1) ε, clipped to [-1, 1] when
 * clip. */
void diffusion_predict_x0(const struct diffusion *d, int i, const float *xi, const float *eps,
			  bool clip, float *x0, long len);

/* The ε that gives x0 from x_i (the inverse of diffusion_predict_x0). */
void diffusion_predict_eps(const struct diffusion *d, int i, const float *xi, const float *x0,
			   float *eps, long len);

/* v = sqrt(ᾱ_i) ε - sqrt(1 - ᾱ_i) x0: a v-model's target for x0 noised
 * by ε to step i. */
void diffusion_v(const struct diffusion *d, int i, const float *x0, const float *eps, float *v,
		 long len);

/* ε = sqrt(1 - ᾱ_i) x_i + sqrt(ᾱ_i) v: the noise a v-model's answer v at
 * x_i stands for (the samplers' steps take ε). */
void diffusion_eps_of_v(const struct diffusion *d, int i, const float *xi, const float *v,
			float *eps, long len);

/* A DDIM step (guided-diffusion's ddim_sample) from x_i with the model's
 * ε: x̂0 as diffusion_predict_x0 gives it, ε taken again from x̂0, σ = η
 * sqrt((1 - ᾱ_{i-1}) / (1 - ᾱ_i)) sqrt(1 - ᾱ_i / ᾱ_{i-1}), and x_{i-1} =
 * sqrt(ᾱ_{i-1}) x̂0 + sqrt(1 - ᾱ_{i-1} - σ²) ε + σ z.  z (standard
 * normal) is read only where σ > 0, so it may be NULL when eta is 0 or
 * i is 0. */
void diffusion_ddim_step(const struct diffusion *d, int i, double eta, const float *xi,
			 const float *eps, bool clip, const float *z, float *out, long len);

/* The variance of an ancestral step (guided-diffusion's fixed kinds):
 * "fixed small", the posterior's; "fixed large", β (step 0's the
 * posterior's of step 1, as guided-diffusion sets it). */
enum ddpm_variance { DDPM_FIXED_SMALL, DDPM_FIXED_LARGE };

/* p(x_{i-1} | x_i) of an ancestral step: its mean, the posterior's for
 * x̂0 (clipped when clip) and x_i, into mean; its variance, returned. */
double diffusion_ddpm_mean(const struct diffusion *d, int i, enum ddpm_variance v,
			   const float *xi, const float *eps, bool clip, float *mean, long len);

/* An ancestral step (p_sample): the mean plus, for i > 0, the standard
 * deviation times z (which may be NULL for i = 0). */
void diffusion_ddpm_step(const struct diffusion *d, int i, enum ddpm_variance v,
			 const float *xi, const float *eps, bool clip, const float *z, float *out,
			 long len);

/* The ancestral step with classifier guidance (guided-diffusion's
 * condition_mean, Dhariwal and Nichol's Algorithm 1): the mean moved by s
 * times the step's variance times grad, ∇ log p(y | x_i), then the noise;
 * step 0's fixed small variance is 0, so no move there. */
void diffusion_ddpm_guided_step(const struct diffusion *d, int i, enum ddpm_variance v,
				const float *xi, const float *eps, bool clip, double s,
				const float *grad, const float *z, float *out, long len);

/* Classifier-free guidance (Ho & Salimans 2022): ε̃ = ε(x, ∅) + w (ε(x,
 * y) - ε(x, ∅)); w = 1 is the conditional model alone, 0 the
 * unconditional. */
void diffusion_cfg(const float *eps_uncond, const float *eps_cond, double w, float *out, long len);

/* Classifier guidance for DDIM (guided-diffusion's condition_score,
 * Dhariwal and Nichol's Algorithm 2; ancestral steps move their mean
 * instead, diffusion_ddpm_guided_step): ε -=
 * sqrt(1 - ᾱ_i) s ∇ log p(y | x_i), grad that gradient. */
void diffusion_guide(const struct diffusion *d, int i, double s, const float *grad, float *eps,
		     long len);

/* len standard normal values from r.  A sampler seeds one stream per
 * sample, rng_seed(r, seed, the sample's index), and draws its x_T and
 * then each step's z from it in order: a sample's noise depends on the
 * seed and its index alone, not on the batch or the threads. */
void diffusion_noise(struct rng *r, float *z, long len);

#endif

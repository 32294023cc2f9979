/* Unit tests of lib/metric/fit: the exponential model, its log-linear start and
 * the Levenberg-Marquardt refinement. */
#include <math.h>
#include <string.h>

#include "base/rng.h"
#include "metric/fit.h"
#include "unit.h"

static bool close_rel(double got, double want, double tol)
{
	return fabs(got - want) <= tol * fabs(want);
}

/* The paper's Table 5: SSIM-supSubCls and the cGAN-augCls relative
 * improvement in %, the rows in the table's order. */
static const double t5x[8] = { 0.3834, 0.3742, 0.3115, 0.2625, 0.1652, 0.0880, 0.0793, 0.0792 };
static const double t5y[8] = { 2.41, 4.57, 0.77, 0.59, 24.73, 50.00, 45.44, 83.35 };

static double ss_of(const double *x, const double *y, size_t n, const struct expcurve *f)
{
	struct fit_stats s;
	expfit_stats(x, y, n, f, &s);
	return s.ss_res;
}

static void curve_forms_agree(void)
{
	/* base^(b x - c) is A exp(-k x); the paper's Eq. 4 at 0.0792. */
	struct expcurve f = { 0.94, 202.74, 79.92 };
	double A = expcurve_A(&f), k = expcurve_k(&f);
	for (double x = -1; x <= 1; x += 0.125)
		CHECK(close_rel(expcurve_eval(&f, x), A * exp(-k * x), 1e-12));
	CHECK(close_rel(A, pow(0.94, -79.92), 1e-12));
	CHECK(close_rel(k, -202.74 * log(0.94), 1e-12));
	CHECK(close_rel(expcurve_eval(&f, 0.0792), pow(0.94, 202.74 * 0.0792 - 79.92), 1e-12));
}

static void exact_data_gives_back_its_parameters(void)
{
	/* Points on a known curve: the log-linear start is already the
	 * answer, and LM keeps it. */
	static const struct expcurve want[3] = {
		{ 0.94, 202.74, 79.92 }, { 0.5, -3.5, 1.25 }, { 2.0, 0.75, -4 }
	};
	for (int t = 0; t < 3; t++) {
		double x[12], y[12];
		for (int i = 0; i < 12; i++) {
			x[i] = 0.05 + 0.03 * i;
			y[i] = expcurve_eval(&want[t], x[i]);
		}
		struct expcurve f = { want[t].base, 0, 0 };
		CHECK(expfit_loglinear(x, y, 12, &f) == NULL);
		CHECK(close_rel(f.b, want[t].b, 1e-9));
		CHECK(close_rel(f.c, want[t].c, 1e-9));
		struct lm_report rep;
		CHECK(expfit_lm(x, y, 12, &f, 200, &rep) == NULL);
		CHECK(close_rel(f.b, want[t].b, 1e-9));
		CHECK(close_rel(f.c, want[t].c, 1e-9));
		CHECK(rep.ss_end <= rep.ss_start);
		struct fit_stats s;
		expfit_stats(x, y, 12, &f, &s);
		CHECK(s.r2 > 1 - 1e-12 && s.r2 <= 1);
		CHECK(s.mae < 1e-9 * y[0]);
	}
}

static void lm_recovers_parameters_from_a_poor_start(void)
{
	/* Exact data, but LM starts far from the curve. */
	struct expcurve want = { 0.94, 202.74, 79.92 }, f = { 0.94, 100, 20 };
	double x[8], y[8];
	for (int i = 0; i < 8; i++) {
		x[i] = t5x[i];
		y[i] = expcurve_eval(&want, x[i]);
	}
	CHECK(expfit_lm(x, y, 8, &f, 200, NULL) == NULL);
	CHECK(close_rel(f.b, want.b, 1e-9));
	CHECK(close_rel(f.c, want.c, 1e-9));
}

static void loglinear_is_least_squares_of_ln_y(void)
{
	/* ln y = ln(base) (b x - c) is a straight line in x: three points
	 * whose ln y are 0, 1, 3 at x = 0, 1, 2 have slope 1.5 and
	 * intercept -1/6 (ordinary least squares by hand). */
	double x[3] = { 0, 1, 2 }, y[3] = { 1, exp(1), exp(3) };
	struct expcurve f = { M_E, 0, 0 };
	CHECK(expfit_loglinear(x, y, 3, &f) == NULL);
	CHECK(close_rel(f.b, 1.5, 1e-12));
	CHECK(close_rel(f.c, 1.0 / 6, 1e-12));
	/* The paper's table: the start LM refines. */
	f = (struct expcurve){ 0.94, 0, 0 };
	CHECK(expfit_loglinear(t5x, t5y, 8, &f) == NULL);
	CHECK(close_rel(f.b, 198.862187, 1e-8));
	CHECK(close_rel(f.c, 77.6164012, 1e-8));
}

static void lm_beats_the_loglinear_start_on_noisy_data(void)
{
	struct rng r;
	rng_seed(&r, 7, 3);
	struct expcurve truth = { 0.94, 150, 50 };
	for (int trial = 0; trial < 20; trial++) {
		double x[30], y[30];
		for (int i = 0; i < 30; i++) {
			x[i] = 0.05 + 0.35 * rng_double(&r);
			/* Multiplicative noise keeps y positive. */
			y[i] = expcurve_eval(&truth, x[i]) * (0.6 + 0.8 * rng_double(&r));
		}
		struct expcurve start = { 0.94, 0, 0 };
		CHECK(expfit_loglinear(x, y, 30, &start) == NULL);
		struct expcurve f = start;
		struct lm_report rep;
		CHECK(expfit_lm(x, y, 30, &f, 200, &rep) == NULL);
		double ss0 = ss_of(x, y, 30, &start), ss1 = ss_of(x, y, 30, &f);
		CHECK(ss1 <= ss0);
		CHECK(close_rel(rep.ss_start, ss0, 1e-9));
		CHECK(close_rel(rep.ss_end, ss1, 1e-9));
		/* A minimum: small moves of b or c do not lower SS_res. */
		for (int d = 0; d < 4; d++) {
			struct expcurve g = f;
			double h = (d & 1 ? -1 : 1) * 1e-5;
			if (d < 2)
				g.b += h * fabs(f.b);
			else
				g.c += h * fabs(f.c);
			CHECK(ss_of(x, y, 30, &g) >= ss1);
		}
	}
}

static void table5_fit_reproduces_table6(void)
{
	/* The least-squares minimum, computed to 40 digits with mpmath; R^2
	 * 0.8749 and median absolute error 4.7882 are Table 6's numbers. */
	struct expcurve f = { 0.94, 0, 0 };
	CHECK(expfit_loglinear(t5x, t5y, 8, &f) == NULL);
	struct lm_report rep;
	CHECK(expfit_lm(t5x, t5y, 8, &f, 200, &rep) == NULL);
	CHECK(close_rel(f.b, 212.121199334771, 1e-9));
	CHECK(close_rel(f.c, 83.6148826693423, 1e-9));
	CHECK(rep.iterations > 0 && rep.ss_end < rep.ss_start);
	struct fit_stats s;
	expfit_stats(t5x, t5y, 8, &f, &s);
	CHECK(close_rel(s.ss_res, 818.189535860631, 1e-12));
	CHECK(fabs(s.r2 - 0.8749) < 0.00005);
	CHECK(fabs(s.medae - 4.7882) < 0.00005);
	CHECK(fabs(s.mae - 7.4689) < 0.00005);
}

static void stats_by_hand(void)
{
	/* The curve y = 1 (b = c = 0) against y = 1, 2, 4, 5: residuals
	 * 0, 1, 3, 4; SS_res 26, SS_tot 10, mean 2, median 2. */
	double x[4] = { 0, 1, 2, 3 }, y[4] = { 1, 2, 4, 5 };
	struct expcurve f = { 0.5, 0, 0 };
	struct fit_stats s;
	expfit_stats(x, y, 4, &f, &s);
	CHECK(s.ss_res == 26 && s.ss_tot == 10);
	CHECK(fabs(s.r2 - (1 - 2.6)) < 1e-15);
	CHECK(s.mae == 2 && s.medae == 2);
	/* Odd n: the middle one. */
	expfit_stats(x, y, 3, &f, &s);
	CHECK(s.medae == 1);
	/* All y equal: R^2 undefined. */
	double same[3] = { 3, 3, 3 };
	expfit_stats(x, same, 3, &f, &s);
	CHECK(s.ss_tot == 0 && isnan(s.r2));
}

static void degenerate_input_fails_cleanly(void)
{
	double x[4] = { 0.2, 0.2, 0.2, 0.2 }, y[4] = { 1, 2, 3, 4 };
	struct expcurve f = { 0.94, 1.5, 2.5 };
	const char *err = expfit_loglinear(x, y, 4, &f);
	CHECK(err && strstr(err, "all x values are equal"));
	CHECK(f.b == 1.5 && f.c == 2.5); /* untouched */
	err = expfit_lm(x, y, 4, &f, 200, NULL);
	CHECK(err && strstr(err, "all x values are equal"));
	CHECK(f.b == 1.5 && f.c == 2.5);
	/* y <= 0 and too few points are refused, not fitted. */
	double x2[3] = { 0, 1, 2 }, y2[3] = { 1, 0, 2 };
	CHECK(expfit_loglinear(x2, y2, 3, &f) != NULL);
	CHECK(expfit_loglinear(x2, y2 + 2, 1, &f) != NULL);
	/* A start that overflows. */
	struct expcurve huge = { 0.94, -1e6, 0 };
	CHECK(expfit_lm(x2, (double[]){ 1, 2, 3 }, 3, &huge, 200, NULL) != NULL);
}

static void lm_stops_at_the_iteration_cap(void)
{
	/* The table needs several steps from the log-linear start; one is
	 * not enough, and the curve is left as it was. */
	struct expcurve f = { 0.94, 0, 0 };
	CHECK(expfit_loglinear(t5x, t5y, 8, &f) == NULL);
	struct expcurve start = f;
	struct lm_report rep;
	const char *err = expfit_lm(t5x, t5y, 8, &f, 1, &rep);
	CHECK(err && strstr(err, "did not converge"));
	CHECK(rep.iterations == 1);
	CHECK(f.b == start.b && f.c == start.c);
}

void unit_main(void)
{
	unit_run("curve forms agree", curve_forms_agree);
	unit_run("exact data gives back its parameters", exact_data_gives_back_its_parameters);
	unit_run("LM recovers parameters from a poor start", lm_recovers_parameters_from_a_poor_start);
	unit_run("log-linear start is least squares of ln y", loglinear_is_least_squares_of_ln_y);
	unit_run("LM beats the log-linear start on noisy data",
		 lm_beats_the_loglinear_start_on_noisy_data);
	unit_run("Table 5 fit reproduces Table 6", table5_fit_reproduces_table6);
	unit_run("statistics by hand", stats_by_hand);
	unit_run("degenerate input fails cleanly", degenerate_input_fails_cleanly);
	unit_run("LM stops at the iteration cap", lm_stops_at_the_iteration_cap);
}

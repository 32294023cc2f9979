/* fit: the paper's exponential model, y = base^(b*x - c), fitted by least
 * squares.
 *
 * The same curve is A*exp(-k*x) with A = base^(-c) and k = -b*ln(base).
 * Internally the fit works on ln f(x) = a0 + a1*(x - xm), xm the mean of x,
 * which is linear in (a0, a1) and well conditioned; b and c follow.
 *
 * expfit_loglinear solves the log-linear least-squares problem (ln y
 * against x); expfit_lm refines any start by Levenberg-Marquardt on the
 * original scale, minimising the sum of (y - f(x))^2.  Both return NULL on
 * success or a message (a static string) saying why there is no answer;
 * they never leave non-finite parameters behind a NULL. */
#ifndef SIMBAL_FIT_H
#define SIMBAL_FIT_H

#include <stddef.h>

struct expcurve {
	double base; /* > 0, != 1 */
	double b, c;
};

struct lm_report {
	int iterations; /* accepted steps taken */
	double ss_start, ss_end; /* sum of squared residuals before and after */
};

#define EXPFIT_MAX_ITER_DEFAULT 200

/* f(x) = base^(b*x - c). */
double expcurve_eval(const struct expcurve *f, double x);
/* A and k of A*exp(-k*x), the same curve. */
double expcurve_A(const struct expcurve *f);
double expcurve_k(const struct expcurve *f);

/* The n >= 2 points must have y > 0 and not all the same x; f->base is
 * read, f->b and f->c are written. */
const char *expfit_loglinear(const double *x, const double *y, size_t n, struct expcurve *f);
/* Refines f (the start) in place, with at most max_iter accepted steps;
 * fails when they are not enough to converge (rep then tells how far it
 * got), or when the curve leaves the range of doubles.  rep may be NULL. */
const char *expfit_lm(const double *x, const double *y, size_t n, struct expcurve *f,
		      int max_iter, struct lm_report *rep);

/* Goodness of fit of f on the points, on the original scale. */
struct fit_stats {
	double ss_res; /* sum of (y - f(x))^2 */
	double ss_tot; /* sum of (y - mean y)^2 */
	double r2;     /* 1 - ss_res/ss_tot (NaN when ss_tot is 0) */
	double mae;    /* mean |y - f(x)| */
	double medae;  /* median |y - f(x)| */
};
void expfit_stats(const double *x, const double *y, size_t n, const struct expcurve *f,
		  struct fit_stats *s);

#endif

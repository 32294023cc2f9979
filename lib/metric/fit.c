#include "metric/fit.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "base/mem.h"

double expcurve_eval(const struct expcurve *f, double x)
{
	return exp(log(f->base) * (f->b * x - f->c));
}

double expcurve_A(const struct expcurve *f)
{
	return exp(-log(f->base) * f->c);
}

double expcurve_k(const struct expcurve *f)
{
	return -f->b * log(f->base);
}

static double mean_of(const double *v, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += v[i];
	return s / (double)n;
}

/* ln f(x) = a[0] + a[1]*(x - xm) is ln base * (b*x - c). */
static void to_bc(const double a[2], double xm, struct expcurve *f)
{
	double L = log(f->base);
	f->b = a[1] / L;
	f->c = (a[1] * xm - a[0]) / L;
}

static void from_bc(const struct expcurve *f, double xm, double a[2])
{
	double L = log(f->base);
	a[1] = L * f->b;
	a[0] = L * (f->b * xm - f->c);
}

static bool all_x_equal(const double *x, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (x[i] != x[0])
			return false;
	return true;
}

const char *expfit_loglinear(const double *x, const double *y, size_t n, struct expcurve *f)
{
	if (n < 2)
		return "at least 2 points are needed";
	if (all_x_equal(x, n))
		return "all x values are equal: the curve is undetermined";
	for (size_t i = 0; i < n; i++)
		if (!(y[i] > 0) || !isfinite(y[i]) || !isfinite(x[i]))
			return "y must be positive and all values finite";
	/* Least squares of ln y on x - xm: the slope is Sxy/Sxx, the
	 * intercept the mean of ln y. */
	double xm = mean_of(x, n), lm = 0;
	for (size_t i = 0; i < n; i++)
		lm += log(y[i]);
	lm /= (double)n;
	double sxx = 0, sxy = 0;
	for (size_t i = 0; i < n; i++) {
		double dx = x[i] - xm;
		sxx += dx * dx;
		sxy += dx * (log(y[i]) - lm);
	}
	double a[2] = { lm, sxy / sxx };
	to_bc(a, xm, f);
	if (!isfinite(f->b) || !isfinite(f->c))
		return "the log-linear fit is out of the range of numbers";
	return NULL;
}

/* Sum of squared residuals of the curve a; +inf when it overflows. */
static double ss_res(const double *x, const double *y, size_t n, double xm, const double a[2])
{
	double s = 0;
	for (size_t i = 0; i < n; i++) {
		double r = y[i] - exp(a[0] + a[1] * (x[i] - xm));
		s += r * r;
	}
	return isfinite(s) ? s : INFINITY;
}

/* Convergence: an accepted step that changed no parameter by more than
 * XTOL relative, or reduced the sum of squares by no more than FTOL
 * relative.  LAMBDA_MAX: damping so strong that no step is taken any more
 * means no reduction is possible in double precision: a minimum. */
#define XTOL 1e-12
#define FTOL 1e-14
#define LAMBDA_MAX 1e16

const char *expfit_lm(const double *x, const double *y, size_t n, struct expcurve *f,
		      int max_iter, struct lm_report *rep)
{
	if (n < 2)
		return "at least 2 points are needed";
	if (all_x_equal(x, n))
		return "all x values are equal: the curve is undetermined";
	double xm = mean_of(x, n), a[2];
	from_bc(f, xm, a);
	double ss = ss_res(x, y, n, xm, a);
	if (!isfinite(a[0]) || !isfinite(a[1]) || !isfinite(ss))
		return "the starting curve is out of the range of numbers";
	struct lm_report r = { 0, ss, ss };
	double lambda = 1e-3;
	bool converged = false;
	while (!converged && ss > 0) {
		/* Normal equations of the linearised problem: J'J d = J'r,
		 * J's rows (f, (x - xm) f), the derivatives of f by a. */
		double h00 = 0, h01 = 0, h11 = 0, g0 = 0, g1 = 0;
		for (size_t i = 0; i < n; i++) {
			double dx = x[i] - xm, fi = exp(a[0] + a[1] * dx), ri = y[i] - fi;
			double j0 = fi, j1 = dx * fi;
			h00 += j0 * j0;
			h01 += j0 * j1;
			h11 += j1 * j1;
			g0 += j0 * ri;
			g1 += j1 * ri;
		}
		/* Marquardt's damping, scaled by the diagonal: raised until a
		 * step lowers the sum of squares. */
		double t[2] = { a[0], a[1] }, ss_t = INFINITY, d0 = 0, d1 = 0;
		for (;;) {
			double m00 = h00 * (1 + lambda), m11 = h11 * (1 + lambda);
			double det = m00 * m11 - h01 * h01;
			if (isfinite(det) && det > 0) {
				d0 = (g0 * m11 - g1 * h01) / det;
				d1 = (g1 * m00 - g0 * h01) / det;
				t[0] = a[0] + d0;
				t[1] = a[1] + d1;
				ss_t = ss_res(x, y, n, xm, t);
				if (ss_t < ss)
					break;
			}
			lambda *= 10;
			if (lambda > LAMBDA_MAX)
				break;
		}
		if (!(ss_t < ss))
			break; /* no descent left: converged */
		bool small_step = fabs(d0) <= XTOL * (fabs(a[0]) + XTOL) &&
				  fabs(d1) <= XTOL * (fabs(a[1]) + XTOL);
		converged = small_step || ss - ss_t <= FTOL * ss;
		a[0] = t[0];
		a[1] = t[1];
		ss = ss_t;
		lambda = lambda / 10 < 1e-12 ? 1e-12 : lambda / 10;
		r.iterations++;
		r.ss_end = ss;
		if (!converged && r.iterations >= max_iter) {
			if (rep)
				*rep = r;
			return "Levenberg-Marquardt did not converge within the iteration limit";
		}
	}
	struct expcurve g = *f;
	to_bc(a, xm, &g);
	if (!isfinite(g.b) || !isfinite(g.c))
		return "the fitted curve is out of the range of numbers";
	*f = g;
	r.ss_end = ss;
	if (rep)
		*rep = r;
	return NULL;
}

static int by_value(const void *p, const void *q)
{
	double u = *(const double *)p, v = *(const double *)q;
	return (u > v) - (u < v);
}

void expfit_stats(const double *x, const double *y, size_t n, const struct expcurve *f,
		  struct fit_stats *s)
{
	double ym = mean_of(y, n), ss = 0, st = 0, sa = 0;
	double *e = xmalloc((n ? n : 1) * sizeof *e);
	for (size_t i = 0; i < n; i++) {
		double r = y[i] - expcurve_eval(f, x[i]), d = y[i] - ym;
		ss += r * r;
		st += d * d;
		sa += fabs(r);
		e[i] = fabs(r);
	}
	qsort(e, n, sizeof *e, by_value);
	s->ss_res = ss;
	s->ss_tot = st;
	s->r2 = st > 0 ? 1 - ss / st : NAN;
	s->mae = sa / (double)n;
	s->medae = n == 0 ? NAN : n % 2 ? e[n / 2] : (e[n / 2 - 1] + e[n / 2]) / 2;
	free(e);
}

/* The finite-difference check of the layers' unit tests: a layer's
 * backward against central differences of L = sum r * forward(...) for a
 * fixed r (tests/unit/test_nn.c, test_unet_layers.c). */
#ifndef SIMBAL_TESTS_PROBE_H
#define SIMBAL_TESTS_PROBE_H

#include <math.h>
#include <stdlib.h>

#include "base/mem.h"
#include "base/rng.h"

/* n values drawn uniformly in [lo, hi) from r, 24 bits each (malloc'd):
 * the inputs and weights of the tests. */
static inline float *probe_uniform(struct rng *r, size_t n, float lo, float hi)
{
	float *v = xmalloc(n * sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = lo + (hi - lo) * (float)rng_below(r, 1u << 24) / (float)(1u << 24);
	return v;
}

/* A layer under test: forward writes out from the current inputs. */
struct probe {
	void (*forward)(const struct probe *p, float *out);
	const void *ctx;
	size_t nout;
	const float *weights; /* r of L = sum r out */
};

static inline double probe_loss(const struct probe *p)
{
	float *out = xmalloc(p->nout * sizeof *out);
	p->forward(p, out);
	double l = 0;
	for (size_t i = 0; i < p->nout; i++)
		l += (double)p->weights[i] * out[i];
	free(out);
	return l;
}

/* The worst disagreement between grad and dL/dv by central differences
 * over v[0 .. n - 1], relative to max(1, |numeric|). */
static inline double gradient_error_at(const struct probe *p, float *v, size_t n, const float *grad,
				       float eps)
{
	double worst = 0;
	for (size_t i = 0; i < n; i++) {
		float keep = v[i];
		v[i] = keep + eps;
		double up = probe_loss(p);
		v[i] = keep - eps;
		double down = probe_loss(p);
		v[i] = keep;
		double numeric = (up - down) / (2 * (double)eps);
		double err = fabs(numeric - grad[i]) / fmax(1, fabs(numeric));
		if (err > worst)
			worst = err;
	}
	return worst;
}

static inline double worst_gradient_error(const struct probe *p, float *v, size_t n,
					  const float *grad)
{
	return gradient_error_at(p, v, n, grad, 1e-2f);
}

#define GRAD_TOLERANCE 2e-3

#endif

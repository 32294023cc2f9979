/* The finite-difference check of whole networks (tests/unit/test_nn.c's
 * GANs, test_unet.c's UNet): a training-mode forward pass over fixed
 * inputs, its output or logits under probe.h's loss L = sum r out. */
#ifndef SIMBAL_TESTS_NETPROBE_H
#define SIMBAL_TESTS_NETPROBE_H

#include <stdio.h>
#include <string.h>

#include "nn/model.h"
#include "probe.h"

/* A network under test: the model, its input and batch (the model's
 * labels and timesteps set by the caller). */
struct net_case {
	struct model m;
	const float *x;
	int n;
};

/* The logits of a network that has them, else its output activation. */
static inline void net_forward(const struct probe *p, float *out)
{
	struct net_case *c = (struct net_case *)p->ctx;
	model_forward(&c->m, c->x, c->n, true);
	if (c->m.outputs)
		memcpy(out, c->m.logits, p->nout * sizeof *out);
	else
		model_output(&c->m, out);
}

/* A whole network's kinks (ReLU after batch norm, leaky ReLU) and
 * curvature (SiLU, group norm, softmax) are met by steps of 1e-2 (errors
 * to 0.05); steps of 1e-3 leave the float rounding of the whole pass as
 * the error, which a tolerance of 2e-2 allows (measured worst: the GANs
 * 0.01, the UNet 0.008).  A wrong gradient of an operation is off by far
 * more: 0.09 and 0.13 for two tried in the GANs, 1.7 for AdaGN's scale and
 * shift swapped; each layer has its tight test besides. */
#define NET_EPS 1e-3f
#define NET_TOLERANCE 2e-2

/* Every trained parameter tensor's first and last values, and (with
 * m.input_grad) the input x's first 40 of nx, against finite differences
 * of L = sum weights out (nout of them); the worst error.  A value past
 * the tolerance is named. */
static inline double net_gradient_error(struct net_case *c, float *x, size_t nx, size_t nout,
					const float *weights)
{
	struct probe p = { net_forward, c, nout, weights };
	struct model *m = &c->m;
	float *out = xmalloc(nout * sizeof *out), *dx = xmalloc(nx * sizeof *dx);
	net_forward(&p, out);
	if (m->outputs) {
		memcpy(m->dlogits, weights, nout * sizeof *out);
		model_backward(m, c->n);
	} else {
		model_backward_from(m, weights, c->n);
	}
	float *g = xmalloc(m->size * sizeof *g);
	memcpy(g, m->g, m->size * sizeof *g);
	if (m->input_grad)
		model_input_grad(m, dx);
	double worst = 0;
	for (int i = 0; i < m->nparams; i++) {
		const struct param *q = &m->params[i];
		if (!q->trained)
			continue;
		size_t at[2] = { q->offset, q->offset + q->size - 1 };
		for (int j = 0; j < 2; j++) {
			double e = gradient_error_at(&p, m->p + at[j], 1, g + at[j], NET_EPS);
			if (e > NET_TOLERANCE)
				printf("# %s[%zu]: gradient error %.2g\n", q->name, at[j] - q->offset, e);
			worst = fmax(worst, e);
		}
	}
	if (m->input_grad)
		worst = fmax(worst, gradient_error_at(&p, x, nx < 40 ? nx : 40, dx, NET_EPS));
	free(out), free(g), free(dx);
	return worst;
}

#endif

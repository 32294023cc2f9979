/* groupnorm: group normalisation (Wu and He 2018) over x [c][n][hw], as
 * PyTorch's GroupNorm: per image, each group of c / groups consecutive
 * channels normalised by its mean and biased variance, then gamma[c] and
 * beta[c]; and the scale and shift per channel and image that make it
 * guided-diffusion's AdaGN (the ResBlock's use_scale_shift_norm):
 * out = groupnorm(x) (1 + scale[c][n]) + shift[c][n], scale and shift
 * computed from the timestep's embedding (so their gradients are inputs'
 * gradients too).  Used by the UNet of issue 18. */
#ifndef SIMBAL_NN_GROUPNORM_H
#define SIMBAL_NN_GROUPNORM_H

#include <stdbool.h>
#include <stddef.h>

struct groupnorm {
	int c, groups; /* groups divides c */
	float eps;     /* 1e-5, PyTorch's */
};

/* x [c][n][hw] -> out; keeps the statistics for backward: mean and invstd
 * [groups][n], 1 / sqrt(var + eps). */
void groupnorm_forward(const struct groupnorm *gn, const float *x, int n, size_t hw,
		       const float *gamma, const float *beta, float *mean, float *invstd,
		       float *out);
/* What one pass does after the group norm: AdaGN's scale and shift
 * [c][n] (where scale is not NULL), then SiLU (where silu); each stage's
 * output stored where its pointer is not NULL (the last stage's must
 * be), rounded as groupnorm_forward, scale_shift_forward and
 * silu_forward (nn/act) one after the other round it.  The UNet's ResBlock
 * starts with GN, SiLU and ends with GN, AdaGN, SiLU: one pass over the
 * activation instead of two or three. */
struct gn_chain {
	const float *scale, *shift;
	bool silu;
	float *norm, *adagn, *act;
};

void groupnorm_chain_forward(const struct groupnorm *gn, const float *x, int n, size_t hw,
			     const float *gamma, const float *beta, const struct gn_chain *ch,
			     float *mean, float *invstd);
/* dx, dgamma, dbeta accumulate; dx may be NULL. */
void groupnorm_backward(const struct groupnorm *gn, const float *x, int n, size_t hw,
			const float *gamma, const float *mean, const float *invstd,
			const float *dout, float *dx, float *dgamma, float *dbeta);

/* AdaGN's second half: y [c][n][hw] -> out = y (1 + scale[c][n]) +
 * shift[c][n].  AdaGN is groupnorm_forward, then this on its output. */
void scale_shift_forward(const float *y, int c, int n, size_t hw, const float *scale,
			 const float *shift, float *out);
/* dy, dscale, dshift accumulate; dy may be NULL. */
void scale_shift_backward(const float *y, int c, int n, size_t hw, const float *scale,
			  const float *dout, float *dy, float *dscale, float *dshift);

#endif

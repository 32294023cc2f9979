/* attention: multi-head self-attention over the spatial positions of
 * x [c][n][hw], as guided-diffusion's AttentionBlock with
 * QKVAttentionLegacy, after its GroupNorm (which the caller applies) and
 * without its residual (the caller adds x with add_forward):
 *   qkv = W_qkv x + b_qkv, a 1x1 convolution to 3c channels;
 *   head h takes channels [3 h d, 3 h d + d) as q, the next d as k, the
 *   next d as v (d = c / heads; the legacy order, so that PyTorch's
 *   weights load as they are);
 *   weights_ts = softmax over s of q_t . k_s / sqrt(d) (guided-diffusion
 *   scales q and k each by d^-1/4: the same but for rounding);
 *   a_t = sum_s weights_ts v_s, into channels [h d, h d + d);
 *   out = W_proj a + b_proj.
 * Used by the UNet of issue 18, at its lowest resolutions (hw up to
 * 14 x 14: the weights are kept whole, n heads hw^2 floats). */
#ifndef SIMBAL_NN_ATTENTION_H
#define SIMBAL_NN_ATTENTION_H

#include <stddef.h>

struct attention {
	int c, heads; /* heads divides c */
};

/* The parameters, as PyTorch stores them (qkv.weight [3c][c][1],
 * qkv.bias [3c], proj_out.weight [c][c][1], proj_out.bias [c]); the same
 * struct holds their gradients. */
struct attention_params {
	float *qkv_w, *qkv_b, *proj_w, *proj_b;
};

/* What forward keeps for backward: qkv [3c][n][hw], the softmax weights
 * [n][heads][hw][hw] and the heads' output a [c][n][hw]. */
struct attention_saved {
	float *qkv, *weights, *a;
};

/* x [c][n][hw] -> out [c][n][hw]. */
void attention_forward(const struct attention *at, const float *x, int n, int hw,
		       const struct attention_params *p, const struct attention_saved *s,
		       float *out);
/* dx and every gradient in g accumulate; dx may be NULL. */
void attention_backward(const struct attention *at, const float *x, int n, int hw,
			const struct attention_params *p, const struct attention_saved *s,
			const float *dout, float *dx, const struct attention_params *g);

#endif

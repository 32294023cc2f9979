/* act: the UNet's small layers over activations x [c][n][hw] (CNHW, as
 * lib/nn/nn): SiLU, a convolution's bias per channel, the concatenation of
 * two activations along the channels (a skip connection), and the
 * mean-squared-error loss.  Used by the UNet of issue 18.
 *
 * As in nn, backward functions accumulate (+=) into the gradients they
 * are given; each reduction runs in one fixed order, so the same inputs
 * give the same bits whatever the thread count. */
#ifndef SIMBAL_NN_ACT_H
#define SIMBAL_NN_ACT_H

#include <math.h>
#include <stddef.h>

/* The logistic function and SiLU of one value, as the layers compute them
 * (where they have no AVX-512). */
static inline float sigmoid_value(float x)
{
	return 1 / (1 + expf(-x));
}

static inline float silu_value(float x)
{
	return x * sigmoid_value(x);
}

/* out = x sigmoid(x) (PyTorch's SiLU); with AVX-512, e^x within 2 ulp of
 * expf's (nn/avx512.h), 16 values at a time. */
void silu_forward(const float *x, size_t len, float *out);
/* From the input: dx += dout s (1 + x (1 - s)), s = sigmoid(x). */
void silu_backward(const float *x, const float *dout, size_t len, float *dx);

/* x [c][nhw] += b[c], in place (a convolution's output; conv_forward has
 * no bias).  The input's gradient is dout itself: backward gives only
 * db[c] += sum of dout[c][.]. */
void channel_bias_forward(float *x, int c, size_t nhw, const float *b);
void channel_bias_backward(const float *dout, int c, size_t nhw, float *db);

/* a [ca][nhw], b [cb][nhw] -> out [ca + cb][nhw]: in CNHW, a then b. */
void concat_forward(const float *a, int ca, const float *b, int cb, size_t nhw, float *out);
/* da += dout's first ca channels, db += the cb others; either may be NULL. */
void concat_backward(const float *dout, int ca, int cb, size_t nhw, float *da, float *db);

/* The mean over len values of (a - b)^2; when da is not NULL, writes
 * (overwriting, as softmax_ce) dL/da = 2 (a - b) / len. */
double mse_loss(const float *a, const float *b, size_t len, float *da);

#endif

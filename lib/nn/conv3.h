/* conv3: the 3x3 convolutions of padding 1 that make most of a ResNet's
 * work, computed directly (no column matrix) with AVX-512 kernels, on
 * lib/nn/nn's CNHW activations; stride 2 reads the input split in its four
 * phases.  lib/nn/nn uses them where conv3_takes says so, and its im2col
 * products elsewhere. */
#ifndef SIMBAL_CONV3_H
#define SIMBAL_CONV3_H

#include <stdbool.h>

#include "nn/nn.h"

enum conv3_pass { CONV3_FORWARD, CONV3_DATA_GRAD, CONV3_WEIGHT_GRAD };

/* The output channels the forward kernel computes at once. */
#define CONV3_BLOCK 8

/* Whether the kernel of pass takes cv: 3x3, padding 1, stride 1 (or 2,
 * but for the data gradient), the channels it computes in blocks (8 output
 * channels forward, 8 input channels for the data gradient, 2 output
 * channels for the weights'), on a processor with AVX-512. */
bool conv3_takes(const struct conv *cv, enum conv3_pass pass);
/* Off for the tests that compare these kernels with the im2col path. */
void conv3_disable(bool off);

/* What the forward pass does with each sum s of output channel c before
 * storing it, in this order: s + bias[c] (the convolution's own bias; not
 * when bias is NULL), that scale[c] + shift[c] (a batch norm in
 * evaluation; not when scale is NULL), + residual (the same element of
 * another activation [cout][n][h][w]; or NULL), max(0, that) with relu.
 * Each operation is rounded as the separate layer would round it. */
struct conv3_epilogue {
	const float *scale, *shift, *residual;
	bool relu;
	const float *bias;
};

/* As conv_forward: out [cout][n][h][w] = the convolution of in, then the
 * epilogue e (NULL: none). */
void conv3_forward(const struct conv *cv, const float *in, int n, int h, int w, const float *wt,
		   const struct conv3_epilogue *e, float *out);
/* din += the gradient through the convolution of dout. */
void conv3_data_grad(const struct conv *cv, const float *dout, int n, int h, int w,
		     const float *wt, float *din);
/* dwt += the gradient of the weights. */
void conv3_weight_grad(const struct conv *cv, const float *in, const float *dout, int n, int h,
		       int w, float *dwt);

#endif

/* conv3: the 3x3 convolutions of stride 1 and padding 1 that make most of
 * a ResNet's work, computed directly (no column matrix) with AVX-512
 * kernels, on lib/nn's CNHW activations.  lib/nn uses them where
 * conv3_usable says so, and its im2col products elsewhere. */
#ifndef SIMBAL_CONV3_H
#define SIMBAL_CONV3_H

#include <stdbool.h>

#include "nn.h"

/* Whether cv has the shape these kernels take (3x3, stride 1, padding 1,
 * channels in multiples of 8) and the processor has AVX-512. */
bool conv3_usable(const struct conv *cv);
/* Off for the tests that compare these kernels with the im2col path. */
void conv3_disable(bool off);

/* As conv_forward: out [cout][n][h][w] = the convolution of in. */
void conv3_forward(const struct conv *cv, const float *in, int n, int h, int w, const float *wt,
		   float *out);
/* din += the gradient through the convolution of dout. */
void conv3_data_grad(const struct conv *cv, const float *dout, int n, int h, int w,
		     const float *wt, float *din);
/* dwt += the gradient of the weights. */
void conv3_weight_grad(const struct conv *cv, const float *in, const float *dout, int n, int h,
		       int w, float *dwt);

#endif

/* pointwise: the 1x1 convolutions of stride 1 with a bias that the UNet
 * has (its skip connections where the width changes, its attention's qkv
 * and proj_out), computed directly on AVX-512 over lib/nn/nn's CNHW
 * activations: a register block of 8 output channels by 3 pixel vectors,
 * the input channels summed in order, then the bias added.  Only
 * conv_bias_forward uses them, so that the convolutions without a bias
 * (the ResNets', the GANs') keep their bits. */
#ifndef SIMBAL_NN_POINTWISE_H
#define SIMBAL_NN_POINTWISE_H

#include <stdbool.h>
#include <stddef.h>

#include "nn/nn.h"

/* Whether the kernel takes cv on planes of hw pixels: 1x1, stride 1,
 * output channels a multiple of 8, a vector of pixels at least, on a
 * processor with AVX-512. */
bool pointwise_takes(const struct conv *cv, size_t hw);

/* out [cout][n][hw] = the convolution of in [cin][n][hw], + bias[c]. */
void pointwise_bias_forward(const struct conv *cv, const float *in, int n, size_t hw,
			    const float *wt, const float *bias, float *out);

#endif

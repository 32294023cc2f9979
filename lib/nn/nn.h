/* nn: the layers of simbal's networks, each an explicit forward and
 * backward function over float32 arrays, as in llm.c.  Backward functions
 * accumulate (+=) into the gradients they are given, for the input as for
 * the parameters, so that a tensor used twice (a residual) sums both.
 *
 * Activations are stored channel-major, CNHW: x[c][n][h][w].  The 3x3
 * convolutions (most of a ResNet's work) run on direct AVX-512 kernels
 * (lib/nn/conv3), which read each image plane in place with masked loads;
 * the others are one matrix product per chunk of images,
 * W[cout][cin k k] x col[cin k k][n h w], whose result is already CNHW.
 * Batch norm's statistics run over contiguous memory.  Weights are as
 * PyTorch stores them: convolutions OIHW, linear layers [out][in].
 *
 * Work is spread over OpenMP threads (images, channels, chunks), with
 * OpenBLAS single-threaded inside each; every reduction is done in a fixed
 * order that does not depend on the threads, so the same inputs give the
 * same bits whatever the thread count. */
#ifndef SIMBAL_NN_H
#define SIMBAL_NN_H

#include <stdbool.h>
#include <stddef.h>

/* A 2-D convolution without bias (batch norm follows each one). */
struct conv {
	int cin, cout, k, stride, pad;
};

static inline int conv_size(int x, const struct conv *cv)
{
	return (x + 2 * cv->pad - cv->k) / cv->stride + 1;
}

static inline size_t conv_weights(const struct conv *cv)
{
	return (size_t)cv->cout * (size_t)cv->cin * (size_t)cv->k * (size_t)cv->k;
}

/* Called once before the first layer: OpenBLAS single-threaded, OpenMP
 * threads as given (0: as many as cores). */
void nn_init(int threads);

/* in [cin][n][h][w] -> out [cout][n][oh][ow]. */
void conv_forward(const struct conv *cv, const float *in, int n, int h, int w, const float *wt,
		  float *out);
/* conv_forward, then bias[c] added to output channel c (the UNet's
 * convolutions): on the direct 3x3 kernels, in their pass, rounded as the
 * addition after the convolution rounds it (fewer output channels than
 * their block: as a whole block, the others' weights 0); 1x1 on
 * lib/nn/pointwise's (its own order of the sums). */
void conv_bias_forward(const struct conv *cv, const float *in, int n, int h, int w,
		       const float *wt, const float *bias, float *out);
/* din and dwt accumulate; either may be NULL: not needed. */
void conv_backward(const struct conv *cv, const float *in, int n, int h, int w, const float *wt,
		   const float *dout, float *din, float *dwt);

/* Transposed convolution (PyTorch's ConvTranspose2d without bias or
 * output padding): in [cin][n][h][w] -> out [cout][n][oh][ow], oh = (h - 1)
 * stride - 2 pad + k; weights [cin][cout][k][k]. */
static inline int convt_size(int x, const struct conv *cv)
{
	return (x - 1) * cv->stride - 2 * cv->pad + cv->k;
}

void convt_forward(const struct conv *cv, const float *in, int n, int h, int w, const float *wt,
		   float *out);
void convt_backward(const struct conv *cv, const float *in, int n, int h, int w, const float *wt,
		    const float *dout, float *din, float *dwt);

/* Batch norm over x [c][m] (m = n h w).  Training: batch statistics, kept
 * (mean, inverse standard deviation) for backward, running statistics
 * updated with momentum (unbiased variance, as PyTorch); evaluation: the
 * running statistics. */
struct batchnorm {
	int c;
	float eps, momentum;
};

void bn_forward_train(const struct batchnorm *bn, const float *x, size_t m, const float *gamma,
		      const float *beta, float *run_mean, float *run_var, float *mean,
		      float *invstd, float *out);
void bn_forward_eval(const struct batchnorm *bn, const float *x, size_t m, const float *gamma,
		     const float *beta, const float *run_mean, const float *run_var, float *out);
void bn_backward(const struct batchnorm *bn, const float *x, size_t m, const float *gamma,
		 const float *mean, const float *invstd, const float *dout, float *dx,
		 float *dgamma, float *dbeta);

/* Evaluation: out = bn(conv(in)), + residual (an activation of out's
 * shape; or NULL), max(0, that) with relu, in one pass where the direct
 * kernels take cv, rounded as the layers one after the other round it;
 * false, and nothing done, where they do not take it. */
bool conv_bn_forward_eval(const struct conv *cv, const float *in, int n, int h, int w,
			  const float *wt, const struct batchnorm *bn, const float *gamma,
			  const float *beta, const float *run_mean, const float *run_var,
			  const float *residual, bool relu, float *out);

void relu_forward(const float *x, size_t len, float *out);
/* From the output: out > 0 where x > 0. */
void relu_backward(const float *out, const float *dout, size_t len, float *dx);

void add_forward(const float *a, const float *b, size_t len, float *out);
/* da += dout, db += dout */
void add_backward(const float *dout, size_t len, float *da, float *db);
/* x = 0, over the threads (memset is one thread's) */
void zero_fill(float *x, size_t len);

/* x [c][n][h w] -> out [c][n]. */
void avgpool_global_forward(const float *x, int c, int n, int hw, float *out);
void avgpool_global_backward(const float *dout, int c, int n, int hw, float *dx);

/* x [in][n] (channel-major) -> y [n][out] = x^T W^T + b. */
void linear_forward(const float *x, int n, int in, int out, const float *wt, const float *bias,
		    float *y);
void linear_backward(const float *x, int n, int in, int out, const float *wt, const float *dy,
		     float *dx, float *dwt, float *dbias);

void leaky_relu_forward(const float *x, size_t len, float slope, float *out);
void leaky_relu_backward(const float *x, const float *dout, size_t len, float slope, float *dx);
void tanh_forward(const float *x, size_t len, float *out);
void tanh_backward(const float *out, const float *dout, size_t len, float *dx);

/* Nearest-neighbour upsampling by an integer scale. */
void upsample_forward(const float *x, int planes, int h, int w, int scale, float *out);
void upsample_backward(const float *dout, int planes, int h, int w, int scale, float *dx);

/* A class embedding added (the generator's conditioning): out [dim][n] =
 * in + scale table[labels[i]], table [classes][dim]. */
void embed_add_forward(const float *in, const float *table, int dim, const int *labels, int n,
		       float scale, float *out);
/* din (when not NULL) += dout; dtable's rows += scale dout. */
void embed_add_backward(const float *dout, int dim, const int *labels, int n, float scale,
			float *din, float *dtable);

/* The projection discriminator's head (Miyato and Koyama 2018): x [c][n]
 * -> out [n][2], image i's (w . x_i + bias, table[labels[i]] . x_i), an
 * unconditional and a conditional logit; w [c], bias [1], table
 * [classes][c]. */
void projection_forward(const float *x, int c, int n, const float *w, const float *bias,
			const float *table, const int *labels, float *out);
void projection_backward(const float *x, int c, int n, const float *w, const float *table,
			 const int *labels, const float *dout, float *dx, float *dw, float *dbias,
			 float *dtable);

/* The minibatch standard deviation (Karras et al. 2018): in [c][n][hw] ->
 * out [c + 1][n][hw], in and a plane per image filled with its group's
 * spread, the mean over the c hw values of their standard deviation over
 * the group (groups of group consecutive images, the last what is left). */
void mbstd_forward(const float *in, int c, int n, size_t hw, int group, float *out);
void mbstd_backward(const float *in, const float *dout, int c, int n, size_t hw, int group,
		    float *din);

/* Softmax cross-entropy of logits [n][k] against labels, weighted by class
 * (weight NULL: all 1) and averaged as PyTorch does, sum_i w[y_i] l_i /
 * sum_i w[y_i].  Returns the loss; writes the softmax into prob and, when
 * dlogits is not NULL, the gradient of the loss into it (overwriting). */
double softmax_ce(const float *logits, const int *labels, const float *weight, int n, int k,
		  float *prob, float *dlogits);

#endif

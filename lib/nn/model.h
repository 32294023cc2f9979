/* model: a network as a list of operations over numbered activations
 * (built by nn/arch), with one arena for the parameters, one for their
 * gradients and one for the optimizer's state, and the interpreter that
 * runs it: the forward pass, the backward pass, each operation one of
 * nn's layers. */
#ifndef SIMBAL_MODEL_H
#define SIMBAL_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "nn/arch.h"
#include "nn/attention.h"
#include "nn/groupnorm.h"
#include "nn/nn.h"

/* How a parameter starts: init_value each, normal of sd init_value, or
 * uniform within +-init_value. */
enum param_init { INIT_CONST, INIT_NORMAL, INIT_UNIFORM };

/* A named tensor of the parameter arena (also the running statistics,
 * which are state but not trained). */
struct param {
	char name[MODEL_MAX_NAME];
	size_t offset, size;
	int shape[4], dims;
	bool trained;  /* a running statistic is not */
	bool decayed;  /* weight decay applies (weights, not biases or BN) */
	enum param_init init;
	double init_value;
};

/* The discriminators' groups for the standard deviation: GAN_GROUP consecutive
 * images of a batch (the last group what is left).  gantrain makes each
 * group's images of one class, so that the spread seen is a class's. */
#define GAN_GROUP 4

enum op_kind {
	OP_CONV, OP_BN, OP_RELU, OP_ADD, OP_GAP, OP_LINEAR,
	OP_LATENT,   /* out = in + lambda embedding[label] */
	OP_CONVT,    /* transposed convolution */
	OP_UPSAMPLE, /* nearest, by 2 */
	OP_LRELU,    /* leaky ReLU, slope 0.2 */
	OP_TANH,
	OP_PROJECT,  /* logits [n][2]: linear(in), <embedding[label], in> */
	OP_MBSTD,    /* in, and a channel of its spread over a group of images */
	/* the diffusion UNet's (issue 18) */
	OP_GROUPNORM, /* affine; its statistics in the scratch activation */
	OP_SILU,
	OP_CONCAT,    /* in's channels, then in2's (a skip) */
	OP_ATTENTION, /* multi-head self-attention, no norm, no residual */
	OP_TIMESTEP,  /* the sinusoidal embedding [dim][n] of m->timesteps; reads nothing */
	OP_LABEL_EMBED, /* out = in + embedding[label], the table [classes + 1][dim] */
	OP_SCALE_SHIFT, /* AdaGN's: in (1 + scale) + shift, in2 [2 c][n] = scale, shift */
};

struct op {
	enum op_kind kind;
	int in, in2, out;     /* activations; in2 for OP_ADD, OP_CONCAT, OP_SCALE_SHIFT */
	/* OP_GROUPNORM: its mean and invstd [groups][n]; OP_ATTENTION: its
	 * qkv, softmax weights and heads' output, three activations from
	 * here (struct attention_saved) */
	int scratch;
	struct conv cv;       /* OP_CONV */
	bool bias;            /* OP_CONV: adds the bias at b */
	struct batchnorm bn;  /* OP_BN */
	struct groupnorm gn;  /* OP_GROUPNORM */
	struct attention at;  /* OP_ATTENTION */
	size_t w, b;          /* parameter offsets: weights (conv, linear, gamma, qkv), bias (beta) */
	size_t w2, b2;        /* OP_ATTENTION: proj_out's weights and bias */
	size_t embed;         /* OP_LATENT, OP_PROJECT: the class embedding [classes][c] */
	size_t run_mean, run_var, saved; /* OP_BN: running stats; saved mean and invstd */
	int lin_in, lin_out;  /* OP_LINEAR */
};

/* An activation: c channels of h x w for each of the batch's images.
 * A scratch one holds what an operation keeps for its backward pass: it
 * has no gradient. */
struct act {
	int c, h, w;
	bool scratch;
};

struct model {
	struct arch arch;
	struct param *params;
	int nparams;
	float *p, *g;        /* parameter and gradient arenas */
	size_t size;         /* floats in each */
	struct op *ops;
	int nops;
	struct act *acts;
	int nacts;
	/* The activations, buffers of act_pool: until the first forward pass
	 * in training, one is shared by activations never in use at once in
	 * an evaluation pass, then each has its own (the backward pass reads
	 * them). */
	float **a;
	struct pool *act_pool;
	int batch;           /* what the logits are sized for */
	/* The activations' gradients, NULL until the first backward pass (a
	 * model only evaluated has none): buffers of grads, each shared by
	 * activations whose gradients are never in use at once. */
	float **d;
	struct pool *grads;
	bool grads_unshared; /* each activation's gradient a buffer of its own (tests' reference) */
	int last_n;          /* images of the last forward pass */
	float *saved;        /* batch norms' saved statistics */
	int outputs;         /* logits an image; 0: the output is the last activation */
	float *logits, *prob, *dlogits;
	/* Conditional models: the class of each image of the pass (for the
	 * UNet, classes itself is "no class"), and the generator's embedding
	 * scale; set by the caller before a pass. */
	const int *labels;
	float lambda;
	/* The diffusion UNet's timestep of each image of the pass (fractional
	 * under respacing); set by the caller before a pass, as labels. */
	const float *timesteps;
	bool input_grad;     /* backward also gives the input's gradient, in m->d[0] */
	/* backward skips the convolutions' weight and bias gradients (they
	 * stay 0): a pass only for the gradient of the input, as the
	 * generator's step takes it through the discriminator */
	bool no_conv_weight_grad;
};

void model_free(struct model *m);

/* Forward pass of n images x [n][c][h][w] (NCHW, as decoded); in training
 * batch norm uses batch statistics and updates its running ones.  After
 * a pass in evaluation only the output activation and model_features'
 * are left, the other activations' buffers being shared.  The
 * logits are m->logits [n][classes].  In evaluation a convolution, its
 * batch norm, a residual addition and a ReLU may be one pass: the
 * activations between them are then not written (model_features' are). */
void model_forward(struct model *m, const float *x, int n, bool train);

/* Backward pass of the last forward (in training), from the gradient of
 * the loss with respect to the logits, m->dlogits: the gradients of the
 * parameters in m->g (set, not accumulated across calls). */
void model_backward(struct model *m, int n);

/* The last forward pass's output activation (a generator's images) into
 * out [n][c][h][w]; m->d[0], the input's gradient after a backward pass
 * with m->input_grad, into dx [n][c][h][w]. */
void model_output(const struct model *m, float *out);
void model_input_grad(const struct model *m, float *dx);

/* Backward from a gradient of the output activation, dout [n][c][h][w]
 * (a generator, whose output is not logits). */
void model_backward_from(struct model *m, const float *dout, int n);

/* The floats an image of the gradient buffers: 0 before the first
 * backward pass. */
size_t model_grad_floats(const struct model *m);

/* The floats an image of the activation buffers, as model_grad_floats. */
size_t model_act_floats(const struct model *m);

/* The floating-point operations of one image's forward pass and of its
 * training step (forward, the weights' gradient, and the input's
 * gradient but that of the input image): convolutions and linear layers,
 * multiply-adds counted as two. */
void model_flops(const struct model *m, double *forward, double *train);

/* The features of the last forward pass: the penultimate layer (global
 * average pooling) as [dim][n], channel-major. */
const float *model_features(const struct model *m, int *dim);

#endif

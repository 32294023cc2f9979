/* model: the networks of simbal, built from lib/nn/nn's layers as a list of
 * operations over numbered activations, with one arena for the
 * parameters, one for their gradients and one for the optimizer's state.
 *
 * Architectures: resnet20, resnet32, resnet56, the CIFAR ResNets of He et
 * al. 2016 (3x3 stem of 16 channels, three stages of basic blocks of
 * widths 16, 32, 64, a 1x1 convolution and batch norm as the shortcut
 * where the shape changes); resnet18, the CIFAR-style ResNet-18 (3x3 stem,
 * four stages of two blocks, widths 64 to 512).  A width multiplier scales
 * every width; inputs of 1 or 3 channels, any size from 8 up.
 *
 * The class-conditional GAN (gantrain): cgan-g, the generator, and
 * cgan-d, the discriminator, for square images of 8x8 up to 256x256.
 * The generator adds the class embedding, scaled by m->lambda, to its
 * latent vector z (GAN_ZDIM values of N(0, 1) an image), projects that to
 * a start plane of 4x4 to 7x7 (a transposed convolution), then doubles the
 * size stage by stage (nearest upsampling, 3x3 convolution, batch norm,
 * ReLU) and ends in a 3x3 convolution to the image's channels and tanh.
 * The discriminator halves the size stage by stage (3x3 convolutions of
 * stride 2, leaky ReLU 0.2, no normalisation) down to the start plane,
 * where a channel of the standard deviation over groups of images (Karras
 * et al. 2018: a generator that collapses to few images shows there) is
 * added before a last convolution; it pools, and gives two logits an image: an unconditional one (a linear
 * layer) and a conditional one, the projection of the features on the
 * embedding of the image's class (Miyato and Koyama 2018).
 *
 * rgan-g and rgan-d are the same with residual blocks as their stages,
 * after Miyato et al. 2018: in the generator, batch norm, ReLU,
 * upsampling, two 3x3 convolutions with batch norm and ReLU between them,
 * beside a 1x1 convolution of the normalised, rectified, upsampled input
 * (the projection shortcut of He et al.'s pre-activation ResNet; Miyato
 * et al.'s takes the input as it came); in the discriminator, cgan-d's
 * two convolutions beside a 1x1 convolution of stride 2. */
#ifndef SIMBAL_MODEL_H
#define SIMBAL_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "nn/nn.h"

#define MODEL_MAX_NAME 64
/* The largest width multiplier a model takes. */
#define MODEL_MAX_WIDTH_MULT 64

/* What a model is, enough to build it again (a checkpoint's header). */
struct arch {
	char name[MODEL_MAX_NAME]; /* resnet20, ..., resnet18, cgan-g, cgan-d, rgan-g, rgan-d */
	int channels, height, width, classes;
	float width_mult;
};

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

/* The latent length of the generators. */
#define GAN_ZDIM 128
/* The discriminators' groups for the standard deviation: GAN_GROUP consecutive
 * images of a batch (the last group what is left).  gantrain makes each
 * group's images of one class, so that the spread seen is a class's. */
#define GAN_GROUP 4

enum model_kind { MODEL_CLASSIFIER, MODEL_GENERATOR, MODEL_DISCRIMINATOR };

enum op_kind {
	OP_CONV, OP_BN, OP_RELU, OP_ADD, OP_GAP, OP_LINEAR,
	OP_LATENT,   /* out = in + lambda embedding[label] */
	OP_CONVT,    /* transposed convolution */
	OP_UPSAMPLE, /* nearest, by 2 */
	OP_LRELU,    /* leaky ReLU, slope 0.2 */
	OP_TANH,
	OP_PROJECT,  /* logits [n][2]: linear(in), <embedding[label], in> */
	OP_MBSTD,    /* in, and a channel of its spread over a group of images */
};

struct op {
	enum op_kind kind;
	int in, in2, out;     /* activations; in2 for OP_ADD */
	struct conv cv;       /* OP_CONV */
	struct batchnorm bn;  /* OP_BN */
	size_t w, b;          /* parameter offsets: weights (conv, linear, gamma), bias (beta) */
	size_t embed;         /* OP_LATENT, OP_PROJECT: the class embedding [classes][c] */
	size_t run_mean, run_var, saved; /* OP_BN: running stats; saved mean and invstd */
	int lin_in, lin_out;  /* OP_LINEAR */
};

/* An activation: c channels of h x w for each of the batch's images. */
struct act {
	int c, h, w;
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
	float **a, **d;      /* activation and gradient buffers, for batch */
	int batch;           /* what they are sized for */
	int last_n;          /* images of the last forward pass */
	float *saved;        /* batch norms' saved statistics */
	int outputs;         /* logits an image; 0: the output is the last activation */
	float *logits, *prob, *dlogits;
	/* Conditional models: the class of each image of the pass, and the
	 * generator's embedding scale; set by the caller before a pass. */
	const int *labels;
	float lambda;
	bool input_grad;     /* backward also gives the input's gradient, in m->d[0] */
	/* backward skips the convolutions' weight gradients (they stay 0): a
	 * pass only for the gradient of the input, as the generator's step
	 * takes it through the discriminator */
	bool no_conv_weight_grad;
};

/* Whether name is an architecture model_build knows, and of which kind. */
bool model_known(const char *name);
enum model_kind model_kind(const char *name);

/* Builds the model of arch with its parameters initialised from seed;
 * -1 with err for an unknown architecture or a size it cannot take. */
int model_build(struct model *m, const struct arch *arch, unsigned long long seed, char *err);
void model_free(struct model *m);
/* The floats of arch's parameter arena, allocating none of them. */
int model_params(const struct arch *arch, size_t *n, char *err);

/* Forward pass of n images x [n][c][h][w] (NCHW, as decoded); in training
 * batch norm uses batch statistics and updates its running ones.  The
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

/* The floating-point operations of one image's forward pass and of its
 * training step (forward, the weights' gradient, and the input's
 * gradient but that of the input image): convolutions and linear layers,
 * multiply-adds counted as two. */
void model_flops(const struct model *m, double *forward, double *train);

/* The features of the last forward pass: the penultimate layer (global
 * average pooling) as [dim][n], channel-major. */
const float *model_features(const struct model *m, int *dim);

#endif

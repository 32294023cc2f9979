/* arch: the architectures of simbal's networks, each built as a model
 * (nn/model: a list of nn's layers over numbered activations), its
 * parameters initialised from a seed.
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
 * added before a last convolution; it pools, and gives two logits an
 * image: an unconditional one (a linear layer) and a conditional one, the
 * projection of the features on the embedding of the image's class
 * (Miyato and Koyama 2018).
 *
 * rgan-g and rgan-d are the same with residual blocks as their stages,
 * after Miyato et al. 2018: in the generator, batch norm, ReLU,
 * upsampling, two 3x3 convolutions with batch norm and ReLU between them,
 * beside a 1x1 convolution of the normalised, rectified, upsampled input
 * (the projection shortcut of He et al.'s pre-activation ResNet; Miyato
 * et al.'s takes the input as it came); in the discriminator, cgan-d's
 * two convolutions beside a 1x1 convolution of stride 2.
 *
 * unet, the diffusion model's noise predictor (issue 18): guided-diffusion's
 * UNetModel (Dhariwal and Nichol 2021) scaled down, its parameters named
 * as that model's state_dict names them (input_blocks.1.0.in_layers.0.weight,
 * ...), so that PyTorch's weights load by name.  model_channels 32 x the
 * width multiplier, channel_mult (1, 2, 2), 2 residual blocks a level
 * (GroupNorm of 32 groups, or the largest count dividing 32 and a width
 * that 32 does not divide; SiLU; AdaGN from the embedding: its
 * use_scale_shift_norm), downsampling by a 3x3 convolution of stride 2,
 * upsampling nearest then a 3x3 convolution, skips concatenated, attention
 * (4 heads) at the lowest resolution and in the middle block, dropout 0.
 * Its inputs: the image x_t, m->timesteps (the sinusoidal embedding of
 * model_channels, then two linear layers to 4 model_channels) and
 * m->labels (a class embedding of classes + 1 rows added to that: the
 * last, label classes, is "no class"); its output, the noise, has the
 * image's shape (outputs 0).  Sides from 8 to 64, divisible by 4.
 *
 * unet-enc, the noisy classifier of classifier guidance (diffcls):
 * guided-diffusion's EncoderUNetModel with pool "adaptive", as the unet
 * is scaled: its time embedding (no class embedding: m->labels is not
 * read), first convolution, down path and middle block, then group norm,
 * SiLU, the global average and a linear layer started at 0 (out.3, kept
 * as PyTorch's 1x1 convolution [classes][c][1][1]) to the logits of
 * p(y | x_t, t), outputs = classes.  Group norm throughout: an image's
 * logits do not depend on its batch.  The unet's sizes. */
#ifndef SIMBAL_ARCH_H
#define SIMBAL_ARCH_H

#include <stdbool.h>
#include <stddef.h>

#define MODEL_MAX_NAME 64
/* The largest width multiplier a model takes. */
#define MODEL_MAX_WIDTH_MULT 64

/* What a model is, enough to build it again (a checkpoint's header). */
struct arch {
	char name[MODEL_MAX_NAME]; /* resnet20, ..., resnet18, cgan-g, ..., rgan-d, unet, unet-enc */
	int channels, height, width, classes;
	float width_mult;
};

/* Whether x and y describe the same network. */
bool arch_equal(const struct arch *x, const struct arch *y);

/* The latent length of the generators. */
#define GAN_ZDIM 128

enum model_kind {
	MODEL_CLASSIFIER, MODEL_GENERATOR, MODEL_DISCRIMINATOR, MODEL_DIFFUSION,
	MODEL_NOISY_CLASSIFIER, /* unet-enc: classifier guidance's p(y | x_t, t) */
};

/* Whether name is an architecture model_build knows, and of which kind. */
bool model_known(const char *name);
enum model_kind model_kind(const char *name);

struct model;

/* Builds the model of arch with its parameters initialised from seed;
 * -1 with err for an unknown architecture or a size it cannot take. */
int model_build(struct model *m, const struct arch *arch, unsigned long long seed, char *err);
/* The floats of arch's parameter arena, allocating none of them. */
int model_params(const struct arch *arch, size_t *n, char *err);

#endif

/* build: how arch builds a model, internal to lib/nn (arch.c and its
 * families, arch_resnet.c, arch_gan.c, arch_unet.c; nothing outside
 * lib/nn includes it).  A builder appends parameters, activations and
 * operations to a model; the arenas are allocated once the sizes are
 * known (arch.c's model_build).
 *
 * Parameters are numbered, and later initialised, in the order they are
 * added: initialisation draws from one RNG stream in arena order, so a
 * builder that adds them in another order changes every model's bytes. */
#ifndef SIMBAL_NN_BUILD_H
#define SIMBAL_NN_BUILD_H

#include <stdbool.h>
#include <stddef.h>

#include "nn/arch.h"
#include "nn/model.h"

struct builder {
	struct model *m;
	size_t param_cap, op_cap, act_cap, saved;
	char prefix[MODEL_MAX_NAME];
};

/* A parameter of dims dimensions of shape, named prefix name; its
 * offset in the arena. */
size_t build_param(struct builder *b, const char *name, int dims, const int *shape, bool trained,
		   bool decayed);
/* How the parameter just added starts. */
void build_set_init(struct builder *b, enum param_init init, double value);
/* A linear layer's weight or bias, uniform within 1 / sqrt(fan_in). */
size_t build_linear_param(struct builder *b, const char *name, int dims, const int *shape,
			  bool decayed, int fan_in);
/* NAME.weight of a convolution, normal of fan out (He et al.). */
size_t build_conv_param(struct builder *b, const char *name, const int *shape, int fan_out);
/* A class embedding [classes][dim], N(0, 1). */
size_t build_embedding(struct builder *b, const char *name, int dim);

/* An activation of c x h x w; its number. */
int build_act(struct builder *b, int c, int h, int w);
/* An operation of kind reading activation in, zeroed otherwise. */
struct op *build_op(struct builder *b, enum op_kind kind, int in);

/* The layers: each returns its output's activation. */
int build_conv(struct builder *b, const char *name, int in, int cout, int k, int stride);
int build_batchnorm(struct builder *b, const char *name, int in);
int build_same_shape(struct builder *b, enum op_kind kind, int in);
int build_relu(struct builder *b, int in);
/* An operation of two inputs whose output has the first's shape (an
 * addition, AdaGN's scale and shift). */
int build_pair(struct builder *b, enum op_kind kind, int in, int in2);
int build_add(struct builder *b, int in, int in2);
int build_global_pool(struct builder *b, int in);
int build_upsample(struct builder *b, int in);
/* A global average pool and the head on it writing the logits. */
struct op *build_pooled_head(struct builder *b, int x, const char *prefix, int outs,
			     enum op_kind kind);

/* A width times the width multiplier, 1 at least. */
int build_scaled(int width, float mult);

/* The families, each building b->m->arch (its name known to the family)
 * into b: arch_resnet.c, arch_gan.c, arch_unet.c.  The last two check
 * the image's size first: -1 with err where the family cannot take it. */
bool resnet_known(const char *name);
void build_resnet(struct builder *b);
/* Whether name is one of the GAN's networks, and of which kind. */
bool gan_known(const char *name, enum model_kind *kind);
int build_gan(struct builder *b, char *err);
int build_unet(struct builder *b, char *err);
int build_unet_encoder(struct builder *b, char *err);

#endif

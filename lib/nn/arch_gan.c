/* The class-conditional GAN's networks (arch.h): cgan-g and cgan-d,
 * rgan-g and rgan-d. */
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "nn/build.h"

/* The class-conditional GAN.  A square side of s 2^k pixels, 4 <= s <= 7,
 * k >= 1: the generator starts from s x s and doubles k times; the
 * discriminator halves k times. */
static int gan_stages(int side, int *start)
{
	int k = 0;
	while (side % 2 == 0 && side / 2 >= 4) {
		side /= 2;
		k++;
	}
	*start = side;
	return side <= 7 ? k : 0;
}

/* Channels at stage j of k (j = 0: the start plane): 16 at the image's
 * size, doubling as the size halves, 256 at most. */
static int gan_width(int j, int k, float mult)
{
	int c = 16 << (k - j);
	return build_scaled(c < 256 ? c : 256, mult);
}

/* The latent vector plus lambda times its class's embedding, as a 1x1
 * image, to a start x start plane of c channels (a transposed
 * convolution). */
static int latent_plane(struct builder *b, int start, int c)
{
	int x = build_act(b, GAN_ZDIM, 1, 1);
	size_t embed = build_embedding(b, "latent.embed", GAN_ZDIM);
	int latent = build_act(b, GAN_ZDIM, 1, 1);
	struct op *o = build_op(b, OP_LATENT, x);
	o->embed = embed;
	o->out = latent;
	size_t w = build_conv_param(b, "start", (int[]){ GAN_ZDIM, c, start, start },
				    c * start * start);
	x = build_act(b, c, start, start);
	o = build_op(b, OP_CONVT, latent);
	o->cv = (struct conv){ .cin = GAN_ZDIM, .cout = c, .k = start, .stride = 1, .pad = 0 };
	o->w = w;
	o->out = x;
	return x;
}

/* cgan-g: each stage upsamples, convolves, normalises, rectifies. */
static void build_generator(struct builder *b, int k, int start)
{
	const struct arch *arch = &b->m->arch;
	float mult = arch->width_mult;
	int plane = latent_plane(b, start, gan_width(0, k, mult));
	int x = build_relu(b, build_batchnorm(b, "start_bn", plane));
	char n[MODEL_MAX_NAME];
	for (int j = 1; j <= k; j++) {
		snprintf(n, sizeof n, "stage%d.conv", j);
		x = build_conv(b, n, build_upsample(b, x), gan_width(j, k, mult), 3, 1);
		snprintf(n, sizeof n, "stage%d.bn", j);
		x = build_relu(b, build_batchnorm(b, n, x));
	}
	x = build_conv(b, "to_image", x, arch->channels, 3, 1);
	build_same_shape(b, OP_TANH, x);
}

/* rgan-g: each stage a pre-activation residual block (after Miyato et
 * al. 2018's generator): batch norm, ReLU, upsampling, then two 3x3
 * convolutions with a batch norm and ReLU between them, beside a 1x1
 * convolution of the same normalised, rectified, upsampled input (He et
 * al.'s pre-activation projection shortcut). */
static void build_residual_generator(struct builder *b, int k, int start)
{
	const struct arch *arch = &b->m->arch;
	float mult = arch->width_mult;
	int x = latent_plane(b, start, gan_width(0, k, mult));
	char n[MODEL_MAX_NAME];
#define NAME(part) (snprintf(n, sizeof n, "stage%d.%s", j, part), n)
	for (int j = 1; j <= k; j++) {
		int c = gan_width(j, k, mult);
		int up = build_upsample(b, build_relu(b, build_batchnorm(b, NAME("bn1"), x)));
		int h = build_conv(b, NAME("conv1"), up, c, 3, 1);
		h = build_relu(b, build_batchnorm(b, NAME("bn2"), h));
		h = build_conv(b, NAME("conv2"), h, c, 3, 1);
		x = build_add(b, h, build_conv(b, NAME("shortcut"), up, c, 1, 1));
	}
#undef NAME
	x = build_relu(b, build_batchnorm(b, "out_bn", x));
	x = build_conv(b, "to_image", x, arch->channels, 3, 1);
	build_same_shape(b, OP_TANH, x);
}

static int lrelu(struct builder *b, int in)
{
	return build_same_shape(b, OP_LRELU, in);
}

/* cgan-d's stages: a 3x3 convolution, then one of stride 2, each followed
 * by a leaky ReLU. */
static int plain_stages(struct builder *b, int x, int k)
{
	float mult = b->m->arch.width_mult;
	char n[MODEL_MAX_NAME];
	for (int j = k; j >= 1; j--) {
		snprintf(n, sizeof n, "stage%d.conv1", j);
		x = lrelu(b, build_conv(b, n, x, gan_width(j, k, mult), 3, 1));
		snprintf(n, sizeof n, "stage%d.conv2", j);
		x = lrelu(b, build_conv(b, n, x, gan_width(j - 1, k, mult), 3, 2));
	}
	return x;
}

/* rgan-d's stages: the same two convolutions as cgan-d's, beside a 1x1
 * convolution of stride 2, added before the last leaky ReLU. */
static int residual_stages(struct builder *b, int x, int k)
{
	float mult = b->m->arch.width_mult;
	char n[MODEL_MAX_NAME];
#define NAME(part) (snprintf(n, sizeof n, "stage%d.%s", j, part), n)
	for (int j = k; j >= 1; j--) {
		int c = gan_width(j - 1, k, mult);
		int h = lrelu(b, build_conv(b, NAME("conv1"), x, gan_width(j, k, mult), 3, 1));
		h = build_conv(b, NAME("conv2"), h, c, 3, 2);
		x = lrelu(b, build_add(b, h, build_conv(b, NAME("shortcut"), x, c, 1, 2)));
	}
#undef NAME
	return x;
}

static void build_discriminator(struct builder *b, int k, bool residual)
{
	const struct arch *arch = &b->m->arch;
	float mult = arch->width_mult;
	int x = build_act(b, arch->channels, arch->height, arch->width);
	x = lrelu(b, build_conv(b, "from_image", x, gan_width(k, k, mult), 3, 1));
	x = residual ? residual_stages(b, x, k) : plain_stages(b, x, k);
	const struct act *a = &b->m->acts[x];
	int spread = build_act(b, a->c + 1, a->h, a->w);
	build_op(b, OP_MBSTD, x)->out = spread;
	x = lrelu(b, build_conv(b, "last", spread, gan_width(0, k, mult), 3, 1));
	struct op *o = build_pooled_head(b, x, "head", 1, OP_PROJECT);
	o->embed = build_embedding(b, "embed.weight", o->lin_in);
	b->m->outputs = 2;
}

/* The GAN's networks: cgan (DCGAN-style) and rgan (residual). */
static const struct gan_net {
	const char *name;
	enum model_kind kind;
	bool residual;
} gan_nets[] = {
	{ "cgan-g", MODEL_GENERATOR, false },
	{ "cgan-d", MODEL_DISCRIMINATOR, false },
	{ "rgan-g", MODEL_GENERATOR, true },
	{ "rgan-d", MODEL_DISCRIMINATOR, true },
};

static const struct gan_net *gan_net(const char *name)
{
	for (size_t i = 0; i < sizeof gan_nets / sizeof gan_nets[0]; i++)
		if (strcmp(name, gan_nets[i].name) == 0)
			return &gan_nets[i];
	return NULL;
}

static bool gan_fits(const struct arch *arch, char *err)
{
	int start;
	if (arch->height != arch->width || arch->height > 256 || !gan_stages(arch->height, &start)) {
		snprintf(err, ERRLEN, "%s needs square images of s 2^k pixels a side, 4 <= s <= 7, k >= 1, up to 256 (28, 32, 48, 64, ...), not %dx%d",
			 arch->name, arch->width, arch->height);
		return false;
	}
	return true;
}

bool gan_known(const char *name, enum model_kind *kind)
{
	const struct gan_net *g = gan_net(name);
	if (g && kind)
		*kind = g->kind;
	return g != NULL;
}

int build_gan(struct builder *b, char *err)
{
	const struct arch *arch = &b->m->arch;
	const struct gan_net *g = gan_net(arch->name);
	int start, k = gan_stages(arch->height, &start);
	if (!gan_fits(arch, err))
		return -1;
	if (g->kind == MODEL_DISCRIMINATOR)
		build_discriminator(b, k, g->residual);
	else if (g->residual)
		build_residual_generator(b, k, start);
	else
		build_generator(b, k, start);
	return 0;
}

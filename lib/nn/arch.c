#include "nn/arch.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "base/rng.h"
#include "nn/model.h"

/* Building: parameters, activations and operations are appended; the
 * arenas are allocated once the sizes are known. */
struct builder {
	struct model *m;
	size_t param_cap, op_cap, act_cap, saved;
	char prefix[MODEL_MAX_NAME];
};

static size_t add_param(struct builder *b, const char *name, int dims, const int *shape,
			bool trained, bool decayed)
{
	struct model *m = b->m;
	grow_array(&m->params, &b->param_cap, (size_t)m->nparams + 1, sizeof *m->params);
	struct param *p = &m->params[m->nparams++];
	memset(p, 0, sizeof *p);
	snprintf(p->name, sizeof p->name, "%s%s", b->prefix, name);
	p->dims = dims;
	p->size = 1;
	for (int i = 0; i < dims; i++) {
		p->shape[i] = shape[i];
		p->size *= (size_t)shape[i];
	}
	p->offset = m->size;
	p->trained = trained;
	p->decayed = decayed;
	m->size += p->size;
	return p->offset;
}

/* How the parameter just added starts. */
static void set_init(struct builder *b, enum param_init init, double value)
{
	struct param *p = &b->m->params[b->m->nparams - 1];
	p->init = init;
	p->init_value = value;
}

/* A linear layer's weights and biases: uniform within 1 / sqrt(fan in),
 * as PyTorch's default. */
static size_t add_linear_param(struct builder *b, const char *name, int dims, const int *shape,
			       bool decayed, int fan_in)
{
	size_t at = add_param(b, name, dims, shape, true, decayed);
	set_init(b, INIT_UNIFORM, 1 / sqrt((double)fan_in));
	return at;
}

static int add_act(struct builder *b, int c, int h, int w)
{
	struct model *m = b->m;
	grow_array(&m->acts, &b->act_cap, (size_t)m->nacts + 1, sizeof *m->acts);
	m->acts[m->nacts] = (struct act){ .c = c, .h = h, .w = w };
	return m->nacts++;
}

static struct op *add_op(struct builder *b, enum op_kind kind, int in)
{
	struct model *m = b->m;
	grow_array(&m->ops, &b->op_cap, (size_t)m->nops + 1, sizeof *m->ops);
	struct op *o = &m->ops[m->nops++];
	memset(o, 0, sizeof *o);
	o->kind = kind;
	o->in = in;
	return o;
}

/* Convolution weights start as He et al. initialise them: normal, fan
 * out, for ReLU. */
static size_t add_conv_param(struct builder *b, const char *name, const int *shape, int fan_out)
{
	char full[MODEL_MAX_NAME];
	snprintf(full, sizeof full, "%.50s.weight", name);
	size_t w = add_param(b, full, 4, shape, true, true);
	set_init(b, INIT_NORMAL, sqrt(2.0 / fan_out));
	return w;
}

static int conv(struct builder *b, const char *name, int in, int cout, int k, int stride)
{
	const struct act *a = &b->m->acts[in];
	struct conv cv = { .cin = a->c, .cout = cout, .k = k, .stride = stride, .pad = k / 2 };
	size_t w = add_conv_param(b, name, (int[]){ cout, a->c, k, k }, cout * k * k);
	int out = add_act(b, cout, conv_size(a->h, &cv), conv_size(a->w, &cv));
	struct op *o = add_op(b, OP_CONV, in);
	o->cv = cv;
	o->w = w;
	o->out = out;
	return out;
}

static int batchnorm(struct builder *b, const char *name, int in)
{
	int c = b->m->acts[in].c;
	char full[MODEL_MAX_NAME];
	size_t off[4];
	static const char *const part[4] = { "weight", "bias", "running_mean", "running_var" };
	for (int i = 0; i < 4; i++) {
		snprintf(full, sizeof full, "%.48s.%s", name, part[i]);
		off[i] = add_param(b, full, 1, &c, i < 2, false);
		/* weight and running variance 1, bias and running mean 0 */
		set_init(b, INIT_CONST, i == 0 || i == 3);
	}
	const struct act *a = &b->m->acts[in];
	int out = add_act(b, a->c, a->h, a->w);
	struct op *o = add_op(b, OP_BN, in);
	o->bn = (struct batchnorm){ .c = c, .eps = 1e-5f, .momentum = 0.1f };
	o->w = off[0];
	o->b = off[1];
	o->run_mean = off[2];
	o->run_var = off[3];
	o->saved = b->saved;
	b->saved += 2 * (size_t)c;
	o->out = out;
	return out;
}

/* An operation of one input whose output has its input's shape. */
static int same_shape(struct builder *b, enum op_kind kind, int in)
{
	const struct act *a = &b->m->acts[in];
	int out = add_act(b, a->c, a->h, a->w);
	add_op(b, kind, in)->out = out;
	return out;
}

static int relu(struct builder *b, int in)
{
	return same_shape(b, OP_RELU, in);
}

static int add(struct builder *b, int in, int in2)
{
	const struct act *a = &b->m->acts[in];
	int out = add_act(b, a->c, a->h, a->w);
	struct op *o = add_op(b, OP_ADD, in);
	o->in2 = in2;
	o->out = out;
	return out;
}

/* Global average pooling: c x 1 x 1, the features. */
static int global_pool(struct builder *b, int in)
{
	int out = add_act(b, b->m->acts[in].c, 1, 1);
	add_op(b, OP_GAP, in)->out = out;
	return out;
}

static int upsample(struct builder *b, int in)
{
	const struct act *a = &b->m->acts[in];
	int out = add_act(b, a->c, 2 * a->h, 2 * a->w);
	add_op(b, OP_UPSAMPLE, in)->out = out;
	return out;
}

/* A class embedding [classes][dim], N(0, 1) as PyTorch's. */
static size_t add_embedding(struct builder *b, const char *name, int dim)
{
	size_t at = add_param(b, name, 2, (int[]){ b->m->arch.classes, dim }, true, false);
	set_init(b, INIT_NORMAL, 1);
	return at;
}

/* A basic block: two 3x3 convolutions, the shortcut added before the last
 * ReLU; a 1x1 convolution and batch norm where the shape changes. */
static int basic_block(struct builder *b, const char *name, int in, int cout, int stride)
{
	char n[MODEL_MAX_NAME];
	int cin = b->m->acts[in].c;
#define NAME(part) (snprintf(n, sizeof n, "%.40s.%.20s", name, part), n)
	/* One NAME a statement: arguments are evaluated in no set order, and
	 * every NAME writes n. */
	int x = conv(b, NAME("conv1"), in, cout, 3, stride);
	x = relu(b, batchnorm(b, NAME("bn1"), x));
	x = conv(b, NAME("conv2"), x, cout, 3, 1);
	x = batchnorm(b, NAME("bn2"), x);
	int shortcut = in;
	if (stride != 1 || cin != cout) {
		shortcut = conv(b, NAME("shortcut.0"), in, cout, 1, stride);
		shortcut = batchnorm(b, NAME("shortcut.1"), shortcut);
	}
#undef NAME
	return relu(b, add(b, x, shortcut));
}

struct resnet_shape {
	const char *name;
	int stem, stages, blocks, width[4];
};

static const struct resnet_shape resnets[] = {
	{ "resnet20", 16, 3, 3, { 16, 32, 64 } },
	{ "resnet32", 16, 3, 5, { 16, 32, 64 } },
	{ "resnet56", 16, 3, 9, { 16, 32, 64 } },
	{ "resnet18", 64, 4, 2, { 64, 128, 256, 512 } },
};

static int scaled(int width, float mult)
{
	int w = (int)lroundf((float)width * mult);
	return w < 1 ? 1 : w;
}

/* The head on x's global average: PREFIX.weight [outs][c] and
 * PREFIX.bias [outs], and the op (a linear layer, or the discriminator's
 * projection) that writes the logits from them. */
static struct op *pooled_head(struct builder *b, int x, const char *prefix, int outs,
			      enum op_kind kind)
{
	int c = b->m->acts[x].c, pooled = global_pool(b, x);
	char name[MODEL_MAX_NAME];
	snprintf(name, sizeof name, "%s.weight", prefix);
	size_t w = add_linear_param(b, name, 2, (int[]){ outs, c }, true, c);
	snprintf(name, sizeof name, "%s.bias", prefix);
	size_t bias = add_linear_param(b, name, 1, &outs, false, c);
	struct op *o = add_op(b, kind, pooled);
	o->w = w;
	o->b = bias;
	o->lin_in = c;
	o->lin_out = outs;
	o->out = -1; /* the logits */
	return o;
}

static void build_resnet(struct builder *b, const struct resnet_shape *r)
{
	const struct arch *arch = &b->m->arch;
	float mult = arch->width_mult;
	int x = add_act(b, arch->channels, arch->height, arch->width);
	x = relu(b, batchnorm(b, "bn1", conv(b, "conv1", x, scaled(r->stem, mult), 3, 1)));
	char name[MODEL_MAX_NAME];
	for (int s = 0; s < r->stages; s++)
		for (int i = 0; i < r->blocks; i++) {
			snprintf(name, sizeof name, "layer%d.%d", s + 1, i);
			x = basic_block(b, name, x, scaled(r->width[s], mult), i == 0 && s > 0 ? 2 : 1);
		}
	pooled_head(b, x, "fc", arch->classes, OP_LINEAR);
	b->m->outputs = arch->classes;
}

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
	return scaled(c < 256 ? c : 256, mult);
}

/* The latent vector plus lambda times its class's embedding, as a 1x1
 * image, to a start x start plane of c channels (a transposed
 * convolution). */
static int latent_plane(struct builder *b, int start, int c)
{
	int x = add_act(b, GAN_ZDIM, 1, 1);
	size_t embed = add_embedding(b, "latent.embed", GAN_ZDIM);
	int latent = add_act(b, GAN_ZDIM, 1, 1);
	struct op *o = add_op(b, OP_LATENT, x);
	o->embed = embed;
	o->out = latent;
	size_t w = add_conv_param(b, "start", (int[]){ GAN_ZDIM, c, start, start }, c * start * start);
	x = add_act(b, c, start, start);
	o = add_op(b, OP_CONVT, latent);
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
	int x = relu(b, batchnorm(b, "start_bn", latent_plane(b, start, gan_width(0, k, mult))));
	char n[MODEL_MAX_NAME];
	for (int j = 1; j <= k; j++) {
		snprintf(n, sizeof n, "stage%d.conv", j);
		x = conv(b, n, upsample(b, x), gan_width(j, k, mult), 3, 1);
		snprintf(n, sizeof n, "stage%d.bn", j);
		x = relu(b, batchnorm(b, n, x));
	}
	x = conv(b, "to_image", x, arch->channels, 3, 1);
	same_shape(b, OP_TANH, x);
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
		int up = upsample(b, relu(b, batchnorm(b, NAME("bn1"), x)));
		int h = conv(b, NAME("conv1"), up, c, 3, 1);
		h = relu(b, batchnorm(b, NAME("bn2"), h));
		h = conv(b, NAME("conv2"), h, c, 3, 1);
		x = add(b, h, conv(b, NAME("shortcut"), up, c, 1, 1));
	}
#undef NAME
	x = relu(b, batchnorm(b, "out_bn", x));
	x = conv(b, "to_image", x, arch->channels, 3, 1);
	same_shape(b, OP_TANH, x);
}

static int lrelu(struct builder *b, int in)
{
	return same_shape(b, OP_LRELU, in);
}

/* cgan-d's stages: a 3x3 convolution, then one of stride 2, each followed
 * by a leaky ReLU. */
static int plain_stages(struct builder *b, int x, int k)
{
	float mult = b->m->arch.width_mult;
	char n[MODEL_MAX_NAME];
	for (int j = k; j >= 1; j--) {
		snprintf(n, sizeof n, "stage%d.conv1", j);
		x = lrelu(b, conv(b, n, x, gan_width(j, k, mult), 3, 1));
		snprintf(n, sizeof n, "stage%d.conv2", j);
		x = lrelu(b, conv(b, n, x, gan_width(j - 1, k, mult), 3, 2));
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
		int h = lrelu(b, conv(b, NAME("conv1"), x, gan_width(j, k, mult), 3, 1));
		h = conv(b, NAME("conv2"), h, c, 3, 2);
		x = lrelu(b, add(b, h, conv(b, NAME("shortcut"), x, c, 1, 2)));
	}
#undef NAME
	return x;
}

static void build_discriminator(struct builder *b, int k, bool residual)
{
	const struct arch *arch = &b->m->arch;
	float mult = arch->width_mult;
	int x = add_act(b, arch->channels, arch->height, arch->width);
	x = lrelu(b, conv(b, "from_image", x, gan_width(k, k, mult), 3, 1));
	x = residual ? residual_stages(b, x, k) : plain_stages(b, x, k);
	const struct act *a = &b->m->acts[x];
	int spread = add_act(b, a->c + 1, a->h, a->w);
	add_op(b, OP_MBSTD, x)->out = spread;
	x = lrelu(b, conv(b, "last", spread, gan_width(0, k, mult), 3, 1));
	struct op *o = pooled_head(b, x, "head", 1, OP_PROJECT);
	o->embed = add_embedding(b, "embed.weight", o->lin_in);
	b->m->outputs = 2;
}

/* The diffusion UNet (issue 18): guided-diffusion's UNetModel, its
 * parameters named as its state_dict names them. */

/* The resolutions: the input's, then halved twice. */
#define UNET_LEVELS 3
static const int unet_mult[UNET_LEVELS] = { 1, 2, 2 };
#define UNET_RES_BLOCKS 2
/* The skips: the first convolution's, each residual block's, each
 * downsampling's. */
#define UNET_SKIPS (1 + UNET_LEVELS * UNET_RES_BLOCKS + UNET_LEVELS - 1)
/* Sides from 8 to 64 divisible by 4: the attention at a quarter of the
 * side keeps its weights [n][heads][hw][hw] whole. */
#define UNET_MAX_SIDE 64

struct unet {
	struct builder *b;
	int mc;   /* model_channels */
	int emb;  /* SiLU of the time and class embedding, [4 mc][n], read by every block */
	int skips[UNET_SKIPS], nskips;
};

static int gcd(int a, int b)
{
	return b ? gcd(b, a % b) : a;
}

/* guided-diffusion's GroupNorm32(32, c); a width that 32 does not divide
 * (a width multiplier below 1) takes the largest count that divides both. */
static int unet_groups(int c)
{
	return gcd(c, 32);
}

/* A convolution (dims 4) or linear layer (dims 2, h = w = 1: a 1x1
 * convolution, weight [out][in] as PyTorch's Linear) with a bias, started
 * as PyTorch starts them (uniform within 1 / sqrt(fan in)), or at 0:
 * guided-diffusion's zero_module. */
static int conv_bias(struct builder *b, const char *name, int in, int cout, int k, int stride,
		     int dims, bool zero)
{
	const struct act *a = &b->m->acts[in];
	struct conv cv = { .cin = a->c, .cout = cout, .k = k, .stride = stride, .pad = k / 2 };
	double bound = zero ? 0 : 1 / sqrt((double)(a->c * k * k));
	char full[MODEL_MAX_NAME];
	snprintf(full, sizeof full, "%.50s.weight", name);
	size_t w = add_param(b, full, dims, (int[]){ cout, a->c, k, k }, true, true);
	set_init(b, zero ? INIT_CONST : INIT_UNIFORM, bound);
	snprintf(full, sizeof full, "%.50s.bias", name);
	size_t bias = add_param(b, full, 1, &cout, true, false);
	set_init(b, zero ? INIT_CONST : INIT_UNIFORM, bound);
	int out = add_act(b, cout, conv_size(a->h, &cv), conv_size(a->w, &cv));
	struct op *o = add_op(b, OP_CONV, in);
	o->cv = cv;
	o->w = w;
	o->b = bias;
	o->bias = true;
	o->out = out;
	return out;
}

static int add_scratch(struct builder *b, int c, int h, int w)
{
	int i = add_act(b, c, h, w);
	b->m->acts[i].scratch = true;
	return i;
}

/* NAME.weight and NAME.bias: 1 and 0, as PyTorch's. */
static int group_norm(struct builder *b, const char *name, int in)
{
	const struct act a = b->m->acts[in]; /* a copy: add_scratch moves the activations */
	int c = a.c, groups = unet_groups(c);
	char full[MODEL_MAX_NAME];
	snprintf(full, sizeof full, "%.50s.weight", name);
	size_t gamma = add_param(b, full, 1, &c, true, false);
	set_init(b, INIT_CONST, 1);
	snprintf(full, sizeof full, "%.50s.bias", name);
	size_t beta = add_param(b, full, 1, &c, true, false);
	set_init(b, INIT_CONST, 0);
	int stats = add_scratch(b, 2 * groups, 1, 1), out = add_act(b, c, a.h, a.w);
	struct op *o = add_op(b, OP_GROUPNORM, in);
	o->gn = (struct groupnorm){ .c = c, .groups = groups, .eps = 1e-5f };
	o->w = gamma;
	o->b = beta;
	o->scratch = stats;
	o->out = out;
	return out;
}

static int silu(struct builder *b, int in)
{
	return same_shape(b, OP_SILU, in);
}

/* in's channels, then in2's */
static int concat(struct builder *b, int in, int in2)
{
	const struct act *a = &b->m->acts[in];
	int out = add_act(b, a->c + b->m->acts[in2].c, a->h, a->w);
	struct op *o = add_op(b, OP_CONCAT, in);
	o->in2 = in2;
	o->out = out;
	return out;
}

/* A 1-D convolution's parameters, NAME.weight [cout][cin][1] and
 * NAME.bias, PyTorch's start or zero; the weight's offset, the bias's in
 * *bias. */
static size_t conv1d_param(struct builder *b, const char *name, int cin, int cout, bool zero,
			   size_t *bias)
{
	double bound = zero ? 0 : 1 / sqrt((double)cin);
	char full[MODEL_MAX_NAME];
	snprintf(full, sizeof full, "%.50s.weight", name);
	size_t w = add_param(b, full, 3, (int[]){ cout, cin, 1 }, true, true);
	set_init(b, zero ? INIT_CONST : INIT_UNIFORM, bound);
	snprintf(full, sizeof full, "%.50s.bias", name);
	*bias = add_param(b, full, 1, &cout, true, false);
	set_init(b, zero ? INIT_CONST : INIT_UNIFORM, bound);
	return w;
}

/* guided-diffusion's AttentionBlock: x + proj_out(attention(qkv(norm(x)))),
 * 4 heads (fewer where 4 does not divide the width), proj_out zero. */
static int attention_block(struct builder *b, const char *name, int x)
{
	char n[MODEL_MAX_NAME];
#define NAME(part) (snprintf(n, sizeof n, "%.40s.%.20s", name, part), n)
	int h = group_norm(b, NAME("norm"), x);
	const struct act a = b->m->acts[x]; /* a copy, as group_norm's */
	int heads = gcd(a.c, 4), hw = a.h * a.w;
	struct op o = { .kind = OP_ATTENTION, .in = h, .at = { .c = a.c, .heads = heads } };
	o.w = conv1d_param(b, NAME("qkv"), a.c, 3 * a.c, false, &o.b);
	o.w2 = conv1d_param(b, NAME("proj_out"), a.c, a.c, true, &o.b2);
#undef NAME
	o.scratch = add_scratch(b, 3 * a.c, a.h, a.w); /* qkv */
	add_scratch(b, heads * hw, a.h, a.w);          /* the softmax weights [n][heads][hw][hw] */
	add_scratch(b, a.c, a.h, a.w);                 /* the heads' output */
	o.out = add_act(b, a.c, a.h, a.w);
	*add_op(b, OP_ATTENTION, h) = o;
	return add(b, x, o.out);
}

/* AdaGN: h (1 + scale) + shift, scale and shift the halves of e. */
static int scale_shift(struct builder *b, int h, int e)
{
	const struct act *a = &b->m->acts[h];
	int out = add_act(b, a->c, a->h, a->w);
	struct op *o = add_op(b, OP_SCALE_SHIFT, h);
	o->in2 = e;
	o->out = out;
	return out;
}

/* guided-diffusion's ResBlock with use_scale_shift_norm, dropout 0: GN,
 * SiLU, 3x3 convolution; AdaGN from the embedding, SiLU, a 3x3
 * convolution started at 0; beside x, or a 1x1 convolution of x where the
 * width changes. */
static int res_block(struct unet *u, const char *name, int x, int cout)
{
	struct builder *b = u->b;
	char n[MODEL_MAX_NAME];
#define NAME(part) (snprintf(n, sizeof n, "%.40s.%.20s", name, part), n)
	int h = silu(b, group_norm(b, NAME("in_layers.0"), x));
	h = conv_bias(b, NAME("in_layers.2"), h, cout, 3, 1, 4, false);
	int e = conv_bias(b, NAME("emb_layers.1"), u->emb, 2 * cout, 1, 1, 2, false);
	h = scale_shift(b, group_norm(b, NAME("out_layers.0"), h), e);
	h = conv_bias(b, NAME("out_layers.3"), silu(b, h), cout, 3, 1, 4, true);
	int skip = x;
	if (b->m->acts[x].c != cout)
		skip = conv_bias(b, NAME("skip_connection"), x, cout, 1, 1, 4, false);
#undef NAME
	return add(b, skip, h);
}

/* SiLU(time_embed(timestep_embedding(t, mc)) + label_emb(y)), the
 * embedding each block's emb_layers take (its SiLU computed once). */
static int time_class_embedding(struct builder *b, int mc)
{
	int ted = 4 * mc;
	int t = add_act(b, mc, 1, 1);
	add_op(b, OP_TIMESTEP, 0)->out = t;
	int e = silu(b, conv_bias(b, "time_embed.0", t, ted, 1, 1, 2, false));
	e = conv_bias(b, "time_embed.2", e, ted, 1, 1, 2, false);
	size_t table = add_param(b, "label_emb.weight", 2, (int[]){ b->m->arch.classes + 1, ted },
				 true, false);
	set_init(b, INIT_NORMAL, 1);
	int labelled = add_act(b, ted, 1, 1);
	struct op *o = add_op(b, OP_LABEL_EMBED, e);
	o->embed = table;
	o->out = labelled;
	return silu(b, labelled);
}

static int skip_push(struct unet *u, int x)
{
	u->skips[u->nskips++] = x;
	return x;
}

/* input_blocks: the first convolution, then a level's residual blocks
 * (with attention at the last level), and a 3x3 convolution of stride 2
 * after each level but the last; every block's output kept as a skip. */
static int unet_encoder(struct unet *u, int x)
{
	char n[MODEL_MAX_NAME];
	int block = 0;
	snprintf(n, sizeof n, "input_blocks.%d.0", block++);
	x = skip_push(u, conv_bias(u->b, n, x, u->mc, 3, 1, 4, false));
	for (int level = 0; level < UNET_LEVELS; level++) {
		int c = u->mc * unet_mult[level];
		for (int r = 0; r < UNET_RES_BLOCKS; r++, block++) {
			snprintf(n, sizeof n, "input_blocks.%d.0", block);
			x = res_block(u, n, x, c);
			snprintf(n, sizeof n, "input_blocks.%d.1", block);
			if (level == UNET_LEVELS - 1)
				x = attention_block(u->b, n, x);
			skip_push(u, x);
		}
		if (level == UNET_LEVELS - 1)
			break;
		snprintf(n, sizeof n, "input_blocks.%d.0.op", block++);
		x = skip_push(u, conv_bias(u->b, n, x, c, 3, 2, 4, false));
	}
	return x;
}

static int unet_middle(struct unet *u, int x)
{
	int c = u->b->m->acts[x].c;
	x = res_block(u, "middle_block.0", x, c);
	x = attention_block(u->b, "middle_block.1", x);
	return res_block(u, "middle_block.2", x, c);
}

/* output_blocks: a level's residual blocks and one more, each on the
 * input concatenated with the last skip not taken (attention at the last
 * level), nearest upsampling and a 3x3 convolution after each level but
 * the first. */
static int unet_decoder(struct unet *u, int x)
{
	char n[MODEL_MAX_NAME];
	int block = 0;
	for (int level = UNET_LEVELS - 1; level >= 0; level--) {
		int c = u->mc * unet_mult[level];
		for (int r = 0; r <= UNET_RES_BLOCKS; r++, block++) {
			int part = 0;
			snprintf(n, sizeof n, "output_blocks.%d.%d", block, part++);
			x = res_block(u, n, concat(u->b, x, u->skips[--u->nskips]), c);
			snprintf(n, sizeof n, "output_blocks.%d.%d", block, part);
			if (level == UNET_LEVELS - 1) {
				x = attention_block(u->b, n, x);
				part++;
			}
			if (level == 0 || r < UNET_RES_BLOCKS)
				continue;
			snprintf(n, sizeof n, "output_blocks.%d.%d.conv", block, part);
			x = conv_bias(u->b, n, upsample(u->b, x), c, 3, 1, 4, false);
		}
	}
	return x;
}

/* unet: model_channels 32 width_mult, channel_mult (1, 2, 2), 2 residual
 * blocks a level, attention at the lowest resolution and in the middle,
 * time embedding 4 model_channels plus a class embedding of classes + 1
 * rows (the last: no class); out = GN, SiLU, a 3x3 convolution started at
 * 0 to the image's channels: the predicted noise. */
static void build_unet(struct builder *b)
{
	const struct arch *arch = &b->m->arch;
	struct unet u = { .b = b, .mc = scaled(32, arch->width_mult) };
	int x = add_act(b, arch->channels, arch->height, arch->width);
	u.emb = time_class_embedding(b, u.mc);
	x = unet_decoder(&u, unet_middle(&u, unet_encoder(&u, x)));
	x = silu(b, group_norm(b, "out.0", x));
	conv_bias(b, "out.2", x, arch->channels, 3, 1, 4, true);
}

static bool unet_fits(const struct arch *arch, char *err)
{
	if (arch->height % 4 || arch->width % 4 || arch->height > UNET_MAX_SIDE ||
	    arch->width > UNET_MAX_SIDE) {
		snprintf(err, ERRLEN, "unet needs sides from 8 to %d that halve twice whole (28 -> 14 -> 7, 32, 64), not %dx%d",
			 UNET_MAX_SIDE, arch->width, arch->height);
		return false;
	}
	return true;
}

/* Every parameter as its builder said, drawn in arena order. */
static void init_params(struct model *m, unsigned long long seed)
{
	struct rng r;
	rng_seed(&r, seed, 0);
	for (int i = 0; i < m->nparams; i++) {
		const struct param *p = &m->params[i];
		float *v = m->p + p->offset;
		double a = p->init_value;
		for (size_t j = 0; j < p->size; j++)
			switch (p->init) {
			case INIT_CONST:
				v[j] = (float)a;
				break;
			case INIT_NORMAL:
				v[j] = (float)(a * rng_normal(&r));
				break;
			case INIT_UNIFORM:
				v[j] = (float)(a * (2 * ((double)rng_u32(&r) / 4294967296.0) - 1));
				break;
			}
	}
}

static const struct resnet_shape *resnet(const char *name)
{
	for (size_t i = 0; i < sizeof resnets / sizeof resnets[0]; i++)
		if (strcmp(name, resnets[i].name) == 0)
			return &resnets[i];
	return NULL;
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

static bool is_unet(const char *name)
{
	return strcmp(name, "unet") == 0;
}

bool model_known(const char *name)
{
	return resnet(name) || gan_net(name) || is_unet(name);
}

enum model_kind model_kind(const char *name)
{
	const struct gan_net *g = gan_net(name);
	return g ? g->kind : is_unet(name) ? MODEL_DIFFUSION : MODEL_CLASSIFIER;
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

/* The graph of arch, its sizes known, nothing allocated for the numbers;
 * returns the floats the batch norms keep, or -1 with err. */
static long plan(struct model *m, const struct arch *arch, char *err)
{
	memset(m, 0, sizeof *m);
	m->arch = *arch;
	const struct resnet_shape *r = resnet(arch->name);
	if (!model_known(arch->name)) {
		snprintf(err, ERRLEN, "unknown architecture '%.64s' (resnet20, resnet32, resnet56, resnet18, cgan-g, cgan-d, rgan-g, rgan-d, unet)",
			 arch->name);
		return -1;
	}
	if (arch->height < 8 || arch->width < 8 || (arch->channels != 1 && arch->channels != 3) ||
	    arch->classes < 2 || !(arch->width_mult > 0 && arch->width_mult <= MODEL_MAX_WIDTH_MULT)) {
		snprintf(err, ERRLEN, "%s needs images of 8x8 or more, 1 or 3 channels, two classes or more, a width multiplier in (0, 64]",
			 arch->name);
		return -1;
	}
	struct builder b = { .m = m };
	int start, k = gan_stages(arch->height, &start);
	switch (model_kind(arch->name)) {
	case MODEL_CLASSIFIER:
		build_resnet(&b, r);
		break;
	case MODEL_GENERATOR:
		if (!gan_fits(arch, err))
			return -1;
		if (gan_net(arch->name)->residual)
			build_residual_generator(&b, k, start);
		else
			build_generator(&b, k, start);
		break;
	case MODEL_DISCRIMINATOR:
		if (!gan_fits(arch, err))
			return -1;
		build_discriminator(&b, k, gan_net(arch->name)->residual);
		break;
	case MODEL_DIFFUSION:
		if (!unet_fits(arch, err))
			return -1;
		build_unet(&b);
		break;
	}
	return (long)b.saved;
}

int model_params(const struct arch *arch, size_t *n, char *err)
{
	struct model m;
	if (plan(&m, arch, err) < 0)
		return -1;
	*n = m.size;
	model_free(&m);
	return 0;
}

int model_build(struct model *m, const struct arch *arch, unsigned long long seed, char *err)
{
	long saved = plan(m, arch, err);
	if (saved < 0)
		return -1;
	m->p = xcalloc(m->size, sizeof *m->p);
	m->g = xcalloc(m->size, sizeof *m->g);
	m->saved = xcalloc((size_t)saved, sizeof *m->saved);
	m->a = xcalloc((size_t)m->nacts, sizeof *m->a);
	m->d = xcalloc((size_t)m->nacts, sizeof *m->d);
	init_params(m, seed);
	return 0;
}

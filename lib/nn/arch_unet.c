/* The diffusion UNet (issue 18; arch.h): guided-diffusion's UNetModel,
 * and its encoder half with a pooled head, EncoderUNetModel (the noisy
 * classifier of classifier guidance); their parameters named as its
 * state_dict names them; with the layers only they use (group norm,
 * SiLU, concatenation, attention, AdaGN, convolutions with a bias, and
 * the classifier's average pool and linear head). */
#include <math.h>
#include <stdio.h>

#include "base/err.h"
#include "nn/build.h"

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
	size_t w = build_param(b, full, dims, (int[]){ cout, a->c, k, k }, true, true);
	build_set_init(b, zero ? INIT_CONST : INIT_UNIFORM, bound);
	snprintf(full, sizeof full, "%.50s.bias", name);
	size_t bias = build_param(b, full, 1, &cout, true, false);
	build_set_init(b, zero ? INIT_CONST : INIT_UNIFORM, bound);
	int out = build_act(b, cout, conv_size(a->h, &cv), conv_size(a->w, &cv));
	struct op *o = build_op(b, OP_CONV, in);
	o->cv = cv;
	o->w = w;
	o->b = bias;
	o->bias = true;
	o->out = out;
	return out;
}

static int add_scratch(struct builder *b, int c, int h, int w)
{
	int i = build_act(b, c, h, w);
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
	size_t gamma = build_param(b, full, 1, &c, true, false);
	build_set_init(b, INIT_CONST, 1);
	snprintf(full, sizeof full, "%.50s.bias", name);
	size_t beta = build_param(b, full, 1, &c, true, false);
	build_set_init(b, INIT_CONST, 0);
	int stats = add_scratch(b, 2 * groups, 1, 1), out = build_act(b, c, a.h, a.w);
	struct op *o = build_op(b, OP_GROUPNORM, in);
	o->gn = (struct groupnorm){ .c = c, .groups = groups, .eps = 1e-5f };
	o->w = gamma;
	o->b = beta;
	o->scratch = stats;
	o->out = out;
	return out;
}

static int silu(struct builder *b, int in)
{
	return build_same_shape(b, OP_SILU, in);
}

/* in's channels, then in2's */
static int concat(struct builder *b, int in, int in2)
{
	const struct act *a = &b->m->acts[in];
	int out = build_act(b, a->c + b->m->acts[in2].c, a->h, a->w);
	struct op *o = build_op(b, OP_CONCAT, in);
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
	size_t w = build_param(b, full, 3, (int[]){ cout, cin, 1 }, true, true);
	build_set_init(b, zero ? INIT_CONST : INIT_UNIFORM, bound);
	snprintf(full, sizeof full, "%.50s.bias", name);
	*bias = build_param(b, full, 1, &cout, true, false);
	build_set_init(b, zero ? INIT_CONST : INIT_UNIFORM, bound);
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
	o.out = build_act(b, a.c, a.h, a.w);
	*build_op(b, OP_ATTENTION, h) = o;
	return build_add(b, x, o.out);
}

/* AdaGN: h (1 + scale) + shift, scale and shift the halves of e. */
static int scale_shift(struct builder *b, int h, int e)
{
	return build_pair(b, OP_SCALE_SHIFT, h, e);
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
	return build_add(b, skip, h);
}

/* time_embed(timestep_embedding(t, mc)): two linear layers to 4 mc. */
static int time_embedding(struct builder *b, int mc)
{
	int ted = 4 * mc;
	int t = build_act(b, mc, 1, 1);
	build_op(b, OP_TIMESTEP, 0)->out = t;
	int e = silu(b, conv_bias(b, "time_embed.0", t, ted, 1, 1, 2, false));
	return conv_bias(b, "time_embed.2", e, ted, 1, 1, 2, false);
}

/* SiLU(time_embedding + label_emb(y)), the embedding each block's
 * emb_layers take (its SiLU computed once). */
static int time_class_embedding(struct builder *b, int mc)
{
	int e = time_embedding(b, mc), ted = b->m->acts[e].c;
	size_t table = build_param(b, "label_emb.weight", 2,
				   (int[]){ b->m->arch.classes + 1, ted }, true, false);
	build_set_init(b, INIT_NORMAL, 1);
	int labelled = build_act(b, ted, 1, 1);
	struct op *o = build_op(b, OP_LABEL_EMBED, e);
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
			x = conv_bias(u->b, n, build_upsample(u->b, x), c, 3, 1, 4, false);
		}
	}
	return x;
}

/* unet: model_channels 32 width_mult, channel_mult (1, 2, 2), 2 residual
 * blocks a level, attention at the lowest resolution and in the middle,
 * time embedding 4 model_channels plus a class embedding of classes + 1
 * rows (the last: no class); out = GN, SiLU, a 3x3 convolution started at
 * 0 to the image's channels: the predicted noise. */
static void unet_graph(struct builder *b)
{
	const struct arch *arch = &b->m->arch;
	struct unet u = { .b = b, .mc = build_scaled(32, arch->width_mult) };
	int x = build_act(b, arch->channels, arch->height, arch->width);
	u.emb = time_class_embedding(b, u.mc);
	x = unet_decoder(&u, unet_middle(&u, unet_encoder(&u, x)));
	x = silu(b, group_norm(b, "out.0", x));
	conv_bias(b, "out.2", x, arch->channels, 3, 1, 4, true);
}

/* The noisy classifier's head, guided-diffusion's pool "adaptive": GN,
 * SiLU, the global average, a 1x1 convolution started at 0 (out.3,
 * weight [classes][c][1][1]; a linear layer on the average) to the
 * logits. */
static void pooled_logits(struct builder *b, int x)
{
	int c = b->m->acts[x].c, classes = b->m->arch.classes;
	int pooled = build_global_pool(b, silu(b, group_norm(b, "out.0", x)));
	size_t w = build_param(b, "out.3.weight", 4, (int[]){ classes, c, 1, 1 }, true, true);
	build_set_init(b, INIT_CONST, 0);
	size_t bias = build_param(b, "out.3.bias", 1, &classes, true, false);
	build_set_init(b, INIT_CONST, 0);
	struct op *o = build_op(b, OP_LINEAR, pooled);
	o->w = w;
	o->b = bias;
	o->lin_in = c;
	o->lin_out = classes;
	o->out = -1; /* the logits */
	b->m->outputs = classes;
}

/* unet-enc, the noisy classifier of classifier guidance: guided-diffusion's
 * EncoderUNetModel, the unet's time embedding (no class embedding),
 * first convolution, down path and middle block, then pooled_logits. */
static void unet_encoder_graph(struct builder *b)
{
	const struct arch *arch = &b->m->arch;
	struct unet u = { .b = b, .mc = build_scaled(32, arch->width_mult) };
	int x = build_act(b, arch->channels, arch->height, arch->width);
	u.emb = silu(b, time_embedding(b, u.mc));
	pooled_logits(b, unet_middle(&u, unet_encoder(&u, x)));
}

static bool unet_fits(const struct arch *arch, char *err)
{
	if (arch->height % 4 || arch->width % 4 || arch->height > UNET_MAX_SIDE ||
	    arch->width > UNET_MAX_SIDE) {
		snprintf(err, ERRLEN, "%s needs sides from 8 to %d that halve twice whole (28 -> 14 -> 7, 32, 64), not %dx%d",
			 arch->name, UNET_MAX_SIDE, arch->width, arch->height);
		return false;
	}
	return true;
}

int build_unet(struct builder *b, char *err)
{
	if (!unet_fits(&b->m->arch, err))
		return -1;
	unet_graph(b);
	return 0;
}

int build_unet_encoder(struct builder *b, char *err)
{
	if (!unet_fits(&b->m->arch, err))
		return -1;
	unet_encoder_graph(b);
	return 0;
}

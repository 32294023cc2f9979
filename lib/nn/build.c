#include "nn/build.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/mem.h"

size_t build_param(struct builder *b, const char *name, int dims, const int *shape, bool trained,
		   bool decayed)
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
void build_set_init(struct builder *b, enum param_init init, double value)
{
	struct param *p = &b->m->params[b->m->nparams - 1];
	p->init = init;
	p->init_value = value;
}

/* A linear layer's weights and biases: uniform within 1 / sqrt(fan in),
 * as PyTorch's default. */
size_t build_linear_param(struct builder *b, const char *name, int dims, const int *shape,
			  bool decayed, int fan_in)
{
	size_t at = build_param(b, name, dims, shape, true, decayed);
	build_set_init(b, INIT_UNIFORM, 1 / sqrt((double)fan_in));
	return at;
}

int build_act(struct builder *b, int c, int h, int w)
{
	struct model *m = b->m;
	grow_array(&m->acts, &b->act_cap, (size_t)m->nacts + 1, sizeof *m->acts);
	m->acts[m->nacts] = (struct act){ .c = c, .h = h, .w = w };
	return m->nacts++;
}

struct op *build_op(struct builder *b, enum op_kind kind, int in)
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
size_t build_conv_param(struct builder *b, const char *name, const int *shape, int fan_out)
{
	char full[MODEL_MAX_NAME];
	snprintf(full, sizeof full, "%.50s.weight", name);
	size_t w = build_param(b, full, 4, shape, true, true);
	build_set_init(b, INIT_NORMAL, sqrt(2.0 / fan_out));
	return w;
}

int build_conv(struct builder *b, const char *name, int in, int cout, int k, int stride)
{
	const struct act *a = &b->m->acts[in];
	struct conv cv = { .cin = a->c, .cout = cout, .k = k, .stride = stride, .pad = k / 2 };
	size_t w = build_conv_param(b, name, (int[]){ cout, a->c, k, k }, cout * k * k);
	int out = build_act(b, cout, conv_size(a->h, &cv), conv_size(a->w, &cv));
	struct op *o = build_op(b, OP_CONV, in);
	o->cv = cv;
	o->w = w;
	o->out = out;
	return out;
}

int build_batchnorm(struct builder *b, const char *name, int in)
{
	int c = b->m->acts[in].c;
	char full[MODEL_MAX_NAME];
	size_t off[4];
	static const char *const part[4] = { "weight", "bias", "running_mean", "running_var" };
	for (int i = 0; i < 4; i++) {
		snprintf(full, sizeof full, "%.48s.%s", name, part[i]);
		off[i] = build_param(b, full, 1, &c, i < 2, false);
		/* weight and running variance 1, bias and running mean 0 */
		build_set_init(b, INIT_CONST, i == 0 || i == 3);
	}
	const struct act *a = &b->m->acts[in];
	int out = build_act(b, a->c, a->h, a->w);
	struct op *o = build_op(b, OP_BN, in);
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
int build_same_shape(struct builder *b, enum op_kind kind, int in)
{
	const struct act *a = &b->m->acts[in];
	int out = build_act(b, a->c, a->h, a->w);
	build_op(b, kind, in)->out = out;
	return out;
}

int build_relu(struct builder *b, int in)
{
	return build_same_shape(b, OP_RELU, in);
}

int build_pair(struct builder *b, enum op_kind kind, int in, int in2)
{
	int out = build_same_shape(b, kind, in);
	b->m->ops[b->m->nops - 1].in2 = in2;
	return out;
}

int build_add(struct builder *b, int in, int in2)
{
	return build_pair(b, OP_ADD, in, in2);
}

/* Global average pooling: c x 1 x 1, the features. */
int build_global_pool(struct builder *b, int in)
{
	int out = build_act(b, b->m->acts[in].c, 1, 1);
	build_op(b, OP_GAP, in)->out = out;
	return out;
}

int build_upsample(struct builder *b, int in)
{
	const struct act *a = &b->m->acts[in];
	int out = build_act(b, a->c, 2 * a->h, 2 * a->w);
	build_op(b, OP_UPSAMPLE, in)->out = out;
	return out;
}

/* A class embedding [classes][dim], N(0, 1) as PyTorch's. */
size_t build_embedding(struct builder *b, const char *name, int dim)
{
	size_t at = build_param(b, name, 2, (int[]){ b->m->arch.classes, dim }, true, false);
	build_set_init(b, INIT_NORMAL, 1);
	return at;
}

int build_scaled(int width, float mult)
{
	int w = (int)lroundf((float)width * mult);
	return w < 1 ? 1 : w;
}

/* The head on x's global average: PREFIX.weight [outs][c] and
 * PREFIX.bias [outs], and the op (a linear layer, or the discriminator's
 * projection) that writes the logits from them. */
struct op *build_pooled_head(struct builder *b, int x, const char *prefix, int outs,
			     enum op_kind kind)
{
	int c = b->m->acts[x].c, pooled = build_global_pool(b, x);
	char name[MODEL_MAX_NAME];
	snprintf(name, sizeof name, "%s.weight", prefix);
	size_t w = build_linear_param(b, name, 2, (int[]){ outs, c }, true, c);
	snprintf(name, sizeof name, "%s.bias", prefix);
	size_t bias = build_linear_param(b, name, 1, &outs, false, c);
	struct op *o = build_op(b, kind, pooled);
	o->w = w;
	o->b = bias;
	o->lin_in = c;
	o->lin_out = outs;
	o->out = -1; /* the logits */
	return o;
}

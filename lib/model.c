#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mem.h"
#include "rng.h"

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

static int add_act(struct builder *b, int c, int h, int w)
{
	struct model *m = b->m;
	grow_array(&m->acts, &b->act_cap, (size_t)m->nacts + 1, sizeof *m->acts);
	m->acts[m->nacts] = (struct act){ c, h, w };
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

static int conv(struct builder *b, const char *name, int in, int cout, int k, int stride)
{
	const struct act *a = &b->m->acts[in];
	struct conv cv = { .cin = a->c, .cout = cout, .k = k, .stride = stride, .pad = k / 2 };
	char full[MODEL_MAX_NAME];
	snprintf(full, sizeof full, "%.50s.weight", name);
	size_t w = add_param(b, full, 4, (int[]){ cout, a->c, k, k }, true, true);
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

static int relu(struct builder *b, int in)
{
	const struct act *a = &b->m->acts[in];
	int out = add_act(b, a->c, a->h, a->w);
	add_op(b, OP_RELU, in)->out = out;
	return out;
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
	int c = b->m->acts[x].c;
	int pooled = add_act(b, c, 1, 1);
	add_op(b, OP_GAP, x)->out = pooled;
	int classes = arch->classes;
	size_t w = add_param(b, "fc.weight", 2, (int[]){ classes, c }, true, true);
	size_t bias = add_param(b, "fc.bias", 1, &classes, true, false);
	struct op *o = add_op(b, OP_LINEAR, pooled);
	o->w = w;
	o->b = bias;
	o->lin_in = c;
	o->lin_out = classes;
	o->out = -1; /* the logits */
}

/* A standard normal sample (Box-Muller) from the model's generator. */
static double normal(struct rng *r)
{
	double u = ((double)rng_u32(r) + 1) / 4294967297.0, v = (double)rng_u32(r) / 4294967296.0;
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* He et al.'s initialisation for the convolutions (normal, fan out, for
 * ReLU), PyTorch's defaults for the rest: batch norm 1 and 0, the linear
 * layer uniform within 1/sqrt(fan in). */
static void init_params(struct model *m, unsigned long long seed)
{
	struct rng r;
	rng_seed(&r, seed, 0);
	for (int i = 0; i < m->nparams; i++) {
		struct param *p = &m->params[i];
		float *v = m->p + p->offset;
		const char *last = strrchr(p->name, '.');
		if (p->dims == 4) {
			double sd = sqrt(2.0 / ((double)p->shape[0] * p->shape[2] * p->shape[3]));
			for (size_t j = 0; j < p->size; j++)
				v[j] = (float)(sd * normal(&r));
		} else if (strncmp(p->name, "fc.", 3) == 0) {
			int fan_in = m->params[i - (p->dims == 1)].shape[1];
			double bound = 1 / sqrt((double)fan_in);
			for (size_t j = 0; j < p->size; j++)
				v[j] = (float)(bound * (2 * ((double)rng_u32(&r) / 4294967296.0) - 1));
		} else {
			float value = strcmp(last, ".weight") == 0 || strcmp(last, ".running_var") == 0;
			for (size_t j = 0; j < p->size; j++)
				v[j] = value;
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

bool model_known(const char *name)
{
	return resnet(name) != NULL;
}

/* The graph of arch, its sizes known, nothing allocated for the numbers;
 * returns the floats the batch norms keep, or -1 with err. */
static long plan(struct model *m, const struct arch *arch, char *err)
{
	memset(m, 0, sizeof *m);
	m->arch = *arch;
	const struct resnet_shape *r = resnet(arch->name);
	if (!r) {
		snprintf(err, ERRLEN, "unknown architecture '%.64s' (resnet20, resnet32, resnet56, resnet18)",
			 arch->name);
		return -1;
	}
	if (arch->height < 8 || arch->width < 8 || (arch->channels != 1 && arch->channels != 3) ||
	    arch->classes < 2 || !(arch->width_mult > 0)) {
		snprintf(err, ERRLEN, "%s needs images of 8x8 or more, 1 or 3 channels, two classes or more, a positive width multiplier",
			 arch->name);
		return -1;
	}
	struct builder b = { .m = m };
	build_resnet(&b, r);
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

static size_t act_len(const struct model *m, int i, int n)
{
	const struct act *a = &m->acts[i];
	return (size_t)a->c * (size_t)n * (size_t)a->h * (size_t)a->w;
}

static void size_for_batch(struct model *m, int n)
{
	if (n <= m->batch)
		return;
	for (int i = 0; i < m->nacts; i++) {
		free(m->a[i]);
		free(m->d[i]);
		m->a[i] = xmalloc(act_len(m, i, n) * sizeof **m->a);
		m->d[i] = xmalloc(act_len(m, i, n) * sizeof **m->d);
	}
	size_t k = (size_t)n * (size_t)m->arch.classes;
	free(m->logits);
	free(m->prob);
	free(m->dlogits);
	m->logits = xmalloc(k * sizeof *m->logits);
	m->prob = xmalloc(k * sizeof *m->prob);
	m->dlogits = xmalloc(k * sizeof *m->dlogits);
	m->batch = n;
}

void model_free(struct model *m)
{
	for (int i = 0; m->a && i < m->nacts; i++) {
		free(m->a[i]);
		free(m->d[i]);
	}
	free(m->a);
	free(m->d);
	free(m->acts);
	free(m->ops);
	free(m->params);
	free(m->p);
	free(m->g);
	free(m->saved);
	free(m->logits);
	free(m->prob);
	free(m->dlogits);
	memset(m, 0, sizeof *m);
}

/* x [n][c][h w] -> out [c][n][h w] */
static void nchw_to_cnhw(const float *x, int n, int c, size_t hw, float *out)
{
	for (int i = 0; i < n; i++)
		for (int ch = 0; ch < c; ch++)
			memcpy(out + ((size_t)ch * n + i) * hw, x + ((size_t)i * c + ch) * hw,
			       hw * sizeof *x);
}

static void forward_op(struct model *m, const struct op *o, int n, bool train)
{
	const struct act *a = &m->acts[o->in];
	float *in = m->a[o->in], *out = o->out >= 0 ? m->a[o->out] : m->logits;
	size_t m_len = (size_t)n * (size_t)a->h * (size_t)a->w;
	switch (o->kind) {
	case OP_CONV:
		conv_forward(&o->cv, in, n, a->h, a->w, m->p + o->w, out);
		break;
	case OP_BN:
		if (train)
			bn_forward_train(&o->bn, in, m_len, m->p + o->w, m->p + o->b, m->p + o->run_mean,
					 m->p + o->run_var, m->saved + o->saved,
					 m->saved + o->saved + o->bn.c, out);
		else
			bn_forward_eval(&o->bn, in, m_len, m->p + o->w, m->p + o->b, m->p + o->run_mean,
					m->p + o->run_var, out);
		break;
	case OP_RELU:
		relu_forward(in, act_len(m, o->in, n), out);
		break;
	case OP_ADD:
		add_forward(in, m->a[o->in2], act_len(m, o->in, n), out);
		break;
	case OP_GAP:
		avgpool_global_forward(in, a->c, n, a->h * a->w, out);
		break;
	case OP_LINEAR:
		linear_forward(in, n, o->lin_in, o->lin_out, m->p + o->w, m->p + o->b, out);
		break;
	}
}

/* How many operations read activation act. */
static int readers(const struct model *m, int act)
{
	int k = 0;
	for (int i = 0; i < m->nops; i++)
		k += (m->ops[i].in == act) + (m->ops[i].kind == OP_ADD && m->ops[i].in2 == act);
	return k;
}

/* The one operation after op i, when it reads activation act and nothing
 * else reads act; or NULL. */
static const struct op *sole_reader(const struct model *m, int i, int act, enum op_kind kind)
{
	const struct op *next = &m->ops[i + 1];
	if (i + 1 >= m->nops || next->kind != kind || readers(m, act) != 1)
		return NULL;
	return next->in == act || (kind == OP_ADD && next->in2 == act) ? next : NULL;
}

/* In evaluation, a convolution, the batch norm of its output, then the
 * residual addition and the ReLU that follow it, when nothing else reads
 * what is between them, in one pass: the operations done, or 0 where the
 * pass cannot take the convolution. */
static int forward_fused(struct model *m, int i, int n)
{
	const struct op *o = &m->ops[i];
	const struct op *bn = o->kind == OP_CONV ? sole_reader(m, i, o->out, OP_BN) : NULL;
	if (!bn)
		return 0;
	const struct op *add = sole_reader(m, i + 1, bn->out, OP_ADD);
	const struct op *last = add ? add : bn;
	const struct op *relu = sole_reader(m, (int)(last - m->ops), last->out, OP_RELU);
	const float *residual = !add ? NULL : m->a[add->in == bn->out ? add->in2 : add->in];
	if (add && !relu) /* the addition alone is not worth a case */
		return 0;
	const struct act *a = &m->acts[o->in];
	if (!conv_bn_forward_eval(&o->cv, m->a[o->in], n, a->h, a->w, m->p + o->w, &bn->bn,
				  m->p + bn->w, m->p + bn->b, m->p + bn->run_mean,
				  m->p + bn->run_var, residual, relu != NULL,
				  m->a[relu ? relu->out : bn->out]))
		return 0;
	return 2 + (add != NULL) + (relu != NULL);
}

void model_forward(struct model *m, const float *x, int n, bool train)
{
	size_for_batch(m, n);
	m->last_n = n;
	const struct act *in = &m->acts[0];
	nchw_to_cnhw(x, n, in->c, (size_t)in->h * (size_t)in->w, m->a[0]);
	for (int i = 0; i < m->nops;) {
		int done = train ? 0 : forward_fused(m, i, n);
		if (!done) {
			forward_op(m, &m->ops[i], n, train);
			done = 1;
		}
		i += done;
	}
}

static void backward_op(struct model *m, const struct op *o, int n)
{
	const struct act *a = &m->acts[o->in];
	float *in = m->a[o->in], *din = m->d[o->in];
	const float *dout = o->out >= 0 ? m->d[o->out] : m->dlogits;
	size_t m_len = (size_t)n * (size_t)a->h * (size_t)a->w, len = act_len(m, o->in, n);
	switch (o->kind) {
	case OP_CONV:
		/* The input image needs no gradient. */
		conv_backward(&o->cv, in, n, a->h, a->w, m->p + o->w, dout, o->in ? din : NULL,
			      m->g + o->w);
		break;
	case OP_BN:
		bn_backward(&o->bn, in, m_len, m->p + o->w, m->saved + o->saved,
			    m->saved + o->saved + o->bn.c, dout, din, m->g + o->w, m->g + o->b);
		break;
	case OP_RELU:
		relu_backward(m->a[o->out], dout, len, din);
		break;
	case OP_ADD:
		add_backward(dout, len, din, m->d[o->in2]);
		break;
	case OP_GAP:
		avgpool_global_backward(dout, a->c, n, a->h * a->w, din);
		break;
	case OP_LINEAR:
		linear_backward(in, n, o->lin_in, o->lin_out, m->p + o->w, dout, din, m->g + o->w,
				m->g + o->b);
		break;
	}
}

void model_backward(struct model *m, int n)
{
	memset(m->g, 0, m->size * sizeof *m->g);
	for (int i = 0; i < m->nacts; i++)
		zero_fill(m->d[i], act_len(m, i, n));
	for (int i = m->nops - 1; i >= 0; i--)
		backward_op(m, &m->ops[i], n);
}

const float *model_features(const struct model *m, int *dim)
{
	for (int i = 0; i < m->nops; i++)
		if (m->ops[i].kind == OP_GAP) {
			*dim = m->acts[m->ops[i].out].c;
			return m->a[m->ops[i].out];
		}
	return NULL;
}

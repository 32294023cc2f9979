#include "nn/model.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "nn/act.h"
#include "nn/timestep.h"

static size_t act_len(const struct model *m, int i, int n)
{
	const struct act *a = &m->acts[i];
	return (size_t)a->c * (size_t)n * (size_t)a->h * (size_t)a->w;
}

/* Buffers shared by activations (their values or their gradients):
 * each activation has an interval of the steps of a pass where its buffer
 * is in use, and those whose intervals do not meet are on one buffer
 * (greedy interval colouring), sized for the largest of them. */
struct pool {
	int *slot;       /* each activation's buffer; -1: none */
	int *from;       /* the first step of each activation's interval; -1: none */
	size_t *len;     /* each buffer's floats an image */
	int *busy_until; /* the last step of each buffer's last interval */
	float **buf;
	int nbuf, batch; /* batch: what buf is sized for */
	bool shared;     /* false: a buffer for each activation */
};

static void free_pool(struct pool *p)
{
	if (!p)
		return;
	for (int b = 0; b < p->nbuf; b++)
		free(p->buf[b]);
	free(p->slot);
	free(p->from);
	free(p->len);
	free(p->busy_until);
	free(p->buf);
	free(p);
}

/* Whether a buffer of cand floats is a better home than one of best for
 * len: one that fits, the smallest that does, else the largest (to be
 * grown least). */
static bool better_fit(size_t cand, size_t best, size_t len)
{
	if ((cand >= len) != (best >= len))
		return cand >= len;
	return cand >= len ? cand < best : cand > best;
}

/* The buffer of p best for len that is free from step from on, or -1. */
static int free_buffer(const struct pool *p, int from, size_t len)
{
	int best = -1;
	for (int b = 0; b < p->nbuf; b++)
		if (p->busy_until[b] < from && (best < 0 || better_fit(p->len[b], p->len[best], len)))
			best = b;
	return best;
}

/* Activation act, in use over the steps [from, to], to a buffer of p. */
static void assign(const struct model *m, struct pool *p, int act, int from, int to)
{
	size_t len = act_len(m, act, 1);
	int b = p->shared ? free_buffer(p, from, len) : -1;
	if (b < 0) {
		b = p->nbuf++;
		p->len[b] = 0;
	}
	if (p->len[b] < len)
		p->len[b] = len;
	p->busy_until[b] = to;
	p->slot[act] = b;
}

/* The buffers of the activations in use over the steps [from[i], to[i]]
 * of a pass of steps (none where from[i] < 0), the intervals taken in the
 * order of their start. */
static struct pool *plan_pool(const struct model *m, const int *from, const int *to, int steps,
			      bool shared)
{
	struct pool *p = xcalloc(1, sizeof *p);
	p->slot = xmalloc((size_t)m->nacts * sizeof *p->slot);
	p->len = xcalloc((size_t)m->nacts, sizeof *p->len);
	p->busy_until = xcalloc((size_t)m->nacts, sizeof *p->busy_until);
	p->buf = xcalloc((size_t)m->nacts, sizeof *p->buf);
	p->from = xmalloc((size_t)m->nacts * sizeof *p->from);
	memcpy(p->from, from, (size_t)m->nacts * sizeof *p->from);
	p->shared = shared;
	for (int i = 0; i < m->nacts; i++)
		p->slot[i] = -1;
	for (int t = 0; t < steps; t++)
		for (int i = 0; i < m->nacts; i++)
			if (from[i] == t)
				assign(m, p, i, from[i], to[i]);
	return p;
}

/* p's buffers for n images, at ptr [m->nacts]. */
static void pool_for_batch(const struct model *m, struct pool *p, int n, float **ptr)
{
	if (n > p->batch) {
		for (int b = 0; b < p->nbuf; b++) {
			free(p->buf[b]);
			p->buf[b] = xmalloc(p->len[b] * (size_t)n * sizeof **p->buf);
		}
		p->batch = n;
	}
	for (int i = 0; i < m->nacts; i++)
		ptr[i] = p->slot[i] < 0 ? NULL : p->buf[p->slot[i]];
}

void model_free(struct model *m)
{
	free_pool(m->act_pool);
	free_pool(m->grads);
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

/* x [c][n][h w] -> out [n][c][h w] */
static void cnhw_to_nchw(const float *x, int n, int c, size_t hw, float *out)
{
	for (int i = 0; i < n; i++)
		for (int ch = 0; ch < c; ch++)
			memcpy(out + ((size_t)i * c + ch) * hw, x + ((size_t)ch * n + i) * hw,
			       hw * sizeof *x);
}

/* The slope of the discriminator's leaky ReLUs. */
#define LRELU_SLOPE 0.2f

/* The parameters of an attention operation, in the arena p (m->p, or
 * the gradients' m->g). */
static struct attention_params attention_at(const struct op *o, float *p)
{
	return (struct attention_params){ p + o->w, p + o->b, p + o->w2, p + o->b2 };
}

static struct attention_saved attention_saved(const struct model *m, const struct op *o)
{
	return (struct attention_saved){ m->a[o->scratch], m->a[o->scratch + 1],
					 m->a[o->scratch + 2] };
}

/* The operations of the diffusion UNet (issue 18); its group norms are
 * forward_gn_chain's. */
static void forward_unet_op(struct model *m, const struct op *o, int n, float *out)
{
	const struct act *a = &m->acts[o->in];
	const float *in = m->a[o->in];
	size_t hw = (size_t)a->h * (size_t)a->w, nhw = (size_t)n * hw;
	switch (o->kind) {
	case OP_SILU:
		silu_forward(in, act_len(m, o->in, n), out);
		break;
	case OP_CONCAT:
		concat_forward(in, a->c, m->a[o->in2], m->acts[o->in2].c, nhw, out);
		break;
	case OP_ATTENTION: {
		struct attention_params p = attention_at(o, m->p);
		struct attention_saved s = attention_saved(m, o);
		attention_forward(&o->at, in, n, (int)hw, &p, &s, out);
		break;
	}
	case OP_TIMESTEP:
		timestep_embedding(m->timesteps, n, m->acts[o->out].c, 10000, out);
		break;
	case OP_LABEL_EMBED:
		embed_add_forward(in, m->p + o->embed, a->c, m->labels, n, 1, out);
		break;
	case OP_SCALE_SHIFT: {
		const float *scale = m->a[o->in2], *shift = scale + (size_t)a->c * n;
		scale_shift_forward(in, a->c, n, hw, scale, shift, out);
		break;
	}
	default:
		break;
	}
}

static void forward_op(struct model *m, const struct op *o, int n, bool train)
{
	const struct act *a = &m->acts[o->in];
	float *in = m->a[o->in], *out = o->out >= 0 ? m->a[o->out] : m->logits;
	size_t m_len = (size_t)n * (size_t)a->h * (size_t)a->w;
	switch (o->kind) {
	case OP_CONV:
		if (o->bias)
			conv_bias_forward(&o->cv, in, n, a->h, a->w, m->p + o->w, m->p + o->b, out);
		else
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
	case OP_LATENT:
		embed_add_forward(in, m->p + o->embed, a->c, m->labels, n, m->lambda, out);
		break;
	case OP_CONVT:
		convt_forward(&o->cv, in, n, a->h, a->w, m->p + o->w, out);
		break;
	case OP_UPSAMPLE:
		upsample_forward(in, a->c * n, a->h, a->w, 2, out);
		break;
	case OP_LRELU:
		leaky_relu_forward(in, act_len(m, o->in, n), LRELU_SLOPE, out);
		break;
	case OP_TANH:
		tanh_forward(in, act_len(m, o->in, n), out);
		break;
	case OP_PROJECT:
		projection_forward(in, o->lin_in, n, m->p + o->w, m->p + o->b, m->p + o->embed,
				   m->labels, out);
		break;
	case OP_MBSTD:
		mbstd_forward(in, a->c, n, (size_t)a->h * (size_t)a->w, GAN_GROUP, out);
		break;
	default:
		forward_unet_op(m, o, n, out);
		break;
	}
}

static bool has_in2(enum op_kind kind)
{
	return kind == OP_ADD || kind == OP_CONCAT || kind == OP_SCALE_SHIFT;
}

/* How many operations read activation act. */
static int readers(const struct model *m, int act)
{
	int k = 0;
	for (int i = 0; i < m->nops; i++)
		k += (m->ops[i].in == act) + (has_in2(m->ops[i].kind) && m->ops[i].in2 == act);
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
 * what is between them, may be one pass: its operations (bn, add and relu
 * NULL where not in it), or 0 where op i starts none. */
static int fusable(const struct model *m, int i, const struct op **bn, const struct op **add,
		   const struct op **relu)
{
	const struct op *o = &m->ops[i];
	*bn = o->kind == OP_CONV ? sole_reader(m, i, o->out, OP_BN) : NULL;
	if (!*bn)
		return 0;
	*add = sole_reader(m, i + 1, (*bn)->out, OP_ADD);
	const struct op *last = *add ? *add : *bn;
	*relu = sole_reader(m, (int)(last - m->ops), last->out, OP_RELU);
	if (*add && !*relu) /* the addition alone is not worth a case */
		return 0;
	return 2 + (*add != NULL) + (*relu != NULL);
}

/* The pass of fusable's operations: how many, or 0 where the pass cannot
 * take the convolution. */
static int forward_fused(struct model *m, int i, int n)
{
	const struct op *o = &m->ops[i], *bn, *add, *relu;
	int ops = fusable(m, i, &bn, &add, &relu);
	if (!ops)
		return 0;
	const float *residual = !add ? NULL : m->a[add->in == bn->out ? add->in2 : add->in];
	const struct act *a = &m->acts[o->in];
	if (!conv_bn_forward_eval(&o->cv, m->a[o->in], n, a->h, a->w, m->p + o->w, &bn->bn,
				  m->p + bn->w, m->p + bn->b, m->p + bn->run_mean,
				  m->p + bn->run_var, residual, relu != NULL,
				  m->a[relu ? relu->out : bn->out]))
		return 0;
	return ops;
}

/* Op i + 1 when it is of kind and reads activation act as its input. */
static const struct op *next_reading(const struct model *m, int i, int act, enum op_kind kind)
{
	const struct op *next = &m->ops[i + 1];
	return i + 1 < m->nops && next->kind == kind && next->in == act ? next : NULL;
}

/* The group norm chain's operations from op i (ss and silu NULL where not
 * in it), or 0 where op i is no group norm. */
static int gn_chain(const struct model *m, int i, const struct op **ss, const struct op **silu)
{
	const struct op *o = &m->ops[i];
	if (o->kind != OP_GROUPNORM)
		return 0;
	*ss = next_reading(m, i, o->out, OP_SCALE_SHIFT);
	int last = *ss ? i + 1 : i;
	*silu = next_reading(m, last, m->ops[last].out, OP_SILU);
	return 1 + (*ss != NULL) + (*silu != NULL);
}

/* A group norm, and the AdaGN and SiLU right after it that read its
 * output, in one pass (the UNet's ResBlocks): the operations done, or 0
 * where op i is no group norm.  In evaluation, an activation inside the
 * chain that nothing else reads is not written. */
static int forward_gn_chain(struct model *m, int i, int n, bool train)
{
	const struct op *o = &m->ops[i], *ss, *silu;
	int ops = gn_chain(m, i, &ss, &silu);
	if (!ops)
		return 0;
	const struct act *a = &m->acts[o->in];
	struct gn_chain ch = { .norm = m->a[o->out] };
	if (ss) {
		ch.scale = m->a[ss->in2];
		ch.shift = ch.scale + (size_t)a->c * n;
		ch.adagn = m->a[ss->out];
	}
	if (silu) {
		ch.silu = true;
		ch.act = m->a[silu->out];
	}
	if (!train && (ss || silu) && readers(m, o->out) == 1)
		ch.norm = NULL;
	if (!train && ss && silu && readers(m, ss->out) == 1)
		ch.adagn = NULL;
	float *mean = m->a[o->scratch], *invstd = mean + (size_t)o->gn.groups * n;
	groupnorm_chain_forward(&o->gn, m->a[o->in], n, (size_t)a->h * (size_t)a->w, m->p + o->w,
				m->p + o->b, &ch, mean, invstd);
	return ops;
}

/* The operations from op i that one pass of the evaluation may do. */
static int pass_ops(const struct model *m, int i)
{
	const struct op *x, *y, *z;
	int ops = gn_chain(m, i, &x, &y);
	if (!ops)
		ops = fusable(m, i, &x, &y, &z);
	return ops ? ops : 1;
}

/* Activation act in use over the steps [first, last] too. */
static void widen(int *from, int *to, int act, int first, int last)
{
	if (act < 0)
		return;
	from[act] = from[act] < first ? from[act] : first;
	to[act] = to[act] > last ? to[act] : last;
}

/* Op o's part in the activations' intervals: in use over the steps
 * [first, last] of its pass are its inputs, its output and its scratch
 * activations (a group norm's one, attention's three). */
static void op_interval(const struct op *o, int first, int last, int *from, int *to)
{
	widen(from, to, o->in, first, last);
	if (has_in2(o->kind))
		widen(from, to, o->in2, first, last);
	widen(from, to, o->out, first, last);
	int scratch = o->kind == OP_GROUPNORM ? 1 : o->kind == OP_ATTENTION ? 3 : 0;
	for (int k = 0; k < scratch; k++)
		widen(from, to, o->scratch + k, first, last);
}

/* The activations' buffers.  Shared (for evaluation), each activation is
 * in use from the start of the pass that writes it to the end of the last
 * that reads it, a pass being all the operations that one may fuse
 * (whether it does or not); the input from the start, the output and
 * model_features' to the end.  The steps: the input's 0, op i's i + 1. */
static struct pool *plan_activations(const struct model *m, bool shared)
{
	int steps = m->nops + 2;
	int *from = xmalloc((size_t)m->nacts * sizeof *from), *to = xmalloc((size_t)m->nacts * sizeof *to);
	for (int i = 0; i < m->nacts; i++)
		from[i] = steps, to[i] = -1;
	widen(from, to, 0, 0, 0);
	for (int i = 0; i < m->nops;) {
		int ops = pass_ops(m, i);
		for (int k = i; k < i + ops; k++)
			op_interval(&m->ops[k], i + 1, i + ops, from, to);
		i += ops;
	}
	widen(from, to, m->nacts - 1, steps - 1, steps - 1);
	for (int i = 0; i < m->nops; i++)
		if (m->ops[i].kind == OP_GAP)
			widen(from, to, m->ops[i].out, steps - 1, steps - 1);
	for (int i = 0; i < m->nacts; i++)
		if (from[i] == steps) /* in no operation: kept apart */
			from[i] = 0, to[i] = steps - 1;
	struct pool *p = plan_pool(m, from, to, steps, shared);
	free(from);
	free(to);
	return p;
}

/* The activations' buffers for a pass of n images (planned again, a buffer
 * each, at the first pass in training), and the logits'. */
static void size_for_batch(struct model *m, int n, bool train)
{
	if (!m->act_pool || (train && m->act_pool->shared)) {
		free_pool(m->act_pool);
		m->act_pool = plan_activations(m, !train);
	}
	pool_for_batch(m, m->act_pool, n, m->a);
	if (n <= m->batch)
		return;
	size_t k = (size_t)n * (size_t)(m->outputs ? m->outputs : 1);
	free(m->logits);
	free(m->prob);
	free(m->dlogits);
	m->logits = xmalloc(k * sizeof *m->logits);
	m->prob = xmalloc(k * sizeof *m->prob);
	m->dlogits = xmalloc(k * sizeof *m->dlogits);
	m->batch = n;
}

void model_forward(struct model *m, const float *x, int n, bool train)
{
	size_for_batch(m, n, train);
	m->last_n = n;
	const struct act *in = &m->acts[0];
	nchw_to_cnhw(x, n, in->c, (size_t)in->h * (size_t)in->w, m->a[0]);
	for (int i = 0; i < m->nops;) {
		int done = forward_gn_chain(m, i, n, train);
		if (!done && !train)
			done = forward_fused(m, i, n);
		if (!done) {
			forward_op(m, &m->ops[i], n, train);
			done = 1;
		}
		i += done;
	}
}

static void backward_unet_op(struct model *m, const struct op *o, int n, float *din,
			     const float *dout)
{
	const struct act *a = &m->acts[o->in];
	const float *in = m->a[o->in];
	size_t hw = (size_t)a->h * (size_t)a->w, nhw = (size_t)n * hw;
	switch (o->kind) {
	case OP_GROUPNORM: {
		const float *mean = m->a[o->scratch], *invstd = mean + (size_t)o->gn.groups * n;
		groupnorm_backward(&o->gn, in, n, hw, m->p + o->w, mean, invstd, dout, din,
				   m->g + o->w, m->g + o->b);
		break;
	}
	case OP_SILU:
		silu_backward(in, dout, act_len(m, o->in, n), din);
		break;
	case OP_CONCAT:
		concat_backward(dout, a->c, m->acts[o->in2].c, nhw, din, m->d[o->in2]);
		break;
	case OP_ATTENTION: {
		struct attention_params p = attention_at(o, m->p), g = attention_at(o, m->g);
		struct attention_saved s = attention_saved(m, o);
		attention_backward(&o->at, in, n, (int)hw, &p, &s, dout, din, &g);
		break;
	}
	case OP_TIMESTEP: /* the timesteps are not trained */
		break;
	case OP_LABEL_EMBED:
		embed_add_backward(dout, a->c, m->labels, n, 1, din, m->g + o->embed);
		break;
	case OP_SCALE_SHIFT: {
		const float *scale = m->a[o->in2];
		float *dscale = m->d[o->in2], *dshift = dscale + (size_t)a->c * n;
		scale_shift_backward(in, a->c, n, hw, scale, dout, din, dscale, dshift);
		break;
	}
	default:
		break;
	}
}

static void backward_op(struct model *m, const struct op *o, int n)
{
	const struct act *a = &m->acts[o->in];
	float *in = m->a[o->in], *din = o->in || m->input_grad ? m->d[o->in] : NULL;
	const float *dout = o->out >= 0 ? m->d[o->out] : m->dlogits;
	size_t m_len = (size_t)n * (size_t)a->h * (size_t)a->w, len = act_len(m, o->in, n);
	switch (o->kind) {
	case OP_CONV:
		if (o->bias && !m->no_conv_weight_grad)
			channel_bias_backward(dout, o->cv.cout, act_len(m, o->out, n) / o->cv.cout,
					      m->g + o->b);
		conv_backward(&o->cv, in, n, a->h, a->w, m->p + o->w, dout, din,
			      m->no_conv_weight_grad ? NULL : m->g + o->w);
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
	case OP_LATENT:
		embed_add_backward(dout, a->c, m->labels, n, m->lambda, din, m->g + o->embed);
		break;
	case OP_CONVT:
		convt_backward(&o->cv, in, n, a->h, a->w, m->p + o->w, dout, din, m->g + o->w);
		break;
	case OP_UPSAMPLE:
		upsample_backward(dout, a->c * n, a->h, a->w, 2, din);
		break;
	case OP_LRELU:
		leaky_relu_backward(in, dout, len, LRELU_SLOPE, din);
		break;
	case OP_TANH:
		tanh_backward(m->a[o->out], dout, len, din);
		break;
	case OP_PROJECT:
		projection_backward(in, o->lin_in, n, m->p + o->w, m->p + o->embed, m->labels, dout,
				    din, m->g + o->w, m->g + o->b, m->g + o->embed);
		break;
	case OP_MBSTD:
		mbstd_backward(in, dout, a->c, n, (size_t)a->h * (size_t)a->w, GAN_GROUP, din);
		break;
	default:
		backward_unet_op(m, o, n, din, dout);
		break;
	}
}

/* The last operation that reads activation act, or -1: the first to add
 * to its gradient in the backward pass. */
static int last_reader(const struct model *m, int act)
{
	for (int i = m->nops - 1; i >= 0; i--)
		if (m->ops[i].in == act || (has_in2(m->ops[i].kind) && m->ops[i].in2 == act))
			return i;
	return -1;
}

/* The gradients of op i's inputs to 0 where op i is the first to add to
 * them (their interval in the gradients' plan starts at its step): each
 * zeroed just before it is used, while it is in the cache. */
static void zero_input_grads(struct model *m, int i, int n)
{
	const struct op *o = &m->ops[i];
	int in[2] = { o->in, has_in2(o->kind) && o->in2 != o->in ? o->in2 : -1 };
	for (int k = 0; k < 2; k++)
		if (in[k] >= 0 && m->d[in[k]] && m->grads->from[in[k]] == m->nops - i)
			zero_fill(m->d[in[k]], act_len(m, in[k], n));
}

/* The operation that writes activation act, or -1 (the input). */
static int producer(const struct model *m, int act)
{
	for (int i = 0; i < m->nops; i++)
		if (m->ops[i].out == act)
			return i;
	return -1;
}

/* The gradient buffers: activation i's gradient is in use in the backward
 * pass from the backward of its last reader, where it is zeroed (from the
 * start where nothing reads it, as the output), down to that of the
 * operation writing it, which reads it (to the end for the input's, which
 * model_input_grad reads after); the steps count from the start of the
 * backward pass, op i's nops - i.  A scratch activation has none. */
static struct pool *plan_grads(const struct model *m)
{
	int *from = xmalloc((size_t)m->nacts * sizeof *from), *to = xmalloc((size_t)m->nacts * sizeof *to);
	for (int i = 0; i < m->nacts; i++) {
		int r = last_reader(m, i);
		from[i] = m->acts[i].scratch ? -1 : r < 0 ? 0 : m->nops - r;
		to[i] = m->nops - producer(m, i);
	}
	struct pool *p = plan_pool(m, from, to, m->nops + 1, !m->grads_unshared);
	free(from);
	free(to);
	return p;
}

/* The gradient buffers for n images, planned at the first call. */
static void grads_for_batch(struct model *m, int n)
{
	if (!m->grads)
		m->grads = plan_grads(m);
	pool_for_batch(m, m->grads, n, m->d);
}

/* The floats an image of p's buffers: 0 before they are allocated. */
static size_t pool_floats(const struct pool *p)
{
	size_t k = 0;
	for (int b = 0; p && p->batch && b < p->nbuf; b++)
		k += p->len[b];
	return k;
}

size_t model_grad_floats(const struct model *m)
{
	return pool_floats(m->grads);
}

size_t model_act_floats(const struct model *m)
{
	return pool_floats(m->act_pool);
}

/* The gradients of every parameter (and of the input with
 * m->input_grad) from that of the output: the logits' in m->dlogits, or
 * the output activation's, dout [n][c][h w]. */
static void backward(struct model *m, const float *dout, int n)
{
	grads_for_batch(m, n);
	memset(m->g, 0, m->size * sizeof *m->g);
	/* the gradients nothing adds to (the output's) from the start */
	for (int i = 0; i < m->nacts; i++)
		if (m->d[i] && m->grads->from[i] == 0)
			zero_fill(m->d[i], act_len(m, i, n));
	if (dout) {
		const struct act *a = &m->acts[m->nacts - 1];
		nchw_to_cnhw(dout, n, a->c, (size_t)a->h * (size_t)a->w, m->d[m->nacts - 1]);
	}
	for (int i = m->nops - 1; i >= 0; i--) {
		zero_input_grads(m, i, n);
		backward_op(m, &m->ops[i], n);
	}
}

void model_backward(struct model *m, int n)
{
	backward(m, NULL, n);
}

void model_backward_from(struct model *m, const float *dout, int n)
{
	backward(m, dout, n);
}

void model_output(const struct model *m, float *out)
{
	const struct act *a = &m->acts[m->nacts - 1];
	cnhw_to_nchw(m->a[m->nacts - 1], m->last_n, a->c, (size_t)a->h * (size_t)a->w, out);
}

void model_input_grad(const struct model *m, float *dx)
{
	const struct act *a = &m->acts[0];
	cnhw_to_nchw(m->d[0], m->last_n, a->c, (size_t)a->h * (size_t)a->w, dx);
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

void model_flops(const struct model *m, double *forward, double *train)
{
	*forward = *train = 0;
	for (int i = 0; i < m->nops; i++) {
		const struct op *o = &m->ops[i];
		double f = 0;
		if (o->kind == OP_CONV) {
			const struct act *out = &m->acts[o->out];
			f = 2.0 * (double)conv_weights(&o->cv) * out->h * out->w;
		} else if (o->kind == OP_CONVT) { /* a product a weight an input pixel */
			const struct act *in = &m->acts[o->in];
			f = 2.0 * (double)conv_weights(&o->cv) * in->h * in->w;
		} else if (o->kind == OP_LINEAR) {
			f = 2.0 * o->lin_in * o->lin_out;
		} else if (o->kind == OP_ATTENTION) { /* qkv, q.k, weights.v, proj_out */
			const struct act *a = &m->acts[o->in];
			double hw = (double)a->h * a->w;
			f = 2.0 * (4.0 * a->c * a->c * hw + 2.0 * a->c * hw * hw);
		}
		*forward += f;
		*train += o->in == 0 ? 2 * f : 3 * f;
	}
}

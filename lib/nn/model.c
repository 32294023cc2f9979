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

static void size_for_batch(struct model *m, int n)
{
	if (n <= m->batch)
		return;
	for (int i = 0; i < m->nacts; i++) {
		free(m->a[i]);
		m->a[i] = xmalloc(act_len(m, i, n) * sizeof **m->a);
	}
	size_t k = (size_t)n * (size_t)(m->outputs ? m->outputs : 1);
	free(m->logits);
	free(m->prob);
	free(m->dlogits);
	m->logits = xmalloc(k * sizeof *m->logits);
	m->prob = xmalloc(k * sizeof *m->prob);
	m->dlogits = xmalloc(k * sizeof *m->dlogits);
	m->batch = n;
}

/* The gradient buffers: activation i's gradient is live in the backward
 * pass from the backward of its last reader, where it is zeroed (of the
 * start where nothing reads it, as the output), down to that of the
 * operation writing it, which reads it (to the end for the input's, which
 * model_input_grad reads after).  Activations whose intervals do not meet
 * share a buffer, sized for the largest of them. */
struct grad_pool {
	int *slot;       /* each activation's buffer; -1: none (a scratch one) */
	size_t *len;     /* each buffer's floats an image */
	int *free_below; /* each buffer is free for an interval ending above this op */
	float **buf;
	int nbuf, batch; /* batch: what buf is sized for */
};

static void free_grads(struct grad_pool *g)
{
	if (!g)
		return;
	for (int b = 0; b < g->nbuf; b++)
		free(g->buf[b]);
	free(g->slot);
	free(g->len);
	free(g->free_below);
	free(g->buf);
	free(g);
}

void model_free(struct model *m)
{
	for (int i = 0; m->a && i < m->nacts; i++)
		free(m->a[i]);
	free_grads(m->grads);
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

/* Op i + 1 when it is of kind and reads activation act as its input. */
static const struct op *next_reading(const struct model *m, int i, int act, enum op_kind kind)
{
	const struct op *next = &m->ops[i + 1];
	return i + 1 < m->nops && next->kind == kind && next->in == act ? next : NULL;
}

/* A group norm, and the AdaGN and SiLU right after it that read its
 * output, in one pass (the UNet's ResBlocks): the operations done, or 0
 * where op i is no group norm.  In evaluation, an activation inside the
 * chain that nothing else reads is not written. */
static int forward_gn_chain(struct model *m, int i, int n, bool train)
{
	const struct op *o = &m->ops[i];
	if (o->kind != OP_GROUPNORM)
		return 0;
	const struct act *a = &m->acts[o->in];
	struct gn_chain ch = { .norm = m->a[o->out] };
	const struct op *ss = next_reading(m, i, o->out, OP_SCALE_SHIFT);
	if (ss) {
		ch.scale = m->a[ss->in2];
		ch.shift = ch.scale + (size_t)a->c * n;
		ch.adagn = m->a[ss->out];
	}
	int last = ss ? i + 1 : i;
	const struct op *silu = next_reading(m, last, m->ops[last].out, OP_SILU);
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
	return 1 + (ss != NULL) + (silu != NULL);
}

void model_forward(struct model *m, const float *x, int n, bool train)
{
	size_for_batch(m, n);
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
 * them: each zeroed just before it is used, while it is in the cache. */
static void zero_input_grads(struct model *m, int i, int n)
{
	const struct op *o = &m->ops[i];
	int in[2] = { o->in, has_in2(o->kind) && o->in2 != o->in ? o->in2 : -1 };
	for (int k = 0; k < 2; k++)
		if (in[k] >= 0 && m->d[in[k]] && last_reader(m, in[k]) == i)
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

/* Whether a buffer of cand floats is a better home than one of best for
 * len: one that fits, the smallest that does, else the largest (to be
 * grown least). */
static bool better_fit(size_t cand, size_t best, size_t len)
{
	if ((cand >= len) != (best >= len))
		return cand >= len;
	return cand >= len ? cand < best : cand > best;
}

/* The buffer of g best for len that no interval uses at op hi or below
 * (the ones assigned so far end higher), or -1. */
static int free_buffer(const struct grad_pool *g, int hi, size_t len)
{
	int best = -1;
	for (int b = 0; b < g->nbuf; b++)
		if (g->free_below[b] > hi && (best < 0 || better_fit(g->len[b], g->len[best], len)))
			best = b;
	return best;
}

/* Activation act's gradient, live over the ops [lo, hi] of the backward
 * pass (which runs from hi down), to a buffer of g. */
static void assign_grad(const struct model *m, struct grad_pool *g, int act, int lo, int hi)
{
	size_t len = act_len(m, act, 1);
	int b = m->grads_unshared ? -1 : free_buffer(g, hi, len);
	if (b < 0) {
		b = g->nbuf++;
		g->len[b] = 0;
	}
	if (g->len[b] < len)
		g->len[b] = len;
	g->free_below[b] = lo;
	g->slot[act] = b;
}

/* Greedy interval colouring, the intervals taken as the backward pass
 * meets them (from the highest op down). */
static struct grad_pool *plan_grads(const struct model *m)
{
	struct grad_pool *g = xcalloc(1, sizeof *g);
	g->slot = xmalloc((size_t)m->nacts * sizeof *g->slot);
	g->len = xcalloc((size_t)m->nacts, sizeof *g->len);
	g->free_below = xcalloc((size_t)m->nacts, sizeof *g->free_below);
	g->buf = xcalloc((size_t)m->nacts, sizeof *g->buf);
	int *lo = xmalloc((size_t)m->nacts * sizeof *lo), *hi = xmalloc((size_t)m->nacts * sizeof *hi);
	for (int i = 0; i < m->nacts; i++) {
		int r = last_reader(m, i);
		g->slot[i] = -1;
		lo[i] = producer(m, i);
		hi[i] = r < 0 ? m->nops : r;
	}
	for (int op = m->nops; op >= 0; op--)
		for (int i = 0; i < m->nacts; i++)
			if (!m->acts[i].scratch && hi[i] == op)
				assign_grad(m, g, i, lo[i], hi[i]);
	free(lo);
	free(hi);
	return g;
}

/* The gradient buffers for n images, planned at the first call. */
static void grads_for_batch(struct model *m, int n)
{
	if (!m->grads)
		m->grads = plan_grads(m);
	struct grad_pool *g = m->grads;
	if (n <= g->batch)
		return;
	for (int b = 0; b < g->nbuf; b++) {
		free(g->buf[b]);
		g->buf[b] = xmalloc(g->len[b] * (size_t)n * sizeof **g->buf);
	}
	for (int i = 0; i < m->nacts; i++)
		m->d[i] = g->slot[i] < 0 ? NULL : g->buf[g->slot[i]];
	g->batch = n;
}

size_t model_grad_floats(const struct model *m)
{
	size_t k = 0;
	for (int b = 0; m->grads && m->grads->batch && b < m->grads->nbuf; b++)
		k += m->grads->len[b];
	return k;
}

/* The gradients of every parameter (and of the input with
 * m->input_grad) from that of the output: the logits' in m->dlogits, or
 * the output activation's, dout [n][c][h w]. */
static void backward(struct model *m, const float *dout, int n)
{
	grads_for_batch(m, n);
	memset(m->g, 0, m->size * sizeof *m->g);
	for (int i = 0; i < m->nacts; i++)
		if (m->d[i] && last_reader(m, i) < 0)
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

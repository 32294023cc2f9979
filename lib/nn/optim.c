#include "nn/optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

const char *const optim_names[OPTIM_KINDS] = {
	[OPTIM_SGD] = "sgd", [OPTIM_ADAM] = "adam", [OPTIM_ADAMW] = "adamw"
};
const char *const schedule_names[SCHEDULE_KINDS] = {
	[SCHEDULE_CONSTANT] = "constant", [SCHEDULE_STEP] = "step", [SCHEDULE_COSINE] = "cosine"
};

void optim_init(struct optim *o, const struct model *m)
{
	o->step = 0;
	o->size = (o->kind == OPTIM_SGD ? 1 : 2) * m->size;
	o->state = xcalloc(o->size, sizeof *o->state);
}

void optim_free(struct optim *o)
{
	free(o->state);
	o->state = NULL;
}

static void sgd(const struct optim *o, float *p, const float *g, float *buf, size_t n, float lr,
		float wd)
{
	for (size_t i = 0; i < n; i++) {
		float d = g[i] + wd * p[i];
		if (o->momentum != 0) {
			buf[i] = o->momentum * buf[i] + d;
			d = o->nesterov ? d + o->momentum * buf[i] : buf[i];
		}
		p[i] -= lr * d;
	}
}

static void adam(const struct optim *o, float *p, const float *g, float *m1, float *m2, size_t n,
		 float lr, float wd)
{
	double c1 = 1 - pow(o->beta1, (double)o->step), c2 = 1 - pow(o->beta2, (double)o->step);
	float step = (float)(lr / c1), root_c2 = (float)sqrt(c2);
	for (size_t i = 0; i < n; i++) {
		float d = g[i];
		if (o->kind == OPTIM_ADAMW)
			p[i] *= 1 - lr * wd;
		else
			d += wd * p[i];
		m1[i] = o->beta1 * m1[i] + (1 - o->beta1) * d;
		m2[i] = o->beta2 * m2[i] + (1 - o->beta2) * d * d;
		p[i] -= step * m1[i] / (sqrtf(m2[i]) / root_c2 + o->eps);
	}
}

void optim_step(struct optim *o, struct model *m, float lr)
{
	o->step++;
	for (int i = 0; i < m->nparams; i++) {
		const struct param *q = &m->params[i];
		if (!q->trained)
			continue;
		float wd = q->decayed ? o->weight_decay : 0;
		float *p = m->p + q->offset, *s = o->state + q->offset;
		const float *g = m->g + q->offset;
		if (o->kind == OPTIM_SGD)
			sgd(o, p, g, s, q->size, lr, wd);
		else
			adam(o, p, g, s, s + m->size, q->size, lr, wd);
	}
}

void optim_average(struct model *avg, const struct model *m, float half_life, int batch)
{
	if (half_life <= 0) {
		memcpy(avg->p, m->p, m->size * sizeof *m->p);
		return;
	}
	float beta = (float)pow(0.5, batch / (half_life * 1000.0));
	for (size_t i = 0; i < m->size; i++)
		avg->p[i] = beta * avg->p[i] + (1 - beta) * m->p[i];
}

float schedule_lr(const struct schedule *s, long t)
{
	if (t < s->warmup)
		return s->lr * (float)(t + 1) / (float)s->warmup;
	switch (s->kind) {
	case SCHEDULE_STEP:
		return s->lr * powf(s->gamma, (float)(t / s->step_every));
	case SCHEDULE_COSINE: {
		long span = s->total - s->warmup;
		double done = span > 0 ? (double)(t - s->warmup) / (double)span : 1;
		return (float)(0.5 * s->lr * (1 + cos(M_PI * (done < 1 ? done : 1))));
	}
	case SCHEDULE_CONSTANT:
		break;
	}
	return s->lr;
}

#include "learn/train_cls.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "metric/scores.h"

/* The random streams of a run: an epoch's order, its augmentation. */
enum { STREAM_ORDER = 1000, STREAM_AUGMENT = 2000000 };

/* The count of d's largest class. */
static int largest_class(const struct dataset *d)
{
	int largest = 0;
	for (int c = 0; c < d->nclasses; c++)
		largest = d->count[c] > largest ? d->count[c] : largest;
	return largest;
}

int cls_epoch_size(const struct cls_config *cfg, const struct dataset *d)
{
	return cfg->oversample ? largest_class(d) * d->nclasses : d->n;
}

int cls_epoch_order(const struct cls_config *cfg, const struct dataset *d, int epoch, int **order)
{
	struct rng r;
	rng_seed(&r, cfg->seed, STREAM_ORDER + (uint64_t)epoch);
	size_t n = (size_t)cls_epoch_size(cfg, d), at = 0;
	*order = xmalloc(n * sizeof **order);
	for (int i = 0; i < d->n; i++)
		(*order)[at++] = i;
	int largest = largest_class(d);
	for (int c = 0; cfg->oversample && c < d->nclasses; c++)
		for (int extra = d->count[c]; extra < largest; extra++)
			(*order)[at++] = d->members[c][rng_below(&r, (uint32_t)d->count[c])];
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = rng_below(&r, (uint32_t)(i + 1));
		int t = (*order)[i];
		(*order)[i] = (*order)[j];
		(*order)[j] = t;
	}
	return (int)n;
}

double *cls_class_counts(const struct dataset *d)
{
	double *counts = xmalloc((size_t)d->nclasses * sizeof *counts);
	for (int c = 0; c < d->nclasses; c++)
		counts[c] = d->count[c];
	return counts;
}

float *cls_class_weights(const struct dataset *d, float beta)
{
	int k = d->nclasses;
	float *w = xmalloc((size_t)k * sizeof *w);
	double sum = 0;
	for (int c = 0; c < k; c++) {
		w[c] = (float)((1 - beta) / (1 - pow(beta, (double)d->count[c])));
		sum += w[c];
	}
	for (int c = 0; c < k; c++)
		w[c] = (float)(w[c] * k / sum);
	return w;
}

void cls_augment(float *x, int n, int c, int h, int w, const struct norm *nm, struct rng *r)
{
	float *tmp = xmalloc((size_t)h * (size_t)w * sizeof *tmp);
	for (int i = 0; i < n; i++) {
		int dy = (int)rng_below(r, 9) - 4, dx = (int)rng_below(r, 9) - 4;
		bool flip = rng_below(r, 2);
		for (int ch = 0; ch < c; ch++) {
			float *p = x + ((size_t)i * c + ch) * (size_t)h * w;
			float black = -nm->mean[ch] / nm->sd[ch];
			for (int y = 0; y < h; y++)
				for (int xx = 0; xx < w; xx++) {
					int sy = y + dy, sx = (flip ? w - 1 - xx : xx) + dx;
					tmp[(size_t)y * w + xx] = sy < 0 || sy >= h || sx < 0 || sx >= w
									  ? black
									  : p[(size_t)sy * w + sx];
				}
			memcpy(p, tmp, (size_t)h * w * sizeof *tmp);
		}
	}
	free(tmp);
}

long cls_steps_per_epoch(const struct cls_config *cfg, const struct dataset *d)
{
	return (cls_epoch_size(cfg, d) + cfg->batch - 1) / cfg->batch;
}

int cls_epochs(const struct cls_config *cfg, long steps_per_epoch)
{
	return cfg->steps ? (int)((cfg->steps + steps_per_epoch - 1) / steps_per_epoch) : cfg->epochs;
}

struct schedule cls_schedule(const struct cls_config *cfg, long steps_per_epoch)
{
	struct schedule s = { .kind = cfg->schedule, .lr = cfg->lr,
			      .total = cfg->steps ? cfg->steps : (long)cfg->epochs * steps_per_epoch,
			      .step_every = (long)(cfg->step_every * steps_per_epoch),
			      .gamma = cfg->gamma, .warmup = (long)(cfg->warmup * steps_per_epoch) };
	if (s.step_every < 1)
		s.step_every = 1;
	return s;
}

void cls_trainer_init(struct cls_trainer *t, const struct cls_config *cfg, const struct dataset *d,
		      struct model *m, struct optim *o, const struct norm *nm)
{
	*t = (struct cls_trainer){ .cfg = cfg, .data = d, .m = m, .optim = o, .nm = nm };
	t->weights = cfg->cb ? cls_class_weights(d, cfg->beta) : NULL;
	if (cfg->la) {
		t->offset = xmalloc((size_t)d->nclasses * sizeof *t->offset);
		t->adjusted = xmalloc((size_t)cfg->batch * d->nclasses * sizeof *t->adjusted);
		double *counts = cls_class_counts(d);
		prior_offsets(counts, d->nclasses, cfg->tau, t->offset);
		free(counts);
	}
	t->steps_per_epoch = cls_steps_per_epoch(cfg, d);
	t->sched = cls_schedule(cfg, t->steps_per_epoch);
	size_t size = (size_t)d->c * (size_t)d->h * (size_t)d->w;
	t->x = xmalloc((size_t)cfg->batch * size * sizeof *t->x);
	t->labels = xmalloc((size_t)cfg->batch * sizeof *t->labels);
}

void cls_trainer_free(struct cls_trainer *t)
{
	free(t->weights);
	free(t->offset);
	free(t->adjusted);
	free(t->x);
	free(t->labels);
	memset(t, 0, sizeof *t);
}

double cls_step(struct cls_trainer *t, const int *idx, int n, long global, struct rng *r)
{
	const struct dataset *d = t->data;
	dataset_batch(d, idx, n, t->nm->mean, t->nm->sd, t->x);
	for (int i = 0; i < n; i++)
		t->labels[i] = d->label[idx[i]];
	if (t->cfg->augment)
		cls_augment(t->x, n, d->c, d->h, d->w, t->nm, r);
	model_forward(t->m, t->x, n, true);
	int k = d->nclasses;
	const float *z = t->m->logits;
	if (t->offset) { /* the gradient is the same through the offset */
		for (int i = 0; i < n; i++)
			for (int c = 0; c < k; c++)
				t->adjusted[(size_t)i * k + c] = z[(size_t)i * k + c] + t->offset[c];
		z = t->adjusted;
	}
	double loss = softmax_ce(z, t->labels, t->weights, n, k, t->m->prob, t->m->dlogits);
	if (!isfinite(loss))
		return loss;
	model_backward(t->m, n);
	optim_step(t->optim, t->m, schedule_lr(&t->sched, global));
	return loss;
}

void cls_epoch(struct cls_trainer *t, int epoch, struct cls_epoch_stats *st,
	       void (*progress)(void *ctx, long step, double loss, long seen), void *ctx)
{
	int batch = t->cfg->batch, k = t->data->nclasses;
	int *order, n = cls_epoch_order(t->cfg, t->data, epoch, &order);
	struct rng aug;
	rng_seed(&aug, t->cfg->seed, STREAM_AUGMENT + (uint64_t)epoch);
	memset(st, 0, sizeof *st);
	for (int b = 0, step = 0; b < n; b += batch, step++) {
		int nb = n - b < batch ? n - b : batch;
		long global = (long)epoch * t->steps_per_epoch + step;
		if (t->cfg->steps && global >= t->cfg->steps)
			break;
		double loss = cls_step(t, order + b, nb, global, &aug);
		if (!isfinite(loss)) {
			st->loss = loss;
			st->bad_step = step + 1;
			break;
		}
		st->loss += loss * nb;
		for (int i = 0; i < nb; i++)
			st->right += argmax(t->m->logits + (size_t)i * k, k) == t->labels[i];
		st->seen += nb;
		if (progress)
			progress(ctx, step + 1, st->loss / (double)st->seen, st->seen);
	}
	if (!st->bad_step)
		st->loss /= (double)st->seen;
	free(order);
}

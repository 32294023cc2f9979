#include "learn/noised.h"

#include <math.h>
#include <stdlib.h>

#include "base/mem.h"

const char *const class_draw_names[CLASS_DRAWS] = {
	[DRAW_NATURAL] = "natural",
	[DRAW_SQRT] = "sqrt",
	[DRAW_BALANCED] = "balanced",
};

double *class_cdf(const struct dataset *d, enum class_draw draw)
{
	double power = draw == DRAW_NATURAL ? 1 : draw == DRAW_SQRT ? 0.5 : 0;
	double *cdf = xmalloc((size_t)d->nclasses * sizeof *cdf), sum = 0;
	for (int c = 0; c < d->nclasses; c++) {
		sum += d->count[c] ? pow(d->count[c], power) : 0;
		cdf[c] = sum;
	}
	for (int c = 0; c < d->nclasses; c++)
		cdf[c] /= sum;
	return cdf;
}

int class_image_draw(const struct dataset *d, const double *cdf, struct rng *r, int *label)
{
	double u = rng_double(r);
	int last = d->nclasses - 1, c = 0;
	while (c < last && !(u < cdf[c]))
		c++;
	*label = c;
	return d->members[c][rng_below(r, (uint32_t)d->count[c])];
}

int noised_init(struct noised *b, enum beta_schedule s, int T, enum class_draw draw,
		const struct dataset *d, int batch, char *err)
{
	*b = (struct noised){ 0 };
	if (diffusion_named(&b->process, s, T, err))
		return -1;
	b->size = (size_t)d->c * (size_t)d->h * (size_t)d->w;
	size_t n = (size_t)batch, len = n * b->size;
	b->class_cdf = class_cdf(d, draw);
	b->x0 = xmalloc(len * sizeof *b->x0);
	b->eps = xmalloc(len * sizeof *b->eps);
	b->xt = xmalloc(len * sizeof *b->xt);
	b->t = xmalloc(n * sizeof *b->t);
	b->labels = xmalloc(n * sizeof *b->labels);
	b->idx = xmalloc(n * sizeof *b->idx);
	return 0;
}

void noised_free(struct noised *b)
{
	diffusion_free(&b->process);
	free(b->class_cdf), free(b->x0), free(b->eps), free(b->xt), free(b->t);
	free(b->labels), free(b->idx);
	*b = (struct noised){ 0 };
}

/* Image x [c][h][w] mirrored left to right. */
static void flip_image(float *x, int c, int h, int w)
{
	for (int row = 0; row < c * h; row++)
		for (int i = 0, j = w - 1; i < j; i++, j--) {
			float v = x[row * w + i];
			x[row * w + i] = x[row * w + j];
			x[row * w + j] = v;
		}
}

static void noised_image(const struct diffusion *p, struct rng *r, bool flip, int c, int h,
			 int w, float *x0, float *eps, float *xt, float *t)
{
	long size = (long)c * h * w;
	if (flip && rng_below(r, 2))
		flip_image(x0, c, h, w);
	int step = (int)rng_below(r, (uint32_t)p->n);
	*t = (float)p->t[step];
	diffusion_noise(r, eps, size);
	diffusion_q_sample(p, step, x0, eps, xt, size);
}

void noised_batch(struct noised *b, const struct dataset *d, struct rng *r, bool flip, int n)
{
	float mean[3] = { 0.5f, 0.5f, 0.5f }, sd[3] = { 0.5f, 0.5f, 0.5f };
	dataset_batch(d, b->idx, n, mean, sd, b->x0);
	for (int i = 0; i < n; i++) {
		size_t at = (size_t)i * b->size;
		noised_image(&b->process, r, flip, d->c, d->h, d->w, b->x0 + at, b->eps + at,
			     b->xt + at, &b->t[i]);
	}
}

#include "learn/gan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "learn/dataset.h"

double gan_lambda(double kimg, double t_start, double t_end)
{
	if (t_end <= t_start)
		return kimg >= t_start ? 1 : 0;
	double l = (kimg - t_start) / (t_end - t_start);
	return l < 0 ? 0 : l > 1 ? 1 : l;
}

void gan_latents(struct rng *r, int n, float truncation, float *z)
{
	for (size_t i = 0; i < (size_t)n * GAN_ZDIM; i++) {
		double v;
		do
			v = rng_normal(r);
		while (truncation > 0 && fabs(v) > truncation);
		z[i] = (float)v;
	}
}

void gan_generate(struct model *g, const float *z, const int *labels, int n, float lambda,
		  uint8_t *px)
{
	const struct arch *a = &g->arch;
	float *x = xmalloc((size_t)n * (size_t)(a->channels * a->height * a->width) * sizeof *x);
	g->labels = labels;
	g->lambda = lambda;
	model_forward(g, z, n, false);
	model_output(g, x);
	dataset_unbatch(x, n, a->channels, a->height, a->width, px);
	free(x);
}

void gan_aug_draw(struct rng *r, int n, int h, int w, struct gan_aug *a)
{
	int my = (h + 4) / 8, mx = (w + 4) / 8; /* an eighth, rounded */
	for (int i = 0; i < n; i++) {
		a[i].dy = (int)rng_below(r, (uint32_t)(2 * my + 1)) - my;
		a[i].dx = (int)rng_below(r, (uint32_t)(2 * mx + 1)) - mx;
		/* the cut's corner half its side (h + 1) / 2 before its
		 * centre, which is uniform over the rows and columns */
		a[i].cy = (int)rng_below(r, (uint32_t)h) - (h + 1) / 4;
		a[i].cx = (int)rng_below(r, (uint32_t)w) - (w + 1) / 4;
	}
}

/* Where pixel (y, x) of the augmented image comes from, offset in its
 * plane; -1 for a pixel set to 0. */
static long aug_source(const struct gan_aug *a, int h, int w, int y, int x)
{
	if (y >= a->cy && y < a->cy + (h + 1) / 2 && x >= a->cx && x < a->cx + (w + 1) / 2)
		return -1;
	int sy = y - a->dy, sx = x - a->dx;
	return sy < 0 || sy >= h || sx < 0 || sx >= w ? -1 : (long)sy * w + sx;
}

void gan_aug_forward(const struct gan_aug *a, int n, int c, int h, int w, const float *x,
		     float *y)
{
	size_t plane = (size_t)h * (size_t)w;
	for (int i = 0; i < n; i++)
		for (int py = 0; py < h; py++)
			for (int px = 0; px < w; px++) {
				long s = aug_source(&a[i], h, w, py, px);
				for (int ch = 0; ch < c; ch++) {
					size_t base = ((size_t)i * (size_t)c + (size_t)ch) * plane;
					y[base + (size_t)py * (size_t)w + (size_t)px] =
						s < 0 ? 0 : x[base + (size_t)s];
				}
			}
}

void gan_aug_backward(const struct gan_aug *a, int n, int c, int h, int w, const float *dy,
		      float *dx)
{
	size_t plane = (size_t)h * (size_t)w;
	memset(dx, 0, (size_t)n * (size_t)c * plane * sizeof *dx);
	/* each source pixel feeds one output pixel at most (a move) */
	for (int i = 0; i < n; i++)
		for (int py = 0; py < h; py++)
			for (int px = 0; px < w; px++) {
				long s = aug_source(&a[i], h, w, py, px);
				if (s < 0)
					continue;
				for (int ch = 0; ch < c; ch++) {
					size_t base = ((size_t)i * (size_t)c + (size_t)ch) * plane;
					dx[base + (size_t)s] = dy[base + (size_t)py * (size_t)w + (size_t)px];
				}
			}
}

/* The weight of the conditioning a checkpoint was written at. */
static int read_lambda(const struct fields *f, float *lambda, char *err)
{
	if (fields_get(f, &FIELD("lambda", FIELD_FLOAT, lambda), err))
		return -1;
	if (*lambda < 0 || *lambda > 1)
		return fields_refuse(f, "lambda", "between 0 and 1", err);
	return 0;
}

int gan_sampler_load(const char *path, struct model *g, struct ckpt_meta *meta, float *lambda,
		     char *err)
{
	if (ckpt_load(path, MODEL_GENERATOR, g, NULL, meta, err))
		return -1;
	if (!read_lambda(&meta->fields, lambda, err))
		return 0;
	ckpt_meta_free(meta);
	model_free(g);
	return -1;
}

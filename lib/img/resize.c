/* Resampling: separable, each axis on its own.  An axis that shrinks is
 * area-averaged (each output sample is the mean of the source interval it
 * covers, with fractional weights at the ends), which is what antialiasing
 * needs; an axis that grows is interpolated bilinearly with half-pixel
 * centres (as PIL, OpenCV and PyTorch's align_corners=False do). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "img/image.h"

/* The source samples and weights that make one output coordinate. */
struct taps {
	int *first;    /* per output: index of its first source sample */
	int *count;    /* per output: how many */
	double *weight; /* per output: count weights, at out * stride */
	int stride;
};

static void taps_free(struct taps *t)
{
	free(t->first);
	free(t->count);
	free(t->weight);
}

static void make_taps(struct taps *t, int in, int out)
{
	double scale = (double)in / out; /* source samples per output sample */
	t->stride = out < in ? (int)ceil(scale) + 1 : 2;
	t->first = xcalloc((size_t)out, sizeof *t->first);
	t->count = xcalloc((size_t)out, sizeof *t->count);
	t->weight = xcalloc((size_t)out * (size_t)t->stride, sizeof *t->weight);
	for (int o = 0; o < out; o++) {
		double *w = t->weight + (size_t)o * (size_t)t->stride;
		if (out < in) {
			double lo = o * scale, hi = (o + 1) * scale;
			int i0 = (int)floor(lo), i1 = (int)ceil(hi);
			if (i1 > in)
				i1 = in;
			t->first[o] = i0;
			t->count[o] = i1 - i0;
			for (int i = i0; i < i1; i++) {
				double a = i < lo ? lo : i, b = i + 1 > hi ? hi : i + 1;
				w[i - i0] = (b - a) / scale;
			}
		} else {
			double x = (o + 0.5) * scale - 0.5;
			if (x < 0)
				x = 0;
			int i0 = (int)floor(x);
			if (i0 > in - 1)
				i0 = in - 1;
			double f = x - i0;
			t->first[o] = i0;
			t->count[o] = i0 + 1 < in ? 2 : 1;
			w[0] = 1 - f;
			if (t->count[o] == 2)
				w[1] = f;
			else
				w[0] = 1;
		}
	}
}

int img_resize(const struct image *src, int w, int h, struct image *dst, char *err)
{
	if (img_alloc(dst, w, h, src->c, src->depth, err))
		return -1;
	if (w == src->w && h == src->h) {
		memcpy(dst->px, src->px, img_bytes(src));
		return 0;
	}
	int c = src->c;
	struct taps tx, ty;
	make_taps(&tx, src->w, w);
	make_taps(&ty, src->h, h);
	/* Horizontal pass (w x src->h), then vertical; in double, so that
	 * 16-bit results are exactly rounded. */
	double *mid = xmalloc((size_t)w * (size_t)src->h * (size_t)c * sizeof *mid);
	for (int y = 0; y < src->h; y++) {
		size_t row = (size_t)y * (size_t)src->w;
		for (int x = 0; x < w; x++) {
			const double *wt = tx.weight + (size_t)x * (size_t)tx.stride;
			for (int k = 0; k < c; k++) {
				double acc = 0;
				for (int j = 0; j < tx.count[x]; j++)
					acc += wt[j] * img_get(src, (row + (size_t)(tx.first[x] + j)) * (size_t)c + (size_t)k);
				mid[((size_t)y * (size_t)w + (size_t)x) * (size_t)c + (size_t)k] = acc;
			}
		}
	}
	double maxv = img_maxval(src);
	for (int y = 0; y < h; y++) {
		const double *wt = ty.weight + (size_t)y * (size_t)ty.stride;
		for (size_t i = 0; i < (size_t)w * (size_t)c; i++) {
			double acc = 0;
			for (int j = 0; j < ty.count[y]; j++)
				acc += wt[j] * mid[(size_t)(ty.first[y] + j) * (size_t)w * (size_t)c + i];
			double v = floor(acc + 0.5);
			img_set(dst, (size_t)y * (size_t)w * (size_t)c + i, (unsigned)(v < 0 ? 0 : v > maxv ? maxv : v));
		}
	}
	free(mid);
	taps_free(&tx);
	taps_free(&ty);
	return 0;
}

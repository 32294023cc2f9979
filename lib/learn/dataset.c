#include "learn/dataset.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "base/strmap.h"
#include "img/image.h"
#include "io/input.h"
#include "io/tsv.h"

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int class_index(char *const *classes, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(classes[i], name) == 0)
			return i;
	return -1;
}

/* Decodes one image into d's next slot, converted to d's shape (set from
 * the first image when 0). */
static void add_image(struct dataset *d, const struct tsv_reader *r, const char *path,
		      size_t *cap)
{
	struct image im;
	char err[ERRLEN];
	if (img_load(path, &im, err))
		die_at(r->name, r->line, "%s", err);
	if (!d->c)
		d->c = im.c;
	if (!d->h) {
		d->h = im.h;
		d->w = im.w;
	}
	if (im.c != d->c || im.h != d->h || im.w != d->w)
		d->converted++;
	if (img_convert(&im, d->c, d->w, d->h, err))
		die_at(r->name, r->line, "%s: %s", path, err);
	if (im.depth == 16) {
		struct image small;
		if (img_to_depth8(&im, &small, err))
			die_at(r->name, r->line, "%s: %s", path, err);
		img_free(&im);
		im = small;
	}
	size_t size = (size_t)d->c * (size_t)d->h * (size_t)d->w;
	grow_array(&d->px, cap, ((size_t)d->n + 1) * size, 1);
	memcpy(d->px + (size_t)d->n * size, im.px, size);
	img_free(&im);
}

void dataset_load(struct dataset *d, const char *path, int c, int h, int w, char **classes,
		  int nclasses)
{
	memset(d, 0, sizeof *d);
	d->c = c;
	d->h = h;
	d->w = w;
	struct tsv_reader r;
	/* TODO(issue 17, learn): return the reader's error instead. */
	if (tsv_open(&r, path))
		die_line_error(r.name, &r.err);
	struct strmap names = { 0 };
	size_t *seen = NULL, seen_cap = 0, px_cap = 0, label_cap = 0;
	int more;
	const char *name;
	while ((more = tsv_read(&r)) > 0) {
		if (tsv_want_fields(&r, 2, 0) || !(name = tsv_class(&r, 2)))
			die_line_error(r.name, &r.err);
		size_t k = strmap_add(&names, name);
		grow_array(&seen, &seen_cap, (size_t)d->n + 1, sizeof *seen);
		seen[d->n] = k;
		add_image(d, &r, r.f[0].s, &px_cap);
		d->n++;
	}
	if (more < 0)
		die_line_error(r.name, &r.err);
	if (d->n == 0)
		die("%s: empty manifest", input_name(path));
	tsv_close(&r);
	if (classes) {
		d->nclasses = nclasses;
		d->classes = xcalloc((size_t)nclasses, sizeof *d->classes);
		for (int i = 0; i < nclasses; i++)
			d->classes[i] = xstrdup(classes[i]);
	} else {
		d->nclasses = (int)names.n;
		d->classes = xcalloc(names.n, sizeof *d->classes);
		for (size_t i = 0; i < names.n; i++)
			d->classes[i] = xstrdup(names.key[i]);
		qsort(d->classes, names.n, sizeof *d->classes, compare_names);
	}
	/* Each distinct name looked up once. */
	int *of_name = xcalloc(names.n, sizeof *of_name);
	for (size_t k = 0; k < names.n; k++)
		of_name[k] = class_index(d->classes, d->nclasses, names.key[k]);
	grow_array(&d->label, &label_cap, (size_t)d->n, sizeof *d->label);
	for (int i = 0; i < d->n; i++) {
		d->label[i] = of_name[seen[i]];
		d->unknown += d->label[i] < 0;
	}
	free(of_name);
	free(seen);
	strmap_free(&names);
}

void dataset_free(struct dataset *d)
{
	for (int i = 0; i < d->nclasses; i++)
		free(d->classes[i]);
	free(d->classes);
	free(d->px);
	free(d->label);
	memset(d, 0, sizeof *d);
}

void dataset_batch(const struct dataset *d, const int *idx, int n, const float *mean,
		   const float *sd, float *x)
{
	size_t hw = (size_t)d->h * (size_t)d->w, size = hw * (size_t)d->c;
	for (int i = 0; i < n; i++) {
		const uint8_t *px = d->px + (size_t)idx[i] * size;
		for (int ch = 0; ch < d->c; ch++) {
			float *out = x + ((size_t)i * d->c + ch) * hw;
			struct pixel_norm pn = pixel_norm(mean[ch], sd[ch]);
			for (size_t p = 0; p < hw; p++)
				out[p] = (float)px[p * (size_t)d->c + (size_t)ch] * pn.scale - pn.shift;
		}
	}
}

void dataset_stats(const struct dataset *d, float *mean, float *sd)
{
	size_t size = (size_t)d->n * (size_t)d->h * (size_t)d->w;
	for (int ch = 0; ch < d->c; ch++) {
		double sum = 0, sq = 0;
		for (size_t p = 0; p < size; p++) {
			double v = d->px[p * (size_t)d->c + (size_t)ch] / 255.0;
			sum += v;
			sq += v * v;
		}
		double mu = sum / (double)size, var = sq / (double)size - mu * mu;
		mean[ch] = (float)mu;
		sd[ch] = (float)sqrt(var > 1e-12 ? var : 1e-12);
	}
}

#include "learn/dataset.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "base/strmap.h"
#include "img/image.h"
#include "img/load.h"
#include "io/input.h"
#include "io/tsv.h"

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void class_map(struct strmap *map, char *const *classes, int n)
{
	*map = (struct strmap){ 0 };
	for (int i = 0; i < n; i++)
		strmap_add(map, classes[i]);
}

int class_find(const struct strmap *map, const char *name)
{
	size_t i = strmap_find(map, name);
	return i == STRMAP_NONE ? -1 : (int)i;
}

void dataset_index_classes(struct dataset *d)
{
	int k = d->nclasses;
	d->count = xcalloc((size_t)k, sizeof *d->count);
	d->members = xcalloc((size_t)k, sizeof *d->members);
	for (int i = 0; i < d->n; i++)
		if (d->label[i] >= 0)
			d->count[d->label[i]]++;
	for (int c = 0; c < k; c++)
		d->members[c] = xmalloc((size_t)d->count[c] * sizeof **d->members);
	int *filled = xcalloc((size_t)k, sizeof *filled);
	for (int i = 0; i < d->n; i++)
		if (d->label[i] >= 0)
			d->members[d->label[i]][filled[d->label[i]]++] = i;
	free(filled);
}

int image_fit(struct image *im, int c, int w, int h, char *err)
{
	if (img_convert(im, c, w, h, err) || img_make_8bit(im, err)) {
		img_free(im);
		return -1;
	}
	return 0;
}

/* A message about line line of file name (0: the file) in err:
 * "name:line: " and the message; -1. */
__attribute__((format(printf, 4, 5))) static int at_line(const char *name, long line, char *err,
							 const char *fmt, ...)
{
	int at = line > 0 ? snprintf(err, ERRLEN, "%s:%ld: ", name, line)
			  : snprintf(err, ERRLEN, "%s: ", name);
	if (at >= 0 && at < ERRLEN) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err + at, ERRLEN - (size_t)at, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* The reader's error in err, as a program prints it; -1. */
static int reader_error(const struct tsv_reader *r, char *err)
{
	return at_line(r->name, r->err.line, err, "%s", r->err.msg);
}

/* Decodes one image into d's next slot, converted to d's shape (set from
 * the first image when 0); -1 with err naming the line. */
static int add_image(struct dataset *d, const struct tsv_reader *r, const char *path,
		     size_t *cap, char *err)
{
	struct image im;
	char why[ERRLEN];
	if (img_load(path, &im, why))
		return at_line(r->name, r->line, err, "%s", why);
	if (!d->c)
		d->c = im.c;
	if (!d->h) {
		d->h = im.h;
		d->w = im.w;
	}
	if (im.c != d->c || im.h != d->h || im.w != d->w)
		d->converted++;
	if (image_fit(&im, d->c, d->w, d->h, why))
		return at_line(r->name, r->line, err, "%s: %s", path, why);
	size_t size = (size_t)d->c * (size_t)d->h * (size_t)d->w;
	grow_array(&d->px, cap, ((size_t)d->n + 1) * size, 1);
	memcpy(d->px + (size_t)d->n * size, im.px, size);
	img_free(&im);
	return 0;
}

/* The images of manifest path into d, and the number in names of each
 * one's class into *seen; -1 with err on an image that cannot be read or
 * an empty manifest. */
static int read_manifest(struct dataset *d, const char *path, struct strmap *names, size_t **seen,
			 char *err)
{
	struct tsv_reader r;
	if (tsv_open(&r, path))
		return reader_error(&r, err);
	size_t seen_cap = 0, px_cap = 0;
	int rc = 0, more = 0;
	const char *name;
	while (!rc && (more = tsv_read(&r)) > 0) {
		if (tsv_want_fields(&r, 2, 0) || !(name = tsv_class(&r, 2))) {
			rc = reader_error(&r, err);
			break;
		}
		size_t k = strmap_add(names, name);
		grow_array(seen, &seen_cap, (size_t)d->n + 1, sizeof **seen);
		(*seen)[d->n] = k;
		rc = add_image(d, &r, r.f[0].s, &px_cap, err);
		d->n += !rc;
	}
	if (!rc && more < 0)
		rc = reader_error(&r, err);
	tsv_close(&r);
	if (!rc && d->n == 0) {
		snprintf(err, ERRLEN, "%s: empty manifest", input_name(path));
		rc = -1;
	}
	return rc;
}

/* d's class list: classes[0 .. nclasses - 1], or (classes NULL) the
 * names read, in byte order. */
static void set_classes(struct dataset *d, const struct strmap *names, char **classes,
			int nclasses)
{
	if (classes) {
		d->nclasses = nclasses;
		d->classes = xcalloc((size_t)nclasses, sizeof *d->classes);
		for (int i = 0; i < nclasses; i++)
			d->classes[i] = xstrdup(classes[i]);
	} else {
		d->nclasses = (int)names->n;
		d->classes = xcalloc(names->n, sizeof *d->classes);
		for (size_t i = 0; i < names->n; i++)
			d->classes[i] = xstrdup(names->key[i]);
		qsort(d->classes, names->n, sizeof *d->classes, compare_names);
	}
}

/* Each image's label from the number of its class's name, seen[i]. */
static void set_labels(struct dataset *d, const struct strmap *names, const size_t *seen)
{
	/* Each distinct name looked up once. */
	struct strmap index;
	class_map(&index, d->classes, d->nclasses);
	int *of_name = xcalloc(names->n, sizeof *of_name);
	for (size_t k = 0; k < names->n; k++)
		of_name[k] = class_find(&index, names->key[k]);
	strmap_free(&index);
	d->label = xcalloc((size_t)d->n, sizeof *d->label);
	for (int i = 0; i < d->n; i++) {
		d->label[i] = of_name[seen[i]];
		d->unknown += d->label[i] < 0;
	}
	free(of_name);
}

int dataset_load(struct dataset *d, const char *path, int c, int h, int w, char **classes,
		 int nclasses, char *err)
{
	memset(d, 0, sizeof *d);
	d->c = c;
	d->h = h;
	d->w = w;
	struct strmap names = { 0 };
	size_t *seen = NULL;
	int rc = read_manifest(d, path, &names, &seen, err);
	if (!rc) {
		set_classes(d, &names, classes, nclasses);
		set_labels(d, &names, seen);
		dataset_index_classes(d);
	}
	free(seen);
	strmap_free(&names);
	if (rc)
		dataset_free(d);
	return rc;
}

void dataset_free(struct dataset *d)
{
	for (int i = 0; i < d->nclasses; i++) {
		free(d->classes[i]);
		free(d->members ? d->members[i] : NULL);
	}
	free(d->classes);
	free(d->count);
	free(d->members);
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

void dataset_unbatch(const float *x, int n, int c, int h, int w, uint8_t *px)
{
	size_t plane = (size_t)h * (size_t)w, size = plane * (size_t)c;
	for (int i = 0; i < n; i++)
		for (int ch = 0; ch < c; ch++)
			for (size_t p = 0; p < plane; p++) {
				float v = (x[(size_t)i * size + (size_t)ch * plane + p] + 1) * 127.5f;
				v = v < 0 ? 0 : v > 255 ? 255 : v;
				px[(size_t)i * size + p * (size_t)c + (size_t)ch] = (uint8_t)lrintf(v);
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

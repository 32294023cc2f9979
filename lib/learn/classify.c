#include "learn/classify.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/err.h"
#include "base/mem.h"
#include "img/image.h"
#include "metric/scores.h"

static void norm_fields(struct norm *nm, int c, struct field f[2])
{
	f[0] = (struct field){ .key = "norm_mean", .type = FIELD_FLOAT, .value = nm->mean, .count = c };
	f[1] = (struct field){ .key = "norm_sd", .type = FIELD_FLOAT, .value = nm->sd, .count = c };
}

void norm_record(const struct norm *nm, int c, struct fields *f)
{
	struct norm copy = *nm;
	struct field d[2];
	norm_fields(&copy, c, d);
	fields_put(f, &d[0]);
	fields_put(f, &d[1]);
}

int norm_read(const struct fields *f, int c, struct norm *nm, char *err)
{
	struct field d[2];
	norm_fields(nm, c, d);
	if (fields_get(f, &d[0], err) || fields_get(f, &d[1], err))
		return -1;
	for (int ch = 0; ch < c; ch++)
		if (!(nm->sd[ch] > 0))
			return fields_refuse(f, "norm_sd", "deviations above 0", err);
	return 0;
}

static void counts_field(double *counts, int k, struct field *f)
{
	*f = (struct field){ .key = "class_counts", .type = FIELD_DOUBLE, .value = counts, .count = k };
}

void class_counts_record(const double *counts, int k, struct fields *f)
{
	struct field d;
	counts_field((double *)counts, k, &d);
	fields_put(f, &d);
}

int class_counts_read(const struct fields *f, int k, double *counts, char *err)
{
	struct field d;
	counts_field(counts, k, &d);
	if (fields_get(f, &d, err))
		return -1;
	for (int c = 0; c < k; c++)
		if (!(counts[c] >= 1))
			return fields_refuse(f, "class_counts", "counts of 1 or more", err);
	return 0;
}

void prior_offsets(const double *counts, int k, double scale, float *out)
{
	double total = 0;
	for (int c = 0; c < k; c++)
		total += counts[c];
	for (int c = 0; c < k; c++)
		out[c] = (float)(scale * log(counts[c] / total));
}

/* The softmax of each row of logits, plus offset (NULL: none). */
static void softmax_rows(const float *logits, const float *offset, int n, int k, float *prob)
{
	for (int i = 0; i < n; i++) {
		const float *z = logits + (size_t)i * k;
		float *p = prob + (size_t)i * k;
		for (int j = 0; j < k; j++)
			p[j] = offset ? z[j] + offset[j] : z[j];
		float top = p[argmax(p, k)];
		double sum = 0;
		for (int j = 0; j < k; j++)
			sum += exp((double)p[j] - top);
		for (int j = 0; j < k; j++)
			p[j] = (float)(exp((double)p[j] - top) / sum);
	}
}

void predict(struct model *m, const struct dataset *d, const struct norm *nm, int batch,
	     float *prob)
{
	int k = m->arch.classes;
	size_t size = (size_t)d->c * (size_t)d->h * (size_t)d->w;
	float *x = xmalloc((size_t)batch * size * sizeof *x);
	int *idx = xmalloc((size_t)batch * sizeof *idx);
	for (int start = 0; start < d->n; start += batch) {
		int n = d->n - start < batch ? d->n - start : batch;
		for (int i = 0; i < n; i++)
			idx[i] = start + i;
		dataset_batch(d, idx, n, nm->mean, nm->sd, x);
		model_forward(m, x, n, false);
		softmax_rows(m->logits, NULL, n, k, prob + (size_t)start * k);
	}
	free(x);
	free(idx);
}

void classify_normalise(const struct image *im, const struct norm *nm, float *x)
{
	size_t hw = (size_t)im->w * (size_t)im->h;
	for (int ch = 0; ch < im->c; ch++) {
		struct pixel_norm pn = pixel_norm(nm->mean[ch], nm->sd[ch]);
		for (size_t p = 0; p < hw; p++)
			x[ch * hw + p] = (float)img_get(im, p * (size_t)im->c + (size_t)ch) * pn.scale -
					 pn.shift;
	}
}

static void free_copies(struct record_copy *recs, int n)
{
	for (int i = 0; i < n; i++) {
		free(recs[i].text);
		free(recs[i].label);
	}
}

/* Up to batch records of r into x, normalised, and their text into recs:
 * how many; -1 (and nothing kept) on a record that cannot be read or
 * converted, the error in r. */
static int read_batch(const struct model *m, const struct norm *nm, struct records *r, int batch,
		      long *converted, float *x, struct record_copy *recs)
{
	const struct arch *a = &m->arch;
	size_t size = (size_t)a->channels * (size_t)a->height * (size_t)a->width;
	int n = 0, more;
	struct image im;
	char err[ERRLEN];
	while (n < batch && (more = records_read(r, &im))) {
		if (more > 0) {
			*converted += im.c != a->channels || im.w != a->width || im.h != a->height;
			if (image_fit(&im, a->channels, a->width, a->height, err))
				more = records_fail(r, err);
		}
		if (more < 0) {
			free_copies(recs, n);
			return -1;
		}
		classify_normalise(&im, nm, x + (size_t)n * size);
		img_free(&im);
		recs[n].text = xstrdup(r->text);
		recs[n].label = r->label ? xstrdup(r->label) : NULL;
		n++;
	}
	return n;
}

int classify_records(struct model *m, const struct norm *nm, const float *offset,
		     struct records *r, int batch, long *converted,
		     void (*emit)(void *ctx, const struct record_copy *rec, int i), void *ctx)
{
	const struct arch *a = &m->arch;
	size_t size = (size_t)a->channels * (size_t)a->height * (size_t)a->width;
	float *x = xmalloc((size_t)batch * size * sizeof *x);
	struct record_copy *recs = xcalloc((size_t)batch, sizeof *recs);
	int n;
	while ((n = read_batch(m, nm, r, batch, converted, x, recs)) > 0) {
		model_forward(m, x, n, false);
		softmax_rows(m->logits, offset, n, a->classes, m->prob);
		for (int i = 0; i < n; i++)
			emit(ctx, &recs[i], i);
		free_copies(recs, n);
	}
	free(recs);
	free(x);
	return n < 0 ? -1 : 0;
}

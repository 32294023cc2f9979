/* classify: a classifier at work: the input normalisation a model was
 * trained with, and batched prediction over a dataset or records (their
 * scores against labels: metric/scores). */
#ifndef SIMBAL_CLASSIFY_H
#define SIMBAL_CLASSIFY_H

#include "img/records.h"
#include "learn/dataset.h"
#include "nn/fields.h"
#include "nn/model.h"

/* Per channel, of samples scaled to [0, 1]. */
struct norm {
	float mean[3], sd[3];
};

/* As a checkpoint's fields norm_mean and norm_sd, c numbers each. */
void norm_record(const struct norm *nm, int c, struct fields *f);
/* From a checkpoint's fields: 0, or -1 with err naming the file for a
 * field missing or garbled, or a deviation not above 0. */
int norm_read(const struct fields *f, int c, struct norm *nm, char *err);

/* The images of each class the model was trained on, as a checkpoint's
 * field class_counts (k numbers); reading: 0, or -1 with err naming the
 * file for the field missing (a checkpoint from before it was kept) or
 * garbled, or a count below 1. */
void class_counts_record(const double *counts, int k, struct fields *f);
int class_counts_read(const struct fields *f, int k, double *counts, char *err);

/* out[c] = scale ln(counts[c] / the sum of counts): with scale tau, what
 * the logit-adjusted loss adds to the logits (Menon et al. 2021); with
 * -tau, the post-hoc adjustment of a model's logits. */
void prior_offsets(const double *counts, int k, double scale, float *out);

/* The class probabilities of every image of d (prob [n][classes]), in
 * batches, batch norm in evaluation mode. */
void predict(struct model *m, const struct dataset *d, const struct norm *nm, int batch,
	     float *prob);

/* Classifies every record of r in batches of batch: images converted to
 * the model's shape (counted in *converted), normalised, the model run in
 * evaluation mode; then emit(ctx, record, i) for each, with the model's
 * m->prob row i (the softmax of its logits plus offset, a number a class,
 * when offset is not NULL) and its features (model_features) filled.  0,
 * or -1 on a record that cannot be read or converted, the error in r
 * (records.h). */
struct record_copy {
	char *text, *label; /* label NULL when the record has none */
};

int classify_records(struct model *m, const struct norm *nm, const float *offset,
		     struct records *r, int batch, long *converted,
		     void (*emit)(void *ctx, const struct record_copy *rec, int i), void *ctx);

/* 8-bit image im into x [c][h][w], normalised as the model was trained. */
void classify_normalise(const struct image *im, const struct norm *nm, float *x);

#endif

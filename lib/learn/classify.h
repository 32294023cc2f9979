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

/* The class probabilities of every image of d (prob [n][classes]), in
 * batches, batch norm in evaluation mode. */
void predict(struct model *m, const struct dataset *d, const struct norm *nm, int batch,
	     float *prob);

/* Classifies every record of r in batches of batch: images converted to
 * the model's shape (counted in *converted), normalised, the model run in
 * evaluation mode; then emit(ctx, record, i) for each, with the model's
 * m->prob row i (softmax) and its features (model_features) filled.  0,
 * or -1 on a record that cannot be read or converted, the error in r
 * (records.h). */
struct record_copy {
	char *text, *label; /* label NULL when the record has none */
};

int classify_records(struct model *m, const struct norm *nm, struct records *r, int batch,
		     long *converted, void (*emit)(void *ctx, const struct record_copy *rec, int i),
		     void *ctx);

/* 8-bit image im into x [c][h][w], normalised as the model was trained. */
void classify_normalise(const struct image *im, const struct norm *nm, float *x);

#endif

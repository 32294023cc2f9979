/* classify: a classifier at work: the input normalisation a model was
 * trained with, batched prediction over a dataset or records, and the
 * scores of predictions against labels. */
#ifndef SIMBAL_CLASSIFY_H
#define SIMBAL_CLASSIFY_H

#include "img/records.h"
#include "learn/dataset.h"
#include "nn/ckpt.h"
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

/* Accuracy over the images whose label is known (>= 0): top-1, balanced
 * accuracy (mean recall over the classes that have images), geometric
 * mean of those recalls; recall[k] is NAN for a class without images. */
struct scores {
	int classes;
	long n, right;
	double top1, balanced, gmean;
	double *recall;   /* classes entries, malloc'd */
	long *confusion;  /* classes x classes, [true][predicted], malloc'd */
};

/* The scores of n images at once (a label < 0 is not scored)... */
void score(const int *label, const float *prob, int n, int classes, struct scores *s);
/* ... or one image at a time: init, add each, finish. */
void scores_init(struct scores *s, int classes);
void scores_add(struct scores *s, int label, int predicted);
void scores_finish(struct scores *s);
void scores_free(struct scores *s);

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

/* The index of the largest of v[0 .. k-1]; ties to the first. */
int argmax(const float *v, int k);

#endif

/* Unit tests of lib/learn/smote: the neighbours as scikit-learn finds
 * them (tests/fixtures/smote, made by make-smote-fixtures.py), ties to
 * the lower number, each new image as the definition makes it from the
 * same draws, and skipping as drawing. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/rng.h"
#include "fixture.h"
#include "learn/dataset.h"
#include "learn/smote.h"
#include "unit.h"

/* n images of size samples each from px (one byte a value), of one class
 * (labels NULL) or of the classes labels[i] of k. */
static void set_of(struct dataset *d, int n, int size, const float *px, const int *labels, int k)
{
	*d = (struct dataset){ .n = n, .c = 1, .h = 1, .w = size, .nclasses = k };
	d->px = xmalloc((size_t)n * size);
	for (size_t i = 0; i < (size_t)n * size; i++)
		d->px[i] = (uint8_t)px[i];
	d->label = xcalloc((size_t)n, sizeof *d->label);
	for (int i = 0; labels && i < n; i++)
		d->label[i] = labels[i];
	d->classes = xcalloc((size_t)k, sizeof *d->classes);
	for (int c = 0; c < k; c++)
		d->classes[c] = xstrdup(c ? "other" : "one");
	dataset_index_classes(d);
}

static void neighbours_as_scikit_learn(void)
{
	struct fixture f = { 0 };
	fixture_read("smote/neighbours.tsv", &f);
	const struct tensor *px = tensor(&f, "pixels"), *want = tensor(&f, "neighbours");
	CHECK(px && want && px->size == 30 * 16 && want->size == 30 * 5);
	if (!px || !want || px->size != 30 * 16 || want->size != 30 * 5)
		return;
	struct dataset d;
	set_of(&d, 30, 16, px->v, NULL, 1);
	struct smote_class s;
	smote_class_init(&s, &d, 0, 5);
	int wrong = 0;
	for (int m = 0; m < 30; m++) {
		const int *nn = smote_neighbours(&s, m);
		for (int j = 0; j < 5; j++)
			wrong += nn[j] != (int)want->v[m * 5 + j];
	}
	CHECK(wrong == 0);
	smote_class_free(&s);
	dataset_free(&d);
	fixture_free(&f);
}

/* Members 0 .. 4 of one sample: 10, 20, 30, 20, 0; the other class's
 * images, nearer some of them, are never neighbours. */
static void ties_to_the_lower_number_within_the_class(void)
{
	const float px[] = { 10, 20, 30, 19, 20, 0, 21 };
	const int labels[] = { 0, 0, 0, 1, 0, 0, 1 };
	struct dataset d;
	set_of(&d, 7, 1, px, labels, 2);
	struct smote_class s;
	smote_class_init(&s, &d, 0, 3);
	const int *nn = smote_neighbours(&s, 2); /* 30: 20 (1), 20 (3), 10 (0) */
	CHECK(nn[0] == 1 && nn[1] == 3 && nn[2] == 0);
	nn = smote_neighbours(&s, 0); /* 10: 20 (1), 20 (3), 0 (4), all 10 away */
	CHECK(nn[0] == 1 && nn[1] == 3 && nn[2] == 4);
	smote_class_free(&s);
	dataset_free(&d);
}

/* Each new image is x_m + u (x_nn - x_m) rounded, m, the neighbour and u
 * drawn in that order from the class's stream; skipping n images leaves
 * the stream where drawing them does. */
static void draws_as_defined_and_skipped(void)
{
	struct rng r;
	rng_seed(&r, 3, 0);
	float px[12 * 8];
	for (int i = 0; i < 12 * 8; i++)
		px[i] = (float)rng_below(&r, 256);
	struct dataset d;
	set_of(&d, 12, 8, px, NULL, 1);
	struct smote_class s;
	smote_class_init(&s, &d, 0, 4);
	struct rng a, b;
	rng_seed(&a, 7, 1);
	rng_seed(&b, 7, 1);
	uint8_t got[8];
	int wrong = 0;
	for (int k = 0; k < 50; k++) {
		smote_draw(&s, &a, got);
		int m = (int)rng_below(&b, 12), j = (int)rng_below(&b, 4);
		double u = rng_double(&b);
		int nn = smote_neighbours(&s, m)[j];
		for (int i = 0; i < 8; i++) {
			double x = px[m * 8 + i], y = px[nn * 8 + i];
			wrong += got[i] != (uint8_t)floor(x + u * (y - x) + 0.5);
		}
	}
	CHECK(wrong == 0);
	uint8_t straight[8], skipped[8];
	rng_seed(&a, 9, 2);
	rng_seed(&b, 9, 2);
	for (int k = 0; k < 6; k++)
		smote_draw(&s, &a, straight);
	smote_skip(&s, &b, 5);
	smote_draw(&s, &b, skipped);
	CHECK(memcmp(straight, skipped, sizeof straight) == 0);
	smote_class_free(&s);
	dataset_free(&d);
}

void unit_main(void)
{
	unit_run("smote: each image's neighbours as scikit-learn's NearestNeighbors",
		 neighbours_as_scikit_learn);
	unit_run("smote: neighbours within the class, a tie to the lower number",
		 ties_to_the_lower_number_within_the_class);
	unit_run("smote: new images as defined from the draws; skipping as drawing",
		 draws_as_defined_and_skipped);
}

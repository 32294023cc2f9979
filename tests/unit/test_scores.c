/* Unit tests of lib/metric/scores: top-1, balanced accuracy and G-mean
 * from a known confusion, a class without images, unlabelled images;
 * precision, recall, F1 and macro F1 as scikit-learn computes them
 * (tests/fixtures/scores, made by make-scores-fixtures.py). */
#include <math.h>

#include "fixture.h"
#include "metric/scores.h"
#include "unit.h"

/* Three classes: class 0 has 4 images, 3 right; class 1 has 2, 1 right;
 * class 2 has none.  An image labelled -1 is not scored. */
static void known_confusion(void)
{
	int label[] = { 0, 0, 0, 0, 1, 1, -1 };
	int predicted[] = { 0, 0, 0, 1, 1, 0, 2 };
	float prob[7 * 3] = { 0 };
	for (int i = 0; i < 7; i++)
		prob[i * 3 + predicted[i]] = 1;
	struct scores s;
	score(label, prob, 7, 3, &s);
	CHECK(s.n == 6 && s.right == 4);
	CHECK(fabs(s.top1 - 4.0 / 6) < 1e-15);
	CHECK(fabs(s.recall[0] - 0.75) < 1e-15 && fabs(s.recall[1] - 0.5) < 1e-15);
	CHECK(isnan(s.recall[2]));
	CHECK(fabs(s.balanced - 0.625) < 1e-15);
	CHECK(fabs(s.gmean - sqrt(0.375)) < 1e-15);
	CHECK(s.confusion[0 * 3 + 1] == 1 && s.confusion[1 * 3 + 0] == 1);
	CHECK(s.confusion[2 * 3 + 2] == 0);
	scores_free(&s);
}

/* A class with no image right makes the G-mean 0, not the balanced
 * accuracy; nothing scored gives NAN, not a division by zero. */
static void zero_recall_and_nothing_scored(void)
{
	struct scores s;
	scores_init(&s, 2);
	scores_add(&s, 0, 0);
	scores_add(&s, 1, 0);
	scores_finish(&s);
	CHECK(s.gmean == 0 && fabs(s.balanced - 0.5) < 1e-15);
	scores_free(&s);
	scores_init(&s, 2);
	scores_finish(&s);
	CHECK(isnan(s.top1) && isnan(s.balanced) && isnan(s.gmean));
	scores_free(&s);
}

/* The fixture's 300 images of 6 classes: class 4 has images and is never
 * predicted, class 5 is predicted and has none. */
static void as_scikit_learn(void)
{
	struct fixture f = { 0 };
	fixture_read("scores/expected.tsv", &f);
	const struct tensor *truth = tensor(&f, "true"), *pred = tensor(&f, "predicted");
	const struct tensor *want[] = { tensor(&f, "precision"), tensor(&f, "recall"),
					tensor(&f, "f1") };
	const struct tensor *top1 = tensor(&f, "top1"), *balanced = tensor(&f, "balanced");
	const struct tensor *macro = tensor(&f, "macro_f1");
	CHECK(truth && pred && truth->size == pred->size && want[0] && want[1] && want[2] &&
	      top1 && balanced && macro);
	if (!truth || !pred || !want[0] || !want[1] || !want[2] || !top1 || !balanced || !macro)
		return;
	struct scores s;
	scores_init(&s, 6);
	for (size_t i = 0; i < truth->size; i++)
		scores_add(&s, (int)truth->v[i], (int)pred->v[i]);
	scores_finish(&s);
	/* the fixture is read as floats */
	CHECK(fabs(s.top1 - top1->v[0]) < 1e-6 && fabs(s.balanced - balanced->v[0]) < 1e-6);
	CHECK(fabs(s.macro_f1 - macro->v[0]) < 1e-6);
	const double *got[] = { s.precision, s.recall, s.f1 };
	for (int m = 0; m < 3; m++) {
		CHECK(want[m]->size == 5);
		for (int k = 0; k < 5 && k < (int)want[m]->size; k++)
			CHECK(fabs(got[m][k] - want[m]->v[k]) < 1e-6);
		CHECK(isnan(got[m][5]));
	}
	CHECK(s.precision[4] == 0 && s.f1[4] == 0);
	scores_free(&s);
	fixture_free(&f);
}

static void argmax_ties_to_the_first(void)
{
	float v[] = { 0.1f, 0.4f, 0.4f, -1 };
	CHECK(argmax(v, 4) == 1);
	CHECK(argmax(v, 1) == 0);
}

void unit_main(void)
{
	unit_run("scores: top-1, recall, balanced accuracy, G-mean of a known confusion",
		 known_confusion);
	unit_run("scores: a class never right, nothing scored", zero_recall_and_nothing_scored);
	unit_run("scores: precision, recall, F1 and macro F1 as scikit-learn's", as_scikit_learn);
	unit_run("scores: argmax ties to the first", argmax_ties_to_the_first);
}

/* scores: how well a classifier's predictions match the labels: top-1,
 * balanced accuracy, the geometric mean of the recalls, macro F1, each
 * class's recall, precision and F1, and the confusion matrix. */
#ifndef SIMBAL_SCORES_H
#define SIMBAL_SCORES_H

/* Accuracy over the images whose label is known (>= 0): top-1, balanced
 * accuracy (mean recall over the classes that have images), geometric
 * mean of those recalls, macro F1 (the mean F1 over the same classes);
 * recall[k], precision[k] and f1[k] are NAN for a class without images.
 * A class never predicted has precision 0, and F1 is 0 where precision
 * and recall are: scikit-learn's zero_division=0, its labels the classes
 * that have images. */
struct scores {
	int classes;
	long n, right;
	double top1, balanced, gmean, macro_f1;
	double *recall, *precision, *f1; /* classes entries each, malloc'd */
	long *confusion;  /* classes x classes, [true][predicted], malloc'd */
};

/* The scores of n images at once (a label < 0 is not scored)... */
void score(const int *label, const float *prob, int n, int classes, struct scores *s);
/* ... or one image at a time: init, add each, finish. */
void scores_init(struct scores *s, int classes);
void scores_add(struct scores *s, int label, int predicted);
void scores_finish(struct scores *s);
void scores_free(struct scores *s);

/* The index of the largest of v[0 .. k-1]; ties to the first. */
int argmax(const float *v, int k);

#endif

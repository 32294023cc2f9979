/* scores: how well a classifier's predictions match the labels: top-1,
 * balanced accuracy, the geometric mean of the recalls, each class's
 * recall and the confusion matrix. */
#ifndef SIMBAL_SCORES_H
#define SIMBAL_SCORES_H

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

/* The index of the largest of v[0 .. k-1]; ties to the first. */
int argmax(const float *v, int k);

#endif

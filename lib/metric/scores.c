#include "metric/scores.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

int argmax(const float *v, int k)
{
	int best = 0;
	for (int j = 1; j < k; j++)
		if (v[j] > v[best])
			best = j;
	return best;
}

void scores_init(struct scores *s, int classes)
{
	memset(s, 0, sizeof *s);
	s->classes = classes;
	s->recall = xcalloc((size_t)classes, sizeof *s->recall);
	s->precision = xcalloc((size_t)classes, sizeof *s->precision);
	s->f1 = xcalloc((size_t)classes, sizeof *s->f1);
	s->confusion = xcalloc((size_t)classes * (size_t)classes, sizeof *s->confusion);
}

void scores_add(struct scores *s, int label, int predicted)
{
	s->confusion[(size_t)label * s->classes + predicted]++;
	s->right += predicted == label;
	s->n++;
}

/* Precision and F1 of class k, whose recall is known: tp over the images
 * predicted k, 0 where none is. */
static void precision_f1(struct scores *s, int k)
{
	long predicted = 0, tp = s->confusion[(size_t)k * s->classes + k];
	for (int i = 0; i < s->classes; i++)
		predicted += s->confusion[(size_t)i * s->classes + k];
	double p = predicted ? (double)tp / (double)predicted : 0, r = s->recall[k];
	s->precision[k] = p;
	s->f1[k] = p + r > 0 ? 2 * p * r / (p + r) : 0;
}

void scores_finish(struct scores *s)
{
	int classes = s->classes;
	s->top1 = s->n ? (double)s->right / (double)s->n : NAN;
	double sum = 0, logs = 0, f1s = 0;
	int present = 0;
	for (int k = 0; k < classes; k++) {
		long total = 0;
		for (int j = 0; j < classes; j++)
			total += s->confusion[(size_t)k * classes + j];
		if (!total) {
			s->recall[k] = s->precision[k] = s->f1[k] = NAN;
			continue;
		}
		s->recall[k] = (double)s->confusion[(size_t)k * classes + k] / (double)total;
		precision_f1(s, k);
		sum += s->recall[k];
		logs += log(s->recall[k]);
		f1s += s->f1[k];
		present++;
	}
	s->balanced = present ? sum / present : NAN;
	s->gmean = present ? exp(logs / present) : NAN;
	s->macro_f1 = present ? f1s / present : NAN;
}

void score(const int *label, const float *prob, int n, int classes, struct scores *s)
{
	scores_init(s, classes);
	for (int i = 0; i < n; i++)
		if (label[i] >= 0)
			scores_add(s, label[i], argmax(prob + (size_t)i * classes, classes));
	scores_finish(s);
}

void scores_free(struct scores *s)
{
	free(s->recall);
	free(s->precision);
	free(s->f1);
	free(s->confusion);
	s->recall = s->precision = s->f1 = NULL;
	s->confusion = NULL;
}

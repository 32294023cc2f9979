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
	s->confusion = xcalloc((size_t)classes * (size_t)classes, sizeof *s->confusion);
}

void scores_add(struct scores *s, int label, int predicted)
{
	s->confusion[(size_t)label * s->classes + predicted]++;
	s->right += predicted == label;
	s->n++;
}

void scores_finish(struct scores *s)
{
	int classes = s->classes;
	s->top1 = s->n ? (double)s->right / (double)s->n : NAN;
	double sum = 0, logs = 0;
	int present = 0;
	for (int k = 0; k < classes; k++) {
		long total = 0;
		for (int j = 0; j < classes; j++)
			total += s->confusion[(size_t)k * classes + j];
		if (!total) {
			s->recall[k] = NAN;
			continue;
		}
		s->recall[k] = (double)s->confusion[(size_t)k * classes + k] / (double)total;
		sum += s->recall[k];
		logs += log(s->recall[k]);
		present++;
	}
	s->balanced = present ? sum / present : NAN;
	s->gmean = present ? exp(logs / present) : NAN;
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
	free(s->confusion);
	s->recall = NULL;
	s->confusion = NULL;
}

#include "learn/smote.h"

#include <stdlib.h>

#include "base/mem.h"

void smote_class_init(struct smote_class *s, const struct dataset *d, int c, int k)
{
	int count = d->count[c];
	*s = (struct smote_class){ .d = d, .c = c, .k = k };
	s->nn = xmalloc((size_t)count * (size_t)k * sizeof *s->nn);
	for (int m = 0; m < count; m++)
		s->nn[(size_t)m * k] = -1;
}

void smote_class_free(struct smote_class *s)
{
	free(s->nn);
	s->nn = NULL;
}

/* The squared distance between images a and b of d. */
static uint64_t distance2(const struct dataset *d, int a, int b)
{
	size_t size = (size_t)d->c * (size_t)d->h * (size_t)d->w;
	const uint8_t *x = d->px + (size_t)a * size, *y = d->px + (size_t)b * size;
	uint64_t sum = 0;
	for (size_t i = 0; i < size; i++) {
		int diff = (int)x[i] - (int)y[i];
		sum += (uint64_t)(diff * diff);
	}
	return sum;
}

const int *smote_neighbours(struct smote_class *s, int m)
{
	int k = s->k, *row = s->nn + (size_t)m * k;
	if (row[0] >= 0)
		return row;
	const int *members = s->d->members[s->c];
	uint64_t *best = xmalloc((size_t)k * sizeof *best);
	int found = 0;
	/* insertion into the k best so far; members in order, so that a tie
	 * keeps the lower number ahead */
	for (int j = 0; j < s->d->count[s->c]; j++) {
		if (j == m)
			continue;
		uint64_t dist = distance2(s->d, members[m], members[j]);
		if (found == k && dist >= best[k - 1])
			continue;
		int at = found < k ? found++ : k - 1;
		for (; at > 0 && best[at - 1] > dist; at--) {
			best[at] = best[at - 1];
			row[at] = row[at - 1];
		}
		best[at] = dist;
		row[at] = j;
	}
	free(best);
	return row;
}

/* What a new image is made of: member m, its neighbour j, u. */
struct pick {
	int m, j;
	double u;
};

static struct pick pick_draw(const struct smote_class *s, struct rng *r)
{
	struct pick p;
	p.m = (int)rng_below(r, (uint32_t)s->d->count[s->c]);
	p.j = (int)rng_below(r, (uint32_t)s->k);
	p.u = rng_double(r);
	return p;
}

void smote_draw(struct smote_class *s, struct rng *r, uint8_t *px)
{
	const struct dataset *d = s->d;
	struct pick p = pick_draw(s, r);
	int m = p.m, nn = smote_neighbours(s, m)[p.j];
	double u = p.u;
	size_t size = (size_t)d->c * (size_t)d->h * (size_t)d->w;
	const uint8_t *x = d->px + (size_t)d->members[s->c][m] * size;
	const uint8_t *y = d->px + (size_t)d->members[s->c][nn] * size;
	for (size_t i = 0; i < size; i++)
		px[i] = (uint8_t)(x[i] + u * (y[i] - x[i]) + 0.5);
}

void smote_skip(const struct smote_class *s, struct rng *r, long n)
{
	for (long i = 0; i < n; i++)
		pick_draw(s, r);
}

/* fid: distances between two sets of feature vectors: the Fréchet
 * distance of Gaussians fitted to them (FID, Heusel et al. 2017) and the
 * kernel inception distance (KID, Bińkowski et al. 2018), on whatever
 * features the caller extracted. */
#ifndef SIMBAL_FID_H
#define SIMBAL_FID_H

#include <stdbool.h>
#include <stddef.h>

#include "base/rng.h"
#include "learn/classify.h"
#include "nn/model.h"

/* n vectors of dim numbers, in double, row after row. */
struct features {
	int dim;
	size_t n, cap;
	double *v;
};

void features_init(struct features *f, int dim);
/* Appends one vector: dim numbers stride apart. */
void features_add(struct features *f, const float *x, size_t stride);
/* Appends a vector whose dim numbers the caller writes at the pointer. */
double *features_append(struct features *f);
void features_free(struct features *f);

/* |mu_a - mu_b|^2 + tr(C_a + C_b - 2 (C_a C_b)^(1/2)) into *fid, the
 * covariances the sample ones (n - 1).  A set of no more vectors than
 * dimensions has a singular covariance: then both get offset added to
 * their diagonal (*offset_used says so).  NAN where the moments overflow;
 * -1 with err where the eigen-decomposition fails. */
int fid_distance(const struct features *a, const struct features *b, double offset,
		 bool *offset_used, double *fid, char *err);

/* The unbiased squared MMD with the kernel (x.y / dim + 1)^3, averaged
 * over subsets of size vectors of each set drawn without replacement;
 * their mean and standard deviation. */
void kid_distance(const struct features *a, const struct features *b, int subsets, size_t size,
		  struct rng *r, double *mean, double *sd);

/* The penultimate features of n 8-bit images of m's shape, interleaved
 * samples one image after the other (struct image's layout), appended to
 * f, batch images a forward pass. */
void classify_features(struct model *m, const struct norm *nm, const uint8_t *px, int n, int batch,
		       struct features *f);

#endif

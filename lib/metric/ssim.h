/* ssim: the structural similarity index of Wang et al. (2004).
 *
 * SSIM(x, y) = (2 ux uy + C1)(2 sxy + C2) / ((ux² + uy² + C1)(sx² + sy² + C2))
 * with local means, variances and covariance taken under a window (an
 * 11 x 11 Gaussian of sigma 1.5 by default, or a uniform one), C1 = (K1 L)²,
 * C2 = (K2 L)², L the data range; the mean over the 'valid' region (where
 * the window lies wholly inside the image) is the image's SSIM, and the mean
 * over channels that of a colour image.  This is what scikit-image's
 * structural_similarity computes with gaussian_weights=True, sigma=1.5,
 * use_sample_covariance=False.
 *
 * A pair costs four filtered maps, x, y, x² + y² and xy (the variances
 * enter SSIM only as their sum), each filtered separably, row by row, in a
 * scratch buffer that stays in the first-level cache. */
#ifndef SIMBAL_SSIM_H
#define SIMBAL_SSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "img/image.h"

#define SSIM_MAX_WINDOW 63

struct ssim_params {
	int window;        /* odd; 0: from sigma (2 round(3.5 sigma) + 1), or 7 if uniform */
	double sigma;      /* of the Gaussian window */
	bool uniform;      /* a uniform window instead */
	double k1, k2;
	double range;      /* L; 0: 2^bits - 1 of the images */
	bool sample_cov;   /* variances over N - 1 instead of N */
};

void ssim_defaults(struct ssim_params *p);

struct ssim {
	struct ssim_params p;
	int win;                    /* taps */
	float weight[SSIM_MAX_WINDOW];
	double cov_norm;
	bool avx512;
	float *scratch;             /* rows of the maps; see ssim.c */
	size_t scratch_cap;
	uint16_t *wide;             /* an 8-bit image of a mixed pair, widened */
	size_t wide_cap;
};

/* Checks the parameters and makes the window; -1 with err on bad ones. */
int ssim_init(struct ssim *s, const struct ssim_params *p, char *err);
void ssim_free(struct ssim *s);

/* 0 when the window fits in im; -1 with err when it does not. */
int ssim_fits(const struct ssim *s, const struct image *im, char *err);

/* Mean SSIM of two images of the same size and channels; -1 with err when
 * they cannot be compared.  Of an 8-bit and a 16-bit image, on the 16-bit
 * scale (the 8-bit samples times 257, L 65535), unless the data range is
 * given: then the samples are compared as stored. */
int ssim_pair(struct ssim *s, const struct image *a, const struct image *b, double *mssim,
	      char *err);

#endif

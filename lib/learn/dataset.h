/* dataset: a manifest's images decoded into memory for the networks, all
 * of one size and channel count, 8 bits per sample, with their labels as
 * indices into a list of class names. */
#ifndef SIMBAL_DATASET_H
#define SIMBAL_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "base/strmap.h"
#include "img/image.h"

struct dataset {
	int n, c, h, w;
	uint8_t *px;     /* n images of c h w samples, interleaved as decoded */
	int *label;      /* index into classes; -1: a class not in the list */
	char **classes;  /* names, owned */
	int nclasses;
	long converted;  /* images that had another size or channel count */
	long unknown;    /* lines whose class is not in the list */
	/* The one per-class index of the set (oversampling, class weights,
	 * the GAN's groups): count[c] images of class c, members[c][0 ..
	 * count[c] - 1] their indices in the set's order; an image of a
	 * class not in the list is in none. */
	int *count;
	int **members;
};

/* Loads manifest path (path<TAB>class lines; "-": stdin).  c, h, w: the
 * images' shape (0: that of the first image); classes: the names the
 * labels index (NULL: the manifest's own, in byte order).  -1 with err
 * ("file:line: why") on an image that cannot be read or converted, or on
 * an empty manifest; d is then empty. */
int dataset_load(struct dataset *d, const char *path, int c, int h, int w, char **classes,
		 int nclasses, char *err);
void dataset_free(struct dataset *d);

/* Builds d's per-class index (count, members) from its labels, as
 * dataset_load does. */
void dataset_index_classes(struct dataset *d);

/* Class names to their indices in constant time: map made of classes[0 ..
 * n-1], a model's or a dataset's (distinct names), and a name's index in
 * it, or -1. */
void class_map(struct strmap *map, char *const *classes, int n);
int class_find(const struct strmap *map, const char *name);

/* im converted in place to c channels of w x h (0: as it is), 8 bits a
 * sample: as the networks take every image, in training and after; -1
 * with err, and im freed, when it cannot be. */
int image_fit(struct image *im, int c, int w, int h, char *err);

/* An 8-bit sample v of a channel of mean and sd (both in [0, 1] units)
 * becomes v scale - shift: the one formula of training and of every
 * program that classifies, so that they give the network the same bits. */
struct pixel_norm {
	float scale, shift;
};

static inline struct pixel_norm pixel_norm(float mean, float sd)
{
	return (struct pixel_norm){ 1 / (255 * sd), mean / sd };
}

/* Images i[0 .. n-1] as floats, NCHW, each channel normalised with mean
 * and sd (per channel) after scaling samples to [0, 1]. */
void dataset_batch(const struct dataset *d, const int *idx, int n, const float *mean,
		   const float *sd, float *x);

/* The networks' images back: n images x [n][c][h][w] of [-1, 1] (a
 * generator's, a diffusion model's) as 8-bit samples [n][h][w][c]
 * (interleaved, as struct image holds them), rounded, clipped. */
void dataset_unbatch(const float *x, int n, int c, int h, int w, uint8_t *px);

/* The mean and standard deviation of each channel over the whole set,
 * samples scaled to [0, 1]. */
void dataset_stats(const struct dataset *d, float *mean, float *sd);

#endif

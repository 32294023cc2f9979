/* image: the one in-memory image type of simbal, and its codecs.
 *
 * Samples are interleaved (gray, or R G B), 8 bits (uint8_t) or 16 bits
 * (uint16_t, native byte order) per sample, rows top to bottom, no padding.
 * Decoders drop alpha (no compositing) and turn palettes into RGB; 16-bit
 * sources stay 16-bit.  Functions that can fail on data return 0 on success
 * and -1 with a message in err (ERRLEN bytes); callers add the context
 * (file and line) and decide whether to die. */
#ifndef SIMBAL_IMAGE_H
#define SIMBAL_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"

struct image {
	int w, h;
	int c;     /* channels: 1 (gray) or 3 (RGB) */
	int depth; /* bits per sample: 8 or 16 */
	void *px;
};

/* The largest image (in pixels) a decoder accepts; checked before any
 * pixel memory is allocated.  Programs raise it with --max-pixels. */
extern uint64_t img_max_pixels;
#define IMG_MAX_PIXELS_DEFAULT (UINT64_C(1) << 28)

static inline size_t img_samples(const struct image *im)
{
	return (size_t)im->w * (size_t)im->h * (size_t)im->c;
}
static inline size_t img_bytes(const struct image *im)
{
	return img_samples(im) * (size_t)(im->depth / 8);
}
static inline unsigned img_maxval(const struct image *im)
{
	return im->depth == 16 ? 65535u : 255u;
}
/* Sample i (0 <= i < img_samples) as an integer. */
static inline unsigned img_get(const struct image *im, size_t i)
{
	return im->depth == 16 ? ((const uint16_t *)im->px)[i] : ((const uint8_t *)im->px)[i];
}
static inline void img_set(struct image *im, size_t i, unsigned v)
{
	if (im->depth == 16)
		((uint16_t *)im->px)[i] = (uint16_t)v;
	else
		((uint8_t *)im->px)[i] = (uint8_t)v;
}

/* Checks the size against img_max_pixels, then allocates (zeroed). */
int img_alloc(struct image *im, long w, long h, int c, int depth, char *err);
void img_free(struct image *im);
int img_check_size(long w, long h, char *err);
/* Whether the rest of a regular file (the bytes after its read position,
 * and the `unread` bytes a decoder holds in its buffer) is shorter than
 * `need`, the fewest bytes that can code the W x H image its header
 * declares: a truncated file, or a decompression bomb, which err then
 * names.  Decoders ask before allocating the pixels.  A pipe or device is
 * not measured (false). */
bool img_cannot_hold(FILE *fp, uint64_t unread, uint64_t need, long w, long h, char *err);

int png_decode(FILE *fp, struct image *im, char *err);
int png_encode(FILE *fp, const struct image *im, char *err);
/* Writes a PNG file at path (not atomically: for trees staged as a
 * whole, which a failure removes): 0, or -1 with a message in err naming
 * name (the path the file will have once its tree is in place). */
__attribute__((warn_unused_result)) int png_save_as(const char *path, const char *name,
						    const struct image *im, char *err);
int jpeg_decode(FILE *fp, struct image *im, char *err);

/* Conversions into a new image (dst is allocated; src unchanged). */
int img_to_gray(const struct image *src, struct image *dst, char *err); /* BT.601 luma */
int img_to_rgb(const struct image *src, struct image *dst, char *err);
int img_to_depth8(const struct image *src, struct image *dst, char *err);
/* Converts im in place to 8 bits a sample (an 8-bit one is left as it
 * is); on failure im is unchanged. */
int img_make_8bit(struct image *im, char *err);
/* Converts im in place: to channels (1 or 3; 0 keeps them), then to w x h
 * (0 keeps the size).  On failure im is unchanged. */
int img_convert(struct image *im, int channels, int w, int h, char *err);
/* Antialiased: area average along an axis that shrinks, bilinear
 * (half-pixel centres) along one that grows. */
int img_resize(const struct image *src, int w, int h, struct image *dst, char *err);

#endif

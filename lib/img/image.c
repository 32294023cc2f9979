#include "img/image.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "base/err.h"

uint64_t img_max_pixels = IMG_MAX_PIXELS_DEFAULT;

int img_check_size(long w, long h, char *err)
{
	if (w <= 0 || h <= 0) {
		snprintf(err, ERRLEN, "bad image size %ldx%ld", w, h);
		return -1;
	}
	/* Compared one factor at a time: a product of header values can wrap. */
	if (w > INT_MAX || h > INT_MAX || (uint64_t)w > img_max_pixels / (uint64_t)h) {
		snprintf(err, ERRLEN,
			 "image of %ldx%ld pixels is over the limit of %llu pixels "
			 "(--max-pixels raises it)",
			 w, h, (unsigned long long)img_max_pixels);
		return -1;
	}
	return 0;
}

bool img_cannot_hold(FILE *fp, uint64_t unread, uint64_t need, long w, long h, char *err)
{
	struct stat st;
	off_t at = ftello(fp);
	if (at < 0 || fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode))
		return false;
	uint64_t left = (st.st_size > at ? (uint64_t)(st.st_size - at) : 0) + unread;
	if (left >= need)
		return false;
	snprintf(err, ERRLEN,
		 "image of %ldx%ld pixels declared, more than its %llu bytes of data "
		 "can hold (a truncated file, or a decompression bomb)",
		 w, h, (unsigned long long)left);
	return true;
}

int img_alloc(struct image *im, long w, long h, int c, int depth, char *err)
{
	im->px = NULL;
	if (img_check_size(w, h, err))
		return -1;
	im->w = (int)w;
	im->h = (int)h;
	im->c = c;
	im->depth = depth;
	im->px = calloc(img_samples(im), (size_t)depth / 8);
	if (!im->px) {
		snprintf(err, ERRLEN, "out of memory for a %ldx%ld image", w, h);
		return -1;
	}
	return 0;
}

void img_free(struct image *im)
{
	free(im->px);
	im->px = NULL;
}

static int like(const struct image *src, struct image *dst, int c, int depth, char *err)
{
	return img_alloc(dst, src->w, src->h, c, depth, err);
}

int img_to_gray(const struct image *src, struct image *dst, char *err)
{
	if (like(src, dst, 1, src->depth, err))
		return -1;
	size_t npx = (size_t)src->w * (size_t)src->h;
	for (size_t i = 0; i < npx; i++) {
		if (src->c == 1) {
			img_set(dst, i, img_get(src, i));
			continue;
		}
		/* BT.601 luma in exact integer arithmetic, rounded half up. */
		uint64_t r = img_get(src, 3 * i), g = img_get(src, 3 * i + 1), b = img_get(src, 3 * i + 2);
		img_set(dst, i, (unsigned)((299 * r + 587 * g + 114 * b + 500) / 1000));
	}
	return 0;
}

int img_to_rgb(const struct image *src, struct image *dst, char *err)
{
	if (like(src, dst, 3, src->depth, err))
		return -1;
	size_t npx = (size_t)src->w * (size_t)src->h;
	for (size_t i = 0; i < npx; i++)
		for (int k = 0; k < 3; k++)
			img_set(dst, 3 * i + (size_t)k,
				img_get(src, src->c == 1 ? i : 3 * i + (size_t)k));
	return 0;
}

int img_to_depth8(const struct image *src, struct image *dst, char *err)
{
	if (like(src, dst, src->c, 8, err))
		return -1;
	size_t n = img_samples(src);
	for (size_t i = 0; i < n; i++) {
		unsigned v = img_get(src, i);
		img_set(dst, i, src->depth == 16 ? (v * 255u + 32767u) / 65535u : v);
	}
	return 0;
}

/* Replaces *im by the result of a conversion step that succeeded. */
static int replace(struct image *im, struct image *next, int rc)
{
	if (rc == 0) {
		img_free(im);
		*im = *next;
	}
	return rc;
}

int img_make_8bit(struct image *im, char *err)
{
	struct image next;
	return im->depth == 8 ? 0 : replace(im, &next, img_to_depth8(im, &next, err));
}

int img_convert(struct image *im, int channels, int w, int h, char *err)
{
	struct image next;
	if (channels == 1 && im->c != 1 && replace(im, &next, img_to_gray(im, &next, err)))
		return -1;
	if (channels == 3 && im->c != 3 && replace(im, &next, img_to_rgb(im, &next, err)))
		return -1;
	if (w && (w != im->w || h != im->h) &&
	    replace(im, &next, img_resize(im, w, h, &next, err)))
		return -1;
	return 0;
}

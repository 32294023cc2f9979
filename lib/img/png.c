/* PNG decode and encode through libpng. */
#include <errno.h>
#include <png.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "img/image.h"

static void on_png_error(png_structp png, png_const_charp msg)
{
	char *err = png_get_error_ptr(png);
	snprintf(err, ERRLEN, "bad PNG: %s", msg);
	png_longjmp(png, 1);
}

static void on_png_warning(png_structp png, png_const_charp msg)
{
	/* Ancillary-chunk complaints (bad gamma, iCCP profiles) do not
	 * change the pixels: stay quiet, as viewers do. */
	(void)png;
	(void)msg;
}

static bool host_is_little_endian(void)
{
	const uint16_t one = 1;
	return *(const uint8_t *)&one == 1;
}

/* Drops the alpha sample of each pixel, in place (the output is never
 * larger than the input, so a forward copy is safe). */
static void strip_alpha(uint8_t *buf, size_t npx, int in_ch, int out_ch, int bytes)
{
	size_t in_px = (size_t)in_ch * bytes, out_px = (size_t)out_ch * bytes;
	for (size_t i = 0; i < npx; i++)
		memmove(buf + i * out_px, buf + i * in_px, out_px);
}

/* libpng's own reader says only "Read Error" at a short read. */
static void read_from_file(png_structp png, png_bytep data, size_t n)
{
	FILE *fp = png_get_io_ptr(png);
	if (fread(data, 1, n, fp) == n)
		return;
	png_error(png, ferror(fp) ? strerror(errno) : "truncated file");
}

/* The fewest bytes that can code the pixels the header declares, at
 * deflate's best (1032 bytes out of 1 in), however they are filtered, less
 * 64 bytes of slack. */
static uint64_t fewest_bytes(png_structp png, png_infop info)
{
	uint64_t best = (uint64_t)png_get_image_height(png, info) * png_get_rowbytes(png, info) / 1032;
	return best > 64 ? best - 64 : 0;
}

int png_decode(FILE *fp, struct image *im, char *err)
{
	png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, err, on_png_error,
						 on_png_warning);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	uint8_t *volatile buf = NULL;
	png_bytep *volatile rows = NULL;
	if (!info) {
		snprintf(err, ERRLEN, "out of memory");
		png_destroy_read_struct(&png, NULL, NULL);
		return -1;
	}
	if (setjmp(png_jmpbuf(png))) {
		free(buf);
		free(rows);
		png_destroy_read_struct(&png, &info, NULL);
		return -1;
	}
	png_set_read_fn(png, fp, read_from_file);
	/* Our own pixel limit decides; libpng's default would refuse widths
	 * over 1,000,000 with a less helpful message. */
	png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
	png_read_info(png, info);
	png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
	int bit_depth = png_get_bit_depth(png, info);
	int color = png_get_color_type(png, info);
	char why[ERRLEN];
	if (img_check_size((long)w, (long)h, why) ||
	    img_cannot_hold(fp, 0, fewest_bytes(png, info), (long)w, (long)h, why)) {
		snprintf(err, ERRLEN, "%s", why);
		png_destroy_read_struct(&png, &info, NULL);
		return -1;
	}
	if (color == PNG_COLOR_TYPE_PALETTE)
		png_set_palette_to_rgb(png);
	if (color == PNG_COLOR_TYPE_GRAY && bit_depth < 8)
		png_set_expand_gray_1_2_4_to_8(png);
	if (color & PNG_COLOR_MASK_ALPHA)
		png_set_strip_alpha(png);
	if (bit_depth == 16 && host_is_little_endian())
		png_set_swap(png);
	png_set_interlace_handling(png);
	png_read_update_info(png, info);

	int in_ch = png_get_channels(png, info);
	int depth = png_get_bit_depth(png, info) == 16 ? 16 : 8;
	size_t rowbytes = png_get_rowbytes(png, info);
	buf = malloc(rowbytes * h);
	rows = malloc(sizeof *rows * h);
	if (!buf || !rows)
		png_error(png, "out of memory");
	for (png_uint_32 y = 0; y < h; y++)
		rows[y] = buf + y * rowbytes;
	png_read_image(png, rows);
	png_read_end(png, NULL);

	/* A tRNS chunk can still bring an alpha sample through expansion. */
	int out_ch = in_ch >= 3 ? 3 : 1;
	if (in_ch != out_ch)
		strip_alpha(buf, (size_t)w * h, in_ch, out_ch, depth / 8);
	im->w = (int)w;
	im->h = (int)h;
	im->c = out_ch;
	im->depth = depth;
	im->px = buf;
	free(rows);
	png_destroy_read_struct(&png, &info, NULL);
	return 0;
}

/* libpng's own writer says only "Write Error", and no reason. */
static void write_to_file(png_structp png, png_bytep data, size_t n)
{
	FILE *fp = png_get_io_ptr(png);
	if (fwrite(data, 1, n, fp) == n)
		return;
	char *err = png_get_error_ptr(png);
	snprintf(err, ERRLEN, "write error: %s", strerror(errno));
	png_longjmp(png, 1);
}

static void flush_file(png_structp png)
{
	(void)png; /* the caller's fclose or commit flushes, and checks */
}

int png_encode(FILE *fp, const struct image *im, char *err)
{
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, err, on_png_error,
						  on_png_warning);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	png_bytep *volatile rows = NULL;
	if (!info) {
		snprintf(err, ERRLEN, "out of memory");
		png_destroy_write_struct(&png, NULL);
		return -1;
	}
	if (setjmp(png_jmpbuf(png))) {
		free(rows);
		png_destroy_write_struct(&png, &info);
		return -1;
	}
	png_set_write_fn(png, fp, write_to_file, flush_file);
	png_set_IHDR(png, info, (png_uint_32)im->w, (png_uint_32)im->h, im->depth,
		     im->c == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	if (im->depth == 16 && host_is_little_endian())
		png_set_swap(png);
	rows = malloc(sizeof *rows * (size_t)im->h);
	if (!rows)
		png_error(png, "out of memory");
	size_t stride = (size_t)im->w * (size_t)im->c * (size_t)(im->depth / 8);
	for (int y = 0; y < im->h; y++)
		rows[y] = (png_bytep)im->px + (size_t)y * stride;
	png_write_image(png, rows);
	png_write_end(png, NULL);
	free(rows);
	png_destroy_write_struct(&png, &info);
	if (ferror(fp)) {
		snprintf(err, ERRLEN, "write error: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int png_save_as(const char *path, const char *name, const struct image *im, char *err)
{
	FILE *fp = fopen(path, "wb");
	if (!fp) {
		snprintf(err, ERRLEN, "%s: %s", name, strerror(errno));
		return -1;
	}
	char why[ERRLEN];
	if (png_encode(fp, im, why)) {
		snprintf(err, ERRLEN, "%s: %.400s", name, why);
		fclose(fp);
		return -1;
	}
	if (fclose(fp) != 0) {
		snprintf(err, ERRLEN, "%s: write error: %s", name, strerror(errno));
		return -1;
	}
	return 0;
}

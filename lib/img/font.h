/* font: a small built-in bitmap font for captions drawn into images.
 *
 * 5x7 glyphs for printable ASCII (0x20-0x7e), drawn for simbal.  Any other
 * byte (control characters, UTF-8 sequences) is drawn as '?', one glyph per
 * byte, so a label's width is known from its length alone. */
#ifndef SIMBAL_FONT_H
#define SIMBAL_FONT_H

#include <stdbool.h>
#include <stddef.h>

#include "img/image.h"

#define FONT_W 5
#define FONT_H 7
#define FONT_ADVANCE (FONT_W + 1) /* a glyph and one blank column */

/* Whether pixel (x, y) of the glyph for ch is set; false outside 5x7. */
bool font_pixel(unsigned char ch, int x, int y);

/* Width in pixels of n glyphs magnified scale times (no trailing blank). */
long font_text_width(size_t n, int scale);

/* Draws n bytes of text with its top-left corner at (x, y), each font pixel
 * a scale x scale square with every channel set to value.  Whatever falls
 * outside im is clipped. */
void font_draw(struct image *im, long x, long y, const char *text, size_t n, int scale,
	       unsigned value);

#endif

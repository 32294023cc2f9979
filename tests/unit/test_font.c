/* Unit tests of lib/img/font: the glyph table and drawing. */
#include <string.h>

#include "base/err.h"
#include "img/font.h"
#include "unit.h"

/* The glyph of ch as 35 '#'/'.' characters, row by row. */
static void picture(unsigned char ch, char *out)
{
	for (int y = 0; y < FONT_H; y++)
		for (int x = 0; x < FONT_W; x++)
			*out++ = font_pixel(ch, x, y) ? '#' : '.';
	*out = '\0';
}

static void test_space_is_blank_and_others_have_ink(void)
{
	char p[FONT_W * FONT_H + 1];
	picture(' ', p);
	CHECK(strchr(p, '#') == NULL);
	for (int c = 0x21; c <= 0x7e; c++) {
		picture((unsigned char)c, p);
		CHECK(strchr(p, '#') != NULL);
	}
}

/* A glyph pasted twice by mistake would make two characters look alike. */
static void test_glyphs_are_distinct(void)
{
	char a[FONT_W * FONT_H + 1], b[FONT_W * FONT_H + 1];
	for (int c = 0x20; c <= 0x7e; c++) {
		picture((unsigned char)c, a);
		for (int d = c + 1; d <= 0x7e; d++) {
			picture((unsigned char)d, b);
			if (strcmp(a, b) == 0)
				unit_fail(__FILE__, __LINE__, "two glyphs are identical");
		}
	}
}

static void test_known_glyphs(void)
{
	char p[FONT_W * FONT_H + 1];
	picture('A', p);
	CHECK(strcmp(p, ".###."
			"#...#"
			"#...#"
			"#####"
			"#...#"
			"#...#"
			"#...#") == 0);
	picture('|', p);
	CHECK(strcmp(p, "..#....#....#....#....#....#....#..") == 0);
	picture('_', p);
	CHECK(strcmp(p, "..............................#####") == 0);
}

static void test_other_bytes_draw_as_question_mark(void)
{
	char q[FONT_W * FONT_H + 1], p[FONT_W * FONT_H + 1];
	picture('?', q);
	const unsigned char others[] = { 0x00, 0x09, 0x1f, 0x7f, 0x80, 0xc3, 0xff };
	for (size_t i = 0; i < sizeof others; i++) {
		picture(others[i], p);
		CHECK(strcmp(p, q) == 0);
	}
}

static void test_outside_the_cell_is_blank(void)
{
	CHECK(!font_pixel('#', -1, 0));
	CHECK(!font_pixel('#', FONT_W, 2));
	CHECK(!font_pixel('#', 1, FONT_H));
	CHECK(!font_pixel('#', 1, -1));
}

static void test_text_width(void)
{
	CHECK(font_text_width(0, 1) == 0);
	CHECK(font_text_width(1, 1) == 5);
	CHECK(font_text_width(3, 1) == 17);
	CHECK(font_text_width(3, 2) == 34);
}

static size_t ink(const struct image *im)
{
	size_t n = 0;
	for (size_t i = 0; i < img_samples(im); i++)
		n += img_get(im, i) != 0;
	return n;
}

static void test_draw_scales_and_clips(void)
{
	char err[ERRLEN];
	struct image im;
	CHECK(img_alloc(&im, 20, 10, 3, 8, err) == 0);
	/* 'I' has 11 ink pixels; at scale 1 on RGB that is 33 samples. */
	font_draw(&im, 0, 0, "I", 1, 1, 255);
	CHECK(ink(&im) == 33);
	CHECK(img_get(&im, 3 * 1) == 255 && img_get(&im, 3 * 0) == 0);
	memset(im.px, 0, img_bytes(&im));
	/* At scale 2 from (-2, -2): the top row and left column are cut off,
	 * and rows past the bottom edge too; nothing is written outside. */
	font_draw(&im, -2, -2, "I", 1, 2, 7);
	size_t n = ink(&im);
	CHECK(n > 0 && n < 3 * 11 * 4);
	CHECK(img_get(&im, 0) == 0);
	CHECK(img_get(&im, 3 * 2) == 7); /* 'I' row 1, column 2 lands at (2, 0) */
	img_free(&im);
}

static void test_draw_past_the_right_edge(void)
{
	char err[ERRLEN];
	struct image im;
	CHECK(img_alloc(&im, 8, 7, 1, 8, err) == 0);
	/* The second glyph starts at x = 6: only its first two columns fit. */
	font_draw(&im, 0, 0, "HHHH", 4, 1, 255);
	CHECK(img_get(&im, 0) == 255 && img_get(&im, 4) == 255);
	CHECK(img_get(&im, 5) == 0 && img_get(&im, 6) == 255 && img_get(&im, 7) == 0);
	img_free(&im);
}

void unit_main(void)
{
	unit_run("space is blank, other glyphs have ink", test_space_is_blank_and_others_have_ink);
	unit_run("glyphs are distinct", test_glyphs_are_distinct);
	unit_run("known glyphs", test_known_glyphs);
	unit_run("other bytes draw as '?'", test_other_bytes_draw_as_question_mark);
	unit_run("outside the 5x7 cell is blank", test_outside_the_cell_is_blank);
	unit_run("text width", test_text_width);
	unit_run("drawing scales and clips", test_draw_scales_and_clips);
	unit_run("drawing past the right edge", test_draw_past_the_right_edge);
}

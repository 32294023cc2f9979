/* Unit tests of lib/: records, numbers, the generator, codecs, conversions. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/num.h"
#include "base/rng.h"
#include "img/image.h"
#include "img/load.h"
#include "img/pam.h"
#include "io/tsv.h"
#include "unit.h"

/* Writes data to a new temporary file and returns its path (static). */
static const char *temp_with(const char *data, size_t n)
{
	static char path[64];
	strcpy(path, "/tmp/simbal-unit-XXXXXX");
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	CHECK(write(fd, data, n) == (ssize_t)n);
	close(fd);
	return path;
}

static void tsv_fields_point_into_the_line(void)
{
	const char *path = temp_with("a\tb c\t\nlast\tline", 16);
	struct tsv_reader r;
	CHECK(tsv_open(&r, path) == 0);
	CHECK(tsv_read(&r) == 1);
	CHECK(r.line == 1 && r.nf == 3);
	CHECK(strcmp(r.f[0].s, "a") == 0 && r.f[0].n == 1);
	CHECK(strcmp(r.f[1].s, "b c") == 0 && r.f[1].n == 3);
	CHECK(r.f[2].n == 0 && r.f[2].s[0] == '\0');
	char *dup = tsv_record_dup(&r);
	CHECK(strcmp(dup, "a\tb c\t") == 0);
	free(dup);
	/* The last line has no newline and is still a record. */
	CHECK(tsv_read(&r) == 1);
	CHECK(r.line == 2 && r.nf == 2 && strcmp(r.f[1].s, "line") == 0);
	CHECK(tsv_read(&r) == 0);
	tsv_close(&r);
	unlink(path);
}

static void tsv_long_input_crosses_buffer_refills(void)
{
	/* 200,000 lines exercise compaction and growth of the buffer. */
	size_t n = 200000, at = 0;
	char *data = malloc(n * 16);
	for (size_t i = 0; i < n; i++)
		at += (size_t)sprintf(data + at, "%zu\tx%zu\n", i, i % 7);
	const char *path = temp_with(data, at);
	struct tsv_reader r;
	CHECK(tsv_open(&r, path) == 0);
	size_t seen = 0;
	bool ok = true;
	while (tsv_read(&r) > 0) {
		char want[32];
		sprintf(want, "%zu", seen);
		ok = ok && r.nf == 2 && strcmp(r.f[0].s, want) == 0;
		seen++;
	}
	CHECK(ok);
	CHECK(seen == n);
	tsv_close(&r);
	unlink(path);
	free(data);
}

static void rng_matches_the_pcg32_reference(void)
{
	/* The first outputs of the PCG32 reference demo (seed 42, stream 54),
	 * which any correct implementation on any platform reproduces. */
	static const uint32_t want[6] = { 0xa15c02b7, 0x7b47f409, 0xba1d3330,
					  0x83d2f293, 0xbfa4784b, 0xcbed606e };
	struct rng r;
	rng_seed(&r, 42, 54);
	for (int i = 0; i < 6; i++)
		CHECK(rng_u32(&r) == want[i]);
}

static void rng_below_and_double_stay_in_range(void)
{
	struct rng r;
	rng_seed(&r, 7, 0);
	int hist[10] = { 0 };
	bool in_range = true;
	for (int i = 0; i < 100000; i++) {
		uint32_t v = rng_below(&r, 10);
		double d = rng_double(&r);
		in_range = in_range && v < 10 && d >= 0 && d < 1;
		if (v < 10)
			hist[v]++;
	}
	CHECK(in_range);
	for (int k = 0; k < 10; k++)
		CHECK(hist[k] > 9500 && hist[k] < 10500);
}

static void rng_streams_differ_and_shuffle_permutes(void)
{
	struct rng a, b;
	rng_seed(&a, 1, 0);
	rng_seed(&b, 1, 1);
	CHECK(rng_u32(&a) != rng_u32(&b));
	size_t idx[50];
	for (size_t i = 0; i < 50; i++)
		idx[i] = i;
	rng_shuffle(&a, idx, 50);
	int seen[50] = { 0 }, moved = 0;
	for (size_t i = 0; i < 50; i++) {
		seen[idx[i]]++;
		moved += idx[i] != i;
	}
	for (int i = 0; i < 50; i++)
		CHECK(seen[i] == 1);
	CHECK(moved > 25);
}

static void fill(struct image *im, unsigned seed)
{
	for (size_t i = 0; i < img_samples(im); i++)
		img_set(im, i, (unsigned)((i * 2654435761u + seed) % (img_maxval(im) + 1)));
}

static bool same_pixels(const struct image *a, const struct image *b)
{
	return a->w == b->w && a->h == b->h && a->c == b->c && a->depth == b->depth &&
	       memcmp(a->px, b->px, img_bytes(a)) == 0;
}

static void png_round_trips_8_and_16_bit(void)
{
	char err[ERRLEN];
	for (int depth = 8; depth <= 16; depth += 8) {
		for (int c = 1; c <= 3; c += 2) {
			struct image im, back;
			CHECK(img_alloc(&im, 13, 7, c, depth, err) == 0);
			fill(&im, (unsigned)(depth + c));
			FILE *fp = tmpfile();
			CHECK(png_encode(fp, &im, err) == 0);
			rewind(fp);
			CHECK(png_decode(fp, &back, err) == 0);
			CHECK(same_pixels(&im, &back));
			fclose(fp);
			img_free(&im);
			img_free(&back);
		}
	}
}

static void pam_round_trips_with_labels(void)
{
	char err[ERRLEN];
	struct image a, b, back;
	CHECK(img_alloc(&a, 5, 3, 1, 8, err) == 0);
	CHECK(img_alloc(&b, 4, 6, 3, 16, err) == 0);
	fill(&a, 1);
	fill(&b, 2);
	FILE *fp = tmpfile();
	CHECK(pam_write(fp, &a, "Ankle boot", "x/y z.png") == 0);
	CHECK(pam_write(fp, &b, NULL, NULL) == 0);
	rewind(fp);
	struct pam_reader r = { .fp = fp, .name = "t" };
	struct frame_meta m;
	CHECK(pam_read(&r, &back, &m, err) == 1);
	CHECK(same_pixels(&a, &back));
	CHECK(m.label && strcmp(m.label, "Ankle boot") == 0);
	CHECK(m.id && strcmp(m.id, "x/y z.png") == 0);
	frame_meta_free(&m);
	img_free(&back);
	CHECK(pam_read(&r, &back, &m, err) == 1);
	CHECK(same_pixels(&b, &back));
	CHECK(m.label == NULL && m.id == NULL);
	img_free(&back);
	CHECK(pam_read(&r, &back, &m, err) == 0);
	CHECK(r.frame == 2);
	fclose(fp);
	img_free(&a);
	img_free(&b);
}

static void pam_rejects_truncation_with_frame_number(void)
{
	char err[ERRLEN];
	FILE *fp = tmpfile();
	fputs("P5\n2 2\n255\n\1\2\3\4P5\n2 2\n255\n\1", fp);
	rewind(fp);
	struct pam_reader r = { .fp = fp, .name = "t" };
	struct image im;
	CHECK(pam_read(&r, &im, NULL, err) == 1);
	img_free(&im);
	CHECK(pam_read(&r, &im, NULL, err) == -1);
	CHECK(strcmp(err, "frame 2: truncated raster") == 0);
	fclose(fp);
}

static void size_limit_is_checked(void)
{
	char err[ERRLEN];
	uint64_t saved = img_max_pixels;
	img_max_pixels = 100;
	CHECK(img_check_size(10, 10, err) == 0);
	CHECK(img_check_size(10, 11, err) == -1);
	CHECK(strstr(err, "10x11") != NULL);
	CHECK(img_check_size(0, 5, err) == -1);
	img_max_pixels = saved;
}

static void resize_keeps_constants_and_identity(void)
{
	char err[ERRLEN];
	struct image im, out;
	CHECK(img_alloc(&im, 9, 7, 3, 16, err) == 0);
	for (size_t i = 0; i < img_samples(&im); i++)
		img_set(&im, i, 40000);
	const int sizes[][2] = { { 4, 3 }, { 20, 15 }, { 9, 2 }, { 1, 1 }, { 30, 3 } };
	for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
		CHECK(img_resize(&im, sizes[s][0], sizes[s][1], &out, err) == 0);
		bool constant = true;
		for (size_t i = 0; i < img_samples(&out); i++)
			constant = constant && img_get(&out, i) == 40000;
		CHECK(constant);
		img_free(&out);
	}
	fill(&im, 3);
	CHECK(img_resize(&im, 9, 7, &out, err) == 0);
	CHECK(same_pixels(&im, &out));
	img_free(&out);
	img_free(&im);
}

static void resize_shrink_is_the_block_mean(void)
{
	char err[ERRLEN];
	struct image im, out;
	CHECK(img_alloc(&im, 6, 4, 1, 8, err) == 0);
	fill(&im, 5);
	CHECK(img_resize(&im, 3, 2, &out, err) == 0);
	for (int y = 0; y < 2; y++)
		for (int x = 0; x < 3; x++) {
			unsigned sum = 0;
			for (int dy = 0; dy < 2; dy++)
				for (int dx = 0; dx < 2; dx++)
					sum += img_get(&im, (size_t)(2 * y + dy) * 6 + (size_t)(2 * x + dx));
			CHECK(img_get(&out, (size_t)y * 3 + (size_t)x) == (sum + 2) / 4);
		}
	img_free(&out);
	img_free(&im);
}

static void resize_16_bit_shrink_is_exactly_rounded(void)
{
	/* 3001 -> 1000 samples: output o covers [3.001 o, 3.001 (o + 1)), so
	 * every overlap is a multiple of 1/1000 and the exact mean is
	 * sum(overlap * 1000 * v) / 3001, rounded half up. */
	char err[ERRLEN];
	struct image im, out;
	CHECK(img_alloc(&im, 3001, 1, 1, 16, err) == 0);
	fill(&im, 11);
	CHECK(img_resize(&im, 1000, 1, &out, err) == 0);
	int wrong = 0;
	for (long o = 0; o < 1000; o++) {
		long lo = 3001 * o, hi = 3001 * (o + 1); /* in thousandths */
		uint64_t num = 0;
		for (long i = lo / 1000; i * 1000 < hi; i++) {
			long a = i * 1000 > lo ? i * 1000 : lo, b = (i + 1) * 1000 < hi ? (i + 1) * 1000 : hi;
			num += (uint64_t)(b - a) * img_get(&im, (size_t)i);
		}
		wrong += img_get(&out, (size_t)o) != (unsigned)((2 * num + 3001) / (2 * 3001));
	}
	CHECK(wrong == 0);
	img_free(&out);
	img_free(&im);
}

static void conversions(void)
{
	char err[ERRLEN];
	struct image rgb, gray, back, small;
	CHECK(img_alloc(&rgb, 2, 1, 3, 16, err) == 0);
	const unsigned v[6] = { 65535, 0, 0, 10, 20, 30 };
	for (int i = 0; i < 6; i++)
		img_set(&rgb, (size_t)i, v[i]);
	CHECK(img_to_gray(&rgb, &gray, err) == 0);
	CHECK(gray.c == 1 && gray.depth == 16);
	CHECK(img_get(&gray, 0) == 19595); /* 0.299 * 65535 = 19594.97 */
	CHECK(img_get(&gray, 1) == 18);
	CHECK(img_to_rgb(&gray, &back, err) == 0);
	CHECK(back.c == 3 && img_get(&back, 3) == 18 && img_get(&back, 5) == 18);
	CHECK(img_to_depth8(&rgb, &small, err) == 0);
	CHECK(small.depth == 8 && img_get(&small, 0) == 255 && img_get(&small, 3) == 0);
	/* in place: 16-bit made 8-bit, an 8-bit image left as it is */
	CHECK(img_make_8bit(&gray, err) == 0);
	CHECK(gray.depth == 8 && img_get(&gray, 0) == 76 && img_get(&gray, 1) == 0);
	void *px = small.px;
	CHECK(img_make_8bit(&small, err) == 0 && small.px == px && img_get(&small, 0) == 255);
	img_free(&rgb);
	img_free(&gray);
	img_free(&back);
	img_free(&small);
}

static void sniff_by_content(void)
{
	CHECK(strcmp(img_sniff((const unsigned char *)"\x89PNG\r\n\x1a\n", 8), "png") == 0);
	CHECK(strcmp(img_sniff((const unsigned char *)"\xff\xd8\xff\xe0", 4), "jpeg") == 0);
	CHECK(strcmp(img_sniff((const unsigned char *)"P7\n", 3), "pnm") == 0);
	CHECK(img_sniff((const unsigned char *)"P4\n", 3) == NULL);
	CHECK(img_sniff((const unsigned char *)"GIF89a", 6) == NULL);
}

static void numbers_have_one_strict_syntax(void)
{
	static const struct {
		const char *s;
		enum number_kind kind;
		double v;
	} cases[] = {
		{ "0", NUMBER_OK, 0 },        { "-2.5e-3", NUMBER_OK, -2.5e-3 },
		{ "+.5", NUMBER_OK, 0.5 },    { "5.", NUMBER_OK, 5 },
		{ "1E+2", NUMBER_OK, 100 },   { "1e-400", NUMBER_OK, 0 },
		{ "007", NUMBER_OK, 7 },      { "", NUMBER_EMPTY, 0 },
		{ "NA", NUMBER_NA, 0 },       { "nan", NUMBER_NA, 0 },
		{ "-NaN", NUMBER_NA, 0 },     { "+NAN", NUMBER_NA, 0 },
		{ "inf", NUMBER_INF, 0 },     { "-Infinity", NUMBER_INF, 0 },
		{ "1e999", NUMBER_INF, 0 },   { "-1e400", NUMBER_INF, 0 },
		{ "0x10", NUMBER_BAD, 0 },    { "0X1p3", NUMBER_BAD, 0 },
		{ "na", NUMBER_BAD, 0 },      { "nan(1)", NUMBER_BAD, 0 },
		{ "infin", NUMBER_BAD, 0 },   { " 1", NUMBER_BAD, 0 },
		{ "1 ", NUMBER_BAD, 0 },      { "1,5", NUMBER_BAD, 0 },
		{ ".", NUMBER_BAD, 0 },       { "+", NUMBER_BAD, 0 },
		{ "e5", NUMBER_BAD, 0 },      { "1e", NUMBER_BAD, 0 },
		{ "1e+", NUMBER_BAD, 0 },     { "1.2.3", NUMBER_BAD, 0 },
		{ "+-1", NUMBER_BAD, 0 },     { "--1", NUMBER_BAD, 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		double v = -1;
		enum number_kind kind = scan_number(cases[i].s, &v);
		if (kind != cases[i].kind || (kind == NUMBER_OK && v != cases[i].v)) {
			printf("# '%s': kind %d, value %g\n", cases[i].s, (int)kind, v);
			CHECK(!"the kind and value expected");
		}
	}
}

void unit_main(void)
{
	unit_run("tsv: fields point into the line, last line without newline", tsv_fields_point_into_the_line);
	unit_run("tsv: long input crosses buffer refills", tsv_long_input_crosses_buffer_refills);
	unit_run("rng: matches the PCG32 reference outputs", rng_matches_the_pcg32_reference);
	unit_run("rng: below and double stay in range, roughly uniform", rng_below_and_double_stay_in_range);
	unit_run("rng: streams differ; shuffle permutes", rng_streams_differ_and_shuffle_permutes);
	unit_run("png: round trip 8/16-bit gray/RGB", png_round_trips_8_and_16_bit);
	unit_run("pam: round trip with labels and ids", pam_round_trips_with_labels);
	unit_run("pam: truncation names the frame", pam_rejects_truncation_with_frame_number);
	unit_run("image: size limit", size_limit_is_checked);
	unit_run("resize: constants stay constant; same size is identity", resize_keeps_constants_and_identity);
	unit_run("resize: 2x shrink is the rounded block mean", resize_shrink_is_the_block_mean);
	unit_run("resize: 16-bit shrink is exactly rounded", resize_16_bit_shrink_is_exactly_rounded);
	unit_run("image: luma, gray to RGB, 16 to 8 bits", conversions);
	unit_run("image: format sniffed by content", sniff_by_content);
	unit_run("cli: numbers have one strict syntax", numbers_have_one_strict_syntax);
}

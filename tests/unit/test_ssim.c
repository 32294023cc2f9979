/* Unit tests of lib/metric/ssim: the AVX-512 horizontal pass against the plain
 * one, and the exact 1 of identical images, on random images of the sizes
 * and depths ssimpair meets.  (Agreement with scikit-image is tested on
 * committed fixtures, through ssimpair.) */
#include <stdio.h>

#include "base/err.h"
#include "base/rng.h"
#include "img/image.h"
#include "metric/ssim.h"
#include "unit.h"

/* a random, b a plus noise, so that the SSIM is neither 0 nor 1. */
static void make_pair(int w, int h, int c, int depth, struct image *a, struct image *b)
{
	char err[ERRLEN];
	struct rng r;
	rng_seed(&r, 7, (uint64_t)(w * 1000 + c * 100 + depth));
	unsigned top = depth == 16 ? 65536 : 256;
	if (img_alloc(a, w, h, c, depth, err) || img_alloc(b, w, h, c, depth, err))
		return;
	for (size_t i = 0; i < img_samples(a); i++) {
		unsigned v = rng_below(&r, top);
		img_set(a, i, v);
		img_set(b, i, (v + rng_below(&r, top / 4)) % top);
	}
}

static const int shapes[][4] = {
	/* w, h, channels, depth */
	{ 128, 128, 1, 8 }, { 37, 29, 1, 8 }, { 41, 33, 3, 8 },
	{ 16, 11, 1, 8 },   { 11, 12, 3, 8 }, { 64, 40, 1, 16 },
	{ 45, 20, 3, 16 },
};

static void avx512_pass_gives_the_plain_results(void)
{
	struct ssim_params p;
	ssim_defaults(&p);
	struct ssim s;
	char err[ERRLEN];
	CHECK(ssim_init(&s, &p, err) == 0);
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
	/* Where GCC builds the AVX-512 pass, a processor that has it uses it. */
	CHECK(s.avx512 == (bool)__builtin_cpu_supports("avx512f"));
#endif
	if (!s.avx512) {
		printf("# no AVX-512 here: only the plain pass runs\n");
		ssim_free(&s);
		return;
	}
	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		struct image a, b;
		make_pair(shapes[i][0], shapes[i][1], shapes[i][2], shapes[i][3], &a, &b);
		double fast, plain;
		s.avx512 = true;
		CHECK(ssim_pair(&s, &a, &b, &fast, err) == 0);
		s.avx512 = false;
		CHECK(ssim_pair(&s, &a, &b, &plain, err) == 0);
		CHECK(fast == plain);
		CHECK(fast > 0.01 && fast < 0.99);
		img_free(&a);
		img_free(&b);
	}
	ssim_free(&s);
}

static void identical_images_score_exactly_one(void)
{
	struct ssim_params p;
	ssim_defaults(&p);
	struct ssim s;
	char err[ERRLEN];
	CHECK(ssim_init(&s, &p, err) == 0);
	bool fast = s.avx512;
	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		struct image a, b;
		make_pair(shapes[i][0], shapes[i][1], shapes[i][2], shapes[i][3], &a, &b);
		for (int pass = 0; pass < 2; pass++) {
			s.avx512 = fast && pass == 0;
			double v;
			CHECK(ssim_pair(&s, &a, &a, &v, err) == 0 && v == 1.0);
			CHECK(ssim_pair(&s, &b, &b, &v, err) == 0 && v == 1.0);
		}
		img_free(&a);
		img_free(&b);
	}
	ssim_free(&s);
}

void unit_main(void)
{
	unit_run("ssim: the AVX-512 horizontal pass gives the plain pass's results",
		 avx512_pass_gives_the_plain_results);
	unit_run("ssim: identical images score exactly 1", identical_images_score_exactly_one);
}

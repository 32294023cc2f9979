/* make bench: the SSIM kernel alone, on images already in memory, as
 * scikit-image's structural_similarity is timed in bench/peer_ssim.py.
 * Usage: ssim_kernel SIZE CHANNELS PAIRS; prints pairs per second and the
 * SSIM of the pair. */
#include <stdio.h>
#include <stdlib.h>

#include "base/progress.h"
#include "base/rng.h"
#include "cli/cli.h"
#include "img/image.h"
#include "metric/ssim.h"

/* Two related images: b is a plus noise, so that SSIM is neither 0 nor 1. */
static void make_pair(int size, int c, struct image *a, struct image *b)
{
	char err[ERRLEN];
	struct rng r;
	rng_seed(&r, 1, 0);
	if (img_alloc(a, size, size, c, 8, err) || img_alloc(b, size, size, c, 8, err))
		die("%s", err);
	for (size_t i = 0; i < img_samples(a); i++) {
		unsigned v = rng_below(&r, 256);
		img_set(a, i, v);
		img_set(b, i, (v + rng_below(&r, 64)) % 256);
	}
}

int main(int argc, char **argv)
{
	cli_init(argc, argv);
	if (argc != 4)
		die_usage("expected SIZE CHANNELS PAIRS");
	int size = (int)cli_long("SIZE", argv[1], 11, 4096);
	int c = (int)cli_long("CHANNELS", argv[2], 1, 3);
	long n = cli_long("PAIRS", argv[3], 1, 100000000);
	struct image a, b;
	make_pair(size, c, &a, &b);
	struct ssim_params p;
	ssim_defaults(&p);
	struct ssim s;
	char err[ERRLEN];
	if (ssim_init(&s, &p, err))
		die("%s", err);
	double v = 0, t0 = progress_now();
	for (long k = 0; k < n; k++)
		if (ssim_pair(&s, &a, &b, &v, err))
			die("%s", err);
	printf("%.0f\t%.6f\n", n / (progress_now() - t0), v);
	ssim_free(&s);
	img_free(&a);
	img_free(&b);
	return 0;
}

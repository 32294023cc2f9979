/* make bench-scale: N synthetic gray images of SIZE x SIZE as a labelled
 * PAM stream (imgsplit turns it into PNGs), for scaling the metric past
 * the size of any dataset at hand.  Image i is of class i mod 10: a few
 * soft blobs whose number and spread depend on the class, over seeded
 * noise, so that pairs of a class are more alike than pairs across.
 * Usage: synth_images N SIZE */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/rng.h"
#include "cli/cli.h"
#include "img/image.h"
#include "img/pam.h"

#define CLASSES 10

static void draw(struct image *im, int cls, struct rng *r)
{
	int size = im->w, blobs = 1 + cls % 4;
	double spread = size * (0.08 + 0.03 * (cls % 5));
	double cx[4], cy[4];
	for (int b = 0; b < blobs; b++) {
		cx[b] = size * (0.2 + 0.6 * rng_double(r));
		cy[b] = size * (0.2 + 0.6 * rng_double(r));
	}
	for (int y = 0; y < size; y++)
		for (int x = 0; x < size; x++) {
			double v = 20 + 12 * rng_normal(r);
			for (int b = 0; b < blobs; b++) {
				double dx = x - cx[b], dy = y - cy[b];
				v += 200 * exp(-(dx * dx + dy * dy) / (2 * spread * spread));
			}
			img_set(im, (size_t)y * size + x, v < 0 ? 0 : v > 255 ? 255 : (unsigned)v);
		}
}

int main(int argc, char **argv)
{
	cli_init(argc, argv);
	if (argc != 3)
		die_usage("expected N SIZE");
	long n = cli_long("N", argv[1], 1, 100000000);
	int size = (int)cli_long("SIZE", argv[2], 8, 4096);
	struct image im;
	char err[ERRLEN], label[16];
	if (img_alloc(&im, size, size, 1, 8, err))
		die("%s", err);
	struct rng r;
	rng_seed(&r, 1, 0);
	for (long i = 0; i < n; i++) {
		int cls = (int)(i % CLASSES);
		draw(&im, cls, &r);
		snprintf(label, sizeof label, "c%d", cls);
		if (pam_write(stdout, &im, label, NULL))
			die("write error");
	}
	img_free(&im);
	return 0;
}

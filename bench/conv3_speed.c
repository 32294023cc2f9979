/* The direct 3x3 kernels (lib/nn/conv3) alone, on the shapes of the
 * diffusion UNet at 28x28 (and its two stride-2 convolutions), a batch of
 * 64 random images: GFLOP/s of the forward pass, the data gradient and
 * the weight gradient, the best of REPS calls each, on OMP_NUM_THREADS
 * threads.  Usage: conv3_speed REPS (doc/benchmarks.md). */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/mem.h"
#include "base/rng.h"
#include "cli/cli.h"
#include "nn/conv3.h"

static float *random_floats(struct rng *r, size_t n)
{
	float *p = xmalloc(n * sizeof *p);
	for (size_t i = 0; i < n; i++)
		p[i] = (float)rng_double(r) - 0.5f;
	return p;
}

/* The best seconds of reps calls of pass on cv (a plane of side h). */
static double best(const struct conv *cv, int pass, int h, int n, int reps, const float *in,
		   const float *w, float *out, float *din, float *dw)
{
	double b = 1e30;
	for (int k = 0; k < reps; k++) {
		double t = omp_get_wtime();
		if (pass == CONV3_FORWARD)
			conv3_forward(cv, in, n, h, h, w, NULL, out);
		else if (pass == CONV3_DATA_GRAD)
			conv3_data_grad(cv, out, n, h, h, w, din);
		else
			conv3_weight_grad(cv, in, out, n, h, h, dw);
		t = omp_get_wtime() - t;
		b = t < b ? t : b;
	}
	return b;
}

int main(int argc, char **argv)
{
	cli_init(argc, argv);
	if (argc != 2)
		die_usage("expected REPS");
	int reps = (int)cli_long("REPS", argv[1], 1, 1000), n = 64;
	/* side, in, out channels, stride */
	static const int shapes[][4] = { { 28, 32, 32, 1 },  { 28, 64, 32, 1 }, { 28, 96, 32, 1 },
					 { 28, 32, 32, 2 },  { 14, 32, 64, 1 }, { 14, 64, 64, 1 },
					 { 14, 128, 64, 1 }, { 14, 64, 64, 2 }, { 7, 64, 64, 1 },
					 { 7, 128, 64, 1 } };
	struct rng r;
	rng_seed(&r, 1, 0);
	printf("side\tin\tout\tstride\tforward\tdata_grad\tweight_grad\n");
	for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
		int h = shapes[s][0];
		struct conv cv = { .cin = shapes[s][1], .cout = shapes[s][2], .k = 3,
				   .stride = shapes[s][3], .pad = 1 };
		if (!conv3_takes(&cv, CONV3_FORWARD))
			die("the direct kernels need AVX-512");
		int oh = conv_size(h, &cv);
		size_t nin = (size_t)cv.cin * n * h * h, nout = (size_t)cv.cout * n * oh * oh;
		float *in = random_floats(&r, nin), *w = random_floats(&r, conv_weights(&cv));
		float *out = random_floats(&r, nout), *din = random_floats(&r, nin);
		float *dw = random_floats(&r, conv_weights(&cv));
		double gflop = 2.0 * n * oh * oh * (double)conv_weights(&cv) / 1e9;
		printf("%d\t%d\t%d\t%d\t%.1f", h, cv.cin, cv.cout, cv.stride,
		       gflop / best(&cv, CONV3_FORWARD, h, n, reps, in, w, out, din, dw));
		if (conv3_takes(&cv, CONV3_DATA_GRAD))
			printf("\t%.1f", gflop / best(&cv, CONV3_DATA_GRAD, h, n, reps, in, w, out, din, dw));
		else
			printf("\t-");
		printf("\t%.1f\n", gflop / best(&cv, CONV3_WEIGHT_GRAD, h, n, reps, in, w, out, din, dw));
		free(in), free(w), free(out), free(din), free(dw);
	}
	return 0;
}

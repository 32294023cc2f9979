/* make bench: training and inference speed of a network on random data,
 * as bench/peer_train.py times PyTorch's.  Usage: nn_bench ARCH SIZE
 * CHANNELS BATCH STEPS; prints training and inference images per second,
 * the floating-point operations of an image's training step and of its
 * inference (convolutions and linear layers, multiply-adds counted as
 * two), and the machine's sgemm peak in GFLOP/s (OpenBLAS on every core,
 * square matrices of 2048).  An optional sixth argument picks how the
 * work is done, for comparisons: "direct" (the default: lib/nn/conv3's kernels
 * where they apply, OpenMP threads over single-threaded OpenBLAS),
 * "im2col" (no direct kernels), "blas-threads" (im2col, one OpenMP thread,
 * OpenBLAS on every core). */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <omp.h>

#include "base/mem.h"
#include "base/progress.h"
#include "base/rng.h"
#include "cli/cli.h"
#include "nn/conv3.h"
#include "nn/model.h"
#include "nn/optim.h"

static double sgemm_peak(void)
{
	int n = 2048;
	float *a = xcalloc((size_t)n * n, sizeof *a), *b = xcalloc((size_t)n * n, sizeof *b);
	float *c = xmalloc((size_t)n * n * sizeof *c);
	openblas_set_num_threads(omp_get_num_procs());
	double best = 0;
	for (int r = 0; r < 4; r++) {
		double t = progress_now();
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
		t = 2.0 * n * n * n / (progress_now() - t) / 1e9;
		best = t > best ? t : best;
	}
	openblas_set_num_threads(1);
	free(a), free(b), free(c);
	return best;
}

int main(int argc, char **argv)
{
	cli_init(argc, argv);
	if (argc != 6 && argc != 7)
		die_usage("expected ARCH SIZE CHANNELS BATCH STEPS [direct|im2col|blas-threads]");
	const char *mode = argc == 7 ? argv[6] : "direct";
	struct arch arch = { .width_mult = 1, .classes = 10 };
	snprintf(arch.name, sizeof arch.name, "%s", argv[1]);
	arch.height = arch.width = (int)cli_long("SIZE", argv[2], 8, 4096);
	arch.channels = (int)cli_long("CHANNELS", argv[3], 1, 3);
	int n = (int)cli_long("BATCH", argv[4], 1, 4096);
	long steps = cli_long("STEPS", argv[5], 1, 1000000);
	if (!strcmp(mode, "direct")) {
		nn_init(0);
	} else if (!strcmp(mode, "im2col")) {
		nn_init(0);
		conv3_disable(true);
	} else if (!strcmp(mode, "blas-threads")) {
		nn_init(1);
		conv3_disable(true);
		openblas_set_num_threads(omp_get_num_procs());
	} else {
		die_usage("unknown mode %s", mode);
	}
	struct model m;
	char err[ERRLEN];
	if (model_build(&m, &arch, 1, err))
		die_usage("%s", err);
	size_t len = (size_t)n * arch.channels * arch.height * arch.width;
	float *x = xmalloc(len * sizeof *x);
	int *labels = xmalloc((size_t)n * sizeof *labels);
	struct rng r;
	rng_seed(&r, 1, 0);
	for (size_t i = 0; i < len; i++)
		x[i] = (float)rng_below(&r, 1000) / 1000;
	for (int i = 0; i < n; i++)
		labels[i] = (int)rng_below(&r, 10);
	struct optim o = { .kind = OPTIM_SGD, .momentum = 0.9f, .weight_decay = 5e-4f };
	optim_init(&o, &m);
	double t0 = 0;
	for (long s = 0; s < steps + 2; s++) {
		if (s == 2) /* the first steps allocate */
			t0 = progress_now();
		model_forward(&m, x, n, true);
		softmax_ce(m.logits, labels, NULL, n, 10, m.prob, m.dlogits);
		model_backward(&m, n);
		optim_step(&o, &m, 0.01f);
	}
	double train = (double)n * steps / (progress_now() - t0);
	t0 = progress_now();
	for (long s = 0; s < steps; s++)
		model_forward(&m, x, n, false);
	double infer = (double)n * steps / (progress_now() - t0);
	double fwd_flops, train_flops;
	model_flops(&m, &fwd_flops, &train_flops);
	printf("%.0f\t%.0f\t%.0f\t%.0f\t%.1f\n", train, infer, train_flops, fwd_flops, sgemm_peak());
	optim_free(&o);
	model_free(&m);
	free(x);
	free(labels);
	return 0;
}

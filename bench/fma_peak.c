/* make bench: the processor's own single-precision peak, the ceiling
 * every row is measured against: each thread runs 12 independent chains
 * of 512-bit multiply-adds on registers (enough to cover the latency of
 * two pipes), nothing loaded or stored.  Usage: fma_peak THREADS; prints
 * the GFLOP/s of all the threads together (a multiply-add counted as
 * two), or - on a processor without AVX-512. */
#include <omp.h>
#include <stdio.h>

#include "cli/cli.h"

#define CHAINS 12
#define ROUNDS 200000000L

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/* The seconds of ROUNDS rounds on this thread; *sink keeps the chains
 * from being thrown away. */
__attribute__((target("avx512f"))) static double chains(float *sink)
{
	__m512 acc[CHAINS], x = _mm512_set1_ps(0.999f), y = _mm512_set1_ps(1e-4f);
	for (int i = 0; i < CHAINS; i++)
		acc[i] = _mm512_set1_ps((float)i * 1e-3f);
	double t = omp_get_wtime();
	for (long k = 0; k < ROUNDS; k++)
		_Pragma("GCC unroll 12") for (int i = 0; i < CHAINS; i++)
			acc[i] = _mm512_fmadd_ps(acc[i], x, y);
	t = omp_get_wtime() - t;
	for (int i = 0; i < CHAINS; i++)
		*sink += _mm512_reduce_add_ps(acc[i]);
	return t;
}

static bool avx512(void)
{
	return __builtin_cpu_supports("avx512f");
}
#else
static double chains(float *sink)
{
	(void)sink;
	return 0;
}

static bool avx512(void)
{
	return false;
}
#endif

int main(int argc, char **argv)
{
	cli_init(argc, argv);
	if (argc != 2)
		die_usage("expected THREADS");
	int threads = (int)cli_long("THREADS", argv[1], 1, 1024);
	if (!avx512()) {
		puts("-");
		return 0;
	}
	double gflops = 0;
	float sink = 0;
#pragma omp parallel num_threads(threads) reduction(+ : gflops, sink)
	gflops += (double)ROUNDS * CHAINS * 16 * 2 / chains(&sink) / 1e9;
	volatile float keep = sink; /* the chains' results are used */
	(void)keep;
	printf("%.1f\n", gflops);
	return 0;
}

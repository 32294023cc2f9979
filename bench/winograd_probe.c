/* A prototype of Winograd's F(2x2, 3x3) for the forward 3x3 convolution
 * (Lavin and Gray 2016) on lib/nn's CNHW activations, stride 1, padding 1,
 * an even plane: the input and output transforms written plainly, the 16
 * products by OpenBLAS's sgemm; against the direct kernel (conv3_forward)
 * on a batch of 64, the best of 5: GFLOP/s as the direct convolution's
 * operations over the time, the time of each phase, the largest error.
 * Usage: winograd_probe SIDE CIN COUT (doc/benchmarks.md: is Winograd the
 * way to more speed?  Run with OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1.) */
#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nn/conv3.h"

static float *rnd(size_t n, unsigned s)
{
	float *p = malloc(n * sizeof *p);
	srand(s);
	for (size_t i = 0; i < n; i++)
		p[i] = (float)rand() / (float)RAND_MAX - 0.5f;
	return p;
}

/* U[16][co][ci] from w[co][ci][3][3] */
static void wtrans(const float *w, int co, int ci, float *U)
{
	for (int o = 0; o < co; o++)
		for (int i = 0; i < ci; i++) {
			const float *g = w + ((size_t)o * ci + i) * 9;
			float t[4][3];
			for (int c = 0; c < 3; c++) {
				t[0][c] = g[0 * 3 + c];
				t[1][c] = 0.5f * (g[0 * 3 + c] + g[1 * 3 + c] + g[2 * 3 + c]);
				t[2][c] = 0.5f * (g[0 * 3 + c] - g[1 * 3 + c] + g[2 * 3 + c]);
				t[3][c] = g[2 * 3 + c];
			}
			for (int r = 0; r < 4; r++) {
				float u[4] = { t[r][0], 0.5f * (t[r][0] + t[r][1] + t[r][2]), 0.5f * (t[r][0] - t[r][1] + t[r][2]), t[r][2] };
				for (int c = 0; c < 4; c++)
					U[((size_t)(r * 4 + c) * co + o) * ci + i] = u[c];
			}
		}
}

/* seconds of the input transform, the products, the output transform */
static double phase[3];

static void forward(const float *in, int ci, int n, int h, int w, const float *U, int co, float *out, float *V, float *M)
{
	int th = h / 2, tw = w / 2;
	size_t T = (size_t)n * th * tw;
	double t0 = omp_get_wtime();
	/* V[16][ci][T] */
	for (int c = 0; c < ci; c++)
		for (int b = 0; b < n; b++) {
			const float *x = in + ((size_t)c * n + b) * h * w;
			for (int ty = 0; ty < th; ty++)
				for (int tx = 0; tx < tw; tx++) {
					float d[4][4];
					for (int r = 0; r < 4; r++)
						for (int s = 0; s < 4; s++) {
							int y = 2 * ty + r - 1, xx = 2 * tx + s - 1;
							d[r][s] = y >= 0 && y < h && xx >= 0 && xx < w ? x[y * w + xx] : 0;
						}
					float t[4][4];
					for (int s = 0; s < 4; s++) {
						t[0][s] = d[0][s] - d[2][s];
						t[1][s] = d[1][s] + d[2][s];
						t[2][s] = d[2][s] - d[1][s];
						t[3][s] = d[1][s] - d[3][s];
					}
					size_t tile = ((size_t)b * th + ty) * tw + tx;
					for (int r = 0; r < 4; r++) {
						float v[4] = { t[r][0] - t[r][2], t[r][1] + t[r][2], t[r][2] - t[r][1], t[r][1] - t[r][3] };
						for (int s = 0; s < 4; s++)
							V[((size_t)(r * 4 + s) * ci + c) * T + tile] = v[s];
					}
				}
		}
	double t1 = omp_get_wtime();
	for (int xi = 0; xi < 16; xi++)
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, co, (int)T, ci, 1, U + (size_t)xi * co * ci, ci,
			    V + (size_t)xi * ci * T, (int)T, 0, M + (size_t)xi * co * T, (int)T);
	double t2 = omp_get_wtime();
	for (int o = 0; o < co; o++)
		for (int b = 0; b < n; b++)
			for (int ty = 0; ty < th; ty++)
				for (int tx = 0; tx < tw; tx++) {
					size_t tile = ((size_t)b * th + ty) * tw + tx;
					float m[4][4];
					for (int xi = 0; xi < 16; xi++)
						m[xi / 4][xi % 4] = M[((size_t)xi * co + o) * T + tile];
					float t[2][4];
					for (int s = 0; s < 4; s++) {
						t[0][s] = m[0][s] + m[1][s] + m[2][s];
						t[1][s] = m[1][s] - m[2][s] - m[3][s];
					}
					float *y = out + ((size_t)o * n + b) * h * w;
					for (int r = 0; r < 2; r++) {
						y[(2 * ty + r) * w + 2 * tx] = t[r][0] + t[r][1] + t[r][2];
						y[(2 * ty + r) * w + 2 * tx + 1] = t[r][1] - t[r][2] - t[r][3];
					}
				}
	double t3 = omp_get_wtime();
	phase[0] += t1 - t0; phase[1] += t2 - t1; phase[2] += t3 - t2;
}

int main(int argc, char **argv)
{
	if (argc != 4 || atoi(argv[1]) < 2 || atoi(argv[1]) % 2 || atoi(argv[2]) < 1 || atoi(argv[3]) < 8 ||
	    atoi(argv[3]) % 8) {
		fprintf(stderr, "usage: winograd_probe SIDE (even) CIN COUT (a multiple of 8)\n");
		return 2;
	}
	int h = atoi(argv[1]), ci = atoi(argv[2]), co = atoi(argv[3]), n = 64;
	struct conv cv = { ci, co, 3, 1, 1 };
	float *in = rnd((size_t)ci * n * h * h, 1), *wt = rnd((size_t)co * ci * 9, 2);
	float *ref = malloc((size_t)co * n * h * h * 4), *out = malloc((size_t)co * n * h * h * 4);
	float *U = malloc((size_t)16 * co * ci * 4);
	size_t T = (size_t)n * (h / 2) * (h / 2);
	float *V = malloc(16 * ci * T * 4), *M = malloc(16 * co * T * 4);
	double bd = 1e9, bw = 1e9;
	for (int r = 0; r < 5; r++) {
		double t = omp_get_wtime(); conv3_forward(&cv, in, n, h, h, wt, NULL, ref); t = omp_get_wtime() - t; if (t < bd) bd = t;
		t = omp_get_wtime(); wtrans(wt, co, ci, U); forward(in, ci, n, h, h, U, co, out, V, M); t = omp_get_wtime() - t; if (t < bw) bw = t;
	}
	double err = 0, scale = 0;
	for (size_t i = 0; i < (size_t)co * n * h * h; i++) { err = fmax(err, fabs(out[i] - ref[i])); scale = fmax(scale, fabs(ref[i])); }
	double gf = 2.0 * n * h * h * co * ci * 9 / 1e9;
	printf("phases (5 runs): input %.3f gemm %.3f output %.3f s\n", phase[0], phase[1], phase[2]);
	printf("%dx%d %d->%d: direct %.1f GFLOP/s, winograd %.1f (direct-equivalent), %.2fx; max err %.2g of %.2g\n", h, h, ci, co, gf / bd, gf / bw, bd / bw, err, scale);
	return 0;
}

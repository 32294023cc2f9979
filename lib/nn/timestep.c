#include "nn/timestep.h"

#include <math.h>
#include <string.h>

/* In double, each value rounded once: guided-diffusion computes in
 * float32, where t f_j for t near 1000 is off by up to 6e-5; the exact
 * value is the one to agree on. */
void timestep_embedding(const float *t, int n, int dim, double max_period, float *emb)
{
	int half = dim / 2;
	for (int j = 0; j < half; j++) {
		double f = exp(-log(max_period) * j / half);
		for (int i = 0; i < n; i++) {
			double arg = (double)t[i] * f;
			emb[(size_t)j * n + i] = (float)cos(arg);
			emb[(size_t)(half + j) * n + i] = (float)sin(arg);
		}
	}
	if (dim % 2)
		memset(emb + (size_t)(dim - 1) * n, 0, (size_t)n * sizeof *emb);
}

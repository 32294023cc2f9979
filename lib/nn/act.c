#include "nn/act.h"

#include <math.h>
#include <string.h>

static float sigmoid(float x)
{
	return 1 / (1 + expf(-x));
}

void silu_forward(const float *x, size_t len, float *out)
{
#pragma omp parallel for schedule(static)
	for (size_t i = 0; i < len; i++)
		out[i] = x[i] * sigmoid(x[i]);
}

/* d(x s)/dx = s + x s (1 - s), s' = s (1 - s) */
void silu_backward(const float *x, const float *dout, size_t len, float *dx)
{
#pragma omp parallel for schedule(static)
	for (size_t i = 0; i < len; i++) {
		float s = sigmoid(x[i]);
		dx[i] += dout[i] * s * (1 + x[i] * (1 - s));
	}
}

void channel_bias_forward(float *x, int c, size_t nhw, const float *b)
{
#pragma omp parallel for schedule(static)
	for (int k = 0; k < c; k++) {
		float *xk = x + (size_t)k * nhw;
		for (size_t i = 0; i < nhw; i++)
			xk[i] += b[k];
	}
}

void channel_bias_backward(const float *dout, int c, size_t nhw, float *db)
{
#pragma omp parallel for schedule(static)
	for (int k = 0; k < c; k++) {
		const float *dk = dout + (size_t)k * nhw;
		double sum = 0;
		for (size_t i = 0; i < nhw; i++)
			sum += dk[i];
		db[k] += (float)sum;
	}
}

void concat_forward(const float *a, int ca, const float *b, int cb, size_t nhw, float *out)
{
	memcpy(out, a, (size_t)ca * nhw * sizeof *out);
	memcpy(out + (size_t)ca * nhw, b, (size_t)cb * nhw * sizeof *out);
}

static void accumulate(const float *d, size_t len, float *into)
{
#pragma omp parallel for simd schedule(static)
	for (size_t i = 0; i < len; i++)
		into[i] += d[i];
}

void concat_backward(const float *dout, int ca, int cb, size_t nhw, float *da, float *db)
{
	if (da)
		accumulate(dout, (size_t)ca * nhw, da);
	if (db)
		accumulate(dout + (size_t)ca * nhw, (size_t)cb * nhw, db);
}

double mse_loss(const float *a, const float *b, size_t len, float *da)
{
	double sum = 0;
	for (size_t i = 0; i < len; i++) {
		double d = (double)a[i] - b[i];
		sum += d * d;
		if (da)
			da[i] = (float)(2 * d / (double)len);
	}
	return sum / (double)len;
}

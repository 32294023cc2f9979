#include "nn/nn.h"

#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "nn/act.h"
#include "nn/conv3.h"
#include "nn/pointwise.h"

/* OpenBLAS's own threads would fight OpenMP's for the two cores: off. */
void openblas_set_num_threads(int);

void nn_init(int threads)
{
	openblas_set_num_threads(1);
	/* a fixed team: OMP_DYNAMIC could shrink it from region to region */
	omp_set_dynamic(0);
	omp_set_num_threads(threads > 0 ? threads : omp_get_num_procs());
}

/* A buffer of each thread's own, grown as needed and kept. */
static float *thread_buffer(int which, size_t n)
{
	static _Thread_local float *buf[2];
	static _Thread_local size_t cap[2];
	if (n > cap[which]) {
		free(buf[which]);
		buf[which] = xmalloc(n * sizeof **buf);
		cap[which] = n;
	}
	return buf[which];
}

/* The column matrix of a chunk is kept under this many floats (4 MB), so
 * that it stays in the cache between im2col and the product. */
#define COL_FLOATS ((size_t)1 << 20)
#define CHUNK_MULTIPLE 4

struct conv_geom {
	const struct conv *cv;
	int n, h, w, oh, ow;
	size_t ckk, ohow, chunks;
};

static struct conv_geom conv_geom(const struct conv *cv, int n, int h, int w)
{
	struct conv_geom g = { .cv = cv, .n = n, .h = h, .w = w };
	g.oh = conv_size(h, cv);
	g.ow = conv_size(w, cv);
	g.ckk = (size_t)cv->cin * (size_t)cv->k * (size_t)cv->k;
	g.ohow = (size_t)g.oh * (size_t)g.ow;
	size_t per = COL_FLOATS / (g.ckk * g.ohow); /* images a chunk at most */
	if (per < 1)
		per = 1;
	/* A multiple of CHUNK_MULTIPLE chunks (or one an image), their sizes
	 * differing by one at most (chunk_images), so that 1, 2 or 4 threads
	 * share them evenly; the split must not depend on the threads (the
	 * weight gradient sums chunk by chunk). */
	g.chunks = ((size_t)n + per - 1) / per;
	g.chunks = (g.chunks + CHUNK_MULTIPLE - 1) / CHUNK_MULTIPLE * CHUNK_MULTIPLE;
	if (g.chunks > (size_t)n)
		g.chunks = (size_t)n;
	return g;
}

/* A 1x1 convolution of stride 1 needs no column matrix: it is the input. */
static int conv_is_pointwise(const struct conv *cv)
{
	return cv->k == 1 && cv->stride == 1 && cv->pad == 0;
}

/* The output columns x in [lo, hi) whose input column x s - p + kw lies
 * inside the image; the others read the zero padding. */
static void valid_columns(const struct conv_geom *g, int kw, int *lo, int *hi)
{
	const struct conv *cv = g->cv;
	int first = cv->pad - kw; /* x s >= first */
	*lo = first <= 0 ? 0 : (first + cv->stride - 1) / cv->stride;
	int last = g->w - 1 + cv->pad - kw; /* x s <= last */
	*hi = last < 0 ? 0 : last / cv->stride + 1;
	if (*hi > g->ow)
		*hi = g->ow;
	if (*lo > *hi)
		*lo = *hi;
}

/* The column matrix of images n0 .. n0 + nn - 1: col[(c k + kh) k + kw][i
 * oh ow + y ow + x] = in[c][n0 + i][y s - p + kh][x s - p + kw], or 0 in
 * the padding. */
static void im2col(const struct conv_geom *g, const float *in, size_t n0, size_t nn, float *col)
{
	const struct conv *cv = g->cv;
	size_t cols = nn * g->ohow, plane = (size_t)g->h * (size_t)g->w;
	for (int c = 0; c < cv->cin; c++)
		for (int kh = 0; kh < cv->k; kh++)
			for (int kw = 0; kw < cv->k; kw++) {
				float *row = col + ((size_t)(c * cv->k + kh) * cv->k + kw) * cols;
				int lo, hi;
				valid_columns(g, kw, &lo, &hi);
				for (size_t i = 0; i < nn; i++) {
					const float *img = in + ((size_t)c * g->n + n0 + i) * plane;
					for (int y = 0; y < g->oh; y++) {
						int iy = y * cv->stride - cv->pad + kh;
						float *dst = row + i * g->ohow + (size_t)y * g->ow;
						if (iy < 0 || iy >= g->h) {
							memset(dst, 0, (size_t)g->ow * sizeof *dst);
							continue;
						}
						/* input column of x: x s + shift, inside for lo <= x < hi */
						const float *src = img + (size_t)iy * g->w;
						int shift = kw - cv->pad;
						memset(dst, 0, (size_t)lo * sizeof *dst);
						if (cv->stride == 1)
							memcpy(dst + lo, src + lo + shift, (size_t)(hi - lo) * sizeof *dst);
						else
							for (int x = lo; x < hi; x++)
								dst[x] = src[x * cv->stride + shift];
						memset(dst + hi, 0, (size_t)(g->ow - hi) * sizeof *dst);
					}
				}
			}
}

/* The adjoint of im2col: din += the columns put back where they came from. */
static void col2im(const struct conv_geom *g, const float *col, size_t n0, size_t nn, float *din)
{
	const struct conv *cv = g->cv;
	size_t cols = nn * g->ohow, plane = (size_t)g->h * (size_t)g->w;
	for (int c = 0; c < cv->cin; c++)
		for (int kh = 0; kh < cv->k; kh++)
			for (int kw = 0; kw < cv->k; kw++) {
				const float *row = col + ((size_t)(c * cv->k + kh) * cv->k + kw) * cols;
				int lo, hi;
				valid_columns(g, kw, &lo, &hi);
				for (size_t i = 0; i < nn; i++) {
					float *img = din + ((size_t)c * g->n + n0 + i) * plane;
					for (int y = 0; y < g->oh; y++) {
						int iy = y * cv->stride - cv->pad + kh;
						if (iy < 0 || iy >= g->h)
							continue;
						const float *src = row + i * g->ohow + (size_t)y * g->ow;
						float *dst = img + (size_t)iy * g->w;
						int shift = kw - cv->pad;
						for (int x = lo; x < hi; x++)
							dst[x * cv->stride + shift] += src[x];
					}
				}
			}
}

/* Batch norm in evaluation is x scale + shift for channel c. */
static void bn_eval_affine(const struct batchnorm *bn, const float *gamma, const float *beta,
			   const float *run_mean, const float *run_var, int c, float *scale,
			   float *shift)
{
	*scale = gamma[c] / sqrtf(run_var[c] + bn->eps);
	*shift = beta[c] - run_mean[c] * *scale;
}

/* Chunk ch of the geometry: its first image and how many. */
static size_t chunk_images(const struct conv_geom *g, size_t ch, size_t *n0)
{
	*n0 = ch * (size_t)g->n / g->chunks;
	return (ch + 1) * (size_t)g->n / g->chunks - *n0;
}

void conv_forward(const struct conv *cv, const float *in, int n, int h, int w, const float *wt,
		  float *out)
{
	if (conv3_takes(cv, CONV3_FORWARD)) {
		conv3_forward(cv, in, n, h, w, wt, NULL, out);
		return;
	}
	struct conv_geom g = conv_geom(cv, n, h, w);
	/* One product an image: OpenBLAS rounds a column differently with
	 * the number of columns, and an image's output must not depend on the
	 * images beside it in the batch (clsprob and gansample give the same
	 * bytes whatever -b, and split over GNU parallel). */
	g.chunks = (size_t)n;
	size_t ld_out = (size_t)n * g.ohow;
#pragma omp parallel for schedule(static)
	for (size_t ch = 0; ch < g.chunks; ch++) {
		size_t n0, nn = chunk_images(&g, ch, &n0);
		const float *col;
		size_t ld_col;
		if (conv_is_pointwise(cv)) {
			col = in + n0 * g.ohow;
			ld_col = ld_out;
		} else {
			float *buf = thread_buffer(0, g.ckk * nn * g.ohow);
			im2col(&g, in, n0, nn, buf);
			col = buf;
			ld_col = nn * g.ohow;
		}
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cv->cout, (int)(nn * g.ohow),
			    (int)g.ckk, 1, wt, (int)g.ckk, col, (int)ld_col, 0, out + n0 * g.ohow,
			    (int)ld_out);
	}
}

/* A convolution of fewer output channels than the direct kernels' block
 * (the UNet's last, to the image's channels) as one of a whole block, the
 * others' weights 0, their planes dropped; false where the kernels do not
 * take the block either. */
static bool conv3_forward_padded(const struct conv *cv, const float *in, int n, int h, int w,
				 const float *wt, const float *bias, float *out)
{
	struct conv block = *cv;
	block.cout = CONV3_BLOCK;
	if (cv->cout >= CONV3_BLOCK || !conv3_takes(&block, CONV3_FORWARD))
		return false;
	size_t nw = conv_weights(cv), plane = (size_t)n * conv_size(h, cv) * conv_size(w, cv);
	float *wide = xcalloc(conv_weights(&block) + CONV3_BLOCK, sizeof *wide);
	float *wide_bias = wide + conv_weights(&block);
	float *all = xmalloc(CONV3_BLOCK * plane * sizeof *all);
	memcpy(wide, wt, nw * sizeof *wide);
	memcpy(wide_bias, bias, (size_t)cv->cout * sizeof *wide_bias);
	conv3_forward(&block, in, n, h, w, wide, &(struct conv3_epilogue){ .bias = wide_bias }, all);
	memcpy(out, all, (size_t)cv->cout * plane * sizeof *out);
	free(wide);
	free(all);
	return true;
}

void conv_bias_forward(const struct conv *cv, const float *in, int n, int h, int w,
		       const float *wt, const float *bias, float *out)
{
	if (conv3_takes(cv, CONV3_FORWARD)) {
		conv3_forward(cv, in, n, h, w, wt, &(struct conv3_epilogue){ .bias = bias }, out);
		return;
	}
	if (conv3_forward_padded(cv, in, n, h, w, wt, bias, out))
		return;
	if (pointwise_takes(cv, (size_t)h * (size_t)w)) {
		pointwise_bias_forward(cv, in, n, (size_t)h * (size_t)w, wt, bias, out);
		return;
	}
	conv_forward(cv, in, n, h, w, wt, out);
	channel_bias_forward(out, cv->cout, (size_t)n * (size_t)conv_size(h, cv) *
						    (size_t)conv_size(w, cv), bias);
}

/* dwt += dout col(in)^T over the whole batch.  Each chunk's product goes
 * to a buffer of its own, and the buffers are added in chunk order: the
 * sum does not depend on which thread did which chunk, nor on how many
 * threads there are. */
static void conv_weight_grad(const struct conv_geom *g, const float *in, const float *dout,
			     float *dwt)
{
	const struct conv *cv = g->cv;
	size_t ld_out = (size_t)g->n * g->ohow, nw = conv_weights(cv);
	float *partial = xmalloc(g->chunks * nw * sizeof *partial);
#pragma omp parallel for schedule(static)
	for (size_t ch = 0; ch < g->chunks; ch++) {
		size_t n0, nn = chunk_images(g, ch, &n0), cols = nn * g->ohow;
		const float *col = in + n0 * g->ohow;
		size_t ld_col = ld_out;
		if (!conv_is_pointwise(cv)) {
			float *buf = thread_buffer(0, g->ckk * cols);
			im2col(g, in, n0, nn, buf);
			col = buf;
			ld_col = cols;
		}
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, cv->cout, (int)g->ckk, (int)cols,
			    1, dout + n0 * g->ohow, (int)ld_out, col, (int)ld_col, 0, partial + ch * nw,
			    (int)g->ckk);
	}
	for (size_t ch = 0; ch < g->chunks; ch++)
		for (size_t i = 0; i < nw; i++)
			dwt[i] += partial[ch * nw + i];
	free(partial);
}

/* din += col2im(W^T dout). */
static void conv_data_grad(const struct conv_geom *g, const float *wt, const float *dout,
			   float *din)
{
	const struct conv *cv = g->cv;
	size_t ld_out = (size_t)g->n * g->ohow;
#pragma omp parallel for schedule(static)
	for (size_t ch = 0; ch < g->chunks; ch++) {
		size_t n0, nn = chunk_images(g, ch, &n0), cols = nn * g->ohow;
		const float *d = dout + n0 * g->ohow;
		if (conv_is_pointwise(cv)) {
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)g->ckk, (int)cols,
				    cv->cout, 1, wt, (int)g->ckk, d, (int)ld_out, 1, din + n0 * g->ohow,
				    (int)ld_out);
			continue;
		}
		float *dcol = thread_buffer(1, g->ckk * cols);
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)g->ckk, (int)cols, cv->cout,
			    1, wt, (int)g->ckk, d, (int)ld_out, 0, dcol, (int)cols);
		col2im(g, dcol, n0, nn, din);
	}
}

void conv_backward(const struct conv *cv, const float *in, int n, int h, int w, const float *wt,
		   const float *dout, float *din, float *dwt)
{
	struct conv_geom g = conv_geom(cv, n, h, w);
	if (dwt && conv3_takes(cv, CONV3_WEIGHT_GRAD))
		conv3_weight_grad(cv, in, dout, n, h, w, dwt);
	else if (dwt)
		conv_weight_grad(&g, in, dout, dwt);
	if (!din)
		return;
	if (conv3_takes(cv, CONV3_DATA_GRAD))
		conv3_data_grad(cv, dout, n, h, w, wt, din);
	else
		conv_data_grad(&g, wt, dout, din);
}

bool conv_bn_forward_eval(const struct conv *cv, const float *in, int n, int h, int w,
			  const float *wt, const struct batchnorm *bn, const float *gamma,
			  const float *beta, const float *run_mean, const float *run_var,
			  const float *residual, bool relu, float *out)
{
	if (!conv3_takes(cv, CONV3_FORWARD))
		return false;
	float *scale = xmalloc(2 * (size_t)bn->c * sizeof *scale), *shift = scale + bn->c;
	for (int c = 0; c < bn->c; c++)
		bn_eval_affine(bn, gamma, beta, run_mean, run_var, c, &scale[c], &shift[c]);
	struct conv3_epilogue e = { scale, shift, residual, relu, NULL };
	conv3_forward(cv, in, n, h, w, wt, &e, out);
	free(scale);
	return true;
}

/* A transposed convolution is the adjoint of the convolution from its
 * output's space to its input's: that convolution's backward pass is its
 * forward, and its forward pass is its backward. */
static struct conv adjoint(const struct conv *cv)
{
	return (struct conv){ .cin = cv->cout, .cout = cv->cin, .k = cv->k, .stride = cv->stride,
			      .pad = cv->pad };
}

void convt_forward(const struct conv *cv, const float *in, int n, int h, int w, const float *wt,
		   float *out)
{
	struct conv a = adjoint(cv);
	int oh = convt_size(h, cv), ow = convt_size(w, cv);
	memset(out, 0, (size_t)cv->cout * (size_t)n * (size_t)oh * (size_t)ow * sizeof *out);
	struct conv_geom g = conv_geom(&a, n, oh, ow);
	g.chunks = (size_t)n; /* one product an image, as conv_forward */
	conv_data_grad(&g, wt, in, out);
}

void convt_backward(const struct conv *cv, const float *in, int n, int h, int w, const float *wt,
		    const float *dout, float *din, float *dwt)
{
	struct conv a = adjoint(cv);
	int oh = convt_size(h, cv), ow = convt_size(w, cv);
	struct conv_geom g = conv_geom(&a, n, oh, ow);
	conv_weight_grad(&g, dout, in, dwt);
	if (!din)
		return;
	size_t len = (size_t)cv->cin * (size_t)n * (size_t)h * (size_t)w;
	float *tmp = xmalloc(len * sizeof *tmp);
	conv_forward(&a, dout, n, oh, ow, wt, tmp);
	for (size_t i = 0; i < len; i++)
		din[i] += tmp[i];
	free(tmp);
}

void bn_forward_train(const struct batchnorm *bn, const float *x, size_t m, const float *gamma,
		      const float *beta, float *run_mean, float *run_var, float *mean,
		      float *invstd, float *out)
{
#pragma omp parallel for schedule(static)
	for (int c = 0; c < bn->c; c++) {
		const float *xc = x + (size_t)c * m;
		double sum = 0, sq = 0;
#pragma omp simd reduction(+ : sum)
		for (size_t i = 0; i < m; i++)
			sum += xc[i];
		double mu = sum / (double)m;
#pragma omp simd reduction(+ : sq)
		for (size_t i = 0; i < m; i++)
			sq += (xc[i] - mu) * (xc[i] - mu);
		double var = sq / (double)m;
		mean[c] = (float)mu;
		invstd[c] = (float)(1 / sqrt(var + bn->eps));
		float scale = gamma[c] * invstd[c], shift = beta[c] - (float)mu * scale;
		float *oc = out + (size_t)c * m;
		for (size_t i = 0; i < m; i++)
			oc[i] = xc[i] * scale + shift;
		double unbiased = m > 1 ? sq / (double)(m - 1) : var;
		run_mean[c] = (1 - bn->momentum) * run_mean[c] + bn->momentum * (float)mu;
		run_var[c] = (1 - bn->momentum) * run_var[c] + bn->momentum * (float)unbiased;
	}
}

void bn_forward_eval(const struct batchnorm *bn, const float *x, size_t m, const float *gamma,
		     const float *beta, const float *run_mean, const float *run_var, float *out)
{
#pragma omp parallel for schedule(static)
	for (int c = 0; c < bn->c; c++) {
		float scale, shift;
		bn_eval_affine(bn, gamma, beta, run_mean, run_var, c, &scale, &shift);
		const float *xc = x + (size_t)c * m;
		float *oc = out + (size_t)c * m;
		for (size_t i = 0; i < m; i++)
			oc[i] = xc[i] * scale + shift;
	}
}

void bn_backward(const struct batchnorm *bn, const float *x, size_t m, const float *gamma,
		 const float *mean, const float *invstd, const float *dout, float *dx,
		 float *dgamma, float *dbeta)
{
#pragma omp parallel for schedule(static)
	for (int c = 0; c < bn->c; c++) {
		const float *xc = x + (size_t)c * m, *dc = dout + (size_t)c * m;
		double sum_d = 0, sum_dxhat = 0;
#pragma omp simd reduction(+ : sum_d, sum_dxhat)
		for (size_t i = 0; i < m; i++) {
			sum_d += dc[i];
			sum_dxhat += dc[i] * (xc[i] - mean[c]) * invstd[c];
		}
		dgamma[c] += (float)sum_dxhat;
		dbeta[c] += (float)sum_d;
		float k = gamma[c] * invstd[c] / (float)m;
		float md = (float)sum_d, mdx = (float)sum_dxhat;
		float *dxc = dx + (size_t)c * m;
		for (size_t i = 0; i < m; i++) {
			float xhat = (xc[i] - mean[c]) * invstd[c];
			dxc[i] += k * ((float)m * dc[i] - md - xhat * mdx);
		}
	}
}

void relu_forward(const float *x, size_t len, float *out)
{
#pragma omp parallel for simd schedule(static)
	for (size_t i = 0; i < len; i++)
		out[i] = x[i] > 0 ? x[i] : 0;
}

void relu_backward(const float *out, const float *dout, size_t len, float *dx)
{
#pragma omp parallel for simd schedule(static)
	for (size_t i = 0; i < len; i++) {
		float d = dout[i]; /* loaded whatever out is, so that the loop vectorizes */
		dx[i] += out[i] > 0 ? d : 0;
	}
}

void add_forward(const float *a, const float *b, size_t len, float *out)
{
#pragma omp parallel for simd schedule(static)
	for (size_t i = 0; i < len; i++)
		out[i] = a[i] + b[i];
}

void add_backward(const float *dout, size_t len, float *da, float *db)
{
#pragma omp parallel for simd schedule(static)
	for (size_t i = 0; i < len; i++) {
		da[i] += dout[i];
		db[i] += dout[i];
	}
}

void zero_fill(float *x, size_t len)
{
#pragma omp parallel for simd schedule(static)
	for (size_t i = 0; i < len; i++)
		x[i] = 0;
}

void avgpool_global_forward(const float *x, int c, int n, int hw, float *out)
{
	size_t planes = (size_t)c * (size_t)n;
#pragma omp parallel for schedule(static)
	for (size_t p = 0; p < planes; p++) {
		const float *xp = x + p * (size_t)hw;
		double sum = 0;
		for (int i = 0; i < hw; i++)
			sum += xp[i];
		out[p] = (float)(sum / hw);
	}
}

void avgpool_global_backward(const float *dout, int c, int n, int hw, float *dx)
{
	size_t planes = (size_t)c * (size_t)n;
#pragma omp parallel for schedule(static)
	for (size_t p = 0; p < planes; p++) {
		float g = dout[p] / (float)hw;
		float *dp = dx + p * (size_t)hw;
		for (int i = 0; i < hw; i++)
			dp[i] += g;
	}
}

void linear_forward(const float *x, int n, int in, int out, const float *wt, const float *bias,
		    float *y)
{
	/* y[i] [out] = W [out][in] x[i] [in] + bias, image by image (x is
	 * [in][n]): as in conv_forward, so that an image's output does not
	 * depend on the batch, which a single product over it would. */
	for (int i = 0; i < n; i++) {
		memcpy(y + (size_t)i * out, bias, (size_t)out * sizeof *y);
		cblas_sgemv(CblasRowMajor, CblasNoTrans, out, in, 1, wt, in, x + i, n, 1,
			    y + (size_t)i * out, 1);
	}
}

void linear_backward(const float *x, int n, int in, int out, const float *wt, const float *dy,
		     float *dx, float *dwt, float *dbias)
{
	/* dW [out][in] += dy^T [out][n] x^T [n][in] */
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasTrans, out, in, n, 1, dy, out, x, n, 1, dwt, in);
	/* dx [in][n] += W^T [in][out] dy^T [out][n] */
	if (dx)
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasTrans, in, n, out, 1, wt, in, dy, out, 1,
			    dx, n);
	for (int j = 0; j < out; j++) {
		double sum = 0;
		for (int i = 0; i < n; i++)
			sum += dy[(size_t)i * out + j];
		dbias[j] += (float)sum;
	}
}

double softmax_ce(const float *logits, const int *labels, const float *weight, int n, int k,
		  float *prob, float *dlogits)
{
	double loss = 0, total_weight = 0;
	for (int i = 0; i < n; i++) {
		const float *z = logits + (size_t)i * k;
		float *p = prob + (size_t)i * k;
		float top = z[0];
		for (int j = 1; j < k; j++)
			top = z[j] > top ? z[j] : top;
		double sum = 0;
		for (int j = 0; j < k; j++)
			sum += exp((double)z[j] - top);
		for (int j = 0; j < k; j++)
			p[j] = (float)(exp((double)z[j] - top) / sum);
		double wi = weight ? weight[labels[i]] : 1;
		loss += wi * (log(sum) + top - z[labels[i]]);
		total_weight += wi;
	}
	if (dlogits)
		for (int i = 0; i < n; i++) {
			double wi = (weight ? weight[labels[i]] : 1) / total_weight;
			for (int j = 0; j < k; j++) {
				double g = prob[(size_t)i * k + j] - (j == labels[i]);
				dlogits[(size_t)i * k + j] = (float)(wi * g);
			}
		}
	return loss / total_weight;
}

void leaky_relu_forward(const float *x, size_t len, float slope, float *out)
{
#pragma omp parallel for simd schedule(static)
	for (size_t i = 0; i < len; i++)
		out[i] = x[i] > 0 ? x[i] : slope * x[i];
}

void leaky_relu_backward(const float *x, const float *dout, size_t len, float slope, float *dx)
{
#pragma omp parallel for simd schedule(static)
	for (size_t i = 0; i < len; i++)
		dx[i] += x[i] > 0 ? dout[i] : slope * dout[i];
}

void tanh_forward(const float *x, size_t len, float *out)
{
#pragma omp parallel for schedule(static)
	for (size_t i = 0; i < len; i++)
		out[i] = tanhf(x[i]);
}

void tanh_backward(const float *out, const float *dout, size_t len, float *dx)
{
#pragma omp parallel for simd schedule(static)
	for (size_t i = 0; i < len; i++)
		dx[i] += dout[i] * (1 - out[i] * out[i]);
}

/* Each input row widened scale times into the first of its output rows,
 * then copied into the others. */
void upsample_forward(const float *x, int planes, int h, int w, int scale, float *out)
{
	size_t ow = (size_t)w * (size_t)scale;
#pragma omp parallel for schedule(static)
	for (int q = 0; q < planes; q++)
		for (int y = 0; y < h; y++) {
			const float *src = x + ((size_t)q * h + y) * w;
			float *row = out + ((size_t)q * h + y) * scale * ow;
			for (size_t xo = 0; xo < ow; xo++)
				row[xo] = src[xo / (size_t)scale];
			for (int r = 1; r < scale; r++)
				memcpy(row + r * ow, row, ow * sizeof *row);
		}
}

/* Each input pixel takes its scale x scale outputs row by row, in the
 * order of the output's pixels. */
void upsample_backward(const float *dout, int planes, int h, int w, int scale, float *dx)
{
	size_t ow = (size_t)w * (size_t)scale;
#pragma omp parallel for schedule(static)
	for (int q = 0; q < planes; q++)
		for (int y = 0; y < h; y++) {
			float *d = dx + ((size_t)q * h + y) * w;
			const float *src = dout + ((size_t)q * h + y) * scale * ow;
			for (int r = 0; r < scale; r++, src += ow)
				for (int xi = 0; xi < w; xi++)
					for (int c = 0; c < scale; c++)
						d[xi] += src[xi * scale + c];
		}
}

void embed_add_forward(const float *in, const float *table, int dim, const int *labels, int n,
		       float scale, float *out)
{
	for (int k = 0; k < dim; k++)
		for (int i = 0; i < n; i++)
			out[(size_t)k * n + i] =
				in[(size_t)k * n + i] + scale * table[(size_t)labels[i] * dim + k];
}

void embed_add_backward(const float *dout, int dim, const int *labels, int n, float scale,
			float *din, float *dtable)
{
	for (int k = 0; k < dim; k++)
		for (int i = 0; i < n; i++) {
			float d = dout[(size_t)k * n + i];
			dtable[(size_t)labels[i] * dim + k] += scale * d;
			if (din)
				din[(size_t)k * n + i] += d;
		}
}

void projection_forward(const float *x, int c, int n, const float *w, const float *bias,
			const float *table, const int *labels, float *out)
{
	for (int i = 0; i < n; i++) {
		const float *e = table + (size_t)labels[i] * c;
		float uc = bias[0], cond = 0;
		for (int k = 0; k < c; k++) {
			uc += w[k] * x[(size_t)k * n + i];
			cond += e[k] * x[(size_t)k * n + i];
		}
		out[2 * i] = uc;
		out[2 * i + 1] = cond;
	}
}

void projection_backward(const float *x, int c, int n, const float *w, const float *table,
			 const int *labels, const float *dout, float *dx, float *dw, float *dbias,
			 float *dtable)
{
	for (int i = 0; i < n; i++) {
		float duc = dout[2 * i], dcond = dout[2 * i + 1];
		size_t row = (size_t)labels[i] * c;
		dbias[0] += duc;
		for (int k = 0; k < c; k++) {
			float xk = x[(size_t)k * n + i];
			dw[k] += duc * xk;
			dtable[row + k] += dcond * xk;
			dx[(size_t)k * n + i] += duc * w[k] + dcond * table[row + k];
		}
	}
}

/* The spread of group images first .. first + g - 1 of in [c][n][hw]:
 * the mean over the c hw values of their standard deviation over the
 * group; each value's sd into sd (c hw floats). */
static double group_spread(const float *in, size_t c, int n, size_t hw, int first, int g,
			   float *sd)
{
	double sum = 0;
	for (size_t ch = 0; ch < c; ch++)
		for (size_t p = 0; p < hw; p++) {
			const float *x = in + (ch * (size_t)n + (size_t)first) * hw + p;
			double mean = 0, var = 0;
			for (int j = 0; j < g; j++)
				mean += x[(size_t)j * hw];
			mean /= g;
			for (int j = 0; j < g; j++)
				var += (x[(size_t)j * hw] - mean) * (x[(size_t)j * hw] - mean);
			sd[ch * hw + p] = (float)sqrt(var / g + 1e-8);
			sum += sd[ch * hw + p];
		}
	return sum / (double)(c * hw);
}

void mbstd_forward(const float *in, int c, int n, size_t hw, int group, float *out)
{
	size_t len = (size_t)c * (size_t)n * hw;
	float *sd = xmalloc((size_t)c * hw * sizeof *sd), *extra = out + len;
	memcpy(out, in, len * sizeof *in);
	for (int first = 0; first < n; first += group) {
		int g = n - first < group ? n - first : group;
		float v = (float)group_spread(in, (size_t)c, n, hw, first, g, sd);
		for (size_t i = (size_t)first * hw; i < (size_t)(first + g) * hw; i++)
			extra[i] = v;
	}
	free(sd);
}

/* v = mean_e sd_e, sd_e = sqrt(mean_j (x_je - mu_e)^2 + 1e-8), so dx_je =
 * dv (x_je - mu_e) / (c hw g sd_e), dv summed over the group's planes. */
void mbstd_backward(const float *in, const float *dout, int c, int n, size_t hw, int group,
		    float *din)
{
	size_t len = (size_t)c * (size_t)n * hw, values = (size_t)c * hw;
	float *sd = xmalloc(values * sizeof *sd);
	for (size_t i = 0; i < len; i++)
		din[i] += dout[i];
	for (int first = 0; first < n; first += group) {
		int g = n - first < group ? n - first : group;
		group_spread(in, (size_t)c, n, hw, first, g, sd);
		double dv = 0;
		for (size_t i = (size_t)first * hw; i < (size_t)(first + g) * hw; i++)
			dv += dout[len + i];
		for (size_t ch = 0; ch < (size_t)c; ch++)
			for (size_t p = 0; p < hw; p++) {
				size_t at = (ch * (size_t)n + (size_t)first) * hw + p;
				double mean = 0;
				for (int j = 0; j < g; j++)
					mean += in[at + (size_t)j * hw];
				mean /= g;
				double k = dv / ((double)values * g * sd[ch * hw + p]);
				for (int j = 0; j < g; j++)
					din[at + (size_t)j * hw] += (float)(k * (in[at + (size_t)j * hw] - mean));
			}
	}
	free(sd);
}

#include "nn/conv3.h"

#include <omp.h>
#include <stdlib.h>

#include "base/mem.h"

/* The kernels use AVX-512 masked loads: a lane whose tap falls in the zero
 * padding, or past the plane, is masked off and reads nothing, so the
 * padding costs no copy (im2col's) and no branch. */
#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_CONV3 1
#include <immintrin.h>
#define AVX512 __attribute__((target("avx512f")))
#define INLINE __attribute__((target("avx512f"), always_inline)) static inline
#endif

/* Every loop of a kernel over registers is unrolled, so that its
 * accumulators stay in registers. */
#define UNROLL _Pragma("GCC unroll 16")

#define LANES 16
#define TAPS 9
/* Output channels per register block of the convolution kernel, and pixel
 * vectors per block: 3 x 8 accumulators, 3 inputs and a weight in 28 of
 * the 32 registers; 11 loads feed 24 multiply-adds. */
#define CO_BLOCK CONV3_BLOCK
#define PIX_BLOCK 3
/* Output channels the weight gradient takes at once: 3 x 9 accumulators,
 * 3 gradient vectors and an input vector in 31 of the 32 registers; 12
 * loads feed 27 multiply-adds (2 channels: 11 fed 18, and the loads, not
 * the multiply-adds, set the pace). */
#define WG_CO 3
/* The weight gradient gathers the taps of at most WG_IMAGES images of an
 * input channel at a time, WG_GATHER bytes at most (one image at least),
 * and passes them to every block of output channels: the more images, the
 * fewer times each block's sums are loaded and stored. */
#define WG_IMAGES 16
#define WG_GATHER (96 * 1024)
/* The sums a thread keeps at once, in bytes: a cache's worth. */
#define WG_SUMS (1024 * 1024)

static bool disabled;

void conv3_disable(bool off)
{
	disabled = off;
}

bool conv3_takes(const struct conv *cv, enum conv3_pass pass)
{
#ifdef HAVE_CONV3
	if (disabled || cv->k != 3 || (cv->stride != 1 && cv->stride != 2) || cv->pad != 1 ||
	    !__builtin_cpu_supports("avx512f"))
		return false;
	switch (pass) {
	case CONV3_FORWARD:
		return cv->cout % CO_BLOCK == 0;
	case CONV3_DATA_GRAD: /* the adjoint's output channels are cin */
		return cv->stride == 1 && cv->cin % CO_BLOCK == 0;
	case CONV3_WEIGHT_GRAD:
		/* an even count, as when the blocks were of 2: an odd one
		 * stays on the general path its checkpoints were made on */
		return cv->cout % 2 == 0;
	}
	return false;
#else
	(void)cv, (void)pass;
	return false;
#endif
}

#ifdef HAVE_CONV3

/* Where each tap of each pixel vector of an h x w plane reads: the offset
 * of tap t from the output pixel, and for pixel vector v the lanes whose
 * tap lies inside the plane (lane: pixel v 16 + j of the flattened plane;
 * lanes past the plane are off in every mask). */
struct taps {
	int pixels, vectors; /* of an output plane */
	int in_plane;        /* floats of one image's channel in the input */
	int shift[TAPS];
	__mmask16 *mask;  /* [vectors][TAPS] */
	__mmask16 *valid; /* [vectors]: the lanes inside the plane */
};

/* The taps of an oh x ow output plane.  Stride 1: the input is a plane of
 * the same size.  Stride 2: the input is split in four phase planes of
 * that size (phase_split), and tap (ky, kx) reads the phase of its row
 * and column parity, one row or column back for ky or kx = 0. */
static void taps_init(struct taps *tp, int oh, int ow, int stride)
{
	int pixels = oh * ow, dy[TAPS], dx[TAPS];
	tp->pixels = pixels;
	tp->in_plane = stride == 1 ? pixels : 4 * pixels;
	tp->vectors = (pixels + LANES - 1) / LANES;
	tp->mask = xmalloc((size_t)tp->vectors * TAPS * sizeof *tp->mask);
	tp->valid = xmalloc((size_t)tp->vectors * sizeof *tp->valid);
	for (int t = 0; t < TAPS; t++) {
		int ky = t / 3, kx = t % 3, phase = 0;
		if (stride == 1) {
			dy[t] = ky - 1;
			dx[t] = kx - 1;
		} else {
			phase = 2 * (ky != 1) + (kx != 1);
			dy[t] = ky == 0 ? -1 : 0;
			dx[t] = kx == 0 ? -1 : 0;
		}
		tp->shift[t] = phase * pixels + dy[t] * ow + dx[t];
	}
	for (int v = 0; v < tp->vectors; v++) {
		tp->valid[v] = 0;
		for (int t = 0; t < TAPS; t++)
			tp->mask[v * TAPS + t] = 0;
		for (int j = 0; j < LANES; j++) {
			int p = v * LANES + j;
			if (p >= pixels)
				break;
			tp->valid[v] |= (__mmask16)(1u << j);
			for (int t = 0; t < TAPS; t++) {
				int y = p / ow + dy[t], x = p % ow + dx[t];
				if (y >= 0 && y < oh && x >= 0 && x < ow)
					tp->mask[v * TAPS + t] |= (__mmask16)(1u << j);
			}
		}
	}
}

/* in [c][n][h][w] -> out [c][n][4][oh][ow], oh = ceil(h / 2): phase 2a +
 * b holds in[.][.][2y + a][2x + b], 0 past the image. */
static float *phase_split(const float *in, int c, int n, int h, int w, int oh, int ow)
{
	size_t planes = (size_t)c * (size_t)n, pixels = (size_t)oh * (size_t)ow;
	float *out = xmalloc(planes * 4 * pixels * sizeof *out);
#pragma omp parallel for schedule(static)
	for (size_t q = 0; q < planes; q++)
		for (int a = 0; a < 2; a++)
			for (int b = 0; b < 2; b++) {
				float *o = out + (q * 4 + (size_t)(2 * a + b)) * pixels;
				const float *src = in + q * (size_t)h * (size_t)w;
				for (int y = 0; y < oh; y++)
					for (int x = 0; x < ow; x++) {
						int iy = 2 * y + a, ix = 2 * x + b;
						o[y * ow + x] = iy < h && ix < w ? src[iy * w + ix] : 0;
					}
			}
	return out;
}

static void taps_free(struct taps *tp)
{
	free(tp->mask);
	free(tp->valid);
}

/* What is done with a sum before it is stored: the public epilogue, after
 * the sum is added to what is there (a gradient) where accumulate says. */
struct epilogue {
	struct conv3_epilogue e; /* from the block's first channel and plane */
	bool accumulate;
};

INLINE __m512 finish(const struct epilogue *ep, int r, size_t at, __m512 a, __mmask16 valid,
		     float *out)
{
	if (ep->accumulate)
		a = _mm512_add_ps(a, _mm512_maskz_loadu_ps(valid, out + at));
	if (ep->e.bias)
		a = _mm512_add_ps(a, _mm512_set1_ps(ep->e.bias[r]));
	if (ep->e.scale)
		a = _mm512_add_ps(_mm512_mul_ps(a, _mm512_set1_ps(ep->e.scale[r])),
				  _mm512_set1_ps(ep->e.shift[r]));
	if (ep->e.residual)
		a = _mm512_add_ps(a, _mm512_maskz_loadu_ps(valid, ep->e.residual + at));
	if (ep->e.relu) /* as relu_forward: NaN and -0 give +0 */
		a = _mm512_max_ps(a, _mm512_setzero_ps());
	return a;
}

/* pixels vectors v0 .. v0 + np - 1 of CO_BLOCK output planes:
 * out[co][p] = the epilogue of the sum over ci, t of in[ci][p + shift t]
 * wp[ci][t][co].  in and out point at the image's plane of their first
 * channel; planes of successive channels are stride floats apart. */
INLINE void conv_block(const struct taps *tp, int v0, int np, const float *in, size_t in_stride,
		       int cin, const float *wp, float *out, size_t out_stride,
		       const struct epilogue *ep)
{
	__m512 acc[PIX_BLOCK][CO_BLOCK];
	UNROLL
	for (int p = 0; p < np; p++)
		UNROLL
		for (int r = 0; r < CO_BLOCK; r++)
			acc[p][r] = _mm512_setzero_ps();
	const __mmask16 *mask = tp->mask + (size_t)v0 * TAPS;
	for (int ci = 0; ci < cin; ci++, in += in_stride)
		UNROLL
		for (int t = 0; t < TAPS; t++, wp += CO_BLOCK) {
			__m512 x[PIX_BLOCK];
			UNROLL
			for (int p = 0; p < np; p++)
				x[p] = _mm512_maskz_loadu_ps(mask[p * TAPS + t],
							     in + (v0 + p) * LANES + tp->shift[t]);
			UNROLL
			for (int r = 0; r < CO_BLOCK; r++) {
				__m512 wr = _mm512_set1_ps(wp[r]);
				UNROLL
				for (int p = 0; p < np; p++)
					acc[p][r] = _mm512_fmadd_ps(x[p], wr, acc[p][r]);
			}
		}
	UNROLL
	for (int r = 0; r < CO_BLOCK; r++)
		UNROLL
		for (int p = 0; p < np; p++) {
			size_t at = r * out_stride + (size_t)(v0 + p) * LANES;
			__mmask16 valid = tp->valid[v0 + p];
			_mm512_mask_storeu_ps(out + at, valid, finish(ep, r, at, acc[p][r], valid, out));
		}
}

/* Image i of out [cout][n][h w] = the epilogue of the 3x3 convolution of
 * in [cin][n][h w] with the packed weights wp [cout / CO_BLOCK][cin][TAPS]
 * [CO_BLOCK]. */
AVX512 static void conv_image(const struct taps *tp, const float *in, int cin, int n, int i,
			      const float *wp, int cout, float *out, const struct epilogue *ep)
{
	size_t plane = (size_t)tp->pixels, stride = (size_t)n * plane;
	size_t in_stride = (size_t)n * (size_t)tp->in_plane;
	int full = tp->vectors / PIX_BLOCK * PIX_BLOCK;
	for (int cb = 0; cb < cout / CO_BLOCK; cb++) {
		const float *wb = wp + (size_t)cb * cin * TAPS * CO_BLOCK;
		const float *src = in + (size_t)i * (size_t)tp->in_plane;
		float *dst = out + ((size_t)cb * CO_BLOCK * n + i) * plane;
		struct epilogue block_ep = *ep;
		if (ep->e.scale) {
			block_ep.e.scale += cb * CO_BLOCK;
			block_ep.e.shift += cb * CO_BLOCK;
		}
		if (ep->e.bias)
			block_ep.e.bias += cb * CO_BLOCK;
		if (ep->e.residual)
			block_ep.e.residual += dst - out;
		for (int v = 0; v < full; v += PIX_BLOCK)
			conv_block(tp, v, PIX_BLOCK, src, in_stride, cin, wb, dst, stride, &block_ep);
		for (int v = full; v < tp->vectors; v++)
			conv_block(tp, v, 1, src, in_stride, cin, wb, dst, stride, &block_ep);
	}
}

/* The parallel loops stay out of the AVX-512 functions: clang does not
 * give OpenMP's outlined bodies their function's target. */
static void direct_conv(const struct taps *tp, const float *in, int cin, int n, const float *wp,
			int cout, float *out, const struct epilogue *ep)
{
#pragma omp parallel for schedule(static)
	for (int i = 0; i < n; i++)
		conv_image(tp, in, cin, n, i, wp, cout, out, ep);
}

/* The taps of cv's output for an h x w input, and the input as they read
 * it: in itself, or (stride 2) its phases, in *split to be freed. */
static const float *prepare_input(const struct conv *cv, const float *in, int n, int h, int w,
				  struct taps *tp, float **split)
{
	int oh = conv_size(h, cv), ow = conv_size(w, cv);
	taps_init(tp, oh, ow, cv->stride);
	*split = NULL;
	if (cv->stride == 1)
		return in;
	*split = phase_split(in, cv->cin, n, h, w, oh, ow);
	return *split;
}

/* The weights of the convolution from in channels to out channels as
 * direct_conv reads them; flip: those of the adjoint (out and in swapped,
 * the taps reversed), whose convolution of dout is din. */
static float *pack_weights(const struct conv *cv, const float *wt, bool flip)
{
	int to = flip ? cv->cin : cv->cout, from = flip ? cv->cout : cv->cin;
	float *wp = xmalloc((size_t)to * (size_t)from * TAPS * sizeof *wp);
	float *q = wp;
	for (int ob = 0; ob < to; ob += CO_BLOCK)
		for (int f = 0; f < from; f++)
			for (int t = 0; t < TAPS; t++)
				for (int r = 0; r < CO_BLOCK; r++) {
					int o = ob + r;
					*q++ = flip ? wt[((size_t)f * cv->cin + o) * TAPS + TAPS - 1 - t]
						    : wt[((size_t)o * cv->cin + f) * TAPS + t];
				}
	return wp;
}

void conv3_forward(const struct conv *cv, const float *in, int n, int h, int w, const float *wt,
		   const struct conv3_epilogue *e, float *out)
{
	float *wp = pack_weights(cv, wt, false), *split;
	struct epilogue ep = { .e = e ? *e : (struct conv3_epilogue){ 0 } };
	struct taps tp;
	const float *x = prepare_input(cv, in, n, h, w, &tp, &split);
	direct_conv(&tp, x, cv->cin, n, wp, cv->cout, out, &ep);
	taps_free(&tp);
	free(split);
	free(wp);
}

void conv3_data_grad(const struct conv *cv, const float *dout, int n, int h, int w,
		     const float *wt, float *din)
{
	float *wp = pack_weights(cv, wt, true);
	struct epilogue ep = { .accumulate = true };
	struct taps tp;
	taps_init(&tp, h, w, 1);
	direct_conv(&tp, dout, cv->cout, n, wp, cv->cin, din, &ep);
	taps_free(&tp);
	free(wp);
}

/* The taps of one image's input channel as the weight gradient reads
 * them: xt[v][t] (16 lanes) = in[p + shift t] for the pixels p of vector
 * v, 0 where the tap falls outside the plane.  Masked once here, so that
 * the product loop loads whole vectors. */
INLINE void taps_gather(const struct taps *tp, const float *x, float *xt)
{
	for (int v = 0; v < tp->vectors; v++) {
		const __mmask16 *mask = tp->mask + (size_t)v * TAPS;
		UNROLL
		for (int t = 0; t < TAPS; t++)
			_mm512_store_ps(xt + ((size_t)v * TAPS + t) * LANES,
					_mm512_maskz_loadu_ps(mask[t], x + v * LANES + tp->shift[t]));
	}
}

/* The weight gradient's sums for nco (1 to WG_CO) output channels from co
 * and one input channel, over nb images: acc[r][t] (16 lanes each) +=
 * dout[co + r][p] in[ci][p + shift t] over their pixels, images and
 * pixels in order; xt holds the images' taps_gather one after the other,
 * d points at the first image's plane of channel co.  Called with nco a
 * constant, so that its loops unroll. */
INLINE void weight_grad_block(const struct taps *tp, const float *xt, const float *d,
			      size_t stride, int nb, int nco, float *sums)
{
	__m512 acc[WG_CO][TAPS];
	UNROLL
	for (int r = 0; r < nco; r++)
		UNROLL
		for (int t = 0; t < TAPS; t++)
			acc[r][t] = _mm512_loadu_ps(sums + (r * TAPS + t) * LANES);
	for (int i = 0; i < nb; i++, d += tp->pixels)
		for (int v = 0; v < tp->vectors; v++, xt += TAPS * LANES) {
			__m512 dv[WG_CO];
			UNROLL
			for (int r = 0; r < nco; r++)
				dv[r] = _mm512_maskz_loadu_ps(tp->valid[v], d + r * stride + (size_t)v * LANES);
			UNROLL
			for (int t = 0; t < TAPS; t++) {
				__m512 xv = _mm512_load_ps(xt + t * LANES);
				UNROLL
				for (int r = 0; r < nco; r++)
					acc[r][t] = _mm512_fmadd_ps(xv, dv[r], acc[r][t]);
			}
		}
	UNROLL
	for (int r = 0; r < nco; r++)
		UNROLL
		for (int t = 0; t < TAPS; t++)
			_mm512_storeu_ps(sums + (r * TAPS + t) * LANES, acc[r][t]);
}

/* dwt += the gradient of the weights of output channels co0 .. co1 - 1,
 * in blocks of WG_CO from co0 (the last of what is left), each weight's
 * sum in one order: the lanes of its own accumulator, images and pixels
 * in order, whatever the blocks.  Each image's input channel is gathered
 * once for all the blocks. */
AVX512 static void weight_grad_rows(const struct taps *tp, const struct conv *cv, const float *in,
				    const float *dout, int n, int co0, int co1, float *dwt)
{
	size_t plane = (size_t)tp->pixels, stride = (size_t)n * plane;
	size_t in_plane = (size_t)tp->in_plane, in_stride = (size_t)n * in_plane;
	size_t per_block = (size_t)WG_CO * TAPS * LANES, per_ci = (size_t)(co1 - co0) * TAPS * LANES;
	float *sums = xcalloc((size_t)cv->cin * per_ci, sizeof *sums);
	size_t gathered = (size_t)tp->vectors * TAPS * LANES;
	int images = (int)(WG_GATHER / (gathered * sizeof(float)));
	images = images < 1 ? 1 : images > WG_IMAGES ? WG_IMAGES : images;
	float *xt = xaligned(64, (size_t)images * gathered * sizeof *xt);
	for (int i0 = 0; i0 < n; i0 += images) {
		int nb = n - i0 < images ? n - i0 : images;
		for (int ci = 0; ci < cv->cin; ci++) {
			for (int i = 0; i < nb; i++)
				taps_gather(tp, in + (size_t)ci * in_stride + (size_t)(i0 + i) * in_plane,
					    xt + (size_t)i * gathered);
			float *s = sums + ci * per_ci;
			for (int co = co0; co < co1; co += WG_CO, s += per_block) {
				const float *d = dout + (size_t)co * stride + (size_t)i0 * plane;
				int nco = co1 - co < WG_CO ? co1 - co : WG_CO;
				if (nco == 3)
					weight_grad_block(tp, xt, d, stride, nb, 3, s);
				else if (nco == 2)
					weight_grad_block(tp, xt, d, stride, nb, 2, s);
				else
					weight_grad_block(tp, xt, d, stride, nb, 1, s);
			}
		}
	}
	for (int ci = 0; ci < cv->cin; ci++)
		for (int r = 0; r < co1 - co0; r++)
			for (int t = 0; t < TAPS; t++)
				dwt[((size_t)(co0 + r) * cv->cin + ci) * TAPS + t] += _mm512_reduce_add_ps(
					_mm512_loadu_ps(sums + ci * per_ci + (size_t)r * TAPS * LANES + t * LANES));
	free(xt);
	free(sums);
}

/* Each thread does all of a run of whole blocks of output channels: the
 * sums do not depend on the threads.  It takes them a few blocks at a
 * time, as many as keep their sums within WG_SUMS bytes (one at least). */
void conv3_weight_grad(const struct conv *cv, const float *in, const float *dout, int n, int h,
		       int w, float *dwt)
{
	struct taps tp;
	float *split;
	const float *x = prepare_input(cv, in, n, h, w, &tp, &split);
	int blocks = (cv->cout + WG_CO - 1) / WG_CO;
	size_t block_sums = (size_t)cv->cin * WG_CO * TAPS * LANES * sizeof(float);
	int run = WG_SUMS / block_sums > 1 ? (int)(WG_SUMS / block_sums) * WG_CO : WG_CO;
#pragma omp parallel
	{
		int nt = omp_get_num_threads(), id = omp_get_thread_num();
		int b0 = blocks * id / nt, b1 = blocks * (id + 1) / nt;
		int co1 = b1 * WG_CO < cv->cout ? b1 * WG_CO : cv->cout;
		for (int co = b0 * WG_CO; co < co1; co += run)
			weight_grad_rows(&tp, cv, x, dout, n, co, co1 - co < run ? co1 : co + run, dwt);
	}
	taps_free(&tp);
	free(split);
}

#else

void conv3_forward(const struct conv *cv, const float *in, int n, int h, int w, const float *wt,
		   const struct conv3_epilogue *e, float *out)
{
	(void)cv, (void)in, (void)n, (void)h, (void)w, (void)wt, (void)e, (void)out;
	abort(); /* conv3_takes said no */
}

void conv3_data_grad(const struct conv *cv, const float *dout, int n, int h, int w,
		     const float *wt, float *din)
{
	(void)cv, (void)dout, (void)n, (void)h, (void)w, (void)wt, (void)din;
	abort();
}

void conv3_weight_grad(const struct conv *cv, const float *in, const float *dout, int n, int h,
		       int w, float *dwt)
{
	(void)cv, (void)in, (void)dout, (void)n, (void)h, (void)w, (void)dwt;
	abort();
}

#endif

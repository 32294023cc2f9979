#include "metric/ssim.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

/* The AVX-512 horizontal pass, GCC only: valignd's shift must be an
 * immediate, which it is once the loops are unrolled; clang wants a
 * constant expression. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define HAVE_VALIGN 1
#endif

/* Where the exact 1 of identical images needs products and sums rounded
 * apart: GCC takes the optimize attribute below, clang this pragma. */
#ifdef __clang__
#define NO_CONTRACTION _Pragma("clang fp contract(off)")
#define NO_CONTRACTION_ATTR
#else
#define NO_CONTRACTION
#define NO_CONTRACTION_ATTR __attribute__((optimize("fp-contract=off")))
#endif

/* The hot loops are compiled for the machine they run on, picked at load
 * time; results may differ in the last bits between those versions (fused
 * multiply-add or not), never between runs on one machine. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define HOT __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define HOT
#endif

void ssim_defaults(struct ssim_params *p)
{
	*p = (struct ssim_params){ .sigma = 1.5, .k1 = 0.01, .k2 = 0.03 };
}

int ssim_init(struct ssim *s, const struct ssim_params *p, char *err)
{
	memset(s, 0, sizeof *s);
	s->p = *p;
	int win = p->window;
	if (!win)
		win = p->uniform ? 7 : 2 * (int)(3.5 * p->sigma + 0.5) + 1;
	if (win < 1 || win % 2 == 0 || win > SSIM_MAX_WINDOW) {
		snprintf(err, ERRLEN, "window %d: must be odd, from 1 to %d", win, SSIM_MAX_WINDOW);
		return -1;
	}
	if (!p->uniform && !(p->sigma > 0)) {
		snprintf(err, ERRLEN, "sigma must be positive");
		return -1;
	}
	s->win = win;
#ifdef HAVE_VALIGN
	s->avx512 = __builtin_cpu_supports("avx512f");
#endif
	/* As scipy.ndimage builds its Gaussian: exp(-x²/2σ²), normalised over
	 * the taps that are kept. */
	double w[SSIM_MAX_WINDOW], sum = 0;
	int r = win / 2;
	for (int k = 0; k < win; k++) {
		double x = k - r;
		w[k] = p->uniform ? 1.0 : exp(-0.5 * x * x / (p->sigma * p->sigma));
		sum += w[k];
	}
	for (int k = 0; k < win; k++)
		s->weight[k] = (float)(w[k] / sum);
	double np = (double)win * win;
	s->cov_norm = p->sample_cov && np > 1 ? np / (np - 1) : 1.0;
	return 0;
}

void ssim_free(struct ssim *s)
{
	free(s->scratch);
	s->scratch = NULL;
	free(s->wide);
	s->wide = NULL;
}

static float *scratch(struct ssim *s, size_t n)
{
	if (n > s->scratch_cap) {
		free(s->scratch);
		s->scratch = xmalloc(n * sizeof *s->scratch);
		s->scratch_cap = n;
	}
	return s->scratch;
}

/* GCC vector extensions: 16 floats, lowered to whatever registers the
 * target has (one AVX-512, two AVX2, four SSE). */
typedef float vfloat __attribute__((vector_size(64)));
#define VLEN 16

static inline vfloat vload(const float *p)
{
	vfloat v;
	memcpy(&v, p, sizeof v);
	return v;
}

static inline void vstore(float *p, vfloat v)
{
	memcpy(p, &v, sizeof v);
}

/* The start of the vector at j in a row of n >= VLEN outputs: the last
 * one starts early enough to end at n (outputs computed twice are
 * identical). */
static inline int vstart(int j, int n)
{
	return j < n - VLEN ? j : n - VLEN;
}

/* The four maps of a pair, in this order: x, y (each centred on its image's
 * mean), x² + y² and xy. */
enum { MAPS = 4 };

/* The window is odd and symmetric (wt[k] == wt[win - 1 - k]), so a sum
 * under it folds into multiply-adds of pairs and the centre tap:
 *   sum_k wt[k] v[k] = wt[h] v[h] + sum_{k < h} wt[k] (v[k] + v[win - 1 - k]),
 * h = win / 2.  That moves almost half of the work from the multiply-add
 * units to the adders, which run beside them. */

/* The horizontal pass over a row of interleaved samples, c to a pixel:
 * out[j] = sum_k wt[k] in[j + c k] for j < n, four vectors at a time (four
 * independent chains of adds).  Vectors mix channels; each sample is
 * filtered with those of its own channel. */
static inline __attribute__((always_inline)) void
horizontal(const float *restrict in, int n, int c, const float *restrict wt, int win,
	   float *restrict out)
{
	int half = win / 2, j = 0;
	if (n >= VLEN)
		for (; j < n; j += 4 * VLEN) {
			int at[4];
			vfloat acc[4];
			for (int v = 0; v < 4; v++) {
				at[v] = vstart(j + v * VLEN, n);
				acc[v] = wt[half] * vload(in + at[v] + c * half);
			}
			for (int k = 0; k < half; k++)
				for (int v = 0; v < 4; v++)
					acc[v] += wt[k] * (vload(in + at[v] + c * k) +
							   vload(in + at[v] + c * (win - 1 - k)));
			for (int v = 0; v < 4; v++)
				vstore(out + at[v], acc[v]);
		}
	for (; j < n; j++) {
		float a = wt[half] * in[j + c * half];
		for (int k = 0; k < half; k++)
			a += wt[k] * (in[j + c * k] + in[j + c * (win - 1 - k)]);
		out[j] = a;
	}
}

#ifdef HAVE_VALIGN
#include <immintrin.h>

/* The horizontal pass of the default window (11 taps) with AVX-512.  The
 * plain pass is bound by its eleven loads a vector; here the left taps of
 * the folded sum that lie within the first 16 samples are shifts (valignd)
 * of two vectors loaded once, which moves that work to the shuffle units.
 * Same operations in the same order as horizontal(): same results. */
__attribute__((target("avx512f"), always_inline)) static inline __m512 left_tap(const float *in, __m512i a,
								   __m512i b, int o)
{
	if (o == 0)
		return _mm512_castsi512_ps(a);
	if (o < 16)
		return _mm512_castsi512_ps(_mm512_alignr_epi32(b, a, o));
	return _mm512_loadu_ps(in + o);
}

__attribute__((target("avx512f"), always_inline)) static inline void
horizontal11_at(const float *restrict in, int c, const __m512 wt[6], float *restrict out)
{
	__m512i a = _mm512_loadu_si512(in), b = _mm512_loadu_si512(in + 16);
	__m512 acc = _mm512_mul_ps(wt[5], _mm512_loadu_ps(in + 5 * c));
	for (int k = 0; k < 5; k++) {
		__m512 right = _mm512_loadu_ps(in + c * (10 - k));
		acc = _mm512_fmadd_ps(wt[k], _mm512_add_ps(left_tap(in, a, b, c * k), right), acc);
	}
	_mm512_storeu_ps(out, acc);
}

__attribute__((target("avx512f"))) static void
horizontal11(const float *restrict in, int n, int c, const float *restrict wt, float *restrict out)
{
	__m512 wv[6];
	for (int k = 0; k < 6; k++)
		wv[k] = _mm512_set1_ps(wt[k]);
	for (int j = 0; j < n; j += VLEN) {
		int at = vstart(j, n);
		if (c == 1) /* constant shifts, for valignd's immediate */
			horizontal11_at(in + at, 1, wv, out + at);
		else
			horizontal11_at(in + at, 3, wv, out + at);
	}
}
#endif

/* The vertical pass, for one output row or two adjacent ones (two: each
 * input row loaded once serves both): out[j] = sum_k wt[k] rows[k][j] and
 * out[stride + j] = sum_k wt[k] rows[k + 1][j], j < n, four vectors at a
 * time. */
static inline __attribute__((always_inline)) void
vertical(const float *const *rows, bool two, int n, const float *restrict wt, int win,
	 float *restrict out, size_t stride)
{
	int half = win / 2, j = 0;
	if (n >= VLEN)
		for (; j < n; j += 4 * VLEN) {
			int at[4];
			vfloat acc0[4] = { { 0 } }, acc1[4] = { { 0 } }, lo[4], hi1[4];
			/* At step k, lo is row k and hi1 row win - k (the second
			 * output's last). */
			for (int v = 0; v < 4; v++) {
				at[v] = vstart(j + v * VLEN, n);
				lo[v] = vload(rows[0] + at[v]);
				if (two)
					hi1[v] = vload(rows[win] + at[v]);
			}
			for (int k = 0; k < half; k++)
				for (int v = 0; v < 4; v++) {
					vfloat hi = vload(rows[win - 1 - k] + at[v]);
					vfloat lo1 = vload(rows[k + 1] + at[v]);
					acc0[v] += wt[k] * (lo[v] + hi);
					if (two) {
						acc1[v] += wt[k] * (lo1 + hi1[v]);
						hi1[v] = hi;
					}
					lo[v] = lo1;
				}
			/* Now lo is row half, the first output's centre, and hi1
			 * row half + 1, the second's. */
			for (int v = 0; v < 4; v++) {
				vstore(out + at[v], acc0[v] + wt[half] * lo[v]);
				if (two)
					vstore(out + stride + at[v], acc1[v] + wt[half] * hi1[v]);
			}
		}
	for (; j < n; j++)
		for (int o = 0; o < 1 + two; o++) {
			const float *const *r = rows + o;
			float a = wt[half] * r[half][j];
			for (int k = 0; k < half; k++)
				a += wt[k] * (r[k][j] + r[win - 1 - k][j]);
			out[o * stride + j] = a;
		}
}

/* Row r of im, minus each channel's mean (pat[j], the mean of sample j's
 * channel), into x.  Typed loops, so that they vectorize. */
#define CENTRE_ROW(type)                                                   \
	do {                                                               \
		const type *px = (const type *)im->px + (size_t)r * n;     \
		for (size_t j = 0; j < n; j++)                             \
			x[j] = (float)px[j] - pat[j];                      \
	} while (0)

static inline __attribute__((always_inline)) void
centre_row(const struct image *im, int r, const float *restrict pat, float *restrict x)
{
	size_t n = (size_t)im->w * (size_t)im->c;
	if (im->depth == 16)
		CENTRE_ROW(uint16_t);
	else
		CENTRE_ROW(uint8_t);
}

/* Row r of the four maps, before filtering, into in (four rows of n = c w
 * samples).  No fused multiply-adds: x² + y² of identical rows must be
 * exactly 2 xy. */
HOT NO_CONTRACTION_ATTR static void
map_rows(const struct image *a, const struct image *b, int r, const float *pata,
	 const float *patb, float *restrict in)
{
	NO_CONTRACTION
	int n = a->w * a->c;
	float *x = in, *y = in + n, *sq = in + 2 * n, *xy = in + 3 * n;
	centre_row(a, r, pata, x);
	centre_row(b, r, patb, y);
	for (int j = 0; j < n; j++) {
		sq[j] = x[j] * x[j] + y[j] * y[j];
		xy[j] = x[j] * y[j];
	}
}

/* The mean of each channel of im, rounded to float, repeated along a row:
 * pat[j] = mean of channel j mod c, j < c w.  It is taken off the samples
 * (centring keeps the float second moments accurate) and put back into
 * the luminance term.  Samples are summed in blocks of SUM_LANES = 48
 * lanes of 32 bits, lane l holding channel l mod c (c divides 48), so that
 * the loop is a plain vectorizable sum whatever the channel count; the
 * lanes go into 64-bit totals before they could overflow (65536 blocks of
 * 16-bit samples fill 32 bits). */
#define SUM_LANES 48
#define CHANNEL_SUMS(type)                                                                 \
	do {                                                                               \
		const type *px = (const type *)im->px;                                     \
		size_t i = 0;                                                              \
		while (n - i >= SUM_LANES) {                                               \
			uint32_t lane[SUM_LANES] = { 0 };                                  \
			for (size_t b = 0; b < 65536 && n - i >= SUM_LANES;                \
			     b++, i += SUM_LANES)                                          \
				for (int l = 0; l < SUM_LANES; l++)                        \
					lane[l] += px[i + l];                              \
			for (int l = 0; l < SUM_LANES; l++)                                \
				sum[l % im->c] += lane[l];                                 \
		}                                                                          \
		for (; i < n; i++)                                                         \
			sum[i % (size_t)im->c] += px[i];                                   \
	} while (0)

HOT static void mean_pattern(const struct image *im, float *pat)
{
	size_t n = img_samples(im);
	uint64_t sum[3] = { 0 };
	if (im->depth == 16)
		CHANNEL_SUMS(uint16_t);
	else
		CHANNEL_SUMS(uint8_t);
	float mean[3];
	for (int ch = 0; ch < im->c; ch++)
		mean[ch] = (float)((double)sum[ch] / (double)(n / (size_t)im->c));
	for (int x = 0; x < im->w; x++)
		for (int ch = 0; ch < im->c; ch++)
			pat[x * im->c + ch] = mean[ch];
}

/* The SSIM of a sample from its filtered maps and channel means (pa, pb).
 * No fused multiply-adds: the numerator and denominator of identical
 * inputs are then computed by the same exact doublings, and their ratio is
 * exactly 1 (a fused ux*ux + uy*uy would round differently from 2*ux*uy). */
#define SSIM_SAMPLE(ma, mb, sq, xy, pa, pb, c1, c2)                                  \
	({                                                                           \
		__typeof__(ma) ux = (ma) + (pa), uy = (mb) + (pb);                   \
		__typeof__(ma) vsum = (sq) - ((ma) * (ma) + (mb) * (mb));            \
		__typeof__(ma) vxy = (xy) - (ma) * (mb);                             \
		((2 * ux * uy + (c1)) * (2 * vxy + (c2))) /                          \
			((ux * ux + uy * uy + (c1)) * (vsum + (c2)));                \
	})

/* The SSIM of the n samples of one output row, summed, from its four
 * filtered maps (map i at m + i stride).  A row shorter than a vector is
 * done one sample at a time; otherwise the last vector starts early enough
 * to end at n, and its lanes already counted are multiplied by 0. */
HOT NO_CONTRACTION_ATTR static double
row_ssim(const float *restrict m, int stride, int n, const float *restrict pa,
	 const float *restrict pb, float c1, float c2)
{
	NO_CONTRACTION
	const float *mx = m, *my = m + stride, *sq = m + 2 * stride, *xy = m + 3 * stride;
	double total = 0;
	if (n < VLEN) {
		for (int j = 0; j < n; j++)
			total += SSIM_SAMPLE(mx[j], my[j], sq[j], xy[j], pa[j], pb[j], c1, c2);
		return total;
	}
	/* Float sums of up to 16 vectors, each added to the double total: a
	 * float sum over a whole row would lose digits on wide images. */
	for (int block = 0; block < n; block += 16 * VLEN) {
		vfloat sum = { 0 };
		int end = block + 16 * VLEN < n ? block + 16 * VLEN : n;
		for (int j = block; j < end; j += VLEN) {
			int at = vstart(j, n);
			vfloat v = SSIM_SAMPLE(vload(mx + at), vload(my + at), vload(sq + at),
					       vload(xy + at), vload(pa + at), vload(pb + at), c1, c2);
			if (at < j) {
				vfloat fresh;
				for (int t = 0; t < VLEN; t++)
					fresh[t] = at + t >= j;
				v *= fresh;
			}
			sum += v;
		}
		for (int t = 0; t < VLEN; t++)
			total += sum[t];
	}
	return total;
}

/* The mean SSIM of a pair.  Each input row of the four maps (one row of
 * 4 c w samples, map m at m c w) is filtered horizontally into a ring of
 * the last win + 1 such rows; output rows are then vertical passes over the
 * ring, two at a time.  Filtering the maps of all channels as one row keeps
 * the loops long (the outputs that straddle two maps are computed and never
 * used); the mean over all samples is the mean of the channels' SSIMs, each
 * having as many.  Scratch: the two mean patterns (2 c w), the unfiltered
 * row, the ring and two output rows (4 c w each). */
HOT static double pair_ssim(const struct ssim *s, const struct image *a, const struct image *b,
			    float c1, float c2, float *buf)
{
	const float *wt = s->weight;
	int c = a->c, win = s->win, ow = a->w - win + 1, oh = a->h - win + 1, slots = win + 1;
	int cw = c * a->w, n = (MAPS - 1) * cw + c * ow; /* outputs of a row that are used */
	size_t row = MAPS * (size_t)cw;
	float *pata = buf, *patb = pata + cw, *in = patb + cw;
	float *ring = in + row, *out = ring + (size_t)slots * row;
	const float *rows[SSIM_MAX_WINDOW + 1];
	mean_pattern(a, pata);
	mean_pattern(b, patb);
	double sum = 0;
	for (int r = 0, slot = 0; r < a->h; r++, slot = slot + 1 < slots ? slot + 1 : 0) {
		map_rows(a, b, r, pata, patb, in);
#ifdef HAVE_VALIGN
		if (win == 11 && n >= VLEN && s->avx512)
			horizontal11(in, n, c, wt, ring + (size_t)slot * row);
		else
#endif
			horizontal(in, n, c, wt, win, ring + (size_t)slot * row);
		/* The last output row the ring reaches; do it with the one
		 * before it, or alone when it is the last of an odd count. */
		int last = r - win + 1;
		bool two = last % 2 == 1;
		if (last < 0 || !(two || last == oh - 1))
			continue;
		int first = two ? last - 1 : last;
		for (int i = 0, t = first % slots; i <= win; i++, t = t + 1 < slots ? t + 1 : 0)
			rows[i] = ring + (size_t)t * row;
		if (two) {
			vertical(rows, true, n, wt, win, out, row);
			sum += row_ssim(out, cw, c * ow, pata, patb, c1, c2) +
			       row_ssim(out + row, cw, c * ow, pata, patb, c1, c2);
		} else {
			vertical(rows, false, n, wt, win, out, row);
			sum += row_ssim(out, cw, c * ow, pata, patb, c1, c2);
		}
	}
	return sum / ((double)c * ow * oh);
}

/* The smallest K2 L, as a fraction of the samples' maximum: C2 at least
 * 1e-5 of its square (the defaults give 0.03). */
#define MIN_K2L 0.00316

int ssim_fits(const struct ssim *s, const struct image *im, char *err)
{
	if (im->w >= s->win && im->h >= s->win)
		return 0;
	snprintf(err, ERRLEN, "image of %dx%d is smaller than the %dx%d window", im->w, im->h,
		 s->win, s->win);
	return -1;
}

/* The 8-bit image im on the 16-bit scale, in the struct's buffer: each
 * sample times 257, 0 to 0 and 255 to 65535, exactly as the same picture
 * stored in 16 bits.  With L = 65535 the SSIM of a pair on that scale is
 * the one of the pair on the 8-bit scale with L = 255 (SSIM does not
 * change when the samples and L are scaled alike). */
static void widen(struct ssim *s, const struct image *im, struct image *wide)
{
	size_t n = img_samples(im);
	grow_array(&s->wide, &s->wide_cap, n, sizeof *s->wide);
	const uint8_t *px = im->px;
	for (size_t i = 0; i < n; i++)
		s->wide[i] = (uint16_t)(px[i] * 257u);
	*wide = (struct image){ .w = im->w, .h = im->h, .c = im->c, .depth = 16, .px = s->wide };
}

int ssim_pair(struct ssim *s, const struct image *a, const struct image *b, double *mssim,
	      char *err)
{
	if (a->w != b->w || a->h != b->h) {
		snprintf(err, ERRLEN, "sizes differ (%dx%d and %dx%d); use --size WxH", a->w, a->h,
			 b->w, b->h);
		return -1;
	}
	if (a->c != b->c) {
		snprintf(err, ERRLEN, "one image is gray, the other colour; use --gray");
		return -1;
	}
	if (a->depth != b->depth && !s->p.range) {
		struct image wide;
		if (a->depth == 8) {
			widen(s, a, &wide);
			return ssim_pair(s, &wide, b, mssim, err);
		}
		widen(s, b, &wide);
		return ssim_pair(s, a, &wide, mssim, err);
	}
	if (ssim_fits(s, a, err))
		return -1;
	double range = s->p.range ? s->p.range : (a->depth == 16 ? 65535 : 255);
	/* Single precision loses about 1e-7 of the samples' square in the
	 * variances of flat regions; C2 must outweigh that, or the SSIM there
	 * is noise (even outside [-1, 1]). */
	double top = a->depth == 16 || b->depth == 16 ? 65535 : 255;
	if (s->p.k2 * range < MIN_K2L * top) {
		snprintf(err, ERRLEN,
			 "K2 L = %g is too small for %d-bit samples in single precision (at least "
			 "%.2f); raise --k2 or --data-range",
			 s->p.k2 * range, top > 255 ? 16 : 8, MIN_K2L * top);
		return -1;
	}
	double c1 = (s->p.k1 * range) * (s->p.k1 * range), c2 = (s->p.k2 * range) * (s->p.k2 * range);
	size_t cw = (size_t)a->c * (size_t)a->w;
	/* VLEN more: horizontal11 loads up to 16 floats past a row's end (into
	 * the ring, never into an output lane), and the ring follows the row
	 * only by the layout of pair_ssim. */
	float *buf = scratch(s, 2 * cw + ((size_t)s->win + 4) * MAPS * cw + VLEN);
	/* cov_norm scales both variance terms, and cancels with c2 scaled the
	 * other way. */
	*mssim = pair_ssim(s, a, b, (float)c1, (float)(c2 / s->cov_norm), buf);
	return 0;
}

#include "learn/fid.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"

/* LAPACK's symmetric eigen-decomposition, from OpenBLAS. */
void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
	    double *w, double *work, const int *lwork, int *info);

void features_init(struct features *f, int dim)
{
	memset(f, 0, sizeof *f);
	f->dim = dim;
}

double *features_append(struct features *f)
{
	grow_array(&f->v, &f->cap, (f->n + 1) * (size_t)f->dim, sizeof *f->v);
	return f->v + f->n++ * (size_t)f->dim;
}

void features_add(struct features *f, const float *x, size_t stride)
{
	double *row = features_append(f);
	for (int i = 0; i < f->dim; i++)
		row[i] = x[(size_t)i * stride];
}

void features_free(struct features *f)
{
	free(f->v);
	memset(f, 0, sizeof *f);
}

/* The mean (dim) and the sample covariance (dim x dim) of f. */
static void moments(const struct features *f, double *mean, double *cov)
{
	int d = f->dim;
	memset(mean, 0, (size_t)d * sizeof *mean);
	for (size_t i = 0; i < f->n; i++)
		for (int j = 0; j < d; j++)
			mean[j] += f->v[i * (size_t)d + (size_t)j];
	for (int j = 0; j < d; j++)
		mean[j] /= (double)f->n;
	double *centred = xmalloc(f->n * (size_t)d * sizeof *centred);
	for (size_t i = 0; i < f->n; i++)
		for (int j = 0; j < d; j++)
			centred[i * (size_t)d + (size_t)j] = f->v[i * (size_t)d + (size_t)j] - mean[j];
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d, d, (int)f->n,
		    1.0 / (double)(f->n - 1), centred, d, centred, d, 0, cov, d);
	free(centred);
}

/* The eigenvalues of the symmetric d x d matrix a (into w); a becomes its
 * eigenvectors, one a row.  -1 with err when LAPACK fails. */
static int eigen(double *a, int d, double *w, char *err)
{
	int lwork = -1, info;
	double query;
	dsyev_("V", "U", &d, a, &d, w, &query, &lwork, &info);
	lwork = (int)query;
	double *work = xmalloc((size_t)lwork * sizeof *work);
	dsyev_("V", "U", &d, a, &d, w, work, &lwork, &info);
	free(work);
	if (info == 0)
		return 0;
	snprintf(err, ERRLEN,
		 "the eigen-decomposition of a covariance did not converge (LAPACK info %d)", info);
	return -1;
}

/* tr((A B)^(1/2)) of two covariances into *sum: with S = A^(1/2), the
 * eigenvalues of the symmetric S B S are those of A B.  -1 with err. */
static int trace_sqrt_product(const double *a, const double *b, int d, double *sum, char *err)
{
	size_t dd = (size_t)d * (size_t)d;
	double *v = xmalloc(dd * sizeof *v), *w = xmalloc((size_t)d * sizeof *w);
	double *s = xmalloc(dd * sizeof *s), *t = xmalloc(dd * sizeof *t);
	memcpy(v, a, dd * sizeof *v);
	int rc = eigen(v, d, w, err);
	if (!rc) {
		/* S = sum_k sqrt(w_k) v_k v_k^T = R^T R, row k of R v_k w_k^(1/4) */
		for (int k = 0; k < d; k++) {
			double q = sqrt(sqrt(w[k] > 0 ? w[k] : 0));
			for (int i = 0; i < d; i++)
				v[(size_t)k * d + (size_t)i] *= q;
		}
		cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d, d, d, 1, v, d, v, d, 0, s, d);
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, d, d, d, 1, s, d, b, d, 0, t, d);
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, d, d, d, 1, t, d, s, d, 0, v, d);
		rc = eigen(v, d, w, err);
	}
	*sum = 0;
	for (int k = 0; !rc && k < d; k++)
		*sum += sqrt(w[k] > 0 ? w[k] : 0);
	free(v), free(w), free(s), free(t);
	return rc;
}

static bool finite_all(const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return false;
	return true;
}

int fid_distance(const struct features *a, const struct features *b, double offset,
		 bool *offset_used, double *fid, char *err)
{
	int d = a->dim;
	size_t dd = (size_t)d * (size_t)d;
	double *ma = xmalloc((size_t)d * sizeof *ma), *mb = xmalloc((size_t)d * sizeof *mb);
	double *ca = xmalloc(dd * sizeof *ca), *cb = xmalloc(dd * sizeof *cb);
	moments(a, ma, ca);
	moments(b, mb, cb);
	int rc = 0;
	*fid = NAN;
	*offset_used = a->n <= (size_t)d || b->n <= (size_t)d;
	if (finite_all(ca, dd) && finite_all(cb, dd)) { /* else values beyond double's range */
		for (int i = 0; *offset_used && i < d; i++) {
			ca[(size_t)i * d + (size_t)i] += offset;
			cb[(size_t)i * d + (size_t)i] += offset;
		}
		double dist = 0, root;
		for (int i = 0; i < d; i++)
			dist += (ma[i] - mb[i]) * (ma[i] - mb[i]) + ca[(size_t)i * d + (size_t)i] +
				cb[(size_t)i * d + (size_t)i];
		rc = trace_sqrt_product(ca, cb, d, &root, err);
		dist -= 2 * root;
		/* equal sets give 0 but for rounding, which may fall below it */
		*fid = dist > 0 ? dist : 0;
	}
	free(ma), free(mb), free(ca), free(cb);
	return rc;
}

/* size rows of f drawn without replacement (a partial shuffle of idx). */
static void draw(const struct features *f, size_t size, size_t *idx, struct rng *r, double *out)
{
	for (size_t i = 0; i < size; i++) {
		size_t j = i + rng_below(r, (uint32_t)(f->n - i));
		size_t t = idx[i];
		idx[i] = idx[j];
		idx[j] = t;
		memcpy(out + i * (size_t)f->dim, f->v + idx[i] * (size_t)f->dim,
		       (size_t)f->dim * sizeof *out);
	}
}

/* The sum of (x.y / dim + 1)^3 over the m x m products x y^T; without
 * the diagonal where x and y are one set. */
static double kernel_sum(const double *x, const double *y, size_t m, int dim, bool same,
			 double *gram)
{
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)m, dim, 1.0 / dim, x, dim,
		    y, dim, 0, gram, (int)m);
	double sum = 0;
	for (size_t i = 0; i < m; i++)
		for (size_t j = 0; j < m; j++)
			if (!same || i != j) {
				double k = gram[i * m + j] + 1;
				sum += k * k * k;
			}
	return sum;
}

void kid_distance(const struct features *a, const struct features *b, int subsets, size_t size,
		  struct rng *r, double *mean, double *sd)
{
	int d = a->dim;
	size_t *ia = xmalloc(a->n * sizeof *ia), *ib = xmalloc(b->n * sizeof *ib);
	for (size_t i = 0; i < a->n; i++)
		ia[i] = i;
	for (size_t i = 0; i < b->n; i++)
		ib[i] = i;
	double *x = xmalloc(size * (size_t)d * sizeof *x), *y = xmalloc(size * (size_t)d * sizeof *y);
	double *gram = xmalloc(size * size * sizeof *gram), m = (double)size;
	double sum = 0, sq = 0;
	for (int s = 0; s < subsets; s++) {
		draw(a, size, ia, r, x);
		draw(b, size, ib, r, y);
		double mmd = (kernel_sum(x, x, size, d, true, gram) +
			      kernel_sum(y, y, size, d, true, gram)) / (m * (m - 1)) -
			     2 * kernel_sum(x, y, size, d, false, gram) / (m * m);
		sum += mmd;
		sq += mmd * mmd;
	}
	*mean = sum / subsets;
	*sd = subsets > 1 ? sqrt(fmax(0, (sq - sum * sum / subsets) / (subsets - 1))) : 0;
	free(ia), free(ib), free(x), free(y), free(gram);
}

void classify_features(struct model *m, const struct norm *nm, const uint8_t *px, int n, int batch,
		       struct features *f)
{
	const struct arch *a = &m->arch;
	size_t size = (size_t)a->channels * (size_t)a->height * (size_t)a->width;
	float *x = xmalloc((size_t)batch * size * sizeof *x);
	for (int start = 0; start < n; start += batch) {
		int nb = n - start < batch ? n - start : batch;
		for (int i = 0; i < nb; i++) {
			struct image im = { .w = a->width, .h = a->height, .c = a->channels, .depth = 8,
					    .px = (void *)(px + (size_t)(start + i) * size) };
			classify_normalise(&im, nm, x + (size_t)i * size);
		}
		model_forward(m, x, nb, false);
		int dim;
		const float *feat = model_features(m, &dim);
		for (int i = 0; i < nb; i++)
			features_add(f, feat + i, (size_t)nb);
	}
	free(x);
}

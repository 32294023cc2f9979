/* idx: MNIST-format IDX files; see idx.h. */
#include "img/idx.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "img/image.h"

#define IDX_UBYTE 0x08

static uint32_t be32(const unsigned char *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

int idx_read(struct idx *x, void *buf, size_t n, char *err)
{
	int got = gzread(x->gz, buf, (unsigned)n);
	if (got < 0) {
		int zerr;
		snprintf(err, ERRLEN, "%s", gzerror(x->gz, &zerr)); /* zlib's message names the file */
		return -1;
	}
	return (size_t)got == n;
}

/* The header: the magic (0, 0, type, dimensions), then each size. */
static int read_header(struct idx *x, char *err)
{
	unsigned char head[4];
	int got = idx_read(x, head, 4, err);
	if (got < 0)
		return -1;
	if (!got || head[0] || head[1]) {
		snprintf(err, ERRLEN, "%s: not an IDX file (bad magic number)", x->path);
		return -1;
	}
	if (head[2] != IDX_UBYTE) {
		snprintf(err, ERRLEN, "%s: IDX data type 0x%02x is not unsigned byte (0x08)",
			 x->path, head[2]);
		return -1;
	}
	x->ndim = head[3];
	if (x->ndim < 1 || x->ndim > 4) {
		snprintf(err, ERRLEN, "%s: IDX file with %d dimensions", x->path, x->ndim);
		return -1;
	}
	for (int i = 0; i < x->ndim; i++) {
		unsigned char b[4];
		if ((got = idx_read(x, b, 4, err)) < 0)
			return -1;
		if (!got) {
			snprintf(err, ERRLEN, "%s: truncated IDX header", x->path);
			return -1;
		}
		x->dim[i] = be32(b);
	}
	return 0;
}

int idx_open(struct idx *x, const char *path, char *err)
{
	memset(x, 0, sizeof *x);
	x->path = path;
	errno = 0;
	x->gz = gzopen(path, "rb");
	if (!x->gz) {
		snprintf(err, ERRLEN, "%s: %s", path, errno ? strerror(errno) : "cannot open");
		return -1;
	}
	if (read_header(x, err)) {
		idx_close(x);
		return -1;
	}
	return 0;
}

void idx_close(struct idx *x)
{
	if (x->gz)
		gzclose(x->gz);
	x->gz = NULL;
}

int idx_finish(struct idx *x, char *err)
{
	unsigned char b;
	int got = idx_read(x, &b, 1, err);
	int status = 0;
	if (got > 0) {
		snprintf(err, ERRLEN, "%s: more data than the IDX header declares", x->path);
		status = -1;
	} else if (got < 0) {
		status = -1;
	} else {
		/* A gzip stream cut short still yields its data; only zlib
		 * knows that the trailer (CRC and length) is missing. */
		int zerr;
		gzerror(x->gz, &zerr);
		if (zerr == Z_BUF_ERROR) {
			snprintf(err, ERRLEN, "%s: truncated gzip data", x->path);
			status = -1;
		}
	}
	idx_close(x);
	return status;
}

int idx_check_images(const struct idx *x, int *c, char *err)
{
	if (x->ndim != 3 && !(x->ndim == 4 && (x->dim[3] == 1 || x->dim[3] == 3))) {
		snprintf(err, ERRLEN, "%s: expected IDX images of N x rows x cols (x 1 or 3 channels)",
			 x->path);
		return -1;
	}
	char why[ERRLEN];
	if (img_check_size(x->dim[2], x->dim[1], why)) {
		snprintf(err, ERRLEN, "%.200s: %.300s", x->path, why);
		return -1;
	}
	*c = x->ndim == 4 ? (int)x->dim[3] : 1;
	return 0;
}

int idx_read_labels(const char *path, unsigned char **labels, size_t *n, char *err)
{
	struct idx x;
	*labels = NULL;
	*n = 0;
	if (idx_open(&x, path, err))
		return -1;
	if (x.ndim != 1) {
		snprintf(err, ERRLEN, "%s: a label file has 1 dimension, this one %d", path, x.ndim);
		idx_close(&x);
		return -1;
	}
	size_t count = x.dim[0];
	/* Grown as the data arrives: the header's count is not trusted. */
	unsigned char *buf = NULL;
	size_t cap = 0, chunk = 65536;
	for (size_t at = 0; at < count; at += chunk) {
		size_t want = count - at < chunk ? count - at : chunk;
		grow_array(&buf, &cap, at + want, 1);
		int got = idx_read(&x, buf + at, want, err);
		if (got <= 0) {
			if (got == 0)
				snprintf(err, ERRLEN, "%s: truncated: the header declares %zu labels",
					 path, count);
			free(buf);
			idx_close(&x);
			return -1;
		}
	}
	if (idx_finish(&x, err)) {
		free(buf);
		return -1;
	}
	*labels = buf;
	*n = count;
	return 0;
}

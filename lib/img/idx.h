/* idx: MNIST-format IDX files of unsigned bytes, plain or gzip-compressed.
 *
 * The header's sizes are never trusted for an allocation: data is checked
 * against them as it is read.  Functions that can fail return 0 (idx_read:
 * 1) on success and -1 with a message naming the file in err (ERRLEN
 * bytes), as the image decoders do; callers decide whether to die. */
#ifndef SIMBAL_IDX_H
#define SIMBAL_IDX_H
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>
#include "base/err.h"

struct idx {
	gzFile gz;
	const char *path;
	int ndim;        /* 1 to 4 */
	uint32_t dim[4]; /* as the header declares them */
};

/* Opens path and reads its header; on failure nothing stays open. */
int idx_open(struct idx *x, const char *path, char *err);
/* Reads exactly n bytes: 1, 0 when the data ends first, -1 on a
 * decompression error. */
int idx_read(struct idx *x, void *buf, size_t n, char *err);
/* Checks that the data ends here (no more bytes, an intact gzip trailer)
 * and closes x, also on failure. */
int idx_finish(struct idx *x, char *err);
/* Closes x without checks (after a failure). */
void idx_close(struct idx *x);
/* Checks that an open file holds images: N x rows x cols (x 1 or 3
 * channels), of a size img_check_size accepts.  *c: the channels. */
int idx_check_images(const struct idx *x, int *c, char *err);
/* Reads a whole label file (1 dimension) into *labels (malloc'd), their
 * count into *n. */
int idx_read_labels(const char *path, unsigned char **labels, size_t *n, char *err);
#endif

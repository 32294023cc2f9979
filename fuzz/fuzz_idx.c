/* Harness: IDX files, plain or gzip: read as a label file, or else as
 * images, item by item as idx2png reads them, to the end check. */
#include "fuzz.h"
#include "img/idx.h"
#include "img/image.h"

#include <stdlib.h>

static void read_images(const char *path)
{
	char err[ERRLEN];
	struct idx x;
	if (idx_open(&x, path, err))
		return;
	int c;
	if (idx_check_images(&x, &c, err)) {
		idx_close(&x);
		return;
	}
	size_t item = (size_t)x.dim[1] * x.dim[2] * (size_t)c;
	unsigned char *buf = malloc(item);
	for (uint32_t i = 0; i < x.dim[0]; i++)
		if (idx_read(&x, buf, item, err) <= 0) {
			free(buf);
			idx_close(&x);
			return;
		}
	free(buf);
	idx_finish(&x, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	img_max_pixels = 1 << 20;
	char path[32], err[ERRLEN];
	int fd = fuzz_file(data, size, path);
	unsigned char *labels;
	size_t n;
	if (idx_read_labels(path, &labels, &n, err) == 0)
		free(labels);
	else
		read_images(path);
	fuzz_file_close(fd);
	return 0;
}

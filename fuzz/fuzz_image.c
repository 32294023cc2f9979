/* Harness: the image decoders (PNG, JPEG, netpbm), chosen by the first
 * bytes as img_load chooses them. */
#include "fuzz.h"
#include "img/image.h"
#include "img/load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Small enough that an accepted header costs little memory; larger
	 * declared sizes must be refused before allocating (malloc_limit_mb). */
	img_max_pixels = 1 << 20;
	char path[32], err[ERRLEN];
	int fd = fuzz_file(data, size, path);
	struct image im;
	if (img_load(path, &im, err) == 0)
		img_free(&im);
	fuzz_file_close(fd);
	return 0;
}

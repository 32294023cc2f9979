/* Harness: the PAM stream reader, frame after frame with their labels and
 * ids, to the end of the stream or the first error. */
#include "fuzz.h"
#include "img/pam.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	img_max_pixels = 1 << 20;
	char path[32], err[ERRLEN];
	int fd = fuzz_file(data, size, path);
	FILE *fp = fopen(path, "rb");
	struct pam_reader r = { fp, "fuzz", 0 };
	struct image im;
	struct frame_meta meta;
	while (pam_read(&r, &im, &meta, err) == 1) {
		img_free(&im);
		frame_meta_free(&meta);
	}
	fclose(fp);
	fuzz_file_close(fd);
	return 0;
}

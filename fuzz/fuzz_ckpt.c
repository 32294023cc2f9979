/* Harness: checkpoints, read into the model and optimizer they describe.
 * The last four bytes are set to the CRC of the others first, so that a
 * mutated input reaches the parser behind the CRC check. */
#include "nn/ckpt.h"
#include "base/err.h"
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	if (size >= 4) {
		uint32_t crc = (uint32_t)crc32_z(crc32(0, NULL, 0), copy, size - 4);
		for (int i = 0; i < 4; i++)
			copy[size - 4 + i] = (uint8_t)(crc >> 8 * i);
	}
	char path[32], err[ERRLEN];
	int fd = fuzz_file(copy, size, path);
	struct model m;
	struct optim o;
	struct ckpt_meta meta;
	if (ckpt_load(path, MODEL_CLASSIFIER, &m, &o, &meta, err) == 0) {
		optim_free(&o);
		model_free(&m);
		ckpt_meta_free(&meta);
	}
	fuzz_file_close(fd);
	free(copy);
	return 0;
}

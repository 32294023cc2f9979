/* Harness: the TSV record reader, and the checks of a manifest line
 * (field count, class), as a manifest's reader makes them, to the end of
 * the input or the first error. */
#include "fuzz.h"
#include "io/tsv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[32];
	int fd = fuzz_file(data, size, path);
	struct tsv_reader r;
	if (tsv_open(&r, path) == 0) {
		/* Short, so that the fuzzer reaches the limit. */
		r.max_line = 256;
		while (tsv_read(&r) > 0 && tsv_want_fields(&r, 2, 0) == 0 && tsv_class(&r, 2))
			;
	}
	tsv_close(&r);
	fuzz_file_close(fd);
	return 0;
}

/* Harness: the TSV record reader, and the checks of a manifest line
 * (field count, class), as a manifest's reader makes them. */
#include "fuzz.h"
#include "io/tsv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[32];
	int fd = fuzz_file(data, size, path);
	struct tsv_reader r;
	tsv_open(&r, path);
	/* Short, so that the fuzzer reaches the limit. */
	r.max_line = 256;
	/* tsv dies on bad input: exit comes back here. */
	if (setjmp(fuzz_exit_jump) == 0) {
		fuzz_catch_exit();
		while (tsv_next(&r)) {
			tsv_want_fields(&r, 2, 0);
			tsv_class(&r, 2);
		}
	}
	fuzz_release_exit();
	tsv_close(&r);
	fuzz_file_close(fd);
	return 0;
}

/* fuzz: what the parser harnesses (fuzz/fuzz_*.c) share.
 *
 * Each harness defines LLVMFuzzerTestOneInput.  Built with clang's
 * -fsanitize=fuzzer (make fuzz), libFuzzer drives it; built with the
 * project's compiler (make, make check, SAN=1), fuzz/replay.c runs it over
 * the files named on its command line: the committed corpus, replayed as
 * regression tests.  The parsers return their errors (lib/ below cli/
 * never exits), so one input's failure is simply the next input's turn. */
#ifndef SIMBAL_FUZZ_H
#define SIMBAL_FUZZ_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a file that parsers can open by name: a memory file, its
 * name in path.  Returns its descriptor, which fuzz_file_close closes. */
int fuzz_file(const uint8_t *data, size_t size, char path[32]);
void fuzz_file_close(int fd);

#endif

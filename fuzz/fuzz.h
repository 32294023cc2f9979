/* fuzz: what the parser harnesses (fuzz/fuzz_*.c) share.
 *
 * Each harness defines LLVMFuzzerTestOneInput.  Built with clang's
 * -fsanitize=fuzzer (make fuzz), libFuzzer drives it; built with the
 * project's compiler (make, make check, SAN=1), fuzz/replay.c runs it over
 * the files named on its command line: the committed corpus, replayed as
 * regression tests. */
#ifndef SIMBAL_FUZZ_H
#define SIMBAL_FUZZ_H
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a file that parsers can open by name: a memory file, its
 * name in path.  Returns its descriptor, which fuzz_file_close closes. */
int fuzz_file(const uint8_t *data, size_t size, char path[32]);
void fuzz_file_close(int fd);

/* Some parsers die on bad input (die() prints and calls exit).  The
 * harnesses are linked with -Wl,--wrap=exit: between fuzz_catch_exit and
 * fuzz_release_exit, exit returns here, by longjmp to fuzz_exit_jump, so
 * that the next input can run; outside, it exits. */
extern jmp_buf fuzz_exit_jump;
void fuzz_catch_exit(void);
void fuzz_release_exit(void);
#endif

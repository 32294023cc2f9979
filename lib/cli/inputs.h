/* inputs: the programs' reading of their inputs (io/input, io/tsv,
 * io/counts), each form ending the program with the library's message,
 * "prog: file:line: message", exit 1, where the library returns it. */
#ifndef SIMBAL_INPUTS_H
#define SIMBAL_INPUTS_H

#include <stddef.h>
#include <stdio.h>

#include "io/counts.h"
#include "io/tsv.h"

FILE *open_input_or_die(const char *path);

void tsv_open_or_die(struct tsv_reader *r, const char *path);
/* 1, or 0 at the end of the input. */
int tsv_read_or_die(struct tsv_reader *r);
void tsv_want_fields_or_die(struct tsv_reader *r, size_t min, size_t max);
const char *tsv_class_or_die(struct tsv_reader *r, size_t n);

void counts_add_manifest_or_die(struct counts *c, const char *path, size_t field);
void counts_add_file_or_die(struct counts *c, const char *path);

#endif

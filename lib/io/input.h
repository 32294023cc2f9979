/* input: the files and standard input that programs read. */
#ifndef SIMBAL_INPUT_H
#define SIMBAL_INPUT_H

#include <stdio.h>

/* Displayable name of an input path: "-" and NULL are "(stdin)". */
const char *input_name(const char *path);
/* Opens an input for reading ("-" and NULL: stdin); NULL with errno set
 * if it cannot. */
FILE *open_input(const char *path);

#endif

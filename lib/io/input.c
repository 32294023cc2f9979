#include "io/input.h"

#include <string.h>

const char *input_name(const char *path)
{
	return (!path || strcmp(path, "-") == 0) ? "(stdin)" : path;
}

FILE *open_input(const char *path)
{
	if (!path || strcmp(path, "-") == 0)
		return stdin;
	return fopen(path, "rb");
}

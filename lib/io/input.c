#include "io/input.h"

#include <errno.h>
#include <string.h>

#include "base/err.h"

const char *input_name(const char *path)
{
	return (!path || strcmp(path, "-") == 0) ? "(stdin)" : path;
}

FILE *open_input(const char *path)
{
	if (!path || strcmp(path, "-") == 0)
		return stdin;
	FILE *fp = fopen(path, "rb");
	if (!fp)
		die("%s: %s", path, strerror(errno));
	return fp;
}

/* replay: runs a harness over the files named, one input each, as
 * libFuzzer does when given files; for builds without libFuzzer. */
#include <stdlib.h>

#include "fuzz.h"

static unsigned char *read_file(const char *path, size_t *size)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		perror(path);
		exit(2);
	}
	unsigned char *buf = NULL;
	size_t cap = 0, n = 0, got;
	do {
		if (n == cap) {
			cap = cap ? 2 * cap : 65536;
			if (!(buf = realloc(buf, cap))) {
				perror(path);
				exit(2);
			}
		}
		got = fread(buf + n, 1, cap - n, fp);
		n += got;
	} while (got > 0);
	if (ferror(fp)) {
		perror(path);
		exit(2);
	}
	fclose(fp);
	*size = n;
	return buf;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		size_t size;
		unsigned char *data = read_file(argv[i], &size);
		LLVMFuzzerTestOneInput(data, size);
		free(data);
	}
	printf("replayed %d inputs\n", argc - 1);
	return 0;
}

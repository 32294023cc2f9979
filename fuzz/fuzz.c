/* fuzz: what the harnesses share; see fuzz.h. */
#include "fuzz.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int fuzz_file(const uint8_t *data, size_t size, char path[32])
{
	int fd = memfd_create("fuzz-input", 0);
	if (fd < 0) {
		perror("memfd_create");
		abort();
	}
	for (size_t at = 0; at < size;) {
		ssize_t n = write(fd, data + at, size - at);
		if (n <= 0) {
			perror("fuzz input");
			abort();
		}
		at += (size_t)n;
	}
	snprintf(path, 32, "/proc/self/fd/%d", fd);
	return fd;
}

void fuzz_file_close(int fd)
{
	close(fd);
}

#include "cli/cli.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/num.h"
#include "img/image.h"

#ifndef SIMBAL_VERSION
#define SIMBAL_VERSION "unknown"
#endif

/* A program started with descriptor 0, 1 or 2 closed would give that
 * number to the first file it opens, and its messages or output would go
 * into that file (a warning into a PNG).  Each closed one is held by
 * /dev/null, opened the wrong way round so that using it still fails as a
 * closed one does (EBADF: "write error" for a closed stdout). */
static void hold_std_descriptors(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* the lowest free number: fd, as those below it are open */
		if (open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY) != fd)
			_exit(EXIT_DATA);
	}
}

void cli_init(int argc, char **argv)
{
	(void)argc;
	hold_std_descriptors();
	const char *slash = strrchr(argv[0], '/');
	progname = slash ? slash + 1 : argv[0];
	argv[0] = (char *)progname; /* getopt's own messages use it */
	atexit(stdout_check_at_exit);
	cleanup_install_signals();
	/* Codecs and SSIM allocate and free a few hundred KB per image; by
	 * default glibc hands that back to the kernel each time (strace -c on
	 * idx2png: 4 brk calls per image, the largest share of its system
	 * time; perf on RGB SSIM: page faults from mmap'd planes).  Keep freed
	 * memory for reuse instead.  Fixing the trim threshold turns off
	 * glibc's adaptive mmap threshold, so that one is set too. */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
}

bool cli_std_option(int opt, const char *usage)
{
	switch (opt) {
	case 'h':
		fputs(usage, stdout);
		exit(0);
	case CLI_VERSION:
		printf("%s (simbal) %s\n", progname, SIMBAL_VERSION);
		exit(0);
	case CLI_MAX_PIXELS:
		img_max_pixels = cli_u64("--max-pixels", optarg);
		if (img_max_pixels == 0)
			die_usage("--max-pixels: must be at least 1");
		return true;
	case '?':
		/* getopt has already named the offending option. */
		fprintf(stderr, "Try '%s --help' for more information.\n", progname);
		exit(EXIT_USAGE);
	}
	return false;
}

long cli_long(const char *opt, const char *s, long min, long max)
{
	char *end;
	errno = 0;
	/* strtol would skip leading blanks: the one syntax allows none. */
	long v = strtol(s, &end, 10);
	if (end == s || *end || errno == ERANGE || isspace((unsigned char)*s))
		die_usage("%s: '%s' is not an integer", opt, s);
	if (v < min || v > max)
		die_usage("%s: %ld is out of range [%ld, %ld]", opt, v, min, max);
	return v;
}

uint64_t cli_u64(const char *opt, const char *s)
{
	char *end;
	errno = 0;
	if (*s == '-')
		die_usage("%s: '%s' must not be negative", opt, s);
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s || *end || errno == ERANGE || !isdigit((unsigned char)*s))
		die_usage("%s: '%s' is not a non-negative integer", opt, s);
	return v;
}

int cli_choice(const char *opt, const char *s, const char *const *names, int n)
{
	char list[256] = "";
	for (int i = 0; i < n; i++) {
		if (strcmp(s, names[i]) == 0)
			return i;
		size_t len = strlen(list);
		snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", names[i]);
	}
	die_usage("%s: unknown value '%s' (%s)", opt, s, list);
}

double cli_double(const char *opt, const char *s, double min, double max)
{
	double v;
	if (scan_number(s, &v) != NUMBER_OK)
		die_usage("%s: '%s' is not a number", opt, s);
	if (v < min || v > max)
		die_usage("%s: %g is out of range [%g, %g]", opt, v, min, max);
	return v;
}

void cli_size(const char *opt, const char *s, int *w, int *h)
{
	/* digits, 'x', digits; a bad part is named with the whole ("5x5x5"
	 * is not WIDTHxHEIGHT, rather than "'5x5' is not an integer") */
	static const char digits[] = "0123456789";
	size_t nw = strspn(s, digits);
	if (nw == 0 || s[nw] != 'x' || s[nw + 1] == '\0' || s[nw + 1 + strspn(s + nw + 1, digits)])
		die_usage("%s: '%s' is not WIDTHxHEIGHT", opt, s);
	*w = (int)cli_long(opt, strndupa(s, nw), 1, 65535);
	*h = (int)cli_long(opt, s + nw + 1, 1, 65535);
}

#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cleanup.h"
#include "image.h"

#ifndef SIMBAL_VERSION
#define SIMBAL_VERSION "unknown"
#endif

const char *progname = "simbal";

/* Set once an error has been reported: the exit-time check of stdout then
 * stays quiet, so a failure is one line on stderr. */
static bool dying;

static void check_stdout(void)
{
	if (dying)
		return;
	/* Runs at exit: buffered output is only known to have reached its
	 * destination once flushed and closed without error. */
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		fprintf(stderr, "%s: write error: %s\n", progname,
			errno ? strerror(errno) : "unknown error");
		cleanup_run();
		_exit(EXIT_DATA);
	}
}

void stdout_flush(void)
{
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout))
		die("write error: %s", errno ? strerror(errno) : "unknown error");
}

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
	atexit(check_stdout);
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

/* s on stderr, control characters as C escapes (\r, \t, \n, \ooo). */
static void put_visible(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\r' || c == '\t' || c == '\n')
			fprintf(stderr, "\\%c", c == '\r' ? 'r' : c == '\t' ? 't' : 'n');
		else if (c < 0x20 || c == 0x7f)
			fprintf(stderr, "\\%03o", c);
		else
			putc(c, stderr);
	}
}

/* The text of a message, control characters escaped: a name with a
 * newline or carriage return (a file's, a class's) must not break the
 * one line a message is. */
__attribute__((format(printf, 1, 0))) static void put_message(const char *fmt, va_list ap)
{
	char *msg;
	if (vasprintf(&msg, fmt, ap) < 0) {
		fputs(fmt, stderr);
		return;
	}
	put_visible(msg);
	free(msg);
}

__attribute__((format(printf, 4, 0))) static noreturn void vdie(int status, const char *file, long line,
								     const char *fmt, va_list ap)
{
	dying = true;
	fflush(stdout);
	fprintf(stderr, "%s: ", progname);
	if (file) {
		put_visible(file);
		if (line > 0)
			fprintf(stderr, ":%ld", line);
		fputs(": ", stderr);
	}
	put_message(fmt, ap);
	fputc('\n', stderr);
	cleanup_run();
	exit(status);
}

void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdie(EXIT_DATA, NULL, 0, fmt, ap);
}

void die_at(const char *file, long line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdie(EXIT_DATA, file, line, fmt, ap);
}

void die_usage(const char *fmt, ...)
{
	dying = true;
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", progname);
	put_message(fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", progname);
	cleanup_run();
	exit(EXIT_USAGE);
}

void warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: warning: ", progname);
	put_message(fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
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

/* [+-] digits [. digits] [(e|E) [+-] digits], with a digit before or
 * after the point. */
static bool is_decimal(const char *s)
{
	static const char digits[] = "0123456789";
	s += *s == '+' || *s == '-';
	size_t n = strspn(s, digits);
	s += n;
	if (*s == '.') {
		size_t frac = strspn(s + 1, digits);
		n += frac;
		s += 1 + frac;
	}
	if (n == 0)
		return false;
	if (*s == 'e' || *s == 'E') {
		s += 1 + (s[1] == '+' || s[1] == '-');
		size_t exp = strspn(s, digits);
		if (exp == 0)
			return false;
		s += exp;
	}
	return *s == '\0';
}

enum number_kind scan_number(const char *s, double *v)
{
	if (!*s)
		return NUMBER_EMPTY;
	const char *unsigned_s = s + (*s == '+' || *s == '-');
	if (strcmp(s, "NA") == 0 || strcasecmp(unsigned_s, "nan") == 0)
		return NUMBER_NA;
	if (strcasecmp(unsigned_s, "inf") == 0 || strcasecmp(unsigned_s, "infinity") == 0)
		return NUMBER_INF;
	if (!is_decimal(s))
		return NUMBER_BAD;
	/* The syntax checked, strtod reads all of it: the programs never set
	 * a locale, so the point is '.'. */
	errno = 0;
	*v = strtod(s, NULL);
	/* ERANGE also means underflow, a tiny number, which is fine. */
	if (errno == ERANGE && fabs(*v) > 1)
		return NUMBER_INF;
	return NUMBER_OK;
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

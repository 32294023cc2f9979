#include "base/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"

const char *progname = "simbal";

/* Set once an error has been reported: the exit-time check of stdout then
 * stays quiet, so a failure is one line on stderr. */
static bool dying;

void stdout_check_at_exit(void)
{
	if (dying)
		return;
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

void die_line_error(const char *file, const struct line_error *e)
{
	die_at(file, e->line, "%s", e->msg);
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

int line_error(struct line_error *e, long line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	e->line = line;
	return -1;
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

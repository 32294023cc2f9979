/* cli: program name, errors and exit codes, --help/--version, output checks.
 *
 * Every simbal program reports problems as one line on stderr,
 * "prog: file:line: message", and exits 1 for bad data, 2 for bad usage. */
#ifndef SIMBAL_CLI_H
#define SIMBAL_CLI_H

#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdnoreturn.h>

#define EXIT_DATA 1
#define EXIT_USAGE 2

/* Size of the error buffers the library fills (decoders, writers). */
#define ERRLEN 512

/* Long-option codes shared by all programs; program-specific codes start at
 * CLI_FIRST_LOCAL so they never collide with these. */
enum { CLI_VERSION = 0x1000, CLI_MAX_PIXELS, CLI_FIRST_LOCAL };
#define CLI_STD_LONGOPTS                                 \
	{ "help", no_argument, 0, 'h' },                 \
	{ "version", no_argument, 0, CLI_VERSION }

extern const char *progname;

/* Sets progname and arranges for stdout to be checked at exit: a failed
 * write (a full disk) becomes an error, exit 1.  A closed pipe reader ends
 * the program by SIGPIPE, as for any Unix filter, after removing its
 * unfinished outputs. */
void cli_init(int argc, char **argv);

/* Flushes stdout now, as the exit-time check would: a failed write is an
 * error (exit 1), for programs that must know before they go on. */
void stdout_flush(void);

/* Handles the options every program shares ('h', CLI_VERSION, '?', and
 * CLI_MAX_PIXELS when the program accepts it); returns false for others. */
bool cli_std_option(int opt, const char *usage);

noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void die_at(const char *file, long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
noreturn void die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The one syntax of numbers in data fields, also that of option values:
 * decimal, with an optional sign, point and exponent ("-2.5e-3", ".5",
 * "5."), filling the string: no blanks, no hexadecimal.  A number too
 * small for a double is 0 or subnormal. */
enum number_kind {
	NUMBER_OK,    /* a finite number, stored in *v */
	NUMBER_EMPTY, /* "" */
	NUMBER_NA,    /* a missing value: NA, or nan in any case, signed or not */
	NUMBER_INF,   /* inf, infinity, or a number beyond the range of doubles */
	NUMBER_BAD,   /* anything else */
};
enum number_kind scan_number(const char *s, double *v);

/* Strict number parsing for option values; a bad value is a usage error
 * naming the option. */
long cli_long(const char *opt, const char *s, long min, long max);
uint64_t cli_u64(const char *opt, const char *s);
double cli_double(const char *opt, const char *s, double min, double max);
/* "WxH" with both in [1, 65535]. */
void cli_size(const char *opt, const char *s, int *w, int *h);

/* Displayable name of an input path: "-" and NULL are "(stdin)". */
const char *input_name(const char *path);
/* Opens an input for reading ("-" and NULL: stdin); dies if it cannot. */
FILE *open_input(const char *path);

#endif

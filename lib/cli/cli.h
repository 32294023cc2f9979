/* cli: what every program does with its command line: its name for
 * messages, --help and --version, the syntax of option values (a bad one
 * is bad usage, exit 2, naming the option), and the checks of its standard
 * streams.  The layer that serves the programs: it may end them (base/err). */
#ifndef SIMBAL_CLI_H
#define SIMBAL_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"

/* Long-option codes shared by all programs; program-specific codes start at
 * CLI_FIRST_LOCAL so they never collide with these. */
enum { CLI_VERSION = 0x1000, CLI_MAX_PIXELS, CLI_ADJUST, CLI_FIRST_LOCAL };
#define CLI_STD_LONGOPTS                                 \
	{ "help", no_argument, 0, 'h' },                 \
	{ "version", no_argument, 0, CLI_VERSION }

/* Sets progname and arranges for stdout to be checked at exit: a failed
 * write (a full disk) becomes an error, exit 1.  A closed pipe reader ends
 * the program by SIGPIPE, as for any Unix filter, after removing its
 * unfinished outputs. */
void cli_init(int argc, char **argv);

/* Handles the options every program shares ('h', CLI_VERSION, '?', and
 * CLI_MAX_PIXELS when the program accepts it); returns false for others. */
bool cli_std_option(int opt, const char *usage);

/* Strict number parsing for option values (base/num's syntax); a bad value
 * is a usage error naming the option. */
long cli_long(const char *opt, const char *s, long min, long max);
uint64_t cli_u64(const char *opt, const char *s);
double cli_double(const char *opt, const char *s, double min, double max);
/* The index of s among names[0 .. n-1]; another value is a usage error
 * that lists them. */
int cli_choice(const char *opt, const char *s, const char *const *names, int n);
/* "WxH" with both in [1, 65535]. */
void cli_size(const char *opt, const char *s, int *w, int *h);

#endif

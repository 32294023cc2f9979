/* err: how a simbal program ends or warns, and the size of the error
 * buffers the library fills.
 *
 * Every program reports a problem as one line on stderr,
 * "prog: file:line: message", and exits 1 for bad data, 2 for bad usage.
 * Library code returns its errors (-1 or NULL, with a message in an ERRLEN
 * buffer, or in a reader's struct with the line it concerns) and leaves
 * the ending to its caller: die and its kin are called by the programs
 * (bin/) and the layer that serves them (lib/cli/, whose *_or_die forms
 * end a program with the library's message), and by base/mem when memory
 * runs out.  scripts/layers.sh checks it. */
#ifndef SIMBAL_ERR_H
#define SIMBAL_ERR_H

#include <stdnoreturn.h>

#define EXIT_DATA 1
#define EXIT_USAGE 2

/* Size of the error buffers the library fills (decoders, writers). */
#define ERRLEN 512

/* The last error of a reader of lines (tsv, records, counts): its message
 * and the line it concerns, 0 for the file as a whole.  A program prints
 * "prog: FILE:LINE: MSG" (die_at). */
struct line_error {
	char msg[ERRLEN];
	long line;
};
/* Sets e: the message, about line; returns -1. */
int line_error(struct line_error *e, long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The program's name, for messages; cli_init sets it. */
extern const char *progname;

/* Each prints one line, control characters in it shown as C escapes (a
 * file or class name must not break the line), removes the unfinished
 * outputs (base/cleanup) and exits: 1 (die, die_at), 2 with a pointer to
 * --help (die_usage). */
noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void die_at(const char *file, long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
noreturn void die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* die_at with a reader's error about file. */
noreturn void die_line_error(const char *file, const struct line_error *e);
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Flushes stdout now: a failed write is an error (exit 1), for programs
 * that must know before they go on. */
void stdout_flush(void);
/* The same at exit, registered by cli_init: buffered output is only known
 * to have reached its destination once flushed and closed.  Quiet once an
 * error has been reported, so that a failure is one line. */
void stdout_check_at_exit(void);

#endif

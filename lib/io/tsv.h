/* tsv: the record reader every simbal filter uses.
 *
 * One record per line, fields separated by TAB.  The reader tracks the file
 * name and line number for error messages, accepts a missing final newline,
 * skips a UTF-8 byte order mark at the start with a warning, and rejects
 * NUL bytes, lines ending in CR (DOS line endings) and lines longer than
 * max_line.  Fields point into the reader's buffer (no copies) and are
 * NUL-terminated in place; they stay valid until the next tsv_read.
 *
 * A function that fails returns -1 (or NULL) and leaves the message and
 * the line it concerns in err (base/err's line_error): lib/cli's
 * tsv_*_or_die print it after the name. */
#ifndef SIMBAL_TSV_H
#define SIMBAL_TSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "base/err.h"

#define TSV_MAX_LINE_DEFAULT (1u << 20)

struct tsv_field {
	char *s;  /* NUL-terminated */
	size_t n; /* length, without the NUL */
};

struct tsv_reader {
	FILE *fp;
	const char *name; /* for messages: the path, or "(stdin)" */
	long line;        /* number of the current record, from 1 */
	size_t max_line;
	/* the current record */
	struct tsv_field *f;
	size_t nf;
	size_t len; /* bytes in the line, without its newline */
	struct line_error err; /* the last error */
	/* internal */
	char *buf;
	size_t cap, start, end;
	size_t fcap;
	bool eof, close_fp;
};

/* Opens path ("-" or NULL: stdin): 0, or -1 when it cannot be opened. */
__attribute__((warn_unused_result)) int tsv_open(struct tsv_reader *r, const char *path);
/* Reads the next record: 1, 0 at end of input, -1 on bad input or a read
 * error. */
int tsv_read(struct tsv_reader *r);
void tsv_close(struct tsv_reader *r);

/* 0 when the record has between min and max fields (max 0: no upper
 * bound), -1 otherwise. */
__attribute__((warn_unused_result)) int tsv_want_fields(struct tsv_reader *r, size_t min,
							size_t max);
/* The class of a manifest line, field n (1-based); NULL when the field is
 * missing, empty, or ends with a carriage return. */
const char *tsv_class(struct tsv_reader *r, size_t n);
/* Writes the current record as it was read, then a newline if nl. */
void tsv_write_record(const struct tsv_reader *r, FILE *out, bool nl);
/* A malloc'd copy of the current record as it was read. */
char *tsv_record_dup(const struct tsv_reader *r);

/* What a manifest may hold, for the programs that write one (imgls,
 * idx2png, imgsplit): why s cannot be a class name, which is also a
 * directory name (empty, starts with '.', has '/', TAB or newline, ends
 * with a carriage return), or NULL when it can; whether a path can be a
 * field (no TAB or newline). */
const char *class_name_problem(const char *s);
bool manifest_safe(const char *path);

#endif

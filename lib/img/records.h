/* records: the images a classifier program reads, from a manifest
 * (path<TAB>class... lines) or a PAM stream (labelled frames), told apart
 * by the input's first bytes; each record with the text it is printed as.
 *
 * A function that fails returns -1 and leaves the message and the line
 * of the manifest it concerns in err (0: the input as a whole, or a
 * stream, whose messages name the frame), which a program prints after
 * the name. */
#ifndef SIMBAL_RECORDS_H
#define SIMBAL_RECORDS_H

#include <stdbool.h>
#include <stdio.h>

#include "base/err.h"
#include "img/image.h"
#include "img/pam.h"
#include "io/tsv.h"

struct records {
	bool pam;
	struct tsv_reader tsv;
	struct pam_reader frames;
	const char *name;
	long n;          /* records read */
	char *text;      /* the current record as printed: the manifest line, or
			  * id<TAB>label of a frame (its number when it has no id) */
	const char *label; /* its class: field 2, or the frame's label; NULL if none */
	struct frame_meta meta;
	void *peeked;    /* what the stream reads first; reachable until closed */
	struct line_error err; /* the last error */
};

/* Opens path ("-" or NULL: stdin): 0, or -1 when it cannot. */
__attribute__((warn_unused_result)) int records_open(struct records *r, const char *path);
/* The next record's image: 1, 0 at the end, -1 on an unreadable image or
 * a broken stream. */
int records_read(struct records *r, struct image *im);
void records_close(struct records *r);
/* Sets the error to why, naming the current record (its path, or the
 * frame); returns -1. */
int records_fail(struct records *r, const char *why);

#endif

/* records: the images a classifier program reads, from a manifest
 * (path<TAB>class... lines) or a PAM stream (labelled frames), told apart
 * by the input's first bytes; each record with the text it is printed as. */
#ifndef SIMBAL_RECORDS_H
#define SIMBAL_RECORDS_H

#include <stdbool.h>
#include <stdnoreturn.h>
#include <stdio.h>

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
};

/* Opens path ("-" or NULL: stdin); dies when it cannot. */
void records_open(struct records *r, const char *path);
/* The next record's image: 1, or 0 at the end; dies naming the record on
 * an unreadable image or a broken stream. */
int records_next(struct records *r, struct image *im);
void records_close(struct records *r);
/* Dies with why, naming the current record: file:line of a manifest, or
 * the stream and the frame. */
noreturn void records_die(const struct records *r, const char *why);

#endif

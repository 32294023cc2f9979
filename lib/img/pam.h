/* pam: netpbm image streams.
 *
 * simbal passes images between programs as netpbm PAM (P7) frames
 * concatenated on a pipe.  A frame may carry "# label CLASS" and
 * "# id PATH" comment lines in its header; readers keep them.  The reader
 * also accepts binary PGM (P5) and PPM (P6) frames.  Maxvals other than
 * 255 and 65535 are rescaled to 8 or 16 bits; alpha planes are dropped. */
#ifndef SIMBAL_PAM_H
#define SIMBAL_PAM_H

#include <stdio.h>

#include "img/image.h"

/* The longest label or id a frame header carries. */
#define PAM_META_MAX 4096

struct frame_meta {
	char *label; /* malloc'd, or NULL when the frame has none */
	char *id;
};

struct pam_reader {
	FILE *fp;
	const char *name;
	long frame; /* frames read so far */
};

/* Reads one frame: 1, 0 at a clean end of stream, -1 on error (err says
 * which frame and what is wrong).  meta may be NULL; otherwise it is
 * filled (free with frame_meta_free). */
int pam_read(struct pam_reader *r, struct image *im, struct frame_meta *meta, char *err);
void frame_meta_free(struct frame_meta *meta);

/* Writes one P7 frame; label and id may be NULL and must not contain a
 * newline nor be longer than PAM_META_MAX bytes (callers check: the reader
 * refuses longer header lines).  Returns 0, or -1 on a write error (errno
 * set). */
int pam_write(FILE *fp, const struct image *im, const char *label, const char *id);

#endif

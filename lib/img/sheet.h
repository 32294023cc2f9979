/* sheet: contact sheets, frames grouped by label (imgrid's, gantrain's).
 *
 * Frames are held in groups, one a label in order of first appearance;
 * each group starts a new row, optionally under a caption strip with its
 * label.  Cells are as large as the largest frame, frames centred in them
 * on black.  The sheet is gray when every frame is gray, RGB otherwise,
 * 8 bits per sample. */
#ifndef SIMBAL_SHEET_H
#define SIMBAL_SHEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strmap.h"
#include "img/image.h"

struct sheet_group {
	struct image *frames; /* the kept frames, 8 bits per sample */
	size_t n, cap;
};

struct sheet {
	struct strmap labels;
	struct sheet_group *groups; /* groups[k]: the frames labelled labels.key[k] */
	size_t cap;
	int cw, ch; /* cell size: the largest kept frame */
	bool rgb;
};

struct sheet_style {
	long columns; /* cells a row at most */
	long gap;     /* pixels between cells and around the edge */
	bool captions;
};

/* The group of a label ("" for none), created when the label is new. */
struct sheet_group *sheet_group(struct sheet *s, const char *label);
/* Takes ownership of im (8 or 16 bits; 16 is reduced at once).  0, or -1
 * with a message in err (im freed either way). */
int sheet_keep(struct sheet *s, struct sheet_group *g, struct image *im, char *err);
/* Lays the groups out and paints them into out (allocated here).  0, or
 * -1 with a message in err (naming the contact sheet) when the sheet
 * would be too large. */
int sheet_render(const struct sheet *s, const struct sheet_style *st, struct image *out,
		 char *err);
void sheet_free(struct sheet *s);

/* Writes im as a PNG to path, complete or not at all, or to stdout when
 * path is NULL: 0, or -1 with a message in err. */
__attribute__((warn_unused_result)) int sheet_write_png(const struct image *im, const char *path,
							char *err);

#endif

/* load: an image file of any format simbal reads (PNG, JPEG, PAM, PGM,
 * PPM), its codec chosen by the file's first bytes, not its name.  Above
 * image and pam, so that neither needs the other's header. */
#ifndef SIMBAL_LOAD_H
#define SIMBAL_LOAD_H

#include <stddef.h>

#include "img/image.h"

/* Decodes the file at path into im: 0, or -1 with "PATH: reason" in err. */
int img_load(const char *path, struct image *im, char *err);
/* The format named by a file's first bytes: "png", "jpeg", "pnm", or NULL. */
const char *img_sniff(const unsigned char *head, size_t n);

#endif

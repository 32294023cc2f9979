#include "img/load.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "img/pam.h"

const char *img_sniff(const unsigned char *b, size_t n)
{
	static const unsigned char png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	if (n >= 8 && memcmp(b, png_sig, 8) == 0)
		return "png";
	if (n >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff)
		return "jpeg";
	if (n >= 2 && b[0] == 'P' && (b[1] == '5' || b[1] == '6' || b[1] == '7'))
		return "pnm";
	return NULL;
}

int img_load(const char *path, struct image *im, char *err)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		snprintf(err, ERRLEN, "%s: %s", path, strerror(errno));
		return -1;
	}
	unsigned char head[8];
	size_t n = fread(head, 1, sizeof head, fp);
	const char *kind = img_sniff(head, n);
	int rc = -1;
	char why[ERRLEN];
	if (ferror(fp)) {
		snprintf(why, sizeof why, "%s", strerror(errno)); /* a directory, EIO */
	} else if (!kind) {
		snprintf(why, sizeof why, "not a PNG, JPEG or netpbm image");
	} else if (fseek(fp, 0, SEEK_SET) != 0) {
		snprintf(why, sizeof why, "cannot seek: %s", strerror(errno));
	} else if (strcmp(kind, "png") == 0) {
		rc = png_decode(fp, im, why);
	} else if (strcmp(kind, "jpeg") == 0) {
		rc = jpeg_decode(fp, im, why);
	} else {
		struct pam_reader pr = { .fp = fp, .name = path };
		rc = pam_read(&pr, im, NULL, why);
		if (rc == 0) {
			snprintf(why, sizeof why, "empty netpbm file");
			rc = -1;
		} else if (rc > 0) {
			rc = 0;
		}
	}
	fclose(fp);
	if (rc) {
		int at = snprintf(err, ERRLEN, "%s: ", path);
		if (at >= 0 && at < ERRLEN)
			snprintf(err + at, (size_t)(ERRLEN - at), "%s", why);
	}
	return rc;
}

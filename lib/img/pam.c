#include "img/pam.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"

/* Header lines longer than this are refused; it leaves room for a comment
 * holding PAM_META_MAX bytes. */
#define HEADER_LINE_MAX (PAM_META_MAX + 64)

struct header {
	long w, h, depth, maxval;
	bool has_w, has_h, has_depth, has_maxval;
	struct frame_meta meta;
};

void frame_meta_free(struct frame_meta *meta)
{
	free(meta->label);
	free(meta->id);
	meta->label = meta->id = NULL;
}

static int fail(char *err, long frame, const char *msg)
{
	snprintf(err, ERRLEN, "frame %ld: %.400s", frame, msg);
	return -1;
}

/* A failure that quotes the header text at fault (shortened). */
static int fail_quoting(char *err, long frame, const char *msg, const char *text)
{
	snprintf(err, ERRLEN, "frame %ld: %s '%.40s'", frame, msg, text);
	return -1;
}

/* A "# label X" or "# id X" comment sets that field; others are ignored.
 * A TAB in either is refused: the programs print them as TSV fields. */
static int comment(struct header *hd, const char *text, long frame, char *err)
{
	char **slot = NULL;
	if (strncmp(text, " label ", 7) == 0) {
		slot = &hd->meta.label;
		text += 7;
	} else if (strncmp(text, " id ", 4) == 0) {
		slot = &hd->meta.id;
		text += 4;
	}
	if (!slot)
		return 0;
	if (strchr(text, '\t'))
		return fail_quoting(err, frame, "a label or id with a TAB", text);
	free(*slot);
	*slot = xstrdup(text);
	return 0;
}

/* Reads one header line (without the newline); -1 at EOF or when too long. */
static int read_line(FILE *fp, char *buf, size_t cap)
{
	size_t n = 0;
	int ch;
	while ((ch = getc(fp)) != EOF && ch != '\n') {
		if (n + 1 >= cap)
			return -1;
		buf[n++] = (char)ch;
	}
	if (ch == EOF)
		return -1;
	buf[n] = '\0';
	return 0;
}

static int parse_number(const char *s, long *v)
{
	char *end;
	errno = 0;
	long x = strtol(s, &end, 10);
	while (*end == ' ' || *end == '\t' || *end == '\r')
		end++;
	if (end == s || *end || errno || x < 1)
		return -1;
	*v = x;
	return 0;
}

static int read_p7_header(struct pam_reader *r, struct header *hd, char *err)
{
	char line[HEADER_LINE_MAX];
	for (;;) {
		if (read_line(r->fp, line, sizeof line))
			return fail(err, r->frame, "truncated or over-long PAM header line");
		if (line[0] == '#') {
			if (comment(hd, line + 1, r->frame, err))
				return -1;
			continue;
		}
		char *key = line;
		while (isspace((unsigned char)*key))
			key++;
		if (!*key)
			continue;
		char *val = key;
		while (*val && !isspace((unsigned char)*val))
			val++;
		if (*val)
			*val++ = '\0';
		while (isspace((unsigned char)*val))
			val++;
		long *num = NULL;
		bool *seen = NULL;
		if (strcmp(key, "ENDHDR") == 0)
			break;
		else if (strcmp(key, "WIDTH") == 0)
			num = &hd->w, seen = &hd->has_w;
		else if (strcmp(key, "HEIGHT") == 0)
			num = &hd->h, seen = &hd->has_h;
		else if (strcmp(key, "DEPTH") == 0)
			num = &hd->depth, seen = &hd->has_depth;
		else if (strcmp(key, "MAXVAL") == 0)
			num = &hd->maxval, seen = &hd->has_maxval;
		else if (strcmp(key, "TUPLTYPE") == 0)
			continue; /* the depth says all we use */
		else
			return fail_quoting(err, r->frame, "unknown PAM header keyword", key);
		if (parse_number(val, num))
			return fail_quoting(err, r->frame, "PAM header: bad value for", key);
		*seen = true;
	}
	if (!hd->has_w || !hd->has_h || !hd->has_depth || !hd->has_maxval)
		return fail(err, r->frame, "PAM header lacks WIDTH, HEIGHT, DEPTH or MAXVAL");
	return 0;
}

/* The next number of a P5/P6 header, skipping whitespace and comments. */
static int pnm_number(struct pam_reader *r, struct header *hd, long *v, char *err)
{
	int ch;
	for (;;) {
		ch = getc(r->fp);
		if (ch == '#') {
			char text[HEADER_LINE_MAX];
			if (read_line(r->fp, text, sizeof text))
				return fail(err, r->frame, "truncated or over-long header comment");
			if (comment(hd, text, r->frame, err))
				return -1;
		} else if (!isspace(ch)) {
			break;
		}
	}
	long x = 0;
	if (!isdigit(ch))
		return fail(err, r->frame, ch == EOF ? "truncated header" : "bad number in header");
	while (isdigit(ch)) {
		if (x > 100000000)
			return fail(err, r->frame, "number too large in header");
		x = x * 10 + (ch - '0');
		ch = getc(r->fp);
	}
	/* Exactly one whitespace character ends the number. */
	if (ch == EOF || !isspace(ch))
		return fail(err, r->frame, ch == EOF ? "truncated header" : "bad number in header");
	if (x < 1)
		return fail(err, r->frame, "zero in header");
	*v = x;
	return 0;
}

static int read_pnm_header(struct pam_reader *r, struct header *hd, int channels, char *err)
{
	hd->depth = channels;
	if (pnm_number(r, hd, &hd->w, err) || pnm_number(r, hd, &hd->h, err) ||
	    pnm_number(r, hd, &hd->maxval, err))
		return -1;
	return 0;
}

/* Scales a sample of range [0, maxval] to [0, outmax], rounding. */
static unsigned rescale(unsigned v, unsigned maxval, unsigned outmax)
{
	return (unsigned)(((uint64_t)v * outmax + maxval / 2) / maxval);
}

static int read_raster(struct pam_reader *r, const struct header *hd, struct image *im, char *err)
{
	int wide = hd->maxval > 255;
	int out_depth = wide ? 16 : 8;
	int channels = hd->depth >= 3 ? 3 : 1;
	char why[ERRLEN];
	if (img_alloc(im, hd->w, hd->h, channels, out_depth, why))
		return fail(err, r->frame, why);
	size_t in_row = (size_t)hd->w * (size_t)hd->depth * (size_t)(wide ? 2 : 1);
	unsigned char *row = malloc(in_row);
	if (!row) {
		img_free(im);
		return fail(err, r->frame, "out of memory");
	}
	unsigned outmax = img_maxval(im), maxval = (unsigned)hd->maxval;
	for (long y = 0; y < hd->h; y++) {
		if (fread(row, 1, in_row, r->fp) != in_row) {
			free(row);
			img_free(im);
			return fail(err, r->frame, "truncated raster");
		}
		if (!wide && maxval == 255 && hd->depth == channels) {
			/* The common case: the row is already in our layout. */
			memcpy((uint8_t *)im->px + (size_t)y * in_row, row, in_row);
			continue;
		}
		for (long x = 0; x < hd->w; x++) {
			for (int k = 0; k < channels; k++) {
				size_t at = (size_t)x * (size_t)hd->depth + (size_t)k;
				unsigned v = wide ? (unsigned)row[2 * at] << 8 | row[2 * at + 1] : row[at];
				if (v > maxval) {
					free(row);
					img_free(im);
					return fail(err, r->frame, "sample over the header's MAXVAL");
				}
				if (maxval != outmax)
					v = rescale(v, maxval, outmax);
				img_set(im, ((size_t)y * (size_t)hd->w + (size_t)x) * (size_t)channels + (size_t)k, v);
			}
		}
	}
	free(row);
	return 0;
}

int pam_read(struct pam_reader *r, struct image *im, struct frame_meta *meta, char *err)
{
	struct header hd = { 0 };
	int c0 = getc(r->fp);
	if (c0 == EOF) {
		if (ferror(r->fp)) {
			snprintf(err, ERRLEN, "read error: %s", strerror(errno));
			return -1;
		}
		return 0;
	}
	r->frame++;
	int c1 = getc(r->fp), c2 = getc(r->fp);
	int rc;
	if (c0 != 'P' || (c1 != '5' && c1 != '6' && c1 != '7') || !isspace(c2))
		rc = fail(err, r->frame, "not a PAM, PGM or PPM frame (bad magic number)");
	else if (c1 == '7')
		rc = c2 == '\n' ? read_p7_header(r, &hd, err)
				: fail(err, r->frame, "bad PAM header");
	else
		rc = ungetc(c2, r->fp) == EOF ? -1 : read_pnm_header(r, &hd, c1 == '5' ? 1 : 3, err);
	if (rc == 0 && (hd.maxval > 65535 || hd.depth > 4))
		rc = fail(err, r->frame, hd.maxval > 65535 ? "MAXVAL over 65535" : "DEPTH over 4");
	if (rc == 0)
		rc = read_raster(r, &hd, im, err);
	if (rc == 0 && meta)
		*meta = hd.meta;
	else
		frame_meta_free(&hd.meta);
	return rc ? -1 : 1;
}

int pam_write(FILE *fp, const struct image *im, const char *label, const char *id)
{
	fprintf(fp, "P7\nWIDTH %d\nHEIGHT %d\nDEPTH %d\nMAXVAL %u\nTUPLTYPE %s\n", im->w, im->h,
		im->c, img_maxval(im), im->c == 3 ? "RGB" : "GRAYSCALE");
	if (label)
		fprintf(fp, "# label %s\n", label);
	if (id)
		fprintf(fp, "# id %s\n", id);
	fputs("ENDHDR\n", fp);
	if (im->depth == 8) {
		fwrite(im->px, 1, img_bytes(im), fp);
	} else {
		/* PAM samples wider than a byte are big-endian. */
		const uint16_t *s = im->px;
		size_t n = img_samples(im);
		unsigned char buf[4096];
		size_t k = 0;
		for (size_t i = 0; i < n; i++) {
			buf[k++] = (unsigned char)(s[i] >> 8);
			buf[k++] = (unsigned char)(s[i] & 0xff);
			if (k == sizeof buf) {
				fwrite(buf, 1, k, fp);
				k = 0;
			}
		}
		fwrite(buf, 1, k, fp);
	}
	return ferror(fp) ? -1 : 0;
}

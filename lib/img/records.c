#include "img/records.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "img/load.h"
#include "io/input.h"

/* A stream whose first bytes were read to tell its kind: they are given
 * back first, then the rest (fopencookie: no pushback limit). */
struct peeked {
	FILE *fp;
	char head[3];
	size_t n, at;
};

static ssize_t peeked_read(void *cookie, char *buf, size_t size)
{
	struct peeked *p = cookie;
	if (p->at < p->n) {
		size_t k = p->n - p->at < size ? p->n - p->at : size;
		memcpy(buf, p->head + p->at, k);
		p->at += k;
		return (ssize_t)k;
	}
	size_t got = fread(buf, 1, size, p->fp);
	/* -1, not 0: a read error must not look like the end of the input */
	return got == 0 && ferror(p->fp) ? -1 : (ssize_t)got;
}

static int peeked_close(void *cookie)
{
	struct peeked *p = cookie;
	int rc = p->fp == stdin ? 0 : fclose(p->fp);
	free(p);
	return rc;
}

int records_open(struct records *r, const char *path)
{
	memset(r, 0, sizeof *r);
	r->name = input_name(path);
	FILE *in = open_input(path);
	if (!in)
		return line_error(&r->err, 0, "%s", strerror(errno));
	struct peeked *p = xmalloc(sizeof *p);
	p->fp = in;
	p->n = fread(p->head, 1, sizeof p->head, p->fp);
	p->at = 0;
	FILE *fp = NULL;
	if (ferror(p->fp))
		line_error(&r->err, 0, "read error: %s", strerror(errno));
	else if (!(fp = fopencookie(p, "r", (cookie_io_functions_t){ .read = peeked_read,
								      .close = peeked_close })))
		line_error(&r->err, 0, "cannot read");
	if (!fp) {
		peeked_close(p);
		return -1;
	}
	r->peeked = p;
	/* "P5", "P6" or "P7" then white space: a netpbm stream */
	r->pam = p->n == 3 && p->head[0] == 'P' && strchr("567", p->head[1]) && p->head[1] &&
		 strchr(" \t\r\n", p->head[2]);
	if (r->pam) {
		r->frames = (struct pam_reader){ .fp = fp, .name = r->name };
	} else {
		memset(&r->tsv, 0, sizeof r->tsv);
		r->tsv.max_line = TSV_MAX_LINE_DEFAULT;
		r->tsv.name = r->name;
		r->tsv.fp = fp;
		r->tsv.close_fp = true;
	}
	return 0;
}

static int next_frame(struct records *r, struct image *im)
{
	char err[ERRLEN];
	frame_meta_free(&r->meta);
	int rc = pam_read(&r->frames, im, &r->meta, err);
	if (rc < 0)
		return line_error(&r->err, 0, "%s", err);
	if (rc == 0)
		return 0;
	free(r->text);
	char number[32];
	snprintf(number, sizeof number, "%ld", r->n + 1);
	const char *id = r->meta.id ? r->meta.id : number, *label = r->meta.label ? r->meta.label : "";
	r->text = xmalloc(strlen(id) + strlen(label) + 2);
	sprintf(r->text, "%s\t%s", id, label);
	r->label = r->meta.label;
	return 1;
}

static int next_line(struct records *r, struct image *im)
{
	int rc = tsv_read(&r->tsv);
	if (rc < 0) {
		r->err = r->tsv.err;
		return -1;
	}
	if (rc == 0)
		return 0;
	free(r->text);
	r->text = tsv_record_dup(&r->tsv);
	r->label = r->tsv.nf >= 2 ? r->tsv.f[1].s : NULL;
	char err[ERRLEN];
	if (img_load(r->tsv.f[0].s, im, err))
		return line_error(&r->err, r->tsv.line, "%s", err);
	return 1;
}

int records_read(struct records *r, struct image *im)
{
	int rc = r->pam ? next_frame(r, im) : next_line(r, im);
	if (rc > 0)
		r->n++;
	return rc;
}

void records_close(struct records *r)
{
	if (r->pam)
		fclose(r->frames.fp);
	else
		tsv_close(&r->tsv);
	frame_meta_free(&r->meta);
	free(r->text);
	r->text = NULL;
}

int records_fail(struct records *r, const char *why)
{
	if (r->pam)
		return line_error(&r->err, 0, "frame %ld: %s", r->n, why);
	return line_error(&r->err, r->tsv.line, "%s: %s", r->tsv.f[0].s, why);
}

#include "io/tsv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "io/input.h"

int tsv_open(struct tsv_reader *r, const char *path)
{
	memset(r, 0, sizeof *r);
	r->max_line = TSV_MAX_LINE_DEFAULT;
	r->name = input_name(path);
	if (!(r->fp = open_input(path)))
		return line_error(&r->err, 0, "%s", strerror(errno));
	r->close_fp = r->fp != stdin;
	return 0;
}

void tsv_close(struct tsv_reader *r)
{
	if (r->close_fp)
		fclose(r->fp);
	free(r->buf);
	free(r->f);
	r->buf = NULL;
	r->f = NULL;
}

/* Makes room and reads more input after the unconsumed bytes: 0 or -1. */
static int fill(struct tsv_reader *r)
{
	size_t pending = r->end - r->start;
	if (pending > r->max_line)
		return line_error(&r->err, r->line + 1, "line longer than %zu bytes", r->max_line);
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, pending);
		r->start = 0;
		r->end = pending;
	}
	/* Keep one byte spare for the terminating NUL of a last line that
	 * has no newline. */
	if (r->cap - r->end < 4096 + 1) {
		size_t cap = r->cap ? r->cap * 2 : 65536;
		if (cap > r->max_line + 4096 + 2)
			cap = r->max_line + 4096 + 2;
		if (cap > r->cap) {
			r->buf = xrealloc(r->buf, cap);
			r->cap = cap;
		}
	}
	size_t room = r->cap - r->end - 1;
	size_t got = fread(r->buf + r->end, 1, room, r->fp);
	if (got < room) {
		if (ferror(r->fp))
			return line_error(&r->err, 0, "read error: %s", strerror(errno));
		r->eof = true;
	}
	r->end += got;
	return 0;
}

static void split(struct tsv_reader *r, char *line)
{
	r->nf = 0;
	char *p = line, *stop = line + r->len;
	for (;;) {
		grow_array(&r->f, &r->fcap, r->nf + 1, sizeof *r->f);
		char *tab = memchr(p, '\t', (size_t)(stop - p));
		char *fend = tab ? tab : stop;
		*fend = '\0';
		r->f[r->nf].s = p;
		r->f[r->nf].n = (size_t)(fend - p);
		r->nf++;
		if (!tab)
			break;
		p = tab + 1;
	}
}

/* What some editors put at the start of a UTF-8 text file: it would
 * otherwise become part of the first path. */
static void skip_byte_order_mark(struct tsv_reader *r)
{
	static const char bom[] = "\xEF\xBB\xBF";
	if (r->end - r->start < 3 || memcmp(r->buf + r->start, bom, 3) != 0)
		return;
	warn("%s:1: byte order mark (UTF-8 BOM) at the start ignored", r->name);
	r->start += 3;
}

int tsv_read(struct tsv_reader *r)
{
	if (!r->buf) {
		if (fill(r))
			return -1;
		skip_byte_order_mark(r);
	}
	char *line, *nl;
	for (;;) {
		line = r->buf + r->start;
		nl = memchr(line, '\n', r->end - r->start);
		if (nl || r->eof)
			break;
		if (fill(r))
			return -1;
	}
	if (!nl && r->start == r->end)
		return 0;
	r->line++;
	r->len = nl ? (size_t)(nl - line) : r->end - r->start;
	if (r->len > r->max_line)
		return line_error(&r->err, r->line, "line longer than %zu bytes", r->max_line);
	if (memchr(line, '\0', r->len))
		return line_error(&r->err, r->line, "NUL byte in line");
	/* Silently keeping the CR would make "cat\r" a class of its own. */
	if (r->len && line[r->len - 1] == '\r')
		return line_error(&r->err, r->line,
				  "carriage return at end of line (DOS line endings?)");
	r->start += r->len + (nl ? 1 : 0);
	split(r, line);
	return 1;
}

int tsv_want_fields(struct tsv_reader *r, size_t min, size_t max)
{
	if (r->nf >= min && (max == 0 || r->nf <= max))
		return 0;
	if (max == min)
		return line_error(&r->err, r->line, "expected %zu TAB-separated fields, found %zu",
				  min, r->nf);
	if (max == 0)
		return line_error(&r->err, r->line,
				  "expected at least %zu TAB-separated fields, found %zu", min,
				  r->nf);
	return line_error(&r->err, r->line, "expected %zu to %zu TAB-separated fields, found %zu",
			  min, max, r->nf);
}

const char *tsv_class(struct tsv_reader *r, size_t n)
{
	if (tsv_want_fields(r, n, 0))
		return NULL;
	const struct tsv_field *f = &r->f[n - 1];
	if (f->n == 0) {
		line_error(&r->err, r->line, "empty class name");
		return NULL;
	}
	/* at the end of a line the reader refuses it; before more fields it
	 * would become a class of its own, and a directory name */
	if (f->s[f->n - 1] == '\r') {
		line_error(&r->err, r->line, "class name '%s' ends with a carriage return", f->s);
		return NULL;
	}
	return f->s;
}

void tsv_write_record(const struct tsv_reader *r, FILE *out, bool nl)
{
	for (size_t i = 0; i < r->nf; i++) {
		if (i)
			putc('\t', out);
		fwrite(r->f[i].s, 1, r->f[i].n, out);
	}
	if (nl)
		putc('\n', out);
}

char *tsv_record_dup(const struct tsv_reader *r)
{
	char *s = xmalloc(r->len + 1);
	memcpy(s, r->f[0].s, r->len);
	for (size_t i = 0; i + 1 < r->nf; i++)
		s[r->f[i + 1].s - r->f[0].s - 1] = '\t';
	s[r->len] = '\0';
	return s;
}

const char *class_name_problem(const char *s)
{
	if (!*s)
		return "is empty";
	if (*s == '.')
		return "starts with '.'";
	if (strchr(s, '/'))
		return "contains '/'";
	if (strpbrk(s, "\t\n"))
		return "contains a TAB or newline";
	/* what mkdir of the lines of a DOS text file makes; every manifest
	 * reader refuses a line that ends so */
	if (s[strlen(s) - 1] == '\r')
		return "ends with a carriage return";
	return NULL;
}

bool manifest_safe(const char *path)
{
	return !strpbrk(path, "\t\n");
}

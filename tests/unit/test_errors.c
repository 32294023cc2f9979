/* Unit tests of the error policy of lib/ below cli/: a function that fails
 * returns -1 (or NULL) with the message a program prints, and the process
 * goes on (none of these exits).  The readers (tsv, records) keep the
 * message and the line it concerns; the others fill an ERRLEN buffer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/mem.h"
#include "base/path.h"
#include "img/image.h"
#include "img/load.h"
#include "img/pam.h"
#include "img/records.h"
#include "io/fsout.h"
#include "io/tsv.h"
#include "unit.h"

/* A new temporary directory (malloc'd). */
static char *temp_dir(void)
{
	const char *tmpdir = getenv("TMPDIR");
	char *dir = path_join(tmpdir && *tmpdir ? tmpdir : "/tmp", "test_errors.XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	return dir;
}

/* Writes n bytes of data to dir/name; returns its path (malloc'd). */
static char *file_with(const char *dir, const char *name, const char *data, size_t n)
{
	char *path = path_join(dir, name);
	FILE *fp = fopen(path, "wb");
	CHECK(fp && fwrite(data, 1, n, fp) == n);
	fclose(fp);
	return path;
}

/* Whether the error is exactly (line, msg); says what it is when not. */
static bool error_is(const struct line_error *e, long line, const char *msg)
{
	if (e->line == line && strcmp(e->msg, msg) == 0)
		return true;
	printf("#   error at line %ld: '%s'\n", e->line, e->msg);
	return false;
}

/* Reads the records of data (max_line bytes a line at most) to the first
 * error: tsv_read's last result, the reader's error in r. */
static int read_to_error(const char *data, size_t n, size_t max_line, struct tsv_reader *r)
{
	char *dir = temp_dir(), *path = file_with(dir, "m.tsv", data, n);
	CHECK(tsv_open(r, path) == 0);
	r->max_line = max_line;
	int rc;
	while ((rc = tsv_read(r)) > 0)
		;
	tsv_close(r);
	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
	return rc;
}

static void tsv_bad_input_is_an_error_naming_its_line(void)
{
	struct tsv_reader r;
	CHECK(read_to_error("a\tb\nc\0d\n", 8, 1024, &r) == -1);
	CHECK(error_is(&r.err, 2, "NUL byte in line"));
	CHECK(read_to_error("a\tb\r\n", 5, 1024, &r) == -1);
	CHECK(error_is(&r.err, 1, "carriage return at end of line (DOS line endings?)"));
	/* over the limit where the line ends within the buffer... */
	CHECK(read_to_error("short\n0123456789\n", 17, 8, &r) == -1);
	CHECK(error_is(&r.err, 2, "line longer than 8 bytes"));
	/* ...and where its end is not read yet (the buffer holds about
	 * max_line + 4096 bytes) */
	size_t n = 10000;
	char *long_line = xmalloc(n + 1);
	memset(long_line, 'x', n);
	memcpy(long_line, "ok\n", 3);
	long_line[n] = '\n';
	CHECK(read_to_error(long_line, n + 1, 8, &r) == -1);
	CHECK(error_is(&r.err, 2, "line longer than 8 bytes"));
	free(long_line);
}

static void tsv_an_input_that_cannot_be_opened_is_an_error(void)
{
	struct tsv_reader r;
	CHECK(tsv_open(&r, "/nonexistent/m.tsv") == -1);
	CHECK(strcmp(r.name, "/nonexistent/m.tsv") == 0);
	CHECK(error_is(&r.err, 0, strerror(ENOENT)));
	tsv_close(&r);
}

static void tsv_field_and_class_checks_are_errors(void)
{
	char *dir = temp_dir(), *path = file_with(dir, "m.tsv", "a\tb\na\t\tc\nx\n", 11);
	struct tsv_reader r;
	CHECK(tsv_open(&r, path) == 0);
	CHECK(tsv_read(&r) == 1);
	CHECK(tsv_want_fields(&r, 2, 2) == 0 && strcmp(tsv_class(&r, 2), "b") == 0);
	CHECK(tsv_want_fields(&r, 3, 0) == -1);
	CHECK(error_is(&r.err, 1, "expected at least 3 TAB-separated fields, found 2"));
	CHECK(tsv_read(&r) == 1);
	CHECK(tsv_class(&r, 2) == NULL);
	CHECK(error_is(&r.err, 2, "empty class name"));
	CHECK(tsv_read(&r) == 1);
	CHECK(tsv_class(&r, 2) == NULL);
	CHECK(error_is(&r.err, 3, "expected at least 2 TAB-separated fields, found 1"));
	CHECK(tsv_read(&r) == 0);
	tsv_close(&r);
	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
}

static void tsv_byte_order_mark_stays_a_warning(void)
{
	char *dir = temp_dir(), *path = file_with(dir, "m.tsv", "\xEF\xBB\xBF" "a\tb\n", 7);
	char *said = path_join(dir, "stderr");
	/* stderr into a file for the while */
	fflush(stderr);
	int saved = dup(2);
	FILE *cap = freopen(said, "w", stderr);
	CHECK(cap != NULL);
	struct tsv_reader r;
	CHECK(tsv_open(&r, path) == 0);
	CHECK(tsv_read(&r) == 1);
	CHECK(r.nf == 2 && strcmp(r.f[0].s, "a") == 0);
	CHECK(tsv_read(&r) == 0);
	tsv_close(&r);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	char text[1024] = { 0 };
	FILE *fp = fopen(said, "r");
	CHECK(fp && fread(text, 1, sizeof text - 1, fp) > 0);
	fclose(fp);
	char want[1024];
	snprintf(want, sizeof want,
		 "%s: warning: %s:1: byte order mark (UTF-8 BOM) at the start ignored\n", progname,
		 path);
	CHECK(strcmp(text, want) == 0);
	unlink(said);
	unlink(path);
	rmdir(dir);
	free(said);
	free(path);
	free(dir);
}

/* Opens data as records; the first read's result, the error in r. */
static int first_record(const char *data, size_t n, struct records *r, struct image *im)
{
	char *dir = temp_dir(), *path = file_with(dir, "in", data, n);
	CHECK(records_open(r, path) == 0);
	int rc = records_read(r, im);
	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
	return rc;
}

static void records_errors_name_the_line_or_the_frame(void)
{
	struct records r;
	struct image im;
	CHECK(first_record("/nonexistent/a.png\tcat\n", 23, &r, &im) == -1);
	char want[ERRLEN];
	snprintf(want, sizeof want, "/nonexistent/a.png: %s", strerror(ENOENT));
	CHECK(error_is(&r.err, 1, want));
	records_close(&r);
	CHECK(first_record("a.png\tcat\r\n", 11, &r, &im) == -1);
	CHECK(error_is(&r.err, 1, "carriage return at end of line (DOS line endings?)"));
	records_close(&r);
	/* a stream: the frame, and no line */
	CHECK(first_record("P5\n2 2\n255\n\1\2", 13, &r, &im) == -1);
	CHECK(error_is(&r.err, 0, "frame 1: truncated raster"));
	records_close(&r);
	CHECK(first_record("P5\n1 1\n255\n\1", 12, &r, &im) == 1);
	img_free(&im);
	CHECK(records_fail(&r, "not 8x8") == -1);
	CHECK(error_is(&r.err, 0, "frame 1: not 8x8"));
	records_close(&r);
	CHECK(records_open(&r, "/nonexistent/in") == -1);
	CHECK(error_is(&r.err, 0, strerror(ENOENT)));
}

static void afile_errors_leave_nothing_behind(void)
{
	char err[ERRLEN];
	struct afile af;
	CHECK(afile_open(&af, "/nonexistent/out", err) == NULL);
	CHECK(strcmp(err, "/nonexistent/out: cannot create: No such file or directory") == 0);
	CHECK(afile_probe("/nonexistent/out", err) == -1);
	CHECK(strcmp(err, "/nonexistent/out: cannot create: No such file or directory") == 0);
	char *dir = temp_dir();
	CHECK(afile_open(&af, dir, err) == NULL);
	char want[ERRLEN];
	snprintf(want, sizeof want, "%s: is a directory", dir);
	CHECK(strcmp(err, want) == 0);
	/* probed, then abandoned: the directory as it was */
	char *out = path_join(dir, "out");
	CHECK(afile_probe(out, err) == 0);
	FILE *fp = afile_open(&af, out, err);
	CHECK(fp != NULL);
	fputs("partial", fp);
	afile_abandon(&af);
	CHECK(rmdir(dir) == 0);
	free(out);
	free(dir);
}

static void afile_commit_reports_a_full_disk(void)
{
	char err[ERRLEN];
	struct afile af;
	FILE *fp = afile_open(&af, "/dev/full", err);
	CHECK(fp != NULL);
	fputs("x", fp);
	CHECK(afile_commit(&af, err) == -1);
	CHECK(strcmp(err, "/dev/full: write error: No space left on device") == 0);
}

static void png_save_as_names_the_file_it_will_be(void)
{
	char err[ERRLEN];
	struct image im;
	CHECK(img_alloc(&im, 2, 2, 1, 8, err) == 0);
	memset(im.px, 7, img_bytes(&im));
	CHECK(png_save_as("/nonexistent/0.png", "out/cat/0.png", &im, err) == -1);
	CHECK(strcmp(err, "out/cat/0.png: No such file or directory") == 0);
	CHECK(png_save_as("/dev/full", "out/cat/1.png", &im, err) == -1);
	CHECK(strncmp(err, "out/cat/1.png: ", 15) == 0 && strstr(err, "No space left on device"));
	char *dir = temp_dir(), *path = path_join(dir, "2.png");
	CHECK(png_save_as(path, "out/cat/2.png", &im, err) == 0);
	struct image back;
	CHECK(img_load(path, &back, err) == 0);
	CHECK(back.w == 2 && back.h == 2 && img_get(&back, 3) == 7);
	img_free(&back);
	img_free(&im);
	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
}

void unit_main(void)
{
	unit_run("tsv: NUL, CR at the end, a long line: -1, the message and its line",
		 tsv_bad_input_is_an_error_naming_its_line);
	unit_run("tsv: an input that cannot be opened: -1, the reason",
		 tsv_an_input_that_cannot_be_opened_is_an_error);
	unit_run("tsv: field count and class checks: -1, the message and its line",
		 tsv_field_and_class_checks_are_errors);
	unit_run("tsv: a byte order mark stays a warning, the record read",
		 tsv_byte_order_mark_stays_a_warning);
	unit_run("records: a manifest's errors name the line, a stream's the frame",
		 records_errors_name_the_line_or_the_frame);
	unit_run("fsout: afile on a missing directory or a directory: NULL, the message",
		 afile_errors_leave_nothing_behind);
	unit_run("fsout: afile_commit on a full disk: -1, the reason",
		 afile_commit_reports_a_full_disk);
	unit_run("png: png_save_as fails naming the file it will be",
		 png_save_as_names_the_file_it_will_be);
}

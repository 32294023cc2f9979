/* Unit tests of lib/io/fsout's afile: the output appears whole at commit, with
 * the mode a plain creat gives, whether written unnamed (O_TMPFILE) or
 * under a temporary name, and nothing else is left in its directory. */
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/mem.h"
#include "base/path.h"
#include "io/fsout.h"
#include "unit.h"

/* The names in dir ("." and ".." aside), joined by spaces, sorted. */
static char *listing(const char *dir)
{
	struct dirent **e;
	int n = scandir(dir, &e, NULL, alphasort);
	char *s = xstrdup("");
	for (int i = 0; i < n; i++) {
		const char *name = e[i]->d_name;
		if (strcmp(name, ".") && strcmp(name, "..")) {
			char *t = xmalloc(strlen(s) + strlen(name) + 2);
			sprintf(t, "%s%s%s", s, *s ? " " : "", name);
			free(s);
			s = t;
		}
		free(e[i]);
	}
	free(e);
	return s;
}

static bool has_content(const char *path, const char *want)
{
	char buf[64] = { 0 };
	FILE *fp = fopen(path, "r");
	if (!fp)
		return false;
	size_t n = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	return n == strlen(want) && !memcmp(buf, want, n);
}

/* Writes "new" over dir/out (which holds "old"), checking the directory
 * while the file is open (its listing matching the pattern during) and
 * after the commit. */
static void write_over(bool unnamed, const char *during)
{
	const char *tmpdir = getenv("TMPDIR");
	char *dir = path_join(tmpdir && *tmpdir ? tmpdir : "/tmp", "test_fsout.XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	/* where the file system has no O_TMPFILE, a named temporary file
	 * either way */
	int probe = open(dir, O_TMPFILE | O_WRONLY, 0600);
	if (probe < 0)
		during = ".out.?????? out";
	else
		close(probe);
	char *out = path_join(dir, "out");
	FILE *fp = fopen(out, "w");
	fputs("old", fp);
	fclose(fp);
	mode_t mask = umask(027);
	afile_unnamed_disable(!unnamed);
	struct afile af;
	char err[ERRLEN];
	fp = afile_open(&af, out, err);
	CHECK(fp != NULL);
	fputs("new", fp);
	char *open_listing = listing(dir);
	CHECK(fnmatch(during, open_listing, FNM_PERIOD) == 0);
	CHECK(has_content(out, "old"));
	CHECK(afile_commit(&af, err) == 0);
	afile_unnamed_disable(false);
	umask(mask);
	char *after = listing(dir);
	CHECK(strcmp(after, "out") == 0);
	CHECK(has_content(out, "new"));
	struct stat st;
	CHECK(stat(out, &st) == 0 && (st.st_mode & 0777) == 0640);
	unlink(out);
	rmdir(dir);
	free(dir);
	free(open_listing);
	free(after);
	free(out);
}

static void unnamed_file_is_seen_only_once_committed(void)
{
	/* the old file alone while the new one is written */
	write_over(true, "out");
}

static void named_temporary_file_where_there_is_no_o_tmpfile(void)
{
	/* the hidden temporary name beside the old file */
	write_over(false, ".out.?????? out");
}

void unit_main(void)
{
	unit_run("fsout: an unnamed file is seen only once committed",
		 unnamed_file_is_seen_only_once_committed);
	unit_run("fsout: a named temporary file where there is no O_TMPFILE",
		 named_temporary_file_where_there_is_no_o_tmpfile);
}

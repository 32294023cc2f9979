/* imgls: list an ImageFolder tree (DIR/<class>/.../<image>) as a manifest. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/mem.h"
#include "base/path.h"
#include "base/strmap.h"
#include "cli/cli.h"
#include "img/image.h"
#include "img/load.h"
#include "io/tsv.h"

static const char usage[] =
	"Usage: imgls [OPTION]... DIR\n"
	"List the images of an ImageFolder tree, DIR/<class>/.../<image> (the\n"
	"torchvision convention), as a manifest: path<TAB>class lines sorted\n"
	"bytewise by class, then path.  Images are recognised by their first\n"
	"bytes (PNG, JPEG, netpbm PAM/PGM/PPM), not their names; other files are\n"
	"skipped and counted in one warning.  Hidden files and directories (names\n"
	"starting with '.') are ignored.\n"
	"\n"
	"  -h, --help            show this help and exit\n"
	"      --version         show the version and exit\n"
	"\n"
	"Exit status: 0 success, 1 bad data, 2 bad usage.\n";

struct entry {
	char *path;
	size_t cls; /* in listing.classes */
};

struct listing {
	struct strmap classes;
	struct entry *e;
	size_t n, cap;
	size_t skipped; /* regular files that are not images */
	size_t broken;  /* symbolic links that lead nowhere */
	size_t loops;   /* symbolic links back to a directory above them, or
			 * through links back to themselves */
	size_t stray;   /* images directly in DIR, outside any class */
};

static bool is_image(const char *path)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		die("%s: %s", path, strerror(errno));
	unsigned char head[8];
	size_t n = fread(head, 1, sizeof head, fp);
	fclose(fp);
	return img_sniff(head, n) != NULL;
}

static void check_name(const char *path)
{
	if (strpbrk(path, "\t\n"))
		die("%s: name contains a TAB or newline; a manifest cannot hold it", path);
}

/* A directory right below DIR: its name becomes the class of a manifest
 * line, its last field. */
static void check_class_name(const char *path, const char *name)
{
	const char *problem = class_name_problem(name);
	if (problem)
		die("%s: class name %s; a manifest cannot hold it", path, problem);
}

/* A directory on the way down from / through DIR, to recognise a
 * symbolic link that leads back up (find -L does the same). */
struct dir_id {
	dev_t dev;
	ino_t ino;
	const struct dir_id *up;
};

static bool is_ancestor(const struct dir_id *d, const struct stat *st)
{
	for (; d; d = d->up)
		if (d->dev == st->st_dev && d->ino == st->st_ino)
			return true;
	return false;
}

/* The chain of top (st) and every directory above it up to /: a link to
 * any of them leads back into the tree, a link to / included.  Stops where
 * a directory above cannot be read (its .. cannot be looked up). */
static struct dir_id *dir_and_above(const char *top, const struct stat *st)
{
	struct dir_id *self = xmalloc(sizeof *self), *last = self;
	*self = (struct dir_id){ st->st_dev, st->st_ino, NULL };
	char *path = path_join(top, "..");
	struct stat up;
	/* at /, .. is / itself */
	while (stat(path, &up) == 0 && !(up.st_dev == last->dev && up.st_ino == last->ino)) {
		struct dir_id *d = xmalloc(sizeof *d);
		*d = (struct dir_id){ up.st_dev, up.st_ino, NULL };
		last->up = d;
		last = d;
		char *next = path_join(path, "..");
		free(path);
		path = next;
	}
	free(path);
	return self;
}

static void dir_ids_free(struct dir_id *d)
{
	while (d) {
		struct dir_id *up = (struct dir_id *)d->up;
		free(d);
		d = up;
	}
}

static void walk(struct listing *L, const char *dir, size_t cls, const struct dir_id *self);

/* One directory entry; takes ownership of path.  cls: the class of
 * everything below dir, STRMAP_NONE at the top. */
static void visit(struct listing *L, char *path, const char *name, size_t cls,
		  const struct dir_id *parent)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		int error = errno;
		struct stat link;
		if (lstat(path, &link) != 0 || !S_ISLNK(link.st_mode))
			die("%s: %s", path, strerror(error));
		/* ELOOP: links leading through links back to themselves */
		if (error == ELOOP)
			L->loops++;
		else
			L->broken++;
	} else if (S_ISDIR(st.st_mode)) {
		if (is_ancestor(parent, &st)) {
			L->loops++;
		} else {
			check_name(path);
			if (cls == STRMAP_NONE)
				check_class_name(path, name);
			struct dir_id self = { st.st_dev, st.st_ino, parent };
			/* The first level below DIR names the class. */
			walk(L, path, cls != STRMAP_NONE ? cls : strmap_add(&L->classes, name), &self);
		}
	} else if (S_ISREG(st.st_mode) && is_image(path)) {
		if (cls != STRMAP_NONE) {
			check_name(path);
			grow_array(&L->e, &L->cap, L->n + 1, sizeof *L->e);
			L->e[L->n++] = (struct entry){ path, cls };
			return;
		}
		L->stray++;
	} else {
		L->skipped += S_ISREG(st.st_mode);
	}
	free(path);
}

static void walk(struct listing *L, const char *dir, size_t cls, const struct dir_id *self)
{
	DIR *d = opendir(dir);
	if (!d)
		die("%s: %s", dir, strerror(errno));
	struct dirent *de;
	while ((errno = 0, de = readdir(d)))
		if (de->d_name[0] != '.')
			visit(L, path_join(dir, de->d_name), de->d_name, cls, self);
	if (errno)
		die("%s: %s", dir, strerror(errno));
	closedir(d);
}

static int by_class_then_path(const void *a, const void *b, void *classes)
{
	const struct entry *x = a, *y = b;
	char **name = ((struct strmap *)classes)->key;
	int c = strcmp(name[x->cls], name[y->cls]);
	return c ? c : strcmp(x->path, y->path);
}

static void listing_free(struct listing *L)
{
	for (size_t i = 0; i < L->n; i++)
		free(L->e[i].path);
	free(L->e);
	strmap_free(&L->classes);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = { CLI_STD_LONGOPTS, { 0, 0, 0, 0 } };
	cli_init(argc, argv);
	int opt;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1)
		if (!cli_std_option(opt, usage))
			die_usage("unhandled option");
	if (argc - optind != 1)
		die_usage("expected one directory, got %d arguments", argc - optind);
	const char *top = argv[optind];
	struct stat st;
	if (stat(top, &st) != 0)
		die("%s: %s", top, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		die("%s: not a directory", top);

	struct listing L = { 0 };
	struct dir_id *root = dir_and_above(top, &st);
	walk(&L, top, STRMAP_NONE, root);
	dir_ids_free(root);
	if (L.skipped)
		warn("skipped %zu non-image file%s (not PNG, JPEG or netpbm)", L.skipped,
		     L.skipped == 1 ? "" : "s");
	if (L.broken)
		warn("skipped %zu broken symbolic link%s", L.broken, L.broken == 1 ? "" : "s");
	if (L.loops)
		warn("skipped %zu symbolic link loop%s (a link back to a directory above it, or through links to itself)",
		     L.loops, L.loops == 1 ? "" : "s");
	if (L.stray)
		warn("skipped %zu image%s directly in %s, outside any class directory", L.stray,
		     L.stray == 1 ? "" : "s", top);
	if (L.n == 0)
		die("%s: no images found in class directories", top);
	qsort_r(L.e, L.n, sizeof *L.e, by_class_then_path, &L.classes);
	for (size_t i = 0; i < L.n; i++)
		printf("%s\t%s\n", L.e[i].path, L.classes.key[L.e[i].cls]);
	listing_free(&L);
	return 0;
}

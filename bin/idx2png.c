/* idx2png: import MNIST-format IDX files into an ImageFolder tree of PNGs. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/path.h"
#include "base/progress.h"
#include "cli/cli.h"
#include "cli/inputs.h"
#include "cli/outputs.h"
#include "img/idx.h"
#include "img/image.h"
#include "io/fsout.h"
#include "io/tsv.h"

static const char usage[] =
	"Usage: idx2png [OPTION]... IMAGES LABELS OUTDIR\n"
	"Import MNIST-format IDX files (plain or gzip-compressed) into an\n"
	"ImageFolder tree of PNGs, OUTDIR/<class>/<index>.png, and print its\n"
	"manifest (path<TAB>class, sorted as imgls sorts it).  OUTDIR must not\n"
	"exist or be empty; it appears only once the import is complete.\n"
	"\n"
	"  -n, --names=FILE      class names: label<TAB>name lines (default: the\n"
	"                        label number)\n"
	"  -q, --quiet           no progress on a terminal\n"
	"      --max-pixels=N    refuse images larger than N pixels (default 2^28)\n"
	"  -h, --help            show this help and exit\n"
	"      --version         show the version and exit\n"
	"\n"
	"Exit status: 0 success, 1 bad data, 2 bad usage.\n";

#define NLABELS 256

/* --names: label<TAB>name lines. */
static void read_names(const char *path, char *names[NLABELS])
{
	struct tsv_reader r;
	tsv_open_or_die(&r, path);
	while (tsv_read_or_die(&r)) {
		tsv_want_fields_or_die(&r, 2, 2);
		char *end;
		long label = strtol(r.f[0].s, &end, 10);
		if (end == r.f[0].s || *end || label < 0 || label >= NLABELS)
			die_at(r.name, r.line, "'%s' is not a label number (0-255)", r.f[0].s);
		if (names[label])
			die_at(r.name, r.line, "label %ld is named twice", label);
		const char *problem = class_name_problem(r.f[1].s);
		if (problem)
			die_at(r.name, r.line, "class name '%s' %s", r.f[1].s, problem);
		for (int i = 0; i < NLABELS; i++)
			if (names[i] && strcmp(names[i], r.f[1].s) == 0)
				die_at(r.name, r.line, "name '%s' is given to labels %d and %ld",
				       r.f[1].s, i, label);
		names[label] = xstrdup(r.f[1].s);
	}
	tsv_close(&r);
}

static int digits(size_t n)
{
	int d = 1;
	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

struct import {
	struct idx images;
	int channels;
	const unsigned char *labels;
	size_t n;
	char **names;
	int width; /* of the zero-padded file number */
	bool quiet;
};

static void write_tree(struct import *im, struct staged_dir *sd)
{
	struct idx *x = &im->images;
	struct image img;
	char err[ERRLEN];
	if (img_alloc(&img, x->dim[2], x->dim[1], im->channels, 8, err))
		die("%s: %s", x->path, err);
	char *dirs[NLABELS] = { 0 };
	char name[32];
	struct progress pg;
	progress_begin(&pg, im->n, "images", im->quiet);
	for (size_t i = 0; i < im->n; i++) {
		int got = idx_read(x, img.px, img_bytes(&img), err);
		if (got < 0)
			die("%s", err);
		if (!got)
			die("%s: truncated: the header declares %zu images, the data ends in image %zu",
			    x->path, im->n, i + 1);
		int label = im->labels[i];
		if (!dirs[label])
			dirs[label] = staged_dir_subdir_or_die(sd, im->names[label]);
		snprintf(name, sizeof name, "%0*zu.png", im->width, i);
		char *path = path_join(dirs[label], name);
		/* Messages name the file where it will be, not in the staging
		 * directory. */
		char *dir = path_join(sd->path, im->names[label]);
		char *shown = path_join(dir, name);
		png_save_as_or_die(path, shown, &img);
		free(shown);
		free(dir);
		free(path);
		progress_update(&pg, i + 1);
	}
	progress_end(&pg, im->n);
	if (idx_finish(x, err))
		die("%s", err);
	for (int i = 0; i < NLABELS; i++)
		free(dirs[i]);
	img_free(&img);
}

static int by_name(const void *a, const void *b, void *names)
{
	char **nm = names;
	return strcmp(nm[*(const int *)a], nm[*(const int *)b]);
}

/* The manifest, in the order imgls would list the same tree. */
static void print_manifest(const struct import *im, const char *outdir)
{
	int order[NLABELS], used = 0;
	for (int i = 0; i < NLABELS; i++)
		if (im->names[i])
			order[used++] = i;
	qsort_r(order, (size_t)used, sizeof *order, by_name, im->names);
	for (int k = 0; k < used; k++) {
		int label = order[k];
		char *dir = path_join(outdir, im->names[label]);
		for (size_t i = 0; i < im->n; i++)
			if (im->labels[i] == label)
				printf("%s/%0*zu.png\t%s\n", dir, im->width, i, im->names[label]);
		free(dir);
	}
}

/* Labels without a --names entry are named by their number, unless a names
 * file was given: then it must name every label that occurs. */
static void name_labels(char *names[NLABELS], const unsigned char *label, size_t n,
			const char *labels_path, const char *names_file)
{
	for (size_t i = 0; i < n; i++) {
		int l = label[i];
		if (names[l])
			continue;
		if (names_file)
			die("%s: label %d (item %zu) has no name in %s", labels_path, l, i + 1,
			    names_file);
		char num[4];
		snprintf(num, sizeof num, "%d", l);
		names[l] = xstrdup(num);
	}
}

static void open_images(struct import *im, const char *images, const char *labels)
{
	struct idx *x = &im->images;
	char err[ERRLEN];
	if (idx_open(x, images, err) || idx_check_images(x, &im->channels, err))
		die("%s", err);
	if (x->dim[0] != im->n)
		die("%s: %u images, but %s has %zu labels", images, x->dim[0], labels, im->n);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "names", required_argument, 0, 'n' },
		{ "quiet", no_argument, 0, 'q' },
		{ "max-pixels", required_argument, 0, CLI_MAX_PIXELS },
		CLI_STD_LONGOPTS,
		{ 0, 0, 0, 0 },
	};
	cli_init(argc, argv);
	const char *names_file = NULL;
	struct import im = { 0 };
	int opt;
	while ((opt = getopt_long(argc, argv, "n:qh", longopts, NULL)) != -1) {
		if (opt == 'n')
			names_file = optarg;
		else if (opt == 'q')
			im.quiet = true;
		else if (!cli_std_option(opt, usage))
			die_usage("unhandled option");
	}
	if (argc - optind != 3)
		die_usage("expected IMAGES LABELS OUTDIR, got %d arguments", argc - optind);
	const char *images = argv[optind], *labels = argv[optind + 1], *outdir = argv[optind + 2];
	output_name_check("OUTDIR", outdir);
	if (!manifest_safe(outdir))
		die_usage("%s: a TAB or newline in OUTDIR cannot be written to a manifest", outdir);

	char *names[NLABELS] = { 0 };
	if (names_file)
		read_names(names_file, names);
	unsigned char *label_of;
	char err[ERRLEN];
	if (idx_read_labels(labels, &label_of, &im.n, err))
		die("%s", err);
	if (im.n == 0)
		die("%s: no labels: nothing to import", labels);
	name_labels(names, label_of, im.n, labels, names_file);
	im.labels = label_of;
	im.names = names;
	im.width = digits(im.n - 1);
	open_images(&im, images, labels);

	struct staged_dir sd;
	staged_dir_begin_or_die(&sd, outdir);
	write_tree(&im, &sd);
	staged_dir_commit_or_die(&sd);
	print_manifest(&im, outdir);
	stdout_flush(); /* the tree is removed again if its manifest is lost */
	staged_dir_keep(&sd);
	free(label_of);
	for (int i = 0; i < NLABELS; i++)
		free(names[i]);
	return 0;
}

/* imgsplit: PAM stream -> PNG files under DIR/<label>/, manifest on stdout. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/path.h"
#include "base/strmap.h"
#include "cli/cli.h"
#include "cli/inputs.h"
#include "cli/outputs.h"
#include "img/image.h"
#include "img/pam.h"
#include "io/fsout.h"
#include "io/tsv.h"
#include "io/input.h"

static const char usage[] =
	"Usage: imgsplit [OPTION]... DIR [FILE]\n"
	"Write the frames of a PAM stream (FILE, or stdin) as PNG files\n"
	"DIR/<label>/<frame>.png, the frame number counted from 0 over the whole\n"
	"stream, and print their manifest (path<TAB>class) in stream order.  8-\n"
	"and 16-bit frames stay 8- and 16-bit.  DIR must not exist or be empty; it\n"
	"appears only once every frame is written.\n"
	"\n"
	"  -l, --label=NAME      class of frames that carry no '# label'\n"
	"                        (default: such a frame is an error)\n"
	"      --max-pixels=N    refuse frames larger than N pixels (default 2^28)\n"
	"  -h, --help            show this help and exit\n"
	"      --version         show the version and exit\n"
	"\n"
	"Exit status: 0 success, 1 bad data, 2 bad usage.\n";

/* Where frames go: the staged tree, its class directories (each made
 * once), and the manifest, which waits in a temporary file until the tree
 * is in place so that memory does not grow with the stream. */
struct split {
	const char *outdir;
	const char *default_label;
	struct staged_dir sd;
	struct strmap labels;
	char **dir; /* per label: its directory in the staged tree */
	size_t dcap;
	FILE *manifest;
};

static const char *class_dir(struct split *s, const char *label)
{
	size_t known = s->labels.n, k = strmap_add(&s->labels, label);
	if (k == known) {
		grow_array(&s->dir, &s->dcap, k + 1, sizeof *s->dir);
		s->dir[k] = staged_dir_subdir_or_die(&s->sd, label);
	}
	return s->dir[k];
}

static void split_free(struct split *s)
{
	for (size_t k = 0; k < s->labels.n; k++)
		free(s->dir[k]);
	free(s->dir);
	strmap_free(&s->labels);
	fclose(s->manifest);
}

static void write_frame(struct split *s, const struct image *im, const char *label, long frame)
{
	char name[32];
	snprintf(name, sizeof name, "%06ld.png", frame);
	char *path = path_join(class_dir(s, label), name);
	char *dir = path_join(s->outdir, label);
	char *shown = path_join(dir, name);
	png_save_as_or_die(path, shown, im);
	free(shown);
	free(path);
	fprintf(s->manifest, "%s/%s\t%s\n", dir, name, label);
	free(dir);
}

static void split_stream(struct split *s, struct pam_reader *pr)
{
	struct image im;
	struct frame_meta meta;
	char err[ERRLEN];
	int rc;
	while ((rc = pam_read(pr, &im, &meta, err)) > 0) {
		const char *label = meta.label ? meta.label : s->default_label;
		if (!label)
			die("%s: frame %ld: no '# label' (use --label)", pr->name, pr->frame);
		if (class_name_problem(label))
			die("%s: frame %ld: label '%s' %s", pr->name, pr->frame, label,
			    class_name_problem(label));
		write_frame(s, &im, label, pr->frame - 1);
		img_free(&im);
		frame_meta_free(&meta);
	}
	if (rc < 0)
		die("%s: %s", pr->name, err);
	if (pr->frame == 0)
		die("%s: empty input: no frames", pr->name);
	if (fflush(s->manifest) != 0 || ferror(s->manifest))
		die("manifest buffer: write error: %s", strerror(errno));
}

static void copy_out(FILE *from)
{
	char buf[65536];
	size_t n;
	rewind(from);
	while ((n = fread(buf, 1, sizeof buf, from)) > 0)
		fwrite(buf, 1, n, stdout);
	if (ferror(from))
		die("manifest buffer: read error: %s", strerror(errno));
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "label", required_argument, 0, 'l' },
		{ "max-pixels", required_argument, 0, CLI_MAX_PIXELS },
		CLI_STD_LONGOPTS,
		{ 0, 0, 0, 0 },
	};
	cli_init(argc, argv);
	struct split s = { 0 };
	int opt;
	while ((opt = getopt_long(argc, argv, "l:h", longopts, NULL)) != -1) {
		if (opt == 'l')
			s.default_label = optarg;
		else if (!cli_std_option(opt, usage))
			die_usage("unhandled option");
	}
	if (argc - optind < 1 || argc - optind > 2)
		die_usage("expected DIR [FILE], got %d arguments", argc - optind);
	if (s.default_label && class_name_problem(s.default_label))
		die_usage("--label: '%s' %s", s.default_label,
			  class_name_problem(s.default_label));
	s.outdir = argv[optind];
	output_name_check("DIR", s.outdir);
	if (!manifest_safe(s.outdir))
		die_usage("%s: a TAB or newline in DIR cannot be written to a manifest", s.outdir);
	const char *input = argv[optind + 1];
	struct pam_reader pr = { .fp = open_input_or_die(input), .name = input_name(input) };
	s.manifest = tmpfile();
	if (!s.manifest)
		die("cannot create a temporary file: %s", strerror(errno));
	staged_dir_begin_or_die(&s.sd, s.outdir);
	split_stream(&s, &pr);
	staged_dir_commit_or_die(&s.sd);
	copy_out(s.manifest);
	stdout_flush(); /* the tree is removed again if its manifest is lost */
	staged_dir_keep(&s.sd);
	split_free(&s);
	return 0;
}

/* imgrid: PAM stream -> one PNG contact sheet, grouped by label. */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/inputs.h"
#include "cli/outputs.h"
#include "img/image.h"
#include "img/pam.h"
#include "img/sheet.h"
#include "io/input.h"

static const char usage[] =
	"Usage: imgrid [OPTION]... [FILE]\n"
	"Read a netpbm PAM stream and write one PNG contact sheet of its frames.\n"
	"Frames are grouped by label, groups in order of first appearance; each\n"
	"group starts a new row.  Cells are as large as the largest frame, frames\n"
	"are centred in them, on a black background.  The sheet is gray when every\n"
	"frame is gray, RGB otherwise, 8 bits per sample.  With no FILE, or when it\n"
	"is -, read stdin.\n"
	"\n"
	"  -n, --columns=N       cells per row (default 10)\n"
	"      --per-label=K     keep only the first K frames of each label\n"
	"      --captions        write each group's label in white above it\n"
	"      --gap=PX          pixels between cells and around the edge (default 2)\n"
	"  -o, --output=FILE     write the PNG to FILE (complete or not at all);\n"
	"                        by default to stdout, unless it is a terminal\n"
	"      --max-pixels=N    refuse frames or a sheet over N pixels (default 2^28)\n"
	"  -h, --help            show this help and exit\n"
	"      --version         show the version and exit\n"
	"\n"
	"Exit status: 0 success, 1 bad data, 2 bad usage.\n";

enum { OPT_PER_LABEL = CLI_FIRST_LOCAL, OPT_CAPTIONS, OPT_GAP };

struct options {
	long columns;
	long gap;
	long per_label; /* 0: keep all */
	bool captions;
	const char *out;
};

/* Counts a frame about to be kept into the kept frames' area, a lower
 * bound of the sheet's, and dies as soon as it passes the pixel limit: the
 * frames are held until the end, so a long stream must be refused while it
 * is read. */
static void count_area(uint64_t *area, const struct image *im, const char *name, long frame)
{
	uint64_t px = (uint64_t)im->w * (uint64_t)im->h;
	if (px > img_max_pixels - *area)
		die_at(name, 0,
		       "contact sheet: frame %ld brings the kept frames to %llu pixels, over the "
		       "limit of %llu pixels (--max-pixels raises it)",
		       frame, (unsigned long long)(*area + px), (unsigned long long)img_max_pixels);
	*area += px;
}

static void read_stream(const char *path, const struct options *o, struct sheet *s)
{
	const char *name = input_name(path);
	struct pam_reader r = { .fp = open_input_or_die(path), .name = name };
	struct image im;
	struct frame_meta meta;
	char err[ERRLEN];
	uint64_t area = 0;
	int rc;
	while ((rc = pam_read(&r, &im, &meta, err)) == 1) {
		struct sheet_group *g = sheet_group(s, meta.label ? meta.label : "");
		frame_meta_free(&meta);
		if (o->per_label && g->n >= (size_t)o->per_label) {
			img_free(&im); /* only kept frames are held */
			continue;
		}
		count_area(&area, &im, name, r.frame);
		if (sheet_keep(s, g, &im, err))
			die_at(name, 0, "frame %ld: %s", r.frame, err);
	}
	if (rc < 0)
		die_at(name, 0, "%s", err);
	if (r.frame == 0)
		die_at(name, 0, "empty input: no frames");
	if (r.fp != stdin)
		fclose(r.fp);
}

static const char *parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "columns", required_argument, 0, 'n' },
		{ "per-label", required_argument, 0, OPT_PER_LABEL },
		{ "captions", no_argument, 0, OPT_CAPTIONS },
		{ "gap", required_argument, 0, OPT_GAP },
		{ "output", required_argument, 0, 'o' },
		{ "max-pixels", required_argument, 0, CLI_MAX_PIXELS },
		CLI_STD_LONGOPTS,
		{ 0, 0, 0, 0 },
	};
	int opt;
	while ((opt = getopt_long(argc, argv, "n:o:h", longopts, NULL)) != -1) {
		if (opt == 'n')
			o->columns = cli_long("--columns", optarg, 1, 65535);
		else if (opt == OPT_PER_LABEL)
			o->per_label = cli_long("--per-label", optarg, 1, LONG_MAX);
		else if (opt == OPT_CAPTIONS)
			o->captions = true;
		else if (opt == OPT_GAP)
			o->gap = cli_long("--gap", optarg, 0, 65535);
		else if (opt == 'o')
			o->out = optarg;
		else if (!cli_std_option(opt, usage))
			die_usage("unhandled option");
	}
	if (argc - optind > 1)
		die_usage("too many arguments: one input FILE at most");
	/* refused before the stream is read, which may be long */
	const char *in = optind < argc ? argv[optind] : NULL;
	if (o->out) {
		afile_check("--output", o->out);
		files_distinct((struct named_file[]){ { "--output", o->out, true },
						      { "FILE", in, false } },
			       2);
	}
	return in;
}

int main(int argc, char **argv)
{
	struct options o = { .columns = 10, .gap = 2 };
	cli_init(argc, argv);
	const char *path = parse_options(argc, argv, &o);
	/* Checked before reading, so a mistake costs nothing. */
	if (!o.out && isatty(STDOUT_FILENO))
		die_usage("refusing to write a PNG to a terminal; use -o FILE or redirect stdout");
	struct sheet s = { 0 };
	read_stream(path, &o, &s);
	struct sheet_style style = { .columns = o.columns, .gap = o.gap, .captions = o.captions };
	struct image sheet;
	char err[ERRLEN];
	if (sheet_render(&s, &style, &sheet, err))
		die_at(input_name(path), 0, "%s", err);
	sheet_free(&s);
	sheet_write_png_or_die(&sheet, o.out);
	img_free(&sheet);
	return 0;
}

/* imgcat: manifest -> PAM stream of decoded, labelled images. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/inputs.h"
#include "img/image.h"
#include "img/load.h"
#include "img/pam.h"
#include "io/tsv.h"

static const char usage[] =
	"Usage: imgcat [OPTION]... [MANIFEST]...\n"
	"Decode the images a manifest lists (path<TAB>class lines) and write them\n"
	"to stdout as a netpbm PAM stream, each frame labelled with its class\n"
	"('# label') and source path ('# id').  With no MANIFEST, or when it is -,\n"
	"read stdin.\n"
	"\n"
	"  -s, --size=WxH        resize every image to W by H pixels (antialiased)\n"
	"  -g, --gray            convert to gray (BT.601 luma)\n"
	"  -c, --rgb             convert to RGB (gray replicated)\n"
	"      --max-pixels=N    refuse images larger than N pixels (default 2^28)\n"
	"  -h, --help            show this help and exit\n"
	"      --version         show the version and exit\n"
	"\n"
	"Exit status: 0 success, 1 bad data, 2 bad usage.\n";

struct options {
	int w, h; /* 0: keep */
	int channels; /* 0: keep, 1 gray, 3 RGB */
};

static void cat_manifest(const char *path, const struct options *o, size_t *count)
{
	struct tsv_reader r;
	tsv_open_or_die(&r, path);
	char err[ERRLEN];
	while (tsv_read_or_die(&r)) {
		const char *cls = tsv_class_or_die(&r, 2);
		if (r.f[0].n == 0)
			die_at(r.name, r.line, "empty image path");
		if (r.f[0].n > PAM_META_MAX || r.f[1].n > PAM_META_MAX)
			die_at(r.name, r.line, "path or class longer than %d bytes", PAM_META_MAX);
		struct image im;
		if (img_load(r.f[0].s, &im, err) || img_convert(&im, o->channels, o->w, o->h, err))
			die_at(r.name, r.line, "%s", err);
		if (pam_write(stdout, &im, cls, r.f[0].s))
			die("write error: %s", strerror(errno));
		img_free(&im);
		(*count)++;
	}
	tsv_close(&r);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "size", required_argument, 0, 's' },
		{ "gray", no_argument, 0, 'g' },
		{ "rgb", no_argument, 0, 'c' },
		{ "max-pixels", required_argument, 0, CLI_MAX_PIXELS },
		CLI_STD_LONGOPTS,
		{ 0, 0, 0, 0 },
	};
	struct options o = { 0 };
	cli_init(argc, argv);
	int opt;
	while ((opt = getopt_long(argc, argv, "s:gch", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			cli_size("--size", optarg, &o.w, &o.h);
			break;
		case 'g':
		case 'c':
			if (o.channels && o.channels != (opt == 'g' ? 1 : 3))
				die_usage("--gray and --rgb exclude each other");
			o.channels = opt == 'g' ? 1 : 3;
			break;
		default:
			if (!cli_std_option(opt, usage))
				die_usage("unhandled option");
		}
	}
	char err[ERRLEN];
	if (o.w && img_check_size(o.w, o.h, err))
		die_usage("--size: %s", err);
	size_t count = 0;
	if (optind == argc)
		cat_manifest(NULL, &o, &count);
	for (int i = optind; i < argc; i++)
		cat_manifest(argv[i], &o, &count);
	if (count == 0)
		die("%s: empty input: no images listed", optind == argc ? "(stdin)" : argv[argc - 1]);
	return 0;
}

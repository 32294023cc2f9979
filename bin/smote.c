/* smote: new images of the classes asked for by SMOTE in pixel space, as
 * a stream of labelled PAM frames. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/rng.h"
#include "base/strmap.h"
#include "cli/classifier.h"
#include "cli/cli.h"
#include "cli/learn.h"
#include "cli/samples.h"
#include "img/image.h"
#include "io/input.h"
#include "learn/dataset.h"
#include "learn/smote.h"

static const char usage[] =
	"Usage: smote [OPTION]... MANIFEST\n"
	"Write new images of the classes asked for to the standard output as PAM\n"
	"frames labelled with their class (imgsplit turns them into PNG files and\n"
	"a manifest), each an image x of the class in MANIFEST (path<TAB>class\n"
	"lines) moved a random fraction of the way to one of its k nearest\n"
	"neighbours in the class: SMOTE, as imbalanced-learn makes it, on pixels.\n"
	"\n"
	SAMPLES_USAGE
	"  -k, --neighbours=K    neighbours an image is moved towards (default 5;\n"
	"                        fewer where a class has K images or fewer)\n"
	"      --seed=N          seed of the draws (default 1)\n"
	"  -h, --help            show this help and exit\n"
	"      --version         show the version and exit\n"
	"\n"
	"The k-th new image of a class (k from 0) depends only on the class's\n"
	"images in MANIFEST, in their order, K, the seed and k.  Exit status: 0\n"
	"success, 1 bad data, 2 bad usage.\n";

struct options {
	struct samples_request req;
	int neighbours;
};

static void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "class", required_argument, 0, 'c' },
		{ "count", required_argument, 0, 'n' },
		{ "quota", required_argument, 0, SAMPLES_OPT_QUOTA },
		{ "first", required_argument, 0, SAMPLES_OPT_FIRST },
		{ "seed", required_argument, 0, SAMPLES_OPT_SEED },
		{ "neighbours", required_argument, 0, 'k' },
		CLI_STD_LONGOPTS,
		{ 0, 0, 0, 0 },
	};
	int opt;
	while ((opt = getopt_long(argc, argv, "c:n:k:h", longopts, NULL)) != -1) {
		if (opt == 'k')
			o->neighbours = (int)cli_long("--neighbours", optarg, 1, 1000);
		else if (!samples_option(opt, optarg, &o->req) && !cli_std_option(opt, usage))
			die_usage("unhandled option");
	}
	samples_operands(&o->req, argc, argv, "MANIFEST");
	if (o->req.quota && !strcmp(o->req.quota, "-") && !strcmp(o->req.model, "-"))
		die_usage("--quota: cannot read stdin, the manifest is read from it");
}

/* The class's neighbours an image: K, or all its other images where it
 * has K or fewer (with a warning); a class of one image ends the program. */
static int class_neighbours(const struct dataset *d, int c, int want, const char *name)
{
	int count = d->count[c];
	if (count < 2)
		die("%s: class '%s' has %d image: SMOTE needs 2 or more", name, d->classes[c],
		    count);
	if (count - 1 < want)
		warn("%s: class '%s' has %d images: %d neighbours each, not %d", name,
		     d->classes[c], count, count - 1, want);
	return count - 1 < want ? count - 1 : want;
}

/* New images first .. first + total - 1 of class c, written as frames. */
static void smote_class(const struct dataset *d, const struct options *o, int c, long total,
			const char *name)
{
	const struct samples_request *r = &o->req;
	struct smote_class s;
	smote_class_init(&s, d, c, class_neighbours(d, c, o->neighbours, name));
	/* one stream a class, named by the class: its images do not depend on
	 * the other classes of the manifest */
	struct rng rs;
	rng_seed(&rs, r->seed, strmap_hash(d->classes[c]));
	smote_skip(&s, &rs, r->first);
	struct image im = { .w = d->w, .h = d->h, .c = d->c, .depth = 8 };
	im.px = xmalloc((size_t)d->c * (size_t)d->h * (size_t)d->w);
	for (long k = 0; k < total; k++) {
		smote_draw(&s, &rs, im.px);
		samples_frame_write(r, &im, d->classes[c], r->first + k);
	}
	free(im.px);
	smote_class_free(&s);
}

int main(int argc, char **argv)
{
	cli_init(argc, argv);
	struct options o = { .neighbours = 5 };
	samples_request_init(&o.req, "smote", 1);
	parse_options(argc, argv, &o);
	struct dataset d;
	dataset_load_or_die(&d, o.req.model, 0, 0, 0, NULL, 0);
	const char *name = input_name(o.req.model);
	warn_converted(name, d.converted, d.w, d.h, d.c);
	long *n = samples_wanted(&o.req, d.classes, d.nclasses, "manifest");
	/* every class checked before the first frame */
	for (int c = 0; c < d.nclasses; c++)
		if (n[c] > 0 && d.count[c] < 2)
			class_neighbours(&d, c, o.neighbours, name);
	for (int c = 0; c < d.nclasses; c++)
		if (n[c] > 0)
			smote_class(&d, &o, c, n[c], name);
	samples_flush();
	free(n);
	dataset_free(&d);
	return 0;
}

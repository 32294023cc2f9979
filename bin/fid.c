/* fid: the Fréchet distance and KID between two sets of images, on the
 * features of a simbal classifier, or between two sets of feature
 * vectors. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/num.h"
#include "base/rng.h"
#include "cli/classifier.h"
#include "cli/cli.h"
#include "cli/inputs.h"
#include "io/input.h"
#include "io/tsv.h"
#include "learn/classify.h"
#include "learn/fid.h"
#include "nn/model.h"

static const char usage[] =
	"Usage: fid -m MODEL [OPTION]... A B\n"
	"       fid --features -d D [OPTION]... A B\n"
	"Print the Fréchet distance (FID-cls: on the penultimate features of the\n"
	"simbal classifier MODEL, not Inception's) and the kernel distance (KID)\n"
	"between two sets of images, each a manifest or a PAM stream (- is stdin);\n"
	"with --features, between two TSV files of feature vectors, the last D\n"
	"fields of each line.  Output: key<TAB>value lines fid, kid, kid_sd, n_a,\n"
	"n_b.  FID grows as n shrinks: compare only values of equal n.\n"
	"\n"
	"  -m, --model=MODEL     the classifier whose features are compared\n"
	"      --features        A and B hold feature vectors\n"
	"  -d, --dim=D           their length (with --features)\n"
	"      --subsets=N       KID's subsets (default 100)\n"
	"      --subset-size=N   vectors of each set in a subset (default 1000;\n"
	"                        the smaller set's size at most)\n"
	"      --seed=N          seed of KID's subsets (default 1)\n"
	CLASSIFY_USAGE
	"  -h, --help            show this help and exit\n"
	"      --version         show the version and exit\n"
	"\n"
	"Exit status: 0 success, 1 bad data, 2 bad usage.\n";

enum { OPT_FEATURES = CLI_FIRST_LOCAL, OPT_SUBSETS, OPT_SUBSET_SIZE, OPT_SEED };

/* A covariance that is singular gets this on its diagonal (as
 * pytorch-fid does when its square root fails). */
#define SINGULAR_OFFSET 1e-6

struct options {
	const char *model, *a, *b;
	bool features;
	int dim, subsets;
	long subset_size;
	unsigned long seed;
	struct classify_options co;
};

static void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "model", required_argument, 0, 'm' },
		{ "features", no_argument, 0, OPT_FEATURES },
		{ "dim", required_argument, 0, 'd' },
		{ "subsets", required_argument, 0, OPT_SUBSETS },
		{ "subset-size", required_argument, 0, OPT_SUBSET_SIZE },
		{ "seed", required_argument, 0, OPT_SEED },
		CLASSIFY_LONGOPTS,
		CLI_STD_LONGOPTS,
		{ 0, 0, 0, 0 },
	};
	int opt;
	while ((opt = getopt_long(argc, argv, "m:d:b:j:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'm': o->model = optarg; break;
		case OPT_FEATURES: o->features = true; break;
		case 'd': o->dim = (int)cli_long("--dim", optarg, 1, 100000); break;
		case OPT_SUBSETS: o->subsets = (int)cli_long("--subsets", optarg, 1, 100000); break;
		case OPT_SUBSET_SIZE:
			o->subset_size = cli_long("--subset-size", optarg, 2, 1000000);
			break;
		case OPT_SEED: o->seed = (unsigned long)cli_long("--seed", optarg, 0, 4294967295L); break;
		default:
			if (!classify_option(opt, optarg, &o->co) && !cli_std_option(opt, usage))
				die_usage("unhandled option");
		}
	}
	if (argc - optind != 2)
		die_usage("expected two sets A and B, got %d", argc - optind);
	o->a = argv[optind];
	o->b = argv[optind + 1];
	if (!o->model == !o->features)
		die_usage("give either -m MODEL or --features");
	if (o->features && !o->dim)
		die_usage("--features needs -d D, the length of a vector");
	if (!o->features && o->dim)
		die_usage("-d goes with --features (a model gives its own)");
	if (!strcmp(o->a, "-") && !strcmp(o->b, "-"))
		die_usage("A and B cannot both be the standard input");
}

/* --features: the last dim fields of each line of path. */
static void read_vectors(const char *path, int dim, struct features *f)
{
	struct tsv_reader r;
	tsv_open_or_die(&r, path);
	while (tsv_read_or_die(&r)) {
		if (r.nf < (size_t)dim)
			die_at(r.name, r.line, "%zu fields, fewer than the %d of a vector", r.nf, dim);
		double *v = features_append(f);
		for (int i = 0; i < dim; i++) {
			const char *s = r.f[r.nf - (size_t)dim + (size_t)i].s;
			if (scan_number(s, &v[i]) != NUMBER_OK)
				die_at(r.name, r.line, "field %zu ('%.40s') is not a finite number",
				       r.nf - (size_t)dim + (size_t)i + 1, s);
		}
	}
	tsv_close(&r);
}

struct collect {
	const struct model *m;
	struct features *f;
};

static void collect(void *ctx, const struct record_copy *rec, int i)
{
	(void)rec;
	struct collect *c = ctx;
	int dim;
	const float *feat = model_features(c->m, &dim);
	features_add(c->f, feat + i, (size_t)c->m->last_n);
}

static void read_set(const struct options *o, struct model *m, const struct norm *nm,
		     const char *path, struct features *f)
{
	if (o->features) {
		features_init(f, o->dim);
		read_vectors(path, o->dim, f);
	} else {
		int dim;
		model_features(m, &dim);
		features_init(f, dim);
		struct collect c = { m, f };
		classify_input(m, nm, NULL, strcmp(path, "-") ? path : NULL, o->co.batch, collect, &c);
	}
	if (f->n < 2)
		die("%s: %zu vector%s: a covariance needs two at least", input_name(path), f->n,
		    f->n == 1 ? "" : "s");
	if (f->n <= (size_t)f->dim)
		warn("%s: %zu vectors of %d dimensions: its covariance is singular; %g is added to the diagonals",
		     input_name(path), f->n, f->dim, SINGULAR_OFFSET);
}

int main(int argc, char **argv)
{
	cli_init(argc, argv);
	struct options o = { .subsets = 100, .subset_size = 1000, .seed = 1,
			     .co = CLASSIFY_OPTIONS_INIT };
	parse_options(argc, argv, &o);
	nn_init(o.co.threads);
	struct model m = { 0 };
	struct ckpt_meta meta = { 0 };
	struct norm nm;
	if (o.model)
		classifier_load(o.model, &m, NULL, &meta, &nm);
	struct features a, b;
	read_set(&o, &m, &nm, o.a, &a);
	read_set(&o, &m, &nm, o.b, &b);
	bool offset;
	double fid;
	char err[ERRLEN];
	if (fid_distance(&a, &b, SINGULAR_OFFSET, &offset, &fid, err))
		die("%s", err);
	size_t size = (size_t)o.subset_size;
	size = size < a.n ? size : a.n;
	size = size < b.n ? size : b.n;
	struct rng r;
	rng_seed(&r, o.seed, 0);
	double kid, kid_sd;
	kid_distance(&a, &b, o.subsets, size, &r, &kid, &kid_sd);
	if (!isfinite(fid) || !isfinite(kid) || !isfinite(kid_sd))
		die("the distances overflow: features this large are out of range");
	printf("fid\t%.9g\nkid\t%.9g\nkid_sd\t%.9g\nn_a\t%zu\nn_b\t%zu\n", fid, kid, kid_sd, a.n, b.n);
	if (fflush(stdout) || ferror(stdout))
		die("write error: %s", strerror(errno));
	features_free(&a), features_free(&b);
	if (o.model) {
		ckpt_meta_free(&meta);
		model_free(&m);
	}
	return 0;
}

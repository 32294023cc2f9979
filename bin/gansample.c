/* gansample: images of chosen classes from a gantrain generator, as a
 * stream of labelled PAM frames. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/rng.h"
#include "base/strmap.h"
#include "cli/cli.h"
#include "cli/inputs.h"
#include "cli/learn.h"
#include "img/image.h"
#include "img/pam.h"
#include "io/counts.h"
#include "learn/dataset.h"
#include "learn/gan.h"
#include "nn/ckpt.h"
#include "nn/model.h"

static const char usage[] =
	"Usage: gansample [OPTION]... G\n"
	"Write images of the classes asked for, from the generator G (a gantrain\n"
	"checkpoint), to the standard output as PAM frames labelled with their\n"
	"class (imgsplit turns them into PNG files and a manifest).\n"
	"\n"
	"  -c, --class=C         images of class C (with -n)\n"
	"  -n, --count=N         how many (default 1)\n"
	"      --first=K         with --class: begin at the class's K-th image\n"
	"                        (default 0), so that jobs can share a class\n"
	"      --quota=FILE      class<TAB>n lines: n images of each class\n"
	"      --seed=N          seed of the latents (default 1)\n"
	"      --truncation=T    draw again latent values beyond +-T (default 0:\n"
	"                        none); smaller T, more typical and less varied\n"
	"  -b, --batch=N         images per forward pass (default 256)\n"
	"  -j, --threads=N       threads (default: every core)\n"
	"  -h, --help            show this help and exit\n"
	"      --version         show the version and exit\n"
	"\n"
	"The k-th image of a class (k from 0) depends only on G, the seed, the\n"
	"class, k and the truncation.  Exit status: 0 success, 1 bad data, 2 bad\n"
	"usage.\n";

enum { OPT_QUOTA = CLI_FIRST_LOCAL, OPT_FIRST, OPT_SEED, OPT_TRUNCATION };

struct options {
	const char *generator, *class_name, *quota;
	long count, first; /* first: of --class, the number of the first image */
	long *wanted; /* images of each class of the generator */
	unsigned long seed;
	float truncation;
	int batch, threads;
};

/* --truncation's T, checked as given: 1e-300 would become the float 0,
 * which means no truncation at all. */
static float truncation_value(const char *arg)
{
	double t = cli_double("--truncation", arg, 0, 100);
	if (t > 0 && t < 0.1)
		die_usage("--truncation: %g leaves next to no latents (0.1 at least, or 0)", t);
	return (float)t;
}

static void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "class", required_argument, 0, 'c' },
		{ "count", required_argument, 0, 'n' },
		{ "quota", required_argument, 0, OPT_QUOTA },
		{ "first", required_argument, 0, OPT_FIRST },
		{ "seed", required_argument, 0, OPT_SEED },
		{ "truncation", required_argument, 0, OPT_TRUNCATION },
		{ "batch", required_argument, 0, 'b' },
		{ "threads", required_argument, 0, 'j' },
		CLI_STD_LONGOPTS,
		{ 0, 0, 0, 0 },
	};
	bool count = false, first = false;
	int opt;
	while ((opt = getopt_long(argc, argv, "c:n:b:j:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': o->class_name = optarg; break;
		case 'n':
			o->count = cli_long("--count", optarg, 1, 1000000000L);
			count = true;
			break;
		case OPT_QUOTA: o->quota = optarg; break;
		case OPT_FIRST:
			o->first = cli_long("--first", optarg, 0, 1000000000L);
			first = true;
			break;
		case OPT_SEED: o->seed = (unsigned long)cli_long("--seed", optarg, 0, 4294967295L); break;
		case OPT_TRUNCATION:
			o->truncation = truncation_value(optarg);
			break;
		case 'b': o->batch = (int)cli_long("--batch", optarg, 1, 65536); break;
		case 'j': o->threads = (int)cli_long("--threads", optarg, 1, 1024); break;
		default:
			if (!cli_std_option(opt, usage))
				die_usage("unhandled option");
		}
	}
	if (optind + 1 != argc)
		die_usage("expected one generator G, got %d arguments", argc - optind);
	o->generator = argv[optind];
	if (!o->class_name == !o->quota)
		die_usage("give either --class (with -n) or --quota");
	if (count && o->quota)
		die_usage("-n goes with --class; --quota gives its own counts");
	if (first && o->quota)
		die_usage("--first goes with --class, not --quota");
}

/* How many images of each class of k: -n of --class, or the quota
 * file's, into o->wanted. */
static void read_wanted(struct options *o, char *const *classes, int k)
{
	long *n = o->wanted = xcalloc((size_t)k, sizeof *n);
	struct strmap index;
	class_map(&index, classes, k);
	if (o->class_name) {
		int c = class_find(&index, o->class_name);
		if (c < 0)
			die("%s: no class '%s' in its generator", o->generator, o->class_name);
		n[c] = o->count;
		strmap_free(&index);
		return;
	}
	struct counts q = { 0 };
	counts_add_file_or_die(&q, o->quota);
	for (size_t i = 0; i < q.names.n; i++) {
		int c = class_find(&index, q.names.key[i]);
		if (c < 0)
			die_at(q.path, q.class[i].line, "no class '%s' in the generator %s",
			       q.names.key[i], o->generator);
		n[c] = q.class[i].n;
	}
	counts_free(&q);
	strmap_free(&index);
}

/* Images first .. first + total - 1 of class c, written as frames. */
static void sample_class(struct model *g, float lambda, const struct options *o, int c,
			 const char *name, long first, long total)
{
	const struct arch *a = &g->arch;
	size_t size = (size_t)a->channels * (size_t)a->height * (size_t)a->width;
	int b = o->batch;
	float *z = xmalloc((size_t)b * GAN_ZDIM * sizeof *z);
	int *labels = xmalloc((size_t)b * sizeof *labels);
	uint8_t *px = xmalloc((size_t)b * size);
	for (int i = 0; i < b; i++)
		labels[i] = c;
	/* one stream a class: its images do not depend on the others' */
	struct rng r;
	rng_seed(&r, o->seed, (uint64_t)c);
	/* past the latents of images 0 .. first - 1 (with a truncation an
	 * image takes a varying number of draws: they are drawn, not counted) */
	for (long done = 0; done < first; done += b)
		gan_latents(&r, first - done < b ? (int)(first - done) : b, o->truncation, z);
	struct image im = { .w = a->width, .h = a->height, .c = a->channels, .depth = 8 };
	char id[64 + PAM_META_MAX];
	for (long done = 0; done < total; done += b) {
		int n = total - done < b ? (int)(total - done) : b;
		gan_latents(&r, n, o->truncation, z);
		gan_generate(g, z, labels, n, lambda, px);
		for (int i = 0; i < n; i++) {
			im.px = px + (size_t)i * size;
			snprintf(id, sizeof id, "gansample/%lu/%s/%ld", o->seed, name,
				 first + done + i);
			if (pam_write(stdout, &im, name, id))
				die("write error: %s", strerror(errno));
		}
	}
	free(z), free(labels), free(px);
}

int main(int argc, char **argv)
{
	cli_init(argc, argv);
	struct options o = { .count = 1, .seed = 1, .batch = 256 };
	parse_options(argc, argv, &o);
	nn_init(o.threads);
	struct model g;
	struct ckpt_meta meta;
	float lambda;
	generator_load(o.generator, &g, &meta, &lambda);
	int k = g.arch.classes;
	read_wanted(&o, meta.classes, k);
	long *n = o.wanted;
	for (int c = 0; c < k; c++) /* before any frame is written */
		if (n[c] > 0 && strlen(meta.classes[c]) > PAM_META_MAX - 64)
			die("%s: the class name '%.40s...' is too long for a PAM header", o.generator,
			    meta.classes[c]);
	for (int c = 0; c < k; c++)
		if (n[c] > 0)
			sample_class(&g, lambda, &o, c, meta.classes[c], o.first, n[c]);
	if (fflush(stdout) || ferror(stdout))
		die("write error: %s", strerror(errno));
	free(n);
	ckpt_meta_free(&meta);
	model_free(&g);
	return 0;
}

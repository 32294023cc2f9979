/* gansample: images of chosen classes from a gantrain generator, as a
 * stream of labelled PAM frames. */
#include <stdlib.h>

#include "base/mem.h"
#include "base/rng.h"
#include "cli/cli.h"
#include "cli/learn.h"
#include "cli/samples.h"
#include "img/image.h"
#include "learn/gan.h"
#include "nn/ckpt.h"
#include "nn/model.h"

static const char usage[] =
	"Usage: gansample [OPTION]... G\n"
	"Write images of the classes asked for, from the generator G (a gantrain\n"
	"checkpoint), to the standard output as PAM frames labelled with their\n"
	"class (imgsplit turns them into PNG files and a manifest).\n"
	"\n"
	SAMPLES_USAGE
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

enum { OPT_TRUNCATION = SAMPLES_FIRST_LOCAL };

struct options {
	struct samples_request req;
	float truncation;
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
		SAMPLES_LONGOPTS,
		{ "truncation", required_argument, 0, OPT_TRUNCATION },
		CLI_STD_LONGOPTS,
		{ 0, 0, 0, 0 },
	};
	int opt;
	while ((opt = getopt_long(argc, argv, SAMPLES_SHORTOPTS "h", longopts, NULL)) != -1) {
		if (opt == OPT_TRUNCATION)
			o->truncation = truncation_value(optarg);
		else if (!samples_option(opt, optarg, &o->req) && !cli_std_option(opt, usage))
			die_usage("unhandled option");
	}
	samples_operands(&o->req, argc, argv, "generator G");
}

/* Images first .. first + total - 1 of class c, written as frames. */
static void sample_class(struct model *g, float lambda, const struct options *o, int c,
			 const char *name, long total)
{
	const struct samples_request *r = &o->req;
	const struct arch *a = &g->arch;
	size_t size = (size_t)a->channels * (size_t)a->height * (size_t)a->width;
	int b = r->batch;
	float *z = xmalloc((size_t)b * GAN_ZDIM * sizeof *z);
	int *labels = xmalloc((size_t)b * sizeof *labels);
	uint8_t *px = xmalloc((size_t)b * size);
	for (int i = 0; i < b; i++)
		labels[i] = c;
	/* one stream a class: its images do not depend on the others' */
	struct rng rs;
	rng_seed(&rs, r->seed, (uint64_t)c);
	/* past the latents of images 0 .. first - 1 (with a truncation an
	 * image takes a varying number of draws: they are drawn, not counted) */
	for (long done = 0; done < r->first; done += b)
		gan_latents(&rs, r->first - done < b ? (int)(r->first - done) : b, o->truncation, z);
	struct image im = { .w = a->width, .h = a->height, .c = a->channels, .depth = 8 };
	for (long done = 0; done < total; done += b) {
		int n = total - done < b ? (int)(total - done) : b;
		gan_latents(&rs, n, o->truncation, z);
		gan_generate(g, z, labels, n, lambda, px);
		for (int i = 0; i < n; i++) {
			im.px = px + (size_t)i * size;
			samples_frame_write(r, &im, name, r->first + done + i);
		}
	}
	free(z), free(labels), free(px);
}

int main(int argc, char **argv)
{
	cli_init(argc, argv);
	struct options o = { 0 };
	samples_request_init(&o.req, "gansample", 256);
	parse_options(argc, argv, &o);
	nn_init(o.req.threads);
	struct model g;
	struct ckpt_meta meta;
	float lambda;
	generator_load(o.req.model, &g, &meta, &lambda);
	int k = g.arch.classes;
	long *n = samples_wanted(&o.req, meta.classes, k, "generator");
	for (int c = 0; c < k; c++)
		if (n[c] > 0)
			sample_class(&g, lambda, &o, c, meta.classes[c], n[c]);
	samples_flush();
	free(n);
	ckpt_meta_free(&meta);
	model_free(&g);
	return 0;
}

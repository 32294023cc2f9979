/* diffsample: images of chosen classes from a difftrain diffusion model, as
 * a stream of labelled PAM frames. */
#include <stdint.h>
#include <stdlib.h>

#include "base/mem.h"
#include "cli/cli.h"
#include "cli/samples.h"
#include "img/image.h"
#include "learn/noisy_cls.h"
#include "learn/sample_diff.h"
#include "nn/ckpt.h"
#include "nn/model.h"

static const char usage[] =
	"Usage: diffsample [OPTION]... D\n"
	"Write images of the classes asked for, from the diffusion model D (a\n"
	"difftrain checkpoint), to the standard output as PAM frames labelled with\n"
	"their class (imgsplit turns them into PNG files and a manifest).\n"
	"\n"
	SAMPLES_USAGE
	"      --seed=N          seed of the noise (default 1)\n"
	"      --steps=N         sampling steps, of the model's T respaced (default 25;\n"
	"                        2 to T)\n"
	"      --sampler=NAME    ddim (default) or ddpm (ancestral steps)\n"
	"      --eta=F           DDIM's noise, 0 (default: deterministic) to 1\n"
	"      --cfg=W           classifier-free guidance's weight (default 2; 1: the\n"
	"                        conditional model alone, 0: the unconditional)\n"
	"      --classifier=C    guide by the noisy classifier C (a diffcls\n"
	"                        checkpoint of D) ...\n"
	"      --guidance=S      ... at scale S (default 1 with --classifier)\n"
	"  -b, --batch=N         images sampled together (default 64)\n"
	"  -j, --threads=N       threads (default: every core)\n"
	"  -h, --help            show this help and exit\n"
	"      --version         show the version and exit\n"
	"\n"
	"The k-th image of a class (k from 0) depends only on D, the seed, the\n"
	"class, k and the sampler's options.  Exit status: 0 success, 1 bad data,\n"
	"2 bad usage.\n";

enum { OPT_STEPS = SAMPLES_FIRST_LOCAL, OPT_SAMPLER, OPT_ETA, OPT_CFG, OPT_CLASSIFIER,
       OPT_GUIDANCE };

struct options {
	struct samples_request req;
	struct diff_settings set; /* its seed: req's */
	const char *classifier;   /* --classifier, or NULL */
	bool eta_given, guidance_given, cfg_given;
};

/* The sampler's own options (more may join them): false for others. */
static bool sampler_option(int opt, const char *arg, struct options *o)
{
	struct diff_settings *s = &o->set;
	switch (opt) {
	case OPT_STEPS: s->steps = (int)cli_long("--steps", arg, 2, 1000000); break;
	case OPT_SAMPLER:
		s->method = (enum diff_method)cli_choice("--sampler", arg, diff_method_names,
							 DIFF_METHODS);
		break;
	/* beyond 1, DDIM's σ² outgrows 1 - ᾱ of the step before: no step */
	case OPT_ETA:
		s->eta = cli_double("--eta", arg, 0, 1);
		o->eta_given = true;
		break;
	case OPT_CFG:
		s->cfg = cli_double("--cfg", arg, 0, 1000);
		o->cfg_given = true;
		break;
	case OPT_CLASSIFIER:
		if (!*arg)
			die_usage("--classifier: an empty name");
		o->classifier = arg;
		break;
	case OPT_GUIDANCE:
		s->scale = cli_double("--guidance", arg, 0, 1e6);
		o->guidance_given = true;
		break;
	default: return false;
	}
	return true;
}

static void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		SAMPLES_LONGOPTS,
		{ "steps", required_argument, 0, OPT_STEPS },
		{ "sampler", required_argument, 0, OPT_SAMPLER },
		{ "eta", required_argument, 0, OPT_ETA },
		{ "cfg", required_argument, 0, OPT_CFG },
		{ "classifier", required_argument, 0, OPT_CLASSIFIER },
		{ "guidance", required_argument, 0, OPT_GUIDANCE },
		CLI_STD_LONGOPTS,
		{ 0, 0, 0, 0 },
	};
	int opt;
	while ((opt = getopt_long(argc, argv, SAMPLES_SHORTOPTS "h", longopts, NULL)) != -1)
		if (!samples_option(opt, optarg, &o->req) && !sampler_option(opt, optarg, o) &&
		    !cli_std_option(opt, usage))
			die_usage("unhandled option");
	samples_operands(&o->req, argc, argv, "diffusion model D");
	if (o->eta_given && o->set.method != DIFF_DDIM)
		die_usage("--eta goes with --sampler ddim");
	if (o->guidance_given && !o->classifier)
		die_usage("--guidance needs --classifier");
	if (o->classifier && !o->guidance_given)
		o->set.scale = 1;
	o->set.seed = o->req.seed;
}

/* The model, and what its checkpoint records of its training. */
struct diff_model {
	struct model m;
	struct ckpt_meta meta;
	struct diff_process process;
	enum diff_target predict;
	float p_uncond; /* how often its labels were dropped */
};

static void model_load(const char *path, struct diff_model *d)
{
	char err[ERRLEN];
	const struct fields *f = &d->meta.fields;
	if (ckpt_load(path, MODEL_DIFFUSION, &d->m, NULL, &d->meta, err))
		die("%s", err);
	diff_target_fill(&d->meta.fields);
	if (diff_process_read(f, &d->process, err) || diff_target_read(f, &d->predict, err) ||
	    fields_get(f, &FIELD("train.p_uncond", FIELD_FLOAT, &d->p_uncond), err))
		die("%s", err);
}

/* What the model cannot do is refused before any frame is written. */
static void check_settings(const struct diff_model *d, struct options *o)
{
	const char *path = o->req.model;
	struct diff_settings *s = &o->set;
	if (s->steps > d->process.timesteps)
		die("%s: --steps %d, more than the %d steps of its process", path, s->steps,
		    d->process.timesteps);
	/* its class embeddings were never trained: the classifier alone
	 * brings the class */
	if (d->p_uncond >= 1 && (!o->classifier || s->scale <= 0))
		die("%s: an unconditional model (trained with --p-uncond 1) draws no class without --classifier and a --guidance above 0",
		    path);
	if (d->p_uncond >= 1 && o->cfg_given)
		die("%s: an unconditional model (trained with --p-uncond 1) has no classifier-free guidance: --cfg does nothing",
		    path);
	s->unconditional = d->p_uncond >= 1;
	s->predict = d->predict;
	/* its "no class" embedding was never trained */
	if (d->p_uncond <= 0 && s->cfg != 1 && !s->unconditional)
		die("%s: trained with --p-uncond 0, it has no unconditional model for --cfg %g (give --cfg 1)",
		    path, s->cfg);
}

/* Images first .. first + total - 1 of class c, written as frames. */
static void sample_class(struct diff_sampler *s, const struct samples_request *r, int c,
			 const char *name, long total)
{
	const struct arch *a = &s->m->arch;
	size_t size = (size_t)a->channels * (size_t)a->height * (size_t)a->width;
	int b = r->batch;
	int *labels = xmalloc((size_t)b * sizeof *labels);
	uint64_t *index = xmalloc((size_t)b * sizeof *index);
	uint8_t *px = xmalloc((size_t)b * size);
	for (int i = 0; i < b; i++)
		labels[i] = c;
	struct image im = { .w = a->width, .h = a->height, .c = a->channels, .depth = 8 };
	for (long done = 0; done < total; done += b) {
		int n = total - done < b ? (int)(total - done) : b;
		for (int i = 0; i < n; i++)
			index[i] = diff_noise_stream(c, r->first + done + i);
		diff_sample(s, labels, index, n, px);
		for (int i = 0; i < n; i++) {
			im.px = px + (size_t)i * size;
			samples_frame_write(r, &im, name, r->first + done + i);
		}
	}
	free(labels), free(index), free(px);
}

int main(int argc, char **argv)
{
	cli_init(argc, argv);
	struct options o = { .set = { .steps = 25, .method = DIFF_DDIM, .cfg = 2 } };
	samples_request_init(&o.req, "diffsample", 64);
	parse_options(argc, argv, &o);
	nn_init(o.req.threads);
	struct diff_model d;
	model_load(o.req.model, &d);
	check_settings(&d, &o);
	long *n = samples_wanted(&o.req, d.meta.classes, d.m.arch.classes, "model");
	struct model guide = { 0 };
	struct ckpt_meta gmeta = { 0 };
	char err[ERRLEN];
	if (o.classifier &&
	    noisy_classifier_load(o.classifier, &d.m, &d.meta, &guide, &gmeta, err))
		die("%s", err);
	struct diff_sampler s;
	if (diff_sampler_init(&s, &d.m, o.classifier ? &guide : NULL, &d.process, &o.set, err))
		die("%s: %s", o.req.model, err);
	for (int c = 0; c < d.m.arch.classes; c++)
		if (n[c] > 0)
			sample_class(&s, &o.req, c, d.meta.classes[c], n[c]);
	samples_flush();
	diff_sampler_free(&s);
	model_free(&guide);
	ckpt_meta_free(&gmeta);
	free(n);
	ckpt_meta_free(&d.meta);
	model_free(&d.m);
	return 0;
}

/* gantrain: train a class-conditional GAN on a manifest, with the
 * transitional training of Shahbazi et al. (ICLR 2022). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/progress.h"
#include "base/rng.h"
#include "cli/classifier.h"
#include "cli/cli.h"
#include "cli/outputs.h"
#include "img/image.h"
#include "img/sheet.h"
#include "io/input.h"
#include "learn/classify.h"
#include "learn/dataset.h"
#include "learn/fid.h"
#include "learn/gan.h"
#include "nn/ckpt.h"
#include "nn/model.h"
#include "nn/optim.h"

static const char usage[] =
	"Usage: gantrain -o G [OPTION]... TRAIN\n"
	"Train a class-conditional GAN on the images of a manifest (path<TAB>class\n"
	"lines) and write it to G (a simbal-checkpoint(5) that gansample reads)\n"
	"every --snap kimg and at the end, with a contact sheet of samples.\n"
	"\n"
	"  -o, --output=G        the checkpoint (required)\n"
	"  -s, --size=N          resize the images to NxN (default: the first image's\n"
	"                        size; a side of s 2^k, 4 <= s <= 7: 28, 32, 64, ...)\n"
	"  -a, --arch=NAME       the networks: cgan (DCGAN-style, the default) or rgan\n"
	"                        (residual blocks)\n"
	"      --width-mult=F    scale every width by F (default 1)\n"
	"  -k, --kimg=N          thousands of real images shown in all (default 400)\n"
	"  -b, --batch=N         images per step, a multiple of 4 (default 64)\n"
	"      --lr-g=F          the generator's learning rate (default 0.0001)\n"
	"      --lr-d=F          the discriminator's learning rate (default 0.0004)\n"
	"      --beta1=F         Adam's beta1 (default 0.5)\n"
	"      --beta2=F         Adam's beta2 (default 0.99)\n"
	"      --t-start=KIMG    the conditioning starts to weigh (default: kimg / 5)\n"
	"      --t-end=KIMG      it weighs fully (default: kimg / 2); 0 and 0: a\n"
	"                        plain conditional GAN\n"
	"      --r1=GAMMA        R1 penalty on real images (default 0.1; 0: none)\n"
	"      --augment         the discriminator sees every image moved and cut\n"
	"                        (DiffAugment's translation and cutout)\n"
	"      --ema=KIMG        half-life of the sampling generator's average\n"
	"                        (default 10)\n"
	"      --snap=KIMG       checkpoint, sheet and log line this often\n"
	"                        (default 20)\n"
	"      --sheet=FILE      the contact sheet, a row a class (default G.png)\n"
	"      --log=FILE        a line a snapshot: kimg, lambda, D loss, G loss, R1,\n"
	"                        seconds (and FID-cls)\n"
	"      --fid-model=MODEL at every snapshot, FID-cls of generated against real\n"
	"                        images on the features of this classifier\n"
	"      --fid-n=N         images of each set for it (default 1000)\n"
	"      --seed=N          seed of weights, draws and latents (default 1)\n"
	"      --resume          continue from G up to --kimg\n"
	"  -j, --threads=N       threads (default: every core)\n"
	"  -q, --quiet           no progress on a terminal\n"
	"      --max-pixels=N    refuse images larger than N pixels (default 2^28)\n"
	"  -h, --help            show this help and exit\n"
	"      --version         show the version and exit\n"
	"\n"
	"The same options and seed give the same G, bit for bit, whatever the thread\n"
	"count, also when resumed.  Exit status: 0 success, 1 bad data, 2 bad usage.\n";

enum {
	OPT_WIDTH = CLI_FIRST_LOCAL, OPT_LR_G, OPT_LR_D, OPT_BETA1, OPT_BETA2, OPT_T_START,
	OPT_T_END, OPT_R1, OPT_EMA, OPT_SNAP, OPT_SHEET, OPT_LOG, OPT_SEED, OPT_RESUME,
	OPT_FID_MODEL, OPT_FID_N, OPT_AUGMENT
};

struct options {
	const char *output, *train, *sheet, *log, *fid_model;
	const char *arch; /* cgan or rgan: the networks are ARCH-g and ARCH-d */
	int size, batch, threads, fid_n;
	float width_mult, lr_g, lr_d, beta1, beta2, r1, ema;
	double kimg, t_start, t_end, snap;
	bool t_given;   /* --t-start or --t-end */
	unsigned long seed;
	bool augment, resume, quiet;
};

/* The random streams of a run: the sheet's latents, and one a step for
 * its draws, so that a resumed run draws what the whole run would. */
enum { STREAM_SHEET = 1, STREAM_FID_REAL = 2, STREAM_FID_FAKE = 3, STREAM_STEP = 1000 };

/* R1 is applied every R1_EVERY steps, scaled up as much (lazy
 * regularisation, Karras et al. 2020). */
#define R1_EVERY 16
/* Its finite-difference step: the images move this far (RMS) along the
 * gradient. */
#define R1_STEP 0.01
#define SHEET_COLUMNS 8
#define LINE_MAX_LEN 512

static void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "output", required_argument, 0, 'o' },
		{ "size", required_argument, 0, 's' },
		{ "arch", required_argument, 0, 'a' },
		{ "width-mult", required_argument, 0, OPT_WIDTH },
		{ "kimg", required_argument, 0, 'k' },
		{ "batch", required_argument, 0, 'b' },
		{ "lr-g", required_argument, 0, OPT_LR_G },
		{ "lr-d", required_argument, 0, OPT_LR_D },
		{ "beta1", required_argument, 0, OPT_BETA1 },
		{ "beta2", required_argument, 0, OPT_BETA2 },
		{ "t-start", required_argument, 0, OPT_T_START },
		{ "t-end", required_argument, 0, OPT_T_END },
		{ "r1", required_argument, 0, OPT_R1 },
		{ "augment", no_argument, 0, OPT_AUGMENT },
		{ "ema", required_argument, 0, OPT_EMA },
		{ "snap", required_argument, 0, OPT_SNAP },
		{ "sheet", required_argument, 0, OPT_SHEET },
		{ "log", required_argument, 0, OPT_LOG },
		{ "seed", required_argument, 0, OPT_SEED },
		{ "resume", no_argument, 0, OPT_RESUME },
		{ "fid-model", required_argument, 0, OPT_FID_MODEL },
		{ "fid-n", required_argument, 0, OPT_FID_N },
		{ "threads", required_argument, 0, 'j' },
		{ "quiet", no_argument, 0, 'q' },
		{ "max-pixels", required_argument, 0, CLI_MAX_PIXELS },
		CLI_STD_LONGOPTS,
		{ 0, 0, 0, 0 },
	};
	bool t_start = false, t_end = false;
	int opt;
	while ((opt = getopt_long(argc, argv, "o:s:a:k:b:j:qh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o': o->output = optarg; break;
		case 's': o->size = (int)cli_long("--size", optarg, 8, 256); break;
		case 'a':
			if (strcmp(optarg, "cgan") != 0 && strcmp(optarg, "rgan") != 0)
				die_usage("--arch: '%s' is not cgan or rgan", optarg);
			o->arch = optarg;
			break;
		case OPT_WIDTH: o->width_mult = (float)cli_double("--width-mult", optarg, 1e-3, 64); break;
		case 'k': o->kimg = cli_double("--kimg", optarg, 1e-3, 1e9); break;
		case 'b': o->batch = (int)cli_long("--batch", optarg, 1, 65536); break;
		case OPT_LR_G: o->lr_g = (float)cli_double("--lr-g", optarg, 0, 10); break;
		case OPT_LR_D: o->lr_d = (float)cli_double("--lr-d", optarg, 0, 10); break;
		case OPT_BETA1: o->beta1 = (float)cli_double("--beta1", optarg, 0, 0.9999); break;
		case OPT_BETA2: o->beta2 = (float)cli_double("--beta2", optarg, 0, 0.9999); break;
		case OPT_T_START:
			o->t_start = cli_double("--t-start", optarg, 0, 1e9);
			t_start = true;
			break;
		case OPT_T_END:
			o->t_end = cli_double("--t-end", optarg, 0, 1e9);
			t_end = true;
			break;
		case OPT_R1: o->r1 = (float)cli_double("--r1", optarg, 0, 1e6); break;
		case OPT_AUGMENT: o->augment = true; break;
		case OPT_EMA: o->ema = (float)cli_double("--ema", optarg, 0, 1e9); break;
		case OPT_SNAP: o->snap = cli_double("--snap", optarg, 1e-3, 1e9); break;
		case OPT_SHEET: o->sheet = optarg; break;
		case OPT_LOG: o->log = optarg; break;
		case OPT_SEED: o->seed = (unsigned long)cli_long("--seed", optarg, 0, 4294967295L); break;
		case OPT_RESUME: o->resume = true; break;
		case OPT_FID_MODEL: o->fid_model = optarg; break;
		case OPT_FID_N: o->fid_n = (int)cli_long("--fid-n", optarg, 2, 1000000); break;
		case 'j': o->threads = (int)cli_long("--threads", optarg, 1, 1024); break;
		case 'q': o->quiet = true; break;
		default:
			if (!cli_std_option(opt, usage))
				die_usage("unhandled option");
		}
	}
	if (!o->output)
		die_usage("-o G is required");
	if (optind + 1 != argc)
		die_usage("expected one TRAIN manifest, got %d", argc - optind);
	o->train = argv[optind];
	/* a standard deviation group must not span generated and real images,
	 * nor R1's two halves */
	if (o->batch % GAN_GROUP)
		die_usage("--batch: %d is not a multiple of %d (the discriminator's groups)", o->batch,
			  GAN_GROUP);
	if (o->fid_model && !o->log)
		die_usage("--fid-model needs --log, where FID-cls goes");
	o->t_given = t_start || t_end;
	if (!t_start)
		o->t_start = t_end && o->t_end < o->kimg / 5 ? o->t_end : o->kimg / 5;
	if (!t_end)
		o->t_end = o->t_start > o->kimg / 2 ? o->t_start : o->kimg / 2;
	if (o->t_end < o->t_start)
		die_usage("--t-end (%g) before --t-start (%g)", o->t_end, o->t_start);
}

/* --resume without --t-start and --t-end: the schedule of the run
 * resumed (whose defaults came from its own --kimg). */
static void resumed_schedule(struct options *o, const char *extra)
{
	const char *line = strstr(extra, "train\t");
	const char *ts = line ? strstr(line, " t_start=") : NULL;
	const char *te = line ? strstr(line, " t_end=") : NULL;
	if (!ts || !te || sscanf(ts, " t_start=%lf", &o->t_start) != 1 ||
	    sscanf(te, " t_end=%lf", &o->t_end) != 1)
		die("%s: its header lacks the train line of gantrain", o->output);
}

/* The options that make the model, as a checkpoint header line: a run is
 * resumed only with the same (--kimg may grow; --snap, --sheet and --log
 * may change).  augment=1 only with --augment: without, the line of the
 * checkpoints written before it existed. */
static void train_line(const struct options *o, const struct arch *a, char *buf, size_t size)
{
	snprintf(buf, size,
		 "train\tsize=%d width=%.9g batch=%d lr_g=%.9g lr_d=%.9g beta1=%.9g beta2=%.9g "
		 "t_start=%.9g t_end=%.9g r1=%.9g ema=%.9g%s seed=%lu\n",
		 a->height, a->width_mult, o->batch, o->lr_g, o->lr_d, o->beta1, o->beta2, o->t_start,
		 o->t_end, o->r1, o->ema, o->augment ? " augment=1" : "", o->seed);
}

struct trainer {
	const struct options *o;
	struct dataset data;
	struct model ema, g, d;
	struct optim og, od;
	char *line;        /* train_line */
	size_t size;       /* floats of an image */
	float *real, *fake, *pair, *grad, *z;
	float *seen;         /* --augment: the images as the discriminator sees them */
	struct gan_aug *aug; /* and how they were augmented */
	int *real_labels, *fake_labels, *pair_labels;
	int **members, *count; /* the images of each class */
	struct judge *judge;   /* --fid-model, or NULL */
};

/* FID-cls at the snapshots: a classifier, the features of fid_n real
 * images, and the latents and classes of as many generated ones, the same
 * at every snapshot. */
struct judge {
	struct model m;
	struct ckpt_meta meta;
	struct norm nm;
	struct features real;
	float *z;
	int *labels;
};

/* The sums of a snapshot's interval, for its log line. */
struct tally {
	double loss_d, loss_g, r1;
	long steps, r1_steps;
	double start;
};

/* A batch's images as the networks see them, [n][c][h][w] in [-1, 1]:
 * each group of GAN_GROUP of one class, drawn as often as the training
 * set has it. */
static void real_batch(const struct trainer *t, struct rng *r, float *x, int *labels)
{
	int n = t->o->batch, *idx = xmalloc((size_t)n * sizeof *idx);
	for (int i = 0; i < n; i++) {
		int c = i % GAN_GROUP ? labels[i - 1] : t->data.label[rng_below(r, (uint32_t)t->data.n)];
		idx[i] = t->members[c][rng_below(r, (uint32_t)t->count[c])];
		labels[i] = c;
	}
	float mean[3] = { 0.5f, 0.5f, 0.5f }, sd[3] = { 0.5f, 0.5f, 0.5f };
	dataset_batch(&t->data, idx, n, mean, sd, x);
	free(idx);
}

/* Classes for generated images, as often as the training set has them,
 * one a group of GAN_GROUP. */
static void fake_labels(const struct trainer *t, struct rng *r, int *labels)
{
	for (int i = 0; i < t->o->batch; i++)
		labels[i] = i % GAN_GROUP ? labels[i - 1]
					  : t->data.label[rng_below(r, (uint32_t)t->data.n)];
}

/* The images of each class, to draw groups from. */
static void index_classes(struct trainer *t)
{
	int k = t->data.nclasses;
	t->count = xcalloc((size_t)k, sizeof *t->count);
	t->members = xcalloc((size_t)k, sizeof *t->members);
	for (int i = 0; i < t->data.n; i++)
		t->count[t->data.label[i]]++;
	for (int c = 0; c < k; c++)
		t->members[c] = xmalloc((size_t)t->count[c] * sizeof **t->members);
	int *filled = xcalloc((size_t)k, sizeof *filled);
	for (int i = 0; i < t->data.n; i++)
		t->members[t->data.label[i]][filled[t->data.label[i]]++] = i;
	free(filled);
}

/* What the discriminator is shown of n images x: x itself, or with
 * --augment x augmented, in t->seen. */
static const float *shown(struct trainer *t, struct rng *r, const float *x, int n)
{
	if (!t->o->augment)
		return x;
	const struct arch *a = &t->g.arch;
	gan_aug_draw(r, n, a->height, a->width, t->aug);
	gan_aug_forward(t->aug, n, a->channels, a->height, a->width, x, t->seen);
	return t->seen;
}

static double softplus(double x)
{
	return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
}

static double sigmoid(double x)
{
	return 1 / (1 + exp(-x));
}

/* The non-saturating logistic loss of n images' logits [n][2]
 * (unconditional, conditional): the mean of softplus(sign l_uc) + lambda
 * softplus(sign l_c); its gradient into dlogits. */
static double logistic(const float *logits, int n, double sign, double lambda, int over,
		       float *dlogits)
{
	double loss = 0;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < 2; j++) {
			double w = j ? lambda : 1, l = sign * logits[2 * i + j];
			loss += w * softplus(l);
			dlogits[2 * i + j] = (float)(w * sign * sigmoid(l) / over);
		}
	return loss / over;
}

/* The discriminator's step: generated images (sign +1) and real ones
 * (sign -1) in one batch; it has no batch norm and its standard deviation
 * groups (GAN_GROUP divides the batch) hold one or the other, so that is
 * the same as two. */
static double step_d(struct trainer *t, struct rng *r, double lambda, float lr)
{
	int n = t->o->batch;
	size_t bytes = (size_t)n * t->size * sizeof *t->pair;
	real_batch(t, r, t->real, t->real_labels);
	fake_labels(t, r, t->fake_labels);
	gan_latents(r, n, 0, t->z);
	t->g.labels = t->fake_labels;
	t->g.lambda = (float)lambda;
	model_forward(&t->g, t->z, n, true);
	model_output(&t->g, t->pair);
	memcpy((char *)t->pair + bytes, t->real, bytes);
	memcpy(t->pair_labels, t->fake_labels, (size_t)n * sizeof *t->pair_labels);
	memcpy(t->pair_labels + n, t->real_labels, (size_t)n * sizeof *t->pair_labels);
	t->d.labels = t->pair_labels;
	model_forward(&t->d, shown(t, r, t->pair, 2 * n), 2 * n, true);
	double loss = logistic(t->d.logits, n, 1, lambda, n, t->d.dlogits) +
		      logistic(t->d.logits + 2 * n, n, -1, lambda, n, t->d.dlogits + 2 * n);
	model_backward(&t->d, 2 * n);
	optim_step(&t->od, &t->d, lr);
	return loss;
}

/* R1 = gamma / 2 E |grad_x l_uc(x)|^2 on real images (with --augment, x
 * the augmented image, every pixel of it: moved out and cut pixels too).  Its gradient in the
 * weights, (gamma / n) sum_i H_i g_i (g_i the input gradient, H_i the
 * mixed second derivative), is the difference of the weight gradients of
 * l_uc at x_i + eps g_i and x_i - eps g_i over 2 eps: two first-order
 * passes, no second-order backward.  Returns R1. */
static double step_r1(struct trainer *t, struct rng *r, float lr)
{
	int n = t->o->batch;
	size_t len = (size_t)n * t->size;
	real_batch(t, r, t->real, t->real_labels);
	const float *real = shown(t, r, t->real, n);
	t->d.labels = t->real_labels;
	t->d.input_grad = true;
	model_forward(&t->d, real, n, true);
	for (int i = 0; i < n; i++) {
		t->d.dlogits[2 * i] = 1;
		t->d.dlogits[2 * i + 1] = 0;
	}
	model_backward(&t->d, n);
	model_input_grad(&t->d, t->grad);
	t->d.input_grad = false;
	double sq = 0;
	for (size_t i = 0; i < len; i++)
		sq += (double)t->grad[i] * t->grad[i];
	double r1 = t->o->r1 / 2 * sq / n;
	if (!(sq > 0))
		return r1;
	double eps = R1_STEP / sqrt(sq / (double)len);
	for (size_t i = 0; i < len; i++) {
		double step = eps * t->grad[i]; /* eps may be beyond float's range */
		t->pair[i] = (float)(real[i] + step);
		t->pair[len + i] = (float)(real[i] - step);
	}
	memcpy(t->pair_labels, t->real_labels, (size_t)n * sizeof *t->pair_labels);
	memcpy(t->pair_labels + n, t->real_labels, (size_t)n * sizeof *t->pair_labels);
	t->d.labels = t->pair_labels;
	model_forward(&t->d, t->pair, 2 * n, true);
	double w = (double)t->o->r1 * R1_EVERY / n / (2 * eps);
	for (int i = 0; i < 2 * n; i++) {
		t->d.dlogits[2 * i] = (float)(i < n ? w : -w);
		t->d.dlogits[2 * i + 1] = 0;
	}
	model_backward(&t->d, 2 * n);
	optim_step(&t->od, &t->d, lr);
	return r1;
}

/* The generator's step, through the discriminator's input gradient. */
static double step_g(struct trainer *t, struct rng *r, double lambda, float lr)
{
	int n = t->o->batch;
	fake_labels(t, r, t->fake_labels);
	gan_latents(r, n, 0, t->z);
	t->g.labels = t->d.labels = t->fake_labels;
	t->g.lambda = (float)lambda;
	model_forward(&t->g, t->z, n, true);
	model_output(&t->g, t->fake);
	t->d.input_grad = t->d.no_conv_weight_grad = true;
	model_forward(&t->d, shown(t, r, t->fake, n), n, true);
	double loss = logistic(t->d.logits, n, -1, lambda, n, t->d.dlogits);
	model_backward(&t->d, n);
	model_input_grad(&t->d, t->grad);
	t->d.input_grad = t->d.no_conv_weight_grad = false;
	const float *grad = t->grad;
	if (t->o->augment) {
		/* through the augmentation; t->seen is free again */
		const struct arch *a = &t->g.arch;
		gan_aug_backward(t->aug, n, a->channels, a->height, a->width, t->grad, t->seen);
		grad = t->seen;
	}
	model_backward_from(&t->g, grad, n);
	optim_step(&t->og, &t->g, lr);
	return loss;
}

/* The sampling generator: every float of the trained one's arena (the
 * running statistics too) averaged with half-life ema kimg. */
static void update_ema(struct trainer *t)
{
	if (t->o->ema <= 0) {
		memcpy(t->ema.p, t->g.p, t->g.size * sizeof *t->g.p);
		return;
	}
	float beta = (float)pow(0.5, t->o->batch / (t->o->ema * 1000.0));
	for (size_t i = 0; i < t->g.size; i++)
		t->ema.p[i] = beta * t->ema.p[i] + (1 - beta) * t->g.p[i];
}

/* Rows of SHEET_COLUMNS samples of each class under its name, the same
 * latents at every snapshot. */
static void write_sheet(struct trainer *t, const char *path, double lambda)
{
	const struct arch *a = &t->ema.arch;
	int n = a->classes * SHEET_COLUMNS;
	float *z = xmalloc((size_t)n * GAN_ZDIM * sizeof *z);
	int *labels = xmalloc((size_t)n * sizeof *labels);
	uint8_t *px = xmalloc((size_t)n * t->size);
	struct rng r;
	rng_seed(&r, t->o->seed, STREAM_SHEET);
	gan_latents(&r, n, 0, z);
	for (int i = 0; i < n; i++)
		labels[i] = i / SHEET_COLUMNS;
	gan_generate(&t->ema, z, labels, n, (float)lambda, px);
	struct sheet s = { 0 };
	char err[ERRLEN];
	for (int i = 0; i < n; i++) {
		struct image im;
		if (img_alloc(&im, a->width, a->height, a->channels, 8, err))
			die("%s: %s", path, err);
		memcpy(im.px, px + (size_t)i * t->size, t->size);
		if (sheet_keep(&s, sheet_group(&s, t->data.classes[labels[i]]), &im, err))
			die("%s: %s", path, err);
	}
	struct sheet_style style = { .columns = SHEET_COLUMNS, .gap = 2, .captions = true };
	struct image sheet;
	if (sheet_render(&s, &style, &sheet, err))
		die("%s: %s", path, err);
	sheet_write_png_or_die(&sheet, path);
	img_free(&sheet);
	sheet_free(&s);
	free(z), free(labels), free(px);
}

#define JUDGE_BATCH 256

static struct judge *judge_open(const struct trainer *t, const struct arch *a)
{
	const struct options *o = t->o;
	struct judge *j = xcalloc(1, sizeof *j);
	classifier_load(o->fid_model, &j->m, NULL, &j->meta, &j->nm);
	const struct arch *c = &j->m.arch;
	if (c->channels != a->channels || c->height != a->height || c->width != a->width)
		die("%s: a classifier of %dx%d %s images, not of the generator's %dx%d %s",
		    o->fid_model, c->width, c->height, c->channels == 1 ? "gray" : "colour", a->width,
		    a->height, a->channels == 1 ? "gray" : "colour");
	int n = o->fid_n, dim;
	struct rng r;
	rng_seed(&r, o->seed, STREAM_FID_REAL);
	uint8_t *px = xmalloc((size_t)n * t->size);
	for (int i = 0; i < n; i++)
		memcpy(px + (size_t)i * t->size,
		       t->data.px + (size_t)rng_below(&r, (uint32_t)t->data.n) * t->size, t->size);
	model_features(&j->m, &dim);
	features_init(&j->real, dim);
	classify_features(&j->m, &j->nm, px, n, JUDGE_BATCH, &j->real);
	free(px);
	rng_seed(&r, o->seed, STREAM_FID_FAKE);
	j->z = xmalloc((size_t)n * GAN_ZDIM * sizeof *j->z);
	j->labels = xmalloc((size_t)n * sizeof *j->labels);
	gan_latents(&r, n, 0, j->z);
	for (int i = 0; i < n; i++)
		j->labels[i] = t->data.label[rng_below(&r, (uint32_t)t->data.n)];
	return j;
}

/* FID-cls of the sampling generator's images against the real ones. */
static double judge_fid(struct trainer *t, double lambda)
{
	struct judge *j = t->judge;
	int n = t->o->fid_n;
	uint8_t *px = xmalloc((size_t)n * t->size);
	for (int start = 0; start < n; start += JUDGE_BATCH) {
		int nb = n - start < JUDGE_BATCH ? n - start : JUDGE_BATCH;
		gan_generate(&t->ema, j->z + (size_t)start * GAN_ZDIM, j->labels + start, nb,
			     (float)lambda, px + (size_t)start * t->size);
	}
	struct features fake;
	features_init(&fake, j->real.dim);
	classify_features(&j->m, &j->nm, px, n, JUDGE_BATCH, &fake);
	bool offset;
	double fid = fid_distance(&j->real, &fake, 1e-6, &offset);
	features_free(&fake);
	free(px);
	return fid;
}

static void judge_close(struct judge *j)
{
	if (!j)
		return;
	features_free(&j->real);
	ckpt_meta_free(&j->meta);
	model_free(&j->m);
	free(j->z), free(j->labels), free(j);
}

/* A snapshot is written only of finite weights: an update can make them
 * NaN after the last loss was finite. */
static void check_finite(const struct trainer *t, double kimg)
{
	const struct model *m[] = { &t->g, &t->d, &t->ema };
	for (int i = 0; i < 3; i++)
		for (size_t j = 0; j < m[i]->size; j++)
			if (!isfinite(m[i]->p[j]))
				die("a weight of %s is %g at kimg %.3f: %s keeps its last snapshot",
				    i == 1 ? "the discriminator" : "the generator", m[i]->p[j], kimg,
				    t->o->output);
}

static void save(struct trainer *t, long images, double lambda)
{
	char *extra = xmalloc(strlen(t->line) + 64);
	sprintf(extra, "%slambda\t%.9g\n", t->line, lambda);
	struct ckpt_meta meta = { .classes = t->data.classes, .step = images, .extra = extra };
	struct ckpt_part parts[] = { { "", &t->ema, NULL }, { "G.", &t->g, &t->og },
				     { "D.", &t->d, &t->od } };
	ckpt_save_parts_or_die(t->o->output, parts, 3, &meta);
	free(extra);
}

static void log_line(struct trainer *t, FILE *log, double kimg, double lambda, struct tally *s)
{
	const char *path = t->o->log;
	double seconds = progress_now() - s->start;
	if (log && fprintf(log, "%.3f\t%.4f\t%.6f\t%.6f\t%.6f\t%.2f", kimg, lambda,
			   s->loss_d / (double)s->steps, s->loss_g / (double)s->steps,
			   s->r1_steps ? s->r1 / (double)s->r1_steps : 0.0, seconds) < 0)
		die("%s: %s", path, strerror(errno));
	if (log && t->judge && fprintf(log, "\t%.4f", judge_fid(t, lambda)) < 0)
		die("%s: %s", path, strerror(errno));
	if (log && (fputc('\n', log) == EOF || fflush(log)))
		die("%s: %s", path, strerror(errno));
	*s = (struct tally){ .start = progress_now() };
}

static void progress(const struct trainer *t, long step, long total, double lambda,
		     const struct tally *s, double rate)
{
	double kimg = (double)step * t->o->batch / 1000;
	double eta = rate > 0 ? (double)(total - step) * t->o->batch / rate : 0;
	fprintf(stderr, "\rgantrain: kimg %.1f/%.1f  D %.3f  G %.3f  lambda %.2f  %.0f images/s  ETA %d:%02d ",
		kimg, t->o->kimg, s->loss_d / (double)(s->steps ? s->steps : 1),
		s->loss_g / (double)(s->steps ? s->steps : 1), lambda, rate, (int)(eta / 60),
		(int)eta % 60);
}

static bool same_arch(const struct arch *x, const struct arch *y)
{
	return !strcmp(x->name, y->name) && x->channels == y->channels && x->height == y->height &&
	       x->width == y->width && x->classes == y->classes && x->width_mult == y->width_mult;
}

/* The discriminator of generator g: the same but for its name, ARCH-d. */
static struct arch discriminator_arch(const struct arch *g)
{
	struct arch d = *g;
	snprintf(d.name, sizeof d.name, "%.*s-d", (int)strcspn(g->name, "-"), g->name);
	return d;
}

/* A resumed run must have the same options and data. */
static void resume(struct trainer *t, struct options *o, const struct arch *a, long *images)
{
	struct ckpt_meta meta;
	char err[ERRLEN];
	struct ckpt_part parts[] = { { "", &t->ema, NULL }, { "G.", &t->g, &t->og },
				     { "D.", &t->d, &t->od } };
	if (ckpt_load_parts(t->o->output, MODEL_GENERATOR, parts, 3, &meta, err))
		die("%s", err);
	struct arch da = discriminator_arch(a);
	if (!same_arch(&t->ema.arch, a) || !same_arch(&t->g.arch, a) || !same_arch(&t->d.arch, &da))
		die("%s: its networks are not those of these options and images (--arch, --size, --width-mult, the classes)",
		    o->output);
	if (!o->t_given)
		resumed_schedule(o, meta.extra);
	train_line(o, a, t->line, LINE_MAX_LEN);
	if (!strstr(meta.extra, t->line))
		die("%s: was trained with other options than these (its header's train line)",
		    t->o->output);
	/* same_arch compared the channels and the number of classes */
	for (int c = 0; c < a->classes; c++)
		if (strcmp(meta.classes[c], t->data.classes[c]) != 0)
			die("%s: was trained on other classes than those of %s", t->o->output,
			    input_name(t->o->train));
	*images = meta.step;
	ckpt_meta_free(&meta);
}

static void start(struct trainer *t, const struct arch *a)
{
	char err[ERRLEN];
	struct arch da = discriminator_arch(a);
	/* seeds 2s and 2s + 1: the two networks' weights from seeds no other
	 * run's share */
	if (model_build(&t->g, a, t->o->seed * 2, err) ||
	    model_build(&t->d, &da, t->o->seed * 2 + 1, err) ||
	    model_build(&t->ema, a, 0, err))
		die("%s: %s", input_name(t->o->train), err);
	memcpy(t->ema.p, t->g.p, t->g.size * sizeof *t->g.p);
	struct optim adam = { .kind = OPTIM_ADAM, .beta1 = t->o->beta1, .beta2 = t->o->beta2,
			      .eps = 1e-8f };
	t->og = t->od = adam;
	optim_init(&t->og, &t->g);
	optim_init(&t->od, &t->d);
}

static void buffers(struct trainer *t)
{
	size_t n = (size_t)t->o->batch;
	t->real = xmalloc(n * t->size * sizeof *t->real);
	t->fake = xmalloc(n * t->size * sizeof *t->fake);
	t->grad = xmalloc(n * t->size * sizeof *t->grad);
	t->pair = xmalloc(2 * n * t->size * sizeof *t->pair);
	t->seen = t->o->augment ? xmalloc(2 * n * t->size * sizeof *t->seen) : NULL;
	t->aug = t->o->augment ? xmalloc(2 * n * sizeof *t->aug) : NULL;
	t->z = xmalloc(n * GAN_ZDIM * sizeof *t->z);
	t->real_labels = xmalloc(n * sizeof *t->real_labels);
	t->fake_labels = xmalloc(n * sizeof *t->fake_labels);
	t->pair_labels = xmalloc(2 * n * sizeof *t->pair_labels);
}

/* The steps of a whole run, of o->batch images each. */
static long total_steps(const struct options *o)
{
	return (long)ceil(o->kimg * 1000 / o->batch);
}

static void train(struct trainer *t, long first, FILE *log)
{
	const struct options *o = t->o;
	long total = total_steps(o);
	long snap = (long)llround(o->snap * 1000 / o->batch);
	snap = snap < 1 ? 1 : snap;
	bool show = !o->quiet && isatty(2);
	struct tally s = { .start = progress_now() };
	double begin = progress_now();
	for (long step = first; step < total; step++) {
		double kimg = (double)step * o->batch / 1000;
		double lambda = gan_lambda(kimg, o->t_start, o->t_end);
		struct rng r;
		rng_seed(&r, o->seed, STREAM_STEP + (uint64_t)step);
		double ld = step_d(t, &r, lambda, o->lr_d);
		if (o->r1 > 0 && step % R1_EVERY == 0) {
			s.r1 += step_r1(t, &r, o->lr_d);
			s.r1_steps++;
		}
		double lg = step_g(t, &r, lambda, o->lr_g);
		if (!isfinite(ld) || !isfinite(lg))
			die("the %s loss is %g at kimg %.3f: %s keeps its last snapshot",
			    isfinite(ld) ? "generator's" : "discriminator's", isfinite(ld) ? lg : ld,
			    kimg, o->output);
		update_ema(t);
		s.loss_d += ld;
		s.loss_g += lg;
		s.steps++;
		if (show)
			progress(t, step + 1, total, lambda,
				 &s, (double)(step + 1 - first) * o->batch / (progress_now() - begin));
		if ((step + 1) % snap == 0 || step + 1 == total) {
			double done = (double)(step + 1) * o->batch / 1000;
			double l = gan_lambda(done, o->t_start, o->t_end);
			/* the log line first: a run killed before the checkpoint
			 * is written resumes from the one before */
			check_finite(t, done);
			log_line(t, log, done, l, &s);
			write_sheet(t, o->sheet, l);
			save(t, (step + 1) * (long)o->batch, l);
		}
	}
	if (show)
		fputc('\n', stderr);
}

int main(int argc, char **argv)
{
	cli_init(argc, argv);
	/* lr_d 4 lr_g (the two time-scale rule of Heusel et al. 2017): on
	 * Fashion-MNIST, FID-cls 6.4 against 8.3 for 2e-4 both; 400 kimg: 3.6
	 * against 6.4 for 200, and samples the judge takes for their class
	 * more often (README) */
	struct options o = { .arch = "cgan", .width_mult = 1, .kimg = 400, .batch = 64, .lr_g = 1e-4f,
			     .lr_d = 4e-4f, .beta1 = 0.5f, .beta2 = 0.99f, .r1 = 0.1f, .ema = 10,
			     .snap = 20, .seed = 1, .fid_n = 1000 };
	parse_options(argc, argv, &o);
	char *sheet = NULL;
	if (!o.sheet) {
		sheet = xmalloc(strlen(o.output) + 5);
		sprintf(sheet, "%s.png", o.output);
		o.sheet = sheet;
	}
	/* outputs that cannot be written are refused before the training */
	afile_check("--output", o.output);
	afile_check("--sheet", o.sheet);
	if (o.log)
		afile_check("--log", o.log);
	files_distinct((struct named_file[]){ { "--output", o.output, true },
					      { "--sheet", o.sheet, true },
					      { "--log", o.log, true },
					      { "TRAIN", o.train, false },
					      { "--fid-model", o.fid_model, false } },
		       5);
	nn_init(o.threads);
	struct trainer t = { .o = &o };
	dataset_load(&t.data, o.train, 0, o.size, o.size, NULL, 0);
	if (t.data.nclasses < 2)
		die("%s: one class only (%s): train an unconditional GAN elsewhere, or add a class",
		    input_name(o.train), t.data.classes[0]);
	if (!o.size)
		warn_converted(o.train, t.data.converted, t.data.w, t.data.h, t.data.c);
	struct arch a = { .channels = t.data.c, .height = t.data.h,
			  .width = t.data.w, .classes = t.data.nclasses, .width_mult = o.width_mult };
	snprintf(a.name, sizeof a.name, "%s-g", o.arch);
	char err[ERRLEN];
	size_t params;
	if (model_params(&a, &params, err))
		die("%s: %s", input_name(o.train), err);
	t.size = (size_t)a.channels * (size_t)a.height * (size_t)a.width;
	char line[LINE_MAX_LEN];
	train_line(&o, &a, line, sizeof line);
	t.line = line;
	long images = 0;
	if (o.resume)
		resume(&t, &o, &a, &images);
	else
		start(&t, &a);
	/* nothing would be done, and G not be what was asked for */
	if (images / o.batch > total_steps(&o))
		die("%s: has been trained on %.9g kimg, more than --kimg %.9g", o.output,
		    (double)images / 1000, o.kimg);
	buffers(&t);
	index_classes(&t);
	if (o.fid_model)
		t.judge = judge_open(&t, &a);
	FILE *log = NULL;
	if (o.log && images)
		log_trim_or_die(o.log, (double)images / 1000);
	if (o.log && !(log = fopen(o.log, images ? "a" : "w")))
		die("%s: %s", o.log, strerror(errno));
	train(&t, images / o.batch, log);
	if (log && fclose(log))
		die("%s: %s", o.log, strerror(errno));
	judge_close(t.judge);
	free(sheet);
	free(t.real), free(t.fake), free(t.grad), free(t.pair), free(t.z), free(t.seen), free(t.aug);
	free(t.real_labels), free(t.fake_labels), free(t.pair_labels);
	for (int c = 0; c < t.data.nclasses; c++)
		free(t.members[c]);
	free(t.members), free(t.count);
	optim_free(&t.og), optim_free(&t.od);
	model_free(&t.g), model_free(&t.d), model_free(&t.ema);
	dataset_free(&t.data);
	return 0;
}

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
#include "cli/learn.h"
#include "cli/outputs.h"
#include "cli/recorded.h"
#include "io/input.h"
#include "learn/classify.h"
#include "learn/dataset.h"
#include "learn/gan.h"
#include "learn/train_gan.h"
#include "nn/ckpt.h"
#include "nn/model.h"

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
	char arch[8];     /* cgan or rgan: the networks are ARCH-g and ARCH-d */
	int size, threads, fid_n;
	float width_mult;
	double kimg, snap;
	struct gan_config cfg;
	bool t_given;   /* --t-start or --t-end */
	bool resume, quiet;
};

#define SHEET_COLUMNS 8

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
			snprintf(o->arch, sizeof o->arch, "%s", optarg);
			break;
		case OPT_WIDTH: o->width_mult = (float)cli_double("--width-mult", optarg, 1e-3, 64); break;
		case 'k': o->kimg = cli_double("--kimg", optarg, 1e-3, 1e9); break;
		case 'b': o->cfg.batch = (int)cli_long("--batch", optarg, 1, 65536); break;
		case OPT_LR_G: o->cfg.lr_g = (float)cli_double("--lr-g", optarg, 0, 10); break;
		case OPT_LR_D: o->cfg.lr_d = (float)cli_double("--lr-d", optarg, 0, 10); break;
		case OPT_BETA1: o->cfg.beta1 = (float)cli_double("--beta1", optarg, 0, 0.9999); break;
		case OPT_BETA2: o->cfg.beta2 = (float)cli_double("--beta2", optarg, 0, 0.9999); break;
		case OPT_T_START:
			o->cfg.t_start = cli_double("--t-start", optarg, 0, 1e9);
			t_start = true;
			break;
		case OPT_T_END:
			o->cfg.t_end = cli_double("--t-end", optarg, 0, 1e9);
			t_end = true;
			break;
		case OPT_R1: o->cfg.r1 = (float)cli_double("--r1", optarg, 0, 1e6); break;
		case OPT_AUGMENT: o->cfg.augment = true; break;
		case OPT_EMA: o->cfg.ema = (float)cli_double("--ema", optarg, 0, 1e9); break;
		case OPT_SNAP: o->snap = cli_double("--snap", optarg, 1e-3, 1e9); break;
		case OPT_SHEET: o->sheet = optarg; break;
		case OPT_LOG: o->log = optarg; break;
		case OPT_SEED: o->cfg.seed = (unsigned long)cli_long("--seed", optarg, 0, 4294967295L); break;
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
	if (o->cfg.batch % GAN_GROUP)
		die_usage("--batch: %d is not a multiple of %d (the discriminator's groups)",
			  o->cfg.batch, GAN_GROUP);
	if (o->fid_model && !o->log)
		die_usage("--fid-model needs --log, where FID-cls goes");
	o->t_given = t_start || t_end;
	struct gan_config *c = &o->cfg;
	if (!t_start)
		c->t_start = t_end && c->t_end < o->kimg / 5 ? c->t_end : o->kimg / 5;
	if (!t_end)
		c->t_end = c->t_start > o->kimg / 2 ? c->t_start : o->kimg / 2;
	if (c->t_end < c->t_start)
		die_usage("--t-end (%g) before --t-start (%g)", c->t_end, c->t_start);
}

/* The options that make the model (of images of a's size), recorded
 * in its checkpoints: a run is resumed only with the same (--kimg may
 * grow; --snap, --sheet, --log and those of FID-cls may change). */
#define RECORDED 14

static void recorded_options(struct options *o, struct arch *a, struct field *f)
{
	struct gan_config *c = &o->cfg;
	struct field t[RECORDED] = {
		FIELD_TEXT("--arch", o->arch),
		FIELD("--size", FIELD_INT, &a->height),
		FIELD("--width-mult", FIELD_FLOAT, &o->width_mult),
		FIELD("--batch", FIELD_INT, &c->batch),
		FIELD("--lr-g", FIELD_FLOAT, &c->lr_g),
		FIELD("--lr-d", FIELD_FLOAT, &c->lr_d),
		FIELD("--beta1", FIELD_FLOAT, &c->beta1),
		FIELD("--beta2", FIELD_FLOAT, &c->beta2),
		FIELD("--t-start", FIELD_DOUBLE, &c->t_start),
		FIELD("--t-end", FIELD_DOUBLE, &c->t_end),
		FIELD("--r1", FIELD_FLOAT, &c->r1),
		FIELD("--augment", FIELD_BOOL, &c->augment),
		FIELD("--ema", FIELD_FLOAT, &c->ema),
		FIELD("--seed", FIELD_ULONG, &c->seed),
	};
	memcpy(f, t, sizeof t);
}

/* A run: its data, the training, and FID-cls at the snapshots. */
struct run {
	const struct options *o;
	struct dataset data;
	struct gan_trainer tr;
	struct field options[RECORDED]; /* recorded_options */
	struct judge *judge;     /* --fid-model, or NULL */
};

/* The judge of FID-cls: the classifier of --fid-model and what it keeps. */
struct judge {
	struct model m;
	struct ckpt_meta meta;
	struct norm nm;
	struct gan_judge j;
};

/* The sums of a snapshot's interval, for its log line. */
struct tally {
	double loss_d, loss_g, r1;
	long steps, r1_steps;
	double start;
};

/* Rows of SHEET_COLUMNS samples of each class under its name, the same
 * latents at every snapshot. */
static void write_sheet(struct run *run, const char *path, double lambda)
{
	struct gan_trainer *t = &run->tr;
	const struct arch *a = &t->ema.arch;
	int n = a->classes * SHEET_COLUMNS;
	float *z = xmalloc((size_t)n * GAN_ZDIM * sizeof *z);
	int *labels = xmalloc((size_t)n * sizeof *labels);
	uint8_t *px = xmalloc((size_t)n * t->size);
	struct rng r;
	rng_seed(&r, run->o->cfg.seed, GAN_STREAM_SHEET);
	gan_latents(&r, n, 0, z);
	for (int i = 0; i < n; i++)
		labels[i] = i / SHEET_COLUMNS;
	gan_generate(&t->ema, z, labels, n, (float)lambda, px);
	samples_sheet_or_die(path, px, n, SHEET_COLUMNS, a->channels, a->height, a->width,
			     run->data.classes);
	free(z), free(labels), free(px);
}

static struct judge *judge_open(const struct run *run)
{
	const struct options *o = run->o;
	struct judge *j = xcalloc(1, sizeof *j);
	char err[ERRLEN];
	classifier_load(o->fid_model, &j->m, NULL, &j->meta, &j->nm);
	if (gan_judge_open(&j->j, &j->m, &j->nm, &run->tr, o->fid_n, err))
		die("%s: %s", o->fid_model, err);
	return j;
}

static void judge_close(struct judge *j)
{
	if (!j)
		return;
	gan_judge_free(&j->j);
	ckpt_meta_free(&j->meta);
	model_free(&j->m);
	free(j);
}

/* A snapshot is written only of finite weights: an update can make them
 * NaN after the last loss was finite. */
static void check_finite(const struct run *run, double kimg)
{
	const struct gan_trainer *t = &run->tr;
	const struct model *m[] = { &t->g, &t->d, &t->ema };
	for (int i = 0; i < 3; i++)
		for (size_t j = 0; j < m[i]->size; j++)
			if (!isfinite(m[i]->p[j]))
				die("a weight of %s is %g at kimg %.3f: %s keeps its last snapshot",
				    i == 1 ? "the discriminator" : "the generator", m[i]->p[j], kimg,
				    run->o->output);
}

/* The checkpoint's parts: the sampling generator, then the trained one
 * and the discriminator with their optimizers. */
#define RUN_PARTS(t)                                                              \
	{ { "", &(t)->ema, NULL }, { "G.", &(t)->g, &(t)->og }, { "D.", &(t)->d, &(t)->od } }

/* Its header keeps the options and the weight of the conditioning the
 * sampling generator had (as the sheet's samples had it: a float). */
static void save(struct run *run, long images, double lambda)
{
	struct ckpt_meta meta = { .classes = run->data.classes, .step = images };
	float l = (float)lambda;
	options_record(&meta.fields, run->options, RECORDED);
	fields_put(&meta.fields, &FIELD("lambda", FIELD_FLOAT, &l));
	struct ckpt_part parts[] = RUN_PARTS(&run->tr);
	ckpt_save_parts_or_die(run->o->output, parts, 3, &meta);
	fields_free(&meta.fields);
}

static void log_line(struct run *run, FILE *log, double kimg, double lambda, struct tally *s)
{
	const char *path = run->o->log;
	double seconds = progress_now() - s->start;
	if (log && fprintf(log, "%.3f\t%.4f\t%.6f\t%.6f\t%.6f\t%.2f", kimg, lambda,
			   s->loss_d / (double)s->steps, s->loss_g / (double)s->steps,
			   s->r1_steps ? s->r1 / (double)s->r1_steps : 0.0, seconds) < 0)
		die("%s: %s", path, strerror(errno));
	if (log && run->judge) {
		double fid;
		char err[ERRLEN];
		if (gan_judge_fid(&run->judge->j, &run->tr, lambda, &fid, err))
			die("%s", err);
		if (fprintf(log, "\t%.4f", fid) < 0)
			die("%s: %s", path, strerror(errno));
	}
	if (log && (fputc('\n', log) == EOF || fflush(log)))
		die("%s: %s", path, strerror(errno));
	*s = (struct tally){ .start = progress_now() };
}

static void progress(const struct options *o, long step, long total, double lambda,
		     const struct tally *s, double rate)
{
	double kimg = (double)step * o->cfg.batch / 1000;
	double eta = rate > 0 ? (double)(total - step) * o->cfg.batch / rate : 0;
	fprintf(stderr, "\rgantrain: kimg %.1f/%.1f  D %.3f  G %.3f  lambda %.2f  %.0f images/s  ETA %d:%02d ",
		kimg, o->kimg, s->loss_d / (double)(s->steps ? s->steps : 1),
		s->loss_g / (double)(s->steps ? s->steps : 1), lambda, rate, (int)(eta / 60),
		(int)eta % 60);
}

/* A resumed run must have the same options; without --t-start and
 * --t-end, o takes the schedule of the run resumed (whose defaults came
 * from its own --kimg), through run->options. */
static void check_options(const struct run *run, struct options *o, const struct fields *file)
{
	if (!o->t_given) {
		option_recorded(file, run->options, RECORDED, "--t-start");
		option_recorded(file, run->options, RECORDED, "--t-end");
	}
	options_check(file, run->options, RECORDED);
}

/* A resumed run must have the same options and data: the images it has
 * been trained on. */
static long resume(struct run *run, struct options *o, const struct arch *a)
{
	struct gan_trainer *t = &run->tr;
	struct ckpt_meta meta;
	char err[ERRLEN];
	struct ckpt_part parts[] = RUN_PARTS(t);
	if (ckpt_load_parts(o->output, MODEL_GENERATOR, parts, 3, &meta, err))
		die("%s", err);
	check_resumed_data(o->output, &t->ema.arch, meta.classes, &run->data, o->train);
	check_options(run, o, &meta.fields);
	struct arch da = gan_discriminator_arch(a);
	if (!arch_equal(&t->ema.arch, a) || !arch_equal(&t->g.arch, a) || !arch_equal(&t->d.arch, &da))
		die("%s: its networks are not those of these options and images (--arch, --size, --width-mult, the classes)",
		    o->output);
	long images = meta.step;
	ckpt_meta_free(&meta);
	return images;
}

/* The steps of a whole run, of --batch images each. */
static long total_steps(const struct options *o)
{
	return (long)ceil(o->kimg * 1000 / o->cfg.batch);
}

/* Every --snap kimg and at the end: the log line, the sheet, the
 * checkpoint. */
static void snapshot(struct run *run, long steps, FILE *log, struct tally *s)
{
	const struct options *o = run->o;
	double done = (double)steps * o->cfg.batch / 1000;
	double l = gan_lambda(done, o->cfg.t_start, o->cfg.t_end);
	/* the log line first: a run killed before the checkpoint is written
	 * resumes from the one before */
	check_finite(run, done);
	log_line(run, log, done, l, s);
	write_sheet(run, o->sheet, l);
	save(run, steps * (long)o->cfg.batch, l);
}

static void train(struct run *run, long first, FILE *log)
{
	const struct options *o = run->o;
	long total = total_steps(o);
	long snap = (long)llround(o->snap * 1000 / o->cfg.batch);
	snap = snap < 1 ? 1 : snap;
	bool show = !o->quiet && isatty(2);
	struct tally s = { .start = progress_now() };
	double begin = progress_now();
	for (long step = first; step < total; step++) {
		struct gan_step g;
		if (gan_train_step(&run->tr, step, &g))
			die("the %s loss is %g at kimg %.3f: %s keeps its last snapshot",
			    isfinite(g.loss_d) ? "generator's" : "discriminator's",
			    isfinite(g.loss_d) ? g.loss_g : g.loss_d, (double)step * o->cfg.batch / 1000,
			    o->output);
		s.loss_d += g.loss_d;
		s.loss_g += g.loss_g;
		s.r1 += g.r1;
		s.r1_steps += g.r1_done;
		s.steps++;
		if (show)
			progress(o, step + 1, total, g.lambda, &s,
				 (double)(step + 1 - first) * o->cfg.batch / (progress_now() - begin));
		if ((step + 1) % snap == 0 || step + 1 == total)
			snapshot(run, step + 1, log, &s);
	}
	if (show)
		fputc('\n', stderr);
}

/* The training set, and the generator's architecture for it. */
static struct arch load_data(struct run *run, const struct options *o)
{
	struct dataset *d = &run->data;
	dataset_load_or_die(d, o->train, 0, o->size, o->size, NULL, 0);
	if (d->nclasses < 2)
		die("%s: one class only (%s): train an unconditional GAN elsewhere, or add a class",
		    input_name(o->train), d->classes[0]);
	if (!o->size)
		warn_converted(o->train, d->converted, d->w, d->h, d->c);
	struct arch a = { .channels = d->c, .height = d->h, .width = d->w, .classes = d->nclasses,
			  .width_mult = o->width_mult };
	snprintf(a.name, sizeof a.name, "%s-g", o->arch);
	char err[ERRLEN];
	size_t params;
	if (model_params(&a, &params, err))
		die("%s: %s", input_name(o->train), err);
	return a;
}

int main(int argc, char **argv)
{
	cli_init(argc, argv);
	/* lr_d 4 lr_g (the two time-scale rule of Heusel et al. 2017): on
	 * Fashion-MNIST, FID-cls 6.4 against 8.3 for 2e-4 both; 400 kimg: 3.6
	 * against 6.4 for 200, and samples the judge takes for their class
	 * more often (README) */
	struct options o = { .arch = "cgan", .width_mult = 1, .kimg = 400, .snap = 20, .fid_n = 1000,
			     .cfg = { .batch = 64, .lr_g = 1e-4f, .lr_d = 4e-4f, .beta1 = 0.5f,
				      .beta2 = 0.99f, .r1 = 0.1f, .ema = 10, .seed = 1 } };
	parse_options(argc, argv, &o);
	char *sheet = NULL;
	if (!o.sheet) {
		sheet = xmalloc(strlen(o.output) + 5);
		sprintf(sheet, "%s.png", o.output);
		o.sheet = sheet;
	}
	trainer_outputs_check(o.output, o.sheet, o.log, o.train, o.fid_model);
	nn_init(o.threads);
	struct run run = { .o = &o };
	struct arch a = load_data(&run, &o);
	recorded_options(&o, &a, run.options);
	gan_trainer_init(&run.tr, &o.cfg, &run.data);
	long images = 0;
	char err[ERRLEN];
	if (o.resume)
		images = resume(&run, &o, &a);
	else if (gan_trainer_build(&run.tr, &a, err))
		die("%s: %s", input_name(o.train), err);
	/* nothing would be done, and G not be what was asked for */
	if (images / o.cfg.batch > total_steps(&o))
		die("%s: has been trained on %.9g kimg, more than --kimg %.9g", o.output,
		    (double)images / 1000, o.kimg);
	if (o.fid_model)
		run.judge = judge_open(&run);
	FILE *log = log_open_or_die(o.log, (double)images / 1000);
	train(&run, images / o.cfg.batch, log);
	if (log && fclose(log))
		die("%s: %s", o.log, strerror(errno));
	judge_close(run.judge);
	free(sheet);
	gan_trainer_free(&run.tr);
	dataset_free(&run.data);
	return 0;
}

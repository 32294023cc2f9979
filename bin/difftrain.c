/* difftrain: train a class-conditional diffusion model on a manifest, as
 * guided-diffusion does (fixed variance, cosine schedule) but taught v by
 * default (Salimans & Ho 2022; ε on request), with the labels dropped at
 * times for classifier-free guidance. */
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
#include "learn/fid.h"
#include "learn/sample_diff.h"
#include "learn/train_diff.h"
#include "nn/ckpt.h"
#include "nn/model.h"

static const char usage[] =
	"Usage: difftrain -o D [OPTION]... TRAIN\n"
	"Train a class-conditional diffusion model (a UNet that denoises) on the\n"
	"images of a manifest (path<TAB>class lines) and write it to D (a\n"
	"simbal-checkpoint(5) that diffsample reads) every --snap kimg and at the\n"
	"end, with a contact sheet of samples.\n"
	"\n"
	"  -o, --output=D        the checkpoint (required)\n"
	"  -s, --size=N          resize the images to NxN (default: the first image's\n"
	"                        size; 8 to 64, a multiple of 4)\n"
	"      --width-mult=F    scale every width by F (default 1: base width 32)\n"
	"  -k, --kimg=N          thousands of images shown in all (default 300)\n"
	"  -b, --batch=N         images per step (default 64)\n"
	"      --lr=F            AdamW's learning rate (default 0.0002)\n"
	"      --warmup=KIMG     the rate rises linearly over so many kimg (default 5)\n"
	"      --weight-decay=F  AdamW's decoupled weight decay (default 0)\n"
	"      --ema=KIMG        half-life of the sampling weights' average\n"
	"                        (default 25)\n"
	"      --p-uncond=P      a label is dropped this often, so that the model is\n"
	"                        also unconditional (default 0.1; 1: unconditional)\n"
	"      --class-draw=HOW  how often a class is shown: natural, sqrt (as the\n"
	"                        square root of its count, the default) or balanced\n"
	"      --augment         images flipped left to right half the time\n"
	"      --schedule=NAME   the noise schedule: cosine (default) or linear\n"
	"      --diffusion-steps=T  the process's steps (default 1000)\n"
	"      --predict=WHAT    what the UNet is taught to answer: v, sqrt(abar) eps -\n"
	"                        sqrt(1-abar) x0 (the default), or eps, the noise\n"
	"      --snap=KIMG       checkpoint, sheet and log line this often\n"
	"                        (default 20)\n"
	"      --sheet=FILE      the contact sheet, a row a class (default D.png)\n"
	"      --log=FILE        a line a snapshot: kimg, loss, learning rate, seconds\n"
	"                        of training since the last (and FID-cls)\n"
	"      --fid-model=MODEL at every snapshot, FID-cls of samples against real\n"
	"                        images on the features of this classifier\n"
	"      --fid-n=N         images of each set for it (default 500)\n"
	"      --sample-steps=N  DDIM steps of the sheet's and FID-cls's samples\n"
	"                        (default 25)\n"
	"      --cfg=W           their classifier-free guidance (default 2)\n"
	"      --seed=N          seed of weights, draws and samples (default 1)\n"
	"      --resume          continue from D up to --kimg\n"
	"  -j, --threads=N       threads (default: every core)\n"
	"  -q, --quiet           no progress on a terminal\n"
	"      --max-pixels=N    refuse images larger than N pixels (default 2^28)\n"
	"  -h, --help            show this help and exit\n"
	"      --version         show the version and exit\n"
	"\n"
	"The same options and seed give the same D, bit for bit, whatever the thread\n"
	"count, also when resumed.  Exit status: 0 success, 1 bad data, 2 bad usage.\n";

enum {
	OPT_WIDTH = CLI_FIRST_LOCAL, OPT_LR, OPT_WARMUP, OPT_WD, OPT_EMA, OPT_P_UNCOND,
	OPT_DRAW, OPT_AUGMENT, OPT_SCHEDULE, OPT_DIFF_STEPS, OPT_PREDICT, OPT_SNAP, OPT_SHEET, OPT_LOG,
	OPT_FID_MODEL, OPT_FID_N, OPT_SAMPLE_STEPS, OPT_CFG, OPT_SEED, OPT_RESUME
};

struct options {
	const char *output, *train, *sheet, *log, *fid_model;
	int size, threads, fid_n, sample_steps;
	float width_mult;
	double kimg, snap, cfg_w;
	bool cfg_given;
	struct diff_config cfg;
	bool resume, quiet;
};

#define SHEET_COLUMNS 8

/* The sheet's and the judge's guidance as the model allows it, as
 * diffsample does: a model that never dropped a label has no
 * unconditional half (--cfg 1, the conditional model alone); one that
 * dropped every label knows no class (its samples unconditional, the
 * rows of the sheet alike). */
static void sample_guidance(struct options *o)
{
	float p = o->cfg.p_uncond;
	if (o->cfg_given && ((p <= 0 && o->cfg_w != 1) || p >= 1))
		die_usage("--cfg %g: a model of --p-uncond %g %s", o->cfg_w, p,
			  p >= 1 ? "samples no class" : "has no unconditional half: give --cfg 1");
	if (p <= 0)
		o->cfg_w = 1;
}

static void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "output", required_argument, 0, 'o' },
		{ "size", required_argument, 0, 's' },
		{ "width-mult", required_argument, 0, OPT_WIDTH },
		{ "kimg", required_argument, 0, 'k' },
		{ "batch", required_argument, 0, 'b' },
		{ "lr", required_argument, 0, OPT_LR },
		{ "warmup", required_argument, 0, OPT_WARMUP },
		{ "weight-decay", required_argument, 0, OPT_WD },
		{ "ema", required_argument, 0, OPT_EMA },
		{ "p-uncond", required_argument, 0, OPT_P_UNCOND },
		{ "class-draw", required_argument, 0, OPT_DRAW },
		{ "augment", no_argument, 0, OPT_AUGMENT },
		{ "schedule", required_argument, 0, OPT_SCHEDULE },
		{ "diffusion-steps", required_argument, 0, OPT_DIFF_STEPS },
		{ "predict", required_argument, 0, OPT_PREDICT },
		{ "snap", required_argument, 0, OPT_SNAP },
		{ "sheet", required_argument, 0, OPT_SHEET },
		{ "log", required_argument, 0, OPT_LOG },
		{ "fid-model", required_argument, 0, OPT_FID_MODEL },
		{ "fid-n", required_argument, 0, OPT_FID_N },
		{ "sample-steps", required_argument, 0, OPT_SAMPLE_STEPS },
		{ "cfg", required_argument, 0, OPT_CFG },
		{ "seed", required_argument, 0, OPT_SEED },
		{ "resume", no_argument, 0, OPT_RESUME },
		{ "threads", required_argument, 0, 'j' },
		{ "quiet", no_argument, 0, 'q' },
		{ "max-pixels", required_argument, 0, CLI_MAX_PIXELS },
		CLI_STD_LONGOPTS,
		{ 0, 0, 0, 0 },
	};
	struct diff_config *c = &o->cfg;
	int opt;
	while ((opt = getopt_long(argc, argv, "o:s:k:b:j:qh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o': o->output = optarg; break;
		case 's': o->size = (int)cli_long("--size", optarg, 8, 64); break;
		case OPT_WIDTH: o->width_mult = (float)cli_double("--width-mult", optarg, 1e-3, 64); break;
		case 'k': o->kimg = cli_double("--kimg", optarg, 1e-3, 1e9); break;
		case 'b': c->batch = (int)cli_long("--batch", optarg, 1, 65536); break;
		case OPT_LR: c->lr = (float)cli_double("--lr", optarg, 0, 10); break;
		case OPT_WARMUP: c->warmup = cli_double("--warmup", optarg, 0, 1e9); break;
		case OPT_WD: c->weight_decay = (float)cli_double("--weight-decay", optarg, 0, 10); break;
		case OPT_EMA: c->ema = (float)cli_double("--ema", optarg, 0, 1e9); break;
		case OPT_P_UNCOND: c->p_uncond = (float)cli_double("--p-uncond", optarg, 0, 1); break;
		case OPT_DRAW:
			c->draw = (enum class_draw)cli_choice("--class-draw", optarg, class_draw_names,
							 CLASS_DRAWS);
			break;
		case OPT_AUGMENT: c->augment = true; break;
		case OPT_SCHEDULE:
			c->schedule = (enum beta_schedule)cli_choice("--schedule", optarg,
								beta_schedule_names, BETA_SCHEDULES);
			break;
		case OPT_DIFF_STEPS: c->timesteps = (int)cli_long("--diffusion-steps", optarg, 2, 100000); break;
		case OPT_PREDICT:
			c->predict = (enum diff_target)cli_choice("--predict", optarg, diff_target_names,
								 DIFF_TARGETS);
			break;
		case OPT_SNAP: o->snap = cli_double("--snap", optarg, 1e-3, 1e9); break;
		case OPT_SHEET: o->sheet = optarg; break;
		case OPT_LOG: o->log = optarg; break;
		case OPT_FID_MODEL: o->fid_model = optarg; break;
		case OPT_FID_N: o->fid_n = (int)cli_long("--fid-n", optarg, 2, 1000000); break;
		case OPT_SAMPLE_STEPS: o->sample_steps = (int)cli_long("--sample-steps", optarg, 2, 100000); break;
		case OPT_CFG:
			o->cfg_w = cli_double("--cfg", optarg, 0, 1000);
			o->cfg_given = true;
			break;
		case OPT_SEED: c->seed = (unsigned long)cli_long("--seed", optarg, 0, 4294967295L); break;
		case OPT_RESUME: o->resume = true; break;
		case 'j': o->threads = (int)cli_long("--threads", optarg, 1, 1024); break;
		case 'q': o->quiet = true; break;
		default:
			if (!cli_std_option(opt, usage))
				die_usage("unhandled option");
		}
	}
	if (!o->output)
		die_usage("-o D is required");
	if (optind + 1 != argc)
		die_usage("expected one TRAIN manifest, got %d", argc - optind);
	o->train = argv[optind];
	if (o->size && o->size % 4)
		die_usage("--size: %d is not a multiple of 4 (the UNet halves it twice)", o->size);
	if (o->sample_steps > c->timesteps)
		die_usage("--sample-steps: %d, more than the process's %d steps", o->sample_steps,
			  c->timesteps);
	if (o->fid_model && !o->log)
		die_usage("--fid-model needs --log, where FID-cls goes");
	sample_guidance(o);
}

/* The options that make the model (of images of a's size), recorded in
 * its checkpoints: a run is resumed only with the same (--kimg may grow;
 * --snap, --sheet, --log and those of the samples may change). */
#define RECORDED 16

static void recorded_options(struct options *o, struct arch *a, struct field *f)
{
	struct diff_config *c = &o->cfg;
	struct field t[RECORDED] = {
		FIELD("--size", FIELD_INT, &a->height),
		FIELD("--width-mult", FIELD_FLOAT, &o->width_mult),
		FIELD("--batch", FIELD_INT, &c->batch),
		FIELD("--lr", FIELD_FLOAT, &c->lr),
		FIELD("--warmup", FIELD_DOUBLE, &c->warmup),
		FIELD("--weight-decay", FIELD_FLOAT, &c->weight_decay),
		FIELD("--beta1", FIELD_FLOAT, &c->beta1),
		FIELD("--beta2", FIELD_FLOAT, &c->beta2),
		FIELD("--ema", FIELD_FLOAT, &c->ema),
		FIELD("--p-uncond", FIELD_FLOAT, &c->p_uncond),
		FIELD_NAMED("--class-draw", &c->draw, class_draw_names, CLASS_DRAWS),
		FIELD("--augment", FIELD_BOOL, &c->augment),
		FIELD_NAMED("--schedule", &c->schedule, beta_schedule_names, BETA_SCHEDULES),
		FIELD("--diffusion-steps", FIELD_INT, &c->timesteps),
		FIELD_NAMED("--predict", &c->predict, diff_target_names, DIFF_TARGETS),
		FIELD("--seed", FIELD_ULONG, &c->seed),
	};
	memcpy(f, t, sizeof t);
}

/* FID-cls at the snapshots: a classifier's features of --fid-n real
 * images of the set, and the classes of as many samples, the same at
 * every snapshot. */
struct judge {
	struct model m;
	struct ckpt_meta meta;
	struct norm nm;
	struct features real;
	int *labels;
};

/* A run: its data, the training, the sampler's settings and the judge. */
struct run {
	const struct options *o;
	struct dataset data;
	struct diff_trainer tr;
	struct field options[RECORDED]; /* recorded_options */
	struct diff_settings samples;   /* the sheet's and the judge's */
	struct judge *judge;            /* --fid-model, or NULL */
};

/* The sums of a snapshot's interval, for its log line. */
struct tally {
	double loss;
	long steps;
	double start;
};

/* Images a batch of the sampler and of the judge's classifier.  The
 * average's buffers for a batch (twice as many images under guidance)
 * stay beside the training's: at 64 they added 0.2 GB to the peak, at
 * 16 0.05 GB, and the samples are the same bytes. */
#define SAMPLE_BATCH 16

/* n samples of the sampling weights, of classes labels: the k-th of a
 * class from its noise stream k, as diffsample draws them. */
static void sample(struct run *run, const int *labels, int n, uint8_t *px)
{
	struct diff_trainer *t = &run->tr;
	struct diff_process p = { run->o->cfg.schedule, run->o->cfg.timesteps };
	struct diff_sampler s;
	char err[ERRLEN];
	if (diff_sampler_init(&s, &t->ema, NULL, &p, &run->samples, err))
		die("%s", err);
	uint64_t *index = xmalloc((size_t)n * sizeof *index);
	long *drawn = xcalloc((size_t)t->ema.arch.classes + 1, sizeof *drawn);
	for (int i = 0; i < n; i++)
		index[i] = diff_noise_stream(labels[i], drawn[labels[i]]++);
	for (int at = 0; at < n; at += SAMPLE_BATCH) {
		int nb = n - at < SAMPLE_BATCH ? n - at : SAMPLE_BATCH;
		diff_sample(&s, labels + at, index + at, nb, px + (size_t)at * t->b.size);
	}
	free(index), free(drawn);
	diff_sampler_free(&s);
}

/* Rows of SHEET_COLUMNS samples of each class under its name, the same
 * noise at every snapshot: diffsample -c CLASS -n SHEET_COLUMNS's. */
static void write_sheet(struct run *run, const char *path)
{
	const struct arch *a = &run->tr.ema.arch;
	int n = a->classes * SHEET_COLUMNS;
	int *labels = xmalloc((size_t)n * sizeof *labels);
	uint8_t *px = xmalloc((size_t)n * run->tr.b.size);
	for (int i = 0; i < n; i++)
		labels[i] = i / SHEET_COLUMNS;
	sample(run, labels, n, px);
	samples_sheet_or_die(path, px, n, SHEET_COLUMNS, a->channels, a->height, a->width,
			     run->data.classes);
	free(labels), free(px);
}

static struct judge *judge_open(const struct run *run)
{
	const struct options *o = run->o;
	const struct dataset *d = &run->data;
	struct judge *j = xcalloc(1, sizeof *j);
	classifier_load(o->fid_model, &j->m, NULL, &j->meta, &j->nm);
	const struct arch *c = &j->m.arch;
	if (c->channels != d->c || c->height != d->h || c->width != d->w)
		die("%s: a classifier of %dx%d images of %d channels, not of the training set's %dx%d of %d",
		    o->fid_model, c->width, c->height, c->channels, d->w, d->h, d->c);
	struct rng r;
	rng_seed(&r, o->cfg.seed, DIFF_STREAM_FID_REAL);
	size_t size = run->tr.b.size;
	uint8_t *px = xmalloc((size_t)o->fid_n * size);
	for (int i = 0; i < o->fid_n; i++)
		memcpy(px + (size_t)i * size, d->px + (size_t)rng_below(&r, (uint32_t)d->n) * size,
		       size);
	int dim;
	model_features(&j->m, &dim);
	features_init(&j->real, dim);
	classify_features(&j->m, &j->nm, px, o->fid_n, SAMPLE_BATCH, &j->real);
	free(px);
	rng_seed(&r, o->cfg.seed, DIFF_STREAM_FID_FAKE);
	j->labels = xmalloc((size_t)o->fid_n * sizeof *j->labels);
	for (int i = 0; i < o->fid_n; i++)
		j->labels[i] = d->label[rng_below(&r, (uint32_t)d->n)];
	return j;
}

static double judge_fid(struct run *run)
{
	struct judge *j = run->judge;
	int n = run->o->fid_n;
	uint8_t *px = xmalloc((size_t)n * run->tr.b.size);
	sample(run, j->labels, n, px);
	struct features fake;
	features_init(&fake, j->real.dim);
	classify_features(&j->m, &j->nm, px, n, SAMPLE_BATCH, &fake);
	bool offset;
	double fid;
	char err[ERRLEN];
	if (fid_distance(&j->real, &fake, 1e-6, &offset, &fid, err))
		die("%s", err);
	features_free(&fake);
	free(px);
	return fid;
}

static void judge_close(struct judge *j)
{
	if (!j)
		return;
	features_free(&j->real);
	free(j->labels);
	ckpt_meta_free(&j->meta);
	model_free(&j->m);
	free(j);
}

/* A snapshot is written only of finite weights. */
static void check_finite(const struct run *run, double kimg)
{
	const struct diff_trainer *t = &run->tr;
	const struct model *m[] = { &t->m, &t->ema };
	for (int i = 0; i < 2; i++)
		for (size_t j = 0; j < m[i]->size; j++)
			if (!isfinite(m[i]->p[j]))
				die("a weight is %g at kimg %.3f: %s keeps its last snapshot",
				    m[i]->p[j], kimg, run->o->output);
}

/* The checkpoint's parts: the sampling weights, then the trained model
 * with its optimizer. */
#define RUN_PARTS(t) { { "", &(t)->ema, NULL }, { "M.", &(t)->m, &(t)->opt } }

static void save(struct run *run, long images)
{
	struct ckpt_meta meta = { .classes = run->data.classes, .step = images };
	options_record(&meta.fields, run->options, RECORDED);
	struct ckpt_part parts[] = RUN_PARTS(&run->tr);
	ckpt_save_parts_or_die(run->o->output, parts, 2, &meta);
	fields_free(&meta.fields);
}

static void log_line(struct run *run, FILE *log, double kimg, float lr, struct tally *s)
{
	const char *path = run->o->log;
	double seconds = progress_now() - s->start;
	if (log && fprintf(log, "%.3f\t%.6f\t%.6g\t%.2f", kimg, s->loss / (double)s->steps, lr,
			   seconds) < 0)
		die("%s: %s", path, strerror(errno));
	if (log && run->judge && fprintf(log, "\t%.4f", judge_fid(run)) < 0)
		die("%s: %s", path, strerror(errno));
	if (log && (fputc('\n', log) == EOF || fflush(log)))
		die("%s: %s", path, strerror(errno));
}

static void progress(const struct options *o, long step, long total, const struct tally *s,
		     double rate)
{
	double kimg = (double)step * o->cfg.batch / 1000;
	double eta = rate > 0 ? (double)(total - step) * o->cfg.batch / rate : 0;
	fprintf(stderr, "\rdifftrain: kimg %.1f/%.1f  loss %.4f  %.0f images/s  ETA %d:%02d:%02d ",
		kimg, o->kimg, s->loss / (double)(s->steps ? s->steps : 1), rate, (int)(eta / 3600),
		(int)eta / 60 % 60, (int)eta % 60);
}

/* A resumed run must have the same options and data: the images it has
 * been trained on. */
static long resume(struct run *run, const struct arch *a)
{
	const struct options *o = run->o;
	struct diff_trainer *t = &run->tr;
	struct ckpt_meta meta;
	char err[ERRLEN];
	struct ckpt_part parts[] = RUN_PARTS(t);
	if (ckpt_load_parts(o->output, MODEL_DIFFUSION, parts, 2, &meta, err))
		die("%s", err);
	check_resumed_data(o->output, &t->ema.arch, meta.classes, &run->data, o->train);
	diff_target_fill(&meta.fields);
	options_check(&meta.fields, run->options, RECORDED);
	if (!arch_equal(&t->ema.arch, a) || !arch_equal(&t->m.arch, a))
		die("%s: its networks are not those of these options and images (--size, --width-mult, the classes)",
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
 * checkpoint (last: a run killed before it resumes from the one before). */
static void snapshot(struct run *run, long steps, FILE *log, struct tally *s)
{
	const struct options *o = run->o;
	double done = (double)steps * o->cfg.batch / 1000;
	check_finite(run, done);
	log_line(run, log, done, diff_rate(&o->cfg, steps - 1), s);
	write_sheet(run, o->sheet);
	save(run, steps * (long)o->cfg.batch);
	/* the next line's seconds are of training alone */
	*s = (struct tally){ .start = progress_now() };
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
		double loss = diff_train_step(&run->tr, step);
		if (!isfinite(loss))
			die("the loss is %g at kimg %.3f: %s keeps its last snapshot", loss,
			    (double)step * o->cfg.batch / 1000, o->output);
		s.loss += loss;
		s.steps++;
		if (show)
			progress(o, step + 1, total, &s,
				 (double)(step + 1 - first) * o->cfg.batch / (progress_now() - begin));
		if ((step + 1) % snap == 0 || step + 1 == total)
			snapshot(run, step + 1, log, &s);
	}
	if (show)
		fputc('\n', stderr);
}

/* The training set, and the UNet for it. */
static struct arch load_data(struct run *run, const struct options *o)
{
	struct dataset *d = &run->data;
	dataset_load_or_die(d, o->train, 0, o->size, o->size, NULL, 0);
	if (!o->size)
		warn_converted(o->train, d->converted, d->w, d->h, d->c);
	struct arch a = { .name = "unet", .channels = d->c, .height = d->h, .width = d->w,
			  .classes = d->nclasses, .width_mult = o->width_mult };
	char err[ERRLEN];
	size_t params;
	if (model_params(&a, &params, err))
		die("%s: %s", input_name(o->train), err);
	return a;
}

int main(int argc, char **argv)
{
	cli_init(argc, argv);
	struct options o = {
		.width_mult = 1, .kimg = 300, .snap = 20, .fid_n = 500, .sample_steps = 25,
		.cfg_w = 2,
		.cfg = { .batch = 64, .lr = 2e-4f, .warmup = 5, .beta1 = 0.9f, .beta2 = 0.999f,
			 .ema = 25, .p_uncond = 0.1f, .draw = DRAW_SQRT, .schedule = BETA_COSINE,
			 .timesteps = 1000, .predict = TARGET_V, .seed = 1 }
	};
	parse_options(argc, argv, &o);
	char *sheet = NULL;
	if (!o.sheet) {
		sheet = xmalloc(strlen(o.output) + 5);
		sprintf(sheet, "%s.png", o.output);
		o.sheet = sheet;
	}
	trainer_outputs_check(o.output, o.sheet, o.log, o.train, o.fid_model);
	nn_init(o.threads);
	struct run run = { .o = &o,
			   .samples = { .steps = o.sample_steps, .method = DIFF_DDIM,
					.cfg = o.cfg_w, .seed = o.cfg.seed,
					.predict = o.cfg.predict,
					.unconditional = o.cfg.p_uncond >= 1 } };
	struct arch a = load_data(&run, &o);
	recorded_options(&o, &a, run.options);
	char err[ERRLEN];
	if (diff_trainer_init(&run.tr, &o.cfg, &run.data, err))
		die("%s", err);
	long images = 0;
	if (o.resume)
		images = resume(&run, &a);
	else if (diff_trainer_build(&run.tr, &a, err))
		die("%s: %s", input_name(o.train), err);
	/* nothing would be done, and D not be what was asked for */
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
	diff_trainer_free(&run.tr);
	dataset_free(&run.data);
	return 0;
}

/* diffcls: train the noisy classifier of classifier guidance for a
 * diffusion model: p(y | x_t, t) on the images of a manifest diffused by
 * that model's own process (guided-diffusion's classifier_train). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/progress.h"
#include "cli/classifier.h"
#include "cli/cli.h"
#include "cli/learn.h"
#include "cli/outputs.h"
#include "cli/recorded.h"
#include "io/input.h"
#include "learn/noisy_cls.h"
#include "nn/ckpt.h"
#include "nn/model.h"

static const char usage[] =
	"Usage: diffcls -o C --diffusion D [OPTION]... TRAIN\n"
	"Train the noisy classifier of classifier guidance for the diffusion model D\n"
	"(difftrain's): the class of images of a manifest (path<TAB>class lines)\n"
	"diffused to steps drawn uniformly from D's process, at D's image size.\n"
	"Write it to C (a simbal-checkpoint(5) that diffsample --classifier reads)\n"
	"every --snap kimg and at the end.\n"
	"\n"
	"  -o, --output=C        the checkpoint (required)\n"
	"  -d, --diffusion=D     the diffusion model (required): its classes (those\n"
	"                        of TRAIN), image size, schedule and steps\n"
	"      --width-mult=F    scale every width by F (default 1: base width 32)\n"
	"  -k, --kimg=N          thousands of images shown in all (default 100)\n"
	"  -b, --batch=N         images per step (default 64)\n"
	"      --lr=F            AdamW's learning rate (default 0.0003)\n"
	"      --weight-decay=F  AdamW's decoupled weight decay (default 0.05)\n"
	"      --class-draw=HOW  how often a class is shown: natural, sqrt (as the\n"
	"                        square root of its count, the default) or balanced\n"
	"      --augment         images flipped left to right half the time\n"
	"      --snap=KIMG       checkpoint and log line this often (default 20)\n"
	"      --log=FILE        a line a snapshot: kimg, loss, accuracy, seconds\n"
	"      --seed=N          seed of weights and draws (default 1)\n"
	"      --resume          continue from C up to --kimg\n"
	"  -j, --threads=N       threads (default: every core)\n"
	"  -q, --quiet           no progress on a terminal\n"
	"      --max-pixels=N    refuse images larger than N pixels (default 2^28)\n"
	"  -h, --help            show this help and exit\n"
	"      --version         show the version and exit\n"
	"\n"
	"The same options, D and seed give the same C, bit for bit, whatever the\n"
	"thread count, also when resumed.  Exit status: 0 success, 1 bad data, 2 bad\n"
	"usage.\n";

enum {
	OPT_WIDTH = CLI_FIRST_LOCAL, OPT_LR, OPT_WD, OPT_DRAW, OPT_AUGMENT, OPT_SNAP, OPT_LOG,
	OPT_SEED, OPT_RESUME
};

struct options {
	const char *output, *diffusion, *train, *log;
	int threads;
	float width_mult;
	double kimg, snap;
	struct noisy_config cfg;
	bool resume, quiet;
};

static void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "output", required_argument, 0, 'o' },
		{ "diffusion", required_argument, 0, 'd' },
		{ "width-mult", required_argument, 0, OPT_WIDTH },
		{ "kimg", required_argument, 0, 'k' },
		{ "batch", required_argument, 0, 'b' },
		{ "lr", required_argument, 0, OPT_LR },
		{ "weight-decay", required_argument, 0, OPT_WD },
		{ "class-draw", required_argument, 0, OPT_DRAW },
		{ "augment", no_argument, 0, OPT_AUGMENT },
		{ "snap", required_argument, 0, OPT_SNAP },
		{ "log", required_argument, 0, OPT_LOG },
		{ "seed", required_argument, 0, OPT_SEED },
		{ "resume", no_argument, 0, OPT_RESUME },
		{ "threads", required_argument, 0, 'j' },
		{ "quiet", no_argument, 0, 'q' },
		{ "max-pixels", required_argument, 0, CLI_MAX_PIXELS },
		CLI_STD_LONGOPTS,
		{ 0, 0, 0, 0 },
	};
	struct noisy_config *c = &o->cfg;
	int opt;
	while ((opt = getopt_long(argc, argv, "o:d:k:b:j:qh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o': o->output = optarg; break;
		case 'd': o->diffusion = optarg; break;
		case OPT_WIDTH: o->width_mult = (float)cli_double("--width-mult", optarg, 1e-3, 64); break;
		case 'k': o->kimg = cli_double("--kimg", optarg, 1e-3, 1e9); break;
		case 'b': c->batch = (int)cli_long("--batch", optarg, 1, 65536); break;
		case OPT_LR: c->lr = (float)cli_double("--lr", optarg, 0, 10); break;
		case OPT_WD: c->weight_decay = (float)cli_double("--weight-decay", optarg, 0, 10); break;
		case OPT_DRAW:
			c->draw = (enum class_draw)cli_choice("--class-draw", optarg, class_draw_names,
							 CLASS_DRAWS);
			break;
		case OPT_AUGMENT: c->augment = true; break;
		case OPT_SNAP: o->snap = cli_double("--snap", optarg, 1e-3, 1e9); break;
		case OPT_LOG: o->log = optarg; break;
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
		die_usage("-o C is required");
	if (!o->diffusion)
		die_usage("--diffusion D is required");
	if (optind + 1 != argc)
		die_usage("expected one TRAIN manifest, got %d", argc - optind);
	o->train = argv[optind];
}

/* The options that make the classifier, recorded in its checkpoints,
 * with D's process (train.schedule, train.diffusion_steps, as difftrain
 * records them: the sampler checks C against D by them): a run is resumed
 * only with the same (--kimg may grow; --snap and --log may change). */
#define RECORDED 11

static void recorded_options(struct options *o, struct field *f)
{
	struct noisy_config *c = &o->cfg;
	struct field t[RECORDED] = {
		FIELD("--width-mult", FIELD_FLOAT, &o->width_mult),
		FIELD("--batch", FIELD_INT, &c->batch),
		FIELD("--lr", FIELD_FLOAT, &c->lr),
		FIELD("--weight-decay", FIELD_FLOAT, &c->weight_decay),
		FIELD("--beta1", FIELD_FLOAT, &c->beta1),
		FIELD("--beta2", FIELD_FLOAT, &c->beta2),
		FIELD_NAMED("--class-draw", &c->draw, class_draw_names, CLASS_DRAWS),
		FIELD("--augment", FIELD_BOOL, &c->augment),
		FIELD("--seed", FIELD_ULONG, &c->seed),
		FIELD_NAMED("--schedule", &c->process.schedule, beta_schedule_names, BETA_SCHEDULES),
		FIELD("--diffusion-steps", FIELD_INT, &c->process.timesteps),
	};
	memcpy(f, t, sizeof t);
}

/* A run: D, the data, the training. */
struct run {
	const struct options *o;
	struct model d;            /* D's sampling weights: its architecture */
	struct ckpt_meta dmeta;
	struct dataset data;
	struct noisy_trainer tr;
	struct field options[RECORDED]; /* recorded_options */
};

/* The sums of a snapshot's interval, for its log line. */
struct tally {
	double loss;
	long steps, correct;
	double start;
};

/* D, a difftrain checkpoint (its first part: the sampling weights), and
 * its process, into p. */
static void open_diffusion(struct run *run, struct diff_process *p)
{
	struct ckpt_part part = { "", &run->d, NULL };
	char err[ERRLEN];
	if (ckpt_load_parts(run->o->diffusion, MODEL_DIFFUSION, &part, 1, &run->dmeta, err) ||
	    diff_process_read(&run->dmeta.fields, p, err))
		die("%s", err);
}

/* TRAIN at D's image size, its classes D's. */
static void load_data(struct run *run)
{
	const struct options *o = run->o;
	const struct arch *a = &run->d.arch;
	dataset_load_or_die(&run->data, o->train, a->channels, a->height, a->width, NULL, 0);
	check_resumed_data(o->diffusion, a, run->dmeta.classes, &run->data, o->train);
}

static void save(struct run *run, long images)
{
	struct ckpt_meta meta = { .classes = run->data.classes, .step = images };
	options_record(&meta.fields, run->options, RECORDED);
	ckpt_save_or_die(run->o->output, &run->tr.m, &run->tr.opt, &meta);
	fields_free(&meta.fields);
}

/* A resumed run must fit D and have the same options and data. */
static long resume(struct run *run)
{
	const struct options *o = run->o;
	struct noisy_trainer *t = &run->tr;
	struct ckpt_meta meta;
	char err[ERRLEN];
	if (ckpt_load(o->output, MODEL_NOISY_CLASSIFIER, &t->m, &t->opt, &meta, err) ||
	    noisy_classifier_check(&t->m, &meta, &run->d, &run->dmeta, err))
		die("%s", err);
	check_resumed_data(o->output, &t->m.arch, meta.classes, &run->data, o->train);
	options_check(&meta.fields, run->options, RECORDED);
	long images = meta.step;
	ckpt_meta_free(&meta);
	return images;
}

static void log_line(const struct run *run, FILE *log, double kimg, struct tally *s)
{
	double seconds = progress_now() - s->start;
	if (log && (fprintf(log, "%.3f\t%.6f\t%.4f\t%.2f\n", kimg, s->loss / (double)s->steps,
			    (double)s->correct / ((double)s->steps * run->o->cfg.batch),
			    seconds) < 0 ||
		    fflush(log)))
		die("%s: %s", run->o->log, strerror(errno));
	*s = (struct tally){ .start = progress_now() };
}

static void progress(const struct options *o, long step, long total, const struct tally *s,
		     double rate)
{
	double kimg = (double)step * o->cfg.batch / 1000;
	double eta = rate > 0 ? (double)(total - step) * o->cfg.batch / rate : 0;
	fprintf(stderr, "\rdiffcls: kimg %.1f/%.1f  loss %.4f  %.0f images/s  ETA %d:%02d:%02d ",
		kimg, o->kimg, s->loss / (double)(s->steps ? s->steps : 1), rate, (int)(eta / 3600),
		(int)eta / 60 % 60, (int)eta % 60);
}

/* The steps of a whole run, of --batch images each. */
static long total_steps(const struct options *o)
{
	return (long)ceil(o->kimg * 1000 / o->cfg.batch);
}

/* Every --snap kimg and at the end: the log line, then the checkpoint
 * (last: a run killed before it resumes from the one before). */
static void snapshot(struct run *run, long steps, FILE *log, struct tally *s)
{
	const struct model *m = &run->tr.m;
	double done = (double)steps * run->o->cfg.batch / 1000;
	for (size_t j = 0; j < m->size; j++)
		if (!isfinite(m->p[j]))
			die("a weight is %g at kimg %.3f: %s keeps its last snapshot", m->p[j], done,
			    run->o->output);
	log_line(run, log, done, s);
	save(run, steps * (long)run->o->cfg.batch);
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
		struct noisy_step r = noisy_train_step(&run->tr, step);
		if (!isfinite(r.loss))
			die("the loss is %g at kimg %.3f: %s keeps its last snapshot", r.loss,
			    (double)step * o->cfg.batch / 1000, o->output);
		s.loss += r.loss;
		s.correct += r.correct;
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

/* Outputs that cannot be written are refused before the training. */
static void check_outputs(const struct options *o)
{
	afile_check("--output", o->output);
	if (o->log)
		afile_check("--log", o->log);
	files_distinct((struct named_file[]){ { "--output", o->output, true },
					      { "--log", o->log, true },
					      { "TRAIN", o->train, false },
					      { "--diffusion", o->diffusion, false } },
		       4);
}

int main(int argc, char **argv)
{
	cli_init(argc, argv);
	struct options o = {
		.width_mult = 1, .kimg = 100, .snap = 20,
		.cfg = { .batch = 64, .lr = 3e-4f, .beta1 = 0.9f, .beta2 = 0.999f,
			 .weight_decay = 0.05f, .draw = DRAW_SQRT, .seed = 1 }
	};
	parse_options(argc, argv, &o);
	check_outputs(&o);
	nn_init(o.threads);
	struct run run = { .o = &o };
	open_diffusion(&run, &o.cfg.process);
	load_data(&run);
	recorded_options(&o, run.options);
	char err[ERRLEN];
	if (noisy_trainer_init(&run.tr, &o.cfg, &run.data, err))
		die("%s", err);
	long images = 0;
	if (o.resume)
		images = resume(&run);
	else if (noisy_trainer_build(&run.tr, o.width_mult, err))
		die("%s: %s", input_name(o.train), err);
	/* nothing would be done, and C not be what was asked for */
	if (images / o.cfg.batch > total_steps(&o))
		die("%s: has been trained on %.9g kimg, more than --kimg %.9g", o.output,
		    (double)images / 1000, o.kimg);
	FILE *log = log_open_or_die(o.log, (double)images / 1000);
	train(&run, images / o.cfg.batch, log);
	if (log && fclose(log))
		die("%s: %s", o.log, strerror(errno));
	noisy_trainer_free(&run.tr);
	dataset_free(&run.data);
	ckpt_meta_free(&run.dmeta);
	model_free(&run.d);
	return 0;
}

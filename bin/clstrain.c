/* clstrain: train a classifier on a manifest. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/mem.h"
#include "base/progress.h"
#include "cli/classifier.h"
#include "cli/cli.h"
#include "cli/learn.h"
#include "cli/outputs.h"
#include "cli/recorded.h"
#include "io/input.h"
#include "learn/classify.h"
#include "learn/dataset.h"
#include "learn/train_cls.h"
#include "metric/scores.h"
#include "nn/ckpt.h"
#include "nn/model.h"
#include "nn/optim.h"

static const char usage[] =
	"Usage: clstrain -o MODEL [OPTION]... TRAIN\n"
	"Train a classifier on the images of a manifest (path<TAB>class lines) and\n"
	"write it to MODEL after every epoch (a simbal-checkpoint(5)).\n"
	"\n"
	"  -o, --output=MODEL    the model (required)\n"
	"  -a, --arch=NAME       resnet20 (default), resnet32, resnet56, resnet18\n"
	"      --width-mult=F    scale every width by F (default 1)\n"
	"  -s, --size=WxH        resize the images (default: the first image's size)\n"
	"  -e, --epochs=N        epochs (default 15)\n"
	"      --steps=N         N steps instead, whatever the set's size: the\n"
	"                        schedule spans them, the last epoch ends there\n"
	"  -b, --batch=N         images per step (default 128)\n"
	"      --lr=F            learning rate (default 0.1; 0.001 for adam, adamw)\n"
	"      --schedule=S      cosine (default), step, constant\n"
	"      --warmup=E        epochs of linear warm-up (default 0)\n"
	"      --step-every=E    step schedule: epochs between decays (default 30)\n"
	"      --gamma=G         step schedule: the decay (default 0.1)\n"
	"      --optimizer=O     sgd (default), adam, adamw\n"
	"      --momentum=M      SGD's momentum (default 0.9)\n"
	"      --nesterov        Nesterov's momentum\n"
	"      --wd=F            weight decay of conv and linear weights (default 5e-4)\n"
	"      --loss=L          ce (cross-entropy, default), cb (class-balanced) or\n"
	"                        la (logit-adjusted)\n"
	"      --beta=B          cb: (1 - B) / (1 - B^n) per class (default 0.9999)\n"
	"      --tau=T           la: T ln(prior) added to each class's logit (default 1)\n"
	"      --oversample      draw more images of the smaller classes, up to the\n"
	"                        largest, in every epoch\n"
	"      --augment         random crop (padding 4) and horizontal flip\n"
	"      --seed=N          seed of weights, order and augmentation (default 1)\n"
	"      --val=VAL         a validation manifest, scored after every epoch\n"
	"      --best=FILE       keep the model of best validation top-1 in FILE\n"
	"      --log=FILE        one line per epoch: epoch, loss, train top-1,\n"
	"                        val top-1, val balanced accuracy, seconds\n"
	"      --resume          continue from MODEL up to --epochs (or --steps)\n"
	"  -j, --threads=N       threads (default: every core)\n"
	"  -q, --quiet           no progress on a terminal\n"
	"      --max-pixels=N    refuse images larger than N pixels (default 2^28)\n"
	"  -h, --help            show this help and exit\n"
	"      --version         show the version and exit\n"
	"\n"
	"The same options and seed give the same model, bit for bit, whatever the\n"
	"thread count, also when resumed.  Exit status: 0 success, 1 bad data, 2 bad usage.\n";

enum {
	OPT_WIDTH = CLI_FIRST_LOCAL, OPT_LR, OPT_SCHEDULE, OPT_WARMUP, OPT_STEP_EVERY, OPT_GAMMA,
	OPT_OPTIMIZER, OPT_MOMENTUM, OPT_NESTEROV, OPT_WD, OPT_LOSS, OPT_BETA, OPT_TAU, OPT_OVERSAMPLE,
	OPT_AUGMENT, OPT_SEED, OPT_VAL, OPT_BEST, OPT_LOG, OPT_RESUME, OPT_STEPS
};

enum loss_kind { LOSS_CE, LOSS_CB, LOSS_LA, LOSS_KINDS };
static const char *const loss_names[LOSS_KINDS] = { [LOSS_CE] = "ce", [LOSS_CB] = "cb",
						    [LOSS_LA] = "la" };

struct options {
	const char *output, *train, *val, *best, *log;
	struct arch arch;
	int w, h, threads;
	char size[32];   /* the images' WxH, given or the first image's */
	int loss;        /* enum loss_kind */
	struct cls_config cfg;
	struct optim optim;
	bool resume, quiet;
};

/* The options that make the model, recorded in its checkpoints: a run is
 * resumed only with the same (--epochs may grow; --val, --best and --log
 * may change). */
#define RECORDED 19

static void recorded_options(struct options *o, struct field *f)
{
	struct cls_config *c = &o->cfg;
	struct optim *op = &o->optim;
	struct field t[RECORDED] = {
		FIELD_TEXT("--arch", o->arch.name),
		FIELD("--width-mult", FIELD_FLOAT, &o->arch.width_mult),
		FIELD_TEXT("--size", o->size),
		FIELD("--batch", FIELD_INT, &c->batch),
		FIELD("--lr", FIELD_FLOAT, &c->lr),
		FIELD_NAMED("--schedule", &c->schedule, schedule_names, SCHEDULE_KINDS),
		FIELD("--warmup", FIELD_FLOAT, &c->warmup),
		FIELD("--step-every", FIELD_FLOAT, &c->step_every),
		FIELD("--gamma", FIELD_FLOAT, &c->gamma),
		FIELD_NAMED("--optimizer", &op->kind, optim_names, OPTIM_KINDS),
		FIELD("--momentum", FIELD_FLOAT, &op->momentum),
		FIELD("--nesterov", FIELD_BOOL, &op->nesterov),
		FIELD("--wd", FIELD_FLOAT, &op->weight_decay),
		FIELD_NAMED("--loss", &o->loss, loss_names, LOSS_KINDS),
		FIELD("--beta", FIELD_FLOAT, &c->beta),
		FIELD("--tau", FIELD_FLOAT, &c->tau),
		FIELD("--oversample", FIELD_BOOL, &c->oversample),
		FIELD("--augment", FIELD_BOOL, &c->augment),
		FIELD("--seed", FIELD_ULONG, &c->seed),
	};
	memcpy(f, t, sizeof t);
}

static void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "output", required_argument, 0, 'o' },
		{ "arch", required_argument, 0, 'a' },
		{ "width-mult", required_argument, 0, OPT_WIDTH },
		{ "size", required_argument, 0, 's' },
		{ "epochs", required_argument, 0, 'e' },
		{ "steps", required_argument, 0, OPT_STEPS },
		{ "batch", required_argument, 0, 'b' },
		{ "lr", required_argument, 0, OPT_LR },
		{ "schedule", required_argument, 0, OPT_SCHEDULE },
		{ "warmup", required_argument, 0, OPT_WARMUP },
		{ "step-every", required_argument, 0, OPT_STEP_EVERY },
		{ "gamma", required_argument, 0, OPT_GAMMA },
		{ "optimizer", required_argument, 0, OPT_OPTIMIZER },
		{ "momentum", required_argument, 0, OPT_MOMENTUM },
		{ "nesterov", no_argument, 0, OPT_NESTEROV },
		{ "wd", required_argument, 0, OPT_WD },
		{ "loss", required_argument, 0, OPT_LOSS },
		{ "beta", required_argument, 0, OPT_BETA },
		{ "tau", required_argument, 0, OPT_TAU },
		{ "oversample", no_argument, 0, OPT_OVERSAMPLE },
		{ "augment", no_argument, 0, OPT_AUGMENT },
		{ "seed", required_argument, 0, OPT_SEED },
		{ "val", required_argument, 0, OPT_VAL },
		{ "best", required_argument, 0, OPT_BEST },
		{ "log", required_argument, 0, OPT_LOG },
		{ "resume", no_argument, 0, OPT_RESUME },
		{ "threads", required_argument, 0, 'j' },
		{ "quiet", no_argument, 0, 'q' },
		{ "max-pixels", required_argument, 0, CLI_MAX_PIXELS },
		CLI_STD_LONGOPTS,
		{ 0, 0, 0, 0 },
	};
	bool lr_given = false, epochs_given = false;
	int opt;
	while ((opt = getopt_long(argc, argv, "o:a:s:e:b:j:qh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o': o->output = optarg; break;
		case 'a':
			if (strlen(optarg) >= sizeof o->arch.name || !model_known(optarg) ||
			    model_kind(optarg) != MODEL_CLASSIFIER)
				die_usage("--arch: unknown architecture '%s' (resnet20, resnet32, "
					  "resnet56, resnet18)", optarg);
			strcpy(o->arch.name, optarg);
			break;
		case OPT_WIDTH: o->arch.width_mult = (float)cli_double("--width-mult", optarg, 1e-3, 64); break;
		case 's': cli_size("--size", optarg, &o->w, &o->h); break;
		case 'e':
			o->cfg.epochs = (int)cli_long("--epochs", optarg, 1, 1000000);
			epochs_given = true;
			break;
		case OPT_STEPS: o->cfg.steps = cli_long("--steps", optarg, 1, 1000000000L); break;
		case 'b': o->cfg.batch = (int)cli_long("--batch", optarg, 1, 65536); break;
		case OPT_LR: o->cfg.lr = (float)cli_double("--lr", optarg, 1e-9, 100); lr_given = true; break;
		case OPT_SCHEDULE: o->cfg.schedule = (enum schedule_kind)cli_choice("--schedule", optarg, schedule_names, SCHEDULE_KINDS); break;
		case OPT_WARMUP: o->cfg.warmup = (float)cli_double("--warmup", optarg, 0, 1e6); break;
		case OPT_STEP_EVERY: o->cfg.step_every = (float)cli_double("--step-every", optarg, 1e-3, 1e6); break;
		case OPT_GAMMA: o->cfg.gamma = (float)cli_double("--gamma", optarg, 0, 1); break;
		case OPT_OPTIMIZER: o->optim.kind = (enum optim_kind)cli_choice("--optimizer", optarg, optim_names, OPTIM_KINDS); break;
		case OPT_MOMENTUM: o->optim.momentum = (float)cli_double("--momentum", optarg, 0, 0.9999); break;
		case OPT_NESTEROV: o->optim.nesterov = true; break;
		case OPT_WD: o->optim.weight_decay = (float)cli_double("--wd", optarg, 0, 1); break;
		case OPT_LOSS: o->loss = cli_choice("--loss", optarg, loss_names, LOSS_KINDS); break;
		case OPT_BETA: o->cfg.beta = (float)cli_double("--beta", optarg, 0, 0.999999); break;
		case OPT_TAU: o->cfg.tau = (float)cli_double("--tau", optarg, 0, 100); break;
		case OPT_OVERSAMPLE: o->cfg.oversample = true; break;
		case OPT_AUGMENT: o->cfg.augment = true; break;
		case OPT_SEED: o->cfg.seed = (unsigned long)cli_u64("--seed", optarg); break;
		case OPT_VAL: o->val = optarg; break;
		case OPT_BEST: o->best = optarg; break;
		case OPT_LOG: o->log = optarg; break;
		case OPT_RESUME: o->resume = true; break;
		case 'j': o->threads = (int)cli_long("--threads", optarg, 1, 1024); break;
		case 'q': o->quiet = true; break;
		default:
			if (!cli_std_option(opt, usage))
				die_usage("unhandled option");
		}
	}
	if (!o->output)
		die_usage("-o MODEL is required");
	if (optind + 1 != argc)
		die_usage("expected one TRAIN manifest, got %d", argc - optind);
	o->train = argv[optind];
	if (o->val && !strcmp(o->val, "-") && !strcmp(o->train, "-"))
		die_usage("--val and TRAIN cannot both be the standard input");
	if (o->best && !o->val)
		die_usage("--best needs --val");
	if (epochs_given && o->cfg.steps)
		die_usage("--epochs and --steps both say how long: give one");
	o->cfg.cb = o->loss == LOSS_CB;
	o->cfg.la = o->loss == LOSS_LA;
	if (!lr_given && o->optim.kind != OPTIM_SGD)
		o->cfg.lr = 0.001f;
	if (o->w && (o->w < 8 || o->h < 8))
		die_usage("--size: the networks take images of 8x8 or more");
	if (o->optim.nesterov && (o->optim.kind != OPTIM_SGD || o->optim.momentum == 0))
		die_usage("--nesterov needs SGD with momentum");
}

/* A run: its data, its model and optimizer (built, or resumed from
 * MODEL), the training, and what the checkpoints' headers keep. */
struct run {
	const struct options *o;
	struct dataset train, val;
	struct model m;
	struct optim optim;
	struct norm nm;
	struct cls_trainer tr;
	struct field options[RECORDED]; /* recorded_options */
	double best_top1;  /* of the epochs so far (-1: none) */
};

/* The progress of an epoch on a terminal. */
struct shown {
	const struct run *run;
	int epoch;
	double start;
};

static void progress_line(void *ctx, long step, double loss, long seen)
{
	const struct shown *s = ctx;
	const struct run *r = s->run;
	int epochs = r->o->cfg.epochs;
	long steps = r->tr.steps_per_epoch;
	double rate = (double)seen / (progress_now() - s->start);
	long left = (epochs - s->epoch) * steps - step;
	double eta = rate > 0 ? (double)left * r->o->cfg.batch / rate : 0;
	fprintf(stderr, "\rclstrain: epoch %d/%d  step %ld/%ld  loss %.4f  %.0f images/s  ETA %d:%02d ",
		s->epoch + 1, epochs, step, steps, loss, rate, (int)(eta / 60), (int)eta % 60);
}

/* Epoch epoch's training and how long it took. */
static double run_epoch(struct run *r, int epoch, struct cls_epoch_stats *st)
{
	bool show = !r->o->quiet && isatty(2);
	struct shown s = { .run = r, .epoch = epoch, .start = progress_now() };
	cls_epoch(&r->tr, epoch, st, show ? progress_line : NULL, &s);
	if (show)
		fputc('\n', stderr);
	return progress_now() - s.start;
}

/* Stops the run at a loss that is not a number, whose model is not kept. */
static void check_loss(const struct run *r, int epoch, const struct cls_epoch_stats *st)
{
	if (st->bad_step && epoch == 0)
		die("loss is %g at epoch 1, step %d: no model was written", st->loss, st->bad_step);
	if (st->bad_step)
		die("loss is %g at epoch %d, step %d: %s keeps the model of epoch %d", st->loss,
		    epoch + 1, st->bad_step, r->o->output, epoch);
}

/* The best validation top-1 so far, as the checkpoint keeps it: every
 * digit of the double, which a resumed run compares the next epochs'
 * top-1 against. */
#define BEST_TOP1(v) FIELD("best_top1", FIELD_DOUBLE, v)

/* The checkpoint: the model, with the optimizer's state for resuming;
 * its header keeps the options, the normalisation, the training images
 * of each class (for clsprob and clseval --adjust), and the best
 * validation top-1 so far. */
static void save(const struct run *r, const char *path, int epoch, bool with_optim)
{
	long step = (long)epoch * r->tr.steps_per_epoch;
	if (r->o->cfg.steps && step > r->o->cfg.steps)
		step = r->o->cfg.steps;
	struct ckpt_meta meta = { .classes = r->train.classes, .epoch = epoch, .step = step };
	double best = r->best_top1;
	options_record(&meta.fields, r->options, RECORDED);
	norm_record(&r->nm, r->train.c, &meta.fields);
	double *counts = cls_class_counts(&r->train);
	class_counts_record(counts, r->train.nclasses, &meta.fields);
	free(counts);
	fields_put(&meta.fields, &BEST_TOP1(&best));
	ckpt_save_or_die(path, &r->m, with_optim ? &r->optim : NULL, &meta);
	fields_free(&meta.fields);
}

static void log_epoch(struct run *r, FILE *log, int epoch, const struct cls_epoch_stats *st,
		      double seconds)
{
	double val_top1 = NAN, val_bal = NAN;
	if (r->o->val) {
		float *prob = xmalloc((size_t)r->val.n * r->val.nclasses * sizeof *prob);
		predict(&r->m, &r->val, &r->nm, r->o->cfg.batch, prob);
		struct scores s;
		score(r->val.label, prob, r->val.n, r->val.nclasses, &s);
		val_top1 = s.top1;
		val_bal = s.balanced;
		scores_free(&s);
		free(prob);
	}
	/* The line first: a run killed before the model is saved resumes from
	 * the epoch before, and the resumed run drops the line again. */
	if (log && (fprintf(log, "%d\t%.6f\t%.6f\t%.6f\t%.6f\t%.2f\n", epoch + 1, st->loss,
			    (double)st->right / (double)st->seen, val_top1, val_bal, seconds) < 0 ||
		    fflush(log)))
		die("%s: %s", r->o->log, strerror(errno));
	if (r->o->best && val_top1 > r->best_top1) {
		r->best_top1 = val_top1;
		save(r, r->o->best, epoch + 1, false);
	}
	save(r, r->o->output, epoch + 1, true);
}

/* Outputs that cannot be written are refused before the training. */
static void check_outputs(const struct options *o)
{
	afile_check("--output", o->output);
	if (o->best)
		afile_check("--best", o->best);
	if (o->log)
		afile_check("--log", o->log);
	files_distinct((struct named_file[]){ { "--output", o->output, true },
					      { "--best", o->best, true },
					      { "--log", o->log, true },
					      { "TRAIN", o->train, false },
					      { "--val", o->val, false } },
		       5);
}

/* The training set (its shape and classes into o->arch) and the
 * validation set. */
static void load_data(struct run *r, struct options *o)
{
	dataset_load_or_die(&r->train, o->train, 0, o->h, o->w, NULL, 0);
	if (r->train.nclasses < 2)
		die("%s: one class only (%s): nothing to tell apart", input_name(o->train),
		    r->train.classes[0]);
	/* Sizes the user asked for are no surprise. */
	if (!o->w)
		warn_converted(o->train, r->train.converted, r->train.w, r->train.h, r->train.c);
	o->arch.channels = r->train.c;
	o->arch.height = r->train.h;
	o->arch.width = r->train.w;
	o->arch.classes = r->train.nclasses;
	snprintf(o->size, sizeof o->size, "%dx%d", r->train.w, r->train.h);
	if (!o->val)
		return;
	dataset_load_or_die(&r->val, o->val, r->train.c, r->train.h, r->train.w, r->train.classes,
			    r->train.nclasses);
	if (r->val.unknown)
		warn("%s: %ld images of classes the training set lacks: not scored", o->val,
		     r->val.unknown);
}

/* A run resumed after done epochs, step steps, goes on to the length
 * asked for, or is refused: one past it (MODEL would not be what was asked
 * for), or one of --steps that ended part-way through an epoch and is not
 * done (it would go on from the next epoch, the rest of its last never
 * trained). */
static void check_length(const struct options *o, const struct dataset *train, int done,
			 long step)
{
	long per_epoch = cls_steps_per_epoch(&o->cfg, train);
	long target = o->cfg.steps ? o->cfg.steps : (long)o->cfg.epochs * per_epoch;
	if (step > target && o->cfg.steps)
		die("%s: has done %ld steps, more than --steps %ld", o->output, step, o->cfg.steps);
	if (step > target)
		die("%s: has done %d epochs, more than --epochs %d", o->output, done, o->cfg.epochs);
	if (step < (long)done * per_epoch && step != target)
		die("%s: its run ended at step %ld, part-way through epoch %d: it cannot go on; "
		    "train anew",
		    o->output, step, done);
}

/* The model and optimizer of MODEL, which must have been trained with the
 * same options on the same data: the epochs it has done. */
static int resume(struct run *r)
{
	const struct options *o = r->o;
	struct ckpt_meta meta;
	char err[ERRLEN];
	classifier_load(o->output, &r->m, &r->optim, &meta, &r->nm);
	check_resumed_data(o->output, &r->m.arch, meta.classes, &r->train, o->train);
	/* --tau came after the options had a field each: a checkpoint without
	 * it was trained without the logit-adjusted loss, which alone reads
	 * it, and resumes as with the default */
	if (!fields_find(&meta.fields, "train.tau") && fields_find(&meta.fields, "train.loss"))
		fields_add(&meta.fields, "train.tau", "1");
	options_check(&meta.fields, r->options, RECORDED);
	int done = (int)meta.epoch;
	check_length(o, &r->train, done, meta.step);
	if (fields_get(&meta.fields, &BEST_TOP1(&r->best_top1), err))
		die("%s", err);
	ckpt_meta_free(&meta);
	return done;
}

/* A new model of o->arch, its inputs normalised as the training set. */
static void start(struct run *r)
{
	const struct options *o = r->o;
	char err[ERRLEN];
	dataset_stats(&r->train, r->nm.mean, r->nm.sd);
	if (model_build(&r->m, &o->arch, o->cfg.seed, err))
		die("%s: %s", input_name(o->train), err);
	r->optim = o->optim;
	optim_init(&r->optim, &r->m);
}

int main(int argc, char **argv)
{
	cli_init(argc, argv);
	struct options o = { .arch = { .name = "resnet20", .width_mult = 1 },
			     .cfg = { .epochs = 15, .batch = 128, .lr = 0.1f,
				      .schedule = SCHEDULE_COSINE, .step_every = 30, .gamma = 0.1f,
				      .beta = 0.9999f, .tau = 1, .seed = 1 },
			     .optim = { .kind = OPTIM_SGD, .momentum = 0.9f, .beta1 = 0.9f,
					.beta2 = 0.999f, .eps = 1e-8f, .weight_decay = 5e-4f } };
	parse_options(argc, argv, &o);
	check_outputs(&o);
	nn_init(o.threads);
	struct run r = { .o = &o, .best_top1 = -1 };
	load_data(&r, &o);
	/* --steps: the epochs they begin, the last ended at the step */
	o.cfg.epochs = cls_epochs(&o.cfg, cls_steps_per_epoch(&o.cfg, &r.train));
	recorded_options(&o, r.options);
	int done = 0;
	if (o.resume)
		done = resume(&r);
	else
		start(&r);
	cls_trainer_init(&r.tr, &o.cfg, &r.train, &r.m, &r.optim, &r.nm);
	/* The log grows an epoch at a time (appended to when resumed), so that
	 * a killed run keeps the lines of its finished epochs. */
	FILE *log = log_open_or_die(o.log, done);
	for (int epoch = done; epoch < o.cfg.epochs; epoch++) {
		struct cls_epoch_stats st;
		double seconds = run_epoch(&r, epoch, &st);
		check_loss(&r, epoch, &st);
		log_epoch(&r, log, epoch, &st, seconds);
	}
	if (log && fclose(log))
		die("%s: %s", o.log, strerror(errno));
	cls_trainer_free(&r.tr);
	optim_free(&r.optim);
	model_free(&r.m);
	dataset_free(&r.train);
	if (o.val)
		dataset_free(&r.val);
	return 0;
}

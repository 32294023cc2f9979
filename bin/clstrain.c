/* clstrain: train a classifier on a manifest. */
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
#include "io/input.h"
#include "learn/classify.h"
#include "learn/dataset.h"
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
	"      --loss=L          ce (cross-entropy, default) or cb (class-balanced)\n"
	"      --beta=B          cb: (1 - B) / (1 - B^n) per class (default 0.9999)\n"
	"      --oversample      draw more images of the smaller classes, up to the\n"
	"                        largest, in every epoch\n"
	"      --augment         random crop (padding 4) and horizontal flip\n"
	"      --seed=N          seed of weights, order and augmentation (default 1)\n"
	"      --val=VAL         a validation manifest, scored after every epoch\n"
	"      --best=FILE       keep the model of best validation top-1 in FILE\n"
	"      --log=FILE        one line per epoch: epoch, loss, train top-1,\n"
	"                        val top-1, val balanced accuracy, seconds\n"
	"      --resume          continue from MODEL up to --epochs\n"
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
	OPT_OPTIMIZER, OPT_MOMENTUM, OPT_NESTEROV, OPT_WD, OPT_LOSS, OPT_BETA, OPT_OVERSAMPLE,
	OPT_AUGMENT, OPT_SEED, OPT_VAL, OPT_BEST, OPT_LOG, OPT_RESUME
};

struct options {
	const char *output, *train, *val, *best, *log;
	struct arch arch;
	int w, h, epochs, batch, threads;
	float lr, warmup, step_every, gamma;
	enum schedule_kind schedule;
	struct optim optim;
	bool cb, oversample, augment, resume, quiet;
	float beta;
	unsigned long seed;
};

/* The options that make the model, as a checkpoint header line: a run is
 * resumed only with the same (--epochs may grow). */
static void train_line(const struct options *o, char *buf, size_t size)
{
	snprintf(buf, size,
		 "train\tarch=%s width=%.9g size=%dx%d batch=%d lr=%.9g schedule=%d warmup=%.9g "
		 "step=%.9g gamma=%.9g optim=%d momentum=%.9g nesterov=%d wd=%.9g loss=%s beta=%.9g "
		 "oversample=%d augment=%d seed=%lu\n",
		 o->arch.name, o->arch.width_mult, o->arch.width, o->arch.height, o->batch, o->lr,
		 o->schedule, o->warmup, o->step_every, o->gamma, o->optim.kind, o->optim.momentum,
		 o->optim.nesterov, o->optim.weight_decay, o->cb ? "cb" : "ce", o->beta, o->oversample,
		 o->augment, o->seed);
}

static int choice(const char *opt, const char *arg, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(arg, names[i]) == 0)
			return i;
	die_usage("%s: unknown value '%s'", opt, arg);
}

static void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "output", required_argument, 0, 'o' },
		{ "arch", required_argument, 0, 'a' },
		{ "width-mult", required_argument, 0, OPT_WIDTH },
		{ "size", required_argument, 0, 's' },
		{ "epochs", required_argument, 0, 'e' },
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
	static const char *const schedules[] = { "constant", "step", "cosine" };
	static const char *const optimizers[] = { "sgd", "adam", "adamw" };
	static const char *const losses[] = { "ce", "cb" };
	bool lr_given = false;
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
		case 'e': o->epochs = (int)cli_long("--epochs", optarg, 1, 1000000); break;
		case 'b': o->batch = (int)cli_long("--batch", optarg, 1, 65536); break;
		case OPT_LR: o->lr = (float)cli_double("--lr", optarg, 1e-9, 100); lr_given = true; break;
		case OPT_SCHEDULE: o->schedule = (enum schedule_kind)choice("--schedule", optarg, schedules, 3); break;
		case OPT_WARMUP: o->warmup = (float)cli_double("--warmup", optarg, 0, 1e6); break;
		case OPT_STEP_EVERY: o->step_every = (float)cli_double("--step-every", optarg, 1e-3, 1e6); break;
		case OPT_GAMMA: o->gamma = (float)cli_double("--gamma", optarg, 0, 1); break;
		case OPT_OPTIMIZER: o->optim.kind = (enum optim_kind)choice("--optimizer", optarg, optimizers, 3); break;
		case OPT_MOMENTUM: o->optim.momentum = (float)cli_double("--momentum", optarg, 0, 0.9999); break;
		case OPT_NESTEROV: o->optim.nesterov = true; break;
		case OPT_WD: o->optim.weight_decay = (float)cli_double("--wd", optarg, 0, 1); break;
		case OPT_LOSS: o->cb = choice("--loss", optarg, losses, 2) == 1; break;
		case OPT_BETA: o->beta = (float)cli_double("--beta", optarg, 0, 0.999999); break;
		case OPT_OVERSAMPLE: o->oversample = true; break;
		case OPT_AUGMENT: o->augment = true; break;
		case OPT_SEED: o->seed = (unsigned long)cli_u64("--seed", optarg); break;
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
	if (!lr_given && o->optim.kind != OPTIM_SGD)
		o->lr = 0.001f;
	if (o->w && (o->w < 8 || o->h < 8))
		die_usage("--size: the networks take images of 8x8 or more");
	if (o->optim.nesterov && (o->optim.kind != OPTIM_SGD || o->optim.momentum == 0))
		die_usage("--nesterov needs SGD with momentum");
}

/* The order of an epoch's images: a shuffle of every image, and with
 * --oversample as many more draws of each smaller class as make it as
 * large as the largest; from the seed and the epoch alone. */
static int epoch_order(const struct options *o, const struct dataset *d, int epoch, int **order)
{
	struct rng r;
	rng_seed(&r, o->seed, 1000 + (uint64_t)epoch);
	int k = d->nclasses;
	long *count = xcalloc((size_t)k, sizeof *count), largest = 0;
	for (int i = 0; i < d->n; i++)
		count[d->label[i]]++;
	for (int c = 0; c < k; c++)
		largest = count[c] > largest ? count[c] : largest;
	size_t n = (size_t)d->n;
	if (o->oversample)
		n = (size_t)largest * (size_t)k;
	*order = xmalloc(n * sizeof **order);
	size_t at = 0;
	for (int i = 0; i < d->n; i++)
		(*order)[at++] = i;
	if (o->oversample) {
		/* the images of each class, to draw from */
		int **members = xcalloc((size_t)k, sizeof *members);
		long *filled = xcalloc((size_t)k, sizeof *filled);
		for (int c = 0; c < k; c++)
			members[c] = xmalloc((size_t)count[c] * sizeof **members);
		for (int i = 0; i < d->n; i++)
			members[d->label[i]][filled[d->label[i]]++] = i;
		for (int c = 0; c < k; c++) {
			for (long extra = count[c]; extra < largest; extra++)
				(*order)[at++] = members[c][rng_below(&r, (uint32_t)count[c])];
			free(members[c]);
		}
		free(members);
		free(filled);
	}
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = rng_below(&r, (uint32_t)(i + 1));
		int t = (*order)[i];
		(*order)[i] = (*order)[j];
		(*order)[j] = t;
	}
	free(count);
	return (int)n;
}

/* Class-balanced weights (Cui et al. 2019): (1 - beta) / (1 - beta^n_c),
 * normalised to sum to the number of classes. */
static float *class_weights(const struct dataset *d, float beta)
{
	int k = d->nclasses;
	float *w = xmalloc((size_t)k * sizeof *w);
	long *count = xcalloc((size_t)k, sizeof *count);
	for (int i = 0; i < d->n; i++)
		count[d->label[i]]++;
	double sum = 0;
	for (int c = 0; c < k; c++) {
		w[c] = (float)((1 - beta) / (1 - pow(beta, (double)count[c])));
		sum += w[c];
	}
	for (int c = 0; c < k; c++)
		w[c] = (float)(w[c] * k / sum);
	free(count);
	return w;
}

/* Random crop with 4 pixels of padding (the padding black, as the image's
 * 0 normalised) and horizontal flip, in place on a batch x [n][c][h][w]. */
static void augment(float *x, int n, int c, int h, int w, const struct norm *nm, struct rng *r)
{
	float *tmp = xmalloc((size_t)h * (size_t)w * sizeof *tmp);
	for (int i = 0; i < n; i++) {
		int dy = (int)rng_below(r, 9) - 4, dx = (int)rng_below(r, 9) - 4;
		bool flip = rng_below(r, 2);
		for (int ch = 0; ch < c; ch++) {
			float *p = x + ((size_t)i * c + ch) * (size_t)h * w;
			float black = -nm->mean[ch] / nm->sd[ch];
			for (int y = 0; y < h; y++)
				for (int xx = 0; xx < w; xx++) {
					int sy = y + dy, sx = (flip ? w - 1 - xx : xx) + dx;
					tmp[(size_t)y * w + xx] = sy < 0 || sy >= h || sx < 0 || sx >= w
									  ? black
									  : p[(size_t)sy * w + sx];
				}
			memcpy(p, tmp, (size_t)h * w * sizeof *tmp);
		}
	}
	free(tmp);
}

struct epoch_stats {
	double loss, seconds;
	long right, seen;
	int bad_step; /* the step whose loss was not a number (0: none) */
};

struct trainer {
	const struct options *o;
	struct dataset train, val;
	struct model m;
	struct optim optim;
	struct norm nm;
	struct schedule sched;
	float *weights;
	struct ckpt_meta meta;
	char *extra;
	long steps_per_epoch;
	double best_top1;
};

static void progress_line(const struct trainer *t, int epoch, long step, double loss, double rate)
{
	long left = (t->o->epochs - epoch) * t->steps_per_epoch - step;
	double eta = rate > 0 ? (double)left * t->o->batch / rate : 0;
	fprintf(stderr, "\rclstrain: epoch %d/%d  step %ld/%ld  loss %.4f  %.0f images/s  ETA %d:%02d ",
		epoch + 1, t->o->epochs, step, t->steps_per_epoch, loss, rate, (int)(eta / 60),
		(int)eta % 60);
}

static void run_epoch(struct trainer *t, int epoch, struct epoch_stats *st)
{
	const struct options *o = t->o;
	const struct dataset *d = &t->train;
	int *order, n = epoch_order(o, d, epoch, &order), k = d->nclasses;
	size_t size = (size_t)d->c * (size_t)d->h * (size_t)d->w;
	float *x = xmalloc((size_t)o->batch * size * sizeof *x);
	int *labels = xmalloc((size_t)o->batch * sizeof *labels);
	struct rng aug;
	rng_seed(&aug, o->seed, 2000000 + (uint64_t)epoch);
	bool show = !o->quiet && isatty(2);
	double start = progress_now();
	memset(st, 0, sizeof *st);
	for (int b = 0, step = 0; b < n; b += o->batch, step++) {
		int nb = n - b < o->batch ? n - b : o->batch;
		dataset_batch(d, order + b, nb, t->nm.mean, t->nm.sd, x);
		for (int i = 0; i < nb; i++)
			labels[i] = d->label[order[b + i]];
		if (o->augment)
			augment(x, nb, d->c, d->h, d->w, &t->nm, &aug);
		model_forward(&t->m, x, nb, true);
		double loss = softmax_ce(t->m.logits, labels, t->weights, nb, k, t->m.prob, t->m.dlogits);
		if (!isfinite(loss)) {
			st->loss = loss;
			st->bad_step = step + 1;
			break;
		}
		model_backward(&t->m, nb);
		long global = (long)epoch * t->steps_per_epoch + step;
		optim_step(&t->optim, &t->m, schedule_lr(&t->sched, global));
		st->loss += loss * nb;
		for (int i = 0; i < nb; i++)
			st->right += argmax(t->m.logits + (size_t)i * k, k) == labels[i];
		st->seen += nb;
		if (show)
			progress_line(t, epoch, step + 1, st->loss / (double)st->seen,
				      (double)st->seen / (progress_now() - start));
	}
	if (show)
		fputc('\n', stderr);
	if (!st->bad_step)
		st->loss /= (double)st->seen;
	st->seconds = progress_now() - start;
	free(order);
	free(x);
	free(labels);
}

/* Stops the run at a loss that is not a number, whose model is not kept. */
static void check_loss(const struct trainer *t, int epoch, const struct epoch_stats *st)
{
	if (st->bad_step && epoch == 0)
		die("loss is %g at epoch 1, step %d: no model was written", st->loss, st->bad_step);
	if (st->bad_step)
		die("loss is %g at epoch %d, step %d: %s keeps the model of epoch %d", st->loss,
		    epoch + 1, st->bad_step, t->o->output, epoch);
}

/* The checkpoint: the model, with the optimizer's state for resuming;
 * its header keeps the options, the normalisation, and the best
 * validation top-1 so far. */
static void save(const struct trainer *t, const char *path, int epoch, bool with_optim)
{
	char *extra = xmalloc(strlen(t->extra) + 64);
	/* every digit of the double: a resumed run compares the next
	 * epochs' top-1 against exactly this */
	sprintf(extra, "%sbest_top1\t%.17g\n", t->extra, t->best_top1);
	struct ckpt_meta meta = { .classes = t->train.classes, .epoch = epoch,
				  .step = (long)epoch * t->steps_per_epoch, .extra = extra };
	ckpt_save_or_die(path, &t->m, with_optim ? &t->optim : NULL, &meta);
	free(extra);
}

static void log_epoch(struct trainer *t, FILE *log, int epoch, const struct epoch_stats *st)
{
	double val_top1 = NAN, val_bal = NAN;
	if (t->o->val) {
		float *prob = xmalloc((size_t)t->val.n * t->val.nclasses * sizeof *prob);
		predict(&t->m, &t->val, &t->nm, t->o->batch, prob);
		struct scores s;
		score(t->val.label, prob, t->val.n, t->val.nclasses, &s);
		val_top1 = s.top1;
		val_bal = s.balanced;
		scores_free(&s);
		free(prob);
	}
	/* The line first: a run killed before the model is saved resumes from
	 * the epoch before, and the resumed run drops the line again. */
	if (log && (fprintf(log, "%d\t%.6f\t%.6f\t%.6f\t%.6f\t%.2f\n", epoch + 1, st->loss,
			    (double)st->right / (double)st->seen, val_top1, val_bal, st->seconds) < 0 ||
		    fflush(log)))
		die("%s: %s", t->o->log, strerror(errno));
	if (t->o->best && val_top1 > t->best_top1) {
		t->best_top1 = val_top1;
		save(t, t->o->best, epoch + 1, false);
	}
	save(t, t->o->output, epoch + 1, true);
}

/* A model resumed must have been trained on images of the same shape and
 * classes, in the same order. */
static void check_same_data(const struct trainer *t, const struct arch *a,
			    const struct ckpt_meta *meta)
{
	const struct arch *m = &t->m.arch;
	if (m->channels != a->channels || m->height != a->height || m->width != a->width)
		die("%s: was trained on images of %dx%d, %s, not %dx%d, %s", t->o->output, m->width,
		    m->height, m->channels == 1 ? "gray" : "colour", a->width, a->height,
		    a->channels == 1 ? "gray" : "colour");
	bool same = m->classes == a->classes;
	for (int c = 0; same && c < a->classes; c++)
		same = strcmp(meta->classes[c], t->train.classes[c]) == 0;
	if (!same)
		die("%s: was trained on other classes than those of %s", t->o->output,
		    input_name(t->o->train));
}

int main(int argc, char **argv)
{
	cli_init(argc, argv);
	struct options o = { .arch = { .name = "resnet20", .width_mult = 1 }, .epochs = 15,
			     .batch = 128, .lr = 0.1f, .schedule = SCHEDULE_COSINE, .step_every = 30,
			     .gamma = 0.1f, .optim = { .kind = OPTIM_SGD, .momentum = 0.9f,
						       .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f,
						       .weight_decay = 5e-4f },
			     .beta = 0.9999f, .seed = 1 };
	parse_options(argc, argv, &o);
	/* an output that cannot be written is refused before the training */
	afile_check("--output", o.output);
	if (o.best)
		afile_check("--best", o.best);
	if (o.log)
		afile_check("--log", o.log);
	files_distinct((struct named_file[]){ { "--output", o.output, true },
					      { "--best", o.best, true },
					      { "--log", o.log, true },
					      { "TRAIN", o.train, false },
					      { "--val", o.val, false } },
		       5);
	nn_init(o.threads);
	struct trainer t = { .o = &o, .best_top1 = -1 };
	dataset_load(&t.train, o.train, 0, o.h, o.w, NULL, 0);
	if (t.train.nclasses < 2)
		die("%s: one class only (%s): nothing to tell apart", input_name(o.train),
		    t.train.classes[0]);
	/* Sizes the user asked for are no surprise. */
	if (!o.w)
		warn_converted(o.train, t.train.converted, t.train.w, t.train.h, t.train.c);
	o.arch.channels = t.train.c;
	o.arch.height = t.train.h;
	o.arch.width = t.train.w;
	o.arch.classes = t.train.nclasses;
	if (o.val) {
		dataset_load(&t.val, o.val, t.train.c, t.train.h, t.train.w, t.train.classes,
			     t.train.nclasses);
		if (t.val.unknown)
			warn("%s: %ld images of classes the training set lacks: not scored", o.val,
			     t.val.unknown);
	}
	char line[1024], norm[256];
	train_line(&o, line, sizeof line);
	int start = 0;
	char err[ERRLEN];
	if (o.resume) {
		struct ckpt_meta meta;
		classifier_load(o.output, &t.m, &t.optim, &meta, &t.nm);
		if (!strstr(meta.extra, line))
			die("%s: was trained with other options than these (its header's train line)",
			    o.output);
		check_same_data(&t, &o.arch, &meta);
		start = (int)meta.epoch;
		/* nothing would be done, and MODEL not be what was asked for */
		if (start > o.epochs)
			die("%s: has done %d epochs, more than --epochs %d", o.output, start,
			    o.epochs);
		const char *best = strstr(meta.extra, "best_top1\t");
		if (best)
			t.best_top1 = atof(best + strlen("best_top1\t"));
		ckpt_meta_free(&meta);
	} else {
		dataset_stats(&t.train, t.nm.mean, t.nm.sd);
		if (model_build(&t.m, &o.arch, o.seed, err))
			die("%s: %s", input_name(o.train), err);
		t.optim = o.optim;
		optim_init(&t.optim, &t.m);
	}
	norm_format(&t.nm, t.train.c, norm, sizeof norm);
	t.extra = xmalloc(strlen(line) + strlen(norm) + 1);
	sprintf(t.extra, "%s%s", line, norm);
	t.weights = o.cb ? class_weights(&t.train, o.beta) : NULL;
	int *order;
	t.steps_per_epoch = (epoch_order(&o, &t.train, 0, &order) + o.batch - 1) / o.batch;
	free(order);
	t.sched = (struct schedule){ .kind = o.schedule, .lr = o.lr,
				     .total = (long)o.epochs * t.steps_per_epoch,
				     .step_every = (long)(o.step_every * t.steps_per_epoch),
				     .gamma = o.gamma, .warmup = (long)(o.warmup * t.steps_per_epoch) };
	if (t.sched.step_every < 1)
		t.sched.step_every = 1;
	/* The log grows an epoch at a time (appended to when resumed), so that
	 * a killed run keeps the lines of its finished epochs. */
	FILE *log = NULL;
	if (o.log && start)
		log_trim_or_die(o.log, start);
	if (o.log && !(log = fopen(o.log, start ? "a" : "w")))
		die("%s: %s", o.log, strerror(errno));
	for (int epoch = start; epoch < o.epochs; epoch++) {
		struct epoch_stats st;
		run_epoch(&t, epoch, &st);
		check_loss(&t, epoch, &st);
		log_epoch(&t, log, epoch, &st);
	}
	if (log && fclose(log))
		die("%s: %s", o.log, strerror(errno));
	free(t.weights);
	free(t.extra);
	optim_free(&t.optim);
	model_free(&t.m);
	dataset_free(&t.train);
	if (o.val)
		dataset_free(&t.val);
	return 0;
}

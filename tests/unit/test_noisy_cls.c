/* Unit tests of the noisy classifier of classifier guidance
 * (learn/noisy_cls, learn/sample_diff's diff_classifier_grad): its
 * batches, its training steps (the loss falls, the same bits on 1 and 2
 * threads, a resumed run trains as the whole), the check that it fits a
 * diffusion model, the gradient it guides with against finite
 * differences, and guided samples given their class more often. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "learn/noisy_cls.h"
#include "learn/sample_diff.h"
#include "nn/model.h"
#include "probe.h"
#include "tinyset.h"
#include "unit.h"

/* Classes of 2, 2 and 4 images. */
static const int eight[] = { 2, 0, 2, 1, 2, 0, 1, 2 };
enum { SIDE = 8, PIXELS = SIDE * SIDE, CLASSES = 3 };

static struct noisy_config tiny_config(void)
{
	return (struct noisy_config){ .batch = 6, .lr = 1e-3f, .beta1 = 0.9f, .beta2 = 0.999f,
				      .weight_decay = 0.05f, .draw = DRAW_SQRT,
				      .process = { BETA_COSINE, 100 }, .seed = 3 };
}

struct tiny_run {
	struct noisy_config cfg;
	struct dataset d;
	struct noisy_trainer t;
};

/* Class c's images bright in rows 3c to 3c + 1, dark elsewhere, so that
 * a few steps learn them. */
static void banded(struct dataset *d)
{
	for (int i = 0; i < d->n; i++)
		for (int j = 0; j < PIXELS; j++) {
			uint8_t *v = &d->px[(size_t)i * PIXELS + j];
			int row = j / SIDE, band = 3 * d->label[i];
			*v = (uint8_t)(*v / 8 + (row == band || row == band + 1 ? 200 : 20));
		}
}

/* A run of cfg on 8 images of 8x8, its network built: width 0.375 (12,
 * 24, 24 channels: group norms of groups of 3; at 0.25, or 0.5, every
 * group is one channel, an instance norm that leaves the pooled head
 * little to learn from, and these steps learn too slowly). */
static void tiny_start(struct tiny_run *r, const struct noisy_config *cfg)
{
	r->cfg = *cfg;
	tiny_set(&r->d, 8, SIDE, eight, CLASSES, 1);
	banded(&r->d);
	char err[ERRLEN];
	CHECK(noisy_trainer_init(&r->t, &r->cfg, &r->d, err) == 0);
	CHECK(noisy_trainer_build(&r->t, 0.375f, err) == 0);
}

static void tiny_free(struct tiny_run *r)
{
	noisy_trainer_free(&r->t);
	dataset_free(&r->d);
}

/* A batch: each image's label its class, steps in [0, T), x_t the clean
 * image diffused with the noise drawn; a unet-enc of the set's shape. */
static void a_batch_is_diffused_as_drawn(void)
{
	struct noisy_config cfg = tiny_config();
	struct tiny_run r;
	tiny_start(&r, &cfg);
	CHECK(strcmp(r.t.m.arch.name, "unet-enc") == 0 && r.t.m.outputs == CLASSES);
	struct noisy_step s = noisy_train_step(&r.t, 0);
	CHECK(isfinite(s.loss) && s.correct >= 0 && s.correct <= cfg.batch);
	for (int i = 0; i < cfg.batch; i++) {
		CHECK(r.t.b.labels[i] == r.d.label[r.t.b.idx[i]]);
		int step = (int)r.t.b.t[i];
		CHECK(step == r.t.b.t[i] && step >= 0 && step < cfg.process.timesteps);
		float want[PIXELS];
		size_t at = (size_t)i * PIXELS;
		diffusion_q_sample(&r.t.b.process, step, r.t.b.x0 + at, r.t.b.eps + at, want, PIXELS);
		CHECK(memcmp(want, r.t.b.xt + at, sizeof want) == 0);
	}
	tiny_free(&r);
}

/* The same step's draws taken again: the loss of that batch falls. */
static void a_step_lowers_its_loss(void)
{
	struct noisy_config cfg = tiny_config();
	cfg.lr = 3e-3f;
	struct tiny_run r;
	tiny_start(&r, &cfg);
	double first = noisy_train_step(&r.t, 5).loss, loss = first;
	for (int k = 0; k < 5; k++)
		loss = noisy_train_step(&r.t, 5).loss;
	printf("# the loss of one batch %.4f (log 3 = %.4f), after 5 more steps on it %.4f\n",
	       first, log(3), loss);
	CHECK(fabs(first - log(3)) < 1e-6); /* the head starts at 0 */
	CHECK(loss < 0.9 * first);
	tiny_free(&r);
}

static bool same_weights(const struct noisy_trainer *a, const struct noisy_trainer *b)
{
	return !memcmp(a->m.p, b->m.p, a->m.size * sizeof *a->m.p) &&
	       !memcmp(a->opt.state, b->opt.state, a->opt.size * sizeof *a->opt.state);
}

/* Three steps on 1 and on 2 threads, flips on: the same bits. */
static void steps_are_deterministic(void)
{
	struct noisy_config cfg = tiny_config();
	cfg.augment = true;
	struct tiny_run a, b;
	double la[3], lb[3];
	nn_init(1);
	tiny_start(&a, &cfg);
	for (int k = 0; k < 3; k++)
		la[k] = noisy_train_step(&a.t, k).loss;
	nn_init(2);
	tiny_start(&b, &cfg);
	for (int k = 0; k < 3; k++)
		lb[k] = noisy_train_step(&b.t, k).loss;
	CHECK(!memcmp(la, lb, sizeof la) && same_weights(&a.t, &b.t));
	tiny_free(&a);
	tiny_free(&b);
}

/* Steps 2 and 3 of a run given its state after steps 0 and 1 (as a
 * checkpoint gives them back) are those of the whole run; not those of a
 * run that took step 1 twice. */
static void a_resumed_run_trains_as_the_whole(void)
{
	struct noisy_config cfg = tiny_config();
	cfg.augment = true;
	struct tiny_run whole, part, resumed;
	tiny_start(&whole, &cfg);
	tiny_start(&part, &cfg);
	tiny_start(&resumed, &cfg);
	for (int k = 0; k < 4; k++)
		noisy_train_step(&whole.t, k);
	for (int k = 0; k < 2; k++)
		noisy_train_step(&part.t, k);
	memcpy(resumed.t.m.p, part.t.m.p, part.t.m.size * sizeof *part.t.m.p);
	memcpy(resumed.t.opt.state, part.t.opt.state, part.t.opt.size * sizeof *part.t.opt.state);
	resumed.t.opt.step = part.t.opt.step;
	for (int k = 2; k < 4; k++)
		noisy_train_step(&resumed.t, k);
	CHECK(same_weights(&whole.t, &resumed.t));
	noisy_train_step(&part.t, 1);
	noisy_train_step(&part.t, 3);
	CHECK(!same_weights(&whole.t, &part.t));
	tiny_free(&whole);
	tiny_free(&part);
	tiny_free(&resumed);
}

/* A checkpoint's meta as noisy_classifier_check reads it: its classes,
 * its process, its file. */
struct tiny_meta {
	struct ckpt_meta meta;
	char *names[CLASSES + 1];
};

static void tiny_meta(struct tiny_meta *t, const char *file, const char *schedule,
		      const char *steps, const char *last_class)
{
	static char *names[] = { "c0", "c1", "c2" };
	*t = (struct tiny_meta){ .names = { names[0], names[1], (char *)last_class } };
	t->meta.classes = t->names;
	t->meta.fields.source = (char *)file;
	fields_add(&t->meta.fields, "train.schedule", schedule);
	fields_add(&t->meta.fields, "train.diffusion_steps", steps);
}

static void tiny_meta_free(struct tiny_meta *t)
{
	t->meta.fields.source = NULL;
	fields_free(&t->meta.fields);
}

static int check_against(const struct arch *c, const struct tiny_meta *cm, char *err)
{
	struct model cmodel = { .arch = *c }, d = { .arch = { "unet", 1, 8, 8, 3, 0.25f } };
	struct tiny_meta dm;
	tiny_meta(&dm, "d.ckpt", "cosine", "100", "c2");
	int rc = noisy_classifier_check(&cmodel, &cm->meta, &d, &dm.meta, err);
	tiny_meta_free(&dm);
	return rc;
}

/* A classifier of D's classes, size and process fits; one of other
 * classes, class order, size or process is refused, in one line naming
 * both files and the difference. */
static void a_classifier_must_fit_the_model(void)
{
	const struct arch fits = { "unet-enc", 1, 8, 8, 3, 0.5f };
	struct arch other = fits;
	struct tiny_meta cm;
	char err[ERRLEN];
	tiny_meta(&cm, "c.ckpt", "cosine", "100", "c2");
	CHECK(check_against(&fits, &cm, err) == 0);
	other.height = 12;
	CHECK(check_against(&other, &cm, err) == -1);
	CHECK(strstr(err, "c.ckpt: a noisy classifier whose classes, size or schedule do not match d.ckpt (its images are 8x12 of 1 channels, D's 8x8 of 1)") == err);
	other = fits;
	other.classes = 2;
	CHECK(check_against(&other, &cm, err) == -1 && strstr(err, "its 2 classes are not the 3 of D"));
	tiny_meta_free(&cm);
	tiny_meta(&cm, "c.ckpt", "cosine", "100", "c9");
	CHECK(check_against(&fits, &cm, err) == -1 && strstr(err, "its 3 classes are not the 3 of D"));
	tiny_meta_free(&cm);
	tiny_meta(&cm, "c.ckpt", "linear", "100", "c2");
	CHECK(check_against(&fits, &cm, err) == -1 &&
	      strstr(err, "(its process is linear of 100 steps, D's cosine of 100)"));
	tiny_meta_free(&cm);
	tiny_meta(&cm, "c.ckpt", "cosine", "1000", "c2");
	CHECK(check_against(&fits, &cm, err) == -1 &&
	      strstr(err, "(its process is cosine of 1000 steps, D's cosine of 100)"));
	printf("# %s\n", err);
	tiny_meta_free(&cm);
}

/* log p(labels[i] | x_i, t_i) of classifier c, image by image. */
static void log_p(struct model *c, const float *x, const float *t, const int *labels, int n,
		  double *out)
{
	c->timesteps = t;
	model_forward(c, x, n, false);
	for (int i = 0; i < n; i++) {
		const float *l = c->logits + (size_t)i * CLASSES;
		double top = fmax(l[0], fmax(l[1], l[2])), sum = 0;
		for (int j = 0; j < CLASSES; j++)
			sum += exp(l[j] - top);
		out[i] = l[labels[i]] - top - log(sum);
	}
}

/* The largest gap between grad and the central differences of log p
 * over every pixel, relative to grad's largest value. */
static double log_p_gap(struct model *c, float *x, const float *t, const int *labels, int n,
			const float *grad)
{
	double worst = 0, scale = 0, up[4], down[4];
	const float eps = 1e-2f;
	for (int i = 0; i < n * PIXELS; i++)
		scale = fmax(scale, fabs(grad[i]));
	for (int i = 0; i < n * PIXELS; i++) {
		int k = i / PIXELS;
		float keep = x[i];
		x[i] = keep + eps;
		log_p(c, x, t, labels, n, up);
		x[i] = keep - eps;
		log_p(c, x, t, labels, n, down);
		x[i] = keep;
		worst = fmax(worst, fabs((up[k] - down[k]) / (2 * eps) - grad[i]) / scale);
	}
	return worst;
}

/* diff_classifier_grad: ∇x log p(y | x_t, t) by central differences, for
 * two images of classes at two steps; an image of no class gets 0.  The
 * gradient of another class is far off (the check can fail). */
static void the_guiding_gradient_is_that_of_log_p(void)
{
	struct noisy_config cfg = tiny_config();
	cfg.lr = 3e-3f;
	struct tiny_run r;
	tiny_start(&r, &cfg);
	for (int k = 0; k < 20; k++)
		noisy_train_step(&r.t, k);
	struct rng g;
	rng_seed(&g, 9, 0);
	float *x = probe_uniform(&g, 3 * PIXELS, -1, 1), grad[3 * PIXELS], t[3] = { 10, 60, 30 };
	int labels[3] = { 2, 0, CLASSES }, wrong[2] = { 1, 1 };
	diff_classifier_grad(&r.t.m, x, t, labels, 3, grad);
	double gap = log_p_gap(&r.t.m, x, t, labels, 2, grad);
	int zero = 0;
	for (int i = 2 * PIXELS; i < 3 * PIXELS; i++)
		zero += grad[i] == 0;
	diff_classifier_grad(&r.t.m, x, t, wrong, 2, grad);
	double off = log_p_gap(&r.t.m, x, t, labels, 2, grad);
	printf("# gradient of log p against central differences: %.2g; another class's: %.2g\n",
	       gap, off);
	CHECK(gap < 2e-2 && off > 0.5 && zero == PIXELS);
	free(x);
	tiny_free(&r);
}

/* How many of 12 samples (classes 0, 1, 2, 0, ...) of diffusion model d
 * guided by classifier c at scale, c gives the class asked for at t = 0. */
static int hits(struct model *c, struct model *d, const struct noisy_config *cfg, double scale)
{
	enum { N = 12 };
	int labels[N];
	uint64_t index[N];
	for (int i = 0; i < N; i++)
		labels[i] = i % CLASSES, index[i] = i;
	struct diff_settings set = { .steps = 10, .method = DIFF_DDIM, .cfg = 1, .scale = scale,
				     .seed = 5 };
	struct diff_sampler s;
	char err[ERRLEN];
	CHECK(diff_sampler_init(&s, d, c, &cfg->process, &set, err) == 0);
	uint8_t px[N * PIXELS];
	diff_sample(&s, labels, index, N, px);
	diff_sampler_free(&s);
	float x[N * PIXELS], t[N] = { 0 };
	for (int i = 0; i < N * PIXELS; i++)
		x[i] = px[i] / 127.5f - 1;
	c->timesteps = t;
	model_forward(c, x, N, false);
	int right = 0;
	for (int i = 0; i < N; i++) {
		const float *l = c->logits + (size_t)i * CLASSES;
		int top = l[1] > l[0] ? 1 : 0;
		top = l[2] > l[top] ? 2 : top;
		right += top == labels[i];
	}
	return right;
}

/* Samples of an untrained diffusion model (its ε 0), guided by a noisy
 * classifier trained on the banded set, are given the class asked for
 * more often than unguided ones (measured: 6 of 12 unguided; 8, 9, 10,
 * 11 at scales 10, 30, 100, 300). */
static void guided_samples_are_of_their_class(void)
{
	struct noisy_config cfg = tiny_config();
	cfg.lr = 3e-3f;
	cfg.batch = 16;
	struct tiny_run r;
	tiny_start(&r, &cfg);
	int right = 0;
	for (int k = 0; k < 40; k++)
		right += k >= 30 ? noisy_train_step(&r.t, k).correct : (noisy_train_step(&r.t, k), 0);
	printf("# the noisy classifier's accuracy over its last 10 steps: %.2f\n", right / 160.0);
	struct model d;
	struct arch a = { "unet", 1, SIDE, SIDE, CLASSES, 0.25f };
	char err[ERRLEN];
	CHECK(model_build(&d, &a, 1, err) == 0);
	int plain = hits(&r.t.m, &d, &cfg, 0), guided = hits(&r.t.m, &d, &cfg, 100);
	printf("# of 12 samples, given their class: %d unguided, %d guided (scale 100)\n", plain,
	       guided);
	CHECK(guided >= plain + 3);
	model_free(&d);
	tiny_free(&r);
}

void unit_main(void)
{
	nn_init(2);
	unit_run("noisy_cls: a batch is diffused as drawn", a_batch_is_diffused_as_drawn);
	unit_run("noisy_cls: steps on one batch lower its loss", a_step_lowers_its_loss);
	unit_run("noisy_cls: steps give the same bits on 1 and 2 threads", steps_are_deterministic);
	unit_run("noisy_cls: a resumed run trains as the whole run",
		 a_resumed_run_trains_as_the_whole);
	unit_run("noisy_cls: a classifier must fit the diffusion model",
		 a_classifier_must_fit_the_model);
	unit_run("sample_diff: the guiding gradient is that of log p(y | x_t, t)",
		 the_guiding_gradient_is_that_of_log_p);
	unit_run("sample_diff: guided samples are given their class more often",
		 guided_samples_are_of_their_class);
}

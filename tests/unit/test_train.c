/* Unit tests of lib/learn's training, the classifier's (learn/train_cls)
 * and the GAN's (learn/train_gan), on tiny sets built in memory. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "base/rng.h"
#include "learn/dataset.h"
#include "learn/train_cls.h"
#include "learn/train_gan.h"
#include "nn/model.h"
#include "nn/optim.h"
#include "tinyset.h"
#include "unit.h"

/* Classes of 1, 2 and 5 images. */
static const int seven[] = { 2, 0, 2, 1, 2, 2, 1, 2 };

static void epoch_order_shuffles_and_oversamples(void)
{
	struct dataset d;
	tiny_set(&d, 8, 8, seven, 3, 1);
	struct cls_config cfg = { .seed = 5 };
	int *a, *b, *c;
	CHECK(cls_epoch_size(&cfg, &d) == 8);
	CHECK(cls_epoch_order(&cfg, &d, 3, &a) == 8);
	CHECK(cls_epoch_order(&cfg, &d, 3, &b) == 8);
	CHECK(cls_epoch_order(&cfg, &d, 4, &c) == 8);
	int seen[8] = { 0 };
	for (int i = 0; i < 8; i++)
		seen[a[i]]++;
	for (int i = 0; i < 8; i++)
		CHECK(seen[i] == 1);
	CHECK(memcmp(a, b, 8 * sizeof *a) == 0);  /* the seed and the epoch alone */
	CHECK(memcmp(a, c, 8 * sizeof *a) != 0);
	free(a), free(b), free(c);

	/* as many of each class as the largest has, every image at least once */
	cfg.oversample = true;
	CHECK(cls_epoch_size(&cfg, &d) == 15);
	CHECK(cls_epoch_order(&cfg, &d, 0, &a) == 15);
	int per_class[3] = { 0 }, times[8] = { 0 };
	for (int i = 0; i < 15; i++) {
		per_class[d.label[a[i]]]++;
		times[a[i]]++;
	}
	CHECK(per_class[0] == 5 && per_class[1] == 5 && per_class[2] == 5);
	CHECK(times[1] == 5);
	for (int i = 0; i < 8; i++)
		CHECK(times[i] >= 1);
	free(a);
	dataset_free(&d);
}

static void class_weights_balance_the_classes(void)
{
	struct dataset d;
	tiny_set(&d, 8, 8, seven, 3, 1);
	float *w = cls_class_weights(&d, 0.9f);
	/* (1 - b) / (1 - b^n) for n = 1, 2, 5, summing to 3 */
	double raw[3] = { 1, 0.1 / (1 - 0.81), 0.1 / (1 - pow(0.9, 5)) };
	double sum = raw[0] + raw[1] + raw[2];
	for (int c = 0; c < 3; c++)
		CHECK(fabs(w[c] - 3 * raw[c] / sum) < 1e-6);
	CHECK(w[0] > w[1] && w[1] > w[2]);
	free(w);
	w = cls_class_weights(&d, 0);
	CHECK(w[0] == 1 && w[1] == 1 && w[2] == 1);
	free(w);
	dataset_free(&d);
}

/* Whether image y (h x w) is x moved by (dy, dx) after an optional flip,
 * with black where it uncovers. */
static bool moved(const float *x, const float *y, int h, int w, float black)
{
	for (int flip = 0; flip < 2; flip++)
		for (int dy = -4; dy <= 4; dy++)
			for (int dx = -4; dx <= 4; dx++) {
				bool same = true;
				for (int p = 0; same && p < h * w; p++) {
					int sy = p / w + dy, sx = (flip ? w - 1 - p % w : p % w) + dx;
					float want = sy < 0 || sy >= h || sx < 0 || sx >= w ? black
											    : x[sy * w + sx];
					same = y[p] == want;
				}
				if (same)
					return true;
			}
	return false;
}

static void augmentation_moves_and_flips(void)
{
	enum { N = 6, H = 6, W = 5 };
	float x[N * H * W], y[N * H * W];
	for (int i = 0; i < N * H * W; i++)
		x[i] = (float)(i % 37) / 10 + 1; /* no sample black */
	memcpy(y, x, sizeof x);
	struct norm nm = { { 0.5f }, { 0.25f } };
	struct rng r;
	rng_seed(&r, 3, 0);
	cls_augment(y, N, 1, H, W, &nm, &r);
	int changed = 0;
	for (int i = 0; i < N; i++) {
		CHECK(moved(x + i * H * W, y + i * H * W, H, W, -2));
		changed += memcmp(x + i * H * W, y + i * H * W, sizeof x / N) != 0;
	}
	CHECK(changed > 0);
}

static void schedule_rate_at_steps(void)
{
	/* 10 epochs of 5 steps, an epoch of warm-up: 50 steps, 5 of them warming */
	struct cls_config cfg = { .epochs = 10, .lr = 0.1f, .schedule = SCHEDULE_COSINE,
				  .warmup = 1 };
	struct schedule s = cls_schedule(&cfg, 5);
	CHECK(s.total == 50 && s.warmup == 5);
	CHECK(fabs(schedule_lr(&s, 0) - 0.02) < 1e-7);
	CHECK(fabs(schedule_lr(&s, 4) - 0.1) < 1e-7);
	CHECK(fabs(schedule_lr(&s, 5) - 0.1) < 1e-7);
	CHECK(fabs(schedule_lr(&s, 20) - 0.075) < 1e-7); /* a third of the way: (1 + cos(pi/3)) / 2 */
	CHECK(fabs(schedule_lr(&s, 50)) < 1e-7);
	cfg = (struct cls_config){ .epochs = 10, .lr = 0.1f, .schedule = SCHEDULE_STEP,
				   .step_every = 2, .gamma = 0.5f };
	s = cls_schedule(&cfg, 5);
	CHECK(fabs(schedule_lr(&s, 9) - 0.1) < 1e-7);
	CHECK(fabs(schedule_lr(&s, 10) - 0.05) < 1e-7);
	CHECK(fabs(schedule_lr(&s, 25) - 0.025) < 1e-7);
	/* a tenth of an epoch is half a step: every step */
	cfg.step_every = 0.1f;
	s = cls_schedule(&cfg, 5);
	CHECK(s.step_every == 1 && fabs(schedule_lr(&s, 2) - 0.025) < 1e-7);
	cfg.schedule = SCHEDULE_CONSTANT;
	s = cls_schedule(&cfg, 5);
	CHECK(schedule_lr(&s, 0) == 0.1f && schedule_lr(&s, 49) == 0.1f);
}

/* A resnet20 of an eighth of the width on 8 images of 8 x 8 in 3 classes. */
struct tiny_run {
	struct dataset d;
	struct model m;
	struct optim o;
	struct norm nm;
	struct cls_config cfg;
	struct cls_trainer t;
};

static void tiny_run_start(struct tiny_run *r, bool augment)
{
	tiny_set(&r->d, 8, 8, seven, 3, 2);
	struct arch a = { "resnet20", 1, 8, 8, 3, 0.125f };
	char err[ERRLEN];
	CHECK(model_build(&r->m, &a, 9, err) == 0);
	r->o = (struct optim){ .kind = OPTIM_SGD, .momentum = 0.9f };
	optim_init(&r->o, &r->m);
	dataset_stats(&r->d, r->nm.mean, r->nm.sd);
	r->cfg = (struct cls_config){ .epochs = 2, .batch = 4, .lr = 0.05f,
				      .schedule = SCHEDULE_CONSTANT, .cb = true, .beta = 0.9f,
				      .oversample = true, .augment = augment, .seed = 4 };
	cls_trainer_init(&r->t, &r->cfg, &r->d, &r->m, &r->o, &r->nm);
}

static void tiny_run_free(struct tiny_run *r)
{
	cls_trainer_free(&r->t);
	optim_free(&r->o);
	model_free(&r->m);
	dataset_free(&r->d);
}

static void a_step_lowers_the_loss(void)
{
	struct tiny_run r;
	tiny_run_start(&r, false);
	int idx[] = { 0, 1, 3, 4 };
	double first = cls_step(&r.t, idx, 4, 0, NULL);
	double second = cls_step(&r.t, idx, 4, 1, NULL);
	printf("# the loss of a batch before and after a step: %.4f, %.4f\n", first, second);
	CHECK(isfinite(first) && second < first);
	tiny_run_free(&r);
}

/* The logit-adjusted loss: the step's softmax is that of the logits plus
 * tau ln(prior), the classes of 1, 2 and 5 images of 8. */
static void a_logit_adjusted_step_offsets_by_the_priors(void)
{
	struct tiny_run r;
	tiny_run_start(&r, false);
	cls_trainer_free(&r.t);
	r.cfg.cb = false;
	r.cfg.la = true;
	r.cfg.tau = 1.5f;
	cls_trainer_init(&r.t, &r.cfg, &r.d, &r.m, &r.o, &r.nm);
	int idx[] = { 0, 1, 3, 4 };
	CHECK(isfinite(cls_step(&r.t, idx, 4, 0, NULL)));
	const double prior[3] = { 1 / 8.0, 2 / 8.0, 5 / 8.0 };
	double worst = 0;
	for (int i = 0; i < 4; i++) {
		const float *z = r.m.logits + i * 3;
		double e[3], sum = 0;
		for (int c = 0; c < 3; c++)
			sum += e[c] = exp(z[c] + 1.5 * log(prior[c]));
		for (int c = 0; c < 3; c++)
			worst = fmax(worst, fabs(r.m.prob[i * 3 + c] - e[c] / sum));
	}
	printf("# the step's softmax against that of the adjusted logits: %.2g\n", worst);
	CHECK(worst < 1e-6);
	tiny_run_free(&r);
}

/* An epoch trained twice from the same start, on 1 and on 2 threads:
 * the same weights, bit for bit. */
static void an_epoch_is_deterministic(void)
{
	struct tiny_run a, b;
	struct cls_epoch_stats sa, sb;
	nn_init(1);
	tiny_run_start(&a, true);
	cls_epoch(&a.t, 1, &sa, NULL, NULL);
	nn_init(2);
	tiny_run_start(&b, true);
	cls_epoch(&b.t, 1, &sb, NULL, NULL);
	CHECK(sa.seen == 15 && sb.seen == 15 && sa.bad_step == 0);
	CHECK(sa.loss == sb.loss && sa.right == sb.right);
	CHECK(memcmp(a.m.p, b.m.p, a.m.size * sizeof *a.m.p) == 0);
	CHECK(a.o.step == 4 && b.o.step == 4); /* 15 images in batches of 4 */
	tiny_run_free(&a);
	tiny_run_free(&b);
}

/* The GAN */

/* gan_logistic's loss as a function of one logit. */
static double logistic_at(const float *logits, int n, double sign, double lambda)
{
	float d[16];
	return gan_logistic(logits, n, sign, lambda, n, d);
}

static void logistic_loss_and_gradient(void)
{
	float zero[2] = { 0, 0 }, d[16];
	CHECK(fabs(gan_logistic(zero, 1, 1, 0.5, 1, d) - 1.5 * log(2)) < 1e-12);
	CHECK(d[0] == 0.5f && d[1] == 0.25f); /* sigmoid(0), lambda of it */
	float big[2] = { 40, 40 }; /* softplus(-40) = e^-40 but for its square */
	CHECK(fabs(gan_logistic(big, 1, -1, 1, 1, d) - 2 * exp(-40)) < 1e-30);
	CHECK(fabs(gan_logistic(big, 1, 1, 0, 1, d) - 40) < 1e-12); /* lambda 0: l_c weighs nothing */
	struct rng r;
	rng_seed(&r, 8, 0);
	for (int s = 0; s < 2; s++) {
		double sign = s ? 1 : -1, worst = 0;
		float logits[8];
		for (int i = 0; i < 8; i++)
			logits[i] = (float)(4 * rng_double(&r) - 2);
		gan_logistic(logits, 4, sign, 0.3, 4, d);
		for (int i = 0; i < 8; i++) {
			float keep = logits[i];
			logits[i] = keep + 1e-2f;
			double up = logistic_at(logits, 4, sign, 0.3);
			logits[i] = keep - 1e-2f;
			double down = logistic_at(logits, 4, sign, 0.3);
			logits[i] = keep;
			worst = fmax(worst, fabs((up - down) / 2e-2 - d[i]));
		}
		CHECK(worst < 1e-4);
	}
}

/* A cgan of 8 x 8 gray images in 3 classes, half the width, batch 4. */
struct tiny_gan {
	struct dataset d;
	struct gan_config cfg;
	struct gan_trainer t;
};

static const int twelve[] = { 0, 1, 2, 2, 1, 0, 2, 2, 2, 1, 0, 2 };

static void tiny_gan_start(struct tiny_gan *g, bool augment)
{
	tiny_set(&g->d, 12, 8, twelve, 3, 6);
	g->cfg = (struct gan_config){ .batch = 4, .lr_g = 1e-3f, .lr_d = 1e-3f, .beta1 = 0.5f,
				      .beta2 = 0.99f, .t_start = 0.004, .t_end = 0.012, .r1 = 1,
				      .ema = 0.004f, .augment = augment, .seed = 3 };
	struct arch a = { "cgan-g", 1, 8, 8, 3, 0.5f };
	char err[ERRLEN];
	gan_trainer_init(&g->t, &g->cfg, &g->d);
	CHECK(gan_trainer_build(&g->t, &a, err) == 0);
}

static void tiny_gan_free(struct tiny_gan *g)
{
	gan_trainer_free(&g->t);
	dataset_free(&g->d);
}

/* The sum of the unconditional logits of x (n images) through d. */
static double sum_uc(struct model *d, const float *x, int n)
{
	model_forward(d, x, n, true);
	double sum = 0;
	for (int i = 0; i < n; i++)
		sum += d->logits[2 * i];
	return sum;
}

/* R1's value against its definition, gamma / 2 n |grad_x sum_i l_uc(x_i)|^2,
 * the gradient by central differences through the discriminator as it
 * was before the step. */
static void r1_value_by_definition(void)
{
	struct tiny_gan g;
	tiny_gan_start(&g, false);
	struct model *d = &g.t.d;
	float *before = xmalloc(d->size * sizeof *before);
	memcpy(before, d->p, d->size * sizeof *before);
	struct rng r;
	rng_seed(&r, 1, 0);
	double r1 = gan_step_r1(&g.t, &r, g.cfg.lr_d);
	CHECK(memcmp(before, d->p, d->size * sizeof *before) != 0); /* a step was taken */
	memcpy(d->p, before, d->size * sizeof *before);
	d->labels = g.t.real_labels;
	size_t len = 4 * g.t.size;
	float *x = g.t.real;
	double sq = 0;
	for (size_t i = 0; i < len; i++) {
		float keep = x[i];
		x[i] = keep + 1e-2f;
		double up = sum_uc(d, x, 4);
		x[i] = keep - 1e-2f;
		double down = sum_uc(d, x, 4);
		x[i] = keep;
		double grad = (up - down) / 2e-2;
		sq += grad * grad;
	}
	double want = g.cfg.r1 / 2 * sq / 4;
	printf("# R1 %.6g, by its definition %.6g\n", r1, want);
	CHECK(r1 > 0 && fabs(r1 - want) < 1e-2 * want);
	free(before);
	tiny_gan_free(&g);
}

/* R1's step lowers R1 on the same images. */
static void r1_step_lowers_r1(void)
{
	struct tiny_gan g;
	tiny_gan_start(&g, false);
	double r1[3];
	for (int k = 0; k < 3; k++) {
		struct rng r;
		rng_seed(&r, 1, 0);
		r1[k] = gan_step_r1(&g.t, &r, 1e-3f);
	}
	printf("# R1 after 0, 1, 2 of its steps: %.6g, %.6g, %.6g\n", r1[0], r1[1], r1[2]);
	CHECK(r1[1] < r1[0] && r1[2] < r1[1]);
	tiny_gan_free(&g);
}

static void ema_averages_the_generator(void)
{
	struct tiny_gan g;
	tiny_gan_start(&g, false);
	struct gan_trainer *t = &g.t;
	/* 4 images a step of a half-life of 4: beta 1/2 */
	for (size_t i = 0; i < t->g.size; i++)
		t->ema.p[i] = 0, t->g.p[i] = 1;
	gan_update_ema(t);
	CHECK(t->ema.p[0] == 0.5f && t->ema.p[t->g.size - 1] == 0.5f);
	gan_update_ema(t);
	CHECK(t->ema.p[0] == 0.75f);
	g.cfg.ema = 0; /* a copy */
	t->g.p[0] = 3;
	gan_update_ema(t);
	CHECK(t->ema.p[0] == 3 && t->ema.p[1] == 1);
	tiny_gan_free(&g);
}

/* The discriminator's and the generator's steps each lower their loss on
 * the same draws (the generator's with the discriminator fixed). */
static void steps_lower_their_losses(void)
{
	struct tiny_gan g;
	tiny_gan_start(&g, true);
	double loss[2][2];
	for (int k = 0; k < 2; k++) {
		struct rng r;
		rng_seed(&r, 2, 0);
		loss[0][k] = gan_step_d(&g.t, &r, 0.5, 1e-3f);
	}
	for (int k = 0; k < 2; k++) {
		struct rng r;
		rng_seed(&r, 3, 0);
		loss[1][k] = gan_step_g(&g.t, &r, 0.5, 1e-3f);
	}
	printf("# D's loss %.4f then %.4f, G's %.4f then %.4f\n", loss[0][0], loss[0][1],
	       loss[1][0], loss[1][1]);
	CHECK(loss[0][1] < loss[0][0]);
	CHECK(loss[1][1] < loss[1][0]);
	tiny_gan_free(&g);
}

/* Three steps (R1 in the first) from the same start on 1 and 2 threads:
 * the same networks, bit for bit. */
static void steps_are_deterministic(void)
{
	struct tiny_gan a, b;
	struct gan_step s[2][3];
	nn_init(1);
	tiny_gan_start(&a, true);
	for (int k = 0; k < 3; k++)
		CHECK(gan_train_step(&a.t, k, &s[0][k]) == 0);
	nn_init(2);
	tiny_gan_start(&b, true);
	for (int k = 0; k < 3; k++)
		CHECK(gan_train_step(&b.t, k, &s[1][k]) == 0);
	CHECK(s[0][0].r1_done && !s[0][1].r1_done && s[0][0].r1 > 0);
	CHECK(s[0][0].lambda == 0 && s[0][2].lambda == 0.5); /* kimg 0 and 0.008 */
	for (int k = 0; k < 3; k++)
		CHECK(s[0][k].loss_d == s[1][k].loss_d && s[0][k].loss_g == s[1][k].loss_g);
	const struct model *ma[] = { &a.t.g, &a.t.d, &a.t.ema }, *mb[] = { &b.t.g, &b.t.d, &b.t.ema };
	for (int i = 0; i < 3; i++)
		CHECK(memcmp(ma[i]->p, mb[i]->p, ma[i]->size * sizeof *ma[i]->p) == 0);
	tiny_gan_free(&a);
	tiny_gan_free(&b);
}

/* A loss that is not finite ends the step before the average. */
static void a_loss_not_finite_stops_the_step(void)
{
	struct tiny_gan g;
	tiny_gan_start(&g, false);
	g.t.d.p[g.t.d.size - 1] = NAN;
	float keep = g.t.ema.p[0];
	struct gan_step s;
	CHECK(gan_train_step(&g.t, 1, &s) == -1);
	CHECK(!isfinite(s.loss_d) && g.t.ema.p[0] == keep);
	tiny_gan_free(&g);
}

void unit_main(void)
{
	nn_init(2);
	unit_run("train_cls: an epoch's order, shuffled and oversampled, from the seed and epoch",
		 epoch_order_shuffles_and_oversamples);
	unit_run("train_cls: class-balanced weights", class_weights_balance_the_classes);
	unit_run("train_cls: augmentation moves and flips, black where it uncovers",
		 augmentation_moves_and_flips);
	unit_run("train_cls: the learning rate at given steps (warm-up, cosine, step)",
		 schedule_rate_at_steps);
	unit_run("train_cls: a step lowers the loss of its batch", a_step_lowers_the_loss);
	unit_run("train_cls: the logit-adjusted loss's softmax, of the logits plus tau ln(prior)",
		 a_logit_adjusted_step_offsets_by_the_priors);
	unit_run("train_cls: an epoch gives the same bits on 1 and 2 threads",
		 an_epoch_is_deterministic);
	unit_run("train_gan: the logistic loss, its values and gradient", logistic_loss_and_gradient);
	unit_run("train_gan: R1 as its definition by finite differences", r1_value_by_definition);
	unit_run("train_gan: R1's step lowers R1", r1_step_lowers_r1);
	unit_run("train_gan: the sampling generator's average", ema_averages_the_generator);
	unit_run("train_gan: the discriminator's and the generator's steps lower their losses",
		 steps_lower_their_losses);
	unit_run("train_gan: steps give the same bits on 1 and 2 threads", steps_are_deterministic);
	unit_run("train_gan: a loss not finite stops the step before the average",
		 a_loss_not_finite_stops_the_step);
}

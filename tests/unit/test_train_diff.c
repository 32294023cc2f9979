/* Unit tests of the diffusion model's training (learn/train_diff) and
 * sampling (learn/sample_diff), on a tiny set built in memory and a UNet
 * of a quarter of the widths. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "learn/sample_diff.h"
#include "learn/train_diff.h"
#include "nn/model.h"
#include "tinyset.h"
#include "unit.h"

/* Classes of 1, 2 and 5 images. */
static const int seven[] = { 2, 0, 2, 1, 2, 2, 1, 2 };

static struct diff_config tiny_config(void)
{
	return (struct diff_config){ .batch = 6, .lr = 1e-3f, .beta1 = 0.9f, .beta2 = 0.999f,
				     .warmup = 0, .ema = 0.01f, .p_uncond = 0.25f,
				     .draw = DRAW_SQRT, .schedule = BETA_COSINE,
				     .timesteps = 100, .seed = 3 };
}

struct tiny_run {
	struct diff_config cfg;
	struct dataset d;
	struct diff_trainer t;
};

/* A run of cfg on 8 images of 8x8, its networks built. */
static void tiny_start(struct tiny_run *r, const struct diff_config *cfg)
{
	r->cfg = *cfg;
	tiny_set(&r->d, 8, 8, seven, 3, 1);
	char err[ERRLEN];
	CHECK(diff_trainer_init(&r->t, &r->cfg, &r->d, err) == 0);
	struct arch a = { .name = "unet", .channels = 1, .height = 8, .width = 8, .classes = 3,
			  .width_mult = 0.25f };
	CHECK(diff_trainer_build(&r->t, &a, err) == 0);
}

static void tiny_free(struct tiny_run *r)
{
	diff_trainer_free(&r->t);
	dataset_free(&r->d);
}

/* P(class) ∝ count^1, ^1/2, ^0 for counts 1, 2, 5 (classes 0, 1, 2). */
static void class_draws_follow_the_counts(void)
{
	double want[CLASS_DRAWS][3] = {
		{ 1.0 / 8, 2.0 / 8, 5.0 / 8 },
		{ 1, sqrt(2), sqrt(5) },
		{ 1, 1, 1 },
	};
	for (int k = 0; k < CLASS_DRAWS; k++) {
		struct diff_config cfg = tiny_config();
		cfg.draw = (enum class_draw)k;
		struct tiny_run r;
		tiny_start(&r, &cfg);
		double sum = want[k][0] + want[k][1] + want[k][2], cdf = 0;
		for (int c = 0; c < 3; c++) {
			cdf += want[k][c] / sum;
			CHECK(fabs(r.t.b.class_cdf[c] - cdf) < 1e-12);
		}
		tiny_free(&r);
	}
}

/* A batch: labels dropped to "no class" (3) as often as asked, steps in
 * [0, T), and x_t the clean image diffused with the noise drawn. */
static void a_batch_is_diffused_as_drawn(void)
{
	float p[] = { 0, 1 };
	for (int k = 0; k < 2; k++) {
		struct diff_config cfg = tiny_config();
		cfg.p_uncond = p[k];
		struct tiny_run r;
		tiny_start(&r, &cfg);
		CHECK(isfinite(diff_train_step(&r.t, 0)));
		for (int i = 0; i < cfg.batch; i++) {
			CHECK(k ? r.t.b.labels[i] == 3 : r.t.b.labels[i] == r.d.label[r.t.b.idx[i]]);
			int step = (int)r.t.b.t[i];
			CHECK(step == r.t.b.t[i] && step >= 0 && step < cfg.timesteps);
			float want[64];
			size_t at = (size_t)i * 64;
			diffusion_q_sample(&r.t.b.process, step, r.t.b.x0 + at, r.t.b.eps + at, want, 64);
			CHECK(memcmp(want, r.t.b.xt + at, sizeof want) == 0);
		}
		tiny_free(&r);
	}
}

/* With --augment an image is shown as it is or mirrored. */
static void augment_flips_images(void)
{
	struct diff_config cfg = tiny_config();
	cfg.augment = true;
	cfg.batch = 16;
	struct tiny_run r;
	tiny_start(&r, &cfg);
	diff_train_step(&r.t, 0);
	int flipped = 0;
	for (int i = 0; i < cfg.batch; i++) {
		const uint8_t *px = r.d.px + (size_t)r.t.b.idx[i] * 64;
		const float *x = r.t.b.x0 + (size_t)i * 64;
		bool same = true, mirror = true;
		for (int y = 0; y < 8; y++)
			for (int c = 0; c < 8; c++) {
				float v = px[y * 8 + c] / 127.5f - 1;
				same &= fabsf(x[y * 8 + c] - v) < 1e-6f;
				mirror &= fabsf(x[y * 8 + 7 - c] - v) < 1e-6f;
			}
		CHECK(same || mirror);
		flipped += !same;
	}
	CHECK(flipped > 0 && flipped < cfg.batch);
	tiny_free(&r);
}

/* The same step's draws taken again: the loss of that batch falls. */
static void a_step_lowers_its_loss(void)
{
	struct diff_config cfg = tiny_config();
	cfg.lr = 5e-3f;
	struct tiny_run r;
	tiny_start(&r, &cfg);
	double first = diff_train_step(&r.t, 5), loss = first;
	for (int k = 0; k < 5; k++)
		loss = diff_train_step(&r.t, 5);
	printf("# the loss of one batch %.4f, after 5 more steps on it %.4f\n", first, loss);
	CHECK(loss < 0.9 * first);
	tiny_free(&r);
}

/* The first step's loss, the untrained UNet answering 0 (its output
 * convolution starts at 0), is the mean square of what it is taught:
 * the noise, or v = sqrt(ᾱ_t) ε - sqrt(1 - ᾱ_t) x0 of the batch drawn. */
static void the_target_is_the_noise_or_v(void)
{
	for (int p = 0; p < DIFF_TARGETS; p++) {
		struct diff_config cfg = tiny_config();
		cfg.predict = (enum diff_target)p;
		struct tiny_run r;
		tiny_start(&r, &cfg);
		double loss = diff_train_step(&r.t, 0), sum = 0;
		const struct noised *b = &r.t.b;
		for (int i = 0; i < cfg.batch; i++) {
			int t = (int)b->t[i];
			for (size_t k = 0; k < b->size; k++) {
				size_t at = (size_t)i * b->size + k;
				double want = p == TARGET_EPS ? b->eps[at]
					: b->process.sqrt_alpha_bar[t] * b->eps[at] -
						  b->process.sqrt_one_minus_alpha_bar[t] * b->x0[at];
				sum += want * want;
			}
		}
		double mean = sum / ((double)cfg.batch * (double)b->size);
		printf("# %s: the first loss %.6f, the target's mean square %.6f\n",
		       diff_target_names[p], loss, mean);
		CHECK(fabs(loss - mean) <= 1e-5 * mean);
		tiny_free(&r);
	}
}

/* The rate: warmed up linearly over the warm-up's steps, then lr. */
static void the_rate_warms_up(void)
{
	struct diff_config cfg = tiny_config();
	cfg.batch = 10;
	cfg.warmup = 0.04; /* 4 steps */
	CHECK(diff_rate(&cfg, 0) == cfg.lr / 4 && diff_rate(&cfg, 2) == cfg.lr * 3 / 4);
	CHECK(diff_rate(&cfg, 3) == cfg.lr && diff_rate(&cfg, 100) == cfg.lr);
}

static bool same_weights(const struct diff_trainer *a, const struct diff_trainer *b)
{
	return !memcmp(a->m.p, b->m.p, a->m.size * sizeof *a->m.p) &&
	       !memcmp(a->ema.p, b->ema.p, a->m.size * sizeof *a->m.p) &&
	       !memcmp(a->opt.state, b->opt.state, a->opt.size * sizeof *a->opt.state);
}

/* Three steps on 1 and on 2 threads: the same bits. */
static void steps_are_deterministic(void)
{
	struct diff_config cfg = tiny_config();
	struct tiny_run a, b;
	double la[3], lb[3];
	nn_init(1);
	tiny_start(&a, &cfg);
	for (int k = 0; k < 3; k++)
		la[k] = diff_train_step(&a.t, k);
	nn_init(2);
	tiny_start(&b, &cfg);
	for (int k = 0; k < 3; k++)
		lb[k] = diff_train_step(&b.t, k);
	CHECK(!memcmp(la, lb, sizeof la) && same_weights(&a.t, &b.t));
	tiny_free(&a);
	tiny_free(&b);
}

/* Steps 2 and 3 of a run given its state after steps 0 and 1 (as a
 * checkpoint gives them back) are those of the whole run. */
static void a_resumed_run_trains_as_the_whole(void)
{
	struct diff_config cfg = tiny_config();
	struct tiny_run whole, part, resumed;
	tiny_start(&whole, &cfg);
	tiny_start(&part, &cfg);
	tiny_start(&resumed, &cfg);
	for (int k = 0; k < 4; k++)
		diff_train_step(&whole.t, k);
	for (int k = 0; k < 2; k++)
		diff_train_step(&part.t, k);
	memcpy(resumed.t.m.p, part.t.m.p, part.t.m.size * sizeof *part.t.m.p);
	memcpy(resumed.t.ema.p, part.t.ema.p, part.t.m.size * sizeof *part.t.m.p);
	memcpy(resumed.t.opt.state, part.t.opt.state, part.t.opt.size * sizeof *part.t.opt.state);
	resumed.t.opt.step = part.t.opt.step;
	for (int k = 2; k < 4; k++)
		diff_train_step(&resumed.t, k);
	CHECK(same_weights(&whole.t, &resumed.t));
	tiny_free(&whole);
	tiny_free(&part);
	tiny_free(&resumed);
}

/* The average's half-life is a tenth of the kimg shown, up to cfg.ema:
 * after the first step it is all but the trained weights. */
static void the_average_ramps_up(void)
{
	struct diff_config cfg = tiny_config();
	cfg.ema = 25;
	CHECK(diff_ema_half_life(&cfg, 0) == (float)(DIFF_EMA_RAMP * 0.006));
	CHECK(diff_ema_half_life(&cfg, 1000000) == 25);
	struct tiny_run r;
	tiny_start(&r, &cfg);
	float *start = xmalloc(r.t.m.size * sizeof *start);
	memcpy(start, r.t.ema.p, r.t.m.size * sizeof *start);
	CHECK(isfinite(diff_train_step(&r.t, 0)));
	double beta = pow(0.5, 6 / (1000 * DIFF_EMA_RAMP * 0.006)); /* 2^-10 */
	bool near = true;
	for (size_t i = 0; i < r.t.m.size; i++) {
		double m = r.t.m.p[i], off = fabs(r.t.ema.p[i] - m);
		near &= off <= beta * fabs(start[i] - m) + 1e-6 * (fabs(m) + fabs(start[i]));
	}
	CHECK(near);
	free(start);
	tiny_free(&r);
}

/* A loss that is not finite ends the step before the update. */
static void a_loss_not_finite_stops_the_step(void)
{
	struct diff_config cfg = tiny_config();
	struct tiny_run r;
	tiny_start(&r, &cfg);
	r.t.m.p[r.t.m.size - 1] = NAN; /* the last convolution's bias */
	float keep = r.t.ema.p[0], w = r.t.m.p[0];
	CHECK(!isfinite(diff_train_step(&r.t, 0)));
	CHECK(r.t.ema.p[0] == keep && r.t.m.p[0] == w && r.t.opt.step == 0);
	tiny_free(&r);
}

/* Samples of a trained tiny model, settings set. */
static void sample_images(struct diff_trainer *t, const struct diff_settings *set,
			  const int *labels, const uint64_t *index, int n, int per_batch,
			  uint8_t *px)
{
	struct diff_process p = { t->cfg->schedule, t->cfg->timesteps };
	struct diff_sampler s;
	char err[ERRLEN];
	CHECK(diff_sampler_init(&s, &t->ema, NULL, &p, set, err) == 0);
	for (int at = 0; at < n; at += per_batch)
		diff_sample(&s, labels + at, index + at, n - at < per_batch ? n - at : per_batch,
			    px + (size_t)at * 64);
	diff_sampler_free(&s);
}

/* A sample's bytes depend on its seed, index and class alone: not on
 * the batch, nor the threads; its index changes them. */
static void samples_do_not_depend_on_the_batch(void)
{
	struct diff_config cfg = tiny_config();
	struct tiny_run r;
	tiny_start(&r, &cfg);
	for (int k = 0; k < 4; k++)
		diff_train_step(&r.t, k);
	int labels[5] = { 0, 2, 3, 1, 2 };
	uint64_t index[5] = { 7, 8, 9, 10, 11 }, moved[5] = { 7, 8, 9, 10, 12 };
	struct diff_settings set[] = {
		{ .steps = 5, .method = DIFF_DDIM, .eta = 0.5, .cfg = 2, .seed = 4 },
		{ .steps = 4, .method = DIFF_DDPM, .cfg = 1, .seed = 4 },
	};
	for (int k = 0; k < 2; k++) {
		uint8_t all[5 * 64], two[5 * 64], one[5 * 64], other[5 * 64];
		nn_init(2);
		sample_images(&r.t, &set[k], labels, index, 5, 5, all);
		sample_images(&r.t, &set[k], labels, index, 5, 2, two);
		sample_images(&r.t, &set[k], labels, moved, 5, 5, other);
		nn_init(1);
		sample_images(&r.t, &set[k], labels, index, 5, 1, one);
		nn_init(2);
		CHECK(!memcmp(all, two, sizeof all) && !memcmp(all, one, sizeof all));
		CHECK(!memcmp(all, other, 4 * 64) && memcmp(all + 4 * 64, other + 4 * 64, 64));
	}
	tiny_free(&r);
}

/* A v-model's answer is turned into ε before guidance and the step: an
 * untrained model (answering 0) samples as DDIM's steps do with ε =
 * sqrt(1 - ᾱ) x, v = 0's noise, in both passes of guidance (w = 2: half
 * of them turned gives ε twice too large), and not as with ε = 0. */
static void a_v_models_answer_is_turned_into_eps(void)
{
	struct diff_config cfg = tiny_config();
	struct tiny_run r;
	tiny_start(&r, &cfg);
	int labels[2] = { 0, 2 };
	uint64_t index[2] = { 5, 6 };
	for (int w = 1; w <= 2; w++) {
		struct diff_settings set = { .steps = 3, .method = DIFF_DDIM, .cfg = w, .seed = 4,
					     .predict = TARGET_V };
		uint8_t got[2 * 64], want[2 * 64], as_eps[2 * 64];
		sample_images(&r.t, &set, labels, index, 2, 2, got);
		set.predict = TARGET_EPS;
		sample_images(&r.t, &set, labels, index, 2, 2, as_eps);

		struct diff_process p = { cfg.schedule, cfg.timesteps };
		struct diff_sampler s;
		char err[ERRLEN];
		CHECK(diff_sampler_init(&s, &r.t.ema, NULL, &p, &set, err) == 0);
		float x[2 * 64], eps[64], zero[64] = { 0 };
		for (int k = 0; k < 2; k++) {
			struct rng g;
			rng_seed(&g, set.seed, index[k]);
			diffusion_noise(&g, x + 64 * k, 64);
			for (int i = s.process.n - 1; i >= 0; i--) {
				diffusion_eps_of_v(&s.process, i, x + 64 * k, zero, eps, 64);
				diffusion_ddim_step(&s.process, i, 0, x + 64 * k, eps, true, NULL,
						    x + 64 * k, 64);
			}
		}
		dataset_unbatch(x, 2, 1, 8, 8, want);
		diff_sampler_free(&s);
		CHECK(memcmp(got, want, sizeof got) == 0);
		CHECK(memcmp(got, as_eps, sizeof got) != 0);
	}
	tiny_free(&r);
}

/* The process a checkpoint records, and the errors of one it does not. */
static void the_process_is_read_from_a_header(void)
{
	struct fields f = { .source = "d.ckpt" };
	fields_add(&f, "train.schedule", "linear");
	fields_add(&f, "train.diffusion_steps", "500");
	struct diff_process p;
	char err[ERRLEN];
	CHECK(diff_process_read(&f, &p, err) == 0 && p.schedule == BETA_LINEAR &&
	      p.timesteps == 500);
	f.line[1].value[0] = '1', f.line[1].value[1] = 0;
	CHECK(diff_process_read(&f, &p, err) == -1 && strstr(err, "d.ckpt") &&
	      strstr(err, "train.diffusion_steps"));
	f.line[0].value[0] = 'x';
	CHECK(diff_process_read(&f, &p, err) == -1 && strstr(err, "train.schedule"));
	/* what the model answers: ε where a difftrain before --predict wrote
	 * no line, as recorded otherwise */
	enum diff_target t = TARGET_V;
	CHECK(diff_target_read(&f, &t, err) == -1 && strstr(err, "train.predict"));
	diff_target_fill(&f);
	CHECK(diff_target_read(&f, &t, err) == 0 && t == TARGET_EPS);
	struct fields v = { .source = "v.ckpt" };
	fields_add(&v, "train.predict", "v");
	diff_target_fill(&v);
	CHECK(v.n == 1 && diff_target_read(&v, &t, err) == 0 && t == TARGET_V);
	v.source = NULL;
	fields_free(&v);
	f.source = NULL;
	fields_free(&f);
}

void unit_main(void)
{
	nn_init(2);
	unit_run("train_diff: classes drawn as their counts, their square roots, or alike",
		 class_draws_follow_the_counts);
	unit_run("train_diff: a batch is diffused as drawn, labels dropped as asked",
		 a_batch_is_diffused_as_drawn);
	unit_run("train_diff: --augment shows images as they are or mirrored", augment_flips_images);
	unit_run("train_diff: steps on one batch lower its loss", a_step_lowers_its_loss);
	unit_run("train_diff: the model is taught the noise, or v", the_target_is_the_noise_or_v);
	unit_run("train_diff: the rate's warm-up", the_rate_warms_up);
	unit_run("train_diff: steps give the same bits on 1 and 2 threads", steps_are_deterministic);
	unit_run("train_diff: a resumed run trains as the whole run", a_resumed_run_trains_as_the_whole);
	unit_run("train_diff: the average's half-life ramps up with the kimg shown",
		 the_average_ramps_up);
	unit_run("train_diff: a loss not finite stops the step before the update",
		 a_loss_not_finite_stops_the_step);
	unit_run("sample_diff: a sample's bytes do not depend on the batch or the threads",
		 samples_do_not_depend_on_the_batch);
	unit_run("sample_diff: a v-model's answer is turned into the noise",
		 a_v_models_answer_is_turned_into_eps);
	unit_run("sample_diff: the process and the target read from a checkpoint's header",
		 the_process_is_read_from_a_header);
}

/* Unit tests of lib/learn's datasets, loaders and the GAN's augmentation:
 * the per-class index, the lookup of classes by name, the errors they
 * return (the library does not end the program). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/mem.h"
#include "base/rng.h"
#include "base/strmap.h"
#include "img/records.h"
#include "learn/classify.h"
#include "learn/dataset.h"
#include "learn/gan.h"
#include "nn/ckpt.h"
#include "nn/model.h"
#include "unit.h"

/* The tests' files are in a directory of their own, the current one. */
static char dir[] = "/tmp/simbal-learn-XXXXXX";

static void write_file(const char *name, const char *text)
{
	size_t n = strlen(text);
	FILE *f = fopen(name, "wb");
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK(fwrite(text, 1, n, f) == n);
	fclose(f);
}

static void classes_found_by_name(void)
{
	char *classes[] = { "Trouser", "Bag", "Coat" };
	struct strmap map;
	class_map(&map, classes, 3);
	CHECK(class_find(&map, "Trouser") == 0);
	CHECK(class_find(&map, "Bag") == 1);
	CHECK(class_find(&map, "Coat") == 2);
	CHECK(class_find(&map, "Shirt") == -1);
	CHECK(class_find(&map, "bag") == -1);
	strmap_free(&map);
	struct strmap none;
	class_map(&none, classes, 0);
	CHECK(class_find(&none, "Bag") == -1);
	strmap_free(&none);
}

/* Seven images of three classes and one of a class not in the list. */
static void index_counts_and_lists_each_class(void)
{
	int labels[] = { 2, 0, 2, -1, 1, 2, 0, 2 };
	struct dataset d = { .n = 8, .nclasses = 3 };
	d.label = xmalloc(sizeof labels);
	memcpy(d.label, labels, sizeof labels);
	d.classes = xcalloc(3, sizeof *d.classes);
	for (int c = 0; c < 3; c++)
		d.classes[c] = xstrdup("x");
	dataset_index_classes(&d);
	CHECK(d.count[0] == 2 && d.count[1] == 1 && d.count[2] == 4);
	CHECK(d.members[0][0] == 1 && d.members[0][1] == 6);
	CHECK(d.members[1][0] == 4);
	CHECK(d.members[2][0] == 0 && d.members[2][1] == 2 && d.members[2][2] == 5 &&
	      d.members[2][3] == 7);
	dataset_free(&d);
	CHECK(d.count == NULL && d.members == NULL);
}

/* A manifest's images and labels; a missing image and an empty manifest
 * are errors returned naming the line, the dataset left empty. */
static void dataset_loads_or_returns_the_error(void)
{
	write_file("a.pgm", "P5\n2 2\n255\n\x01\x02\x03\x04");
	write_file("good.tsv", "a.pgm\tb\na.pgm\ta\n");
	struct dataset d;
	char err[ERRLEN] = "";
	CHECK(dataset_load(&d, "good.tsv", 0, 0, 0, NULL, 0, err) == 0);
	CHECK(d.n == 2 && d.c == 1 && d.w == 2 && d.h == 2 && d.nclasses == 2);
	CHECK(d.label[0] == 1 && d.label[1] == 0 && d.px[7] == 4);
	CHECK(d.count[0] == 1 && d.count[1] == 1);
	dataset_free(&d);

	write_file("bad.tsv", "a.pgm\ta\nmissing.png\tb\n");
	CHECK(dataset_load(&d, "bad.tsv", 0, 0, 0, NULL, 0, err) == -1);
	CHECK(strncmp(err, "bad.tsv:2: missing.png: ", 24) == 0);
	CHECK(d.n == 0 && d.px == NULL && d.label == NULL);

	write_file("empty.tsv", "");
	CHECK(dataset_load(&d, "empty.tsv", 0, 0, 0, NULL, 0, err) == -1);
	CHECK(strcmp(err, "empty.tsv: empty manifest") == 0);

	/* the reader's errors: a line without its class, a file that is not there */
	write_file("short.tsv", "a.pgm\ta\na.pgm\n");
	CHECK(dataset_load(&d, "short.tsv", 0, 0, 0, NULL, 0, err) == -1);
	CHECK(strncmp(err, "short.tsv:2: ", 13) == 0);
	CHECK(dataset_load(&d, "none.tsv", 0, 0, 0, NULL, 0, err) == -1);
	CHECK(strncmp(err, "none.tsv: ", 10) == 0);
	CHECK(d.n == 0 && d.px == NULL);
}

static void no_record(void *ctx, const struct record_copy *rec, int i)
{
	(void)rec, (void)i;
	(*(int *)ctx)++;
}

/* Records that cannot be read are an error returned, left in the reader
 * naming the line, the records before it classified. */
static void classifying_returns_the_error(void)
{
	struct arch a = { "resnet20", 1, 8, 8, 2, 0.125f };
	struct model m;
	char err[ERRLEN];
	CHECK(model_build(&m, &a, 1, err) == 0);
	struct norm nm = { { 0.5f }, { 0.25f } };
	write_file("big.pgm", "P5\n8 8\n255\n");
	FILE *f = fopen("big.pgm", "ab");
	for (int i = 0; f && i < 64; i++)
		fputc(i * 3, f);
	if (f)
		fclose(f);
	write_file("records.tsv", "big.pgm\ta\nbig.pgm\tb\nmissing.png\ta\n");
	struct records r;
	CHECK(records_open(&r, "records.tsv") == 0);
	long converted = 0;
	int emitted = 0;
	CHECK(classify_records(&m, &nm, NULL, &r, 1, &converted, no_record, &emitted) == -1);
	CHECK(emitted == 2 && converted == 0);
	CHECK(r.err.line == 3 && strstr(r.err.msg, "missing.png") != NULL);
	records_close(&r);
	model_free(&m);
}

/* A generator's checkpoint with the weight of its conditioning loads; one
 * without it, or a file that is not a checkpoint, is an error returned. */
static void sampler_loads_or_returns_the_error(void)
{
	struct arch a = { "cgan-g", 1, 8, 8, 2, 0.125f };
	struct model g, back;
	char err[ERRLEN];
	CHECK(model_build(&g, &a, 1, err) == 0);
	char *classes[] = { "a", "b", NULL };
	struct ckpt_meta meta = { .classes = classes };
	fields_add(&meta.fields, "lambda", "0.25");
	CHECK(ckpt_save("g.ckpt", &g, NULL, &meta, err) == 0);
	fields_free(&meta.fields);
	fields_add(&meta.fields, "train", "size=8");
	CHECK(ckpt_save("nolambda.ckpt", &g, NULL, &meta, err) == 0);
	fields_free(&meta.fields);
	fields_add(&meta.fields, "lambda", "1.5");
	CHECK(ckpt_save("biglambda.ckpt", &g, NULL, &meta, err) == 0);
	fields_free(&meta.fields);
	struct ckpt_meta got;
	float lambda;
	CHECK(gan_sampler_load("g.ckpt", &back, &got, &lambda, err) == 0);
	CHECK(lambda == 0.25f && back.size == g.size);
	CHECK(memcmp(back.p, g.p, g.size * sizeof *g.p) == 0);
	ckpt_meta_free(&got);
	model_free(&back);
	CHECK(gan_sampler_load("nolambda.ckpt", &back, &got, &lambda, err) == -1);
	CHECK(strcmp(err, "nolambda.ckpt: its header lacks lambda") == 0);
	CHECK(gan_sampler_load("biglambda.ckpt", &back, &got, &lambda, err) == -1);
	CHECK(strcmp(err, "biglambda.ckpt: its header's lambda is '1.5', not between 0 and 1") == 0);
	CHECK(gan_sampler_load("good.tsv", &back, &got, &lambda, err) == -1);
	CHECK(strstr(err, "not a simbal checkpoint") != NULL);
	model_free(&g);
}

/* gantrain --augment: the move and the cut as defined, the draws within
 * their bounds, and the backward the adjoint of the forward,
 * <A x, y> = <x, A' y>, for moves of either sign and cuts that stick out. */
static void gan_augmentation(void)
{
	enum { N = 2, C = 2, H = 6, W = 5, LEN = N * C * H * W };
	struct rng ar;
	rng_seed(&ar, 12, 0);
	float x[LEN], y[LEN], ax[LEN], aty[LEN];
	for (int i = 0; i < LEN; i++) {
		x[i] = (float)(2 * rng_double(&ar) - 1);
		y[i] = (float)(2 * rng_double(&ar) - 1);
	}
	struct gan_aug down = { 1, 0, -100, -100 }, cut = { 0, 0, 0, 0 }, a[N];
	gan_aug_forward(&down, 1, 1, H, W, x, ax);
	for (int p = 0; p < H * W; p++)
		CHECK(ax[p] == (p < W ? 0 : x[p - W]));
	gan_aug_forward(&cut, 1, 1, H, W, x, ax);
	for (int p = 0; p < H * W; p++)
		CHECK(ax[p] == (p / W < (H + 1) / 2 && p % W < (W + 1) / 2 ? 0 : x[p]));
	int seen[4][2] = { { 0 } }; /* dy, dx, cy, cx at their least and most */
	for (int i = 0; i < 2000; i++) {
		gan_aug_draw(&ar, 1, 28, 28, a);
		int v[4] = { a[0].dy, a[0].dx, a[0].cy, a[0].cx }, lo[4] = { -4, -4, -7, -7 },
		    hi[4] = { 4, 4, 20, 20 };
		for (int k = 0; k < 4; k++) {
			CHECK(v[k] >= lo[k] && v[k] <= hi[k]);
			seen[k][0] |= v[k] == lo[k];
			seen[k][1] |= v[k] == hi[k];
		}
	}
	for (int k = 0; k < 4; k++)
		CHECK(seen[k][0] && seen[k][1]);
	struct gan_aug fixed[][N] = { { { 1, -1, 2, 0 }, { -1, 1, -1, 3 } },
				      { { -2, 0, 4, -2 }, { 2, -2, -100, -100 } } };
	for (int t = 0; t < 22; t++) {
		const struct gan_aug *at = t < 2 ? fixed[t] : a;
		if (t >= 2)
			gan_aug_draw(&ar, N, H, W, a);
		gan_aug_forward(at, N, C, H, W, x, ax);
		gan_aug_backward(at, N, C, H, W, y, aty);
		double lhs = 0, rhs = 0;
		for (int i = 0; i < LEN; i++) {
			lhs += (double)ax[i] * y[i];
			rhs += (double)x[i] * aty[i];
		}
		CHECK(fabs(lhs - rhs) < 1e-9);
	}
}

void unit_main(void)
{
	CHECK(mkdtemp(dir) != NULL && chdir(dir) == 0);
	nn_init(1);
	unit_run("dataset: classes found by name, unknown ones -1", classes_found_by_name);
	unit_run("dataset: the per-class index counts and lists each class in order",
		 index_counts_and_lists_each_class);
	unit_run("dataset: a manifest's images, or the error naming its line",
		 dataset_loads_or_returns_the_error);
	unit_run("classify: a record that cannot be read, the error returned",
		 classifying_returns_the_error);
	unit_run("gan: a generator to sample, or the error naming the file",
		 sampler_loads_or_returns_the_error);
	unit_run("gan: the discriminator's augmentation: move, cut, draws, gradient", gan_augmentation);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
}

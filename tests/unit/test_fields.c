/* Unit tests of lib/nn/fields: the typed lines of a checkpoint's header
 * read back what was written, bit for bit, in the text meant; a line
 * missing or garbled, or an enum's name unknown, is an error naming the
 * file and the key, the variable left as it was. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "learn/classify.h"
#include "learn/gan.h"
#include "nn/fields.h"
#include "nn/optim.h"
#include "unit.h"

/* Every type written, its text, and read back into other variables. */
static void reads_back_what_was_written(void)
{
	bool b = true, b2 = false;
	int i = -7, i2 = 0;
	long l = 1234567890123L, l2 = 0;
	unsigned long u = 18446744073709551615UL, u2 = 0;
	float f = 0.1f, f2 = 0, three[3] = { 0.5f, 1e-8f, 30 }, three2[3] = { 0 };
	double d = 0.1 + 0.2, d2 = 0;
	enum schedule_kind e = SCHEDULE_STEP, e2 = SCHEDULE_COSINE;
	char s[16] = "resnet20", s2[16] = "";
	struct field out[] = {
		FIELD("b", FIELD_BOOL, &b), FIELD("i", FIELD_INT, &i), FIELD("l", FIELD_LONG, &l),
		FIELD("u", FIELD_ULONG, &u), FIELD("f", FIELD_FLOAT, &f),
		{ .key = "three", .type = FIELD_FLOAT, .value = three, .count = 3 },
		FIELD("d", FIELD_DOUBLE, &d),
		FIELD_NAMED("e", &e, schedule_names, SCHEDULE_KINDS), FIELD_TEXT("s", s),
	};
	void *back[] = { &b2, &i2, &l2, &u2, &f2, three2, &d2, &e2, s2 };
	static const char *const text[] = { "1", "-7", "1234567890123", "18446744073709551615",
					    "0.1", "0.5,1e-08,30", "0.30000000000000004", "step",
					    "resnet20" };
	struct fields lines = { 0 };
	int n = (int)(sizeof out / sizeof out[0]);
	for (int k = 0; k < n; k++)
		fields_put(&lines, &out[k]);
	char err[ERRLEN];
	for (int k = 0; k < n; k++) {
		struct field in = out[k];
		in.value = back[k];
		CHECK(strcmp(lines.line[k].value, text[k]) == 0);
		CHECK(fields_get(&lines, &in, err) == 0);
		CHECK(memcmp(back[k], out[k].value, field_size(&out[k])) == 0);
	}
	fields_free(&lines);
}

/* The error fields_get gives for key's line of text, the variable of
 * type d left as it was (v holds it, of size bytes). */
static void refused(const struct field *d, const char *text, const char *want)
{
	struct fields lines = { .source = strdup("x.ckpt") };
	char err[ERRLEN], before[64];
	memcpy(before, d->value, field_size(d));
	if (text)
		fields_add(&lines, d->key, text);
	CHECK(fields_get(&lines, d, err) == -1);
	if (strcmp(err, want) != 0)
		printf("# '%s', not '%s'\n", err, want);
	CHECK(strcmp(err, want) == 0);
	CHECK(memcmp(before, d->value, field_size(d)) == 0);
	fields_free(&lines);
}

static void missing_and_garbled_values_are_refused(void)
{
	float lr = 0.5f, mean[3] = { 1, 2, 3 };
	int batch = 8;
	unsigned long seed = 1;
	bool yes = true;
	enum schedule_kind sched = SCHEDULE_COSINE;
	struct field f = FIELD("train.lr", FIELD_FLOAT, &lr);
	refused(&f, NULL, "x.ckpt: its header lacks train.lr");
	refused(&f, "0.1x", "x.ckpt: its header's train.lr is '0.1x', not a number");
	refused(&f, "", "x.ckpt: its header's train.lr is '', not a number");
	refused(&f, "nan", "x.ckpt: its header's train.lr is 'nan', not a number");
	refused(&f, "1e999", "x.ckpt: its header's train.lr is '1e999', not a number");
	refused(&f, "0.1,0.2", "x.ckpt: its header's train.lr is '0.1,0.2', not a number");
	struct field m = { .key = "norm_mean", .type = FIELD_FLOAT, .value = mean, .count = 3 };
	refused(&m, "0.1,0.2", "x.ckpt: its header's norm_mean is '0.1,0.2', not 3 numbers separated by commas");
	refused(&m, "0.1,0.2,0.3,", "x.ckpt: its header's norm_mean is '0.1,0.2,0.3,', not 3 numbers separated by commas");
	struct field i = FIELD("train.batch", FIELD_INT, &batch);
	refused(&i, "1.5", "x.ckpt: its header's train.batch is '1.5', not an integer");
	refused(&i, "4294967296", "x.ckpt: its header's train.batch is '4294967296', not an integer");
	refused(&i, " 8", "x.ckpt: its header's train.batch is ' 8', not an integer");
	struct field u = FIELD("train.seed", FIELD_ULONG, &seed);
	refused(&u, "-1", "x.ckpt: its header's train.seed is '-1', not an integer of 0 or more");
	struct field b = FIELD("train.augment", FIELD_BOOL, &yes);
	refused(&b, "yes", "x.ckpt: its header's train.augment is 'yes', not 0 or 1");
	struct field e = FIELD_NAMED("train.schedule", &sched, schedule_names, SCHEDULE_KINDS);
	refused(&e, "linear", "x.ckpt: its header's train.schedule is 'linear', not one of constant, step, cosine");
	refused(&e, "2", "x.ckpt: its header's train.schedule is '2', not one of constant, step, cosine");
	char arch[4] = "cga";
	struct field s = FIELD_TEXT("train.arch", arch);
	refused(&s, "rgan", "x.ckpt: its header's train.arch is 'rgan', not a text of fewer than 4 bytes");
}

/* A checkpoint's normalisation: written, read back; a deviation of 0 is
 * refused, naming the file. */
static void normalisation(void)
{
	struct norm nm = { { 0.25f, 0.5f, 0.125f }, { 0.3f, 0.2f, 0.1f } }, back;
	struct fields lines = { .source = strdup("n.ckpt") };
	char err[ERRLEN];
	norm_record(&nm, 3, &lines);
	CHECK(strcmp(lines.line[0].key, "norm_mean") == 0);
	CHECK(strcmp(lines.line[1].value, "0.3,0.2,0.1") == 0);
	CHECK(norm_read(&lines, 3, &back, err) == 0);
	CHECK(memcmp(&back, &nm, sizeof nm) == 0);
	fields_free(&lines);
	lines.source = strdup("n.ckpt");
	fields_add(&lines, "norm_mean", "0.5");
	fields_add(&lines, "norm_sd", "0");
	CHECK(norm_read(&lines, 1, &back, err) == -1);
	CHECK(strcmp(err, "n.ckpt: its header's norm_sd is '0', not deviations above 0") == 0);
	fields_free(&lines);
}

static const char *fixture(const char *name)
{
	static char path[512];
	const char *dir = getenv("FIXTURES");
	snprintf(path, sizeof path, "%s/ckpt/%s", dir ? dir : "tests/fixtures", name);
	return path;
}

/* Checkpoints of the one train line (tests/fixtures/ckpt, written before
 * the options had a field each): their normalisation, best top-1 and
 * lambda read as they were written. */
static void one_line_checkpoints_load(void)
{
	struct model m;
	struct ckpt_meta meta;
	struct norm nm;
	double best = 0;
	float lambda = 0;
	char err[ERRLEN];
	if (ckpt_load(fixture("old-cls.ckpt"), MODEL_CLASSIFIER, &m, NULL, &meta, err)) {
		unit_fail(__FILE__, __LINE__, err);
		return;
	}
	CHECK(norm_read(&meta.fields, 1, &nm, err) == 0);
	CHECK(nm.mean[0] == 0.224097908f && nm.sd[0] == 0.297411293f);
	CHECK(fields_get(&meta.fields, &FIELD("best_top1", FIELD_DOUBLE, &best), err) == 0);
	CHECK(best == 1.0 / 3);
	CHECK(strncmp(fields_find(&meta.fields, "train"), "arch=resnet20 ", 14) == 0);
	ckpt_meta_free(&meta);
	model_free(&m);
	CHECK(gan_sampler_load(fixture("old-gan.ckpt"), &m, &meta, &lambda, err) == 0);
	CHECK(lambda == 0.4f);
	ckpt_meta_free(&meta);
	model_free(&m);
}

void unit_main(void)
{
	unit_run("fields: every type reads back what was written", reads_back_what_was_written);
	unit_run("fields: missing, garbled, unknown names refused", missing_and_garbled_values_are_refused);
	unit_run("fields: the normalisation", normalisation);
	unit_run("fields: checkpoints of one train line load as before", one_line_checkpoints_load);
}

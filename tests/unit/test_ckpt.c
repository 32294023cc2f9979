/* Unit tests of lib/nn/ckpt: a checkpoint reads back what was written, bit
 * for bit; truncated, corrupted and inconsistent files are refused with a
 * reason, never a crash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "base/err.h"
#include "base/mem.h"
#include "nn/ckpt.h"
#include "unit.h"

static char dir[] = "/tmp/simbal-ckpt-XXXXXX";

static char *path_of(const char *name)
{
	static char buf[256];
	snprintf(buf, sizeof buf, "%s/%s", dir, name);
	return buf;
}

static char *classes[] = { "cat", "dog", "T-shirt top" };

/* A small model after one SGD step, saved to name. */
static void make_checkpoint(const char *name, struct model *m, struct optim *o)
{
	struct arch arch = { "resnet20", 1, 12, 12, 3, 0.125f };
	char err[ERRLEN];
	CHECK(model_build(m, &arch, 5, err) == 0);
	*o = (struct optim){ .kind = OPTIM_SGD, .momentum = 0.9f, .nesterov = true, .weight_decay = 5e-4f };
	optim_init(o, m);
	float x[2 * 144];
	for (int i = 0; i < 2 * 144; i++)
		x[i] = (float)(i % 17) / 17;
	int labels[2] = { 2, 0 };
	model_forward(m, x, 2, true);
	softmax_ce(m->logits, labels, NULL, 2, 3, m->prob, m->dlogits);
	model_backward(m, 2);
	optim_step(o, m, 0.1f);
	struct ckpt_meta meta = { .classes = classes, .epoch = 3, .step = 42 };
	fields_add(&meta.fields, "seed", "7");
	fields_add(&meta.fields, "loss", "ce");
	CHECK(ckpt_save(path_of(name), m, o, &meta, err) == 0);
	fields_free(&meta.fields);
}

static void reads_back_what_was_written(void)
{
	struct model m, back;
	struct optim o, ob;
	struct ckpt_meta meta;
	char err[ERRLEN];
	make_checkpoint("a.ckpt", &m, &o);
	if (ckpt_load(path_of("a.ckpt"), MODEL_CLASSIFIER, &back, &ob, &meta, err)) {
		unit_fail(__FILE__, __LINE__, err);
		return;
	}
	CHECK(strcmp(back.arch.name, "resnet20") == 0 && back.arch.classes == 3);
	CHECK(back.arch.width_mult == 0.125f && back.arch.height == 12 && back.arch.channels == 1);
	CHECK(back.size == m.size && memcmp(back.p, m.p, m.size * sizeof *m.p) == 0);
	CHECK(ob.kind == OPTIM_SGD && ob.nesterov && ob.momentum == 0.9f && ob.step == 1);
	CHECK(ob.size == o.size && memcmp(ob.state, o.state, o.size * sizeof *o.state) == 0);
	CHECK(meta.epoch == 3 && meta.step == 42);
	CHECK(strcmp(meta.classes[2], "T-shirt top") == 0 && meta.classes[3] == NULL);
	/* the caller's lines, in order, their source the file */
	CHECK(meta.fields.n == 2 && strcmp(meta.fields.line[0].key, "seed") == 0);
	CHECK(strcmp(meta.fields.line[1].key, "loss") == 0);
	CHECK(strcmp(meta.fields.line[1].value, "ce") == 0);
	CHECK(strcmp(meta.fields.source, path_of("a.ckpt")) == 0);
	ckpt_meta_free(&meta);
	optim_free(&ob);
	model_free(&back);
	/* Without the optimizer: the model alone. */
	CHECK(ckpt_load(path_of("a.ckpt"), MODEL_CLASSIFIER, &back, NULL, &meta, err) == 0);
	CHECK(memcmp(back.p, m.p, m.size * sizeof *m.p) == 0);
	ckpt_meta_free(&meta);
	model_free(&back);
	optim_free(&o);
	model_free(&m);
}

static unsigned char *slurp(const char *name, size_t *n)
{
	FILE *f = fopen(path_of(name), "rb");
	fseek(f, 0, SEEK_END);
	*n = (size_t)ftell(f);
	rewind(f);
	unsigned char *p = xmalloc(*n);
	CHECK(fread(p, 1, *n, f) == *n);
	fclose(f);
	return p;
}

static void spill(const char *name, const unsigned char *p, size_t n, bool fix_crc)
{
	unsigned char *q = xmalloc(n);
	memcpy(q, p, n);
	if (fix_crc && n >= 4) {
		uLong crc = crc32(crc32(0, NULL, 0), q, (uInt)(n - 4));
		for (int i = 0; i < 4; i++)
			q[n - 4 + (size_t)i] = (unsigned char)(crc >> (8 * i));
	}
	FILE *f = fopen(path_of(name), "wb");
	fwrite(q, 1, n, f);
	fclose(f);
	free(q);
}

/* 0 when loading name fails with a message containing want. */
static int refused(const char *name, const char *want)
{
	struct model m;
	struct optim o;
	struct ckpt_meta meta;
	char err[ERRLEN];
	if (ckpt_load(path_of(name), MODEL_CLASSIFIER, &m, &o, &meta, err) == 0) {
		printf("# %s loaded\n", name);
		return 1;
	}
	if (!strstr(err, want)) {
		printf("# %s: '%s' lacks '%s'\n", name, err, want);
		return 1;
	}
	return 0;
}

/* A GAN's checkpoint: three parts, two with Adam's state; read whole, or
 * the first part alone, or refused where a part is asked of a file
 * without it. */
static void several_parts(void)
{
	struct arch ga = { "cgan-g", 1, 8, 8, 3, 0.25f }, da = ga;
	snprintf(da.name, sizeof da.name, "cgan-d");
	struct model g, ema, d, back[3];
	struct optim og = { .kind = OPTIM_ADAM, .beta1 = 0.5f, .beta2 = 0.99f, .eps = 1e-8f };
	struct optim od = og, oback[2];
	char err[ERRLEN];
	CHECK(model_build(&ema, &ga, 1, err) == 0);
	CHECK(model_build(&g, &ga, 2, err) == 0);
	CHECK(model_build(&d, &da, 3, err) == 0);
	optim_init(&og, &g);
	optim_init(&od, &d);
	for (int i = 0; i < g.nparams; i++) /* the state kept: the trained parameters' */
		for (size_t j = 0; g.params[i].trained && j < g.params[i].size; j++)
			og.state[g.params[i].offset + j] = (float)(i + j);
	od.step = 5;
	struct ckpt_part parts[] = { { "", &ema, NULL }, { "G.", &g, &og }, { "D.", &d, &od } };
	struct ckpt_meta meta = { .classes = classes, .step = 640 };
	CHECK(ckpt_save_parts(path_of("gan.ckpt"), parts, 3, &meta, err) == 0);
	struct ckpt_part want[] = { { "", &back[0], NULL }, { "G.", &back[1], &oback[0] },
				    { "D.", &back[2], &oback[1] } };
	if (ckpt_load_parts(path_of("gan.ckpt"), MODEL_GENERATOR, want, 3, &meta, err)) {
		unit_fail(__FILE__, __LINE__, err);
		return;
	}
	for (int i = 0; i < 3; i++)
		CHECK(back[i].size == parts[i].m->size &&
		      !memcmp(back[i].p, parts[i].m->p, back[i].size * sizeof *back[i].p));
	CHECK(strcmp(back[2].arch.name, "cgan-d") == 0 && oback[1].step == 5);
	CHECK(!memcmp(oback[0].state, og.state, og.size * sizeof *og.state));
	CHECK(meta.step == 640 && meta.fields.n == 0);
	ckpt_meta_free(&meta);
	for (int i = 0; i < 3; i++)
		model_free(&back[i]);
	optim_free(&oback[0]), optim_free(&oback[1]);
	CHECK(ckpt_load(path_of("gan.ckpt"), MODEL_GENERATOR, &back[0], NULL, &meta, err) == 0);
	CHECK(!memcmp(back[0].p, ema.p, ema.size * sizeof *ema.p));
	ckpt_meta_free(&meta);
	model_free(&back[0]);
	/* a classifier's checkpoint has no part D. */
	struct model m;
	struct optim o;
	make_checkpoint("cls.ckpt", &m, &o);
	struct ckpt_part d_only[] = { { "", &back[0], NULL }, { "D.", &back[1], NULL } };
	CHECK(ckpt_load_parts(path_of("cls.ckpt"), MODEL_CLASSIFIER, d_only, 2, &meta, err) == -1);
	CHECK(strstr(err, "holds no part D.") != NULL);
	/* a checkpoint of the other kind is named as such, before its parts
	 * or optimizer are found missing */
	CHECK(ckpt_load_parts(path_of("cls.ckpt"), MODEL_GENERATOR, want, 3, &meta, err) == -1);
	CHECK(strstr(err, "cls.ckpt: is a classifier checkpoint, not a GAN's (made by clstrain)") != NULL);
	CHECK(refused("gan.ckpt", "gan.ckpt: is a GAN checkpoint, not a classifier's (made by gantrain)") == 0);
	/* part lines that are no prefix X., or name one twice (the CRC made
	 * to match): refused */
	size_t n;
	unsigned char *p = slurp("gan.ckpt", &n);
	static const char *const bad[][2] = { { "part\tD.\n", "part\tDD\n" },
					      { "part\tD.\n", "part\tG.\n" },
					      { "part\tD.\n", "part\t.D\n" } };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		unsigned char *q = xmalloc(n);
		memcpy(q, p, n);
		unsigned char *at = memmem(q, n, bad[i][0], strlen(bad[i][0]));
		CHECK(at != NULL);
		memcpy(at, bad[i][1], strlen(bad[i][1]));
		spill("part.ckpt", q, n, true);
		CHECK(refused("part.ckpt", i == 1 ? "names the part G. twice" : "is not a prefix X.") == 0);
		free(q);
	}
	free(p);
	optim_free(&o), optim_free(&og), optim_free(&od);
	model_free(&m), model_free(&g), model_free(&ema), model_free(&d);
}

static void bad_files_are_refused(void)
{
	struct model m;
	struct optim o;
	make_checkpoint("good.ckpt", &m, &o);
	optim_free(&o);
	model_free(&m);
	size_t n;
	unsigned char *p = slurp("good.ckpt", &n);
	/* Every truncation, a sample of them across the file. */
	int bad = 0;
	for (size_t len = 0; len < n; len += len < 64 ? 1 : 997) {
		spill("cut.ckpt", p, len, false);
		bad += refused("cut.ckpt", len < 8 ? "not a simbal checkpoint" : "");
	}
	CHECK(bad == 0);
	/* Truncated, the CRC recomputed: the structure itself is checked. */
	for (size_t len = 24; len < n; len += 991) {
		spill("cut.ckpt", p, len, true);
		bad += refused("cut.ckpt", "");
	}
	CHECK(bad == 0);
	p[n / 2] ^= 0x10;
	spill("flip.ckpt", p, n, false);
	CHECK(refused("flip.ckpt", "CRC") == 0);
	p[n / 2] ^= 0x10;
	spill("magic.ckpt", (const unsigned char *)"PNG\r\n\032\n........................", 32, false);
	CHECK(refused("magic.ckpt", "not a simbal checkpoint") == 0);
	/* The header names another architecture, the CRC made to match. */
	unsigned char *arch = memmem(p, n, "resnet20", 8);
	CHECK(arch != NULL);
	if (arch) {
		memcpy(arch, "resnet32", 8);
		spill("other.ckpt", p, n, true);
		CHECK(refused("other.ckpt", "lacks the tensor layer1.3") == 0);
		memcpy(arch, "resnet20", 8);
	}
	CHECK(refused("missing.ckpt", "No such file") == 0);
	CHECK(refused(".", "read error: Is a directory") == 0);
	/* A checkpoint without optimizer state cannot resume. */
	struct model m2;
	struct ckpt_meta meta2;
	char err[ERRLEN];
	CHECK(ckpt_load(path_of("good.ckpt"), MODEL_CLASSIFIER, &m2, NULL, &meta2, err) == 0);
	struct ckpt_meta plain = { .classes = classes };
	CHECK(ckpt_save(path_of("plain.ckpt"), &m2, NULL, &plain, err) == 0);
	CHECK(refused("plain.ckpt", "no optimizer state") == 0);
	ckpt_meta_free(&meta2);
	model_free(&m2);
	free(p);
}

/* The diffusion UNet's checkpoint (issue 18): its tensors of 1 to 4
 * dimensions read back; a classifier program is told what it is. */
static void diffusion_model(void)
{
	struct arch arch = { "unet", 1, 8, 8, 3, 0.25f };
	struct model m, back;
	struct ckpt_meta meta = { .classes = classes, .step = 9 };
	char err[ERRLEN];
	CHECK(model_build(&m, &arch, 3, err) == 0);
	CHECK(ckpt_save(path_of("unet.ckpt"), &m, NULL, &meta, err) == 0);
	if (ckpt_load(path_of("unet.ckpt"), MODEL_DIFFUSION, &back, NULL, &meta, err)) {
		unit_fail(__FILE__, __LINE__, err);
		return;
	}
	CHECK(back.size == m.size && memcmp(back.p, m.p, m.size * sizeof *m.p) == 0);
	ckpt_meta_free(&meta);
	model_free(&back);
	model_free(&m);
	CHECK(refused("unet.ckpt", "unet.ckpt: is a diffusion model's checkpoint, not a classifier's (made by difftrain)") == 0);
}

void unit_main(void)
{
	nn_init(2);
	CHECK(mkdtemp(dir) != NULL);
	unit_run("ckpt: reads back what was written, bit for bit", reads_back_what_was_written);
	unit_run("ckpt: truncated, corrupted and mismatched files are refused", bad_files_are_refused);
	unit_run("ckpt: several models in one file (a GAN's)", several_parts);
	unit_run("ckpt: a diffusion model's, and named as such to a classifier", diffusion_model);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
}

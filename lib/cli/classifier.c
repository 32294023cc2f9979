#include "cli/classifier.h"

#include <stdlib.h>

#include "base/err.h"
#include "base/mem.h"
#include "img/records.h"

bool classify_option(int opt, const char *arg, struct classify_options *o)
{
	switch (opt) {
	case 'b': o->batch = (int)cli_long("--batch", arg, 1, 65536); return true;
	case 'j': o->threads = (int)cli_long("--threads", arg, 1, 1024); return true;
	}
	return false;
}

void classifier_load(const char *path, struct model *m, struct optim *o, struct ckpt_meta *meta,
		     struct norm *nm)
{
	char err[ERRLEN];
	if (ckpt_load(path, MODEL_CLASSIFIER, m, o, meta, err))
		die("%s", err);
	if (norm_read(&meta->fields, m->arch.channels, nm, err))
		die("%s", err);
}

void ckpt_save_or_die(const char *path, const struct model *m, const struct optim *o,
		      const struct ckpt_meta *meta)
{
	char err[ERRLEN];
	if (ckpt_save(path, m, o, meta, err))
		die("%s", err);
}

void ckpt_save_parts_or_die(const char *path, const struct ckpt_part *parts, int nparts,
			    const struct ckpt_meta *meta)
{
	char err[ERRLEN];
	if (ckpt_save_parts(path, parts, nparts, meta, err))
		die("%s", err);
}

void warn_converted(const char *name, long n, int w, int h, int c)
{
	if (n)
		warn("%s: %ld images converted to %dx%d, %s", name, n, w, h,
		     c == 1 ? "gray" : "colour");
}

double adjust_option(const char *arg)
{
	return cli_double("--adjust", arg, 0, 100);
}

float *adjust_offsets(const struct ckpt_meta *meta, int k, double tau)
{
	if (tau == 0)
		return NULL;
	char err[ERRLEN];
	double *counts = xmalloc((size_t)k * sizeof *counts);
	if (class_counts_read(&meta->fields, k, counts, err))
		die("%s (--adjust needs the counts of its training images, which clstrain keeps "
		    "since December 2026)",
		    err);
	float *offset = xmalloc((size_t)k * sizeof *offset);
	prior_offsets(counts, k, -tau, offset);
	free(counts);
	return offset;
}

void classify_input(struct model *m, const struct norm *nm, const float *offset, const char *path,
		    int batch, void (*emit)(void *ctx, const struct record_copy *rec, int i),
		    void *ctx)
{
	struct records r;
	if (records_open(&r, path))
		die_line_error(r.name, &r.err);
	long converted = 0;
	if (classify_records(m, nm, offset, &r, batch, &converted, emit, ctx))
		die_line_error(r.name, &r.err);
	if (r.n == 0)
		die("%s: empty input", r.name);
	warn_converted(r.name, converted, m->arch.width, m->arch.height, m->arch.channels);
	records_close(&r);
}

/* classifier: what the programs that use a trained classifier (clseval,
 * clsprob, clsfeat, fid, and clstrain and gantrain) share on their
 * command line: the -b and -j options, loading a model or ending with the
 * reason, saving one or ending so, the warning about converted images,
 * classifying an input. */
#ifndef SIMBAL_CLASSIFIER_H
#define SIMBAL_CLASSIFIER_H

#include <stdbool.h>

#include "cli/cli.h"
#include "learn/classify.h"
#include "nn/ckpt.h"

/* The options of the programs that classify (clsprob, clsfeat, clseval)
 * beside their own: -b --batch, -j --threads, and --max-pixels, which
 * cli_std_option takes. */
#define CLASSIFY_LONGOPTS                                    \
	{ "batch", required_argument, 0, 'b' },              \
	{ "threads", required_argument, 0, 'j' },            \
	{ "max-pixels", required_argument, 0, CLI_MAX_PIXELS }

/* Their lines of a program's --help. */
#define CLASSIFY_USAGE                                                                 \
	"  -b, --batch=N         images per forward pass (default 256)\n"                  \
	"  -j, --threads=N       threads (default: every core)\n"                           \
	"      --max-pixels=N    refuse images larger than N pixels (default 2^28)\n"

struct classify_options {
	int batch, threads; /* threads 0: every core */
};
#define CLASSIFY_OPTIONS_INIT { .batch = 256, .threads = 0 }

/* Takes opt (-b or -j, its argument arg) into o: true; false for others. */
bool classify_option(int opt, const char *arg, struct classify_options *o);

/* Loads the classifier at path (with o's state when o is not NULL) and
 * the normalisation it was trained with; dies with the reason when it
 * cannot. */
void classifier_load(const char *path, struct model *m, struct optim *o, struct ckpt_meta *meta,
		     struct norm *nm);

/* ckpt_save and ckpt_save_parts, dying with the reason when they fail. */
void ckpt_save_or_die(const char *path, const struct model *m, const struct optim *o,
		      const struct ckpt_meta *meta);
void ckpt_save_parts_or_die(const char *path, const struct ckpt_part *parts, int nparts,
			    const struct ckpt_meta *meta);

/* The one warning about n images converted to w x h, c channels. */
void warn_converted(const char *name, long n, int w, int h, int c);

/* The option of clsprob and clseval that adjusts a model's logits after
 * the fact (Menon et al. 2021), and its line of their --help. */
#define ADJUST_LONGOPT { "adjust", required_argument, 0, CLI_ADJUST }
#define ADJUST_USAGE                                                                   \
	"      --adjust=TAU      subtract TAU ln(prior) from each class's logit, the\n"    \
	"                        priors the model's training images (default 0: none)\n"
/* --adjust's TAU from arg. */
double adjust_option(const char *arg);
/* The offsets of --adjust tau for a model of k classes (meta its header):
 * a malloc'd number for each class, or NULL when tau is 0; dies when the
 * header lacks the training counts. */
float *adjust_offsets(const struct ckpt_meta *meta, int k, double tau);

/* classify_records over the manifest or stream path (NULL: stdin), the
 * logits plus offset (NULL: none), with its warning; dies on empty input. */
void classify_input(struct model *m, const struct norm *nm, const float *offset, const char *path,
		    int batch, void (*emit)(void *ctx, const struct record_copy *rec, int i),
		    void *ctx);

#endif

/* clseval: score a classifier on a labelled manifest or PAM stream, one
 * batch at a time: memory does not grow with the test set. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strmap.h"
#include "cli/classifier.h"
#include "cli/cli.h"
#include "cli/outputs.h"
#include "io/fsout.h"
#include "io/input.h"
#include "learn/classify.h"
#include "learn/dataset.h"
#include "metric/scores.h"
#include "nn/ckpt.h"
#include "nn/model.h"

static const char usage[] =
	"Usage: clseval [OPTION]... MODEL TEST\n"
	"Score the classifier MODEL (a simbal-checkpoint(5)) on the images of the\n"
	"manifest TEST (path<TAB>class lines) or of the PAM stream TEST (labelled\n"
	"frames; - is the standard input): print key<TAB>value lines top1,\n"
	"balanced (mean recall of the classes), gmean (geometric mean of the\n"
	"recalls), macro_f1 (mean F1 of the classes), n (images scored).  Images\n"
	"of classes the model does not know are counted on the standard error\n"
	"and not scored, as are those without a class.\n"
	"\n"
	"      --per-class       add recall:CLASS, precision:CLASS and f1:CLASS lines\n"
	"                        for each class\n"
	"      --confusion=FILE  write the confusion matrix (TSV: a header line of\n"
	"                        the predicted classes, then one line per true class)\n"
	ADJUST_USAGE
	CLASSIFY_USAGE
	"  -h, --help            show this help and exit\n"
	"      --version         show the version and exit\n"
	"\n"
	"Exit status: 0 success, 1 bad data, 2 bad usage.\n";

enum { OPT_PER_CLASS = CLI_FIRST_LOCAL, OPT_CONFUSION };

static void write_confusion(const char *path, const struct scores *s, char **classes, int k)
{
	struct afile af;
	char err[ERRLEN];
	FILE *out = afile_open(&af, path, err);
	if (!out)
		die("%s", err);
	fputs("true\\predicted", out);
	for (int j = 0; j < k; j++)
		fprintf(out, "\t%s", classes[j]);
	fputc('\n', out);
	for (int i = 0; i < k; i++) {
		fputs(classes[i], out);
		for (int j = 0; j < k; j++)
			fprintf(out, "\t%ld", s->confusion[(size_t)i * k + j]);
		fputc('\n', out);
	}
	if (afile_commit(&af, err))
		die("%s", err);
}

struct tally {
	const struct model *m;
	struct strmap classes; /* the model's, by name */
	struct scores s;
	long unknown, unlabelled;
};

static void tally_one(void *ctx, const struct record_copy *rec, int i)
{
	struct tally *t = ctx;
	int k = t->m->arch.classes;
	if (!rec->label || !*rec->label) {
		t->unlabelled++;
		return;
	}
	int label = class_find(&t->classes, rec->label);
	if (label < 0)
		t->unknown++;
	else
		scores_add(&t->s, label, argmax(t->m->prob + (size_t)i * k, k));
}

int main(int argc, char **argv)
{
	cli_init(argc, argv);
	static const struct option longopts[] = {
		{ "per-class", no_argument, 0, OPT_PER_CLASS },
		{ "confusion", required_argument, 0, OPT_CONFUSION },
		ADJUST_LONGOPT,
		CLASSIFY_LONGOPTS,
		CLI_STD_LONGOPTS,
		{ 0, 0, 0, 0 },
	};
	bool per_class = false;
	const char *confusion = NULL;
	double adjust = 0;
	struct classify_options co = CLASSIFY_OPTIONS_INIT;
	int opt;
	while ((opt = getopt_long(argc, argv, "b:j:h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_PER_CLASS: per_class = true; break;
		case OPT_CONFUSION: confusion = optarg; break;
		case CLI_ADJUST: adjust = adjust_option(optarg); break;
		default:
			if (!classify_option(opt, optarg, &co) && !cli_std_option(opt, usage))
				die_usage("unhandled option");
		}
	}
	if (optind + 2 != argc)
		die_usage("expected MODEL and TEST, got %d arguments", argc - optind);
	/* refused before the evaluation, not after it */
	if (confusion) {
		afile_check("--confusion", confusion);
		files_distinct((struct named_file[]){ { "--confusion", confusion, true },
						      { "MODEL", argv[optind], false },
						      { "TEST", argv[optind + 1], false } },
			       3);
	}
	nn_init(co.threads);
	struct model m;
	struct ckpt_meta meta;
	struct norm nm;
	classifier_load(argv[optind], &m, NULL, &meta, &nm);
	struct tally t = { .m = &m };
	class_map(&t.classes, meta.classes, m.arch.classes);
	scores_init(&t.s, m.arch.classes);
	float *offset = adjust_offsets(&meta, m.arch.classes, adjust);
	classify_input(&m, &nm, offset, argv[optind + 1], co.batch, tally_one, &t);
	free(offset);
	const char *name = input_name(argv[optind + 1]);
	if (t.unknown)
		warn("%s: %ld images of classes %s does not know: not scored", name, t.unknown,
		     argv[optind]);
	if (t.unlabelled)
		warn("%s: %ld images without a class: not scored", name, t.unlabelled);
	struct scores *s = &t.s;
	scores_finish(s);
	int k = m.arch.classes;
	if (s->n == 0)
		die("%s: no image of a class the model knows", name);
	printf("top1\t%.6f\nbalanced\t%.6f\ngmean\t%.6f\nmacro_f1\t%.6f\nn\t%ld\n", s->top1,
	       s->balanced, s->gmean, s->macro_f1, s->n);
	for (int c = 0; per_class && c < k; c++)
		if (!isnan(s->recall[c]))
			printf("recall:%s\t%.6f\nprecision:%s\t%.6f\nf1:%s\t%.6f\n", meta.classes[c],
			       s->recall[c], meta.classes[c], s->precision[c], meta.classes[c], s->f1[c]);
	if (confusion)
		write_confusion(confusion, s, meta.classes, k);
	if (fflush(stdout) || ferror(stdout))
		die("write error: %s", strerror(errno));
	scores_free(s);
	strmap_free(&t.classes);
	ckpt_meta_free(&meta);
	model_free(&m);
	return 0;
}

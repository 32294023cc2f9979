/* clsprob: append a classifier's prediction to each record. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strmap.h"
#include "cli/classifier.h"
#include "cli/cli.h"
#include "img/records.h"
#include "learn/classify.h"
#include "learn/dataset.h"
#include "metric/scores.h"
#include "nn/ckpt.h"
#include "nn/model.h"

static const char usage[] =
	"Usage: clsprob [OPTION]... MODEL [FILE]\n"
	"Classify the images of a manifest (path<TAB>class... lines) or of a PAM\n"
	"stream (labelled frames) with MODEL (a simbal-checkpoint(5)), and print\n"
	"each record with three fields appended: the predicted class, its\n"
	"probability, and the probability of the record's own class (field 2 of a\n"
	"line, a frame's label; empty when it has none or the model does not know\n"
	"it).  A frame prints as id<TAB>label (its number when it has no id).\n"
	"With no FILE, or when FILE is -, read stdin.\n"
	"\n"
	"      --all             append the probability of every class too, in the\n"
	"                        model's order (clsprob --classes lists it)\n"
	"      --classes         print the model's classes, one per line, and exit\n"
	ADJUST_USAGE
	CLASSIFY_USAGE
	"  -h, --help            show this help and exit\n"
	"      --version         show the version and exit\n"
	"\n"
	"Exit status: 0 success, 1 bad data, 2 bad usage.\n";

enum { OPT_ALL = CLI_FIRST_LOCAL, OPT_CLASSES };

struct emit_ctx {
	const struct model *m;
	char **classes;
	struct strmap index; /* of classes */
	bool all;
};

static void emit(void *ctx, const struct record_copy *rec, int i)
{
	const struct emit_ctx *e = ctx;
	int k = e->m->arch.classes;
	const float *p = e->m->prob + (size_t)i * k;
	int best = argmax(p, k), own = rec->label ? class_find(&e->index, rec->label) : -1;
	printf("%s\t%s\t%.6g\t", rec->text, e->classes[best], p[best]);
	if (own >= 0)
		printf("%.6g", p[own]);
	for (int c = 0; e->all && c < k; c++)
		printf("\t%.6g", p[c]);
	putchar('\n');
}

int main(int argc, char **argv)
{
	cli_init(argc, argv);
	static const struct option longopts[] = {
		{ "all", no_argument, 0, OPT_ALL },
		{ "classes", no_argument, 0, OPT_CLASSES },
		ADJUST_LONGOPT,
		CLASSIFY_LONGOPTS,
		CLI_STD_LONGOPTS,
		{ 0, 0, 0, 0 },
	};
	bool all = false, list = false, adjust_given = false;
	double adjust = 0;
	struct classify_options co = CLASSIFY_OPTIONS_INIT;
	int opt;
	while ((opt = getopt_long(argc, argv, "b:j:h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_ALL: all = true; break;
		case OPT_CLASSES: list = true; break;
		case CLI_ADJUST:
			adjust = adjust_option(optarg);
			adjust_given = true;
			break;
		default:
			if (!classify_option(opt, optarg, &co) && !cli_std_option(opt, usage))
				die_usage("unhandled option");
		}
	}
	if (optind == argc || argc - optind > 2)
		die_usage("expected MODEL and at most one FILE");
	/* what would be classified is not: say so rather than ignore it */
	if (list && (argc - optind == 2 || all || adjust_given))
		die_usage("--classes takes MODEL alone, no FILE, --all or --adjust");
	nn_init(co.threads);
	struct model m;
	struct ckpt_meta meta;
	struct norm nm;
	classifier_load(argv[optind], &m, NULL, &meta, &nm);
	if (list) {
		for (int c = 0; c < m.arch.classes; c++)
			puts(meta.classes[c]);
	} else {
		struct emit_ctx e = { .m = &m, .classes = meta.classes, .all = all };
		float *offset = adjust_offsets(&meta, m.arch.classes, adjust);
		class_map(&e.index, meta.classes, m.arch.classes);
		classify_input(&m, &nm, offset, argc - optind == 2 ? argv[optind + 1] : NULL, co.batch,
			       emit, &e);
		strmap_free(&e.index);
		free(offset);
	}
	if (fflush(stdout) || ferror(stdout))
		die("write error: %s", strerror(errno));
	ckpt_meta_free(&meta);
	model_free(&m);
	return 0;
}

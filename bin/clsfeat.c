/* clsfeat: append a classifier's features to each record. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/classifier.h"
#include "cli/cli.h"
#include "img/records.h"
#include "learn/classify.h"
#include "nn/ckpt.h"
#include "nn/model.h"

static const char usage[] =
	"Usage: clsfeat [OPTION]... MODEL [FILE]\n"
	"Print each record of a manifest (path<TAB>class... lines) or of a PAM\n"
	"stream (labelled frames, printed as id<TAB>label) with the features MODEL\n"
	"(a simbal-checkpoint(5)) computes for its image appended as fields: the\n"
	"penultimate layer, after global average pooling (64 numbers for\n"
	"resnet20).  With no FILE, or when FILE is -, read stdin.\n"
	"\n"
	CLASSIFY_USAGE
	"  -h, --help            show this help and exit\n"
	"      --version         show the version and exit\n"
	"\n"
	"Exit status: 0 success, 1 bad data, 2 bad usage.\n";

static void emit(void *ctx, const struct record_copy *rec, int i)
{
	const struct model *m = ctx;
	int dim;
	const float *f = model_features(m, &dim);
	int n = m->last_n;
	fputs(rec->text, stdout);
	for (int c = 0; c < dim; c++)
		printf("\t%.6g", f[(size_t)c * n + i]);
	putchar('\n');
}

int main(int argc, char **argv)
{
	cli_init(argc, argv);
	static const struct option longopts[] = {
		CLASSIFY_LONGOPTS,
		CLI_STD_LONGOPTS,
		{ 0, 0, 0, 0 },
	};
	struct classify_options co = CLASSIFY_OPTIONS_INIT;
	int opt;
	while ((opt = getopt_long(argc, argv, "b:j:h", longopts, NULL)) != -1)
		if (!classify_option(opt, optarg, &co) && !cli_std_option(opt, usage))
			die_usage("unhandled option");
	if (optind == argc || argc - optind > 2)
		die_usage("expected MODEL and at most one FILE");
	nn_init(co.threads);
	struct model m;
	struct ckpt_meta meta;
	struct norm nm;
	classifier_load(argv[optind], &m, NULL, &meta, &nm);
	classify_input(&m, &nm, NULL, argc - optind == 2 ? argv[optind + 1] : NULL, co.batch, emit, &m);
	if (fflush(stdout) || ferror(stdout))
		die("write error: %s", strerror(errno));
	ckpt_meta_free(&meta);
	model_free(&m);
	return 0;
}

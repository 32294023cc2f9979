/* quota: how many images each class of a manifest must gain to reach
 * balance, for gansample --quota and thresh --quota. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "cli/cli.h"
#include "cli/inputs.h"
#include "io/counts.h"
#include "io/input.h"

static const char usage[] =
	"Usage: quota [OPTION]... [MANIFEST]\n"
	"Print how many images each class of a manifest (path<TAB>class lines) must\n"
	"gain to reach its target: class<TAB>n lines, every class, in bytewise order.\n"
	"The target is the largest class's count unless said otherwise.  With no\n"
	"MANIFEST, or when it is -, read stdin.\n"
	"\n"
	"  -s, --strategy=NAME   the classes that gain, as imbalanced-learn names them:\n"
	"                        not-majority (default; with --targets: all),\n"
	"                        all, minority, not-minority\n"
	"  -t, --target=N        every class up to N images\n"
	"  -r, --ratio=R         every class up to floor(R times the largest count)\n"
	"      --targets=FILE    class<TAB>N lines: each class named up to its N; the\n"
	"                        others gain nothing\n"
	"  -x, --over=F          multiply each n by F, rounded up (default 1), to leave\n"
	"                        a filter room to reject\n"
	"  -f, --field=N         take the class from field N (default 2)\n"
	"  -h, --help            show this help and exit\n"
	"      --version         show the version and exit\n"
	"\n"
	"Exit status: 0 success, 1 bad data, 2 bad usage.\n";

enum { OPT_TARGETS = CLI_FIRST_LOCAL };

enum strategy { NOT_MAJORITY, ALL, MINORITY, NOT_MINORITY };

static const char *const strategy_names[] = { "not-majority", "all", "minority",
					      "not-minority" };

struct options {
	enum strategy strategy;
	long target;          /* 0: not given */
	double ratio;         /* 0: not given */
	const char *targets;  /* NULL: not given */
	double over;
	size_t field;
	const char *input;
};

static enum strategy parse_strategy(const char *s)
{
	for (size_t i = 0; i < sizeof strategy_names / sizeof *strategy_names; i++)
		if (strcmp(s, strategy_names[i]) == 0)
			return (enum strategy)i;
	die_usage("--strategy: '%s' is not not-majority, all, minority or not-minority", s);
}

static void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "strategy", required_argument, 0, 's' },
		{ "target", required_argument, 0, 't' },
		{ "ratio", required_argument, 0, 'r' },
		{ "targets", required_argument, 0, OPT_TARGETS },
		{ "over", required_argument, 0, 'x' },
		{ "field", required_argument, 0, 'f' },
		CLI_STD_LONGOPTS,
		{ 0, 0, 0, 0 },
	};
	bool strategy_given = false;
	int opt;
	while ((opt = getopt_long(argc, argv, "s:t:r:x:f:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			o->strategy = parse_strategy(optarg);
			strategy_given = true;
			break;
		case 't': o->target = cli_long("--target", optarg, 1, 1000000000L); break;
		case 'r': o->ratio = cli_double("--ratio", optarg, 1e-9, 1e6); break;
		case OPT_TARGETS: o->targets = optarg; break;
		case 'x': o->over = cli_double("--over", optarg, 1, 1000); break;
		case 'f': o->field = (size_t)cli_long("--field", optarg, 1, INT_MAX); break;
		default:
			if (!cli_std_option(opt, usage))
				die_usage("unhandled option");
		}
	}
	if (optind + 1 < argc)
		die_usage("expected one MANIFEST at most, got %d", argc - optind);
	o->input = optind < argc ? argv[optind] : NULL;
	if ((o->target > 0) + (o->ratio > 0) + (o->targets != NULL) > 1)
		die_usage("give one of --target, --ratio and --targets");
	bool input_stdin = !o->input || strcmp(o->input, "-") == 0;
	if (o->targets && strcmp(o->targets, "-") == 0 && input_stdin)
		die_usage("--targets and the manifest cannot both be the standard input");
	/* targets named one by one are all meant, the largest class's too */
	if (o->targets && !strategy_given)
		o->strategy = ALL;
}

/* Products of decimal options, rounded the way they are meant: 0.29 *
 * 100 is 29 (not 28.999...), 1.1 * 10 is 11 (not 11.000...2).  A slack
 * of 1e-12 relative: far above a double's rounding, far below an image
 * for any count a quota may hold. */
static long floor_product(double a, long b)
{
	double x = a * (double)b;
	return (long)floor(x + 1e-12 * x);
}

static long ceil_product(double a, long b)
{
	double x = a * (double)b;
	return (long)ceil(x - 1e-12 * x);
}

/* The class the strategy names (the largest, or the smallest), ties to
 * the first in bytewise order. */
static size_t extreme_class(const struct counts *c, bool largest)
{
	size_t best = 0;
	for (size_t k = 1; k < c->names.n; k++) {
		long d = c->class[k].n - c->class[best].n;
		if ((largest ? d > 0 : d < 0) ||
		    (d == 0 && strcmp(c->names.key[k], c->names.key[best]) < 0))
			best = k;
	}
	return best;
}

/* Dies unless every class named in the --targets file is one of the
 * manifest's. */
static void check_named(const struct options *o, const struct counts *c,
			const struct counts *named)
{
	for (size_t i = 0; i < named->names.n; i++)
		if (strmap_find(&c->names, named->names.key[i]) == STRMAP_NONE)
			die_at(named->path, named->class[i].line, "no class '%s' in %s",
			       named->names.key[i], input_name(o->input));
}

/* Turns each class's count into its gain, up to its target, times
 * --over; dies, before anything is printed, on a gain that gansample and
 * thresh would refuse.  The targets: level for every class, or those
 * named (-1, no gain, for the others); none for the classes the strategy
 * leaves out. */
static void to_gains(const struct options *o, struct counts *c, const struct counts *named)
{
	size_t major = extreme_class(c, true), minor = extreme_class(c, false);
	long largest = c->class[major].n;
	long level = o->target ? o->target : o->ratio > 0 ? floor_product(o->ratio, largest) : largest;
	for (size_t k = 0; k < c->names.n; k++) {
		size_t at = o->targets ? strmap_find(&named->names, c->names.key[k]) : STRMAP_NONE;
		long target = !o->targets ? level : at == STRMAP_NONE ? -1 : named->class[at].n;
		if ((o->strategy == NOT_MAJORITY && k == major) ||
		    (o->strategy == MINORITY && k != minor) ||
		    (o->strategy == NOT_MINORITY && k == minor))
			target = -1;
		long gain = ceil_product(o->over, target > c->class[k].n ? target - c->class[k].n : 0);
		if (gain > COUNTS_MAX)
			die("%s: class '%s' would gain %ld images, more than %ld",
			    input_name(o->input), c->names.key[k], gain, COUNTS_MAX);
		c->class[k].n = gain;
	}
}

static int by_name(const void *a, const void *b, void *names)
{
	char *const *key = names;
	return strcmp(key[*(const size_t *)a], key[*(const size_t *)b]);
}

int main(int argc, char **argv)
{
	struct options o = { .strategy = NOT_MAJORITY, .over = 1, .field = 2 };
	cli_init(argc, argv);
	parse_options(argc, argv, &o);
	struct counts c = { 0 }, named = { 0 };
	counts_add_manifest_or_die(&c, o.input, o.field);
	if (c.names.n == 0)
		die("%s: empty input", input_name(o.input));
	if (o.targets) {
		counts_add_file_or_die(&named, o.targets);
		check_named(&o, &c, &named);
	}
	to_gains(&o, &c, &named);
	size_t n = c.names.n, *order = xmalloc(n * sizeof *order);
	for (size_t k = 0; k < n; k++)
		order[k] = k;
	qsort_r(order, n, sizeof *order, by_name, c.names.key);
	for (size_t i = 0; i < n; i++)
		printf("%s\t%ld\n", c.names.key[order[i]], c.class[order[i]].n);
	counts_free(&c);
	counts_free(&named);
	free(order);
	return 0;
}

/* meanreduce: group-by mean, standard deviation and standard error. */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/mem.h"
#include "base/num.h"
#include "base/strmap.h"
#include "cli/cli.h"
#include "cli/inputs.h"
#include "io/input.h"
#include "io/tsv.h"

static const char usage[] =
	"Usage: meanreduce [OPTION]... [FILE]...\n"
	"Group the lines of the input by a field and print, for each group in order\n"
	"of first appearance, group<TAB>mean<TAB>count<TAB>sd<TAB>se of a numeric\n"
	"field: sd the sample standard deviation (n-1), se = sd/sqrt(count), nan for\n"
	"a group of one value.  The input need not be sorted.  With no FILE, or when\n"
	"it is -, read stdin.\n"
	"\n"
	"  -g, --group=N         group by field N (default 1)\n"
	"  -f, --field=N         the values are in field N (default: the last field\n"
	"                        of each line)\n"
	"      --narm            skip values that are NaN, NA or empty\n"
	"  -m, --merge           the input is meanreduce output: combine its lines\n"
	"                        group by group, weighted by count, pooled variance\n"
	"  -p, --precision=N     significant digits of mean, sd and se, 1 to 17\n"
	"                        (default 9); use 17 for shards meant for --merge\n"
	"  -h, --help            show this help and exit\n"
	"      --version         show the version and exit\n"
	"\n"
	"Exit status: 0 success, 1 bad data, 2 bad usage.\n";

enum { OPT_NARM = CLI_FIRST_LOCAL };

struct options {
	size_t group; /* 1-based */
	size_t field; /* 1-based; 0: the last field */
	bool narm, merge;
	int precision;
};

/* Running statistics of a group (Welford): n values, their mean, and M2,
 * the sum of squared deviations from the mean.  The mean is kept relative
 * to a shift, the group's first value, so that data far from zero but
 * close together (1e9 + small numbers) is summed as the small numbers:
 * each step then rounds at their scale, not at 1e9's.
 *
 * The values are held divided by 2^scale, a power of two that keeps them
 * below 2^SCALED_MAX: then differences, their squares and M2 stay finite
 * however large the values (up to DBL_MAX).  Dividing by a power of two
 * changes no bit, except of values so small beside the largest that they
 * do not count; and scale stays 0 unless a value reaches 2^SCALED_MAX. */
struct acc {
	uint64_t n;
	int scale;
	double shift, mean, m2; /* the mean is (shift + mean) * 2^scale */
};

/* Differences of two values are below 2^(SCALED_MAX + 1), their squares
 * below 2^922, and M2 of fewer than 2^64 of them below 2^986. */
#define SCALED_MAX 460

/* A group and where it first appears, for messages. */
struct group {
	struct acc acc;
	const char *file;
	long line;
};

struct groups {
	struct strmap names; /* numbered in order of first appearance */
	struct group *v;
	size_t cap;
	size_t lines;
};

static struct acc *group_stat(struct groups *g, const char *name, const struct tsv_reader *r)
{
	size_t n = g->names.n, k = strmap_add(&g->names, name);
	if (k == n) {
		grow_array(&g->v, &g->cap, n + 1, sizeof *g->v);
		g->v[k] = (struct group){ .file = r->name, .line = r->line };
	}
	return &g->v[k].acc;
}

/* The scale at which |x| is below 2^SCALED_MAX. */
static int scale_for(double x)
{
	int e = ilogb(x);
	return x != 0 && e >= SCALED_MAX ? e - SCALED_MAX + 1 : 0;
}

/* Raises the scale of s to at least scale. */
static void rescale(struct acc *s, int scale)
{
	if (scale <= s->scale)
		return;
	int by = s->scale - scale;
	s->shift = ldexp(s->shift, by);
	s->mean = ldexp(s->mean, by);
	s->m2 = ldexp(s->m2, 2 * by);
	s->scale = scale;
}

static void add_value(struct acc *s, double x)
{
	rescale(s, scale_for(x));
	x = ldexp(x, -s->scale);
	if (s->n == 0)
		s->shift = x;
	x -= s->shift;
	s->n++;
	double d = x - s->mean;
	s->mean += d / (double)s->n;
	s->m2 += d * (x - s->mean);
}

/* Chan, Golub and LeVeque's pairwise update: the statistics of the union
 * of two disjoint sets from those of each. */
static void add_acc(struct acc *a, struct acc b)
{
	if (b.n == 0)
		return;
	if (a->n == 0) {
		*a = b;
		return;
	}
	rescale(a, b.scale);
	rescale(&b, a->scale);
	double na = (double)a->n, nb = (double)b.n, n = na + nb;
	double d = (b.shift - a->shift) + (b.mean - a->mean);
	a->mean += d * (nb / n);
	a->m2 += b.m2 + d * d * (na * nb / n);
	a->n += b.n;
}

/* The value of field n of the record: false when --narm skips it. */
static bool field_value(const struct tsv_reader *r, size_t n, bool narm, double *v)
{
	const char *s = r->f[n - 1].s;
	switch (scan_number(s, v)) {
	case NUMBER_OK:
		return true;
	case NUMBER_EMPTY:
		if (!narm)
			die_at(r->name, r->line, "field %zu: empty value (--narm skips it)", n);
		return false;
	case NUMBER_NA:
		if (!narm)
			die_at(r->name, r->line, "field %zu: '%s' is not a number (--narm skips it)",
			       n, s);
		return false;
	case NUMBER_INF:
		die_at(r->name, r->line, "field %zu: '%s' is not a finite number", n, s);
	default:
		die_at(r->name, r->line, "field %zu: '%s' is not a number", n, s);
	}
}

static void reduce_record(const struct options *o, struct tsv_reader *r, struct groups *g)
{
	size_t need = o->group > 2 ? o->group : 2;
	if (o->field > need)
		need = o->field;
	tsv_want_fields_or_die(r, need, 0);
	size_t vf = o->field ? o->field : r->nf;
	if (vf == o->group)
		die_at(r->name, r->line, "no value field: the last field is the group (field %zu)",
		       o->group);
	const char *name = r->f[o->group - 1].s;
	if (!*name)
		die_at(r->name, r->line, "field %zu: empty group", o->group);
	struct acc *s = group_stat(g, name, r);
	double x;
	if (field_value(r, vf, o->narm, &x))
		add_value(s, x);
}

/* A line of earlier output: group, mean, count, sd, se. */
static void merge_record(struct tsv_reader *r, struct groups *g)
{
	tsv_want_fields_or_die(r, 5, 5);
	const char *name = r->f[0].s, *cs = r->f[2].s;
	if (!*name)
		die_at(r->name, r->line, "field 1: empty group");
	char *end;
	errno = 0;
	unsigned long long n = isdigit((unsigned char)*cs) ? strtoull(cs, &end, 10) : 0;
	if (!isdigit((unsigned char)*cs) || *end || errno == ERANGE)
		die_at(r->name, r->line, "field 3: '%s' is not a count", cs);
	double mean = 0, sd = 0;
	if (n > 0 && scan_number(r->f[1].s, &mean) != NUMBER_OK)
		die_at(r->name, r->line, "field 2: mean '%s' is not a finite number", r->f[1].s);
	if (n > 1 && (scan_number(r->f[3].s, &sd) != NUMBER_OK || sd < 0))
		die_at(r->name, r->line,
		       "field 4: sd '%s' is not a non-negative number (count %llu)", r->f[3].s, n);
	struct acc b = { .n = n, .scale = scale_for(fmax(fabs(mean), sd)) };
	b.shift = ldexp(mean, -b.scale);
	sd = ldexp(sd, -b.scale);
	b.m2 = sd * sd * (double)(n - 1);
	add_acc(group_stat(g, name, r), b);
}

static void read_input(const char *path, const struct options *o, struct groups *g)
{
	struct tsv_reader r;
	tsv_open_or_die(&r, path);
	while (tsv_read_or_die(&r)) {
		if (o->merge)
			merge_record(&r, g);
		else
			reduce_record(o, &r, g);
		g->lines++;
	}
	tsv_close(&r);
}

static void put_number(double x, int precision)
{
	if (isnan(x))
		fputs("nan", stdout);
	else
		printf("%.*g", precision, x);
}

/* Mean, sd and se of a group: nan where there are too few values, inf
 * where the result is beyond the range of doubles. */
static void results(const struct acc *s, double *mean, double *sd, double *se)
{
	*mean = s->n ? ldexp(s->shift + s->mean, s->scale) : NAN;
	*sd = *se = NAN;
	if (s->n > 1) {
		double d = sqrt(s->m2 / (double)(s->n - 1));
		*sd = ldexp(d, s->scale);
		*se = ldexp(d / sqrt((double)s->n), s->scale);
	}
}

/* Dies, before anything is printed, if a group's result overflows. */
static void check_range(const struct groups *g)
{
	for (size_t k = 0; k < g->names.n; k++) {
		double mean, sd, se;
		results(&g->v[k].acc, &mean, &sd, &se);
		if (isinf(mean) || isinf(sd))
			die_at(g->v[k].file, g->v[k].line,
			       "group '%s': the %s is beyond the range of doubles (above %.2g)",
			       g->names.key[k], isinf(mean) ? "mean" : "standard deviation",
			       DBL_MAX);
	}
}

static void print_groups(const struct groups *g, int precision)
{
	for (size_t k = 0; k < g->names.n; k++) {
		const struct acc *s = &g->v[k].acc;
		double mean, sd, se;
		results(s, &mean, &sd, &se);
		fputs(g->names.key[k], stdout);
		putchar('\t');
		put_number(mean, precision);
		printf("\t%llu\t", (unsigned long long)s->n);
		put_number(sd, precision);
		putchar('\t');
		put_number(se, precision);
		putchar('\n');
	}
}

static void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "group", required_argument, 0, 'g' },
		{ "field", required_argument, 0, 'f' },
		{ "narm", no_argument, 0, OPT_NARM },
		{ "merge", no_argument, 0, 'm' },
		{ "precision", required_argument, 0, 'p' },
		CLI_STD_LONGOPTS,
		{ 0, 0, 0, 0 },
	};
	bool group_set = false;
	int opt;
	while ((opt = getopt_long(argc, argv, "g:f:mp:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'g':
			o->group = (size_t)cli_long("--group", optarg, 1, INT_MAX);
			group_set = true;
			break;
		case 'f':
			o->field = (size_t)cli_long("--field", optarg, 1, INT_MAX);
			break;
		case OPT_NARM:
			o->narm = true;
			break;
		case 'm':
			o->merge = true;
			break;
		case 'p':
			o->precision = (int)cli_long("--precision", optarg, 1, 17);
			break;
		default:
			if (!cli_std_option(opt, usage))
				die_usage("unhandled option");
		}
	}
	if (o->merge && (group_set || o->field || o->narm))
		die_usage("--merge reads meanreduce output: -g, -f and --narm do not apply");
	if (o->field && o->field == o->group)
		die_usage("--field and --group are both field %zu", o->group);
}

int main(int argc, char **argv)
{
	struct options o = { .group = 1, .precision = 9 };
	cli_init(argc, argv);
	parse_options(argc, argv, &o);
	struct groups g = { 0 };
	if (optind == argc)
		read_input(NULL, &o, &g);
	for (int i = optind; i < argc; i++)
		read_input(argv[i], &o, &g);
	if (g.lines == 0)
		die("%s: empty input", input_name(optind == argc ? NULL : argv[argc - 1]));
	check_range(&g);
	print_groups(&g, o.precision);
	strmap_free(&g.names);
	free(g.v);
	return 0;
}

/* thresh: keep the records a classifier gives their class with
 * probability alpha or more; with a quota, the most probable of each
 * class up to its quota. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/num.h"
#include "cli/cli.h"
#include "cli/inputs.h"
#include "io/counts.h"
#include "io/tsv.h"

static const char usage[] =
	"Usage: thresh -a ALPHA [OPTION]... [FILE]\n"
	"Print the records (TSV lines) whose class probability is ALPHA or more: by\n"
	"default the last field, where clsprob appends the probability of the\n"
	"record's own class.  With no FILE, or when it is -, read stdin.\n"
	"\n"
	"  -a, --alpha=A         the threshold, 0 < A <= 1 (required)\n"
	"  -f, --field=N         the probability is field N (default: the last)\n"
	"  -c, --class-field=N   the class is field N (default 2), for --quota\n"
	"  -q, --quota=FILE      class<TAB>n lines: keep at most n records of each\n"
	"                        class, the most probable (the first read among\n"
	"                        equals), in input order; say on stderr which\n"
	"                        classes fall short\n"
	"  -h, --help            show this help and exit\n"
	"      --version         show the version and exit\n"
	"\n"
	"Exit status: 0 success, 1 bad data, 2 bad usage.\n";

struct options {
	double alpha;
	size_t field;       /* 0: the last */
	size_t class_field;
	const char *quota, *input;
};

/* A record kept for now. */
struct kept {
	double p;
	long seq; /* its number in the input */
	char *text;
};

/* A class's best records so far: a heap of at most cap, the worst at
 * the root (the least probable, the last read among equals). */
struct best {
	struct kept *v;
	size_t n, alloc;
	size_t cap; /* the quota */
	long read, passed;
};

static void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "alpha", required_argument, 0, 'a' },
		{ "field", required_argument, 0, 'f' },
		{ "class-field", required_argument, 0, 'c' },
		{ "quota", required_argument, 0, 'q' },
		CLI_STD_LONGOPTS,
		{ 0, 0, 0, 0 },
	};
	int opt;
	while ((opt = getopt_long(argc, argv, "a:f:c:q:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			o->alpha = cli_double("--alpha", optarg, 0, 1);
			if (o->alpha == 0)
				die_usage("--alpha: 0 keeps everything (0 < ALPHA <= 1)");
			break;
		case 'f': o->field = (size_t)cli_long("--field", optarg, 1, INT_MAX); break;
		case 'c': o->class_field = (size_t)cli_long("--class-field", optarg, 1, INT_MAX); break;
		case 'q': o->quota = optarg; break;
		default:
			if (!cli_std_option(opt, usage))
				die_usage("unhandled option");
		}
	}
	if (o->alpha == 0)
		die_usage("-a ALPHA is required");
	if (optind + 1 < argc)
		die_usage("expected one FILE at most, got %d", argc - optind);
	o->input = optind < argc ? argv[optind] : NULL;
	bool input_stdin = !o->input || strcmp(o->input, "-") == 0;
	if (o->quota && strcmp(o->quota, "-") == 0 && input_stdin)
		die_usage("--quota and the records cannot both be the standard input");
}

/* The record's probability, from field o->field (or the last). */
static double probability(struct tsv_reader *r, const struct options *o)
{
	size_t f = o->field ? o->field : r->nf;
	tsv_want_fields_or_die(r, f, 0);
	const char *s = r->f[f - 1].s;
	double p;
	if (scan_number(s, &p) != NUMBER_OK || !(p >= 0 && p <= 1))
		die_at(r->name, r->line, "field %zu: '%s' is not a probability (0 to 1)", f, s);
	return p;
}

/* a worse than b: kept later in a full heap's place. */
static bool worse(const struct kept *a, const struct kept *b)
{
	return a->p < b->p || (a->p == b->p && a->seq > b->seq);
}

static void swap(struct kept *x, struct kept *y)
{
	struct kept t = *x;
	*x = *y;
	*y = t;
}

static void sift_down(struct best *b, size_t i)
{
	for (;;) {
		size_t w = i, l = 2 * i + 1, r = l + 1;
		if (l < b->n && worse(&b->v[l], &b->v[w]))
			w = l;
		if (r < b->n && worse(&b->v[r], &b->v[w]))
			w = r;
		if (w == i)
			return;
		swap(&b->v[i], &b->v[w]);
		i = w;
	}
}

static void sift_up(struct best *b, size_t i)
{
	while (i > 0) {
		size_t up = (i - 1) / 2;
		if (!worse(&b->v[i], &b->v[up]))
			return;
		swap(&b->v[i], &b->v[up]);
		i = up;
	}
}

/* Keeps the record if it is among the class's best cap. */
static void offer(struct best *b, const struct tsv_reader *r, double p, long seq)
{
	struct kept k = { p, seq, NULL };
	if (b->n < b->cap) {
		grow_array(&b->v, &b->alloc, b->n + 1, sizeof *b->v);
		k.text = tsv_record_dup(r);
		b->v[b->n++] = k;
		sift_up(b, b->n - 1);
	} else if (b->cap > 0 && worse(&b->v[0], &k)) {
		free(b->v[0].text);
		k.text = tsv_record_dup(r);
		b->v[0] = k;
		sift_down(b, 0);
	}
}

static int by_seq(const void *a, const void *b)
{
	long x = ((const struct kept *)a)->seq, y = ((const struct kept *)b)->seq;
	return (x > y) - (x < y);
}

/* Prints the kept records of every class in input order; says on stderr
 * which classes fall short of their quota. */
static void finish(const struct counts *q, struct best *best, double alpha)
{
	size_t total = 0;
	for (size_t k = 0; k < q->names.n; k++)
		total += best[k].n;
	struct kept *all = xmalloc((total ? total : 1) * sizeof *all);
	size_t at = 0;
	for (size_t k = 0; k < q->names.n; k++) {
		if (best[k].n) /* v is NULL until a record is kept */
			memcpy(all + at, best[k].v, best[k].n * sizeof *all);
		at += best[k].n;
		if ((long)best[k].n < q->class[k].n)
			warn("class '%s': %zu kept of %ld (%ld read, %ld at %g or more)",
			     q->names.key[k], best[k].n, q->class[k].n, best[k].read,
			     best[k].passed, alpha);
	}
	qsort(all, total, sizeof *all, by_seq);
	for (size_t i = 0; i < total; i++) {
		puts(all[i].text);
		free(all[i].text);
	}
	free(all);
}

static void keep_quota(const struct options *o, struct tsv_reader *r)
{
	struct counts q = { 0 };
	counts_add_file_or_die(&q, o->quota);
	struct best *best = xcalloc(q.names.n ? q.names.n : 1, sizeof *best);
	for (size_t k = 0; k < q.names.n; k++)
		best[k].cap = (size_t)q.class[k].n;
	for (long seq = 0; tsv_read_or_die(r); seq++) {
		const char *name = tsv_class_or_die(r, o->class_field);
		size_t k = strmap_find(&q.names, name);
		if (k == STRMAP_NONE)
			die_at(r->name, r->line, "class '%s' has no line in the quota %s", name,
			       q.path);
		double p = probability(r, o);
		best[k].read++;
		if (p < o->alpha)
			continue;
		best[k].passed++;
		offer(&best[k], r, p, seq);
	}
	finish(&q, best, o->alpha);
	for (size_t k = 0; k < q.names.n; k++)
		free(best[k].v);
	free(best);
	counts_free(&q);
}

int main(int argc, char **argv)
{
	struct options o = { .class_field = 2 };
	cli_init(argc, argv);
	parse_options(argc, argv, &o);
	struct tsv_reader r;
	tsv_open_or_die(&r, o.input);
	if (o.quota)
		keep_quota(&o, &r);
	else
		while (tsv_read_or_die(&r))
			if (probability(&r, &o) >= o.alpha)
				tsv_write_record(&r, stdout, true);
	tsv_close(&r);
	return 0;
}

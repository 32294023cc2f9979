/* longtail: a long-tailed subset of a manifest (the CIFAR-10-LT protocol). */
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/rng.h"
#include "base/strmap.h"
#include "cli/cli.h"
#include "cli/inputs.h"
#include "io/counts.h"
#include "io/input.h"
#include "io/tsv.h"

static const char usage[] =
	"Usage: longtail [OPTION]... [MANIFEST]\n"
	"Keep a long-tailed subset of a manifest (path<TAB>class lines): class i of C,\n"
	"in order of first appearance, keeps floor(max * ratio^(-i/(C-1))) images\n"
	"chosen by a seeded shuffle, or as many as a --counts file says.  The kept\n"
	"lines are printed as read, in input order.  With no MANIFEST, or when it\n"
	"is -, read stdin.\n"
	"\n"
	"  -r, --ratio=R         imbalance ratio, largest over smallest class (default 100)\n"
	"  -m, --max=N           images of the first class (default: the smallest class)\n"
	"  -p, --profile=P       exp (default) or step: the first half of the classes\n"
	"                        keep max images, the rest floor(max/R)\n"
	"  -o, --order=FILE      class order: one class per line, every class once\n"
	"  -c, --counts=FILE     keep the number of images of each class that FILE's\n"
	"                        class<TAB>n lines say, the classes in its order (no\n"
	"                        --ratio, --max, --profile, --order)\n"
	"      --replace         draw each class's images with replacement: as many\n"
	"                        as asked, more than it has too (random oversampling)\n"
	"  -s, --seed=S          seed of the selection (default 1)\n"
	"  -n, --plan            print class<TAB>kept lines instead of the manifest\n"
	"  -h, --help            show this help and exit\n"
	"      --version         show the version and exit\n"
	"\n"
	"Exit status: 0 success, 1 bad data, 2 bad usage.\n";

enum profile { PROFILE_EXP, PROFILE_STEP };
enum { OPT_REPLACE = CLI_FIRST_LOCAL };

struct options {
	double ratio;
	long max; /* 0: the smallest class count */
	enum profile profile;
	const char *order;
	const char *counts; /* a class<TAB>n file instead of the four above */
	uint64_t seed;
	bool plan, replace;
};

/* Per-class data, at the class's number in struct classes. */
struct class {
	size_t count;
	long first_line; /* where it first appears, for messages */
	long listed_at;  /* its line in the --order file; 0: not (yet) listed */
	size_t keep;     /* n_i */
};

struct classes {
	struct strmap names; /* numbered in order of first appearance */
	struct class *v;     /* v[k]: class number k */
	size_t cap;
	size_t *order;       /* class numbers in class order */
};

struct line {
	char *text; /* as read, without the newline */
	size_t cls; /* class number */
};

struct manifest {
	const char *name;
	struct line *v;
	size_t n, cap;
};

/* The number of class s, added when new as first seen on line. */
static size_t class_add(struct classes *c, const char *s, long line)
{
	size_t n = c->names.n, k = strmap_add(&c->names, s);
	if (k == n) {
		grow_array(&c->v, &c->cap, n + 1, sizeof *c->v);
		c->v[k] = (struct class){ .first_line = line };
	}
	return k;
}

static void read_manifest(const char *path, struct manifest *m, struct classes *c)
{
	struct tsv_reader r;
	tsv_open_or_die(&r, path);
	m->name = r.name;
	while (tsv_read_or_die(&r)) {
		size_t k = class_add(c, tsv_class_or_die(&r, 2), r.line);
		c->v[k].count++;
		grow_array(&m->v, &m->cap, m->n + 1, sizeof *m->v);
		m->v[m->n++] = (struct line){ tsv_record_dup(&r), k };
	}
	tsv_close(&r);
	if (m->n == 0)
		die("%s: empty input", m->name);
}

/* Dies unless every class of the manifest was listed (listed_at) in the
 * file named list. */
static void check_all_listed(const struct manifest *m, const struct classes *c, const char *list)
{
	for (size_t k = 0; k < c->names.n; k++)
		if (!c->v[k].listed_at)
			die_at(m->name, c->v[k].first_line, "class '%s' is not listed in %s",
			       c->names.key[k], list);
}

/* The class order as --order lists it.  Every class of the input must be
 * listed exactly once; blank lines are skipped. */
static void read_order(const char *path, const struct manifest *m, struct classes *c)
{
	c->order = xmalloc(c->names.n * sizeof *c->order);
	size_t n = 0;
	struct tsv_reader r;
	tsv_open_or_die(&r, path);
	while (tsv_read_or_die(&r)) {
		if (r.len == 0)
			continue;
		tsv_want_fields_or_die(&r, 1, 1);
		size_t k = strmap_find(&c->names, r.f[0].s);
		if (k == STRMAP_NONE)
			die_at(r.name, r.line, "class '%s' is not in %s", r.f[0].s, m->name);
		if (c->v[k].listed_at)
			die_at(r.name, r.line, "class '%s' listed twice (first on line %ld)", r.f[0].s,
			       c->v[k].listed_at);
		c->v[k].listed_at = r.line;
		c->order[n++] = k;
	}
	tsv_close(&r);
	check_all_listed(m, c, input_name(path));
}

/* Without --order: order of first appearance. */
static void default_order(struct classes *c)
{
	c->order = xmalloc(c->names.n * sizeof *c->order);
	for (size_t k = 0; k < c->names.n; k++)
		c->order[k] = k;
}

/* n_i for class i of nc.  The epsilon keeps a value that is mathematically
 * whole from flooring one below through rounding error: 40 * 32^(-2/5) is
 * 10, but computes as 9.9999999999999982. */
static size_t keep_count(const struct options *o, size_t nmax, size_t i, size_t nc)
{
	if (nc == 1 || i == 0)
		return nmax;
	double x;
	if (o->profile == PROFILE_STEP)
		x = i < nc / 2 ? (double)nmax : (double)nmax / o->ratio;
	else
		x = (double)nmax * pow(o->ratio, -(double)i / (double)(nc - 1));
	return (size_t)floor(x + 1e-9);
}

static size_t smallest_count(const struct classes *c)
{
	size_t min = SIZE_MAX;
	for (size_t k = 0; k < c->names.n; k++)
		min = c->v[k].count < min ? c->v[k].count : min;
	return min;
}

/* The shuffle draws indices as 32-bit numbers. */
static void check_shuffle_size(const struct manifest *m, const struct classes *c, size_t k)
{
	if (c->v[k].count > UINT32_MAX)
		die("%s: class '%s' has more than %" PRIu32 " images", m->name, c->names.key[k],
		    UINT32_MAX);
}

static void plan(const struct options *o, const struct manifest *m, struct classes *c)
{
	size_t nmax = o->max ? (size_t)o->max : smallest_count(c);
	for (size_t i = 0; i < c->names.n; i++) {
		struct class *cl = &c->v[c->order[i]];
		const char *name = c->names.key[c->order[i]];
		cl->keep = keep_count(o, nmax, i, c->names.n);
		check_shuffle_size(m, c, c->order[i]);
		if (cl->keep > cl->count && !o->replace)
			die("%s: class '%s' has %zu images, fewer than the %zu it must keep "
			    "(--max %zu)",
			    m->name, name, cl->count, cl->keep, nmax);
	}
}

/* The counts and the order a --counts file gives (the lines of a class
 * added up, as every reader of such files does), every class of the
 * manifest listed and every listed class in it; the order is that of the
 * classes' first lines. */
static void counts_plan(const struct options *o, const struct counts *want,
			const struct manifest *m, struct classes *c)
{
	c->order = xmalloc(c->names.n * sizeof *c->order);
	for (size_t i = 0; i < want->names.n; i++) {
		const char *name = want->names.key[i];
		long line = want->class[i].line;
		size_t k = strmap_find(&c->names, name);
		if (k == STRMAP_NONE)
			die_at(want->path, line, "class '%s' is not in %s", name, m->name);
		struct class *cl = &c->v[k];
		cl->listed_at = line;
		cl->keep = (size_t)want->class[i].n;
		check_shuffle_size(m, c, k);
		if (cl->keep > cl->count && !o->replace)
			die_at(want->path, line, "class '%s' has %zu images in %s, fewer than %zu",
			       name, cl->count, m->name, cl->keep);
		c->order[i] = k;
	}
	check_all_listed(m, c, want->path);
}

/* Classes whose n_i is 0 vanish from the output: say so, once. */
static void warn_empty(const struct options *o, const struct classes *c)
{
	size_t n = 0;
	for (size_t k = 0; k < c->names.n; k++)
		n += c->v[k].keep == 0;
	const char *keep = n == 1 ? "class keeps" : "classes keep";
	if (n && o->counts)
		warn("%zu %s no image in %s", n, keep, input_name(o->counts));
	else if (n)
		warn("%zu %s no image at ratio %g", n, keep, o->ratio);
}

/* How many times each line is printed: each class draws from its own
 * stream (its position in the order), so one class's selection does not
 * depend on the others; it shuffles its lines and keeps the first, or
 * with --replace draws each of its n_i from all its lines. */
static size_t *select_lines(const struct options *o, const struct manifest *m,
			    const struct classes *c)
{
	/* The lines of each class, in input order, grouped by class. */
	size_t nc = c->names.n, *start = xcalloc(nc + 1, sizeof *start);
	for (size_t l = 0; l < m->n; l++)
		start[m->v[l].cls + 1]++;
	for (size_t k = 0; k < nc; k++)
		start[k + 1] += start[k];
	size_t *idx = xmalloc(m->n * sizeof *idx), *fill = xmalloc(nc * sizeof *fill);
	memcpy(fill, start, nc * sizeof *fill);
	for (size_t l = 0; l < m->n; l++)
		idx[fill[m->v[l].cls]++] = l;

	size_t *keep = xcalloc(m->n, sizeof *keep);
	for (size_t i = 0; i < nc; i++) {
		size_t k = c->order[i];
		struct rng r;
		rng_seed(&r, o->seed, i);
		if (o->replace) {
			for (size_t j = 0; j < c->v[k].keep; j++)
				keep[idx[start[k] + rng_below(&r, (uint32_t)c->v[k].count)]]++;
			continue;
		}
		rng_shuffle(&r, idx + start[k], c->v[k].count);
		for (size_t j = 0; j < c->v[k].keep; j++)
			keep[idx[start[k] + j]] = 1;
	}
	free(start);
	free(idx);
	free(fill);
	return keep;
}

static bool is_stdin(const char *path)
{
	return !path || strcmp(path, "-") == 0;
}

/* Returns the MANIFEST argument, NULL when there is none. */
static const char *parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "ratio", required_argument, 0, 'r' },
		{ "max", required_argument, 0, 'm' },
		{ "profile", required_argument, 0, 'p' },
		{ "order", required_argument, 0, 'o' },
		{ "seed", required_argument, 0, 's' },
		{ "counts", required_argument, 0, 'c' },
		{ "plan", no_argument, 0, 'n' },
		{ "replace", no_argument, 0, OPT_REPLACE },
		CLI_STD_LONGOPTS,
		{ 0, 0, 0, 0 },
	};
	int opt;
	const char *shape = NULL; /* the last of --ratio, --max, --profile, --order */
	while ((opt = getopt_long(argc, argv, "r:m:p:o:s:c:nh", longopts, NULL)) != -1) {
		for (const struct option *lo = longopts; lo->name; lo++)
			if (lo->val == opt && strchr("rmpo", opt))
				shape = lo->name;
		switch (opt) {
		case 'r':
			o->ratio = cli_double("--ratio", optarg, 1, 1e12);
			break;
		case 'm':
			o->max = cli_long("--max", optarg, 1, LONG_MAX);
			break;
		case 'p':
			if (strcmp(optarg, "exp") == 0)
				o->profile = PROFILE_EXP;
			else if (strcmp(optarg, "step") == 0)
				o->profile = PROFILE_STEP;
			else
				die_usage("--profile: '%s' is not exp or step", optarg);
			break;
		case 'o':
			o->order = optarg;
			break;
		case 's':
			o->seed = cli_u64("--seed", optarg);
			break;
		case 'c':
			o->counts = optarg;
			break;
		case 'n':
			o->plan = true;
			break;
		case OPT_REPLACE:
			o->replace = true;
			break;
		default:
			if (!cli_std_option(opt, usage))
				die_usage("unhandled option");
		}
	}
	if (argc - optind > 1)
		die_usage("one MANIFEST at most");
	const char *manifest = optind < argc ? argv[optind] : NULL;
	if (o->counts && shape)
		die_usage("--counts gives the counts: --%s cannot shape them", shape);
	/* Both would read the one stdin: the second would find it consumed. */
	if (o->order && is_stdin(o->order) && is_stdin(manifest))
		die_usage("--order: cannot read stdin, the manifest is read from it");
	if (o->counts && is_stdin(o->counts) && is_stdin(manifest))
		die_usage("--counts: cannot read stdin, the manifest is read from it");
	return manifest;
}

int main(int argc, char **argv)
{
	struct options o = { .ratio = 100, .seed = RNG_SEED_DEFAULT };
	cli_init(argc, argv);
	const char *manifest = parse_options(argc, argv, &o);
	struct manifest m = { 0 };
	struct classes c = { 0 };
	struct counts want = { 0 };
	/* before the manifest: a file of another shape fails without it */
	if (o.counts)
		counts_add_file_or_die(&want, o.counts);
	read_manifest(manifest, &m, &c);
	if (o.counts) {
		counts_plan(&o, &want, &m, &c);
	} else {
		if (o.order)
			read_order(o.order, &m, &c);
		else
			default_order(&c);
		plan(&o, &m, &c);
	}
	warn_empty(&o, &c);
	if (o.plan) {
		for (size_t i = 0; i < c.names.n; i++)
			printf("%s\t%zu\n", c.names.key[c.order[i]], c.v[c.order[i]].keep);
	} else {
		size_t *keep = select_lines(&o, &m, &c);
		for (size_t l = 0; l < m.n; l++)
			for (size_t t = 0; t < keep[l]; t++)
				printf("%s\n", m.v[l].text);
		free(keep);
	}
	for (size_t l = 0; l < m.n; l++)
		free(m.v[l].text);
	free(m.v);
	strmap_free(&c.names);
	free(c.v);
	free(c.order);
	counts_free(&want);
	return 0;
}

/* imgpairs: random (or all) pairs of distinct images within each group. */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/rng.h"
#include "base/strmap.h"
#include "cli/cli.h"
#include "cli/inputs.h"
#include "io/input.h"
#include "io/tsv.h"

static const char usage[] =
	"Usage: imgpairs [OPTION]... [FILE]...\n"
	"Read grouped records (group<TAB>path[<TAB>more...] lines, in any order) and\n"
	"print group<TAB>pathA<TAB>pathB lines: for each group, in order of first\n"
	"appearance, floor(K*n + 0.5) random pairs of two different images of its n,\n"
	"or with --all every unordered pair once.  A path repeated in a group is\n"
	"one image, with a warning; groups of one image are skipped with a warning.\n"
	"With no FILE, or when it is -, read stdin.\n"
	"\n"
	"  -k, --factor=K        pairs per image of the group (default 2, as in the\n"
	"                        paper); a positive number\n"
	"  -a, --all             every unordered pair: n(n-1)/2 lines for a group of n\n"
	"  -s, --seed=S          seed of the draw (default 1)\n"
	"  -l, --lines           put the input lines of the two images before their\n"
	"                        paths: group<TAB>lineA<TAB>lineB<TAB>pathA<TAB>pathB\n"
	"  -h, --help            show this help and exit\n"
	"      --version         show the version and exit\n"
	"\n"
	"Exit status: 0 success, 1 bad data, 2 bad usage.\n";

/* The largest K: K*n stays far below 2^63 for any group rng_below can draw
 * from (n < 2^32). */
#define K_MAX 1e6

struct options {
	double k;
	bool k_set, all, lines;
	uint64_t seed;
};

/* The members of a group: their distinct paths, in input order, and the
 * input line where each first appears. */
struct group {
	const char **path; /* into the keys of members */
	long *path_line;
	size_t n, cap, path_line_cap;
	const char *file; /* where it first appears, for messages */
	long line;
};

struct groups {
	struct strmap names; /* numbered in order of first appearance */
	struct group *v;
	size_t cap;
	/* "k<TAB>path" for each path of group number k, once: a path met
	 * again in its group is found here. */
	struct strmap members;
	char *key;
	size_t key_cap;
	size_t lines;
};

/* Adds path, read on line, to group number k; false when the group
 * already has it. */
static bool add_path(struct groups *g, size_t k, const struct tsv_field *path, long line)
{
	grow_array(&g->key, &g->key_cap, path->n + 24, 1);
	int prefix = sprintf(g->key, "%zu\t", k);
	memcpy(g->key + prefix, path->s, path->n + 1);
	size_t n = g->members.n, m = strmap_add(&g->members, g->key);
	if (m < n)
		return false;
	struct group *gr = &g->v[k];
	grow_array(&gr->path, &gr->cap, gr->n + 1, sizeof *gr->path);
	grow_array(&gr->path_line, &gr->path_line_cap, gr->n + 1, sizeof *gr->path_line);
	gr->path_line[gr->n] = line;
	gr->path[gr->n++] = g->members.key[m] + prefix;
	return true;
}

static void read_records(const char *path, struct groups *g)
{
	struct tsv_reader r;
	tsv_open_or_die(&r, path);
	while (tsv_read_or_die(&r)) {
		tsv_want_fields_or_die(&r, 2, 0);
		if (r.f[0].n == 0)
			die_at(r.name, r.line, "empty group name");
		if (r.f[1].n == 0)
			die_at(r.name, r.line, "empty path");
		size_t n = g->names.n, k = strmap_add(&g->names, r.f[0].s);
		if (k == n) {
			grow_array(&g->v, &g->cap, n + 1, sizeof *g->v);
			g->v[k] = (struct group){ .file = r.name, .line = r.line };
		}
		if (g->v[k].n == UINT32_MAX)
			die_at(r.name, r.line, "group '%s' has more than %" PRIu32 " images",
			       r.f[0].s, UINT32_MAX);
		if (!add_path(g, k, &r.f[1], r.line))
			warn("%s:%ld: '%s' is already in group '%s': counted once", r.name, r.line,
			     r.f[1].s, r.f[0].s);
		g->lines++;
	}
	tsv_close(&r);
}

static void put_pair(const struct options *o, const char *group, const struct group *gr,
		     size_t i, size_t j)
{
	fputs(group, stdout);
	putchar('\t');
	if (o->lines)
		printf("%ld\t%ld\t", gr->path_line[i], gr->path_line[j]);
	fputs(gr->path[i], stdout);
	putchar('\t');
	fputs(gr->path[j], stdout);
	putchar('\n');
}

/* floor(K*n + 0.5) pairs, at least one: i uniform over the n images, j over
 * the n-1 others.  Group number k draws from stream k of the generator, so
 * each group's pairs depend on the seed and its own members only. */
static void random_pairs(const struct options *o, const struct groups *g, size_t k)
{
	const struct group *gr = &g->v[k];
	uint32_t n = (uint32_t)gr->n;
	uint64_t npairs = (uint64_t)floor(o->k * (double)n + 0.5);
	if (npairs == 0)
		npairs = 1;
	struct rng r;
	rng_seed(&r, o->seed, k);
	for (uint64_t p = 0; p < npairs; p++) {
		uint32_t i = rng_below(&r, n), j = rng_below(&r, n - 1);
		if (j >= i)
			j++;
		put_pair(o, g->names.key[k], gr, i, j);
	}
}

static void all_pairs(const struct options *o, const struct groups *g, size_t k)
{
	const struct group *gr = &g->v[k];
	for (size_t i = 0; i < gr->n; i++)
		for (size_t j = i + 1; j < gr->n; j++)
			put_pair(o, g->names.key[k], gr, i, j);
}

/* With no group of two images: whether every line was a group of its own
 * while some "path" came in several of them, as the class of a manifest
 * given without supgroup does. */
static bool looks_like_manifest(const struct groups *g)
{
	if (g->names.n != g->lines)
		return false;
	struct strmap paths = { 0 };
	for (size_t k = 0; k < g->names.n; k++)
		strmap_add(&paths, g->v[k].path[0]);
	bool repeated = paths.n < g->names.n;
	strmap_free(&paths);
	return repeated;
}

static void groups_free(struct groups *g)
{
	for (size_t k = 0; k < g->names.n; k++) {
		free(g->v[k].path);
		free(g->v[k].path_line);
	}
	free(g->v);
	free(g->key);
	strmap_free(&g->members);
	strmap_free(&g->names);
}

static void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "factor", required_argument, 0, 'k' },
		{ "all", no_argument, 0, 'a' },
		{ "seed", required_argument, 0, 's' },
		{ "lines", no_argument, 0, 'l' },
		CLI_STD_LONGOPTS,
		{ 0, 0, 0, 0 },
	};
	int opt;
	while ((opt = getopt_long(argc, argv, "k:as:lh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'k':
			o->k = cli_double("-k", optarg, 0, K_MAX);
			if (o->k <= 0)
				die_usage("-k: must be greater than 0");
			o->k_set = true;
			break;
		case 'a':
			o->all = true;
			break;
		case 's':
			o->seed = cli_u64("--seed", optarg);
			break;
		case 'l':
			o->lines = true;
			break;
		default:
			if (!cli_std_option(opt, usage))
				die_usage("unhandled option");
		}
	}
	if (o->all && o->k_set)
		die_usage("-k and --all exclude each other");
}

int main(int argc, char **argv)
{
	struct options o = { .k = 2, .seed = RNG_SEED_DEFAULT };
	cli_init(argc, argv);
	parse_options(argc, argv, &o);
	struct groups g = { 0 };
	if (optind == argc)
		read_records(NULL, &g);
	for (int i = optind; i < argc; i++)
		read_records(argv[i], &g);
	const char *last = input_name(optind == argc ? NULL : argv[argc - 1]);
	if (g.lines == 0)
		die("%s: empty input", last);
	size_t usable = 0;
	for (size_t k = 0; k < g.names.n; k++)
		usable += g.v[k].n >= 2;
	if (usable == 0 && looks_like_manifest(&g))
		die("%s: every line is a group of its own, and field 2 repeats as a class would: "
		    "a manifest (path<TAB>class) needs its groups put in front by supgroup "
		    "(supgroup --self MANIFEST | imgpairs)", last);
	if (usable == 0)
		die("%s: no group has two images or more", last);
	for (size_t k = 0; k < g.names.n; k++) {
		if (g.v[k].n < 2) {
			warn("%s:%ld: group '%s' has a single image: skipped", g.v[k].file,
			     g.v[k].line, g.names.key[k]);
			continue;
		}
		if (o.all)
			all_pairs(&o, &g, k);
		else
			random_pairs(&o, &g, k);
	}
	groups_free(&g);
	return 0;
}

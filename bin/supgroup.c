/* supgroup: prepend each manifest line's super-class as a new field 1. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/strmap.h"
#include "cli/cli.h"
#include "cli/inputs.h"
#include "io/input.h"
#include "io/tsv.h"

static const char usage[] =
	"Usage: supgroup [OPTION]... HIER [MANIFEST]...\n"
	"   or: supgroup --flat[=NAME] | --self [OPTION]... [MANIFEST]...\n"
	"Print each line of the manifests (path<TAB>class lines) with its group\n"
	"prepended as a new field 1: the super-class of its class in HIER\n"
	"(class<TAB>superclass lines).  The rest of the line is kept as read.\n"
	"With no MANIFEST, or when it is -, read stdin.\n"
	"\n"
	"      --flat[=NAME]     put every line in one group named NAME (default\n"
	"                        all): SSIM-mergeCls; no HIER\n"
	"      --self            make each class its own group; no HIER\n"
	"  -u, --unmapped=MODE   a class missing from HIER: error (default), self\n"
	"                        (its own group) or drop (drop the line, warn once)\n"
	"  -h, --help            show this help and exit\n"
	"      --version         show the version and exit\n"
	"\n"
	"Exit status: 0 success, 1 bad data, 2 bad usage.\n";

enum { OPT_FLAT = CLI_FIRST_LOCAL, OPT_SELF };
enum mode { MODE_HIER, MODE_FLAT, MODE_SELF };
enum unmapped { UNMAPPED_ERROR, UNMAPPED_SELF, UNMAPPED_DROP };

struct options {
	enum mode mode;
	const char *flat_name;
	enum unmapped unmapped;
	bool unmapped_set;
};

/* The hierarchy: the classes numbered by strmap, v[k] what class k maps to. */
struct mapping {
	char *sup;  /* its super-class */
	long line;  /* the line of HIER that maps it */
};

struct hier {
	const char *name;
	struct strmap classes;
	struct mapping *v;
	size_t cap;
};

static void read_hier(const char *path, struct hier *h)
{
	struct tsv_reader r;
	tsv_open_or_die(&r, path);
	h->name = r.name;
	while (tsv_read_or_die(&r)) {
		if (r.len == 0)
			continue;
		tsv_want_fields_or_die(&r, 2, 2);
		const char *cls = r.f[0].s, *sup = r.f[1].s;
		if (!*cls)
			die_at(r.name, r.line, "empty class name");
		if (!*sup)
			die_at(r.name, r.line, "empty super-class name");
		size_t n = h->classes.n, k = strmap_add(&h->classes, cls);
		if (k < n) {
			if (strcmp(h->v[k].sup, sup) != 0)
				die_at(r.name, r.line, "class '%s' maps to '%s', but line %ld maps it to '%s'",
				       cls, sup, h->v[k].line, h->v[k].sup);
			die_at(r.name, r.line, "class '%s' listed twice (first on line %ld)", cls,
			       h->v[k].line);
		}
		grow_array(&h->v, &h->cap, n + 1, sizeof *h->v);
		h->v[k] = (struct mapping){ xstrdup(sup), r.line };
	}
	tsv_close(&r);
	if (h->classes.n == 0)
		die("%s: empty hierarchy", h->name);
}

static void hier_free(struct hier *h)
{
	for (size_t k = 0; k < h->classes.n; k++)
		free(h->v[k].sup);
	free(h->v);
	strmap_free(&h->classes);
}

/* Prints the lines of one manifest with their group; returns the number of
 * lines read and adds the dropped ones to *dropped. */
static size_t group_manifest(const char *path, const struct options *o, const struct hier *h,
			     size_t *dropped)
{
	struct tsv_reader r;
	tsv_open_or_die(&r, path);
	size_t n = 0;
	while (tsv_read_or_die(&r)) {
		n++;
		const char *cls = tsv_class_or_die(&r, 2), *group;
		if (o->mode == MODE_FLAT) {
			group = o->flat_name;
		} else if (o->mode == MODE_SELF) {
			group = cls;
		} else {
			size_t k = strmap_find(&h->classes, cls);
			if (k != STRMAP_NONE) {
				group = h->v[k].sup;
			} else if (o->unmapped == UNMAPPED_SELF) {
				group = cls;
			} else if (o->unmapped == UNMAPPED_DROP) {
				++*dropped;
				continue;
			} else {
				die_at(r.name, r.line, "class '%s' is not in %s", cls, h->name);
			}
		}
		fputs(group, stdout);
		putchar('\t');
		tsv_write_record(&r, stdout, true);
	}
	tsv_close(&r);
	return n;
}

static bool is_stdin(const char *path)
{
	return strcmp(path, "-") == 0;
}

static void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "flat", optional_argument, 0, OPT_FLAT },
		{ "self", no_argument, 0, OPT_SELF },
		{ "unmapped", required_argument, 0, 'u' },
		CLI_STD_LONGOPTS,
		{ 0, 0, 0, 0 },
	};
	int opt;
	while ((opt = getopt_long(argc, argv, "u:h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_FLAT:
			if (o->mode == MODE_SELF)
				die_usage("--flat and --self exclude each other");
			o->mode = MODE_FLAT;
			o->flat_name = optarg ? optarg : "all";
			if (!*o->flat_name)
				die_usage("--flat: empty group name");
			if (strpbrk(o->flat_name, "\t\n"))
				die_usage("--flat: a group name cannot hold a TAB or a newline");
			break;
		case OPT_SELF:
			if (o->mode == MODE_FLAT)
				die_usage("--flat and --self exclude each other");
			o->mode = MODE_SELF;
			break;
		case 'u':
			if (strcmp(optarg, "error") == 0)
				o->unmapped = UNMAPPED_ERROR;
			else if (strcmp(optarg, "self") == 0)
				o->unmapped = UNMAPPED_SELF;
			else if (strcmp(optarg, "drop") == 0)
				o->unmapped = UNMAPPED_DROP;
			else
				die_usage("--unmapped: '%s' is not error, self or drop", optarg);
			o->unmapped_set = true;
			break;
		default:
			if (!cli_std_option(opt, usage))
				die_usage("unhandled option");
		}
	}
	if (o->mode != MODE_HIER && o->unmapped_set)
		die_usage("--unmapped needs a hierarchy; --%s has none",
			  o->mode == MODE_FLAT ? "flat" : "self");
	if (o->mode == MODE_HIER && optind == argc)
		die_usage("missing HIER");
	/* HIER and a manifest would both read the one stdin. */
	if (o->mode == MODE_HIER && is_stdin(argv[optind])) {
		bool manifest_stdin = optind + 1 == argc;
		for (int i = optind + 1; i < argc; i++)
			manifest_stdin = manifest_stdin || is_stdin(argv[i]);
		if (manifest_stdin)
			die_usage("HIER: cannot read stdin, a manifest is read from it");
	}
}

int main(int argc, char **argv)
{
	struct options o = { .mode = MODE_HIER };
	cli_init(argc, argv);
	parse_options(argc, argv, &o);
	struct hier h = { 0 };
	int first = optind;
	if (o.mode == MODE_HIER)
		read_hier(argv[first++], &h);
	size_t lines = 0, dropped = 0;
	if (first == argc)
		lines += group_manifest(NULL, &o, &h, &dropped);
	for (int i = first; i < argc; i++)
		lines += group_manifest(argv[i], &o, &h, &dropped);
	if (lines == 0)
		die("%s: empty input", input_name(first == argc ? NULL : argv[argc - 1]));
	if (dropped)
		warn("dropped %zu %s whose class is not in %s", dropped,
		     dropped == 1 ? "line" : "lines", h.name);
	hier_free(&h);
	return 0;
}

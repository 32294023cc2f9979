/* classcount: images per class of a manifest, optionally as a bar chart. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "cli/cli.h"
#include "cli/inputs.h"
#include "cli/outputs.h"
#include "io/counts.h"
#include "io/input.h"
#include "io/plot.h"
#include "io/tsv.h"

static const char usage[] =
	"Usage: classcount [OPTION]... [MANIFEST]...\n"
	"Count the images of each class in the manifests (path<TAB>class lines) and\n"
	"print class<TAB>count lines, largest count first, ties by class name.\n"
	"With no MANIFEST, or when it is -, read stdin.\n"
	"\n"
	"  -f, --field=N         take the class from field N (default 2)\n"
	"      --plot=FILE.png   also draw the counts as a bar chart (needs gnuplot)\n"
	"      --title=TEXT      title of the bar chart\n"
	"  -h, --help            show this help and exit\n"
	"      --version         show the version and exit\n"
	"\n"
	"Exit status: 0 success, 1 bad data, 2 bad usage.\n";

enum { OPT_PLOT = CLI_FIRST_LOCAL, OPT_TITLE };

struct options {
	size_t field; /* 1-based */
	const char *plot, *title;
};

/* The images of each class; order lists the class numbers in output
 * order once sorted. */
struct classes {
	struct counts counts;
	size_t *order;
};

static void classes_free(struct classes *c)
{
	counts_free(&c->counts);
	free(c->order);
}

static int by_count(const void *a, const void *b, void *classes)
{
	const struct classes *c = classes;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	if (c->counts.class[x].n != c->counts.class[y].n)
		return c->counts.class[x].n > c->counts.class[y].n ? -1 : 1;
	return strcmp(c->counts.names.key[x], c->counts.names.key[y]);
}

/* Largest count first, ties by name bytewise. */
static void sort_classes(struct classes *c)
{
	c->order = xmalloc(c->counts.names.n * sizeof *c->order);
	for (size_t k = 0; k < c->counts.names.n; k++)
		c->order[k] = k;
	qsort_r(c->order, c->counts.names.n, sizeof *c->order, by_count, c);
}

static void write_script(FILE *gp, const struct classes *c, const char *title)
{
	/* Wide enough for every bar to get a readable tick label; taller, and
	 * a wider left margin, for long labels, which are drawn at 45 degrees
	 * and the first reaches left of its bar. */
	size_t n = c->counts.names.n, top = c->order[0], longest = 0;
	for (size_t k = 0; k < n; k++) {
		size_t len = strlen(c->counts.names.key[k]);
		longest = len > longest ? len : longest;
	}
	longest = longest > 60 ? 60 : longest;
	size_t first = strlen(c->counts.names.key[top]);
	first = first > 60 ? 60 : first;
	size_t w = 160 + 40 * n, h = 400 + 7 * longest;
	w = w < 640 ? 640 : w > 16000 ? 16000 : w;
	size_t lmargin = 7 * first / 10 + 2;
	lmargin = lmargin < 10 ? 10 : lmargin;
	plot_png_terminal(gp, (unsigned)w, (unsigned)h);
	fprintf(gp, "set lmargin %zu\nunset key\n", lmargin);
	if (title) {
		fputs("set title ", gp);
		plot_put_string(gp, title);
		fputs(" noenhanced\n", gp);
	}
	fprintf(gp, "set style fill solid 0.8 border -1\nset boxwidth 0.8\n"
		    "set xrange [-0.5:%zu.5]\nset yrange [0:*]\n"
		    "set offsets 0,0,graph 0.08,0\nset ylabel 'images'\n"
		    "set grid ytics\nset xtics nomirror rotate by 45 right noenhanced\n",
		n - 1);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? "set xtics add (" : "set xtics (", gp);
		plot_put_string(gp, c->counts.names.key[c->order[i]]);
		fprintf(gp, " %zu)\n", i);
	}
	/* Counts are whole numbers: no fractional ticks on a short axis. */
	if (c->counts.class[top].n <= 10)
		fputs("set ytics 1\n", gp);
	/* Bars, then their counts written above them: inline data once each. */
	fputs("plot '-' using 1:2 with boxes lc rgb '#4472c4', "
	      "'-' using 1:2:(sprintf('%d', $2)) with labels offset 0,0.7\n", gp);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++)
			fprintf(gp, "%zu %ld\n", i, c->counts.class[c->order[i]].n);
		fputs("e\n", gp);
	}
}

/* Draws the chart into p, opened before the input was read. */
static void draw_chart(struct plot *p, const struct classes *c, const char *title)
{
	char err[ERRLEN];
	FILE *gp = plot_begin(p, err);
	if (!gp)
		die("%s", err);
	write_script(gp, c, title);
	if (plot_finish(p, err))
		die("%s", err);
}

static void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "field", required_argument, 0, 'f' },
		{ "plot", required_argument, 0, OPT_PLOT },
		{ "title", required_argument, 0, OPT_TITLE },
		CLI_STD_LONGOPTS,
		{ 0, 0, 0, 0 },
	};
	int opt;
	while ((opt = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			o->field = (size_t)cli_long("--field", optarg, 1, INT_MAX);
			break;
		case OPT_PLOT:
			o->plot = optarg;
			break;
		case OPT_TITLE:
			o->title = optarg;
			break;
		default:
			if (!cli_std_option(opt, usage))
				die_usage("unhandled option");
		}
	}
}

int main(int argc, char **argv)
{
	struct options o = { .field = 2 };
	cli_init(argc, argv);
	parse_options(argc, argv, &o);
	/* gnuplot found and the output opened before any input is read, so
	 * that a long stream is not consumed for nothing. */
	struct plot p = { 0 };
	if (o.plot)
		plot_open_or_die(&p, "--plot", o.plot);
	for (int i = optind; o.plot && i < argc; i++)
		files_distinct((struct named_file[]){ { "--plot", o.plot, true },
						      { "MANIFEST", argv[i], false } },
			       2);
	struct classes c = { 0 };
	if (optind == argc)
		counts_add_manifest_or_die(&c.counts, NULL, o.field);
	for (int i = optind; i < argc; i++)
		counts_add_manifest_or_die(&c.counts, argv[i], o.field);
	if (c.counts.names.n == 0)
		die("%s: empty input", input_name(optind == argc ? NULL : argv[argc - 1]));
	sort_classes(&c);
	/* The chart first: if it fails, nothing at all is printed. */
	if (o.plot)
		draw_chart(&p, &c, o.title);
	for (size_t i = 0; i < c.counts.names.n; i++)
		printf("%s\t%ld\n", c.counts.names.key[c.order[i]], c.counts.class[c.order[i]].n);
	classes_free(&c);
	return 0;
}

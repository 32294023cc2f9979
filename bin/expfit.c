/* expfit: fit y = base^(b*x - c), the paper's Eq. 4, to x<TAB>y records. */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/num.h"
#include "cli/cli.h"
#include "cli/inputs.h"
#include "cli/outputs.h"
#include "io/input.h"
#include "io/plot.h"
#include "io/tsv.h"
#include "metric/fit.h"

static const char usage[] =
	"Usage: expfit [OPTION]... [FILE]...\n"
	"Fit y = base^(b*x - c) to x<TAB>y records by least squares (a log-linear\n"
	"start refined by Levenberg-Marquardt) and print key<TAB>value lines:\n"
	"b, c, r2, mae, n, A, k (the curve as A*exp(-k*x)) and medae.\n"
	"With no FILE, or when it is -, read stdin.\n"
	"\n"
	"  -x, --x-field=N       take x from field N (default 1)\n"
	"  -y, --y-field=N       take y from field N (default 2)\n"
	"  -e, --error-fields=L,H  the low and high ends of each y's interval (a\n"
	"                        mean's over seeds), drawn as error bars, not fitted\n"
	"      --base=B          the base of the model (default 0.94, the paper's)\n"
	"      --predict=X[,X]... print x<TAB>y on the curve for each X instead\n"
	"      --params=B,C      use the curve with these b and c instead of fitting\n"
	"      --paper           use the paper's Eq. 4: b = 202.74, c = 79.92, base 0.94\n"
	"                        (with --predict: no input is read; without: the\n"
	"                        curve is scored against the input)\n"
	"      --plot=FILE.png   also draw the points and curves (needs gnuplot)\n"
	"      --title=TEXT      title of the plot\n"
	"      --xlabel=TEXT     x axis label (default SSIM-supSubCls)\n"
	"      --ylabel=TEXT     y axis label (default relative accuracy improvement (%))\n"
	"      --max-iter=N      at most N Levenberg-Marquardt steps (default 200)\n"
	"  -h, --help            show this help and exit\n"
	"      --version         show the version and exit\n"
	"\n"
	"Exit status: 0 success, 1 bad data or no fit, 2 bad usage.\n";

enum {
	OPT_BASE = CLI_FIRST_LOCAL,
	OPT_PREDICT,
	OPT_PARAMS,
	OPT_PAPER,
	OPT_PLOT,
	OPT_TITLE,
	OPT_XLABEL,
	OPT_YLABEL,
	OPT_MAX_ITER,
};

/* The paper's Eq. 4. */
static const struct expcurve paper_curve = { 0.94, 202.74, 79.92 };

struct options {
	size_t xfield, yfield; /* 1-based */
	size_t lofield, hifield; /* of --error-fields; 0: none */
	double base;
	bool base_given, paper, params;
	struct expcurve given; /* --paper or --params */
	double *predict;
	size_t npredict, predict_cap;
	const char *plot, *title, *xlabel, *ylabel;
	int max_iter;
};

struct points {
	double *x, *y;
	double *lo, *hi; /* with --error-fields: each y's interval */
	size_t n, xcap, ycap, locap, hicap;
};

/* Splits s at commas into numbers, appended to *v. */
static void parse_list(const char *opt, const char *s, double **v, size_t *n, size_t *cap)
{
	char *copy = xstrdup(s), *p = copy;
	for (;;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		if (!*p)
			die_usage("%s: '%s' has an empty item", opt, s);
		grow_array(v, cap, *n + 1, sizeof **v);
		(*v)[(*n)++] = cli_double(opt, p, -DBL_MAX, DBL_MAX);
		if (!comma)
			break;
		p = comma + 1;
	}
	free(copy);
}

/* --error-fields L,H: two field numbers. */
static void error_fields(const char *arg, struct options *o)
{
	char lo[32], hi[32];
	const char *comma = strchr(arg, ',');
	if (!comma || (size_t)(comma - arg) >= sizeof lo || strlen(comma + 1) >= sizeof hi)
		die_usage("--error-fields: '%s' is not L,H (two field numbers)", arg);
	snprintf(lo, sizeof lo, "%.*s", (int)(comma - arg), arg);
	snprintf(hi, sizeof hi, "%s", comma + 1);
	o->lofield = (size_t)cli_long("--error-fields", lo, 1, INT_MAX);
	o->hifield = (size_t)cli_long("--error-fields", hi, 1, INT_MAX);
}

static void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "x-field", required_argument, 0, 'x' },
		{ "y-field", required_argument, 0, 'y' },
		{ "error-fields", required_argument, 0, 'e' },
		{ "base", required_argument, 0, OPT_BASE },
		{ "predict", required_argument, 0, OPT_PREDICT },
		{ "params", required_argument, 0, OPT_PARAMS },
		{ "paper", no_argument, 0, OPT_PAPER },
		{ "plot", required_argument, 0, OPT_PLOT },
		{ "title", required_argument, 0, OPT_TITLE },
		{ "xlabel", required_argument, 0, OPT_XLABEL },
		{ "ylabel", required_argument, 0, OPT_YLABEL },
		{ "max-iter", required_argument, 0, OPT_MAX_ITER },
		CLI_STD_LONGOPTS,
		{ 0, 0, 0, 0 },
	};
	const char *params = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, "x:y:e:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'x':
			o->xfield = (size_t)cli_long("--x-field", optarg, 1, INT_MAX);
			break;
		case 'y':
			o->yfield = (size_t)cli_long("--y-field", optarg, 1, INT_MAX);
			break;
		case 'e':
			error_fields(optarg, o);
			break;
		case OPT_BASE:
			o->base = cli_double("--base", optarg, -DBL_MAX, DBL_MAX);
			if (!(o->base > 0) || o->base == 1)
				die_usage("--base: '%s': the base must be positive and not 1", optarg);
			o->base_given = true;
			break;
		case OPT_PREDICT:
			parse_list("--predict", optarg, &o->predict, &o->npredict, &o->predict_cap);
			break;
		case OPT_PARAMS:
			params = optarg;
			break;
		case OPT_PAPER:
			o->paper = true;
			break;
		case OPT_PLOT:
			o->plot = optarg;
			break;
		case OPT_TITLE:
			o->title = optarg;
			break;
		case OPT_XLABEL:
			o->xlabel = optarg;
			break;
		case OPT_YLABEL:
			o->ylabel = optarg;
			break;
		case OPT_MAX_ITER:
			o->max_iter = (int)cli_long("--max-iter", optarg, 1, 1000000);
			break;
		default:
			if (!cli_std_option(opt, usage))
				die_usage("unhandled option");
		}
	}
	if (o->paper && params)
		die_usage("--paper and --params are two different curves: give one");
	if (o->paper && o->base_given)
		die_usage("--paper is the curve with base 0.94: it takes no --base");
	if (params) {
		double *v = NULL;
		size_t n = 0, cap = 0;
		parse_list("--params", params, &v, &n, &cap);
		if (n != 2)
			die_usage("--params: '%s' is not B,C (two numbers)", params);
		o->given = (struct expcurve){ o->base, v[0], v[1] };
		o->params = true;
		free(v);
	}
	if (o->paper)
		o->given = paper_curve;
	if ((o->paper || o->params) && o->npredict && optind < argc)
		die_usage("--predict with %s reads no input: '%s' is not used",
			  o->paper ? "--paper" : "--params", argv[optind]);
}

/* A number that fills the whole field, finite; dies naming the line. */
static double field_number(const struct tsv_reader *r, size_t n)
{
	const char *s = r->f[n - 1].s;
	double v;
	switch (scan_number(s, &v)) {
	case NUMBER_OK:
		return v;
	case NUMBER_EMPTY:
		die_at(r->name, r->line, "field %zu: empty value", n);
	case NUMBER_INF:
		die_at(r->name, r->line, "field %zu: '%s' is not a finite number", n, s);
	default:
		die_at(r->name, r->line, "field %zu: '%s' is not a number", n, s);
	}
}

static void read_points(const char *path, const struct options *o, struct points *p)
{
	struct tsv_reader r;
	size_t need = o->xfield > o->yfield ? o->xfield : o->yfield;
	need = need > o->lofield ? need : o->lofield;
	need = need > o->hifield ? need : o->hifield;
	tsv_open_or_die(&r, path);
	while (tsv_read_or_die(&r)) {
		tsv_want_fields_or_die(&r, need, 0);
		double x = field_number(&r, o->xfield), y = field_number(&r, o->yfield);
		if (y <= 0)
			die_at(r.name, r.line,
			       "y = %s is not positive: the model base^(b*x - c) is always "
			       "positive and cannot fit y <= 0",
			       r.f[o->yfield - 1].s);
		if (o->lofield) {
			double lo = field_number(&r, o->lofield), hi = field_number(&r, o->hifield);
			if (!(lo <= y && y <= hi))
				die_at(r.name, r.line, "y = %s is not within its interval [%s, %s]",
				       r.f[o->yfield - 1].s, r.f[o->lofield - 1].s, r.f[o->hifield - 1].s);
			grow_array(&p->lo, &p->locap, p->n + 1, sizeof *p->lo);
			grow_array(&p->hi, &p->hicap, p->n + 1, sizeof *p->hi);
			p->lo[p->n] = lo;
			p->hi[p->n] = hi;
		}
		grow_array(&p->x, &p->xcap, p->n + 1, sizeof *p->x);
		grow_array(&p->y, &p->ycap, p->n + 1, sizeof *p->y);
		p->x[p->n] = x;
		p->y[p->n++] = y;
	}
	tsv_close(&r);
}

/* The least-squares curve through the points (read from name):
 * log-linear start, then Levenberg-Marquardt. */
static struct expcurve fit_points(const struct points *p, const struct options *o,
				  const char *name)
{
	struct expcurve f = { o->base, 0, 0 };
	const char *err = expfit_loglinear(p->x, p->y, p->n, &f);
	if (err)
		die("%s: %s", name, err);
	struct lm_report rep = { 0 };
	err = expfit_lm(p->x, p->y, p->n, &f, o->max_iter, &rep);
	if (err && rep.iterations >= o->max_iter)
		die("%s: %s (--max-iter %d)", name, err, o->max_iter);
	if (err)
		die("%s: %s", name, err);
	return f;
}

/* What the plot shows: the points read, the fitted curve and/or the given
 * one, the predicted points. */
struct figure {
	const struct options *o;
	const struct points *pts;
	const struct expcurve *fitted, *given;
	const double *py; /* y of o->predict */
};

static void put_curve_def(FILE *gp, const char *name, const struct expcurve *f)
{
	fprintf(gp, "%s(x) = exp(%.17g * (%.17g * x - %.17g))\n", name, log(f->base), f->b,
		f->c);
}

static void put_curve_title(FILE *gp, const char *what, const struct expcurve *f)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s: %.6g^(%.6g x - %.6g)", what, f->base, f->b, f->c);
	plot_put_string(gp, buf);
}

static void write_script(FILE *gp, const void *arg)
{
	const struct figure *fig = arg;
	const struct options *o = fig->o;
	const struct points *p = fig->pts;
	/* x from 0 (or the least x) to the largest, 5% beyond; y from 0 (or
	 * 10% below the lowest end of an interval) to 10% above the highest
	 * point or end (or, with no data, the curve's ends). */
	double lo = 0, hi = 0, ymin = 0, ymax = 0;
	for (size_t i = 0; i < p->n; i++) {
		lo = fmin(lo, p->x[i]);
		hi = fmax(hi, p->x[i]);
		ymax = fmax(ymax, p->hi ? p->hi[i] : p->y[i]);
		ymin = fmin(ymin, p->lo ? p->lo[i] : 0);
	}
	for (size_t i = 0; i < o->npredict; i++) {
		lo = fmin(lo, o->predict[i]);
		hi = fmax(hi, o->predict[i]);
		ymax = fmax(ymax, fig->py[i]);
	}
	hi = hi > lo ? hi + 0.05 * (hi - lo) : lo + 1;
	if (p->n == 0) {
		const struct expcurve *f = fig->fitted ? fig->fitted : fig->given;
		ymax = fmax(ymax, fmax(expcurve_eval(f, lo), expcurve_eval(f, hi)));
	}
	if (!isfinite(ymax) || ymax <= 0)
		ymax = 1;
	plot_png_terminal(gp, 800, 600);
	if (o->title) {
		fputs("set title ", gp);
		plot_put_string(gp, o->title);
		fputs(" noenhanced\n", gp);
	}
	fputs("set xlabel ", gp);
	plot_put_string(gp, o->xlabel ? o->xlabel : "SSIM-supSubCls");
	fputs("\nset ylabel ", gp);
	plot_put_string(gp, o->ylabel ? o->ylabel : "relative accuracy improvement (%)");
	fprintf(gp, "\nset xrange [%.17g:%.17g]\nset yrange [%.17g:%.17g]\n", lo, hi, 1.1 * ymin,
		1.1 * ymax);
	fputs("set grid\nset key top right noenhanced\nset samples 500\n", gp);
	if (fig->fitted)
		put_curve_def(gp, "fit", fig->fitted);
	if (fig->given)
		put_curve_def(gp, "given", fig->given);
	const char *sep = "plot ";
	if (p->n && p->lo) {
		fprintf(gp, "%s'-' using 1:2:3:4 with yerrorbars pt 7 ps 1.5 lc rgb '#4472c4' "
			    "title 'data (95%% interval)'",
			sep);
		sep = ", ";
	} else if (p->n) {
		fprintf(gp, "%s'-' using 1:2 with points pt 7 ps 1.5 lc rgb '#4472c4' title 'data'",
			sep);
		sep = ", ";
	}
	if (fig->fitted) {
		fprintf(gp, "%sfit(x) with lines lw 2 lc rgb '#c00000' title ", sep);
		put_curve_title(gp, "least-squares fit", fig->fitted);
		sep = ", ";
	}
	if (fig->given) {
		fprintf(gp, "%sgiven(x) with lines lw 2 dt 2 lc rgb '#2e7d32' title ", sep);
		put_curve_title(gp, o->paper ? "Eq. 4 (paper)" : "given curve", fig->given);
		sep = ", ";
	}
	if (o->npredict)
		fprintf(gp, "%s'-' using 1:2 with points pt 9 ps 2 lc rgb '#ff8c00' "
			    "title 'predicted'",
			sep);
	fputc('\n', gp);
	if (p->n) {
		for (size_t i = 0; i < p->n; i++)
			if (p->lo)
				fprintf(gp, "%.9g %.9g %.9g %.9g\n", p->x[i], p->y[i], p->lo[i], p->hi[i]);
			else
				fprintf(gp, "%.9g %.9g\n", p->x[i], p->y[i]);
		fputs("e\n", gp);
	}
	if (o->npredict) {
		for (size_t i = 0; i < o->npredict; i++)
			fprintf(gp, "%.9g %.9g\n", o->predict[i], fig->py[i]);
		fputs("e\n", gp);
	}
}

static void print_report(const struct points *p, const struct expcurve *f,
			 const struct fit_stats *s)
{
	double A = expcurve_A(f);
	if (!isfinite(A) || A == 0)
		warn("A = base^(-c) is out of the range of numbers: the data's x are far from 0");
	/* + 0.0: a flat curve has b = 0, not -0. */
	printf("b\t%.9g\nc\t%.9g\nr2\t%.9g\nmae\t%.9g\nn\t%zu\nA\t%.9g\nk\t%.9g\nmedae\t%.9g\n",
	       f->b + 0.0, f->c + 0.0, s->r2, s->mae, p->n, A, expcurve_k(f) + 0.0, s->medae);
}

int main(int argc, char **argv)
{
	struct options o = {
		.xfield = 1, .yfield = 2, .base = 0.94, .max_iter = EXPFIT_MAX_ITER_DEFAULT
	};
	cli_init(argc, argv);
	parse_options(argc, argv, &o);
	bool fixed = o.paper || o.params;
	/* gnuplot found and the output opened before any input is read. */
	struct plot pl = { 0 };
	if (o.plot)
		plot_open_or_die(&pl, "--plot", o.plot);
	for (int i = optind; o.plot && i < argc; i++)
		files_distinct((struct named_file[]){ { "--plot", o.plot, true },
						      { "FILE", argv[i], false } },
			       2);

	struct points p = { 0 };
	/* The input, in messages about all of it. */
	const char *name = input_name(optind == argc ? NULL : argv[argc - 1]);
	if (!(fixed && o.npredict)) {
		if (optind == argc)
			read_points(NULL, &o, &p);
		for (int i = optind; i < argc; i++)
			read_points(argv[i], &o, &p);
		if (p.n == 0)
			die("%s: empty input", name);
		if (p.n < 3)
			die("%s: only %zu point%s: at least 3 are needed", name, p.n,
			    p.n == 1 ? "" : "s");
	}
	/* The curve fitted to the points: the answer, or with a given curve
	 * only drawn beside it. */
	struct expcurve fitted = { 0 };
	bool have_fit = p.n && (!fixed || o.plot);
	if (have_fit)
		fitted = fit_points(&p, &o, name);
	const struct expcurve *curve = fixed ? &o.given : &fitted;

	double *py = xmalloc((o.npredict ? o.npredict : 1) * sizeof *py);
	for (size_t i = 0; i < o.npredict; i++) {
		py[i] = expcurve_eval(curve, o.predict[i]);
		if (!isfinite(py[i]))
			die("--predict %.9g: the curve is out of the range of numbers there",
			    o.predict[i]);
	}
	struct fit_stats st = { 0 };
	if (!o.npredict) {
		expfit_stats(p.x, p.y, p.n, curve, &st);
		if (!(st.ss_tot > 0))
			die("%s: all %zu y values are equal: r2 is undefined", name, p.n);
	}
	/* The plot first: if it fails, nothing at all is printed. */
	if (o.plot) {
		struct figure fig = { &o, &p, have_fit ? &fitted : NULL, fixed ? &o.given : NULL, py };
		char err[ERRLEN];
		if (plot_draw(&pl, write_script, &fig, err))
			die("%s", err);
	}
	if (o.npredict)
		for (size_t i = 0; i < o.npredict; i++)
			printf("%.9g\t%.9g\n", o.predict[i], py[i]);
	else
		print_report(&p, curve, &st);
	free(py);
	free(o.predict);
	free(p.x);
	free(p.y);
	free(p.lo);
	free(p.hi);
	return 0;
}

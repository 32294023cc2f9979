/* ssimpair: append the SSIM of the two images named on each line. */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <stdnoreturn.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/strmap.h"
#include "cli/cli.h"
#include "cli/inputs.h"
#include "img/image.h"
#include "img/load.h"
#include "io/input.h"
#include "io/tsv.h"
#include "metric/ssim.h"

static const char usage[] =
	"Usage: ssimpair [OPTION]... [FILE]...\n"
	"Read lines whose last two fields are image paths and append the SSIM of\n"
	"the pair (Wang et al. 2004) as a new last field, the line otherwise\n"
	"untouched.  Defaults as published: 11x11 Gaussian window of sigma 1.5,\n"
	"K1 0.01, K2 0.03, L = 2^bits - 1, mean over the valid region, population\n"
	"statistics; colour images: the mean of the channels' SSIMs.  An 8-bit and a\n"
	"16-bit image are compared on the 16-bit scale (8-bit samples times 257).\n"
	"\n"
	"  -f, --fields=A,B      the fields holding the two paths (default: the\n"
	"                        last two)\n"
	"  -g, --gray            compare luma (BT.601) instead of each channel\n"
	"  -s, --size=WxH        resize both images to W by H first\n"
	"  -w, --window=N        window size (odd; default from sigma: 11)\n"
	"      --sigma=S         Gaussian window's sigma (default 1.5)\n"
	"      --uniform         uniform window (default size 7)\n"
	"      --k1=K, --k2=K    stabilising constants, above 0 and at most 1\n"
	"                        (default 0.01, 0.03)\n"
	"      --data-range=L    L of the constants (default 2^bits - 1); samples of\n"
	"                        8 and 16 bits are then compared as stored\n"
	"  -l, --lines=A,B       fields A and B hold the lines the two images come\n"
	"                        from (imgpairs --lines): an error about an image\n"
	"                        names its line instead of the line read\n"
	"      --sample-covariance  variances over N-1 instead of N\n"
	"      --cache-mb=N      memory for decoded images (default 512)\n"
	"      --max-pixels=N    refuse images larger than N pixels (default 2^28)\n"
	"  -h, --help            show this help and exit\n"
	"      --version         show the version and exit\n"
	"\n"
	"Exit status: 0 success, 1 bad data, 2 bad usage.\n";

enum { OPT_SIGMA = CLI_FIRST_LOCAL, OPT_UNIFORM, OPT_K1, OPT_K2, OPT_RANGE, OPT_SAMPLE, OPT_CACHE };

struct options {
	long field_a, field_b; /* 1-based; 0: the last two */
	long line_a, line_b;   /* 1-based; 0: no --lines */
	int channels;          /* 1 with --gray, else 0 (as decoded) */
	int w, h;              /* 0: as decoded */
	size_t cache_bytes;
};

/* Decoded images by path, kept within the budget, the least recently used
 * dropped first, so that an image met again is not decoded again.  The
 * table of paths itself grows with the number of distinct paths (their
 * text and an entry of a few words each). */
struct entry {
	struct image im;     /* decoded and converted, when loaded */
	size_t newer, older; /* LRU list of loaded entries; NONE at the ends */
	bool loaded;
};

#define NONE STRMAP_NONE

struct cache {
	struct strmap paths;
	struct entry *e;
	size_t cap;
	size_t newest, oldest;
	size_t bytes, budget; /* of decoded images */
};

static void unlink_entry(struct cache *c, size_t k)
{
	struct entry *e = &c->e[k];
	if (e->newer != NONE)
		c->e[e->newer].older = e->older;
	else
		c->newest = e->older;
	if (e->older != NONE)
		c->e[e->older].newer = e->newer;
	else
		c->oldest = e->newer;
}

static void push_newest(struct cache *c, size_t k)
{
	c->e[k].newer = NONE;
	c->e[k].older = c->newest;
	if (c->newest != NONE)
		c->e[c->newest].newer = k;
	c->newest = k;
	if (c->oldest == NONE)
		c->oldest = k;
}

/* Evicts the oldest entries until need more bytes fit, sparing the newest
 * (the other image of the pair being compared). */
static void make_room(struct cache *c, size_t need)
{
	while (c->bytes + need > c->budget && c->oldest != NONE && c->oldest != c->newest) {
		size_t k = c->oldest;
		struct entry *e = &c->e[k];
		unlink_entry(c, k);
		c->bytes -= img_bytes(&e->im);
		img_free(&e->im);
		e->loaded = false;
	}
}

static int decode(const struct options *o, const struct ssim *s, const char *path,
		  struct image *im, char *err)
{
	if (img_load(path, im, err))
		return -1;
	char why[ERRLEN];
	if (img_convert(im, o->channels, o->w, o->h, err))
		goto fail;
	if (ssim_fits(s, im, why)) {
		snprintf(err, ERRLEN, "%.200s: %.300s", path, why);
		goto fail;
	}
	return 0;
fail:
	img_free(im);
	return -1;
}

/* The entry of path, decoded: an index, since loading another image may
 * move the entries; NONE with err on failure. */
static size_t cache_get(struct cache *c, const struct options *o, const struct ssim *s,
			const char *path, char *err)
{
	size_t k = strmap_add(&c->paths, path);
	if (k >= c->cap) {
		size_t old = c->cap;
		grow_array(&c->e, &c->cap, k + 1, sizeof *c->e);
		memset(c->e + old, 0, (c->cap - old) * sizeof *c->e);
	}
	struct entry *e = &c->e[k];
	if (e->loaded) {
		unlink_entry(c, k);
	} else {
		if (decode(o, s, path, &e->im, err))
			return NONE;
		make_room(c, img_bytes(&e->im));
		e->loaded = true;
		c->bytes += img_bytes(&e->im);
	}
	push_newest(c, k);
	return k;
}

static void cache_free(struct cache *c)
{
	for (size_t k = 0; k < c->paths.n; k++)
		if (c->e[k].loaded)
			img_free(&c->e[k].im);
	free(c->e);
	strmap_free(&c->paths);
}

/* The line that field n (0-based) of r gives, for --lines. */
static long line_field(const struct tsv_reader *r, size_t n)
{
	char *end;
	long v = strtol(r->f[n].s, &end, 10);
	if (!isdigit((unsigned char)r->f[n].s[0]) || *end || v < 1)
		die_at(r->name, r->line, "field %zu: '%s' is not a line number (--lines)", n + 1,
		       r->f[n].s);
	return v;
}

/* The fields of a pair's line: its two paths, and with --lines the
 * lines its images come from (0 without). */
struct pair_fields {
	size_t a, b; /* 0-based */
	long line_a, line_b;
};

/* The fields of r's pair, the line fields checked on every line: a bad
 * one is found where it is, not only once an image fails, nor hidden by
 * the error about the image.  Without --fields, the paths are the last
 * two fields, which the line fields may not be. */
static struct pair_fields read_pair_fields(const struct options *o, const struct tsv_reader *r)
{
	struct pair_fields p = { .a = o->field_a ? (size_t)o->field_a - 1 : r->nf - 2,
				 .b = o->field_a ? (size_t)o->field_b - 1 : r->nf - 1 };
	if (!o->line_a)
		return p;
	size_t la = (size_t)o->line_a - 1, lb = (size_t)o->line_b - 1;
	if (la == p.a || la == p.b || lb == p.a || lb == p.b)
		die_at(r->name, r->line,
		       "field %zu is an image path (the last two fields are), not a line number "
		       "(--lines %ld,%ld)",
		       la == p.a || la == p.b ? la + 1 : lb + 1, o->line_a, o->line_b);
	p.line_a = line_field(r, la);
	p.line_b = line_field(r, lb);
	return p;
}

/* Dies with err, about the image of field p->a (which 0), of p->b (1) or
 * the pair (2): naming the line read, or with --lines the line the image
 * comes from, and for the pair both images and the other's line. */
static noreturn void pair_failed(const struct tsv_reader *r, const struct pair_fields *p, int which,
				 const char *err)
{
	if (!p->line_a)
		die_at(r->name, r->line, "%s", err);
	if (which < 2)
		die_at(r->name, which ? p->line_b : p->line_a, "%s", err);
	die_at(r->name, p->line_a, "%s and %s (line %ld): %s", r->f[p->a].s, r->f[p->b].s, p->line_b,
	       err);
}

static void pair_lines(const char *path, const struct options *o, struct ssim *s,
		       struct cache *c, size_t *lines)
{
	struct tsv_reader r;
	tsv_open_or_die(&r, path);
	char err[ERRLEN];
	size_t need = o->field_a ? (size_t)(o->field_a > o->field_b ? o->field_a : o->field_b) : 2;
	if ((size_t)o->line_a > need || (size_t)o->line_b > need)
		need = (size_t)(o->line_a > o->line_b ? o->line_a : o->line_b);
	while (tsv_read_or_die(&r)) {
		tsv_want_fields_or_die(&r, need, 0);
		struct pair_fields p = read_pair_fields(o, &r);
		size_t a = cache_get(c, o, s, r.f[p.a].s, err), b = NONE;
		if (a == NONE)
			pair_failed(&r, &p, 0, err);
		b = cache_get(c, o, s, r.f[p.b].s, err);
		if (b == NONE)
			pair_failed(&r, &p, 1, err);
		double v;
		if (ssim_pair(s, &c->e[a].im, &c->e[b].im, &v, err))
			pair_failed(&r, &p, 2, err);
		tsv_write_record(&r, stdout, false);
		printf("\t%.9g\n", v);
		(*lines)++;
	}
	tsv_close(&r);
}

/* Two different field numbers, "A,B", of option opt. */
static void parse_fields(const char *opt, const char *arg, long *field_a, long *field_b)
{
	char *comma = strchr(arg, ',');
	if (!comma)
		die_usage("%s: '%s' is not A,B", opt, arg);
	char a[32];
	size_t n = (size_t)(comma - arg);
	if (n == 0 || n >= sizeof a)
		die_usage("%s: '%s' is not A,B", opt, arg);
	memcpy(a, arg, n);
	a[n] = 0;
	*field_a = cli_long(opt, a, 1, 1000000);
	*field_b = cli_long(opt, comma + 1, 1, 1000000);
	if (*field_a == *field_b)
		die_usage("%s: the two fields must differ", opt);
}

static void parse_options(int argc, char **argv, struct options *o, struct ssim_params *p)
{
	static const struct option longopts[] = {
		{ "fields", required_argument, 0, 'f' },
		{ "lines", required_argument, 0, 'l' },
		{ "gray", no_argument, 0, 'g' },
		{ "size", required_argument, 0, 's' },
		{ "window", required_argument, 0, 'w' },
		{ "sigma", required_argument, 0, OPT_SIGMA },
		{ "uniform", no_argument, 0, OPT_UNIFORM },
		{ "k1", required_argument, 0, OPT_K1 },
		{ "k2", required_argument, 0, OPT_K2 },
		{ "data-range", required_argument, 0, OPT_RANGE },
		{ "sample-covariance", no_argument, 0, OPT_SAMPLE },
		{ "cache-mb", required_argument, 0, OPT_CACHE },
		{ "max-pixels", required_argument, 0, CLI_MAX_PIXELS },
		CLI_STD_LONGOPTS,
		{ 0, 0, 0, 0 },
	};
	int opt;
	while ((opt = getopt_long(argc, argv, "f:l:gs:w:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			parse_fields("--fields", optarg, &o->field_a, &o->field_b);
			break;
		case 'l':
			parse_fields("--lines", optarg, &o->line_a, &o->line_b);
			break;
		case 'g':
			o->channels = 1;
			break;
		case 's':
			cli_size("--size", optarg, &o->w, &o->h);
			break;
		case 'w':
			p->window = (int)cli_long("--window", optarg, 1, SSIM_MAX_WINDOW);
			break;
		case OPT_SIGMA:
			p->sigma = cli_double("--sigma", optarg, 1e-3, 100);
			break;
		case OPT_UNIFORM:
			p->uniform = true;
			break;
		case OPT_K1:
			p->k1 = cli_double("--k1", optarg, 0, 1);
			if (p->k1 == 0)
				die_usage("--k1: must be greater than 0: with 0, the SSIM of "
					  "black regions is 0/0");
			break;
		case OPT_K2:
			p->k2 = cli_double("--k2", optarg, 0, 1);
			if (p->k2 == 0)
				die_usage("--k2: must be greater than 0: with 0, the SSIM of "
					  "flat regions is 0/0");
			break;
		case OPT_RANGE:
			p->range = cli_double("--data-range", optarg, 1e-9, 1e12);
			break;
		case OPT_SAMPLE:
			p->sample_cov = true;
			break;
		case OPT_CACHE:
			o->cache_bytes = (size_t)cli_long("--cache-mb", optarg, 1, 1L << 30) << 20;
			break;
		default:
			if (!cli_std_option(opt, usage))
				die_usage("unhandled option");
		}
	}
	if (o->line_a && o->field_a &&
	    (o->line_a == o->field_a || o->line_a == o->field_b || o->line_b == o->field_a ||
	     o->line_b == o->field_b))
		die_usage("--lines %ld,%ld and --fields %ld,%ld: a field cannot hold both a path "
			  "and a line",
			  o->line_a, o->line_b, o->field_a, o->field_b);
}

/* Where both images are flat and black, the SSIM is C1 C2 / (C1 C2),
 * computed in single precision as ssim_pair does: the product must be a
 * normal float, with the smallest L the images may have. */
static void check_constants(const struct ssim *s)
{
	const struct ssim_params *p = &s->p;
	double L = p->range ? p->range : 255;
	float c1 = (float)((p->k1 * L) * (p->k1 * L));
	float c2 = (float)((p->k2 * L) * (p->k2 * L) / s->cov_norm);
	if (!(c1 * c2 >= FLT_MIN))
		die_usage("--k1 %g, --k2 %g, L %g: C1 = (K1 L)^2 and C2 = (K2 L)^2 are so small "
			  "that C1*C2 underflows: the SSIM of flat black regions would be 0/0",
			  p->k1, p->k2, L);
}

int main(int argc, char **argv)
{
	cli_init(argc, argv);
	struct options o = { .cache_bytes = (size_t)512 << 20 };
	struct ssim_params p;
	ssim_defaults(&p);
	parse_options(argc, argv, &o, &p);
	struct ssim s;
	char err[ERRLEN];
	if (ssim_init(&s, &p, err))
		die_usage("%s", err);
	check_constants(&s);
	struct cache c = { .newest = NONE, .oldest = NONE, .budget = o.cache_bytes };
	size_t lines = 0;
	if (optind == argc)
		pair_lines(NULL, &o, &s, &c, &lines);
	for (int i = optind; i < argc; i++)
		pair_lines(argv[i], &o, &s, &c, &lines);
	if (lines == 0)
		die("%s: empty input", input_name(optind == argc ? NULL : argv[argc - 1]));
	cache_free(&c);
	ssim_free(&s);
	return 0;
}

#include "cli/samples.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/strmap.h"
#include "cli/inputs.h"
#include "img/pam.h"
#include "io/counts.h"
#include "learn/dataset.h"

void samples_request_init(struct samples_request *r, const char *prog, int batch)
{
	*r = (struct samples_request){ .prog = prog, .count = 1, .seed = 1, .batch = batch };
}

bool samples_option(int opt, const char *arg, struct samples_request *r)
{
	switch (opt) {
	case 'c': r->class_name = arg; break;
	case 'n':
		r->count = cli_long("--count", arg, 1, 1000000000L);
		r->count_given = true;
		break;
	case SAMPLES_OPT_QUOTA: r->quota = arg; break;
	case SAMPLES_OPT_FIRST:
		r->first = cli_long("--first", arg, 0, 1000000000L);
		r->first_given = true;
		break;
	case SAMPLES_OPT_SEED: r->seed = (unsigned long)cli_long("--seed", arg, 0, 4294967295L); break;
	case 'b': r->batch = (int)cli_long("--batch", arg, 1, 65536); break;
	case 'j': r->threads = (int)cli_long("--threads", arg, 1, 1024); break;
	default: return false;
	}
	return true;
}

void samples_operands(struct samples_request *r, int argc, char **argv, const char *what)
{
	if (optind + 1 != argc)
		die_usage("expected one %s, got %d arguments", what, argc - optind);
	r->model = argv[optind];
	if (!r->class_name == !r->quota)
		die_usage("give either --class (with -n) or --quota");
	if (r->count_given && r->quota)
		die_usage("-n goes with --class; --quota gives its own counts");
	if (r->first_given && r->quota)
		die_usage("--first goes with --class, not --quota");
}

/* The quota file's counts, by the model's class index, into n. */
static void quota_counts(const struct samples_request *r, const struct strmap *index, long *n,
			 const char *noun)
{
	struct counts q = { 0 };
	counts_add_file_or_die(&q, r->quota);
	for (size_t i = 0; i < q.names.n; i++) {
		int c = class_find(index, q.names.key[i]);
		if (c < 0)
			die_at(q.path, q.class[i].line, "no class '%s' in the %s %s",
			       q.names.key[i], noun, r->model);
		n[c] = q.class[i].n;
	}
	counts_free(&q);
}

long *samples_wanted(const struct samples_request *r, char *const *classes, int k,
		     const char *noun)
{
	long *n = xcalloc((size_t)k, sizeof *n);
	struct strmap index;
	class_map(&index, classes, k);
	if (r->class_name) {
		int c = class_find(&index, r->class_name);
		if (c < 0)
			die("%s: no class '%s' in its %s", r->model, r->class_name, noun);
		n[c] = r->count;
	} else {
		quota_counts(r, &index, n, noun);
	}
	strmap_free(&index);
	for (int c = 0; c < k; c++)
		if (n[c] > 0 && strlen(classes[c]) > PAM_META_MAX - 64)
			die("%s: the class name '%.40s...' is too long for a PAM header", r->model,
			    classes[c]);
	return n;
}

void samples_frame_write(const struct samples_request *r, const struct image *im,
			 const char *class_name, long k)
{
	char id[64 + PAM_META_MAX];
	snprintf(id, sizeof id, "%s/%lu/%s/%ld", r->prog, r->seed, class_name, k);
	if (pam_write(stdout, im, class_name, id))
		die("write error: %s", strerror(errno));
}

void samples_flush(void)
{
	if (fflush(stdout) || ferror(stdout))
		die("write error: %s", strerror(errno));
}

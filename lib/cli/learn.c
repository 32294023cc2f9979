#include "cli/learn.h"

#include "base/err.h"

void dataset_load_or_die(struct dataset *d, const char *path, int c, int h, int w,
			 char **classes, int nclasses)
{
	char err[ERRLEN];
	if (dataset_load(d, path, c, h, w, classes, nclasses, err))
		die("%s", err);
}

void generator_load(const char *path, struct model *g, struct ckpt_meta *meta, float *lambda)
{
	char err[ERRLEN];
	if (gan_sampler_load(path, g, meta, lambda, err))
		die("%s", err);
}

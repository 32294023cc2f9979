#include "cli/learn.h"

#include <stdbool.h>
#include <string.h>

#include "base/err.h"
#include "io/input.h"

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

void check_resumed_data(const char *path, const struct arch *had, char *const *classes,
			const struct dataset *d, const char *train)
{
	if (had->channels != d->c || had->height != d->h || had->width != d->w)
		die("%s: was trained on images of %dx%d, %s, not %dx%d, %s", path, had->width,
		    had->height, had->channels == 1 ? "gray" : "colour", d->w, d->h,
		    d->c == 1 ? "gray" : "colour");
	bool same = had->classes == d->nclasses;
	for (int c = 0; same && c < d->nclasses; c++)
		same = strcmp(classes[c], d->classes[c]) == 0;
	if (!same)
		die("%s: was trained on other classes than those of %s", path, input_name(train));
}

#include "nn/arch.h"

#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "base/rng.h"
#include "nn/build.h"
#include "nn/model.h"

/* The families are built in arch_resnet.c, arch_gan.c and arch_unet.c,
 * with nn/build's builder; here, which family a name is, the checks every
 * architecture shares, and the parameters' initialisation. */

/* Every parameter as its builder said, drawn in arena order. */
static void init_params(struct model *m, unsigned long long seed)
{
	struct rng r;
	rng_seed(&r, seed, 0);
	for (int i = 0; i < m->nparams; i++) {
		const struct param *p = &m->params[i];
		float *v = m->p + p->offset;
		double a = p->init_value;
		for (size_t j = 0; j < p->size; j++)
			switch (p->init) {
			case INIT_CONST:
				v[j] = (float)a;
				break;
			case INIT_NORMAL:
				v[j] = (float)(a * rng_normal(&r));
				break;
			case INIT_UNIFORM:
				v[j] = (float)(a * (2 * ((double)rng_u32(&r) / 4294967296.0) - 1));
				break;
			}
	}
}

/* Whether name is the diffusion UNet or its noisy classifier, and which. */
static bool unet_known(const char *name, enum model_kind *kind)
{
	if (strcmp(name, "unet") == 0)
		*kind = MODEL_DIFFUSION;
	else if (strcmp(name, "unet-enc") == 0)
		*kind = MODEL_NOISY_CLASSIFIER;
	else
		return false;
	return true;
}

bool arch_equal(const struct arch *x, const struct arch *y)
{
	return !strcmp(x->name, y->name) && x->channels == y->channels && x->height == y->height &&
	       x->width == y->width && x->classes == y->classes && x->width_mult == y->width_mult;
}

bool model_known(const char *name)
{
	enum model_kind kind;
	return resnet_known(name) || gan_known(name, NULL) || unet_known(name, &kind);
}

enum model_kind model_kind(const char *name)
{
	enum model_kind kind = MODEL_CLASSIFIER;
	if (!gan_known(name, &kind))
		unet_known(name, &kind);
	return kind;
}

/* The graph of arch, its sizes known, nothing allocated for the numbers;
 * returns the floats the batch norms keep, or -1 with err. */
static long plan(struct model *m, const struct arch *arch, char *err)
{
	memset(m, 0, sizeof *m);
	m->arch = *arch;
	if (!model_known(arch->name)) {
		snprintf(err, ERRLEN, "unknown architecture '%.64s' (resnet20, resnet32, resnet56, resnet18, cgan-g, cgan-d, rgan-g, rgan-d, unet, unet-enc)",
			 arch->name);
		return -1;
	}
	if (arch->height < 8 || arch->width < 8 || (arch->channels != 1 && arch->channels != 3) ||
	    arch->classes < 2 || !(arch->width_mult > 0 && arch->width_mult <= MODEL_MAX_WIDTH_MULT)) {
		snprintf(err, ERRLEN, "%s needs images of 8x8 or more, 1 or 3 channels, two classes or more, a width multiplier in (0, 64]",
			 arch->name);
		return -1;
	}
	struct builder b = { .m = m };
	switch (model_kind(arch->name)) {
	case MODEL_CLASSIFIER:
		build_resnet(&b);
		break;
	case MODEL_GENERATOR:
	case MODEL_DISCRIMINATOR:
		if (build_gan(&b, err) < 0)
			return -1;
		break;
	case MODEL_DIFFUSION:
		if (build_unet(&b, err) < 0)
			return -1;
		break;
	case MODEL_NOISY_CLASSIFIER:
		if (build_unet_encoder(&b, err) < 0)
			return -1;
		break;
	}
	return (long)b.saved;
}

int model_params(const struct arch *arch, size_t *n, char *err)
{
	struct model m;
	if (plan(&m, arch, err) < 0)
		return -1;
	*n = m.size;
	model_free(&m);
	return 0;
}

int model_build(struct model *m, const struct arch *arch, unsigned long long seed, char *err)
{
	long saved = plan(m, arch, err);
	if (saved < 0)
		return -1;
	m->p = xcalloc(m->size, sizeof *m->p);
	m->g = xcalloc(m->size, sizeof *m->g);
	m->saved = xcalloc((size_t)saved, sizeof *m->saved);
	m->a = xcalloc((size_t)m->nacts, sizeof *m->a);
	m->d = xcalloc((size_t)m->nacts, sizeof *m->d);
	init_params(m, seed);
	return 0;
}

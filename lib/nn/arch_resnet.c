/* The ResNets (arch.h): resnet20, resnet32, resnet56 and resnet18. */
#include <stdio.h>
#include <string.h>

#include "nn/build.h"

/* A basic block: two 3x3 convolutions, the shortcut added before the last
 * ReLU; a 1x1 convolution and batch norm where the shape changes. */
static int basic_block(struct builder *b, const char *name, int in, int cout, int stride)
{
	char n[MODEL_MAX_NAME];
	int cin = b->m->acts[in].c;
#define NAME(part) (snprintf(n, sizeof n, "%.40s.%.20s", name, part), n)
	/* One NAME a statement: arguments are evaluated in no set order, and
	 * every NAME writes n. */
	int x = build_conv(b, NAME("conv1"), in, cout, 3, stride);
	x = build_relu(b, build_batchnorm(b, NAME("bn1"), x));
	x = build_conv(b, NAME("conv2"), x, cout, 3, 1);
	x = build_batchnorm(b, NAME("bn2"), x);
	int shortcut = in;
	if (stride != 1 || cin != cout) {
		shortcut = build_conv(b, NAME("shortcut.0"), in, cout, 1, stride);
		shortcut = build_batchnorm(b, NAME("shortcut.1"), shortcut);
	}
#undef NAME
	return build_relu(b, build_add(b, x, shortcut));
}

struct resnet_shape {
	const char *name;
	int stem, stages, blocks, width[4];
};

static const struct resnet_shape resnets[] = {
	{ "resnet20", 16, 3, 3, { 16, 32, 64 } },
	{ "resnet32", 16, 3, 5, { 16, 32, 64 } },
	{ "resnet56", 16, 3, 9, { 16, 32, 64 } },
	{ "resnet18", 64, 4, 2, { 64, 128, 256, 512 } },
};

static const struct resnet_shape *resnet(const char *name)
{
	for (size_t i = 0; i < sizeof resnets / sizeof resnets[0]; i++)
		if (strcmp(name, resnets[i].name) == 0)
			return &resnets[i];
	return NULL;
}

bool resnet_known(const char *name)
{
	return resnet(name) != NULL;
}

void build_resnet(struct builder *b)
{
	const struct arch *arch = &b->m->arch;
	const struct resnet_shape *r = resnet(arch->name);
	float mult = arch->width_mult;
	int x = build_act(b, arch->channels, arch->height, arch->width);
	int stem = build_scaled(r->stem, mult);
	x = build_relu(b, build_batchnorm(b, "bn1", build_conv(b, "conv1", x, stem, 3, 1)));
	char name[MODEL_MAX_NAME];
	for (int s = 0; s < r->stages; s++)
		for (int i = 0; i < r->blocks; i++) {
			snprintf(name, sizeof name, "layer%d.%d", s + 1, i);
			int width = build_scaled(r->width[s], mult);
			x = basic_block(b, name, x, width, i == 0 && s > 0 ? 2 : 1);
		}
	build_pooled_head(b, x, "fc", arch->classes, OP_LINEAR);
	b->m->outputs = arch->classes;
}

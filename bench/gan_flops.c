/* make bench: the floating-point operations of gantrain's work, for the
 * fraction of the sgemm peak it reaches.  Usage: gan_flops SIZE CHANNELS
 * [ARCH [WIDTH]] (gantrain's --arch, cgan or rgan, and --width-mult);
 * prints those of a training step a real image shown and those of a
 * generated image.  A step of n real images (bin/gantrain.c): the
 * discriminator on n generated and n real images, forward and backward
 * without its input's gradient, after the generator's forward pass; the
 * generator forward and backward through the discriminator's forward pass
 * and its data gradients, down to the input, without the weights'; every
 * 16 steps R1, a pass with the input's gradient and two without on 2n
 * images. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "nn/model.h"

int main(int argc, char **argv)
{
	cli_init(argc, argv);
	if (argc < 3 || argc > 5)
		die_usage("expected SIZE CHANNELS [ARCH [WIDTH]]");
	const char *family = argc > 3 ? argv[3] : "cgan";
	struct arch a = { .classes = 10, .width_mult = 1 };
	a.height = a.width = (int)cli_long("SIZE", argv[1], 8, 256);
	a.channels = (int)cli_long("CHANNELS", argv[2], 1, 3);
	if (argc > 4)
		a.width_mult = (float)cli_double("WIDTH", argv[4], 1e-3, MODEL_MAX_WIDTH_MULT);
	snprintf(a.name, sizeof a.name, "%.8s-g", family);
	struct model g, d;
	char err[ERRLEN];
	if (model_build(&g, &a, 1, err))
		die_usage("%s", err);
	snprintf(a.name, sizeof a.name, "%.8s-d", family);
	if (model_build(&d, &a, 1, err))
		die_usage("%s", err);
	double fg, tg, fd, td;
	model_flops(&g, &fg, &tg);
	model_flops(&d, &fd, &td);
	/* model_flops counts no gradient for the input image: with it, the
	 * first convolution's data gradient more */
	const struct op *first = &d.ops[0];
	double with_input = td + 2.0 * (double)conv_weights(&first->cv) * a.height * a.width;
	/* a data gradient costs what the forward pass does */
	double input_only = 2 * fd;
	double step = fg + 2 * td + tg + input_only + (with_input + 2 * td) / 16;
	printf("%.0f\t%.0f\n", step, fg);
	model_free(&g);
	model_free(&d);
	return 0;
}

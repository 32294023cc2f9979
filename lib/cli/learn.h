/* learn: lib/learn's loaders for the programs, each ending the program
 * with the reason (exit 1) where the library returns it.  (A classifier's
 * is classifier_load, in cli/classifier with the options of the programs
 * that classify.) */
#ifndef SIMBAL_CLI_LEARN_H
#define SIMBAL_CLI_LEARN_H

#include "learn/dataset.h"
#include "learn/gan.h"

/* dataset_load, or die. */
void dataset_load_or_die(struct dataset *d, const char *path, int c, int h, int w,
			 char **classes, int nclasses);

/* gan_sampler_load (a GAN's generator that samples), or die. */
void generator_load(const char *path, struct model *g, struct ckpt_meta *meta, float *lambda);

/* A model resumed from path must have been trained on images of the
 * shape of d's and on its classes, in the same order (had: the model's
 * architecture, classes: its class names), or the program dies saying
 * so: before its options are compared, whose size it would otherwise
 * name as given. */
void check_resumed_data(const char *path, const struct arch *had, char *const *classes,
			const struct dataset *d, const char *train);

#endif

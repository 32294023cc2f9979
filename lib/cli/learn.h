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

/* gan_sampler_load, or die. */
void generator_load(const char *path, struct model *g, struct ckpt_meta *meta, float *lambda);

#endif

/* ckpt: model checkpoints, the format of simbal-checkpoint(5): a magic and
 * version, a text header (the architecture, the class names, the training
 * position, the optimizer, and the caller's own lines), a table of named
 * tensors with their shapes, little-endian float32 data, and a CRC32 of
 * all that.  Written through io/fsout's afile: complete or not at all. */
#ifndef SIMBAL_CKPT_H
#define SIMBAL_CKPT_H

#include "nn/fields.h"
#include "nn/model.h"
#include "nn/optim.h"

struct ckpt_meta {
	char **classes;  /* arch.classes names, in the model's output order
			  * (NULL-terminated as ckpt_load gives them) */
	long epoch, step;
	struct fields fields; /* the caller's lines, after the classes (read:
			       * those that are not ckpt's own, their source
			       * the file) */
};

/* Writes m (and o's state when o is not NULL) to path: 0, or -1 with a
 * message in err (ERRLEN bytes) on an I/O error, leaving no file behind. */
__attribute__((warn_unused_result)) int ckpt_save(const char *path, const struct model *m,
						  const struct optim *o,
						  const struct ckpt_meta *meta, char *err);

/* A checkpoint may hold several models (a GAN's generators and
 * discriminator): the first part's names are bare, each other's start
 * with its prefix (ending in '.'), in its header keys and its tensors. */
#define CKPT_MAX_PREFIX 16
#define CKPT_MAX_PARTS 4

struct ckpt_part {
	const char *prefix; /* "" for the first part */
	struct model *m;
	struct optim *o;    /* its optimizer, or NULL */
};

__attribute__((warn_unused_result)) int ckpt_save_parts(const char *path,
							const struct ckpt_part *parts, int nparts,
							const struct ckpt_meta *meta, char *err);

/* Reads the parts named (by prefix; the first one ""; CKPT_MAX_PARTS at
 * most) into models built
 * from their architectures (and optimizers where o is not NULL); the
 * file's other parts are passed over; kind: the first part's; -1 with err
 * as ckpt_load. */
int ckpt_load_parts(const char *path, enum model_kind kind, struct ckpt_part *parts, int nparts,
		    struct ckpt_meta *meta, char *err);

/* Reads path into a model built from its architecture (and into o when o
 * is not NULL: its kind, hyper-parameters and state); -1 with err for a
 * file that is not a checkpoint, truncated, corrupted, or inconsistent,
 * or whose (first) model is not of kind: "is a classifier checkpoint, not
 * a GAN's (made by clstrain)", said before its parts and tensors are
 * checked.
 * meta's strings are allocated; ckpt_meta_free releases them. */
int ckpt_load(const char *path, enum model_kind kind, struct model *m, struct optim *o,
	      struct ckpt_meta *meta, char *err);
void ckpt_meta_free(struct ckpt_meta *meta);

#endif

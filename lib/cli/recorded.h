/* recorded: the options of a training program that make its model,
 * described once, as a table of struct field whose keys are the options'
 * flags ("--lr", "--width-mult"): recorded in each checkpoint as the
 * fields train.lr, train.width_mult (the flag without its dashes, '-'
 * as '_'), and compared with them on --resume, which names every option
 * that differs. */
#ifndef SIMBAL_RECORDED_H
#define SIMBAL_RECORDED_H

#include "nn/fields.h"

/* Appends the fields of the n options' values to f. */
void options_record(struct fields *f, const struct field *opts, int n);

/* Sets the variable of the option flag (one of opts) to its value in the
 * checkpoint file, or dies with the reason. */
void option_recorded(const struct fields *file, const struct field *opts, int n,
		     const char *flag);

/* Dies unless every option has its value in the checkpoint file, naming
 * each that differs, in one line: "FILE: --lr: 0.1 in the checkpoint,
 * 0.05 given; --seed: 1 in the checkpoint, 3 given".  A checkpoint of an
 * earlier version, its options on one train line, is refused: --resume
 * does not read that line. */
void options_check(const struct fields *file, const struct field *opts, int n);

#endif

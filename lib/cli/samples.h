/* samples: what the programs that draw images of chosen classes from a
 * trained model or a set share (gansample, diffsample, smote): the
 * options that say which images (-c, -n, --first, --quota, --seed, -b,
 * -j), how many of each of the model's classes they make, and the
 * labelled PAM frames written. */
#ifndef SIMBAL_SAMPLES_H
#define SIMBAL_SAMPLES_H

#include <stdbool.h>

#include "cli/cli.h"
#include "img/image.h"

/* The shared options' codes; a program's own start at SAMPLES_FIRST_LOCAL. */
enum { SAMPLES_OPT_QUOTA = CLI_FIRST_LOCAL, SAMPLES_OPT_FIRST, SAMPLES_OPT_SEED, SAMPLES_FIRST_LOCAL };
#define SAMPLES_SHORTOPTS "c:n:b:j:"
#define SAMPLES_LONGOPTS                                             \
	{ "class", required_argument, 0, 'c' },                      \
	{ "count", required_argument, 0, 'n' },                      \
	{ "quota", required_argument, 0, SAMPLES_OPT_QUOTA },        \
	{ "first", required_argument, 0, SAMPLES_OPT_FIRST },        \
	{ "seed", required_argument, 0, SAMPLES_OPT_SEED },          \
	{ "batch", required_argument, 0, 'b' },                      \
	{ "threads", required_argument, 0, 'j' }

/* Their lines of a program's --help: which images. */
#define SAMPLES_USAGE                                                                 \
	"  -c, --class=C         images of class C (with -n)\n"                           \
	"  -n, --count=N         how many (default 1)\n"                                  \
	"      --first=K         with --class: begin at the class's K-th image\n"         \
	"                        (default 0), so that jobs can share a class\n"           \
	"      --quota=FILE      class<TAB>n lines: n images of each class\n"

/* The images asked for, and how. */
struct samples_request {
	const char *prog;  /* the frames' ids begin with it */
	const char *model; /* the operand */
	const char *class_name, *quota;
	long count, first; /* first: of --class, the number of the first image */
	unsigned long seed;
	int batch, threads;
	bool count_given, first_given;
};

/* The defaults: one image, seed 1, batches of batch. */
void samples_request_init(struct samples_request *r, const char *prog, int batch);

/* Takes a shared option (getopt_long's opt and optarg): false for others. */
bool samples_option(int opt, const char *arg, struct samples_request *r);

/* After the options: the one operand (what: "generator G", for the
 * message), and the options' combination checked (bad usage). */
void samples_operands(struct samples_request *r, int argc, char **argv, const char *what);

/* How many images of each of the model's k classes: -n of --class, or the
 * quota file's.  A class the model lacks (noun: what the model is called,
 * "generator") or a name too long for a frame's header ends the program:
 * before any frame is written. */
long *samples_wanted(const struct samples_request *r, char *const *classes, int k,
		     const char *noun);

/* Image k of the class as a frame on the standard output, labelled with
 * the class, its id PROG/SEED/CLASS/K; a write error ends the program. */
void samples_frame_write(const struct samples_request *r, const struct image *im,
			 const char *class_name, long k);

/* The standard output flushed, or the program ended with the error. */
void samples_flush(void);

#endif

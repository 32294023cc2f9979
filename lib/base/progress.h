/* progress: rate and ETA on stderr for long work, only when stderr is a
 * terminal and the user did not ask for quiet (-q). */
#ifndef SIMBAL_PROGRESS_H
#define SIMBAL_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

struct progress {
	bool on;
	const char *unit;
	size_t total;
	double start, last;
};

/* Seconds on the monotonic clock, for timing work. */
double progress_now(void);

void progress_begin(struct progress *p, size_t total, const char *unit, bool quiet);
void progress_update(struct progress *p, size_t done);
void progress_end(struct progress *p, size_t done);

#endif

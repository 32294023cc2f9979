#include "base/progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"

double progress_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void progress_begin(struct progress *p, size_t total, const char *unit, bool quiet)
{
	p->on = !quiet && isatty(STDERR_FILENO);
	p->unit = unit;
	p->total = total;
	p->start = p->last = progress_now();
}

static void show(struct progress *p, size_t done, double t)
{
	double elapsed = t - p->start, rate = elapsed > 0 ? done / elapsed : 0;
	fprintf(stderr, "\r%s: %zu", progname, done);
	if (p->total)
		fprintf(stderr, "/%zu (%.0f%%)", p->total, 100.0 * done / p->total);
	fprintf(stderr, " %s, %.0f/s", p->unit, rate);
	if (p->total && rate > 0 && done < p->total)
		fprintf(stderr, ", ETA %.0fs", (p->total - done) / rate);
	fputs("\033[K", stderr);
}

void progress_update(struct progress *p, size_t done)
{
	if (!p->on)
		return;
	double t = progress_now();
	if (t - p->last < 0.25)
		return;
	p->last = t;
	show(p, done, t);
}

void progress_end(struct progress *p, size_t done)
{
	if (!p->on)
		return;
	show(p, done, progress_now());
	fputc('\n', stderr);
}

/* rng: the seeded random generator of simbal.
 *
 * PCG32 (O'Neill 2014, XSH-RR output): 64-bit state, 32-bit output, and
 * 2^63 independent streams selected by a stream number.  It uses only
 * integer arithmetic with fixed widths, so a seed gives the same numbers on
 * every platform; parallel work takes one stream per unit of work (a class,
 * a shard), never per thread, so results do not depend on thread count. */
#ifndef SIMBAL_RNG_H
#define SIMBAL_RNG_H

#include <stddef.h>
#include <stdint.h>

struct rng {
	uint64_t state, inc;
};

#define RNG_SEED_DEFAULT 1

void rng_seed(struct rng *r, uint64_t seed, uint64_t stream);
uint32_t rng_u32(struct rng *r);
/* Uniform in [0, n), without modulo bias; n > 0. */
uint32_t rng_below(struct rng *r, uint32_t n);
/* Uniform in [0, 1) with 53 random bits. */
double rng_double(struct rng *r);
/* A standard normal sample (Box-Muller, two draws). */
double rng_normal(struct rng *r);
/* Fisher-Yates shuffle of n indices. */
void rng_shuffle(struct rng *r, size_t *idx, size_t n);

#endif

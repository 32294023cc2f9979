#include "base/rng.h"

#include <math.h>

#define PCG_MULT UINT64_C(6364136223846793005)

uint32_t rng_u32(struct rng *r)
{
	uint64_t old = r->state;
	r->state = old * PCG_MULT + r->inc;
	uint32_t xorshifted = (uint32_t)(((old >> 18) ^ old) >> 27);
	uint32_t rot = (uint32_t)(old >> 59);
	return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
}

void rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
	r->state = 0;
	r->inc = (stream << 1) | 1;
	rng_u32(r);
	r->state += seed;
	rng_u32(r);
}

uint32_t rng_below(struct rng *r, uint32_t n)
{
	/* Reject the low values that would make some results more likely. */
	uint32_t threshold = (uint32_t)(-n) % n;
	for (;;) {
		uint32_t x = rng_u32(r);
		if (x >= threshold)
			return x % n;
	}
}

double rng_double(struct rng *r)
{
	uint64_t hi = rng_u32(r) >> 5, lo = rng_u32(r) >> 6; /* 27 + 26 bits */
	return (double)(hi * 67108864 + lo) / 9007199254740992.0;
}

void rng_shuffle(struct rng *r, size_t *idx, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = rng_below(r, (uint32_t)i);
		size_t t = idx[i - 1];
		idx[i - 1] = idx[j];
		idx[j] = t;
	}
}

double rng_normal(struct rng *r)
{
	double u = ((double)rng_u32(r) + 1) / 4294967297.0, v = (double)rng_u32(r) / 4294967296.0;
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* A small seeded pseudo-random generator for the stack core: splitmix64
 * expands a 64-bit seed into the state of xoshiro256** (Blackman and
 * Vigna, 2018).  Not cryptographic; its job is reproducible runs, so the
 * same seed always yields the same sequence on every platform. */
#ifndef SOCKLAB_CORE_RNG_H
#define SOCKLAB_CORE_RNG_H

#include <stdint.h>

struct sl__rng {
  uint64_t s[4]; /* xoshiro256** state; never all zero */
};

/* Resets rng to the sequence named by seed.  Every seed, including 0, is
 * valid and gives a different sequence. */
void sl__rng_seed(struct sl__rng *rng, uint64_t seed);

/* The next 64 uniformly distributed bits. */
uint64_t sl__rng_next(struct sl__rng *rng);

/* A uniform double in [0, 1) with 53 random bits; one draw. */
double sl__rng_unit(struct sl__rng *rng);

/* A uniform integer in [0, n), without modulo bias (Lemire's method, which
 * may take a further draw in rare cases).  Returns 0 when n is 0. */
uint32_t sl__rng_below(struct sl__rng *rng, uint32_t n);

#endif

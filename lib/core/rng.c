/* Seeded pseudo-random numbers: splitmix64 seeding xoshiro256**, the
 * reference algorithms from https://prng.di.unimi.it/ written out in C11.
 * Used wherever the stack core needs chance (simulated faults, ISNs,
 * ephemeral ports) and the run must still be reproducible. */
#include "core/rng.h"

static uint64_t
rotl(uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}

/* splitmix64 turns consecutive counter values into well-mixed words, so
 * even seeds 0, 1, 2 give unrelated xoshiro states (and never all zero,
 * the one state xoshiro cannot leave). */
static uint64_t
splitmix64(uint64_t *x)
{
  uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

void
sl__rng_seed(struct sl__rng *rng, uint64_t seed)
{
  for (int i = 0; i < 4; i++)
    rng->s[i] = splitmix64(&seed);
}

uint64_t
sl__rng_next(struct sl__rng *rng)
{
  uint64_t *s = rng->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double
sl__rng_unit(struct sl__rng *rng)
{
  /* The top 53 bits fill a double's mantissa exactly, so every value is
   * a multiple of 2^-53 and 1.0 itself can never come out. */
  return (double)(sl__rng_next(rng) >> 11) * 0x1.0p-53;
}

uint32_t
sl__rng_below(struct sl__rng *rng, uint32_t n)
{
  uint64_t m;
  uint32_t low;

  if (n == 0)
    return 0;
  /* Lemire, "Fast random integer generation in an interval" (2019): the
   * high half of x * n is uniform in [0, n) once the few low halves that
   * would over-represent some results are rejected. */
  m = (sl__rng_next(rng) >> 32) * (uint64_t)n;
  low = (uint32_t)m;
  if (low < n) {
    uint32_t threshold = (uint32_t)(0u - n) % n;

    while (low < threshold) {
      m = (sl__rng_next(rng) >> 32) * (uint64_t)n;
      low = (uint32_t)m;
    }
  }
  return (uint32_t)(m >> 32);
}

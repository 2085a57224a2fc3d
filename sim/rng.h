/*
** rng.h — seeded random streams: splitmix64 seeds xoshiro256**.
**
** Every random choice in a run comes from a named stream derived from the
** run's seed, the stream's name and an index ('rng_stream'), so adding a
** stream never shifts another. Integer draws use only integer arithmetic;
** real-valued draws use IEEE doubles with +, -, *, /, sqrt, and libm's
** log/exp only where a distribution needs them.
*/
#ifndef DSIM_RNG_H
#define DSIM_RNG_H

#include <stdbool.h>
#include <stdint.h>

#include "dsim.h"

typedef struct rng { uint64_t s[4]; } rng;

uint64_t rng_splitmix64(uint64_t *state);
void rng_seed(rng *r, uint64_t seed);
/* The stream named 'name' (and 'index', e.g. a node id) of run 'seed'. */
void rng_stream(rng *r, uint64_t seed, const char *name, uint64_t index);
/* rng_next, rng_below ([0, n), unbiased; n > 0) and rng_range ([lo, hi],
** lo <= hi) are below, inline: they are on every message's path. */
double rng_unit(rng *r);                             /* [0, 1), 53 bits */
bool rng_chance(rng *r, double p);                   /* true with probability p */
double rng_normal(rng *r);                           /* mean 0, sd 1 */

/* ---- inline draws ----------------------------------------------------------- */

/* Lemire's rejection loop runs again with probability < n / 2^64 per draw;
** more rounds than this means the generator is broken. */
#define RNG_BELOW_ROUNDS_MAX 1000

static inline uint64_t rng_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rng_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rng_rotl(s[3], 45);
    DSIM_ASSERT((s[0] | s[1] | s[2] | s[3]) != 0);   /* xoshiro never reaches all zero */
    return result;
}

/* Lemire, "Fast Random Integer Generation in an Interval" (2019): the high
** word of x * n is uniform on [0, n) once the low words below 2^64 mod n are
** rejected; the modulo is computed only when a rejection is possible. */
static inline uint64_t rng_below(rng *r, uint64_t n)
{
    DSIM_ASSERT(n > 0);
    unsigned __int128 m = (unsigned __int128)rng_next(r) * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        uint64_t threshold = (0 - n) % n;   /* 2^64 mod n */
        int rounds = 0;
        while (low < threshold) {
            DSIM_ASSERT(++rounds < RNG_BELOW_ROUNDS_MAX);
            m = (unsigned __int128)rng_next(r) * n;
            low = (uint64_t)m;
        }
    }
    uint64_t x = (uint64_t)(m >> 64);
    DSIM_ASSERT(x < n);
    return x;
}

static inline int64_t rng_range(rng *r, int64_t lo, int64_t hi)
{
    DSIM_ASSERT(lo <= hi);
    uint64_t span = (uint64_t)hi - (uint64_t)lo;   /* hi - lo, mod 2^64 */
    uint64_t draw = span == UINT64_MAX ? rng_next(r) : rng_below(r, span + 1);
    /* lo + draw mod 2^64, back in range; gcc converts modulo 2^64. */
    int64_t x = (int64_t)((uint64_t)lo + draw);
    DSIM_ASSERT(x >= lo);
    DSIM_ASSERT(x <= hi);
    return x;
}

#endif

/*
** rng.c — seeded random streams: splitmix64 seeds xoshiro256**.
**
** Design. A stream's state is four 64-bit words filled by splitmix64 from a
** 64-bit key. 'rng_stream' derives that key from (seed, name, index) by
** hashing the name with FNV-1a 64 and folding seed, name hash and index
** through the splitmix64 finalizer one after another. A stream's key depends
** on nothing but those three values, so creating, using or adding another
** stream never shifts it.
**
** Invariants:
** - The state is never all zero (splitmix64 is a bijection of its counter, so
**   four consecutive outputs are distinct and at most one is zero).
** - Integer draws ('rng_next', 'rng_below', 'rng_range') use integer
**   arithmetic only; 'rng_unit' and 'rng_chance' use exact power-of-two
**   scaling; 'rng_normal' uses +, -, *, /, sqrt and one log per draw.
*/
#include "rng.h"

#include <math.h>

#include "dsim.h"

#define GOLDEN_GAMMA 0x9e3779b97f4a7c15ull
#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull
#define NORMAL_ROUNDS_MAX 1000   /* polar method: accepts ~79% per round */

_Static_assert(sizeof(rng) == 32, "xoshiro256** keeps four 64-bit words");
_Static_assert(sizeof(unsigned __int128) == 16, "Lemire's method needs a 128-bit product");

uint64_t rng_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += GOLDEN_GAMMA);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void rng_seed(rng *r, uint64_t seed)
{
    uint64_t sm = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = rng_splitmix64(&sm);
    DSIM_ASSERT((r->s[0] | r->s[1] | r->s[2] | r->s[3]) != 0);
}

static uint64_t fnv1a64(const char *s)
{
    uint64_t h = FNV_OFFSET;
    for (const unsigned char *p = (const unsigned char *)s; *p != 0; p++) {
        h ^= *p;
        h *= FNV_PRIME;
    }
    return h;
}

/* One splitmix64 step from state 'x': a strong 64-bit mixer. */
static uint64_t mix64(uint64_t x)
{
    return rng_splitmix64(&x);
}

void rng_stream(rng *r, uint64_t seed, const char *name, uint64_t index)
{
    DSIM_ASSERT(name != NULL);
    uint64_t key = mix64(seed);
    key = mix64(key ^ fnv1a64(name));
    key = mix64(key ^ index);
    rng_seed(r, key);
    DSIM_ASSERT((r->s[0] | r->s[1] | r->s[2] | r->s[3]) != 0);
}

double rng_unit(rng *r)
{
    double x = (double)(rng_next(r) >> 11) * 0x1.0p-53;
    DSIM_ASSERT(x >= 0.0);
    DSIM_ASSERT(x < 1.0);
    return x;
}

bool rng_chance(rng *r, double p)
{
    DSIM_ASSERT(p == p);   /* not NaN */
    if (p <= 0)
        return false;
    if (p >= 1)
        return true;
    /* p * 2^53 is exact; the draw is below it with probability p, to 2^-53. */
    uint64_t bound = (uint64_t)(p * 0x1.0p53);
    DSIM_ASSERT(bound <= (1ull << 53));
    return (rng_next(r) >> 11) < bound;
}

/* Marsaglia's polar method; the second variate of each pair is dropped so
** the stream needs no cached state. */
double rng_normal(rng *r)
{
    for (int rounds = 0; rounds < NORMAL_ROUNDS_MAX; rounds++) {
        double u = 2.0 * rng_unit(r) - 1.0;
        double v = 2.0 * rng_unit(r) - 1.0;
        double s = u * u + v * v;
        if (s > 0.0 && s < 1.0) {
            double x = u * sqrt(-2.0 * log(s) / s);
            DSIM_ASSERT(x == x);   /* not NaN */
            return x;
        }
    }
    DSIM_ASSERT(!"rng_normal: the generator never landed in the unit disc");
    return 0.0;
}

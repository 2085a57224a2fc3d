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

typedef struct rng { uint64_t s[4]; } rng;

uint64_t rng_splitmix64(uint64_t *state);
void rng_seed(rng *r, uint64_t seed);
/* The stream named 'name' (and 'index', e.g. a node id) of run 'seed'. */
void rng_stream(rng *r, uint64_t seed, const char *name, uint64_t index);
uint64_t rng_next(rng *r);
uint64_t rng_below(rng *r, uint64_t n);              /* [0, n), unbiased; n > 0 */
int64_t rng_range(rng *r, int64_t lo, int64_t hi);   /* [lo, hi], lo <= hi */
double rng_unit(rng *r);                             /* [0, 1), 53 bits */
bool rng_chance(rng *r, double p);                   /* true with probability p */
double rng_normal(rng *r);                           /* mean 0, sd 1 */

#endif

/*
** latency.h — message latency models: constant, uniform, normal, lognormal,
** pareto. Parameters are in nanoseconds; a sample is never negative and is
** capped at 'LATENCY_NS_MAX' so one draw cannot push an event past any
** run's end.
*/
#ifndef DSIM_LATENCY_H
#define DSIM_LATENCY_H

#include <stdbool.h>
#include <stdint.h>

#include "rng.h"

#define LATENCY_NS_MAX ((int64_t)3600 * 1000000000)
#define LATENCY_SIGMA_MILLI_MAX 10000   /* lognormal sigma <= 10 */
#define LATENCY_ALPHA_MILLI_MIN 1       /* pareto shape >= 0.001 */

typedef enum latency_kind {
    LATENCY_CONSTANT,   /* a */
    LATENCY_UNIFORM,    /* [a, b] */
    LATENCY_NORMAL,     /* mean a, sd b, truncated at 0 */
    LATENCY_LOGNORMAL,  /* median a, sigma b/1000 (b in thousandths) */
    LATENCY_PARETO,     /* scale a (minimum), shape b/1000 */
} latency_kind;

typedef struct latency_model {
    latency_kind kind;
    int64_t a, b;
} latency_model;

/* A model from user units: 'a_ms' (and 'b' for two-parameter models: ms
** for uniform and normal, dimensionless sigma or shape for lognormal and
** pareto). Every parameter a user can give goes through here: false with a
** reason in 'err' for NaN, infinities, negatives, values out of range and
** values that would round to an invalid model (a pareto shape below 0.001).
** A model made here never trips an assertion in 'latency_sample'. */
bool latency_from_ms(latency_kind kind, double a_ms, double b, latency_model *m, char *err,
                     unsigned cap);
int64_t latency_sample(const latency_model *m, rng *r);
/* The model's name ("uniform") for traces and errors. */
const char *latency_name(latency_kind k);
/* Writes a readable form, e.g. "uniform(1ms, 10ms)". */
void latency_format(const latency_model *m, char *buf, unsigned cap);

#endif

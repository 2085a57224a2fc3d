/*
** latency.c — message latency models; see latency.h.
**
** Each sample draws from the caller's stream a fixed number of times per
** model (the polar normal's rejection loop aside), so a link's latency draws
** depend only on that link's stream.
**
** Invariants: every sample is in [0, LATENCY_NS_MAX]; real-valued models
** round to the nearest nanosecond; user input enters through
** 'latency_from_ms', which refuses what would break an assertion here.
*/
#include "latency.h"

#include <math.h>
#include <stdio.h>

#include "dsim.h"


#define LATENCY_MS_MAX ((double)LATENCY_NS_MAX / 1e6)
#define SHAPE_MAX 1e6           /* pareto shape <= 10^6: b stays far from overflow */

bool latency_from_ms(latency_kind kind, double a_ms, double b, latency_model *m, char *err,
                     unsigned cap)
{
    bool two = kind != LATENCY_CONSTANT;
    bool b_ms = kind == LATENCY_UNIFORM || kind == LATENCY_NORMAL;
    const char *an = kind == LATENCY_PARETO ? "minimum" : kind == LATENCY_LOGNORMAL ? "median"
                   : kind == LATENCY_NORMAL ? "mean" : kind == LATENCY_UNIFORM ? "lo" : "latency";
    const char *bn = kind == LATENCY_PARETO ? "shape" : kind == LATENCY_LOGNORMAL ? "sigma"
                   : kind == LATENCY_NORMAL ? "sd" : "hi";
    if ((unsigned)kind > LATENCY_PARETO) {
        snprintf(err, cap, "unknown latency model");
        return false;
    }
    if (!(a_ms >= 0 && a_ms <= LATENCY_MS_MAX)) {
        snprintf(err, cap, "%s must be milliseconds from 0 to %.0f, got %g", an, LATENCY_MS_MAX,
                 isnan(a_ms) ? NAN : a_ms);   /* "nan", not "-nan" */
        return false;
    }
    double b_lo = kind == LATENCY_PARETO ? LATENCY_ALPHA_MILLI_MIN / 1000.0 : kind == LATENCY_UNIFORM ? a_ms : 0;
    double b_hi = b_ms ? LATENCY_MS_MAX : kind == LATENCY_PARETO ? SHAPE_MAX : LATENCY_SIGMA_MILLI_MAX / 1000.0;
    if (two && !(b >= b_lo && b <= b_hi)) {
        snprintf(err, cap, "%s must be %sfrom %g to %g, got %g", bn, b_ms ? "milliseconds " : "",
                 b_lo, b_hi, isnan(b) ? NAN : b);
        return false;
    }
    /* Sigma and shape are kept in thousandths (latency.h): a value that is
    ** not zero must not round to zero. */
    if (two && !b_ms && b > 0 && b < 0.0005) {
        snprintf(err, cap, "%s must be 0 or at least 0.001, got %g", bn, b);
        return false;
    }
    *m = (latency_model){.kind = kind, .a = llround(a_ms * 1e6)};
    if (two)
        m->b = b_ms ? llround(b * 1e6) : llround(b * 1000);
    DSIM_ASSERT(m->a >= 0 && m->b >= 0 && (kind != LATENCY_UNIFORM || m->a <= m->b));
    DSIM_ASSERT(kind != LATENCY_PARETO || m->b >= LATENCY_ALPHA_MILLI_MIN);
    DSIM_ASSERT(kind != LATENCY_LOGNORMAL || m->b <= LATENCY_SIGMA_MILLI_MAX);
    return true;
}

/* Rounds a non-negative real to nanoseconds, capped; NaN reads as the cap. */
static int64_t clamp_ns(double x)
{
    if (x <= 0.0)
        return 0;
    if (!(x < (double)LATENCY_NS_MAX))
        return LATENCY_NS_MAX;
    int64_t ns = (int64_t)(x + 0.5);   /* x < 2^42: exact enough, no overflow */
    DSIM_ASSERT(ns >= 0);
    return ns > LATENCY_NS_MAX ? LATENCY_NS_MAX : ns;
}

static int64_t cap_ns(int64_t x)
{
    DSIM_ASSERT(x >= 0);
    return x > LATENCY_NS_MAX ? LATENCY_NS_MAX : x;
}

int64_t latency_sample(const latency_model *m, rng *r)
{
    DSIM_ASSERT(m->a >= 0);
    switch (m->kind) {
    case LATENCY_CONSTANT:
        return cap_ns(m->a);
    case LATENCY_UNIFORM:
        DSIM_ASSERT(m->a <= m->b);
        return cap_ns(rng_range(r, m->a, m->b));
    case LATENCY_NORMAL:
        DSIM_ASSERT(m->b >= 0);
        return clamp_ns((double)m->a + (double)m->b * rng_normal(r));
    case LATENCY_LOGNORMAL: {
        DSIM_ASSERT(m->b >= 0);
        DSIM_ASSERT(m->b <= LATENCY_SIGMA_MILLI_MAX);
        double sigma = (double)m->b / 1000.0;
        return clamp_ns((double)m->a * exp(sigma * rng_normal(r)));
    }
    case LATENCY_PARETO: {
        DSIM_ASSERT(m->b >= LATENCY_ALPHA_MILLI_MIN);
        /* Inverse CDF: x = scale * u^(-1/alpha) with u uniform on (0, 1]. */
        double alpha = (double)m->b / 1000.0;
        double u = 1.0 - rng_unit(r);
        return clamp_ns((double)m->a * exp(-log(u) / alpha));
    }
    }
    DSIM_ASSERT(!"latency_sample: unknown model kind");
    return 0;
}

const char *latency_name(latency_kind k)
{
    static const char *const names[] = {
        [LATENCY_CONSTANT] = "constant",
        [LATENCY_UNIFORM] = "uniform",
        [LATENCY_NORMAL] = "normal",
        [LATENCY_LOGNORMAL] = "lognormal",
        [LATENCY_PARETO] = "pareto",
    };
    _Static_assert(sizeof names / sizeof names[0] == LATENCY_PARETO + 1, "a name per model");
    if ((unsigned)k >= sizeof names / sizeof names[0])
        return "unknown";
    DSIM_ASSERT(names[k] != NULL);
    return names[k];
}

/* Writes 'thousandths' / 1000 with at most three decimals and no trailing
** zeros ("1", "0.25", "1.001"), then 'suffix'. */
static void format_thousandths(int64_t thousandths, const char *suffix, char *buf, size_t cap)
{
    DSIM_ASSERT(cap > 0);
    const char *sign = thousandths < 0 ? "-" : "";
    uint64_t mag = thousandths < 0 ? 0 - (uint64_t)thousandths : (uint64_t)thousandths;
    unsigned frac = (unsigned)(mag % 1000);
    unsigned long long whole = (unsigned long long)(mag / 1000);
    if (frac == 0) {
        snprintf(buf, cap, "%s%llu%s", sign, whole, suffix);
        return;
    }
    int digits = 3;
    while (frac % 10 == 0) {
        frac /= 10;
        digits--;
    }
    DSIM_ASSERT(digits >= 1);
    snprintf(buf, cap, "%s%llu.%0*u%s", sign, whole, digits, frac, suffix);
}

/* Writes 'ns' in milliseconds rounded to the microsecond: "1ms", "0.25ms". */
static void format_ms(int64_t ns, char *buf, size_t cap)
{
    /* Round half away from zero, in integers: no double can change digits. */
    DSIM_ASSERT(cap > 0);
    int64_t us = ns >= 0 ? (ns / 1000) + (ns % 1000 >= 500) : (ns / 1000) - (ns % 1000 <= -500);
    format_thousandths(us, "ms", buf, cap);
}

void latency_format(const latency_model *m, char *buf, unsigned cap)
{
    DSIM_ASSERT(buf != NULL);
    DSIM_ASSERT(cap > 0);
    char a[48], b[48];
    format_ms(m->a, a, sizeof a);
    switch (m->kind) {
    case LATENCY_CONSTANT:
        snprintf(buf, cap, "constant(%s)", a);
        return;
    case LATENCY_UNIFORM:
    case LATENCY_NORMAL:
        format_ms(m->b, b, sizeof b);
        break;
    case LATENCY_LOGNORMAL:
    case LATENCY_PARETO:
        format_thousandths(m->b, "", b, sizeof b);
        break;
    default:
        snprintf(buf, cap, "unknown(%lld, %lld)", (long long)m->a, (long long)m->b);
        return;
    }
    snprintf(buf, cap, "%s(%s, %s)", latency_name(m->kind), a, b);
}

/*
** clock.c — a node's monotonic and wall clocks as functions of true time;
** see clock.h.
**
** Design. Each clock is a line through an anchor: at true time 'anchor_true'
** it read 'anchor', and since then it advanced 10^6 + drift_ppm clock
** nanoseconds per 10^6 true nanoseconds:
**     clock(t) = anchor + floor((t - anchor_true) * (10^6 + ppm) / 10^6)
** Products are taken in 128 bits, so no intermediate overflows and the
** result is the same on every compiler. Changing the drift re-anchors at the
** current reading, so the clock is continuous; a wall step or offset moves
** only the wall anchor.
**
** Invariants:
** - |drift| <= CLOCK_DRIFT_PPM_MAX, so the rate is in [0.5, 1.5] and each
**   clock is non-decreasing in t between steps (the monotonic one never
**   steps).
** - 'clock_true_delay' rounds up: mono(t + d) - mono(t) >= mono_delay for
**   every t, because floor(x + y) >= floor(x) + floor(y).
*/
#include "clock.h"

#include "dsim.h"

#define PPM_ONE 1000000

_Static_assert(CLOCK_DRIFT_PPM_MAX < PPM_ONE, "a clock must move forward");

/* floor(x / y) for y > 0, in 128 bits. */
static __int128 floor_div(__int128 x, __int128 y)
{
    DSIM_ASSERT(y > 0);
    __int128 q = x / y;
    if (x % y != 0 && x < 0)
        q--;
    DSIM_ASSERT(q * y <= x);
    DSIM_ASSERT(x - q * y < y);
    return q;
}

static int64_t line_at(int64_t anchor, int64_t anchor_true, int64_t ppm, int64_t now)
{
    __int128 elapsed = (__int128)now - anchor_true;
    __int128 v = (__int128)anchor + floor_div(elapsed * (PPM_ONE + ppm), PPM_ONE);
    DSIM_ASSERT(v >= INT64_MIN);
    DSIM_ASSERT(v <= INT64_MAX);
    return (int64_t)v;
}

static void check_ppm(int64_t ppm)
{
    DSIM_ASSERT(ppm <= CLOCK_DRIFT_PPM_MAX);
    DSIM_ASSERT(ppm >= -CLOCK_DRIFT_PPM_MAX);
}

void clock_init(nclock *c)
{
    DSIM_ASSERT(c != NULL);
    c->mono_anchor_true = 0;
    c->mono_anchor = 0;
    c->mono_drift_ppm = 0;
    c->wall_anchor_true = 0;
    c->wall_anchor = 0;
    c->wall_drift_ppm = 0;
    DSIM_ASSERT(clock_wall(c, 0) == 0);
}

int64_t clock_mono(const nclock *c, int64_t now)
{
    check_ppm(c->mono_drift_ppm);
    return line_at(c->mono_anchor, c->mono_anchor_true, c->mono_drift_ppm, now);
}

int64_t clock_wall(const nclock *c, int64_t now)
{
    check_ppm(c->wall_drift_ppm);
    return line_at(c->wall_anchor, c->wall_anchor_true, c->wall_drift_ppm, now);
}

/* ceil(mono_delay * 10^6 / (10^6 + ppm)); saturates at INT64_MAX, which a
** run's time limit never reaches, so such a timer simply never fires. */
int64_t clock_true_delay(const nclock *c, int64_t mono_delay)
{
    DSIM_ASSERT(mono_delay >= 0);
    check_ppm(c->mono_drift_ppm);
    __int128 rate = PPM_ONE + c->mono_drift_ppm;
    __int128 d = ((__int128)mono_delay * PPM_ONE + rate - 1) / rate;
    DSIM_ASSERT(d >= 0);
    return d > INT64_MAX ? INT64_MAX : (int64_t)d;
}

void clock_set_mono_drift(nclock *c, int64_t now, int64_t ppm)
{
    check_ppm(ppm);
    int64_t reading = clock_mono(c, now);
    c->mono_anchor = reading;
    c->mono_anchor_true = now;
    c->mono_drift_ppm = ppm;
    DSIM_ASSERT(clock_mono(c, now) == reading);
}

void clock_set_wall_drift(nclock *c, int64_t now, int64_t ppm)
{
    check_ppm(ppm);
    int64_t reading = clock_wall(c, now);
    c->wall_anchor = reading;
    c->wall_anchor_true = now;
    c->wall_drift_ppm = ppm;
    DSIM_ASSERT(clock_wall(c, now) == reading);
}

void clock_step_wall(nclock *c, int64_t now, int64_t delta_ns)
{
    __int128 v = (__int128)clock_wall(c, now) + delta_ns;
    DSIM_ASSERT(v >= INT64_MIN);
    DSIM_ASSERT(v <= INT64_MAX);
    c->wall_anchor = (int64_t)v;
    c->wall_anchor_true = now;
    DSIM_ASSERT(clock_wall(c, now) == (int64_t)v);
}

void clock_set_wall_offset(nclock *c, int64_t now, int64_t offset_ns)
{
    __int128 v = (__int128)now + offset_ns;
    DSIM_ASSERT(v >= INT64_MIN);
    DSIM_ASSERT(v <= INT64_MAX);
    c->wall_anchor = (int64_t)v;
    c->wall_anchor_true = now;
    DSIM_ASSERT(clock_wall(c, now) == (int64_t)v);
}

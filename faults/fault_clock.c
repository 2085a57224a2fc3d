/*
** fault_clock.c — the clock fault: one node's clocks go wrong for a while.
**
** Modes: 'drift' (monotonic and wall clocks run fast or slow by 'ppm', so
** its timers stretch or shrink), 'offset' (the wall clock is set 'offset_ms'
** away from true time), 'step' (the wall clock jumps by 'step_ms', forward
** or backward), 'strobe' (the wall clock jumps by +step_ms and back every
** 'period_ms', as a flapping NTP source does). At the end (and at the
** nemesis's recovery) the node's clocks are resynchronised: drift 0, wall
** clock = true time; the monotonic clock never steps.
** Every change is one kernel operation (dsim_clock_change, the one c:clock
** calls), traced as a "clock" event with the resulting drift and
** wall-minus-true offset.
*/
#include <string.h>

#include "fault.h"

static const char *const modes[] = {"drift", "offset", "step", "strobe", NULL};

static const fault_param params[] = {
    {"nodes", "[]", "nodes it may hit (empty: all)"},
    {"modes", "[\"drift\", \"offset\", \"step\", \"strobe\"]", "modes to draw from"},
    {"drift_ppm", "200000", "largest |drift| in parts per million (<= 500000)"},
    {"offset_ms", "2000", "largest |wall clock offset|, ms"},
    {"step_ms", "2000", "largest |wall clock step|, ms (drawn forward or backward)"},
    {"period", "[10, 100]", "strobe period, ms [lo, hi]"},
    {"dur", "[500, 3000]", "how long the clock stays wrong, ms [lo, hi]"},
    {NULL, NULL, NULL},
};

/* A signed amount with magnitude in [max/10, max] scaled by intensity. */
static int64_t amount(const fault_draw *d, const char *param, int64_t cap)
{
    int64_t max = (int64_t)(fault_num(d->params, param, 1000) * d->intensity);
    if (max > cap)
        max = cap;
    if (max < 1)
        max = 1;
    int64_t x = rng_range(d->r, max / 10 > 0 ? max / 10 : 1, max);
    return rng_chance(d->r, 0.5) ? -x : x;
}

static void draw(const fault_draw *d, json_t *e)
{
    const char *mode = fault_draw_mode(d);
    json_object_set_new(e, "dur_ms", json_integer(fault_draw_dur(d, "dur")));
    json_object_set_new(e, "mode", json_string(mode));
    if (strcmp(mode, "drift") == 0) {
        json_object_set_new(e, "ppm", json_integer(amount(d, "drift_ppm", DSIM_DRIFT_PPM_MAX)));
    } else if (strcmp(mode, "offset") == 0) {
        json_object_set_new(e, "offset_ms", json_integer(amount(d, "offset_ms", 1000000)));
    } else {
        int64_t s = amount(d, "step_ms", 1000000);
        if (strcmp(mode, "strobe") == 0) {
            s = s < 0 ? -s : s;
            json_t *p = json_object_get(d->params, "period");
            json_object_set_new(e, "period_ms", json_integer(rng_range(d->r,
                (int64_t)json_number_value(json_array_get(p, 0)) > 0 ? (int64_t)json_number_value(json_array_get(p, 0)) : 1,
                (int64_t)json_number_value(json_array_get(p, 1)) > 1 ? (int64_t)json_number_value(json_array_get(p, 1)) : 1)));
        }
        json_object_set_new(e, "step_ms", json_integer(s));
    }
}

static int check_int(const json_t *e, const char *k, int64_t lo, int64_t hi, char *err, size_t cap)
{
    json_t *v = json_object_get(e, k);
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        snprintf(err, cap, "'%s' must be a whole number from %lld to %lld", k, (long long)lo, (long long)hi);
        return -1;
    }
    return 0;
}

static int check(const json_t *e, int nodes, char *err, size_t cap)
{
    (void)nodes;
    const char *mode = json_string_value(json_object_get(e, "mode"));
    if (!mode || (strcmp(mode, "drift") && strcmp(mode, "offset") && strcmp(mode, "step") &&
                  strcmp(mode, "strobe"))) {
        snprintf(err, cap, "'mode' must be drift, offset, step or strobe");
        return -1;
    }
    if (strcmp(mode, "drift") == 0)
        return check_int(e, "ppm", -DSIM_DRIFT_PPM_MAX, DSIM_DRIFT_PPM_MAX, err, cap);
    if (strcmp(mode, "offset") == 0)
        return check_int(e, "offset_ms", -1000000, 1000000, err, cap);
    if (strcmp(mode, "strobe") == 0 && check_int(e, "period_ms", 1, 1000000, err, cap) != 0)
        return -1;
    return check_int(e, "step_ms", -1000000, 1000000, err, cap);
}

void fault_clock_reset(nemesis *nm, int n)
{
    dsim_clock_resync(nm->w, n);
}

static void start(nemesis *nm, int idx, const json_t *e)
{
    int n = fault_node(nm, e);
    if (n < 0) {
        nm->active[idx] = false;
        return;
    }
    dsim_world *w = nm->w;
    const char *mode = json_string_value(json_object_get(e, "mode"));
    nm->target[idx] = n;
    nm->clock_touched[n] = true;
    dsim_clock_set c = {0};
    if (strcmp(mode, "drift") == 0) {
        int64_t ppm = json_integer_value(json_object_get(e, "ppm"));
        c = (dsim_clock_set){.mono_drift_set = true, .wall_drift_set = true,
                             .mono_drift_ppm = ppm, .wall_drift_ppm = ppm};
    } else if (strcmp(mode, "offset") == 0) {
        c = (dsim_clock_set){.wall_offset_set = true,
                             .wall_offset_ns = DSIM_MS(json_integer_value(json_object_get(e, "offset_ms")))};
    } else {
        c = (dsim_clock_set){.step_set = true,
                             .step_ns = DSIM_MS(json_integer_value(json_object_get(e, "step_ms")))};
        if (strcmp(mode, "strobe") == 0)
            fault_tick_at(nm, dsim_now(w) + DSIM_MS(json_integer_value(json_object_get(e, "period_ms"))), idx, 1);
    }
    dsim_clock_change(w, n, &c);
}

/* Strobe: tick k steps back (k odd) or forward (k even), then re-arms
** while the fault lasts. */
static void tick(nemesis *nm, int idx, const json_t *e, uint32_t k)
{
    dsim_world *w = nm->w;
    int64_t end = DSIM_MS(json_integer_value(json_object_get(e, "at_ms")) +
                          json_integer_value(json_object_get(e, "dur_ms")));
    int64_t period = DSIM_MS(json_integer_value(json_object_get(e, "period_ms")));
    int64_t step = DSIM_MS(json_integer_value(json_object_get(e, "step_ms")));
    dsim_clock_set c = {.step_set = true, .step_ns = (k & 1) ? -step : step};
    dsim_clock_change(w, nm->target[idx], &c);
    if (dsim_now(w) + period < end)
        fault_tick_at(nm, dsim_now(w) + period, idx, k + 1);
}

static void stop(nemesis *nm, int idx, const json_t *e)
{
    (void)e;
    fault_clock_reset(nm, nm->target[idx]);
}

const fault_kind fault_clock = {
    .name = "clock",
    .summary = "skew a node's clocks: drift, offset, forward/backward steps, strobe",
    .params = params,
    .modes = modes,
    .fields = "node (or \"leader\"); mode; ppm (drift); offset_ms (offset); step_ms (step, strobe); "
              "period_ms (strobe)",
    .slot = FAULT_SLOT_CLOCK,
    .per_node = true,
    .draw = draw,
    .check = check,
    .start = start,
    .stop = stop,
    .tick = tick,
};

/*
** fault_process.c — the process faults: crash (then restart) and pause
** (then resume).
**
** crash: the node loses its volatile state, its timers, what was in flight
** to it and every disk write it had not synced; with 'tear' the last
** unsynced write lands half-written (its checksum fails when read back).
** After 'dur_ms' it restarts and recovers from its disk alone. The restart
** happens only if the node is still down from this very crash (the
** incarnation matches), so overlapping forced faults stay well defined.
** pause: a stop-the-world pause (GC, VM migration): the node handles
** nothing; deliveries and timers wait and run late, in order, on resume.
** The resume happens only if the node is still in this very pause.
*/
#include "fault.h"

static const fault_param crash_params[] = {
    {"nodes", "[]", "nodes it may hit (empty: all)"},
    {"dur", "[50, 1000]", "down time before the restart, ms [lo, hi]"},
    {"tear", "0.5", "probability that the crash tears the last unsynced write"},
    {"leader", "0.25", "probability that it hits the leader of the moment instead"},
    {NULL, NULL, NULL},
};

static const fault_param pause_params[] = {
    {"nodes", "[]", "nodes it may hit (empty: all)"},
    {"dur", "[50, 1000]", "pause length, ms [lo, hi]"},
    {"leader", "0.25", "probability that it hits the leader of the moment instead"},
    {NULL, NULL, NULL},
};

/* With probability 'leader' the entry names "leader", resolved when it
** starts; the slot the nemesis reserved for the drawn node stays reserved. */
static void maybe_leader(const fault_draw *d, json_t *e)
{
    if (rng_chance(d->r, fault_num(d->params, "leader", 0)))
        json_object_set_new(e, "node", json_string("leader"));
}

static void crash_draw(const fault_draw *d, json_t *e)
{
    maybe_leader(d, e);
    json_object_set_new(e, "dur_ms", json_integer(fault_draw_dur(d, "dur")));
    json_object_set_new(e, "tear", json_boolean(rng_chance(d->r, fault_num(d->params, "tear", 0.5))));
}

static int crash_check(const json_t *e, int nodes, char *err, size_t cap)
{
    (void)nodes;
    json_t *t = json_object_get(e, "tear");
    if (t && !json_is_boolean(t)) {
        snprintf(err, cap, "'tear' must be true or false");
        return -1;
    }
    return 0;
}

static void crash_start(nemesis *nm, int idx, const json_t *e)
{
    int n = fault_node(nm, e);
    uint32_t token = n < 0 ? 0 : dsim_crash(nm->w, n, json_is_true(json_object_get(e, "tear")));
    if (token == 0) {   /* no such node now, or crashed already */
        nm->active[idx] = false;
        return;
    }
    nm->target[idx] = n;
    nm->gen[idx] = token;
}

static void crash_stop(nemesis *nm, int idx, const json_t *e)
{
    (void)e;
    dsim_restart(nm->w, nm->target[idx], nm->gen[idx]);
}

static void pause_draw(const fault_draw *d, json_t *e)
{
    maybe_leader(d, e);
    json_object_set_new(e, "dur_ms", json_integer(fault_draw_dur(d, "dur")));
}

static int pause_check(const json_t *e, int nodes, char *err, size_t cap)
{
    (void)e, (void)nodes, (void)err, (void)cap;
    return 0;
}

static void pause_start(nemesis *nm, int idx, const json_t *e)
{
    int n = fault_node(nm, e);
    uint32_t token = n < 0 ? 0 : dsim_pause(nm->w, n, -1);
    if (token == 0) {   /* no such node now, or not up */
        nm->active[idx] = false;
        return;
    }
    nm->target[idx] = n;
    nm->gen[idx] = token;
}

static void pause_stop(nemesis *nm, int idx, const json_t *e)
{
    (void)e;
    dsim_resume(nm->w, nm->target[idx], nm->gen[idx]);
}

const fault_kind fault_crash = {
    .name = "crash",
    .summary = "crash a node (unsynced writes lost, the last one maybe torn), restart it later",
    .params = crash_params,
    .modes = NULL,
    .fields = "node (or \"leader\"); tear (bool); dur_ms = down time",
    .slot = FAULT_SLOT_PROCESS,
    .per_node = true,
    .draw = crash_draw,
    .check = crash_check,
    .start = crash_start,
    .stop = crash_stop,
};

const fault_kind fault_pause = {
    .name = "pause",
    .summary = "pause a node (stop the world), resume it later; held events run late, in order",
    .params = pause_params,
    .modes = NULL,
    .fields = "node (or \"leader\"); dur_ms = pause length",
    .slot = FAULT_SLOT_PROCESS,
    .per_node = true,
    .draw = pause_draw,
    .check = pause_check,
    .start = pause_start,
    .stop = pause_stop,
};

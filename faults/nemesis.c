/*
** nemesis.c — draws a random fault schedule from the seed, checks a given
** one, and applies a schedule to a running world.
**
** Drawing (TigerBeetle's VOPR and Jepsen's combined nemesis are the
** models): from the "nemesis" stream, first the swarm — which of the
** enabled kinds this seed uses, with what weight, intensity and modes —
** then bursts of faults separated by quiet periods in which nothing new
** starts, so the system gets a chance to recover; every fault of a burst
** ends inside its burst, and at 'stop_ms' a final recovery heals the
** network, restores links and clocks, and the run goes on quietly until
** 'until_ms' (the liveness phase). Two faults never hold one slot at once
** (fault.h 'fault_slot'): a partition replaces the previous one and a node
** is crashed or paused by one fault at a time.
** Applying: one queued call per fault start, one per stop (at start +
** dur), one for the recovery. A stop undoes only what its own start did
** and what nobody changed since (generation numbers), so a forced schedule
** with overlaps stays well defined. Applying draws no random numbers.
** Bounds: at most NEMESIS_FAULTS_MAX faults per schedule.
*/
#include "fault.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>


#define NEMESIS_FAULTS_MAX 10000

enum { OP_START = 1, OP_STOP = 2, OP_TICK = 3, OP_RECOVER = 4 };

/* ---- parameters --------------------------------------------------------- */

static bool same_shape(const json_t *def, const json_t *v)
{
    if (json_is_number(def))
        return json_is_number(v) && json_number_value(v) >= 0 && json_number_value(v) <= 1e9;
    if (!json_is_array(def) || !json_is_array(v))
        return false;
    if (json_array_size(def) == 2 && json_is_number(json_array_get(def, 0)))
        return json_array_size(v) == 2 && json_is_number(json_array_get(v, 0)) &&
               json_is_number(json_array_get(v, 1)) && json_number_value(json_array_get(v, 0)) >= 0 &&
               json_number_value(json_array_get(v, 0)) <= json_number_value(json_array_get(v, 1)) &&
               json_number_value(json_array_get(v, 1)) <= 1e9;
    return true;   /* a list: checked by its users */
}

json_t *nemesis_params(const fault_kind *k, const json_t *given, char *err, size_t cap)
{
    json_t *out = json_object();
    for (const fault_param *p = k->params; p->name; p++) {
        json_t *def = json_loads(p->def, JSON_DECODE_ANY, NULL);
        DSIM_ASSERT(def != NULL);
        json_t *v = given ? json_object_get(given, p->name) : NULL;
        /* an empty Lua table comes as {}: the empty list */
        if (v && json_is_object(v) && json_object_size(v) == 0 && json_is_array(def))
            v = NULL, json_array_clear(def);
        if (v && !same_shape(def, v)) {
            snprintf(err, cap, "fault %s: parameter '%s' must look like %s (numbers >= 0, ranges "
                     "with lo <= hi)", k->name, p->name, p->def);
            json_decref(def);
            json_decref(out);
            return NULL;
        }
        json_object_set_new(out, p->name, v ? json_deep_copy(v) : def);
        if (v)
            json_decref(def);
    }
    const char *name;
    json_t *v;
    json_object_foreach((json_t *)given, name, v) {
        if (json_object_get(out, name))
            continue;
        snprintf(err, cap, "fault %s: unknown parameter '%s' (see: dsim list faults)", k->name, name);
        json_decref(out);
        return NULL;
    }
    json_t *modes = json_object_get(out, "modes");
    if (k->modes && json_array_size(modes) == 0) {
        snprintf(err, cap, "fault %s: 'modes' must name at least one mode", k->name);
        json_decref(out);
        return NULL;
    }
    size_t i;
    json_t *m;
    json_array_foreach(modes, i, m) {
        bool ok = false;
        for (int j = 0; k->modes && k->modes[j] && json_is_string(m); j++)
            ok = ok || strcmp(k->modes[j], json_string_value(m)) == 0;
        if (!ok) {
            snprintf(err, cap, "fault %s: unknown mode %s", k->name,
                     json_is_string(m) ? json_string_value(m) : "(not a string)");
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

double fault_num(const json_t *o, const char *k, double def)
{
    json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : def;
}

int fault_eligible(const json_t *params, int nodes, int *out)
{
    json_t *list = json_object_get(params, "nodes");
    int len = 0;
    if (json_array_size(list) == 0) {
        for (int i = 1; i <= nodes; i++)
            out[len++] = i;
        return len;
    }
    for (int i = 1; i <= nodes; i++) {
        size_t j;
        json_t *v;
        json_array_foreach(list, j, v)
            if (json_is_integer(v) && json_integer_value(v) == i) {
                out[len++] = i;
                break;
            }
    }
    return len;
}

/* ---- draw helpers -------------------------------------------------------- */

int64_t fault_draw_dur(const fault_draw *d, const char *param)
{
    json_t *r = json_object_get(d->params, param);
    int64_t lo = (int64_t)json_number_value(json_array_get(r, 0));
    int64_t hi = (int64_t)json_number_value(json_array_get(r, 1));
    int64_t x = rng_range(d->r, lo, hi);
    return x < d->dur_ms_max ? x : d->dur_ms_max;
}

const char *fault_draw_mode(const fault_draw *d)
{
    size_t n = json_array_size(d->modes);
    DSIM_ASSERT(n > 0);
    return json_string_value(json_array_get(d->modes, rng_below(d->r, n)));
}

int fault_check_node(const json_t *e, const char *field, int nodes, char *err, size_t cap)
{
    json_t *v = json_object_get(e, field);
    if (json_is_string(v) && strcmp(json_string_value(v), "leader") == 0)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > nodes) {
        snprintf(err, cap, "'%s' must be a node 1..%d or \"leader\"%s", field, nodes,
                 json_is_integer(v) ? " (the schedule is for a bigger cluster?)" : "");
        return -1;
    }
    return 0;
}

/* ---- the swarm ------------------------------------------------------------ */

typedef struct kind_pick {
    const fault_kind *k;
    json_t *params;   /* borrowed from the swarm record */
    json_t *modes;
    int weight;
    double intensity;
} kind_pick;

/* Decides which enabled kinds, modes and intensities this seed uses, and
** records the decision in 'swarm'. Returns how many kinds are on. */
static int swarm_draw(const nemesis_cfg *cfg, rng *r, json_t *swarm, json_t *params_of, kind_pick *pick)
{
    int on = 0, enabled = 0;
    const fault_kind *first[64];
    for (int i = 0; fault_kinds[i]; i++) {
        const fault_kind *k = fault_kinds[i];
        if (!json_object_get(params_of, k->name))
            continue;
        first[enabled++] = k;
        bool use = !cfg->swarm || rng_chance(r, 0.5);
        if (!use)
            continue;
        pick[on++].k = k;
    }
    if (enabled == 0)
        return 0;
    if (on == 0)
        pick[on++].k = first[rng_below(r, (uint64_t)enabled)];
    for (int i = 0; i < on; i++) {
        kind_pick *p = &pick[i];
        p->params = json_object_get(params_of, p->k->name);
        p->weight = cfg->swarm ? (int)rng_range(r, 1, 4) : 1;
        p->intensity = cfg->swarm ? (double)rng_range(r, 1, 4) / 4.0 : 1.0;
        p->modes = json_array();
        json_t *allowed = json_object_get(p->params, "modes");
        size_t j;
        json_t *m;
        json_array_foreach(allowed, j, m)
            if (!cfg->swarm || rng_chance(r, 0.5))
                json_array_append(p->modes, m);
        if (json_array_size(allowed) > 0 && json_array_size(p->modes) == 0)
            json_array_append(p->modes, json_array_get(allowed, rng_below(r, json_array_size(allowed))));
        json_object_set_new(swarm, p->k->name, json_pack("{s:i, s:f, s:o}", "weight", p->weight,
                            "intensity", p->intensity, "modes", p->modes));
    }
    return on;
}

/* ---- drawing the schedule ------------------------------------------------ */

typedef struct busy {
    int64_t network, links;
    int64_t *process, *clock, *byz;   /* per node (1-based index) */
} busy;

static int64_t *busy_slot(busy *b, fault_slot s, int node)
{
    switch (s) {
    case FAULT_SLOT_NETWORK: return &b->network;
    case FAULT_SLOT_LINKS: return &b->links;
    case FAULT_SLOT_PROCESS: return &b->process[node];
    case FAULT_SLOT_CLOCK: return &b->clock[node];
    case FAULT_SLOT_BYZANTINE: return &b->byz[node];
    default: return NULL;
    }
}

static const kind_pick *pick_kind(rng *r, const kind_pick *pick, int on)
{
    int total = 0;
    for (int i = 0; i < on; i++)
        total += pick[i].weight;
    int x = (int)rng_below(r, (uint64_t)total);
    for (int i = 0; i < on; i++) {
        if (x < pick[i].weight)
            return &pick[i];
        x -= pick[i].weight;
    }
    DSIM_ASSERT(!"weights add up");
    return NULL;
}

/* Draws one fault at 't' inside a burst ending at 'end'; NULL when the
** drawn kind has no free slot now (the nemesis then waits). */
static json_t *draw_one(rng *r, const kind_pick *p, busy *b, int nodes, int *cand, int64_t t, int64_t end)
{
    int node = 0;
    if (p->k->slot == FAULT_SLOT_BYZANTINE) {   /* at most 'max' nodes at once */
        int held = 0;
        for (int i = 1; i <= nodes; i++)
            held += b->byz[i] > t;
        if (held >= (int)fault_num(p->params, "max", 1))
            return NULL;
    }
    if (p->k->per_node) {
        int len = fault_eligible(p->params, nodes, cand), free_len = 0;
        for (int i = 0; i < len; i++) {
            int64_t *slot = busy_slot(b, p->k->slot, cand[i]);
            if (!slot || *slot <= t)
                cand[free_len++] = cand[i];
        }
        if (free_len == 0)
            return NULL;
        node = cand[rng_below(r, (uint64_t)free_len)];
    } else {
        int64_t *slot = busy_slot(b, p->k->slot, 0);
        if (slot && *slot > t)
            return NULL;
    }
    fault_draw d = {.r = r, .nodes = nodes, .params = p->params, .modes = p->modes,
                    .intensity = p->intensity, .node = node, .dur_ms_max = end - t};
    json_t *e = json_pack("{s:I, s:s}", "at_ms", (json_int_t)t, "kind", p->k->name);
    if (node > 0)
        json_object_set_new(e, "node", json_integer(node));
    p->k->draw(&d, e);
    int64_t dur = json_integer_value(json_object_get(e, "dur_ms"));
    DSIM_ASSERT(dur >= 0);
    DSIM_ASSERT(t + dur <= end);
    int64_t *slot = busy_slot(b, p->k->slot, node);
    if (slot)
        *slot = t + dur + 1;
    return e;
}

static void draw_bursts(const nemesis_cfg *cfg, rng *r, const kind_pick *pick, int on, int nodes, json_t *faults)
{
    busy b = {0};
    b.process = calloc((size_t)nodes + 1, sizeof(int64_t));
    b.clock = calloc((size_t)nodes + 1, sizeof(int64_t));
    b.byz = calloc((size_t)nodes + 1, sizeof(int64_t));
    DSIM_ASSERT(b.byz != NULL);
    int *cand = malloc(sizeof(int) * ((size_t)nodes + 1));
    DSIM_ASSERT(b.process != NULL);
    DSIM_ASSERT(b.clock != NULL);
    DSIM_ASSERT(cand != NULL);
    int64_t iv = cfg->interval_ms, t = cfg->start_ms;
    while (t < cfg->stop_ms && json_array_size(faults) < NEMESIS_FAULTS_MAX) {
        int64_t end = cfg->quiet ? t + iv * rng_range(r, 4, 12) : cfg->stop_ms;
        if (end > cfg->stop_ms)
            end = cfg->stop_ms;
        for (;;) {
            t += rng_range(r, iv / 2 > 0 ? iv / 2 : 1, iv + iv / 2 > 1 ? iv + iv / 2 : 1);
            if (t >= end || json_array_size(faults) >= NEMESIS_FAULTS_MAX)
                break;
            json_t *e = draw_one(r, pick_kind(r, pick, on), &b, nodes, cand, t, end);
            if (e)
                json_array_append_new(faults, e);
        }
        t = end;
        if (cfg->quiet)
            t += rng_range(r, iv, 4 * iv);
    }
    free(b.process);
    free(b.clock);
    free(b.byz);
    free(cand);
}

json_t *nemesis_draw(const nemesis_cfg *cfg, uint64_t seed, int nodes, char *err, size_t cap)
{
    DSIM_ASSERT(cfg->interval_ms > 0);
    DSIM_ASSERT(cfg->start_ms <= cfg->stop_ms);
    json_t *params_of = json_object();
    const char *name;
    json_t *given;
    json_object_foreach(cfg->kinds, name, given) {
        const fault_kind *k = fault_kind_find(name);
        if (!k) {
            char known[256];
            snprintf(err, cap, "unknown fault kind '%s' (known: %s)", name,
                     fault_kind_names(known, sizeof known));
            json_decref(params_of);
            return NULL;
        }
        json_t *p = nemesis_params(k, given, err, cap);
        if (!p) {
            json_decref(params_of);
            return NULL;
        }
        json_object_set_new(params_of, name, p);
    }
    rng r;
    rng_stream(&r, seed, "nemesis", 0);
    kind_pick pick[64];
    json_t *swarm = json_object();
    int on = swarm_draw(cfg, &r, swarm, params_of, pick);
    json_t *faults = json_array();
    if (on > 0)
        draw_bursts(cfg, &r, pick, on, nodes, faults);
    json_decref(params_of);
    return json_pack("{s:I, s:I, s:I, s:o, s:o}", "start_ms", (json_int_t)cfg->start_ms,
                     "stop_ms", (json_int_t)cfg->stop_ms,
                     "until_ms", (json_int_t)(cfg->stop_ms + cfg->recovery_ms),
                     "swarm", swarm, "faults", faults);
}

/* ---- checking a given schedule -------------------------------------------- */

static int int_field(const json_t *o, const char *k, int64_t *out)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > (json_int_t)1 << 40)
        return -1;
    *out = json_integer_value(v);
    return 0;
}

int nemesis_check(json_t *schedule, int nodes, char *err, size_t cap)
{
    int64_t start, stop, until;
    json_t *faults = json_object_get(schedule, "faults");
    if (!json_is_object(schedule) || !json_is_array(faults) ||
        int_field(schedule, "start_ms", &start) || int_field(schedule, "stop_ms", &stop) ||
        int_field(schedule, "until_ms", &until) || start > stop || stop > until) {
        snprintf(err, cap, "a schedule is {start_ms, stop_ms, until_ms, faults: [...]} with "
                           "whole milliseconds, start_ms <= stop_ms <= until_ms");
        return -1;
    }
    if (json_array_size(faults) > NEMESIS_FAULTS_MAX) {
        snprintf(err, cap, "at most %d faults in a schedule", NEMESIS_FAULTS_MAX);
        return -1;
    }
    size_t i;
    json_t *e;
    json_array_foreach(faults, i, e) {
        int64_t at, dur;
        const char *kn = json_string_value(json_object_get(e, "kind"));
        const fault_kind *k = kn ? fault_kind_find(kn) : NULL;
        char why[256] = "", known[192];
        if (!k)
            snprintf(why, sizeof why, "unknown kind '%s' (known: %s)", kn ? kn : "?",
                     fault_kind_names(known, sizeof known));
        else if (int_field(e, "at_ms", &at) || int_field(e, "dur_ms", &dur))
            snprintf(why, sizeof why, "'at_ms' and 'dur_ms' must be whole milliseconds >= 0");
        else if (at < start || at + dur > stop)
            snprintf(why, sizeof why, "it must lie within start_ms %" PRId64 " .. stop_ms %" PRId64, start, stop);
        else if (k->per_node && fault_check_node(e, "node", nodes, why, sizeof why) != 0)
            ;
        else
            k->check(e, nodes, why, sizeof why);
        if (why[0]) {
            snprintf(err, cap, "fault %zu (%s at %s ms): %s", i + 1, kn ? kn : "?",
                     json_is_integer(json_object_get(e, "at_ms")) ? "given" : "no time", why);
            return -1;
        }
    }
    /* stable insertion sort by at_ms: entries may come from hand edits */
    size_t n = json_array_size(faults);
    for (size_t a = 1; a < n; a++) {
        for (size_t b = a; b > 0; b--) {
            json_t *x = json_array_get(faults, b - 1), *y = json_array_get(faults, b);
            if (json_integer_value(json_object_get(x, "at_ms")) <= json_integer_value(json_object_get(y, "at_ms")))
                break;
            json_incref(x);
            json_array_set(faults, b - 1, y);
            json_array_set_new(faults, b, x);
        }
    }
    return 0;
}

/* ---- applying ------------------------------------------------------------- */

static void nemesis_call(dsim_world *w, uint64_t a, uint64_t b);

static void push(nemesis *nm, int64_t at, int op, int idx, uint32_t arg)
{
    uint64_t b = (uint32_t)idx | ((uint64_t)op << 32) | ((uint64_t)(arg & 0xffffff) << 40);
    dsim_call_at(nm->w, at, nemesis_call, (uint64_t)(uintptr_t)nm, b);
}

void fault_tick_at(nemesis *nm, int64_t at, int idx, uint32_t arg)
{
    push(nm, at, OP_TICK, idx, arg);
}

static const fault_kind *kind_of(const json_t *e)
{
    const fault_kind *k = fault_kind_find(json_string_value(json_object_get(e, "kind")));
    DSIM_ASSERT(k != NULL);   /* checked by nemesis_check */
    return k;
}

static void recover(nemesis *nm)
{
    json_t *faults = json_object_get(nm->schedule, "faults");
    for (int i = 0; i < nm->len; i++) {
        if (!nm->active[i])
            continue;
        json_t *e = json_array_get(faults, (size_t)i);
        nm->active[i] = false;
        const fault_kind *k = kind_of(e);
        if (k->stop)
            k->stop(nm, i, e);
        fault_trace(nm, i, e, "end", nm->target[i]);
    }
    if (nm->partition_gen > 0)
        dsim_partition_heal(nm->w);
    fault_net_apply(nm);
    for (int n = 0; n < dsim_node_count(nm->w); n++)
        if (nm->clock_touched[n])
            fault_clock_reset(nm, n);
    dsim_fp_bytes(nm->w, "recovery", 8);
    json_t *ev = dsim_trace_event(nm->w, "fault");
    if (ev) {
        json_object_set_new(ev, "phase", json_string("recovery"));
        dsim_trace_emit(nm->w, ev);
    }
}

static void nemesis_call(dsim_world *w, uint64_t a, uint64_t b)
{
    nemesis *nm = (nemesis *)(uintptr_t)a;
    DSIM_ASSERT(nm->w == w);
    int idx = (int)(uint32_t)b, op = (int)((b >> 32) & 0xff);
    uint32_t arg = (uint32_t)(b >> 40);
    if (op == OP_RECOVER) {
        recover(nm);
        return;
    }
    DSIM_ASSERT(idx >= 0);
    DSIM_ASSERT(idx < nm->len);
    json_t *e = json_array_get(json_object_get(nm->schedule, "faults"), (size_t)idx);
    const fault_kind *k = kind_of(e);
    if (op == OP_START) {
        nm->active[idx] = true;
        nm->target[idx] = -1;
        k->start(nm, idx, e);
        fault_trace(nm, idx, e, nm->active[idx] ? "start" : "skip", nm->target[idx]);
        if (nm->active[idx] && !k->stop)
            nm->active[idx] = false;   /* instantaneous */
        else if (nm->active[idx])
            push(nm, dsim_now(w) + DSIM_MS(json_integer_value(json_object_get(e, "dur_ms"))), OP_STOP, idx, 0);
    } else if (op == OP_STOP && nm->active[idx]) {
        nm->active[idx] = false;
        k->stop(nm, idx, e);
        fault_trace(nm, idx, e, "end", nm->target[idx]);
    } else if (op == OP_TICK && nm->active[idx] && k->tick) {
        k->tick(nm, idx, e, arg);
    }
}

int nemesis_init(nemesis *nm, dsim_world *w, json_t *schedule, char *err, size_t cap)
{
    memset(nm, 0, sizeof *nm);
    nm->w = w;
    nm->schedule = schedule;
    json_t *faults = json_object_get(schedule, "faults");
    nm->len = (int)json_array_size(faults);
    size_t n = (size_t)nm->len + 1;
    nm->target = calloc(n, sizeof *nm->target);
    nm->gen = calloc(n, sizeof *nm->gen);
    nm->active = calloc(n, sizeof *nm->active);
    nm->clock_touched = calloc((size_t)dsim_node_count(w), sizeof *nm->clock_touched);
    DSIM_ASSERT(nm->target != NULL);
    DSIM_ASSERT(nm->gen != NULL);
    DSIM_ASSERT(nm->active != NULL);
    DSIM_ASSERT(nm->clock_touched != NULL);
    int64_t stop = DSIM_MS(json_integer_value(json_object_get(schedule, "stop_ms")));
    int64_t first = nm->len ? DSIM_MS(json_integer_value(json_object_get(json_array_get(faults, 0), "at_ms"))) : stop;
    if (first < dsim_now(w) || stop < dsim_now(w)) {
        snprintf(err, cap, "the schedule starts at %.0f ms, which is in the past (now %.3f ms)",
                 (double)first / 1e6, (double)dsim_now(w) / 1e6);
        return -1;
    }
    for (int i = 0; i < nm->len; i++)
        push(nm, DSIM_MS(json_integer_value(json_object_get(json_array_get(faults, (size_t)i), "at_ms"))),
             OP_START, i, 0);
    push(nm, stop, OP_RECOVER, 0, 0);
    return 0;
}

void nemesis_free(nemesis *nm)
{
    free(nm->target);
    free(nm->gen);
    free(nm->active);
    free(nm->clock_touched);
    free(nm->net_base);
    json_decref(nm->schedule);
    memset(nm, 0, sizeof *nm);
}

/* ---- helpers for the kinds ---------------------------------------------- */

int fault_node(nemesis *nm, const json_t *e)
{
    json_t *v = json_object_get(e, "node");
    if (json_is_string(v))
        return dsim_leader(nm->w);
    json_int_t k = json_integer_value(v);
    return k >= 1 && k <= dsim_node_count(nm->w) ? (int)k - 1 : -1;
}

void fault_trace(nemesis *nm, int idx, const json_t *e, const char *phase, int node)
{
    dsim_world *w = nm->w;
    dsim_fp_bytes(w, phase, strlen(phase));
    dsim_fp(w, 0xfa017ULL ^ ((uint64_t)idx << 16) ^ (uint64_t)(node + 1));
    json_t *ev = dsim_trace_event(w, "fault");
    if (!ev)
        return;
    json_object_set_new(ev, "phase", json_string(phase));
    json_object_set_new(ev, "fault", json_integer(idx + 1));
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)e, k, v)
        if (strcmp(k, "node") != 0 || node < 0)
            json_object_set(ev, k, v);   /* a skipped fault keeps what it named */
    if (node >= 0) {
        char buf[16];
        json_object_set_new(ev, "node", json_string(dsim_endpoint_name(w, node, buf, sizeof buf)));
    }
    dsim_trace_emit(w, ev);
}

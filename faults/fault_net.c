/*
** fault_net.c — the network degradation fault: every link gets worse for a
** while.
**
** Modes: 'loss' (each message is dropped with probability 'p', on top of
** the link's own loss), 'dup' (each message is duplicated with probability
** 'p'), 'spike' (latency jumps to uniform(spike_ms/2, spike_ms)), 'reorder'
** (latency becomes uniform over a window of 'window_ms' above the link's
** minimum, so messages sent within the window overtake each other; links
** in FIFO mode still never reorder).
** The link profiles in force before the first degradation are saved; while
** any degradation is active the profiles are recomputed from that base and
** every active degradation in schedule order; when the last one ends the
** base comes back. Link settings the scenario makes during a degradation
** are overwritten at its end (a known trade-off: the nemesis owns the links
** while it degrades them). The kernel's dsim_links_replace makes each change.
*/
#include <stdlib.h>
#include <string.h>

#include "fault.h"

static const char *const modes[] = {"loss", "dup", "spike", "reorder", NULL};

static const fault_param params[] = {
    {"modes", "[\"loss\", \"dup\", \"spike\", \"reorder\"]", "modes to draw from"},
    {"loss", "0.3", "largest loss probability"},
    {"dup", "0.3", "largest duplication probability"},
    {"spike_ms", "400", "largest latency of a spike, ms"},
    {"window_ms", "50", "largest reordering window, ms"},
    {"dur", "[200, 2000]", "how long the links stay degraded, ms [lo, hi]"},
    {NULL, NULL, NULL},
};

static void draw(const fault_draw *d, json_t *e)
{
    const char *mode = fault_draw_mode(d);
    json_object_set_new(e, "dur_ms", json_integer(fault_draw_dur(d, "dur")));
    json_object_set_new(e, "mode", json_string(mode));
    if (strcmp(mode, "loss") == 0 || strcmp(mode, "dup") == 0) {
        int64_t max = (int64_t)(fault_num(d->params, mode, 0.3) * d->intensity * 1000);
        max = max < 1 ? 1 : max > 1000 ? 1000 : max;
        json_object_set_new(e, "p", json_real((double)rng_range(d->r, 1, max) / 1000.0));
    } else {
        const char *k = strcmp(mode, "spike") == 0 ? "spike_ms" : "window_ms";
        int64_t max = (int64_t)(fault_num(d->params, k, 100) * d->intensity);
        max = max < 1 ? 1 : max;
        json_object_set_new(e, k, json_integer(rng_range(d->r, 1, max)));
    }
}

static int check(const json_t *e, int nodes, char *err, size_t cap)
{
    (void)nodes;
    const char *mode = json_string_value(json_object_get(e, "mode"));
    if (mode && (strcmp(mode, "loss") == 0 || strcmp(mode, "dup") == 0)) {
        json_t *p = json_object_get(e, "p");
        if (json_is_number(p) && json_number_value(p) >= 0 && json_number_value(p) <= 1)
            return 0;
        snprintf(err, cap, "'p' must be a probability");
        return -1;
    }
    if (mode && (strcmp(mode, "spike") == 0 || strcmp(mode, "reorder") == 0)) {
        const char *k = strcmp(mode, "spike") == 0 ? "spike_ms" : "window_ms";
        json_t *v = json_object_get(e, k);
        if (json_is_integer(v) && json_integer_value(v) >= 1 && json_integer_value(v) <= 3600000)
            return 0;
        snprintf(err, cap, "'%s' must be whole milliseconds from 1 to 3600000", k);
        return -1;
    }
    snprintf(err, cap, "'mode' must be loss, dup, spike or reorder");
    return -1;
}

static void degrade(dsim_link *p, const json_t *e)
{
    const char *mode = json_string_value(json_object_get(e, "mode"));
    if (strcmp(mode, "loss") == 0) {
        p->drop = 1 - (1 - p->drop) * (1 - json_number_value(json_object_get(e, "p")));
    } else if (strcmp(mode, "dup") == 0) {
        p->dup = 1 - (1 - p->dup) * (1 - json_number_value(json_object_get(e, "p")));
    } else if (strcmp(mode, "spike") == 0) {
        int64_t s = DSIM_MS(json_integer_value(json_object_get(e, "spike_ms")));
        p->latency = (latency_model){.kind = LATENCY_UNIFORM, .a = s / 2, .b = s};
    } else {
        int64_t lo = p->latency.kind == LATENCY_CONSTANT || p->latency.kind == LATENCY_UNIFORM
                         ? p->latency.a : 0;
        int64_t win = DSIM_MS(json_integer_value(json_object_get(e, "window_ms")));
        p->latency = (latency_model){.kind = LATENCY_UNIFORM, .a = lo, .b = lo + win};
    }
}

/* The links now: the base, degraded by every active net fault in schedule
** order; the base itself once none is active. */
void fault_net_apply(nemesis *nm)
{
    if (!nm->net_base)
        return;
    dsim_link *links = malloc(sizeof(dsim_link) * (size_t)nm->net_base_len);
    DSIM_ASSERT(links != NULL);
    memcpy(links, nm->net_base, sizeof(dsim_link) * (size_t)nm->net_base_len);
    bool any = false;
    json_t *faults = json_object_get(nm->schedule, "faults");
    for (int j = 0; j < nm->len; j++) {
        json_t *e = json_array_get(faults, (size_t)j);
        if (!nm->active[j] || strcmp(json_string_value(json_object_get(e, "kind")), "net") != 0)
            continue;
        any = true;
        for (int i = 0; i < nm->net_base_len; i++)
            degrade(&links[i], e);
    }
    dsim_links_replace(nm->w, links, nm->net_base_len, any ? "degraded" : "restored");
    free(links);
    if (!any) {
        free(nm->net_base);
        nm->net_base = NULL;
        nm->net_base_len = 0;
    }
}

static void start(nemesis *nm, int idx, const json_t *e)
{
    (void)idx, (void)e;
    dsim_world *w = nm->w;
    if (!nm->net_base) {
        nm->net_base_len = dsim_links_len(w);
        nm->net_base = malloc(sizeof(dsim_link) * (size_t)nm->net_base_len);
        DSIM_ASSERT(nm->net_base != NULL);
        for (int i = 0; i < nm->net_base_len; i++)
            nm->net_base[i] = dsim_link_at(w, i);
    }
    fault_net_apply(nm);
}

static void stop(nemesis *nm, int idx, const json_t *e)
{
    (void)idx, (void)e;
    fault_net_apply(nm);
}

const fault_kind fault_net = {
    .name = "net",
    .summary = "degrade every link: loss, duplication, delay spikes, reordering window",
    .params = params,
    .modes = modes,
    .fields = "mode; p (loss, dup); spike_ms (spike); window_ms (reorder)",
    .slot = FAULT_SLOT_LINKS,
    .per_node = false,
    .draw = draw,
    .check = check,
    .start = start,
    .stop = stop,
};

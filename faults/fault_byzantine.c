/*
** fault_byzantine.c — Byzantine spells: a node acts out a behaviour for a
** while, then is honest again.
**
** The behaviour is one of the kernel's generic ones (silent, mute_to,
** replay, corrupt: acted out in dsim_send for any protocol) or one of the
** protocol's 'byzantine' table (the protocol acts it out; dsim list
** protocols shows them). The kind is opt-in: c:nemesis { faults = "all" }
** leaves it out, so a scenario that does not name it draws exactly what it
** drew before the kind existed. 'max' bounds how many nodes are Byzantine
** at once (the f of an f-resilient protocol); the nemesis keeps to it when
** drawing, and a forced schedule that breaks it still runs.
** The end of a spell makes the node honest only if it is still in this
** very spell (the token from dsim_byzantine_set).
*/
#include <string.h>

#include "fault.h"

static const fault_param byz_params[] = {
    {"nodes", "[]", "nodes it may hit (empty: all)"},
    {"max", "1", "at most this many nodes Byzantine at once"},
    {"behaviours", "[]", "to draw from (empty: the protocol's + silent, mute_to, replay, corrupt)"},
    {"dur", "[500, 3000]", "length of a spell, ms [lo, hi]"},
    {NULL, NULL, NULL},
};

/* Parameters for a drawn generic behaviour: mute_to a random non-empty set
** of the other nodes, replay and corrupt a rate in 0.1 .. 0.5. */
static json_t *draw_params(const fault_draw *d, const char *b)
{
    json_t *p = json_object();
    if (strcmp(b, "mute_to") == 0 && d->nodes > 1) {
        json_t *peers = json_array();
        while (json_array_size(peers) == 0)
            for (int i = 1; i <= d->nodes; i++)
                if (i != d->node && rng_chance(d->r, 0.5))
                    json_array_append_new(peers, json_integer(i));
        json_object_set_new(p, "peers", peers);
    } else if (strcmp(b, "replay") == 0 || strcmp(b, "corrupt") == 0) {
        json_object_set_new(p, "rate", json_real((double)rng_range(d->r, 1, 5) / 10.0));
    }
    return p;
}

static void byz_draw(const fault_draw *d, json_t *e)
{
    const json_t *list = json_object_get(d->params, "behaviours");
    size_t n = json_array_size(list);
    const char *b = n ? json_string_value(json_array_get(list, rng_below(d->r, n))) : "silent";
    if (!b || (strcmp(b, "mute_to") == 0 && d->nodes < 2))
        b = "silent";
    json_object_set_new(e, "behaviour", json_string(b));
    json_object_set_new(e, "params", draw_params(d, b));
    json_object_set_new(e, "dur_ms", json_integer(fault_draw_dur(d, "dur")));
}

static int byz_check(const json_t *e, int nodes, char *err, size_t cap)
{
    (void)nodes;
    json_t *p = json_object_get(e, "params");
    if (!json_is_string(json_object_get(e, "behaviour"))) {
        snprintf(err, cap, "'behaviour' must be a name (dsim list protocols shows them)");
        return -1;
    }
    if (p && !json_is_object(p)) {
        snprintf(err, cap, "'params' must be an object");
        return -1;
    }
    return 0;
}

static void byz_start(nemesis *nm, int idx, const json_t *e)
{
    int n = fault_node(nm, e);
    char err[256];
    json_t *p = json_object_get(e, "params");
    uint32_t token = n < 0 ? 0
                           : dsim_byzantine_set(nm->w, n, json_string_value(json_object_get(e, "behaviour")),
                                                p, err, sizeof err);
    if (token == 0) {   /* no such node, or a behaviour this protocol does not know */
        nm->active[idx] = false;
        return;
    }
    nm->target[idx] = n;
    nm->gen[idx] = token;
}

static void byz_stop(nemesis *nm, int idx, const json_t *e)
{
    (void)e;
    dsim_honest(nm->w, nm->target[idx], nm->gen[idx]);
}

const fault_kind fault_byzantine = {
    .name = "byzantine",
    .summary = "a node acts out a Byzantine behaviour for a while (opt-in: not in \"all\")",
    .params = byz_params,
    .modes = NULL,
    .fields = "node; behaviour; params (object); dur_ms = length of the spell",
    .slot = FAULT_SLOT_BYZANTINE,
    .per_node = true,
    .opt_in = true,
    .draw = byz_draw,
    .check = byz_check,
    .start = byz_start,
    .stop = byz_stop,
};

/*
** fault_twins.c — the Twins partition (Bano et al., "Twins: BFT Systems
** Made Robust", 2022): the cluster splits in two sides and every twinned
** identity (dsim.cluster{twins = ...}) has one instance on each side, so
** each side sees the identity act honestly and the two sides together see
** it equivocate.
**
** An entry names the two sides by identity ("groups", 1-based); a twinned
** identity's first instance goes where it is listed and its twin instance
** to the other side; clients reach both sides. Without twins it is a plain
** two-sided partition. Opt-in (not in "all"): a scenario that does not name
** it draws what it drew before. It shares the network slot with
** 'partition': shapes replace each other, and the end heals only when its
** own shape is still the current one.
*/
#include <stdlib.h>

#include "fault.h"

static const fault_param params[] = {
    {"dur", "[300, 3000]", "how long the sides stay apart, ms [lo, hi]"},
    {NULL, NULL, NULL},
};

/* Two non-empty random sides of any sizes, as 1-based lists. */
static void draw(const fault_draw *d, json_t *e)
{
    int n = d->nodes;
    json_t *a = json_array(), *b = json_array();
    int cut = n > 1 ? (int)rng_range(d->r, 1, n - 1) : 1;
    int *perm = malloc(sizeof(int) * (size_t)n);
    DSIM_ASSERT(perm != NULL);
    for (int i = 0; i < n; i++)
        perm[i] = i + 1;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)rng_below(d->r, (uint64_t)i + 1), t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    for (int i = 0; i < n; i++)
        json_array_append_new(i < cut ? a : b, json_integer(perm[i]));
    free(perm);
    json_object_set_new(e, "groups", json_pack("[o, o]", a, b));
    json_object_set_new(e, "dur_ms", json_integer(fault_draw_dur(d, "dur")));
}

static int check(const json_t *e, int nodes, char *err, size_t cap)
{
    json_t *g = json_object_get(e, "groups");
    if (!json_is_array(g) || json_array_size(g) != 2) {
        snprintf(err, cap, "'groups' must be two lists of nodes");
        return -1;
    }
    for (size_t i = 0; i < 2; i++) {
        size_t j;
        json_t *v, *side = json_array_get(g, i);
        if (!json_is_array(side)) {
            snprintf(err, cap, "'groups' must be two lists of nodes");
            return -1;
        }
        json_array_foreach(side, j, v)
            if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > nodes) {
                snprintf(err, cap, "'groups' names a node outside 1..%d (the schedule is for "
                                   "another cluster?)", nodes);
                return -1;
            }
    }
    return 0;
}

static void start(nemesis *nm, int idx, const json_t *e)
{
    dsim_world *w = nm->w;
    int eps = dsim_endpoint_count(w);
    int *group_of = malloc(sizeof(int) * (size_t)eps);
    DSIM_ASSERT(group_of != NULL);
    for (int i = 0; i < eps; i++)
        group_of[i] = -1;
    for (size_t side = 0; side < 2; side++) {
        size_t j;
        json_t *v;
        json_array_foreach(json_array_get(json_object_get(e, "groups"), side), j, v) {
            int node = (int)json_integer_value(v) - 1;
            group_of[node] = (int)side;
            int twin = dsim_twin_slot(w, node);
            if (twin >= 0)   /* the other instance: the other side */
                group_of[dsim_slot_endpoint(w, twin)] = 1 - (int)side;
        }
    }
    nm->gen[idx] = ++nm->partition_gen;
    nm->target[idx] = -1;
    dsim_partition_groups(w, group_of);
    free(group_of);
}

static void stop(nemesis *nm, int idx, const json_t *e)
{
    (void)e;
    if (nm->gen[idx] == nm->partition_gen)
        dsim_partition_heal(nm->w);
}

const fault_kind fault_twins = {
    .name = "twins",
    .summary = "two sides with each twinned node's instances apart (Twins; opt-in: not in \"all\")",
    .params = params,
    .modes = NULL,
    .fields = "groups [[a...],[b...]]: sides by node; a twin instance goes opposite its node",
    .slot = FAULT_SLOT_NETWORK,
    .per_node = false,
    .opt_in = true,
    .draw = draw,
    .check = check,
    .start = start,
    .stop = stop,
};

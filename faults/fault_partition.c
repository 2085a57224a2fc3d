/*
** fault_partition.c — the partition fault: one network shape for a while.
**
** Shapes: 'halves' (two random sides, minority and majority), 'isolate'
** (one node cut from everyone, clients too), 'leader' (isolate whichever
** node leads when the fault starts), 'bridge' (two halves that one node
** reaches both of), 'ring' (majorities ring: every node sees a majority, no
** two the same one), 'oneway' (the first group cannot send to the second;
** the other direction works). Each is one kernel operation
** (dsim_partition_*). Shapes replace each other; the
** fault's end heals only when its own shape is still the current one, so a
** later partition is never healed by an earlier one's end.
*/
#include <stdlib.h>
#include <string.h>

#include "fault.h"

static const char *const shapes[] = {"halves", "isolate", "leader", "bridge", "ring", "oneway", NULL};

static const fault_param params[] = {
    {"modes", "[\"halves\", \"isolate\", \"leader\", \"bridge\", \"ring\", \"oneway\"]",
     "shapes to draw from"},
    {"dur", "[200, 2000]", "how long a partition lasts, ms [lo, hi]"},
    {NULL, NULL, NULL},
};

/* Two random sides of sizes floor(n/2) and ceil(n/2), as 1-based lists. */
static json_t *random_sides(rng *r, int nodes)
{
    int n = nodes;
    int *perm = malloc(sizeof(int) * (size_t)n);
    DSIM_ASSERT(perm != NULL);
    for (int i = 0; i < n; i++)
        perm[i] = i + 1;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)rng_below(r, (uint64_t)i + 1), t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    json_t *a = json_array(), *b = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(i < n / 2 ? a : b, json_integer(perm[i]));
    free(perm);
    return json_pack("[o, o]", a, b);
}

static void draw(const fault_draw *d, json_t *e)
{
    const char *shape = fault_draw_mode(d);
    if (d->nodes < 3 && (strcmp(shape, "bridge") == 0 || strcmp(shape, "ring") == 0))
        shape = "isolate";
    json_object_set_new(e, "shape", json_string(shape));
    json_object_set_new(e, "dur_ms", json_integer(fault_draw_dur(d, "dur")));
    if (strcmp(shape, "halves") == 0 || strcmp(shape, "oneway") == 0)
        json_object_set_new(e, "groups", random_sides(d->r, d->nodes));
    else if (strcmp(shape, "isolate") == 0 || strcmp(shape, "bridge") == 0)
        json_object_set_new(e, "node", json_integer(rng_range(d->r, 1, d->nodes)));
}

static int check_groups(const json_t *e, int nodes, char *err, size_t cap)
{
    json_t *g = json_object_get(e, "groups");
    if (!json_is_array(g) || json_array_size(g) != 2) {
        snprintf(err, cap, "'groups' must be two lists of nodes");
        return -1;
    }
    for (size_t i = 0; i < 2; i++) {
        size_t j;
        json_t *v;
        json_t *side = json_array_get(g, i);
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

static int check(const json_t *e, int nodes, char *err, size_t cap)
{
    const char *shape = json_string_value(json_object_get(e, "shape"));
    int known = -1;
    for (int i = 0; shape && shapes[i]; i++)
        if (strcmp(shapes[i], shape) == 0)
            known = i;
    if (known < 0) {
        snprintf(err, cap, "'shape' must be halves, isolate, leader, bridge, ring or oneway");
        return -1;
    }
    if (known == 0 || known == 5)
        return check_groups(e, nodes, err, cap);
    if ((known == 3 || known == 4) && nodes < 3) {
        snprintf(err, cap, "shape %s needs at least 3 nodes", shape);
        return -1;
    }
    if (known == 1 || known == 3)
        return fault_check_node(e, "node", nodes, err, cap);
    return 0;
}

static void side_of(const json_t *e, int side, int *group_of, int mark)
{
    size_t j;
    json_t *v;
    json_array_foreach(json_array_get(json_object_get(e, "groups"), (size_t)side), j, v)
        group_of[json_integer_value(v) - 1] = mark;
}

/* Groups from the entry's "groups": side 0 and side 1 by endpoint, -1 for
** the rest; a new array of every endpoint. */
static int *sides_of(dsim_world *w, const json_t *e)
{
    int eps = dsim_endpoint_count(w);
    int *group_of = calloc((size_t)eps, sizeof(int));
    DSIM_ASSERT(group_of != NULL);
    for (int i = 0; i < eps; i++)
        group_of[i] = -1;
    side_of(e, 0, group_of, 0);
    side_of(e, 1, group_of, 1);
    return group_of;
}

static void start(nemesis *nm, int idx, const json_t *e)
{
    dsim_world *w = nm->w;
    const char *shape = json_string_value(json_object_get(e, "shape"));
    int node = -1;
    if (strcmp(shape, "isolate") == 0 || strcmp(shape, "bridge") == 0 || strcmp(shape, "leader") == 0) {
        node = strcmp(shape, "leader") == 0 ? dsim_leader(w) : fault_node(nm, e);
        if (node < 0) {
            nm->active[idx] = false;   /* no leader now: nothing to isolate */
            return;
        }
    }
    nm->gen[idx] = ++nm->partition_gen;
    nm->target[idx] = node;
    if (node >= 0 && strcmp(shape, "bridge") != 0) {
        dsim_partition_isolate(w, node);
    } else if (node >= 0) {
        dsim_partition_bridge(w, node);
    } else if (strcmp(shape, "ring") == 0) {
        dsim_partition_ring(w);
    } else {
        int *group_of = sides_of(w, e);
        if (strcmp(shape, "halves") == 0)
            dsim_partition_groups(w, group_of);
        else
            dsim_partition_oneway(w, group_of);
        free(group_of);
    }
}

static void stop(nemesis *nm, int idx, const json_t *e)
{
    (void)e;
    if (nm->gen[idx] == nm->partition_gen)
        dsim_partition_heal(nm->w);
}

const fault_kind fault_partition = {
    .name = "partition",
    .summary = "cut the network: random halves, isolate one, isolate the leader, bridge, "
               "majorities ring, one-way",
    .params = params,
    .modes = shapes,
    .fields = "shape; groups [[a...],[b...]] (halves, oneway: a cannot send to b); node (isolate, bridge)",
    .slot = FAULT_SLOT_NETWORK,
    .per_node = false,
    .draw = draw,
    .check = check,
    .start = start,
    .stop = stop,
};

/*
** fault_disk.c — the disk fault: the next 'reads' reads of a node's disk
** fail their checksum (a read fault, not a change to the data: the same
** record reads fine afterwards). A protocol must treat such a record as
** lost or read it again; one that trusts it, or forgets the key, loses
** data. Instantaneous: the fault is the pending count (disk.h).
*/
#include "fault.h"

static const fault_param params[] = {
    {"nodes", "[]", "nodes it may hit (empty: all)"},
    {"reads", "[1, 4]", "how many reads fail, [lo, hi]"},
    {NULL, NULL, NULL},
};

static void draw(const fault_draw *d, json_t *e)
{
    json_t *r = json_object_get(d->params, "reads");
    int64_t lo = (int64_t)json_number_value(json_array_get(r, 0));
    int64_t hi = (int64_t)json_number_value(json_array_get(r, 1));
    json_object_set_new(e, "dur_ms", json_integer(0));
    json_object_set_new(e, "reads", json_integer(rng_range(d->r, lo < 1 ? 1 : lo, hi < 1 ? 1 : hi)));
}

static int check(const json_t *e, int nodes, char *err, size_t cap)
{
    (void)nodes;
    json_t *v = json_object_get(e, "reads");
    if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 1000000) {
        snprintf(err, cap, "'reads' must be a whole number from 1 to 1000000");
        return -1;
    }
    return 0;
}

static void start(nemesis *nm, int idx, const json_t *e)
{
    int n = fault_node(nm, e);
    if (n < 0) {
        nm->active[idx] = false;
        return;
    }
    nm->target[idx] = n;
    dsim_disk_fail_reads(nm->w, n, (uint32_t)json_integer_value(json_object_get(e, "reads")));
}

const fault_kind fault_disk = {
    .name = "disk",
    .summary = "make a node's next reads fail their checksum (read corruption)",
    .params = params,
    .modes = NULL,
    .fields = "node (or \"leader\"); reads",
    .slot = FAULT_SLOT_NONE,
    .per_node = true,
    .draw = draw,
    .check = check,
    .start = start,
    .stop = NULL,
};

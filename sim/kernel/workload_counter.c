/*
** workload_counter.c — "counter": add a delta, read the sum (one key).
**
** Draws: a roll in [0, 99] against 'read'; for an add, a delta in [1, 5]
** and, when 'negative' > 0, a roll against it that makes the delta
** negative. Judged linearizably by the counter model, or by Jepsen's
** bounds (check "counter": every read lies between the sum of the adds
** acknowledged before it began and the sum of those attempted before it
** ended), which also holds for eventually consistent stores.
*/
#include <stddef.h>

#include "world.h"

static void generate(const workload_cfg *cfg, workload_state *st, rng *r, int64_t now_ns, dsim_op *op)
{
    (void)now_ns;
    (void)st;
    op->key = 0;
    if (rng_range(r, 0, 99) < cfg->read_pct) {
        op->f = DSIM_F_READ;
        op->value = DSIM_NIL;
        return;
    }
    op->f = DSIM_F_ADD;
    op->value = rng_range(r, 1, 5);
    if (cfg->negative > 0 && rng_range(r, 0, 99) < cfg->negative)
        op->value = -op->value;
}

static const char *f_name(const dsim_op *op)
{
    return op->f == DSIM_F_READ ? "read" : "add";
}

static void value(const dsim_op *op, const dsim_result *res, wl_text *out)
{
    if (op->f != DSIM_F_READ)
        wl_int(out, op->value);
    else if (res == NULL)
        wl_printf(out, "null");
    else
        wl_int(out, res->value == DSIM_NIL ? 0 : res->value);   /* absent: never added */
}

#define P(field) offsetof(workload_cfg, field)

static const workload_param params[] = {
    {"read", P(read_pct), 50, 0, 100, "percent of reads; the rest add"},
    {"negative", P(negative), 0, 0, 100, "percent of adds with a negative delta"},
    {NULL, 0, 0, 0, 0, NULL},
};

static const char *const checks[] = {"counter", NULL};

const workload workload_counter = {
    .name = "counter", .summary = "one counter: add a delta in 1..5 (optionally negative), read the sum",
    .params = params, .model = "counter", .checks = checks, .keyed = false,
    .generate = generate, .f_name = f_name, .value = value,
};

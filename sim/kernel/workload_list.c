/*
** workload_list.c — "list-append": per-key append of unique values and
** read of the whole list, one key per operation.
**
** Draws: the key in [0, keys), then a roll in [0, 99] against 'read'.
** Values count up per key from 1. Judged linearizably, per key, by the
** list-append model (append V; read returns the list in order).
*/
#include <stddef.h>

#include "world.h"

static void generate(const workload_cfg *cfg, workload_state *st, rng *r, int64_t now_ns, dsim_op *op)
{
    (void)now_ns;
    op->key = (uint32_t)rng_below(r, (uint64_t)cfg->keys);
    if (rng_range(r, 0, 99) < cfg->read_pct) {
        op->f = DSIM_F_READ_LIST;
        op->value = DSIM_NIL;
        return;
    }
    op->f = DSIM_F_APPEND;
    op->value = ++st->next_value[op->key];
}

static const char *f_name(const dsim_op *op)
{
    return op->f == DSIM_F_READ_LIST ? "read" : "append";
}

static void value(const dsim_op *op, const dsim_result *res, wl_text *out)
{
    if (op->f != DSIM_F_READ_LIST)
        wl_int(out, op->value);
    else if (res == NULL)
        wl_printf(out, "null");
    else
        wl_list(out, res->words, res->len);
}

#define P(field) offsetof(workload_cfg, field)

static const workload_param params[] = {
    {"read", P(read_pct), 50, 0, 100, "percent of reads; the rest append"},
    {"keys", P(keys), 4, 1, DSIM_STORE_KEYS, "lists, drawn uniformly"},
    {NULL, 0, 0, 0, 0, NULL},
};

static const char *const checks[] = {"linearizable", NULL};

const workload workload_list_append = {
    .name = "list-append", .summary = "many lists: append unique values, read a whole list",
    .params = params, .model = "list-append", .checks = checks, .keyed = true,
    .generate = generate, .f_name = f_name, .value = value,
};

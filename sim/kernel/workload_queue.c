/*
** workload_queue.c — "queue": enqueue unique values, dequeue (one queue).
**
** Draws: a roll in [0, 99] against 'dequeue'; from 'drain' ms on, every
** operation is a dequeue (the roll is still drawn, so the stream stays
** aligned), so a run that lasts long enough empties the queue. Values count up from 1. A
** dequeue of an empty queue is ok with value null. Judged linearizably by
** the queue model, or by check "total-queue" (every dequeued value was
** enqueued, none dequeued twice, and every acknowledged enqueue dequeued
** once the scenario has drained the queue).
*/
#include <stddef.h>

#include "world.h"

static void generate(const workload_cfg *cfg, workload_state *st, rng *r, int64_t now_ns, dsim_op *op)
{
    op->key = 0;
    bool draining = cfg->drain_ms > 0 && now_ns >= DSIM_MS(cfg->drain_ms);
    if (rng_range(r, 0, 99) < cfg->read_pct || draining) {
        op->f = DSIM_F_DEQUEUE;
        op->value = DSIM_NIL;
        return;
    }
    op->f = DSIM_F_APPEND;
    op->value = ++st->next_value[0];
}

static const char *f_name(const dsim_op *op)
{
    return op->f == DSIM_F_DEQUEUE ? "dequeue" : "enqueue";
}

static void value(const dsim_op *op, const dsim_result *res, wl_text *out)
{
    if (op->f != DSIM_F_DEQUEUE)
        wl_int(out, op->value);
    else
        wl_int(out, res ? res->value : DSIM_NIL);
}

#define P(field) offsetof(workload_cfg, field)

static const workload_param params[] = {
    {"dequeue", P(read_pct), 50, 0, 100, "percent of dequeues; the rest enqueue"},
    {"drain", P(drain_ms), 0, 0, 3600000, "from this time (ms) only dequeue: the final drain; 0: never"},
    {NULL, 0, 0, 0, 0, NULL},
};

static const char *const checks[] = {"total-queue", NULL};

const workload workload_queue = {
    .name = "queue", .summary = "one FIFO queue: enqueue unique values, dequeue",
    .params = params, .model = "queue", .checks = checks, .keyed = false,
    .generate = generate, .f_name = f_name, .value = value,
};

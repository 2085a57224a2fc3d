/*
** model_queue.c — a FIFO queue: enqueue V, dequeue returns the oldest
** element, or nil when the queue is empty.
**
** State: the handle of a canonical list value, oldest first. A dequeue
** whose result is unknown (info, open) still removes the head if there is
** one: it is not skipped, since it has an effect. Steps are cached per
** (state, argument).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lin.h"

enum { Q_ENQUEUE, Q_DEQUEUE };

static int q_prepare(lin_ctx *c, const hist_op *op, lin_op *o, char *err, size_t cap)
{
    o->out_known = op->status == HIST_OP_OK;
    if (lin_f_is(c, op, "enqueue")) {
        o->kind = Q_ENQUEUE;
        o->a = lin_handle(lin_invoke_value(c, op));
        return LIN_PREP_OK;
    }
    if (lin_f_is(c, op, "dequeue")) {
        o->kind = Q_DEQUEUE;
        o->out = lin_handle(lin_result_value(c, op));
        /* a known "empty" dequeue is legal only on an empty queue, unchanged */
        o->readonly = o->out_known && lin_value(o->out)->kind == HIST_NIL;
        return LIN_PREP_OK;
    }
    snprintf(err, cap, "expected an operation of the queue model (enqueue, dequeue), got '%s'",
             c->h->events[op->invoke].f);
    return LIN_PREP_BAD;
}

static lin_state q_init(lin_ctx *c) { return lin_handle(hist_list(c->h, NULL, 0)); }

/* kind Q_ENQUEUE: s + [e]; kind Q_DEQUEUE: s without its head. */
static lin_state q_next(lin_ctx *c, lin_state s, lin_state e, uint32_t kind)
{
    lin_state r = lin_memo_get(c->memo, s, e, kind);
    if (r != 0)
        return r;
    const hist_value *v = lin_value(s);
    const hist_value **t = malloc((v->len + 1) * sizeof *t);
    if (t == NULL)
        return 0;
    size_t n = 0;
    for (size_t i = kind == Q_DEQUEUE ? 1 : 0; i < v->len; i++)
        t[n++] = v->items[i];
    if (kind == Q_ENQUEUE)
        t[n++] = lin_value(e);
    r = lin_handle(hist_list(c->h, t, n));
    free(t);
    if (r != 0)
        lin_memo_put(c->memo, s, e, kind, r);
    return r;
}

static bool q_step(lin_ctx *c, lin_state s, const lin_op *op, lin_state *next)
{
    const hist_value *v = lin_value(s);
    if (op->kind == Q_DEQUEUE && v->len == 0) {
        *next = s;
        return !op->out_known || lin_value(op->out)->kind == HIST_NIL;
    }
    if (op->kind == Q_DEQUEUE && op->out_known && lin_handle(v->items[0]) != op->out)
        return false;
    *next = q_next(c, s, op->kind == Q_ENQUEUE ? op->a : 0, op->kind);
    if (*next == 0)
        lin_out_of_memory("queue");
    return true;
}

/* An info enqueue of v may be assumed never to have happened when no
** dequeue returned v and no dequeue has an unknown result: with it, v sits
** in the queue from then on, and while it is at the head nothing can be
** dequeued (nor "empty" be read), so every observed head comes before it;
** removing it changes no observed result. */
static void q_prune(lin_ctx *c, const lin_op *ops, size_t n, bool *drop)
{
    (void)c;
    for (size_t j = 0; j < n; j++)
        if (ops[j].kind == Q_DEQUEUE && !ops[j].out_known)
            return;
    for (size_t i = 0; i < n; i++) {
        if (ops[i].out_known || ops[i].kind != Q_ENQUEUE)
            continue;
        bool seen = false;
        for (size_t j = 0; j < n && !seen; j++)
            seen = ops[j].kind == Q_DEQUEUE && ops[j].out == ops[i].a;
        drop[i] = !seen;
    }
}

static void q_describe(lin_ctx *c, lin_state s, char *buf, size_t cap)
{
    (void)c;
    hist_value_format(lin_value(s), buf, cap);
}

const lin_model lin_model_queue = {
    .name = "queue",
    .summary = "enqueue V, dequeue (returns the oldest, nil when empty); FIFO",
    .prepare = q_prepare, .init = q_init, .step = q_step, .describe = q_describe,
    .prune = q_prune,
};

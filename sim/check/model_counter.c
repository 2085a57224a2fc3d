/*
** model_counter.c — an integer counter starting at 0.
**
** State: the count itself (an int64 stored in the handle). add takes an
** integer delta (its invoke value; nil means 1), read returns the count.
** A read whose result is unknown is skipped.
*/
#include <stdio.h>

#include "lin.h"

enum { CTR_ADD, CTR_READ };

static int ctr_prepare(lin_ctx *c, const hist_op *op, lin_op *o, char *err, size_t cap)
{
    o->out_known = op->status == HIST_OP_OK;
    if (lin_f_is(c, op, "read")) {
        o->kind = CTR_READ;
        if (!o->out_known)
            return LIN_PREP_SKIP;
        const hist_value *r = lin_result_value(c, op);
        if (r->kind != HIST_INT) {
            snprintf(err, cap, "expected an integer result for read");
            return LIN_PREP_BAD;
        }
        o->out = (uint64_t)r->i;
        o->readonly = true;
        return LIN_PREP_OK;
    }
    if (lin_f_is(c, op, "add") || lin_f_is(c, op, "increment")) {
        const hist_value *v = lin_invoke_value(c, op);
        if (v->kind != HIST_INT && v->kind != HIST_NIL) {
            snprintf(err, cap, "expected an integer value for add");
            return LIN_PREP_BAD;
        }
        o->kind = CTR_ADD;
        o->a = v->kind == HIST_INT ? (uint64_t)v->i : 1;
        return LIN_PREP_OK;
    }
    snprintf(err, cap, "expected an operation of the counter model (add, read), got '%s'",
             c->h->events[op->invoke].f);
    return LIN_PREP_BAD;
}

static lin_state ctr_init(lin_ctx *c)
{
    (void)c;
    return 0;
}

static bool ctr_step(lin_ctx *c, lin_state s, const lin_op *op, lin_state *next)
{
    (void)c;
    if (op->kind == CTR_READ) {
        *next = s;
        return s == op->out;
    }
    *next = s + op->a;   /* unsigned: two's complement wrap, no UB */
    return true;
}

static void ctr_describe(lin_ctx *c, lin_state s, char *buf, size_t cap)
{
    (void)c;
    snprintf(buf, cap, "%lld", (long long)(int64_t)s);
}

const lin_model lin_model_counter = {
    .name = "counter",
    .summary = "add N (nil: 1), read; starts at 0",
    .prepare = ctr_prepare, .init = ctr_init, .step = ctr_step, .describe = ctr_describe,
};

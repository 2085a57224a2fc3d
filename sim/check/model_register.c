/*
** model_register.c — the register and the compare-and-set register.
**
** State: the handle of the register's current value (a canonical
** 'hist_value'), nil at the start unless 'lin_ctx.initial' says otherwise
** (--initial 0 for Knossos's histories): a read of a key never written returns
** nil (null). Operations: read (the completion's value is what it read),
** write (the invoke's value), and for cas-register cas with [from, to]: it
** swaps when the register equals 'from'. An ok cas swapped, unless its
** completion value is the boolean false (the cas returned false; see
** hist.h); an info or open cas swapped if it matched, or never happened.
** A read whose result is unknown constrains nothing and is skipped; with
** an initial value, so is an ok read of nil (Knossos's convention).
*/
#include <stdio.h>
#include <stdlib.h>

#include "lin.h"

enum { REG_READ, REG_WRITE, REG_CAS };

static int prepare_common(lin_ctx *c, const hist_op *op, lin_op *o, bool cas_ok,
                          char *err, size_t cap)
{
    bool known = op->status == HIST_OP_OK;
    o->out_known = known;
    if (lin_f_is(c, op, "read")) {
        o->kind = REG_READ;
        if (!known)
            return LIN_PREP_SKIP;
        const hist_value *r = lin_result_value(c, op);
        /* With --initial the register always holds a value, so an ok read
        ** of nil is a read whose value was not recorded (Jepsen writes
        ** them): Knossos's register accepts it in any state; so do we. */
        if (c->initial != NULL && r->kind == HIST_NIL)
            return LIN_PREP_SKIP;
        o->out = lin_handle(r);
        o->readonly = true;
        return LIN_PREP_OK;
    }
    if (lin_f_is(c, op, "write")) {
        o->kind = REG_WRITE;
        o->a = lin_handle(lin_invoke_value(c, op));
        return LIN_PREP_OK;
    }
    if (cas_ok && lin_f_is(c, op, "cas")) {
        const hist_value *v = lin_invoke_value(c, op);
        if (v->kind != HIST_LIST || v->len != 2) {
            snprintf(err, cap, "expected a cas value [from, to]");
            return LIN_PREP_BAD;
        }
        o->kind = REG_CAS;
        o->a = lin_handle(v->items[0]);
        o->b = lin_handle(v->items[1]);
        const hist_value *r = lin_result_value(c, op);
        o->out = !(r->kind == HIST_BOOL && r->i == 0);
        o->readonly = known && o->out == 0;   /* returned false: changed nothing */
        return LIN_PREP_OK;
    }
    snprintf(err, cap, "expected an operation of the %s model (%s), got '%s'",
             cas_ok ? "cas-register" : "register", cas_ok ? "read, write, cas" : "read, write",
             c->h->events[op->invoke].f);
    return LIN_PREP_BAD;
}

static int reg_prepare(lin_ctx *c, const hist_op *op, lin_op *o, char *err, size_t cap)
{
    return prepare_common(c, op, o, false, err, cap);
}

static int cas_prepare(lin_ctx *c, const hist_op *op, lin_op *o, char *err, size_t cap)
{
    return prepare_common(c, op, o, true, err, cap);
}

static lin_state reg_init(lin_ctx *c)
{
    return lin_handle(c->initial != NULL ? c->initial : hist_nil(c->h));
}

static bool reg_step(lin_ctx *c, lin_state s, const lin_op *op, lin_state *next)
{
    (void)c;
    switch (op->kind) {
    case REG_READ:
        *next = s;
        return s == op->out;
    case REG_WRITE:
        *next = op->a;
        return true;
    default: {
        bool match = s == op->a;
        *next = match ? op->b : s;
        return !op->out_known || (uint64_t)match == op->out;
    }
    }
}

static int by_handle(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* An info write (or info cas) whose new value no operation ever observes
** (no ok read returns it, no cas compares with it) may be assumed never to
** have happened: in any linearization with it, nothing is linearized
** between it and the next write (whatever came there would observe its
** value), so removing it leaves a linearization. A cas that returned
** false observes "not from", which any value can explain: with one in the
** partition, nothing is pruned. */
static void reg_prune(lin_ctx *c, const lin_op *ops, size_t n, bool *drop)
{
    (void)c;
    uint64_t *seen = malloc((n + 1) * sizeof *seen);
    size_t k = 0;
    if (seen == NULL)
        return;   /* pruning is an optimisation: none is fine */
    for (size_t i = 0; i < n; i++) {
        if (ops[i].kind == REG_CAS && ops[i].out_known && ops[i].out == 0) {
            free(seen);
            return;
        }
        if (ops[i].kind == REG_READ)
            seen[k++] = ops[i].out;
        else if (ops[i].kind == REG_CAS)
            seen[k++] = ops[i].a;
    }
    qsort(seen, k, sizeof *seen, by_handle);
    for (size_t i = 0; i < n; i++) {
        uint64_t v = ops[i].kind == REG_CAS ? ops[i].b : ops[i].a;
        if (!ops[i].out_known && ops[i].kind != REG_READ &&
            bsearch(&v, seen, k, sizeof *seen, by_handle) == NULL)
            drop[i] = true;
    }
    free(seen);
}

static void reg_describe(lin_ctx *c, lin_state s, char *buf, size_t cap)
{
    (void)c;
    hist_value_format(lin_value(s), buf, cap);
}

const lin_model lin_model_register = {
    .name = "register",
    .summary = "read, write; starts nil (--initial V)",
    .prepare = reg_prepare, .init = reg_init, .step = reg_step, .describe = reg_describe,
    .prune = reg_prune,
};

const lin_model lin_model_cas_register = {
    .name = "cas-register",
    .summary = "read, write, cas [from to]; starts nil (--initial V)",
    .prepare = cas_prepare, .init = reg_init, .step = reg_step, .describe = reg_describe,
    .prune = reg_prune,
};

/*
** model_register.c — the register and the compare-and-set register.
**
** State: the handle of the register's current value (a canonical
** 'hist_value'), nil at the start: a read of a key never written returns
** nil (null). Operations: read (the completion's value is what it read),
** write (the invoke's value), and for cas-register cas with [from, to]: it
** swaps when the register equals 'from'. An ok cas swapped, unless its
** completion value is the boolean false (the cas returned false; see
** hist.h); an info or open cas swapped if it matched, or never happened.
** A read whose result is unknown constrains nothing and is skipped.
*/
#include <stdio.h>

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
        o->out = lin_handle(lin_result_value(c, op));
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

static lin_state reg_init(lin_ctx *c) { return lin_handle(hist_nil(c->h)); }

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

static void reg_describe(lin_ctx *c, lin_state s, char *buf, size_t cap)
{
    (void)c;
    hist_value_format(lin_value(s), buf, cap);
}

const lin_model lin_model_register = {
    .name = "register",
    .summary = "read, write; starts nil",
    .prepare = reg_prepare, .init = reg_init, .step = reg_step, .describe = reg_describe,
};

const lin_model lin_model_cas_register = {
    .name = "cas-register",
    .summary = "read, write, cas [from to]; starts nil",
    .prepare = cas_prepare, .init = reg_init, .step = reg_step, .describe = reg_describe,
};

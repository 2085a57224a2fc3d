/*
** model_list.c — an append-only list per key: append V, read returns the
** whole list in order ("list-append" with single-key operations).
**
** State: the handle of the list value itself; values are hash-consed, so
** equal lists are the same handle and a read's result needs no
** canonical form. Appends are cached per (state, element).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lin.h"

enum { LIST_APPEND, LIST_READ };

static int list_prepare(lin_ctx *c, const hist_op *op, lin_op *o, char *err, size_t cap)
{
    o->out_known = op->status == HIST_OP_OK;
    if (lin_f_is(c, op, "read")) {
        o->kind = LIST_READ;
        if (!o->out_known)
            return LIN_PREP_SKIP;
        const hist_value *r = lin_result_value(c, op);
        if (r->kind == HIST_NIL)
            r = hist_list(c->h, NULL, 0);
        if (r == NULL || r->kind != HIST_LIST) {
            snprintf(err, cap, "expected a list result for read");
            return LIN_PREP_BAD;
        }
        o->out = lin_handle(r);
        o->readonly = true;
        return LIN_PREP_OK;
    }
    if (lin_f_is(c, op, "append")) {
        o->kind = LIST_APPEND;
        o->a = lin_handle(lin_invoke_value(c, op));
        return LIN_PREP_OK;
    }
    snprintf(err, cap, "expected an operation of the list-append model (append, read), got '%s'",
             c->h->events[op->invoke].f);
    return LIN_PREP_BAD;
}

static lin_state list_init(lin_ctx *c) { return lin_handle(hist_list(c->h, NULL, 0)); }

static lin_state list_append(lin_ctx *c, lin_state s, lin_state e)
{
    lin_state r = lin_memo_get(c->memo, s, e, LIST_APPEND);
    if (r != 0)
        return r;
    const hist_value *v = lin_value(s);
    const hist_value **t = malloc((v->len + 1) * sizeof *t);
    if (t == NULL)
        return 0;
    for (size_t i = 0; i < v->len; i++)
        t[i] = v->items[i];
    t[v->len] = lin_value(e);
    const hist_value *l = hist_list(c->h, t, v->len + 1);
    free(t);
    r = l ? lin_handle(l) : 0;
    if (r != 0)
        lin_memo_put(c->memo, s, e, LIST_APPEND, r);
    return r;
}

static bool list_step(lin_ctx *c, lin_state s, const lin_op *op, lin_state *next)
{
    if (op->kind == LIST_READ) {
        *next = s;
        return s == op->out;
    }
    *next = list_append(c, s, op->a);
    if (*next == 0)
        lin_out_of_memory("list-append");
    return true;
}

/* An info append of v may be assumed never to have happened when no read
** returned a list holding v (the set model's argument, for lists). */
static void list_prune(lin_ctx *c, const lin_op *ops, size_t n, bool *drop)
{
    (void)c;
    for (size_t i = 0; i < n; i++) {
        if (ops[i].out_known || ops[i].kind != LIST_APPEND)
            continue;
        bool seen = false;
        for (size_t j = 0; j < n && !seen; j++) {
            const hist_value *r = lin_value(ops[j].out);
            for (size_t e = 0; ops[j].kind == LIST_READ && e < r->len && !seen; e++)
                seen = lin_handle(r->items[e]) == ops[i].a;
        }
        drop[i] = !seen;
    }
}

static void list_describe(lin_ctx *c, lin_state s, char *buf, size_t cap)
{
    (void)c;
    hist_value_format(lin_value(s), buf, cap);
}

const lin_model lin_model_list_append = {
    .name = "list-append",
    .summary = "append V, read (the whole list, in order); starts empty; per key",
    .prepare = list_prepare, .init = list_init, .step = list_step, .describe = list_describe,
    .prune = list_prune,
};

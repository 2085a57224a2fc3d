/*
** model_set.c — a set: add an element, remove one, read the whole set.
**
** State: the handle of a canonical list value holding the elements sorted
** by value id without duplicates, so equal sets are the same handle. A
** read's result (a list, in any order, duplicates ignored) is put in the
** same canonical form when prepared. Adds are cached per (state, element).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lin.h"

enum { SET_ADD, SET_READ, SET_REMOVE };

static int by_id(const void *a, const void *b)
{
    uint32_t x = (*(const hist_value *const *)a)->id, y = (*(const hist_value *const *)b)->id;
    return (x > y) - (x < y);
}

/* Sorted, deduplicated copy of 'items' as a canonical list; 0 on OOM. */
static lin_state canonical(lin_ctx *c, const hist_value *const *items, size_t n)
{
    const hist_value **t = malloc((n + 1) * sizeof *t);
    if (t == NULL)
        return 0;
    if (n > 0)
        memcpy(t, items, n * sizeof *t);
    qsort(t, n, sizeof *t, by_id);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || t[m - 1] != t[i])
            t[m++] = t[i];
    lin_state s = lin_handle(hist_list(c->h, t, m));
    free(t);
    return s;
}

static int set_prepare(lin_ctx *c, const hist_op *op, lin_op *o, char *err, size_t cap)
{
    o->out_known = op->status == HIST_OP_OK;
    if (lin_f_is(c, op, "read")) {
        o->kind = SET_READ;
        if (!o->out_known)
            return LIN_PREP_SKIP;
        const hist_value *r = lin_result_value(c, op);
        if (r->kind != HIST_LIST && r->kind != HIST_NIL) {
            snprintf(err, cap, "expected a list result for read");
            return LIN_PREP_BAD;
        }
        o->out = canonical(c, r->items, r->kind == HIST_LIST ? r->len : 0);
        o->readonly = true;
        return o->out ? LIN_PREP_OK : LIN_PREP_BAD;
    }
    if (lin_f_is(c, op, "add") || lin_f_is(c, op, "remove")) {
        o->kind = lin_f_is(c, op, "add") ? SET_ADD : SET_REMOVE;
        o->a = lin_handle(lin_invoke_value(c, op));
        return LIN_PREP_OK;
    }
    snprintf(err, cap, "expected an operation of the set model (add, remove, read), got '%s'",
             c->h->events[op->invoke].f);
    return LIN_PREP_BAD;
}

static lin_state set_init(lin_ctx *c) { return canonical(c, NULL, 0); }

/* 's' with element 'e' added (kind SET_ADD) or removed (SET_REMOVE). */
static lin_state set_change(lin_ctx *c, lin_state s, lin_state e, int kind)
{
    lin_state r = lin_memo_get(c->memo, s, e, kind);
    if (r != 0)
        return r;
    const hist_value *v = lin_value(s);
    const hist_value **t = malloc((v->len + 1) * sizeof *t);
    if (t == NULL)
        return 0;
    size_t m = 0;
    for (size_t i = 0; i < v->len; i++)
        if (kind == SET_ADD || lin_handle(v->items[i]) != e)
            t[m++] = v->items[i];
    if (kind == SET_ADD)
        t[m++] = lin_value(e);
    r = canonical(c, t, m);
    free(t);
    if (r != 0)
        lin_memo_put(c->memo, s, e, kind, r);
    return r;
}

static bool set_step(lin_ctx *c, lin_state s, const lin_op *op, lin_state *next)
{
    if (op->kind == SET_READ) {
        *next = s;
        return s == op->out;
    }
    *next = set_change(c, s, op->a, op->kind);
    if (*next == 0)
        lin_out_of_memory("set");
    return true;
}

/* An info add of v may be assumed never to have happened when no read
** returned a set holding v: after it every set holds v, so no read was
** linearized after it, and removing it changes no observed state. Not so
** when v is also removed or added again: then nothing is pruned. */
static void set_prune(lin_ctx *c, const lin_op *ops, size_t n, bool *drop)
{
    (void)c;
    for (size_t i = 0; i < n; i++) {
        if (ops[i].out_known || ops[i].kind != SET_ADD)
            continue;
        bool alone = true;
        for (size_t j = 0; j < n && alone; j++)
            alone = j == i || ops[j].kind == SET_READ || ops[j].a != ops[i].a;
        if (!alone)
            continue;
        bool seen = false;
        for (size_t j = 0; j < n && !seen; j++) {
            const hist_value *r = lin_value(ops[j].out);
            for (size_t e = 0; ops[j].kind == SET_READ && e < r->len && !seen; e++)
                seen = lin_handle(r->items[e]) == ops[i].a;
        }
        drop[i] = !seen;
    }
}

static void set_describe(lin_ctx *c, lin_state s, char *buf, size_t cap)
{
    (void)c;
    hist_value_format(lin_value(s), buf, cap);
}

const lin_model lin_model_set = {
    .name = "set",
    .summary = "add V, remove V, read (the whole set); starts empty",
    .prepare = set_prepare, .init = set_init, .step = set_step, .describe = set_describe,
    .prune = set_prune,
};

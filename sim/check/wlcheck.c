/*
** wlcheck.c — the history loader and value accessors shared by the
** workload checkers (counter.c, set_full.c, queue_total.c).
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wlcheck.h"

int wlcheck_load(const char *text, size_t len, const char *source, const char *format,
                 wlcheck_hist *out, char *err, size_t cap)
{
    hist_format fmt = HIST_FMT_AUTO;
    *out = (wlcheck_hist){0};
    if (format && hist_format_parse(format, &fmt) != 0) {
        snprintf(err, cap, "%s: unknown format '%s' (expected auto, json, edn, etcd or kv)",
                 source, format);
        return -1;
    }
    if (fmt == HIST_FMT_AUTO)
        fmt = hist_detect(text, len);
    out->h = hist_read(text, len, source, fmt, err, cap);
    if (out->h == NULL)
        return -1;
    if (hist_pair(out->h, &out->ops, &out->count, err, cap) != 0) {
        hist_free(out->h);
        out->h = NULL;
        return -1;
    }
    return 0;
}

void wlcheck_free(wlcheck_hist *w)
{
    free(w->ops);
    if (w->h)
        hist_free(w->h);
    *w = (wlcheck_hist){0};
}

bool wlcheck_f_is(const wlcheck_hist *w, const hist_op *op, const char *f)
{
    return strcmp(w->h->events[op->invoke].f, f) == 0;
}

const hist_value *wlcheck_invoke_value(const wlcheck_hist *w, const hist_op *op)
{
    return w->h->events[op->invoke].value;
}

const hist_value *wlcheck_result_value(const wlcheck_hist *w, const hist_op *op)
{
    if (op->complete == HIST_NO_EVENT)
        return hist_nil(w->h);
    return w->h->events[op->complete].value;
}

size_t wlcheck_done(const hist_op *op)
{
    return op->complete == HIST_NO_EVENT ? SIZE_MAX : op->complete;
}

json_t *wlcheck_where(const wlcheck_hist *w, const hist_op *op)
{
    const hist_event *e = &w->h->events[op->invoke];
    return json_pack("{s:I, s:I}", "process", (json_int_t)e->process, "line", (json_int_t)e->line);
}

int wlcheck_int(const wlcheck_hist *w, const hist_op *op, const hist_value *v, const char *what,
                int64_t *out, char *err, size_t cap)
{
    if (v->kind == HIST_INT) {
        *out = v->i;
        return 0;
    }
    const hist_event *e = &w->h->events[op->complete != HIST_NO_EVENT && v != wlcheck_invoke_value(w, op)
                                            ? op->complete : op->invoke];
    snprintf(err, cap, "%s:%u: expected an integer %s", w->h->source, e->line, what);
    return -1;
}

/* One micro-op [f k v]: f "append", "r" or "w" (string or keyword), k an
** integer or string, v nil, an integer, or (a read's result) a list. */
static const char *mop_problem(const hist_value *m, bool completed)
{
    if (m->kind != HIST_LIST || m->len != 3)
        return "a micro-operation [f k v]";
    const hist_value *f = m->items[0], *k = m->items[1], *v = m->items[2];
    if ((f->kind != HIST_STR && f->kind != HIST_KEYWORD) ||
        (strcmp(f->s, "append") != 0 && strcmp(f->s, "r") != 0 && strcmp(f->s, "w") != 0))
        return "a micro-operation function append, r or w";
    if (k->kind != HIST_INT && k->kind != HIST_STR)
        return "an integer or string key";
    bool read = strcmp(f->s, "r") == 0;
    if (!read && v->kind != HIST_INT)
        return "an integer value to append or write";
    if (read && !completed && v->kind != HIST_NIL)
        return "nil as the value of a read in an invocation";
    if (read && v->kind != HIST_NIL && v->kind != HIST_INT && v->kind != HIST_LIST)
        return "nil, an integer or a list as what a read returned";
    return NULL;
}

check_verdict check_elle_shape(const char *text, size_t len, const char *source, const char *format,
                               json_t *report, char *err, size_t cap)
{
    wlcheck_hist w;
    if (wlcheck_load(text, len, source ? source : "history", format, &w, err, cap) != 0)
        return CHECK_BAD_INPUT;
    size_t txns = 0, mops = 0;
    for (size_t i = 0; i < w.h->count; i++) {
        const hist_event *e = &w.h->events[i];
        const char *why = strcmp(e->f, "txn") != 0 ? "f \"txn\""
            : e->value->kind != HIST_LIST ? "a list of micro-operations as the value" : NULL;
        for (size_t k = 0; why == NULL && k < e->value->len; k++)
            why = mop_problem(e->value->items[k], e->type == HIST_OK);
        if (why) {
            snprintf(err, cap, "%s:%u: expected %s (Elle's shape)", w.h->source, e->line, why);
            wlcheck_free(&w);
            return CHECK_BAD_INPUT;
        }
        if (e->type == HIST_INVOKE) {
            txns++;
            mops += e->value->len;
        }
    }
    json_object_set_new(report, "valid", json_true());
    json_object_set_new(report, "txns", json_integer((json_int_t)txns));
    json_object_set_new(report, "mops", json_integer((json_int_t)mops));
    wlcheck_free(&w);
    return CHECK_OK;
}

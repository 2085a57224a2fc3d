/*
** counter.c — Jepsen's counter checker: every read of a counter lies
** between what must have been added and what may have been added.
**
** For a read that began at invoke i and ended at completion j:
**   definite = the adds acknowledged (ok) before i;
**   possible = the other adds invoked before j that did not fail (ok,
**              info or open: they may have taken effect before the read);
**   lower = sum(definite) + the negative deltas of 'possible',
**   upper = sum(definite) + the positive deltas of 'possible'.
** A read outside [lower, upper] is a violation. With only positive deltas
** this is Jepsen's rule (acknowledged sum <= read <= attempted sum); it
** holds for eventually consistent stores too, unlike linearizability.
** Trade-off: O(reads x adds); histories of a run are thousands of ops.
*/
#include <stdio.h>
#include <stdlib.h>

#include "wlcheck.h"

#define COUNTER_ERRORS_MAX 8

typedef struct add_op { size_t invoke, done; bool acked; int64_t delta; } add_op;

static void bounds(const add_op *adds, size_t n, const hist_op *read, int64_t *lo, int64_t *hi)
{
    int64_t sure = 0, neg = 0, pos = 0;
    size_t done = wlcheck_done(read);
    for (size_t k = 0; k < n; k++) {
        if (adds[k].acked && adds[k].done < read->invoke)
            sure += adds[k].delta;
        else if (adds[k].invoke < done)
            *(adds[k].delta < 0 ? &neg : &pos) += adds[k].delta;
    }
    *lo = sure + neg;
    *hi = sure + pos;
}

/* The adds that did not fail, with their deltas (nil counts as 1). */
static long collect(const wlcheck_hist *w, add_op *adds, char *err, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < w->count; i++) {
        const hist_op *op = &w->ops[i];
        if (wlcheck_f_is(w, op, "read"))
            continue;
        if (!wlcheck_f_is(w, op, "add") && !wlcheck_f_is(w, op, "increment")) {
            snprintf(err, cap, "%s:%u: expected an operation of the counter workload (add, read), got '%s'",
                     w->h->source, w->h->events[op->invoke].line, w->h->events[op->invoke].f);
            return -1;
        }
        const hist_value *v = wlcheck_invoke_value(w, op);
        int64_t d = 1;
        if (v->kind != HIST_NIL && wlcheck_int(w, op, v, "delta for add", &d, err, cap) != 0)
            return -1;
        if (op->status != HIST_OP_FAIL)
            adds[n++] = (add_op){op->invoke, wlcheck_done(op), op->status == HIST_OP_OK, d};
    }
    return (long)n;
}

check_verdict check_counter(const char *text, size_t len, const char *source, const char *format,
                            json_t *report, char *err, size_t cap)
{
    wlcheck_hist w;
    if (wlcheck_load(text, len, source ? source : "history", format, &w, err, cap) != 0)
        return CHECK_BAD_INPUT;
    add_op *adds = malloc((w.count + 1) * sizeof *adds);
    long n = adds ? collect(&w, adds, err, cap) : -1;
    if (n < 0) {
        if (!adds)
            snprintf(err, cap, "%s: out of memory", w.h->source);
        free(adds);
        wlcheck_free(&w);
        return CHECK_BAD_INPUT;
    }
    json_t *errors = json_array();
    size_t reads = 0, bad = 0;
    check_verdict v = CHECK_OK;
    for (size_t i = 0; i < w.count && v == CHECK_OK; i++) {
        const hist_op *op = &w.ops[i];
        if (!wlcheck_f_is(&w, op, "read") || op->status != HIST_OP_OK)
            continue;
        int64_t got, lo, hi;
        if (wlcheck_int(&w, op, wlcheck_result_value(&w, op), "result for read", &got, err, cap) != 0) {
            v = CHECK_BAD_INPUT;
            break;
        }
        reads++;
        bounds(adds, (size_t)n, op, &lo, &hi);
        if (got >= lo && got <= hi)
            continue;
        if (bad++ < COUNTER_ERRORS_MAX) {
            json_t *e = wlcheck_where(&w, op);
            json_object_set_new(e, "value", json_integer(got));
            json_object_set_new(e, "lower", json_integer(lo));
            json_object_set_new(e, "upper", json_integer(hi));
            json_array_append_new(errors, e);
        }
    }
    if (v != CHECK_BAD_INPUT) {
        json_object_set_new(report, "valid", json_boolean(bad == 0));
        json_object_set_new(report, "reads", json_integer((json_int_t)reads));
        json_object_set_new(report, "adds", json_integer(n));
        if (bad) {
            json_object_set_new(report, "rule", json_string(
                "every read lies between the acknowledged and the attempted sums"));
            json_object_set_new(report, "out_of_bounds", json_integer((json_int_t)bad));
            json_object_set_new(report, "errors", json_incref(errors));
        }
        v = bad ? CHECK_VIOLATION : CHECK_OK;
    }
    json_decref(errors);
    free(adds);
    wlcheck_free(&w);
    return v;
}

/*
** lost_update.c — 'check_lost_update': no acknowledged register write is
** forgotten by the final state (the lost-write detector of demos F6 and
** S21: last-write-wins drops a write it acknowledged).
**
** A register history of writes of unique values and reads. For each
** acknowledged write W, look at the LAST acknowledged read that began
** after W completed (the latest state anyone saw): W is lost when that
** read returned nothing, or the value of a write that completed before W
** began — a write W had definitely overwritten. Earlier reads are not
** judged: stale reads are allowed (eventual consistency); only a final
** state that forgot W is a violation. Writes concurrent with W may win
** (their order is not known); a write never acknowledged (info) never
** "completed before" anything. Values of reads no write wrote are
** bad input.
** With 'every_read' every acknowledged read that began after W completed is
** judged, not only the last: for stores that promise no stale reads
** (intersecting quorums), where a read of an overwritten value after W
** already means W was dropped.
** Trade-off: O(writes x reads) with one pass per write; a run's history
** is thousands of operations.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "wlcheck.h"

#define LOST_EXAMPLES_MAX 8

typedef struct wr { size_t invoke, done; bool ok; int64_t value; } wr;

/* The write of 'value', or NULL. */
static const wr *writer(const wr *ws, size_t n, int64_t value)
{
    for (size_t i = 0; i < n; i++)
        if (ws[i].value == value)
            return &ws[i];
    return NULL;
}

static long collect(const wlcheck_hist *w, wr *ws, char *err, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < w->count; i++) {
        const hist_op *op = &w->ops[i];
        if (wlcheck_f_is(w, op, "read"))
            continue;
        if (!wlcheck_f_is(w, op, "write")) {
            snprintf(err, cap, "%s:%u: expected an operation of a register (read, write), got '%s'",
                     w->h->source, w->h->events[op->invoke].line, w->h->events[op->invoke].f);
            return -1;
        }
        int64_t v;
        if (wlcheck_int(w, op, wlcheck_invoke_value(w, op), "value for write", &v, err, cap) != 0)
            return -1;
        if (op->status != HIST_OP_FAIL)
            ws[n++] = (wr){op->invoke, wlcheck_done(op), op->status == HIST_OP_OK, v};
    }
    return (long)n;
}

/* The next ok read after ops[*at] that began after 'after' (an event
** index), from ops[*at] on; NULL when none. */
static const hist_op *read_after(const wlcheck_hist *w, size_t after, size_t *at)
{
    for (; *at < w->count; (*at)++) {
        const hist_op *op = &w->ops[*at];
        if (op->status == HIST_OP_OK && wlcheck_f_is(w, op, "read") && op->invoke > after) {
            (*at)++;
            return op;
        }
    }
    return NULL;
}

/* Whether read 'r' forgot write 'x': it returned nothing, or a value whose
** write completed before 'x' began. 1 yes, 0 no, -1 bad input. */
static int forgot(const wlcheck_hist *w, const wr *ws, size_t n, const wr *x, const hist_op *r,
                  const wr **by, char *err, size_t cap)
{
    const hist_value *got = wlcheck_result_value(w, r);
    *by = NULL;
    if (got->kind == HIST_NIL)
        return 1;
    int64_t v;
    if (wlcheck_int(w, r, got, "result for read", &v, err, cap) != 0)
        return -1;
    *by = writer(ws, n, v);
    if (*by == NULL) {
        snprintf(err, cap, "%s:%u: a read returned %lld, which no write wrote", w->h->source,
                 w->h->events[r->invoke].line, (long long)v);
        return -1;
    }
    return (*by)->ok && (*by)->done < x->invoke;
}

check_verdict check_lost_update(const char *text, size_t len, const char *source, const char *format,
                                bool every_read, json_t *report, char *err, size_t cap)
{
    wlcheck_hist w;
    if (wlcheck_load(text, len, source ? source : "history", format, &w, err, cap) != 0)
        return CHECK_BAD_INPUT;
    wr *ws = malloc((w.count + 1) * sizeof *ws);
    long n = ws ? collect(&w, ws, err, cap) : -1;
    if (n < 0) {
        if (!ws)
            snprintf(err, cap, "%s: out of memory", w.h->source);
        free(ws);
        wlcheck_free(&w);
        return CHECK_BAD_INPUT;
    }
    json_t *lost = json_array();
    size_t n_lost = 0, judged = 0;
    check_verdict v = CHECK_OK;
    for (long i = 0; i < n && v == CHECK_OK; i++) {
        if (!ws[i].ok)
            continue;
        const hist_op *r = NULL, *last = NULL, *bad = NULL;
        const wr *by = NULL, *bad_by = NULL;
        size_t at = 0;
        while ((r = read_after(&w, ws[i].done, &at)) != NULL && v == CHECK_OK) {
            last = r;
            if (!every_read)
                continue;   /* only the last read is judged */
            int f = forgot(&w, ws, (size_t)n, &ws[i], r, &by, err, cap);
            if (f < 0)
                v = CHECK_BAD_INPUT;
            else if (f && bad == NULL) {
                bad = r;
                bad_by = by;
            }
        }
        if (last == NULL || v != CHECK_OK)
            continue;   /* nobody looked after it */
        judged++;
        if (!every_read) {
            int f = forgot(&w, ws, (size_t)n, &ws[i], last, &by, err, cap);
            if (f < 0) {
                v = CHECK_BAD_INPUT;
                break;
            }
            if (f) {
                bad = last;
                bad_by = by;
            }
        }
        if (bad == NULL)
            continue;
        if (n_lost++ < LOST_EXAMPLES_MAX) {
            json_t *e = json_object();
            json_object_set_new(e, "write", json_integer(ws[i].value));
            json_object_set_new(e, "read", bad_by ? json_integer(bad_by->value) : json_null());
            json_object_set_new(e, "at", wlcheck_where(&w, bad));
            json_array_append_new(lost, e);
        }
    }
    if (v != CHECK_BAD_INPUT) {
        json_object_set_new(report, "valid", json_boolean(n_lost == 0));
        json_object_set_new(report, "writes", json_integer(n));
        json_object_set_new(report, "judged", json_integer((json_int_t)judged));
        if (n_lost) {
            json_object_set_new(report, "rule", json_string(
                every_read ? "no read after an acknowledged write returns a value that write overwrote"
                           : "the last read after an acknowledged write never returns a value that write overwrote"));
            json_object_set_new(report, "lost", json_integer((json_int_t)n_lost));
            json_object_set_new(report, "examples", json_incref(lost));
        }
        v = n_lost ? CHECK_VIOLATION : CHECK_OK;
    }
    json_decref(lost);
    free(ws);
    wlcheck_free(&w);
    return v;
}

/*
** queue_total.c — Jepsen's total-queue checker: every value dequeued was
** enqueued, none twice, and none acknowledged is lost.
**
** Multisets over the history: 'attempted' enqueues (not failed),
** 'acknowledged' enqueues (ok), 'dequeued' values (ok dequeues with a
** value; null is an empty queue). Violations:
**   unexpected: a value dequeued that no enqueue attempted;
**   duplicated: a value dequeued more than once;
**   lost:       an acknowledged enqueue never dequeued, beyond what the
**               dequeues of unknown outcome (info, open) may have taken:
**               each of those may have removed one value nobody saw.
** 'lost' means something only once the scenario has drained the queue (the
** queue workload's 'drain' parameter): before that, values still queued
** are counted as lost, so judge a drained run.
*/
#include <stdio.h>
#include <stdlib.h>

#include "wlcheck.h"

#define QUEUE_EXAMPLES_MAX 8

static int by_id(const void *a, const void *b)
{
    uint32_t x = (*(const hist_value *const *)a)->id, y = (*(const hist_value *const *)b)->id;
    return (x > y) - (x < y);
}

static void example(json_t *list, const hist_value *v)
{
    if (json_array_size(list) < QUEUE_EXAMPLES_MAX) {
        char buf[64];
        hist_value_format(v, buf, sizeof buf);
        json_array_append_new(list, json_loads(buf, JSON_DECODE_ANY, NULL));
    }
}

/* How many times 'v' is in the sorted 'xs'. */
static size_t count_of(const hist_value *const *xs, size_t n, const hist_value *v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (xs[mid]->id < v->id)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t c = 0;
    while (lo + c < n && xs[lo + c] == v)
        c++;
    return c;
}

typedef struct queue_sets {
    const hist_value **tried, **acked, **got;
    size_t tried_len, acked_len, got_len, unknown_dequeues;
} queue_sets;

static int collect(const wlcheck_hist *w, queue_sets *q, char *err, size_t cap)
{
    for (size_t i = 0; i < w->count; i++) {
        const hist_op *op = &w->ops[i];
        if (wlcheck_f_is(w, op, "enqueue")) {
            if (op->status != HIST_OP_FAIL)
                q->tried[q->tried_len++] = wlcheck_invoke_value(w, op);
            if (op->status == HIST_OP_OK)
                q->acked[q->acked_len++] = wlcheck_invoke_value(w, op);
        } else if (wlcheck_f_is(w, op, "dequeue")) {
            if (op->status == HIST_OP_INFO || op->status == HIST_OP_OPEN)
                q->unknown_dequeues++;
            const hist_value *v = wlcheck_result_value(w, op);
            if (op->status == HIST_OP_OK && v->kind != HIST_NIL)
                q->got[q->got_len++] = v;
        } else {
            snprintf(err, cap, "%s:%u: expected an operation of the queue workload (enqueue, dequeue), got '%s'",
                     w->h->source, w->h->events[op->invoke].line, w->h->events[op->invoke].f);
            return -1;
        }
    }
    qsort(q->tried, q->tried_len, sizeof *q->tried, by_id);
    qsort(q->acked, q->acked_len, sizeof *q->acked, by_id);
    qsort(q->got, q->got_len, sizeof *q->got, by_id);
    return 0;
}

static check_verdict judge(const queue_sets *q, json_t *report)
{
    size_t unexpected = 0, duplicated = 0, lost = 0;
    json_t *ux = json_array(), *dx = json_array(), *lx = json_array();
    for (size_t i = 0; i < q->got_len; i++) {
        if (i > 0 && q->got[i - 1] == q->got[i])
            continue;
        size_t c = count_of(q->got, q->got_len, q->got[i]);
        if (count_of(q->tried, q->tried_len, q->got[i]) == 0)
            unexpected++, example(ux, q->got[i]);
        else if (c > 1)
            duplicated++, example(dx, q->got[i]);
    }
    for (size_t i = 0; i < q->acked_len; i++)
        if (count_of(q->got, q->got_len, q->acked[i]) == 0)
            lost++, example(lx, q->acked[i]);
    bool lost_bad = lost > q->unknown_dequeues;
    bool valid = unexpected == 0 && duplicated == 0 && !lost_bad;
    json_object_set_new(report, "valid", json_boolean(valid));
    json_object_set_new(report, "enqueued", json_integer((json_int_t)q->acked_len));
    json_object_set_new(report, "dequeued", json_integer((json_int_t)q->got_len));
    json_object_set_new(report, "unexpected", json_integer((json_int_t)unexpected));
    json_object_set_new(report, "duplicated", json_integer((json_int_t)duplicated));
    json_object_set_new(report, "lost", json_integer((json_int_t)lost));
    json_object_set_new(report, "unknown_dequeues", json_integer((json_int_t)q->unknown_dequeues));
    if (unexpected)
        json_object_set_new(report, "unexpected_values", json_incref(ux));
    if (duplicated)
        json_object_set_new(report, "duplicated_values", json_incref(dx));
    if (lost)
        json_object_set_new(report, "lost_values", json_incref(lx));
    if (!valid)
        json_object_set_new(report, "rule", json_string(
            unexpected ? "every dequeued value was enqueued"
            : duplicated ? "no value is dequeued twice"
            : "every acknowledged enqueue is dequeued (after a final drain)"));
    json_decref(ux), json_decref(dx), json_decref(lx);
    return valid ? CHECK_OK : CHECK_VIOLATION;
}

check_verdict check_total_queue(const char *text, size_t len, const char *source, const char *format,
                                json_t *report, char *err, size_t cap)
{
    wlcheck_hist w;
    if (wlcheck_load(text, len, source ? source : "history", format, &w, err, cap) != 0)
        return CHECK_BAD_INPUT;
    queue_sets q = {0};
    q.tried = malloc((w.count + 1) * sizeof *q.tried);
    q.acked = malloc((w.count + 1) * sizeof *q.acked);
    q.got = malloc((w.count + 1) * sizeof *q.got);
    check_verdict v = CHECK_BAD_INPUT;
    if (!q.tried || !q.acked || !q.got)
        snprintf(err, cap, "%s: out of memory", w.h->source);
    else if (collect(&w, &q, err, cap) == 0)
        v = judge(&q, report);
    free(q.tried), free(q.acked), free(q.got);
    wlcheck_free(&w);
    return v;
}

/*
** set_full.c — Jepsen's set-full checker: adds of unique elements and
** reads of the whole set, judged element by element.
**
** An element is known from the completion of its acknowledged add, or,
** for an add whose outcome is unknown, from the completion of the first
** read that saw it. Of the reads that began after it was known:
**   lost:  some read missed it and no read that saw it ended after that
**          read began (it disappeared and never came back) — a violation;
**   stale: some read missed it, but a later read saw it again — allowed
**          for eventually consistent stores, a violation with
**          'linearizable' (an acknowledged add must be visible at once);
**   never read: no read began after it was known.
** Also violations: a read holding an element no add attempted, or one
** whose every add failed ('fail' means it did not happen).
** Removes (f "remove", the element as value): a read that misses an
** element is judged for an add only when no remove could explain it: a
** remove excuses the miss when it may have seen that add (it had not
** ended before the add began) and may have taken effect before the read
** ended (it began before). A remove that ended before an add began cannot
** have seen it: an observed-remove set keeps that add, so its loss is
** still a loss (what a "remove wins" set does to an element added again).
** With an element added more than once, an add whose outcome is unknown is
** not judged (a read holding the element may owe it to another add).
** Reported: counts of each outcome, the worst staleness (history time
** from known to the last read that missed it) and a few examples.
** Trade-off: O(elements x reads x read size) with a sorted probe per read.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "check_assert.h"
#include "wlcheck.h"

#define SET_EXAMPLES_MAX 8

typedef struct set_read { size_t invoke, done; const hist_value **items; size_t len; int64_t t0; } set_read;
/* A remove that may have happened: its element, invoke and completion
** (SIZE_MAX when its outcome is unknown: it may take effect any time). */
typedef struct set_remove { uint32_t elem; size_t invoke, done; } set_remove;
typedef struct set_removes { const set_remove *r; size_t n; } set_removes;

/* Whether a remove explains why a read ending at 'read_done' missed the
** element of the add 'add' (invoked at 'add_invoke'). */
static bool excused(const set_removes *rm, uint32_t elem, size_t add_invoke, size_t read_done)
{
    for (size_t i = 0; i < rm->n; i++)
        if (rm->r[i].elem == elem && rm->r[i].done > add_invoke && rm->r[i].invoke < read_done)
            return true;
    return false;
}

/* Every add's element, sorted, with whether it failed: to ask whether an
** element was added more than once in O(log adds). */
typedef struct set_add_id { uint32_t id; uint32_t failed; } set_add_id;
typedef struct set_adds { set_add_id *a; size_t n; } set_adds;

static int by_add_id(const void *a, const void *b)
{
    const set_add_id *x = a, *y = b;
    if (x->id != y->id)
        return (x->id > y->id) - (x->id < y->id);
    return (x->failed > y->failed) - (x->failed < y->failed);
}

/* Adds of element 'id' beside the one judged: 'ok' those that did not fail. */
static void other_adds(const set_adds *all, uint32_t id, bool self_failed, size_t *any, size_t *ok)
{
    size_t lo = 0, hi = all->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (all->a[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t n = 0, good = 0;
    for (size_t i = lo; i < all->n && all->a[i].id == id; i++) {
        n++;
        good += !all->a[i].failed;
    }
    CHECK_ASSERT(n >= 1);
    *any = n - 1;
    *ok = good - (self_failed ? 0 : 1);
}

static int by_id(const void *a, const void *b)
{
    uint32_t x = (*(const hist_value *const *)a)->id, y = (*(const hist_value *const *)b)->id;
    return (x > y) - (x < y);
}

static bool holds(const set_read *r, const hist_value *v)
{
    size_t lo = 0, hi = r->len;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (r->items[mid]->id == v->id)
            return true;
        if (r->items[mid]->id < v->id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

typedef struct set_tally {
    size_t stable, lost, stale, never_read, unexpected, failed_seen;
    int64_t stale_ns_max;
    json_t *lost_ex, *stale_ex, *bad_ex;
} set_tally;

static void example(json_t *list, const hist_value *v)
{
    if (json_array_size(list) < SET_EXAMPLES_MAX) {
        char buf[64];
        hist_value_format(v, buf, sizeof buf);
        json_array_append_new(list, json_loads(buf, JSON_DECODE_ANY, NULL));
    }
}

/* Judges one element added by 'add' against every read. */
static void judge(const wlcheck_hist *w, const hist_op *add, const set_read *reads, size_t nr,
                  const set_removes *rm, const set_adds *adds, set_tally *t)
{
    const hist_value *e = wlcheck_invoke_value(w, add);
    size_t others, others_ok;
    other_adds(adds, e->id, add->status == HIST_OP_FAIL, &others, &others_ok);
    if (add->status == HIST_OP_FAIL && others_ok > 0)
        return;   /* a read holding it owes it to another add */
    if (add->status != HIST_OP_OK && add->status != HIST_OP_FAIL && others > 0)
        return;   /* unknown, and not alone: not judged */
    size_t known = add->status == HIST_OP_OK ? add->complete : SIZE_MAX;
    int64_t known_t = known != SIZE_MAX ? w->h->events[known].time : -1;
    for (size_t r = 0; r < nr && known == SIZE_MAX; r++)
        if (holds(&reads[r], e)) {
            if (add->status == HIST_OP_FAIL) {
                t->failed_seen++;
                example(t->bad_ex, e);
                return;
            }
            known = reads[r].done;
            known_t = w->h->events[known].time;
        }
    if (known == SIZE_MAX)
        return;   /* an unknown add nobody saw: it may never have happened */
    size_t last_absent = SIZE_MAX, last_seen_done = known, after = 0;
    int64_t absent_t = -1;
    for (size_t r = 0; r < nr; r++) {
        if (holds(&reads[r], e)) {
            if (reads[r].done > last_seen_done)
                last_seen_done = reads[r].done;
            continue;
        }
        if (reads[r].invoke > known && !excused(rm, e->id, add->invoke, reads[r].done)) {
            after++;
            if (last_absent == SIZE_MAX || reads[r].invoke > last_absent) {
                last_absent = reads[r].invoke;
                absent_t = reads[r].t0;
            }
        }
    }
    bool read_after = after > 0;
    for (size_t r = 0; r < nr && !read_after; r++)
        read_after = reads[r].invoke > known;
    if (!read_after) {
        t->never_read++;
    } else if (last_absent == SIZE_MAX) {
        t->stable++;
    } else if (last_absent > last_seen_done) {
        t->lost++;
        example(t->lost_ex, e);
    } else {
        t->stale++;
        example(t->stale_ex, e);
        if (known_t >= 0 && absent_t - known_t > t->stale_ns_max)
            t->stale_ns_max = absent_t - known_t;
    }
}

/* The ok reads, each with its elements sorted by value id. */
static long collect_reads(const wlcheck_hist *w, set_read *reads, char *err, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < w->count; i++) {
        const hist_op *op = &w->ops[i];
        bool read = wlcheck_f_is(w, op, "read");
        if (!read && !wlcheck_f_is(w, op, "add") && !wlcheck_f_is(w, op, "remove")) {
            snprintf(err, cap, "%s:%u: expected an operation of the set workload (add, remove, read), got '%s'",
                     w->h->source, w->h->events[op->invoke].line, w->h->events[op->invoke].f);
            return -1;
        }
        if (!read || op->status != HIST_OP_OK)
            continue;
        const hist_value *v = wlcheck_result_value(w, op);
        if (v->kind != HIST_LIST && v->kind != HIST_NIL) {
            snprintf(err, cap, "%s:%u: expected a list result for read", w->h->source,
                     w->h->events[op->complete].line);
            return -1;
        }
        set_read *r = &reads[n++];
        r->invoke = op->invoke;
        r->done = op->complete;
        r->t0 = w->h->events[op->invoke].time;
        r->len = v->kind == HIST_LIST ? v->len : 0;
        r->items = malloc((r->len + 1) * sizeof *r->items);
        if (r->items == NULL) {
            snprintf(err, cap, "%s: out of memory", w->h->source);
            return -1;
        }
        for (size_t k = 0; k < r->len; k++)
            r->items[k] = v->items[k];
        qsort(r->items, r->len, sizeof *r->items, by_id);
    }
    return (long)n;
}

/* Elements in reads that no add attempted. */
static void unexpected(const wlcheck_hist *w, const set_read *reads, size_t nr, set_tally *t)
{
    const hist_value **added = malloc((w->count + 1) * sizeof *added);
    size_t na = 0;
    if (added == NULL)
        return;
    for (size_t i = 0; i < w->count; i++)
        if (wlcheck_f_is(w, &w->ops[i], "add"))
            added[na++] = wlcheck_invoke_value(w, &w->ops[i]);
    qsort(added, na, sizeof *added, by_id);
    set_read all = {.items = added, .len = na};
    for (size_t r = 0; r < nr; r++)
        for (size_t k = 0; k < reads[r].len; k++)
            if ((k == 0 || reads[r].items[k - 1] != reads[r].items[k]) && !holds(&all, reads[r].items[k])) {
                t->unexpected++;
                example(t->bad_ex, reads[r].items[k]);
            }
    free(added);
}

static void report_tally(json_t *report, const set_tally *t, size_t reads, bool lin, bool valid)
{
    json_object_set_new(report, "valid", json_boolean(valid));
    json_object_set_new(report, "reads", json_integer((json_int_t)reads));
    json_object_set_new(report, "stable", json_integer((json_int_t)t->stable));
    json_object_set_new(report, "lost", json_integer((json_int_t)t->lost));
    json_object_set_new(report, "stale", json_integer((json_int_t)t->stale));
    json_object_set_new(report, "never_read", json_integer((json_int_t)t->never_read));
    json_object_set_new(report, "unexpected", json_integer((json_int_t)(t->unexpected + t->failed_seen)));
    json_object_set_new(report, "stale_ms_max", json_real((double)t->stale_ns_max / 1e6));
    if (t->lost)
        json_object_set_new(report, "lost_elements", json_incref(t->lost_ex));
    if (t->stale)
        json_object_set_new(report, "stale_elements", json_incref(t->stale_ex));
    if (t->unexpected + t->failed_seen)
        json_object_set_new(report, "unexpected_elements", json_incref(t->bad_ex));
    if (valid)
        return;
    const char *rule = t->unexpected + t->failed_seen
        ? "a read holds an element that no add attempted, or whose add failed"
        : t->lost ? "an acknowledged add is never lost: once known, every later read holds it"
        : "linearizable: an acknowledged add is visible to every read that begins after it";
    (void)lin;
    json_object_set_new(report, "rule", json_string(rule));
}

check_verdict check_set_full(const char *text, size_t len, const char *source, const char *format,
                             bool linearizable, json_t *report, char *err, size_t cap)
{
    wlcheck_hist w;
    if (wlcheck_load(text, len, source ? source : "history", format, &w, err, cap) != 0)
        return CHECK_BAD_INPUT;
    set_read *reads = calloc(w.count + 1, sizeof *reads);
    long nr = reads ? collect_reads(&w, reads, err, cap) : -1;
    check_verdict v = CHECK_BAD_INPUT;
    if (!reads)
        snprintf(err, cap, "%s: out of memory", w.h->source);
    set_remove *rms = nr >= 0 ? calloc(w.count + 1, sizeof *rms) : NULL;
    if (nr >= 0 && rms == NULL) {
        snprintf(err, cap, "%s: out of memory", w.h->source);
        nr = -1;
    }
    set_removes rm = {.r = rms, .n = 0};
    for (size_t i = 0; nr >= 0 && i < w.count; i++) {
        const hist_op *op = &w.ops[i];
        if (!wlcheck_f_is(&w, op, "remove") || op->status == HIST_OP_FAIL)
            continue;
        rms[rm.n++] = (set_remove){.elem = wlcheck_invoke_value(&w, op)->id, .invoke = op->invoke,
                                   .done = op->status == HIST_OP_OK ? op->complete : SIZE_MAX};
    }
    set_adds adds = {.a = nr >= 0 ? calloc(w.count + 1, sizeof *adds.a) : NULL, .n = 0};
    if (nr >= 0 && adds.a == NULL) {
        snprintf(err, cap, "%s: out of memory", w.h->source);
        nr = -1;
    }
    for (size_t i = 0; nr >= 0 && i < w.count; i++)
        if (wlcheck_f_is(&w, &w.ops[i], "add"))
            adds.a[adds.n++] = (set_add_id){.id = wlcheck_invoke_value(&w, &w.ops[i])->id,
                                            .failed = w.ops[i].status == HIST_OP_FAIL};
    if (nr >= 0)
        qsort(adds.a, adds.n, sizeof *adds.a, by_add_id);
    if (nr >= 0) {
        set_tally t = {.lost_ex = json_array(), .stale_ex = json_array(), .bad_ex = json_array()};
        for (size_t i = 0; i < w.count; i++)
            if (wlcheck_f_is(&w, &w.ops[i], "add"))
                judge(&w, &w.ops[i], reads, (size_t)nr, &rm, &adds, &t);
        unexpected(&w, reads, (size_t)nr, &t);
        bool valid = t.lost == 0 && t.unexpected == 0 && t.failed_seen == 0 &&
                     (!linearizable || t.stale == 0);
        report_tally(report, &t, (size_t)nr, linearizable, valid);
        if (rm.n > 0)
            json_object_set_new(report, "removes", json_integer((json_int_t)rm.n));
        json_decref(t.lost_ex), json_decref(t.stale_ex), json_decref(t.bad_ex);
        v = valid ? CHECK_OK : CHECK_VIOLATION;
    }
    for (size_t r = 0; reads && r < w.count; r++)
        free(reads[r].items);
    free(reads);
    free(rms);
    free(adds.a);
    wlcheck_free(&w);
    return v;
}

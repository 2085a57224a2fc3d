/*
** bank.c — Jepsen's bank checker: transfers between accounts conserve
** money, so every read of all the balances sums to the same total, and
** (unless negative balances are allowed) none is below zero.
**
** History shape (the bank workload's): 'transfer [from, to, amount]' and
** 'read' -> [b0, b1, ...] (every account, in order; null for an account
** the store does not hold, which counts as a wrong total). The total is
** given (c:check passes accounts x balance) or, when 'total' < 0, taken
** from the first ok read and said so in the report. Only ok reads are
** judged; transfers are counted (ok, fail, info), never replayed: a lost
** transfer that moved no money is no bank anomaly (the linearizable and
** txn checkers judge order). Reported: the reads of a wrong total and of
** a negative balance (the first BANK_EXAMPLES_MAX of each, with process,
** line and balances), and the first bad read in one sentence.
** Trade-off: O(reads x accounts).
*/
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "wlcheck.h"

#define BANK_EXAMPLES_MAX 8

typedef struct bank_tally {
    size_t reads, wrong, negative, transfers[4];   /* by hist_status */
    json_t *wrong_ex, *negative_ex;
    char first[512];
} bank_tally;

static void example(const wlcheck_hist *w, const hist_op *op, const hist_value *v, int64_t sum,
                    json_t *list)
{
    if (json_array_size(list) >= BANK_EXAMPLES_MAX)
        return;
    char buf[512];
    hist_value_format(v, buf, sizeof buf);
    json_t *e = wlcheck_where(w, op);
    json_object_set_new(e, "balances", json_string(buf));
    json_object_set_new(e, "sum", json_integer(sum));
    json_array_append_new(list, e);
}

/* One ok read: its sum, or -1 with 'err' when it is not a list of
** integers or nulls ('*missing' counts the nulls). */
static int read_sum(const wlcheck_hist *w, const hist_op *op, int64_t *sum, bool *negative,
                    size_t *missing, char *err, size_t cap)
{
    const hist_value *v = wlcheck_result_value(w, op);
    const hist_event *e = &w->h->events[op->complete];
    if (v->kind != HIST_LIST) {
        snprintf(err, cap, "%s:%u: expected a list of balances as a read's result", w->h->source, e->line);
        return -1;
    }
    *sum = 0, *negative = false, *missing = 0;
    for (size_t a = 0; a < v->len; a++) {
        const hist_value *b = v->items[a];
        if (b->kind == HIST_NIL) {
            (*missing)++;
            continue;
        }
        if (b->kind != HIST_INT || b->i < -(INT64_C(1) << 52) || b->i > (INT64_C(1) << 52)) {
            snprintf(err, cap, "%s:%u: expected integer balances (|b| <= 2^52) or null", w->h->source, e->line);
            return -1;
        }
        *sum += b->i;
        *negative |= b->i < 0;
    }
    return 0;
}

static int tally(const wlcheck_hist *w, int64_t *total, bool allow_negative, bank_tally *t, char *err,
                 size_t cap)
{
    for (size_t i = 0; i < w->count; i++) {
        const hist_op *op = &w->ops[i];
        if (wlcheck_f_is(w, op, "transfer")) {
            const hist_value *v = wlcheck_invoke_value(w, op);
            if (v->kind != HIST_LIST || v->len != 3) {
                snprintf(err, cap, "%s:%u: expected [from, to, amount] as a transfer's value",
                         w->h->source, w->h->events[op->invoke].line);
                return -1;
            }
            t->transfers[op->status]++;
            continue;
        }
        if (!wlcheck_f_is(w, op, "read")) {
            snprintf(err, cap, "%s:%u: expected an operation of the bank workload (transfer, read), got '%s'",
                     w->h->source, w->h->events[op->invoke].line, w->h->events[op->invoke].f);
            return -1;
        }
        if (op->status != HIST_OP_OK)
            continue;
        int64_t sum;
        bool neg;
        size_t missing;
        if (read_sum(w, op, &sum, &neg, &missing, err, cap) != 0)
            return -1;
        t->reads++;
        if (*total < 0)
            *total = sum;
        const hist_value *v = wlcheck_result_value(w, op);
        bool wrong = sum != *total || missing > 0, bad_neg = neg && !allow_negative;
        if (wrong) {
            t->wrong++;
            example(w, op, v, sum, t->wrong_ex);
        }
        if (bad_neg) {
            t->negative++;
            example(w, op, v, sum, t->negative_ex);
        }
        if ((wrong || bad_neg) && t->first[0] == '\0') {
            char bal[256];
            hist_value_format(v, bal, sizeof bal);
            const hist_event *e = &w->h->events[op->invoke];
            snprintf(t->first, sizeof t->first, "p%lld's read (line %u) saw %s: %s%" PRId64 "%s", (long long)e->process,
                     e->line, bal, wrong ? "they sum to " : "a negative balance; sum ", sum,
                     wrong ? (missing ? ", and an account is missing" : ", not the total")
                           : "");
        }
    }
    return 0;
}

check_verdict check_bank(const char *text, size_t len, const char *source, const char *format,
                         int64_t total, bool allow_negative, json_t *report, char *err, size_t cap)
{
    wlcheck_hist w;
    if (wlcheck_load(text, len, source ? source : "history", format, &w, err, cap) != 0)
        return CHECK_BAD_INPUT;
    bank_tally t = {.wrong_ex = json_array(), .negative_ex = json_array()};
    bool inferred = total < 0;
    int rc = tally(&w, &total, allow_negative, &t, err, cap);
    check_verdict v = rc != 0 ? CHECK_BAD_INPUT : t.wrong || t.negative ? CHECK_VIOLATION : CHECK_OK;
    if (v != CHECK_BAD_INPUT) {
        json_object_set_new(report, "valid", json_boolean(v == CHECK_OK));
        json_object_set_new(report, "reads", json_integer((json_int_t)t.reads));
        json_object_set_new(report, "transfers", json_pack("{s:I, s:I, s:I}",
            "ok", (json_int_t)t.transfers[HIST_OP_OK], "fail", (json_int_t)t.transfers[HIST_OP_FAIL],
            "info", (json_int_t)(t.transfers[HIST_OP_INFO] + t.transfers[HIST_OP_OPEN])));
        if (total >= 0 || !inferred)
            json_object_set_new(report, "total", json_integer(total));
        if (inferred)
            json_object_set_new(report, "note", json_string("the total is the first ok read's sum"));
        if (v == CHECK_VIOLATION) {
            json_object_set_new(report, "rule", json_string(allow_negative
                ? "every read sums to the total"
                : "every read sums to the total and shows no negative balance"));
            char explain[700];
            snprintf(explain, sizeof explain, "%zu of %zu reads do not sum to %" PRId64 ", %zu show a negative "
                     "balance; first: %s", t.wrong, t.reads, total, t.negative, t.first);
            json_object_set_new(report, "explain", json_string(explain));
            json_object_set_new(report, "wrong_total", json_integer((json_int_t)t.wrong));
            json_object_set_new(report, "negative", json_integer((json_int_t)t.negative));
            json_object_set_new(report, "wrong_total_reads", json_incref(t.wrong_ex));
            json_object_set_new(report, "negative_reads", json_incref(t.negative_ex));
        }
    }
    json_decref(t.wrong_ex);
    json_decref(t.negative_ex);
    wlcheck_free(&w);
    return v;
}

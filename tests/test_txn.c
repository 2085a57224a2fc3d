/*
** test_txn.c — the transactional isolation checker on hand-made histories:
** for every anomaly kind a minimal history that shows it (the anomaly must
** be reported, the models that forbid it violated, those that allow it
** kept) and the same history repaired (it must pass serializable and
** strict-serializable); the words of the explanations; the budget
** (unknown, never a false pass); bad input naming the line.
**
** Histories are Jepsen EDN, one map per line, built with the macros below.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "txn.h"

#define INV(p, v) "{:process " #p " :type :invoke :f :txn :value " v "}\n"
#define OK(p, v) "{:process " #p " :type :ok :f :txn :value " v "}\n"
#define FAIL(p, v) "{:process " #p " :type :fail :f :txn :value " v "}\n"
#define INFO(p, v) "{:process " #p " :type :info :f :txn :value " v "}\n"
/* A transaction that runs alone: invoke, then ok. */
#define TX(p, inv, ok) INV(p, inv) OK(p, ok)

static check_verdict run(const char *text, txn_workload wl, const char *models,
                         const check_budget *b, txn_result *res, json_t *report)
{
    char err[512] = "";
    hist *h = hist_read(text, strlen(text), "t.edn", HIST_FMT_EDN, err, sizeof err);
    if (h == NULL)
        fail_msg("%s", err);
    check_verdict v = txn_check_hist(h, wl, models, b, report, res, err, sizeof err);
    hist_free(h);
    if (v == CHECK_BAD_INPUT)
        fail_msg("%s", err);
    return v;
}

static uint32_t bit_of(const char *anomaly)
{
    for (const txn_anomaly_def *d = txn_anomalies; d->name; d++)
        if (strcmp(d->name, anomaly) == 0)
            return 1u << d->anomaly;
    fail_msg("no anomaly %s", anomaly);
    return 0;
}

static bool model_holds(const txn_result *r, const char *model)
{
    const txn_model_def *m = txn_model_find(model);
    assert_non_null(m);
    return !(m->forbidden & (r->found | r->unknown));
}

/* 'bad' must show 'anomaly', violate 'violated' and keep 'kept' (may be
** NULL); 'good' (the repair) must be strict-serializable. */
static void expect(const char *bad, const char *good, txn_workload wl, const char *anomaly,
                   const char *violated, const char *kept)
{
    txn_result r;
    run(bad, wl, "read-uncommitted", NULL, &r, NULL);
    if (!(r.found & bit_of(anomaly)))
        fail_msg("%s not found (found %#x)", anomaly, r.found);
    assert_false(model_holds(&r, violated));
    if (kept != NULL && !model_holds(&r, kept))
        fail_msg("%s should hold with %s (found %#x)", kept, anomaly, r.found);
    assert_int_equal(run(good, wl, "serializable,strict-serializable", NULL, &r, NULL), CHECK_OK);
    assert_int_equal(r.found, 0);
}

static void test_txn_g0_write_cycle(void **state)
{
    (void)state;
    const char *common = TX(0, "[[:append 1 1] [:append 2 1]]", "[[:append 1 1] [:append 2 1]]")
                         TX(1, "[[:append 1 2] [:append 2 2]]", "[[:append 1 2] [:append 2 2]]");
    char bad[2048], good[2048];
    snprintf(bad, sizeof bad, "%s%s", common,
             TX(2, "[[:r 1 nil] [:r 2 nil]]", "[[:r 1 [1 2]] [:r 2 [2 1]]]"));
    snprintf(good, sizeof good, "%s%s", common,
             TX(2, "[[:r 1 nil] [:r 2 nil]]", "[[:r 1 [1 2]] [:r 2 [1 2]]]"));
    expect(bad, good, TXN_WL_APPEND, "G0", "read-uncommitted", NULL);
}

static void test_txn_g1a_aborted_read(void **state)
{
    (void)state;
    expect(INV(0, "[[:append 1 1]]") FAIL(0, "[[:append 1 1]]")
           TX(1, "[[:r 1 nil]]", "[[:r 1 [1]]]"),
           INV(0, "[[:append 1 1]]") FAIL(0, "[[:append 1 1]]")
           TX(1, "[[:r 1 nil]]", "[[:r 1 []]]"),
           TXN_WL_APPEND, "G1a", "read-committed", "read-uncommitted");
}

static void test_txn_g1b_intermediate_read(void **state)
{
    (void)state;
    expect(TX(0, "[[:append 1 1] [:append 1 2]]", "[[:append 1 1] [:append 1 2]]")
           TX(1, "[[:r 1 nil]]", "[[:r 1 [1]]]"),
           TX(0, "[[:append 1 1] [:append 1 2]]", "[[:append 1 1] [:append 1 2]]")
           TX(1, "[[:r 1 nil]]", "[[:r 1 [1 2]]]"),
           TXN_WL_APPEND, "G1b", "read-committed", "read-uncommitted");
}

static void test_txn_g1c_circular_information_flow(void **state)
{
    (void)state;
    expect(INV(0, "[[:append 1 1] [:r 2 nil]]") INV(1, "[[:append 2 1] [:r 1 nil]]")
           OK(0, "[[:append 1 1] [:r 2 [1]]]") OK(1, "[[:append 2 1] [:r 1 [1]]]"),
           INV(0, "[[:append 1 1] [:r 2 nil]]") INV(1, "[[:append 2 1] [:r 1 nil]]")
           OK(0, "[[:append 1 1] [:r 2 [1]]]") OK(1, "[[:append 2 1] [:r 1 []]]"),
           TXN_WL_APPEND, "G1c", "read-committed", "read-uncommitted");
}

static void test_txn_g_single_read_skew(void **state)
{
    (void)state;
    expect(INV(0, "[[:append 1 1] [:append 2 1]]") INV(1, "[[:r 1 nil] [:r 2 nil]]")
           OK(0, "[[:append 1 1] [:append 2 1]]") OK(1, "[[:r 1 [1]] [:r 2 []]]"),
           INV(0, "[[:append 1 1] [:append 2 1]]") INV(1, "[[:r 1 nil] [:r 2 nil]]")
           OK(0, "[[:append 1 1] [:append 2 1]]") OK(1, "[[:r 1 [1]] [:r 2 [1]]]"),
           TXN_WL_APPEND, "G-single", "snapshot-isolation", "read-committed");
}

/* T0 -rw-> T1 -wr-> T2 -rw-> T3 -wr-> T0: two rw edges, never adjacent. */
static void test_txn_g_nonadjacent(void **state)
{
    (void)state;
    const char *head = INV(0, "[[:r 1 nil] [:r 4 nil]]") INV(1, "[[:append 1 1] [:append 3 1]]")
                       INV(2, "[[:r 3 nil] [:r 2 nil]]") INV(3, "[[:append 2 1] [:append 4 1]]")
                       OK(0, "[[:r 1 []] [:r 4 [1]]]") OK(1, "[[:append 1 1] [:append 3 1]]")
                       OK(3, "[[:append 2 1] [:append 4 1]]");
    char bad[2048], good[2048];
    snprintf(bad, sizeof bad, "%s%s", head, OK(2, "[[:r 3 [1]] [:r 2 []]]"));
    snprintf(good, sizeof good, "%s%s", head, OK(2, "[[:r 3 [1]] [:r 2 [1]]]"));
    expect(bad, good, TXN_WL_APPEND, "G-nonadjacent", "snapshot-isolation", "read-committed");
}

/* Write skew: each reads both keys empty and appends to one. */
static void test_txn_g2_item_write_skew_is_snapshot_isolated(void **state)
{
    (void)state;
    expect(INV(0, "[[:r 1 nil] [:r 2 nil] [:append 1 1]]")
           INV(1, "[[:r 1 nil] [:r 2 nil] [:append 2 1]]")
           OK(0, "[[:r 1 []] [:r 2 []] [:append 1 1]]")
           OK(1, "[[:r 1 []] [:r 2 []] [:append 2 1]]"),
           INV(0, "[[:r 1 nil] [:r 2 nil] [:append 1 1]]")
           INV(1, "[[:r 1 nil] [:r 2 nil] [:append 2 1]]")
           OK(0, "[[:r 1 []] [:r 2 []] [:append 1 1]]")
           OK(1, "[[:r 1 [1]] [:r 2 []] [:append 2 1]]"),
           TXN_WL_APPEND, "G2-item", "serializable", "strong-session-snapshot-isolation");
}

/* One process appends, then does not see its own append. */
static void test_txn_g_single_process(void **state)
{
    (void)state;
    expect(TX(0, "[[:append 1 1]]", "[[:append 1 1]]") TX(0, "[[:r 1 nil]]", "[[:r 1 []]]"),
           TX(0, "[[:append 1 1]]", "[[:append 1 1]]") TX(0, "[[:r 1 nil]]", "[[:r 1 [1]]]"),
           TXN_WL_APPEND, "G-single-process", "strong-session-serializable", "serializable");
}

/* Another process, invoked after the append committed, does not see it:
** a stale read, and the append is lost. */
static void test_txn_g_single_realtime_and_lost_append(void **state)
{
    (void)state;
    const char *bad = TX(0, "[[:append 1 1]]", "[[:append 1 1]]")
                      TX(1, "[[:r 1 nil]]", "[[:r 1 []]]");
    expect(bad, TX(0, "[[:append 1 1]]", "[[:append 1 1]]") TX(1, "[[:r 1 nil]]", "[[:r 1 [1]]]"),
           TXN_WL_APPEND, "G-single-realtime", "strict-serializable",
           "strong-session-serializable");
    txn_result r;
    run(bad, TXN_WL_APPEND, "serializable", NULL, &r, NULL);
    assert_true(r.found & bit_of("lost-append"));
}

/* Appends one after the other in real time, read in the other order. */
static void test_txn_g0_realtime_and_process(void **state)
{
    (void)state;
    const char *bad = TX(0, "[[:append 1 1]]", "[[:append 1 1]]")
                      TX(1, "[[:append 1 2]]", "[[:append 1 2]]")
                      TX(2, "[[:r 1 nil]]", "[[:r 1 [2 1]]]");
    expect(bad, TX(0, "[[:append 1 1]]", "[[:append 1 1]]") TX(1, "[[:append 1 2]]", "[[:append 1 2]]")
           TX(2, "[[:r 1 nil]]", "[[:r 1 [1 2]]]"),
           TXN_WL_APPEND, "G0-realtime", "strict-serializable", "strong-session-serializable");
    expect(TX(0, "[[:append 1 1]]", "[[:append 1 1]]") TX(0, "[[:append 1 2]]", "[[:append 1 2]]")
           TX(2, "[[:r 1 nil]]", "[[:r 1 [2 1]]]"),
           TX(0, "[[:append 1 1]]", "[[:append 1 1]]") TX(0, "[[:append 1 2]]", "[[:append 1 2]]")
           TX(2, "[[:r 1 nil]]", "[[:r 1 [1 2]]]"),
           TXN_WL_APPEND, "G0-process", "strong-session-read-uncommitted", "serializable");
}

/* T0 -process-> T1 -wr-> T2 -wr-> T0, T2 spanning both. */
static void test_txn_g1c_process(void **state)
{
    (void)state;
    const char *head = INV(1, "[[:r 1 nil] [:append 2 1]]")
                       TX(0, "[[:r 2 nil]]", "[[:r 2 [1]]]")
                       TX(0, "[[:append 1 1]]", "[[:append 1 1]]");
    char bad[2048], good[2048];
    snprintf(bad, sizeof bad, "%s%s", head, OK(1, "[[:r 1 [1]] [:append 2 1]]"));
    snprintf(good, sizeof good, "%s%s", head, OK(1, "[[:r 1 []] [:append 2 1]]"));
    expect(bad, good, TXN_WL_APPEND, "G1c-process", "strong-session-read-committed",
           "serializable");
}

static void test_txn_internal_inconsistency(void **state)
{
    (void)state;
    expect(TX(0, "[[:append 1 1] [:r 1 nil]]", "[[:append 1 1] [:r 1 []]]"),
           TX(0, "[[:append 1 1] [:r 1 nil]]", "[[:append 1 1] [:r 1 [1]]]"), TXN_WL_APPEND,
           "internal", "read-uncommitted", NULL);
}

/* A re-read shows another committed version: read committed allows it,
** snapshot isolation does not. */
static void test_txn_non_repeatable_read(void **state)
{
    (void)state;
    const char *head = INV(0, "[[:r 1 nil] [:r 1 nil]]") TX(1, "[[:append 1 1]]", "[[:append 1 1]]");
    char bad[2048], good[2048];
    snprintf(bad, sizeof bad, "%s%s", head, OK(0, "[[:r 1 []] [:r 1 [1]]]"));
    snprintf(good, sizeof good, "%s%s", head, OK(0, "[[:r 1 []] [:r 1 []]]"));
    expect(bad, good, TXN_WL_APPEND, "non-repeatable-read", "snapshot-isolation",
           "read-committed");
}

static void test_txn_duplicate_elements(void **state)
{
    (void)state;
    expect(TX(0, "[[:append 1 1]]", "[[:append 1 1]]") TX(1, "[[:r 1 nil]]", "[[:r 1 [1 1]]]"),
           TX(0, "[[:append 1 1]]", "[[:append 1 1]]") TX(1, "[[:r 1 nil]]", "[[:r 1 [1]]]"),
           TXN_WL_APPEND, "duplicate-elements", "read-uncommitted", NULL);
}

static void test_txn_incompatible_order(void **state)
{
    (void)state;
    const char *w = TX(0, "[[:append 1 1]]", "[[:append 1 1]]")
                    TX(1, "[[:append 1 2]]", "[[:append 1 2]]")
                    TX(2, "[[:r 1 nil]]", "[[:r 1 [1 2]]]");
    char bad[2048], good[2048];
    snprintf(bad, sizeof bad, "%s%s", w, TX(3, "[[:r 1 nil]]", "[[:r 1 [2 1]]]"));
    snprintf(good, sizeof good, "%s%s", w, TX(3, "[[:r 1 nil]]", "[[:r 1 [1 2]]]"));
    expect(bad, good, TXN_WL_APPEND, "incompatible-order", "read-uncommitted", NULL);
}

static void test_txn_garbage_read(void **state)
{
    (void)state;
    expect(TX(0, "[[:append 1 1]]", "[[:append 1 1]]") TX(1, "[[:r 1 nil]]", "[[:r 1 [1 7]]]"),
           TX(0, "[[:append 1 1]]", "[[:append 1 1]]") TX(1, "[[:r 1 nil]]", "[[:r 1 [1]]]"),
           TXN_WL_APPEND, "garbage-read", "read-uncommitted", NULL);
}

/* An info transaction may have happened: its append, once read, counts. */
static void test_txn_info_transactions_count_when_observed(void **state)
{
    (void)state;
    txn_result r;
    const char *h = INV(0, "[[:append 1 1]]") INFO(0, "[[:append 1 1]]")
                    TX(1, "[[:r 1 nil]]", "[[:r 1 [1]]]");
    assert_int_equal(run(h, TXN_WL_APPEND, "strict-serializable", NULL, &r, NULL), CHECK_OK);
    const char *unseen = INV(0, "[[:append 1 1]]") INFO(0, "[[:append 1 1]]")
                         TX(1, "[[:r 1 nil]]", "[[:r 1 []]]");
    assert_int_equal(run(unseen, TXN_WL_APPEND, "strict-serializable", NULL, &r, NULL), CHECK_OK);
}

/* rw-register: read skew, aborted and intermediate reads, internal. */
static void test_txn_rw_register_anomalies(void **state)
{
    (void)state;
    expect(INV(0, "[[:w 1 1] [:w 2 1]]") INV(1, "[[:r 1 nil] [:r 2 nil]]")
           OK(0, "[[:w 1 1] [:w 2 1]]") OK(1, "[[:r 1 1] [:r 2 nil]]"),
           INV(0, "[[:w 1 1] [:w 2 1]]") INV(1, "[[:r 1 nil] [:r 2 nil]]")
           OK(0, "[[:w 1 1] [:w 2 1]]") OK(1, "[[:r 1 1] [:r 2 1]]"),
           TXN_WL_RW, "G-single", "snapshot-isolation", "read-committed");
    expect(INV(0, "[[:w 1 1]]") FAIL(0, "[[:w 1 1]]") TX(1, "[[:r 1 nil]]", "[[:r 1 1]]"),
           INV(0, "[[:w 1 1]]") FAIL(0, "[[:w 1 1]]") TX(1, "[[:r 1 nil]]", "[[:r 1 nil]]"),
           TXN_WL_RW, "G1a", "read-committed", NULL);
    expect(TX(0, "[[:w 1 1] [:w 1 2]]", "[[:w 1 1] [:w 1 2]]") TX(1, "[[:r 1 nil]]", "[[:r 1 1]]"),
           TX(0, "[[:w 1 1] [:w 1 2]]", "[[:w 1 1] [:w 1 2]]") TX(1, "[[:r 1 nil]]", "[[:r 1 2]]"),
           TXN_WL_RW, "G1b", "read-committed", NULL);
    expect(TX(0, "[[:w 1 1] [:r 1 nil]]", "[[:w 1 1] [:r 1 nil]]"),
           TX(0, "[[:w 1 1] [:r 1 nil]]", "[[:w 1 1] [:r 1 1]]"), TXN_WL_RW, "internal",
           "read-uncommitted", NULL);
}

/* Reconstructed from the G-single example in the README of Jepsen's Elle
** (keys 253, 255, 256): T1 did not see T2's append of 8 to 255, T3 saw
** it, and T1 appended 3 to 256 after T3's 4. Set-up transactions append
** the elements the reads show; a final read shows 256's whole order. */
static void test_txn_elle_readme_g_single(void **state)
{
    (void)state;
    const char *h =
        TX(9, "[[:append 253 1] [:append 255 2] [:append 256 1]]",
           "[[:append 253 1] [:append 255 2] [:append 256 1]]")
        TX(9, "[[:append 253 3] [:append 255 3] [:append 256 2]]",
           "[[:append 253 3] [:append 255 3] [:append 256 2]]")
        TX(9, "[[:append 253 4] [:append 255 4]]", "[[:append 253 4] [:append 255 4]]")
        TX(9, "[[:append 255 5]]", "[[:append 255 5]]")
        INV(1, "[[:append 250 10] [:r 253 nil] [:r 255 nil] [:append 256 3]]")
        INV(2, "[[:append 255 8] [:r 253 nil]]")
        INV(3, "[[:append 256 4] [:r 255 nil] [:r 256 nil] [:r 253 nil]]")
        OK(2, "[[:append 255 8] [:r 253 [1 3 4]]]")
        OK(3, "[[:append 256 4] [:r 255 [2 3 4 5 8]] [:r 256 [1 2 4]] [:r 253 [1 3 4]]]")
        OK(1, "[[:append 250 10] [:r 253 [1 3 4]] [:r 255 [2 3 4 5]] [:append 256 3]]")
        TX(4, "[[:r 256 nil]]", "[[:r 256 [1 2 4 3]]]");
    json_t *report = json_object();
    txn_result r;
    assert_int_equal(run(h, TXN_WL_APPEND, "serializable", NULL, &r, report), CHECK_VIOLATION);
    assert_true(r.found & bit_of("G-single"));
    assert_true(model_holds(&r, "read-committed"));
    json_t *ex = json_array_get(json_object_get(json_object_get(report, "anomalies"), "G-single"), 0);
    assert_int_equal(json_array_size(json_object_get(ex, "steps")), 3);
    char *s = json_dumps(ex, 0);
    assert_non_null(strstr(s, "T6 read key 255 = [2 3 4 5 8] and T5 appended 8, its last element, "
                              "so T5 < T6 (wr)"));
    assert_non_null(strstr(s, "T4 read key 255 = [2 3 4 5] and T5 appended 8 after 5, "
                              "so T4 < T5 (rw)"));
    assert_non_null(strstr(s, "T4 appended 3 to key 256 right after T6's 4"));
    free(s);
    json_decref(report);
}

/* The text explains each edge of the cycle in words, with its reason. */
static void test_txn_report_explains_each_edge(void **state)
{
    (void)state;
    json_t *report = json_object();
    txn_result r;
    run(INV(0, "[[:append 5 1] [:append 6 1]]") INV(1, "[[:r 5 nil] [:r 6 nil]]")
        OK(0, "[[:append 5 1] [:append 6 1]]") OK(1, "[[:r 5 [1]] [:r 6 []]]"),
        TXN_WL_APPEND, "serializable,read-committed", NULL, &r, report);
    assert_true(json_is_false(json_object_get(report, "valid")));
    assert_true(json_is_true(json_object_get(json_object_get(report, "models"), "read-committed")));
    char *s = json_dumps(report, 0);
    assert_non_null(strstr(s, "T1 read key 5 = [1] and T0 appended 1, its last element, so "
                              "T0 < T1 (wr)"));
    assert_non_null(strstr(s, "T1 read key 6 = [], all that was ever read of it, and T0 "
                              "appended 1, never read, so it came later: T1 < T0 (rw)"));
    assert_non_null(strstr(s, "\"strongest\": [\"strong-read-committed\"]"));
    free(s);
    json_decref(report);
}

/* A budget too small for the G-single search leaves snapshot isolation
** unknown, never ok; serializability is decided by the SCCs alone. */
static void test_txn_budget_gives_unknown_never_a_false_pass(void **state)
{
    (void)state;
    const char *skew = INV(0, "[[:r 1 nil] [:r 2 nil] [:append 1 1]]")
                       INV(1, "[[:r 1 nil] [:r 2 nil] [:append 2 1]]")
                       OK(0, "[[:r 1 []] [:r 2 []] [:append 1 1]]")
                       OK(1, "[[:r 1 []] [:r 2 []] [:append 2 1]]");
    check_budget b = {.states_max = 1};
    txn_result r;
    assert_int_equal(run(skew, TXN_WL_APPEND, "snapshot-isolation", &b, &r, NULL), CHECK_UNKNOWN);
    assert_int_equal(run(skew, TXN_WL_APPEND, "serializable", &b, &r, NULL), CHECK_VIOLATION);
    assert_int_equal(run(skew, TXN_WL_APPEND, "snapshot-isolation", NULL, &r, NULL), CHECK_OK);
}

static void bad_input(const char *text, txn_workload wl, const char *want)
{
    char err[512] = "";
    hist *h = hist_read(text, strlen(text), "t.edn", HIST_FMT_EDN, err, sizeof err);
    check_verdict v = h ? txn_check_hist(h, wl, NULL, NULL, NULL, NULL, err, sizeof err)
                        : CHECK_BAD_INPUT;
    hist_free(h);
    assert_int_equal(v, CHECK_BAD_INPUT);
    if (strstr(err, want) == NULL)
        fail_msg("expected '%s' in '%s'", want, err);
}

static void test_txn_bad_input_names_the_line(void **state)
{
    (void)state;
    bad_input(TX(0, "[[:append 1 1]]", "[[:append 1 1]]")
              "{:process 1 :type :invoke :f :read :value nil}\n",
              TXN_WL_APPEND, "t.edn:3: expected an operation \"txn\"");
    bad_input(TX(0, "[[:append 1 1]]", "[[:append 1 1] [:r 1 [1]]]"), TXN_WL_APPEND,
              "t.edn:2: expected a completion with as many micro-operations");
    bad_input(TX(0, "[[:w 1 1]]", "[[:w 1 1]]"), TXN_WL_APPEND, "t.edn:2: expected no \"w\"");
    bad_input(TX(0, "[[:append 1 1]]", "[[:append 1 1]]") TX(1, "[[:append 1 1]]", "[[:append 1 1]]"),
              TXN_WL_APPEND, "t.edn:3: expected unique writes per key");
    bad_input(TX(0, "[[:r 1 nil]]", "[[:r 1 5]]"), TXN_WL_APPEND,
              "t.edn:2: expected a read result that is nil or a list");
    bad_input(TX(0, "[[:incr 1 1]]", "[[:incr 1 1]]"), TXN_WL_APPEND,
              "expected a micro-operation named");
    char err[512];
    hist *h = hist_new("x");
    assert_int_equal(txn_check_hist(h, TXN_WL_APPEND, "serializable,linearizable", NULL, NULL,
                                    NULL, err, sizeof err), CHECK_BAD_INPUT);
    assert_non_null(strstr(err, "unknown consistency model 'linearizable' (known: "
                                "read-uncommitted"));
    assert_int_equal(txn_check_hist(h, TXN_WL_APPEND, NULL, NULL, NULL, NULL, err, sizeof err),
                     CHECK_OK);   /* nothing happened: nothing to refute */
    hist_free(h);
}

/* dsim's own JSON shape takes the reader's fast path; the same lines with
** spaces go through jansson: both must give the same events. */
static void test_txn_json_fast_path_reads_like_the_general_reader(void **state)
{
    (void)state;
    const char *fast =
        "{\"process\":0,\"type\":\"invoke\",\"f\":\"txn\",\"value\":[[\"append\",5,1],[\"r\",\"k\",null]],\"time\":7}\n"
        "{\"process\":0,\"type\":\"ok\",\"f\":\"txn\",\"value\":[[\"append\",5,1],[\"r\",\"k\",[1,-2,[]]]],\"time\":9}\n";
    const char *slow =
        "{\"process\": 0, \"type\": \"invoke\", \"f\": \"txn\", \"value\": [[\"append\", 5, 1], [\"r\", \"k\", null]], \"time\": 7}\n"
        "{\"process\": 0, \"type\": \"ok\", \"f\": \"txn\", \"value\": [[\"append\", 5, 1], [\"r\", \"k\", [1, -2, []]]], \"time\": 9}\n";
    char err[256], a[256], b[256];
    hist *hf = hist_read(fast, strlen(fast), "f", HIST_FMT_JSON, err, sizeof err);
    hist *hs = hist_read(slow, strlen(slow), "s", HIST_FMT_JSON, err, sizeof err);
    assert_non_null(hf);
    assert_non_null(hs);
    assert_int_equal(hf->count, hs->count);
    for (size_t i = 0; i < hf->count; i++) {
        hist_value_format(hf->events[i].value, a, sizeof a);
        hist_value_format(hs->events[i].value, b, sizeof b);
        assert_string_equal(a, b);
        assert_int_equal(hf->events[i].time, hs->events[i].time);
        assert_string_equal(hf->events[i].f, hs->events[i].f);
    }
    assert_string_equal(a, "[[\"append\",5,1],[\"r\",\"k\",[1,-2,[]]]]");
    hist_free(hf);
    hist_free(hs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_txn_g0_write_cycle),
        cmocka_unit_test(test_txn_g1a_aborted_read),
        cmocka_unit_test(test_txn_g1b_intermediate_read),
        cmocka_unit_test(test_txn_g1c_circular_information_flow),
        cmocka_unit_test(test_txn_g_single_read_skew),
        cmocka_unit_test(test_txn_g_nonadjacent),
        cmocka_unit_test(test_txn_g2_item_write_skew_is_snapshot_isolated),
        cmocka_unit_test(test_txn_g_single_process),
        cmocka_unit_test(test_txn_g_single_realtime_and_lost_append),
        cmocka_unit_test(test_txn_g0_realtime_and_process),
        cmocka_unit_test(test_txn_g1c_process),
        cmocka_unit_test(test_txn_internal_inconsistency),
        cmocka_unit_test(test_txn_non_repeatable_read),
        cmocka_unit_test(test_txn_duplicate_elements),
        cmocka_unit_test(test_txn_incompatible_order),
        cmocka_unit_test(test_txn_garbage_read),
        cmocka_unit_test(test_txn_info_transactions_count_when_observed),
        cmocka_unit_test(test_txn_rw_register_anomalies),
        cmocka_unit_test(test_txn_elle_readme_g_single),
        cmocka_unit_test(test_txn_report_explains_each_edge),
        cmocka_unit_test(test_txn_budget_gives_unknown_never_a_false_pass),
        cmocka_unit_test(test_txn_bad_input_names_the_line),
        cmocka_unit_test(test_txn_json_fast_path_reads_like_the_general_reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

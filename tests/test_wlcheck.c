/*
** test_wlcheck.c — unit tests of the workload checkers (sim/check/
** counter.c, set_full.c, queue_total.c, and the Elle shape check) on
** hand-made histories that must pass and must fail.
**
** Each history is a few JSON lines written out here, in the shape dsim's
** clients record; every failing one names the rule it breaks.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "check.h"

#define L(p, t, f, v) "{\"process\":" #p ",\"type\":\"" t "\",\"f\":\"" f "\",\"value\":" v "}\n"

typedef check_verdict (*checker)(const char *, size_t, const char *, const char *, json_t *, char *, size_t);

static check_verdict run(checker c, const char *text, json_t **report)
{
    char err[256] = "";
    *report = json_object();
    check_verdict v = c(text, strlen(text), "h", "json", *report, err, sizeof err);
    if (v == CHECK_BAD_INPUT)
        json_object_set_new(*report, "error", json_string(err));
    return v;
}

static const char *rule(const json_t *report)
{
    const char *r = json_string_value(json_object_get(report, "rule"));
    return r ? r : "";
}

static void test_counter_reads_between_acknowledged_and_attempted_sums_pass(void **st)
{
    (void)st;
    json_t *r;
    const char *h = L(0, "invoke", "add", "2") L(0, "ok", "add", "2")
                    L(1, "invoke", "add", "3")                       /* never completes */
                    L(0, "invoke", "read", "null") L(0, "ok", "read", "5")
                    L(2, "invoke", "read", "null") L(2, "ok", "read", "2");
    assert_int_equal(run(check_counter, h, &r), CHECK_OK);
    assert_int_equal(json_integer_value(json_object_get(r, "reads")), 2);
    json_decref(r);
}

static void test_counter_read_below_the_acknowledged_sum_fails(void **st)
{
    (void)st;
    json_t *r;
    const char *h = L(0, "invoke", "add", "2") L(0, "ok", "add", "2")
                    L(0, "invoke", "read", "null") L(0, "ok", "read", "1");
    assert_int_equal(run(check_counter, h, &r), CHECK_VIOLATION);
    assert_non_null(strstr(rule(r), "between the acknowledged and the attempted sums"));
    json_t *e = json_array_get(json_object_get(r, "errors"), 0);
    assert_int_equal(json_integer_value(json_object_get(e, "lower")), 2);
    json_decref(r);
}

static void test_counter_read_above_the_attempted_sum_and_failed_adds_fail(void **st)
{
    (void)st;
    json_t *r;
    const char *h = L(0, "invoke", "add", "2") L(0, "fail", "add", "2")
                    L(1, "invoke", "add", "-1") L(1, "info", "add", "-1")
                    L(0, "invoke", "read", "null") L(0, "ok", "read", "2");
    assert_int_equal(run(check_counter, h, &r), CHECK_VIOLATION);   /* bounds are [-1, 0] */
    json_decref(r);
    const char *ok = L(1, "invoke", "add", "-1") L(1, "info", "add", "-1")
                     L(0, "invoke", "read", "null") L(0, "ok", "read", "-1");
    assert_int_equal(run(check_counter, ok, &r), CHECK_OK);
    json_decref(r);
    assert_int_equal(run(check_counter, L(0, "invoke", "add", "\"x\"") L(0, "ok", "add", "\"x\""), &r),
                     CHECK_BAD_INPUT);
    json_decref(r);
}

static check_verdict set_full(const char *t, size_t n, const char *s, const char *f, json_t *r,
                              char *e, size_t c)
{
    return check_set_full(t, n, s, f, false, r, e, c);
}

static check_verdict set_full_lin(const char *t, size_t n, const char *s, const char *f, json_t *r,
                                  char *e, size_t c)
{
    return check_set_full(t, n, s, f, true, r, e, c);
}

static void test_set_full_stable_elements_pass(void **st)
{
    (void)st;
    json_t *r;
    const char *h = L(0, "invoke", "add", "1") L(0, "ok", "add", "1")
                    L(1, "invoke", "add", "2") L(1, "info", "add", "2")   /* unknown, seen */
                    L(0, "invoke", "read", "null") L(0, "ok", "read", "[2,1]")
                    L(0, "invoke", "read", "null") L(0, "ok", "read", "[1,2]");
    assert_int_equal(run(set_full_lin, h, &r), CHECK_OK);
    assert_int_equal(json_integer_value(json_object_get(r, "stable")), 2);
    json_decref(r);
}

static void test_set_full_lost_element_fails(void **st)
{
    (void)st;
    json_t *r;
    const char *h = L(0, "invoke", "add", "1") L(0, "ok", "add", "1")
                    L(0, "invoke", "read", "null") L(0, "ok", "read", "[1]")
                    L(0, "invoke", "read", "null") L(0, "ok", "read", "[]");
    assert_int_equal(run(set_full, h, &r), CHECK_VIOLATION);
    assert_int_equal(json_integer_value(json_object_get(r, "lost")), 1);
    assert_non_null(strstr(rule(r), "never lost"));
    json_decref(r);
}

static void test_set_full_stale_read_passes_eventually_and_fails_linearizably(void **st)
{
    (void)st;
    json_t *r;
    const char *h = L(0, "invoke", "add", "1") L(0, "ok", "add", "1")
                    L(0, "invoke", "read", "null") L(0, "ok", "read", "[]")
                    L(0, "invoke", "read", "null") L(0, "ok", "read", "[1]");
    assert_int_equal(run(set_full, h, &r), CHECK_OK);
    assert_int_equal(json_integer_value(json_object_get(r, "stale")), 1);
    json_decref(r);
    assert_int_equal(run(set_full_lin, h, &r), CHECK_VIOLATION);
    assert_non_null(strstr(rule(r), "linearizable"));
    json_decref(r);
}

/* A remove that may have seen an add excuses the element's absence; one
** that ended before an add (of the element again) began does not: that
** add is lost, as a "remove wins" set loses it. A failed add beside an ok
** one of the same element is no "failed element seen". */
static void test_set_full_removes_excuse_only_adds_they_may_have_seen(void **st)
{
    (void)st;
    json_t *r;
    const char *h = L(0, "invoke", "add", "1") L(0, "ok", "add", "1")
                    L(0, "invoke", "read", "null") L(0, "ok", "read", "[1]")
                    L(1, "invoke", "remove", "1") L(1, "ok", "remove", "1")
                    L(0, "invoke", "read", "null") L(0, "ok", "read", "[]");
    assert_int_equal(run(set_full_lin, h, &r), CHECK_OK);
    assert_int_equal(json_integer_value(json_object_get(r, "removes")), 1);
    json_decref(r);
    h = L(0, "invoke", "add", "1") L(0, "ok", "add", "1")
        L(1, "invoke", "remove", "1") L(1, "ok", "remove", "1")
        L(0, "invoke", "add", "1") L(0, "ok", "add", "1")        /* again, after the remove */
        L(0, "invoke", "read", "null") L(0, "ok", "read", "[]");
    assert_int_equal(run(set_full, h, &r), CHECK_VIOLATION);
    assert_int_equal(json_integer_value(json_object_get(r, "lost")), 1);
    json_decref(r);
    h = L(0, "invoke", "add", "1") L(0, "ok", "add", "1")
        L(1, "invoke", "remove", "1")                           /* concurrent with the re-add */
        L(0, "invoke", "add", "1") L(0, "ok", "add", "1")
        L(1, "info", "remove", "1")
        L(0, "invoke", "read", "null") L(0, "ok", "read", "[]");
    assert_int_equal(run(set_full, h, &r), CHECK_OK);
    json_decref(r);
    h = L(0, "invoke", "add", "1") L(0, "fail", "add", "1")
        L(0, "invoke", "add", "1") L(0, "ok", "add", "1")
        L(0, "invoke", "read", "null") L(0, "ok", "read", "[1]");
    assert_int_equal(run(set_full_lin, h, &r), CHECK_OK);
    json_decref(r);
    h = L(0, "invoke", "add", "1") L(0, "ok", "add", "1")
        L(1, "invoke", "remove", "1") L(1, "fail", "remove", "1")   /* did not happen */
        L(0, "invoke", "read", "null") L(0, "ok", "read", "[]");
    assert_int_equal(run(set_full, h, &r), CHECK_VIOLATION);
    json_decref(r);
}

static void test_set_full_unexpected_and_failed_elements_fail(void **st)
{
    (void)st;
    json_t *r;
    const char *h = L(0, "invoke", "add", "1") L(0, "fail", "add", "1")
                    L(0, "invoke", "read", "null") L(0, "ok", "read", "[1]");
    assert_int_equal(run(set_full, h, &r), CHECK_VIOLATION);
    json_decref(r);
    h = L(0, "invoke", "read", "null") L(0, "ok", "read", "[9]");
    assert_int_equal(run(set_full, h, &r), CHECK_VIOLATION);
    assert_non_null(strstr(rule(r), "no add attempted"));
    json_decref(r);
}

static void test_total_queue_drained_history_passes(void **st)
{
    (void)st;
    json_t *r;
    const char *h = L(0, "invoke", "enqueue", "1") L(0, "ok", "enqueue", "1")
                    L(1, "invoke", "enqueue", "2") L(1, "info", "enqueue", "2")
                    L(0, "invoke", "dequeue", "null") L(0, "ok", "dequeue", "2")
                    L(0, "invoke", "dequeue", "null") L(0, "ok", "dequeue", "1")
                    L(0, "invoke", "dequeue", "null") L(0, "ok", "dequeue", "null");
    assert_int_equal(run(check_total_queue, h, &r), CHECK_OK);
    json_decref(r);
}

static void test_total_queue_lost_duplicated_and_unexpected_fail(void **st)
{
    (void)st;
    json_t *r;
    const char *lost = L(0, "invoke", "enqueue", "1") L(0, "ok", "enqueue", "1");
    assert_int_equal(run(check_total_queue, lost, &r), CHECK_VIOLATION);
    assert_non_null(strstr(rule(r), "every acknowledged enqueue is dequeued"));
    json_decref(r);
    /* an unknown dequeue may have taken the value: not a violation */
    const char *maybe = L(0, "invoke", "enqueue", "1") L(0, "ok", "enqueue", "1")
                        L(1, "invoke", "dequeue", "null") L(1, "info", "dequeue", "null");
    assert_int_equal(run(check_total_queue, maybe, &r), CHECK_OK);
    json_decref(r);
    const char *dup = L(0, "invoke", "enqueue", "1") L(0, "ok", "enqueue", "1")
                      L(0, "invoke", "dequeue", "null") L(0, "ok", "dequeue", "1")
                      L(0, "invoke", "dequeue", "null") L(0, "ok", "dequeue", "1");
    assert_int_equal(run(check_total_queue, dup, &r), CHECK_VIOLATION);
    assert_non_null(strstr(rule(r), "twice"));
    json_decref(r);
    const char *ux = L(0, "invoke", "dequeue", "null") L(0, "ok", "dequeue", "7");
    assert_int_equal(run(check_total_queue, ux, &r), CHECK_VIOLATION);
    assert_non_null(strstr(rule(r), "was enqueued"));
    json_decref(r);
}

static check_verdict elle(const char *t, size_t n, const char *s, const char *f, json_t *r, char *e,
                          size_t c)
{
    return check_elle_shape(t, n, s, f, r, e, c);
}

static void test_elle_shape_accepts_txns_and_names_what_is_wrong(void **st)
{
    (void)st;
    json_t *r;
    const char *h = L(0, "invoke", "txn", "[[\"append\",3,1],[\"r\",4,null]]")
                    L(0, "ok", "txn", "[[\"append\",3,1],[\"r\",4,[1,2]]]");
    assert_int_equal(run(elle, h, &r), CHECK_OK);
    assert_int_equal(json_integer_value(json_object_get(r, "mops")), 2);
    json_decref(r);
    h = L(0, "invoke", "txn", "[[\"append\",3]]") L(0, "ok", "txn", "[[\"append\",3]]");
    assert_int_equal(run(elle, h, &r), CHECK_BAD_INPUT);
    assert_non_null(strstr(json_string_value(json_object_get(r, "error")), "h:1: expected a micro-operation"));
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counter_reads_between_acknowledged_and_attempted_sums_pass),
        cmocka_unit_test(test_counter_read_below_the_acknowledged_sum_fails),
        cmocka_unit_test(test_counter_read_above_the_attempted_sum_and_failed_adds_fail),
        cmocka_unit_test(test_set_full_stable_elements_pass),
        cmocka_unit_test(test_set_full_lost_element_fails),
        cmocka_unit_test(test_set_full_stale_read_passes_eventually_and_fails_linearizably),
        cmocka_unit_test(test_set_full_unexpected_and_failed_elements_fail),
        cmocka_unit_test(test_set_full_removes_excuse_only_adds_they_may_have_seen),
        cmocka_unit_test(test_total_queue_drained_history_passes),
        cmocka_unit_test(test_total_queue_lost_duplicated_and_unexpected_fail),
        cmocka_unit_test(test_elle_shape_accepts_txns_and_names_what_is_wrong),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
** test_session.c — the session-guarantees checker (sim/check/session*.c)
** on hand-made histories: each guarantee violated alone (the others kept),
** one violated only by two guarantees together, all kept, and bad input.
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
#define K(p, t, f, k, v) "{\"process\":" #p ",\"type\":\"" t "\",\"f\":\"" f "\",\"key\":\"" k "\",\"value\":" v "}\n"
#define OP(p, f, in, out) L(p, "invoke", f, in) L(p, "ok", f, out)

static check_verdict run(const char *text, json_t **report)
{
    char err[256] = "";
    *report = json_object();
    check_verdict v = check_session(text, strlen(text), "h", "json", *report, err, sizeof err);
    if (v == CHECK_BAD_INPUT)
        json_object_set_new(*report, "error", json_string(err));
    return v;
}

static bool holds(const json_t *r, const char *g)
{
    return json_is_true(json_object_get(json_object_get(json_object_get(r, "guarantees"), g), "valid"));
}

/* Exactly 'violated' (or none: NULL) fails among the five. */
static void only(const char *text, const char *violated)
{
    static const char *const all[] = {"read-your-writes", "monotonic-reads", "monotonic-writes",
                                      "writes-follow-reads", "consistent-prefix"};
    json_t *r;
    assert_int_equal(run(text, &r), violated ? CHECK_VIOLATION : CHECK_OK);
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        assert_int_equal(holds(r, all[i]), violated == NULL || strcmp(all[i], violated) != 0);
    if (violated) {
        const json_t *g = json_object_get(json_object_get(r, "guarantees"), violated);
        assert_true(json_array_size(json_object_get(g, "ops")) > 0);
        assert_true(json_array_size(json_object_get(g, "edges")) > 0);
        assert_string_equal(json_string_value(json_array_get(json_object_get(r, "violated"), 0)), violated);
    }
    json_decref(r);
}

static void test_all_guarantees_kept_in_a_history_with_cas_keys_and_snapshots(void **st)
{
    (void)st;
    only(OP(0, "write", "1", "1") OP(0, "read", "null", "1") OP(1, "read", "null", "1")
         OP(1, "cas", "[1,2]", "[1,2]") OP(0, "read", "null", "2") OP(1, "write", "3", "3")
         OP(2, "read", "null", "null") OP(2, "read", "null", "3")
         K(3, "invoke", "write", "k1", "7") K(3, "ok", "write", "k1", "7")
         OP(4, "txn", "[[\"w\",\"x\",1]]", "[[\"w\",\"x\",1]]")
         OP(4, "txn", "[[\"w\",\"y\",1]]", "[[\"w\",\"y\",1]]")
         OP(5, "txn", "[[\"r\",\"x\",null],[\"r\",\"y\",null]]", "[[\"r\",\"x\",1],[\"r\",\"y\",null]]")
         OP(5, "txn", "[[\"r\",\"x\",null],[\"r\",\"y\",null]]", "[[\"r\",\"x\",1],[\"r\",\"y\",1]]"),
         NULL);
}

static void test_a_read_of_the_initial_value_after_the_sessions_write_violates_read_your_writes(void **st)
{
    (void)st;
    only(OP(0, "write", "1", "1") OP(0, "read", "null", "null"), "read-your-writes");
}

static void test_reading_2_then_1_then_2_violates_monotonic_reads(void **st)
{
    (void)st;
    only(OP(1, "write", "1", "1") OP(2, "write", "2", "2")
         OP(0, "read", "null", "2") OP(0, "read", "null", "1") OP(0, "read", "null", "2"),
         "monotonic-reads");
}

static void test_a_cas_that_saw_the_sessions_later_write_first_violates_monotonic_writes(void **st)
{
    (void)st;
    /* p0's cas swapped 2 for 1, so 2 was in place before 1; p0 wrote 1 first */
    only(OP(0, "cas", "[2,1]", "[2,1]") OP(0, "write", "2", "2"), "monotonic-writes");
}

static void test_writing_1_after_reading_2_when_a_cas_put_1_before_2_violates_writes_follow_reads(void **st)
{
    (void)st;
    only(OP(1, "write", "5", "5") OP(0, "read", "null", "2") OP(0, "write", "1", "1")
         OP(1, "cas", "[1,2]", "[1,2]"), "writes-follow-reads");
}

static void test_a_snapshot_that_sees_a_later_write_without_an_earlier_one_violates_consistent_prefix(void **st)
{
    (void)st;
    only(OP(0, "txn", "[[\"w\",\"x\",1]]", "[[\"w\",\"x\",1]]")
         OP(0, "txn", "[[\"w\",\"y\",1]]", "[[\"w\",\"y\",1]]")
         OP(1, "txn", "[[\"r\",\"x\",null],[\"r\",\"y\",null]]", "[[\"r\",\"x\",null],[\"r\",\"y\",1]]"),
         "consistent-prefix");
}

static void test_a_transaction_that_reads_its_own_write_midway_is_no_snapshot(void **st)
{
    (void)st;
    /* found on Raft's txn-rw runs: y's read follows the txn's own write of x */
    only(OP(0, "txn", "[[\"w\",\"x\",1]]", "[[\"w\",\"x\",1]]")
         OP(1, "txn", "[[\"r\",\"x\",null],[\"w\",\"x\",2],[\"w\",\"y\",1],[\"r\",\"y\",null]]",
            "[[\"r\",\"x\",1],[\"w\",\"x\",2],[\"w\",\"y\",1],[\"r\",\"y\",1]]"), NULL);
}

static void test_two_writes_read_backwards_by_another_session_break_the_four_only_together(void **st)
{
    (void)st;
    json_t *r;
    const char *h = OP(0, "write", "1", "1") OP(0, "write", "2", "2")
                    OP(1, "read", "null", "2") OP(1, "read", "null", "1");
    assert_int_equal(run(h, &r), CHECK_VIOLATION);
    assert_int_equal(json_array_size(json_object_get(r, "violated")), 0);
    assert_false(holds(r, "together"));
    json_decref(r);
}

static void test_keys_are_separate_registers_and_failed_ops_did_not_happen(void **st)
{
    (void)st;
    only(K(0, "invoke", "write", "a", "1") K(0, "ok", "write", "a", "1")
         K(0, "invoke", "read", "b", "null") K(0, "ok", "read", "b", "null")
         K(0, "invoke", "write", "a", "2") K(0, "fail", "write", "a", "2")
         K(0, "invoke", "read", "a", "null") K(0, "ok", "read", "a", "1"), NULL);
}

static void test_an_info_write_read_by_another_session_is_a_version(void **st)
{
    (void)st;
    only(L(0, "invoke", "write", "1") L(0, "info", "write", "1")
         OP(1, "read", "null", "1") OP(1, "read", "null", "null"), "monotonic-reads");
}

static void test_other_operations_are_bad_input_naming_the_line(void **st)
{
    (void)st;
    json_t *r;
    assert_int_equal(run(OP(0, "add", "1", "1"), &r), CHECK_BAD_INPUT);
    assert_non_null(strstr(json_string_value(json_object_get(r, "error")), "h:1: expected read, write, cas or txn"));
    json_decref(r);
    assert_int_equal(run(OP(0, "txn", "[[\"append\",\"x\",1]]", "[[\"append\",\"x\",1]]"), &r), CHECK_BAD_INPUT);
    json_decref(r);
    assert_int_equal(run("", &r), CHECK_OK);
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_guarantees_kept_in_a_history_with_cas_keys_and_snapshots),
        cmocka_unit_test(test_a_read_of_the_initial_value_after_the_sessions_write_violates_read_your_writes),
        cmocka_unit_test(test_reading_2_then_1_then_2_violates_monotonic_reads),
        cmocka_unit_test(test_a_cas_that_saw_the_sessions_later_write_first_violates_monotonic_writes),
        cmocka_unit_test(test_writing_1_after_reading_2_when_a_cas_put_1_before_2_violates_writes_follow_reads),
        cmocka_unit_test(test_a_snapshot_that_sees_a_later_write_without_an_earlier_one_violates_consistent_prefix),
        cmocka_unit_test(test_a_transaction_that_reads_its_own_write_midway_is_no_snapshot),
        cmocka_unit_test(test_two_writes_read_backwards_by_another_session_break_the_four_only_together),
        cmocka_unit_test(test_keys_are_separate_registers_and_failed_ops_did_not_happen),
        cmocka_unit_test(test_an_info_write_read_by_another_session_is_a_version),
        cmocka_unit_test(test_other_operations_are_bad_input_naming_the_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

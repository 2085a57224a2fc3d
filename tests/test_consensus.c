/*
** test_consensus.c — the consensus checker (sim/check/consensus.c): one
** value learnt by everyone passes; two clients learning different values
** break agreement (both learnings reported); a value nobody proposed
** breaks validity; fail and info operations, and nil reads, teach
** nothing; a malformed history is refused.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "check.h"

static check_verdict run(const char *text, json_t **report)
{
    char err[256] = "";
    *report = json_object();
    return check_consensus(text, strlen(text), "test", *report, err, sizeof err);
}

#define INV(p, f, v) "{\"process\":" #p ",\"type\":\"invoke\",\"f\":\"" f "\",\"value\":" v "}\n"
#define DONE(p, t, f, v) "{\"process\":" #p ",\"type\":\"" t "\",\"f\":\"" f "\",\"value\":" v "}\n"

static void test_consensus_one_value_learnt_by_all_passes(void **state)
{
    (void)state;
    json_t *rep;
    const char *h = INV(0, "write", "10") INV(1, "write", "20") DONE(0, "ok", "write", "10")
        DONE(1, "fail", "write", "20") INV(2, "read", "null") DONE(2, "ok", "read", "10");
    assert_int_equal(run(h, &rep), CHECK_OK);
    assert_true(json_is_true(json_object_get(rep, "valid")));
    assert_int_equal(json_integer_value(json_object_get(rep, "value")), 10);
    assert_int_equal(json_integer_value(json_object_get(rep, "learners")), 2);
    json_decref(rep);
}

static void test_consensus_two_values_learnt_break_agreement(void **state)
{
    (void)state;
    json_t *rep;
    const char *h = INV(0, "write", "10") INV(1, "write", "20") DONE(0, "ok", "write", "10")
        DONE(1, "ok", "write", "20");
    assert_int_equal(run(h, &rep), CHECK_VIOLATION);
    assert_true(json_is_false(json_object_get(rep, "valid")));
    assert_non_null(strstr(json_string_value(json_object_get(rep, "violation")), "Agreement"));
    assert_int_equal(json_array_size(json_object_get(rep, "learnt")), 2);
    json_decref(rep);
}

static void test_consensus_unproposed_value_breaks_validity(void **state)
{
    (void)state;
    json_t *rep;
    const char *h = INV(0, "write", "10") DONE(0, "info", "write", "10") INV(1, "read", "null")
        DONE(1, "ok", "read", "99");
    assert_int_equal(run(h, &rep), CHECK_VIOLATION);
    assert_non_null(strstr(json_string_value(json_object_get(rep, "violation")), "Validity"));
    json_decref(rep);
}

static void test_consensus_fail_info_and_nil_reads_teach_nothing(void **state)
{
    (void)state;
    json_t *rep;
    const char *h = INV(0, "write", "10") DONE(0, "info", "write", "10") INV(1, "write", "20")
        DONE(1, "fail", "write", "20") INV(2, "read", "null") DONE(2, "ok", "read", "null");
    assert_int_equal(run(h, &rep), CHECK_OK);
    assert_int_equal(json_integer_value(json_object_get(rep, "learners")), 0);
    json_decref(rep);
    assert_int_equal(run("", &rep), CHECK_OK);
    json_decref(rep);
}

static void test_consensus_malformed_history_is_refused(void **state)
{
    (void)state;
    json_t *rep;
    assert_int_equal(run("{\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"value\":1}\n", &rep),
                     CHECK_BAD_INPUT);
    json_decref(rep);
    assert_int_equal(run("not json\n", &rep), CHECK_BAD_INPUT);
    json_decref(rep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_consensus_one_value_learnt_by_all_passes),
        cmocka_unit_test(test_consensus_two_values_learnt_break_agreement),
        cmocka_unit_test(test_consensus_unproposed_value_breaks_validity),
        cmocka_unit_test(test_consensus_fail_info_and_nil_reads_teach_nothing),
        cmocka_unit_test(test_consensus_malformed_history_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

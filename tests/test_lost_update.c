/*
** test_lost_update.c — the lost-update checker (sim/check/lost_update.c)
** on hand-made register histories: a write overwritten by a later one is
** not lost; a final read of a value the write had overwritten is (LWW
** with a skewed clock); stale reads before a fresh last read are allowed;
** with every_read, any read after a write is judged; concurrent writes
** may win; an unacknowledged write never counts as
** finished; reads of unknown values and other operations are bad input.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "check.h"

#define L(p, t, f, v) "{\"process\":" #p ",\"type\":\"" t "\",\"f\":\"" f "\",\"value\":" v "}\n"

static check_verdict run_mode(const char *text, bool every_read, json_t **report)
{
    char err[256] = "";
    *report = json_object();
    check_verdict v = check_lost_update(text, strlen(text), "h", "json", every_read, *report, err,
                                        sizeof err);
    if (v == CHECK_BAD_INPUT)
        json_object_set_new(*report, "error", json_string(err));
    return v;
}

static check_verdict run(const char *text, json_t **report)
{
    return run_mode(text, false, report);
}

static void test_sequential_overwrites_are_not_lost(void **state)
{
    (void)state;
    json_t *rep;
    assert_int_equal(run(L(0, "invoke", "write", "1") L(0, "ok", "write", "1")
                         L(1, "invoke", "write", "2") L(1, "ok", "write", "2")
                         L(0, "invoke", "read", "null") L(0, "ok", "read", "2"), &rep), CHECK_OK);
    assert_int_equal(json_integer_value(json_object_get(rep, "judged")), 2);
    json_decref(rep);
}

static void test_a_final_read_of_an_overwritten_value_is_a_lost_write(void **state)
{
    (void)state;
    json_t *rep;
    /* 2 began after 1 was acknowledged, yet the last read returns 1 */
    assert_int_equal(run(L(0, "invoke", "write", "1") L(0, "ok", "write", "1")
                         L(1, "invoke", "write", "2") L(1, "ok", "write", "2")
                         L(0, "invoke", "read", "null") L(0, "ok", "read", "1"), &rep), CHECK_VIOLATION);
    assert_int_equal(json_integer_value(json_object_get(rep, "lost")), 1);
    json_t *e = json_array_get(json_object_get(rep, "examples"), 0);
    assert_int_equal(json_integer_value(json_object_get(e, "write")), 2);
    assert_int_equal(json_integer_value(json_object_get(e, "read")), 1);
    json_decref(rep);
    /* a final read of nothing forgets every acknowledged write */
    assert_int_equal(run(L(0, "invoke", "write", "1") L(0, "ok", "write", "1")
                         L(0, "invoke", "read", "null") L(0, "ok", "read", "null"), &rep), CHECK_VIOLATION);
    json_decref(rep);
}

static void test_stale_reads_before_a_fresh_last_read_are_allowed(void **state)
{
    (void)state;
    json_t *rep;
    assert_int_equal(run(L(0, "invoke", "write", "1") L(0, "ok", "write", "1")
                         L(1, "invoke", "write", "2") L(1, "ok", "write", "2")
                         L(0, "invoke", "read", "null") L(0, "ok", "read", "1")
                         L(0, "invoke", "read", "null") L(0, "ok", "read", "2"), &rep), CHECK_OK);
    json_decref(rep);
}

static void test_every_read_judges_the_reads_before_the_last_too(void **state)
{
    (void)state;
    json_t *rep;
    /* 2 was dropped (a read after it returns 1), then 3 overwrote both */
    const char *h = L(0, "invoke", "write", "1") L(0, "ok", "write", "1")
                    L(1, "invoke", "write", "2") L(1, "ok", "write", "2")
                    L(0, "invoke", "read", "null") L(0, "ok", "read", "1")
                    L(1, "invoke", "write", "3") L(1, "ok", "write", "3")
                    L(0, "invoke", "read", "null") L(0, "ok", "read", "3");
    assert_int_equal(run(h, &rep), CHECK_OK);   /* the final state holds the latest */
    json_decref(rep);
    assert_int_equal(run_mode(h, true, &rep), CHECK_VIOLATION);
    json_t *e = json_array_get(json_object_get(rep, "examples"), 0);
    assert_int_equal(json_integer_value(json_object_get(e, "write")), 2);
    assert_int_equal(json_integer_value(json_object_get(e, "read")), 1);
    json_decref(rep);
}

static void test_concurrent_and_unacknowledged_writes_may_win(void **state)
{
    (void)state;
    json_t *rep;
    /* 1 and 2 overlap: either may be the final value */
    assert_int_equal(run(L(0, "invoke", "write", "1") L(1, "invoke", "write", "2")
                         L(0, "ok", "write", "1") L(1, "ok", "write", "2")
                         L(0, "invoke", "read", "null") L(0, "ok", "read", "1"), &rep), CHECK_OK);
    json_decref(rep);
    /* 1 timed out (info): it may land at any time, after 2 too */
    assert_int_equal(run(L(0, "invoke", "write", "1") L(0, "info", "write", "1")
                         L(1, "invoke", "write", "2") L(1, "ok", "write", "2")
                         L(1, "invoke", "read", "null") L(1, "ok", "read", "1"), &rep), CHECK_OK);
    json_decref(rep);
}

static void test_unknown_values_and_other_operations_are_bad_input(void **state)
{
    (void)state;
    json_t *rep;
    assert_int_equal(run(L(0, "invoke", "write", "1") L(0, "ok", "write", "1")
                         L(0, "invoke", "read", "null") L(0, "ok", "read", "7"), &rep), CHECK_BAD_INPUT);
    assert_non_null(strstr(json_string_value(json_object_get(rep, "error")), "no write wrote"));
    json_decref(rep);
    assert_int_equal(run(L(0, "invoke", "add", "1") L(0, "ok", "add", "1"), &rep), CHECK_BAD_INPUT);
    json_decref(rep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sequential_overwrites_are_not_lost),
        cmocka_unit_test(test_a_final_read_of_an_overwritten_value_is_a_lost_write),
        cmocka_unit_test(test_stale_reads_before_a_fresh_last_read_are_allowed),
        cmocka_unit_test(test_every_read_judges_the_reads_before_the_last_too),
        cmocka_unit_test(test_concurrent_and_unacknowledged_writes_may_win),
        cmocka_unit_test(test_unknown_values_and_other_operations_are_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

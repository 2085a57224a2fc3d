/*
** test_bank.c — the bank workload's parts that need no running world:
** Jepsen's bank checker (sim/check/bank.c) on hand-made histories, and the
** reference store's add micro-operations (a transfer never overdraws; a
** refused one changes nothing).
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "check.h"
#include "dsim.h"

#define L(p, t, f, v) "{\"process\":" #p ",\"type\":\"" t "\",\"f\":\"" f "\",\"value\":" v "}\n"
#define OK(p, f, in, out) L(p, "invoke", f, in) L(p, "ok", f, out)

static check_verdict run(const char *text, int64_t total, bool negative, json_t **report)
{
    char err[256] = "";
    *report = json_object();
    check_verdict v = check_bank(text, strlen(text), "h", "json", total, negative, *report, err, sizeof err);
    if (v == CHECK_BAD_INPUT)
        json_object_set_new(*report, "error", json_string(err));
    return v;
}

static void test_bank_reads_that_sum_to_the_total_pass(void **st)
{
    (void)st;
    json_t *r;
    const char *h = OK(0, "read", "null", "[10,10,10]") OK(1, "transfer", "[0,1,3]", "[0,1,3]")
                    L(2, "invoke", "transfer", "[1,2,4]") L(2, "info", "transfer", "[1,2,4]")
                    OK(0, "read", "null", "[7,13,10]") OK(3, "read", "null", "[7,9,14]");
    assert_int_equal(run(h, 30, false, &r), CHECK_OK);
    assert_int_equal(json_integer_value(json_object_get(r, "reads")), 3);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "transfers"), "info")), 1);
    json_decref(r);
}

static void test_bank_a_read_where_money_was_created_fails_naming_it(void **st)
{
    (void)st;
    json_t *r;
    const char *h = OK(0, "read", "null", "[10,10,10]") OK(1, "read", "null", "[7,13,13]");
    assert_int_equal(run(h, 30, false, &r), CHECK_VIOLATION);
    assert_int_equal(json_integer_value(json_object_get(r, "wrong_total")), 1);
    assert_non_null(strstr(json_string_value(json_object_get(r, "explain")),
                           "p1's read (line 3) saw [7,13,13]: they sum to 33, not the total"));
    json_decref(r);
}

static void test_bank_the_total_is_the_first_reads_sum_when_not_given(void **st)
{
    (void)st;
    json_t *r;
    assert_int_equal(run(OK(0, "read", "null", "[5,5]") OK(0, "read", "null", "[4,5]"), -1, false, &r),
                     CHECK_VIOLATION);
    assert_int_equal(json_integer_value(json_object_get(r, "total")), 10);
    assert_non_null(json_object_get(r, "note"));
    json_decref(r);
}

static void test_bank_a_negative_balance_fails_unless_allowed(void **st)
{
    (void)st;
    json_t *r;
    const char *h = OK(0, "read", "null", "[-2,12]");
    assert_int_equal(run(h, 10, false, &r), CHECK_VIOLATION);
    assert_int_equal(json_integer_value(json_object_get(r, "negative")), 1);
    json_decref(r);
    assert_int_equal(run(h, 10, true, &r), CHECK_OK);
    json_decref(r);
}

static void test_bank_a_missing_account_is_a_wrong_total(void **st)
{
    (void)st;
    json_t *r;
    assert_int_equal(run(OK(0, "read", "null", "[10,null]"), 10, false, &r), CHECK_VIOLATION);
    assert_non_null(strstr(json_string_value(json_object_get(r, "explain")), "an account is missing"));
    json_decref(r);
}

static void test_bank_other_operations_and_shapes_are_bad_input(void **st)
{
    (void)st;
    json_t *r;
    assert_int_equal(run(OK(0, "write", "1", "1"), 10, false, &r), CHECK_BAD_INPUT);
    assert_non_null(strstr(json_string_value(json_object_get(r, "error")), "h:1: expected an operation of the bank workload"));
    json_decref(r);
    assert_int_equal(run(OK(0, "transfer", "[0,1]", "[0,1]"), 10, false, &r), CHECK_BAD_INPUT);
    json_decref(r);
    assert_int_equal(run(OK(0, "read", "null", "7"), 10, false, &r), CHECK_BAD_INPUT);
    json_decref(r);
}

static dsim_op transfer(uint32_t from, uint32_t to, int64_t amount)
{
    dsim_op op = {.f = DSIM_F_TXN, .mops_len = 2};
    op.mops[0] = (dsim_mop){.f = DSIM_F_ADD, .key = from, .value = -amount};
    op.mops[1] = (dsim_mop){.f = DSIM_F_ADD, .key = to, .value = amount};
    return op;
}

static void test_store_a_transfer_moves_money_and_an_overdraft_changes_nothing(void **st)
{
    (void)st;
    static dsim_store s;   /* large: not on the stack */
    static dsim_result res;
    memset(&s, 0, sizeof s);
    dsim_op w0 = {.f = DSIM_F_WRITE, .key = 0, .value = 10}, w1 = {.f = DSIM_F_WRITE, .key = 1, .value = 10};
    assert_int_equal(dsim_store_apply(&s, &w0, NULL), DSIM_OK);
    assert_int_equal(dsim_store_apply(&s, &w1, NULL), DSIM_OK);
    dsim_op t = transfer(0, 1, 4);
    assert_false(dsim_op_readonly(&t));
    assert_int_equal(dsim_store_apply(&s, &t, &res), DSIM_OK);
    uint64_t digest = dsim_store_digest(&s);
    dsim_op over = transfer(0, 1, 7);   /* 6 left: refused whole */
    assert_int_equal(dsim_store_apply(&s, &over, &res), DSIM_FAIL);
    assert_int_equal(dsim_store_digest(&s), digest);
    dsim_op rd = {.f = DSIM_F_TXN, .mops_len = 2};
    rd.mops[0] = (dsim_mop){.f = DSIM_F_READ, .key = 0, .value = DSIM_NIL};
    rd.mops[1] = (dsim_mop){.f = DSIM_F_READ, .key = 1, .value = DSIM_NIL};
    assert_int_equal(dsim_store_read(&s, &rd, &res), DSIM_OK);
    assert_int_equal(res.len, 4);
    assert_int_equal(res.words[1], 6);
    assert_int_equal(res.words[3], 14);
    dsim_op all = transfer(0, 1, 6);   /* down to exactly zero is allowed */
    assert_int_equal(dsim_store_apply(&s, &all, &res), DSIM_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bank_reads_that_sum_to_the_total_pass),
        cmocka_unit_test(test_bank_a_read_where_money_was_created_fails_naming_it),
        cmocka_unit_test(test_bank_the_total_is_the_first_reads_sum_when_not_given),
        cmocka_unit_test(test_bank_a_negative_balance_fails_unless_allowed),
        cmocka_unit_test(test_bank_a_missing_account_is_a_wrong_total),
        cmocka_unit_test(test_bank_other_operations_and_shapes_are_bad_input),
        cmocka_unit_test(test_store_a_transfer_moves_money_and_an_overdraft_changes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

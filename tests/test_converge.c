/*
** test_converge.c — the convergence checker (sim/check/converge.c): equal
** replicas pass; the first differing key (in key order, whatever the
** objects' insertion order) is reported with each replica's value; a key
** missing on one replica is a difference; malformed input is refused.
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
    json_t *replicas = json_loads(text, 0, NULL);
    assert_non_null(replicas);
    *report = json_object();
    check_verdict v = check_convergence(replicas, *report);
    json_decref(replicas);
    return v;
}

static void test_equal_replicas_converge(void **state)
{
    (void)state;
    json_t *rep;
    assert_int_equal(run("[{\"a\":1,\"b\":[1,2]},{\"b\":[1,2],\"a\":1},{\"a\":1,\"b\":[1,2]}]",
                         &rep), CHECK_OK);
    assert_true(json_is_true(json_object_get(rep, "valid")));
    json_decref(rep);
    assert_int_equal(run("[]", &rep), CHECK_OK);
    json_decref(rep);
}

static void test_first_differing_key_in_key_order_is_reported(void **state)
{
    (void)state;
    json_t *rep;
    assert_int_equal(run("[{\"z\":1,\"m\":2,\"a\":3},{\"z\":9,\"m\":8,\"a\":3}]", &rep),
                     CHECK_VIOLATION);
    assert_string_equal(json_string_value(json_object_get(rep, "key")), "m");
    json_t *values = json_object_get(rep, "values");
    assert_int_equal(json_integer_value(json_array_get(values, 0)), 2);
    assert_int_equal(json_integer_value(json_array_get(values, 1)), 8);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(rep, "replicas"), 1)),
                     1);
    assert_non_null(strstr(json_string_value(json_object_get(rep, "text")), "\"m\""));
    json_decref(rep);
}

static void test_a_key_missing_on_one_replica_is_a_difference(void **state)
{
    (void)state;
    json_t *rep;
    assert_int_equal(run("[{\"a\":1},{\"a\":1},{\"a\":1,\"b\":null}]", &rep),
                     CHECK_VIOLATION);
    assert_string_equal(json_string_value(json_object_get(rep, "key")), "b");
    assert_int_equal(json_integer_value(json_array_get(json_object_get(rep, "replicas"), 1)),
                     2);
    json_decref(rep);
}

static void test_held_compares_a_key_only_where_it_is_listed(void **state)
{
    (void)state;
    json_t *replicas = json_loads("[{\"a\":1},{\"a\":1,\"b\":2},{\"b\":2,\"c\":null}]", 0, NULL);
    json_t *rep = json_object();
    assert_int_equal(check_convergence_held(replicas, true, rep), CHECK_OK);
    json_decref(rep);
    rep = json_object();   /* without 'held' the same replicas differ */
    assert_int_equal(check_convergence_held(replicas, false, rep), CHECK_VIOLATION);
    json_decref(rep);
    json_decref(replicas);
    /* a listed null (a replica missing a key it holds) is a difference */
    replicas = json_loads("[{\"a\":1},{\"b\":2},{\"a\":null,\"b\":2}]", 0, NULL);
    rep = json_object();
    assert_int_equal(check_convergence_held(replicas, true, rep), CHECK_VIOLATION);
    assert_string_equal(json_string_value(json_object_get(rep, "key")), "a");
    assert_int_equal(json_integer_value(json_array_get(json_object_get(rep, "replicas"), 1)), 2);
    json_decref(rep);
    json_decref(replicas);
}

static void test_malformed_replicas_are_bad_input(void **state)
{
    (void)state;
    json_t *rep;
    assert_int_equal(run("{\"a\":1}", &rep), CHECK_BAD_INPUT);
    json_decref(rep);
    assert_int_equal(run("[{\"a\":1}, 3]", &rep), CHECK_BAD_INPUT);
    json_decref(rep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equal_replicas_converge),
        cmocka_unit_test(test_first_differing_key_in_key_order_is_reported),
        cmocka_unit_test(test_a_key_missing_on_one_replica_is_a_difference),
        cmocka_unit_test(test_held_compares_a_key_only_where_it_is_listed),
        cmocka_unit_test(test_malformed_replicas_are_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

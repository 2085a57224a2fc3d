/*
** test_resize.c — the resize checker (sim/check/resize.c, demo C5) on
** hand-made histories: a resize that read the announced version or a
** newer one is fresh; one that read an older version (or none) is stale;
** stale is permanent only when it is the image's last resize and the
** image's last upload was announced; other operations and non-integer
** values are bad input.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "check.h"

#define L(p, t, f, k, v) \
    "{\"process\":" #p ",\"type\":\"" t "\",\"f\":\"" f "\",\"key\":\"" k "\",\"value\":" v "}\n"
#define UP(k, v) L(0, "invoke", "upload", k, #v) L(0, "ok", "upload", k, #v)
#define RS(k, announced, got) L(1, "invoke", "resize", k, #announced) L(1, "ok", "resize", k, got)

static check_verdict run(const char *text, json_t **report)
{
    char err[256] = "";
    *report = json_object();
    check_verdict v = check_resize(text, strlen(text), "h", "json", *report, err, sizeof err);
    if (v == CHECK_BAD_INPUT)
        json_object_set_new(*report, "error", json_string(err));
    return v;
}

static void test_fresh_resizes_pass(void **state)
{
    (void)state;
    json_t *rep;
    /* the second resize reads a newer version than announced: still fresh */
    assert_int_equal(run(UP("k0", 1) RS("k0", 1, "1") UP("k0", 2) UP("k0", 3) RS("k0", 2, "3"), &rep),
                     CHECK_OK);
    assert_int_equal(json_integer_value(json_object_get(rep, "resizes")), 2);
    assert_int_equal(json_integer_value(json_object_get(rep, "stale")), 0);
    assert_int_equal(json_array_size(json_object_get(rep, "permanent")), 0);
    json_decref(rep);
}

static void test_a_stale_last_resize_is_permanent(void **state)
{
    (void)state;
    json_t *rep;
    assert_int_equal(run(UP("k0", 1) RS("k0", 1, "null") UP("k1", 1) RS("k1", 1, "1")
                         UP("k0", 2) RS("k0", 2, "1"), &rep), CHECK_VIOLATION);
    assert_int_equal(json_integer_value(json_object_get(rep, "stale")), 2);
    json_t *perm = json_object_get(rep, "permanent");
    assert_int_equal(json_array_size(perm), 1);
    assert_string_equal(json_string_value(json_array_get(perm, 0)),
                        "k0: the image is at version 2, its thumbnail stays made from 1");
    json_t *e = json_array_get(json_object_get(rep, "examples"), 0);
    assert_true(json_is_null(json_object_get(e, "read")));
    assert_int_equal(json_integer_value(json_object_get(e, "announced")), 1);
    json_decref(rep);
}

static void test_a_stale_resize_repaired_later_is_not_permanent(void **state)
{
    (void)state;
    json_t *rep;
    assert_int_equal(run(UP("k0", 1) UP("k0", 2) RS("k0", 2, "1") RS("k0", 2, "2"), &rep), CHECK_VIOLATION);
    assert_int_equal(json_integer_value(json_object_get(rep, "stale")), 1);
    assert_int_equal(json_array_size(json_object_get(rep, "permanent")), 0);
    json_decref(rep);
}

static void test_unknown_operations_are_bad_input(void **state)
{
    (void)state;
    json_t *rep;
    assert_int_equal(run(L(0, "invoke", "read", "k0", "null") L(0, "ok", "read", "k0", "1"), &rep),
                     CHECK_BAD_INPUT);
    json_decref(rep);
    assert_int_equal(run(UP("k0", 1) RS("k0", 1, "\"x\""), &rep), CHECK_BAD_INPUT);
    json_decref(rep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fresh_resizes_pass),
        cmocka_unit_test(test_a_stale_last_resize_is_permanent),
        cmocka_unit_test(test_a_stale_resize_repaired_later_is_not_permanent),
        cmocka_unit_test(test_unknown_operations_are_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

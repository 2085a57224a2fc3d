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

#include "dsim_ops.h"

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
    check_verdict v = check_mutex(world_emitted(w), args, report);
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

/* The network copies every message: a copied connect must open no second
** session (an orphan that would expire), and the lock still goes round.
** (That a copied write is not applied twice, zk.lua seed 308835, is
** test_zk.c's test_a_copy_of_an_applied_write_is_refused.) */
static void test_every_message_copied(void **state)
{
    (void)state;
    dsim_link_set dup = {.dup_set = true, .dup = 1.0};
    dsim_world *w = dbl_world_net(5, 1, "{\"servers\": 1, \"recipe\": \"lock\"}", &dup);
    world_run(w, DSIM_SEC(3));
    assert_true(w->stats.duplicated > 100);
    assert_true(mutex_ok(w, 1000, NULL));
    assert_true(dbl_count(w, "lock_acquired") >= 20);
    assert_int_equal(dbl_count(w, "session_expired"), 0);
    const dbl_server *s0 = &((const dbl_state *)dsim_state(dsim_node_at(w, 0)))->s;
    assert_int_equal(s0->tree.session_count, 4);   /* one per client */
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


static void test_herd_wakes_every_waiter(void **state)
{
    (void)state;
    dsim_world *lock = dbl_world(6, 2, "{\"recipe\": \"lock\"}");
    dsim_world *herd = dbl_world(6, 2, "{\"recipe\": \"herd\"}");
    world_run(lock, DSIM_SEC(3));
    world_run(herd, DSIM_SEC(3));
    assert_true(mutex_ok(lock, 1000, NULL));
    assert_true(mutex_ok(herd, 1000, NULL));
    double lw = (double)dbl_count(lock, "lock_wakeup") / dbl_count(lock, "lock_acquired");
    double hw = (double)dbl_count(herd, "lock_wakeup") / dbl_count(herd, "lock_acquired");
    assert_true(lw <= 1.0);
    assert_true(hw >= 2.0);   /* 5 clients: every release wakes the others */
    world_free(lock);
    world_free(herd);
}

static void test_election_has_one_leader_and_a_successor_when_it_pauses(void **state)
{
    (void)state;
    dsim_world *w = dbl_world(6, 3, "{\"servers\": 2, \"recipe\": \"election\"}");
    world_run(w, DSIM_SEC(1));
    assert_int_equal(dbl_count(w, "lock_acquired"), 1);
    /* the leader: the only holder; pause it past its session */
    int leader = -1;
    for (int i = 2; i < 6; i++) {
        json_t *o = json_object();
        dsim_inspect(w, i, o);
        if (json_is_true(json_object_get(o, "holding")))
            leader = i;
        json_decref(o);
    }
    assert_true(leader >= 2);
    dsim_pause(w, leader, DSIM_SEC(2));
    world_run(w, DSIM_SEC(4));
    assert_int_equal(dbl_count(w, "session_expired"), 1);
    assert_true(dbl_count(w, "lock_acquired") >= 2);
    assert_true(mutex_ok(w, 0, NULL));
    world_free(w);
}

static void test_barrier_lets_everyone_through_each_round(void **state)
{
    (void)state;
    dsim_world *w = dbl_world(6, 4, "{\"servers\": 2, \"recipe\": \"barrier\", \"rounds\": 3}");
    world_run(w, DSIM_SEC(3));
    assert_int_equal(dbl_count(w, "barrier_entered"), 4 * 3);
    /* nobody went through a round before all four had arrived */
    size_t i;
    json_t *ev;
    json_array_foreach(world_emitted(w), i, ev)
        if (strcmp(json_string_value(json_object_get(ev, "name")), "barrier_entered") == 0)
            assert_true(json_integer_value(json_object_get(json_object_get(ev, "fields"), "count")) >= 4);
    world_free(w);
}

/* A holder paused past its session timeout: the leader closes the session,
** its entry goes, the next client takes the lock; the paused client's write
** after it wakes is refused (its session is closed before it in the order). */
static void test_a_paused_holder_loses_its_session_and_cannot_write(void **state)
{
    (void)state;
    dsim_world *w = dbl_world(5, 5, "{\"recipe\": \"lock\", \"work\": 100}");
    world_run(w, DSIM_MS(300));
    int holder = -1;
    for (int i = 1; i < 5; i++) {
        json_t *o = json_object();
        dsim_inspect(w, i, o);
        if (json_is_true(json_object_get(o, "holding")))
            holder = i;
        json_decref(o);
    }
    assert_true(holder >= 1);
    dsim_pause(w, holder, DSIM_MS(1500));
    world_run(w, DSIM_SEC(4));
    assert_true(dbl_count(w, "session_expired") >= 1);
    json_t *report;
    bool ok = mutex_ok(w, 2500, &report);   /* the timeout (1 s) and a quarter */
    if (!ok)
        fprintf(stderr, "%s\n", json_dumps(report, JSON_INDENT(1)));
    json_decref(report);
    assert_true(ok);
    world_free(w);
}

/* A client whose server crashes connects to another with its session. */
static void test_a_client_keeps_its_session_across_a_server_crash(void **state)
{
    (void)state;
    dsim_world *w = dbl_world(7, 6, "{\"servers\": 3, \"recipe\": \"lock\"}");
    world_run(w, DSIM_MS(500));
    uint32_t tok = dsim_crash(w, 1, false);
    world_run(w, DSIM_SEC(2));
    dsim_restart(w, 1, tok);
    world_run(w, DSIM_SEC(3));
    assert_int_equal(dbl_count(w, "session_expired"), 0);
    assert_true(mutex_ok(w, 1500, NULL));
    json_t *o = json_object();
    dsim_inspect(w, 4, o);   /* node 4 % 3 = server 1 at first */
    assert_true(json_integer_value(json_object_get(o, "reconnects")) >= 1);
    assert_int_equal(json_integer_value(json_object_get(o, "server")), 3);
    json_decref(o);
    world_free(w);
}

/* A crashed holder: its session expires and its entry goes with it, unless
** bug ephemeral_leak keeps it: then nobody gets the lock again. */
static void crash_holder_run(const char *options, bool *mutex, bool *live)
{
    dsim_world *w = dbl_world(5, 7, options);
    world_run(w, DSIM_MS(300));
    for (int i = 1; i < 5; i++) {
        json_t *o = json_object();
        dsim_inspect(w, i, o);
        bool holding = json_is_true(json_object_get(o, "holding"));
        json_decref(o);
        if (holding) {
            dsim_crash(w, i, false);
            break;
        }
    }
    world_run(w, DSIM_SEC(5));
    *mutex = mutex_ok(w, 0, NULL);
    *live = mutex_ok(w, 2000, NULL);
    world_free(w);
}

static void test_a_crashed_holders_entry_goes_with_its_session(void **state)
{
    (void)state;
    bool mutex, live;
    crash_holder_run("{\"recipe\": \"lock\", \"work\": 100}", &mutex, &live);
    assert_true(mutex);
    assert_true(live);
    crash_holder_run("{\"recipe\": \"lock\", \"work\": 100, \"bug\": \"ephemeral_leak\"}", &mutex, &live);
    assert_true(mutex);
    assert_false(live);   /* the dead client holds the lock for ever */
}

static void test_watch_events_come_before_the_new_data(void **state)
{
    (void)state;
    for (int bug = 0; bug < 2; bug++) {
        dsim_world *w = dbl_world(6, 8, bug ? "{\"servers\": 2, \"recipe\": \"herd\", \"bug\": \"watch_after_data\"}"
                                            : "{\"servers\": 2, \"recipe\": \"herd\"}");
        world_run(w, DSIM_SEC(3));
        assert_true(dbl_count(w, "watch_fired") > 20);
        if (bug)
            assert_true(dbl_count(w, "watch_late") > 0);
        else
            assert_int_equal(dbl_count(w, "watch_late"), 0);
        world_free(w);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lock_recipe_grants_in_turn_on_one_server),
        cmocka_unit_test(test_every_message_copied),
        cmocka_unit_test(test_lock_recipe_on_lagging_followers),
        cmocka_unit_test(test_herd_wakes_every_waiter),
        cmocka_unit_test(test_election_has_one_leader_and_a_successor_when_it_pauses),
        cmocka_unit_test(test_barrier_lets_everyone_through_each_round),
        cmocka_unit_test(test_a_paused_holder_loses_its_session_and_cannot_write),
        cmocka_unit_test(test_a_client_keeps_its_session_across_a_server_crash),
        cmocka_unit_test(test_a_crashed_holders_entry_goes_with_its_session),
        cmocka_unit_test(test_watch_events_come_before_the_new_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

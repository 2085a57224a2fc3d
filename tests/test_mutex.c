/*
** test_mutex.c — unit tests of the mutex checker (sim/check/mutex.c) on
** hand-made event lists, without a kernel.
**
** Each test writes the events a lock run would emit (lock_request,
** lock_acquired, lock_released, storage_write, lock_wakeup) as a compact
** string, parses it, and checks the verdict and the report: the L3 story
** with and without fencing, serial holders, a holder that wrote before it
** lost the lock, token reuse, writes without a lock, stuck waiters, the
** herd limit, and malformed input.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "check.h"

#define MS 1000000LL

/* Event builders: times in ms, clients as node numbers. */
static json_t *ev(json_t *list, int64_t t_ms, const char *name, json_t *fields)
{
    json_array_append_new(list, json_pack("{s:I, s:i, s:s, s:o}", "t", (json_int_t)(t_ms * MS),
                          "node", (int)json_integer_value(json_object_get(fields, "client")),
                          "name", name, "fields", fields));
    return list;
}

static void acquire(json_t *l, int64_t t, int client, int round, int64_t token)
{
    ev(l, t - 1, "lock_request", json_pack("{s:i, s:i}", "client", client, "round", round));
    ev(l, t, "lock_acquired", json_pack("{s:i, s:i, s:I}", "client", client, "round", round,
                                        "token", (json_int_t)token));
}

static void release(json_t *l, int64_t t, int client, int round)
{
    ev(l, t, "lock_released", json_pack("{s:i, s:i, s:s}", "client", client, "round", round, "why", "release"));
}

static void write_(json_t *l, int64_t t, int client, int round, int64_t token, bool accepted, bool fencing)
{
    ev(l, t, "storage_write", json_pack("{s:i, s:i, s:I, s:b, s:b}", "client", client, "round", round,
                                        "token", (json_int_t)token, "accepted", accepted, "fencing", fencing));
}

static check_verdict run(json_t *events, json_t *args, json_t **report)
{
    *report = json_object();
    check_verdict v = check_mutex(events, args, *report);
    json_decref(events);
    json_decref(args);
    return v;
}

/* L3: n3 holds token 33, pauses past its lease; n4 gets 34 and writes; n3 writes. */
static json_t *gc_pause_story(bool fencing)
{
    json_t *l = json_array();
    acquire(l, 104, 3, 1, 33);
    acquire(l, 1304, 4, 1, 34);
    write_(l, 1406, 4, 1, 34, true, fencing);
    release(l, 1410, 4, 1);
    write_(l, 1702, 3, 1, 33, !fencing, fencing);
    release(l, 1706, 3, 1);
    return l;
}

static void test_mutex_gc_pause_without_fencing_is_an_overlap(void **state)
{
    (void)state;
    json_t *r;
    assert_int_equal(run(gc_pause_story(false), NULL, &r), CHECK_VIOLATION);
    assert_true(json_is_false(json_object_get(r, "valid")));
    assert_string_equal(json_string_value(json_object_get(r, "mode")), "plain");
    json_t *v = json_array_get(json_object_get(r, "violations"), 0);
    assert_string_equal(json_string_value(json_object_get(v, "kind")), "overlap");
    assert_string_equal(json_string_value(json_array_get(json_object_get(v, "clients"), 0)), "n3");
    assert_string_equal(json_string_value(json_array_get(json_object_get(v, "clients"), 1)), "n4");
    assert_int_equal(json_integer_value(json_array_get(json_object_get(v, "tokens"), 0)), 33);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(v, "tokens"), 1)), 34);
    assert_true(strstr(json_string_value(json_object_get(r, "explain")), "1304.000 ms") != NULL);
    json_decref(r);
}

static void test_mutex_gc_pause_with_the_stale_write_rejected_passes(void **state)
{
    (void)state;
    json_t *r;
    assert_int_equal(run(gc_pause_story(true), NULL, &r), CHECK_OK);
    assert_string_equal(json_string_value(json_object_get(r, "mode")), "fencing");
    assert_int_equal(json_integer_value(json_object_get(r, "writes_rejected")), 1);
    json_decref(r);
}

static void test_mutex_accepted_stale_token_under_fencing_is_a_violation(void **state)
{
    (void)state;
    json_t *l = gc_pause_story(false), *r;
    /* the storage claims to fence but accepted 33 after 34 */
    assert_int_equal(run(l, json_pack("{s:b}", "fencing", 1), &r), CHECK_VIOLATION);
    json_t *v = json_array_get(json_object_get(r, "violations"), 0);
    assert_string_equal(json_string_value(json_object_get(v, "kind")), "stale_token_accepted");
    assert_int_equal(json_integer_value(json_array_get(json_object_get(v, "tokens"), 0)), 34);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(v, "tokens"), 1)), 33);
    json_decref(r);
}

static void test_mutex_the_same_token_from_two_clients_is_a_violation(void **state)
{
    (void)state;
    json_t *l = json_array(), *r;
    acquire(l, 10, 3, 1, 7);
    write_(l, 20, 3, 1, 7, true, true);
    release(l, 25, 3, 1);
    acquire(l, 30, 4, 1, 7);
    write_(l, 40, 4, 1, 7, true, true);
    assert_int_equal(run(l, NULL, &r), CHECK_VIOLATION);
    json_t *v = json_array_get(json_object_get(r, "violations"), 0);
    assert_string_equal(json_string_value(json_object_get(v, "kind")), "token_reused");
    json_decref(r);
}

static void test_mutex_serial_holders_pass(void **state)
{
    (void)state;
    json_t *l = json_array(), *r;
    for (int i = 0; i < 10; i++) {
        int client = 3 + i % 3;
        acquire(l, 100 * i + 10, client, i + 1, i + 1);
        write_(l, 100 * i + 50, client, i + 1, i + 1, true, false);
        write_(l, 100 * i + 60, client, i + 1, i + 1, true, false);
        release(l, 100 * i + 70, client, i + 1);
    }
    assert_int_equal(run(l, NULL, &r), CHECK_OK);
    assert_int_equal(json_integer_value(json_object_get(r, "sessions")), 10);
    assert_int_equal(json_integer_value(json_object_get(r, "writes_accepted")), 20);
    json_decref(r);
}

static void test_mutex_a_write_before_the_other_holder_began_is_not_a_conflict(void **state)
{
    (void)state;
    json_t *l = json_array(), *r;
    acquire(l, 10, 3, 1, 1);
    write_(l, 20, 3, 1, 1, true, false);     /* then n3 pauses, never writes again */
    acquire(l, 1100, 4, 1, 2);
    write_(l, 1150, 4, 1, 2, true, false);
    release(l, 1160, 4, 1);
    release(l, 2000, 3, 1);                  /* n3 wakes and releases */
    assert_int_equal(run(l, NULL, &r), CHECK_OK);
    json_decref(r);
}

static void test_mutex_overlapping_holders_that_both_write_late_fail_even_in_storage_order(void **state)
{
    (void)state;
    json_t *l = json_array(), *r;
    acquire(l, 10, 3, 1, 1);                 /* n3 pauses before writing */
    acquire(l, 1100, 4, 1, 2);
    write_(l, 1200, 3, 1, 1, true, false);   /* n3 wakes and writes first */
    write_(l, 1300, 4, 1, 2, true, false);
    assert_int_equal(run(l, NULL, &r), CHECK_VIOLATION);
    json_decref(r);
}

static void test_mutex_a_write_without_acquiring_is_a_violation(void **state)
{
    (void)state;
    json_t *l = json_array(), *r;
    write_(l, 5, 6, 9, 0, true, false);
    assert_int_equal(run(l, NULL, &r), CHECK_VIOLATION);
    json_t *v = json_array_get(json_object_get(r, "violations"), 0);
    assert_string_equal(json_string_value(json_object_get(v, "kind")), "write_without_lock");
    json_decref(r);
}

/* A client loses the lock (its session expired) and asks again in the same
** round; a write it sent in the first holding lands late, with that
** holding's token: no forgery, and each holding keeps its own interval. */
static void test_mutex_a_round_asked_again_is_a_new_session(void **state)
{
    (void)state;
    json_t *l = json_array(), *r;
    acquire(l, 100, 7, 6, 20);
    release(l, 700, 7, 6);
    acquire(l, 800, 7, 6, 25);
    write_(l, 810, 7, 6, 25, true, false);
    release(l, 820, 7, 6);
    write_(l, 1200, 7, 6, 20, true, false);   /* sent at 600 ms, delivered late */
    assert_int_equal(run(l, NULL, &r), CHECK_OK);
    json_decref(r);
    l = json_array();   /* the first holding still overlaps another client's */
    acquire(l, 100, 7, 6, 20);
    acquire(l, 300, 3, 1, 21);
    write_(l, 350, 3, 1, 21, true, false);
    write_(l, 400, 7, 6, 20, true, false);
    release(l, 700, 7, 6);
    release(l, 710, 3, 1);
    acquire(l, 800, 7, 6, 25);
    release(l, 820, 7, 6);
    assert_int_equal(run(l, NULL, &r), CHECK_VIOLATION);
    json_t *v = json_array_get(json_object_get(r, "violations"), 0);
    assert_string_equal(json_string_value(json_object_get(v, "kind")), "overlap");
    json_decref(r);
}

/* A replicated resource reports a write from each replica, with its id: it
** is judged once, at its first report. The late copy, after another
** client's write, is no stale write (fencing) and no overlap (plain). */
static void test_mutex_a_write_reported_by_every_replica_counts_once(void **state)
{
    (void)state;
    for (int fencing = 0; fencing < 2; fencing++) {
        json_t *l = json_array(), *r;
        acquire(l, 100, 7, 1, 20);
        ev(l, 150, "storage_write", json_pack("{s:i, s:i, s:i, s:b, s:b, s:i}", "client", 7, "round", 1,
                                              "token", 20, "accepted", 1, "fencing", fencing, "write", 9));
        release(l, 200, 7, 1);
        acquire(l, 300, 3, 1, 21);
        write_(l, 350, 3, 1, 21, true, fencing);
        release(l, 400, 3, 1);
        ev(l, 900, "storage_write", json_pack("{s:i, s:i, s:i, s:b, s:b, s:i}", "client", 7, "round", 1,
                                              "token", 20, "accepted", 1, "fencing", fencing, "write", 9));
        assert_int_equal(run(l, NULL, &r), CHECK_OK);
        assert_int_equal(json_integer_value(json_object_get(r, "writes_accepted")), 2);
        json_decref(r);
    }
}

/* B4: under fencing, n3 writes with a token it was never granted, higher
** than any: the storage's order is fine, the token is forged. */
static void test_mutex_a_forged_token_is_a_violation(void **state)
{
    (void)state;
    json_t *l = json_array(), *r;
    acquire(l, 104, 3, 1, 33);
    acquire(l, 1304, 4, 1, 34);
    write_(l, 1406, 4, 1, 34, true, true);
    release(l, 1410, 4, 1);
    write_(l, 1702, 3, 1, 1000033, true, true);
    assert_int_equal(run(l, NULL, &r), CHECK_VIOLATION);
    json_t *v = json_array_get(json_object_get(r, "violations"), 0);
    assert_string_equal(json_string_value(json_object_get(v, "kind")), "forged_token");
    assert_int_equal(json_integer_value(json_array_get(json_object_get(v, "tokens"), 0)), 33);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(v, "tokens"), 1)), 1000033);
    json_decref(r);
    l = gc_pause_story(true);   /* the honest stale write: rejected, no forgery */
    assert_int_equal(run(l, NULL, &r), CHECK_OK);
    json_decref(r);
}

static void test_mutex_a_stuck_waiter_fails_the_liveness_limit(void **state)
{
    (void)state;
    json_t *l = json_array(), *r;
    acquire(l, 10, 3, 1, 1);                 /* n3 holds for ever */
    ev(l, 300, "lock_request", json_pack("{s:i, s:i}", "client", 4, "round", 1));
    assert_int_equal(run(l, json_pack("{s:f, s:I}", "liveness_ms", 1000.0, "t_end", (json_int_t)(4000 * MS)), &r),
                     CHECK_VIOLATION);
    json_t *v = json_array_get(json_object_get(r, "violations"), 0);
    assert_string_equal(json_string_value(json_object_get(v, "kind")), "stuck");
    assert_string_equal(json_string_value(json_array_get(json_object_get(v, "clients"), 0)), "n4");
    json_decref(r);
}

static void test_mutex_an_abandoned_request_is_not_stuck(void **state)
{
    (void)state;
    json_t *l = json_array(), *r;
    ev(l, 300, "lock_request", json_pack("{s:i, s:i}", "client", 4, "round", 1));
    acquire(l, 2000, 4, 2, 1);               /* round 1 was given up, round 2 won */
    assert_int_equal(run(l, json_pack("{s:f, s:I}", "liveness_ms", 1000.0, "t_end", (json_int_t)(4000 * MS)), &r),
                     CHECK_OK);
    json_decref(r);
}

static void test_mutex_the_herd_limit_counts_wakeups_per_acquisition(void **state)
{
    (void)state;
    json_t *l = json_array(), *r;
    acquire(l, 10, 3, 1, 1);
    acquire(l, 20, 4, 1, 2);
    for (int i = 0; i < 6; i++)
        ev(l, 15, "lock_wakeup", json_pack("{s:i, s:i}", "client", 5 + i % 2, "round", 1));
    assert_int_equal(run(json_deep_copy(l), json_pack("{s:f}", "wakeups_per_acquire_max", 1.5), &r),
                     CHECK_VIOLATION);
    json_t *v = json_array_get(json_object_get(r, "violations"), 0);
    assert_string_equal(json_string_value(json_object_get(v, "kind")), "herd");
    json_decref(r);
    assert_int_equal(run(l, json_pack("{s:f}", "wakeups_per_acquire_max", 3.0), &r), CHECK_OK);
    json_decref(r);
}

static void test_mutex_fifo_wants_acquisitions_in_token_order(void **state)
{
    (void)state;
    json_t *l = json_array(), *r;
    acquire(l, 10, 3, 1, 5);
    release(l, 20, 3, 1);
    acquire(l, 30, 4, 1, 7);                 /* 7 before 6: out of order */
    release(l, 40, 4, 1);
    acquire(l, 50, 5, 1, 6);
    assert_int_equal(run(json_deep_copy(l), json_pack("{s:b}", "fifo", 1), &r), CHECK_VIOLATION);
    json_t *v = json_array_get(json_object_get(r, "violations"), 0);
    assert_string_equal(json_string_value(json_object_get(v, "kind")), "unfair");
    assert_string_equal(json_string_value(json_array_get(json_object_get(v, "clients"), 1)), "n5");
    json_decref(r);
    assert_int_equal(run(l, NULL, &r), CHECK_OK);   /* fairness only when asked */
    json_decref(r);
}

static void test_mutex_other_events_are_ignored(void **state)
{
    (void)state;
    json_t *l = json_array(), *r;
    json_array_append_new(l, json_pack("{s:I, s:i, s:s}", "t", (json_int_t)5, "node", 1, "name", "leader"));
    assert_int_equal(run(l, NULL, &r), CHECK_OK);
    json_decref(r);
}

static void test_mutex_malformed_input_is_bad_input(void **state)
{
    (void)state;
    json_t *r;
    assert_int_equal(run(json_object(), NULL, &r), CHECK_BAD_INPUT);
    assert_non_null(json_object_get(r, "error"));
    json_decref(r);
    json_t *l = json_array();
    json_array_append_new(l, json_pack("{s:s}", "name", "lock_acquired"));   /* no time */
    assert_int_equal(run(l, NULL, &r), CHECK_BAD_INPUT);
    json_decref(r);
    l = json_array();
    json_array_append_new(l, json_pack("{s:I, s:s, s:{}}", "t", (json_int_t)1, "name", "lock_acquired", "fields"));
    assert_int_equal(run(l, NULL, &r), CHECK_BAD_INPUT);   /* no client, no round */
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mutex_gc_pause_without_fencing_is_an_overlap),
        cmocka_unit_test(test_mutex_gc_pause_with_the_stale_write_rejected_passes),
        cmocka_unit_test(test_mutex_accepted_stale_token_under_fencing_is_a_violation),
        cmocka_unit_test(test_mutex_the_same_token_from_two_clients_is_a_violation),
        cmocka_unit_test(test_mutex_serial_holders_pass),
        cmocka_unit_test(test_mutex_a_write_before_the_other_holder_began_is_not_a_conflict),
        cmocka_unit_test(test_mutex_overlapping_holders_that_both_write_late_fail_even_in_storage_order),
        cmocka_unit_test(test_mutex_a_write_without_acquiring_is_a_violation),
        cmocka_unit_test(test_mutex_a_forged_token_is_a_violation),
        cmocka_unit_test(test_mutex_a_round_asked_again_is_a_new_session),
        cmocka_unit_test(test_mutex_a_write_reported_by_every_replica_counts_once),
        cmocka_unit_test(test_mutex_a_stuck_waiter_fails_the_liveness_limit),
        cmocka_unit_test(test_mutex_an_abandoned_request_is_not_stuck),
        cmocka_unit_test(test_mutex_the_herd_limit_counts_wakeups_per_acquisition),
        cmocka_unit_test(test_mutex_fifo_wants_acquisitions_in_token_order),
        cmocka_unit_test(test_mutex_other_events_are_ignored),
        cmocka_unit_test(test_mutex_malformed_input_is_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

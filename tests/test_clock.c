/*
** test_clock.c — unit tests of the node clocks (sim/clock.c).
**
** Exact integer expectations for drift of +-100 ppm, re-anchoring on drift
** changes (continuity), wall steps both ways and offsets, and two property
** tests over a pinned random stream: 'clock_true_delay' never lets a timer
** fire early on its own clock, and random drift changes keep the monotonic
** clock continuous and non-decreasing.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "clock.h"
#include "rng.h"

#define SEC 1000000000LL
#define US 1000LL

static void test_clock_without_drift_is_the_identity(void **state)
{
    (void)state;
    nclock c;
    clock_init(&c);
    int64_t ts[] = {0, 1, 999, SEC, 3600 * SEC, 100000 * SEC};
    for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
        assert_int_equal(clock_mono(&c, ts[i]), ts[i]);
        assert_int_equal(clock_wall(&c, ts[i]), ts[i]);
        assert_int_equal(clock_true_delay(&c, ts[i]), ts[i]);
    }
}

static void test_clock_drift_of_plus_and_minus_100ppm(void **state)
{
    (void)state;
    nclock fast, slow;
    clock_init(&fast);
    clock_init(&slow);
    clock_set_mono_drift(&fast, 0, 100);
    clock_set_mono_drift(&slow, 0, -100);
    assert_int_equal(clock_mono(&fast, SEC), SEC + 100 * US);
    assert_int_equal(clock_mono(&slow, SEC), SEC - 100 * US);
    assert_int_equal(clock_mono(&fast, 10 * SEC), 10 * SEC + 1000 * US);
    assert_int_equal(clock_mono(&fast, 9999), 9999);        /* floor(9999.9999) */
    assert_int_equal(clock_mono(&fast, 10000), 10001);
    assert_int_equal(clock_mono(&slow, 10000), 9999);
    /* One fast second of mono time takes slightly less true time. */
    assert_int_equal(clock_true_delay(&fast, SEC + 100 * US), SEC);
    assert_int_equal(clock_true_delay(&slow, SEC - 100 * US), SEC);
    assert_int_equal(clock_true_delay(&fast, 1), 1);        /* rounded up */
    assert_int_equal(clock_true_delay(&fast, 0), 0);
    /* The wall clock keeps its own drift. */
    assert_int_equal(clock_wall(&fast, SEC), SEC);
}

static void test_clock_drift_change_reanchors_continuously(void **state)
{
    (void)state;
    nclock c;
    clock_init(&c);
    clock_set_mono_drift(&c, 0, 100);
    int64_t before = clock_mono(&c, 5 * SEC);
    clock_set_mono_drift(&c, 5 * SEC, -200);
    assert_int_equal(clock_mono(&c, 5 * SEC), before);
    assert_int_equal(before, 5 * SEC + 500 * US);
    assert_int_equal(clock_mono(&c, 6 * SEC), before + SEC - 200 * US);
    clock_set_mono_drift(&c, 6 * SEC, 0);
    assert_int_equal(clock_mono(&c, 7 * SEC), 7 * SEC + 300 * US);
}

static void test_clock_wall_steps_forward_and_backward(void **state)
{
    (void)state;
    nclock c;
    clock_init(&c);
    clock_step_wall(&c, 2 * SEC, 3 * SEC);
    assert_int_equal(clock_wall(&c, 2 * SEC), 5 * SEC);
    assert_int_equal(clock_wall(&c, 3 * SEC), 6 * SEC);
    clock_step_wall(&c, 3 * SEC, -10 * SEC);   /* backwards, below zero */
    assert_int_equal(clock_wall(&c, 3 * SEC), -4 * SEC);
    assert_int_equal(clock_wall(&c, 4 * SEC), -3 * SEC);
    assert_int_equal(clock_mono(&c, 4 * SEC), 4 * SEC);   /* mono untouched */
}

static void test_clock_wall_offset_and_drift_compose(void **state)
{
    (void)state;
    nclock c;
    clock_init(&c);
    clock_set_wall_drift(&c, 0, 1000);   /* +0.1% */
    assert_int_equal(clock_wall(&c, 10 * SEC), 10 * SEC + 10000 * US);
    clock_set_wall_offset(&c, 10 * SEC, -250 * US);
    assert_int_equal(clock_wall(&c, 10 * SEC), 10 * SEC - 250 * US);
    /* The drift still runs after the offset is set. */
    assert_int_equal(clock_wall(&c, 11 * SEC), 11 * SEC - 250 * US + 1000 * US);
    clock_set_wall_drift(&c, 11 * SEC, 0);
    assert_int_equal(clock_wall(&c, 12 * SEC), 12 * SEC + 750 * US);
    clock_set_wall_drift(&c, 12 * SEC, -CLOCK_DRIFT_PPM_MAX);
    assert_int_equal(clock_wall(&c, 14 * SEC), 13 * SEC + 750 * US);
    assert_int_equal(clock_mono(&c, 14 * SEC), 14 * SEC);
}

static void test_clock_true_delay_never_fires_early(void **state)
{
    (void)state;
    rng r;
    rng_seed(&r, 77);
    for (int i = 0; i < 100000; i++) {
        nclock c;
        clock_init(&c);
        int64_t anchor = rng_range(&r, 0, 1000 * SEC);
        clock_set_mono_drift(&c, anchor, rng_range(&r, -CLOCK_DRIFT_PPM_MAX, CLOCK_DRIFT_PPM_MAX));
        int64_t t = anchor + rng_range(&r, 0, 1000 * SEC);
        int64_t delay = i % 2 ? rng_range(&r, 0, 1000) : rng_range(&r, 0, 100 * SEC);
        int64_t d = clock_true_delay(&c, delay);
        assert_true(d >= 0);
        assert_true(clock_mono(&c, t + d) - clock_mono(&c, t) >= delay);
        /* The smallest such delay in exact arithmetic: d - 1 is too short. */
        __int128 rate = 1000000 + c.mono_drift_ppm;
        if (d > 0)
            assert_true((__int128)(d - 1) * rate < (__int128)delay * 1000000);
    }
}

static void test_clock_random_drift_changes_keep_mono_continuous(void **state)
{
    (void)state;
    rng r;
    rng_seed(&r, 78);
    nclock c;
    clock_init(&c);
    int64_t now = 0, last = clock_mono(&c, 0);
    for (int i = 0; i < 10000; i++) {
        now += rng_range(&r, 0, SEC);
        int64_t reading = clock_mono(&c, now);
        assert_true(reading >= last);
        clock_set_mono_drift(&c, now, rng_range(&r, -CLOCK_DRIFT_PPM_MAX, CLOCK_DRIFT_PPM_MAX));
        assert_int_equal(clock_mono(&c, now), reading);
        last = reading;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clock_without_drift_is_the_identity),
        cmocka_unit_test(test_clock_drift_of_plus_and_minus_100ppm),
        cmocka_unit_test(test_clock_drift_change_reanchors_continuously),
        cmocka_unit_test(test_clock_wall_steps_forward_and_backward),
        cmocka_unit_test(test_clock_wall_offset_and_drift_compose),
        cmocka_unit_test(test_clock_true_delay_never_fires_early),
        cmocka_unit_test(test_clock_random_drift_changes_keep_mono_continuous),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

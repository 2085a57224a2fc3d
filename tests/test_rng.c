/*
** test_rng.c — unit tests of the random streams (sim/rng.c).
**
** Known-answer values pin splitmix64 (its published first outputs for seed
** 0) and xoshiro256** (the reference generator from state {1, 2, 3, 4}), so
** a change of algorithm or of the seeding fails here before it silently
** changes every run's trace. Streams are checked for reproducibility and
** independence; 'rng_below' for bounds and, with a loose chi-square bound,
** uniformity; 'rng_chance', 'rng_unit' and 'rng_normal' for their moments.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>

#include <cmocka.h>

#include "rng.h"

static void test_rng_splitmix64_matches_known_answers(void **state)
{
    (void)state;
    uint64_t s = 0;
    assert_int_equal(rng_splitmix64(&s), 0xe220a8397b1dcdafull);
    assert_int_equal(rng_splitmix64(&s), 0x6e789e6aa1b965f4ull);
    assert_int_equal(rng_splitmix64(&s), 0x06c45d188009454full);
    assert_int_equal(rng_splitmix64(&s), 0xf88bb8a8724c81ecull);
}

static void test_rng_xoshiro256starstar_matches_known_answers(void **state)
{
    (void)state;
    rng r = { { 1, 2, 3, 4 } };
    assert_int_equal(rng_next(&r), 11520);
    assert_int_equal(rng_next(&r), 0);
    assert_int_equal(rng_next(&r), 1509978240);
    assert_int_equal(rng_next(&r), 1215971899390074240ull);
}

static void test_rng_seed_fills_state_from_splitmix64(void **state)
{
    (void)state;
    rng r;
    rng_seed(&r, 0);
    assert_int_equal(r.s[0], 0xe220a8397b1dcdafull);
    assert_int_equal(r.s[3], 0xf88bb8a8724c81ecull);
    assert_int_equal(rng_next(&r), 0x99ec5f36cb75f2b4ull);
    assert_int_equal(rng_next(&r), 0xbf6e1f784956452aull);
}

static void test_rng_same_seed_gives_same_sequence(void **state)
{
    (void)state;
    rng a, b, c;
    rng_stream(&a, 42, "net", 0);
    rng_stream(&b, 42, "net", 0);
    rng_stream(&c, 43, "net", 0);
    int differ = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = rng_next(&a);
        assert_int_equal(x, rng_next(&b));
        differ += x != rng_next(&c);
    }
    assert_true(differ > 990);
}

static void test_rng_streams_differ_by_name_and_index(void **state)
{
    (void)state;
    const char *names[] = {"net", "node", "client", "faults", "workload", "lua", ""};
    enum { NAMES = 7, INDICES = 8 };
    uint64_t first[NAMES * INDICES];
    for (int n = 0; n < NAMES; n++)
        for (int i = 0; i < INDICES; i++) {
            rng r;
            rng_stream(&r, 7, names[n], (uint64_t)i);
            first[n * INDICES + i] = rng_next(&r);
        }
    for (int x = 0; x < NAMES * INDICES; x++)
        for (int y = x + 1; y < NAMES * INDICES; y++)
            assert_true(first[x] != first[y]);
}

static void test_rng_adding_a_stream_never_shifts_another(void **state)
{
    (void)state;
    rng alone, with_others, other;
    rng_stream(&alone, 99, "node", 3);
    uint64_t expect[64];
    for (int i = 0; i < 64; i++)
        expect[i] = rng_next(&alone);
    /* Same stream, now created after and interleaved with others. */
    rng_stream(&other, 99, "faults", 0);
    rng_next(&other);
    rng_stream(&with_others, 99, "node", 3);
    rng_stream(&other, 99, "node", 4);
    for (int i = 0; i < 64; i++) {
        rng_next(&other);
        assert_int_equal(rng_next(&with_others), expect[i]);
    }
}

static void test_rng_below_stays_in_bounds(void **state)
{
    (void)state;
    rng r;
    rng_seed(&r, 5);
    uint64_t bounds[] = {1, 2, 3, 7, 1000, (1ull << 63) + 1, UINT64_MAX};
    for (size_t b = 0; b < sizeof bounds / sizeof bounds[0]; b++)
        for (int i = 0; i < 10000; i++)
            assert_true(rng_below(&r, bounds[b]) < bounds[b]);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(rng_below(&r, 1), 0);
}

static void test_rng_below_is_roughly_uniform(void **state)
{
    (void)state;
    enum { BINS = 10, DRAWS = 100000 };
    rng r;
    rng_seed(&r, 2024);
    long count[BINS] = {0};
    for (int i = 0; i < DRAWS; i++)
        count[rng_below(&r, BINS)]++;
    double chi2 = 0;
    for (int b = 0; b < BINS; b++) {
        double d = (double)count[b] - DRAWS / BINS;
        chi2 += d * d / (DRAWS / BINS);
    }
    /* 9 degrees of freedom: P(chi2 > 27.9) = 0.001. */
    assert_true(chi2 < 27.9);
}

static void test_rng_range_covers_both_ends_and_extremes(void **state)
{
    (void)state;
    rng r;
    rng_seed(&r, 11);
    bool seen_lo = false, seen_hi = false;
    for (int i = 0; i < 1000; i++) {
        int64_t x = rng_range(&r, -3, 3);
        assert_true(x >= -3 && x <= 3);
        seen_lo |= x == -3;
        seen_hi |= x == 3;
    }
    assert_true(seen_lo && seen_hi);
    assert_int_equal(rng_range(&r, 5, 5), 5);
    for (int i = 0; i < 100; i++) {
        int64_t x = rng_range(&r, INT64_MIN, INT64_MAX);   /* full span */
        (void)x;
        int64_t y = rng_range(&r, INT64_MAX - 1, INT64_MAX);
        assert_true(y >= INT64_MAX - 1);
    }
}

static void test_rng_chance_honours_bounds_and_rate(void **state)
{
    (void)state;
    rng r;
    rng_seed(&r, 3);
    int hits = 0;
    for (int i = 0; i < 100000; i++) {
        assert_false(rng_chance(&r, 0.0));
        assert_false(rng_chance(&r, -1.0));
        assert_true(rng_chance(&r, 1.0));
        assert_true(rng_chance(&r, 2.0));
        hits += rng_chance(&r, 0.25);
    }
    assert_true(hits > 24000 && hits < 26000);
}

static void test_rng_unit_and_normal_have_expected_moments(void **state)
{
    (void)state;
    enum { DRAWS = 100000 };
    rng r;
    rng_seed(&r, 8);
    double sum = 0, nsum = 0, nsq = 0;
    for (int i = 0; i < DRAWS; i++) {
        double u = rng_unit(&r);
        assert_true(u >= 0.0 && u < 1.0);
        sum += u;
        double z = rng_normal(&r);
        nsum += z;
        nsq += z * z;
    }
    assert_true(fabs(sum / DRAWS - 0.5) < 0.01);
    assert_true(fabs(nsum / DRAWS) < 0.02);
    assert_true(fabs(nsq / DRAWS - 1.0) < 0.03);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rng_splitmix64_matches_known_answers),
        cmocka_unit_test(test_rng_xoshiro256starstar_matches_known_answers),
        cmocka_unit_test(test_rng_seed_fills_state_from_splitmix64),
        cmocka_unit_test(test_rng_same_seed_gives_same_sequence),
        cmocka_unit_test(test_rng_streams_differ_by_name_and_index),
        cmocka_unit_test(test_rng_adding_a_stream_never_shifts_another),
        cmocka_unit_test(test_rng_below_stays_in_bounds),
        cmocka_unit_test(test_rng_below_is_roughly_uniform),
        cmocka_unit_test(test_rng_range_covers_both_ends_and_extremes),
        cmocka_unit_test(test_rng_chance_honours_bounds_and_rate),
        cmocka_unit_test(test_rng_unit_and_normal_have_expected_moments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
** test_latency.c — unit tests of the latency models (sim/latency.c).
**
** Each model is sampled 100,000 times from a pinned stream and checked for
** its bounds and for its mean (or median) within loose tolerances; the
** constant model must be exact, and every model must respect the cap.
** Formatting and names are checked against literal strings.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>

#include <cmocka.h>

#include "latency.h"

enum { SAMPLES = 100000 };
#define MS 1000000LL

typedef struct stats {
    int64_t min, max;
    double mean, sd;
    long below_a;   /* samples < a */
} stats;

static stats sample_stats(latency_kind kind, int64_t a, int64_t b, uint64_t seed)
{
    latency_model m = { kind, a, b };
    rng r;
    rng_seed(&r, seed);
    stats st = { INT64_MAX, INT64_MIN, 0, 0, 0 };
    double sum = 0, sq = 0;
    for (int i = 0; i < SAMPLES; i++) {
        int64_t x = latency_sample(&m, &r);
        assert_true(x >= 0 && x <= LATENCY_NS_MAX);
        st.min = x < st.min ? x : st.min;
        st.max = x > st.max ? x : st.max;
        st.below_a += x < a;
        sum += (double)x;
        sq += (double)x * (double)x;
    }
    st.mean = sum / SAMPLES;
    st.sd = sqrt(sq / SAMPLES - st.mean * st.mean);
    return st;
}

static bool near(double got, double want, double rel)
{
    return fabs(got - want) <= rel * fabs(want);
}

static void test_latency_constant_is_exact(void **state)
{
    (void)state;
    stats st = sample_stats(LATENCY_CONSTANT, 5 * MS, 0, 1);
    assert_int_equal(st.min, 5 * MS);
    assert_int_equal(st.max, 5 * MS);
}

static void test_latency_uniform_stays_in_range_with_expected_mean(void **state)
{
    (void)state;
    stats st = sample_stats(LATENCY_UNIFORM, 1 * MS, 10 * MS, 2);
    assert_true(st.min >= 1 * MS && st.max <= 10 * MS);
    assert_true(st.min < 1 * MS + 1000 && st.max > 10 * MS - 1000);
    assert_true(near(st.mean, 5.5 * MS, 0.01));
    stats one = sample_stats(LATENCY_UNIFORM, 7, 7, 2);
    assert_int_equal(one.min, 7);
    assert_int_equal(one.max, 7);
}

static void test_latency_normal_has_mean_and_sd_and_truncates_at_zero(void **state)
{
    (void)state;
    stats st = sample_stats(LATENCY_NORMAL, 10 * MS, 2 * MS, 3);
    assert_true(near(st.mean, 10 * MS, 0.01));
    assert_true(near(st.sd, 2 * MS, 0.03));
    stats wide = sample_stats(LATENCY_NORMAL, 1 * MS, 5 * MS, 3);
    assert_int_equal(wide.min, 0);   /* about 42% of draws are below zero */
}

static void test_latency_lognormal_has_median_a_and_expected_mean(void **state)
{
    (void)state;
    stats st = sample_stats(LATENCY_LOGNORMAL, 10 * MS, 500, 4);   /* sigma 0.5 */
    assert_true(fabs((double)st.below_a / SAMPLES - 0.5) < 0.01);
    assert_true(near(st.mean, 10 * MS * exp(0.125), 0.02));
    assert_true(st.min > 0);
}

static void test_latency_pareto_never_goes_below_scale_and_has_expected_mean(void **state)
{
    (void)state;
    stats st = sample_stats(LATENCY_PARETO, 1 * MS, 3000, 5);   /* alpha 3 */
    assert_int_equal(st.below_a, 0);
    assert_true(st.min < 1 * MS + 1000);
    assert_true(near(st.mean, 1.5 * MS, 0.05));
    assert_true(st.max > 10 * MS);   /* the tail shows up */
}

static void test_latency_samples_are_capped(void **state)
{
    (void)state;
    latency_model c = { LATENCY_CONSTANT, 2 * LATENCY_NS_MAX, 0 };
    latency_model u = { LATENCY_UNIFORM, LATENCY_NS_MAX, INT64_MAX };
    latency_model n = { LATENCY_NORMAL, INT64_MAX / 2, 1 };
    latency_model p = { LATENCY_PARETO, 1 * MS, 1 };   /* alpha 0.001: huge tail */
    rng r;
    rng_seed(&r, 6);
    assert_int_equal(latency_sample(&c, &r), LATENCY_NS_MAX);
    long capped = 0;
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(latency_sample(&u, &r), LATENCY_NS_MAX);
        assert_int_equal(latency_sample(&n, &r), LATENCY_NS_MAX);
        int64_t x = latency_sample(&p, &r);
        assert_true(x >= 1 * MS && x <= LATENCY_NS_MAX);
        capped += x == LATENCY_NS_MAX;
    }
    assert_true(capped > 900);
}

static void test_latency_same_stream_gives_same_samples(void **state)
{
    (void)state;
    latency_model m = { LATENCY_LOGNORMAL, 3 * MS, 800 };
    rng a, b;
    rng_stream(&a, 1, "net", 2);
    rng_stream(&b, 1, "net", 2);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(latency_sample(&m, &a), latency_sample(&m, &b));
}

static void expect_format(latency_kind k, int64_t a, int64_t b, const char *want)
{
    latency_model m = { k, a, b };
    char buf[64];
    latency_format(&m, buf, sizeof buf);
    assert_string_equal(buf, want);
}

static void test_latency_format_prints_milliseconds_with_three_decimals(void **state)
{
    (void)state;
    expect_format(LATENCY_UNIFORM, 1 * MS, 10 * MS, "uniform(1ms, 10ms)");
    expect_format(LATENCY_CONSTANT, 250000, 0, "constant(0.25ms)");
    expect_format(LATENCY_NORMAL, 1001000, 0, "normal(1.001ms, 0ms)");
    expect_format(LATENCY_CONSTANT, 1234567, 0, "constant(1.235ms)");   /* rounded */
    expect_format(LATENCY_CONSTANT, 499, 0, "constant(0ms)");
    expect_format(LATENCY_LOGNORMAL, 10 * MS, 500, "lognormal(10ms, 0.5)");
    expect_format(LATENCY_PARETO, 1 * MS, 1500, "pareto(1ms, 1.5)");
    expect_format(LATENCY_PARETO, 2 * MS, 2000, "pareto(2ms, 2)");
    latency_model m = { LATENCY_UNIFORM, 1 * MS, 10 * MS };
    char small[8];
    latency_format(&m, small, sizeof small);   /* truncated, terminated */
    assert_string_equal(small, "uniform");
}

static void test_latency_names_match_kinds(void **state)
{
    (void)state;
    assert_string_equal(latency_name(LATENCY_CONSTANT), "constant");
    assert_string_equal(latency_name(LATENCY_UNIFORM), "uniform");
    assert_string_equal(latency_name(LATENCY_NORMAL), "normal");
    assert_string_equal(latency_name(LATENCY_LOGNORMAL), "lognormal");
    assert_string_equal(latency_name(LATENCY_PARETO), "pareto");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_latency_constant_is_exact),
        cmocka_unit_test(test_latency_uniform_stays_in_range_with_expected_mean),
        cmocka_unit_test(test_latency_normal_has_mean_and_sd_and_truncates_at_zero),
        cmocka_unit_test(test_latency_lognormal_has_median_a_and_expected_mean),
        cmocka_unit_test(test_latency_pareto_never_goes_below_scale_and_has_expected_mean),
        cmocka_unit_test(test_latency_samples_are_capped),
        cmocka_unit_test(test_latency_same_stream_gives_same_samples),
        cmocka_unit_test(test_latency_format_prints_milliseconds_with_three_decimals),
        cmocka_unit_test(test_latency_names_match_kinds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

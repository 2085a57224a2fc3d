/*
** test_calendar.c — the bench's reference calendar queue pops exactly what
** the kernel's queue pops: the same random pushes (many equal times, wide
** and narrow spreads, the size growing and shrinking through resizes) give
** the same (time, payload) sequence from both, so the reference loop in
** 'dsim bench kernel' measures a correct queue.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "bench_calendar.h"
#include "rng.h"

static void same_order(uint64_t seed, int64_t spread, int steps)
{
    queue q;
    assert_int_equal(queue_init(&q, 1u << 16), 0);
    calendar *c = calendar_new(1u << 16);
    assert_non_null(c);
    rng r;
    rng_stream(&r, seed, "calendar", 0);
    int64_t now = 0;
    uint64_t next = 0;
    for (int i = 0; i < steps; i++) {
        /* grow for the first third, hover, then drain */
        int pushes = i < steps / 3 ? 2 : i < 2 * steps / 3 ? (int)rng_below(&r, 3) : 0;
        for (int k = 0; k < pushes; k++) {
            int64_t t = now + (int64_t)rng_below(&r, (uint64_t)spread);
            queue_item it = {.a = next++};
            assert_true(queue_push(&q, t, &it) != 0);
            assert_int_equal(calendar_push(c, t, &it), 0);
        }
        assert_int_equal(calendar_len(c), queue_len(&q));
        if (queue_len(&q) == 0)
            continue;
        int64_t tq, tc;
        queue_item a, b;
        assert_true(queue_pop(&q, &tq, &a));
        assert_true(calendar_pop(c, &tc, &b));
        assert_int_equal(tq, tc);
        assert_int_equal(a.a, b.a);
        now = tq;
    }
    calendar_free(c);
    queue_free(&q);
}

static void test_ties(void **st) { (void)st; same_order(1, 4, 30000); }
static void test_narrow(void **st) { (void)st; same_order(2, 1000, 30000); }
static void test_wide(void **st) { (void)st; same_order(3, 5000000, 30000); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ties),
        cmocka_unit_test(test_narrow),
        cmocka_unit_test(test_wide),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

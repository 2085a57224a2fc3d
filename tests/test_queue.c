/*
** test_queue.c — unit tests of the event queue (sim/kernel/queue.c).
**
** Covers ordering by time, ties in push order, cancel at every position
** and with stale handles, growth up to 'cap_max' and failure at the bound
** (counting live events: cancelled ones are compacted away), and a
** randomized comparison against a plain sorted-array reference over
** 100,000 mixed push / pop / cancel operations, also with the sequence
** counter's limit lowered so that the keys are renumbered many times.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "queue.h"

static queue_item item_of(uint64_t a)
{
    queue_item it;
    memset(&it, 0, sizeof it);
    it.a = a;
    it.node = (int32_t)(a % 7);
    return it;
}

static void test_queue_pops_in_time_order(void **state)
{
    (void)state;
    queue q;
    assert_int_equal(queue_init(&q, 1000), 0);
    int64_t times[] = {50, 10, 40, 30, 20, 60, 0};
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        queue_item it = item_of((uint64_t)times[i]);
        assert_true(queue_push(&q, times[i], &it) != 0);
    }
    assert_int_equal(queue_len(&q), 7);
    assert_int_equal(queue_peek_time(&q), 0);
    int64_t t, prev = -1;
    queue_item out;
    while (queue_pop(&q, &t, &out)) {
        assert_true(t > prev);
        assert_int_equal((int64_t)out.a, t);
        prev = t;
    }
    assert_int_equal(queue_len(&q), 0);
    assert_int_equal(queue_peek_time(&q), INT64_MAX);
    assert_false(queue_pop(&q, &t, &out));
    queue_free(&q);
}

static void test_queue_equal_times_run_in_insertion_order(void **state)
{
    (void)state;
    queue q;
    assert_int_equal(queue_init(&q, 10000), 0);
    /* Interleave two times so ties are spread across the heap. */
    for (uint64_t i = 0; i < 1000; i++) {
        queue_item it = item_of(i);
        assert_true(queue_push(&q, (i % 2) ? 5 : 7, &it) != 0);
    }
    int64_t t;
    queue_item out;
    for (uint64_t i = 1; i < 1000; i += 2) {
        assert_true(queue_pop(&q, &t, &out));
        assert_int_equal(t, 5);
        assert_int_equal(out.a, i);
    }
    for (uint64_t i = 0; i < 1000; i += 2) {
        assert_true(queue_pop(&q, &t, &out));
        assert_int_equal(t, 7);
        assert_int_equal(out.a, i);
    }
    queue_free(&q);
}

/* Pushes times 0..n-1 (a = time) and returns their handles in 'h'. */
static void push_range(queue *q, uint64_t *h, int n)
{
    for (int i = 0; i < n; i++) {
        queue_item it = item_of((uint64_t)i);
        h[i] = queue_push(q, i, &it);
        assert_true(h[i] != 0);
    }
}

static void expect_order_without(queue *q, int n, int skip)
{
    int64_t t;
    queue_item out;
    for (int i = 0; i < n; i++) {
        if (i == skip)
            continue;
        assert_true(queue_pop(q, &t, &out));
        assert_int_equal(t, i);
        assert_int_equal(out.a, (uint64_t)i);
    }
    assert_false(queue_pop(q, &t, &out));
}

static void test_queue_cancel_removes_head_middle_and_tail(void **state)
{
    (void)state;
    int positions[] = {0, 17, 39};   /* head, middle, tail of 40 */
    for (size_t p = 0; p < 3; p++) {
        queue q;
        uint64_t h[40];
        assert_int_equal(queue_init(&q, 100), 0);
        push_range(&q, h, 40);
        assert_true(queue_cancel(&q, h[positions[p]]));
        assert_int_equal(queue_len(&q), 39);
        assert_false(queue_cancel(&q, h[positions[p]]));   /* twice: no-op */
        expect_order_without(&q, 40, positions[p]);
        queue_free(&q);
    }
}

static void test_queue_stale_handles_are_ignored(void **state)
{
    (void)state;
    queue q;
    uint64_t h[4];
    assert_int_equal(queue_init(&q, 100), 0);
    push_range(&q, h, 4);
    int64_t t;
    queue_item out;
    assert_true(queue_pop(&q, &t, &out));
    assert_false(queue_cancel(&q, h[0]));   /* after pop */
    /* The popped slot is reused by the next push: the old handle must not
    ** cancel the new event. */
    queue_item it = item_of(99);
    uint64_t fresh = queue_push(&q, 99, &it);
    assert_true(fresh != 0);
    assert_true(fresh != h[0]);
    assert_false(queue_cancel(&q, h[0]));
    assert_int_equal(queue_len(&q), 4);
    assert_false(queue_cancel(&q, 0));
    assert_false(queue_cancel(&q, 0xffffffffu));          /* slot out of range */
    assert_false(queue_cancel(&q, (uint64_t)77 << 32 | 1)); /* wrong generation */
    assert_true(queue_cancel(&q, fresh));
    assert_int_equal(queue_len(&q), 3);
    queue_free(&q);
}

static void test_queue_grows_to_cap_and_push_fails_at_cap(void **state)
{
    (void)state;
    queue q;
    const uint32_t cap = 1000;   /* not a power of two: the last growth clips */
    assert_int_equal(queue_init(&q, cap), 0);
    for (uint32_t i = 0; i < cap; i++) {
        queue_item it = item_of(i);
        assert_true(queue_push(&q, (int64_t)(cap - i), &it) != 0);
    }
    assert_int_equal(queue_len(&q), cap);
    queue_item it = item_of(0);
    assert_int_equal(queue_push(&q, 1, &it), 0);
    assert_int_equal(queue_len(&q), cap);
    int64_t t;
    queue_item out;
    assert_true(queue_pop(&q, &t, &out));
    assert_int_equal(t, 1);
    assert_true(queue_push(&q, 0, &it) != 0);   /* room again */
    assert_int_equal(queue_peek_time(&q), 0);
    queue_free(&q);

    assert_int_equal(queue_init(&q, 1), 0);      /* the smallest queue */
    assert_true(queue_push(&q, 3, &it) != 0);
    assert_int_equal(queue_push(&q, 3, &it), 0);
    queue_free(&q);
}

/* ---- randomized comparison with a sorted-array reference ---------------- */

typedef struct ref_ev {
    int64_t time;
    uint64_t seq;
    uint64_t handle;
} ref_ev;

typedef struct ref {
    ref_ev *ev;   /* sorted by (time, seq) */
    size_t len;
} ref;

static void ref_insert(ref *r, ref_ev e)
{
    size_t i = r->len;
    while (i > 0 && (r->ev[i - 1].time > e.time ||
                     (r->ev[i - 1].time == e.time && r->ev[i - 1].seq > e.seq))) {
        r->ev[i] = r->ev[i - 1];
        i--;
    }
    r->ev[i] = e;
    r->len++;
}

static void ref_remove(ref *r, size_t i)
{
    memmove(&r->ev[i], &r->ev[i + 1], (r->len - i - 1) * sizeof r->ev[0]);
    r->len--;
}

static uint64_t lcg_next(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

/* A push time: 'wide' 0 draws few distinct times (many ties, many before
** the last pop); 1 draws after the last pop, near (bucket ring), far (the
** heap, moved into the ring later) or tied, so the queue rebuilds its
** layout as the mix changes. */
static int64_t draw_time(uint64_t *rs, int wide, int64_t last)
{
    if (!wide)
        return (int64_t)(lcg_next(rs) % 200);
    uint64_t kind = lcg_next(rs) % 10;
    if (kind < 6)
        return last + (int64_t)(lcg_next(rs) % 5000);
    if (kind < 9)
        return last + 1000000 + (int64_t)(lcg_next(rs) % 1000000) * 1000;
    return last + (int64_t)(lcg_next(rs) % 3);
}

/* 'seq_limit' 0 keeps the queue's own; a small one makes the queue
** renumber its keys many times during the run. */
static void reference_run(uint64_t seq_limit, int wide)
{
    enum { OPS = 100000, CAP = 3000 };
    queue q;
    ref r = { calloc(CAP + 1, sizeof(ref_ev)), 0 };
    uint64_t *dead = calloc(OPS, sizeof(uint64_t));   /* handles no longer pending */
    size_t dead_len = 0;
    assert_non_null(r.ev);
    assert_non_null(dead);
    assert_int_equal(queue_init(&q, CAP), 0);
    if (seq_limit)
        q.seq_limit = seq_limit;
    uint64_t rs = 12345, seq = 0, full_seen = 0;
    int64_t last = 0;
    for (int op = 0; op < OPS; op++) {
        /* The first half fills the queue up to its bound, the second drains. */
        uint64_t dice = lcg_next(&rs) % 10, push_below = op < OPS / 2 ? 6 : 2;
        if (dice < push_below) {   /* push; few distinct times, many ties */
            int64_t t = draw_time(&rs, wide, last);
            queue_item it = item_of(seq);
            uint64_t h = queue_push(&q, t, &it);
            if (r.len == CAP) {
                assert_int_equal(h, 0);
                full_seen++;
                continue;
            }
            assert_true(h != 0);
            ref_insert(&r, (ref_ev){ t, seq++, h });
        } else if (dice < push_below + 2) {   /* pop */
            int64_t t;
            queue_item out;
            bool got = queue_pop(&q, &t, &out);
            assert_int_equal(got, r.len > 0);
            if (!got)
                continue;
            assert_int_equal(t, r.ev[0].time);
            assert_int_equal(out.a, r.ev[0].seq);
            last = t;
            dead[dead_len++] = r.ev[0].handle;
            ref_remove(&r, 0);
        } else if (dice < push_below + 3 && r.len > 0) {   /* cancel a pending event */
            size_t i = (size_t)(lcg_next(&rs) % r.len);
            assert_true(queue_cancel(&q, r.ev[i].handle));
            dead[dead_len++] = r.ev[i].handle;
            ref_remove(&r, i);
        } else if (dead_len > 0) {   /* cancel a stale handle */
            assert_false(queue_cancel(&q, dead[lcg_next(&rs) % dead_len]));
        }
        assert_int_equal(queue_len(&q), r.len);
        assert_int_equal(queue_peek_time(&q), r.len ? r.ev[0].time : INT64_MAX);
    }
    assert_true(full_seen > 0);
    while (r.len > 0) {   /* drain what is left */
        int64_t t;
        queue_item out;
        assert_true(queue_pop(&q, &t, &out));
        assert_int_equal(out.a, r.ev[0].seq);
        ref_remove(&r, 0);
    }
    assert_int_equal(queue_len(&q), 0);
    queue_free(&q);
    free(r.ev);
    free(dead);
}

static void test_queue_matches_sorted_array_reference_over_100k_ops(void **state)
{
    (void)state;
    reference_run(0, 0);
}

static void test_queue_matches_reference_with_near_far_and_tied_times(void **state)
{
    (void)state;
    reference_run(0, 1);
}

static void test_queue_keeps_order_across_sequence_renumbering(void **state)
{
    (void)state;
    reference_run(4096, 0);
    reference_run(4096, 1);   /* above the pool's 3,000 keys, far below 100k pushes */
}

/* Cancelled events keep their keys until the front reaches them; at the
** bound they are compacted away, so the bound counts live events only. */
static void test_queue_bound_counts_live_events_after_cancels(void **state)
{
    (void)state;
    queue q;
    uint64_t h[64];
    assert_int_equal(queue_init(&q, 64), 0);
    push_range(&q, h, 64);
    queue_item it = item_of(1000);
    assert_int_equal(queue_push(&q, 5, &it), 0);   /* full */
    for (int i = 0; i < 64; i += 2)
        assert_true(queue_cancel(&q, h[i]));
    assert_int_equal(queue_len(&q), 32);
    for (int i = 0; i < 32; i++) {   /* room for 32 more, in order with the rest */
        it = item_of(1000 + (uint64_t)i);
        assert_true(queue_push(&q, 100 + i, &it) != 0);
    }
    assert_int_equal(queue_push(&q, 5, &it), 0);
    assert_int_equal(queue_peek_time(&q), 1);
    int64_t t;
    queue_item out;
    for (int i = 1; i < 64; i += 2) {
        assert_true(queue_pop(&q, &t, &out));
        assert_int_equal(out.a, (uint64_t)i);
    }
    for (int i = 0; i < 32; i++) {
        assert_true(queue_pop_until(&q, 100 + i, &t, &out));
        assert_int_equal(out.a, 1000 + (uint64_t)i);
        assert_false(queue_pop_until(&q, 100 + i, &t, &out));   /* the next is later */
    }
    assert_false(queue_pop(&q, &t, &out));
    queue_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_queue_pops_in_time_order),
        cmocka_unit_test(test_queue_equal_times_run_in_insertion_order),
        cmocka_unit_test(test_queue_cancel_removes_head_middle_and_tail),
        cmocka_unit_test(test_queue_stale_handles_are_ignored),
        cmocka_unit_test(test_queue_grows_to_cap_and_push_fails_at_cap),
        cmocka_unit_test(test_queue_matches_sorted_array_reference_over_100k_ops),
        cmocka_unit_test(test_queue_matches_reference_with_near_far_and_tied_times),
        cmocka_unit_test(test_queue_keeps_order_across_sequence_renumbering),
        cmocka_unit_test(test_queue_bound_counts_live_events_after_cancels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

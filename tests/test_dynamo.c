/*
** test_dynamo.c — unit tests of the Dynamo store's pure parts
** (protocols/dynamo/): version vector comparison and merge (and the
** planted vv_merge_min), the merge of records (siblings kept when
** concurrent, dropped when dominated, in one canonical order; lww by
** (ts, by); PN-counter slots by max; sets by union), and the hash ring
** (every node once per preference list, deterministic, spread by vnodes).
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "dynamo.h"

static dyn_vv vv3(uint64_t a, uint64_t b, uint64_t c)
{
    dyn_vv v;
    memset(&v, 0, sizeof v);
    v.c[0] = a;
    v.c[1] = b;
    v.c[2] = c;
    return v;
}

static dyn_rec reg(dyn_vv v, int64_t value)
{
    dyn_rec r;
    memset(&r, 0, sizeof r);
    r.nsib = 1;
    r.sib[0].vv = v;
    r.sib[0].value = value;
    return r;
}

static void test_vv_compare_orders_causally(void **state)
{
    (void)state;
    dyn_vv a = vv3(1, 0, 0), b = vv3(1, 1, 0), c = vv3(0, 0, 1);
    assert_int_equal(dyn_vv_compare(&a, &a), DYN_EQUAL);
    assert_int_equal(dyn_vv_compare(&a, &b), DYN_BEFORE);
    assert_int_equal(dyn_vv_compare(&b, &a), DYN_AFTER);
    assert_int_equal(dyn_vv_compare(&b, &c), DYN_CONCURRENT);
    assert_int_equal(dyn_vv_compare(&c, &b), DYN_CONCURRENT);
}

static void test_vv_merge_is_pointwise_max_and_the_bug_min(void **state)
{
    (void)state;
    dyn_vv a = vv3(3, 0, 1), b = vv3(1, 2, 1);
    dyn_vv m = a;
    dyn_vv_merge(&m, &b, false);
    assert_int_equal(dyn_vv_compare(&m, &a), DYN_AFTER);
    assert_int_equal(dyn_vv_compare(&m, &b), DYN_AFTER);
    assert_true(m.c[0] == 3 && m.c[1] == 2 && m.c[2] == 1);
    dyn_vv bad = a;
    dyn_vv_merge(&bad, &b, true);   /* vv_merge_min: covers neither side */
    assert_true(bad.c[0] == 1 && bad.c[1] == 0);
    assert_int_equal(dyn_vv_compare(&bad, &a), DYN_BEFORE);
}

static void test_concurrent_versions_are_kept_as_siblings_in_order(void **state)
{
    (void)state;
    dyn_rec x = reg(vv3(1, 0, 0), 10), y = reg(vv3(0, 1, 0), 20);
    dyn_rec a = x, b = y;
    assert_true(dyn_rec_merge(&a, &y, DYN_VV, DYN_REGISTER, 3, false));
    assert_true(dyn_rec_merge(&b, &x, DYN_VV, DYN_REGISTER, 3, false));
    assert_int_equal(a.nsib, 2);
    assert_int_equal(dyn_rec_digest(&a), dyn_rec_digest(&b));   /* commutative */
    assert_false(dyn_rec_merge(&a, &x, DYN_VV, DYN_REGISTER, 3, false));   /* idempotent */
    assert_int_equal(dyn_rec_value(&a, DYN_VV, DYN_REGISTER, 3), 20);   /* the client's pick: largest */
    /* a version that saw both replaces both */
    dyn_rec z = reg(vv3(1, 1, 1), 5);
    assert_true(dyn_rec_merge(&a, &z, DYN_VV, DYN_REGISTER, 3, false));
    assert_int_equal(a.nsib, 1);
    assert_int_equal(a.sib[0].value, 5);
    /* an older version changes nothing */
    assert_false(dyn_rec_merge(&a, &x, DYN_VV, DYN_REGISTER, 3, false));
}

static void test_lww_keeps_the_later_timestamp_then_node(void **state)
{
    (void)state;
    dyn_rec a = reg(vv3(0, 0, 0), 1), b = reg(vv3(0, 0, 0), 2);
    a.sib[0].ts = 100;
    b.sib[0].ts = 99;   /* causally later, but its clock is behind: lost */
    assert_false(dyn_rec_merge(&a, &b, DYN_LWW, DYN_REGISTER, 3, false));
    assert_int_equal(a.sib[0].value, 1);
    b.sib[0].ts = 100;
    b.sib[0].by = 2;
    assert_true(dyn_rec_merge(&a, &b, DYN_LWW, DYN_REGISTER, 3, false));
    assert_int_equal(a.sib[0].value, 2);
}

static void test_pn_counter_merges_slots_by_max_and_the_bug_loses_adds(void **state)
{
    (void)state;
    dyn_rec a = reg(vv3(1, 0, 0), 0), b = reg(vv3(0, 1, 0), 0);
    a.len = b.len = 6;   /* 3 nodes: P slots, then N slots */
    a.words[0] = 5;
    b.words[1] = 7;
    b.words[4] = 2;
    dyn_rec good = a, bad = a;
    dyn_rec_merge(&good, &b, DYN_VV, DYN_COUNTER, 3, false);
    assert_int_equal(dyn_rec_value(&good, DYN_VV, DYN_COUNTER, 3), 5 + 7 - 2);
    dyn_rec_merge(&bad, &b, DYN_VV, DYN_COUNTER, 3, true);
    assert_int_equal(dyn_rec_value(&bad, DYN_VV, DYN_COUNTER, 3), 0);
}

static void test_set_merges_by_sorted_union(void **state)
{
    (void)state;
    dyn_rec a = reg(vv3(1, 0, 0), 0), b = reg(vv3(0, 1, 0), 0);
    assert_true(dyn_set_add(&a, 3) && dyn_set_add(&a, 1) && dyn_set_add(&a, 1));
    assert_true(dyn_set_add(&b, 2) && dyn_set_add(&b, 3));
    dyn_rec_merge(&a, &b, DYN_VV, DYN_SET, 3, false);
    assert_int_equal(a.len, 3);
    assert_true(a.words[0] == 1 && a.words[1] == 2 && a.words[2] == 3);
}

static void test_ring_preference_lists_hold_every_node_once(void **state)
{
    (void)state;
    dyn_ring *ring = calloc(1, sizeof *ring), *again = calloc(1, sizeof *again);
    assert_non_null(ring);
    assert_non_null(again);
    dyn_ring_build(ring, 5, 8);
    dyn_ring_build(again, 5, 8);
    int first[5] = {0};
    for (uint32_t k = 0; k < 256; k++) {
        int pref[DYN_NODES_MAX], pref2[DYN_NODES_MAX];
        assert_int_equal(dyn_ring_pref(ring, k, pref, DYN_NODES_MAX), 5);
        dyn_ring_pref(again, k, pref2, DYN_NODES_MAX);
        uint32_t seen = 0;
        for (int i = 0; i < 5; i++) {
            assert_int_equal(pref[i], pref2[i]);   /* every node computes the same ring */
            assert_false(seen & (1u << pref[i]));
            seen |= 1u << pref[i];
        }
        first[pref[0]]++;
        for (int i = 0; i < 5; i++)
            assert_int_equal(dyn_ring_is_home(ring, k, 3, pref[i]), i < 3);
    }
    for (int i = 0; i < 5; i++)   /* vnodes spread the keys: nobody owns none */
        assert_true(first[i] > 10);
    free(ring);
    free(again);
}

/* With data centres, a key's first n preferences hold n/dcs nodes of each
** data centre (in ring-walk order within it), the rest follow, and every
** node still appears once; dcs = 1 leaves the walk as it was. */
static void test_ring_places_home_replicas_per_data_centre(void **state)
{
    (void)state;
    dyn_ring *ring = calloc(1, sizeof *ring), *plain = calloc(1, sizeof *plain);
    assert_non_null(ring);
    assert_non_null(plain);
    dyn_ring_build(ring, 7, 8);
    dyn_ring_build(plain, 7, 8);
    dyn_ring_place(ring, 2, 4);   /* DC1 n1-n3, DC2 n4-n7; 2 homes each */
    assert_int_equal(dyn_dc_of(7, 2, 2), 0);
    assert_int_equal(dyn_dc_of(7, 2, 3), 1);
    for (uint32_t k = 0; k < 256; k++) {
        int pref[DYN_NODES_MAX], walk[DYN_NODES_MAX], per[2] = {0, 0};
        assert_int_equal(dyn_ring_pref(ring, k, pref, DYN_NODES_MAX), 7);
        dyn_ring_pref(plain, k, walk, DYN_NODES_MAX);
        uint32_t seen = 0;
        for (int i = 0; i < 7; i++) {
            assert_false(seen & (1u << pref[i]));
            seen |= 1u << pref[i];
        }
        for (int i = 0; i < 4; i++)
            per[dyn_dc_of(7, 2, pref[i])]++;
        assert_int_equal(per[0], 2);
        assert_int_equal(per[1], 2);
        for (int d = 0; d < 2; d++) {   /* each data centre's homes: its first two in the walk */
            int got = 0;
            for (int i = 0; i < 7 && got < 2; i++)
                if (dyn_dc_of(7, 2, walk[i]) == d) {
                    assert_true(dyn_ring_is_home(ring, k, 4, walk[i]));
                    got++;
                }
        }
    }
    dyn_ring_place(plain, 1, 3);
    for (uint32_t k = 0; k < 64; k++) {
        int a[DYN_NODES_MAX], b[DYN_NODES_MAX];
        dyn_ring_build(ring, 7, 8);
        dyn_ring_pref(ring, k, a, DYN_NODES_MAX);
        dyn_ring_pref(plain, k, b, DYN_NODES_MAX);
        assert_memory_equal(a, b, 7 * sizeof a[0]);
    }
    free(ring);
    free(plain);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vv_compare_orders_causally),
        cmocka_unit_test(test_vv_merge_is_pointwise_max_and_the_bug_min),
        cmocka_unit_test(test_concurrent_versions_are_kept_as_siblings_in_order),
        cmocka_unit_test(test_lww_keeps_the_later_timestamp_then_node),
        cmocka_unit_test(test_pn_counter_merges_slots_by_max_and_the_bug_loses_adds),
        cmocka_unit_test(test_set_merges_by_sorted_union),
        cmocka_unit_test(test_ring_preference_lists_hold_every_node_once),
        cmocka_unit_test(test_ring_places_home_replicas_per_data_centre),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

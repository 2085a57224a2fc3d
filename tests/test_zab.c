/*
** test_zab.c — unit tests of ZAB's pure parts (protocols/zab/): the order
** of fast leader election's votes, zxid and epoch arithmetic, lookups in
** the history, and the leader's choice of DIFF, TRUNC or SNAP for a
** follower. The functions under test touch only memory, so each test
** drives them directly on a zab_state without a world.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "../protocols/zab/zab.h"

static zab_vote vote(uint64_t epoch, uint64_t zxid, int id)
{
    return (zab_vote){.epoch = epoch, .zxid = zxid, .id = id};
}

static void test_zab_votes_order_by_epoch_then_zxid_then_id(void **state)
{
    (void)state;
    zab_vote a = vote(2, zab_zxid(1, 9), 0), b = vote(1, zab_zxid(1, 50), 4);
    assert_true(zab_vote_better(&a, &b));   /* a newer currentEpoch wins over a longer log */
    a = vote(1, zab_zxid(1, 7), 0);
    b = vote(1, zab_zxid(1, 6), 4);
    assert_true(zab_vote_better(&a, &b));   /* then the last zxid */
    a = vote(1, zab_zxid(1, 7), 3);
    b = vote(1, zab_zxid(1, 7), 2);
    assert_true(zab_vote_better(&a, &b));   /* then the server id */
    assert_false(zab_vote_better(&b, &a));
    assert_false(zab_vote_better(&a, &a));  /* irreflexive */
    assert_true(zab_vote_eq(&a, &a));
    /* a strict total order: exactly one of better(x,y), better(y,x), x == y */
    for (uint64_t e1 = 0; e1 < 3; e1++)
        for (uint64_t z1 = 0; z1 < 3; z1++)
            for (int i1 = 0; i1 < 3; i1++)
                for (uint64_t e2 = 0; e2 < 3; e2++)
                    for (uint64_t z2 = 0; z2 < 3; z2++)
                        for (int i2 = 0; i2 < 3; i2++) {
                            zab_vote x = vote(e1, z1, i1), y = vote(e2, z2, i2);
                            int k = zab_vote_better(&x, &y) + zab_vote_better(&y, &x) + zab_vote_eq(&x, &y);
                            assert_int_equal(k, 1);
                        }
}

static void test_zab_zxid_is_epoch_then_counter(void **state)
{
    (void)state;
    uint64_t z = zab_zxid(5, 17);
    assert_int_equal(z, (5ull << 32) | 17);
    assert_int_equal(zab_epoch_of(z), 5);
    assert_int_equal(zab_counter_of(z), 17);
    /* every zxid of a newer epoch is above every zxid of an older one */
    assert_true(zab_zxid(6, 1) > zab_zxid(5, 0xffffffffu));
    assert_true(zab_zxid(5, 2) > zab_zxid(5, 1));
    /* the counter cannot spill into the epoch */
    assert_int_equal(zab_epoch_of(zab_zxid(3, 0x1ffffffffull)), 3);
    /* a new epoch is one above the highest any quorum member accepted */
    assert_int_equal(zab_next_epoch(0), 1);
    assert_int_equal(zab_next_epoch(41), 42);
}

/* A history of the given zxids after a snapshot at 'snap_zxid' (position
** 'snap_pos'). */
static zab_state *history(uint64_t snap_pos, uint64_t snap_zxid, const uint64_t *zxids, int len)
{
    zab_state *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->snap_pos = s->last_pos = snap_pos;
    s->snap_zxid = snap_zxid;
    for (int i = 0; i < len; i++) {
        zab_entry e = {.zxid = zxids[i], .pos = s->last_pos + 1, .len = 1};
        zab_log_push(s, &e);
    }
    return s;
}

static void test_zab_history_lookups(void **state)
{
    (void)state;
    const uint64_t z[] = {zab_zxid(1, 1), zab_zxid(1, 2), zab_zxid(2, 1), zab_zxid(4, 1), zab_zxid(4, 2)};
    zab_state *s = history(10, zab_zxid(1, 0), z, 5);   /* snapshot at 1.0, position 10 */
    assert_int_equal(zab_last_zxid(s), zab_zxid(4, 2));
    assert_int_equal(zab_pos_of(s, zab_zxid(2, 1)), 13);
    assert_int_equal(zab_pos_of(s, zab_zxid(3, 1)), 0);            /* not held */
    assert_int_equal(zab_pos_floor(s, zab_zxid(3, 9)), 13);         /* 2.1 is the last below */
    assert_int_equal(zab_pos_floor(s, zab_zxid(9, 9)), 15);
    assert_int_equal(zab_pos_floor(s, zab_zxid(1, 0)), 10);         /* the snapshot itself */
    assert_int_equal(zab_zxid_at(s, 10), zab_zxid(1, 0));
    zab_log_cut(s, 14);
    assert_int_equal(zab_last_zxid(s), zab_zxid(2, 1));
    assert_false(zab_log_full(s));
    free(s);
}

static void test_zab_sync_chooses_diff_trunc_or_snap(void **state)
{
    (void)state;
    /* the leader: snapshot at 1.5, then 1.6 1.7 3.1 3.2 */
    const uint64_t z[] = {zab_zxid(1, 6), zab_zxid(1, 7), zab_zxid(3, 1), zab_zxid(3, 2)};
    zab_state *s = history(5, zab_zxid(1, 5), z, 4);
    uint64_t t;
    /* a follower whose last zxid the leader holds: the rest, DIFF */
    assert_int_equal(zab_sync_mode(s, zab_zxid(1, 7), zab_zxid(1, 6), &t), ZAB_SYNC_DIFF);
    assert_int_equal(zab_sync_mode(s, zab_zxid(3, 2), zab_zxid(3, 2), &t), ZAB_SYNC_DIFF);   /* up to date */
    assert_int_equal(zab_sync_mode(s, zab_zxid(1, 5), zab_zxid(1, 5), &t), ZAB_SYNC_DIFF);   /* at the snapshot */
    /* one that logged 2.1, 2.2 of a leader this one never heard of: back
    ** to 1.7, the leader's last below them, then DIFF */
    assert_int_equal(zab_sync_mode(s, zab_zxid(2, 2), zab_zxid(1, 7), &t), ZAB_SYNC_TRUNC);
    assert_int_equal(t, zab_zxid(1, 7));
    /* one ahead of the leader in the leader's own epoch (never committed) */
    assert_int_equal(zab_sync_mode(s, zab_zxid(3, 9), zab_zxid(3, 1), &t), ZAB_SYNC_TRUNC);
    assert_int_equal(t, zab_zxid(3, 2));
    /* behind the snapshot: the whole state */
    assert_int_equal(zab_sync_mode(s, zab_zxid(1, 2), zab_zxid(1, 2), &t), ZAB_SYNC_SNAP);
    assert_int_equal(zab_sync_mode(s, 0, 0, &t), ZAB_SYNC_SNAP);
    /* a truncation below what the follower committed is not allowed */
    assert_int_equal(zab_sync_mode(s, zab_zxid(2, 2), zab_zxid(2, 1), &t), ZAB_SYNC_SNAP);
    free(s);
    /* an empty leader and an empty follower: nothing to send, DIFF */
    s = history(0, 0, NULL, 0);
    assert_int_equal(zab_sync_mode(s, 0, 0, &t), ZAB_SYNC_DIFF);
    assert_int_equal(zab_sync_mode(s, zab_zxid(1, 3), 0, &t), ZAB_SYNC_TRUNC);
    assert_int_equal(t, 0);
    free(s);
}

static void test_zab_quorums_count_voters_only(void **state)
{
    (void)state;
    zab_state *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->cfg.servers = 5;
    s->cfg.observers = 2;
    s->cfg.voters = 3;
    assert_true(zab_is_observer(s, 3));
    assert_true(zab_is_observer(s, 4));
    assert_false(zab_is_observer(s, 2));
    assert_true(zab_quorum(s, 0x3));           /* 2 of 3 voters */
    assert_false(zab_quorum(s, 0x1 | 0x18));   /* 1 voter and both observers */
    assert_true(zab_quorum(s, 0x7));
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zab_votes_order_by_epoch_then_zxid_then_id),
        cmocka_unit_test(test_zab_zxid_is_epoch_then_counter),
        cmocka_unit_test(test_zab_history_lookups),
        cmocka_unit_test(test_zab_sync_chooses_diff_trunc_or_snap),
        cmocka_unit_test(test_zab_quorums_count_voters_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

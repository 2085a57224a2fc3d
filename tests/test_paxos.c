/*
** test_paxos.c — unit tests of the Paxos protocol's pure parts
** (protocols/paxos/): ballot ordering, quorum arithmetic (majorities,
** flexible quorums that must intersect, the planted bugs' sizes), the
** choice of the value to adopt in phase 1, and a new leader's recovery of
** slots from promises (highest ballot wins, holes become no-ops).
** The functions under test touch only memory, so each test drives them
** directly without a world.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "paxos.h"

static paxos_entry entry(uint64_t slot, uint64_t round, int node, int64_t value)
{
    paxos_entry e = {.slot = slot, .ballot = paxos_ballot(round, node)};
    e.cmd.kind = PAXOS_C_OP;
    e.cmd.op.f = DSIM_F_WRITE;
    e.cmd.op.value = value;
    e.cmd.op.id = (uint64_t)value;
    return e;
}

static void test_paxos_ballots_order_by_round_then_node(void **state)
{
    (void)state;
    assert_true(paxos_ballot_less(paxos_ballot(1, 4), paxos_ballot(2, 0)));
    assert_true(paxos_ballot_less(paxos_ballot(3, 1), paxos_ballot(3, 2)));
    assert_false(paxos_ballot_less(paxos_ballot(3, 2), paxos_ballot(3, 2)));
    /* the packed integer orders exactly like (round, node) */
    for (uint64_t r = 1; r < 4; r++)
        for (int a = 0; a < 5; a++)
            for (int b = 0; b < 5; b++) {
                uint64_t x = paxos_ballot(r, a), y = paxos_ballot(r + (uint64_t)(b & 1), b);
                assert_int_equal(paxos_ballot_less(x, y), x < y);
            }
    assert_int_equal(paxos_round(paxos_ballot(7, 3)), 7);
    assert_int_equal(paxos_ballot_node(paxos_ballot(7, 3)), 3);
}

static void test_paxos_quorums_default_to_majorities(void **state)
{
    (void)state;
    int q1, q2;
    for (int n = 1; n <= 9; n++) {
        assert_int_equal(paxos_quorum_sizes(n, 0, 0, false, false, &q1, &q2), 0);
        assert_int_equal(q1, n / 2 + 1);
        assert_int_equal(q2, n / 2 + 1);
        assert_true(q1 + q2 > n);
    }
}

static void test_paxos_flexible_quorums_must_intersect(void **state)
{
    (void)state;
    int q1, q2;
    assert_int_equal(paxos_quorum_sizes(5, 0, 2, false, false, &q1, &q2), 0);
    assert_int_equal(q1, 4);   /* derived: the smallest that meets every q2 */
    assert_int_equal(paxos_quorum_sizes(5, 3, 0, false, false, &q1, &q2), 0);
    assert_int_equal(q2, 3);
    assert_int_equal(paxos_quorum_sizes(5, 4, 2, false, false, &q1, &q2), 0);
    assert_int_equal(paxos_quorum_sizes(5, 3, 2, false, false, &q1, &q2), -1);   /* 3 + 2 <= 5 */
    assert_int_equal(paxos_quorum_sizes(4, 2, 2, false, false, &q1, &q2), -1);
    assert_int_equal(paxos_quorum_sizes(5, 6, 0, false, false, &q1, &q2), -2);
    assert_int_equal(paxos_quorum_sizes(5, 5, 1, false, false, &q1, &q2), 0);
}

static void test_paxos_planted_quorum_bugs_do_not_intersect(void **state)
{
    (void)state;
    int q1, q2;
    assert_int_equal(paxos_quorum_sizes(5, 0, 2, true, false, &q1, &q2), 0);
    assert_int_equal(q1, 3);
    assert_true(q1 + q2 <= 5);
    assert_int_equal(paxos_quorum_sizes(5, 3, 2, true, false, &q1, &q2), 0);   /* accepted */
    assert_int_equal(paxos_quorum_sizes(5, 0, 0, false, true, &q1, &q2), 0);
    assert_int_equal(q1, 2);
    assert_true(q1 + q2 <= 5);
    assert_int_equal(paxos_quorum_sizes(4, 0, 0, false, true, &q1, &q2), 0);
    assert_int_equal(q2, 2);
}

static void test_paxos_phase1_adopts_the_highest_ballot(void **state)
{
    (void)state;
    paxos_entry none = {.slot = 1};
    paxos_entry low = entry(1, 1, 0, 30), high = entry(1, 2, 4, 10);
    assert_true(paxos_adopt_better(&none, &low, false));
    assert_false(paxos_adopt_better(&low, &none, false));   /* nothing accepted: keep */
    assert_true(paxos_adopt_better(&low, &high, false));
    assert_false(paxos_adopt_better(&high, &low, false));
    /* planted bug 'highest_by_value': 30 beats the higher ballot's 10 */
    assert_true(paxos_adopt_better(&high, &low, true));
}

static void test_paxos_recovery_takes_highest_ballot_per_slot_and_fills_holes(void **state)
{
    (void)state;
    paxos_entry *rec = calloc(PAXOS_LOG_MAX, sizeof *rec);
    assert_non_null(rec);
    uint64_t hi = 2;   /* commit point 2 */
    /* the chapter's example: C reports 3..5, B reports 6 at a later ballot */
    paxos_entry c3 = entry(3, 1, 0, 103), c4 = entry(4, 1, 0, 104), c5 = entry(5, 1, 0, 105);
    paxos_entry b6 = entry(6, 2, 1, 106), stale4 = entry(4, 0, 2, 999), old = entry(2, 1, 0, 102);
    paxos_rec_merge(rec, &hi, 2, 0, &c3, false);
    paxos_rec_merge(rec, &hi, 2, 0, &stale4, false);
    paxos_rec_merge(rec, &hi, 2, 0, &c4, false);
    paxos_rec_merge(rec, &hi, 2, 0, &c5, false);
    paxos_rec_merge(rec, &hi, 2, 0, &b6, false);
    paxos_rec_merge(rec, &hi, 2, 0, &old, false);   /* at or below the commit point: ignored */
    assert_int_equal(hi, 6);
    assert_int_equal(paxos_rec_value(rec, NULL, 4).op.value, 104);
    assert_int_equal(paxos_rec_value(rec, NULL, 6).op.value, 106);
    assert_int_equal(paxos_rec_value(rec, NULL, 2).kind, PAXOS_C_NOOP);
    paxos_entry hole8 = entry(8, 2, 1, 108);
    paxos_rec_merge(rec, &hi, 2, 0, &hole8, false);
    assert_int_equal(hi, 8);
    assert_int_equal(paxos_rec_value(rec, NULL, 7).kind, PAXOS_C_NOOP);   /* a hole: no-op */
    paxos_entry own7 = entry(7, 1, 1, 77);
    assert_int_equal(paxos_rec_value(rec, &own7, 7).op.value, 77);       /* its own entry */
    free(rec);
}

static void test_paxos_command_hash_tells_commands_apart(void **state)
{
    (void)state;
    paxos_entry a = entry(1, 1, 0, 5), b = entry(1, 1, 0, 6);
    paxos_cmd noop = {.kind = PAXOS_C_NOOP};
    assert_int_not_equal(paxos_cmd_hash(&a.cmd), paxos_cmd_hash(&b.cmd));
    assert_int_not_equal(paxos_cmd_hash(&a.cmd), paxos_cmd_hash(&noop));
    b.cmd.op.value = 5;
    b.cmd.op.id = 5;
    assert_int_equal(paxos_cmd_hash(&a.cmd), paxos_cmd_hash(&b.cmd));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paxos_ballots_order_by_round_then_node),
        cmocka_unit_test(test_paxos_quorums_default_to_majorities),
        cmocka_unit_test(test_paxos_flexible_quorums_must_intersect),
        cmocka_unit_test(test_paxos_planted_quorum_bugs_do_not_intersect),
        cmocka_unit_test(test_paxos_phase1_adopts_the_highest_ballot),
        cmocka_unit_test(test_paxos_recovery_takes_highest_ballot_per_slot_and_fills_holes),
        cmocka_unit_test(test_paxos_command_hash_tells_commands_apart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

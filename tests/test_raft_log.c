/*
** test_raft_log.c — unit tests of the Raft log window (protocols/raft/
** raft_log.c): append, lookups, truncation, the snapshot boundary, chain
** hashes (Log Matching by comparison of one hash), the configuration that
** follows the log, and the election restriction (§5.4.1).
** The functions under test touch only a 'raft_state' in memory, so each
** test builds one on the heap and drives it directly.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "raft.h"

static raft_state *new_state(void)
{
    raft_state *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->members = s->snap_members = 0x7;
    return s;
}

static void push(raft_state *s, uint64_t term, int64_t value)
{
    raft_entry e = {.term = term, .index = s->last_index + 1, .kind = RAFT_E_OP};
    e.op.f = DSIM_F_WRITE;
    e.op.value = value;
    raft_log_push(s, &e);
}

static void test_raft_log_append_then_lookup_by_index(void **state)
{
    (void)state;
    raft_state *s = new_state();
    push(s, 1, 10);
    push(s, 1, 11);
    push(s, 2, 12);
    assert_int_equal(s->last_index, 3);
    assert_int_equal(raft_term_at(s, 1), 1);
    assert_int_equal(raft_term_at(s, 3), 2);
    assert_int_equal(raft_last_term(s), 2);
    assert_int_equal(raft_entry_at(s, 2)->op.value, 11);
    assert_null(raft_entry_at(s, 4));
    assert_int_equal(raft_term_at(s, 0), 0);   /* before the log: the empty snapshot */
    free(s);
}

static void test_raft_log_truncate_drops_the_suffix_only(void **state)
{
    (void)state;
    raft_state *s = new_state();
    for (int i = 0; i < 5; i++)
        push(s, 1, i);
    raft_log_cut(s, 3);
    assert_int_equal(s->last_index, 2);
    assert_null(raft_entry_at(s, 3));
    push(s, 3, 99);
    assert_int_equal(raft_term_at(s, 3), 3);
    raft_log_cut(s, 10);   /* past the end: nothing happens */
    assert_int_equal(s->last_index, 3);
    free(s);
}

static void test_raft_log_equal_chains_mean_equal_prefixes(void **state)
{
    (void)state;
    raft_state *a = new_state(), *b = new_state();
    push(a, 1, 1);
    push(a, 1, 2);
    push(a, 2, 3);
    push(b, 1, 1);
    push(b, 1, 2);
    push(b, 2, 3);
    assert_true(raft_chain_at(a, 3) == raft_chain_at(b, 3));
    /* the same (index, term) after a different prefix: a different chain */
    raft_log_cut(b, 2);
    push(b, 1, 7);
    push(b, 2, 3);
    assert_int_equal(raft_term_at(a, 3), raft_term_at(b, 3));
    assert_true(raft_chain_at(a, 3) != raft_chain_at(b, 3));
    assert_true(raft_chain_at(a, 1) == raft_chain_at(b, 1));
    free(a);
    free(b);
}

static void test_raft_log_compaction_keeps_the_boundary_term_and_chain(void **state)
{
    (void)state;
    raft_state *s = new_state();
    for (int i = 0; i < 10; i++)
        push(s, 1 + (uint64_t)i / 4, i);
    uint64_t chain6 = raft_chain_at(s, 6), chain7 = raft_chain_at(s, 7);
    s->snap_term = raft_term_at(s, 6);   /* what raft_take_snapshot does in memory */
    s->snap_chain = chain6;
    s->snap_index = 6;
    assert_null(raft_entry_at(s, 6));
    assert_int_equal(raft_term_at(s, 6), 2);
    assert_true(raft_chain_at(s, 6) == chain6);
    assert_true(raft_chain_at(s, 7) == chain7);
    assert_int_equal(raft_term_at(s, 5), 0);   /* compacted: unknown */
    free(s);
}

static void test_raft_log_window_wraps_around_the_ring(void **state)
{
    (void)state;
    raft_state *s = new_state();
    for (uint64_t i = 0; i < 3 * RAFT_LOG_MAX; i++) {
        if (raft_log_full(s)) {
            s->snap_term = raft_term_at(s, s->last_index - 10);
            s->snap_chain = raft_chain_at(s, s->last_index - 10);
            s->snap_index = s->last_index - 10;
        }
        push(s, 1, (int64_t)i);
    }
    assert_int_equal(s->last_index, 3 * RAFT_LOG_MAX);
    assert_int_equal(raft_entry_at(s, s->last_index)->op.value, 3 * RAFT_LOG_MAX - 1);
    assert_true(s->last_index - s->snap_index <= RAFT_LOG_MAX);
    free(s);
}

static void test_raft_log_configuration_follows_the_newest_config_entry(void **state)
{
    (void)state;
    raft_state *s = new_state();
    push(s, 1, 0);
    raft_entry e = {.term = 1, .index = 2, .kind = RAFT_E_CONFIG, .members = 0xf};
    raft_log_push(s, &e);
    assert_int_equal(s->members, 0xf);
    assert_int_equal(s->config_index, 2);
    assert_true(raft_quorum(s, 0x7));
    assert_false(raft_quorum(s, 0x3));
    raft_log_cut(s, 2);   /* an uncommitted change undone: back to the old one */
    assert_int_equal(s->members, 0x7);
    assert_true(raft_quorum(s, 0x3));
    free(s);
}

static void test_raft_vote_goes_only_to_an_up_to_date_log(void **state)
{
    (void)state;
    raft_state *s = new_state();
    push(s, 1, 0);
    push(s, 3, 1);
    push(s, 3, 2);
    assert_true(raft_up_to_date(s, 3, 3));    /* equal */
    assert_true(raft_up_to_date(s, 3, 5));    /* same last term, longer */
    assert_false(raft_up_to_date(s, 3, 2));   /* same last term, shorter */
    assert_true(raft_up_to_date(s, 4, 1));    /* higher last term wins, however short */
    assert_false(raft_up_to_date(s, 2, 9));   /* lower last term loses, however long */
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_raft_log_append_then_lookup_by_index),
        cmocka_unit_test(test_raft_log_truncate_drops_the_suffix_only),
        cmocka_unit_test(test_raft_log_equal_chains_mean_equal_prefixes),
        cmocka_unit_test(test_raft_log_compaction_keeps_the_boundary_term_and_chain),
        cmocka_unit_test(test_raft_log_window_wraps_around_the_ring),
        cmocka_unit_test(test_raft_log_configuration_follows_the_newest_config_entry),
        cmocka_unit_test(test_raft_vote_goes_only_to_an_up_to_date_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

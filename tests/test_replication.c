/*
** test_replication.c — unit tests of the replication protocol's pure parts
** (protocols/replication/): the chain and star topologies (who ships to
** whom, a joining replica fed by the tail) and the log window (the state
** machine's sessions are the kernel's dsim_kv: tests/test_kv.c). The functions under test touch only memory, so each test builds
** a node state by hand without a world.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "repl.h"

static repl_state *chain_of(const int8_t *ids, uint32_t len, int joining)
{
    repl_state *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->opt.mode = REPL_CHAIN;
    s->cfg.chain_len = len;
    s->cfg.joining = joining;
    for (uint32_t i = 0; i < len; i++) {
        s->cfg.chain[i] = ids[i];
        s->cfg.members |= 1u << ids[i];
    }
    s->cfg.leader = ids[0];
    return s;
}

static void test_chain_ships_down_to_successor_and_tail_feeds_joiner(void **state)
{
    (void)state;
    const int8_t ids[] = {2, 0, 3};
    repl_state *s = chain_of(ids, 3, 1);
    int out[REPL_NODES_MAX];
    assert_int_equal(repl_downstream(s, 2, out), 1);
    assert_int_equal(out[0], 0);
    assert_int_equal(repl_upstream(s, 0), 2);
    assert_int_equal(repl_upstream(s, 2), REPL_NONE);   /* the head has none */
    assert_true(repl_is_tail(s, 3));
    assert_false(repl_is_tail(s, 0));
    assert_int_equal(repl_downstream(s, 3, out), 1);    /* the tail feeds the joiner */
    assert_int_equal(out[0], 1);
    assert_int_equal(repl_upstream(s, 1), 3);
    s->cfg.joining = REPL_NONE;
    assert_int_equal(repl_downstream(s, 3, out), 0);
    assert_int_equal(repl_upstream(s, 1), REPL_NONE);
    free(s);
}

static void test_star_leader_ships_to_every_other_member(void **state)
{
    (void)state;
    repl_state *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->opt.mode = REPL_SYNC;
    s->cfg.members = 0x0b;   /* n1, n2, n4 */
    s->cfg.leader = 1;
    int out[REPL_NODES_MAX];
    assert_int_equal(repl_downstream(s, 1, out), 0);   /* not leading yet */
    s->role = REPL_LEADER;
    assert_int_equal(repl_downstream(s, 1, out), 2);
    assert_int_equal(out[0], 0);
    assert_int_equal(out[1], 3);
    assert_int_equal(repl_upstream(s, 0), 1);
    assert_int_equal(repl_upstream(s, 1), REPL_NONE);
    free(s);
}

static void test_window_holds_entries_after_the_snapshot(void **state)
{
    (void)state;
    repl_state *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->snap = 10;
    s->snap_epoch = 2;
    s->snap_hash = 99;
    s->last = 12;
    for (uint64_t l = 11; l <= 12; l++)
        s->log[l % REPL_LOG_MAX] = (repl_entry){.lsn = l, .epoch = 3, .hash = l * 7};
    uint64_t e, h;
    assert_true(repl_epoch_hash_at(s, 10, &e, &h));
    assert_int_equal(e, 2);
    assert_int_equal(h, 99);
    assert_true(repl_epoch_hash_at(s, 12, &e, &h));
    assert_int_equal(h, 84);
    assert_false(repl_epoch_hash_at(s, 9, &e, &h));    /* compacted */
    assert_false(repl_epoch_hash_at(s, 13, &e, &h));   /* not yet written */
    assert_null(repl_entry_at(s, 10));
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain_ships_down_to_successor_and_tail_feeds_joiner),
        cmocka_unit_test(test_star_leader_ships_to_every_other_member),
        cmocka_unit_test(test_window_holds_entries_after_the_snapshot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

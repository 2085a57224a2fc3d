/*
** test_net.c — the simulated network: each partition shape's reachability
** matrix, heal, drops at send and at delivery, FIFO connections (no
** overtaking; a cut breaks the connection), loss and duplication rates,
** latency bounds, loopback.
** Worlds are made in C with the probe protocol of kernel_fixture.h.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "kernel_fixture.h"

/* Asserts the node-to-node matrix equals 'want' (row = from, "1" = reachable). */
static void assert_matrix(dsim_world *w, const char *const *want)
{
    for (int a = 0; a < w->nodes_len; a++)
        for (int b = 0; b < w->nodes_len; b++) {
            bool expect = a == b || want[a][b] == '1';
            if (net_reachable(w, a, b) != expect)
                fail_msg("n%d -> n%d: reachable %d, want %d", a + 1, b + 1, net_reachable(w, a, b), expect);
        }
}

static void test_groups_cut_between_groups_only(void **st)
{
    (void)st;
    dsim_world *w = probe_world(5, 2, 1);
    int g[7] = {0, 0, 1, 1, 1, -1, 1};   /* c1 unlisted, c2 with the majority */
    dsim_partition_groups(w, g);
    const char *want[] = {"11000", "11000", "00111", "00111", "00111"};
    assert_matrix(w, want);
    assert_true(net_reachable(w, 5, 0) && net_reachable(w, 5, 4));   /* c1 reaches all */
    assert_false(net_reachable(w, 6, 0));                            /* c2 only its group */
    assert_true(net_reachable(w, 6, 2));
    dsim_partition_heal(w);
    const char *all[] = {"11111", "11111", "11111", "11111", "11111"};
    assert_matrix(w, all);
    world_free(w);
}

static void test_groups_unlisted_nodes_form_one_group(void **st)
{
    (void)st;
    dsim_world *w = probe_world(5, 0, 1);
    int g[5] = {0, -1, 1, -1, -1};
    dsim_partition_groups(w, g);
    const char *want[] = {"10000", "01011", "00100", "01011", "01011"};
    assert_matrix(w, want);
    world_free(w);
}

static void test_isolate_cuts_node_from_everyone_including_clients(void **st)
{
    (void)st;
    dsim_world *w = probe_world(3, 1, 1);
    dsim_partition_isolate(w, 1);
    const char *want[] = {"101", "010", "101"};
    assert_matrix(w, want);
    assert_false(net_reachable(w, 3, 1));
    assert_false(net_reachable(w, 1, 3));
    assert_true(net_reachable(w, 3, 0));
    world_free(w);
}

static void test_one_way_cut_is_directed_and_composes(void **st)
{
    (void)st;
    dsim_world *w = probe_world(3, 0, 1);
    dsim_partition_cut(w, 0, 1);
    dsim_partition_cut(w, 2, 1);
    const char *want[] = {"101", "111", "101"};
    assert_matrix(w, want);
    world_free(w);
}

static void test_bridge_reaches_both_halves(void **st)
{
    (void)st;
    dsim_world *w = probe_world(5, 0, 1);
    dsim_partition_bridge(w, 2);
    const char *want[] = {"11100", "11100", "11111", "00111", "00111"};
    assert_matrix(w, want);
    world_free(w);
}

static void test_majority_ring_gives_each_node_a_distinct_majority(void **st)
{
    (void)st;
    dsim_world *w = probe_world(5, 0, 1);
    dsim_partition_ring(w);
    /* node i hears i-1, i, i+1 (mod 5) */
    for (int i = 0; i < 5; i++) {
        int heard = 0;
        for (int j = 0; j < 5; j++)
            heard += net_reachable(w, j, i);
        assert_int_equal(heard, 3);
        assert_true(net_reachable(w, (i + 1) % 5, i));
        assert_true(net_reachable(w, (i + 4) % 5, i));
        assert_false(net_reachable(w, (i + 2) % 5, i));
    }
    world_free(w);
}

static uint64_t send_from(dsim_world *w, int from, int to, uint32_t type, uint64_t word)
{
    return dsim_send(&w->nodes[from], to, type, &word, sizeof word);
}

static void test_message_cut_at_delivery_time_is_dropped(void **st)
{
    (void)st;
    dsim_world *w = probe_world(2, 0, 1);
    probe_boot_all(w);
    send_from(w, 0, 1, 0, 7);
    dsim_partition_cut(w, 0, 1);           /* after the send, before delivery */
    world_run(w, DSIM_SEC(1));
    assert_int_equal(probe_of(w, 1)->len, 0);
    assert_int_equal(w->stats.dropped, 1);
    dsim_partition_heal(w);
    send_from(w, 0, 1, 0, 8);
    world_run(w, DSIM_SEC(2));
    assert_int_equal(probe_of(w, 1)->len, 1);
    world_free(w);
}

static void test_latency_stays_within_the_uniform_bounds(void **st)
{
    (void)st;
    dsim_world *w = probe_world(2, 0, 3);
    w->net.profiles[0].latency = (latency_model){LATENCY_UNIFORM, DSIM_MS(10), DSIM_MS(20)};
    probe_boot_all(w);
    for (int i = 0; i < 200; i++)
        send_from(w, 0, 1, 0, (uint64_t)i);
    world_run(w, DSIM_SEC(1));
    probe_state *s = probe_of(w, 1);
    assert_int_equal(s->len, 200);
    for (int i = 0; i < s->len; i++) {
        assert_true(s->log[i].t >= DSIM_MS(10));
        assert_true(s->log[i].t <= DSIM_MS(20));
    }
    world_free(w);
}

static bool in_order(const probe_state *s)
{
    for (int i = 1; i < s->len; i++)
        if (s->log[i].word < s->log[i - 1].word)
            return false;
    return true;
}

static void test_fifo_links_never_reorder_but_plain_links_do(void **st)
{
    (void)st;
    for (int fifo = 0; fifo <= 1; fifo++) {
        dsim_world *w = probe_world(2, 0, 5);
        w->net.profiles[0].latency = (latency_model){LATENCY_UNIFORM, DSIM_MS(1), DSIM_MS(50)};
        net_set_fifo(w, fifo);
        probe_boot_all(w);
        for (int i = 0; i < 100; i++) {
            send_from(w, 0, 1, 0, (uint64_t)i);
            world_run(w, w->now + DSIM_US(100));
        }
        world_run(w, DSIM_SEC(1));
        assert_int_equal(probe_of(w, 1)->len, 100);
        assert_int_equal(in_order(probe_of(w, 1)), fifo);
        world_free(w);
    }
}

static void test_fifo_cut_breaks_the_connection_even_after_heal(void **st)
{
    (void)st;
    dsim_world *w = probe_world(2, 0, 1);
    w->net.profiles[0].latency = (latency_model){LATENCY_CONSTANT, DSIM_MS(10), 0};
    net_set_fifo(w, true);
    probe_boot_all(w);
    send_from(w, 0, 1, 0, 1);
    world_run(w, DSIM_MS(2));
    dsim_partition_cut(w, 0, 1);
    dsim_partition_heal(w);                /* healed before the message arrives */
    send_from(w, 0, 1, 0, 2);         /* a new connection */
    world_run(w, DSIM_SEC(1));
    probe_state *s = probe_of(w, 1);
    assert_int_equal(s->len, 1);
    assert_int_equal(s->log[0].word, 2);
    world_free(w);
}

static void test_loss_and_duplication_rates_match_their_probabilities(void **st)
{
    (void)st;
    dsim_world *w = probe_world(2, 0, 9);
    w->net.profiles[0].drop = 0.2;
    w->net.profiles[0].dup = 0.1;
    probe_boot_all(w);
    for (int i = 0; i < 10000; i++)
        send_from(w, 0, 1, 0, (uint64_t)i);
    world_run(w, DSIM_SEC(1));
    assert_in_range(w->stats.dropped, 1800, 2200);
    assert_in_range(w->stats.duplicated, 650, 950);   /* 10% of the 80% kept */
    assert_int_equal(probe_of(w, 1)->len, 10000 - (int)w->stats.dropped + (int)w->stats.duplicated);
    world_free(w);
}

static void test_per_link_profile_overrides_the_default(void **st)
{
    (void)st;
    dsim_world *w = probe_world(3, 0, 1);
    net_profile slow = {.latency = {LATENCY_CONSTANT, DSIM_MS(100), 0}};
    int idx = net_profile_add(w, &slow);
    net_set_link_profile(w, 0, 2, idx);
    probe_boot_all(w);
    send_from(w, 0, 1, 0, 1);
    send_from(w, 0, 2, 0, 2);
    world_run(w, DSIM_SEC(1));
    assert_true(probe_of(w, 1)->log[0].t <= DSIM_MS(5));
    assert_int_equal(probe_of(w, 2)->log[0].t, DSIM_MS(100));
    world_free(w);
}

static void test_loopback_is_immediate_and_fault_free(void **st)
{
    (void)st;
    dsim_world *w = probe_world(2, 0, 1);
    w->net.profiles[0].drop = 1.0;
    probe_boot_all(w);
    send_from(w, 0, 0, 0, 42);
    world_run(w, DSIM_SEC(1));
    assert_int_equal(probe_of(w, 0)->len, 1);
    assert_int_equal(probe_of(w, 0)->log[0].t, 0);
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_groups_cut_between_groups_only),
        cmocka_unit_test(test_groups_unlisted_nodes_form_one_group),
        cmocka_unit_test(test_isolate_cuts_node_from_everyone_including_clients),
        cmocka_unit_test(test_one_way_cut_is_directed_and_composes),
        cmocka_unit_test(test_bridge_reaches_both_halves),
        cmocka_unit_test(test_majority_ring_gives_each_node_a_distinct_majority),
        cmocka_unit_test(test_message_cut_at_delivery_time_is_dropped),
        cmocka_unit_test(test_latency_stays_within_the_uniform_bounds),
        cmocka_unit_test(test_fifo_links_never_reorder_but_plain_links_do),
        cmocka_unit_test(test_fifo_cut_breaks_the_connection_even_after_heal),
        cmocka_unit_test(test_loss_and_duplication_rates_match_their_probabilities),
        cmocka_unit_test(test_per_link_profile_overrides_the_default),
        cmocka_unit_test(test_loopback_is_immediate_and_fault_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

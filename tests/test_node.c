/*
** test_node.c — node lifecycle and timers: a pause holds deliveries and
** timers and replays them in order on resume; a crash zeroes the state,
** drops timers and in-flight inbound messages and loses unsynced disk
** writes; a restart boots from disk; the retrying disk reads pass fewer
** read faults than their tries; timers cancel (also while held) and
** run on the node's drifting monotonic clock; the client's process id is
** retired after a timeout; redirects are followed.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "kernel_fixture.h"

static void test_pause_holds_events_and_replays_them_in_order_on_resume(void **st)
{
    (void)st;
    dsim_world *w = probe_world(2, 0, 1);
    w->net.profiles[0].latency = (latency_model){LATENCY_CONSTANT, DSIM_MS(1), 0};
    probe_boot_all(w);
    dsim_timer(&w->nodes[1], 5, 50, DSIM_MS(3));
    node_pause(&w->nodes[1]);
    for (uint64_t i = 0; i < 4; i++)
        dsim_send(&w->nodes[0], 1, 0, &i, sizeof i);
    world_run(w, DSIM_MS(10));
    assert_int_equal(probe_of(w, 1)->len, 0);     /* nothing ran while paused */
    node_resume(&w->nodes[1]);
    world_run(w, DSIM_MS(11));
    probe_state *s = probe_of(w, 1);
    assert_int_equal(s->len, 5);
    for (int i = 0; i < 4; i++) {                 /* messages first: they fell due first */
        assert_int_equal(s->log[i].kind, 'm');
        assert_int_equal(s->log[i].word, (uint64_t)i);
        assert_int_equal(s->log[i].t, DSIM_MS(10));   /* late, at resume */
    }
    assert_int_equal(s->log[4].kind, 't');
    assert_int_equal(s->log[4].word, 50);
    world_free(w);
}

static void test_timer_cancelled_while_held_by_a_pause_never_fires(void **st)
{
    (void)st;
    dsim_world *w = probe_world(1, 0, 1);
    probe_boot_all(w);
    dsim_timer_id id = dsim_timer(&w->nodes[0], 1, 0, DSIM_MS(1));
    node_pause(&w->nodes[0]);
    world_run(w, DSIM_MS(5));
    assert_true(dsim_timer_cancel(&w->nodes[0], id));
    assert_false(dsim_timer_cancel(&w->nodes[0], id));   /* stale now */
    node_resume(&w->nodes[0]);
    world_run(w, DSIM_MS(10));
    assert_int_equal(probe_of(w, 0)->len, 0);
    world_free(w);
}

static void test_cancelled_timer_does_not_fire_and_others_do(void **st)
{
    (void)st;
    dsim_world *w = probe_world(1, 0, 1);
    probe_boot_all(w);
    dsim_node *n = &w->nodes[0];
    dsim_timer_id a = dsim_timer(n, 1, 1, DSIM_MS(1));
    dsim_timer(n, 2, 2, DSIM_MS(2));
    dsim_timer_id c = dsim_timer(n, 3, 3, DSIM_MS(3));
    assert_true(dsim_timer_cancel(n, c));
    world_run(w, DSIM_MS(10));
    assert_false(dsim_timer_cancel(n, a));   /* already fired */
    probe_state *s = probe_of(w, 0);
    assert_int_equal(s->len, 2);
    assert_int_equal(s->log[0].word, 1);
    assert_int_equal(s->log[1].word, 2);
    world_free(w);
}

static void test_crash_zeroes_state_drops_timers_and_inbound_messages(void **st)
{
    (void)st;
    dsim_world *w = probe_world(2, 0, 1);
    w->net.profiles[0].latency = (latency_model){LATENCY_CONSTANT, DSIM_MS(5), 0};
    probe_boot_all(w);
    uint64_t x = 1;
    dsim_send(&w->nodes[0], 1, 0, &x, sizeof x);
    world_run(w, DSIM_MS(6));
    assert_int_equal(probe_of(w, 1)->len, 1);
    dsim_timer(&w->nodes[1], 9, 9, DSIM_MS(20));
    dsim_send(&w->nodes[0], 1, 0, &x, sizeof x);     /* in flight at the crash */
    node_crash(&w->nodes[1], false);
    assert_int_equal(probe_of(w, 1)->len, 0);        /* state zeroed */
    world_run(w, DSIM_MS(8));
    node_restart(&w->nodes[1]);                      /* before the message lands */
    world_run(w, DSIM_MS(100));
    probe_state *s = probe_of(w, 1);
    assert_int_equal(s->len, 0);                     /* no timer, no message */
    assert_int_equal(s->boots, 2);                   /* booted from its disk */
    world_free(w);
}

static void test_crash_loses_unsynced_disk_writes(void **st)
{
    (void)st;
    dsim_world *w = probe_world(1, 0, 1);
    probe_boot_all(w);
    dsim_node *n = &w->nodes[0];
    uint32_t v = 7, got, len;
    dsim_disk_put(n, "a", &v, sizeof v);
    dsim_disk_sync(n);
    v = 8;
    dsim_disk_put(n, "a", &v, sizeof v);
    dsim_disk_put(n, "b", &v, sizeof v);
    node_crash(n, false);
    node_restart(n);
    assert_int_equal(dsim_disk_get(n, "a", &got, sizeof got, &len), DSIM_DISK_OK);
    assert_int_equal(got, 7);
    assert_int_equal(dsim_disk_get(n, "b", &got, sizeof got, &len), DSIM_DISK_MISSING);
    world_free(w);
}

/* The retrying reads ride out fewer read faults than their tries and give
** up on as many: one read fault spoils exactly one read. */
static void test_retrying_reads_pass_read_faults_up_to_their_tries(void **st)
{
    (void)st;
    dsim_world *w = probe_world(1, 0, 1);
    probe_boot_all(w);
    dsim_node *n = &w->nodes[0];
    uint32_t v = 7, got = 0, len = 0;
    dsim_disk_put(n, "a", &v, sizeof v);
    uint64_t idx = dsim_disk_append(n, &v, sizeof v);
    dsim_disk_sync(n);
    dsim_disk_fail_reads(w, 0, DSIM_DISK_READ_TRIES - 1);
    assert_int_equal(dsim_disk_get_retry(n, "a", &got, sizeof got, &len), DSIM_DISK_OK);
    assert_int_equal(got, 7);
    assert_int_equal(len, sizeof v);
    dsim_disk_fail_reads(w, 0, DSIM_DISK_READ_TRIES - 1);
    got = 0;
    assert_int_equal(dsim_disk_read_retry(n, idx, &got, sizeof got, &len), DSIM_DISK_OK);
    assert_int_equal(got, 7);
    /* As many faults as tries: corrupt, and the faults are used up. */
    dsim_disk_fail_reads(w, 0, DSIM_DISK_READ_TRIES);
    assert_int_equal(dsim_disk_get_retry(n, "a", &got, sizeof got, &len), DSIM_DISK_CORRUPT);
    assert_int_equal(dsim_disk_get(n, "a", &got, sizeof got, &len), DSIM_DISK_OK);
    dsim_disk_fail_reads(w, 0, DSIM_DISK_READ_TRIES);
    assert_int_equal(dsim_disk_read_retry(n, idx, &got, sizeof got, &len), DSIM_DISK_CORRUPT);
    assert_int_equal(dsim_disk_read(n, idx, &got, sizeof got, &len), DSIM_DISK_OK);
    /* A missing record is missing at the first read. */
    assert_int_equal(dsim_disk_get_retry(n, "b", &got, sizeof got, &len), DSIM_DISK_MISSING);
    world_free(w);
}

static void test_timers_run_on_the_drifting_monotonic_clock(void **st)
{
    (void)st;
    dsim_world *w = probe_world(2, 0, 1);
    probe_boot_all(w);
    clock_set_mono_drift(&w->nodes[0].clock, 0, -100000);   /* 10% slow */
    clock_set_mono_drift(&w->nodes[1].clock, 0, 100000);    /* 10% fast */
    dsim_timer(&w->nodes[0], 1, 0, DSIM_MS(90));
    dsim_timer(&w->nodes[1], 1, 0, DSIM_MS(110));
    world_run(w, DSIM_SEC(1));
    assert_int_equal(probe_of(w, 0)->log[0].t, DSIM_MS(100));
    assert_int_equal(probe_of(w, 1)->log[0].t, DSIM_MS(100));
    world_free(w);
}

static int count_lines(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = s; p && (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static void test_client_timeout_records_info_and_retires_the_process(void **st)
{
    (void)st;
    dsim_world *w = probe_world(2, 1, 1);
    w->workload.read_pct = 0;
    w->workload.cas_pct = 100;            /* the probe never answers cas */
    w->workload.name = "cas-register";
    w->wl = workload_find("cas-register");   /* clients_init resolved "register" */
    w->workload.stop_ns = DSIM_MS(250);
    probe_boot_all(w);
    clients_start(w);
    world_run(w, DSIM_SEC(1));
    assert_int_equal(w->stats.ops_info, 3);   /* at 0, 100, 200 ms */
    assert_int_equal(count_lines(w->hist, "\"process\":0,"), 2);
    assert_int_equal(count_lines(w->hist, "\"process\":1,"), 2);
    assert_int_equal(count_lines(w->hist, "\"process\":2,"), 2);
    assert_int_equal(count_lines(w->hist, "\"type\":\"info\""), 3);
    world_free(w);
}

static void test_client_follows_redirects_to_the_hinted_node(void **st)
{
    (void)st;
    dsim_world *w = probe_world(3, 1, 1);
    w->workload.read_pct = 0;
    w->workload.write_pct = 100;          /* nodes other than n2 redirect to n2 */
    w->workload.stop_ns = DSIM_MS(1);
    probe_boot_all(w);
    clients_start(w);
    world_run(w, DSIM_SEC(1));
    assert_int_equal(w->stats.ops_ok, 1);
    assert_int_equal(count_lines(w->hist, "\"type\":\"ok\""), 1);
    world_free(w);
}

static void test_client_gives_up_after_too_many_redirects_with_info(void **st)
{
    (void)st;
    dsim_world *w = probe_world(3, 1, 1);
    w->workload.read_pct = 0;
    w->workload.write_pct = 100;          /* n1 redirects to n2 */
    w->workload.redirects_max = 0;        /* so the first redirect is too many */
    w->workload.stop_ns = DSIM_MS(1);
    probe_boot_all(w);
    clients_start(w);
    world_run(w, DSIM_SEC(1));
    assert_int_equal(w->stats.ops_info, 1);   /* not fail: a copy may still land */
    assert_int_equal(w->stats.ops_fail, 0);
    assert_int_equal(count_lines(w->hist, "\"process\":0,\"type\":\"info\""), 1);
    world_free(w);
}

/* A probe world whose one client reads with the given send mode and quorum. */
static dsim_world *probe_world_sending(int nodes, int send, int replies, int64_t retransmit_ns)
{
    char err[256];
    world_config cfg;
    world_config_defaults(&cfg);
    cfg.protocol = &probe_protocol;
    cfg.nodes = nodes;
    cfg.seed = 1;
    cfg.invariants_every = 0;
    cfg.workload = (workload_cfg){.name = "register", .count = 1, .timeout_ns = DSIM_MS(100),
                                  .keys = 1, .read_pct = 100, .redirects_max = 3,
                                  .stop_ns = DSIM_MS(1), .send = send, .replies_min = replies,
                                  .retransmit_ns = retransmit_ns};
    dsim_world *w = world_create(&cfg, err, sizeof err);
    DSIM_ASSERT(w != NULL);
    probe_boot_all(w);
    return w;
}

static void test_client_sending_to_all_accepts_k_identical_replies(void **st)
{
    (void)st;
    dsim_world *w = probe_world_sending(3, CLIENT_SEND_ALL, 3, 0);
    clients_start(w);
    world_run(w, DSIM_SEC(1));
    assert_int_equal(w->stats.ops_ok, 1);
    assert_int_equal(w->stats.sent, 6);   /* a request to each node, and each one's reply */
    world_free(w);
    w = probe_world_sending(3, CLIENT_SEND_ALL, 3, 0);
    node_crash(&w->nodes[2], false);      /* two alike are not three */
    clients_start(w);
    world_run(w, DSIM_SEC(1));
    assert_int_equal(w->stats.ops_ok, 0);
    assert_int_equal(w->stats.ops_info, 1);
    world_free(w);
}

static void test_client_retransmits_to_every_node_until_the_timeout(void **st)
{
    (void)st;
    dsim_world *w = probe_world_sending(3, CLIENT_SEND_LEADER, 1, DSIM_MS(30));
    w->workload.read_pct = 0;
    w->workload.cas_pct = 100;            /* the probe never answers cas */
    w->wl = workload_find("cas-register");
    clients_start(w);
    world_run(w, DSIM_SEC(1));
    assert_int_equal(w->stats.ops_info, 1);
    assert_int_equal(w->stats.sent, 1 + 3 * 3);   /* first send, then all nodes at 30, 60, 90 ms */
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pause_holds_events_and_replays_them_in_order_on_resume),
        cmocka_unit_test(test_timer_cancelled_while_held_by_a_pause_never_fires),
        cmocka_unit_test(test_cancelled_timer_does_not_fire_and_others_do),
        cmocka_unit_test(test_crash_zeroes_state_drops_timers_and_inbound_messages),
        cmocka_unit_test(test_crash_loses_unsynced_disk_writes),
        cmocka_unit_test(test_retrying_reads_pass_read_faults_up_to_their_tries),
        cmocka_unit_test(test_timers_run_on_the_drifting_monotonic_clock),
        cmocka_unit_test(test_client_timeout_records_info_and_retires_the_process),
        cmocka_unit_test(test_client_follows_redirects_to_the_hinted_node),
        cmocka_unit_test(test_client_gives_up_after_too_many_redirects_with_info),
        cmocka_unit_test(test_client_sending_to_all_accepts_k_identical_replies),
        cmocka_unit_test(test_client_retransmits_to_every_node_until_the_timeout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

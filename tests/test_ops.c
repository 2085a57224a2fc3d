/*
** test_ops.c — the kernel's operations (sim/dsim_ops.h) as the Lua verbs
** and the fault kinds use them: crash and pause tokens act only on their
** own crash or pause; a restart before the first run marks the node up; a
** timed pause resumes by itself; the one leader lookup (highest term,
** lowest id on a tie, primary/server as a fallback, nobody); clock changes
** touch only the fields given and resync puts the wall clock back; the
** one-way shape; link settings dedup by value whatever a struct's padding
** holds; links_replace keeps settings made after its base; world_create
** reports a bad option and a bad client count. Worlds are made in C with
** the probe protocol of kernel_fixture.h, or a role-reporting one here.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "kernel_fixture.h"

/* ---- a protocol whose roles the test sets ----------------------------------- */

typedef struct role_state { char role[16]; int64_t term; } role_state;

static void role_start(dsim_node *n) { (void)n; }
static void role_message(dsim_node *n, int from, const dsim_msg *m) { (void)n, (void)from, (void)m; }
static void role_timer(dsim_node *n, uint32_t kind, uint64_t arg) { (void)n, (void)kind, (void)arg; }

static void role_inspect(dsim_node *n, json_t *out)
{
    role_state *s = dsim_state(n);
    if (s->role[0])
        json_object_set_new(out, "role", json_string(s->role));
    json_object_set_new(out, "term", json_integer(s->term));
}

static const dsim_protocol role_protocol = {
    .name = "roles", .summary = "test roles", .state_size = sizeof(role_state),
    .options = probe_options, .start = role_start, .on_message = role_message,
    .on_timer = role_timer, .inspect = role_inspect,
};

/* A world of the role protocol; 'boot': started (only a booted node has a role). */
static dsim_world *role_world(int nodes, bool boot)
{
    char err[256];
    world_config cfg;
    world_config_defaults(&cfg);
    cfg.protocol = &role_protocol;
    cfg.nodes = nodes;
    dsim_world *w = world_create(&cfg, err, sizeof err);
    assert_non_null(w);
    if (boot)
        world_start(w);
    return w;
}

static void set_role(dsim_world *w, int node, const char *role, int64_t term)
{
    role_state *s = dsim_state(dsim_node_at(w, node));
    snprintf(s->role, sizeof s->role, "%s", role);
    s->term = term;
}

/* ---- tests ---------------------------------------------------------------- */

static void test_crash_token_restarts_only_that_crash(void **st)
{
    (void)st;
    dsim_world *w = probe_world(2, 0, 1);
    world_start(w);
    uint32_t first = dsim_crash(w, 1, false);
    assert_true(first != 0);
    assert_int_equal(dsim_crash(w, 1, false), 0);          /* crashed already */
    assert_true(dsim_restart(w, 1, first));
    assert_int_equal(dsim_node_status_of(w, 1), DSIM_NODE_UP);
    uint32_t second = dsim_crash(w, 1, false);
    assert_false(dsim_restart(w, 1, first));               /* an old crash's end */
    assert_int_equal(dsim_node_status_of(w, 1), DSIM_NODE_CRASHED);
    assert_true(dsim_restart(w, 1, second));
    assert_int_equal(probe_of(w, 1)->boots, 3);            /* boot, two restarts */
    world_free(w);
}

static void test_restart_before_the_first_run_marks_the_node_up(void **st)
{
    (void)st;
    dsim_world *w = probe_world(2, 0, 1);
    dsim_crash(w, 0, false);
    assert_true(dsim_restart(w, 0, 0));
    assert_int_equal(dsim_node_status_of(w, 0), DSIM_NODE_UP);
    assert_int_equal(probe_of(w, 0)->boots, 0);            /* not booted yet */
    world_start(w);
    assert_int_equal(probe_of(w, 0)->boots, 1);            /* with the others */
    world_free(w);
}

static void test_pause_token_resumes_only_that_pause_and_a_timed_pause_ends(void **st)
{
    (void)st;
    dsim_world *w = probe_world(2, 0, 1);
    world_start(w);
    uint32_t first = dsim_pause(w, 0, -1);
    assert_true(first != 0);
    assert_int_equal(dsim_pause(w, 0, -1), 0);             /* not up */
    assert_true(dsim_resume(w, 0, first));
    uint32_t second = dsim_pause(w, 0, DSIM_MS(5));
    assert_false(dsim_resume(w, 0, first));
    assert_int_equal(dsim_node_status_of(w, 0), DSIM_NODE_PAUSED);
    world_run(w, DSIM_MS(6));
    assert_int_equal(dsim_node_status_of(w, 0), DSIM_NODE_UP);
    assert_false(dsim_resume(w, 0, second));               /* over already */
    world_free(w);
}

static void test_leader_is_the_highest_term_leader_then_the_lowest_id(void **st)
{
    (void)st;
    dsim_world *w = role_world(4, true);
    assert_int_equal(dsim_leader(w), -1);                  /* nobody leads */
    set_role(w, 1, "leader", 3);
    set_role(w, 2, "leader", 5);
    assert_int_equal(dsim_leader(w), 2);
    set_role(w, 3, "leader", 5);                           /* a tie: a broken protocol */
    assert_int_equal(dsim_leader(w), 2);
    dsim_crash(w, 2, false);
    assert_int_equal(dsim_leader(w), 3);                   /* crashed nodes do not count */
    world_free(w);
}

static void test_a_node_that_never_booted_has_no_role_and_is_not_up(void **st)
{
    (void)st;
    dsim_world *w = role_world(2, false);
    set_role(w, 1, "leader", 1);   /* what a zeroed block would not hold */
    assert_false(dsim_is_up(dsim_node_at(w, 1)));
    assert_int_equal(dsim_leader(w), -1);
    json_t *o = json_object();
    node_inspect(dsim_node_at(w, 1), o);
    assert_null(json_object_get(o, "role"));               /* the status alone */
    assert_string_equal(json_string_value(json_object_get(o, "status")), "up");
    json_decref(o);
    world_start(w);
    assert_true(dsim_is_up(dsim_node_at(w, 1)));
    world_free(w);
}

static void test_leader_falls_back_to_a_primary_or_server(void **st)
{
    (void)st;
    dsim_world *w = role_world(3, true);
    set_role(w, 0, "backup", 1);
    set_role(w, 2, "primary", 1);
    assert_int_equal(dsim_leader(w), 2);
    set_role(w, 1, "server", 0);
    assert_int_equal(dsim_leader(w), 1);                   /* the lowest id */
    set_role(w, 0, "leader", 0);
    assert_int_equal(dsim_leader(w), 0);                   /* "leader" wins */
    world_free(w);
}

static void test_clock_change_touches_only_the_fields_given(void **st)
{
    (void)st;
    dsim_world *w = probe_world(1, 0, 1);
    dsim_clock_set drift = {.mono_drift_set = true, .mono_drift_ppm = 1000};
    dsim_clock_change(w, 0, &drift);
    assert_int_equal(w->nodes[0].clock.mono_drift_ppm, 1000);
    assert_int_equal(w->nodes[0].clock.wall_drift_ppm, 0);
    uint64_t fp = w->fingerprint;
    dsim_clock_set step = {.step_set = true, .step_ns = -DSIM_MS(200)};
    dsim_clock_change(w, 0, &step);
    assert_true(w->fingerprint != fp);                     /* every change is mixed in */
    assert_int_equal(dsim_wall(&w->nodes[0]) - w->now, -DSIM_MS(200));
    dsim_clock_resync(w, 0);
    assert_int_equal(dsim_wall(&w->nodes[0]), w->now);
    assert_int_equal(w->nodes[0].clock.mono_drift_ppm, 0);
    world_free(w);
}

static void test_oneway_cuts_one_side_towards_the_other_only(void **st)
{
    (void)st;
    dsim_world *w = probe_world(3, 1, 1);
    int side_of[4] = {0, 1, -1, -1};
    dsim_partition_oneway(w, side_of);
    assert_false(net_reachable(w, 0, 1));
    assert_true(net_reachable(w, 1, 0));
    assert_true(net_reachable(w, 0, 2));
    assert_true(net_reachable(w, 3, 1));                   /* clients untouched */
    world_free(w);
}

static void test_link_settings_dedup_by_value_whatever_the_padding(void **st)
{
    (void)st;
    dsim_world *w = probe_world(2, 0, 1);
    net_profile p;
    memset(&p, 0xa5, sizeof p);                            /* garbage in the padding */
    p.latency.kind = w->net.profiles[0].latency.kind;   /* member by member: the */
    p.latency.a = w->net.profiles[0].latency.a;         /* padding keeps its garbage */
    p.latency.b = w->net.profiles[0].latency.b;
    p.drop = w->net.profiles[0].drop;
    p.dup = w->net.profiles[0].dup;
    assert_int_equal(net_profile_add(w, &p), 0);
    assert_int_equal(w->net.profiles_len, 1);
    world_free(w);
}

static void test_links_replace_keeps_settings_made_after_its_base(void **st)
{
    (void)st;
    dsim_world *w = probe_world(2, 0, 1);
    dsim_link base = dsim_link_at(w, 0);
    int from = 0, to = 1;
    dsim_link_set drop = {.drop_set = true, .drop = 0.5};
    char err[128];
    assert_int_equal(dsim_net_change(w, &drop, &from, 1, &to, 1, err, sizeof err), 0);
    assert_int_equal(dsim_links_len(w), 2);
    base.dup = 0.25;
    dsim_links_replace(w, &base, 1, "degraded");
    assert_true(dsim_link_at(w, 0).dup == 0.25);
    assert_true(dsim_link_at(w, 1).drop == 0.5);           /* the later setting stays */
    world_free(w);
}

static void test_world_create_reports_bad_options_and_client_counts(void **st)
{
    (void)st;
    char err[256];
    world_config cfg;
    world_config_defaults(&cfg);
    cfg.protocol = &probe_protocol;
    json_t *opts = json_pack("{s:i}", "nonsense", 1);
    cfg.options = opts;
    assert_null(world_create(&cfg, err, sizeof err));
    assert_non_null(strstr(err, "no option 'nonsense'"));
    json_decref(opts);
    cfg.options = NULL;
    cfg.workload.count = WORLD_CLIENTS_MAX + 1;
    assert_null(world_create(&cfg, err, sizeof err));
    assert_non_null(strstr(err, "clients.count"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crash_token_restarts_only_that_crash),
        cmocka_unit_test(test_restart_before_the_first_run_marks_the_node_up),
        cmocka_unit_test(test_pause_token_resumes_only_that_pause_and_a_timed_pause_ends),
        cmocka_unit_test(test_leader_is_the_highest_term_leader_then_the_lowest_id),
        cmocka_unit_test(test_a_node_that_never_booted_has_no_role_and_is_not_up),
        cmocka_unit_test(test_leader_falls_back_to_a_primary_or_server),
        cmocka_unit_test(test_clock_change_touches_only_the_fields_given),
        cmocka_unit_test(test_oneway_cuts_one_side_towards_the_other_only),
        cmocka_unit_test(test_link_settings_dedup_by_value_whatever_the_padding),
        cmocka_unit_test(test_links_replace_keeps_settings_made_after_its_base),
        cmocka_unit_test(test_world_create_reports_bad_options_and_client_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

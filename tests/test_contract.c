/*
** test_contract.c — the kernel's side of the protocol contract (dsim.h):
** the invariant checker's world-level state is zeroed once, survives a
** crash of every node and cannot be reached from a node callback; an event
** or field that the protocol's 'events' table does not declare stops the
** run with an assertion, while declared ones are recorded. Assertions are
** observed in a forked child (SIGABRT), so the suite goes on.
*/
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "kernel_fixture.h"

typedef struct keeper_memory {   /* the checker's state */
    uint64_t checks;
    uint64_t boots_seen;
} keeper_memory;

/* Timer kinds of the "keeper" protocol: what its node callback does. */
enum { K_EMIT_DECLARED = 1, K_EMIT_UNDECLARED, K_EMIT_BAD_FIELD, K_PEEK_CHECKER };

static void keeper_timer(dsim_node *n, uint32_t kind, uint64_t arg)
{
    (void)arg;
    if (kind == K_EMIT_DECLARED)
        dsim_emit(n, "ping", json_pack("{s:i}", "count", 1));
    else if (kind == K_EMIT_UNDECLARED)
        dsim_emit(n, "pong", NULL);
    else if (kind == K_EMIT_BAD_FIELD)
        dsim_emit(n, "ping", json_pack("{s:i, s:i}", "count", 1, "extra", 2));
    else if (kind == K_PEEK_CHECKER)
        ((keeper_memory *)dsim_checker_state(dsim_world_of(n)))->checks = 0;
}

/* Counts checks and the boots it has seen, across crashes. */
static const char *keeper_invariants(dsim_world *w)
{
    keeper_memory *m = dsim_checker_state(w);
    m->checks++;
    uint64_t boots = 0;
    for (int i = 0; i < dsim_node_count(w); i++)
        boots += probe_of(w, i)->boots;
    if (boots > m->boots_seen)
        m->boots_seen = boots;
    return NULL;
}

static const dsim_event keeper_events[] = {
    {"ping", "count: int", "a test event"},
    {NULL, NULL, NULL},
};

static const dsim_protocol keeper_protocol = {
    .name = "keeper", .summary = "test: checker state and events", .state_size = sizeof(probe_state),
    .options = probe_options, .start = probe_start, .on_message = probe_message,
    .on_timer = keeper_timer, .invariants = keeper_invariants, .events = keeper_events,
    .checker_state_size = sizeof(keeper_memory),
};

static dsim_world *keeper_world(int nodes)
{
    char err[256];
    world_config cfg;
    world_config_defaults(&cfg);
    cfg.protocol = &keeper_protocol;
    cfg.nodes = nodes;
    cfg.seed = 1;
    cfg.workload = (workload_cfg){.name = "register", .keys = 1, .read_pct = 100};
    cfg.invariants_every = 1;
    dsim_world *w = world_create(&cfg, err, sizeof err);
    assert_non_null(w);
    world_start(w);
    return w;
}

/* Runs 'kind' as a timer on node 0 in a child; returns its wait status. */
static int child_runs(uint32_t kind)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stderr))
            _exit(9);
        dsim_world *w = keeper_world(2);
        dsim_timer(&w->nodes[0], kind, 0, DSIM_MS(1));
        world_run(w, DSIM_MS(5));
        world_free(w);
        _exit(0);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return st;
}

static void test_checker_state_is_zeroed_once_and_survives_a_crash_of_every_node(void **st)
{
    (void)st;
    dsim_world *w = keeper_world(3);
    keeper_memory *m = dsim_checker_state(w);
    assert_int_equal(m->checks, 0);
    dsim_timer(&w->nodes[0], K_EMIT_DECLARED, 0, DSIM_MS(1));
    world_run(w, DSIM_MS(2));
    uint64_t checks = m->checks;
    assert_true(checks >= 1);
    assert_int_equal(m->boots_seen, 3);
    for (int i = 0; i < 3; i++)                     /* every node, between two checks */
        node_crash(&w->nodes[i], false);
    for (int i = 0; i < 3; i++)
        node_restart(&w->nodes[i]);
    dsim_timer(&w->nodes[1], K_EMIT_DECLARED, 0, DSIM_MS(1));
    world_run(w, DSIM_MS(4));
    assert_ptr_equal(dsim_checker_state(w), m);     /* one block per world */
    assert_true(m->checks > checks);                /* the count went on */
    assert_int_equal(m->boots_seen, 6);             /* each node booted twice */
    world_free(w);
}

static void test_checker_state_from_a_node_callback_asserts(void **st)
{
    (void)st;
    int status = child_runs(K_PEEK_CHECKER);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
}

static void test_a_declared_event_is_recorded(void **st)
{
    (void)st;
    dsim_world *w = keeper_world(2);
    dsim_timer(&w->nodes[0], K_EMIT_DECLARED, 0, DSIM_MS(1));
    world_run(w, DSIM_MS(5));
    assert_int_equal(json_array_size(world_emitted(w)), 1);
    json_t *e = json_array_get(world_emitted(w), 0);
    assert_string_equal(json_string_value(json_object_get(e, "name")), "ping");
    world_free(w);
    assert_int_equal(child_runs(K_EMIT_DECLARED), 0);
}

static void test_an_undeclared_event_or_field_asserts(void **st)
{
    (void)st;
    int status = child_runs(K_EMIT_UNDECLARED);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    status = child_runs(K_EMIT_BAD_FIELD);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checker_state_is_zeroed_once_and_survives_a_crash_of_every_node),
        cmocka_unit_test(test_checker_state_from_a_node_callback_asserts),
        cmocka_unit_test(test_a_declared_event_is_recorded),
        cmocka_unit_test(test_an_undeclared_event_or_field_asserts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

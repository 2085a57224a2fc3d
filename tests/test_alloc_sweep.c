/*
** test_alloc_sweep.c — an allocation-failure sweep in SQLite's manner over
** the scenario's Lua state: the N-th allocation of a run fails (N below)
** (script_alloc.c compiled here with DSIM_ALLOC_FAIL_HOOK), and the run must
** end cleanly: an "out of memory" internal error (exit 3 in dsim run), no
** crash, no leak (the ASan suite); dsim run then writes no history (an
** error never reaches the output files). Every allocation of the first 300
** then 200 spread evenly over the rest (the suite stays fast).
** Swept over a demo run and a fuzz seed. Only Lua's allocations are
** failed here; the kernel's, jansson's and the checkers' are not (yet).
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "script.h"

extern long script_alloc_fail_nth, script_alloc_count;

static void sweep(const char *scenario, const char *bug)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", getenv("DSIM_SOURCE") ? getenv("DSIM_SOURCE") : ".", scenario);
    FILE *null = fopen("/dev/null", "w");
    assert_non_null(null);
    json_t *params = json_object();
    if (bug)
        json_object_set_new(params, "bug", json_string(bug));
    /* A clean run counts the allocations. */
    script_config cfg = {.path = path, .seed = 1, .params = params, .out = null};
    script_result r;
    script_alloc_fail_nth = 0;
    script_alloc_count = 0;
    script_run(&cfg, &r);
    assert_false(r.error);
    long total = script_alloc_count;
    script_result_free(&r);
    assert_true(total > 100);
    /* Every one of the first RUNS_DENSE allocations (setup, the cluster,
    ** the first callbacks), then a stride that keeps the sweep to about
    ** RUNS_DENSE + RUNS_SPREAD runs: the suite stays fast however much Lua
    ** a demo grows. */
    enum { RUNS_DENSE = 300, RUNS_SPREAD = 200 };
    long stride = total > RUNS_DENSE ? (total - RUNS_DENSE) / RUNS_SPREAD + 1 : 1;
    long failed = 0, runs = 0;
    for (long n = 1; n <= total; n += n < RUNS_DENSE ? 1 : stride, runs++) {
        script_alloc_fail_nth = n;
        script_alloc_count = 0;
        script_run(&cfg, &r);
        failed += r.error;
        /* A failure in lua_close, after the result was made, changes nothing. */
        if (r.error && (!r.internal || !strstr(r.message, "out of memory")))
            fail_msg("allocation %ld of %ld: error %d internal %d: %s", n, total,
                     r.error, r.internal, r.message);
        script_result_free(&r);
    }
    assert_true(failed >= runs - 8);   /* all but the allocations of lua_close */
    script_alloc_fail_nth = 0;
    json_decref(params);
    fclose(null);
}

static void test_sweep_every_lua_allocation_of_a_demo_run(void **state)
{
    (void)state;
    sweep("scenarios/demos/single_kv.lua", NULL);
}

static void test_sweep_every_lua_allocation_of_a_fuzz_seed(void **state)
{
    (void)state;
    sweep("scenarios/fuzz/single.lua", "ack_before_sync");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sweep_every_lua_allocation_of_a_demo_run),
        cmocka_unit_test(test_sweep_every_lua_allocation_of_a_fuzz_seed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
** test_seq.c — the sequential-consistency checker (sim/check/seq.c).
**
** Covers: figure 2d of Bouajjani et al. (causal memory and causal
** convergence, yet not sequential); a cross-check against a brute force over
** all interleavings (test_causal_bf.c) on random tiny histories; a budget
** that ends in "unknown", never in ok; JSON input with info and fail
** operations; a long sequential history solved without branching.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "causal.h"
#include "check.h"
#include "test_causal_bf.h"

static const char *const key_names[] = {"x", "y", "z"};

static uint64_t next_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int pick(uint64_t *s, int n)
{
    return (int)(next_rand(s) % (uint64_t)n);
}

/* Runs seq_check_history on 'bf' (ops given in program order per session). */
static check_verdict run(const bf_hist *bf, const check_budget *budget)
{
    causal_input_op in[BF_OPS_MAX];
    int m = 0;
    for (int p = 0; p < BF_OPS_MAX; p++)
        for (int i = 0; i < bf->n; i++)
            if (bf->pos[i] == p)
                in[m++] = (causal_input_op){bf->session[i], bf->is_write[i], false,
                                            (uint32_t)bf->key[i], (uint32_t)bf->value[i],
                                            (uint32_t)i + 1, (uint32_t)i, NULL};
    causal_history h;
    char err[256];
    assert_int_equal(causal_build(&h, in, (size_t)m, 3, (const char **)key_names, NULL,
                                  "tiny", err, sizeof err), 0);
    json_t *rep = json_object();
    check_verdict v = seq_check_history(&h, budget, rep, err, sizeof err);
    json_decref(rep);
    causal_history_free(&h);
    return v;
}

static void test_figure_2d_is_causal_but_not_sequential(void **state)
{
    (void)state;
    /* a: wx1 ry0 wy1 rx1 | b: wx2 ry0 wy2 rx2 */
    bf_hist h = {8, {0, 0, 0, 0, 1, 1, 1, 1}, {0, 1, 2, 3, 0, 1, 2, 3},
                 {true, false, true, false, true, false, true, false},
                 {0, 1, 1, 0, 0, 1, 1, 0}, {1, 0, 1, 1, 2, 0, 2, 2}};
    assert_false(bf_sequential(&h));
    assert_int_equal(run(&h, NULL), CHECK_VIOLATION);
}

static void test_sequential_agrees_with_all_interleavings_on_3000_histories(void **state)
{
    (void)state;
    uint64_t s = 77;
    int ok = 0, bad = 0;
    for (int k = 0; k < 3000; k++) {
        bf_hist h = {0};
        int n = 2 + pick(&s, 7), sessions = 2 + pick(&s, 2), keys = 1 + pick(&s, 2);
        int count[3] = {0}, written[2] = {0};
        h.n = n;
        for (int i = 0; i < n; i++) {
            h.session[i] = pick(&s, sessions);
            h.pos[i] = count[h.session[i]]++;
            h.key[i] = pick(&s, keys);
            h.is_write[i] = pick(&s, 2);
            if (h.is_write[i])
                h.value[i] = ++written[h.key[i]];
        }
        for (int i = 0; i < n; i++)
            if (!h.is_write[i])
                h.value[i] = written[h.key[i]] ? pick(&s, written[h.key[i]] + 1) : 0;
        bool want = bf_sequential(&h);
        check_verdict got = run(&h, NULL);
        if ((got == CHECK_OK) != want)
            fail_msg("history %d: search says %d, interleavings say %d", k, got, want);
        ok += want;
        bad += !want;
    }
    assert_true(ok > 300 && bad > 300);
}

static void test_budget_ends_in_unknown_never_ok(void **state)
{
    (void)state;
    /* Many concurrent writes nobody reads, then one session reads values
    ** in an order that no schedule gives: the search has to branch. */
    bf_hist h = {8, {0, 1, 2, 0, 1, 2, 0, 0}, {0, 0, 0, 1, 1, 1, 2, 3},
                 {true, true, true, true, true, true, false, false},
                 {0, 0, 0, 1, 1, 1, 0, 1}, {1, 2, 3, 1, 2, 3, 1, 3}};
    check_budget tight = {1, 0};
    check_verdict v = run(&h, &tight);
    assert_true(v == CHECK_UNKNOWN || v == CHECK_VIOLATION);
    assert_int_not_equal(v, CHECK_OK);
    assert_int_equal(run(&h, NULL) == CHECK_OK, bf_sequential(&h));
}

#define OP(p, t, f, k, v) "{\"process\":" #p ",\"type\":\"" t "\",\"f\":\"" f \
                          "\",\"key\":\"" k "\",\"value\":" v "}\n"

static void test_json_history_with_info_and_fail(void **state)
{
    (void)state;
    const char *text =
        OP(0, "invoke", "write", "x", "1") OP(0, "info", "write", "x", "1")
        OP(1, "invoke", "write", "x", "2") OP(1, "fail", "write", "x", "2")
        OP(2, "invoke", "read", "x", "null") OP(2, "ok", "read", "x", "1")
        OP(3, "invoke", "read", "x", "null") OP(3, "ok", "read", "x", "null");
    json_t *rep = json_object();
    char err[256];
    assert_int_equal(check_sequential(text, strlen(text), "s.jsonl", "json", NULL, rep,
                                      err, sizeof err), CHECK_OK);
    assert_true(json_is_true(json_object_get(rep, "valid")));
    json_decref(rep);
}

static void test_long_generated_history_is_sequential(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(causal_bench_generate(f, 9, 20000), 0);
    long size = ftell(f);
    rewind(f);
    char *text = malloc((size_t)size + 1);
    assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    json_t *rep = json_object();
    char err[256];
    check_budget b = {1000000, 30};
    assert_int_equal(check_sequential(text, (size_t)size, "gen", "json", &b, rep, err,
                                      sizeof err), CHECK_OK);
    json_decref(rep);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_figure_2d_is_causal_but_not_sequential),
        cmocka_unit_test(test_sequential_agrees_with_all_interleavings_on_3000_histories),
        cmocka_unit_test(test_budget_ends_in_unknown_never_ok),
        cmocka_unit_test(test_json_history_with_info_and_fail),
        cmocka_unit_test(test_long_generated_history_is_sequential),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

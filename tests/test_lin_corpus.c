/*
** test_lin_corpus.c — every history of Porcupine's corpus
** ($DSIM_SHARED/corpora/porcupine) gets the verdict its expected.tsv lists,
** through the public 'check_linearizable' with automatic format detection;
** two failing files also get their full report (a core and a prefix).
** Every file also gets the same verdict from the search that records the
** longest prefix alone (it does not cut doomed states; 'dsim check' runs
** it only when the verdict-only search did not pass the history) and from
** the verdict-only one, and the verdict-only search stays within a bound
** of states on the files the reductions of lin_search.c were made for
** (info-operation symmetry and dependency, doomed reads): losing one of
** them multiplies its count by 10 to 30; the full report of c50-ok
** costs the verdict-only search's states.
**
** When ../shared is absent (a clone outside this workspace) the test exits
** 77, which meson reports as skipped, with a message saying why.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "check.h"
#include "lin.h"

static char corpus[1024];

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static check_verdict verdict_opts(const char *file, const char *model, json_t *report,
                                  bool recording_only)
{
    char path[2048], err[512];
    size_t len;
    snprintf(path, sizeof path, "%s/%s", corpus, file);
    char *text = read_all(path, &len);
    check_lin_options lo = {.recording_only = recording_only};
    check_verdict v = check_linearizable_opts(text, len, file, "auto", model, NULL, &lo, report,
                                              err, sizeof err);
    free(text);
    if (v == CHECK_BAD_INPUT)
        fail_msg("%s", err);
    return v;
}

static check_verdict verdict_of(const char *file, const char *model, json_t *report)
{
    return verdict_opts(file, model, report, false);
}

static void test_lin_corpus_verdicts_match_expected_tsv(void **st)
{
    (void)st;
    char path[2048], line[1024];
    snprintf(path, sizeof path, "%s/expected.tsv", corpus);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    int files = 0, mismatches = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        char file[256], model[64], expected[16];
        if (sscanf(line, "%255s %63s %15s", file, model, expected) != 3 ||
            strcmp(file, "file") == 0)
            continue;
        check_verdict v = verdict_of(file, model, NULL);
        check_verdict want = strcmp(expected, "ok") == 0 ? CHECK_OK : CHECK_VIOLATION;
        if (v != want) {
            print_error("%s: expected %s, got %d\n", file, expected, (int)v);
            mismatches++;
        }
        files++;
    }
    fclose(f);
    assert_int_equal(mismatches, 0);
    assert_int_equal(files, 108);   /* 102 etcd logs and 6 kv logs */
}

/* The verdict-only search (lin_check_hist): its verdict and states. */
static check_verdict verdict_only(const char *file, const char *model, uint64_t *states)
{
    char path[2048], err[512];
    size_t len;
    snprintf(path, sizeof path, "%s/%s", corpus, file);
    char *text = read_all(path, &len);
    hist *h = hist_read(text, len, file, HIST_FMT_AUTO, err, sizeof err);
    free(text);
    if (h == NULL)
        fail_msg("%s", err);
    check_verdict v = lin_check_hist(h, lin_model_find(model), NULL, states, err, sizeof err);
    hist_free(h);
    return v;
}

static void test_lin_corpus_both_searches_agree_and_stay_small(void **st)
{
    (void)st;
    char path[2048], line[1024];
    snprintf(path, sizeof path, "%s/expected.tsv", corpus);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    uint64_t etcd_states = 0, c50_ok = 0, c50_bad = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        char file[256], model[64], expected[16];
        if (sscanf(line, "%255s %63s %15s", file, model, expected) != 3 ||
            strcmp(file, "file") == 0)
            continue;
        json_t *r = json_object();
        check_verdict with_report = verdict_opts(file, model, r, true);
        json_decref(r);
        uint64_t states = 0;
        check_verdict v = verdict_only(file, model, &states);
        check_verdict want = strcmp(expected, "ok") == 0 ? CHECK_OK : CHECK_VIOLATION;
        if (v != want || with_report != want)
            fail_msg("%s: expected %s, verdict-only search %d, report's %d", file, expected,
                     (int)v, (int)with_report);
        if (strncmp(file, "jepsen/", 7) == 0)
            etcd_states += states;
        else if (strcmp(file, "kv/c50-ok.txt") == 0)
            c50_ok = states;
        else if (strcmp(file, "kv/c50-bad.txt") == 0)
            c50_bad = states;
    }
    fclose(f);
    /* today 8,685, 12,480 and 8,362; before the reductions 254,981,
    ** 175,959 and 39,945 */
    print_message("states: etcd %llu, c50-ok %llu, c50-bad %llu\n",
                  (unsigned long long)etcd_states, (unsigned long long)c50_ok,
                  (unsigned long long)c50_bad);
    assert_true(etcd_states > 0 && etcd_states <= 12000);
    assert_true(c50_ok > 0 && c50_ok <= 16000);
    assert_true(c50_bad > 0 && c50_bad <= 12000);
    /* the full report of a linearizable history costs the verdict-only
    ** search's states (the recording search alone: 175,959) */
    json_t *r = json_object();
    assert_int_equal(verdict_of("kv/c50-ok.txt", "kv", r), CHECK_OK);
    assert_int_equal(json_integer_value(json_object_get(r, "states")), (json_int_t)c50_ok);
    json_decref(r);
}

static void test_lin_corpus_failures_are_explained(void **st)
{
    (void)st;
    static const char *const files[][2] = {{"jepsen/etcd_000.log", "cas-register"},
                                           {"kv/c01-bad.txt", "kv"}};
    for (size_t i = 0; i < 2; i++) {
        json_t *r = json_object();
        assert_int_equal(verdict_of(files[i][0], files[i][1], r), CHECK_VIOLATION);
        size_t k;
        json_t *p;
        int explained = 0;
        json_array_foreach(json_object_get(r, "partitions"), k, p) {
            if (!json_is_false(json_object_get(p, "valid")))
                continue;
            assert_true(json_array_size(json_object_get(p, "core")) >= 1);
            assert_true(json_is_true(json_object_get(p, "core_minimal")));
            assert_true(json_is_object(json_object_get(p, "prefix")));
            explained++;
        }
        assert_true(explained >= 1);
        json_decref(r);
    }
}

int main(void)
{
    const char *shared = getenv("DSIM_SHARED");
    char probe[1100];
    snprintf(corpus, sizeof corpus, "%s/corpora/porcupine", shared ? shared : "../shared");
    snprintf(probe, sizeof probe, "%s/expected.tsv", corpus);
    FILE *f = fopen(probe, "r");
    if (f == NULL) {
        printf("skipping: %s not found (set DSIM_SHARED to the shared folder)\n", probe);
        return 77;
    }
    fclose(f);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lin_corpus_verdicts_match_expected_tsv),
        cmocka_unit_test(test_lin_corpus_failures_are_explained),
        cmocka_unit_test(test_lin_corpus_both_searches_agree_and_stay_small),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

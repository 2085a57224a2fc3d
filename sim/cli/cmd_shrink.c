/*
** cmd_shrink.c — 'dsim shrink SCENARIO --seed N': the smallest fault
** schedule found that still fails the same way.
**
** The seed's run must fail; its violation kind (the first failing check)
** is what every candidate must reproduce. Candidates are runs with the
** same seed and a forced schedule (script_config.schedule), so everything
** but the faults stays as the seed made it. Passes, in order:
** 1. faults: delta debugging (Zeller's ddmin) over the list — drop halves,
**    quarters, ... then single faults, until no one fault can go;
** 2. durations: halve each remaining fault's duration while it still fails;
** 3. times: move each fault later (half-way to the end of the fault phase,
**    then smaller steps), which makes the schedule read in the order the
**    failure needs;
** 4. run length: the recovery starts right after the last fault, then the
**    end of the run is bisected down;
** 5. clients: where the scenario reads -D clients (dsim.param), fewer.
** Passes 1-3 repeat (at most 3 rounds) while they still remove faults.
** Each pass keeps a change only if the run still fails with the same kind
** (the check, and the broken property when the check names it, e.g.
** "invariants: Log Matching").
** Bounded by --budget trials (default 2000). The result is a replayable
** schedule file (dsim replay FILE).
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cmd.h"
#include "fuzz_common.h"
#include "hosttime.h"
#include "version.h"

static const char help[] =
    "usage: dsim shrink SCENARIO --seed N [options]\n"
    "  --seed N        the failing seed (from dsim fuzz)\n"
    "  -D key=value    scenario parameter or protocol option, as the failing run had\n"
    "  --out FILE      where to write the shrunk schedule (default shrunk-seed-N.json)\n"
    "  --budget N      at most N trial runs (default 2000)\n"
    "  --json          print the result as one JSON object\n"
    "Drops faults, shortens them, moves them later, then shortens the run and, when\n"
    "the scenario reads -D clients, uses fewer clients; the violation kind stays the same.\n"
    "exit status: 0 shrunk, 2 bad input (or the seed does not fail), 3 internal error\n";

typedef struct shrink_args {
    const char *scenario, *out;
    uint64_t seed, budget;
    bool have_seed, json;
    json_t *params;
} shrink_args;

typedef struct shrinker {
    const shrink_args *a;
    char kind[128];
    json_t *params;          /* current -D set (may gain "clients") */
    json_t *best;            /* current schedule (owned) */
    fuzz_outcome best_run;
    uint64_t trials;
} shrinker;

static int parse(int argc, char **argv, shrink_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
            fputs(help, stdout);
            return -1;
        } else if (strcmp(o, "--seed") == 0 || strcmp(o, "--budget") == 0) {
            uint64_t *dst = o[2] == 's' ? &a->seed : &a->budget;
            if (!args_u64(next, dst))
                return args_usage_error("shrink", "%s wants a number, got '%s'", o, next ? next : "");
            a->have_seed = a->have_seed || o[2] == 's';
            i++;
        } else if (strcmp(o, "-D") == 0 || strncmp(o, "-D", 2) == 0) {
            if (!args_define(a->params, o[2] ? o + 2 : next))
                return EXIT_USAGE;
            i += o[2] ? 0 : 1;
        } else if (strcmp(o, "--out") == 0) {
            if (!next)
                return args_usage_error("shrink", "--out wants a file name");
            a->out = next;
            i++;
        } else if (strcmp(o, "--json") == 0) {
            a->json = true;
        } else if (o[0] == '-') {
            return args_usage_error("shrink", "unknown option '%s'", o);
        } else if (a->scenario) {
            return args_usage_error("shrink", "one scenario at a time");
        } else {
            a->scenario = o;
        }
    }
    if (!a->scenario)
        return args_usage_error("shrink", "which scenario? e.g. dsim shrink scenarios/fuzz/single.lua --seed 7");
    if (!a->have_seed)
        return args_usage_error("shrink", "--seed N is required (a seed that fails)");
    return 0;
}

/* Runs a candidate; keeps it as the best when it fails the same way. */
static bool try_candidate(shrinker *s, json_t *schedule, json_t *params)
{
    if (s->trials >= s->a->budget)
        return false;
    s->trials++;
    fuzz_outcome o;
    fuzz_run(s->a->scenario, s->a->seed, params, schedule, &o);
    bool same = o.status == FUZZ_FAIL && strcmp(o.kind, s->kind) == 0;
    if (same) {
        fuzz_outcome_free(&s->best_run);
        s->best_run = o;
        if (schedule != s->best) {
            json_decref(s->best);
            s->best = json_incref(schedule);
        }
        if (params != s->params) {
            json_decref(s->params);
            s->params = json_incref(params);
        }
    } else {
        fuzz_outcome_free(&o);
    }
    return same;
}

static json_t *faults_of(json_t *schedule) { return json_object_get(schedule, "faults"); }

/* A copy of the best schedule with faults [from, to) left out. */
static json_t *without(shrinker *s, size_t from, size_t to)
{
    json_t *c = json_deep_copy(s->best), *f = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(faults_of(s->best), i, e)
        if (i < from || i >= to)
            json_array_append(f, e);
    json_object_set_new(c, "faults", f);
    return c;
}

static void pass_ddmin(shrinker *s)
{
    json_t *empty = without(s, 0, json_array_size(faults_of(s->best)));
    bool gone = try_candidate(s, empty, s->params);
    json_decref(empty);
    if (gone)
        return;
    size_t chunks = 2;
    for (;;) {
        size_t len = json_array_size(faults_of(s->best));
        if (len < 1 || s->trials >= s->a->budget)
            return;
        if (chunks > len)
            chunks = len;
        bool reduced = false;
        for (size_t c = 0; c < chunks && !reduced; c++) {
            size_t from = len * c / chunks, to = len * (c + 1) / chunks;
            json_t *cand = without(s, from, to);
            reduced = try_candidate(s, cand, s->params);
            json_decref(cand);
        }
        if (reduced) {
            chunks = chunks > 2 ? chunks - 1 : 2;
        } else if (chunks >= len) {
            return;
        } else {
            chunks = chunks * 2;
        }
    }
}

static int64_t get_ms(const json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }

/* Tries 'field' of fault 'i' (or of the schedule when i < 0) set to 'v'. */
static bool try_set(shrinker *s, int i, const char *field, int64_t v)
{
    json_t *c = json_deep_copy(s->best);
    json_t *o = i < 0 ? c : json_array_get(faults_of(c), (size_t)i);
    json_object_set_new(o, field, json_integer(v));
    bool ok = try_candidate(s, c, s->params);
    json_decref(c);
    return ok;
}

static void pass_durations(shrinker *s)
{
    for (size_t i = 0; i < json_array_size(faults_of(s->best)); i++) {
        for (int k = 0; k < 8; k++) {
            int64_t dur = get_ms(json_array_get(faults_of(s->best), i), "dur_ms");
            if (dur <= 1 || !try_set(s, (int)i, "dur_ms", dur / 2))
                break;
        }
    }
}

static void pass_later(shrinker *s)
{
    size_t n = json_array_size(faults_of(s->best));
    for (size_t j = n; j > 0; j--) {
        int64_t stop = get_ms(s->best, "stop_ms");
        json_t *e = json_array_get(faults_of(s->best), j - 1);
        int64_t room = stop - get_ms(e, "at_ms") - get_ms(e, "dur_ms");
        for (int64_t step = room / 2; step >= 1 && s->trials < s->a->budget; step /= 4) {
            e = json_array_get(faults_of(s->best), j - 1);
            if (try_set(s, (int)j - 1, "at_ms", get_ms(e, "at_ms") + step))
                break;
        }
    }
    /* keep the list sorted: the run sorts it too, this makes the file read so */
    json_t *c = json_deep_copy(s->best);
    json_t *f = faults_of(c);
    for (size_t a = 1; a < json_array_size(f); a++)
        for (size_t b = a; b > 0 && get_ms(json_array_get(f, b - 1), "at_ms") > get_ms(json_array_get(f, b), "at_ms"); b--) {
            json_t *x = json_incref(json_array_get(f, b - 1));
            json_array_set(f, b - 1, json_array_get(f, b));
            json_array_set_new(f, b, x);
        }
    json_decref(s->best);
    s->best = c;
}

static void pass_length(shrinker *s)
{
    int64_t end = get_ms(s->best, "start_ms");
    size_t i;
    json_t *e;
    json_array_foreach(faults_of(s->best), i, e)
        if (get_ms(e, "at_ms") + get_ms(e, "dur_ms") > end)
            end = get_ms(e, "at_ms") + get_ms(e, "dur_ms");
    try_set(s, -1, "stop_ms", end);
    int64_t lo = get_ms(s->best, "stop_ms"), hi = get_ms(s->best, "until_ms");
    while (hi - lo > 10 && s->trials < s->a->budget) {
        int64_t mid = lo + (hi - lo) / 2;
        if (try_set(s, -1, "until_ms", mid))
            hi = mid;
        else
            lo = mid;
    }
}

static void pass_clients(shrinker *s)
{
    int64_t now = json_integer_value(json_object_get(s->best_run.summary, "clients"));
    for (int64_t k = 1; k < now && s->trials < s->a->budget; k++) {
        json_t *p = json_deep_copy(s->params);
        char num[24];
        snprintf(num, sizeof num, "%lld", (long long)k);
        json_object_set_new(p, "clients", json_string(num));
        fuzz_outcome probe;
        bool ok = try_candidate(s, s->best, p);
        if (!ok && k == 1) {   /* does the scenario take -D clients at all? */
            fuzz_run(s->a->scenario, s->a->seed, p, s->best, &probe);
            bool unsupported = probe.status == FUZZ_ERROR && strstr(probe.detail, "clients");
            fuzz_outcome_free(&probe);
            s->trials++;
            if (unsupported) {
                json_decref(p);
                return;
            }
        }
        json_decref(p);
        if (ok)
            return;
    }
}

static void print_fault(const json_t *e)
{
    printf("  at %6lld ms  %-9s", (long long)get_ms(e, "at_ms"), json_string_value(json_object_get(e, "kind")));
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)e, k, v) {
        if (strcmp(k, "at_ms") == 0 || strcmp(k, "kind") == 0)
            continue;
        char *t = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        printf(" %s=%s", k, t ? t : "?");
        free(t);
    }
    printf("\n");
}

static json_t *schedule_file(shrinker *s)
{
    const json_t *sum = s->best_run.summary;
    return version_stamp(json_pack("{s:s, s:I, s:O, s:O, s:O, s:s, s:s, s:O}", "scenario", s->a->scenario,
                     "seed", (json_int_t)s->a->seed, "params", s->params,
                     "protocol", json_object_get(sum, "protocol"), "nodes", json_object_get(sum, "nodes"),
                     "fingerprint", s->best_run.fingerprint, "violation", s->kind, "schedule", s->best));
}

static int finish(shrinker *s, const char *out, int before, int64_t until_before, int64_t clients_before,
                  double secs)
{
    json_t *file = schedule_file(s);
    bool ok = fuzz_write_json(out, file);
    json_decref(file);
    if (!ok)
        return args_usage_error("shrink", "cannot write '%s'", out);
    int after = (int)json_array_size(faults_of(s->best));
    int64_t clients = json_integer_value(json_object_get(s->best_run.summary, "clients"));
    if (s->a->json) {
        json_t *o = json_pack("{s:i, s:i, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:f, s:s, s:O}",
            "faults_before", before, "faults_after", after, "schedule", out, "violation", s->kind,
            "until_ms_before", (json_int_t)until_before, "until_ms_after", (json_int_t)get_ms(s->best, "until_ms"),
            "clients_before", (json_int_t)clients_before, "clients_after", (json_int_t)clients,
            "trials", (json_int_t)s->trials, "seconds", secs, "fingerprint", s->best_run.fingerprint,
            "faults", faults_of(s->best));
        version_stamp(o);
        char *t = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        printf("%s\n", t);
        free(t);
        json_decref(o);
        return EXIT_PASS;
    }
    printf("violation    %s (kept by every step)\n", s->kind);
    printf("faults       %d -> %d\n", before, after);
    printf("run length   %lld ms -> %lld ms\n", (long long)until_before, (long long)get_ms(s->best, "until_ms"));
    printf("clients      %lld -> %lld\n", (long long)clients_before, (long long)clients);
    printf("took         %.2f s, %llu trial runs\n", secs, (unsigned long long)s->trials);
    printf("remaining faults:\n");
    size_t i;
    json_t *e;
    json_array_foreach(faults_of(s->best), i, e)
        print_fault(e);
    printf("schedule     %s   (dsim replay %s gives fingerprint %s with dsim %s, build %s)\n", out, out,
           s->best_run.fingerprint, version_release(), version_build());
    return EXIT_PASS;
}

int cmd_shrink(int argc, char **argv)
{
    shrink_args a = {.budget = 2000, .params = json_object()};
    int rc = parse(argc, argv, &a);
    if (rc != 0) {
        json_decref(a.params);
        return rc < 0 ? EXIT_PASS : rc;
    }
    double t0 = host_seconds();
    shrinker s = {.a = &a, .params = json_incref(a.params)};
    fuzz_run(a.scenario, a.seed, a.params, NULL, &s.best_run);
    const json_t *sched = json_object_get(s.best_run.summary, "schedule");
    if (s.best_run.status != FUZZ_FAIL || !sched) {
        rc = args_usage_error("shrink", "%s", s.best_run.status == FUZZ_ERROR ? s.best_run.detail :
                              s.best_run.status == FUZZ_PASS ? "this seed passes: nothing to shrink"
                              : "the scenario has no c:nemesis: no schedule to shrink");
        fuzz_outcome_free(&s.best_run);
        json_decref(s.params);
        json_decref(a.params);
        return rc;
    }
    snprintf(s.kind, sizeof s.kind, "%s", s.best_run.kind);
    s.best = json_deep_copy(sched);
    int before = (int)json_array_size(faults_of(s.best));
    int64_t until_before = get_ms(s.best, "until_ms");
    int64_t clients_before = json_integer_value(json_object_get(s.best_run.summary, "clients"));
    for (int round = 0; round < 3; round++) {   /* later passes may let more faults go */
        size_t len = json_array_size(faults_of(s.best));
        pass_ddmin(&s);
        pass_durations(&s);
        pass_later(&s);
        if (json_array_size(faults_of(s.best)) == len || len <= 1)
            break;
    }
    pass_length(&s);
    pass_clients(&s);
    char out[4096];
    snprintf(out, sizeof out, "%s", a.out ? a.out : "");
    if (!a.out)
        snprintf(out, sizeof out, "shrunk-seed-%" PRIu64 ".json", a.seed);
    rc = finish(&s, out, before, until_before, clients_before, host_seconds() - t0);
    json_decref(s.best);
    fuzz_outcome_free(&s.best_run);
    json_decref(s.params);
    json_decref(a.params);
    return rc;
}

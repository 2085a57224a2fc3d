/*
** cmd_replay.c — 'dsim replay SCHEDULE.json': reruns a scenario with the
** seed, parameters and fault schedule a file recorded, and compares the
** fingerprint with the recorded one.
**
** The file is what 'dsim shrink' writes, or a failing result line of
** 'dsim fuzz --out' (pick one line of a results file with --seed), or any
** object with "scenario", "seed" and "schedule" (and optionally "params",
** "protocol", "nodes", "fingerprint"). The schedule replaces the one
** c:nemesis would draw; the rest of the run comes from the seed as usual,
** so the replay is the recorded run, event for event.
** A file that names another build ("build", version.h) than this binary
** gets a warning on stderr: the same seed and schedule are promised the
** same run only by the same build.
** Exit status: that of the run's checks (0 pass, 1 a check failed); 2 when
** the file is not a schedule or does not fit the scenario (another
** protocol, too few nodes, no c:nemesis in the scenario).
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cmd.h"
#include "fuzz_common.h"
#include "report.h"
#include "script.h"

static const char help[] =
    "usage: dsim replay SCHEDULE.json [options]\n"
    "  --seed N          with a fuzz results file: the line of this seed\n"
    "  --scenario FILE   run this scenario file instead of the recorded path\n"
    "  --trace FILE      write the JSON-lines trace of the replay\n"
    "  --json            print the summary as one JSON object\n"
    "The file comes from dsim shrink (or a failing line of dsim fuzz --out).\n"
    "exit status: 0 checks passed, 1 a check failed, 2 bad input, 3 internal error\n";

typedef struct replay_args {
    const char *file, *scenario, *trace;
    uint64_t seed;
    bool have_seed, json;
} replay_args;

static int parse(int argc, char **argv, replay_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
            fputs(help, stdout);
            return -1;
        } else if (strcmp(o, "--seed") == 0) {
            if (!args_u64(next, &a->seed))
                return args_usage_error("replay", "--seed wants a number, got '%s'", next ? next : "");
            a->have_seed = true;
            i++;
        } else if (strcmp(o, "--scenario") == 0 || strcmp(o, "--trace") == 0) {
            if (!next)
                return args_usage_error("replay", "%s wants a file name", o);
            *(o[2] == 's' ? &a->scenario : &a->trace) = next;
            i++;
        } else if (strcmp(o, "--json") == 0) {
            a->json = true;
        } else if (o[0] == '-') {
            return args_usage_error("replay", "unknown option '%s'", o);
        } else if (a->file) {
            return args_usage_error("replay", "one schedule file at a time");
        } else {
            a->file = o;
        }
    }
    if (!a->file)
        return args_usage_error("replay", "which schedule file? e.g. dsim replay shrunk.json");
    return 0;
}

/* The record to replay: the whole file as one JSON value, or the line of a
** JSON-lines file with the wanted seed (or the first with a schedule).
** NULL with the reason in 'why' (empty: not JSON lines at all). */
static json_t *load_record(const replay_args *a, char *why, size_t cap)
{
    json_error_t je;
    why[0] = '\0';
    json_t *whole = json_load_file(a->file, 0, &je);
    if (whole)
        return whole;
    FILE *f = fopen(a->file, "r");
    if (!f) {
        snprintf(why, cap, "cannot read '%s'", a->file);
        return NULL;
    }
    char *line = NULL;
    size_t cap_line = 0;
    json_t *found = NULL;
    long results = 0, scheduled = 0;
    json_int_t lo = 0, hi = 0;
    while (!found && getline(&line, &cap_line, f) > 0) {
        json_t *v = json_loads(line, 0, NULL);
        json_t *seed = json_object_get(v, "seed");
        if (json_is_integer(seed)) {
            json_int_t s = json_integer_value(seed);
            lo = results == 0 || s < lo ? s : lo;
            hi = results == 0 || s > hi ? s : hi;
            results++;
            scheduled += json_object_get(v, "schedule") != NULL;
        }
        bool seed_ok = !a->have_seed || (json_is_integer(seed) &&
                                         (uint64_t)json_integer_value(seed) == a->seed);
        if (v && json_object_get(v, "schedule") && seed_ok)
            found = v;
        else
            json_decref(v);
    }
    free(line);
    fclose(f);
    if (found == NULL && results > 0 && a->have_seed)
        snprintf(why, cap, "'%s' has no failing result line for seed %" PRIu64 " (%ld result lines, "
                 "seeds %lld..%lld, %ld with a schedule: only failing seeds can be replayed; "
                 "pass ones rerun with dsim run --seed)", a->file, a->seed, results,
                 (long long)lo, (long long)hi, scheduled);
    else if (found == NULL && results > 0)
        snprintf(why, cap, "'%s' is a results file without a failing seed (%ld result lines, "
                 "none with a schedule)", a->file, results);
    return found;
}

static void print_summary(const json_t *s, const char *recorded)
{
    const char *fp = json_string_value(json_object_get(s, "fingerprint"));
    printf("scenario     %s\n", json_string_value(json_object_get(s, "scenario")));
    printf("seed         %lld\n", (long long)json_integer_value(json_object_get(s, "seed")));
    printf("faults       %d\n", fuzz_faults(s));
    printf("verdicts    ");
    const char *k;
    json_t *v;
    int n = 0;
    json_object_foreach((json_t *)json_object_get(s, "verdicts"), k, v)
        printf("%s %s: %s", n++ ? "," : "", k, json_string_value(v));
    printf("%s\n", n ? "" : " (no checks ran)");
    printf("fingerprint  %s", fp);
    if (recorded && recorded[0])
        printf(" (%s the recorded %s)", strcmp(recorded, fp) == 0 ? "same as" : "DIFFERS from", recorded);
    printf("\ndsim         %s, build %s\n", json_string_value(json_object_get(s, "version")),
           json_string_value(json_object_get(s, "build")));
}

/* Exit 2 with a message when the run does not fit the recorded one. */
static int mismatch(const json_t *rec, const json_t *summary)
{
    if (!json_object_get(summary, "schedule"))
        return args_usage_error("replay", "the scenario never calls c:nemesis, so the schedule "
                                          "cannot be applied");
    static const char *const keys[] = {"protocol", "nodes", NULL};
    for (int i = 0; keys[i]; i++) {
        json_t *want = json_object_get(rec, keys[i]), *got = json_object_get(summary, keys[i]);
        if (want && !json_equal(want, got)) {
            char *x = json_dumps(want, JSON_ENCODE_ANY), *y = json_dumps(got, JSON_ENCODE_ANY);
            int rc = args_usage_error("replay", "the schedule does not match the scenario: it was "
                                      "recorded with %s %s, the scenario has %s", keys[i], x, y ? y : "none");
            free(x);
            free(y);
            return rc;
        }
    }
    return 0;
}

int cmd_replay(int argc, char **argv)
{
    replay_args a = {0};
    int rc = parse(argc, argv, &a);
    if (rc != 0)
        return rc < 0 ? EXIT_PASS : rc;
    char why[512];
    json_t *rec = load_record(&a, why, sizeof why);
    if (!rec && why[0])
        return args_usage_error("replay", "%s", why);
    const char *scenario = a.scenario ? a.scenario : json_string_value(json_object_get(rec, "scenario"));
    json_t *seed = json_object_get(rec, "seed"), *schedule = json_object_get(rec, "schedule");
    json_t *params = json_object_get(rec, "params");
    if (!rec || !scenario || !json_is_integer(seed) || !json_is_object(schedule) ||
        (params && !json_is_object(params))) {
        json_decref(rec);
        return args_usage_error("replay", "'%s' is not a schedule file (want an object with scenario, "
                                "seed and schedule, as dsim shrink writes)", a.file);
    }
    if (json_integer_value(seed) < 0) {
        json_int_t bad = json_integer_value(seed);
        json_decref(rec);
        return args_usage_error("replay", "%s: seed: expected an integer from 0 to 2^63-1, got %lld",
                                a.file, (long long)bad);
    }
    bool other_build = fuzz_build_differs("replay", a.file, rec);
    FILE *trace = a.trace ? fopen(a.trace, "w") : NULL;
    if (a.trace && !trace) {
        json_decref(rec);
        return args_usage_error("replay", "cannot write trace '%s'", a.trace);
    }
    json_t *no_params = json_object();
    FILE *devnull = fopen("/dev/null", "w");
    script_config cfg = {.path = scenario, .seed = (uint64_t)json_integer_value(seed),
                         .params = params ? params : no_params, .trace = trace,
                         .out = devnull ? devnull : stderr, .schedule = schedule, .fault_log = true};
    script_result r;
    script_run(&cfg, &r);
    if (devnull)
        fclose(devnull);
    if (trace)
        fclose(trace);
    const char *recorded = json_string_value(json_object_get(rec, "fingerprint"));
    if (r.error || !r.summary) {
        fprintf(stderr, "dsim replay: error: %s\n", r.error ? r.message : "the scenario made no cluster");
        rc = EXIT_USAGE;
    } else if ((rc = mismatch(rec, r.summary)) == 0) {
        if (a.json) {
            json_t *o = json_deep_copy(r.summary);
            json_object_set_new(o, "recorded_fingerprint", recorded ? json_string(recorded) : json_null());
            json_object_set_new(o, "same_fingerprint", json_boolean(recorded &&
                strcmp(recorded, json_string_value(json_object_get(r.summary, "fingerprint"))) == 0));
            json_t *build = json_object_get(rec, "build");
            json_object_set_new(o, "recorded_build", build ? json_incref(build) : json_null());
            json_object_set_new(o, "same_build", json_boolean(!other_build));
            char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
            printf("%s\n", s);
            free(s);
            json_decref(o);
        } else {
            print_summary(r.summary, recorded);
            char repro[1200];   /* the short report of each failed check (report.c) */
            int n = snprintf(repro, sizeof repro, "dsim replay %s", a.file);
            if (a.have_seed && n > 0 && (size_t)n < sizeof repro)
                snprintf(repro + n, sizeof repro - (size_t)n, " --seed %" PRIu64, a.seed);
            const char *ver = json_string_value(json_object_get(r.summary, "version"));
            const char *bid = json_string_value(json_object_get(r.summary, "build"));
            char build[256] = "";   /* what the reproduction needs besides the command */
            if (ver && bid)
                snprintf(build, sizeof build, "dsim %s build %s", ver, bid);
            report_ctx ctx = {.faults = r.faults ? r.faults : json_null(),
                              .clients = (int)json_integer_value(json_object_get(r.summary, "clients")),
                              .repro = repro,
                              .build = build[0] ? build : NULL,
                              .more = "the same with --trace run.jsonl, then dsim view run.jsonl -o run.html"};
            report_verdicts(stdout, r.verdicts, &ctx);
        }
        rc = r.violation ? EXIT_VIOLATION : EXIT_PASS;
    }
    script_result_free(&r);
    json_decref(no_params);
    json_decref(rec);
    return rc;
}

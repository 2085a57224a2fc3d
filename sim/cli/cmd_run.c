/*
** cmd_run.c — 'dsim run SCENARIO': runs one scenario with one seed and
** prints its summary (readable, or one JSON object with --json).
**
** Observers (--trace, --history, --log) never change the run: the
** fingerprint is the same with them on or off. Exit status: 0 every check
** passed (or none ran), 1 a check failed, 2 the scenario or the command
** line is bad (the message names the file and line), 3 internal error.
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "check.h"
#include "cmd.h"
#include "fuzz_common.h"
#include "hosttime.h"
#include "logfilter.h"
#include "report.h"
#include "script.h"
#include "view.h"

static const char help[] =
    "usage: dsim run SCENARIO [options]\n"
    "  --seed N        the run's seed (default 1); the same seed gives the same run\n"
    "  -D key=value    scenario parameter (dsim.param) or protocol option (e.g. -D bug=NAME)\n"
    "  --trace FILE    write the JSON-lines trace\n"
    "  --history FILE  write the client history (JSON lines; Jepsen EDN when FILE ends in .edn)\n"
    "  --html FILE     write the run as a self-contained HTML page (dsim view)\n"
    "  --log           print one line per event (coloured on a terminal)\n"
    "  --log=FILTERS   only the events that match, e.g. node:n1,ev:deliver,msg:Append*\n"
    "                  (same key: any of them; different keys: all of them)\n"
    "  --json          print the summary as one JSON object\n"
    "  --unsafe        allow io, os and require in the scenario\n"
    "exit status: 0 checks passed, 1 a check failed, 2 bad input, 3 internal error,\n"
    "             4 no check failed but one was undecided (budget)\n";

typedef struct run_args {
    const char *scenario, *trace, *history, *html;
    logfilter *log_filter;
    uint64_t seed;
    bool json, log, unsafe;
    json_t *params;
} run_args;

static int parse(int argc, char **argv, run_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
            fputs(help, stdout);
            return -1;
        } else if (strcmp(o, "--seed") == 0) {
            if (!args_u64(next, &a->seed))
                return args_usage_error("run", "--seed wants a number, got '%s'", next ? next : "");
            i++;
        } else if (strcmp(o, "-D") == 0) {
            if (!args_define(a->params, next))
                return EXIT_USAGE;
            i++;
        } else if (strncmp(o, "-D", 2) == 0) {
            if (!args_define(a->params, o + 2))
                return EXIT_USAGE;
        } else if (strcmp(o, "--trace") == 0 || strcmp(o, "--history") == 0) {
            if (!next)
                return args_usage_error("run", "%s wants a file name", o);
            *(o[2] == 't' ? &a->trace : &a->history) = next;
            i++;
        } else if (strcmp(o, "--json") == 0) {
            a->json = true;
        } else if (strcmp(o, "--html") == 0) {
            if (!next)
                return args_usage_error("run", "--html wants a file name");
            a->html = next;
            i++;
        } else if (strcmp(o, "--log") == 0) {
            a->log = true;
        } else if (strncmp(o, "--log=", 6) == 0) {
            char err[512];
            logfilter_free(a->log_filter);
            if (!(a->log_filter = logfilter_parse(o + 6, err, sizeof err)))
                return args_usage_error("run", "%s", err);
            a->log = true;
        } else if (strcmp(o, "--unsafe") == 0) {
            a->unsafe = true;
        } else if (o[0] == '-') {
            return args_usage_error("run", "unknown option '%s'", o);
        } else if (a->scenario) {
            return args_usage_error("run", "one scenario at a time (got '%s' and '%s')", a->scenario, o);
        } else {
            a->scenario = o;
        }
    }
    if (!a->scenario)
        return args_usage_error("run", "which scenario? e.g. dsim run scenarios/demos/single_kv.lua");
    return 0;
}

static void print_summary(const json_t *s, double wall_ms)
{
    const json_t *m = json_object_get(s, "messages"), *o = json_object_get(s, "ops");
#define I(obj, k) ((long long)json_integer_value(json_object_get(obj, k)))
    printf("scenario     %s\n", json_string_value(json_object_get(s, "scenario")));
    printf("seed         %lld\n", I(s, "seed"));
    const char *k;
    json_t *v;
    if (json_object_size(json_object_get(s, "params")) > 0) {
        printf("params      ");
        json_object_foreach((json_t *)json_object_get(s, "params"), k, v)
            printf(" -D %s=%s", k, json_is_string(v) ? json_string_value(v) : "?");
        printf("\n");
    }
    printf("protocol     %s (%lld nodes, %lld clients)\n", json_string_value(json_object_get(s, "protocol")),
           I(s, "nodes"), I(s, "clients"));
    printf("sim time     %.3f ms\n", json_real_value(json_object_get(s, "sim_ms")));
    printf("events       %lld\n", I(s, "events"));
    printf("messages     sent %lld, delivered %lld, dropped %lld, duplicated %lld\n",
           I(m, "sent"), I(m, "delivered"), I(m, "dropped"), I(m, "duplicated"));
    printf("operations   invoked %lld: ok %lld, fail %lld, info %lld\n",
           I(o, "invoked"), I(o, "ok"), I(o, "fail"), I(o, "info"));
#undef I
    printf("verdicts    ");
    int n = 0;
    json_object_foreach((json_t *)json_object_get(s, "verdicts"), k, v)
        printf("%s %s: %s", n++ ? "," : "", k, json_string_value(v));
    printf("%s\n", n ? "" : " (no checks ran)");
    printf("fingerprint  %s\n", json_string_value(json_object_get(s, "fingerprint")));
    printf("wall time    %.1f ms\n", wall_ms);
    printf("dsim         %s, build %s\n", json_string_value(json_object_get(s, "version")),
           json_string_value(json_object_get(s, "build")));
}

/* The short report of each failed check (report.c), with the command that
** reproduces the run; the full reports are in --json and --trace. */
static void print_violations(const run_args *a, const script_result *r)
{
    char *repro = fuzz_command(a->scenario, a->seed, a->params);
    const char *ver = json_string_value(json_object_get(r->summary, "version"));
    const char *bid = json_string_value(json_object_get(r->summary, "build"));
    char build[256] = "";   /* what the reproduction needs besides the command */
    if (ver && bid)
        snprintf(build, sizeof build, "dsim %s build %s", ver, bid);
    report_ctx ctx = {.faults = r->faults ? r->faults : json_null(),
                      .clients = (int)json_integer_value(json_object_get(r->summary, "clients")),
                      .repro = repro,
                      .build = build[0] ? build : NULL,
                      .more = "the same with --json (full reports), --html run.html (the viewer)"};
    report_verdicts(stdout, r->verdicts, &ctx);
    free(repro);
}

static bool write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    bool ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

/* The history as JSON lines, or as Jepsen EDN when the name ends in ".edn". */
static bool write_history(const char *path, const char *text, size_t len)
{
    size_t n = strlen(path);
    if (n < 4 || strcmp(path + n - 4, ".edn") != 0)
        return write_file(path, text, len);
    char err[256];
    size_t edn_len = 0;
    char *edn = check_history_to_edn(text, len, &edn_len, err, sizeof err);
    if (edn == NULL) {
        fprintf(stderr, "dsim run: %s\n", err);
        return false;
    }
    bool ok = write_file(path, edn, edn_len);
    free(edn);
    return ok;
}

static int report(const run_args *a, script_result *r, double wall_ms)
{
    if (r->error) {
        fprintf(stderr, "dsim run: error: %s\n", r->message);
        if (a->json)
            printf("%s\n", json_dumps(json_pack("{s:s}", "error", r->message), JSON_COMPACT));
        return r->internal ? EXIT_INTERNAL : EXIT_USAGE;
    }
    size_t i;
    json_t *w;
    json_array_foreach(r->warnings, i, w)
        fprintf(stderr, "dsim run: warning: %s\n", json_string_value(w));
    if (!r->checked && r->summary)
        fprintf(stderr, "dsim run: warning: %s never calls c:check: nothing was judged\n",
                a->scenario);
    if (a->history && !write_history(a->history, r->history ? r->history : "", r->history_len)) {
        fprintf(stderr, "dsim run: cannot write history '%s'\n", a->history);
        return EXIT_USAGE;
    }
    if (!r->summary) {
        fprintf(stderr, "dsim run: %s made no cluster (dsim.cluster{...})\n", a->scenario);
        return EXIT_USAGE;
    }
    if (a->json) {
        json_t *o = json_deep_copy(r->summary);
        json_object_set_new(o, "wall_ms", json_real(wall_ms));
        json_object_set(o, "checks", r->verdicts);
        char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        printf("%s\n", s);
        free(s);
        json_decref(o);
    } else {
        print_summary(r->summary, wall_ms);
        print_violations(a, r);
    }
    return r->violation ? EXIT_VIOLATION : r->unknown ? EXIT_UNKNOWN : EXIT_PASS;
}

int cmd_run(int argc, char **argv)
{
    run_args a = {.seed = 1, .params = json_object()};
    int rc = parse(argc, argv, &a);
    if (rc != 0) {
        json_decref(a.params);
        logfilter_free(a.log_filter);
        return rc < 0 ? EXIT_PASS : rc;
    }
    FILE *trace = NULL;
    char *trace_mem = NULL;   /* --html without --trace: the trace in memory */
    size_t trace_mem_len = 0;
    if (a.trace && !(trace = fopen(a.trace, "w"))) {
        json_decref(a.params);
        logfilter_free(a.log_filter);
        return args_usage_error("run", "cannot write trace '%s'", a.trace);
    }
    if (a.html && !trace && !(trace = open_memstream(&trace_mem, &trace_mem_len))) {
        json_decref(a.params);
        logfilter_free(a.log_filter);
        return args_usage_error("run", "out of memory for the --html trace");
    }
    script_config cfg = {.path = a.scenario, .seed = a.seed, .params = a.params, .unsafe = a.unsafe,
                         .trace = trace, .log = a.log ? stdout : NULL,
                         .log_color = a.log && isatty(STDOUT_FILENO),
                         .log_filter = a.log_filter, .out = a.json ? stderr : stdout,
                         .fault_log = true};
    script_result r;
    double t0 = host_seconds();
    script_run(&cfg, &r);
    double wall_ms = (host_seconds() - t0) * 1e3;
    if (trace && fclose(trace) != 0)
        fprintf(stderr, "dsim run: error writing trace '%s'\n", a.trace ? a.trace : "(memory)");
    rc = report(&a, &r, wall_ms);
    if (a.html && !r.error && rc != EXIT_USAGE &&
        view_html_after_run(a.trace, trace_mem, trace_mem_len, a.html) != 0)
        rc = EXIT_USAGE;
    free(trace_mem);
    logfilter_free(a.log_filter);
    script_result_free(&r);
    json_decref(a.params);
    return rc;
}

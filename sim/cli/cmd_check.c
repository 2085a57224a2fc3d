/*
** cmd_check.c — 'dsim check': checks a recorded history against a model
** or a consistency criterion and prints the verdict.
**
**   dsim check --model M [--format F] [--budget-states N]
**              [--budget-seconds S] [--json] HISTORY
**
** HISTORY is a file, or '-' for standard input. The model is looked up in
** 'checkers' below: the linearizability models come from the checker's
** own registry (lin.h) and share 'run_linearizable'; other checkers
** (causal, sequential) are one row each with their own run and print.
**
** Exit status (cmd.h, plus one code of this command):
**   0  the history satisfies the model (every partition ok)
**   1  a violation was proven (the report explains it)
**   2  bad input or usage: "FILE:LINE: what was expected" on stderr
**   3  internal error (out of memory)
**   4  unknown: the budget (states, seconds, or the memory cap) ran out
**      before an answer. Printed as "UNKNOWN: budget exhausted ...".
** Why 4: Jepsen reports :valid? :unknown as neither a pass nor a failure
** (its test runner gives it its own exit code), so a script must be able
** to tell it from both; 2 and 3 already mean bad input and internal error
** in dsim, so unknown takes the next code. It is never 0: an undecided
** check is not a pass.
**
** Environment (internal, for tests/lin_report_cli.sh):
** DSIM_LIN_RECORDING_ONLY=1 builds a linearizability report from the
** search that records the longest prefix alone (check.h,
** 'check_lin_options').
*/
#include <errno.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "args.h"
#include "causal.h"
#include "check.h"
#include "check_html.h"
#include "txn.h"
#include "cmd.h"
#include "world.h"
#include "lin.h"
#include "report.h"
#include "session.h"

enum { INPUT_BYTES_MAX = 1 << 30 };   /* 1 GiB: larger histories are refused */

typedef struct check_request {
    const char *text;
    size_t len;
    const char *source;      /* file name for messages */
    const char *format;      /* "auto", "json", "edn", "etcd", "kv" */
    const char *model;       /* the row's name */
    const char *criterion;   /* causal: cc, cm, ccv or all (NULL: all) */
    const char *initial;     /* register models: the first value (NULL: nil) */
    const char *consistency; /* txn: comma-separated consistency models */
    bool every_read;         /* lost-update: judge every read after a write */
    check_budget budget;
} check_request;

/* One row per checker. The linearizability row stands for every model
** of the checker's own registry ('lin_models()', each with its name and
** summary), the txn row for every workload of 'txn_workloads'; the other
** rows are one model each. 'dsim check --help' and
** 'dsim list models' read this table, so no model name or summary is
** written twice. */
typedef struct checker {
    const char *kind;        /* linearizable, causal, sequential */
    check_verdict (*run)(const check_request *rq, json_t *report, char *err, size_t cap);
    void (*print)(const json_t *report, FILE *out);   /* text verdict */
    const char *name;        /* the model; NULL: the linearizability models */
    const char *summary;
} checker;

typedef struct check_model {  /* a model found by name */
    const checker *by;
    const char *name, *summary;
} check_model;

static check_verdict run_linearizable(const check_request *rq, json_t *report, char *err,
                                      size_t cap)
{
    /* internal: the report's search alone, as before the verdict-only
    ** search ran first (tests/lin_report_cli.sh compares the two) */
    const char *rec = getenv("DSIM_LIN_RECORDING_ONLY");
    check_lin_options lo = {.initial = rq->initial,
                            .recording_only = rec != NULL && strcmp(rec, "1") == 0};
    return check_linearizable_opts(rq->text, rq->len, rq->source, rq->format, rq->model,
                                   &rq->budget, &lo, report, err, cap);
}

static void print_linearizable(const json_t *report, FILE *out);

static check_verdict run_causal(const check_request *rq, json_t *report, char *err,
                                size_t cap)
{
    return check_causal(rq->text, rq->len, rq->source, rq->format, rq->criterion, report,
                        err, cap);
}

static check_verdict run_sequential(const check_request *rq, json_t *report, char *err,
                                    size_t cap)
{
    return check_sequential(rq->text, rq->len, rq->source, rq->format, &rq->budget, report,
                            err, cap);
}

/* Session guarantees (issue 17): --check session. */
static check_verdict run_session(const check_request *rq, json_t *report, char *err, size_t cap)
{
    return check_session(rq->text, rq->len, rq->source, rq->format, report, err, cap);
}

/* Transactional isolation (issue 13): --workload txn-append|txn-rw. */
static check_verdict run_txn(const check_request *rq, json_t *report, char *err, size_t cap)
{
    return check_txn(rq->text, rq->len, rq->source, rq->format, rq->model, rq->consistency,
                     &rq->budget, report, err, cap);
}

/* A register's acknowledged write forgotten (issue 18's lost-update, reachable
** from c:check too): --check lost-update [--every-read]. */
static check_verdict run_lost_update(const check_request *rq, json_t *report, char *err, size_t cap)
{
    return check_lost_update(rq->text, rq->len, rq->source, rq->format, rq->every_read, report,
                             err, cap);
}

static void print_lost_update(const json_t *report, FILE *out)
{
    bool ok = json_is_true(json_object_get(report, "valid"));
    fprintf(out, "lost-update: %s (%" JSON_INTEGER_FORMAT " acknowledged writes, %" JSON_INTEGER_FORMAT
            " judged)\n", ok ? "ok" : "FAIL", json_integer_value(json_object_get(report, "writes")),
            json_integer_value(json_object_get(report, "judged")));
    if (ok)
        return;
    fprintf(out, "  %s: %" JSON_INTEGER_FORMAT " lost\n", json_string_value(json_object_get(report, "rule")),
            json_integer_value(json_object_get(report, "lost")));
    size_t i;
    const json_t *e;
    json_array_foreach(json_object_get(report, "examples"), i, e) {
        const json_t *at = json_object_get(e, "at"), *read = json_object_get(e, "read");
        fprintf(out, "  write %" JSON_INTEGER_FORMAT " forgotten: a later read returned ",
                json_integer_value(json_object_get(e, "write")));
        if (json_is_integer(read))
            fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(read));
        else
            fputs("nothing", out);
        fprintf(out, " (process %" JSON_INTEGER_FORMAT ", line %" JSON_INTEGER_FORMAT ")\n",
                json_integer_value(json_object_get(at, "process")), json_integer_value(json_object_get(at, "line")));
    }
}

static const checker checkers[] = {
    {"linearizable", run_linearizable, print_linearizable, NULL, NULL},
    {"causal", run_causal, causal_print_text, "causal",
     "causal consistency of a read/write register history: --criterion cc|cm|ccv|all"},
    {"sequential", run_sequential, causal_print_text, "sequential",
     "sequential consistency of a read/write register history (search, budget)"},
    {"session", run_session, session_print_text, "session",
     "session guarantees per process (RYW, MR, MW, WFR, consistent prefix) of a register/kv history"},
    {"lost-update", run_lost_update, print_lost_update, "lost-update",
     "a register's acknowledged write is not forgotten: the last read after it (--every-read: "
     "every read) returns it or a later write"},
    /* transactional isolation (issue 13): the workloads of 'txn_workloads' */
    {"txn", run_txn, txn_print_text, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

/* Calls 'fn' for every model, in table order. */
static void each_model(void (*fn)(const check_model *m, void *ctx), void *ctx)
{
    for (const checker *c = checkers; c->kind; c++) {
        if (c->name) {
            fn(&(check_model){c, c->name, c->summary}, ctx);
            continue;
        }
        for (const txn_workload_def *t = txn_workloads; c->run == run_txn && t->name; t++)
            fn(&(check_model){c, t->name, t->summary}, ctx);
        if (c->run == run_txn)
            continue;
        for (const lin_model *const *l = lin_models(); *l; l++)
            fn(&(check_model){c, (*l)->name, (*l)->summary}, ctx);
    }
}

static void model_json(const check_model *m, void *all)
{
    json_array_append_new(all, json_pack("{s:s, s:s, s:s}", "name", m->name, "checker",
                                         m->by->kind, "summary", m->summary));
}

json_t *check_models_json(void)
{
    json_t *all = json_array();
    each_model(model_json, all);
    return all;
}

static void model_line(const check_model *m, void *f)
{
    fprintf(f, "  %-14s %s: %s\n", m->name, m->by->kind, m->summary);
}

static int usage(FILE *f)
{
    fprintf(f,
            "usage: dsim check --model M [--format F] [--initial V] [--html FILE] [--budget-states N]\n"
            "                  [--budget-seconds S] [--json] HISTORY\n"
            "       dsim check --workload W [--linearizable] [--consistency-models M[,M...]]\n"
            "                  [--format F] [--budget-states N] [--json] HISTORY\n\n"
            "Checks a recorded history (a file, or - for standard input).\n"
            "  --model M           the model or criterion (below)\n"
            "  --check C           the same as --model C (e.g. --check session)\n"
            "  --workload W        the checks that judge workload W by default (dsim list workloads);\n"
            "                      txn-append, txn-rw: the txn checker (the same as --model W)\n"
            "  --linearizable      set-full: an acknowledged add missed by a later read fails\n"
            "  --every-read        lost-update: judge every read after a write, not only the last\n"
            "  --criterion C       causal: cc, cm, ccv or all (default all)\n"
            "  --initial V         register, cas-register: the first value (default nil;\n"
            "                      Knossos's histories start at 0: --initial 0)\n"
            "  --consistency-models M[,M...]  txn: the models to check (default\n"
            "                      strict-serializable; listed below)\n"
            "  --format F          auto (default), json (dsim JSON lines), edn (Jepsen),\n"
            "                      etcd (Porcupine's Jepsen etcd logs), kv (Porcupine's KV logs)\n"
            "  --budget-states N   give up (unknown) after N search states per partition\n"
            "  --budget-seconds S  give up (unknown) after S seconds of host time\n"
            "  --json              print the report as JSON\n"
            "  --html FILE         also write the history as a timeline page: a lane per\n"
            "                      process, the counterexample outlined, the model's state\n\n"
            "models:\n");
    each_model(model_line, f);
    fprintf(f, "\nconsistency models (txn):\n");
    for (const txn_model_def *m = txn_models; m->name; m++)
        fprintf(f, "  %-34s %s\n", m->name, m->summary);
    fprintf(f, "\nexit status: 0 ok, 1 violation, 2 bad input or usage, 3 internal error,\n"
               "4 unknown (budget exhausted)\n");
    return f == stdout ? EXIT_PASS : EXIT_USAGE;
}

/* Reads all of 'path' ('-': stdin) into a malloc'ed buffer. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf != NULL) {
        size_t k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (k == 0 || n > INPUT_BYTES_MAX)
            break;
        if (n == cap) {
            char *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    bool bad = buf == NULL || ferror(f) || n > INPUT_BYTES_MAX;
    if (f != stdin)
        fclose(f);
    if (bad) {
        free(buf);
        errno = n > INPUT_BYTES_MAX ? EFBIG : errno;
        return NULL;
    }
    *len = n;
    return buf;
}

typedef struct options {
    const char *model, *format, *path, *criterion, *initial, *html, *consistency, *workload;
    check_budget budget;
    bool json, linearizable, every_read;
} options;

/* Returns -1 when parsing went fine, else the exit status to return. */
static int parse_options(int argc, char **argv, options *o)
{
    *o = (options){.format = "auto"};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = strcmp(a, "--model") == 0 || strcmp(a, "--check") == 0 || strcmp(a, "--format") == 0 ||
                     strcmp(a, "--criterion") == 0 || strcmp(a, "--initial") == 0 ||
                     strcmp(a, "--html") == 0 || strcmp(a, "--workload") == 0 ||
                     strcmp(a, "--consistency-models") == 0 ||
                     strcmp(a, "--budget-states") == 0 || strcmp(a, "--budget-seconds") == 0;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            return usage(stdout);
        if (takes && val == NULL)
            return args_usage_error("check", "%s needs a value", a);
        if (strcmp(a, "--json") == 0) {
            o->json = true;
        } else if (strcmp(a, "--linearizable") == 0) {
            o->linearizable = true;
        } else if (strcmp(a, "--every-read") == 0) {
            o->every_read = true;
        } else if (strcmp(a, "--workload") == 0) {
            if (o->workload != NULL || o->model != NULL)
                return args_usage_error("check", "one --model or --workload only");
            o->workload = val;
        } else if (strcmp(a, "--model") == 0 || strcmp(a, "--check") == 0) {
            if (o->model != NULL || o->workload != NULL)
                return args_usage_error("check", "one --model or --workload only");
            o->model = val;
        } else if (strcmp(a, "--consistency-models") == 0) {
            o->consistency = val;
        } else if (strcmp(a, "--format") == 0) {
            o->format = val;
        } else if (strcmp(a, "--criterion") == 0) {
            o->criterion = val;
        } else if (strcmp(a, "--initial") == 0) {
            o->initial = val;
        } else if (strcmp(a, "--html") == 0) {
            o->html = val;
        } else if (strcmp(a, "--budget-states") == 0) {
            if (!args_u64(val, &o->budget.states_max) || o->budget.states_max == 0)
                return args_usage_error("check", "--budget-states: expected a positive integer, got '%s'", val);
        } else if (strcmp(a, "--budget-seconds") == 0) {
            char *end;
            o->budget.seconds_max = strtod(val, &end);
            if (*end != '\0' || end == val || !(o->budget.seconds_max > 0) ||
                !isfinite(o->budget.seconds_max))
                return args_usage_error("check", "--budget-seconds: expected a positive finite number, got '%s'", val);
        } else if (a[0] == '-' && a[1] != '\0') {
            return args_usage_error("check", "unknown option '%s'", a);
        } else if (o->path != NULL) {
            return args_usage_error("check", "one HISTORY only (got '%s' and '%s')", o->path, a);
        } else {
            o->path = a;
        }
        i += takes;
    }
    if ((o->model == NULL) == (o->workload == NULL))
        return args_usage_error("check", "one of --model (--check) or --workload is required");
    if (o->path == NULL)
        return args_usage_error("check", "HISTORY is required (a file, or - for stdin)");
    return -1;
}

typedef struct model_query {
    const char *name;
    check_model found;
} model_query;

static void model_match(const check_model *m, void *ctx)
{
    model_query *q = ctx;
    if (q->found.by == NULL && strcmp(m->name, q->name) == 0)
        q->found = *m;
}

/* false when 'name' is no model */
static bool find_model(const char *name, check_model *out)
{
    model_query q = {.name = name};
    each_model(model_match, &q);
    *out = q.found;
    return q.found.by != NULL;
}

static int exit_of(check_verdict v)
{
    switch (v) {
    case CHECK_OK: return EXIT_PASS;
    case CHECK_VIOLATION: return EXIT_VIOLATION;
    case CHECK_BAD_INPUT: return EXIT_USAGE;
    case CHECK_UNKNOWN: return EXIT_UNKNOWN;
    }
    return EXIT_INTERNAL;
}

/* --- --workload: the registry's default checks of a workload ------------ */

typedef struct workload_checker {
    const char *name;   /* a check name of the workload registry */
    check_verdict (*run)(const check_request *rq, const workload *wl, bool lin, json_t *report,
                         char *err, size_t cap);
} workload_checker;

static check_verdict wc_linearizable(const check_request *rq, const workload *wl, bool lin,
                                     json_t *report, char *err, size_t cap)
{
    (void)lin;
    return check_linearizable(rq->text, rq->len, rq->source, rq->format, wl->model, &rq->budget,
                              report, err, cap);
}

static check_verdict wc_counter(const check_request *rq, const workload *wl, bool lin,
                                json_t *report, char *err, size_t cap)
{
    (void)wl, (void)lin;
    return check_counter(rq->text, rq->len, rq->source, rq->format, report, err, cap);
}

static check_verdict wc_set_full(const check_request *rq, const workload *wl, bool lin,
                                 json_t *report, char *err, size_t cap)
{
    (void)wl;
    return check_set_full(rq->text, rq->len, rq->source, rq->format, lin, report, err, cap);
}

static check_verdict wc_total_queue(const check_request *rq, const workload *wl, bool lin,
                                    json_t *report, char *err, size_t cap)
{
    (void)wl, (void)lin;
    return check_total_queue(rq->text, rq->len, rq->source, rq->format, report, err, cap);
}

static check_verdict wc_bank(const check_request *rq, const workload *wl, bool lin,
                             json_t *report, char *err, size_t cap)
{
    (void)wl, (void)lin;   /* the total: the first ok read's sum (no test parameters here) */
    return check_bank(rq->text, rq->len, rq->source, rq->format, -1, false, report, err, cap);
}

static check_verdict wc_resize(const check_request *rq, const workload *wl, bool lin,
                               json_t *report, char *err, size_t cap)
{
    (void)wl, (void)lin;
    return check_resize(rq->text, rq->len, rq->source, rq->format, report, err, cap);
}

static const workload_checker workload_checkers[] = {
    {"linearizable", wc_linearizable},
    {"counter", wc_counter},
    {"set-full", wc_set_full},
    {"total-queue", wc_total_queue},
    {"bank", wc_bank},
    {"resize", wc_resize},
    {NULL, NULL},
};

/* Runs every default check of 'wl'; a check this build lacks (the txn
** checker before it lands) only has the history's shape checked and
** leaves the verdict unknown, never a pass. */
static check_verdict run_workload(const check_request *rq, const workload *wl, bool lin,
                                  json_t *report, char *err, size_t cap)
{
    check_verdict all = CHECK_OK;
    json_t *checks = json_object();
    json_object_set_new(report, "workload", json_string(wl->name));
    json_object_set_new(report, "checks", checks);
    for (int i = 0; wl->checks[i]; i++) {
        const workload_checker *c = workload_checkers;
        while (c->name && strcmp(c->name, wl->checks[i]) != 0)
            c++;
        json_t *r = json_object();
        check_verdict v;
        if (c->name) {
            v = c->run(rq, wl, lin, r, err, cap);
        } else {
            v = check_elle_shape(rq->text, rq->len, rq->source, rq->format, r, err, cap);
            if (v == CHECK_OK) {
                v = CHECK_UNKNOWN;
                json_object_set_new(r, "valid", json_string("unknown"));
                json_object_set_new(r, "note", json_string("well-formed; this build has no checker of that name"));
            }
        }
        json_object_set_new(checks, wl->checks[i], r);
        if (v == CHECK_BAD_INPUT)
            return v;
        if (v == CHECK_VIOLATION || (v == CHECK_UNKNOWN && all == CHECK_OK))
            all = v;
    }
    json_object_set_new(report, "valid", all == CHECK_OK ? json_true()
                                        : all == CHECK_VIOLATION ? json_false() : json_string("unknown"));
    return all;
}

static void print_workload(const json_t *report, const char *source, FILE *out)
{
    const char *name;
    const json_t *r;
    json_object_foreach((json_t *)json_object_get(report, "checks"), name, r) {
        const json_t *v = json_object_get(r, "valid");
        fprintf(out, "%s: %s: %s", source, name,
                json_is_true(v) ? "ok" : json_is_false(v) ? "FAIL" : "UNKNOWN");
        const char *rule = json_string_value(json_object_get(r, "rule"));
        const char *note = json_string_value(json_object_get(r, "note"));
        if (rule || note)
            fprintf(out, " (%s)", rule ? rule : note);
        fputc('\n', out);
        const char *explain = json_string_value(json_object_get(r, "explain"));
        if (explain && !json_is_true(v))
            fprintf(out, "  %s\n", explain);   /* one sentence: the checker's (bank) */
        if (strcmp(name, "linearizable") == 0 && !json_is_true(v))
            print_linearizable(r, out);
    }
}

static int cmd_check_workload(const options *o)
{
    const workload *wl = workload_find(o->workload);
    if (wl == NULL)
        return args_usage_error("check", "unknown model '%s': neither a workload (dsim list "
                                "workloads) nor a model of the txn checker (dsim check --help)",
                                o->workload);
    size_t len = 0;
    char *text = slurp(o->path, &len);
    if (text == NULL) {
        fprintf(stderr, "dsim check: %s: %s\n", o->path, strerror(errno));
        return EXIT_USAGE;
    }
    check_request rq = {.text = text, .len = len, .format = o->format, .model = wl->model,
                        .source = strcmp(o->path, "-") == 0 ? "<stdin>" : o->path,
                        .budget = o->budget};
    json_t *report = json_object();
    char err[512] = "";
    check_verdict v = run_workload(&rq, wl, o->linearizable, report, err, sizeof err);
    if (v == CHECK_BAD_INPUT) {
        fprintf(stderr, "dsim check: %s\n", err[0] ? err : "bad input");
    } else if (o->json) {
        json_dumpf(report, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
    } else {
        print_workload(report, rq.source, stdout);
    }
    json_decref(report);
    free(text);
    return exit_of(v);
}

int cmd_check(int argc, char **argv)
{
    options o;
    int rc = parse_options(argc, argv, &o);
    if (rc >= 0)
        return rc;
    check_model found;
    if (o.workload && find_model(o.workload, &found) && found.by->run == run_txn)
        o.model = o.workload;   /* the txn workloads are models of the txn checker */
    else if (o.workload)
        return cmd_check_workload(&o);
    const check_model *m = &found;
    if (!find_model(o.model, &found) && strcmp(o.model, "multi-register") == 0)
        return args_usage_error("check", "multi-register (Knossos's :txn histories) is the "
                                "transactional checker's business, not a model of dsim check's "
                                "linearizability checker");
    if (!find_model(o.model, &found))
        return args_usage_error("check", "unknown model '%s' (dsim check --help lists them)",
                                o.model);
    if (o.initial != NULL && m->by->run != run_linearizable)
        return args_usage_error("check", "--initial applies to the register models only");
    if (o.criterion != NULL && strcmp(m->name, "causal") != 0)
        return args_usage_error("check", "--criterion applies to --model causal only");
    if (o.every_read && m->by->run != run_lost_update)
        return args_usage_error("check", "--every-read applies to --check lost-update only");
    if (o.consistency != NULL && m->by->run != run_txn)
        return args_usage_error("check", "--consistency-models applies to --workload txn-append|txn-rw only");
    size_t len = 0;
    char *text = slurp(o.path, &len);
    if (text == NULL) {
        fprintf(stderr, "dsim check: %s: %s\n", o.path, strerror(errno));
        return EXIT_USAGE;
    }
    check_request rq = {.text = text, .len = len, .format = o.format, .model = m->name,
                        .source = strcmp(o.path, "-") == 0 ? "<stdin>" : o.path,
                        .budget = o.budget, .criterion = o.criterion,
                        .initial = o.initial, .consistency = o.consistency,
                        .every_read = o.every_read};
    json_t *report = json_object();
    char err[512] = "";
    check_verdict v = m->by->run(&rq, report, err, sizeof err);
    if (v == CHECK_BAD_INPUT) {
        fprintf(stderr, "dsim check: %s\n", err[0] ? err : "bad input");
    } else if (o.json) {
        json_dumpf(report, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
    } else {
        m->by->print(report, stdout);
    }
    if (v != CHECK_BAD_INPUT && o.html != NULL &&
        check_html_write(o.html, text, len, rq.source, o.format, report, err, sizeof err) != 0) {
        fprintf(stderr, "dsim check: --html: %s\n", err);
        v = CHECK_BAD_INPUT;
    }
    json_decref(report);
    free(text);
    return exit_of(v);
}

/* --- text output of the linearizability report ------------------------ */

static void print_linearizable(const json_t *report, FILE *out)
{
    const json_t *valid = json_object_get(report, "valid");
    const char *source = json_string_value(json_object_get(report, "source"));
    long long parts = json_integer_value(json_object_get(report, "partitions_total"));
    long long failed = json_integer_value(json_object_get(report, "partitions_failed"));
    long long unknown = json_integer_value(json_object_get(report, "partitions_unknown"));
    fprintf(out, "%s: %s (model %s, %lld operations, %lld partition%s, %lld states)\n", source,
            json_is_true(valid) ? "linearizable" : json_is_false(valid) ? "NOT LINEARIZABLE"
                                                                         : "UNKNOWN: budget exhausted",
            json_string_value(json_object_get(report, "model")),
            (long long)json_integer_value(json_object_get(report, "ops")), parts,
            parts == 1 ? "" : "s", (long long)json_integer_value(json_object_get(report, "states")));
    if (failed > 0 || unknown > 0)
        fprintf(out, "%lld failed, %lld unknown, %lld ok\n", failed, unknown,
                parts - failed - unknown);
    report_ctx ctx = {.lines = true};   /* the short report (report.c) */
    report_lin_parts(out, report, &ctx);
}

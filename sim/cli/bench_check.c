/*
** bench_check.c — 'dsim bench check [--corpus DIR] [--json] [--repeat N]':
** times the linearizability checker on Porcupine's corpus.
**
** Each file listed in DIR/expected.tsv is parsed and checked N times (7 by
** default); the median parse time and the median check time are kept
** apart (the sum of each file's fastest run is printed too, as a figure
** less disturbed by other load; check = pairing, per-key partitioning and
** the search, like
** Porcupine's CheckOperations/CheckEvents, which take parsed input). The
** check is the verdict-only one; each file is also checked N times with
** the full report of 'dsim check' (lin_report_hist: for a failing history
** the prefix-recording search, the explanation and the JSON; "report_*"
** figures; DSIM_LIN_RECORDING_ONLY=1 times the report as it was built
** before the verdict-only search came first, cmd_check.c). Every verdict
** must equal the expected one: a mismatch makes the run fail (exit 1).
** The corpus defaults to $DSIM_SHARED/corpora/porcupine, else
** ../shared/corpora/porcupine from the current directory or its parent
** (the source tree, or a build directory inside it). Without one (a user's
** clone has no ../shared) it generates its corpus: the histories of
** scenarios/fuzz/single.lua for seeds 1..GEN_SEEDS with the planted bug
** ack_before_sync and without, each expected to get the verdict the run's
** own check gave (group "dsim" instead of "etcd" and "kv").
**
** Then the causal (causal_bench.c) and txn (txn_bench.c: 10^4 to 10^6
** list-append transactions) sections, from generated histories.
**
** Host time only through hosttime.h. Build in release mode for figures.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "args.h"
#include "causal.h"
#include "cmd.h"
#include "hist.h"
#include "hosttime.h"
#include "lin.h"
#include "script.h"
#include "txn.h"

enum { REPEAT_DEFAULT = 7, REPEAT_MAX = 1000, PATH_CAP = 4096, GEN_SEEDS = 12 };

typedef struct group_stats {
    const char *name;          /* "etcd", "kv" */
    size_t files, mismatches;
    double check_ms, parse_ms, slowest_ms;
    double check_ms_min;       /* sum of each file's fastest run: less noise */
    uint64_t states;           /* search states over the group's files */
    double report_ms, report_ms_min;   /* the same with the full report */
    uint64_t report_states;
    char slowest[256];
} group_stats;

/* The sections of the bench (--section); all by default. */
enum { SECTION_LIN = 1u << 0, SECTION_CAUSAL = 1u << 1, SECTION_TXN = 1u << 2 };

typedef struct bench {
    char dir[PATH_CAP];
    int repeat;
    bool json, generated;
    unsigned sections;   /* SECTION_* bits: which checkers to time */
    group_stats groups[2];
    double c50_ok_ms, c50_ok_report_ms;
    uint64_t c50_ok_states, c50_ok_report_states;
    bool per_file;       /* --files: a line per corpus file in the text output */
    bool recording_only; /* DSIM_LIN_RECORDING_ONLY=1: the report as before (cmd_check.c) */
    json_t *files;       /* per file: name, verdict, check_ms, check_ms_min, states,
                            report_ms, report_ms_min, report_states */
} bench;

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = NULL;
    long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL &&
        fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf != NULL)
        *len = (size_t)n;
    return buf;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One file's figures: medians, fastest runs, states. */
typedef struct file_times {
    const char *verdict;         /* "ok", "fail", "unknown", "bad" */
    const char *report_verdict;  /* the same from the full report */
    double parse_ms, check_ms, check_ms_min, report_ms, report_ms_min;
    uint64_t states, report_states;
} file_times;

static const char *verdict_name(check_verdict v)
{
    return v == CHECK_OK ? "ok" : v == CHECK_VIOLATION ? "fail" : v == CHECK_UNKNOWN ? "unknown"
                                                                                    : "bad";
}

/* Times one file, verdict only and with the full report; false when it
** does not parse. */
static bool time_file(bench *b, const char *text, size_t len, const char *name,
                      const lin_model *m, file_times *ft)
{
    double tp[REPEAT_MAX], tc[REPEAT_MAX], tr[REPEAT_MAX];
    check_verdict v = CHECK_BAD_INPUT, rv = CHECK_BAD_INPUT;
    hist_format fmt = hist_detect(text, len);
    for (int r = 0; r < b->repeat; r++) {
        char err[512];
        double t0 = host_seconds();
        hist *h = hist_read(text, len, name, HIST_FMT_AUTO, err, sizeof err);
        double t1 = host_seconds();
        if (h == NULL) {
            fprintf(stderr, "dsim bench check: %s\n", err);
            return false;
        }
        v = lin_check_hist(h, m, NULL, &ft->states, err, sizeof err);
        double t2 = host_seconds();
        hist_free(h);
        h = hist_read(text, len, name, HIST_FMT_AUTO, err, sizeof err);   /* read it anew */
        if (h == NULL) {   /* out of memory: it was read once */
            fprintf(stderr, "dsim bench check: %s\n", err);
            return false;
        }
        json_t *report = json_object();
        double t3 = host_seconds();
        rv = lin_report_hist(h, m, fmt, NULL, b->recording_only, report, err, sizeof err);
        double t4 = host_seconds();
        ft->report_states = (uint64_t)json_integer_value(json_object_get(report, "states"));
        json_decref(report);
        hist_free(h);
        tp[r] = (t1 - t0) * 1e3;
        tc[r] = (t2 - t1) * 1e3;
        tr[r] = (t4 - t3) * 1e3;
    }
    ft->parse_ms = median(tp, b->repeat);
    ft->check_ms = median(tc, b->repeat);
    ft->check_ms_min = tc[0];   /* 'median' sorted it */
    ft->report_ms = median(tr, b->repeat);
    ft->report_ms_min = tr[0];
    ft->verdict = verdict_name(v);
    ft->report_verdict = verdict_name(rv);
    return true;
}

/* Keeps one file's figures for the per-file output and adds them to its
** group; counts a verdict other than 'expected' (either search's). */
static void file_record(bench *b, group_stats *g, const char *name, const file_times *ft,
                        const char *expected)
{
    if (b->files == NULL)
        b->files = json_array();
    json_array_append_new(b->files, json_pack("{s:s, s:s, s:f, s:f, s:I, s:f, s:f, s:I}",
                                              "file", name, "verdict", ft->verdict,
                                              "check_ms", ft->check_ms,
                                              "check_ms_min", ft->check_ms_min,
                                              "states", (json_int_t)ft->states,
                                              "report_ms", ft->report_ms,
                                              "report_ms_min", ft->report_ms_min,
                                              "report_states", (json_int_t)ft->report_states));
    g->states += ft->states;
    g->files++;
    g->parse_ms += ft->parse_ms;
    g->check_ms += ft->check_ms;
    g->check_ms_min += ft->check_ms_min;
    g->report_ms += ft->report_ms;
    g->report_ms_min += ft->report_ms_min;
    g->report_states += ft->report_states;
    if (ft->check_ms > g->slowest_ms) {
        g->slowest_ms = ft->check_ms;
        snprintf(g->slowest, sizeof g->slowest, "%s", name);
    }
    if (strcmp(ft->verdict, expected) != 0 || strcmp(ft->report_verdict, expected) != 0) {
        g->mismatches++;
        fprintf(stderr, "dsim bench check: %s: expected %s, got %s (with the report: %s)\n", name,
                expected, ft->verdict, ft->report_verdict);
    }
}

/* One line of expected.tsv: "FILE<TAB>MODEL<TAB>VERDICT". */
static int bench_line(bench *b, const char *line)
{
    char file[256], model[64], expected[16], path[PATH_CAP + 300];
    if (sscanf(line, "%255s %63s %15s", file, model, expected) != 3 ||
        strcmp(file, "file") == 0)
        return 0;
    const lin_model *m = lin_model_find(model);
    group_stats *g = &b->groups[strncmp(file, "kv/", 3) == 0];
    snprintf(path, sizeof path, "%s/%s", b->dir, file);
    size_t len;
    char *text = read_all(path, &len);
    if (text == NULL || m == NULL) {
        fprintf(stderr, "dsim bench check: %s: %s\n", path,
                m ? "cannot read" : "unknown model in expected.tsv");
        free(text);
        return -1;
    }
    file_times ft = {0};
    bool parsed = time_file(b, text, len, path, m, &ft);
    free(text);
    if (!parsed)
        ft.verdict = ft.report_verdict = "bad";
    file_record(b, g, file, &ft, expected);
    if (strstr(file, "c50-ok") != NULL) {
        b->c50_ok_ms = ft.check_ms;
        b->c50_ok_states = ft.states;
        b->c50_ok_report_ms = ft.report_ms;
        b->c50_ok_report_states = ft.report_states;
    }
    return 0;
}

static bool has_tsv(const char *dir)
{
    char tsv[PATH_CAP + 32];
    snprintf(tsv, sizeof tsv, "%s/expected.tsv", dir);
    FILE *f = fopen(tsv, "r");
    if (f != NULL)
        fclose(f);
    return f != NULL;
}

/* Tries --corpus, then $DSIM_SHARED, then ../shared and ../../shared. */
static bool find_corpus(bench *b, const char *given)
{
    const char *shared = getenv("DSIM_SHARED");
    if (given != NULL) {
        snprintf(b->dir, sizeof b->dir, "%s", given);
        return has_tsv(b->dir);
    }
    if (shared != NULL) {
        snprintf(b->dir, sizeof b->dir, "%s/corpora/porcupine", shared);
        if (has_tsv(b->dir))
            return true;
    }
    static const char *const rel[] = {"../shared/corpora/porcupine",
                                      "../../shared/corpora/porcupine"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(b->dir, sizeof b->dir, "%s", rel[i]);
        if (has_tsv(b->dir))
            return true;
    }
    return false;
}

/* The generated corpus (see the file comment): the scenario is found from
** the current directory, its parent or grandparent (a build directory). */
static int generate_corpus(bench *b)
{
    static const char *const rel[] = {"scenarios/fuzz/single.lua", "../scenarios/fuzz/single.lua",
                                      "../../scenarios/fuzz/single.lua"};
    const char *scenario = NULL;
    for (size_t i = 0; i < 3 && scenario == NULL; i++) {
        FILE *f = fopen(rel[i], "r");
        if (f != NULL) {
            fclose(f);
            scenario = rel[i];
        }
    }
    if (scenario == NULL) {
        fprintf(stderr, "dsim bench check: no corpus (expected.tsv) and no scenarios/fuzz/single.lua "
                        "to generate one from: run it in the source tree, use --corpus DIR or set "
                        "DSIM_SHARED\n");
        return -1;
    }
    snprintf(b->dir, sizeof b->dir, "histories of %s (generated)", scenario);
    b->generated = true;
    b->groups[0].name = "dsim";
    FILE *devnull = fopen("/dev/null", "w");
    int rc = 0;
    for (int bug = 1; bug >= 0 && rc == 0; bug--) {
        json_t *params = bug ? json_pack("{s:s}", "bug", "ack_before_sync") : json_object();
        for (uint64_t seed = 1; seed <= GEN_SEEDS && rc == 0; seed++) {
            script_config cfg = {.path = scenario, .seed = seed, .params = params,
                                 .out = devnull ? devnull : stderr};
            script_result r;
            script_run(&cfg, &r);
            json_t *lin = json_object_get(r.verdicts, "linearizable");
            const lin_model *m = lin_model_find(json_string_value(json_object_get(lin, "model")));
            if (r.error || r.history == NULL || m == NULL) {
                fprintf(stderr, "dsim bench check: %s --seed %llu: %s\n", scenario,
                        (unsigned long long)seed, r.error ? r.message : "no history or no model");
                rc = -1;
            } else {
                json_t *valid = json_object_get(lin, "valid");
                const char *expected = json_is_true(valid) ? "ok" : json_is_false(valid) ? "fail" : "unknown";
                char name[64];
                snprintf(name, sizeof name, "seed-%llu%s", (unsigned long long)seed, bug ? "-bug" : "");
                file_times ft = {0};
                if (!time_file(b, r.history, r.history_len, name, m, &ft))
                    ft.verdict = ft.report_verdict = "bad";
                file_record(b, &b->groups[0], name, &ft, expected);
            }
            script_result_free(&r);
        }
        json_decref(params);
    }
    if (devnull)
        fclose(devnull);
    return rc;
}

static json_t *group_json(const group_stats *g)
{
    return json_pack("{s:I, s:f, s:f, s:f, s:s, s:f, s:I, s:I, s:f, s:f, s:I}", "files",
                     (json_int_t)g->files,
                     "check_ms_total", g->check_ms, "parse_ms_total", g->parse_ms,
                     "slowest_ms", g->slowest_ms, "slowest_file", g->slowest,
                     "check_ms_total_min", g->check_ms_min,
                     "mismatches", (json_int_t)g->mismatches, "states", (json_int_t)g->states,
                     "report_ms_total", g->report_ms, "report_ms_total_min", g->report_ms_min,
                     "report_states", (json_int_t)g->report_states);
}

static void print_lin(const bench *b)
{
    printf("linearizability checker on %s (median of %d runs each)\n", b->dir, b->repeat);
    for (size_t i = 0; b->per_file && b->files != NULL && i < json_array_size(b->files); i++) {
        json_t *f = json_array_get(b->files, i);
        printf("  %-24s %-7s check %8.2f ms (fastest %8.2f)  %9lld states  report %8.2f ms "
               "%9lld states\n",
               json_string_value(json_object_get(f, "file")),
               json_string_value(json_object_get(f, "verdict")),
               json_real_value(json_object_get(f, "check_ms")),
               json_real_value(json_object_get(f, "check_ms_min")),
               (long long)json_integer_value(json_object_get(f, "states")),
               json_real_value(json_object_get(f, "report_ms")),
               (long long)json_integer_value(json_object_get(f, "report_states")));
    }
    for (int i = 0; i < 2; i++) {
        const group_stats *g = &b->groups[i];
        if (b->generated && g->files == 0)
            continue;
        printf("  %-4s %3zu files  check %8.2f ms (fastest runs %.2f)  parse %8.2f ms  "
               "slowest %7.2f ms (%s)  %llu states%s\n", g->name, g->files, g->check_ms,
               g->check_ms_min, g->parse_ms, g->slowest_ms, g->slowest,
               (unsigned long long)g->states, g->mismatches ? "  VERDICT MISMATCH" : "");
        printf("  %-4s with the full report  %8.2f ms (fastest runs %.2f)  %llu states\n",
               g->name, g->report_ms, g->report_ms_min, (unsigned long long)g->report_states);
    }
    if (!b->generated)
        printf("  c50-ok %.2f ms (%llu states), with the report %.2f ms (%llu states);",
               b->c50_ok_ms, (unsigned long long)b->c50_ok_states, b->c50_ok_report_ms,
               (unsigned long long)b->c50_ok_report_states);
    printf("  peak RSS %ld KiB\n", host_peak_rss_kb());
}

static void print_results(const bench *b)
{
    if (b->json) {
        json_t *o = json_object();
        if (b->sections & SECTION_LIN) {
            json_object_set_new(o, "corpus", json_string(b->dir));
            if (b->generated) {
                json_object_set_new(o, "dsim", group_json(&b->groups[0]));
            } else {
                json_object_set_new(o, "etcd", group_json(&b->groups[0]));
                json_object_set_new(o, "kv", group_json(&b->groups[1]));
            }
            json_object_set_new(o, "c50_ok_ms", json_real(b->c50_ok_ms));
            json_object_set_new(o, "c50_ok_states", json_integer((json_int_t)b->c50_ok_states));
            json_object_set_new(o, "c50_ok_report_ms", json_real(b->c50_ok_report_ms));
            json_object_set_new(o, "c50_ok_report_states",
                                json_integer((json_int_t)b->c50_ok_report_states));
            json_object_set_new(o, "files", b->files ? json_incref(b->files) : json_array());
        }
        json_object_set_new(o, "repeat", json_integer(b->repeat));
        json_object_set_new(o, "peak_rss_kb", json_integer(host_peak_rss_kb()));
        /* causal checker (issue 4): generated histories, see causal_bench.c */
        if (b->sections & SECTION_CAUSAL)
            json_object_set_new(o, "causal", causal_bench_default());
        if (b->sections & SECTION_TXN)
            json_object_set_new(o, "txn", txn_bench_default());   /* issue 13: txn_bench.c */
        json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
        json_decref(o);
        return;
    }
    if (b->sections & SECTION_LIN)
        print_lin(b);
    if (b->sections & SECTION_CAUSAL) {
        json_t *causal = causal_bench_default();   /* issue 4: see causal_bench.c */
        causal_bench_print(causal, stdout);
        json_decref(causal);
    }
    if (b->sections & SECTION_TXN) {
        json_t *txn = txn_bench_default();   /* issue 13: see txn_bench.c */
        txn_bench_print(txn, stdout);
        json_decref(txn);
    }
}

/* The linearizability section: Porcupine's corpus when there is one, else
** histories generated from the project's own scenario. 0 or -1 (reported). */
static int bench_lin(bench *b, const char *corpus)
{
    if (!find_corpus(b, corpus)) {
        if (corpus != NULL) {
            fprintf(stderr, "dsim bench check: %s: no expected.tsv there\n", corpus);
            return -1;
        }
        return generate_corpus(b);
    }
    char tsv[PATH_CAP + 32], line[1024];
    snprintf(tsv, sizeof tsv, "%s/expected.tsv", b->dir);
    FILE *f = fopen(tsv, "r");
    int rc = f ? 0 : -1;
    while (rc == 0 && fgets(line, sizeof line, f) != NULL)
        rc = bench_line(b, line);
    if (f != NULL)
        fclose(f);
    return rc;
}

/* The sections by name. */
static const struct {
    const char *name;
    unsigned bit;
} sections[] = {
    {"lin", SECTION_LIN}, {"causal", SECTION_CAUSAL}, {"txn", SECTION_TXN}, {NULL, 0},
};

static unsigned section_find(const char *name)
{
    for (int i = 0; sections[i].name; i++)
        if (strcmp(sections[i].name, name) == 0)
            return sections[i].bit;
    return 0;
}

int bench_check(int argc, char **argv)
{
    const char *rec = getenv("DSIM_LIN_RECORDING_ONLY");
    bench b = {.repeat = REPEAT_DEFAULT, .groups = {{.name = "etcd"}, {.name = "kv"}},
               .recording_only = rec != NULL && strcmp(rec, "1") == 0};
    const char *corpus = NULL;
    for (int i = 1; i < argc; i++) {
        uint64_t r;
        if (strcmp(argv[i], "--help") == 0) {
            printf("usage: dsim bench check [--corpus DIR] [--json] [--repeat N] [--section NAME]...\n"
                   "                        [--files]\n"
                   "  --files         a line per corpus file (time, verdict, states, verdict only and\n"
                   "                  with the full report of dsim check; always in --json)\n"
                   "  --section NAME  time only these checkers (lin, causal, txn); default all\n"
                   "  --corpus DIR  Porcupine's corpus (DIR/expected.tsv); default\n"
                   "                $DSIM_SHARED/corpora/porcupine or ../shared/corpora/porcupine,\n"
                   "                else histories generated from scenarios/fuzz/single.lua\n");
            return EXIT_PASS;
        } else if (strcmp(argv[i], "--json") == 0) {
            b.json = true;
        } else if (strcmp(argv[i], "--files") == 0) {
            b.per_file = true;
        } else if (strcmp(argv[i], "--corpus") == 0 && i + 1 < argc) {
            corpus = argv[++i];
        } else if (strcmp(argv[i], "--section") == 0 && i + 1 < argc) {
            unsigned bit = section_find(argv[++i]);
            if (bit == 0)
                return args_usage_error("bench check", "--section: expected lin, causal or txn, not '%s'",
                                        argv[i]);
            b.sections |= bit;
        } else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
            if (!args_u64(argv[++i], &r) || r == 0 || r > REPEAT_MAX)
                return args_usage_error("bench check", "--repeat: expected 1..%d", REPEAT_MAX);
            b.repeat = (int)r;
        } else {
            return args_usage_error("bench check", "unknown or incomplete option '%s'", argv[i]);
        }
    }
    if (b.sections == 0)
        b.sections = SECTION_LIN | SECTION_CAUSAL | SECTION_TXN;
    int rc = (b.sections & SECTION_LIN) ? bench_lin(&b, corpus) : 0;
    if (rc != 0)
        return EXIT_USAGE;
    print_results(&b);
    json_decref(b.files);
    return b.groups[0].mismatches + b.groups[1].mismatches ? EXIT_VIOLATION : EXIT_PASS;
}

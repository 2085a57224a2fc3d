/*
** cmd_report.c — 'dsim report FILES...': merges the results files of
** 'dsim fuzz --out' from many shards or machines into one report.
**
** Every line of a results file is its header (the first line: scenario,
** params, range, shard, build; fuzz_common.h) or a result line (a seed and
** a status pass, fail or error). Anything else - a trace, a summary, a
** status of another name - is bad input, named by file and line: a report
** that skipped what it could not read would pass a campaign it never saw.
**
** With headers, the files must come from one campaign (the same scenario,
** params, range and number of shards), and from one build unless
** --allow-mixed-builds: a seed reproduces only on the binary that ran it.
** The report names the shards that are missing, given twice, or cut short
** (an interrupted shard, resumable with fuzz --resume), instead of listing
** the seed ranges that happen to be there.
**
** A file recorded by another build than this binary gets one warning on
** stderr (its commands may not reproduce with this one).
** Lines are keyed by seed. The same seed twice with the same status and
** fingerprint is a duplicate (harmless); with another status or
** fingerprint it is a conflict: reported, and the exit status is 2.
** Trade-off: every line is held in memory to sort and merge them (about a
** kilobyte of JSON objects per seed); for campaigns of tens of millions of
** seeds merge in stages (report --out of groups of shards, then of those).
** Exit status: 0 every seed of the campaign passed; 1 some seed failed;
** 2 bad input, files of other campaigns or builds, conflicting results;
** 4 no seed failed but shards are missing or incomplete (undecided).
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cmd.h"
#include "dsim.h"
#include "fuzz_common.h"

enum { LISTED_MAX = 20, RANGES_LISTED_MAX = 10, SHARDS_MAX = 1 << 20 };

static const char help[] =
    "usage: dsim report FILE... [--out FILE] [--json] [--allow-mixed-builds]\n"
    "  merges result files of dsim fuzz --out (e.g. one per --shard), names the\n"
    "  shards that are missing, duplicated or incomplete, and lists the failing\n"
    "  seeds with the commands that reproduce them (the first 20; --out has all)\n"
    "  --out FILE             write the merged results (a header, then seed order)\n"
    "  --json                 print the report as one JSON object\n"
    "  --allow-mixed-builds   merge files that different dsim binaries wrote\n"
    "exit status: 0 every seed passed, 1 some seed failed, 2 bad input or\n"
    "conflicting results, 4 shards missing or incomplete (and no seed failed)\n";

typedef struct entry {
    uint64_t seed;
    json_t *line;
    int file;
} entry;

typedef struct rfile {
    const char *path;
    json_t *header;          /* NULL: an old file without one */
    uint64_t shard_i, shard_n, results;
} rfile;

typedef struct report {
    entry *all;
    size_t len, cap;
    rfile *files;
    int nfiles;
} report;

static int by_seed(const void *x, const void *y)
{
    const entry *a = x, *b = y;
    if (a->seed != b->seed)
        return a->seed < b->seed ? -1 : 1;
    return (a->file > b->file) - (a->file < b->file);
}

static int bad_line(const char *path, long lineno, const char *what)
{
    fprintf(stderr, "dsim report: %s:%ld: %s\n", path, lineno, what);
    return EXIT_USAGE;
}

/* A header's fields, checked; 0 or an exit status. */
static int check_header(rfile *rf, const json_t *v, long lineno)
{
    json_t *range = json_object_get(v, "range");
    const char *shard = json_string_value(json_object_get(v, "shard"));
    if (json_integer_value(json_object_get(v, "dsim_results")) != 1)
        return bad_line(rf->path, lineno, "dsim_results: expected version 1 (the one this dsim reads)");
    if (!json_is_string(json_object_get(v, "scenario")) || !json_is_array(range) ||
        json_array_size(range) != 2 || !json_is_integer(json_array_get(range, 0)) ||
        !json_is_integer(json_array_get(range, 1)) || !json_is_string(json_object_get(v, "build")) ||
        !fuzz_parse_shard(shard, &rf->shard_i, &rf->shard_n) || rf->shard_n > SHARDS_MAX)
        return bad_line(rf->path, lineno, "expected a results header with scenario, params, "
                        "range [A, B], shard \"i/n\" and build");
    return 0;
}

/* Reads one results file; 0 or an exit status. */
static int read_file(report *r, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return args_usage_error("report", "cannot read results file '%s'", path);
    r->files = realloc(r->files, (size_t)(r->nfiles + 1) * sizeof *r->files);
    DSIM_ASSERT(r->files != NULL);
    rfile *rf = &r->files[r->nfiles++];
    *rf = (rfile){.path = path};
    char *buf = NULL;
    size_t bcap = 0;
    long lineno = 0, meaningful = 0;
    int rc = 0;
    bool warned = false;   /* one warning per file recorded by another build */
    while (rc == 0 && getline(&buf, &bcap, f) > 0) {
        lineno++;
        if (buf[strspn(buf, " \t\r\n")] == '\0')
            continue;
        meaningful++;
        json_t *v = json_loads(buf, 0, NULL);
        json_t *seed = json_object_get(v, "seed");
        const char *st = json_string_value(json_object_get(v, "status"));
        if (!warned && json_is_object(v))
            warned = fuzz_build_differs("report", path, v);
        if (!json_is_object(v)) {
            rc = bad_line(path, lineno, "expected a JSON result line (dsim report reads the files "
                          "of dsim fuzz --out)");
        } else if (fuzz_is_header(v)) {
            if (meaningful != 1)
                rc = bad_line(path, lineno, "a results header is only the first line");
            else if ((rc = check_header(rf, v, lineno)) == 0)
                rf->header = json_incref(v);
        } else if (json_is_integer(json_object_get(v, "dsim_trace")) || json_object_get(v, "ev")) {
            rc = bad_line(path, lineno, "this is a trace (dsim run --trace), not a results file "
                          "of dsim fuzz --out");
        } else if (!json_is_integer(seed) || json_integer_value(seed) < 0) {
            rc = bad_line(path, lineno, "expected a result line with \"seed\" (an integer >= 0)");
        } else if (!st || (strcmp(st, "pass") != 0 && strcmp(st, "fail") != 0 && strcmp(st, "error") != 0)) {
            char what[160];
            snprintf(what, sizeof what, "status: expected pass, fail or error, got %s%.40s%s",
                     st ? "'" : "", st ? st : "none", st ? "'" : "");
            rc = bad_line(path, lineno, what);
        } else {
            if (r->len == r->cap) {
                r->cap = r->cap ? r->cap * 2 : 1024;
                r->all = realloc(r->all, r->cap * sizeof *r->all);
                DSIM_ASSERT(r->all != NULL);
            }
            r->all[r->len++] = (entry){(uint64_t)json_integer_value(seed), json_incref(v), r->nfiles - 1};
            rf->results++;
        }
        json_decref(v);
    }
    free(buf);
    fclose(f);
    return rc;
}

static uint64_t shard_size(const json_t *header, uint64_t i, uint64_t n)
{
    uint64_t lo = (uint64_t)json_integer_value(json_array_get(json_object_get(header, "range"), 0));
    uint64_t hi = (uint64_t)json_integer_value(json_array_get(json_object_get(header, "range"), 1));
    uint64_t span = hi - lo + 1;
    return i - 1 < span ? (span - (i - 1) + n - 1) / n : 0;
}

/* The campaign the headers describe: every file's header agrees (but for
** the shard and, with 'mixed_ok', the build). Fills 'shards' with what
** is missing, duplicated or short. Returns 0 or an exit status. */
static int check_campaign(const report *r, bool mixed_ok, json_t *shards, bool *complete)
{
    const rfile *first = &r->files[0];
    *complete = false;
    for (int i = 0; i < r->nfiles; i++)
        if (r->files[i].header == NULL)
            return 0;   /* old files: no campaign to check against */
    static const char *const same[] = {"scenario", "params", "range", NULL};
    for (int i = 1; i < r->nfiles; i++) {
        const rfile *f = &r->files[i];
        for (int k = 0; same[k]; k++)
            if (!json_equal(json_object_get(f->header, same[k]), json_object_get(first->header, same[k]))) {
                fprintf(stderr, "dsim report: %s and %s are from different campaigns (their %s differ)\n",
                        first->path, f->path, same[k]);
                return EXIT_USAGE;
            }
        if (f->shard_n != first->shard_n) {
            fprintf(stderr, "dsim report: %s and %s are from different campaigns (%" PRIu64 " and %"
                    PRIu64 " shards)\n", first->path, f->path, first->shard_n, f->shard_n);
            return EXIT_USAGE;
        }
        const char *b1 = json_string_value(json_object_get(first->header, "build"));
        const char *b2 = json_string_value(json_object_get(f->header, "build"));
        if (strcmp(b1, b2) != 0 && !mixed_ok) {
            fprintf(stderr, "dsim report: %s was written by build %s, %s by build %s: a seed "
                    "reproduces only on the binary that ran it (--allow-mixed-builds merges "
                    "anyway)\n", first->path, b1, f->path, b2);
            return EXIT_USAGE;
        }
    }
    uint64_t n = first->shard_n;
    int *owner = malloc((size_t)n * sizeof *owner);
    DSIM_ASSERT(owner != NULL);
    for (uint64_t i = 0; i < n; i++)
        owner[i] = -1;
    json_t *missing = json_array(), *twice = json_array(), *short_ = json_array();
    for (int i = 0; i < r->nfiles; i++) {
        const rfile *f = &r->files[i];
        uint64_t k = f->shard_i - 1;
        if (owner[k] >= 0)
            json_array_append_new(twice, json_pack("{s:I, s:s, s:s}", "shard", (json_int_t)f->shard_i,
                                                   "file", r->files[owner[k]].path, "again", f->path));
        else
            owner[k] = i;
        uint64_t want = shard_size(f->header, f->shard_i, n);
        if (f->results < want)
            json_array_append_new(short_, json_pack("{s:I, s:s, s:I, s:I}", "shard", (json_int_t)f->shard_i,
                                                    "file", f->path, "seeds", (json_int_t)f->results,
                                                    "of", (json_int_t)want));
    }
    for (uint64_t i = 0; i < n; i++)
        if (owner[i] < 0)
            json_array_append_new(missing, json_integer((json_int_t)(i + 1)));
    free(owner);
    *complete = json_array_size(missing) == 0 && json_array_size(short_) == 0;
    json_object_set_new(shards, "of", json_integer((json_int_t)n));
    json_object_set_new(shards, "missing", missing);
    json_object_set_new(shards, "duplicated", twice);
    json_object_set_new(shards, "incomplete", short_);
    return 0;
}

static json_t *ranges_of(const entry *e, size_t len)
{
    json_t *r = json_array();
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j + 1 < len && e[j + 1].seed == e[j].seed + 1)
            j++;
        json_array_append_new(r, json_pack("[I, I]", (json_int_t)e[i].seed, (json_int_t)e[j].seed));
        i = j + 1;
    }
    return r;
}

static void free_report(report *r)
{
    for (size_t i = 0; i < r->len; i++)
        json_decref(r->all[i].line);
    free(r->all);
    for (int i = 0; i < r->nfiles; i++)
        json_decref(r->files[i].header);
    free(r->files);
}

static void print_text(const json_t *rep)
{
    size_t i;
    json_t *x;
    printf("files        %lld\n", (long long)json_integer_value(json_object_get(rep, "files")));
    const json_t *camp = json_object_get(rep, "campaign"), *shards = json_object_get(rep, "shards");
    if (camp) {
        printf("campaign     %s, range %lld..%lld, %lld shard%s, build %s\n",
               json_string_value(json_object_get(camp, "scenario")),
               (long long)json_integer_value(json_array_get(json_object_get(camp, "range"), 0)),
               (long long)json_integer_value(json_array_get(json_object_get(camp, "range"), 1)),
               (long long)json_integer_value(json_object_get(shards, "of")),
               json_integer_value(json_object_get(shards, "of")) == 1 ? "" : "s",
               json_string_value(json_object_get(camp, "build")));
        printf("seeds        %lld of %lld\n", (long long)json_integer_value(json_object_get(rep, "seeds")),
               (long long)json_integer_value(json_object_get(camp, "seeds")));
        long long of = json_integer_value(json_object_get(shards, "of"));
        json_array_foreach(json_object_get(shards, "missing"), i, x)
            printf("MISSING      shard %lld/%lld\n", (long long)json_integer_value(x), of);
        json_array_foreach(json_object_get(shards, "duplicated"), i, x)
            printf("TWICE        shard %lld/%lld in %s and %s\n",
                   (long long)json_integer_value(json_object_get(x, "shard")), of,
                   json_string_value(json_object_get(x, "file")), json_string_value(json_object_get(x, "again")));
        json_array_foreach(json_object_get(shards, "incomplete"), i, x)
            printf("INCOMPLETE   shard %lld/%lld: %lld of %lld seeds in %s (dsim fuzz ... --out FILE --resume)\n",
                   (long long)json_integer_value(json_object_get(x, "shard")), of,
                   (long long)json_integer_value(json_object_get(x, "seeds")),
                   (long long)json_integer_value(json_object_get(x, "of")),
                   json_string_value(json_object_get(x, "file")));
    } else {
        const json_t *ranges = json_object_get(rep, "ranges");
        printf("seeds        %lld in", (long long)json_integer_value(json_object_get(rep, "seeds")));
        json_array_foreach(ranges, i, x) {
            if (i == RANGES_LISTED_MAX) {
                printf(" and %zu more ranges", json_array_size(ranges) - i);
                break;
            }
            printf("%s %lld..%lld", i ? "," : "", (long long)json_integer_value(json_array_get(x, 0)),
                   (long long)json_integer_value(json_array_get(x, 1)));
        }
        printf("\n");
    }
    printf("duplicates   %zu\n", json_array_size(json_object_get(rep, "duplicates")));
    json_t *conflicts = json_object_get(rep, "conflicts");
    printf("conflicts    %zu\n", json_array_size(conflicts));
    json_array_foreach(conflicts, i, x)
        printf("  seed %lld: %s\n", (long long)json_integer_value(json_object_get(x, "seed")),
               json_string_value(json_object_get(x, "what")));
    json_t *repro = json_object_get(rep, "reproduce");
    printf("failed       %zu", json_array_size(repro));
    if (json_array_size(repro) > LISTED_MAX)
        printf(", the first %d by seed (--out FILE or --json has them all)", LISTED_MAX);
    printf("\n");
    json_array_foreach(repro, i, x) {
        if (i == LISTED_MAX)
            break;
        printf("  %s   # %s\n", json_string_value(json_object_get(x, "command")),
               json_is_string(json_object_get(x, "violation")) ? json_string_value(json_object_get(x, "violation")) : "error");
    }
}

/* Sorts and merges; fills the report's seed lists. Returns the kept count. */
static size_t merge(report *r, json_t *failed, json_t *errors, json_t *dups, json_t *conflicts,
                    json_t *repro)
{
    if (r->len > 1)
        qsort(r->all, r->len, sizeof *r->all, by_seed);
    size_t kept = 0;
    for (size_t i = 0; i < r->len; i++) {
        entry *e = &r->all[i];
        if (kept > 0 && r->all[kept - 1].seed == e->seed) {
            const entry *k = &r->all[kept - 1];
            const char *s1 = json_string_value(json_object_get(k->line, "status"));
            const char *s2 = json_string_value(json_object_get(e->line, "status"));
            json_array_append_new(dups, json_integer((json_int_t)e->seed));
            if (strcmp(s1, s2) != 0 || !json_equal(json_object_get(k->line, "fingerprint"),
                                                   json_object_get(e->line, "fingerprint"))) {
                char what[1024];
                snprintf(what, sizeof what, "%s (fingerprint %s) in %s, %s (fingerprint %s) in %s",
                         s1, json_string_value(json_object_get(k->line, "fingerprint")),
                         r->files[k->file].path, s2,
                         json_string_value(json_object_get(e->line, "fingerprint")),
                         r->files[e->file].path);
                json_array_append_new(conflicts, json_pack("{s:I, s:s}", "seed", (json_int_t)e->seed,
                                                           "what", what));
            }
            json_decref(e->line);
            continue;
        }
        r->all[kept++] = *e;
        const char *st = json_string_value(json_object_get(e->line, "status"));
        if (strcmp(st, "pass") != 0) {
            json_array_append_new(strcmp(st, "fail") == 0 ? failed : errors, json_integer((json_int_t)e->seed));
            json_array_append_new(repro, json_pack("{s:I, s:O, s:O}", "seed", (json_int_t)e->seed,
                "violation", json_object_get(e->line, "violation"), "command", json_object_get(e->line, "command")));
        }
    }
    return kept;
}

static bool write_merged(const report *r, size_t kept, const json_t *header, const char *out)
{
    FILE *f = fopen(out, "w");
    if (!f)
        return false;
    if (header) {
        char *s = json_dumps(header, JSON_COMPACT | JSON_PRESERVE_ORDER);
        fprintf(f, "%s\n", s);
        free(s);
    }
    for (size_t i = 0; i < kept; i++) {
        char *s = json_dumps(r->all[i].line, JSON_COMPACT | JSON_PRESERVE_ORDER);
        fprintf(f, "%s\n", s);
        free(s);
    }
    return fclose(f) == 0;
}

int cmd_report(int argc, char **argv)
{
    const char *out = NULL;
    bool as_json = false, mixed_ok = false;
    report r = {0};
    int rc = 0;
    for (int i = 1; i < argc && rc == 0; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(help, stdout);
            free_report(&r);
            return EXIT_PASS;
        } else if (strcmp(argv[i], "--json") == 0) {
            as_json = true;
        } else if (strcmp(argv[i], "--allow-mixed-builds") == 0) {
            mixed_ok = true;
        } else if (strcmp(argv[i], "--out") == 0) {
            if (i + 1 >= argc)
                rc = args_usage_error("report", "--out wants a file name");
            else
                out = argv[++i];
        } else if (argv[i][0] == '-') {
            rc = args_usage_error("report", "unknown option '%s'", argv[i]);
        } else {
            rc = read_file(&r, argv[i]);
        }
    }
    if (rc == 0 && r.nfiles == 0)
        rc = args_usage_error("report", "which result files? e.g. dsim report shard-*.jsonl");
    json_t *shards = json_object();
    bool complete = false;
    if (rc == 0)
        rc = check_campaign(&r, mixed_ok, shards, &complete);
    if (rc != 0) {
        json_decref(shards);
        free_report(&r);
        return rc;
    }
    json_t *failed = json_array(), *errors = json_array(), *dups = json_array(), *repro = json_array();
    json_t *conflicts = json_array();
    size_t kept = merge(&r, failed, errors, dups, conflicts, repro);
    r.len = kept;
    const json_t *h0 = r.files[0].header;
    json_t *rep = json_pack("{s:i, s:I, s:o, s:o, s:o, s:o, s:o, s:o}", "files", r.nfiles, "seeds",
                            (json_int_t)kept, "ranges", ranges_of(r.all, kept), "failed", failed,
                            "errors", errors, "duplicates", dups, "conflicts", conflicts,
                            "reproduce", repro);
    json_t *merged_header = NULL;
    if (json_object_size(shards) > 0) {
        const char *build = json_string_value(json_object_get(h0, "build"));
        for (int i = 1; i < r.nfiles; i++)
            if (strcmp(build, json_string_value(json_object_get(r.files[i].header, "build"))) != 0)
                build = "mixed";
        json_t *range = json_object_get(h0, "range");
        uint64_t lo = (uint64_t)json_integer_value(json_array_get(range, 0));
        uint64_t hi = (uint64_t)json_integer_value(json_array_get(range, 1));
        merged_header = fuzz_results_header(json_string_value(json_object_get(h0, "scenario")),
                                            json_object_get(h0, "params"), lo, hi, 1, 1, build);
        if (!complete)
            json_object_set(merged_header, "missing_shards", json_object_get(shards, "missing"));
        json_object_set_new(rep, "campaign", json_pack("{s:O, s:O, s:O, s:s, s:I}",
            "scenario", json_object_get(h0, "scenario"), "params", json_object_get(h0, "params"),
            "range", range, "build", build, "seeds", (json_int_t)shard_size(h0, 1, 1)));
        json_object_set(rep, "shards", shards);
    }
    json_decref(shards);
    if (json_array_size(conflicts) > 0)
        rc = EXIT_USAGE;
    else if (json_array_size(repro) > 0)
        rc = EXIT_VIOLATION;
    else if (merged_header != NULL && !complete)
        rc = EXIT_UNKNOWN;
    if (out && !write_merged(&r, kept, merged_header, out))
        rc = args_usage_error("report", "cannot write '%s'", out);
    if (as_json) {
        char *s = json_dumps(rep, JSON_COMPACT | JSON_PRESERVE_ORDER);
        printf("%s\n", s);
        free(s);
    } else {
        print_text(rep);
    }
    for (size_t i = 0; i < json_array_size(conflicts); i++)
        fprintf(stderr, "dsim report: seed %lld has two different results: %s\n",
                (long long)json_integer_value(json_object_get(json_array_get(conflicts, i), "seed")),
                json_string_value(json_object_get(json_array_get(conflicts, i), "what")));
    json_decref(merged_header);
    json_decref(rep);
    free_report(&r);
    return rc;
}

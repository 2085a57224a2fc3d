/*
** cmd_report.c — 'dsim report FILES...': merges the JSON-lines results of
** 'dsim fuzz --out' from many shards or machines into one report.
**
** Lines are keyed by seed. The same seed in two files is a duplicate (two
** shards overlapped, or a file was given twice): harmless when the
** fingerprints agree, an error when they differ (two different binaries or
** scenarios were mixed). The report gives the seeds covered as ranges, the
** failing seeds with the command that reproduces each, and with --out the
** merged lines in seed order. Lines without a "seed" are skipped.
** Trade-off: every line is held in memory to sort and merge them (about a
** kilobyte of JSON objects per seed); for campaigns of tens of millions of
** seeds merge in stages (report --out of groups of shards, then of those).
** A file whose lines name another build than this binary gets one warning
** on stderr (its commands may not reproduce with this one).
** Exit status: 0 every seed passed, 1 some failed, 2 bad input.
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cmd.h"
#include "dsim.h"
#include "fuzz_common.h"

static const char help[] =
    "usage: dsim report FILE... [--out FILE] [--json]\n"
    "  merges result files of dsim fuzz --out (e.g. one per --shard) and lists the\n"
    "  seeds covered and the failing seeds with the commands that reproduce them\n"
    "  --out FILE   write the merged result lines in seed order\n"
    "  --json       print the report as one JSON object\n"
    "exit status: 0 every seed passed, 1 some seed failed, 2 bad input\n";

typedef struct entry {
    uint64_t seed;
    json_t *line;
} entry;

static int by_seed(const void *x, const void *y)
{
    uint64_t a = ((const entry *)x)->seed, b = ((const entry *)y)->seed;
    return a < b ? -1 : a > b;
}

/* Reads one results file into 'all'; returns lines read or -1. */
static long read_file(const char *path, entry **all, size_t *len, size_t *cap)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char *buf = NULL;
    size_t bcap = 0;
    long n = 0, lineno = 0;
    bool warned = false;
    while (getline(&buf, &bcap, f) > 0) {
        lineno++;
        if (buf[0] == '\n')
            continue;
        json_t *v = json_loads(buf, 0, NULL);
        if (!v) {
            fprintf(stderr, "dsim report: %s:%ld: not a JSON line\n", path, lineno);
            free(buf);
            fclose(f);
            return -1;
        }
        if (!warned)
            warned = fuzz_build_differs("report", path, v);
        if (!json_is_integer(json_object_get(v, "seed"))) {
            json_decref(v);
            continue;
        }
        if (*len == *cap) {
            *cap = *cap ? *cap * 2 : 1024;
            *all = realloc(*all, *cap * sizeof **all);
            DSIM_ASSERT(*all != NULL);
        }
        (*all)[(*len)++] = (entry){(uint64_t)json_integer_value(json_object_get(v, "seed")), v};
        n++;
    }
    free(buf);
    fclose(f);
    return n;
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

static int give_up(entry *all, size_t len, int rc)
{
    for (size_t i = 0; i < len; i++)
        json_decref(all[i].line);
    free(all);
    return rc;
}

int cmd_report(int argc, char **argv)
{
    const char *out = NULL;
    bool as_json = false;
    entry *all = NULL;
    size_t len = 0, cap = 0;
    int files = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(help, stdout);
            return give_up(all, len, EXIT_PASS);
        } else if (strcmp(argv[i], "--json") == 0) {
            as_json = true;
        } else if (strcmp(argv[i], "--out") == 0) {
            if (i + 1 >= argc)
                return give_up(all, len, args_usage_error("report", "--out wants a file name"));
            out = argv[++i];
        } else if (argv[i][0] == '-') {
            return give_up(all, len, args_usage_error("report", "unknown option '%s'", argv[i]));
        } else if (read_file(argv[i], &all, &len, &cap) < 0) {
            return give_up(all, len, args_usage_error("report", "cannot read results file '%s'", argv[i]));
        } else {
            files++;
        }
    }
    if (files == 0)
        return args_usage_error("report", "which result files? e.g. dsim report shard-*.jsonl");
    if (len > 1)
        qsort(all, len, sizeof *all, by_seed);
    json_t *failed = json_array(), *errors = json_array(), *dups = json_array(), *repro = json_array();
    size_t kept = 0;
    int rc = EXIT_PASS;
    for (size_t i = 0; i < len; i++) {
        if (kept > 0 && all[kept - 1].seed == all[i].seed) {
            json_array_append_new(dups, json_integer((json_int_t)all[i].seed));
            if (!json_equal(json_object_get(all[kept - 1].line, "fingerprint"), json_object_get(all[i].line, "fingerprint"))) {
                fprintf(stderr, "dsim report: seed %" PRIu64 " has two different results (different "
                                "binaries or scenarios mixed?)\n", all[i].seed);
                rc = EXIT_USAGE;
            }
            json_decref(all[i].line);
            continue;
        }
        all[kept++] = all[i];
        const char *st = json_string_value(json_object_get(all[i].line, "status"));
        if (st && strcmp(st, "pass") != 0) {
            json_array_append_new(strcmp(st, "fail") == 0 ? failed : errors, json_integer((json_int_t)all[i].seed));
            json_array_append_new(repro, json_pack("{s:I, s:O, s:O}", "seed", (json_int_t)all[i].seed,
                "violation", json_object_get(all[i].line, "violation"), "command", json_object_get(all[i].line, "command")));
        }
    }
    if (rc == EXIT_PASS)
        rc = json_array_size(repro) ? EXIT_VIOLATION : EXIT_PASS;
    FILE *f = out ? fopen(out, "w") : NULL;
    if (out && !f)
        rc = args_usage_error("report", "cannot write '%s'", out);
    for (size_t i = 0; f && i < kept; i++) {
        char *s = json_dumps(all[i].line, JSON_COMPACT | JSON_PRESERVE_ORDER);
        fprintf(f, "%s\n", s);
        free(s);
    }
    if (f)
        fclose(f);
    json_t *rep = json_pack("{s:i, s:I, s:o, s:o, s:o, s:o, s:o}", "files", files, "seeds", (json_int_t)kept,
                            "ranges", ranges_of(all, kept), "failed", failed, "errors", errors,
                            "duplicates", dups, "reproduce", repro);
    if (as_json) {
        char *s = json_dumps(rep, JSON_COMPACT | JSON_PRESERVE_ORDER);
        printf("%s\n", s);
        free(s);
    } else {
        printf("files        %d\nseeds        %zu in", files, kept);
        size_t i;
        json_t *r;
        json_array_foreach(json_object_get(rep, "ranges"), i, r)
            printf("%s %lld..%lld", i ? "," : "", (long long)json_integer_value(json_array_get(r, 0)),
                   (long long)json_integer_value(json_array_get(r, 1)));
        printf("\nduplicates   %zu\nfailed       %zu\n", json_array_size(dups), json_array_size(repro));
        json_array_foreach(repro, i, r)
            printf("  %s   # %s\n", json_string_value(json_object_get(r, "command")),
                   json_is_string(json_object_get(r, "violation")) ? json_string_value(json_object_get(r, "violation")) : "error");
    }
    json_decref(rep);
    for (size_t i = 0; i < kept; i++)
        json_decref(all[i].line);
    free(all);
    return rc;
}

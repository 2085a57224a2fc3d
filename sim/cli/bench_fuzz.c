/*
** bench_fuzz.c — 'dsim bench PROTOCOL|consensus': how fast whole fuzz runs
** of a protocol go (a row of 'fuzz_benches' per protocol).
**
** Runs a protocol's fuzz scenario (scenarios/fuzz/<protocol>.lua, or
** --scenario FILE) at its defaults for seeds 1..N in this process,
** checkers included, and reports seeds per second, the ratio of simulated
** to host time, and kernel events per second. 'consensus' runs every row
** of 'fuzz_benches' in turn, in the same process and build, and prints
** them side by side (the figures are only comparable within one run on a
** loaded machine). Release build; host time only through hosttime.h. A
** seed whose run fails a check still counts (it did the same work); a
** script error stops the benchmark with exit 2.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cmd.h"
#include "hosttime.h"
#include "script.h"

typedef struct fuzz_bench {
    const char *name;       /* the protocol, and the benchmark's name */
    const char *scenario;
    bool consensus;         /* a row of 'dsim bench consensus' */
    const char *summary;    /* for 'dsim bench --help' */
} fuzz_bench;

/* The one list: 'dsim bench' dispatches to and lists these rows. */
static const fuzz_bench fuzz_benches[] = {
    {"raft", "scenarios/fuzz/raft.lua", true,
     "the Raft fuzz scenario: seeds/s, simulated-to-wall ratio, events/s"},
    {"paxos", "scenarios/fuzz/paxos.lua", true, "the Paxos fuzz scenario (Multi-Paxos): the same figures"},
    {"replication", "scenarios/fuzz/replication.lua", false,
     "the replication fuzz scenario (mode=sync; -D mode=...): the same figures"},
    {"dynamo", "scenarios/fuzz/dynamo.lua", false,
     "the Dynamo fuzz scenario (every profile): the same figures"},
    {"zab", "scenarios/fuzz/zab.lua", false, "the ZAB fuzz scenario: the same figures"},
    {"pbft", "scenarios/fuzz/pbft.lua", false,
     "the PBFT fuzz scenario (f Byzantine replicas): the same figures"},
    {"multileader", "scenarios/fuzz/multileader.lua", false,
     "the multi-leader (CRDT) fuzz scenario: the same figures"},
    {"consensus", NULL, false, "Raft and Paxos fuzz scenarios in one run, side by side"},
    {NULL, NULL, false, NULL},
};

bool bench_fuzz_row(int i, const char **name, const char **summary)
{
    if (i < 0 || i >= (int)(sizeof fuzz_benches / sizeof fuzz_benches[0]) - 1)
        return false;
    *name = fuzz_benches[i].name;
    *summary = fuzz_benches[i].summary;
    return true;
}

typedef struct fuzz_args {
    const char *name;       /* "raft", "paxos", "zab", "multileader" or "consensus" */
    uint64_t seeds;
    const char *scenario;   /* NULL: the protocol's own */
    bool json;
    json_t *params;
} fuzz_args;

static int parse(int argc, char **argv, fuzz_args *a)
{
    char what[32];
    snprintf(what, sizeof what, "bench %s", a->name);
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(o, "--help") == 0) {
            printf("usage: dsim bench %s [--seeds N] [--scenario FILE] [-D key=value] [--json]\n"
                   "  runs %s for seeds 1..N (default 20) with its checkers\n", a->name,
                   strcmp(a->name, "consensus") == 0 ? "the Raft and the Paxos fuzz scenarios"
                                                      : "the protocol's fuzz scenario");
            return -1;
        } else if (strcmp(o, "--seeds") == 0) {
            if (!args_u64(next, &a->seeds) || a->seeds == 0)
                return args_usage_error(what, "--seeds wants a number > 0");
            i++;
        } else if (strcmp(o, "--scenario") == 0 && strcmp(a->name, "consensus") != 0) {
            if (!next)
                return args_usage_error(what, "--scenario wants a file");
            a->scenario = next;
            i++;
        } else if (strcmp(o, "-D") == 0) {
            if (!args_define(a->params, next))
                return EXIT_USAGE;
            i++;
        } else if (strcmp(o, "--json") == 0) {
            a->json = true;
        } else {
            return args_usage_error(what, "unknown option '%s'", o);
        }
    }
    return 0;
}

/* Runs 'scenario' for seeds 1..N: its figures, or NULL after a script
** error (reported on stderr). */
static json_t *run_rows(const fuzz_args *a, const char *label, const char *scenario)
{
    FILE *devnull = fopen("/dev/null", "w");
    double sim_ms = 0, events = 0, t0 = host_seconds(), c0 = host_cpu_seconds();
    uint64_t failed = 0;
    for (uint64_t seed = 1; seed <= a->seeds; seed++) {
        script_config cfg = {.path = scenario, .seed = seed, .params = a->params,
                             .out = devnull ? devnull : stderr};
        script_result r;
        script_run(&cfg, &r);
        if (r.error || !r.summary) {
            fprintf(stderr, "dsim bench %s: %s seed %llu: %s\n", a->name, label,
                    (unsigned long long)seed, r.message);
            script_result_free(&r);
            if (devnull)
                fclose(devnull);
            return NULL;
        }
        failed += r.violation;
        sim_ms += json_real_value(json_object_get(r.summary, "sim_ms"));
        events += (double)json_integer_value(json_object_get(r.summary, "events"));
        script_result_free(&r);
    }
    double secs = host_seconds() - t0, cpu = host_cpu_seconds() - c0;
    if (devnull)
        fclose(devnull);
    if (cpu <= 0)
        cpu = secs;
    /* The CPU-time figures: on a shared machine the wall clock counts the
    ** time other processes held the cores; the CPU time is what the runs
    ** cost, and is what an idle machine's wall clock would show. */
    return json_pack("{s:s, s:s, s:I, s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "protocol", label,
                     "scenario", scenario, "seeds", (json_int_t)a->seeds, "failed", (json_int_t)failed,
                     "seeds_per_s", (double)a->seeds / secs, "sim_to_wall", sim_ms / 1e3 / secs,
                     "events_per_s", events / secs, "wall_s", secs, "cpu_s", cpu,
                     "seeds_per_cpu_s", (double)a->seeds / cpu, "sim_to_cpu", sim_ms / 1e3 / cpu);
}

static void print_row(const json_t *o)
{
    printf("%-11s %s: %lld seeds in %.2f s: %.1f seeds/s, simulated/wall %.0fx, %.0f events/s, %lld failed"
           " (CPU %.2f s: %.1f seeds/s, simulated/CPU %.0fx)\n",
           json_string_value(json_object_get(o, "protocol")),
           json_string_value(json_object_get(o, "scenario")),
           (long long)json_integer_value(json_object_get(o, "seeds")),
           json_real_value(json_object_get(o, "wall_s")),
           json_real_value(json_object_get(o, "seeds_per_s")),
           json_real_value(json_object_get(o, "sim_to_wall")),
           json_real_value(json_object_get(o, "events_per_s")),
           (long long)json_integer_value(json_object_get(o, "failed")),
           json_real_value(json_object_get(o, "cpu_s")),
           json_real_value(json_object_get(o, "seeds_per_cpu_s")),
           json_real_value(json_object_get(o, "sim_to_cpu")));
}

int bench_fuzz(const char *name, int argc, char **argv)
{
    fuzz_args a = {.name = name, .seeds = 20, .params = json_object()};
    int rc = parse(argc, argv, &a);
    json_t *rows = json_array();
    for (const fuzz_bench *b = fuzz_benches; rc == 0 && b->scenario; b++) {
        bool all = strcmp(name, "consensus") == 0;
        if (all ? !b->consensus : strcmp(name, b->name) != 0)
            continue;
        json_t *row = run_rows(&a, b->name, a.scenario ? a.scenario : b->scenario);
        if (!row)
            rc = EXIT_USAGE;
        else
            json_array_append_new(rows, row);
    }
    if (rc == 0) {
        size_t i;
        json_t *row;
        if (a.json) {
            json_t *out = json_array_size(rows) == 1 ? json_array_get(rows, 0) : rows;
            char *s = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
            printf("%s\n", s);
            free(s);
        } else {
            json_array_foreach(rows, i, row)
                print_row(row);
        }
    }
    json_decref(rows);
    json_decref(a.params);
    return rc < 0 ? EXIT_PASS : rc;
}

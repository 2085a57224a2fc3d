/*
** bench_raft.c — 'dsim bench raft': how fast whole fuzz runs go.
**
** Runs scenarios/fuzz/raft.lua (or --scenario FILE) at its defaults for
** seeds 1..N in this process, checkers included, and reports seeds per
** second, the ratio of simulated to host time, and kernel events per
** second. Release build; host time only through hosttime.h. A seed whose
** run fails a check still counts (it did the same work); a script error
** stops the benchmark with exit 2.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cmd.h"
#include "hosttime.h"
#include "script.h"

static const char help[] =
    "usage: dsim bench raft [--seeds N] [--scenario FILE] [-D key=value] [--json]\n"
    "  runs the Raft fuzz scenario for seeds 1..N (default 20) with its checkers\n";

typedef struct raft_args {
    uint64_t seeds;
    const char *scenario;
    bool json;
    json_t *params;
} raft_args;

static int parse(int argc, char **argv, raft_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(o, "--help") == 0) {
            fputs(help, stdout);
            return -1;
        } else if (strcmp(o, "--seeds") == 0) {
            if (!args_u64(next, &a->seeds) || a->seeds == 0)
                return args_usage_error("bench raft", "--seeds wants a number > 0");
            i++;
        } else if (strcmp(o, "--scenario") == 0) {
            if (!next)
                return args_usage_error("bench raft", "--scenario wants a file");
            a->scenario = next;
            i++;
        } else if (strcmp(o, "-D") == 0) {
            if (!args_define(a->params, next))
                return EXIT_USAGE;
            i++;
        } else if (strcmp(o, "--json") == 0) {
            a->json = true;
        } else {
            return args_usage_error("bench raft", "unknown option '%s'", o);
        }
    }
    return 0;
}

int bench_raft(int argc, char **argv)
{
    raft_args a = {.seeds = 20, .scenario = "scenarios/fuzz/raft.lua", .params = json_object()};
    int rc = parse(argc, argv, &a);
    if (rc != 0) {
        json_decref(a.params);
        return rc < 0 ? EXIT_PASS : rc;
    }
    FILE *devnull = fopen("/dev/null", "w");
    double sim_ms = 0, events = 0, t0 = host_seconds();
    uint64_t failed = 0;
    for (uint64_t seed = 1; seed <= a.seeds; seed++) {
        script_config cfg = {.path = a.scenario, .seed = seed, .params = a.params,
                             .out = devnull ? devnull : stderr};
        script_result r;
        script_run(&cfg, &r);
        if (r.error || !r.summary) {
            fprintf(stderr, "dsim bench raft: seed %llu: %s\n", (unsigned long long)seed, r.message);
            script_result_free(&r);
            json_decref(a.params);
            if (devnull)
                fclose(devnull);
            return EXIT_USAGE;
        }
        failed += r.violation;
        sim_ms += json_real_value(json_object_get(r.summary, "sim_ms"));
        events += (double)json_integer_value(json_object_get(r.summary, "events"));
        script_result_free(&r);
    }
    double secs = host_seconds() - t0;
    if (devnull)
        fclose(devnull);
    json_t *o = json_pack("{s:s, s:I, s:I, s:f, s:f, s:f, s:f}", "scenario", a.scenario,
                          "seeds", (json_int_t)a.seeds, "failed", (json_int_t)failed,
                          "seeds_per_s", (double)a.seeds / secs, "sim_to_wall", sim_ms / 1e3 / secs,
                          "events_per_s", events / secs, "wall_s", secs);
    if (a.json) {
        char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        printf("%s\n", s);
        free(s);
    } else {
        printf("%s: %llu seeds in %.2f s: %.1f seeds/s, simulated/wall %.0fx, %.0f events/s, %llu failed\n",
               a.scenario, (unsigned long long)a.seeds, secs, (double)a.seeds / secs,
               sim_ms / 1e3 / secs, events / secs, (unsigned long long)failed);
    }
    json_decref(o);
    json_decref(a.params);
    return EXIT_PASS;
}

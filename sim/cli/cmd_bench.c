/*
** cmd_bench.c — 'dsim bench WHAT': dispatches to the benchmarks. They read
** the host clock (through hosttime.h) and belong in a release build; tests
** never time anything. The usage text and the error name the benchmarks
** from 'benches', the one list of them.
*/
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "cmd.h"

typedef struct bench {
    const char *name;
    int (*fn)(int argc, char **argv);   /* argv[0] is the benchmark's name */
    const char *summary;
} bench;

static const bench benches[] = {
    {"kernel", bench_kernel, "event queue and network flood on 5 and 1,000 nodes, as ratios"},
    {"check", bench_check, "the checkers on the Porcupine corpora and generated causal and txn histories"},
    {"raft", bench_raft, "the Raft fuzz scenario: seeds/s, simulated-to-wall ratio, events/s"},
    {"paxos", bench_paxos, "the Paxos fuzz scenario (Multi-Paxos): the same figures"},
    {"replication", bench_replication, "the replication fuzz scenario (mode=sync; -D mode=...): the same figures"},
    {"zab", bench_zab, "the ZAB fuzz scenario: the same figures"},
    {"consensus", bench_consensus, "Raft and Paxos fuzz scenarios in one run, side by side"},
    {"dynamo", bench_dynamo, "the Dynamo fuzz scenario (every profile): the same figures"},
    {NULL, NULL, NULL},
};

static void names(char *buf, size_t cap)
{
    buf[0] = '\0';
    for (const bench *b = benches; b->name; b++)
        snprintf(buf + strlen(buf), cap - strlen(buf), "%s%s", b == benches ? "" : ", ", b->name);
}

int cmd_bench(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        printf("usage: dsim bench WHAT [--json] ...   (a release build: tools/dsim bench)\n");
        for (const bench *b = benches; b->name; b++)
            printf("  %-8s %s\n", b->name, b->summary);
        return argc < 2 ? EXIT_USAGE : EXIT_PASS;
    }
    for (const bench *b = benches; b->name; b++)
        if (strcmp(argv[1], b->name) == 0)
            return b->fn(argc - 1, argv + 1);
    char known[128];
    names(known, sizeof known);
    return args_usage_error("bench", "unknown benchmark '%s' (%s)", argv[1], known);
}

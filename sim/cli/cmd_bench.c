/*
** cmd_bench.c — 'dsim bench WHAT': dispatches to the benchmarks. They read
** the host clock (through hosttime.h) and belong in a release build; tests
** never time anything. The usage text and the error name the benchmarks
** from 'benches' and from bench_fuzz.c's rows (one per protocol).
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
    {NULL, NULL, NULL},
};

static void names(char *buf, size_t cap)
{
    buf[0] = '\0';
    for (const bench *b = benches; b->name; b++)
        snprintf(buf + strlen(buf), cap - strlen(buf), "%s%s", b == benches ? "" : ", ", b->name);
    const char *name, *summary;
    for (int i = 0; bench_fuzz_row(i, &name, &summary); i++)
        snprintf(buf + strlen(buf), cap - strlen(buf), ", %s", name);
}

int cmd_bench(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        printf("usage: dsim bench WHAT [--json] ...   (a release build: tools/dsim bench)\n");
        for (const bench *b = benches; b->name; b++)
            printf("  %-11s %s\n", b->name, b->summary);
        const char *name, *summary;
        for (int i = 0; bench_fuzz_row(i, &name, &summary); i++)
            printf("  %-11s %s\n", name, summary);
        return argc < 2 ? EXIT_USAGE : EXIT_PASS;
    }
    for (const bench *b = benches; b->name; b++)
        if (strcmp(argv[1], b->name) == 0)
            return b->fn(argc - 1, argv + 1);
    const char *name, *summary;
    for (int i = 0; bench_fuzz_row(i, &name, &summary); i++)
        if (strcmp(argv[1], name) == 0)
            return bench_fuzz(name, argc - 1, argv + 1);
    char known[256];
    names(known, sizeof known);
    return args_usage_error("bench", "unknown benchmark '%s' (%s)", argv[1], known);
}

/*
** cmd_bench.c — 'dsim bench WHAT': dispatches to the benchmarks. They read
** the host clock (through hosttime.h) and belong in a release build; tests
** never time anything.
*/
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "cmd.h"

int cmd_bench(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        printf("usage: dsim bench kernel|check|raft [--json] ...\n");
        return argc < 2 ? EXIT_USAGE : EXIT_PASS;
    }
    if (strcmp(argv[1], "kernel") == 0)
        return bench_kernel(argc - 1, argv + 1);
    if (strcmp(argv[1], "check") == 0)
        return bench_check(argc - 1, argv + 1);
    if (strcmp(argv[1], "raft") == 0)
        return bench_raft(argc - 1, argv + 1);
    return args_usage_error("bench", "unknown benchmark '%s' (kernel, check, raft)", argv[1]);
}

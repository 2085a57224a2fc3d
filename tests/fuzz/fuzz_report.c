/*
** fuzz_report.c — 'dsim report' on one results file (the JSON lines that
** 'dsim fuzz --out' writes and shards merge), output discarded.
*/
#include <stdio.h>
#include <unistd.h>

#include "cmd.h"
#include "harness.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* The command prints its summary: discard it (its messages on stderr
    ** are discarded by running with -close_fd_mask=2). */
    if (!freopen("/dev/null", "w", stdout))
        return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = harness_file(data, size, ".jsonl");
    char *argv[] = {"report", "--json", (char *)path, NULL};
    cmd_report(3, argv);
    unlink(path);
    return 0;
}

/*
** main.c — the dsim command: a dispatch table of subcommands, each in its
** own file (cmd_run.c, cmd_check.c, ...). Exit status everywhere:
** 0 all checks passed, 1 a check failed, 2 bad input or usage, 3 internal,
** 4 undecided (a checker's budget ran out).
*/
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"
#include "version.h"

typedef struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"run", cmd_run, "run a scenario script and check its result"},
    {"check", cmd_check, "check a recorded history (linearizability, causal, ...)"},
    {"view", cmd_view, "draw a trace: HTML space-time diagram or a static SVG"},
    {"fuzz", cmd_fuzz, "run a scenario over many seeds in parallel; list the failing ones"},
    {"shrink", cmd_shrink, "shrink a failing seed's fault schedule to the faults that matter"},
    {"replay", cmd_replay, "rerun a recorded (or shrunk) fault schedule"},
    {"report", cmd_report, "merge fuzz results from many shards or machines"},
    {"list", cmd_list, "what the registries hold: protocols, faults, models, checks (--json)"},
    {"bench", cmd_bench, "benchmarks: kernel, check (release build)"},
    {NULL, NULL, NULL},
};

static int usage(FILE *f)
{
    fprintf(f, "usage: dsim COMMAND [ARGS]   (dsim COMMAND --help for each; dsim --version)\n\n"
               "commands:\n");
    for (const command *c = commands; c->name; c++)
        fprintf(f, "  %-8s %s\n", c->name, c->summary);
    return f == stdout ? EXIT_PASS : EXIT_USAGE;
}

/* The release and the build id that files record (version.h), then what
** the id is made of. */
static int print_version(void)
{
    printf("dsim %s\nbuild   %s\ncommit  %s\nflags   %s\n", version_release(), version_build(),
           version_commit(), version_flags());
    return EXIT_PASS;
}

int main(int argc, char **argv)
{
    /* jansson seeds its hash from /dev/urandom; a fixed seed keeps every
    ** table walk the same from run to run. */
    json_object_seed(0x64736d);
    oom_install();
    if (argc < 2)
        return usage(stderr);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0)
        return usage(stdout);
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0)
        return argc == 2 ? print_version() : usage(stderr);
    for (const command *c = commands; c->name; c++)
        if (strcmp(c->name, argv[1]) == 0)
            return c->fn(argc - 1, argv + 1);
    fprintf(stderr, "dsim: unknown command '%s'\n", argv[1]);
    return usage(stderr);
}

/*
** cmd.h — the dsim subcommands. main.c holds the dispatch table; each
** command lives in its own file and returns the process exit status:
** 0 all checks passed, 1 a check failed, 2 bad input or usage, 3 internal,
** 4 no check failed but one could not decide (its budget ran out).
*/
#ifndef DSIM_CMD_H
#define DSIM_CMD_H

#include <stdbool.h>

#include <jansson.h>

enum { EXIT_PASS = 0, EXIT_VIOLATION = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 3, EXIT_UNKNOWN = 4 };

/* oom.c: from now on a failed allocation (ours or jansson's) prints
** "dsim: out of memory" and exits EXIT_INTERNAL. */
void oom_install(void);

int cmd_run(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_fuzz(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_shrink(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_view(int argc, char **argv);

/* Every model 'dsim check --model' knows: [{name, checker, summary}] (a new
** array), for 'dsim list models'. */
json_t *check_models_json(void);

/* 'dsim bench kernel' and 'dsim bench check' (argv[0] is the subcommand). */
int bench_kernel(int argc, char **argv);
int bench_check(int argc, char **argv);
/* 'dsim bench PROTOCOL|consensus': a protocol's fuzz scenario (bench_fuzz.c);
** bench_fuzz_row lists the names it takes, false past the last. */
int bench_fuzz(const char *name, int argc, char **argv);
bool bench_fuzz_row(int i, const char **name, const char **summary);

#endif

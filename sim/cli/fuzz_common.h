/*
** fuzz_common.h — what 'dsim fuzz', 'replay', 'shrink' and 'report' share:
** one quiet run of a scenario for a seed (optionally with a forced fault
** schedule) reduced to an outcome, result lines, reproducing commands,
** schedule files, and the parsing of seed ranges and shards.
**
** A result line (JSON, one per seed, what fuzz writes and report reads):
**   {"seed": N, "status": "pass"|"fail"|"error", "version", "build" (version.h),
**    "verdicts": {check: ok|fail|unknown},
**    "fingerprint": "...", "faults": K, "violation": CHECK or null, "kind" (when failed),
**    and for failures and errors: "detail", "scenario", "params", "command",
**    "schedule"}
** It holds nothing that depends on the host (no wall time), so the same
** seeds give byte-identical lines with any number of jobs.
** A results file starts with a header line (what fuzz writes first and
** report checks):
**   {"dsim_results": 1, "scenario", "params", "range": [A, B],
**    "shard": "i/n", "version", "build"}
** 'build' names the binary that ran the seeds (fuzz_build_id): seeds are
** reproductions only of the binary that ran them.
** A schedule file (what shrink writes and replay reads; a failing result
** line is one too):
**   {"scenario", "seed", "params", "protocol", "nodes", "schedule",
**    "fingerprint", "violation", "version", "build"}
*/
#ifndef DSIM_FUZZ_COMMON_H
#define DSIM_FUZZ_COMMON_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

enum { FUZZ_PASS = 0, FUZZ_FAIL = 1, FUZZ_ERROR = 2 };

typedef struct fuzz_outcome {
    int status;              /* FUZZ_* */
    char violation[64];      /* first failing check, "" when none */
    char kind[128];          /* the violation's kind: the check, and the name of the
                                broken property when its explanation starts with
                                one ("invariants: Log Matching") */
    char detail[1100];       /* its explanation, or the error message */
    char fingerprint[24];
    json_t *summary;         /* the run's summary (with "schedule"), owned; may be NULL */
} fuzz_outcome;

/* Runs 'scenario' with 'seed' and -D 'params' (strings), forcing 'schedule'
** when it is not NULL; print() output is discarded. */
void fuzz_run(const char *scenario, uint64_t seed, const json_t *params, const json_t *schedule,
              fuzz_outcome *out);
void fuzz_outcome_free(fuzz_outcome *o);
/* The result line for a run (a new object). */
json_t *fuzz_result_line(const char *scenario, uint64_t seed, const json_t *params, const fuzz_outcome *o);
/* "dsim run SCENARIO --seed N -D k=v ...", shell-quoted; a new string. */
char *fuzz_command(const char *scenario, uint64_t seed, const json_t *params);
/* 's' as one shell word (single-quoted when needed); a new string. */
char *fuzz_quote(const char *s);
/* "A..B" (or one number) into a range with A <= B. */
bool fuzz_parse_range(const char *s, uint64_t *lo, uint64_t *hi);
/* "i/n" with 1 <= i <= n into a shard. */
bool fuzz_parse_shard(const char *s, uint64_t *i, uint64_t *n);
/* Number of faults in a summary's schedule (0 without one). */
int fuzz_faults(const json_t *summary);
/* When record 'rec' (a result line, a schedule file) names a build other
** than this one, warns on stderr ("dsim CMD: warning: FILE was recorded
** by ...") and returns true. A record without "build" is not warned about
** (files written before builds were recorded). */
bool fuzz_build_differs(const char *cmd, const char *file, const json_t *rec);
/* The header line of a results file (a new object); 'build' is
** version_build() of the binary that runs the seeds. */
json_t *fuzz_results_header(const char *scenario, const json_t *params, uint64_t lo, uint64_t hi,
                            uint64_t shard_i, uint64_t shard_n, const char *build);
/* Is 'line' a results header? */
bool fuzz_is_header(const json_t *line);
/* Writes 'v' to 'path' as indented JSON; false on error. */
bool fuzz_write_json(const char *path, const json_t *v);

#endif

/*
** script.h — runs a Lua 5.4 scenario script against one world.
**
** The script makes its cluster with dsim.cluster{...}, schedules faults and
** callbacks, runs virtual time with c:run and judges the result with
** c:check. Errors in the script (syntax, runtime, in a scheduled callback,
** bad arguments, limits) stop it and come back as "FILE:LINE: message".
*/
#ifndef DSIM_SCRIPT_H
#define DSIM_SCRIPT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "dsim.h"

typedef struct script_config {
    const char *path;        /* the scenario file */
    uint64_t seed;
    json_t *params;          /* -D key=value pairs (strings); borrowed */
    bool unsafe;             /* io, os and C modules allowed */
    FILE *trace;             /* JSON-lines trace, or NULL */
    FILE *log;               /* readable event log, or NULL */
    bool log_color;
    const struct logfilter *log_filter;  /* --log=FILTERS (logfilter.h), or NULL */
    FILE *out;               /* where print() writes */
    const json_t *schedule;  /* a fault schedule c:nemesis runs instead of
                                drawing one (replay, shrink); borrowed */
    bool fault_log;          /* keep the fault events in 'faults' (a failure
                                report shows them; fuzz and bench do not) */
} script_config;

typedef struct script_result {
    bool error;              /* bad input: the script failed (exit 2) */
    bool internal;           /* with 'error': out of memory, not the input (exit 3) */
    char message[1024];      /* what went wrong, "FILE:LINE: ..." */
    bool checked;            /* c:check ran */
    bool violation;          /* a check failed (exit 1) */
    bool unknown;            /* a check ran out of budget (exit 4 unless 1) */
    json_t *verdicts;        /* name -> report, in check order */
    json_t *summary;         /* counts and fingerprint; NULL if no cluster */
    char *history;           /* JSON-lines history, owned; NULL if none */
    size_t history_len;
    json_t *faults;          /* fault events as trace lines (world.h); NULL if none
                                or not asked for ('fault_log') */
    json_t *warnings;        /* "T ms: text" about the scenario; NULL if none */
} script_result;

/* Runs the scenario. Always fills 'r'; free it with script_result_free. */
void script_run(const script_config *cfg, script_result *r);
void script_result_free(script_result *r);

/* The checks c:check knows (script_check.c), the one table their names,
** summaries and options come from. Each turns what the run left into a
** report {"valid": true|false|"unknown", ...}, or NULL with 'err' (bad
** arguments: a script error). */
/* 'name' is the name c:check was given (one row may stand for several). */
typedef json_t *(*script_check_fn)(dsim_world *w, const char *name, const json_t *args,
                                   char *err, size_t cap);
typedef struct script_check {
    const char *name;        /* c:check{"name", ...} */
    script_check_fn fn;
    const char *summary;     /* one line for 'dsim list checks' */
    const char *options;     /* what c:check{..., k = v} passes it; "" when none */
} script_check;
extern const script_check script_checks[];   /* ends with a NULL name */
const script_check *script_check_find(const char *name);   /* NULL: unknown */
/* "linearizable, invariants, ..." into 'buf'; returns 'buf'. */
const char *script_check_names(char *buf, size_t cap);

#endif

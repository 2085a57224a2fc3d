/*
** report.h — the short human report of a failed (or undecided) check, for
** 'dsim run' and 'dsim check'.
**
** A check's JSON report holds everything (the linearization, every
** partition); this prints what a reader needs on one screen: the verdict,
** the few operations that cannot be linearized (client, process, node,
** interval, result), the state the model was in and why the next operation
** is impossible, the faults in and just before that window (a crash with
** the unsynced writes it lost), and the command that reproduces the run.
** The long forms stay in --json, --trace and the viewer.
** Printing reads the reports only: it never changes a run.
*/
#ifndef DSIM_REPORT_H
#define DSIM_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

typedef struct report_ctx {
    const json_t *faults;   /* fault events as trace lines (script.h), or NULL */
    int clients;            /* names clients c1.. from processes; 0: processes only */
    const char *repro;      /* the command that reproduces the run, or NULL */
    const char *build;      /* "dsim 0.1.0 build ID" the reproduction needs, or NULL */
    const char *more;       /* where the long forms are ("the same with --json"), or NULL */
    bool lines;             /* show history line numbers (dsim check) */
} report_ctx;

/* Prints the report of every check in 'verdicts' (name -> report) that
** failed or was undecided, then the reproduction line if any failed. */
void report_verdicts(FILE *out, const json_t *verdicts, const report_ctx *ctx);

/* One linearizability report (check_linearizable's JSON), any verdict. */
void report_linearizable(FILE *out, const json_t *report, const report_ctx *ctx);

/* Only the failing partitions of a linearizability report (no header). */
void report_lin_parts(FILE *out, const json_t *report, const report_ctx *ctx);

#endif

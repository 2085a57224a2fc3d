/*
** session.h — the session-guarantees checker (session.c) and its text
** verdict (session_print.c). Internal to sim/check; the entry point
** 'check_session' is in check.h.
**
** The five guarantees, by their names in reports (Terry et al. 1994;
** consistent prefix after Terry 2013, "Replicated Data Consistency
** Explained Through Baseball"):
*/
#ifndef DSIM_SESSION_H
#define DSIM_SESSION_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "wlcheck.h"

enum session_g {
    SESSION_RYW,       /* read-your-writes */
    SESSION_MR,        /* monotonic-reads */
    SESSION_MW,        /* monotonic-writes */
    SESSION_WFR,       /* writes-follow-reads */
    SESSION_CP,        /* consistent-prefix */
    SESSION_G_COUNT,
};

#define NONE UINT32_MAX

/* Why one version precedes another: the base order (initial value, cas),
** a guarantee's constraint, or a writer's issue order (consistent prefix). */
enum session_tag { T_INIT, T_CAS, T_RYW, T_MR, T_MW, T_WFR, T_ISSUE, T_COUNT };

typedef struct sv_vert { const char *key; const hist_value *val; } sv_vert;   /* val NULL: initial */
typedef struct sv_edge { uint32_t from, to, op_a, op_b; uint8_t tag; } sv_edge;
/* One read or write of a session (ops in invoke order). */
typedef struct sv_access { uint32_t op, v; bool write; } sv_access;

typedef struct sgraph {
    wlcheck_hist w;
    sv_vert *verts; uint32_t nverts, cap_verts;
    uint32_t *slots; uint32_t nslots;          /* open addressing: vertex index + 1 */
    sv_edge *edges; uint32_t nedges, cap_edges;
    sv_access *acc; uint32_t nacc, cap_acc;
    uint32_t *acc_first, *acc_end;             /* per op: its accesses (ops in invoke order) */
    size_t sessions;
    bool oom;
} sgraph;

/* Builds the graph of 'w' (session.c); -1 with 'err' on bad input. */
int session_graph(sgraph *g, char *err, size_t cap);
void session_graph_free(sgraph *g);

/* Judges guarantee 'which' (or SESSION_G_COUNT: the four together) on
** 'g' (session_cycle.c): a report {"valid", and on a violation "cycle"
** (edges explained) and "ops"}. NULL when out of memory. */
json_t *session_judge(const sgraph *g, int which);
/* Consistent prefix over the multi-key reads; "tested": false when
** there are none. */
json_t *session_judge_prefix(const sgraph *g);
/* Operation i (an index into the paired ops) for reports. */
json_t *session_op_json(const sgraph *g, uint32_t i);

/* "read-your-writes", ... indexed by 'session_g'. */
extern const char *const session_names[SESSION_G_COUNT];

/* The verdict of check_session as one screen for a person. */
void session_print_text(const json_t *report, FILE *out);

#endif

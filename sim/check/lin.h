/*
** lin.h — internals of the linearizability checker (not for the kernel:
** it calls 'check_linearizable' in check.h).
**
** Pieces, one file each:
** - models (model_*.c): a model is a 'lin_model' table. 'prepare' turns a
**   paired history operation into a compact 'lin_op'; 'step' applies it to
**   a state. States are 64-bit handles that the model keeps canonical:
**   equal states have equal handles (small states are stored inline, big
**   ones - strings, sets, queues - are interned through the history's
**   hash-consed values), so the search compares and hashes handles only.
**   'equal' and 'hash' may refine that for a model whose handles are not
**   canonical; NULL means handle identity.
** - lin_part.c: P-compositionality - splits a history into one partition
**   per key and orders each partition's call and return events.
** - lin_search.c: Wing-Gong-Lowe search with a (linearized set, state)
**   memo, budgets, and the longest linearizable prefix.
** - lin_explain.c: shrinks a failing partition to a small set of
**   operations that cannot be linearized together.
** - lin_why.c: the state the model was in and the operation that could
**   not follow, from the prefix and the core.
** - lin_check.c: 'check_linearizable' and the JSON report.
*/
#ifndef DSIM_LIN_H
#define DSIM_LIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "hist.h"

typedef uint64_t lin_state;

/* Positions order a partition's events; an operation whose completion is
** unknown (info, open) returns at 'LIN_POS_INF' and after. */
#define LIN_POS_INF ((uint64_t)1 << 62)

typedef struct lin_op {
    uint64_t call_pos, ret_pos;   /* event order; ret_pos >= LIN_POS_INF: unknown */
    uint64_t a, b;                /* model arguments (value handles, integers) */
    uint64_t out;                 /* model result when 'out_known' */
    uint32_t src;                 /* index into the history's op array */
    uint8_t kind;                 /* model-specific operation code */
    bool out_known;               /* false: info or open, result unknown */
    bool readonly;                /* in every state where it is legal, it
                                     leaves the state unchanged (a read, a
                                     cas that returned false) */
    bool optional;                /* may also never happen (lin_explain's
                                     relaxation); it still cannot take effect
                                     after its completion */
    bool resets;                  /* may replace the state wholesale (a put):
                                     while one could still come first, the
                                     model's 'doomed' test does not apply */
} lin_op;

typedef struct lin_memo lin_memo;

/* What a model may use while preparing and stepping. */
typedef struct lin_ctx {
    hist *h;           /* for interning new values (strings, lists) */
    lin_memo *memo;    /* (state, argument) -> state transition cache */
    void *model_data;  /* a model's own store, created by it on first use */
    void (*model_free)(void *model_data);   /* set with 'model_data' */
    const hist_value *initial;   /* register models' first value; NULL: nil */
} lin_ctx;

/* 0, or -1 when out of memory. 'lin_ctx_free' releases the memo and the
** model's store (not 'h'). */
int lin_ctx_init(lin_ctx *c, hist *h);
void lin_ctx_free(lin_ctx *c);

enum { LIN_PREP_OK = 0, LIN_PREP_SKIP = 1, LIN_PREP_BAD = -1 };

typedef struct lin_model {
    const char *name;
    const char *summary;        /* one line: operations and their meaning */
    /* 'op' is a non-fail operation of 'h'; fills 'out' (kind, a, b, out,
    ** out_known; positions are set by the caller). SKIP: the operation has
    ** no effect and no constraint (a read whose result is unknown). BAD:
    ** 'err' says what the model expected (without the line prefix). */
    int (*prepare)(lin_ctx *c, const hist_op *op, lin_op *out, char *err, size_t cap);
    lin_state (*init)(lin_ctx *c);
    /* Is 'op' legal in state 's'? If so '*next' is the state after it. */
    bool (*step)(lin_ctx *c, lin_state s, const lin_op *op, lin_state *next);
    bool (*equal)(lin_state a, lin_state b);   /* NULL: a == b */
    uint64_t (*hash)(lin_state s);             /* NULL: a mix of the handle */
    /* The state and an operation as short text (JSON-compatible values). */
    void (*describe)(lin_ctx *c, lin_state s, char *buf, size_t cap);
    /* Optional: marks in 'drop' the operations of one partition whose result
    ** is unknown and that may be assumed never to have happened without
    ** changing the verdict (an info write of a value nobody ever observed:
    ** any linearization with it stays one without it). Each one removed
    ** saves the search the many places it could otherwise float to. */
    void (*prune)(lin_ctx *c, const lin_op *ops, size_t n, bool *drop);
    /* Optional: true only if the read-only operation 'ro' (result known)
    ** can never be legal in 's' nor in any state reached from 's' by
    ** operations without 'resets' (a get whose result does not start with
    ** the current string, when only appends can follow). The search then
    ** abandons a state at once when some such operation not yet
    ** linearized could only be preceded by operations without 'resets':
    ** its return would stop every path below. May answer false whenever
    ** unsure. */
    bool (*doomed)(lin_ctx *c, lin_state s, const lin_op *ro);
} lin_model;

extern const lin_model lin_model_register, lin_model_cas_register, lin_model_kv,
    lin_model_counter, lin_model_set, lin_model_queue, lin_model_mutex, lin_model_list_append;

/* NULL when 'name' is not a model; the table ends with NULL. */
const lin_model *lin_model_find(const char *name);
const lin_model *const *lin_models(void);

/* Helpers the models share (model_common.c). */
static inline lin_state lin_handle(const hist_value *v) { return (lin_state)(uintptr_t)v; }
static inline const hist_value *lin_value(lin_state s)
{
    return (const hist_value *)(uintptr_t)s;
}
/* The completion's value when there is one, else the invoke's. */
const hist_value *lin_invoke_value(lin_ctx *c, const hist_op *op);
const hist_value *lin_result_value(lin_ctx *c, const hist_op *op);
bool lin_f_is(lin_ctx *c, const hist_op *op, const char *name);
/* A model that cannot build a state stops the process: a verdict must never
** come from running out of memory. Does not return. */
_Noreturn void lin_out_of_memory(const char *model);
/* Transition cache: 0 when absent (0 is never a stored result handle). */
uint64_t lin_memo_get(lin_memo *m, uint64_t state, uint64_t arg, uint32_t kind);
void lin_memo_put(lin_memo *m, uint64_t state, uint64_t arg, uint32_t kind, uint64_t next);
lin_memo *lin_memo_new(void);
void lin_memo_free(lin_memo *m);

/* --- search ------------------------------------------------------------ */

typedef enum lin_result { LIN_OK, LIN_FAIL, LIN_UNKNOWN } lin_result;

/* All memos of one check together stay under this (with the rest of the
** checker's memory, under 1 GiB): a search that would need more answers
** LIN_UNKNOWN. */
#define LIN_MEMO_BYTES_MAX ((size_t)640 << 20)

typedef struct lin_limits {
    uint64_t states_max;       /* 0: none */
    double deadline;           /* host_seconds() value; 0: none */
} lin_limits;

typedef struct lin_outcome {
    lin_result result;
    uint64_t states;           /* memo entries created */
    /* LIN_FAIL with 'want_prefix': the return event the search could never
    ** pass ('block_op', index into ops) and one linearization of the
    ** longest prefix before it ('prefix', 'prefix_count' op indices). */
    uint32_t block_op;
    uint32_t *prefix;
    size_t prefix_count;
} lin_outcome;

/* Decides whether 'ops' (n operations with positions set) is linearizable
** from 'init'. 'want_prefix' also records the longest linearizable prefix
** (malloc'ed in 'out->prefix'; the caller frees). Returns 0, or -1 when
** out of memory. Never answers LIN_OK unless a linearization was found. */
int lin_search(lin_ctx *c, const lin_model *m, const lin_op *ops, size_t n,
               const lin_limits *lim, bool want_prefix, lin_outcome *out);

/* The same search, resumable: 'lin_run_continue' searches until the memo
** holds 'states_max' entries in all (0: only the memory cap) or host time
** passes 'deadline' (0: none), then reports; LIN_UNKNOWN means "call again
** with a bigger budget to go on" (nothing is redone). 'out->prefix' stays
** owned by the run (valid until the next call or 'lin_run_free'). */
typedef struct lin_run lin_run;
lin_run *lin_run_new(lin_ctx *c, const lin_model *m, const lin_op *ops, size_t n,
                     bool want_prefix);
/* 'memo_bytes_max' (0: LIN_MEMO_BYTES_MAX) bounds this run's memo. */
int lin_run_continue(lin_run *r, uint64_t states_max, size_t memo_bytes_max, double deadline,
                     lin_outcome *out);
void lin_run_free(lin_run *r);

/* Explains why 'ops' (sorted by call, not linearizable, the search
** stopped furthest at the return of 'block_op') fail: the core, a set of
** operations that cannot be linearized as observed even when every other
** operation called before the block is relaxed (may not have happened;
** see lin_explain.c), and from which no operation can be relaxed when the
** budget allows ('minimal' says whether it was reached). 'keep' receives
** the core's indices into 'ops' (malloc'ed). 'deadline': host_seconds()
** value, 0 for none. Returns 0 or -1 when out of memory. */
int lin_explain(lin_ctx *c, const lin_model *m, const lin_op *ops, size_t n,
                uint32_t block_op, double deadline, uint32_t **keep,
                size_t *keep_count, bool *minimal);

/* The state account of a failing partition (lin_why.c): 'prefix' (count
** indices into 'ops') is the search's longest linearizable order,
** 'block_op' the operation it could not pass, 'core' the operations that
** cannot be linearized together. Indices are into 'ops', -1 when none.
** Returns 0, or -1 when out of memory. */
typedef struct lin_why_out {
    bool ok;                   /* false: no account (the replay failed) */
    long anchor;               /* last core operation in the order */
    long set_by;               /* last operation, up to it, that changed the state */
    char state[128];           /* the state after the anchor (the model's describe) */
    bool legal_there;          /* the blocked operation is legal in that state */
    long ended_by;             /* made the blocked operation impossible */
    char needs[128];           /* the last state in which it was legal */
} lin_why_out;
int lin_why(lin_ctx *c, const lin_model *m, const lin_op *ops, size_t n,
            const uint32_t *prefix, size_t count, uint32_t block_op,
            const uint32_t *core, size_t core_count, lin_why_out *out);

/* --- partitions --------------------------------------------------------- */

typedef struct lin_part {
    const char *key;           /* NULL: the history has no keys */
    lin_op *ops;               /* by call position */
    size_t count;
} lin_part;

typedef struct lin_parts {
    lin_part *parts;           /* sorted by key text */
    size_t count;
    hist_op *hops;             /* the paired history operations */
    size_t hop_count;
    size_t dropped;            /* fail operations and skipped reads */
} lin_parts;

/* Pairs, prepares and partitions 'h' under 'm'. Returns 0, or -1 with
** "SOURCE:LINE: ..." in 'err' (bad input). */
int lin_partition(lin_ctx *c, const lin_model *m, lin_parts *out, char *err, size_t cap);
void lin_parts_free(lin_parts *p);

/* Verdict only, no report: for 'dsim bench check' and the tests. Returns
** CHECK_OK, CHECK_VIOLATION, CHECK_UNKNOWN or CHECK_BAD_INPUT. */
check_verdict lin_check_hist(hist *h, const lin_model *m, const check_budget *budget,
                             uint64_t *states, char *err, size_t cap);
/* The same with the full report of 'dsim check' in 'report' (the format
** named in it is 'fmt'; 'recording_only' as in check_lin_options): for
** 'dsim bench check'. */
check_verdict lin_report_hist(hist *h, const lin_model *m, hist_format fmt,
                              const check_budget *budget, bool recording_only, json_t *report,
                              char *err, size_t cap);

#endif

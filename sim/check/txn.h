/*
** txn.h — the transactional isolation checker (issue 13), after Jepsen's
** Elle (Kingsbury and Alvaro, VLDB 2021) and Adya's anomalies.
**
** Reading order of the files:
**   txn_hist.c   a parsed history (hist.h) -> transactions and their
**                micro-operations; the shape checks (bad input, exit 2)
**   txn_infer.c  version orders per key (list-append: the longest read and
**                prefix consistency; rw-register: the initial state and
**                write-follows-read), the anomalies that are not cycles
**                (G1a, G1b, internal, duplicate elements, incompatible
**                orders, garbage reads, lost appends) and the dependency
**                edges ww, wr, rw, process and real time
**   txn_graph.c  the graph (CSR), Tarjan's SCCs, the cycle searches (BFS
**                for the shortest cycle through an edge of the wanted kind)
**   txn_check.c  anomaly and model registries, verdicts, explanations,
**                the JSON report and its text form; 'check_txn'
**   txn_bench.c  generated histories for 'dsim bench check'
**
** Invariants
** - A transaction is "in" the graph when it is known to have happened: ok,
**   or info with one of its writes observed by an ok read. Failed ones
**   never are (a failed transaction did not happen).
** - Every edge joins two "in" transactions and is never a self-loop.
** - Element identity is the hist_value id (values are hash-consed), keys
**   likewise; writes must be unique per key (else bad input).
*/
#ifndef DSIM_TXN_H
#define DSIM_TXN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "check.h"
#include "hist.h"

/* --- workloads and micro-operations ---------------------------------- */

typedef enum txn_workload { TXN_WL_APPEND, TXN_WL_RW, TXN_WL_AUTO } txn_workload;

typedef struct txn_workload_def {
    const char *name;        /* "txn-append", "txn-rw" */
    txn_workload workload;
    const char *summary;
} txn_workload_def;
extern const txn_workload_def txn_workloads[];   /* ends with a NULL name */

typedef enum txn_mop_kind { TXN_MOP_READ, TXN_MOP_APPEND, TXN_MOP_WRITE } txn_mop_kind;

typedef struct txn_mop {
    txn_mop_kind kind;
    const hist_value *key;
    const hist_value *arg;   /* append/write: the value; read: the result
                                (nil: empty or initial), NULL when unknown */
} txn_mop;

typedef struct txn {
    uint32_t mop_first, mop_count;   /* into 'txn_hist.mops' */
    int64_t process;
    hist_status status;
    size_t invoke_pos;               /* event index of the invocation */
    size_t complete_pos;             /* event index of the completion, or
                                        HIST_NO_EVENT (open) */
} txn;

typedef struct txn_hist {
    const hist *h;
    txn_workload workload;
    size_t count;                    /* transactions, by invocation order */
    txn *txns;
    size_t mop_count;
    txn_mop *mops;
    uint32_t value_id_max;           /* largest hist_value id in any mop */
} txn_hist;

/* Builds the transactions of 'h' (pairing included). 'want' may be AUTO:
** then any "w" micro-operation makes it rw-register, else list-append.
** Returns 0, or -1 with "SOURCE:LINE: what was expected" in 'err'. */
int txn_hist_build(const hist *h, txn_workload want, txn_hist *out, char *err, size_t cap);
void txn_hist_free(txn_hist *th);

/* --- anomalies ---------------------------------------------------------- */

typedef enum txn_anomaly {
    TXN_G0, TXN_G1C, TXN_GSINGLE, TXN_GNONADJ, TXN_G2ITEM,          /* cycles */
    TXN_G0_P, TXN_G1C_P, TXN_GSINGLE_P, TXN_GNONADJ_P, TXN_G2ITEM_P, /* -process */
    TXN_G0_RT, TXN_G1C_RT, TXN_GSINGLE_RT, TXN_GNONADJ_RT, TXN_G2ITEM_RT, /* -realtime */
    TXN_G1A, TXN_G1B, TXN_INTERNAL, TXN_DUPLICATE, TXN_INCOMPATIBLE, TXN_GARBAGE,
    TXN_LOST_APPEND, TXN_NONREPEATABLE,
    TXN_ANOMALY_COUNT_
} txn_anomaly;

enum { TXN_CYCLE_KINDS = 5 };   /* G0, G1c, G-single, G-nonadjacent, G2-item */

typedef struct txn_anomaly_def {
    const char *name;        /* "G-single-realtime" */
    txn_anomaly anomaly;
    const char *summary;     /* one sentence for students */
} txn_anomaly_def;
extern const txn_anomaly_def txn_anomalies[];   /* ends with a NULL name */

typedef struct txn_model_def {
    const char *name;        /* "snapshot-isolation" */
    uint32_t forbidden;      /* bit (1u << txn_anomaly) per forbidden anomaly */
    const char *summary;
} txn_model_def;
extern const txn_model_def txn_models[];   /* ends with a NULL name */
const txn_model_def *txn_model_find(const char *name);

/* --- inference (txn_infer.c) ------------------------------------------ */

enum {
    TXN_EDGE_WW = 1, TXN_EDGE_WR = 2, TXN_EDGE_RW = 4, TXN_EDGE_PROCESS = 8,
    TXN_EDGE_REALTIME = 16, TXN_EDGE_ALL = 31
};

typedef struct txn_edge { uint32_t from, to; uint32_t kinds; } txn_edge;

/* At most this many edges (12 bytes each, and as much again in the graph):
** a history that needs more (quadratic cases: a million reads of a key
** before a million unread appends to it, a crowd of transactions all
** concurrent) keeps the first ones and leaves every cycle kind it did not
** find unknown, never absent. */
enum { TXN_EDGES_MAX = 1 << 25 };

/* A non-cycle anomaly: the transaction and micro-operation that show it,
** and the other transaction involved (UINT32_MAX when none). */
typedef struct txn_finding {
    txn_anomaly anomaly;
    uint32_t txn, mop;
    uint32_t other, other_mop;
    const hist_value *element;   /* the element or value concerned, or NULL */
} txn_finding;

typedef struct txn_key_order {
    uint32_t count;              /* observed elements, in version order */
    const hist_value *const *elements;
    uint32_t source_txn;         /* the transaction whose read shows it */
    bool broken;                 /* incompatible orders or duplicates: no ww/rw */
} txn_key_order;

typedef struct txn_infer {
    const txn_hist *th;
    bool *in;                    /* per transaction: known to have happened */
    size_t edge_count, edge_cap;
    txn_edge *edges;
    bool edges_dropped;          /* TXN_EDGES_MAX was reached */
    size_t finding_count, finding_cap;
    txn_finding *findings;
    size_t key_count;
    txn_key_order *orders;       /* per dense key index (list-append) */
    uint32_t *key_index;         /* per hist_value id: dense key index + 1, or 0 */
    void *writes;                /* private: (key, value) -> writing mop */
    uint32_t *mop_txn;           /* per mop: its transaction */
} txn_infer;

/* Infers orders, findings and edges. Returns 0, -1 on bad input (a value
** written twice to one key; 'err' names the line) or -2 out of memory. */
int txn_infer_run(const txn_hist *th, txn_infer *inf, char *err, size_t cap);
void txn_infer_free(txn_infer *inf);
/* The mop that wrote 'value' to 'key' (UINT32_MAX when nobody did). */
uint32_t txn_infer_writer(const txn_infer *inf, const hist_value *key, const hist_value *value);
/* The dense key index of 'key', or UINT32_MAX. */
uint32_t txn_infer_key(const txn_infer *inf, const hist_value *key);

/* --- graph and cycles (txn_graph.c) -------------------------------------- */

typedef struct txn_step { uint32_t txn; uint32_t kind; } txn_step;   /* edge to the next */

typedef struct txn_cycle {
    txn_anomaly anomaly;         /* classified from its edges */
    uint32_t len;
    txn_step *steps;             /* steps[i].kind: the edge steps[i] -> steps[i+1 mod len] */
} txn_cycle;

typedef struct txn_cycles {
    size_t count, cap;
    txn_cycle *items;
    uint32_t found;              /* anomaly bits found */
    uint32_t unknown;            /* anomaly bits whose search ran out of budget */
    uint64_t work;               /* edges relaxed by the searches */
} txn_cycles;

/* Finds cycles of every kind in the edges of 'inf' (at most 'per_kind_max'
** reported per anomaly; the search stops after 'budget' edge relaxations
** or the deadline, leaving the unsearched kinds unknown). -1 on OOM. */
int txn_cycles_find(const txn_infer *inf, const check_budget *budget, size_t per_kind_max,
                    txn_cycles *out);
void txn_cycles_free(txn_cycles *c);
/* The anomaly a cycle with these edge kinds shows (the most specific). */
txn_anomaly txn_cycle_classify(const txn_step *steps, uint32_t len);

/* --- the whole check (txn_check.c) --------------------------------------- */

typedef struct txn_result {
    uint32_t found, unknown;     /* anomaly bits */
    check_verdict verdict;       /* for the requested models */
} txn_result;

/* Checks 'h' under the comma-separated 'models' (NULL: strict-serializable).
** 'report' may be NULL (verdict only). Bad input: CHECK_BAD_INPUT with
** 'err' set. */
check_verdict txn_check_hist(const hist *h, txn_workload wl, const char *models,
                             const check_budget *budget, json_t *report, txn_result *res,
                             char *err, size_t cap);
/* Text form of a report (dsim check). */
void txn_print_text(const json_t *report, FILE *out);

/* --- bench (txn_bench.c) ------------------------------------------------- */

/* Writes a list-append history of 'count' transactions (4 micro-operations
** each, 'processes' processes) that is strict-serializable, from 'seed'. */
int txn_bench_write(FILE *f, size_t count, int processes, uint64_t seed);
json_t *txn_bench_default(void);
void txn_bench_print(const json_t *b, FILE *out);

#endif

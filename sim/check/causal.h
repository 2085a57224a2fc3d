/*
** causal.h — internal interface of the causal-consistency checker
** (causal_hist.c, causal_co.c, causal_cm.c, causal.c, causal_bench.c) and
** of the sequential-consistency checker that reuses its history (seq.c).
**
** The checker decides causal consistency (CC), causal memory (CM) and
** causal convergence (CCv) of a differentiated read/write register history
** by looking for the bad patterns of Bouajjani, Enea, Guerraoui and Hamza,
** "On verifying causal consistency" (POPL 2017):
**   all three:  CyclicCO, WriteCOInitRead, ThinAirRead, WriteCORead
**   CM adds:    WriteHBInitRead, CyclicHB      (per-operation hb_o)
**   CCv adds:   CyclicCF                       (conflict relation CF)
** where co = (po U rf)+. A history satisfies the criterion iff none of its
** patterns occurs.
**
** Representation ('causal_history'):
** - Operation ids follow the input (invocation) order, so an operation,
**   the write it reads and what it saw last sit close together in memory:
**   on big histories the random accesses of the analysis then mostly hit
**   the cache. Each op knows its session (a session is a process) and its
**   position 'pos' there; 'session_ops[session_start[s] + pos]' is the id
**   of the operation at 'pos' in session 's' (the "slot" of that id). A set
**   closed under program order is a vector of prefix lengths, one per
**   session (a vector clock).
** - Keys are dense indices; values are the history's hash-consed value ids,
**   with 0 (nil) the initial value of every key. A read's 'writer' is the
**   id of the only write of its (key, value), CAUSAL_INIT for a read of the
**   initial value, CAUSAL_THIN_AIR when no write wrote that value.
** - 'key_writes[key_write_start[k] .. key_write_start[k+1])' lists the
**   slots of the writes of key 'k' in increasing order, that is by
**   (session, pos): the last write of a key in a session before a position
**   is one binary search.
**
** Vector clocks: 'vc[o * n_sessions + s]' is the number of operations of
** session 's' in the causal past of 'o' (inclusive), so a <co b iff
** a != b and vc[b][session(a)] > pos(a). Memory is n_ops * n_sessions
** words; CAUSAL_VC_WORDS_MAX bounds it (exceeding it is bad input).
*/
#ifndef DSIM_CAUSAL_H
#define DSIM_CAUSAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "check.h"
#include "hist.h"

#define CAUSAL_INIT ((int32_t)-1)
#define CAUSAL_THIN_AIR ((int32_t)-2)
/* 2^27 words = 512 MiB of vector clocks at most. */
#define CAUSAL_VC_WORDS_MAX ((uint64_t)1 << 27)

typedef struct causal_op {
    uint32_t session;     /* dense session index */
    uint32_t pos;         /* position in the session (program order) */
    uint32_t key;         /* dense key index */
    uint32_t value;       /* value id; 0 is the initial value (nil) */
    int32_t writer;       /* reads: writer id, CAUSAL_INIT or CAUSAL_THIN_AIR */
    bool is_write;
    bool info;            /* a write that completed 'info' (kept: it was read) */
    uint32_t line;        /* source line of the invocation, 0 in memory */
    uint32_t index;       /* index of the operation in the input (pairing order) */
    const hist_value *hv; /* the value's node in 'src', or NULL (in memory) */
} causal_op;

/* The fields the analysis reads, packed (16 bytes, not 40): on big
** histories the hot loops touch these rather than 'ops'. */
typedef struct causal_loc {
    uint32_t pos;
    uint16_t session;     /* at most UINT16_MAX sessions (checked when built) */
    uint8_t is_write;
    uint8_t spare;
    uint32_t key;
    int32_t writer;       /* as in causal_op */
} causal_loc;

typedef struct causal_history {
    causal_op *ops;
    causal_loc *loc;             /* n_ops entries: a hot copy from 'ops' */
    uint32_t n_ops;
    uint32_t n_sessions;
    uint32_t *session_start;     /* n_sessions + 1 entries: slot ranges */
    uint32_t *session_ops;       /* n_ops entries: slot -> operation id */
    int64_t *session_process;    /* the process id of each session */
    uint32_t n_keys;
    const char **key_names;      /* "" for the keyless single register */
    uint32_t *key_write_start;   /* n_keys + 1 entries */
    uint32_t *key_writes;        /* write slots grouped by key, ascending */
    uint32_t *key_session_start; /* NULL, or n_keys * n_sessions + 1 entries:
                                 ** where key k's writes in session s start
                                 ** in 'key_writes' (k * n_sessions + s) */
    const hist *src;             /* for value text; may be NULL (then ids) */
} causal_history;

/* --- building (causal_hist.c) ------------------------------------------ */

/* One operation as the builder takes it: the in-memory form used by tests
** and generators, and by the adapter from a parsed 'hist'. */
typedef struct causal_input_op {
    int64_t process;
    bool is_write;
    bool info;            /* write with unknown outcome (read => it happened) */
    uint32_t key;         /* dense key index, < n_keys */
    uint32_t value;       /* 0 = initial value; writes must not write 0 */
    uint32_t line;
    uint32_t index;
    const hist_value *hv; /* optional: the value's node, for messages */
} causal_input_op;

/* Builds 'out' from 'in' (any order of processes; per-process order is
** program order). Unread info writes are dropped. Returns 0, or -1 with a
** message in 'err' (duplicate written value, write of the initial value,
** too many sessions for vector clocks, out of memory). 'key_names' is
** borrowed (n_keys entries) and must outlive 'out'. */
int causal_build(causal_history *out, const causal_input_op *in, size_t n,
                 uint32_t n_keys, const char **key_names, const hist *src,
                 const char *source, char *err, size_t err_cap);

/* Reads a parsed history: pairs it, keeps ok reads and writes (f read/r/get,
** write/w/put), drops fail, keeps info writes that are read. */
int causal_from_hist(causal_history *out, const hist *h, char *err, size_t err_cap);

/* Parses 'text' in 'format' ("auto" when NULL) and builds the causal view:
** 0 with '*hh' and 'out' to free (causal_history_free, hist_free), or -1
** with 'err' set (bad input) and nothing to free. */
int causal_load(const char *text, size_t len, const char *source, const char *format,
                hist **hh, causal_history *out, char *err, size_t err_cap);

void causal_history_free(causal_history *h);

static inline uint32_t causal_id(const causal_history *h, uint32_t s, uint32_t pos)
{
    return h->session_ops[h->session_start[s] + pos];
}

static inline uint32_t causal_session_len(const causal_history *h, uint32_t s)
{
    return h->session_start[s + 1] - h->session_start[s];
}

/* The last write of 'key' in session 's' at a position < 'pos_end', or -1. */
int32_t causal_last_write_before(const causal_history *h, uint32_t key, uint32_t s,
                                 uint32_t pos_end);
/* The first write of 'key' in session 's', or -1. */
int32_t causal_first_write(const causal_history *h, uint32_t key, uint32_t s);

/* --- patterns ------------------------------------------------------------ */

typedef enum causal_pattern {
    CAUSAL_CYCLIC_CO,
    CAUSAL_WRITE_CO_INIT_READ,
    CAUSAL_THIN_AIR_READ,
    CAUSAL_WRITE_CO_READ,
    CAUSAL_WRITE_HB_INIT_READ,
    CAUSAL_CYCLIC_HB,
    CAUSAL_CYCLIC_CF,
    CAUSAL_PATTERN_COUNT
} causal_pattern;

enum { CAUSAL_CC = 1, CAUSAL_CM = 2, CAUSAL_CCV = 4, CAUSAL_ALL = 7 };

/* How one witness operation relates to the next one in 'ops' (for cycles)
** or what role it plays (for the other patterns). */
typedef enum causal_edge {
    CAUSAL_E_NONE,    /* a role only; see the pattern's comment in causal.c */
    CAUSAL_E_PO,      /* program order (same session, earlier) */
    CAUSAL_E_RF,      /* the next operation reads from this write */
    CAUSAL_E_CO,      /* causal order (po U rf)+ */
    CAUSAL_E_HB,      /* hb_o (derived: see causal_cm.c) */
    CAUSAL_E_CF,      /* conflict: this write is co-before a read of the next */
} causal_edge;

typedef struct causal_witness {
    causal_pattern pattern;
    uint32_t n;               /* operations in 'ops' */
    uint32_t *ops;            /* malloc'ed operation ids */
    causal_edge *edges;       /* malloc'ed; edges[i] links ops[i] to ops[i+1]
                              ** (the last links back to ops[0] in a cycle) */
    int32_t *vias;            /* malloc'ed; a CF or HB edge's justifying read, or -1 */
    int32_t o;                /* CM patterns: the operation o of hb_o; else -1 */
} causal_witness;

/* Allocates 'n' slots (edges CAUSAL_E_NONE, vias -1, o -1); 0 or -1. */
int causal_witness_make(causal_witness *w, causal_pattern p, uint32_t n);
void causal_witness_free(causal_witness *w);

/* The result of one analysis: at most one witness per pattern. */
typedef struct causal_result {
    bool found[CAUSAL_PATTERN_COUNT];
    causal_witness w[CAUSAL_PATTERN_COUNT];
    double ms[3];             /* time spent on cc, cm, ccv patterns (host) */
} causal_result;

/* Runs the patterns of 'criteria' (CAUSAL_CC | CAUSAL_CM | CAUSAL_CCV).
** Returns 0, or -1 when out of memory. */
int causal_analyse(const causal_history *h, unsigned criteria, causal_result *r);
void causal_result_free(causal_result *r);
/* Whether the history satisfies one criterion given a result that covered it. */
bool causal_holds(const causal_result *r, unsigned criterion);
const char *causal_pattern_name(causal_pattern p);

/* Vector clocks of co (causal_co.c): fills 'vc' (n_ops * n_sessions);
** returns 0, 1 when co is cyclic (witness in 'w'), -1 out of memory. */
int causal_co_clocks(const causal_history *h, uint32_t *vc, causal_witness *w);
/* The CC patterns other than CyclicCO, given the clocks. */
int causal_cc_patterns(const causal_history *h, const uint32_t *vc, causal_result *r);
/* CyclicCF (CCv), given the clocks. */
int causal_cf_pattern(const causal_history *h, const uint32_t *vc, causal_result *r);
/* WriteHBInitRead and CyclicHB (CM), given the clocks (causal_cm.c). */
int causal_cm_patterns(const causal_history *h, const uint32_t *vc, causal_result *r);

/* --- shared graph machinery (causal_co.c) -------------------------------- */

/* Extra edges beside po and rf, for a topological pass over sessions. */
typedef struct causal_edges {
    uint32_t n, cap;
    uint32_t *src, *dst, *via;     /* via: the read that justifies the edge */
    causal_edge kind;
} causal_edges;

int causal_edges_push(causal_edges *e, uint32_t src, uint32_t dst, uint32_t via);
void causal_edges_free(causal_edges *e);

/* Topological pass over the operations within 'limit' (per-session prefix
** lengths; NULL: everything) along po, rf and 'extra'. Fills 'vc' when not
** NULL. Returns 0 (acyclic), 1 (a cycle, described in 'w' when not NULL),
** -1 out of memory. */
int causal_topo(const causal_history *h, const uint32_t *limit, const causal_edges *extra,
                uint32_t *vc, causal_witness *w);

/* --- reporting (causal.c) ------------------------------------------------ */

/* JSON of one operation: {"index","process","f","key","value","line"}. */
json_t *causal_op_json(const causal_history *h, uint32_t id);
/* {"pattern","explanation","ops":[...],"edges":[...],"o"?} of a witness. */
json_t *causal_witness_json(const causal_history *h, const causal_witness *w);
/* "write x 3 (process 1, line 7)" into 'buf'. */
void causal_op_text(const causal_history *h, uint32_t id, char *buf, size_t cap);

/* Prints a causal or sequential report (its "source", verdict, "text"). */
void causal_print_text(const json_t *report, FILE *out);

/* --- sequential consistency (seq.c) ------------------------------------- */

/* 'check_sequential' on a history already built (tests). */
check_verdict seq_check_history(const causal_history *h, const check_budget *budget,
                                json_t *report, char *err, size_t err_cap);

/* --- benchmark (causal_bench.c) ------------------------------------------ */

/* Writes a generated causally consistent history of 'n_ops' operations (8
** sessions, 100 keys) as JSON lines to 'f'. Returns 0, or -1 on a write
** error. The same seed and size always give the same text. */
int causal_bench_generate(FILE *f, uint64_t seed, uint32_t n_ops);
/* For each size, generates a history from 'seed' (+ its index), times
** reading and parsing it and checking it; returns the JSON list
** [{"ops","parse_ms","check_ms","criteria":["cc","cm","ccv"],"cc_ms",
** "cm_ms","ccv_ms","valid",...}], or NULL on failure. */
json_t *causal_bench_json(uint64_t seed, const uint32_t *sizes, size_t n_sizes);
/* The figures: sizes 10^3, 10^4, 10^5 from a fixed seed. */
json_t *causal_bench_default(void);
/* One line per size, from the list 'causal_bench_json' returned. */
void causal_bench_print(const json_t *list, FILE *out);

#endif

/*
** check.h — the entry points through which the kernel (c:check in Lua) and
** the command line ('dsim check', 'dsim bench check') reach the checkers.
**
** Checkers read history text only (JSON lines of DESIGN.md, EDN, or the
** Porcupine corpus formats), never kernel structures, so they can be built
** and tested without a running world. Each fills 'report' (a JSON object it
** owns the keys of) with at least "valid": true | false | "unknown" and,
** on a violation, what explains it.
*/
#ifndef DSIM_CHECK_H
#define DSIM_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

typedef enum check_verdict {
    CHECK_OK = 0,          /* the property holds */
    CHECK_VIOLATION = 1,   /* it does not; 'report' says why */
    CHECK_BAD_INPUT = 2,   /* the history is malformed; 'err' says where */
    CHECK_UNKNOWN = 3,     /* the budget ran out before an answer */
} check_verdict;

typedef struct check_budget {
    uint64_t states_max;   /* 0: no bound */
    double seconds_max;    /* 0: no bound (host time; only ends a search) */
} check_budget;

/* Linearizability of 'text' (JSON lines unless 'format' says otherwise:
** "auto", "json", "edn", "etcd", "kv") under 'model' ("register",
** "cas-register", "kv", "counter", "set", "queue", "mutex"). 'source' names
** the input in messages ("run.jsonl"). */
check_verdict check_linearizable(const char *text, size_t len, const char *source,
                                 const char *format, const char *model,
                                 const check_budget *budget, json_t *report,
                                 char *err, size_t err_cap);

/* The same with options: 'initial' is the register's first value as EDN or
** JSON text ("0", "nil"; NULL: nil) for "register" and "cas-register"
** (Knossos starts its register at 0: '(cas-register 0)'); any other model
** with an 'initial' is bad input. 'recording_only' (internal, for the
** tests) builds the report from the search that records the longest
** prefix alone, without the verdict-only search that normally runs first
** (lin_check.c, 'decide_report'): the report is the same but for the
** states of a linearizable history. */
typedef struct check_lin_options {
    const char *initial;
    bool recording_only;
} check_lin_options;
check_verdict check_linearizable_opts(const char *text, size_t len, const char *source,
                                      const char *format, const char *model,
                                      const check_budget *budget,
                                      const check_lin_options *opts, json_t *report,
                                      char *err, size_t err_cap);

/* Causal consistency of a differentiated register history: 'criterion' is
** "cc", "cm", "ccv" or "all" (all three reported). */
check_verdict check_causal(const char *text, size_t len, const char *source,
                           const char *format, const char *criterion,
                           json_t *report, char *err, size_t err_cap);

/* Sequential consistency of a register/kv history, with a budget. */
check_verdict check_sequential(const char *text, size_t len, const char *source,
                               const char *format, const check_budget *budget,
                               json_t *report, char *err, size_t err_cap);

/* Convergence: 'replicas' is a JSON array of objects (one per replica, in
** node order, each a key -> value map of its final state). */
check_verdict check_convergence(const json_t *replicas, json_t *report);
/* The same where each replica lists only the keys it holds: a key is
** compared among the replicas that list it. */
check_verdict check_convergence_held(const json_t *replicas, bool held, json_t *report);

/* Mutual exclusion of lock holders (mutex.c): 'events' is the run's
** emitted protocol events [{t, node, name, fields}]; 'args' may hold
** "fencing", "liveness_ms", "wakeups_per_acquire_max" and "t_end" (ns). */
check_verdict check_mutex(const json_t *events, const json_t *args, json_t *report);

/* ZooKeeper's guarantees from a coordination service's kv clients
** (zk_check.c): 'events' as for check_mutex, reading 'zk_op' events; all
** reads and writes sequentially consistent, writes and reads after sync
** linearizable. */
check_verdict check_zk(const json_t *events, const json_t *args, json_t *report, char *err,
                       size_t err_cap);

/* Consensus on one value (consensus.c): clients propose with 'write v'
** (ok: v was chosen) and learn with 'read'; everyone who learnt a value
** learnt the same one, and somebody proposed it. */
check_verdict check_consensus(const char *text, size_t len, const char *source, json_t *report,
                              char *err, size_t err_cap);

/* Workload checkers (Jepsen's): text in, like the ones above; 'format' as
** for check_linearizable. counter.c: every read between the acknowledged
** and the attempted sums. set_full.c: no acknowledged add lost (and, with
** 'linearizable', none missed by a read that began after it); queue_total.c:
** every dequeue was enqueued, none twice, none acknowledged lost. */
check_verdict check_counter(const char *text, size_t len, const char *source, const char *format,
                            json_t *report, char *err, size_t cap);
check_verdict check_set_full(const char *text, size_t len, const char *source, const char *format,
                             bool linearizable, json_t *report, char *err, size_t cap);
check_verdict check_total_queue(const char *text, size_t len, const char *source, const char *format,
                                json_t *report, char *err, size_t cap);
/* lost_update.c: a register's acknowledged write is never forgotten by the
** last read after it (a read of a value it overwrote, or of nothing);
** with 'every_read', by no read after it. */
check_verdict check_lost_update(const char *text, size_t len, const char *source, const char *format,
                                bool every_read, json_t *report, char *err, size_t cap);

/* resize.c: every "resize" read the version its message announced or a
** newer one (demo C5); stale thumbnails that no later message fixes are
** listed under "permanent". */
check_verdict check_resize(const char *text, size_t len, const char *source, const char *format,
                           json_t *report, char *err, size_t cap);

/* Jepsen's bank checker (bank.c): every ok read of all balances sums to
** 'total' (< 0: the first ok read's sum) and, unless 'allow_negative',
** shows no negative balance. */
check_verdict check_bank(const char *text, size_t len, const char *source, const char *format,
                         int64_t total, bool allow_negative, json_t *report, char *err, size_t cap);

/* Session guarantees (session.c): read-your-writes, monotonic reads,
** monotonic writes, writes-follow-reads per Jepsen process, and
** consistent prefix over multi-key reads, of a register/kv history
** (read, write, cas; txn with rw-register micro-ops). report: "valid",
** "kept", "violated", and per guarantee (and "together") its verdict
** with the operations and the cycle of constraints that refutes it. */
check_verdict check_session(const char *text, size_t len, const char *source, const char *format,
                            json_t *report, char *err, size_t cap);

/* Whether a transactional history is in Elle's shape: every event f "txn"
** with a list of [f k v] micro-ops (append/r/w). CHECK_OK (report: txns,
** mops) or CHECK_BAD_INPUT with "SOURCE:LINE: expected ..." in 'err'. It
** judges no isolation level: that is the txn checker's. */
check_verdict check_elle_shape(const char *text, size_t len, const char *source, const char *format,
                               json_t *report, char *err, size_t cap);

/* dsim's JSON-lines history as Jepsen EDN (hist_edn_write.c): a malloc'ed
** text and its length, or NULL with "history:LINE: ..." in 'err'. */
char *check_history_to_edn(const char *text, size_t len, size_t *out_len, char *err, size_t cap);

/* Transactional isolation (txn.h): 'workload' is "txn-append", "txn-rw" or
** NULL (guessed from the micro-operations); 'models' a comma-separated
** list of consistency models (NULL: strict-serializable). */
check_verdict check_txn(const char *text, size_t len, const char *source, const char *format,
                        const char *workload, const char *models, const check_budget *budget,
                        json_t *report, char *err, size_t cap);

#endif

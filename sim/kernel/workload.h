/*
** workload.h — the workload registry: what simulated clients ask for.
**
** A workload is one file (workload_NAME.c) and one line in 'workloads'
** (workload.c). It says how a client draws its next operation from its own
** stream, how the operation is written in the history (Jepsen's shape:
** the invoke's value, and the completion's value from the protocol's
** result), and which checks and model judge it by default. Its parameters
** are integer fields of 'workload_cfg', named and bounded in its table;
** scenarios set them in the 'clients' table, `dsim list workloads` prints
** them.
**
** Invariants:
** - A generator draws only from the client's stream and changes only the
**   world's workload state ('workload_state'), so the same seed gives the
**   same operations in the same order.
** - Every value a generator writes, adds, appends or enqueues is unique
**   per key (per workload for sets and queues), so histories are
**   differentiated; only the set's removes (remove > 0) add a removed
**   element again.
** - History values are JSON text; the history writer frames them.
*/
#ifndef DSIM_WORKLOAD_H
#define DSIM_WORKLOAD_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "dsim.h"
#include "rng.h"

typedef struct workload_cfg workload_cfg;
typedef struct workload workload;

/* One integer parameter of a workload: the 'workload_cfg' int at 'offset'. */
typedef struct workload_param {
    const char *name;
    size_t offset;
    int def, min, max;
    const char *help;
} workload_param;

/* A message between clients (workload "resize": the queue beside the store). */
typedef struct wl_msg {
    uint32_t key, token;
    int64_t version;
} wl_msg;
#define WL_MQ_MAX 64

/* What generators share across clients (key rotation, unique values). */
typedef struct workload_state {
    int64_t next_value[DSIM_STORE_KEYS];   /* per key: last value handed out */
    int32_t writes[DSIM_STORE_KEYS];       /* per key: writes handed out */
    uint32_t active[DSIM_STORE_KEYS];      /* the keys a txn may use now */
    uint32_t fresh;                        /* the next key never used */
    int64_t removed[8];                    /* set: elements removed, to add again */
    uint32_t removed_n;
    uint32_t final_next;                   /* kv's final reads: the next key to read */
    wl_msg mq[WL_MQ_MAX];                  /* resize: the message queue, a ring */
    uint32_t mq_head, mq_len, mq_held;     /* held: taken by a resizer, not yet done */
} workload_state;

/* A growing text buffer for history values (workload_out). */
typedef struct wl_text {
    char *p;
    size_t len, cap;
} wl_text;
void wl_printf(wl_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends 'len' bytes of 's'; an integer as "%" PRId64 prints it. */
void wl_put(wl_text *t, const char *s, size_t len);
void wl_put_int(wl_text *t, int64_t v);
/* Writes "%" PRId64 of 'v' at 'p' (at most WL_INT_MAX bytes, no NUL);
** returns the end. */
#define WL_INT_MAX 20
char *wl_fmt_int(char *p, int64_t v);

struct workload {
    const char *name;
    const char *summary;
    const workload_param *params;    /* ends with {NULL} */
    const char *model;               /* linearizability model, NULL: none */
    const char *const *checks;       /* c:check names that judge it by default */
    bool keyed;                      /* events carry "key" when keys > 1 */
    /* The store's initial state (dsim_store_init), or NULL: none. */
    void (*init)(const workload_cfg *cfg, dsim_store *s);
    /* Checks parameters against each other: 0, or -1 with a message. */
    int (*validate)(const workload_cfg *cfg, char *err, size_t cap);
    /* Fills op->f, key, value, value2 and the micro-ops ('now_ns': true
    ** virtual time, for phases such as a queue's final drain). */
    void (*generate)(const workload_cfg *cfg, workload_state *st, rng *r, int64_t now_ns, dsim_op *op);
    /* Optional: true when 'client' (0-based) has nothing to ask now (a
    ** consumer with an empty queue): it skips this turn and thinks again. */
    bool (*idle)(const workload_cfg *cfg, const workload_state *st, int client);
    /* Optional: told of each completed operation: 'ok' or not (fail,
    ** info), and the session token its reply carried (0: none). */
    void (*done)(const workload_cfg *cfg, workload_state *st, const dsim_op *op, bool ok, uint32_t token);
    /* The history's 'f' of 'op'. */
    const char *(*f_name)(const dsim_op *op);
    /* The invoke's value (res == NULL), or an ok completion's (res set). */
    void (*value)(const dsim_op *op, const dsim_result *res, wl_text *out);
};

/* The registry, NULL-terminated, in workload.c. */
extern const workload *const workloads[];
const workload *workload_find(const char *name);
/* Sets every parameter of 'wl' in 'cfg' to its default. */
void workload_defaults(const workload *wl, workload_cfg *cfg);
int *workload_param_slot(workload_cfg *cfg, const workload_param *p);
/* {name, summary, params: [{name, type, default, min, max, help}], checks,
** model} for `dsim list workloads --json`. */
json_t *workload_json(const workload *wl);
/* Prints every workload (text, or one JSON array); 0, or -1 on error. */
int workload_list(FILE *out, bool as_json);

/* Shared by the register family and txn generators. */
void wl_int(wl_text *t, int64_t v);   /* DSIM_NIL -> null */
void wl_list(wl_text *t, const int64_t *words, uint32_t len);   /* [a,b,...] */

/* store.c, for kv.c: dsim_store_bytes of bytes that may be anything (a
** disk record, a peer's message): 0 when the used prefix is out of bounds. */
size_t store_bytes_checked(const dsim_store *s);

extern const workload workload_register, workload_cas_register, workload_kv;
extern const workload workload_counter, workload_set, workload_list_append;
extern const workload workload_txn_append, workload_txn_rw, workload_queue, workload_bank;
extern const workload workload_resize;

#endif

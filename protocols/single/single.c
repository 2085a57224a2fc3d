/*
** single.c — the reference protocol: one server holds a key-value store,
** every other node forwards client requests to it.
**
** Node n1 is the server; it applies every operation of every workload to
** its 'dsim_store' (the kernel's reference state machine) and persists
** what changed: a register as key "k<key>", a list as "l<key>" (all of
** its elements). Correct variant: write, fsync, then acknowledge. Planted
** bug 'ack_before_sync': acknowledge at once and fsync later in a group
** commit every 'flush' ms, so a crash in between loses an acknowledged
** write, and a later read returns an older value: the checkers catch it.
** Planted bug 'txn_first_key': a transaction persists only the key of its
** first micro-operation (an off-by-one in the loop of 'persist'), so a
** bank transfer's credit lives in memory only: after a crash and restart
** the money it moved is gone (the bank check's totals catch it).
** After a restart the server reloads the store from its disk alone.
** Operations that are not idempotent (add, append, dequeue, transactions)
** are applied once per (client, seq): a duplicated request is ignored
** (its first copy answers). Register writes and cas are applied as they
** come, as they always were. The table is volatile: a crash forgets it.
** The protocol exists for the kernel's own tests and the default demo; it
** is deliberately small, so a reader can follow it in one sitting.
*/
#include <stdio.h>
#include <string.h>

#include "dsim.h"

#define SINGLE_SERVER 0
#define SINGLE_CLIENTS_MAX 1000
#define SINGLE_LIST_MAX 1024

enum { MSG_FORWARD = 0 };
enum { TIMER_FLUSH = 1 };

typedef struct single_state {
    dsim_store store;
    uint64_t seq[SINGLE_CLIENTS_MAX];   /* last applied seq per client */
    bool flush_pending;
    uint64_t applied;
} single_state;

static void key_name(char kind, uint32_t key, char *buf, size_t cap)
{
    snprintf(buf, cap, "%c%u", kind, key);
}

/* Reloads the store: registers first, then each list in order. */
static void start(dsim_node *n)
{
    single_state *s = dsim_state(n);
    if (dsim_id(n) != SINGLE_SERVER)
        return;
    dsim_store_init(n, &s->store);   /* the workload's initial state (bank), then the disk */
    int64_t list[SINGLE_LIST_MAX];
    for (uint32_t k = 0; k < DSIM_STORE_KEYS; k++) {
        char name[16];
        int64_t v;
        uint32_t len;
        key_name('k', k, name, sizeof name);
        if (dsim_disk_get(n, name, &v, sizeof v, &len) == DSIM_DISK_OK && len == sizeof v) {
            dsim_op w = {.f = DSIM_F_WRITE, .key = k, .value = v};
            dsim_store_apply(&s->store, &w, NULL);
        }
        key_name('l', k, name, sizeof name);
        if (dsim_disk_get(n, name, list, sizeof list, &len) != DSIM_DISK_OK || len > sizeof list)
            continue;
        for (uint32_t i = 0; i < len / sizeof *list; i++) {
            dsim_op a = {.f = DSIM_F_APPEND, .key = k, .value = list[i]};
            dsim_store_apply(&s->store, &a, NULL);
        }
    }
}

/* Writes key's register or list to disk (volatile until synced). */
static void persist_key(dsim_node *n, single_state *s, uint32_t key, bool is_list)
{
    char name[16];
    key_name(is_list ? 'l' : 'k', key, name, sizeof name);
    dsim_op r = {.f = is_list ? DSIM_F_READ_LIST : DSIM_F_READ, .key = key};
    dsim_result res;
    dsim_store_read(&s->store, &r, &res);
    if (is_list)
        dsim_disk_put(n, name, res.words, res.len * (uint32_t)sizeof *res.words);
    else
        dsim_disk_put(n, name, &res.value, sizeof res.value);
}

/* Makes what was put durable (or, with the bug, eventually). */
static void make_durable(dsim_node *n, single_state *s)
{
    if (!dsim_bug(n, "ack_before_sync")) {
        dsim_disk_sync(n);
        return;
    }
    if (!s->flush_pending) {
        s->flush_pending = true;
        dsim_timer(n, TIMER_FLUSH, 0, dsim_opt_ms(n, "flush"));
    }
}

static void persist(dsim_node *n, single_state *s, const dsim_op *op)
{
    if (op->f == DSIM_F_TXN) {
        uint32_t last = dsim_bug(n, "txn_first_key") ? 1 : op->mops_len;
        for (uint32_t i = 0; i < last && i < op->mops_len; i++)
            if (op->mops[i].f == DSIM_F_WRITE || op->mops[i].f == DSIM_F_APPEND ||
                op->mops[i].f == DSIM_F_ADD)
                persist_key(n, s, op->mops[i].key, op->mops[i].f == DSIM_F_APPEND);
    } else {
        persist_key(n, s, op->key, op->f == DSIM_F_APPEND || op->f == DSIM_F_DEQUEUE);
    }
    make_durable(n, s);
}

static bool idempotent(const dsim_op *op)
{
    return op->f == DSIM_F_READ || op->f == DSIM_F_WRITE || op->f == DSIM_F_CAS ||
           op->f == DSIM_F_READ_LIST;
}

static void apply(dsim_node *n, const dsim_op *op)
{
    single_state *s = dsim_state(n);
    DSIM_ASSERT(dsim_id(n) == SINGLE_SERVER);
    if (op->client >= 0 && op->client < SINGLE_CLIENTS_MAX) {
        if (!idempotent(op) && op->seq <= s->seq[op->client])
            return;   /* a duplicate: its first copy answered */
        if (op->seq > s->seq[op->client])
            s->seq[op->client] = op->seq;
    }
    s->applied++;
    dsim_result res;
    dsim_status st = dsim_store_apply(&s->store, op, &res);
    if (st == DSIM_OK && !dsim_op_readonly(op))
        persist(n, s, op);
    dsim_reply_result(n, op, st, &res);
}

static void on_request(dsim_node *n, const dsim_op *op)
{
    if (dsim_id(n) == SINGLE_SERVER)
        apply(n, op);
    else
        dsim_send(n, SINGLE_SERVER, MSG_FORWARD, op, (uint32_t)dsim_op_bytes(op));
}

static void on_message(dsim_node *n, int from, const dsim_msg *m)
{
    (void)from;
    DSIM_ASSERT(m->type == MSG_FORWARD && m->len <= sizeof(dsim_op));
    dsim_op op;
    memset(&op, 0, sizeof op);
    memcpy(&op, m->data, m->len);
    DSIM_ASSERT(m->len == dsim_op_bytes(&op));
    apply(n, &op);
}

static void on_timer(dsim_node *n, uint32_t kind, uint64_t arg)
{
    (void)arg;
    single_state *s = dsim_state(n);
    DSIM_ASSERT(kind == TIMER_FLUSH && s->flush_pending);
    dsim_disk_sync(n);
    s->flush_pending = false;
}

static void inspect(dsim_node *n, json_t *out)
{
    single_state *s = dsim_state(n);
    json_object_set_new(out, "role", json_string(dsim_id(n) == SINGLE_SERVER ? "server" : "forwarder"));
    if (dsim_id(n) == SINGLE_SERVER)
        json_object_set_new(out, "applied", json_integer((json_int_t)s->applied));
}

static void describe(const dsim_msg *m, json_t *out)
{
    dsim_op op;
    DSIM_ASSERT(m->len <= sizeof op);
    memset(&op, 0, sizeof op);
    memcpy(&op, m->data, m->len);
    static const char *const f[DSIM_F_COUNT_] = {"read", "write", "cas", "add", "append",
                                                 "read-list", "dequeue", "txn", "remove"};
    json_object_set_new(out, "op", json_integer((json_int_t)op.id));
    json_object_set_new(out, "f", json_string(f[op.f]));
    json_object_set_new(out, "key", json_integer(op.key));
}

static const dsim_option options[] = {
    {"flush", DSIM_OPT_MS, "10", "group-commit interval with bug=ack_before_sync", NULL, 0, 60000},
    {NULL, 0, NULL, NULL, NULL, 0, 0},
};

static const char *const bugs[] = {"ack_before_sync", "txn_first_key", NULL};
static const char *const msg_names[] = {"Forward", NULL};

static const dsim_event events[] = {   /* single emits none */
    {NULL, NULL, NULL},
};

const dsim_protocol single_protocol = {
    .name = "single",
    .summary = "one server holds a kv store; other nodes forward to it (reference)",
    .state_size = sizeof(single_state),
    .options = options,
    .bugs = bugs,
    .msg_names = msg_names,
    .start = start,
    .on_message = on_message,
    .on_timer = on_timer,
    .on_request = on_request,
    .inspect = inspect,
    .describe = describe,
    .invariants = NULL,
    .events = events,
};

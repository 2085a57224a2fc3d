/*
** single.c — the reference protocol: one server holds a key-value store,
** every other node forwards client requests to it.
**
** Node n1 is the server; it answers reads, writes and compare-and-set from
** its in-memory map and persists every change to its disk as key "k<key>".
** Correct variant: write, fsync, then acknowledge. Planted bug
** 'ack_before_sync': acknowledge at once and fsync later in a group commit
** every 'flush' ms, so a crash in between loses an acknowledged write, and
** a later read returns an older value: the linearizability checker catches
** it. After a restart the server reloads the map from its disk alone.
** The protocol exists for the kernel's own tests and the default demo; it
** is deliberately small, so a reader can follow it in one sitting.
*/
#include <stdio.h>
#include <string.h>

#include "dsim.h"

#define SINGLE_KEYS_MAX 256
#define SINGLE_SERVER 0

enum { MSG_FORWARD = 0 };
enum { TIMER_FLUSH = 1 };

typedef struct single_state {
    int64_t value[SINGLE_KEYS_MAX];
    uint8_t present[SINGLE_KEYS_MAX];
    bool flush_pending;
    uint64_t applied;
} single_state;

static void key_name(uint32_t key, char *buf, size_t cap)
{
    snprintf(buf, cap, "k%u", key);
}

static void start(dsim_node *n)
{
    single_state *s = dsim_state(n);
    if (dsim_id(n) != SINGLE_SERVER)
        return;
    for (uint32_t k = 0; k < SINGLE_KEYS_MAX; k++) {
        char name[16];
        int64_t v;
        uint32_t len;
        key_name(k, name, sizeof name);
        if (dsim_disk_get(n, name, &v, sizeof v, &len) == DSIM_DISK_OK && len == sizeof v) {
            s->value[k] = v;
            s->present[k] = 1;
        }
    }
}

/* Stores a new value durably (or, with the bug, eventually). */
static void store(dsim_node *n, single_state *s, uint32_t key, int64_t v)
{
    char name[16];
    key_name(key, name, sizeof name);
    s->value[key] = v;
    s->present[key] = 1;
    dsim_disk_put(n, name, &v, sizeof v);
    if (!dsim_bug(n, "ack_before_sync")) {
        dsim_disk_sync(n);
        return;
    }
    if (!s->flush_pending) {
        s->flush_pending = true;
        dsim_timer(n, TIMER_FLUSH, 0, dsim_opt_ms(n, "flush"));
    }
}

static void apply(dsim_node *n, const dsim_op *op)
{
    single_state *s = dsim_state(n);
    DSIM_ASSERT(dsim_id(n) == SINGLE_SERVER);
    if (op->key >= SINGLE_KEYS_MAX) {
        dsim_reply(n, op, DSIM_FAIL, 0);
        return;
    }
    s->applied++;
    switch (op->f) {
    case DSIM_F_READ:
        dsim_reply(n, op, DSIM_OK, s->present[op->key] ? s->value[op->key] : DSIM_NIL);
        return;
    case DSIM_F_WRITE:
        store(n, s, op->key, op->value);
        dsim_reply(n, op, DSIM_OK, 0);
        return;
    case DSIM_F_CAS:
        if (!s->present[op->key] || s->value[op->key] != op->value) {
            dsim_reply(n, op, DSIM_FAIL, 0);
            return;
        }
        store(n, s, op->key, op->value2);
        dsim_reply(n, op, DSIM_OK, 0);
        return;
    default:
        DSIM_ASSERT(!"unknown operation");
    }
}

static void on_request(dsim_node *n, const dsim_op *op)
{
    if (dsim_id(n) == SINGLE_SERVER)
        apply(n, op);
    else
        dsim_send(n, SINGLE_SERVER, MSG_FORWARD, op, sizeof *op);
}

static void on_message(dsim_node *n, int from, const dsim_msg *m)
{
    (void)from;
    DSIM_ASSERT(m->type == MSG_FORWARD && m->len == sizeof(dsim_op));
    dsim_op op;
    memcpy(&op, m->data, sizeof op);
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
    DSIM_ASSERT(m->len == sizeof op);
    memcpy(&op, m->data, sizeof op);
    static const char *const f[] = {"read", "write", "cas"};
    json_object_set_new(out, "op", json_integer((json_int_t)op.id));
    json_object_set_new(out, "f", json_string(f[op.f]));
    json_object_set_new(out, "key", json_integer(op.key));
}

static const dsim_option options[] = {
    {"flush", DSIM_OPT_MS, "10", "group-commit interval with bug=ack_before_sync", NULL, 0, 60000},
    {NULL, 0, NULL, NULL, NULL, 0, 0},
};

static const char *const bugs[] = {"ack_before_sync", NULL};
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

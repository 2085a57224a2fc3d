/*
** lock_server.c — a Redis-like lock server: one key, SET NX PX, EXPIRE,
** DEL, compare-and-delete, PEXPIRE-if-value (the watchdog's renewal), and
** an optional asynchronous standby that promotes itself (L4).
**
** Expiry runs on the server's own clock: the wall clock by default, as
** Redis did, so a forward step expires a key early (L5c); 'expiry_clock=mono'
** is the fix. Keys are checked lazily, on access, like Redis.
** Durability follows 'aof': always (fsync every change), everysec (fsync
** at most a second later: a crash loses the last grants, L5b) or no. The
** fencing variant is this server with every change fsync'ed.
** Tokens are 'epoch * LOCK_EPOCH_SPAN + counter'; the epoch is fsync'ed at
** every boot and at promotion, so a token is never handed out twice by one
** service even when the counter is lost. The standby's copy of the counter
** lags the master's (asynchronous replication): that is why a promoted
** standby starts a new epoch rather than continuing the counter.
** An old master that restarts after a failover serves again as a master:
** nothing fences it either, and its epoch may equal the standby's, so the
** two masters' tokens are not ordered (L4 keeps it down; the storage still
** refuses one token from two clients).
*/
#include <string.h>

#include "lock.h"

typedef struct lock_record {   /* the key as kept on disk */
    int64_t value, expiry_ns, token;
    int32_t holder;
} lock_record;

static int64_t expiry_now(dsim_node *n)
{
    return strcmp(dsim_opt_str(n, "expiry_clock"), "mono") == 0 ? dsim_mono(n) : dsim_wall(n);
}


/* Starts epoch 'epoch', durably, before any token of it is handed out. */
static void begin_epoch(dsim_node *n, lock_server *sv, int64_t epoch)
{
    DSIM_ASSERT(epoch >= sv->epoch);
    sv->epoch = epoch;
    sv->counter = dsim_opt_int(n, "token_start") - 1;
    int64_t next = epoch + 1;
    dsim_disk_put(n, "epoch_next", &next, sizeof next);
    dsim_disk_sync(n);
}

static void persist(dsim_node *n, lock_state *s)
{
    lock_server *sv = &s->u.server;
    lock_record r = {sv->value, sv->expiry_ns, sv->token, sv->holder};
    dsim_disk_put(n, "lock", &r, sizeof r);
    const char *aof = dsim_opt_str(n, "aof");
    if (s->variant == LOCK_FENCING || strcmp(aof, "always") == 0) {
        dsim_disk_sync(n);
    } else if (strcmp(aof, "everysec") == 0 && !sv->sync_pending) {
        sv->sync_pending = true;
        dsim_timer(n, T_AOF, 0, DSIM_SEC(1));
    }
}

/* Schedules the asynchronous copy to the standby (one flush per delay). */
static void replicate(dsim_node *n, lock_server *sv)
{
    if (lock_standby_id(n) < 0 || !sv->master || dsim_id(n) == lock_standby_id(n) || sv->repl_pending)
        return;
    sv->repl_pending = true;
    dsim_timer(n, T_REPL, 0, dsim_opt_ms(n, "repl_delay"));
}

static void changed(dsim_node *n, lock_state *s)
{
    persist(n, s);
    replicate(n, &s->u.server);
}

void lock_server_start(dsim_node *n, lock_state *s)
{
    lock_server *sv = &s->u.server;
    sv->master = s->role == ROLE_SERVER;
    int64_t epoch = 0;
    int rc = lock_disk_read(n, "epoch_next", &epoch, sizeof epoch);
    if (rc == DSIM_DISK_CORRUPT) {
        /* Without the epoch a token could repeat: refuse every request. */
        s->broken = true;
        dsim_emit(n, "disk_unreadable", json_pack("{s:s}", "record", "epoch_next"));
        return;
    }
    begin_epoch(n, sv, rc == DSIM_DISK_OK ? epoch : 0);
    lock_record r;
    /* A lost or unreadable key is a lost lock, as after 'aof=no'. */
    if (lock_disk_read(n, "lock", &r, sizeof r) == DSIM_DISK_OK) {
        sv->value = r.value;
        sv->expiry_ns = r.expiry_ns;
        sv->token = r.token;
        sv->holder = r.holder;
    }
    if (!sv->master) {
        sv->pong_mono_ns = dsim_mono(n);
        dsim_timer(n, T_SB_PING, 0, dsim_opt_ms(n, "failover") / 3);
    }
}

static void reply(dsim_node *n, int to, const lock_msg *req, uint32_t status, int64_t token)
{
    lock_msg r;
    memset(&r, 0, sizeof r);
    r.op = OP_REPLY;
    r.status = status;
    r.client = req->client;
    r.round = req->round;
    r.value = req->value;
    r.token = token;
    r.aux = req->op;
    r.seq = req->seq;
    lock_send(n, to, &r);
}

/* Lazy expiry, as Redis does on access. */
static void expire_if_due(dsim_node *n, lock_server *sv)
{
    if (sv->value != 0 && sv->expiry_ns <= expiry_now(n)) {
        sv->value = 0;
        sv->holder = -1;
    }
}

static void do_set(dsim_node *n, lock_state *s, int from, const lock_msg *m)
{
    lock_server *sv = &s->u.server;
    if (sv->value == m->value) {            /* a retry of a granted request */
        reply(n, from, m, LOCK_OK, sv->token);
        return;
    }
    if (sv->value != 0) {
        reply(n, from, m, LOCK_BUSY, 0);
        return;
    }
    DSIM_ASSERT(sv->counter + 1 < LOCK_EPOCH_SPAN);
    sv->counter++;
    sv->grants++;
    sv->value = m->value;
    sv->holder = from;
    sv->token = sv->epoch * LOCK_EPOCH_SPAN + sv->counter;
    sv->expiry_ns = m->ttl_ns > 0 ? expiry_now(n) + m->ttl_ns : INT64_MAX;
    changed(n, s);
    dsim_emit(n, "lock_grant", json_pack("{s:i, s:I, s:b}", "client", from + 1,
              "token", (json_int_t)sv->token, "expires", m->ttl_ns > 0));
    reply(n, from, m, LOCK_OK, sv->token);
}

static void do_delete(dsim_node *n, lock_state *s, int from, const lock_msg *m, bool if_value)
{
    lock_server *sv = &s->u.server;
    if (sv->value == 0 || (if_value && sv->value != m->value)) {
        reply(n, from, m, LOCK_NONE, 0);
        return;
    }
    if (sv->holder != from)
        dsim_emit(n, "lock_foreign_delete", json_pack("{s:i, s:i}", "client", from + 1,
                  "holder", sv->holder + 1));
    sv->value = 0;
    sv->holder = -1;
    changed(n, s);
    reply(n, from, m, LOCK_OK, 0);
}

static void do_expire(dsim_node *n, lock_state *s, int from, const lock_msg *m, bool if_value)
{
    lock_server *sv = &s->u.server;
    if (sv->value == 0 || (if_value && sv->value != m->value)) {
        reply(n, from, m, LOCK_NONE, 0);
        return;
    }
    sv->expiry_ns = expiry_now(n) + m->ttl_ns;
    changed(n, s);
    reply(n, from, m, LOCK_OK, sv->token);
}

static void standby_message(dsim_node *n, lock_server *sv, const lock_msg *m)
{
    if (m->op == OP_PONG) {
        sv->pong_mono_ns = dsim_mono(n);
        return;
    }
    DSIM_ASSERT(m->op == OP_REPL);
    if (sv->master)
        return;   /* promoted already: the old master's copy is history */
    sv->value = m->value;
    sv->token = m->token;
    sv->holder = m->client;
    sv->expiry_ns = m->expiry_ns == INT64_MAX ? INT64_MAX : expiry_now(n) + m->expiry_ns;
    if (m->epoch > sv->epoch)
        begin_epoch(n, sv, m->epoch);
}

void lock_server_message(dsim_node *n, lock_state *s, int from, const lock_msg *m)
{
    lock_server *sv = &s->u.server;
    if (s->broken) {
        if (m->op != OP_PING && m->op != OP_PONG && m->op != OP_REPL)
            reply(n, from, m, LOCK_BUSY, 0);
        return;
    }
    if (m->op == OP_PING) {
        lock_msg r = {.op = OP_PONG, .client = -1};
        lock_send(n, from, &r);
        return;
    }
    if (m->op == OP_PONG || m->op == OP_REPL) {
        standby_message(n, sv, m);
        return;
    }
    if (!sv->master) {
        reply(n, from, m, LOCK_NOT_MASTER, 0);
        return;
    }
    expire_if_due(n, sv);
    switch (m->op) {
    case OP_SET: do_set(n, s, from, m); return;
    case OP_EXPIRE: do_expire(n, s, from, m, false); return;
    case OP_RENEW: do_expire(n, s, from, m, true); return;
    case OP_DEL: do_delete(n, s, from, m, false); return;
    case OP_DEL_IF: do_delete(n, s, from, m, true); return;
    default: DSIM_ASSERT(!"not a lock server message");
    }
}

/* The standby's sentinel: ping the master, promote after 'failover' of
** silence. A promotion starts a new epoch, so its tokens are higher than
** any the old master could have handed out in its epoch. */
static void sentinel(dsim_node *n, lock_server *sv)
{
    int64_t failover_ns = dsim_opt_ms(n, "failover");
    if (sv->master)
        return;
    if (dsim_mono(n) - sv->pong_mono_ns > failover_ns) {
        sv->master = true;
        begin_epoch(n, sv, sv->epoch + 1);
        dsim_emit(n, "failover", json_pack("{s:I, s:I}", "epoch", (json_int_t)sv->epoch,
                  "holder", (json_int_t)(sv->value ? sv->holder + 1 : 0)));
        return;
    }
    lock_msg p = {.op = OP_PING, .client = -1};
    lock_send(n, 0, &p);
    dsim_timer(n, T_SB_PING, 0, failover_ns / 3);
}

void lock_server_timer(dsim_node *n, lock_state *s, uint32_t kind)
{
    lock_server *sv = &s->u.server;
    switch (kind) {
    case T_AOF:
        DSIM_ASSERT(sv->sync_pending);
        sv->sync_pending = false;
        dsim_disk_sync(n);
        return;
    case T_REPL: {
        DSIM_ASSERT(sv->repl_pending);
        sv->repl_pending = false;
        int64_t left = sv->expiry_ns == INT64_MAX ? INT64_MAX : sv->expiry_ns - expiry_now(n);
        lock_msg r = {.op = OP_REPL, .client = sv->holder, .value = sv->value, .token = sv->token,
                      .expiry_ns = left, .epoch = sv->epoch};
        lock_send(n, lock_standby_id(n), &r);
        return;
    }
    case T_SB_PING:
        sentinel(n, sv);
        return;
    default:
        DSIM_ASSERT(!"not a lock server timer");
    }
}

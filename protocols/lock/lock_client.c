/*
** lock_client.c — a lock client: rounds of acquire, work, write, release.
**
** A round: 'lock_request' is emitted and the variant's acquisition starts
** (here for redis-lease and fencing; lock_redlock.c and lock_zkclient.c for
** the others). On a grant the client believes it holds the lock
** ('lock_acquired'), works for 'work' ms, writes once to the storage server
** with its token, waits for the answer (or 'req_timeout'), releases
** ('lock_released') and thinks before the next round.
** The client does not look at its lease before writing: it believes the lock
** is its own until it releases it, like code that calls lock(), write(),
** unlock(). A pause stops its timers too, so after a long pause its work
** timer fires late and the write goes out with an expired lease (L3); the
** watchdog ('renew') is paused with it and does not help.
** Rounds are numbered 'boot * LOCK_ROUND_SPAN + n', with the boot count on
** disk, so a round names one session of one client across crashes.
*/
#include <string.h>

#include "lock.h"

/* The boot count, bumped durably; -1 when it cannot be read. */
static int64_t disk_boot(dsim_node *n)
{
    int64_t b = 0;
    int rc = lock_disk_read(n, "boots", &b, sizeof b);
    if (rc == DSIM_DISK_CORRUPT)
        return -1;
    if (rc == DSIM_DISK_MISSING)
        b = 0;
    b++;
    dsim_disk_put(n, "boots", &b, sizeof b);
    dsim_disk_sync(n);
    return b;
}

static bool more_rounds(dsim_node *n, const lock_client *c)
{
    int64_t rounds = dsim_opt_int(n, "rounds");
    return dsim_opt_bool(n, "autostart") && (rounds == 0 || c->rounds_done < rounds);
}

void lock_client_start(dsim_node *n, lock_state *s)
{
    lock_client *c = &s->u.client;
    c->boot = disk_boot(n);
    c->phase = PH_IDLE;
    if (c->boot < 0) {
        /* Rounds could repeat an earlier boot's numbers: stay out. */
        s->broken = true;
        dsim_emit(n, "disk_unreadable", json_pack("{s:s}", "record", "boots"));
        return;
    }
    if (s->variant == LOCK_ZK)
        lock_zkc_start(n, c);
    if (more_rounds(n, c))
        dsim_timer(n, T_ROUND, 0, lock_draw(n, "think"));
}

/* Redis-lease and fencing: SET NX PX to the server this client believes is
** the master (or plain SETNX with the planted bug setnx_expire). */
static void redis_acquire(dsim_node *n, lock_client *c)
{
    lock_msg m;
    memset(&m, 0, sizeof m);
    m.op = OP_SET;
    m.client = dsim_id(n);
    m.round = c->round;
    m.value = c->value;
    m.ttl_ns = dsim_bug(n, "setnx_expire") ? 0 : dsim_opt_ms(n, "ttl");
    c->req++;
    lock_send(n, c->target, &m);
    dsim_timer(n, T_REQ_TIMEOUT, c->req, dsim_opt_ms(n, "req_timeout"));
}

static void acquire(dsim_node *n, lock_client *c)
{
    DSIM_ASSERT(c->phase == PH_ACQUIRING);
    switch (lock_variant_of(n)) {
    case LOCK_REDLOCK: lock_redlock_acquire(n, c); return;
    case LOCK_ZK: lock_zkc_acquire(n, c); return;
    default: redis_acquire(n, c); return;
    }
}

void lock_client_round(dsim_node *n, lock_client *c, int64_t work_ns)
{
    DSIM_ASSERT(c->phase == PH_IDLE);
    DSIM_ASSERT(c->rounds_done + 1 < LOCK_ROUND_SPAN);   /* rounds stay unique per boot */
    c->round = c->boot * LOCK_ROUND_SPAN + c->rounds_done + 1;
    c->value = c->round * LOCK_NODES_MAX + dsim_id(n) + 1;
    c->token = 0;
    c->work_ns = work_ns;
    c->phase = PH_ACQUIRING;
    lock_emit(n, "lock_request", c, NULL);
    acquire(n, c);
}

void lock_client_retry(dsim_node *n, lock_client *c)
{
    dsim_timer(n, T_RETRY, c->round, lock_draw(n, "retry"));
}

void lock_client_granted(dsim_node *n, lock_client *c, int64_t token)
{
    DSIM_ASSERT(c->phase == PH_ACQUIRING);
    c->phase = PH_HOLDING;
    c->token = token;
    json_t *f = json_pack("{s:I}", "value", (json_int_t)c->value);
    if (lock_variant_of(n) != LOCK_REDLOCK)
        json_object_set_new(f, "token", json_integer(token));
    lock_emit(n, "lock_acquired", c, f);
    dsim_timer(n, T_WORK, c->round, c->work_ns > 0 ? c->work_ns : lock_draw(n, "work"));
    lock_variant v = lock_variant_of(n);
    if (dsim_opt_bool(n, "renew") && v != LOCK_ZK && v != LOCK_REDLOCK)
        c->renew_timer = dsim_timer(n, T_RENEW, c->round, dsim_opt_ms(n, "ttl") / 3);
}

static void release_on_service(dsim_node *n, lock_client *c)
{
    switch (lock_variant_of(n)) {
    case LOCK_REDLOCK:
        lock_redlock_release(n, c);
        return;
    case LOCK_ZK:
        lock_zkc_release(n, c);
        return;
    default: {
        lock_msg m;
        memset(&m, 0, sizeof m);
        m.op = dsim_bug(n, "unsafe_unlock") ? OP_DEL : OP_DEL_IF;
        m.client = dsim_id(n);
        m.round = c->round;
        m.value = c->value;
        lock_send(n, c->target, &m);
        return;
    }
    }
}

/* Ends the round: the client stops believing, for reason 'why'. */
static void end_round(dsim_node *n, lock_client *c, const char *why, bool held)
{
    if (held)
        lock_emit(n, "lock_released", c, json_pack("{s:s}", "why", why));
    release_on_service(n, c);
    if (c->renew_timer)
        dsim_timer_cancel(n, c->renew_timer);
    if (c->validity_timer)
        dsim_timer_cancel(n, c->validity_timer);
    c->renew_timer = c->validity_timer = 0;
    c->phase = PH_IDLE;
    c->rounds_done++;
    if (more_rounds(n, c))
        dsim_timer(n, T_ROUND, 0, lock_draw(n, "think"));
}

void lock_client_lost(dsim_node *n, lock_client *c, const char *why)
{
    if (c->phase == PH_IDLE)
        return;
    end_round(n, c, why, c->phase == PH_HOLDING || c->phase == PH_WRITING);
}

static void write_storage(dsim_node *n, lock_client *c)
{
    lock_msg m;
    memset(&m, 0, sizeof m);
    m.op = OP_WRITE;
    m.client = dsim_id(n);
    m.round = c->round;
    m.value = c->value;
    m.token = c->token;
    const char *byz = dsim_byzantine(n);
    if (byz && strcmp(byz, "forge_token") == 0) {   /* Byzantine: a token it was never given */
        json_t *by = json_object_get(dsim_byzantine_params(n), "by");
        m.token += json_is_integer(by) ? json_integer_value(by) : LOCK_EPOCH_SPAN;
    }
    c->phase = PH_WRITING;
    c->req++;
    lock_send(n, lock_storage_id(n), &m);
    dsim_timer(n, T_REQ_TIMEOUT, c->req, dsim_opt_ms(n, "req_timeout"));
}

static void redis_reply(dsim_node *n, lock_client *c, const lock_msg *m)
{
    if (m->round != c->round)
        return;
    if (m->aux == OP_RENEW && m->status == LOCK_NONE && c->phase == PH_HOLDING) {
        lock_client_lost(n, c, "renew_refused");
        return;
    }
    if (m->aux != OP_SET || c->phase != PH_ACQUIRING)
        return;
    c->req++;   /* the request is answered: its timeout is stale */
    switch (m->status) {
    case LOCK_OK:
        if (dsim_bug(n, "setnx_expire"))
            dsim_timer(n, T_EXPIRE_CMD, c->round, DSIM_MS(1));
        lock_client_granted(n, c, m->token);
        return;
    case LOCK_NOT_MASTER:
        c->target = c->target == 0 && lock_standby_id(n) >= 0 ? lock_standby_id(n) : 0;
        lock_client_retry(n, c);
        return;
    default:
        lock_client_retry(n, c);
        return;
    }
}

void lock_client_message(dsim_node *n, lock_state *s, int from, const lock_msg *m)
{
    lock_client *c = &s->u.client;
    switch (m->op) {
    case OP_REPLY:
        if (s->variant == LOCK_REDLOCK)
            lock_redlock_reply(n, c, from, m);
        else
            redis_reply(n, c, m);
        return;
    case OP_WRITE_ACK:
        if (m->round == c->round && c->phase == PH_WRITING)
            end_round(n, c, m->status == LOCK_OK ? "release" : "fenced", true);
        return;
    case OP_ZK_REPLY:
    case OP_ZK_WATCH:
        lock_zkc_message(n, c, m);
        return;
    default:
        DSIM_ASSERT(!"not a client message");
    }
}

static void request_timeout(dsim_node *n, lock_client *c, uint64_t req)
{
    if (req != c->req)
        return;
    if (c->phase == PH_WRITING) {
        end_round(n, c, "write_timeout", true);
    } else if (c->phase == PH_ACQUIRING && lock_variant_of(n) == LOCK_REDLOCK) {
        lock_redlock_deadline(n, c);
    } else if (c->phase == PH_ACQUIRING && lock_variant_of(n) != LOCK_ZK) {
        if (lock_standby_id(n) >= 0)
            c->target = c->target == 0 ? lock_standby_id(n) : 0;
        redis_acquire(n, c);
    }
}

static void renew(dsim_node *n, lock_client *c)
{
    c->renew_timer = 0;
    if (c->phase != PH_HOLDING && c->phase != PH_WRITING)
        return;
    lock_msg m;
    memset(&m, 0, sizeof m);
    m.op = OP_RENEW;
    m.client = dsim_id(n);
    m.round = c->round;
    m.value = c->value;
    m.ttl_ns = dsim_opt_ms(n, "ttl");
    lock_send(n, c->target, &m);
    c->renew_timer = dsim_timer(n, T_RENEW, c->round, dsim_opt_ms(n, "ttl") / 3);
}

void lock_client_timer(dsim_node *n, lock_state *s, uint32_t kind, uint64_t arg)
{
    lock_client *c = &s->u.client;
    bool this_round = (int64_t)arg == c->round;
    switch (kind) {
    case T_ROUND:
        if (c->phase == PH_IDLE)
            lock_client_round(n, c, 0);
        return;
    case T_WORK:
        if (this_round && c->phase == PH_HOLDING)
            write_storage(n, c);
        return;
    case T_RETRY:
        if (this_round && c->phase == PH_ACQUIRING)
            acquire(n, c);
        return;
    case T_REQ_TIMEOUT:
        request_timeout(n, c, arg);
        return;
    case T_RENEW:
        if (this_round)
            renew(n, c);
        return;
    case T_EXPIRE_CMD: {
        lock_msg m = {.op = OP_EXPIRE, .client = dsim_id(n), .round = c->round, .value = c->value,
                      .ttl_ns = dsim_opt_ms(n, "ttl")};
        lock_send(n, c->target, &m);
        return;
    }
    case T_VALIDITY:
        c->validity_timer = 0;
        if (this_round && c->phase == PH_HOLDING)
            lock_client_lost(n, c, "validity");
        return;
    case T_ZK_PING:
        lock_zkc_ping(n, c);
        return;
    default:
        DSIM_ASSERT(!"not a client timer");
    }
}

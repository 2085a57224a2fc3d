/*
** lock_zk.c — a small coordination service in the manner of ZooKeeper, just
** enough for the sequential lock recipe: client sessions kept alive by
** heartbeats, ephemeral sequential entries under one parent, one-shot
** watches on an entry (exists) or on the parent (children).
**
** A session expires when the service has heard nothing from it for
** 'session_timeout' on the service's monotonic clock (checked every quarter
** of it); its entries are deleted and the watches on them fire. A paused
** client cannot heartbeat, so a pause longer than the timeout loses its
** entry while it still believes it holds the lock (L6c).
** Entry numbers come from one counter (the zxid) and serve as fencing
** tokens: 'epoch * LOCK_EPOCH_SPAN + n', the epoch fsync'ed at boot. The
** service keeps everything else in memory: a restart forgets every session
** and entry (clients see their session expire), which is weaker than
** ZooKeeper's replicated log; the tokens stay increasing all the same.
*/
#include <string.h>

#include "lock.h"

void lock_zk_start(dsim_node *n, lock_state *s)
{
    lock_zk *z = &s->u.zk;
    int64_t epoch = 0;
    int rc = lock_disk_read(n, "epoch_next", &epoch, sizeof epoch);
    if (rc == DSIM_DISK_CORRUPT) {
        /* Without the epoch an entry number could repeat: serve no one. */
        s->broken = true;
        dsim_emit(n, "disk_unreadable", json_pack("{s:s}", "record", "epoch_next"));
        return;
    }
    if (rc == DSIM_DISK_MISSING)
        epoch = 0;
    z->epoch = epoch;
    z->zxid = epoch * LOCK_EPOCH_SPAN + dsim_opt_int(n, "token_start") - 1;
    int64_t next = epoch + 1;
    dsim_disk_put(n, "epoch_next", &next, sizeof next);
    dsim_disk_sync(n);
    dsim_timer(n, T_ZK_SWEEP, 0, dsim_opt_ms(n, "session_timeout") / 4);
}

static void zk_reply(dsim_node *n, int to, const lock_msg *req, uint32_t status, int64_t seq)
{
    lock_msg r;
    memset(&r, 0, sizeof r);
    r.op = OP_ZK_REPLY;
    r.status = status;
    r.client = to;
    r.round = req->round;
    r.value = req->value;
    r.aux = req->op;
    r.seq = seq;
    lock_send(n, to, &r);
}

static void fire(dsim_node *n, int to, int64_t seq)
{
    lock_msg w = {.op = OP_ZK_WATCH, .client = to, .seq = seq};
    lock_send(n, to, &w);
}

/* The parent changed: every children watch fires, once. */
static void children_changed(dsim_node *n, lock_zk *z)
{
    for (int k = 0; k < dsim_cluster_size(n); k++) {
        if (z->watch_children[k]) {
            z->watch_children[k] = false;
            fire(n, k, 0);
        }
    }
}

static void remove_at(dsim_node *n, lock_zk *z, int i)
{
    DSIM_ASSERT(i >= 0 && i < z->nodes_len);
    int64_t seq = z->nodes[i].seq;
    memmove(&z->nodes[i], &z->nodes[i + 1], (size_t)(z->nodes_len - i - 1) * sizeof z->nodes[0]);
    z->nodes_len--;
    for (int k = 0; k < dsim_cluster_size(n); k++) {
        if (z->watch_exists[k] == seq) {
            z->watch_exists[k] = 0;
            fire(n, k, seq);
        }
    }
    children_changed(n, z);
}

static int find(const lock_zk *z, int64_t seq)
{
    for (int i = 0; i < z->nodes_len; i++)
        if (z->nodes[i].seq == seq)
            return i;
    return -1;
}

static void expire(dsim_node *n, lock_zk *z, int k, const char *why)
{
    int64_t session = z->session[k];
    z->session[k] = 0;
    z->watch_exists[k] = 0;
    z->watch_children[k] = false;
    for (int i = z->nodes_len - 1; i >= 0; i--)
        if (z->nodes[i].session == session)
            remove_at(n, z, i);
    dsim_emit(n, "session_expired", json_pack("{s:i, s:I, s:s}", "client", k + 1,
              "session", (json_int_t)session, "why", why));
}

static void create(dsim_node *n, lock_zk *z, int from, const lock_msg *m)
{
    if (z->nodes_len == LOCK_ZNODES_MAX) {
        zk_reply(n, from, m, LOCK_BUSY, 0);   /* the bound: refuse, the client retries */
        return;
    }
    z->zxid++;
    z->nodes[z->nodes_len++] = (lock_znode){.seq = z->zxid, .owner = from, .session = m->value};
    zk_reply(n, from, m, LOCK_OK, z->zxid);
    children_changed(n, z);
}

static void children(dsim_node *n, lock_zk *z, int from, const lock_msg *m)
{
    lock_msg r;
    memset(&r, 0, sizeof r);
    r.op = OP_ZK_REPLY;
    r.client = from;
    r.round = m->round;
    r.value = m->value;
    r.aux = OP_ZK_CHILDREN;
    r.count = (uint32_t)z->nodes_len;
    for (int i = 0; i < z->nodes_len; i++)
        r.items[i] = z->nodes[i].seq;
    if (m->token)
        z->watch_children[from] = true;
    lock_send(n, from, &r);
}

void lock_zk_message(dsim_node *n, lock_state *s, int from, const lock_msg *m)
{
    lock_zk *z = &s->u.zk;
    DSIM_ASSERT(from >= 0 && from < LOCK_NODES_MAX);
    if (s->broken) {
        zk_reply(n, from, m, LOCK_EXPIRED, 0);
        return;
    }
    if (m->op == OP_ZK_CONNECT) {
        if (z->session[from])
            expire(n, z, from, "reconnect");
        z->sessions++;
        z->session[from] = z->epoch * LOCK_EPOCH_SPAN + z->sessions;
        z->last_ping_ns[from] = dsim_mono(n);
        zk_reply(n, from, m, LOCK_OK, z->session[from]);
        return;
    }
    if (m->value == 0 || z->session[from] != m->value) {
        zk_reply(n, from, m, LOCK_EXPIRED, 0);
        return;
    }
    z->last_ping_ns[from] = dsim_mono(n);
    switch (m->op) {
    case OP_ZK_PING:
        zk_reply(n, from, m, LOCK_OK, 0);
        return;
    case OP_ZK_CREATE:
        create(n, z, from, m);
        return;
    case OP_ZK_CHILDREN:
        children(n, z, from, m);
        return;
    case OP_ZK_EXISTS:
        if (find(z, m->seq) >= 0) {
            z->watch_exists[from] = m->seq;
            zk_reply(n, from, m, LOCK_OK, m->seq);
        } else {
            zk_reply(n, from, m, LOCK_NONE, m->seq);
        }
        return;
    case OP_ZK_DELETE: {
        int i = find(z, m->seq);
        if (i >= 0 && z->nodes[i].owner == from)
            remove_at(n, z, i);
        zk_reply(n, from, m, i >= 0 ? LOCK_OK : LOCK_NONE, m->seq);
        return;
    }
    default:
        DSIM_ASSERT(!"not a zk request");
    }
}

void lock_zk_timer(dsim_node *n, lock_state *s, uint32_t kind)
{
    lock_zk *z = &s->u.zk;
    DSIM_ASSERT(kind == T_ZK_SWEEP);
    int64_t timeout = dsim_opt_ms(n, "session_timeout");
    for (int k = 0; k < dsim_cluster_size(n); k++)
        if (z->session[k] && dsim_mono(n) - z->last_ping_ns[k] > timeout)
            expire(n, z, k, "timeout");
    dsim_timer(n, T_ZK_SWEEP, 0, timeout / 4);
}

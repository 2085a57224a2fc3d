/*
** lock_zkclient.c — the sequential lock recipe on the zk-like service
** (lock_zk.c): connect a session and heartbeat it every third of the
** session timeout; to lock, create an ephemeral sequential entry, list the
** parent, and hold the lock when the own entry is the lowest; otherwise set
** a watch on the predecessor only (exists) and list again when it fires.
** The token is the entry's number, which the service makes increasing.
**
** Planted bugs:
** - 'herd': every waiter watches the parent instead, so each change wakes
**   them all and they all list the parent again (L6a, the herd effect).
** - 'watch_race': when exists() says the predecessor is already gone, the
**   client waits for a watch that will never fire instead of listing
**   again (L6b): it is stuck for ever.
** When the service says the session expired, the client stops believing
** it holds the lock and connects again (often too late: L6c).
** Requests are not retried: a lost reply or watch leaves the client waiting
** (ZooKeeper's TCP session would retransmit). That costs liveness only; a
** duplicated create is undone by deleting the second entry.
*/
#include <string.h>

#include "lock.h"

static void zk_send(dsim_node *n, lock_client *c, uint32_t op, int64_t seq, int64_t token)
{
    lock_msg m;
    memset(&m, 0, sizeof m);
    m.op = op;
    m.client = dsim_id(n);
    m.round = c->round;
    m.value = c->session;
    m.seq = seq;
    m.token = token;
    lock_send(n, 0, &m);   /* the service is n1 */
}

static void zk_connect(dsim_node *n, lock_client *c)
{
    c->session = 0;
    c->connecting = true;
    zk_send(n, c, OP_ZK_CONNECT, 0, 0);
}

void lock_zkc_start(dsim_node *n, lock_client *c)
{
    zk_connect(n, c);
    dsim_timer(n, T_ZK_PING, 0, dsim_opt_ms(n, "session_timeout") / 3);
}

void lock_zkc_ping(dsim_node *n, lock_client *c)
{
    if (c->connecting)
        zk_send(n, c, OP_ZK_CONNECT, 0, 0);   /* the connect may have been lost */
    else
        zk_send(n, c, OP_ZK_PING, 0, 0);
    dsim_timer(n, T_ZK_PING, 0, dsim_opt_ms(n, "session_timeout") / 3);
}

static void list(dsim_node *n, lock_client *c)
{
    zk_send(n, c, OP_ZK_CHILDREN, 0, dsim_bug(n, "herd") ? 1 : 0);
}

void lock_zkc_acquire(dsim_node *n, lock_client *c)
{
    DSIM_ASSERT(c->phase == PH_ACQUIRING);
    if (c->connecting)
        return;   /* the connect reply continues */
    if (c->my_seq == 0)
        zk_send(n, c, OP_ZK_CREATE, 0, 0);
    else
        list(n, c);
}

void lock_zkc_release(dsim_node *n, lock_client *c)
{
    if (c->my_seq && c->session)
        zk_send(n, c, OP_ZK_DELETE, c->my_seq, 0);
    c->my_seq = 0;
}

/* The listing came back: hold the lock, or watch the predecessor. */
static void listed(dsim_node *n, lock_client *c, const lock_msg *m)
{
    int mine = -1;
    for (uint32_t i = 0; i < m->count; i++)
        if (m->items[i] == c->my_seq)
            mine = (int)i;
    if (mine < 0) {               /* our entry is gone: start over */
        c->my_seq = 0;
        zk_send(n, c, OP_ZK_CREATE, 0, 0);
        return;
    }
    if (mine == 0) {
        lock_client_granted(n, c, c->my_seq);
        return;
    }
    if (dsim_bug(n, "herd"))
        return;                   /* the parent watch will wake us */
    zk_send(n, c, OP_ZK_EXISTS, m->items[mine - 1], 0);
}

static void session_lost(dsim_node *n, lock_client *c)
{
    c->session = 0;
    c->my_seq = 0;
    if (c->phase != PH_IDLE)
        lock_client_lost(n, c, "session_expired");
    zk_connect(n, c);
}

static void replied(dsim_node *n, lock_client *c, const lock_msg *m)
{
    if (m->aux == OP_ZK_CONNECT) {
        if (!c->connecting || m->status != LOCK_OK)
            return;               /* refused: the next ping tick asks again */
        c->connecting = false;
        c->session = m->seq;
        if (c->phase == PH_ACQUIRING)
            lock_zkc_acquire(n, c);
        return;
    }
    if (m->value != c->session || c->connecting)
        return;                   /* about a session that is gone */
    if (m->status == LOCK_EXPIRED) {
        session_lost(n, c);
        return;
    }
    if (c->phase != PH_ACQUIRING || m->round != c->round)
        return;
    switch (m->aux) {
    case OP_ZK_CREATE:
        if (m->status != LOCK_OK) {
            lock_client_retry(n, c);
            return;
        }
        if (c->my_seq != 0 && m->seq != c->my_seq) {
            /* a duplicated create made a second entry: keep the first */
            zk_send(n, c, OP_ZK_DELETE, m->seq, 0);
            return;
        }
        c->my_seq = m->seq;
        list(n, c);
        return;
    case OP_ZK_CHILDREN:
        listed(n, c, m);
        return;
    case OP_ZK_EXISTS:
        if (m->status == LOCK_NONE && !dsim_bug(n, "watch_race"))
            list(n, c);           /* gone before the watch was set: look again */
        return;
    default:
        return;
    }
}

void lock_zkc_message(dsim_node *n, lock_client *c, const lock_msg *m)
{
    if (m->op == OP_ZK_REPLY) {
        replied(n, c, m);
        return;
    }
    DSIM_ASSERT(m->op == OP_ZK_WATCH);
    if (c->phase != PH_ACQUIRING || c->connecting)
        return;
    c->wakeups++;
    lock_emit(n, "lock_wakeup", c, json_pack("{s:I}", "seq", (json_int_t)m->seq));
    list(n, c);
}

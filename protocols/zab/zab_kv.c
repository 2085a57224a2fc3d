/*
** zab_kv.c — the replicated state machine: the kernel's reference store
** (every workload) with client sessions, fed by committed transactions in
** zxid order; client operations; snapshots.
**
** A client op that changes state goes to the established leader, which
** proposes it (the first byte ZAB_TXN_KV, then the op) and answers when it
** applies the commit; any other server redirects. Exactly-once sessions
** are the kernel's (dsim_kv): a (client, seq) applies once, and a retry
** gets the remembered result. Reads are linearizable in one of two ways (option
** 'read'): "log" sends them through the log like writes (answered by the
** leader); "sync" lets any server in broadcast answer from its own state
** after ZooKeeper's sync — a no-op proposal whose commit reaching that
** server means it has seen everything committed before the read arrived.
** Planted bug 'local_read': any server in broadcast answers reads from its
** own state at once, as a plain ZooKeeper read does: sequentially
** consistent, not linearizable (a follower behind the leader reads stale).
** Every 'snapshot_every' applied transactions the applied state goes to
** disk and the log before it is compacted; a learner too far behind gets
** that state whole (SNAP).
*/
#include "zab.h"

size_t zab_snapshot_bytes(const zab_snapshot *snap)
{
    _Static_assert(offsetof(zab_snapshot, kv) + sizeof(zab_kv) == sizeof(zab_snapshot), "kv is last");
    _Static_assert(offsetof(zab_kv, ops) + sizeof(dsim_kv) == sizeof(zab_kv), "ops is last");
    return offsetof(zab_snapshot, kv) + offsetof(zab_kv, ops) + dsim_kv_bytes(&snap->kv.ops);
}

uint64_t zab_kv_digest(const zab_kv *kv)
{
    return dsim_kv_digest(&kv->ops) + kv->tree_digest;
}

static void decode_op(const zab_entry *e, dsim_op *op)
{
    memset(op, 0, sizeof *op);
    DSIM_ASSERT(e->len >= 1 && e->len - 1 <= sizeof *op);
    memcpy(op, e->data + 1, e->len - 1);
}

static void answer_reads(dsim_node *n, uint64_t cookie)
{
    zab_state *s = zab_of(n);
    uint32_t keep = 0;
    for (uint32_t i = 0; i < s->reads_len; i++) {
        if (s->reads[i].cookie != cookie) {
            s->reads[keep++] = s->reads[i];
            continue;
        }
        dsim_result res;
        dsim_status st = dsim_kv_read(&s->kv.ops, &s->reads[i].op, &res);
        dsim_reply_result(n, &s->reads[i].op, st, &res);
    }
    s->reads_len = keep;
}

static void apply_one(dsim_node *n, const zab_entry *e)
{
    zab_state *s = zab_of(n);
    bool mine = e->origin == dsim_id(n);
    if (e->len >= 1 && e->data[0] == ZAB_TXN_KV) {
        dsim_op op;
        dsim_result res;
        dsim_status st;
        decode_op(e, &op);
        dsim_kv_apply(&s->kv.ops, &op, &st, &res);
        if (mine && s->role == ZAB_LEADING) {
            uint32_t keep = 0;
            for (uint32_t i = 0; i < s->pending_len; i++) {
                if (s->pending[i].zxid == e->zxid && s->pending[i].op.id == op.id)
                    dsim_reply_result(n, &op, st, &res);
                else if (s->pending[i].zxid > e->zxid)
                    s->pending[keep++] = s->pending[i];
            }
            s->pending_len = keep;
        }
    } else {
        if (mine && s->reads_len)
            answer_reads(n, e->cookie);
        /* the coordination service's transactions and syncs (ZAB_INTERFACE) */
        zk_on_apply(n, e->zxid, e->data, e->len, e->cookie, mine);
        s->kv.tree_digest = zk_tree_digest(&s->kv.tree);
    }
    s->applied_pos = e->pos;
    s->applied_zxid = e->zxid;
}

void zab_make_snapshot(const zab_state *s, zab_snapshot *snap)
{
    snap->zxid = s->applied_zxid;
    snap->pos = s->applied_pos;
    memcpy(&snap->kv, &s->kv, offsetof(zab_kv, ops) + dsim_kv_bytes(&s->kv.ops));
}

static void maybe_snapshot(dsim_node *n)
{
    zab_state *s = zab_of(n);
    if (s->cfg.snapshot_every <= 0 || s->applied_pos - s->snap_pos < (uint64_t)s->cfg.snapshot_every)
        return;
    static zab_snapshot snap;
    memset(&snap, 0, sizeof snap);
    zab_make_snapshot(s, &snap);
    zab_persist_snapshot(n, &snap, true);
    s->snap_pos = snap.pos;
    s->snap_zxid = snap.zxid;
}

/* The state of a SNAP sync replaces the node's state and history. */
void zab_install_snapshot(dsim_node *n, const zab_snapshot *snap)
{
    zab_state *s = zab_of(n);
    zab_persist_snapshot(n, snap, false);
    s->snap_pos = s->last_pos = s->applied_pos = snap->pos;
    s->snap_zxid = s->applied_zxid = s->commit_zxid = snap->zxid;
    s->kv = snap->kv;
    DSIM_ASSERT(s->kv.tree.count >= 1);
    zk_on_reset(n);
}

void zab_apply_committed(dsim_node *n)
{
    zab_state *s = zab_of(n);
    while (s->applied_pos < s->last_pos) {
        const zab_entry *e = zab_entry_at(s, s->applied_pos + 1);
        if (e->zxid > s->commit_zxid)
            break;
        apply_one(n, e);
        maybe_snapshot(n);
    }
}

void zab_drop_clients(dsim_node *n)
{
    zab_state *s = zab_of(n);
    s->pending_len = 0;
    s->reads_len = 0;
}

static bool serving(const zab_state *s)
{
    return (s->role == ZAB_LEADING && s->established) ||
           ((s->role == ZAB_FOLLOWING || s->role == ZAB_OBSERVING) && s->phase == ZAB_P_BROADCAST);
}

static void on_sync_read(dsim_node *n, const dsim_op *op)
{
    zab_state *s = zab_of(n);
    if (s->reads_len == ZAB_READS_MAX) {
        dsim_reply(n, op, DSIM_FAIL, 0);
        return;
    }
    uint64_t cookie = dsim_rand(n);
    if (!zab_sync(n, cookie)) {
        dsim_reply(n, op, DSIM_FAIL, 0);
        return;
    }
    s->reads[s->reads_len++] = (zab_read){.cookie = cookie, .op = *op};
}

void zab_on_request(dsim_node *n, const dsim_op *op)
{
    zab_state *s = zab_of(n);
    if (dsim_op_readonly(op) && serving(s) && dsim_bug(n, "local_read")) {
        dsim_result res;   /* ZooKeeper's plain read: this server's state, no sync */
        dsim_status st = dsim_kv_read(&s->kv.ops, op, &res);
        dsim_reply_result(n, op, st, &res);
        return;
    }
    if (dsim_op_readonly(op) && s->cfg.read_sync && serving(s)) {
        on_sync_read(n, op);
        return;
    }
    if (s->role != ZAB_LEADING || !s->established) {
        dsim_reply(n, op, DSIM_REDIRECT, zab_leader_hint(n));
        return;
    }
    if (dsim_kv_answer_seen(n, &s->kv.ops, op))   /* a retry: the kept answer, or none */
        return;
    for (uint32_t i = 0; i < s->pending_len; i++)
        if (s->pending[i].op.id == op->id)
            return;
    uint8_t txn[ZAB_TXN_MAX];
    size_t bytes = dsim_op_bytes(op);
    _Static_assert(1 + sizeof(dsim_op) <= ZAB_TXN_MAX, "an op fits a transaction");
    txn[0] = ZAB_TXN_KV;
    memcpy(txn + 1, op, bytes);
    if (op->key >= DSIM_STORE_KEYS || s->pending_len == ZAB_PENDING_MAX) {
        dsim_refuse(n, op);
        return;
    }
    /* Waiting before it is proposed: a leader alone commits (and answers)
    ** inside zab_leader_propose. */
    s->pending[s->pending_len++] = (zab_pending){.zxid = zab_zxid(s->epoch, s->counter + 1), .op = *op};
    if (zab_leader_propose(n, txn, (uint32_t)(1 + bytes), 0, dsim_id(n)) == 0) {
        s->pending_len--;
        dsim_refuse(n, op);
    }
}

/* ---- the service offered to zk (ZAB_INTERFACE) ---------------------------- */

zk_tree *zab_tree(dsim_node *n)
{
    return &zab_of(n)->kv.tree;
}

zk_server *zab_zk(dsim_node *n)
{
    return &zab_of(n)->zk;
}

bool zab_is_leader(dsim_node *n)
{
    zab_state *s = zab_of(n);
    return s->role == ZAB_LEADING && s->established;
}

int zab_leader_hint(dsim_node *n)
{
    zab_state *s = zab_of(n);
    return s->role == ZAB_LOOKING ? -1 : s->leader_id;
}

bool zab_propose(dsim_node *n, const uint8_t *txn, uint32_t len, uint64_t cookie)
{
    return zab_leader_propose(n, txn, len, cookie, dsim_id(n)) != 0;
}

bool zab_sync(dsim_node *n, uint64_t cookie)
{
    zab_state *s = zab_of(n);
    if (!serving(s))
        return false;
    if (s->role == ZAB_LEADING) {
        uint8_t noop = ZAB_TXN_NOOP;
        return zab_leader_propose(n, &noop, 1, cookie, dsim_id(n)) != 0;
    }
    zab_syncreq r = {.epoch = s->epoch, .conn = s->conn, .cookie = cookie};
    dsim_send(n, s->leader_id, ZAB_MSG_SYNCREQ, &r, sizeof r);
    return true;
}

/*
** zab_persist.c — what a ZAB server keeps on its disk, and recovery.
**
** On disk: keys "epoch0" and "epoch1" hold (acceptedEpoch, currentEpoch)
** in turn with a sequence number, so a torn newest record (never synced,
** never acted on) leaves the one before; keys "snap0" and "snap1" hold the
** latest two snapshots in turn; the disk log holds one zab_entry per
** record, each naming its own position. Disk indices never move back: a
** position maps to a disk index by 'disk_delta'.
** The rule (the paper's Figure 2 and ZooKeeper's Learner): acceptedEpoch
** is synced before ACKEPOCH, currentEpoch and the history before the ack
** of NEWLEADER, every proposal before its ACK. Callers sync before they
** send.
** Planted bug 'epoch_not_persisted': the epochs stay in memory, so servers
** that restart may promise an epoch already used to a second leader.
*/
#include "zab.h"

typedef struct zab_epochs {
    uint64_t accepted, current, seq;
} zab_epochs;

void zab_persist_epochs(dsim_node *n)
{
    zab_state *s = zab_of(n);
    DSIM_ASSERT(s->accepted_epoch >= s->current_epoch);
    zab_epochs e = {.accepted = s->accepted_epoch, .current = s->current_epoch, .seq = ++s->epoch_seq};
    if (dsim_bug(n, "epoch_not_persisted"))
        return;
    dsim_disk_put(n, e.seq & 1 ? "epoch1" : "epoch0", &e, sizeof e);
}

static void recover_epochs(dsim_node *n, zab_state *s)
{
    s->accepted_epoch = s->current_epoch = s->epoch_seq = 0;
    for (int k = 0; k < 2; k++) {
        zab_epochs e;
        uint32_t len;
        if (dsim_disk_get_retry(n, k ? "epoch1" : "epoch0", &e, sizeof e, &len) == DSIM_DISK_OK &&
            len == sizeof e && e.seq > s->epoch_seq) {
            s->epoch_seq = e.seq;
            s->accepted_epoch = e.accepted;
            s->current_epoch = e.current;
        }
    }
}

const char *zab_snap_key(const zab_state *s)
{
    return s->snap_slot ? "snap1" : "snap0";
}

void zab_append(dsim_node *n, zab_entry *e)
{
    zab_state *s = zab_of(n);
    e->pos = s->last_pos + 1;
    zab_log_push(s, e);
    uint64_t d = dsim_disk_append(n, e, zab_entry_bytes(e));
    s->disk_delta = (int64_t)d - (int64_t)e->pos;
}

void zab_truncate(dsim_node *n, uint64_t from_pos)
{
    zab_state *s = zab_of(n);
    if (from_pos > s->last_pos)
        return;
    zab_log_cut(s, from_pos);
    dsim_disk_truncate(n, (uint64_t)((int64_t)from_pos + s->disk_delta));
}

/* Stores 'snap' durably and drops the log records it covers; without
** 'keep_log' (a SNAP sync replacing the history) every record goes. */
void zab_persist_snapshot(dsim_node *n, const zab_snapshot *snap, bool keep_log)
{
    zab_state *s = zab_of(n);
    s->snap_slot ^= 1;
    dsim_disk_put(n, zab_snap_key(s), snap, (uint32_t)zab_snapshot_bytes(snap));
    if (!keep_log)   /* a SNAP's positions are the leader's: no older one may win recovery */
        dsim_disk_put(n, s->snap_slot ? "snap0" : "snap1", snap, (uint32_t)zab_snapshot_bytes(snap));
    if (!keep_log || snap->pos >= s->last_pos)
        dsim_disk_truncate(n, dsim_disk_first(n));
    else
        dsim_disk_compact(n, (uint64_t)((int64_t)snap->pos + s->disk_delta));
    dsim_disk_sync(n);
}

static bool recover_snapshot(dsim_node *n, zab_state *s, zab_snapshot *snap)
{
    bool found = false;
    for (int k = 0; k < 2; k++) {
        static zab_snapshot x;   /* one thread; too large for the stack twice */
        uint32_t len;
        memset(&x, 0, sizeof x);
        if (dsim_disk_get_retry(n, k ? "snap1" : "snap0", &x, sizeof x, &len) == DSIM_DISK_OK &&
            len > offsetof(zab_snapshot, kv.ops) &&
            dsim_kv_check(&x.kv.ops, len - offsetof(zab_snapshot, kv.ops)) == 0 && (!found || x.pos > snap->pos)) {
            *snap = x;
            s->snap_slot = k;
            found = true;
        }
    }
    return found;
}

/* Rebuilds the server from its disk alone: epochs, the latest intact
** snapshot, and the log after it up to the first torn or missing record.
** Nothing is committed yet: the next leader's synchronisation says what is. */
void zab_recover(dsim_node *n)
{
    zab_state *s = zab_of(n);
    static zab_snapshot snap;
    recover_epochs(n, s);
    memset(&snap, 0, sizeof snap);
    if (!recover_snapshot(n, s, &snap)) {
        memset(&snap, 0, sizeof snap);
        dsim_kv_init(n, &snap.kv.ops, 0);   /* the workload's initial state (bank) */
    }
    s->snap_pos = snap.pos;
    s->snap_zxid = snap.zxid;
    s->last_pos = snap.pos;
    s->kv = snap.kv;
    if (s->kv.tree.count == 0)
        zk_tree_init(&s->kv.tree);   /* no snapshot: the empty tree, "/" alone */
    s->kv.tree_digest = zk_tree_digest(&s->kv.tree);
    s->applied_pos = snap.pos;
    s->applied_zxid = s->commit_zxid = snap.zxid;
    s->disk_delta = 0;
    uint64_t last = dsim_disk_last(n);
    for (uint64_t d = dsim_disk_first(n); d <= last && d > 0; d++) {
        zab_entry e;
        uint32_t len;
        memset(&e, 0, sizeof e);
        int rc = dsim_disk_read_retry(n, d, &e, sizeof e, &len);
        bool ok = rc == DSIM_DISK_OK && len >= offsetof(zab_entry, data) && e.len <= ZAB_TXN_MAX &&
                  len == zab_entry_bytes(&e);
        if (ok && e.pos <= s->snap_pos)
            continue;
        if (!ok || e.pos != s->last_pos + 1 || e.zxid <= zab_last_zxid(s) || zab_log_full(s)) {
            dsim_disk_truncate(n, d);
            break;
        }
        zab_log_push(s, &e);
        s->disk_delta = (int64_t)d - (int64_t)e.pos;
    }
}

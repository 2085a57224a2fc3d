/*
** raft_persist.c — what a Raft node keeps on its disk, and recovery.
**
** On disk: keys "hard0" and "hard1" hold (term, voted_for) in turn, each
** with a sequence number, so a crash that tears the newest (never synced,
** so never acted on) leaves the one before intact; keys "snap0" and "snap1"
** hold the latest two snapshots (raft_snapshot), written in turn for the
** same reason (recovery takes the intact one with the highest index, and a
** compaction is synced with the snapshot that covers it, so a crash before
** the sync undoes both); the disk log holds one raft_entry per record,
** each naming its own Raft index. The disk log is a run of stale records
** (indices at or below the snapshot, left by a crash between snapshot and
** compaction) followed by the contiguous window snap_index+1 .. last_index.
** Disk indices never move back, so a Raft index maps to a disk index by
** 'disk_delta', learnt from every append and from recovery.
**
** The rule (Figure 2, "Persistent state"): term, vote and entries reach
** the disk and are synced before the node answers a message that depends
** on them. Callers sync ('dsim_disk_sync') before they send.
** A read that fails its checksum is read again: the disk's read faults are
** transient, and only a record that fails DSIM_DISK_READ_TRIES times in a
** row is taken as torn (absent): dsim_disk_get_retry, dsim_disk_read_retry.
** Planted bug 'vote_not_persisted': the vote is kept in memory only, so a
** node that crashes and restarts in the same term may vote twice.
*/
#include "raft.h"

typedef struct raft_hard {
    uint64_t term;
    uint64_t seq;
    int32_t voted_for, pad;
} raft_hard;

void raft_persist_hard(dsim_node *n)
{
    raft_state *s = raft_of(n);
    raft_hard h = {.term = s->term, .seq = ++s->hard_seq, .voted_for = s->voted_for};
    if (dsim_bug(n, "vote_not_persisted"))
        h.voted_for = RAFT_NONE;
    dsim_disk_put(n, h.seq & 1 ? "hard1" : "hard0", &h, sizeof h);
}

/* The intact snapshot with the highest index: one of 'buf', or NULL. Only
** the record's prefix (raft_snapshot_bytes) is meaningful: the buffers
** are not zeroed past the kv's head, and dsim_kv_copy reads no more. */
static const raft_snapshot *recover_snapshot(dsim_node *n, raft_state *s, raft_snapshot buf[2])
{
    const raft_snapshot *best = NULL;
    for (int k = 0; k < 2; k++) {
        raft_snapshot *x = &buf[k];
        uint32_t len;
        memset(x, 0, offsetof(raft_snapshot, kv) + DSIM_KV_HEAD_BYTES);
        if (dsim_disk_get_retry(n, k ? "snap1" : "snap0", x, sizeof *x, &len) == DSIM_DISK_OK &&
            len >= offsetof(raft_snapshot, kv) && dsim_kv_check(&x->kv, len - offsetof(raft_snapshot, kv)) == 0 &&
            (best == NULL || x->index > best->index)) {
            best = x;
            s->snap_slot = k;
        }
    }
    return best;
}

/* The newest intact (term, vote) record, or term 0 and no vote. */
static void recover_hard(dsim_node *n, raft_state *s)
{
    s->term = 0;
    s->voted_for = RAFT_NONE;
    s->hard_seq = 0;
    static const char *const keys[2] = {"hard0", "hard1"};
    for (int k = 0; k < 2; k++) {
        raft_hard h;
        uint32_t len;
        if (dsim_disk_get_retry(n, keys[k], &h, sizeof h, &len) == DSIM_DISK_OK && len == sizeof h &&
            h.seq > s->hard_seq) {
            s->hard_seq = h.seq;
            s->term = h.term;
            s->voted_for = h.voted_for;
        }
    }
}

/* Appends 'e' (its index must be last_index + 1) to memory and disk; the
** caller syncs. Returns the index. */
uint64_t raft_append(dsim_node *n, raft_entry *e)
{
    raft_state *s = raft_of(n);
    raft_log_push(s, e);
    const raft_entry *stored = raft_entry_at(s, e->index);
    uint64_t d = dsim_disk_append(n, stored, raft_entry_bytes(stored));
    s->disk_delta = (int64_t)d - (int64_t)e->index;
    return e->index;
}

/* Drops indices >= 'from' in memory and on disk; the caller syncs. */
void raft_truncate(dsim_node *n, uint64_t from)
{
    raft_state *s = raft_of(n);
    if (from > s->last_index)
        return;
    raft_log_cut(s, from);
    dsim_disk_truncate(n, (uint64_t)((int64_t)from + s->disk_delta));
    raft_ghost_truncated(s, from);
}

/* Stores 'snap' durably and drops the log records it covers; without
** 'keep_log' (InstallSnapshot replacing a log) every record goes. */
const char *raft_snap_key(const raft_state *s)
{
    return s->snap_slot ? "snap1" : "snap0";
}

void raft_persist_snapshot(dsim_node *n, const raft_snapshot *snap, bool keep_log)
{
    raft_state *s = raft_of(n);
    s->snap_slot ^= 1;   /* never over the latest one */
    dsim_disk_put(n, raft_snap_key(s), snap, (uint32_t)raft_snapshot_bytes(snap));
    if (!keep_log || snap->index >= s->last_index) {
        dsim_disk_truncate(n, dsim_disk_first(n));
    } else {
        uint64_t upto = (uint64_t)((int64_t)snap->index + s->disk_delta);
        dsim_disk_compact(n, upto);
    }
    dsim_disk_sync(n);
}

/* Rebuilds the node from its disk alone. A record that fails its checksum
** or breaks the run of indices ends the log: it and everything after it
** are treated as lost (an unsynced tail, or a read fault). */
void raft_recover(dsim_node *n)
{
    raft_state *s = raft_of(n);
    uint32_t len;
    recover_hard(n, s);
    raft_snapshot bufs[2];
    const raft_snapshot *snap = recover_snapshot(n, s, bufs);
    if (snap != NULL) {
        dsim_kv_copy(&s->kv, &snap->kv);
    } else {   /* none: the empty state */
        raft_snapshot *empty = &bufs[0];
        memset(empty, 0, offsetof(raft_snapshot, kv));
        empty->members = s->cfg.initial_members;
        dsim_kv_init(n, &s->kv, 0);   /* the workload's initial state (bank) */
        snap = empty;
    }
    s->snap_index = snap->index;
    s->snap_term = snap->term;
    s->snap_chain = snap->chain;
    s->snap_members = snap->members;
    s->commit = s->applied = snap->index;
    s->last_index = snap->index;
    s->disk_delta = 0;
    uint64_t last = dsim_disk_last(n);
    for (uint64_t d = dsim_disk_first(n); d <= last && d > 0; d++) {
        raft_entry e;
        memset(&e, 0, sizeof e);   /* the record is a prefix (raft_entry_bytes) */
        int rc = dsim_disk_read_retry(n, d, &e, sizeof e, &len);
        bool ok = rc == DSIM_DISK_OK && len >= offsetof(raft_entry, op.mops_len) &&
                  len == raft_entry_bytes(&e);
        if (ok && e.index <= s->snap_index)
            continue;
        if (!ok || e.index != s->last_index + 1 || raft_log_full(s)) {
            dsim_disk_truncate(n, d);
            break;
        }
        raft_log_push(s, &e);
        s->disk_delta = (int64_t)d - (int64_t)e.index;
    }
    raft_config_refresh(s);
}

/* For scripted setups (control "set_log"): replaces the disk with a log of
** entries whose terms are 'terms', and sets the current term. Entry
** content is a function of (index, term), so equal pairs on different
** nodes are equal entries: writes to the last key, which no workload uses
** unless it asks for all RAFT_KEYS_MAX keys. Memory is rebuilt by raft_recover at start. */
void raft_write_log(dsim_node *n, const uint64_t *terms, int len, uint64_t term)
{
    raft_state *s = raft_of(n);
    dsim_disk_truncate(n, dsim_disk_first(n));
    dsim_disk_del(n, "snap0");
    dsim_disk_del(n, "snap1");
    s->snap_index = s->snap_term = s->snap_chain = 0;
    s->last_index = 0;
    for (int i = 0; i < len; i++) {
        uint64_t index = (uint64_t)i + 1;
        raft_entry e = {.term = terms[i], .index = index, .kind = RAFT_E_OP};
        e.op.client = -1;
        e.op.f = DSIM_F_WRITE;
        e.op.key = RAFT_KEYS_MAX - 1;
        e.op.value = (int64_t)(terms[i] * 1000 + index);
        raft_append(n, &e);
    }
    s->term = term;
    s->voted_for = RAFT_NONE;
    raft_persist_hard(n);
    dsim_disk_sync(n);
}

/*
** raft_snapshot.c — snapshots, log compaction and InstallSnapshot (§7).
**
** Every node snapshots on its own: once 'snapshot_every' entries have been
** applied past the last snapshot, the state machine at 'applied' is
** written to disk (keys "snap0"/"snap1" in turn, see raft_persist.c) with the index, term and chain of its last
** entry and the configuration in force there; then the log records it
** covers are dropped. A leader whose follower needs a compacted entry
** sends the snapshot from its disk instead. A follower keeps the part of
** its log that follows a snapshot it already agrees with, and otherwise
** replaces its whole log and state machine with the snapshot.
*/
#include "raft.h"

/* The configuration in force at 'index' (within or at the window start). */
static uint32_t members_at(const raft_state *s, uint64_t index)
{
    for (uint64_t i = index; i > s->snap_index; i--) {
        const raft_entry *e = raft_entry_at(s, i);
        if (e->kind == RAFT_E_CONFIG)
            return e->members;
    }
    return s->snap_members;
}

/* Snapshots 'kv' as the state at 'index' and compacts the log to it. */
void raft_take_snapshot(dsim_node *n, uint64_t index, const dsim_kv *kv)
{
    raft_state *s = raft_of(n);
    DSIM_ASSERT(index > s->snap_index && index <= s->last_index);
    /* Only the prefix that raft_snapshot_bytes counts is filled and
    ** written: the rest of the 72 KB store is never read. */
    raft_snapshot snap;
    snap.index = index;
    snap.term = raft_term_at(s, index);
    snap.chain = raft_chain_at(s, index);
    snap.members = members_at(s, index);
    snap.pad = 0;
    memcpy(&snap.kv, kv, dsim_kv_bytes(kv));
    raft_persist_snapshot(n, &snap, true);
    s->snap_index = index;
    s->snap_term = snap.term;
    s->snap_chain = snap.chain;
    s->snap_members = snap.members;
    raft_config_refresh(s);
}

void raft_maybe_snapshot(dsim_node *n)
{
    raft_state *s = raft_of(n);
    if (s->cfg.snapshot_every > 0 && s->applied - s->snap_index >= (uint64_t)s->cfg.snapshot_every)
        raft_take_snapshot(n, s->applied, &s->kv);
}

void raft_send_snapshot(dsim_node *n, int peer)
{
    raft_state *s = raft_of(n);
    raft_snap_req m;   /* only the prefix that travels is filled */
    memset(&m, 0, offsetof(raft_snap_req, snap.kv) + DSIM_KV_HEAD_BYTES);
    m.term = s->term;
    m.round = s->round;
    uint32_t len;
    if (dsim_disk_get_retry(n, raft_snap_key(s), &m.snap, sizeof m.snap, &len) != DSIM_DISK_OK ||
        len != raft_snapshot_bytes(&m.snap))
        return;   /* unreadable now; the next heartbeat tries again */
    DSIM_ASSERT(m.snap.index == s->snap_index);
    dsim_send(n, peer, RAFT_MSG_SNAP, &m, (uint32_t)(offsetof(raft_snap_req, snap) + len));
}

void raft_on_snapshot(dsim_node *n, int from, const raft_snap_req *m)
{
    raft_state *s = raft_of(n);
    raft_snap_reply r = {.term = s->term, .round = m->round};
    if (m->term < s->term) {
        dsim_send(n, from, RAFT_MSG_SNAP_REPLY, &r, sizeof r);
        return;
    }
    if (m->term > s->term || s->role != RAFT_FOLLOWER || s->leader_id != from)
        raft_become_follower(n, m->term, from);
    r.term = s->term;
    s->leader_seen = true;
    s->leader_seen_mono = dsim_mono(n);
    raft_reset_election_timer(n);
    const raft_snapshot *snap = &m->snap;
    r.match = snap->index;
    if (snap->index <= s->commit) {   /* nothing new: we hold it committed */
        dsim_send(n, from, RAFT_MSG_SNAP_REPLY, &r, sizeof r);
        return;
    }
    bool keep = raft_term_at(s, snap->index) == snap->term && raft_chain_at(s, snap->index) == snap->chain;
    raft_persist_snapshot(n, snap, keep);
    if (!keep)
        s->last_index = snap->index;
    s->snap_index = snap->index;
    s->snap_term = snap->term;
    s->snap_chain = snap->chain;
    s->snap_members = snap->members;
    dsim_kv_copy(&s->kv, &snap->kv);
    s->commit = s->applied = snap->index;
    raft_config_refresh(s);
    raft_ghost_truncated(s, snap->index + 1);
    dsim_send(n, from, RAFT_MSG_SNAP_REPLY, &r, sizeof r);
}

void raft_on_snapshot_reply(dsim_node *n, int from, const raft_snap_reply *m)
{
    raft_state *s = raft_of(n);
    if (raft_step_down_if_stale(n, m->term) || s->role != RAFT_LEADER || m->term != s->term)
        return;
    uint64_t before = s->match[from];
    raft_peer_progress(n, from, m->match, m->round);
    if (s->role == RAFT_LEADER && s->match[from] > before && s->next[from] <= s->last_index &&
        raft_is_member(s, from))
        raft_send_append(n, from);
}

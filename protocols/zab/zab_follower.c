/*
** zab_follower.c — the three phases at a follower or an observer.
**
** After the election the learner sends FOLLOWERINFO to its leader. On
** LEADERINFO it persists the new epoch as acceptedEpoch (sync before the
** ACKEPOCH; an epoch below the one it accepted sends it back to the
** election). Then, on the numbered connection LEADERINFO opened: SYNC
** messages (TRUNC, DIFF, SNAP) bring its history in line with the leader's,
** NEWLEADER makes it persist currentEpoch and the history and ack, UPTODATE
** commits the synced history and starts broadcast: PROPOSALs are logged,
** synced and acked in zxid order, COMMITs applied, PINGs answered.
** A message out of sequence on the connection (lost, reordered) means the
** connection broke: the learner registers again (reconnect = resync). A
** leader silent for 'sync_limit' ticks ('init_limit' before broadcast)
** sends it back to the election. Observers do all of this but never ack
** proposals and never count.
** Planted bug 'old_epoch_accept': a follower acks proposals (and pings)
** of a leader of an older epoch than the one it now follows.
*/
#include "zab.h"

static void register_with(dsim_node *n)
{
    zab_state *s = zab_of(n);
    s->phase = ZAB_P_DISCOVERY;
    s->conn = 0;
    s->next_seq = 0;
    s->newleader_acked = false;
    s->phase_mono = dsim_mono(n);
    zab_finfo f = {.accepted_epoch = s->accepted_epoch, .current_epoch = s->current_epoch,
                   .last_zxid = zab_last_zxid(s), .commit_zxid = s->commit_zxid,
                   .observer = zab_is_observer(s, dsim_id(n))};
    dsim_send(n, s->leader_id, ZAB_MSG_FOLLOWERINFO, &f, sizeof f);
}

void zab_follow(dsim_node *n, int leader)
{
    zab_state *s = zab_of(n);
    s->role = zab_is_observer(s, dsim_id(n)) ? ZAB_OBSERVING : ZAB_FOLLOWING;
    s->leader_id = leader;
    s->epoch = 0;
    s->leader_seen_mono = dsim_mono(n);
    register_with(n);
}

void zab_set_commit(dsim_node *n, uint64_t zxid)
{
    zab_state *s = zab_of(n);
    uint64_t last = zab_last_zxid(s);
    if (zxid > last)
        zxid = last;
    if (zxid > s->commit_zxid)
        s->commit_zxid = zxid;
    zab_apply_committed(n);
}

void zab_on_leaderinfo(dsim_node *n, int from, const zab_linfo *m)
{
    zab_state *s = zab_of(n);
    /* A newer LEADERINFO (we registered again before the first arrived)
    ** replaces the connection while nothing has come on it yet. */
    if ((s->role != ZAB_FOLLOWING && s->role != ZAB_OBSERVING) || from != s->leader_id ||
        !(s->phase == ZAB_P_DISCOVERY || (s->phase == ZAB_P_SYNC && s->next_seq == 1)))
        return;
    if (m->epoch < s->accepted_epoch) {
        zab_look(n);
        return;
    }
    if (m->epoch > s->accepted_epoch) {
        s->accepted_epoch = m->epoch;
        zab_persist_epochs(n);
        dsim_disk_sync(n);
    }
    s->epoch = m->epoch;
    s->conn = m->conn;
    s->next_seq = 1;
    s->phase = ZAB_P_SYNC;
    s->phase_mono = s->leader_seen_mono = dsim_mono(n);
    zab_ackepoch a = {.epoch = s->epoch, .conn = s->conn, .current_epoch = s->current_epoch,
                      .last_zxid = zab_last_zxid(s)};
    dsim_send(n, from, ZAB_MSG_ACKEPOCH, &a, sizeof a);
}

static void send_ack(dsim_node *n, int to, uint64_t epoch, uint64_t conn, uint32_t type, uint64_t zxid,
                     bool newleader)
{
    zab_ack a = {.epoch = epoch, .conn = conn, .zxid = zxid, .newleader = newleader};
    dsim_send(n, to, type, &a, sizeof a);
}

static void on_sync(dsim_node *n, const dsim_msg *m)
{
    zab_state *s = zab_of(n);
    zab_sync_head h;
    DSIM_ASSERT(m->len >= sizeof h);
    memcpy(&h, m->data, sizeof h);
    const uint8_t *body = (const uint8_t *)m->data + sizeof h;
    if (h.mode == ZAB_SYNC_SNAP) {
        static zab_snapshot snap;
        size_t len = m->len - sizeof h;
        DSIM_ASSERT(len <= sizeof snap && len >= offsetof(zab_snapshot, kv.ops));
        memset(&snap, 0, sizeof snap);
        memcpy(&snap, body, len);
        DSIM_ASSERT(len == zab_snapshot_bytes(&snap));
        zab_install_snapshot(n, &snap);
        return;
    }
    if (h.mode == ZAB_SYNC_TRUNC) {
        uint64_t p = zab_pos_floor(s, h.trunc_zxid);
        if (zab_zxid_at(s, p) != h.trunc_zxid || h.trunc_zxid < s->applied_zxid) {
            register_with(n);   /* cannot cut there: ask again (the leader sends SNAP) */
            return;
        }
        zab_truncate(n, p + 1);
        if (s->commit_zxid > h.trunc_zxid)
            s->commit_zxid = h.trunc_zxid;
        dsim_disk_sync(n);
        return;
    }
    DSIM_ASSERT(h.mode == ZAB_SYNC_DIFF && m->len == sizeof h + h.count * sizeof(zab_entry));
    for (uint32_t i = 0; i < h.count; i++) {
        zab_entry e;
        memcpy(&e, body + i * sizeof e, sizeof e);
        if (e.zxid <= zab_last_zxid(s))
            continue;
        if (zab_log_full(s)) {
            register_with(n);
            return;
        }
        zab_append(n, &e);
    }
    dsim_disk_sync(n);
}

static void on_proposal(dsim_node *n, int from, const dsim_msg *m)
{
    zab_state *s = zab_of(n);
    zab_entry e;
    DSIM_ASSERT(m->len == sizeof(zab_chan) + sizeof e);
    memcpy(&e, (const uint8_t *)m->data + sizeof(zab_chan), sizeof e);
    if (e.zxid <= zab_last_zxid(s) || zab_epoch_of(e.zxid) != s->epoch)
        return;
    if (zab_log_full(s)) {
        register_with(n);
        return;
    }
    zab_append(n, &e);
    dsim_disk_sync(n);
    if (s->role == ZAB_FOLLOWING)
        send_ack(n, from, s->epoch, s->conn, ZAB_MSG_ACK, e.zxid, false);
}

/* A message of a connection that is not ours: an older leader's, or a
** stale connection of ours. Only the planted bug answers it. */
static void foreign(dsim_node *n, int from, uint32_t type, const dsim_msg *m, const zab_chan *ch)
{
    zab_state *s = zab_of(n);
    if (!dsim_bug(n, "old_epoch_accept") || s->role != ZAB_FOLLOWING || ch->epoch >= s->epoch)
        return;
    if (type == ZAB_MSG_PROPOSAL) {
        zab_entry e;
        memcpy(&e, (const uint8_t *)m->data + sizeof(zab_chan), sizeof e);
        send_ack(n, from, ch->epoch, ch->conn, ZAB_MSG_ACK, e.zxid, false);
    } else if (type == ZAB_MSG_PING) {
        send_ack(n, from, ch->epoch, ch->conn, ZAB_MSG_PINGACK, 0, false);
    }
}

void zab_on_chan(dsim_node *n, int from, uint32_t type, const dsim_msg *m)
{
    zab_state *s = zab_of(n);
    zab_chan ch;
    DSIM_ASSERT(m->len >= sizeof ch);
    memcpy(&ch, m->data, sizeof ch);
    if ((s->role != ZAB_FOLLOWING && s->role != ZAB_OBSERVING) || from != s->leader_id ||
        ch.conn != s->conn || ch.epoch != s->epoch || s->phase < ZAB_P_SYNC) {
        foreign(n, from, type, m, &ch);
        return;
    }
    if (ch.seq < s->next_seq)
        return;   /* a duplicate */
    s->leader_seen_mono = dsim_mono(n);
    if (ch.seq > s->next_seq) {   /* a gap: the connection broke */
        register_with(n);
        return;
    }
    s->next_seq++;
    zab_commit c;
    switch (type) {
    case ZAB_MSG_SYNC:
        on_sync(n, m);
        return;
    case ZAB_MSG_NEWLEADER:
        s->current_epoch = s->epoch;
        zab_persist_epochs(n);
        dsim_disk_sync(n);
        s->newleader_acked = true;
        send_ack(n, from, s->epoch, s->conn, ZAB_MSG_ACK, zab_last_zxid(s), true);
        return;
    case ZAB_MSG_UPTODATE:
        DSIM_ASSERT(m->len == sizeof c);
        memcpy(&c, m->data, sizeof c);
        s->phase = ZAB_P_BROADCAST;
        zab_set_commit(n, c.zxid);
        return;
    case ZAB_MSG_PROPOSAL:
        on_proposal(n, from, m);
        return;
    case ZAB_MSG_COMMIT:
    case ZAB_MSG_PING:
        DSIM_ASSERT(m->len == sizeof c);
        memcpy(&c, m->data, sizeof c);
        if (s->phase == ZAB_P_BROADCAST || type == ZAB_MSG_COMMIT)
            zab_set_commit(n, c.zxid);
        if (type == ZAB_MSG_PING)
            send_ack(n, from, s->epoch, s->conn, ZAB_MSG_PINGACK, zab_last_zxid(s), false);
        return;
    default:
        DSIM_ASSERT(!"not a connection message");
    }
}

void zab_follower_tick(dsim_node *n)
{
    zab_state *s = zab_of(n);
    int64_t limit = (s->phase == ZAB_P_BROADCAST ? s->cfg.sync_ticks : s->cfg.init_ticks) * s->cfg.tick_ns;
    if (dsim_mono(n) - s->leader_seen_mono > limit)
        zab_look(n);
    else if (s->phase == ZAB_P_DISCOVERY && dsim_mono(n) - s->phase_mono > s->cfg.tick_ns * 2)
        register_with(n);   /* FOLLOWERINFO or LEADERINFO lost: ask again */
}

/*
** zab_leader.c — the three phases at the leader.
**
** Discovery: the prospective leader collects FOLLOWERINFO (acceptedEpoch)
** from a quorum of voters, itself included, proposes epoch max + 1 in
** LEADERINFO (persisting it as its own acceptedEpoch first), and waits for
** a quorum of ACKEPOCH. A quorum member whose (currentEpoch, last zxid) is
** newer than the leader's sends it back to the election: the leader's
** history must hold everything committed so far.
** Synchronisation: each learner whose epoch ack came gets DIFF, TRUNC or
** SNAP (zab_sync_mode), then NEWLEADER. A quorum of NEWLEADER acks
** establishes the leader: it persists currentEpoch, commits its whole
** initial history and sends UPTODATE. Later learners are synced the same
** way and get UPTODATE at once.
** Broadcast: PROPOSAL (logged and synced by the leader first), ACK, and
** COMMIT when a quorum of voters acked; acks are cumulative (a learner logs
** in zxid order on a FIFO connection), and so are PINGACKs.
** The leader goes back to the election when it has not heard from a quorum
** within 'sync_limit' ticks (or, before it is established, 'init_limit').
** A learner whose NEWLEADER ack has not come within 'init_limit' ticks is
** dropped (ZooKeeper's LearnerHandler reads that ack with the same
** timeout): its pings stop, so it times out and registers again. Pinged
** on, a learner whose ack was lost answered every ping and waited for an
** UPTODATE that never came, its history never committed (zk.lua seed
** 145229: a lock waiter's watch on that server never fired).
** Planted bugs: 'skip_sync' sends NEWLEADER without synchronising the
** learner's history; 'commit_before_quorum' commits a proposal as soon as
** the leader has logged it.
*/
#include "zab.h"

static void chan_send(dsim_node *n, int p, uint32_t type, void *msg, uint32_t len)
{
    zab_state *s = zab_of(n);
    zab_chan ch = {.epoch = s->epoch, .conn = s->peer[p].conn, .seq = ++s->peer[p].seq};
    memcpy(msg, &ch, sizeof ch);
    dsim_send(n, p, type, msg, len);
}

static uint32_t peers_in(const zab_state *s, int me, uint32_t phase)
{
    uint32_t set = 1u << me;
    for (int p = 0; p < s->cfg.servers; p++)
        if (p != me && s->peer[p].phase >= phase)
            set |= 1u << p;
    return set;
}

void zab_lead(dsim_node *n)
{
    zab_state *s = zab_of(n);
    int me = dsim_id(n);
    s->role = ZAB_LEADING;
    s->phase = ZAB_P_DISCOVERY;
    s->established = false;
    s->epoch_acked = false;
    s->leader_id = me;
    s->epoch = 0;
    s->counter = 0;
    s->phase_mono = dsim_mono(n);
    memset(s->peer, 0, sizeof s->peer);
    s->peer[me].phase = 1;
    s->peer[me].accepted_epoch = s->accepted_epoch;
    dsim_emit(n, "elected", json_pack("{s:i}", "round", (json_int_t)s->round));
}

/* The SYNC messages that bring learner 'p' in line, then NEWLEADER. */
static void sync_peer(dsim_node *n, int p)
{
    zab_state *s = zab_of(n);
    zab_peer *q = &s->peer[p];
    static uint8_t buf[sizeof(zab_sync_head) + ZAB_DIFF_MAX * sizeof(zab_entry) + sizeof(zab_snapshot)];
    zab_sync_head h = {.mode = ZAB_SYNC_DIFF};
    uint64_t from_pos = s->last_pos + 1;
    if (!dsim_bug(n, "skip_sync")) {
        h.mode = (uint32_t)zab_sync_mode(s, q->last_zxid, q->commit_zxid, &h.trunc_zxid);
        if (h.mode == ZAB_SYNC_SNAP) {
            static zab_snapshot snap;
            zab_make_snapshot(s, &snap);
            size_t sb = zab_snapshot_bytes(&snap);
            memcpy(buf + sizeof h, &snap, sb);
            chan_send(n, p, ZAB_MSG_SYNC, memcpy(buf, &h, sizeof h), (uint32_t)(sizeof h + sb));
            from_pos = s->applied_pos + 1;
        } else {
            from_pos = zab_pos_floor(s, h.mode == ZAB_SYNC_TRUNC ? h.trunc_zxid : q->last_zxid) + 1;
            if (h.mode == ZAB_SYNC_TRUNC)
                chan_send(n, p, ZAB_MSG_SYNC, memcpy(buf, &h, sizeof h), sizeof h);
        }
    }
    while (from_pos <= s->last_pos) {
        zab_sync_head d = {.mode = ZAB_SYNC_DIFF};
        for (; from_pos <= s->last_pos && d.count < ZAB_DIFF_MAX; from_pos++, d.count++)
            memcpy(buf + sizeof d + d.count * sizeof(zab_entry), zab_entry_at(s, from_pos), sizeof(zab_entry));
        memcpy(buf, &d, sizeof d);
        chan_send(n, p, ZAB_MSG_SYNC, buf, (uint32_t)(sizeof d + d.count * sizeof(zab_entry)));
    }
    static const char *const modes[] = {"DIFF", "TRUNC", "SNAP"};
    uint64_t shown = h.mode == ZAB_SYNC_TRUNC ? h.trunc_zxid : h.mode == ZAB_SYNC_SNAP ? s->applied_zxid
                                                                                       : q->last_zxid;
    dsim_emit(n, "sync", json_pack("{s:i,s:s,s:o}", "learner", p + 1, "mode",
                                   dsim_bug(n, "skip_sync") ? "none" : modes[h.mode], "zxid", zab_zxid_json(shown)));
    zab_newleader nl = {.last_zxid = zab_last_zxid(s)};
    chan_send(n, p, ZAB_MSG_NEWLEADER, &nl, sizeof nl);
    q->phase = 3;
    q->acked = 0;
    q->newleader_mono = dsim_mono(n);
}

static void send_uptodate(dsim_node *n, int p)
{
    zab_state *s = zab_of(n);
    zab_commit u = {.zxid = s->commit_zxid};
    chan_send(n, p, ZAB_MSG_UPTODATE, &u, sizeof u);
}

static void establish(dsim_node *n)
{
    zab_state *s = zab_of(n);
    s->current_epoch = s->epoch;
    zab_persist_epochs(n);
    dsim_disk_sync(n);
    s->established = true;
    s->phase = ZAB_P_BROADCAST;
    s->counter = 0;
    dsim_emit(n, "established", json_pack("{s:i,s:o}", "epoch", (json_int_t)s->epoch, "zxid",
                                          zab_zxid_json(zab_last_zxid(s))));
    zab_set_commit(n, zab_last_zxid(s));
    for (int p = 0; p < s->cfg.servers; p++)
        if (p != dsim_id(n) && s->peer[p].phase == 4)
            send_uptodate(n, p);
}

void zab_on_followerinfo(dsim_node *n, int from, const zab_finfo *m)
{
    zab_state *s = zab_of(n);
    if (s->role != ZAB_LEADING || from == dsim_id(n) || from >= s->cfg.servers)
        return;
    zab_peer *q = &s->peer[from];
    *q = (zab_peer){.conn = dsim_rand(n) | 1, .accepted_epoch = m->accepted_epoch,
                    .current_epoch = m->current_epoch, .last_zxid = m->last_zxid,
                    .commit_zxid = m->commit_zxid, .heard_mono = dsim_mono(n), .phase = 1,
                    .observer = zab_is_observer(s, from)};
    if (s->phase == ZAB_P_DISCOVERY) {
        if (!zab_quorum(s, peers_in(s, dsim_id(n), 1)))
            return;
        uint64_t max = s->accepted_epoch;
        for (int p = 0; p < s->cfg.servers; p++)
            if (s->peer[p].phase >= 1 && s->peer[p].accepted_epoch > max)
                max = s->peer[p].accepted_epoch;
        s->epoch = zab_next_epoch(max);
        s->accepted_epoch = s->epoch;
        zab_persist_epochs(n);
        dsim_disk_sync(n);
        s->phase = ZAB_P_SYNC;
        s->phase_mono = dsim_mono(n);
        s->peer[dsim_id(n)].phase = 2;
        for (int p = 0; p < s->cfg.servers; p++)
            if (p != dsim_id(n) && s->peer[p].phase == 1) {
                zab_linfo li = {.epoch = s->epoch, .conn = s->peer[p].conn};
                dsim_send(n, p, ZAB_MSG_LEADERINFO, &li, sizeof li);
            }
        return;
    }
    zab_linfo li = {.epoch = s->epoch, .conn = q->conn};
    dsim_send(n, from, ZAB_MSG_LEADERINFO, &li, sizeof li);
}

void zab_on_ackepoch(dsim_node *n, int from, const zab_ackepoch *m)
{
    zab_state *s = zab_of(n);
    if (s->role != ZAB_LEADING || s->phase < ZAB_P_SYNC || from >= s->cfg.servers)
        return;
    zab_peer *q = &s->peer[from];
    if (m->epoch != s->epoch || m->conn != q->conn || q->phase != 1)
        return;
    q->phase = 2;
    q->current_epoch = m->current_epoch;
    q->last_zxid = m->last_zxid;
    q->heard_mono = dsim_mono(n);
    if (!s->established && !q->observer) {
        zab_vote theirs = {.epoch = m->current_epoch, .zxid = m->last_zxid};
        zab_vote mine = {.epoch = s->current_epoch, .zxid = zab_last_zxid(s)};
        if (zab_vote_better(&theirs, &mine)) {   /* its history is newer than ours */
            zab_look(n);
            return;
        }
    }
    if (s->epoch_acked) {
        sync_peer(n, from);
        return;
    }
    if (!zab_quorum(s, peers_in(s, dsim_id(n), 2)))
        return;
    s->epoch_acked = true;
    for (int p = 0; p < s->cfg.servers; p++)
        if (p != dsim_id(n) && s->peer[p].phase == 2)
            sync_peer(n, p);
}

/* Commits the highest zxid a quorum of voters has logged. */
static void try_commit(dsim_node *n)
{
    zab_state *s = zab_of(n);
    int me = dsim_id(n);
    uint64_t last = zab_last_zxid(s), best = s->commit_zxid;
    if (dsim_bug(n, "commit_before_quorum")) {
        best = last;
    } else {
        for (uint64_t p = s->last_pos; p > s->snap_pos; p--) {
            uint64_t z = zab_zxid_at(s, p);
            if (z <= best)
                break;
            uint32_t set = 1u << me;
            for (int i = 0; i < s->cfg.voters; i++)
                if (i != me && s->peer[i].phase == 4 && s->peer[i].acked >= z)
                    set |= 1u << i;
            if (zab_quorum(s, set)) {
                best = z;
                break;
            }
        }
    }
    if (best <= s->commit_zxid)
        return;
    zab_set_commit(n, best);
    dsim_emit(n, "commit", json_pack("{s:i,s:o}", "epoch", (json_int_t)s->epoch, "zxid", zab_zxid_json(best)));
    for (int p = 0; p < s->cfg.servers; p++)
        if (p != me && s->peer[p].phase >= 3) {
            zab_commit c = {.zxid = best};
            chan_send(n, p, ZAB_MSG_COMMIT, &c, sizeof c);
        }
}

void zab_on_ack(dsim_node *n, int from, const zab_ack *m)
{
    zab_state *s = zab_of(n);
    if (s->role != ZAB_LEADING || from >= s->cfg.servers)
        return;
    zab_peer *q = &s->peer[from];
    if (m->epoch != s->epoch || m->conn != q->conn || q->phase < 3)
        return;
    q->heard_mono = dsim_mono(n);
    if (m->newleader) {
        if (q->phase != 3)
            return;
        q->phase = 4;
        q->acked = m->zxid;
        if (s->established)
            send_uptodate(n, from);
        else if (zab_quorum(s, peers_in(s, dsim_id(n), 4)))
            establish(n);
    } else if (q->phase == 4 && m->zxid > q->acked) {
        q->acked = m->zxid;
    }
    if (s->established)
        try_commit(n);
}

uint64_t zab_leader_propose(dsim_node *n, const uint8_t *txn, uint32_t len, uint64_t cookie, int origin)
{
    zab_state *s = zab_of(n);
    if (s->role != ZAB_LEADING || !s->established || len > ZAB_TXN_MAX || zab_log_full(s))
        return 0;
    /* An epoch not above the history's (only a planted bug gets here: the
    ** invariants report it) cannot make an increasing zxid. */
    if (zab_zxid(s->epoch, s->counter + 1) <= zab_last_zxid(s))
        return 0;
    zab_entry e = {.zxid = zab_zxid(s->epoch, ++s->counter), .cookie = cookie, .origin = origin, .len = len};
    memcpy(e.data, txn, len);
    zab_append(n, &e);
    dsim_disk_sync(n);
    for (int p = 0; p < s->cfg.servers; p++)
        if (p != dsim_id(n) && s->peer[p].phase >= 3) {
            static uint8_t buf[sizeof(zab_chan) + sizeof(zab_entry)];
            memcpy(buf + sizeof(zab_chan), &e, sizeof e);
            chan_send(n, p, ZAB_MSG_PROPOSAL, buf, sizeof buf);
        }
    try_commit(n);
    return e.zxid;
}

void zab_on_syncreq(dsim_node *n, int from, const zab_syncreq *m)
{
    zab_state *s = zab_of(n);
    if (s->role != ZAB_LEADING || !s->established || from >= s->cfg.servers || m->epoch != s->epoch ||
        m->conn != s->peer[from].conn || s->peer[from].phase != 4)
        return;
    uint8_t noop = ZAB_TXN_NOOP;
    zab_leader_propose(n, &noop, 1, m->cookie, from);
}

/* Every tick: pings, and the quorum check. */
void zab_leader_tick(dsim_node *n)
{
    zab_state *s = zab_of(n);
    int64_t now = dsim_mono(n);
    if (!s->established) {
        if (now - s->phase_mono > s->cfg.init_ticks * s->cfg.tick_ns)
            zab_look(n);
        return;
    }
    uint32_t live = 1u << dsim_id(n);
    for (int p = 0; p < s->cfg.servers; p++) {
        zab_peer *q = &s->peer[p];
        if (p == dsim_id(n) || q->phase < 3)
            continue;
        if (q->phase == 3 && now - q->newleader_mono > s->cfg.init_ticks * s->cfg.tick_ns) {
            *q = (zab_peer){0};   /* as before its FOLLOWERINFO */
            continue;
        }
        if (q->phase == 4 && now - q->heard_mono <= s->cfg.sync_ticks * s->cfg.tick_ns)
            live |= 1u << p;
        zab_commit ping = {.zxid = s->commit_zxid};
        chan_send(n, p, ZAB_MSG_PING, &ping, sizeof ping);
    }
    if (!zab_quorum(s, live))
        zab_look(n);
}

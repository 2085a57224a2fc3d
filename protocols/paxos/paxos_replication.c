/*
** paxos_replication.c — Multi-Paxos phase 2 per slot, commitment, and
** learning.
**
** Leader: for each acceptor a 'next' slot to send and a 'match' slot: the
** acceptor accepted, at the leader's ballot, every slot in (commit0,
** match], where commit0 is the leader's commit point when it won (slots
** up to it were chosen before). Accept messages carry a contiguous run of
** slots from 'next', the leader's commit, and a heartbeat round; the
** leader's own acceptor accepts first, locally. Slots below the leader's
** commit point are sent again, at the leader's ballot, to acceptors that
** lack them: they hold chosen values, so proposing them again is safe.
** A slot is chosen when q2 acceptors match it; the commit is the highest
** such slot (the q2-th highest match), and every slot below it is chosen
** too (recovery proposed all of them at this ballot).
** Acceptor (learner): a slot is learnt when the leader of ballot b says
** its commit passed it and the acceptor holds it at ballot b (a leader
** proposes one value per slot per ballot). A reply whose learnt prefix
** stopped short of what that Accept sent and committed sends the leader
** back to it. Followers behind the leader's snapshot get the snapshot.
** A reply moves 'next' only when it extends 'match' contiguously; only
** such a reply triggers the next Accept (duplicates must not multiply).
*/
#include <stdlib.h>

#include "paxos.h"

/* The leader's snapshot of its state machine to 'peer' (behind it). */
static void send_snapshot(dsim_node *n, int peer)
{
    paxos_state *s = paxos_of(n);
    paxos_snap_msg *m = calloc(1, sizeof *m);
    DSIM_ASSERT(m != NULL);
    m->ballot = s->ballot;
    m->round = s->round;
    m->snap.slot = s->applied;
    m->snap.kv = s->kv;
    dsim_send(n, peer, PAXOS_MSG_SNAP, m,
              (uint32_t)(offsetof(paxos_snap_msg, snap) + paxos_snapshot_bytes(&m->snap)));
    free(m);
}

void paxos_send_accept(dsim_node *n, int peer)
{
    paxos_state *s = paxos_of(n);
    DSIM_ASSERT(s->role == PAXOS_LEADER && peer != dsim_id(n));
    if (s->next[peer] <= s->snap) {
        send_snapshot(n, peer);
        return;
    }
    if (s->next[peer] > s->last + 1)
        s->next[peer] = s->last + 1;
    struct {
        paxos_accept h;
        paxos_entry e[PAXOS_BATCH_MAX];
    } msg;
    memset(&msg.h, 0, sizeof msg.h);
    msg.h.ballot = s->ballot;
    msg.h.commit = s->commit;
    msg.h.round = s->round;
    /* 'batch' bounds the new commands an Accept carries; the slots recovery
    ** re-proposes (up to recover_hi) travel in full runs, or a leader that
    ** recovers hundreds of slots one per round trip starves its clients. */
    uint32_t count = 0;
    for (uint64_t i = s->next[peer];
         i <= s->last && count < (i <= s->recover_hi ? PAXOS_BATCH_MAX : (uint32_t)s->cfg.batch); i++) {
        const paxos_entry *e = paxos_entry_at(s, i);
        DSIM_ASSERT(e != NULL);   /* recovery left no holes above the snapshot */
        msg.e[count] = *e;
        msg.e[count].ballot = s->ballot;
        count++;
    }
    msg.h.count = count;
    dsim_send(n, peer, PAXOS_MSG_ACCEPT, &msg,
              (uint32_t)(sizeof msg.h + count * sizeof(paxos_entry)));
}

void paxos_broadcast(dsim_node *n)
{
    paxos_state *s = paxos_of(n);
    s->round++;
    s->round_sent_mono[s->round % PAXOS_ROUNDS] = dsim_mono(n);
    s->acked_round[dsim_id(n)] = s->round;
    for (int i = 0; i < dsim_cluster_size(n); i++)
        if (i != dsim_id(n))
            paxos_send_accept(n, i);
    paxos_lease_progress(n);
}

void paxos_on_heartbeat_timer(dsim_node *n)
{
    paxos_state *s = paxos_of(n);
    s->heartbeat_timer = 0;
    if (s->role != PAXOS_LEADER)
        return;
    paxos_broadcast(n);
    s->heartbeat_timer = dsim_timer(n, PAXOS_T_HEARTBEAT, 0, s->cfg.heartbeat_ns);
}

/* Proposes 'cmd' in the next slot at the leader's ballot (its own acceptor
** accepts it now; the caller syncs). Returns the slot, or 0 when the
** window is full. */
uint64_t paxos_propose(dsim_node *n, const paxos_cmd *cmd)
{
    paxos_state *s = paxos_of(n);
    DSIM_ASSERT(s->role == PAXOS_LEADER);
    if (s->last + 1 > s->snap + PAXOS_LOG_MAX)
        return 0;
    paxos_entry e = {.slot = s->last + 1, .ballot = s->ballot, .cmd = *cmd};
    paxos_store(n, &e);
    return e.slot;
}

static void set_commit(dsim_node *n, uint64_t commit)
{
    paxos_state *s = paxos_of(n);
    if (commit <= s->commit)
        return;
    s->commit = commit;
    if (s->role == PAXOS_LEADER)
        dsim_emit(n, "chosen", json_pack("{s:i, s:I, s:I}", "node", dsim_id(n) + 1,
                                         "slot", (json_int_t)commit, "ballot", (json_int_t)s->ballot));
    paxos_apply_chosen(n);
}

/* The q2-th highest match among the acceptors is chosen. */
void paxos_advance_commit(dsim_node *n)
{
    paxos_state *s = paxos_of(n);
    if (s->role != PAXOS_LEADER)
        return;
    s->match[dsim_id(n)] = s->last;
    uint64_t m[PAXOS_NODES_MAX];
    int k = 0;
    for (int p = 0; p < dsim_cluster_size(n); p++)
        if (paxos_has(s->cfg.acceptors, p))
            m[k++] = s->match[p];
    for (int i = 1; i < k; i++)   /* insertion sort, descending; k <= 32 */
        for (int j = i; j > 0 && m[j] > m[j - 1]; j--) {
            uint64_t t = m[j];
            m[j] = m[j - 1];
            m[j - 1] = t;
        }
    DSIM_ASSERT(s->cfg.q2 >= 1 && s->cfg.q2 <= k);
    set_commit(n, m[s->cfg.q2 - 1]);
}

void paxos_learn(dsim_node *n, uint64_t ballot, uint64_t commit)
{
    paxos_state *s = paxos_of(n);
    uint64_t c = s->commit;
    while (c < commit) {
        const paxos_entry *e = paxos_entry_at(s, c + 1);
        if (!e || e->ballot != ballot)
            break;
        c++;
    }
    set_commit(n, c);
}

static void step_down(dsim_node *n, uint64_t promised)
{
    paxos_note_ballot(n, promised);
    paxos_become_follower(n, PAXOS_NONE);
}

void paxos_on_accepted(dsim_node *n, int from, const paxos_accepted *m)
{
    paxos_state *s = paxos_of(n);
    paxos_note_ballot(n, m->promised);
    if (s->role != PAXOS_LEADER)
        return;
    if (m->promised > s->ballot) {
        step_down(n, m->promised);
        return;
    }
    if (!m->ok || m->ballot != s->ballot)
        return;
    if (m->round > s->acked_round[from])
        s->acked_round[from] = m->round;
    bool moved = false;
    if (m->first && m->first <= s->match[from] + 1 && m->last > s->match[from]) {
        s->match[from] = m->last;
        moved = true;
    }
    if (m->commit > s->match[from] && m->commit <= s->commit)
        s->match[from] = s->match[from] > m->commit ? s->match[from] : m->commit;
    if (s->next[from] <= s->match[from]) {
        s->next[from] = s->match[from] + 1;
        moved = true;
    }
    /* What this reply's Accept sent and committed (a heartbeat: all sent so
    ** far). Measured against the leader's 'next' instead, a late or
    ** duplicated reply would rewind it and start one more stream of
    ** Accepts that nothing ends: under duplication, an event storm. */
    uint64_t sent = m->first ? m->last : s->next[from] - 1;
    uint64_t want = m->sent_commit < sent ? m->sent_commit : sent;
    if (m->commit < want && m->commit + 1 > s->snap) {
        s->next[from] = m->commit + 1;   /* it lacks a slot at this ballot */
        if (s->match[from] > m->commit && s->match[from] <= s->commit0)
            s->match[from] = m->commit;
        moved = true;
    }
    paxos_advance_commit(n);
    if (s->role != PAXOS_LEADER)
        return;
    paxos_lease_progress(n);
    if (moved && s->next[from] <= s->last)
        paxos_send_accept(n, from);
}

/* Replaces the state machine by 'snap' (its slots are chosen) and
** compacts the window below it. */
void paxos_install_snapshot(dsim_node *n, const paxos_snapshot *snap)
{
    paxos_state *s = paxos_of(n);
    if (snap->slot <= s->commit)
        return;
    s->kv = snap->kv;
    s->commit = s->applied = snap->slot;
    paxos_persist_snapshot(n, snap);
}

void paxos_on_snapshot(dsim_node *n, int from, const paxos_snap_msg *m)
{
    paxos_state *s = paxos_of(n);
    paxos_note_ballot(n, m->ballot);
    paxos_accepted r = {.ballot = m->ballot, .round = m->round};
    if (m->ballot >= s->promised) {
        if (m->ballot > s->promised) {
            s->promised = m->ballot;
            paxos_persist_hard(n);
            dsim_disk_sync(n);
        }
        if ((s->role != PAXOS_FOLLOWER || s->leader_hint != from) && m->ballot > s->ballot)
            paxos_become_follower(n, from);
        if (s->role == PAXOS_FOLLOWER) {
            s->leader_hint = from;
            s->leader_seen = true;
            s->leader_seen_mono = dsim_mono(n);
            paxos_reset_election_timer(n, false);
        }
        paxos_install_snapshot(n, &m->snap);
        r.ok = 1;
    }
    r.promised = s->promised;
    r.commit = s->commit;
    r.sent_commit = s->commit;
    dsim_send(n, from, PAXOS_MSG_ACCEPTED, &r, sizeof r);
}

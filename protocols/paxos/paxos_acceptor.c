/*
** paxos_acceptor.c — the acceptor: phase 1b (Promise) and phase 2b
** (Accepted), shared by both variants.
**
** Rules kept here:
** - Promise only a ballot strictly above the current promise; the promise
**   is on disk, synced, before the Promise leaves (planted bug
**   'no_persist_promise' writes it as 0, so a restart forgets it).
** - Accept a ballot at or above the promise (and raise the promise to it);
**   the entries are on disk, synced, before Accepted leaves.
** - A Promise reports every accepted entry at or above the slot the
**   proposer asked from, and the snapshot when it covers that slot (Multi).
** - One promise covers every slot (Multi-Paxos's phase 1 "for all slots").
** - With 'lease_read' (Multi), an acceptor that heard from a live leader
**   less than a minimum election timeout ago refuses other ballots'
**   Prepare: the leader's lease rests on that. A restarted acceptor does
**   not know whether it counted towards a lease, so it refuses every
**   Prepare for an election timeout after boot.
** Refusals carry the promise, so the proposer learns what to beat.
*/
#include <stdlib.h>

#include "paxos.h"

void paxos_note_ballot(dsim_node *n, uint64_t ballot)
{
    paxos_state *s = paxos_of(n);
    if (ballot > s->seen_max)
        s->seen_max = ballot;
}

/* Raises the promise to 'ballot' on disk (synced); false when it is not
** above the current one. */
bool paxos_promise_local(dsim_node *n, uint64_t ballot)
{
    paxos_state *s = paxos_of(n);
    if (ballot <= s->promised)
        return false;
    s->promised = ballot;
    paxos_persist_hard(n);
    dsim_disk_sync(n);
    return true;
}

static void send_promise(dsim_node *n, int to, const paxos_prepare *m, bool ok)
{
    paxos_state *s = paxos_of(n);
    struct {
        paxos_promise h;
        paxos_snapshot snap;
        paxos_entry e[PAXOS_LOG_MAX];
    } *msg = NULL;
    static const size_t hdr = sizeof(paxos_promise);
    paxos_promise h = {.ballot = m->ballot, .promised = s->promised, .ok = ok, .snap_slot = s->snap};
    if (!ok) {
        dsim_send(n, to, PAXOS_MSG_PROMISE, &h, (uint32_t)hdr);
        return;
    }
    msg = calloc(1, sizeof *msg);
    DSIM_ASSERT(msg != NULL);
    char *p = (char *)msg + hdr;
    /* Slots the proposer lacks that this node has applied go as a
    ** snapshot of its state machine (every applied slot is chosen). */
    if (s->cfg.multi && s->applied > 0 && s->applied >= m->from_slot) {
        h.has_snap = 1;   /* it goes after the entries, cut at its contents */
        h.snap_slot = s->applied;
    }
    uint64_t from = m->from_slot > s->snap ? m->from_slot : s->snap + 1;
    if (h.has_snap && from <= h.snap_slot)
        from = h.snap_slot + 1;
    for (uint64_t i = from; i <= s->last; i++) {
        const paxos_entry *e = paxos_entry_at(s, i);
        if (e) {
            memcpy(p, e, sizeof *e);
            p += sizeof *e;
            h.count++;
        }
    }
    if (h.has_snap) {
        paxos_snapshot *snap = (paxos_snapshot *)(void *)p;   /* room: msg has a whole one */
        snap->slot = s->applied;
        snap->digest_check = 0;
        snap->kv = s->kv;
        p += paxos_snapshot_bytes(snap);
    }
    memcpy(msg, &h, hdr);
    dsim_send(n, to, PAXOS_MSG_PROMISE, msg, (uint32_t)(p - (char *)msg));
    free(msg);
}

void paxos_on_prepare(dsim_node *n, int from, const paxos_prepare *m)
{
    paxos_state *s = paxos_of(n);
    paxos_note_ballot(n, m->ballot);
    if (!paxos_has(s->cfg.acceptors, dsim_id(n)))
        return;
    if (s->cfg.multi && s->cfg.lease_read && s->leader_seen && from != s->leader_hint &&
        dsim_mono(n) - s->leader_seen_mono < s->cfg.elect_lo_ns && s->role != PAXOS_LEADER)
        return;   /* a live leader holds a lease on this acceptor */
    bool ok = paxos_promise_local(n, m->ballot);
    if (ok)
        dsim_emit(n, "promise", json_pack("{s:i, s:I, s:i}", "node", dsim_id(n) + 1,
                                          "ballot", (json_int_t)m->ballot, "to", from + 1));
    if (ok && s->cfg.multi && s->role != PAXOS_FOLLOWER && m->ballot > s->ballot)
        paxos_become_follower(n, PAXOS_NONE);
    send_promise(n, from, m, ok);
}

/* Basic: the acceptor tells the proposer and every learner. */
static void tell_learners(dsim_node *n, int proposer, const paxos_accepted *r)
{
    paxos_state *s = paxos_of(n);
    for (int i = 0; i < dsim_cluster_size(n); i++)
        if (i == proposer || (paxos_has(s->cfg.learners, i) && r->ok))
            dsim_send(n, i, PAXOS_MSG_ACCEPTED, r, sizeof *r);
}

void paxos_on_accept(dsim_node *n, int from, const paxos_accept *m, const paxos_entry *es)
{
    paxos_state *s = paxos_of(n);
    paxos_note_ballot(n, m->ballot);
    if (!paxos_has(s->cfg.acceptors, dsim_id(n)))
        return;
    paxos_accepted r = {.ballot = m->ballot, .round = m->round, .sent_commit = m->commit};
    if (m->ballot < s->promised) {
        r.promised = s->promised;
        r.commit = s->commit;
        if (s->cfg.multi)
            dsim_send(n, from, PAXOS_MSG_ACCEPTED, &r, sizeof r);
        else
            tell_learners(n, from, &r);
        return;
    }
    if (m->ballot > s->promised) {
        s->promised = m->ballot;
        paxos_persist_hard(n);
    }
    if (s->cfg.multi && (s->role != PAXOS_FOLLOWER || s->leader_hint != from) && m->ballot > s->ballot)
        paxos_become_follower(n, from);
    if (s->cfg.multi && s->role == PAXOS_FOLLOWER) {
        s->leader_hint = from;
        s->leader_seen = true;
        s->leader_seen_mono = dsim_mono(n);
        paxos_reset_election_timer(n, false);
    }
    r.ok = 1;
    r.first = m->count ? es[0].slot : 0;
    r.last = r.first ? r.first - 1 : 0;
    for (uint32_t k = 0; k < m->count; k++) {
        paxos_entry e = es[k];
        DSIM_ASSERT(e.ballot == m->ballot && e.slot == r.first + k);
        if (e.slot > s->snap + PAXOS_LOG_MAX)
            break;
        if (e.slot > s->snap)
            paxos_store(n, &e);
        r.last = e.slot;
    }
    dsim_disk_sync(n);
    /* Every accept in the single-decree variant; in Multi-Paxos only the
    ** first at a new ballot (one event per slot would cost more than the
    ** protocol itself). */
    bool first_at_ballot = m->ballot > s->accepted_max;
    if (m->ballot > s->accepted_max)
        s->accepted_max = m->ballot;
    if (m->count && (!s->cfg.multi || first_at_ballot))
        dsim_emit(n, "accept", json_pack("{s:i, s:I, s:I, s:I}", "node", dsim_id(n) + 1,
                                         "ballot", (json_int_t)m->ballot,
                                         "first", (json_int_t)r.first, "last", (json_int_t)r.last));
    r.promised = s->promised;
    if (!s->cfg.multi) {
        r.value = m->count ? es[0].cmd.op.value : 0;
        tell_learners(n, from, &r);
        return;
    }
    paxos_learn(n, m->ballot, m->commit);
    r.commit = s->commit;
    dsim_send(n, from, PAXOS_MSG_ACCEPTED, &r, sizeof r);
}

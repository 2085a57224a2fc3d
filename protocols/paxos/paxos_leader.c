/*
** paxos_leader.c — Multi-Paxos leadership: election by ballots, phase 1
** for every slot above the commit point, and recovery.
**
** A follower that hears no leader for an election timeout campaigns: a
** ballot above every round it has seen or used, promised by its own
** acceptor first (on disk), then Prepare(b, commit + 1) to the others.
** With q1 promises it leads. Recovery: for every slot above its commit
** point up to the highest slot any promise reported, it proposes the
** value of the highest ballot reported (its own entries count as one
** promise), and a no-op where nobody reported anything: holes are allowed
** in Paxos logs, and filling them lets the state machine go on. A
** snapshot in a promise that reaches past the commit point is installed
** first (its slots are chosen).
** A refusal or a higher ballot ends the campaign or the leadership; the
** next campaign waits a back-off drawn from the election timeout range
** ('backoff' = "random") or exactly its low end ("fixed": duelling
** proposers).
** Planted bugs: 'ignore_accepted' fills the recovered slots with the
** leader's own entries (no-ops where it has none), ignoring the values
** reported; 'highest_by_value' adopts the largest value, not the highest
** ballot; 'skip_recovery' continues after its own last slot, re-proposing
** only what it holds itself.
*/
#include "paxos.h"

const char *paxos_role_name(const paxos_state *s)
{
    static const char *const names[] = {"follower", "candidate", "leader"};
    if (!s->cfg.multi)
        return s->proposing ? "proposer" : "acceptor";
    DSIM_ASSERT(s->role >= PAXOS_FOLLOWER && s->role <= PAXOS_LEADER);
    return names[s->role];
}

void paxos_reset_election_timer(dsim_node *n, bool backoff)
{
    paxos_state *s = paxos_of(n);
    (void)backoff;
    if (s->election_timer)
        dsim_timer_cancel(n, s->election_timer);
    int64_t after = s->cfg.fixed_backoff ? s->cfg.elect_lo_ns
                                         : dsim_rand_range(n, s->cfg.elect_lo_ns, s->cfg.elect_hi_ns);
    s->election_timer = dsim_timer(n, PAXOS_T_ELECTION, 0, after);
}

void paxos_become_follower(dsim_node *n, int32_t leader)
{
    paxos_state *s = paxos_of(n);
    paxos_role was = s->role;
    s->role = PAXOS_FOLLOWER;
    s->leader_hint = leader;
    s->promises = 0;
    if (was == PAXOS_LEADER) {
        if (s->heartbeat_timer)
            dsim_timer_cancel(n, s->heartbeat_timer);
        s->heartbeat_timer = 0;
        s->lease_until_mono = 0;
        paxos_drop_pending(n);
    }
    if (was != PAXOS_FOLLOWER || !s->election_timer)
        paxos_reset_election_timer(n, true);
}

/* Folds entry 'e', reported by a promise, into the recovery table 'rec'
** (indexed by slot % PAXOS_LOG_MAX) of a candidate whose commit point is
** 'commit' and whose window starts after 'snap': the entry of the highest
** ballot wins (the largest value with 'by_value', planted bug
** 'highest_by_value'); '*hi' follows the highest slot reported. */
void paxos_rec_merge(paxos_entry *rec, uint64_t *hi, uint64_t commit, uint64_t snap,
                     const paxos_entry *e, bool by_value)
{
    if (e->slot <= commit || e->slot <= snap || e->slot > snap + PAXOS_LOG_MAX)
        return;
    paxos_entry *r = &rec[e->slot % PAXOS_LOG_MAX];
    if (r->slot != e->slot)
        memset(r, 0, sizeof *r);
    if (paxos_adopt_better(r, e, by_value))
        *r = *e;
    if (e->slot > *hi)
        *hi = e->slot;
}

/* What a new leader proposes in 'slot': the recovered value, else its
** own, else a no-op (a hole nobody reported: nothing was chosen there). */
paxos_cmd paxos_rec_value(const paxos_entry *rec, const paxos_entry *own, uint64_t slot)
{
    const paxos_entry *r = &rec[slot % PAXOS_LOG_MAX];
    paxos_cmd noop = {.kind = PAXOS_C_NOOP};
    if (r->slot == slot && r->ballot)
        return r->cmd;
    return own ? own->cmd : noop;
}

static void recover_entry(dsim_node *n, const paxos_entry *e)
{
    paxos_state *s = paxos_of(n);
    paxos_rec_merge(s->rec, &s->rec_hi, s->commit, s->snap, e, dsim_bug(n, "highest_by_value"));
}

static void win(dsim_node *n)
{
    paxos_state *s = paxos_of(n);
    uint64_t hi = s->rec_hi > s->last ? s->rec_hi : s->last;
    if (dsim_bug(n, "skip_recovery"))
        hi = s->last;
    s->role = PAXOS_LEADER;
    s->leader_hint = dsim_id(n);
    s->commit0 = s->commit;
    s->recover_hi = hi;
    for (uint64_t i = s->commit + 1; i <= hi; i++) {
        paxos_entry e = {.slot = i, .ballot = s->ballot};
        e.cmd = paxos_rec_value(s->rec, paxos_entry_at(s, i), i);
        paxos_store(n, &e);
    }
    dsim_disk_sync(n);
    for (int p = 0; p < PAXOS_NODES_MAX; p++) {
        s->next[p] = s->commit + 1;
        s->match[p] = s->commit;
        s->acked_round[p] = 0;
    }
    s->lease_until_mono = 0;
    if (s->election_timer)
        dsim_timer_cancel(n, s->election_timer);
    s->election_timer = 0;
    dsim_emit(n, "leader", json_pack("{s:i, s:I, s:I, s:I}", "node", dsim_id(n) + 1,
                                     "ballot", (json_int_t)s->ballot,
                                     "from", (json_int_t)(s->commit + 1), "to", (json_int_t)hi));
    paxos_broadcast(n);
    s->heartbeat_timer = dsim_timer(n, PAXOS_T_HEARTBEAT, 0, s->cfg.heartbeat_ns);
    paxos_advance_commit(n);
}

static void campaign(dsim_node *n)
{
    paxos_state *s = paxos_of(n);
    uint64_t r = s->round_max;
    if (paxos_round(s->seen_max) > r)
        r = paxos_round(s->seen_max);
    if (paxos_round(s->promised) > r)
        r = paxos_round(s->promised);
    s->round_max = r + 1;
    s->ballot = paxos_ballot(s->round_max, dsim_id(n));
    bool promised = paxos_promise_local(n, s->ballot);   /* also stores round_max */
    DSIM_ASSERT(promised);
    s->role = PAXOS_CANDIDATE;
    s->leader_hint = PAXOS_NONE;
    s->leader_seen = false;
    s->promises = 1u << dsim_id(n);
    s->from_slot = s->commit + 1;
    s->rec_hi = s->commit;
    memset(s->rec, 0, sizeof s->rec);
    for (uint64_t i = s->commit + 1; i <= s->last; i++) {
        const paxos_entry *e = paxos_entry_at(s, i);
        if (e)
            recover_entry(n, e);
    }
    s->elections++;
    dsim_emit(n, "election", json_pack("{s:i, s:I}", "node", dsim_id(n) + 1,
                                       "ballot", (json_int_t)s->ballot));
    paxos_prepare p = {.ballot = s->ballot, .from_slot = s->from_slot};
    for (int i = 0; i < dsim_cluster_size(n); i++)
        if (i != dsim_id(n))
            dsim_send(n, i, PAXOS_MSG_PREPARE, &p, sizeof p);
    paxos_reset_election_timer(n, true);
    if (paxos_popcount(s->promises) >= s->cfg.q1)
        win(n);
}

void paxos_on_election_timer(dsim_node *n)
{
    paxos_state *s = paxos_of(n);
    s->election_timer = 0;
    if (s->role == PAXOS_LEADER)
        return;
    if (s->role == PAXOS_FOLLOWER && s->leader_seen &&
        dsim_mono(n) - s->leader_seen_mono < s->cfg.elect_lo_ns) {
        paxos_reset_election_timer(n, false);
        return;
    }
    campaign(n);
}

void paxos_on_promise(dsim_node *n, int from, const paxos_promise *m,
                      const paxos_snapshot *snap, const paxos_entry *es)
{
    paxos_state *s = paxos_of(n);
    paxos_note_ballot(n, m->promised);
    if (s->role != PAXOS_CANDIDATE || m->ballot != s->ballot)
        return;
    if (!m->ok) {
        if (m->promised > s->ballot)
            paxos_become_follower(n, PAXOS_NONE);
        return;
    }
    if (paxos_has(s->promises, from))
        return;
    s->promises |= 1u << from;
    if (snap && snap->slot > s->commit)
        paxos_install_snapshot(n, snap);
    bool ignore = dsim_bug(n, "ignore_accepted");
    for (uint32_t k = 0; k < m->count && !dsim_bug(n, "skip_recovery"); k++) {
        if (!ignore)
            recover_entry(n, &es[k]);
        else if (es[k].slot > s->rec_hi && es[k].slot <= s->snap + PAXOS_LOG_MAX)
            s->rec_hi = es[k].slot;   /* the slots, not their values */
    }
    if (paxos_popcount(s->promises) >= s->cfg.q1)
        win(n);
}

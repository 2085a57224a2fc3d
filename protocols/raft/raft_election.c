/*
** raft_election.c — roles and elections: randomised election timeouts,
** RequestVote with the election restriction, PreVote, CheckQuorum with
** leader stickiness, and TimeoutNow for leadership transfer.
**
** Rules kept here:
** - A node votes at most once per term, and the vote is on disk (synced)
**   before the grant is sent (§5.2; planted bug 'vote_not_persisted'
**   breaks the "on disk" part).
** - A vote goes only to a candidate whose log is at least as up-to-date
**   (§5.4.1; planted bug 'vote_any_log' skips the check).
** - Only members of the node's current configuration campaign.
** - With CheckQuorum (or lease reads), a node that heard from a leader less
**   than a minimum election timeout ago ignores RequestVote unless it comes
**   from a leadership transfer (dissertation §4.2.3 and §6.4.1): removed
**   servers cannot disrupt, and leases stay sound.
** - PreVote (dissertation §9.6): a node first asks whether it could win,
**   without changing any term; only then does it campaign. A candidate
**   whose election timed out pre-votes as a follower (its term and vote
**   stay), so the grants count and never mix with its old election's.
*/
#include "raft.h"

const char *raft_role_name(raft_role r)
{
    static const char *const names[] = {"follower", "candidate", "leader"};
    DSIM_ASSERT(r >= RAFT_FOLLOWER && r <= RAFT_LEADER);
    return names[r];
}

void raft_reset_election_timer(dsim_node *n)
{
    raft_state *s = raft_of(n);
    if (s->election_timer)
        dsim_timer_cancel(n, s->election_timer);
    int64_t after = dsim_rand_range(n, s->cfg.elect_lo_ns, s->cfg.elect_hi_ns);
    s->election_timer = dsim_timer(n, RAFT_T_ELECTION, 0, after);
}

static void stop_leading(dsim_node *n)
{
    raft_state *s = raft_of(n);
    if (s->heartbeat_timer)
        dsim_timer_cancel(n, s->heartbeat_timer);
    if (s->quorum_timer)
        dsim_timer_cancel(n, s->quorum_timer);
    s->heartbeat_timer = s->quorum_timer = 0;
    s->lease_until_mono = 0;
    s->transfer_to = RAFT_NONE;
    raft_drop_pending(n);
    raft_reads_drop(n);
}

/* Becomes a follower of 'leader' (or of nobody) in 'term' >= the current
** one; a new term clears the vote, on disk before anything is sent. */
void raft_become_follower(dsim_node *n, uint64_t term, int32_t leader)
{
    raft_state *s = raft_of(n);
    DSIM_ASSERT(term >= s->term);
    raft_role was = s->role;
    if (term > s->term) {
        s->term = term;
        s->voted_for = RAFT_NONE;
        raft_persist_hard(n);
        dsim_disk_sync(n);
    }
    s->role = RAFT_FOLLOWER;
    s->leader_id = leader;
    s->prevoting = false;
    s->votes = 0;
    if (was == RAFT_LEADER)
        stop_leading(n);
    if (was != RAFT_FOLLOWER || !s->election_timer)
        raft_reset_election_timer(n);
}

bool raft_step_down_if_stale(dsim_node *n, uint64_t term)
{
    raft_state *s = raft_of(n);
    if (term <= s->term)
        return false;
    raft_become_follower(n, term, RAFT_NONE);
    return true;
}

static void send_votes(dsim_node *n, uint64_t term, bool prevote, bool transfer)
{
    raft_state *s = raft_of(n);
    raft_vote_req req = {.term = term, .last_index = s->last_index, .last_term = raft_last_term(s),
                         .prevote = prevote, .transfer = transfer};
    if (raft_lies(n, "fake_last_term")) {   /* Byzantine: "my log is the newest" */
        req.last_term = term;
        req.last_index = s->last_index + RAFT_LOG_MAX;
    }
    for (int i = 0; i < dsim_cluster_size(n); i++)
        if (i != dsim_id(n) && raft_is_member(s, i))
            dsim_send(n, i, RAFT_MSG_VOTE, &req, sizeof req);
}

static void become_leader(dsim_node *n)
{
    raft_state *s = raft_of(n);
    int self = dsim_id(n);
    DSIM_ASSERT(s->role == RAFT_CANDIDATE && s->voted_for == self);
    s->role = RAFT_LEADER;
    s->leader_id = self;
    s->transfer_to = RAFT_NONE;
    s->contacted = 0;
    s->lease_until_mono = 0;
    for (int i = 0; i < RAFT_NODES_MAX; i++) {
        s->next[i] = s->last_index + 1;
        s->match[i] = 0;
        s->acked_round[i] = 0;
    }
    if (s->election_timer)
        dsim_timer_cancel(n, s->election_timer);
    s->election_timer = 0;
    dsim_emit(n, "leader", json_pack("{s:i, s:I}", "node", self + 1, "term", (json_int_t)s->term));
    if (s->cfg.noop && !raft_log_full(s)) {
        raft_entry e = {.term = s->term, .index = s->last_index + 1, .kind = RAFT_E_NOOP};
        raft_append(n, &e);
        dsim_disk_sync(n);
    }
    s->match[self] = s->last_index;
    raft_broadcast(n);
    s->heartbeat_timer = dsim_timer(n, RAFT_T_HEARTBEAT, 0, s->cfg.heartbeat_ns);
    if (s->cfg.check_quorum)
        s->quorum_timer = dsim_timer(n, RAFT_T_QUORUM, 0, s->cfg.elect_lo_ns);
    raft_advance_commit(n);
}

/* Starts an election now (or a pre-vote first, when PreVote is on and
** this is not a transfer). Non-members never campaign. */
void raft_campaign(dsim_node *n, bool transfer)
{
    raft_state *s = raft_of(n);
    int self = dsim_id(n);
    if (!raft_is_member(s, self) || s->role == RAFT_LEADER)
        return;
    raft_reset_election_timer(n);
    s->votes = 1u << self;
    if (s->cfg.prevote && !transfer && !s->prevoting) {
        /* A pre-candidate is a follower (its term and vote stay): a
        ** candidate whose election timed out gives up its candidacy, so
        ** the pre-vote grants it gathers count (they were once ignored,
        ** and candidates left by a split vote never campaigned again:
        ** fuzz seeds 4109 and 5429) and are never mixed with late grants
        ** of its old term's election. */
        s->role = RAFT_FOLLOWER;
        s->prevoting = true;
        send_votes(n, s->term + 1, true, false);
        if (!raft_quorum(s, s->votes))
            return;
    }
    s->prevoting = false;
    s->term++;
    s->voted_for = self;
    s->role = RAFT_CANDIDATE;
    s->leader_id = RAFT_NONE;
    s->leader_seen = false;
    s->elections++;
    raft_persist_hard(n);
    dsim_disk_sync(n);
    dsim_emit(n, "election", json_pack("{s:i, s:I}", "node", self + 1, "term", (json_int_t)s->term));
    send_votes(n, s->term, false, transfer);
    if (raft_quorum(s, s->votes))
        become_leader(n);
}

void raft_on_election_timer(dsim_node *n)
{
    raft_state *s = raft_of(n);
    s->election_timer = 0;
    if (s->role == RAFT_LEADER)
        return;
    s->prevoting = false;
    if (!raft_is_member(s, dsim_id(n))) {
        raft_reset_election_timer(n);
        return;
    }
    raft_campaign(n, false);
}

/* CheckQuorum (§6.2): a leader that has not heard from a majority within
** an election timeout steps down, so clients look elsewhere. */
void raft_on_quorum_timer(dsim_node *n)
{
    raft_state *s = raft_of(n);
    s->quorum_timer = 0;
    if (s->role != RAFT_LEADER)
        return;
    s->contacted |= 1u << dsim_id(n);
    if (!raft_quorum(s, s->contacted)) {
        raft_become_follower(n, s->term, RAFT_NONE);
        return;
    }
    s->contacted = 0;
    s->quorum_timer = dsim_timer(n, RAFT_T_QUORUM, 0, s->cfg.elect_lo_ns);
}

/* True when this node believes a leader is alive: it leads, or it heard
** from one less than a minimum election timeout ago. */
static bool leader_alive(dsim_node *n)
{
    raft_state *s = raft_of(n);
    if (s->role == RAFT_LEADER)
        return true;
    return s->leader_seen && dsim_mono(n) - s->leader_seen_mono < s->cfg.elect_lo_ns;
}

void raft_on_vote(dsim_node *n, int from, const raft_vote_req *m)
{
    raft_state *s = raft_of(n);
    bool log_ok = dsim_bug(n, "vote_any_log") || raft_up_to_date(s, m->last_term, m->last_index);
    if (raft_lies(n, "double_vote")) {   /* Byzantine: a yes to everyone, once per term or not */
        raft_step_down_if_stale(n, m->term);
        raft_vote_reply yes = {.term = m->prevote ? s->term : m->term, .prevote = m->prevote,
                               .granted = m->term >= s->term};
        /* It records the first vote of a term only: a candidate keeps
        ** its vote for itself, which become_leader relies on (a liar that
        ** campaigned while granting every request once asserted there:
        ** fuzz_scenario, corpus input raft_double_vote_candidate). */
        if (!m->prevote && m->term == s->term && s->voted_for == RAFT_NONE) {
            s->voted_for = from;
            raft_persist_hard(n);
            dsim_disk_sync(n);
        }
        dsim_send(n, from, RAFT_MSG_VOTE_REPLY, &yes, sizeof yes);
        return;
    }
    if (m->prevote) {
        raft_vote_reply r = {.term = s->term, .prevote = 1,
                             .granted = m->term > s->term && log_ok && !leader_alive(n)};
        dsim_send(n, from, RAFT_MSG_VOTE_REPLY, &r, sizeof r);
        return;
    }
    bool sticky = s->cfg.check_quorum || s->cfg.lease_read;
    if (sticky && !m->transfer && m->term > s->term && leader_alive(n))
        return;   /* dissertation §4.2.3: a live leader is not disrupted */
    raft_step_down_if_stale(n, m->term);
    raft_vote_reply r = {.term = s->term};
    if (m->term == s->term && (s->voted_for == RAFT_NONE || s->voted_for == from) && log_ok) {
        r.granted = 1;
        s->voted_for = from;
        raft_persist_hard(n);
        dsim_disk_sync(n);
        raft_reset_election_timer(n);
    }
    dsim_send(n, from, RAFT_MSG_VOTE_REPLY, &r, sizeof r);
}

void raft_on_vote_reply(dsim_node *n, int from, const raft_vote_reply *m)
{
    raft_state *s = raft_of(n);
    if (raft_step_down_if_stale(n, m->term) || !m->granted)
        return;
    if (m->prevote) {
        if (!s->prevoting || s->role != RAFT_FOLLOWER)
            return;
        s->votes |= 1u << from;
        if (raft_quorum(s, s->votes))
            raft_campaign(n, false);
        return;
    }
    if (s->role != RAFT_CANDIDATE || m->term != s->term)
        return;
    s->votes |= 1u << from;
    if (raft_quorum(s, s->votes))
        become_leader(n);
}

/* Leadership transfer (dissertation §3.10): the old leader tells an
** up-to-date follower to campaign at once, past stickiness and PreVote. */
void raft_on_timeout_now(dsim_node *n, int from, const raft_timeout_now *m)
{
    raft_state *s = raft_of(n);
    (void)from;
    if (m->term != s->term || s->role == RAFT_LEADER)
        return;
    s->prevoting = false;
    raft_campaign(n, true);
}

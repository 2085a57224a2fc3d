/*
** raft_read.c — linearizable reads without writing the log: ReadIndex, and
** leases as an option.
**
** ReadIndex (dissertation §6.4): the leader waits until it has committed
** an entry of its own term (its no-op), records the commit index as the
** read's index, starts a heartbeat round, and answers once a majority has
** acknowledged that round (no newer leader existed when the round went
** out) and the state machine has applied the read index.
** Lease reads (§6.4.1): a round that a majority acknowledged proves that
** none of them will vote for another candidate for a minimum election
** timeout after they received it (stickiness, raft_election.c), so the
** leader may answer reads from its own state until
**     sent + election_timeout_min * (1 - 2 * lease_drift_ppm / 1e6)
** on its own monotonic clock. The margin covers clocks that run at
** different rates, up to 'lease_drift_ppm' each. Planted bug
** 'lease_no_drift_margin' uses the whole election timeout: a slow leader
** clock then outlives the followers' patience and serves stale reads.
** Planted bug 'stale_read': a node that believes it leads answers reads
** from its own state at once, with neither ReadIndex nor a lease.
*/
#include "raft.h"

static bool committed_in_term(const raft_state *s)
{
    return raft_term_at(s, s->commit) == s->term;
}

static bool round_acked(const raft_state *s, int nodes, uint64_t round)
{
    uint32_t have = 0;
    for (int p = 0; p < nodes && p < RAFT_NODES_MAX; p++)
        if (s->acked_round[p] >= round)
            have |= 1u << p;
    return raft_quorum(s, have);
}

/* Moves waiting reads along: gives them an index and a round once the
** leader has committed in its term, and answers those that are done. */
void raft_reads_progress(dsim_node *n)
{
    raft_state *s = raft_of(n);
    if (s->role != RAFT_LEADER || s->reads_len == 0)
        return;
    bool need_round = false;
    for (uint32_t i = 0; i < s->reads_len; i++) {
        raft_read *r = &s->reads[i];
        if (r->round == 0 && committed_in_term(s)) {
            r->read_index = s->commit;
            r->round = s->round + 1;
            need_round = true;
        }
    }
    if (need_round) {
        raft_broadcast(n);   /* comes back here with every round assigned */
        return;
    }
    uint32_t keep = 0;
    for (uint32_t i = 0; i < s->reads_len; i++) {
        raft_read *r = &s->reads[i];
        if (r->round > 0 && s->applied >= r->read_index && round_acked(s, dsim_cluster_size(n), r->round))
            raft_kv_answer_read(n, &r->op);
        else
            s->reads[keep++] = *r;
    }
    s->reads_len = keep;
}

/* Extends the lease from the newest round a majority acknowledged. */
void raft_lease_progress(dsim_node *n)
{
    raft_state *s = raft_of(n);
    if (!s->cfg.lease_read || s->lease_off || s->role != RAFT_LEADER)
        return;
    uint64_t oldest = s->round >= RAFT_ROUNDS ? s->round - RAFT_ROUNDS + 1 : 1;
    for (uint64_t r = s->round; r >= oldest && r > 0; r--) {
        int64_t until = s->round_sent_mono[r % RAFT_ROUNDS] + s->cfg.lease_ns;
        if (until <= s->lease_until_mono)
            return;   /* older rounds give shorter leases */
        if (round_acked(s, dsim_cluster_size(n), r)) {
            s->lease_until_mono = until;
            return;
        }
    }
}

void raft_on_client_read(dsim_node *n, const dsim_op *op)
{
    raft_state *s = raft_of(n);
    if (s->role != RAFT_LEADER) {
        dsim_reply(n, op, DSIM_REDIRECT, s->leader_id);
        return;
    }
    if (op->key >= RAFT_KEYS_MAX) {
        dsim_reply(n, op, DSIM_FAIL, 0);
        return;
    }
    if (dsim_bug(n, "stale_read") ||
        (s->cfg.lease_read && !s->lease_off && committed_in_term(s) &&
         dsim_mono(n) < s->lease_until_mono)) {
        raft_kv_answer_read(n, op);
        return;
    }
    for (uint32_t i = 0; i < s->reads_len; i++)
        if (s->reads[i].op.id == op->id)
            return;   /* a duplicate of a read in progress */
    if (s->reads_len == RAFT_READS_MAX) {
        dsim_reply(n, op, DSIM_FAIL, 0);   /* a read that fails changed nothing */
        return;
    }
    s->reads[s->reads_len++] = (raft_read){.op = *op};
    raft_reads_progress(n);
}

/* On losing leadership: reads changed nothing, so redirect them. */
void raft_reads_drop(dsim_node *n)
{
    raft_state *s = raft_of(n);
    for (uint32_t i = 0; i < s->reads_len; i++)
        dsim_reply(n, &s->reads[i].op, DSIM_REDIRECT, RAFT_NONE);
    s->reads_len = 0;
}

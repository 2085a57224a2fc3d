/*
** raft_replication.c — AppendEntries on both sides, and commitment.
**
** Leader: for each member a 'next' index (the next entry to send) and a
** 'match' index (highest known replicated). A follower behind the
** snapshot gets InstallSnapshot instead. Every broadcast starts a new
** heartbeat 'round'; replies echo it, and ReadIndex and leases count the
** rounds a majority has acknowledged (raft_read.c).
** Follower: the consistency check (§5.3) on prev_index / prev_term; on a
** mismatch it answers with the conflicting term and the first index of
** that term (fast back-off, §5.3 "optimization"), or with its log length.
** Entries already present with the same term are kept; a conflicting
** entry and all after it are deleted. Entries reach the disk and are
** synced before the reply.
** A reply triggers the next AppendEntries only when it moved the follower's
** match or next index: duplicated replies must not multiply the traffic
** (with a lossy, duplicating network that would grow without bound).
** Commitment (§5.4.2, Figure 8): the leader commits index N only when a
** majority holds it AND N's term is the current term. Planted bug
** 'figure8' drops the second condition. Planted bug 'no_prev_check'
** accepts entries without comparing prev_term.
*/
#include "raft.h"

/* One AppendEntries (or InstallSnapshot) to 'peer', from its 'next'. */
void raft_send_append(dsim_node *n, int peer)
{
    raft_state *s = raft_of(n);
    DSIM_ASSERT(s->role == RAFT_LEADER && peer != dsim_id(n));
    if (s->next[peer] <= s->snap_index) {
        raft_send_snapshot(n, peer);
        return;
    }
    if (s->next[peer] > s->last_index + 1)
        s->next[peer] = s->last_index + 1;
    struct {
        raft_append_req h;
        raft_entry e[RAFT_BATCH_MAX];
    } msg;
    memset(&msg.h, 0, sizeof msg.h);
    uint64_t prev = s->next[peer] - 1;
    msg.h.term = s->term;
    msg.h.prev_index = prev;
    msg.h.prev_term = raft_term_at(s, prev);
    msg.h.commit = s->commit;
    msg.h.round = s->round;
    uint32_t count = 0;
    for (uint64_t i = prev + 1; i <= s->last_index && count < (uint32_t)s->cfg.batch; i++)
        msg.e[count++] = *raft_entry_at(s, i);
    msg.h.count = count;
    if (raft_lies(n, "split_entries") && peer % 2 == 1)   /* Byzantine: another value for some */
        for (uint32_t i = 0; i < count; i++)
            if (msg.e[i].kind == RAFT_E_OP && msg.e[i].term == s->term && !dsim_op_readonly(&msg.e[i].op))
                msg.e[i].op.value += 1000;
    dsim_send(n, peer, RAFT_MSG_APPEND, &msg,
              (uint32_t)(sizeof msg.h + count * sizeof(raft_entry)));
}

/* Starts a heartbeat round: AppendEntries to every other member. */
void raft_broadcast(dsim_node *n)
{
    raft_state *s = raft_of(n);
    s->round++;
    s->round_sent_mono[s->round % RAFT_ROUNDS] = dsim_mono(n);
    s->acked_round[dsim_id(n)] = s->round;
    for (int i = 0; i < dsim_cluster_size(n); i++)
        if (i != dsim_id(n) && raft_is_member(s, i))
            raft_send_append(n, i);
    raft_reads_progress(n);   /* a cluster of one needs no answers */
}

void raft_on_heartbeat_timer(dsim_node *n)
{
    raft_state *s = raft_of(n);
    s->heartbeat_timer = 0;
    if (s->role != RAFT_LEADER)
        return;
    raft_broadcast(n);
    s->heartbeat_timer = dsim_timer(n, RAFT_T_HEARTBEAT, 0, s->cfg.heartbeat_ns);
}

/* Raises the commit index and applies what became committed. */
void raft_set_commit(dsim_node *n, uint64_t commit)
{
    raft_state *s = raft_of(n);
    if (commit <= s->commit)
        return;
    DSIM_ASSERT(commit <= s->last_index);
    s->commit = commit;
    if (s->role == RAFT_LEADER) {   /* built key by key: the leader's every commit */
        json_t *f = json_object();
        json_object_set_new_nocheck(f, "node", json_integer(dsim_id(n) + 1));
        json_object_set_new_nocheck(f, "index", json_integer((json_int_t)commit));
        json_object_set_new_nocheck(f, "term", json_integer((json_int_t)s->term));
        dsim_emit(n, "commit", f);
    }
    raft_apply_committed(n);
    raft_after_config_commit(n);
}

/* The highest index a majority holds, if its term allows committing it. */
void raft_advance_commit(dsim_node *n)
{
    raft_state *s = raft_of(n);
    if (s->role != RAFT_LEADER)
        return;
    s->match[dsim_id(n)] = s->last_index;
    bool any_term = dsim_bug(n, "figure8");
    for (uint64_t i = s->last_index; i > s->commit; i--) {
        uint64_t t = raft_term_at(s, i);
        if (t != s->term && !any_term)
            break;   /* older terms are committed only indirectly */
        uint32_t have = 0;
        for (int p = 0; p < dsim_cluster_size(n) && p < RAFT_NODES_MAX; p++)
            if (s->match[p] >= i)
                have |= 1u << p;
        if (raft_quorum(s, have)) {
            raft_set_commit(n, i);
            break;
        }
    }
}

/* A reply from 'peer' showed it holds the log up to 'match' and has seen
** heartbeat 'round'. */
void raft_peer_progress(dsim_node *n, int peer, uint64_t match, uint64_t round)
{
    raft_state *s = raft_of(n);
    s->contacted |= 1u << peer;
    if (round > s->acked_round[peer])
        s->acked_round[peer] = round;
    if (match > s->match[peer])
        s->match[peer] = match;
    if (s->next[peer] <= s->match[peer])
        s->next[peer] = s->match[peer] + 1;
    raft_advance_commit(n);
    if (s->role != RAFT_LEADER)
        return;   /* a committed removal of the leader itself */
    raft_reads_progress(n);
    raft_lease_progress(n);
    if (s->transfer_to == peer && s->match[peer] == s->last_index) {
        raft_timeout_now tn = {.term = s->term};
        dsim_send(n, peer, RAFT_MSG_TIMEOUT_NOW, &tn, sizeof tn);
        s->transfer_to = RAFT_NONE;
    }
}

/* The first index of 'term' in the window ending at 'from'. */
static uint64_t first_of_term(const raft_state *s, uint64_t from, uint64_t term)
{
    uint64_t i = from;
    while (i - 1 > s->snap_index && raft_term_at(s, i - 1) == term)
        i--;
    return i;
}

static void reply_append(dsim_node *n, int to, const raft_append_reply *r)
{
    dsim_send(n, to, RAFT_MSG_APPEND_REPLY, r, sizeof *r);
}

void raft_on_append(dsim_node *n, int from, const raft_append_req *m, const raft_entry *es)
{
    raft_state *s = raft_of(n);
    raft_append_reply r = {.term = s->term, .round = m->round};
    if (m->term < s->term) {
        reply_append(n, from, &r);
        return;
    }
    if (m->term > s->term || s->role != RAFT_FOLLOWER || s->leader_id != from)
        raft_become_follower(n, m->term, from);
    r.term = s->term;
    s->leader_seen = true;
    s->leader_seen_mono = dsim_mono(n);
    s->prevoting = false;
    raft_reset_election_timer(n);
    uint64_t prev = m->prev_index, prev_term = m->prev_term;
    uint32_t skip = 0;
    if (prev < s->snap_index) {   /* the snapshot covers a prefix: committed */
        skip = (uint32_t)(s->snap_index - prev < m->count ? s->snap_index - prev : m->count);
        prev = s->snap_index;
        prev_term = s->snap_term;
    }
    if (prev > s->last_index) {
        r.conflict_index = s->last_index + 1;
        reply_append(n, from, &r);
        return;
    }
    uint64_t have = raft_term_at(s, prev);
    if (have != prev_term && !(dsim_bug(n, "no_prev_check") && prev > s->snap_index)) {
        r.conflict_term = have;
        r.conflict_index = first_of_term(s, prev, have);
        reply_append(n, from, &r);
        return;
    }
    uint64_t last_new = prev;
    for (uint32_t k = skip; k < m->count; k++) {
        const raft_entry *e = &es[k];
        DSIM_ASSERT(e->index == last_new + 1);
        if (e->index <= s->last_index) {
            if (raft_term_at(s, e->index) == e->term) {
                last_new = e->index;
                continue;
            }
            raft_truncate(n, e->index);
        }
        if (raft_log_full(s))
            break;
        raft_entry copy = *e;
        raft_append(n, &copy);
        last_new = e->index;
    }
    dsim_disk_sync(n);
    r.success = 1;
    r.match = last_new;
    raft_set_commit(n, m->commit < last_new ? m->commit : last_new);
    reply_append(n, from, &r);
}

void raft_on_append_reply(dsim_node *n, int from, const raft_append_reply *m)
{
    raft_state *s = raft_of(n);
    if (raft_step_down_if_stale(n, m->term) || s->role != RAFT_LEADER || m->term != s->term)
        return;
    if (m->success) {
        uint64_t before = s->match[from];
        raft_peer_progress(n, from, m->match, m->round);
        if (s->role == RAFT_LEADER && s->match[from] > before && s->next[from] <= s->last_index &&
            raft_is_member(s, from))
            raft_send_append(n, from);
        return;
    }
    raft_peer_progress(n, from, 0, m->round);   /* it answered: it is alive */
    if (s->role != RAFT_LEADER)
        return;
    uint64_t next = m->conflict_index;
    if (m->conflict_term) {   /* skip the follower's whole conflicting term */
        for (uint64_t i = s->last_index; i > s->snap_index; i--) {
            uint64_t t = raft_term_at(s, i);
            if (t == m->conflict_term) {
                next = i + 1;
                break;
            }
            if (t < m->conflict_term)
                break;
        }
    }
    if (next <= s->match[from])
        next = s->match[from] + 1;
    if (next < 1)
        next = 1;
    if (next == s->next[from])
        return;   /* a duplicate or stale refusal: the heartbeat retries */
    s->next[from] = next;
    if (raft_is_member(s, from))
        raft_send_append(n, from);
}

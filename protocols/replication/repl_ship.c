/*
** repl_ship.c — shipping the log downstream, acknowledgements and the
** commit rule of each mode.
**
** Topology: in the star modes (sync, semisync, async, isr) the leader
** ships to every other member; in chain mode every chain node ships to its
** successor. A shipper keeps, per downstream peer, 'next' (the next LSN to
** send, optimistic) and 'match' (the highest LSN the peer acknowledged as
** equal to our log at our epoch). An append carries the (LSN, epoch, hash)
** before its entries; a peer whose log does not hold that prefix refuses
** and says where to resume, and we step back (a snapshot when the peer
** needs what we compacted).
** Commit (repl_advance_commit): sync: min of every member's match; semisync:
** the k-th highest follower match, or our own last while fallen back;
** async: our own last (synced); isr: min over the ISR (the confirmed one
** joined with a change in flight) when it has >= min_insync members;
** chain: the tail's match, passed back up in acknowledgements.
** Planted bugs: 'chain_early_ack' (the head counts its successor's
** acknowledgement as the tail's), 'catchup_gap' (a catch-up snapshot is
** labelled with our last LSN while it holds the state at our applied LSN),
** 'isr_unsafe_shrink' (an ISR shrink takes effect before the master
** records it, and commits ignore min_insync).
*/
#include <stdlib.h>

#include "repl.h"

int repl_chain_pos(const repl_state *s, int id)
{
    for (uint32_t i = 0; i < s->cfg.chain_len; i++)
        if (s->cfg.chain[i] == id)
            return (int)i;
    return -1;
}

bool repl_is_tail(const repl_state *s, int self)
{
    int pos = repl_chain_pos(s, self);
    return pos >= 0 && (uint32_t)pos + 1 == s->cfg.chain_len;
}

int repl_upstream(const repl_state *s, int self)
{
    if (s->opt.mode != REPL_CHAIN)
        return s->cfg.leader == self ? REPL_NONE : s->cfg.leader;
    int pos = repl_chain_pos(s, self);
    if (pos < 0 && self == s->cfg.joining && s->cfg.chain_len > 0)
        return s->cfg.chain[s->cfg.chain_len - 1];
    return pos > 0 ? s->cfg.chain[pos - 1] : REPL_NONE;
}

/* The peers this node ships to, into 'out'; returns how many. */
int repl_downstream(const repl_state *s, int self, int *out)
{
    int k = 0;
    if (s->opt.mode == REPL_CHAIN) {
        int pos = repl_chain_pos(s, self);
        if (pos >= 0 && (uint32_t)pos + 1 < s->cfg.chain_len)
            out[k++] = s->cfg.chain[pos + 1];
        else if (pos >= 0 && s->cfg.joining != REPL_NONE)
            out[k++] = s->cfg.joining;   /* the tail feeds a joining replica */
        return k;
    }
    if (s->role != REPL_LEADER)
        return 0;
    for (int p = 0; p < REPL_NODES_MAX; p++)
        if (p != self && repl_has(s->cfg.members, p))
            out[k++] = p;
    return k;
}

static void ship_snapshot(dsim_node *n, int peer)
{
    repl_state *s = repl_of(n);
    size_t cap = sizeof(repl_append) + sizeof(repl_snapshot);
    char *buf = calloc(1, cap);
    DSIM_ASSERT(buf != NULL);
    repl_append h = {.epoch = s->cfg.epoch, .commit = s->commit, .leader = s->cfg.leader};
    repl_snapshot *snap = (repl_snapshot *)(void *)(buf + sizeof h);
    snap->lsn = s->applied;
    DSIM_ASSERT(repl_epoch_hash_at(s, s->applied, &snap->epoch, &snap->hash));
    memcpy(&snap->kv, &s->kv, dsim_kv_bytes(&s->kv));
    if (dsim_bug(n, "catchup_gap") && s->last > s->applied) {
        /* the mistake: the state at 'applied', labelled with the log's end */
        snap->lsn = s->last;
        DSIM_ASSERT(repl_epoch_hash_at(s, s->last, &snap->epoch, &snap->hash));
    }
    h.prev_lsn = snap->lsn;
    memcpy(buf, &h, sizeof h);
    dsim_send(n, peer, REPL_MSG_SNAP, buf, (uint32_t)(sizeof h + repl_snapshot_bytes(snap)));
    s->next[peer] = snap->lsn + 1;
    free(buf);
}

/* The end of what this node may ship: a leader or head its whole log; a
** chain node only its verified prefix (an unverified suffix may be a
** stale epoch's entries, which must never reach the tail). */
static uint64_t ship_end(const repl_state *s)
{
    return s->opt.mode == REPL_CHAIN ? s->match_ok : s->last;
}

/* One append to 'peer': what it lacks from next[peer] (a batch), or a
** heartbeat with no entries. */
void repl_ship(dsim_node *n, int peer)
{
    repl_state *s = repl_of(n);
    DSIM_ASSERT(peer >= 0 && peer < dsim_cluster_size(n));
    uint64_t end = ship_end(s);
    if (s->next[peer] == 0 || s->next[peer] > end + 1)
        s->next[peer] = end + 1;
    if (s->next[peer] <= s->snap) {
        ship_snapshot(n, peer);
        return;
    }
    repl_entry es[REPL_BATCH_MAX];
    repl_append h = {.epoch = s->cfg.epoch, .prev_lsn = s->next[peer] - 1, .commit = s->commit,
                     .leader = s->cfg.leader};
    DSIM_ASSERT(repl_epoch_hash_at(s, h.prev_lsn, &h.prev_epoch, &h.prev_hash));
    uint32_t count = 0;
    for (uint64_t l = s->next[peer]; l <= end && count < (uint32_t)s->opt.batch; l++)
        es[count++] = *repl_entry_at(s, l);
    h.count = count;
    size_t bytes = sizeof h + count * sizeof(repl_entry);
    char *buf = malloc(bytes);
    DSIM_ASSERT(buf != NULL);
    memcpy(buf, &h, sizeof h);
    memcpy(buf + sizeof h, es, count * sizeof(repl_entry));
    dsim_send(n, peer, REPL_MSG_APPEND, buf, (uint32_t)bytes);
    free(buf);
    s->next[peer] += count;
}

/* Ships new entries to every downstream peer that is not behind a gap. */
void repl_ship_all(dsim_node *n)
{
    repl_state *s = repl_of(n);
    int peers[REPL_NODES_MAX];
    int k = repl_downstream(s, dsim_id(n), peers);
    for (int i = 0; i < k; i++)
        if (s->next[peers[i]] <= ship_end(s))
            repl_ship(n, peers[i]);
}

static int cmp_desc(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* The set the high watermark is computed over: the confirmed ISR joined
** with the change in flight, so that neither a shrink before the master
** records it nor an expansion after it can expose too much. */
static uint32_t isr_for_hwm(dsim_node *n)
{
    repl_state *s = repl_of(n);
    if (dsim_bug(n, "isr_unsafe_shrink") && s->isr_asked)
        return s->isr_asked;
    return s->cfg.isr | s->isr_asked;
}

static uint64_t star_commit(dsim_node *n)
{
    repl_state *s = repl_of(n);
    int self = dsim_id(n);
    uint64_t acks[REPL_NODES_MAX];
    int k = 0;
    uint64_t lo = s->last;
    uint32_t set = s->opt.mode == REPL_ISR ? isr_for_hwm(n) : s->cfg.members;
    for (int p = 0; p < dsim_cluster_size(n); p++) {
        if (p == self || !repl_has(s->cfg.members, p))
            continue;
        acks[k++] = s->match[p];
        if (repl_has(set, p) && s->match[p] < lo)
            lo = s->match[p];
    }
    switch (s->opt.mode) {
    case REPL_ASYNC:
        return s->last;
    case REPL_SEMISYNC:
        if (s->fallback)
            return s->last;
        if (k < s->opt.semisync_k)
            return k == 0 ? s->last : 0;
        qsort(acks, (size_t)k, sizeof acks[0], cmp_desc);
        return acks[s->opt.semisync_k - 1] < s->last ? acks[s->opt.semisync_k - 1] : s->last;
    case REPL_ISR:
        if (repl_popcount(s->cfg.isr & isr_for_hwm(n)) < s->opt.min_insync && !dsim_bug(n, "isr_unsafe_shrink"))
            return 0;
        return lo;
    default:
        return lo;
    }
}

/* Moves the commit point forward by the mode's rule and applies. Only
** entries of the log can be committed; the point never moves back. */
void repl_advance_commit(dsim_node *n)
{
    repl_state *s = repl_of(n);
    int self = dsim_id(n);
    uint64_t c = s->commit;
    if (s->opt.mode == REPL_CHAIN) {
        if ((repl_is_tail(s, self) && repl_leased(n)) ||
            (dsim_bug(n, "chain_early_ack") && repl_chain_pos(s, self) == 0))
            c = repl_chain_pos(s, self) == 0 ? s->last : s->match_ok;
        if (dsim_bug(n, "chain_early_ack") && repl_chain_pos(s, self) == 0 && s->cfg.chain_len > 1)
            c = s->match[s->cfg.chain[1]] > c ? s->match[s->cfg.chain[1]] : c;
    } else if (s->role == REPL_LEADER) {
        c = star_commit(n);
    }
    if (c > s->last)
        c = s->last;
    if (c > s->commit)
        s->commit = c;
    repl_apply_to(n, repl_visible(n));
}

void repl_on_ack(dsim_node *n, int from, const repl_ack *a)
{
    repl_state *s = repl_of(n);
    if (a->epoch > s->cfg.epoch) {
        repl_step_down(n, a->epoch, REPL_NONE);
        return;
    }
    if (a->epoch < s->cfg.epoch)
        return;   /* an answer to an older epoch's append */
    int peers[REPL_NODES_MAX];
    bool ours = false;
    for (int i = repl_downstream(s, dsim_id(n), peers) - 1; i >= 0; i--)
        ours |= peers[i] == from;
    if (!ours)
        return;   /* an answer to what we sent in another role */
    if (!a->ok) {
        uint64_t back = a->last + 1;
        if (back < s->next[from])
            s->next[from] = back;
        repl_ship(n, from);
        return;
    }
    if (a->match > s->match[from])
        s->match[from] = a->match;
    if (s->next[from] <= s->match[from])
        s->next[from] = s->match[from] + 1;
    if (s->match[from] >= s->last)
        s->caught_up_mono[from] = dsim_mono(n);
    uint64_t before = s->commit;
    if (s->opt.mode == REPL_CHAIN && a->commit > s->commit && a->commit <= s->match_ok)
        s->commit = a->commit;   /* what the tail holds, all of it shipped from here */
    repl_advance_commit(n);
    int up = repl_upstream(s, dsim_id(n));
    if (s->opt.mode == REPL_CHAIN && s->commit > before && up != REPL_NONE)
        repl_send_ack(n, up, true);   /* pass the commit point up the chain */
    if (s->next[from] <= ship_end(s))
        repl_ship(n, from);
}

/* Semisync: fall back to async when the oldest uncommitted write waited
** longer than the timeout; return when k followers have everything. */
static void semisync_tick(dsim_node *n)
{
    repl_state *s = repl_of(n);
    int64_t now = dsim_mono(n);
    if (!s->fallback && s->commit < s->last &&
        now - s->append_mono[(s->commit + 1) % REPL_LOG_MAX] > s->opt.semisync_timeout_ns) {
        s->fallback = true;
        dsim_emit(n, "fallback", json_pack("{s:I, s:I}", "epoch", (json_int_t)s->cfg.epoch,
                                           "lsn", (json_int_t)s->last));
        return;
    }
    if (!s->fallback)
        return;
    int caught = 0;
    for (int p = 0; p < dsim_cluster_size(n); p++)
        caught += p != dsim_id(n) && repl_has(s->cfg.members, p) && s->match[p] >= s->last;
    if (caught >= s->opt.semisync_k) {
        s->fallback = false;
        dsim_emit(n, "semisync", json_pack("{s:I, s:I}", "epoch", (json_int_t)s->cfg.epoch,
                                           "lsn", (json_int_t)s->last));
    }
}

/* Isr: ask the master to drop members that lagged for 'replica_lag' and
** to add members that caught up to the high watermark and to our last LSN
** when we began to lead; one change at a time. The high watermark alone is
** not enough: a leader that restarts has only the one it last wrote down,
** and may have shown a higher one before its crash; a member added below
** that, once elected, lost what had been shown committed (KAFKA-7128;
** replication.lua -D mode=isr seed 150096). */
static void isr_tick(dsim_node *n)
{
    repl_state *s = repl_of(n);
    if (s->isr_asked)
        goto ask;
    int64_t now = dsim_mono(n);
    uint32_t want = s->cfg.isr | (1u << dsim_id(n));
    for (int p = 0; p < dsim_cluster_size(n); p++) {
        if (p == dsim_id(n) || !repl_has(s->cfg.members, p))
            continue;
        if (s->match[p] >= s->last)
            s->caught_up_mono[p] = now;
        if (repl_has(want, p) && now - s->caught_up_mono[p] > s->opt.replica_lag_ns)
            want &= ~(1u << p);
        else if (!repl_has(want, p) && s->match[p] >= s->commit && s->match[p] >= s->lead_start &&
                 s->match[p] > 0 &&
                 now - s->caught_up_mono[p] <= s->opt.replica_lag_ns)
            want |= 1u << p;
    }
    if (want == s->cfg.isr)
        return;
    s->isr_asked = want;
    /* On disk before anyone hears of it: after a restart the high
    ** watermark must still count the set the master may have recorded. */
    s->cfg.isr_pending = want;
    repl_persist_config(n);
    dsim_disk_sync(n);
    repl_advance_commit(n);
ask:
    if (s->opt.master == REPL_NONE) {   /* no controller: the leader records it */
        repl_isr_req r = {.epoch = s->cfg.epoch, .isr = s->isr_asked, .ok = 1};
        repl_on_isr_ack(n, &r);
        return;
    }
    repl_isr_req r = {.epoch = s->cfg.epoch, .isr = s->isr_asked};
    dsim_send(n, s->opt.master, REPL_MSG_ISR_REQ, &r, sizeof r);
}

void repl_leader_tick(dsim_node *n)
{
    repl_state *s = repl_of(n);
    int peers[REPL_NODES_MAX];
    int k = repl_downstream(s, dsim_id(n), peers);
    for (int i = 0; i < k; i++)
        repl_ship(n, peers[i]);
    if (s->role != REPL_LEADER)
        return;
    if (s->opt.mode == REPL_SEMISYNC)
        semisync_tick(n);
    if (s->opt.mode == REPL_ISR)
        isr_tick(n);
    repl_advance_commit(n);
}

void repl_become_leader(dsim_node *n)
{
    repl_state *s = repl_of(n);
    int64_t now = dsim_mono(n);
    s->role = REPL_LEADER;
    s->fallback = false;
    s->isr_asked = s->cfg.isr_pending;   /* a change asked before a restart */
    s->pending_len = 0;
    s->match_ok = s->last;
    s->lead_start = s->last;
    for (int p = 0; p < REPL_NODES_MAX; p++) {
        s->next[p] = s->last + 1;
        s->match[p] = 0;
        s->caught_up_mono[p] = now;
    }
    for (uint64_t l = s->commit + 1; l <= s->last; l++)
        s->append_mono[l % REPL_LOG_MAX] = now;
    repl_leader_tick(n);
}

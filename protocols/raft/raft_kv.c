/*
** raft_kv.c — the replicated state machine: a key-value store with client
** sessions, applied in log order, and the leader's answers to writes.
**
** Exactly-once (dissertation §6.3): every client op carries (client, seq);
** the state machine ('dsim_kv') remembers, per client, the last seq it
** applied and its result. An entry whose seq is not newer is not applied
** again: the same seq gets the remembered result, an older one is ignored.
** So a request that reaches the leader twice (duplicated by the network,
** or retried) changes the store once; the leader answers a retry of an
** applied request from the session without logging it again.
** The store is the kernel's reference state machine (dsim_store): every
** workload's operations, a transaction applied whole in one entry, so Raft
** is the strict-serializable reference for every workload.
** Both, and the digest, are the kernel's 'dsim_kv' (sim/kernel/kv.c);
** equal digests at the same applied index is what State Machine Safety
** means for states (raft_invariants.c).
** A leader answers a write when it applies the entry it appended for it;
** if that index turns out to hold another entry, it does not answer at all
** (the client records 'info': the write may or may not have happened).
*/
#include "raft.h"

size_t raft_snapshot_bytes(const raft_snapshot *snap)
{
    _Static_assert(offsetof(raft_snapshot, kv) + sizeof(dsim_kv) == sizeof(raft_snapshot), "kv is last");
    return offsetof(raft_snapshot, kv) + dsim_kv_bytes(&snap->kv);
}

void raft_kv_answer_read(dsim_node *n, const dsim_op *op)
{
    dsim_result res;
    dsim_status st = dsim_kv_read(&raft_of(n)->kv, op, &res);
    dsim_reply_result(n, op, st, &res);
}

/* Answers (or forgets) the pending writes at 'index' now applied. */
static void settle_pending(dsim_node *n, const raft_entry *e, dsim_status st, const dsim_result *res)
{
    raft_state *s = raft_of(n);
    uint32_t keep = 0;
    for (uint32_t i = 0; i < s->pending_len; i++) {
        raft_pending *p = &s->pending[i];
        if (p->index > e->index) {
            s->pending[keep++] = *p;
            continue;
        }
        if (p->index == e->index && p->term == e->term && e->kind == RAFT_E_OP && e->op.id == p->op.id)
            dsim_reply_result(n, &p->op, st, res);
    }
    s->pending_len = keep;
}

static void apply_one(dsim_node *n, const raft_entry *e)
{
    raft_state *s = raft_of(n);
    dsim_status st = DSIM_OK;
    dsim_result res;   /* large: only the used words are written, never zeroed whole */
    res.value = 0;
    res.len = 0;
    if (e->kind == RAFT_E_OP)
        dsim_kv_apply(&s->kv, &e->op, &st, &res);
    s->applied = e->index;
    if (s->pending_len)
        settle_pending(n, e, st, &res);
}

/* Applies every committed entry not yet applied, in order, and takes a
** snapshot when enough have piled up. Planted bug 'snapshot_off_by_one':
** the snapshot is labelled with the entry about to be applied, but holds
** the state from before it. */
void raft_apply_committed(dsim_node *n)
{
    raft_state *s = raft_of(n);
    bool off_by_one = dsim_bug(n, "snapshot_off_by_one");
    while (s->applied < s->commit) {
        raft_entry e = *raft_entry_at(s, s->applied + 1);
        if (off_by_one && s->cfg.snapshot_every > 0 &&
            e.index - s->snap_index >= (uint64_t)s->cfg.snapshot_every)
            raft_take_snapshot(n, e.index, &s->kv);
        apply_one(n, &e);
        if (!off_by_one)
            raft_maybe_snapshot(n);
    }
}

/* A client's operation that changes state (a write, cas, add, append,
** dequeue or transaction) at this node: one log entry. */
void raft_on_client_write(dsim_node *n, const dsim_op *op)
{
    raft_state *s = raft_of(n);
    if (s->role != RAFT_LEADER) {
        dsim_reply(n, op, DSIM_REDIRECT, s->leader_id);
        return;
    }
    if (dsim_kv_answer_seen(n, &s->kv, op))   /* a retry: the kept answer, or none */
        return;
    for (uint32_t i = 0; i < s->pending_len; i++)
        if (s->pending[i].op.id == op->id)
            return;   /* already in the log, awaiting commit */
    if (op->key >= RAFT_KEYS_MAX || raft_log_full(s) || s->pending_len == RAFT_PENDING_MAX) {
        dsim_refuse(n, op);
        return;
    }
    raft_entry e = {.term = s->term, .index = s->last_index + 1, .kind = RAFT_E_OP, .op = *op};
    raft_append(n, &e);
    dsim_disk_sync(n);
    s->pending[s->pending_len++] = (raft_pending){.index = e.index, .term = e.term, .op = *op};
    for (int p = 0; p < dsim_cluster_size(n); p++)
        if (p != dsim_id(n) && raft_is_member(s, p) && s->next[p] == e.index)
            raft_send_append(n, p);
    raft_advance_commit(n);
}

/* On losing leadership: writes in flight get no answer (they may still
** commit under the next leader; their clients record 'info'). */
void raft_drop_pending(dsim_node *n)
{
    raft_of(n)->pending_len = 0;
}

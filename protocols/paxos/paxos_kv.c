/*
** paxos_kv.c — the Multi-Paxos state machine: the kernel's 'dsim_kv'
** (the reference store, every workload's operations, with exactly-once
** client sessions; a transaction is one command, so one slot, applied
** whole), applied in slot order, and the leader's answers to writes and
** reads.
**
** Sessions: every op carries (client, seq); the state machine remembers
** each client's last applied seq and its result, so a request proposed
** twice (a duplicate, a retry, or recovered by a new leader and proposed
** again) changes the store once.
** Reads are linearizable in one of two ways:
** - through a phase-2 round (the default): the read is a command in the
**   log, answered when its slot is chosen and applied;
** - under a leader lease ('lease_read'): the leader answers from its state
**   when acceptors of a set that meets every phase-1 quorum acknowledged
**   a heartbeat round sent less than a lease ago (the election timeout's
**   low end shortened by the drift bound), and when it has applied every
**   slot it recovered. Acceptors refuse other ballots' Prepare while their
**   leader is fresh (paxos_acceptor.c), so nobody else can lead meanwhile.
** Planted bug 'stale_leader_read': a node that believes it leads answers
** reads from its own state at once, deposed or not.
*/
#include "paxos.h"

size_t paxos_snapshot_bytes(const paxos_snapshot *snap)
{
    return offsetof(paxos_snapshot, kv) + dsim_kv_bytes(&snap->kv);
}

static void settle_pending(dsim_node *n, const paxos_entry *e, dsim_status st, const dsim_result *res)
{
    paxos_state *s = paxos_of(n);
    uint32_t keep = 0;
    for (uint32_t i = 0; i < s->pending_len; i++) {
        paxos_pending *p = &s->pending[i];
        if (p->slot > e->slot) {
            s->pending[keep++] = *p;
            continue;
        }
        if (p->slot == e->slot && e->cmd.kind == PAXOS_C_OP && e->cmd.op.id == p->op.id)
            dsim_reply_result(n, &p->op, st, res);
    }
    s->pending_len = keep;
}

/* Applies every learnt slot not yet applied, in order; snapshots when
** enough have piled up. */
void paxos_apply_chosen(dsim_node *n)
{
    paxos_state *s = paxos_of(n);
    while (s->applied < s->commit) {
        const paxos_entry *e = paxos_entry_at(s, s->applied + 1);
        DSIM_ASSERT(e != NULL);   /* learnt slots are held */
        dsim_status st = DSIM_OK;
        dsim_result res;   /* large: only the used words are written */
        res.value = 0;
        res.len = 0;
        if (e->cmd.kind == PAXOS_C_OP)
            dsim_kv_apply(&s->kv, &e->cmd.op, &st, &res);
        s->applied = e->slot;
        if (s->pending_len)
            settle_pending(n, e, st, &res);
    }
    if (s->cfg.snapshot_every > 0 && s->applied - s->snap >= (uint64_t)s->cfg.snapshot_every) {
        paxos_snapshot snap = {.slot = s->applied, .kv = s->kv};
        paxos_persist_snapshot(n, &snap);
    }
}

void paxos_drop_pending(dsim_node *n)
{
    paxos_of(n)->pending_len = 0;
}

/* The lease holds while acceptors meeting every phase-1 quorum have
** acknowledged a round sent less than 'lease_ns' ago. */
void paxos_lease_progress(dsim_node *n)
{
    paxos_state *s = paxos_of(n);
    if (!s->cfg.lease_read || s->role != PAXOS_LEADER)
        return;
    int acceptors = paxos_popcount(s->cfg.acceptors);
    int need = acceptors - s->cfg.q1 + 1;
    uint64_t r[PAXOS_NODES_MAX];
    int k = 0;
    for (int p = 0; p < dsim_cluster_size(n); p++)
        if (paxos_has(s->cfg.acceptors, p))
            r[k++] = s->acked_round[p];
    for (int i = 1; i < k; i++)
        for (int j = i; j > 0 && r[j] > r[j - 1]; j--) {
            uint64_t t = r[j];
            r[j] = r[j - 1];
            r[j - 1] = t;
        }
    DSIM_ASSERT(need >= 1 && need <= k);
    uint64_t round = r[need - 1];
    if (round == 0 || round + PAXOS_ROUNDS <= s->round)
        return;
    int64_t until = s->round_sent_mono[round % PAXOS_ROUNDS] + s->cfg.lease_ns;
    if (until > s->lease_until_mono)
        s->lease_until_mono = until;
}

static bool answer_read_locally(dsim_node *n, const dsim_op *op)
{
    paxos_state *s = paxos_of(n);
    bool stale = dsim_bug(n, "stale_leader_read");
    bool lease = s->cfg.lease_read && dsim_mono(n) < s->lease_until_mono &&
                 s->applied >= s->recover_hi;
    if (!stale && !lease)
        return false;
    dsim_result res;
    dsim_status st = dsim_kv_read(&s->kv, op, &res);   /* a key past the store fails */
    dsim_reply_result(n, op, st, &res);
    return true;
}

/* A client's operation at this node (Multi-Paxos). */
void paxos_on_client(dsim_node *n, const dsim_op *op)
{
    paxos_state *s = paxos_of(n);
    if (s->role != PAXOS_LEADER) {
        dsim_reply(n, op, DSIM_REDIRECT, s->leader_hint);
        return;
    }
    if (dsim_op_readonly(op) && answer_read_locally(n, op))
        return;
    if (dsim_kv_answer_seen(n, &s->kv, op))   /* a retry: the kept answer, or none */
        return;
    for (uint32_t i = 0; i < s->pending_len; i++)
        if (s->pending[i].op.id == op->id)
            return;   /* proposed already, awaiting its slot */
    paxos_cmd cmd = {.kind = PAXOS_C_OP, .op = *op};
    uint64_t slot = 0;
    if (op->key < PAXOS_KEYS_MAX && s->pending_len < PAXOS_PENDING_MAX)
        slot = paxos_propose(n, &cmd);
    if (slot == 0) {
        dsim_refuse(n, op);
        return;
    }
    dsim_disk_sync(n);
    s->pending[s->pending_len++] = (paxos_pending){.slot = slot, .ballot = s->ballot, .op = *op};
    for (int p = 0; p < dsim_cluster_size(n); p++)
        if (p != dsim_id(n) && s->next[p] == slot)
            paxos_send_accept(n, p);
    paxos_advance_commit(n);
}

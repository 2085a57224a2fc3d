/*
** paxos_invariants.c — the Paxos safety properties, checked from the
** simulator's global view after every event (or every N events).
**
**   Agreement    at most one value is chosen per slot: every node that
**                learnt a slot learnt the same command, and so did every
**                q2 quorum of acceptors that accepted it at one ballot
**                (Multi), every
**                learner decided the same value, and no two ballots
**                reached a q2 quorum of acceptors with different values
**                (basic, from the acceptors' state)
**   Validity     a chosen command is a no-op or a proposed client
**                operation (the history-level 'consensus' check also
**                ties every learnt value to a client's proposal)
**   Stability    a chosen value never changes: the record of chosen slots
**                outlives crashes, and a slot learnt again (after a
**                restart, or overwritten by a later Accept: paxos_store
**                sends the check back to it) must match it
**   Promises     an acceptor's promised ballot never decreases, across
**                crashes
**   Replicas     state machines that applied the same slot have equal
**                digests (same commands, same order)
**
** The record ('paxos_ghost') is the world's checker state: untouched by
** crashes, invisible to nodes. It holds the last PAXOS_GHOST_SLOTS chosen
** slots (older ones go unchecked). Cost per check: O(nodes) plus the
** slots learnt since the last check.
*/
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "paxos.h"

typedef struct inv {
    dsim_world *w;
    int nodes;
    paxos_ghost *g;
} inv;

static const char *violation(inv *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->g->violation, sizeof c->g->violation, fmt, ap);
    va_end(ap);
    return c->g->violation;
}

static void describe_cmd(const paxos_cmd *cmd, char *buf, size_t cap)
{
    if (cmd->kind == PAXOS_C_NOOP)
        snprintf(buf, cap, "no-op");
    else if (cmd->op.client < 0)
        snprintf(buf, cap, "write %" PRId64, cmd->op.value);
    else
        snprintf(buf, cap, "c%d's op %" PRIu64, cmd->op.client + 1, cmd->op.seq);
}

static void ballot_text(uint64_t b, char *buf, size_t cap)
{
    if (b == 0)
        snprintf(buf, cap, "none");
    else
        snprintf(buf, cap, "%" PRIu64 ".n%d", paxos_round(b), paxos_ballot_node(b) + 1);
}

static const char *promises(inv *c, int id, const paxos_state *s)
{
    uint64_t *was = &c->g->promised[id];
    if (s->promised < *was) {
        char a[32], b[32];
        ballot_text(*was, a, sizeof a);
        ballot_text(s->promised, b, sizeof b);
        return violation(c, "Promises: n%d promised ballot %s and now holds %s (a promise went back)",
                         id + 1, a, b);
    }
    *was = s->promised;
    return NULL;
}

static const char *one_slot(inv *c, int id, const paxos_entry *e)
{
    if (e->cmd.kind != PAXOS_C_NOOP && e->cmd.kind != PAXOS_C_OP)
        return violation(c, "Validity: n%d learnt slot %" PRIu64 " holding no proposed command",
                         id + 1, e->slot);
    paxos_ghost_slot *r = &c->g->chosen[e->slot % PAXOS_GHOST_SLOTS];
    uint64_t h = paxos_cmd_hash(&e->cmd);
    if (r->slot == e->slot && r->hash != h) {
        char now[64];
        describe_cmd(&e->cmd, now, sizeof now);
        return violation(c, "Agreement: slot %" PRIu64 " was chosen (seen at n%d) with another command "
                         "than n%d now holds chosen there: %s (ballot %" PRIu64 ".n%d)",
                         e->slot, r->node + 1, id + 1, now, paxos_round(e->ballot),
                         paxos_ballot_node(e->ballot) + 1);
    }
    if (r->slot < e->slot)
        *r = (paxos_ghost_slot){.slot = e->slot, .hash = h, .node = id};
    return NULL;
}

static const char *learnt(inv *c, int id, paxos_state *s)
{
    uint64_t from = s->ghost_checked_commit > s->snap ? s->ghost_checked_commit : s->snap;
    if (s->commit > PAXOS_GHOST_SLOTS && from < s->commit - PAXOS_GHOST_SLOTS)
        from = s->commit - PAXOS_GHOST_SLOTS;
    const char *v = NULL;
    for (uint64_t i = from + 1; i <= s->commit && !v; i++) {
        const paxos_entry *e = paxos_entry_at(s, i);
        if (e)
            v = one_slot(c, id, e);
    }
    s->ghost_checked_commit = s->commit;
    return v;
}

/* Multi: slots accepted by a q2 quorum at one ballot are chosen, whether
** anybody learnt them or not (checked from the slots accepted since the
** last check). */
static const char *quorum_chosen(inv *c, int id, paxos_state *s)
{
    const char *v = NULL;
    uint64_t from = s->ghost_checked_accepted > s->snap ? s->ghost_checked_accepted : s->snap;
    for (uint64_t i = from + 1; i <= s->last && !v; i++) {
        const paxos_entry *e = paxos_entry_at(s, i);
        if (!e)
            continue;
        uint64_t h = paxos_cmd_hash(&e->cmd);
        int count = 0;
        for (int j = 0; j < c->nodes; j++) {
            paxos_state *t = dsim_state(dsim_node_at(c->w, j));
            if (!dsim_is_up(dsim_node_at(c->w, j)) || !t->started || !paxos_has(t->cfg.acceptors, j))
                continue;
            const paxos_entry *f = paxos_entry_at(t, i);
            count += f && f->ballot == e->ballot && paxos_cmd_hash(&f->cmd) == h;
        }
        if (count >= s->cfg.q2)
            v = one_slot(c, id, e);
    }
    s->ghost_checked_accepted = s->last;
    return v;
}

static const char *replicas(inv *c, int id, paxos_state *s)
{
    if (s->applied == s->ghost_checked_applied || s->applied == 0)
        return NULL;
    s->ghost_checked_applied = s->applied;
    paxos_ghost_slot *r = &c->g->applied[s->applied % PAXOS_GHOST_SLOTS];
    if (r->slot == s->applied && r->hash != dsim_kv_digest(&s->kv))
        return violation(c, "Replicas: n%d's state after applying slot %" PRIu64
                         " differs from n%d's at the same slot", id + 1, s->applied, r->node + 1);
    if (r->slot < s->applied)
        *r = (paxos_ghost_slot){.slot = s->applied, .hash = dsim_kv_digest(&s->kv), .node = id};
    return NULL;
}

/* Basic: a value chosen by the acceptors' state, and learners' decisions. */
static const char *basic(inv *c)
{
    paxos_ghost *g = c->g;
    int q2 = 0;
    for (int i = 0; i < c->nodes; i++) {
        paxos_state *s = dsim_state(dsim_node_at(c->w, i));
        if (!dsim_is_up(dsim_node_at(c->w, i)) || !s->started)
            continue;
        q2 = s->cfg.q2;
        const paxos_entry *e = paxos_entry_at(s, 1);
        int count = 0;
        for (int j = 0; e && j < c->nodes; j++) {
            paxos_state *t = dsim_state(dsim_node_at(c->w, j));
            const paxos_entry *f = dsim_is_up(dsim_node_at(c->w, j)) && t->started ? paxos_entry_at(t, 1) : NULL;
            if (f && f->ballot == e->ballot && paxos_has(t->cfg.acceptors, j))
                count++;
        }
        int64_t value = 0;
        uint64_t ballot = 0;
        bool chosen = false;
        if (e && q2 > 0 && count >= q2) {
            value = e->cmd.op.value, ballot = e->ballot, chosen = true;
        } else if (s->decided) {
            value = s->decided_value, ballot = s->decided_ballot, chosen = true;
        }
        if (!chosen)
            continue;
        if (!g->basic_chosen) {
            g->basic_chosen = true;
            g->basic_value = value;
            g->basic_ballot = ballot;
        } else if (g->basic_value != value) {
            return violation(c, "Agreement: %" PRId64 " was chosen at ballot %" PRIu64 ".n%d and %"
                             PRId64 " at ballot %" PRIu64 ".n%d (n%d %s it)",
                             g->basic_value, paxos_round(g->basic_ballot),
                             paxos_ballot_node(g->basic_ballot) + 1, value, paxos_round(ballot),
                             paxos_ballot_node(ballot) + 1, i + 1,
                             s->decided && s->decided_value == value ? "decided" : "accepted");
        }
    }
    return NULL;
}

const char *paxos_invariants(dsim_world *w)
{
    inv c = {.w = w, .nodes = dsim_node_count(w), .g = dsim_checker_state(w)};
    const char *v = NULL;
    bool multi = true;
    for (int i = 0; i < c.nodes && !v; i++) {
        paxos_state *s = dsim_state(dsim_node_at(w, i));
        if (s->liveness[0])
            v = violation(&c, "Liveness: %s", s->liveness);
        if (v || !dsim_is_up(dsim_node_at(w, i)) || !s->started)
            continue;
        multi = s->cfg.multi;
        v = promises(&c, i, s);
        if (!v && multi)
            v = learnt(&c, i, s);
        if (!v && multi)
            v = quorum_chosen(&c, i, s);
        if (!v && multi)
            v = replicas(&c, i, s);
    }
    if (!v && !multi)
        v = basic(&c);
    return v;
}

/*
** pbft_invariants.c — PBFT's safety properties over the correct replicas,
** checked from the simulator's global view. A replica that was ever
** Byzantine (dsim_byzantine_ever) is left out for the rest of the run:
** what it says about itself proves nothing.
**
**   Agreement     no two correct replicas execute different requests at
**                 one sequence number; since each executes in sequence
**                 order, their executed sequences are prefixes of one order
**   Validity      every request a correct replica executes is the null
**                 request or one a client sent (same id, same contents)
**   Exactly-once  no request changes the state at two sequence numbers
**   Checkpoints   a correct replica's stable checkpoint is proven by
**                 signatures of at least f+1 correct replicas (2f+1
**                 signers, at most f of them Byzantine): the state
**                 survives f faults; and correct replicas' stable
**                 checkpoints at one seq have one state digest
**   Liveness      the scenario's liveness check (control liveness_failed)
**
** The record ('pbft_ghost') is the world's checker state: untouched by
** crashes, invisible to nodes. It holds the last PBFT_GHOST executed seqs,
** client requests and applications (older ones go unchecked). A node
** keeps its recent executions and received requests in rings that the
** check reads from where it stopped. Cost: O(nodes) plus what is new.
*/
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "pbft.h"

static const char *violation(pbft_ghost *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->violation, sizeof g->violation, fmt, ap);
    va_end(ap);
    return g->violation;
}

static void request_text(const pbft_exec *e, char *buf, size_t cap)
{
    if (e->null_req)
        snprintf(buf, cap, "the null request");
    else
        snprintf(buf, cap, "request %" PRIu64 " (digest %04" PRIx64 ")", e->op_id, e->digest & 0xffff);
}

static void sent(pbft_ghost *g, pbft_state *s)
{
    uint64_t from = s->ghost_seen_checked;
    if (s->seen_next > PBFT_RING && from < s->seen_next - PBFT_RING)
        from = s->seen_next - PBFT_RING;
    for (uint64_t i = from; i < s->seen_next; i++) {
        const pbft_seen *r = &s->seen[i % PBFT_RING];
        pbft_ghost_req *g_r = &g->sent[r->id % PBFT_GHOST];
        if (g_r->id != r->id)
            *g_r = (pbft_ghost_req){.id = r->id, .digest = r->digest};
    }
    s->ghost_seen_checked = s->seen_next;
}

static const char *one_exec(pbft_ghost *g, int id, const pbft_exec *e)
{
    char now[64], was[64];
    pbft_ghost_seq *r = &g->executed[e->seq % PBFT_GHOST];
    if (r->seq == e->seq && r->digest != e->digest) {
        pbft_exec old = {.digest = r->digest, .op_id = r->op_id, .null_req = r->digest == PBFT_NULL_DIGEST};
        request_text(e, now, sizeof now);
        request_text(&old, was, sizeof was);
        return violation(g, "Agreement: sequence number %" PRIu64 " executed %s at n%d and %s at n%d",
                         e->seq, was, r->node + 1, now, id + 1);
    }
    if (r->seq < e->seq)
        *r = (pbft_ghost_seq){.seq = e->seq, .digest = e->digest, .op_id = e->op_id, .node = id};
    if (e->null_req)
        return NULL;
    const pbft_ghost_req *c = &g->sent[e->op_id % PBFT_GHOST];
    if (c->id == e->op_id && c->digest != e->digest)
        return violation(g, "Validity: n%d executed at sequence number %" PRIu64 " a request %" PRIu64
                         " that no client sent (its contents differ from the client's)",
                         id + 1, e->seq, e->op_id);
    if (!e->applied)
        return NULL;
    pbft_ghost_req *a = &g->applied[e->op_id % PBFT_GHOST];
    if (a->id == e->op_id && a->seq != e->seq)
        return violation(g, "Exactly-once: request %" PRIu64 " changed the state at sequence number %"
                         PRIu64 " (n%d) and at %" PRIu64 " (n%d)", e->op_id, a->seq, a->node + 1,
                         e->seq, id + 1);
    if (a->id != e->op_id)
        *a = (pbft_ghost_req){.id = e->op_id, .digest = e->digest, .seq = e->seq, .node = id};
    return NULL;
}

static const char *executed(pbft_ghost *g, int id, pbft_state *s)
{
    uint64_t from = s->ghost_exec_checked;
    if (s->execs_next > PBFT_RING && from < s->execs_next - PBFT_RING)
        from = s->execs_next - PBFT_RING;
    const char *v = NULL;
    for (uint64_t i = from; i < s->execs_next && !v; i++)
        v = one_exec(g, id, &s->execs[i % PBFT_RING]);
    s->ghost_exec_checked = s->execs_next;
    return v;
}

static const char *checkpoint(pbft_ghost *g, int id, const pbft_state *s)
{
    if (s->stable == 0)
        return NULL;
    int correct = 0;
    char who[64] = "";
    size_t at = 0;
    for (uint32_t i = 0; i < s->nproof && i < 2 * PBFT_F_MAX + 1; i++) {
        int p = s->proof[i].from;
        if (p >= 0 && p < PBFT_NODES_MAX && !(g->byzantine >> p & 1u)) {
            correct++;
            at += (size_t)snprintf(who + at, sizeof who - at, "%sn%d", correct > 1 ? ", " : "", p + 1);
            if (at >= sizeof who)
                at = sizeof who - 1;
        }
    }
    if (correct < s->cfg.f + 1)
        return violation(g, "Checkpoints: n%d's stable checkpoint at sequence number %" PRIu64
                         " is proven by %u signatures, %d of them from correct replicas (%s): a stable "
                         "checkpoint must be held by f+1 = %d correct replicas to survive f faults",
                         id + 1, s->stable, s->nproof, correct, correct ? who : "none", s->cfg.f + 1);
    pbft_ghost_seq *r = &g->ckpt[(s->stable / (uint64_t)s->cfg.k) % (PBFT_GHOST / 16)];
    if (r->seq == s->stable && r->digest != s->stable_digest)
        return violation(g, "Checkpoints: the stable state at sequence number %" PRIu64
                         " differs between n%d and n%d", s->stable, r->node + 1, id + 1);
    if (r->seq < s->stable)
        *r = (pbft_ghost_seq){.seq = s->stable, .digest = s->stable_digest, .node = id};
    return NULL;
}

const char *pbft_invariants(dsim_world *w)
{
    pbft_ghost *g = dsim_checker_state(w);
    int nodes = dsim_node_count(w);
    for (int i = 0; i < nodes; i++)
        if (dsim_byzantine_ever(dsim_node_at(w, i)))
            g->byzantine |= 1u << i;
    for (int i = 0; i < nodes; i++) {
        dsim_node *n = dsim_node_at(w, i);
        pbft_state *s = pbft_of(n);
        if (dsim_is_up(n) && s->started)
            sent(g, s);
    }
    for (int i = 0; i < nodes; i++) {
        dsim_node *n = dsim_node_at(w, i);
        pbft_state *s = pbft_of(n);
        if (!dsim_is_up(n) || !s->started)
            continue;
        if (s->liveness[0])
            return violation(g, "Liveness: %s", s->liveness);
        if (g->byzantine >> i & 1u) {
            s->ghost_exec_checked = s->execs_next;
            continue;
        }
        const char *v = executed(g, i, s);
        if (!v)
            v = checkpoint(g, i, s);
        if (v)
            return v;
    }
    return NULL;
}

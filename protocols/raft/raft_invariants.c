/*
** raft_invariants.c — the Raft safety properties (Figure 3 of the paper),
** checked from the simulator's global view after every event (or every N
** events: the cluster's 'invariants' field).
**
**   Election Safety     at most one leader per term, ever
**   Log Matching        two logs holding an entry with the same index and
**                       term are identical up to it (compared by chain
**                       hashes, so one comparison covers the prefix)
**   Leader Completeness a leader holds every entry committed in an
**                       earlier term
**   State Machine Safety no two nodes commit different entries at one
**                       index, nor reach different states at one index
**
** "Ever" needs memory that outlives crashes, which a node's state block
** (zeroed on crash) cannot give. The record ('raft_ghost') is the world's
** checker state (dsim_checker_state): one block, untouched by crashes,
** invisible to nodes, so a violation across a crash of every node is still
** caught. The protocol never reads it.
** The record is bounded: leaders of the last RAFT_GHOST_TERMS terms and
** entries of the last RAFT_GHOST_INDEXES indices (older ones go unchecked).
** Cost per check: O(nodes^2) plus the newly committed entries.
*/
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "raft.h"

typedef struct inv {
    dsim_world *w;
    int nodes;
    raft_ghost *g;       /* the record; holds the violation text */
} inv;

static raft_state *node_state(inv *c, int i)
{
    return dsim_state(dsim_node_at(c->w, i));
}

static const char *violation(inv *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->g->violation, sizeof c->g->violation, fmt, ap);
    va_end(ap);
    return c->g->violation;
}

static void put_leader(inv *c, uint64_t term, int node)
{
    c->g->leader_term[term % RAFT_GHOST_TERMS] = term;
    c->g->leader_node[term % RAFT_GHOST_TERMS] = node;
}

static void put_committed(inv *c, const raft_ghost_entry *r)
{
    raft_ghost *g = c->g;
    uint32_t ct = (uint32_t)(r->commit_term % RAFT_GHOST_CTERMS);
    g->committed[r->index % RAFT_GHOST_INDEXES] = *r;
    if (g->cterm[ct] != r->commit_term) {
        g->cterm[ct] = r->commit_term;
        g->cterm_index[ct] = 0;
    }
    if (r->index > g->cterm_index[ct])
        g->cterm_index[ct] = r->index;
}

static void put_applied(inv *c, uint64_t index, uint64_t digest)
{
    c->g->applied[index % RAFT_GHOST_INDEXES] = (raft_ghost_state){.index = index, .digest = digest};
}

static const char *election_safety(inv *c, const raft_ghost *g, int id, const raft_state *s)
{
    uint32_t slot = (uint32_t)(s->term % RAFT_GHOST_TERMS);
    if (g->leader_term[slot] != s->term) {
        put_leader(c, s->term, id);
        return NULL;
    }
    if (g->leader_node[slot] != id)
        return violation(c, "Election Safety: n%d and n%d were both leaders of term %" PRIu64,
                         g->leader_node[slot] + 1, id + 1, s->term);
    return NULL;
}

/* Compares (index, term, chain) with the record, or records it. */
static const char *one_committed(inv *c, const raft_ghost *g, int id, const raft_state *s,
                                 uint64_t index, uint64_t term, uint64_t chain)
{
    const raft_ghost_entry *r = &g->committed[index % RAFT_GHOST_INDEXES];
    if (r->index == index) {
        if (r->term != term || r->chain != chain)
            return violation(c, "State Machine Safety: index %" PRIu64 " was committed with term %"
                             PRIu64 ", but n%d now has it committed with term %" PRIu64
                             " (or a different log before it)", index, r->term, id + 1, term);
        return NULL;
    }
    if (r->index < index) {
        raft_ghost_entry e = {.index = index, .term = term, .chain = chain, .commit_term = s->term};
        put_committed(c, &e);
    }
    return NULL;
}

static const char *committed(inv *c, const raft_ghost *g, int id, raft_state *s)
{
    const char *v = NULL;
    if (s->ghost_checked_commit < s->snap_index && s->snap_index > 0)
        v = one_committed(c, g, id, s, s->snap_index, s->snap_term, s->snap_chain);
    uint64_t from = s->ghost_checked_commit > s->snap_index ? s->ghost_checked_commit : s->snap_index;
    if (s->commit > RAFT_GHOST_INDEXES && from < s->commit - RAFT_GHOST_INDEXES)
        from = s->commit - RAFT_GHOST_INDEXES;
    for (uint64_t i = from + 1; i <= s->commit && !v; i++) {
        const raft_entry *e = raft_entry_at(s, i);
        if (e)
            v = one_committed(c, g, id, s, i, e->term, e->chain);
    }
    s->ghost_checked_commit = s->commit;
    return v;
}

static const char *applied_state(inv *c, const raft_ghost *g, int id, raft_state *s)
{
    if (s->applied == s->ghost_checked_applied || s->applied == 0)
        return NULL;
    s->ghost_checked_applied = s->applied;
    const raft_ghost_state *r = &g->applied[s->applied % RAFT_GHOST_INDEXES];
    if (r->index == s->applied && r->digest != dsim_kv_digest(&s->kv))
        return violation(c, "State Machine Safety: n%d's state after applying index %" PRIu64
                         " differs from another node's at the same index", id + 1, s->applied);
    if (r->index < s->applied)
        put_applied(c, s->applied, dsim_kv_digest(&s->kv));
    return NULL;
}

static const char *leader_completeness(inv *c, const raft_ghost *g, int id, const raft_state *s)
{
    uint64_t best = 0;
    for (int k = 0; k < RAFT_GHOST_CTERMS; k++)
        if (g->cterm[k] && g->cterm[k] < s->term && g->cterm_index[k] > best)
            best = g->cterm_index[k];
    if (best == 0 || best < s->snap_index)
        return NULL;
    const raft_ghost_entry *r = &g->committed[best % RAFT_GHOST_INDEXES];
    bool missing = best > s->last_index;
    if (!missing && r->index == best)
        missing = raft_term_at(s, best) != r->term || raft_chain_at(s, best) != r->chain;
    if (missing)
        return violation(c, "Leader Completeness: n%d leads term %" PRIu64 " without index %" PRIu64
                         " (term %" PRIu64 "), committed in an earlier term", id + 1, s->term, best, r->term);
    return NULL;
}

static const char *log_matching(inv *c, int a, const raft_state *sa, int b, const raft_state *sb)
{
    uint64_t hi = sa->last_index < sb->last_index ? sa->last_index : sb->last_index;
    uint64_t lo = sa->snap_index > sb->snap_index ? sa->snap_index : sb->snap_index;
    for (uint64_t i = hi, steps = 0; i > lo && steps < 64; i--, steps++) {
        /* lo < i <= hi: inside both windows (raft_term_at's other cases
        ** are the snapshot boundary and unknown indices, outside them) */
        const raft_entry *ea = raft_entry_at(sa, i), *eb = raft_entry_at(sb, i);
        DSIM_ASSERT(ea != NULL && eb != NULL);
        uint64_t t = ea->term;
        if (t != eb->term)
            continue;
        if (ea->chain != eb->chain)
            return violation(c, "Log Matching: n%d and n%d both hold index %" PRIu64 " of term %" PRIu64
                             " but their logs differ before it", a + 1, b + 1, i, t);
        return NULL;
    }
    return NULL;
}

const char *raft_invariants(dsim_world *w)
{
    inv c = {.w = w, .nodes = dsim_node_count(w), .g = dsim_checker_state(w)};
    const raft_ghost *g = c.g;
    const char *v = NULL;
    /* Each node's state and whether it takes part, looked up once: the
    ** pairs below would otherwise ask nodes^2 times, every check. */
    raft_state *st[RAFT_NODES_MAX];
    bool live[RAFT_NODES_MAX];
    DSIM_ASSERT(c.nodes <= RAFT_NODES_MAX);
    for (int i = 0; i < c.nodes; i++) {
        st[i] = node_state(&c, i);
        live[i] = dsim_is_up(dsim_node_at(w, i)) && st[i]->started;
    }
    for (int i = 0; i < c.nodes && !v; i++) {
        raft_state *s = st[i];
        if (s->liveness[0])
            v = violation(&c, "Liveness: %s", s->liveness);
        if (v || !live[i])
            continue;
        if (s->role == RAFT_LEADER)
            v = election_safety(&c, g, i, s);
        if (!v)
            v = committed(&c, g, i, s);
        if (!v)
            v = applied_state(&c, g, i, s);
        if (!v && s->role == RAFT_LEADER)
            v = leader_completeness(&c, g, i, s);
    }
    for (int a = 0; a < c.nodes && !v; a++) {
        if (!live[a])
            continue;
        for (int b = a + 1; b < c.nodes && !v; b++)
            if (live[b])
                v = log_matching(&c, a, st[a], b, st[b]);
    }
    return v;
}

/* The log lost indices >= 'from': re-check them when they come back. */
void raft_ghost_truncated(raft_state *s, uint64_t from)
{
    if (s->ghost_checked_commit >= from)
        s->ghost_checked_commit = from - 1;
}

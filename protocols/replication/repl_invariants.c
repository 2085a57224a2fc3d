/*
** repl_invariants.c — the replication invariants, from the global view
** (the invariants check; state kept in 'repl_ghost', which crashes do not
** touch):
** - Epochs (with fencing): at most one node ever leads (accepts writes at)
**   a given epoch.
** - Log matching: two replicas holding an entry of the same LSN and epoch
**   hold the same log up to it (chained hashes), so a follower's log is a
**   prefix of its leader's at the same epoch.
** - High watermark (modes that promise durability of what they show:
**   sync, chain, isr without unclean election): every replica that applied
**   LSN k holds the same state at k: nothing a node exposed (applied,
**   answered from) is later replaced. Every node keeps its last REPL_RING
**   applied (LSN, digest) pairs for this check.
** - Liveness, when a scenario reports it failed (control "liveness_failed").
** A violation stays reported once seen.
*/
#include <inttypes.h>
#include <stdio.h>

#include "repl.h"

#define EPOCH_SLOTS (REPL_NODES_MAX * 16)

static repl_state *replica(dsim_world *w, int id)
{
    dsim_node *n = dsim_node_at(w, id);
    if (!dsim_is_up(n))
        return NULL;
    repl_state *s = dsim_state(n);
    return s->started && s->role != REPL_MASTER ? s : NULL;
}

static void check_epochs(dsim_world *w, repl_ghost *g)
{
    for (int id = 0; id < dsim_node_count(w) && !g->violation[0]; id++) {
        repl_state *s = replica(w, id);
        if (!s || s->role != REPL_LEADER || !s->opt.epochs)
            continue;
        uint64_t e = s->cfg.epoch;
        uint32_t k = (uint32_t)(e % EPOCH_SLOTS);
        if (g->epoch_of[k] == e && g->leader_of[k] != id)
            snprintf(g->violation, sizeof g->violation,
                     "Epochs: n%d and n%d both led epoch %" PRIu64 " (accepting writes)", g->leader_of[k] + 1,
                     id + 1, e);
        else if (g->epoch_of[k] < e) {
            g->epoch_of[k] = e;
            g->leader_of[k] = id;
        }
    }
}

static void match_at(dsim_world *w, repl_ghost *g, int a, repl_state *sa, uint64_t lsn)
{
    uint64_t ea, ha;
    if (!repl_epoch_hash_at(sa, lsn, &ea, &ha) || lsn == 0)
        return;
    for (int b = 0; b < dsim_node_count(w) && !g->violation[0]; b++) {
        repl_state *sb = b == a ? NULL : replica(w, b);
        uint64_t eb, hb;
        if (!sb || !repl_epoch_hash_at(sb, lsn, &eb, &hb) || eb != ea || hb == ha)
            continue;
        snprintf(g->violation, sizeof g->violation,
                 "Log matching: n%d and n%d both hold LSN %" PRIu64 " of epoch %" PRIu64
                 " but their logs up to it differ", a + 1, b + 1, lsn, ea);
    }
}

static void check_exposure(dsim_world *w, repl_ghost *g)
{
    for (int id = 0; id < dsim_node_count(w) && !g->violation[0]; id++) {
        repl_state *s = replica(w, id);
        if (!s || (s->opt.statement && s->opt.columns))
            continue;   /* statements diverge states by design (repl_stmt.c) */
        for (uint32_t i = 0; i < REPL_RING && i < s->ring_next; i++) {
            uint64_t lsn = s->ring_lsn[i], d = s->ring_digest[i];
            if (lsn == 0)
                continue;
            repl_ghost_slot *slot = &g->applied[lsn % REPL_GHOST];
            if (slot->lsn < lsn) {
                *slot = (repl_ghost_slot){.lsn = lsn, .digest = d, .node = id};
            } else if (slot->lsn == lsn && slot->digest != d) {
                snprintf(g->violation, sizeof g->violation,
                         "High watermark: n%d showed LSN %" PRIu64 " with state %016" PRIx64
                         " but n%d shows state %016" PRIx64 " at LSN %" PRIu64
                         ": an entry exposed as committed was later lost or replaced",
                         slot->node + 1, lsn, slot->digest, id + 1, d, lsn);
                return;
            }
        }
    }
}

static bool promises_durability(const repl_state *s)
{
    return s->opt.mode == REPL_SYNC || s->opt.mode == REPL_CHAIN || (s->opt.mode == REPL_ISR && !s->opt.unclean);
}

const char *repl_invariants(dsim_world *w)
{
    repl_ghost *g = dsim_checker_state(w);
    if (g->violation[0])
        return g->violation;
    bool durable = false;
    for (int id = 0; id < dsim_node_count(w); id++) {
        dsim_node *n = dsim_node_at(w, id);
        repl_state *s = dsim_is_up(n) ? dsim_state(n) : NULL;
        if (s && s->liveness[0]) {
            snprintf(g->violation, sizeof g->violation, "Liveness: %s", s->liveness);
            return g->violation;
        }
        if (s && s->started)
            durable = promises_durability(s);
    }
    check_epochs(w, g);
    for (int a = 0; a < dsim_node_count(w) && !g->violation[0]; a++) {
        repl_state *s = replica(w, a);
        if (s) {
            match_at(w, g, a, s, s->last);
            match_at(w, g, a, s, s->commit);
        }
    }
    if (durable && !g->violation[0])
        check_exposure(w, g);
    return g->violation[0] ? g->violation : NULL;
}

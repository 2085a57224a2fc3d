/*
** zab_invariants.c — the properties of ZAB (Junqueira et al., DSN 2011,
** section III) checked from the simulator's global view after every event
** (or every N events: the cluster's 'invariants' field).
**
**   Established leaders  at most one leader establishes each epoch, ever,
**                        and its epoch is above every zxid it holds
**   Total order          every server's delivered sequence is a prefix of
**                        one total order: a zxid is one transaction, has
**                        one predecessor, and every zxid one successor
**   Primary order        zxids increase along every delivered sequence
**                        (a leader's proposals are delivered in its order)
**   Primary integrity    an established leader's history holds every
**                        transaction delivered in an earlier epoch
**   State                servers that delivered the same zxid have the
**                        same state digest there
**
** Delivered = applied to the state machine. The record ('zab_ghost') is
** the world's checker state: crashes do not touch it, nodes cannot see it.
** It is bounded (hash slots by zxid and by epoch); an overwritten slot goes
** unchecked. Each server's 'ghost_prev' (the last delivered zxid checked)
** is in its own state, so a restart re-checks what it delivers again.
*/
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "zab.h"

typedef struct inv {
    dsim_world *w;
    zab_ghost *g;
} inv;

static const char *violation(inv *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->g->violation, sizeof c->g->violation, fmt, ap);
    va_end(ap);
    return c->g->violation;
}

static uint32_t slot(uint64_t z)
{
    return (uint32_t)(zab_mix(0x6a05, z) % ZAB_GHOST_TXNS);
}

#define ZX(z) zab_epoch_of(z), zab_counter_of(z)

static const char *established(inv *c, int id, const zab_state *s)
{
    zab_ghost *g = c->g;
    uint32_t k = (uint32_t)(s->epoch % ZAB_GHOST_EPOCHS);
    if (g->leader_epoch[k] != s->epoch) {
        g->leader_epoch[k] = s->epoch;
        g->leader_node[k] = id;
    } else if (g->leader_node[k] != id) {
        return violation(c, "Established leaders: n%d and n%d both established epoch %" PRIu64,
                         g->leader_node[k] + 1, id + 1, s->epoch);
    }
    if (zab_epoch_of(zab_last_zxid(s)) > s->epoch ||
        (zab_epoch_of(zab_last_zxid(s)) == s->epoch && s->counter == 0 && zab_last_zxid(s) != 0))
        return violation(c, "Established leaders: n%d established epoch %" PRIu64 " over a history that "
                         "already holds %" PRIu64 ".%" PRIu64 " (an epoch used twice)", id + 1, s->epoch,
                         ZX(zab_last_zxid(s)));
    for (int e = 0; e < ZAB_GHOST_EPOCHS; e++) {
        uint64_t z = g->deliv_max[e];
        if (g->deliv_epoch[e] >= s->epoch || z == 0 || z <= s->snap_zxid)
            continue;
        if (zab_pos_of(s, z) == 0)
            return violation(c, "Primary integrity: n%d leads epoch %" PRIu64 " without %" PRIu64 ".%" PRIu64
                             ", delivered in epoch %" PRIu64, id + 1, s->epoch, ZX(z), zab_epoch_of(z));
    }
    return NULL;
}

static const char *one(inv *c, int id, uint64_t prev, const zab_entry *e)
{
    zab_ghost *g = c->g;
    uint64_t z = e->zxid, h = zab_entry_hash(e);
    if (z <= prev)
        return violation(c, "Primary order: n%d delivered %" PRIu64 ".%" PRIu64 " after %" PRIu64 ".%" PRIu64,
                         id + 1, ZX(z), ZX(prev));
    zab_ghost_txn *t = &g->txn[slot(z)];
    if (t->zxid == z && t->hash != h)
        return violation(c, "Total order: zxid %" PRIu64 ".%" PRIu64 " was delivered as two different "
                         "transactions (n%d's differs)", ZX(z), id + 1);
    if (t->zxid == z && t->prev != prev)
        return violation(c, "Total order: n%d delivered %" PRIu64 ".%" PRIu64 " right after %" PRIu64 ".%" PRIu64
                         ", another server right after %" PRIu64 ".%" PRIu64 " (a committed transaction "
                         "disappeared or appeared)", id + 1, ZX(z), ZX(prev), ZX(t->prev));
    if (t->zxid != z)
        *t = (zab_ghost_txn){.zxid = z, .prev = prev, .hash = h};
    zab_ghost_txn *u = &g->succ[slot(prev)];
    if (u->hash && u->zxid == prev && u->prev != z)
        return violation(c, "Total order: after %" PRIu64 ".%" PRIu64 " a server delivered %" PRIu64 ".%" PRIu64
                         ", n%d delivered %" PRIu64 ".%" PRIu64 " (a committed transaction disappeared)",
                         ZX(prev), ZX(u->prev), id + 1, ZX(z));
    if (!u->hash || u->zxid != prev)
        *u = (zab_ghost_txn){.zxid = prev, .prev = z, .hash = 1};   /* hash: in use */
    uint32_t k = (uint32_t)(zab_epoch_of(z) % ZAB_GHOST_EPOCHS);
    if (g->deliv_epoch[k] != zab_epoch_of(z)) {
        g->deliv_epoch[k] = zab_epoch_of(z);
        g->deliv_max[k] = 0;
    }
    if (z > g->deliv_max[k])
        g->deliv_max[k] = z;
    return NULL;
}

static const char *delivered(inv *c, int id, zab_state *s)
{
    uint64_t prev = s->ghost_prev;
    if (s->applied_zxid == prev)
        return NULL;
    if (s->applied_zxid < prev)
        return violation(c, "Total order: n%d's delivered sequence went back from %" PRIu64 ".%" PRIu64
                         " to %" PRIu64 ".%" PRIu64, id + 1, ZX(prev), ZX(s->applied_zxid));
    if (prev < s->snap_zxid)
        prev = s->snap_zxid;   /* restarted, or a SNAP: the state came whole */
    uint64_t p = zab_pos_floor(s, prev);
    if (zab_zxid_at(s, p) != prev)
        return violation(c, "Total order: n%d no longer holds %" PRIu64 ".%" PRIu64 ", which it delivered",
                         id + 1, ZX(prev));
    const char *v = NULL;
    for (p++; p <= s->applied_pos && !v; p++) {
        const zab_entry *e = zab_entry_at(s, p);
        v = one(c, id, prev, e);
        prev = e->zxid;
    }
    s->ghost_prev = s->applied_zxid;
    if (v)
        return v;
    zab_ghost_txn *t = &c->g->txn[slot(s->applied_zxid)];
    if (t->zxid == s->applied_zxid && s->applied_zxid != 0) {
        if (t->digest == 0)
            t->digest = zab_kv_digest(&s->kv);
        else if (t->digest != zab_kv_digest(&s->kv))
            return violation(c, "State: n%d's state after %" PRIu64 ".%" PRIu64
                             " differs from another server's there", id + 1, ZX(s->applied_zxid));
    }
    return NULL;
}

const char *zab_invariants(dsim_world *w)
{
    inv c = {.w = w, .g = dsim_checker_state(w)};
    const char *v = NULL;
    int nodes = (int)dsim_opt_int(dsim_node_at(w, 0), "servers");
    if (nodes == 0)
        nodes = dsim_node_count(w);   /* the rest are zk client nodes */
    for (int i = 0; i < nodes && !v; i++) {
        zab_state *s = dsim_state(dsim_node_at(w, i));
        if (s->liveness[0])
            v = violation(&c, "Liveness: %s", s->liveness);
        if (v || !dsim_is_up(dsim_node_at(w, i)) || !s->started)
            continue;
        v = delivered(&c, i, s);
        if (!v && s->role == ZAB_LEADING && s->established)
            v = established(&c, i, s);
    }
    /* the coordination service's clients: ZooKeeper's watch order */
    return v ? v : zk_invariants(w, nodes, c.g->violation, sizeof c.g->violation);
}

/*
** repl_follow.c — a replica receiving the log: appends, snapshots, the
** configuration, and stepping down.
**
** An append is accepted only from the node this replica follows (its
** leader, or its predecessor in the chain) at its epoch or a newer one;
** with fencing ('epochs', the default) an append of an older epoch is
** refused with our epoch, which deposes its sender. Without fencing
** (option epochs=false, or planted bug 'no_epoch_check') every follower
** follows whoever sends it an append, whatever its epoch, and a leader
** ignores other leaders: a paused leader that resumes after a failover
** takes followers back and commits with them (split brain).
** Log matching: the append names the (LSN, hash) before its entries; when
** our log does not hold it we refuse and hint where to resume. An entry
** that differs from ours truncates our log from there; if that reaches
** below what we applied (only an unsafe mode or a bug exposes an entry
** that is later replaced), the replica starts over from a snapshot.
** Followers apply up to min(commit point, verified prefix) ('repl_visible';
** planted bug 'hwm_leak': up to the end of their log).
*/
#include "repl.h"

static void ack(dsim_node *n, int to, bool ok, uint64_t hint)
{
    repl_state *s = repl_of(n);
    repl_ack a = {.epoch = s->cfg.epoch, .match = ok ? s->match_ok : 0, .last = ok ? s->last : hint,
                  .ok = ok};
    /* chain: the commit point as this member knows it (a joiner knows none) */
    if (s->opt.mode == REPL_CHAIN && repl_chain_pos(s, dsim_id(n)) >= 0)
        a.commit = repl_is_tail(s, dsim_id(n)) && repl_leased(n) ? s->match_ok : s->commit;
    dsim_send(n, to, REPL_MSG_ACK, &a, sizeof a);
}

void repl_send_ack(dsim_node *n, int to, bool ok)
{
    ack(n, to, ok, repl_of(n)->last);
}

static bool fencing(dsim_node *n)
{
    return repl_of(n)->opt.epochs && !dsim_bug(n, "no_epoch_check");
}

void repl_step_down(dsim_node *n, uint64_t epoch, int leader)
{
    repl_state *s = repl_of(n);
    /* A chain's configuration comes whole from the master: a deposed chain
    ** node keeps its old one (so its status shows it behind) until then. */
    bool chain = s->opt.mode == REPL_CHAIN;
    if (!chain && (epoch > s->cfg.epoch || (!fencing(n) && leader != REPL_NONE))) {
        s->cfg.epoch = epoch;
        s->cfg.leader = leader;   /* REPL_NONE: learnt from its first append */
        repl_persist_config(n);
        dsim_disk_sync(n);
    }
    if (s->role == REPL_LEADER) {
        repl_drop_pending(n);
        dsim_emit(n, "deposed", json_pack("{s:I}", "epoch", (json_int_t)epoch));
    }
    if (s->role != REPL_MASTER)
        s->role = repl_has(s->cfg.members, dsim_id(n)) ? REPL_FOLLOWER : REPL_STANDBY;
    s->match_ok = 0;
}

void repl_adopt_config(dsim_node *n, const repl_config *c)
{
    repl_state *s = repl_of(n);
    int self = dsim_id(n);
    if (c->epoch < s->cfg.epoch || memcmp(c, &s->cfg, sizeof *c) == 0)
        return;
    int up_before = repl_upstream(s, self);
    bool led = s->role == REPL_LEADER;
    uint32_t pending = s->cfg.isr_pending;
    s->cfg = *c;
    if (c->epoch == s->cfg.epoch && c->leader == self && led)
        s->cfg.isr_pending = pending;   /* the master does not know our pending ask */
    repl_persist_config(n);
    dsim_disk_sync(n);
    if (repl_upstream(s, self) != up_before || s->opt.mode == REPL_CHAIN)
        s->match_ok = 0;   /* verified again at the new epoch */
    (void)up_before;
    for (int p = 0; p < REPL_NODES_MAX; p++)
        if (s->next[p] == 0 || s->opt.mode == REPL_CHAIN)
            s->next[p] = s->last + 1;
    if (c->leader == self && !led) {
        repl_become_leader(n);
        dsim_emit(n, "promoted", json_pack("{s:I, s:I}", "epoch", (json_int_t)c->epoch,
                                           "lsn", (json_int_t)s->last));
    } else if (c->leader != self) {
        if (led) {
            repl_drop_pending(n);
            dsim_emit(n, "deposed", json_pack("{s:I}", "epoch", (json_int_t)c->epoch));
        }
        s->role = repl_has(c->members, self) ? REPL_FOLLOWER : REPL_STANDBY;
    }
    if (s->opt.mode == REPL_CHAIN && repl_chain_pos(s, self) == 0)
        s->match_ok = s->last;
    repl_advance_commit(n);
    repl_ship_all(n);
}

/* Whether to take an append or snapshot of 'epoch' from 'from'; refuses
** (and answers) when not. Adopts a newer epoch's sender as upstream. */
static bool admit(dsim_node *n, int from, uint64_t epoch, int leader)
{
    repl_state *s = repl_of(n);
    if (s->role == REPL_MASTER)
        return false;
    if (fencing(n)) {
        if (epoch < s->cfg.epoch) {
            ack(n, from, false, s->last);
            return false;
        }
        if (s->opt.mode == REPL_CHAIN)
            return epoch == s->cfg.epoch && repl_upstream(s, dsim_id(n)) == from;
        if (epoch == s->cfg.epoch && s->role == REPL_LEADER)
            return false;   /* epochs have one leader each: a stray copy */
        if (epoch > s->cfg.epoch)
            repl_step_down(n, epoch, leader);
        if (s->cfg.leader == REPL_NONE && leader == from) {   /* epochs are unique: it leads this one */
            s->cfg.leader = from;
            repl_persist_config(n);
        }
        return s->cfg.leader == from;
    }
    if (s->opt.mode == REPL_CHAIN)
        return repl_upstream(s, dsim_id(n)) == from;
    if (s->role == REPL_LEADER)
        return false;   /* a primary does not replicate from another one */
    if (s->cfg.leader != from || s->cfg.epoch != epoch)
        repl_step_down(n, epoch, from);
    return true;
}

/* Takes the entries after a matched prefix; false when it had to start over. */
static bool take_entries(dsim_node *n, const repl_append *m, const repl_entry *es, uint64_t *upto)
{
    repl_state *s = repl_of(n);
    *upto = m->prev_lsn;
    for (uint32_t i = 0; i < m->count; i++) {
        repl_entry e = es[i];
        DSIM_ASSERT(e.lsn == m->prev_lsn + 1 + i);
        repl_entry *have = repl_entry_at(s, e.lsn);
        if (have && have->hash == e.hash) {
            *upto = e.lsn;
            continue;
        }
        if (e.lsn <= s->applied) {   /* we showed an entry that is now replaced */
            repl_reset(n);
            return false;
        }
        if (have)
            repl_log_truncate(n, e.lsn);
        if (s->last - s->snap >= REPL_LOG_MAX)
            break;
        uint64_t sent = e.hash;
        repl_log_append(n, &e);
        DSIM_ASSERT(e.hash == sent);   /* same prefix, same entry: same chained hash */
        *upto = e.lsn;
    }
    return true;
}

void repl_on_append(dsim_node *n, int from, const repl_append *m, const repl_entry *es)
{
    repl_state *s = repl_of(n);
    if (!admit(n, from, m->epoch, m->leader))
        return;
    s->heard_upstream_mono = dsim_mono(n);
    if (m->prev_lsn < s->snap) {
        ack(n, from, false, s->snap);
        return;
    }
    uint64_t ep, h;
    if (!repl_epoch_hash_at(s, m->prev_lsn, &ep, &h) || h != m->prev_hash) {
        if (m->prev_lsn <= s->applied && m->prev_lsn <= s->last) {
            repl_reset(n);
            ack(n, from, false, 0);
            return;
        }
        ack(n, from, false, s->last < m->prev_lsn ? s->last : m->prev_lsn - 1);
        return;
    }
    uint64_t upto;
    if (!take_entries(n, m, es, &upto)) {
        ack(n, from, false, 0);
        return;
    }
    dsim_disk_sync(n);
    if (upto > s->match_ok)
        s->match_ok = upto;
    uint64_t c = m->commit < s->match_ok ? m->commit : s->match_ok;
    if (c > s->commit)
        s->commit = c;
    repl_advance_commit(n);
    repl_send_ack(n, from, true);
    repl_ship_all(n);
}

void repl_on_snapshot(dsim_node *n, int from, const repl_append *h, const repl_snapshot *snap)
{
    repl_state *s = repl_of(n);
    if (!admit(n, from, h->epoch, h->leader))
        return;
    s->heard_upstream_mono = dsim_mono(n);
    uint64_t ep, hash;
    if (snap->lsn <= s->snap) {   /* older than ours: nothing to learn, nothing to check */
        repl_send_ack(n, from, true);
        return;
    }
    if (snap->lsn <= s->applied) {
        if (repl_epoch_hash_at(s, snap->lsn, &ep, &hash) && hash == snap->hash) {
            if (snap->lsn > s->match_ok)
                s->match_ok = snap->lsn;
            repl_send_ack(n, from, true);
            return;
        }
        repl_reset(n);
    }
    repl_install_snapshot(n, snap);
    if (snap->lsn > s->match_ok)
        s->match_ok = snap->lsn;
    repl_advance_commit(n);
    repl_send_ack(n, from, true);
    repl_ship_all(n);
}

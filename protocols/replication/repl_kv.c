/*
** repl_kv.c — the replicated state machine (the kernel's 'dsim_kv': the
** reference store with exactly-once client sessions), client requests and
** reads.
**
** Writes enter at the leader (the chain's head): one log entry, synced,
** shipped, answered when the entry is applied, which happens once it is
** committed by the mode's rule. Reads:
** - at the leader: sync and isr put the read in the log, so its answer is
**   ordered after every acknowledged write and a deposed leader (which can
**   commit nothing) never answers one; async and semisync answer from the
**   leader's applied state at once (a deposed leader answers stale data).
** - at a follower, with 'follower_reads': from its applied state, stale by
**   design (isr: never above the high watermark).
** - chain: at the tail, from its state (every entry it holds is committed),
**   while its lease from the master holds; with 'craq' at any node whose
**   log holds no uncommitted write of the key (a clean read); otherwise a
**   redirect to the tail.
** Sessions (client, seq), as in every protocol (dsim_kv): a duplicate gets
** the first result.
** Local reads and session tokens: repl_read.c.
*/
#include <stdlib.h>

#include "repl.h"

/* The highest LSN this node may show: a follower's verified prefix up to
** the commit point it learned (bug 'hwm_leak': its whole log). */
uint64_t repl_visible(dsim_node *n)
{
    repl_state *s = repl_of(n);
    if (s->role == REPL_MASTER)
        return 0;
    if (s->role == REPL_LEADER)
        return s->commit;
    if (dsim_bug(n, "hwm_leak"))
        return s->last;
    return s->commit < s->match_ok ? s->commit : s->match_ok;
}

static void settle(dsim_node *n, const repl_entry *e, dsim_status st, const dsim_result *res)
{
    repl_state *s = repl_of(n);
    uint32_t keep = 0;
    for (uint32_t i = 0; i < s->pending_len; i++) {
        repl_pending *p = &s->pending[i];
        if (p->lsn > e->lsn) {
            s->pending[keep++] = *p;
            continue;
        }
        if (p->lsn == e->lsn && p->epoch == e->epoch && e->op.id == p->op.id)
            dsim_reply_token(n, &p->op, st, res, repl_token(s, e->lsn));
    }
    s->pending_len = keep;
}

/* Applies every entry up to 'upto' not yet applied; snapshots every
** 'snapshot_every' entries. */
void repl_apply_to(dsim_node *n, uint64_t upto)
{
    repl_state *s = repl_of(n);
    DSIM_ASSERT(upto <= s->last || upto <= s->applied);
    dsim_result *res = NULL;
    while (s->applied < upto) {
        const repl_entry *e = repl_entry_at(s, s->applied + 1);
        DSIM_ASSERT(e != NULL);
        dsim_status st = DSIM_OK;
        if (res == NULL) {
            res = malloc(sizeof *res);
            DSIM_ASSERT(res != NULL);
        }
        res->value = 0;
        res->len = 0;
        if (e->kind == REPL_E_OP) {
            dsim_kv_apply(&s->kv, &e->op, &st, res);
            repl_stmt_apply(n, e, st);
        }
        s->applied = e->lsn;
        s->ring_lsn[s->ring_next % REPL_RING] = s->applied;
        s->ring_digest[s->ring_next++ % REPL_RING] = dsim_kv_digest(&s->kv);
        if (s->pending_len)
            settle(n, e, st, res);
        if (s->opt.snapshot_every > 0 && s->applied - s->snap >= (uint64_t)s->opt.snapshot_every)
            repl_take_snapshot(n);
    }
    free(res);
    if (s->waiting_len)
        repl_wake_reads(n);
}

void repl_drop_pending(dsim_node *n)
{
    repl_of(n)->pending_len = 0;
}

static bool key_clean(repl_state *s, const dsim_op *op)
{
    for (uint64_t l = s->applied + 1; l <= s->last; l++) {
        const repl_entry *e = repl_entry_at(s, l);
        if (e->kind == REPL_E_OP && !dsim_op_readonly(&e->op) &&
            (e->op.key == op->key || e->op.f == DSIM_F_TXN || op->f == DSIM_F_TXN))
            return false;
    }
    return true;
}

static int chain_tail(const repl_state *s)
{
    return s->cfg.chain_len ? s->cfg.chain[s->cfg.chain_len - 1] : REPL_NONE;
}

bool repl_leased(dsim_node *n)
{
    repl_state *s = repl_of(n);
    return s->opt.master == REPL_NONE || dsim_mono(n) < s->lease_until_mono;
}

/* A read at a chain node: the tail answers; CRAQ nodes answer clean keys. */
static void chain_read(dsim_node *n, const dsim_op *op)
{
    repl_state *s = repl_of(n);
    int self = dsim_id(n);
    /* Its whole log verified against its upstream at this epoch (after a
    ** restart, not before the first append): it holds every committed entry. */
    bool member = repl_chain_pos(s, self) >= 0 && s->match_ok == s->last && repl_leased(n);
    if (member && repl_is_tail(s, self) && s->applied == s->last) {
        repl_read_local(n, op);
        return;
    }
    if (member && s->opt.craq && key_clean(s, op)) {
        repl_read_local(n, op);
        return;
    }
    int tail = chain_tail(s);
    dsim_reply(n, op, DSIM_REDIRECT, tail == self ? -1 : tail);
}

static bool duplicate(dsim_node *n, const dsim_op *op)
{
    repl_state *s = repl_of(n);
    if (dsim_kv_answer_seen(n, &s->kv, op))   /* a retry: the kept answer, or none */
        return true;
    for (uint32_t i = 0; i < s->pending_len; i++)
        if (s->pending[i].op.id == op->id)
            return true;
    return false;
}

/* An operation that goes through the log at the leader (head). */
static void log_op(dsim_node *n, const dsim_op *op)
{
    repl_state *s = repl_of(n);
    if (duplicate(n, op))
        return;
    bool short_isr = s->opt.mode == REPL_ISR && repl_popcount(s->cfg.isr) < s->opt.min_insync &&
                     !dsim_bug(n, "isr_unsafe_shrink");
    if (short_isr || s->last - s->snap >= REPL_LOG_MAX || s->pending_len == REPL_PENDING_MAX ||
        repl_stmt_refused(s, op)) {
        dsim_refuse(n, op);   /* not appended: never applied, nor a copy of it */
        return;
    }
    repl_entry e = {.lsn = s->last + 1, .epoch = s->cfg.epoch, .kind = REPL_E_OP, .op = *op};
    repl_stmt_execute(n, &e);
    repl_log_append(n, &e);
    dsim_disk_sync(n);
    s->match_ok = s->last;
    s->append_mono[e.lsn % REPL_LOG_MAX] = dsim_mono(n);
    s->pending[s->pending_len++] = (repl_pending){.lsn = e.lsn, .epoch = e.epoch, .op = *op};
    repl_ship_all(n);
    repl_advance_commit(n);
}

void repl_on_client(dsim_node *n, const dsim_op *op)
{
    repl_state *s = repl_of(n);
    bool read = dsim_op_readonly(op);
    int self = dsim_id(n);
    if (s->role == REPL_MASTER || s->role == REPL_STANDBY) {
        dsim_reply(n, op, DSIM_REDIRECT, s->cfg.leader);
        return;
    }
    if (s->opt.mode == REPL_CHAIN) {
        if (read)
            chain_read(n, op);
        else if (s->cfg.leader != self || s->role != REPL_LEADER)
            dsim_reply(n, op, DSIM_REDIRECT, s->cfg.leader == self ? -1 : s->cfg.leader);
        else
            log_op(n, op);
        return;
    }
    if (s->role != REPL_LEADER) {
        if (read && s->opt.follower_reads)
            repl_read_local(n, op);
        else
            dsim_reply(n, op, DSIM_REDIRECT, s->cfg.leader == self ? -1 : s->cfg.leader);
        return;
    }
    if (read && (s->opt.mode == REPL_ASYNC || s->opt.mode == REPL_SEMISYNC))
        repl_read_local(n, op);
    else
        log_op(n, op);
}

/*
** repl_master.c — failover: the master's heartbeat failure detector,
** promotions, chain reconfiguration and ISR changes; scripted promotion.
**
** The master (option 'master' = node k) holds no data and never leads. It
** is the only writer of configurations after the first (besides a scripted
** "promote"), so the epochs it hands out are distinct, and it persists each
** one before announcing it. Every replica reports its status to it every
** heartbeat; the master answers, which renews the replica's read lease
** (chain reads) and resends the configuration to a replica that is behind.
** With failover=auto:
** - star modes: when the leader has been silent for 'fd_timeout', the
**   master promotes the live replica with the highest (last epoch, last
**   LSN), in isr mode only from the ISR (unless 'unclean'), at epoch + 1.
** - chain: a member silent for 'fd_timeout' leaves the chain; a live
**   replica outside it joins at the tail. One change per heartbeat.
** A chain member serves reads only while its lease holds: 'lease' after it
** sent a status the master answered, on its own clock; the master removes
** a member only 'fd_timeout' (> 2 x lease, checked) after it last heard it,
** so the removed member's lease has run out first.
** Joining the chain: a live replica outside it catches up from the tail;
** once its status shows it holds the tail's log, the master stops renewing
** the tail's lease (the tail commits only while leased) and waits until it
** has run out, checks again with a status sent after that, and only then
** makes the joiner the tail. So no entry is committed that the joiner
** lacks, and removing the old tail and head later loses nothing.
** ISR changes: the leader asks; the master records the new set only for
** the current leader and epoch, and answers; the leader uses it then.
*/
#include "repl.h"

/* Sends the configuration to every node but this one and 'skip'. */
static void send_config(dsim_node *n, int skip)
{
    repl_state *s = repl_of(n);
    for (int p = 0; p < dsim_cluster_size(n); p++)
        if (p != dsim_id(n) && p != skip)
            dsim_send(n, p, REPL_MSG_CONFIG, &s->cfg, sizeof s->cfg);
}

static void broadcast_config(dsim_node *n)
{
    send_config(n, REPL_NONE);
}

void repl_send_status(dsim_node *n)
{
    repl_state *s = repl_of(n);
    if (s->opt.master == REPL_NONE || s->role == REPL_MASTER)
        return;
    repl_status st = {.epoch = s->cfg.epoch, .last_lsn = s->last, .match = s->match_ok,
                      .sent_mono = dsim_mono(n), .role = (int32_t)s->role, .leader = s->cfg.leader};
    uint64_t h;
    DSIM_ASSERT(repl_epoch_hash_at(s, s->last, &st.last_epoch, &h));
    dsim_send(n, s->opt.master, REPL_MSG_STATUS, &st, sizeof st);
}

void repl_master_on_status(dsim_node *n, int from, const repl_status *st)
{
    repl_state *s = repl_of(n);
    s->heard_mono[from] = dsim_mono(n);
    s->seen[from] = *st;
    repl_status_ack a = {.epoch = s->cfg.epoch, .echo_mono = st->sent_mono};
    if (s->freezing && s->cfg.chain_len > 0 && from == s->cfg.chain[s->cfg.chain_len - 1])
        a.epoch = 0;   /* no renewal: the tail is about to hand over to a joiner */
    bool stale_leader = st->role == REPL_LEADER && s->cfg.leader != from;
    if (st->epoch != s->cfg.epoch || st->leader != s->cfg.leader || stale_leader)
        dsim_send(n, from, REPL_MSG_CONFIG, &s->cfg, sizeof s->cfg);
    dsim_send(n, from, REPL_MSG_STATUS_ACK, &a, sizeof a);
}

static bool alive(dsim_node *n, int p)
{
    repl_state *s = repl_of(n);
    return dsim_mono(n) - s->heard_mono[p] <= s->opt.fd_timeout_ns;   /* heard_mono: boot time at first */
}

static bool better(const repl_status *a, const repl_status *b)
{
    return a->last_epoch > b->last_epoch || (a->last_epoch == b->last_epoch && a->last_lsn > b->last_lsn);
}

static void announce(dsim_node *n)
{
    repl_state *s = repl_of(n);
    repl_persist_config(n);
    dsim_disk_sync(n);
    broadcast_config(n);
    int tail = s->cfg.chain_len ? s->cfg.chain[s->cfg.chain_len - 1] : s->cfg.leader;
    dsim_emit(n, "reconfig", json_pack("{s:I, s:i, s:i, s:i}", "epoch", (json_int_t)s->cfg.epoch,
                                       "head", s->cfg.leader + 1, "tail", tail + 1,
                                       "size", (int)(s->cfg.chain_len ? s->cfg.chain_len : (uint32_t)repl_popcount(s->cfg.members))));
}

/* Star modes: promote the most up-to-date eligible live replica. */
static void star_failover(dsim_node *n)
{
    repl_state *s = repl_of(n);
    int old = s->cfg.leader;
    if (old >= 0 && alive(n, old))
        return;
    int best = REPL_NONE;
    for (int pass = 0; pass < 2 && best == REPL_NONE; pass++) {
        if (pass == 1 && !(s->opt.mode == REPL_ISR && s->opt.unclean))
            break;
        for (int p = 0; p < dsim_cluster_size(n); p++) {
            if (p == old || !repl_has(s->cfg.members, p) || !alive(n, p))
                continue;
            if (pass == 0 && s->opt.mode == REPL_ISR && !repl_has(s->cfg.isr, p))
                continue;
            if (best == REPL_NONE || better(&s->seen[p], &s->seen[best]))
                best = p;
        }
    }
    if (best == REPL_NONE)
        return;
    s->cfg.epoch++;
    s->cfg.leader = best;
    if (s->opt.mode == REPL_ISR)
        s->cfg.isr = repl_has(s->cfg.isr, best) ? (s->cfg.isr & ~(1u << old)) : (1u << best);
    announce(n);
}

/* Chain: drop one silent member; else let one live replica outside the
** chain catch up from the tail ('joining'), and add it at the tail once its
** status shows it holds what the tail held (van Renesse and Schneider
** §3: a new tail copies the old tail's state first). One change per call. */
static void chain_reconfig(dsim_node *n)
{
    repl_state *s = repl_of(n);
    repl_config *c = &s->cfg;
    for (uint32_t i = 0; i < c->chain_len && c->chain_len > 1; i++) {
        if (alive(n, c->chain[i]))
            continue;
        s->freezing = false;
        int gone = c->chain[i];
        memmove(&c->chain[i], &c->chain[i + 1], c->chain_len - i - 1);
        c->chain[--c->chain_len] = 0;
        c->members &= ~(1u << gone);
        c->leader = c->chain[0];
        c->epoch++;
        announce(n);
        return;
    }
    int tail = c->chain[c->chain_len - 1], j = c->joining;
    if (j != REPL_NONE) {
        int64_t now = dsim_mono(n);
        bool caught_up = s->seen[j].epoch == c->epoch && s->seen[tail].epoch == c->epoch &&
                         s->seen[j].match >= s->seen[tail].last_lsn && s->seen[j].match > 0;
        if (!alive(n, j) || !alive(n, tail)) {
            c->joining = REPL_NONE;
            s->freezing = false;
        } else if (caught_up && !s->freezing) {
            /* Stop renewing the tail's lease, so that it commits nothing
            ** the joiner might miss, and wait until it surely ran out. */
            s->freezing = true;
            s->freeze_until_mono = now + 2 * s->opt.lease_ns + s->opt.heartbeat_ns;
            return;
        } else if (caught_up && now >= s->freeze_until_mono &&
                   s->heard_mono[tail] >= s->freeze_until_mono) {
            c->chain[c->chain_len++] = (int8_t)j;
            c->members |= 1u << j;
            c->joining = REPL_NONE;
            s->freezing = false;
        } else {
            if (s->freezing && now - s->freeze_until_mono > s->opt.fd_timeout_ns)
                s->freezing = false;   /* it did not catch up: renew the tail again */
            return;
        }
        c->epoch++;
        announce(n);
        return;
    }
    for (int p = 0; p < dsim_cluster_size(n); p++) {
        if (p == dsim_id(n) || repl_chain_pos(s, p) >= 0 || !alive(n, p))
            continue;
        c->joining = p;
        c->epoch++;
        announce(n);
        return;
    }
}

void repl_master_tick(dsim_node *n)
{
    repl_state *s = repl_of(n);
    if (!s->opt.auto_failover)
        return;
    if (s->opt.mode == REPL_CHAIN)
        chain_reconfig(n);
    else
        star_failover(n);
}

void repl_master_on_isr(dsim_node *n, int from, const repl_isr_req *r)
{
    repl_state *s = repl_of(n);
    repl_isr_req a = *r;
    a.ok = from == s->cfg.leader && r->epoch == s->cfg.epoch && repl_has(r->isr, from);
    if (a.ok && s->cfg.isr != r->isr) {
        s->cfg.isr = r->isr;
        repl_persist_config(n);
        dsim_disk_sync(n);
        send_config(n, from);   /* the leader learns it from the answer */
    }
    dsim_send(n, from, REPL_MSG_ISR_ACK, &a, sizeof a);
}

static void isr_events(dsim_node *n, uint32_t before, uint32_t after)
{
    repl_state *s = repl_of(n);
    for (int p = 0; p < dsim_cluster_size(n); p++) {
        if (repl_has(before, p) == repl_has(after, p))
            continue;
        json_t *f = json_pack("{s:I, s:i, s:i}", "epoch", (json_int_t)s->cfg.epoch, "member", p + 1,
                              "size", repl_popcount(after));
        if (repl_has(after, p))
            dsim_emit(n, "isr_expand", f);
        else
            dsim_emit(n, "isr_shrink", f);
    }
}

void repl_on_isr_ack(dsim_node *n, const repl_isr_req *r)
{
    repl_state *s = repl_of(n);
    if (s->role != REPL_LEADER || r->epoch != s->cfg.epoch || r->isr != s->isr_asked)
        return;
    s->isr_asked = 0;
    s->cfg.isr_pending = 0;
    uint32_t before = s->cfg.isr;
    if (r->ok)
        s->cfg.isr = r->isr;
    repl_persist_config(n);
    dsim_disk_sync(n);
    if (r->ok)
        isr_events(n, before, r->isr);
    repl_advance_commit(n);
}

/* Scripted promotion (control "promote"): this replica leads at the next
** epoch and tells everyone, the master included. */
void repl_promote(dsim_node *n)
{
    repl_state *s = repl_of(n);
    s->cfg.epoch++;
    s->cfg.leader = dsim_id(n);
    s->cfg.members |= 1u << dsim_id(n);
    if (s->opt.mode == REPL_ISR)
        s->cfg.isr |= 1u << dsim_id(n);
    repl_persist_config(n);
    dsim_disk_sync(n);
    broadcast_config(n);
    repl_become_leader(n);
    dsim_emit(n, "promoted", json_pack("{s:I, s:I}", "epoch", (json_int_t)s->cfg.epoch,
                                       "lsn", (json_int_t)s->last));
}

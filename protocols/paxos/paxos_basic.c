/*
** paxos_basic.c — single-decree Paxos (variant "basic"): proposers and
** learners; the acceptor is paxos_acceptor.c.
**
** A proposer takes client proposals (write v) and questions (read), and
** runs rounds: phase 1a, Prepare(b) to every acceptor with a ballot above
** every round it has seen or used (the round is on disk before the
** Prepare leaves, so a restarted proposer never reuses a ballot with
** another value); on q1 promises it adopts the accepted value of the
** highest ballot reported, or proposes its own (phase 2a, Accept(b, v));
** when there is none and only reads wait, nothing was chosen before the
** promises, and the reads are answered nil.
** Retries: with 'backoff' "random", a refusal ends the round and the next
** starts after a random wait in the election timeout range (and a round
** without a quorum is retried after two low ends more); with "fixed",
** every proposer starts a new round exactly the range's low end after the
** last one began, refusals or not: symmetric timers, duelling proposers.
** Every acceptor's Accepted goes to the proposer and every learner; a
** learner decides v when q2 acceptors accepted (b, v) for one ballot b.
** Planted bugs: 'ignore_accepted' proposes its own value whatever phase 1
** reported; 'highest_by_value' adopts the largest reported value instead
** of the one with the highest ballot.
*/
#include "paxos.h"

/* True when 'got' should replace 'have' as the value to adopt. */
bool paxos_adopt_better(const paxos_entry *have, const paxos_entry *got, bool by_value)
{
    if (got->ballot == 0)
        return false;
    if (have->ballot == 0)
        return true;
    if (by_value)
        return got->cmd.op.value > have->cmd.op.value;
    return got->ballot > have->ballot;
}

static int64_t backoff_ns(dsim_node *n)
{
    paxos_state *s = paxos_of(n);
    if (s->cfg.fixed_backoff)
        return s->cfg.elect_lo_ns;
    return dsim_rand_range(n, s->cfg.elect_lo_ns, s->cfg.elect_hi_ns);
}

static void arm_retry(dsim_node *n, int64_t after_ns)
{
    paxos_state *s = paxos_of(n);
    if (s->retry_timer)
        dsim_timer_cancel(n, s->retry_timer);
    s->retry_timer = dsim_timer(n, PAXOS_T_RETRY, 0, after_ns);
}

static void send_all_acceptors(dsim_node *n, uint32_t type, const void *data, uint32_t len)
{
    paxos_state *s = paxos_of(n);
    for (int i = 0; i < dsim_cluster_size(n); i++)
        if (paxos_has(s->cfg.acceptors, i))
            dsim_send(n, i, type, data, len);
}

static void start_round(dsim_node *n)
{
    paxos_state *s = paxos_of(n);
    uint64_t r = s->round_max;
    if (paxos_round(s->seen_max) > r)
        r = paxos_round(s->seen_max);
    if (paxos_round(s->promised) > r)
        r = paxos_round(s->promised);
    s->round_max = r + 1;
    paxos_persist_hard(n);
    dsim_disk_sync(n);
    s->ballot = paxos_ballot(s->round_max, dsim_id(n));
    s->proposing = true;
    s->phase2 = false;
    s->promises = s->accepts = 0;
    s->adopt_ballot = 0;
    s->adopt_value = 0;
    s->elections++;
    dsim_emit(n, "election", json_pack("{s:i, s:I}", "node", dsim_id(n) + 1,
                                       "ballot", (json_int_t)s->ballot));
    paxos_prepare p = {.ballot = s->ballot, .from_slot = 1};
    send_all_acceptors(n, PAXOS_MSG_PREPARE, &p, sizeof p);
    arm_retry(n, s->cfg.fixed_backoff ? s->cfg.elect_lo_ns : backoff_ns(n) + 2 * s->cfg.elect_lo_ns);
}

static void answer(dsim_node *n, const dsim_op *op, int64_t chosen)
{
    if (op->client < 0)
        return;   /* a scripted proposal: nobody to answer */
    if (op->f == DSIM_F_READ)
        dsim_reply(n, op, DSIM_OK, chosen);
    else
        dsim_reply(n, op, op->value == chosen ? DSIM_OK : DSIM_FAIL, chosen);
}

/* Learnt: 'value' was chosen (at 'ballot'); answers everyone waiting. */
static void decide(dsim_node *n, int64_t value, uint64_t ballot)
{
    paxos_state *s = paxos_of(n);
    if (!s->decided) {
        s->decided = true;
        s->decided_value = value;
        s->decided_ballot = ballot;
        dsim_emit(n, "decide", json_pack("{s:i, s:I, s:I}", "node", dsim_id(n) + 1,
                                         "value", (json_int_t)value, "ballot", (json_int_t)ballot));
    }
    for (uint32_t i = 0; i < s->pending_len; i++)
        answer(n, &s->pending[i].op, s->decided_value);
    s->pending_len = 0;
    s->proposing = false;
    if (s->retry_timer)
        dsim_timer_cancel(n, s->retry_timer);
    s->retry_timer = 0;
}

void paxos_basic_request(dsim_node *n, const dsim_op *op)
{
    paxos_state *s = paxos_of(n);
    if (!paxos_has(s->cfg.proposers, dsim_id(n))) {
        int k = op->client % paxos_popcount(s->cfg.proposers), hint = -1;
        for (int i = 0; i < PAXOS_NODES_MAX && hint < 0; i++)
            if (paxos_has(s->cfg.proposers, i) && k-- == 0)
                hint = i;
        dsim_reply(n, op, DSIM_REDIRECT, hint);
        return;
    }
    if (s->decided) {
        answer(n, op, s->decided_value);
        return;
    }
    for (uint32_t i = 0; i < s->pending_len; i++)
        if (s->pending[i].op.id == op->id)
            return;
    if (s->pending_len == PAXOS_PENDING_MAX) {
        dsim_reply(n, op, DSIM_FAIL, 0);
        return;
    }
    s->pending[s->pending_len++] = (paxos_pending){.op = *op};
    if (!s->proposing)
        start_round(n);
}

/* A scripted proposal (control "propose"): as a client's write, unanswered. */
void paxos_basic_propose(dsim_node *n, int64_t value)
{
    paxos_state *s = paxos_of(n);
    dsim_op op = {.client = -1, .f = DSIM_F_WRITE, .value = value, .id = (uint64_t)value};
    if (s->decided || s->pending_len == PAXOS_PENDING_MAX)
        return;
    s->pending[s->pending_len++] = (paxos_pending){.op = op};
    if (!s->proposing)
        start_round(n);
}

/* Refused by an acceptor that promised a higher ballot: back off. */
static void preempted(dsim_node *n, uint64_t promised)
{
    paxos_state *s = paxos_of(n);
    paxos_note_ballot(n, promised);
    s->proposing = false;
    if (!s->cfg.fixed_backoff)   /* fixed: the round's own timer retries */
        arm_retry(n, backoff_ns(n));
}

static void phase2(dsim_node *n)
{
    paxos_state *s = paxos_of(n);
    int64_t v = s->adopt_value;
    if (s->adopt_ballot == 0) {
        bool any = false;
        for (uint32_t i = 0; i < s->pending_len && !any; i++)
            if (s->pending[i].op.f != DSIM_F_READ) {
                v = s->pending[i].op.value;
                any = true;
            }
        if (!any) {   /* only reads, and nothing was chosen before the promises */
            for (uint32_t i = 0; i < s->pending_len; i++)
                if (s->pending[i].op.client >= 0)
                dsim_reply(n, &s->pending[i].op, DSIM_OK, DSIM_NIL);
            s->pending_len = 0;
            s->proposing = false;
            return;
        }
    }
    s->phase2 = true;
    s->value = v;
    struct {
        paxos_accept h;
        paxos_entry e;
    } msg;
    memset(&msg, 0, sizeof msg);
    msg.h = (paxos_accept){.ballot = s->ballot, .count = 1};
    msg.e.slot = 1;
    msg.e.ballot = s->ballot;
    msg.e.cmd.kind = PAXOS_C_VALUE;
    msg.e.cmd.op.value = v;
    send_all_acceptors(n, PAXOS_MSG_ACCEPT, &msg, sizeof msg);
}

void paxos_basic_on_promise(dsim_node *n, int from, const paxos_promise *m, const paxos_entry *es)
{
    paxos_state *s = paxos_of(n);
    paxos_note_ballot(n, m->promised);
    if (!s->proposing || s->phase2 || m->ballot != s->ballot)
        return;
    if (!m->ok) {
        if (m->promised > s->ballot)
            preempted(n, m->promised);
        return;
    }
    s->promises |= 1u << from;
    for (uint32_t k = 0; k < m->count; k++) {
        paxos_entry have = {.slot = 1, .ballot = s->adopt_ballot};
        have.cmd.op.value = s->adopt_value;
        if (es[k].slot != 1 || dsim_bug(n, "ignore_accepted"))
            continue;
        if (paxos_adopt_better(&have, &es[k], dsim_bug(n, "highest_by_value"))) {
            s->adopt_ballot = es[k].ballot;
            s->adopt_value = es[k].cmd.op.value;
        }
    }
    if (paxos_popcount(s->promises) >= s->cfg.q1)
        phase2(n);
}

void paxos_basic_on_accepted(dsim_node *n, int from, const paxos_accepted *m)
{
    paxos_state *s = paxos_of(n);
    paxos_note_ballot(n, m->promised);
    if (!m->ok) {
        if (s->proposing && m->ballot == s->ballot && m->promised > s->ballot)
            preempted(n, m->promised);
        return;
    }
    paxos_tally *t = NULL, *low = &s->tally[0];
    for (int i = 0; i < PAXOS_LEARN_MAX && !t; i++) {
        if (s->tally[i].ballot == m->ballot)
            t = &s->tally[i];
        else if (s->tally[i].ballot < low->ballot)
            low = &s->tally[i];
    }
    if (!t) {
        if (low->ballot > m->ballot)
            return;   /* older than every ballot counted */
        t = low;
        *t = (paxos_tally){.ballot = m->ballot, .value = m->value};
    }
    t->mask |= 1u << from;
    if (paxos_popcount(t->mask) >= s->cfg.q2)
        decide(n, t->value, t->ballot);
}

void paxos_basic_on_retry(dsim_node *n)
{
    paxos_state *s = paxos_of(n);
    s->retry_timer = 0;
    if (s->decided || s->pending_len == 0) {
        s->proposing = false;
        return;
    }
    start_round(n);
}

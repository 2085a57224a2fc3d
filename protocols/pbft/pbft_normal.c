/*
** pbft_normal.c — the normal case: client requests, the three phases
** (PRE-PREPARE, PREPARE, COMMIT), execution in sequence order on the KV
** state machine, and replies.
**
** A request reaches every replica (clients send to all and retransmit);
** each keeps it pending until executed, and a replica with a pending
** request runs the view-change timer. Clients sign their requests
** (dsim_request_sig): a backup relays a new request, with its client's
** signature, to the primary (Castro-Liskov's relay), and the primary
** orders relayed requests as its own once the signature holds, so a
** primary the client cannot reach still orders it, and no replica can make
** a request up. The primary assigns the next sequence number inside
** the window and multicasts a signed PRE-PREPARE carrying the request and
** its client signature. A backup accepts one pre-prepare per (view, seq):
** right view, inside the window, signed by the view's primary, a digest
** that names the request, the request signed by its client;
** it logs it (synced) and multicasts a signed PREPARE. Prepared: the
** pre-prepare and 2f matching prepares from distinct backups (the
** primary's own prepares are not counted); then a signed COMMIT.
** Committed-local: 2f+1 matching commits. Execution follows sequence
** order; a null request executes nothing.
** Exactly-once: the state machine is the kernel's 'dsim_kv' (strict: an
** op of a client id without a session, which a Byzantine primary may make
** up, fails and changes nothing); per client it keeps the last seq it
** applied and its result; an older or equal seq is not applied again (an
** equal one gets the kept answer). Every replica replies to the client
** that sent it the request; the client waits for f+1 identical replies.
** Planted bug 'quorum_2f': prepared and committed with 2f (pbft_quorum).
*/
#include "pbft.h"

pbft_slot *pbft_slot_at(pbft_state *s, uint64_t seq)
{
    pbft_slot *sl = &s->log[seq % PBFT_LOG_MAX];
    return seq > s->stable && sl->seq == seq ? sl : NULL;
}

pbft_slot *pbft_slot_for(pbft_state *s, uint64_t seq)
{
    if (seq <= s->stable || seq > s->stable + (uint64_t)s->cfg.window)
        return NULL;
    pbft_slot *sl = &s->log[seq % PBFT_LOG_MAX];
    if (sl->seq != seq) {
        DSIM_ASSERT(sl->seq < seq);   /* the window is shorter than the log */
        memset(sl, 0, sizeof *sl);
        sl->seq = seq;
    }
    return sl;
}

/* ---- requests ---------------------------------------------------------------- */

static int pending_find(const pbft_state *s, uint64_t id)
{
    for (uint32_t i = 0; i < s->pending_len; i++)
        if (s->pending[i].id == id)
            return (int)i;
    return -1;
}

void pbft_pending_drop(pbft_state *s, uint32_t i)
{
    DSIM_ASSERT(i < s->pending_len);
    s->pending_len--;
    s->pending[i] = s->pending[s->pending_len];
    s->pending_sig[i] = s->pending_sig[s->pending_len];
}

/* Keeps a client-signed request pending; false when there is no room. */
static bool pending_add(pbft_state *s, const dsim_op *op, const dsim_sig *csig)
{
    if (pending_find(s, op->id) >= 0)
        return true;
    if (s->pending_len == PBFT_PENDING_MAX)
        return false;   /* the client retransmits */
    s->pending_sig[s->pending_len] = *csig;
    s->pending[s->pending_len++] = *op;
    return true;
}

static bool assigned_in_view(const pbft_state *s, uint64_t id)
{
    for (int i = 0; i < PBFT_LOG_MAX; i++) {
        const pbft_slot *sl = &s->log[i];
        if (sl->seq > s->stable && sl->has_pp && sl->pp.view == s->view && !sl->pp.null_req &&
            sl->pp.op.id == id)
            return true;
    }
    return false;
}

void pbft_on_request(dsim_node *n, const dsim_op *op)
{
    pbft_state *s = pbft_of(n);
    pbft_seen *seen = &s->seen[s->seen_next++ % PBFT_RING];
    seen->id = op->id;
    seen->digest = pbft_op_digest(op);
    pbft_byz_lie_reply(n, op);
    if (op->key >= DSIM_STORE_KEYS) {
        dsim_reply(n, op, DSIM_FAIL, 0);
        return;
    }
    /* a retry gets the kept answer; a client id without a session, DSIM_FAIL */
    if (dsim_kv_answer_seen(n, &s->kv, op))
        return;
    bool fresh = pending_find(s, op->id) < 0;
    dsim_sig csig = dsim_request_sig(n, op);
    if (!pending_add(s, op, &csig))
        return;
    int primary = pbft_primary(s, s->view);
    if (primary == dsim_id(n) && !s->in_vc)
        pbft_assign_pending(n);
    else if (fresh && !s->in_vc) {   /* relayed as the client signed it */
        unsigned char buf[sizeof(pbft_req)];
        size_t oplen = dsim_op_bytes(op);
        memcpy(buf, op, oplen);
        memcpy(buf + oplen, &csig, sizeof csig);
        pbft_send(n, primary, PBFT_MSG_REQUEST, buf, (uint32_t)(oplen + sizeof csig));
    }
    pbft_arm_view_timer(n);
}

void pbft_on_relayed(dsim_node *n, int from, const pbft_req *r)
{
    pbft_state *s = pbft_of(n);
    (void)from;   /* any replica may relay: the client's signature is what matters */
    const dsim_op *op = &r->op;
    dsim_status kept;
    int64_t value;
    if (!dsim_verify_request(n, op, &r->csig) || op->key >= DSIM_STORE_KEYS ||
        dsim_kv_seen(&s->kv, op, &kept, &value) != DSIM_KV_NEW)
        return;
    if (!pending_add(s, op, &r->csig))
        return;
    if (pbft_primary(s, s->view) == dsim_id(n) && !s->in_vc)
        pbft_assign_pending(n);
    pbft_arm_view_timer(n);
}

void pbft_send_pp_to(dsim_node *n, int to, const pbft_pp *pp)
{
    pbft_send(n, to, PBFT_MSG_PRE_PREPARE, pp, (uint32_t)sizeof *pp);
}

/* The primary orders every pending request not yet ordered in this view,
** while the window has room. */
void pbft_assign_pending(dsim_node *n)
{
    pbft_state *s = pbft_of(n);
    if (s->in_vc || pbft_primary(s, s->view) != dsim_id(n) || pbft_is_byz(n, "stale_view"))
        return;
    if (s->seq_next < s->last_exec)
        s->seq_next = s->last_exec;
    for (uint32_t i = 0; i < s->pending_len; i++) {
        if (s->seq_next + 1 > s->stable + (uint64_t)s->cfg.window)
            return;
        const dsim_op *op = &s->pending[i];
        if (assigned_in_view(s, op->id))
            continue;
        pbft_pp pp = {.view = s->view, .seq = ++s->seq_next, .from = dsim_id(n), .op = *op,
                      .csig = s->pending_sig[i]};
        pp.digest = pbft_op_digest(op);
        pbft_byz_assign(n, &pp);   /* signs, logs and sends (or misbehaves) */
    }
}

/* ---- the three phases ---------------------------------------------------------- */

static int matching(const pbft_slot *sl, int primary, bool commits)
{
    int c = 0;
    for (int p = 0; p < PBFT_NODES_MAX; p++) {
        if (commits) {
            c += (sl->commit_mask >> p & 1u) && sl->commit_view[p] == sl->pp.view &&
                 sl->commit_digest[p] == sl->pp.digest;
        } else {
            const pbft_vote *v = &sl->prep[p];
            c += (sl->prep_mask >> p & 1u) && p != primary && v->view == sl->pp.view &&
                 v->digest == sl->pp.digest;
        }
    }
    return c;
}

static void vote(dsim_node *n, pbft_slot *sl, uint32_t type)
{
    pbft_state *s = pbft_of(n);
    pbft_vote v = {.view = sl->pp.view, .seq = sl->seq, .digest = sl->pp.digest,
                   .from = dsim_id(n), .type = type};
    if (pbft_is_byz(n, "bad_digest"))
        v.digest ^= 0xbad;
    pbft_sign_vote(n, &v);
    if (type == PBFT_MSG_PREPARE) {
        sl->prep[dsim_id(n)] = v;
        sl->prep_mask |= 1u << dsim_id(n);
    } else {
        sl->commit_view[dsim_id(n)] = v.view;
        sl->commit_digest[dsim_id(n)] = v.digest;
        sl->commit_mask |= 1u << dsim_id(n);
        sl->sent_commit = true;
    }
    pbft_persist_slot(n, sl);   /* synced: what it signed survives a crash */
    (void)s;
    pbft_send_all(n, type, &v, (uint32_t)sizeof v);
}

static void check_slot(dsim_node *n, pbft_slot *sl)
{
    pbft_state *s = pbft_of(n);
    if (!sl->has_pp || sl->pp.view != s->view || s->in_vc)
        return;
    int primary = pbft_primary(s, sl->pp.view);
    if (!sl->prepared && matching(sl, primary, false) >= s->cfg.q - 1) {
        sl->prepared = true;
        sl->has_cert = true;
        sl->cert.pp = sl->pp;
        int k = 0;
        for (int p = 0; p < PBFT_NODES_MAX && k < s->cfg.q - 1; p++) {
            const pbft_vote *v = &sl->prep[p];
            if ((sl->prep_mask >> p & 1u) && p != primary && v->view == sl->pp.view &&
                v->digest == sl->pp.digest)
                sl->cert.prep[k++] = *v;
        }
        vote(n, sl, PBFT_MSG_COMMIT);
    }
    if (sl->prepared && !sl->committed && matching(sl, primary, true) >= s->cfg.q) {
        sl->committed = true;
        pbft_try_execute(n);
    }
}

/* Logs 'pp' as this replica's pre-prepare for its (view, seq) and, at a
** backup, multicasts the PREPARE. */
void pbft_accept_pp(dsim_node *n, const pbft_pp *pp)
{
    pbft_state *s = pbft_of(n);
    pbft_slot *sl = pbft_slot_for(s, pp->seq);
    if (sl == NULL)
        return;
    sl->pp = *pp;
    sl->has_pp = true;
    sl->prepared = sl->committed = sl->sent_commit = false;
    if (pp->from != dsim_id(n))
        vote(n, sl, PBFT_MSG_PREPARE);
    else
        pbft_persist_slot(n, sl);
    check_slot(n, sl);
}

void pbft_on_pre_prepare(dsim_node *n, int from, const pbft_pp *pp)
{
    pbft_state *s = pbft_of(n);
    (void)from;   /* relayed ones count: the primary's signature is what matters */
    if (pp->view < s->view || !pbft_pp_valid(n, pp))
        return;
    if (pp->view > s->view || s->in_vc) {   /* ahead of its NEW-VIEW: kept for then */
        s->future[pp->seq % PBFT_LOG_MAX] = *pp;
        return;
    }
    pbft_slot *sl = pbft_slot_for(s, pp->seq);
    if (sl == NULL)
        return;
    if (sl->has_pp && sl->pp.view == pp->view)
        return;   /* one pre-prepare per (view, seq): a second digest is refused */
    pbft_accept_pp(n, pp);
}

void pbft_on_vote(dsim_node *n, int from, const pbft_vote *v)
{
    pbft_state *s = pbft_of(n);
    if (v->from != from || (v->type != PBFT_MSG_PREPARE && v->type != PBFT_MSG_COMMIT) ||
        !pbft_vote_valid(n, v, v->type))
        return;
    pbft_slot *sl = pbft_slot_for(s, v->seq);
    if (sl == NULL || v->view < s->view)
        return;
    if (v->type == PBFT_MSG_PREPARE) {
        if ((sl->prep_mask >> from & 1u) && sl->prep[from].view > v->view)
            return;
        sl->prep[from] = *v;
        sl->prep_mask |= 1u << from;
    } else {
        if ((sl->commit_mask >> from & 1u) && sl->commit_view[from] > v->view)
            return;
        sl->commit_view[from] = v->view;
        sl->commit_digest[from] = v->digest;
        sl->commit_mask |= 1u << from;
    }
    check_slot(n, sl);
}

/* ---- execution ------------------------------------------------------------------ */

static void execute(dsim_node *n, const pbft_slot *sl)
{
    pbft_state *s = pbft_of(n);
    pbft_exec *e = &s->execs[s->execs_next++ % PBFT_RING];
    *e = (pbft_exec){.seq = sl->seq, .digest = sl->pp.digest, .null_req = sl->pp.null_req};
    s->last_exec = sl->seq;
    if (sl->pp.null_req)
        return;
    const dsim_op *op = &sl->pp.op;
    dsim_status st;
    dsim_result res;   /* large: only the used words are written */
    /* strict: a client id a Byzantine primary made up fails, applies nothing */
    dsim_kv_verdict v = dsim_kv_apply(&s->kv, op, &st, &res);
    bool applied = v == DSIM_KV_APPLIED;
    e->op_id = op->id;
    e->applied = applied;
    s->requests_executed += applied;
    int at = pending_find(s, op->id);
    if (at >= 0) {   /* signed by its client, directly or relayed: answer it */
        const dsim_op client_op = s->pending[at];
        pbft_pending_drop(s, (uint32_t)at);
        if (client_op.client == op->client && client_op.seq == op->seq &&
            (applied || v == DSIM_KV_REPEAT))
            dsim_reply_result(n, &client_op, st, &res);
    }
    /* older requests of that client are settled too */
    for (uint32_t i = 0; i < s->pending_len;)
        if (s->pending[i].client == op->client && s->pending[i].seq <= op->seq)
            pbft_pending_drop(s, i);
        else
            i++;
}

void pbft_try_execute(dsim_node *n)
{
    pbft_state *s = pbft_of(n);
    bool progress = false;
    for (;;) {
        pbft_slot *sl = pbft_slot_at(s, s->last_exec + 1);
        if (sl == NULL || !sl->committed)
            break;
        execute(n, sl);
        progress = true;
        if (s->last_exec % (uint64_t)s->cfg.k == 0)
            pbft_take_checkpoint(n);
    }
    if (!progress)
        return;
    s->vc_attempts = 0;
    pbft_stop_view_timer(n);
    pbft_arm_view_timer(n);
    pbft_assign_pending(n);
}

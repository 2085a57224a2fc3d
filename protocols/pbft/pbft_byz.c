/*
** pbft_byz.c — the Byzantine behaviours PBFT acts out (its 'byzantine'
** table), given to a replica by the scenario (c:byzantine, the nemesis's
** 'byzantine' fault). A Byzantine replica still holds only its own key:
** what it cannot sign it can only make up, and correct replicas see
** through that. The behaviours:
**   equivocate       as primary, sends half the backups the request and
**                    the other half a null request for the same seq, with
**                    its own COMMIT for each version to each half
**   bad_digest       pre-prepares, prepares, commits and checkpoints with
**                    a digest that names nothing
**   skip             as primary, leaves a gap in the sequence numbers every
**                    third request (execution stalls there until a view
**                    change fills it with a null request)
**   lie_view_change  its VIEW-CHANGE claims prepared certificates it does
**                    not have (each seq with the next seq's request,
**                    prepares with signatures it cannot make) or hides
**                    the ones it has; params
**                    {mode = "claim" | "hide"} (default: drawn per view change)
**   stale_view       stays in its view: ignores view changes and new
**                    views, keeps ordering and voting in the old view
**   slow_primary     as primary, holds each pre-prepare for 9/10 of the
**                    view-change timeout: just slow enough to never be
**                    replaced (Aardvark's point, Clement et al. 2009)
**   lie_reply        answers every client request at once with a made-up
**                    result (a client that believes one reply is fooled)
*/
#include "pbft.h"

static void commit_to(dsim_node *n, int to, const pbft_pp *pp)
{
    pbft_vote v = {.view = pp->view, .seq = pp->seq, .digest = pp->digest, .from = dsim_id(n),
                   .type = PBFT_MSG_COMMIT};
    pbft_sign_vote(n, &v);
    pbft_send(n, to, PBFT_MSG_COMMIT, &v, (uint32_t)sizeof v);
}

static void equivocate(dsim_node *n, pbft_pp *pp)
{
    pbft_pp other = *pp;
    memset(&other.op, 0, sizeof other.op);
    other.null_req = 1;
    other.digest = PBFT_NULL_DIGEST;
    pbft_sign_pp(n, pp);
    pbft_sign_pp(n, &other);
    pbft_accept_pp(n, pp);
    int size = dsim_cluster_size(n), half = (size - 1) / 2, k = 0;
    for (int p = 0; p < size; p++) {
        if (p == dsim_id(n))
            continue;
        const pbft_pp *mine = k++ < half ? pp : &other;
        pbft_send_pp_to(n, p, mine);
        commit_to(n, p, mine);
    }
}

void pbft_byz_assign(dsim_node *n, pbft_pp *pp)
{
    pbft_state *s = pbft_of(n);
    if (pbft_is_byz(n, "equivocate")) {
        equivocate(n, pp);
        return;
    }
    if (pbft_is_byz(n, "bad_digest")) {
        pp->digest ^= 0xbad;
        pbft_sign_pp(n, pp);
        pbft_send_all(n, PBFT_MSG_PRE_PREPARE, pp, (uint32_t)sizeof *pp);
        return;
    }
    if (pbft_is_byz(n, "skip") && pp->seq % 3 == 0 &&
        pp->seq + 1 <= s->stable + (uint64_t)s->cfg.window) {
        pp->seq = ++s->seq_next;   /* pp->seq - 1 stays empty */
    }
    pbft_sign_pp(n, pp);
    pbft_accept_pp(n, pp);
    if (pbft_is_byz(n, "slow_primary")) {
        dsim_timer(n, PBFT_T_SLOW, pp->seq, s->cfg.vc_timeout_ns / 10 * 9);
        return;
    }
    pbft_send_all(n, PBFT_MSG_PRE_PREPARE, pp, (uint32_t)sizeof *pp);
}

/* A made-up certificate for 'seq' at the view just below the new one. The
** request in it is a real one ('like', with its client's signature, which
** the liar holds) taken from another sequence number: clients sign their
** requests, so a request no client sent would be refused anyway; a real
** one in the wrong place reorders what was committed. */
static void claim(dsim_node *n, pbft_vc *vc, uint64_t seq, const dsim_op *like, const dsim_sig *csig)
{
    pbft_state *s = pbft_of(n);
    pbft_cert *c = &vc->cert[vc->ncert++];
    memset(c, 0, sizeof *c);
    c->pp.view = vc->view - 1;
    c->pp.seq = seq;
    c->pp.from = pbft_primary(s, vc->view - 1);
    if (like) {
        c->pp.op = *like;
        c->pp.csig = *csig;
        c->pp.digest = pbft_op_digest(&c->pp.op);
    } else {
        c->pp.null_req = 1;
        c->pp.digest = PBFT_NULL_DIGEST;
    }
    c->pp.sig.tag[0] = dsim_rand(n);   /* it cannot sign as the primary */
    int k = 0;
    for (int p = 0; p < s->cfg.n && k < s->cfg.q - 1; p++) {
        if (p == c->pp.from)
            continue;
        pbft_vote *v = &c->prep[k++];
        *v = (pbft_vote){.view = c->pp.view, .seq = seq, .digest = c->pp.digest, .from = p,
                         .type = PBFT_MSG_PREPARE};
        if (p == dsim_id(n))
            pbft_sign_vote(n, v);
        else
            v->sig.tag[0] = dsim_rand(n);
    }
}

void pbft_byz_vc(dsim_node *n, pbft_vc *vc)
{
    pbft_state *s = pbft_of(n);
    if (!pbft_is_byz(n, "lie_view_change"))
        return;
    const char *mode = json_string_value(json_object_get(dsim_byzantine_params(n), "mode"));
    bool hide = mode ? strcmp(mode, "hide") == 0 : dsim_rand(n) % 2 == 0;
    vc->ncert = 0;
    if (hide)
        return;
    uint64_t top = s->last_exec + 2;
    if (top > vc->stable_seq + (uint64_t)s->cfg.window)
        top = vc->stable_seq + (uint64_t)s->cfg.window;
    for (uint64_t q = vc->stable_seq + 1; q <= top; q++) {
        const pbft_slot *sl = pbft_slot_at(s, q + 1);   /* the next seq's request, here */
        bool next = sl && sl->has_pp && !sl->pp.null_req;
        const dsim_op *like = next ? &sl->pp.op : s->pending_len ? &s->pending[0] : NULL;
        const dsim_sig *csig = next ? &sl->pp.csig : &s->pending_sig[0];
        claim(n, vc, q, like, csig);
    }
}

void pbft_byz_lie_reply(dsim_node *n, const dsim_op *op)
{
    if (pbft_is_byz(n, "lie_reply"))   /* it still takes part in the protocol */
        dsim_reply(n, op, DSIM_OK, 424242 + (int64_t)(dsim_rand(n) % 1000));
}

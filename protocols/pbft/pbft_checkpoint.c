/*
** pbft_checkpoint.c — checkpoints, garbage collection, state transfer and
** the periodic status exchange that repairs lost messages.
**
** Every K executed requests a replica keeps a copy of its state and
** multicasts a signed CHECKPOINT (seq, digest of the whole state). 2f+1
** matching ones from distinct replicas are the proof that the checkpoint
** is stable: at least f+1 correct replicas hold that state, so it survives
** f faults. The replica then moves its low water mark there and discards
** the log and older states below it. A replica that sees a proof for a
** checkpoint it has not reached asks for the state: STATE carries the
** proof and the state, and the receiver checks both (the proof's
** signatures, and the digest it computes itself over the bytes).
** Status: every 'status' ms each replica multicasts where it is (view,
** last executed, stable checkpoint, in a view change or not) and resends
** its own checkpoint messages above its stable one, and, while changing
** view, its view change. A replica that sees a peer behind helps it: the
** stable state when the peer is below it, else this replica's pre-prepares
** (the primary's signed ones, relayed) and its own prepares and commits
** for the seqs the peer misses, and the NEW-VIEW of its view (from disk)
** to a peer in an older one.
** Planted bug 'checkpoint_f1': a checkpoint is stable with f+1 matching
** messages (pbft_ckpt_quorum), a proof that one correct replica may hold.
*/
#include <stdlib.h>

#include "pbft.h"

static pbft_snap *snap_at(pbft_state *s, uint64_t seq)
{
    for (int i = 0; i < PBFT_SNAPS; i++)
        if (s->snaps[i].seq == seq && seq > 0)
            return &s->snaps[i];
    return NULL;
}

static pbft_tally *tally_for(pbft_state *s, uint64_t seq)
{
    pbft_tally *low = &s->tally[0];
    for (int i = 0; i < PBFT_TALLY; i++) {
        if (s->tally[i].seq == seq)
            return &s->tally[i];
        if (s->tally[i].seq < low->seq)
            low = &s->tally[i];
    }
    if (low->seq > s->stable && low->seq > seq)
        return NULL;   /* every entry is newer and still open */
    memset(low, 0, sizeof *low);
    low->seq = seq;
    return low;
}

static void count(dsim_node *n, pbft_tally *t)
{
    pbft_state *s = pbft_of(n);
    for (int p = 0; p < s->cfg.n; p++) {
        if (!(t->mask >> p & 1u))
            continue;
        pbft_ckpt proof[2 * PBFT_F_MAX + 1];
        uint32_t k = 0;
        for (int q = 0; q < s->cfg.n && k < (uint32_t)(2 * s->cfg.f + 1); q++)
            if ((t->mask >> q & 1u) && t->msg[q].digest == t->msg[p].digest)
                proof[k++] = t->msg[q];
        if ((int)k >= s->cfg.ckpt_q) {
            pbft_make_stable(n, t->seq, t->msg[p].digest, proof, k);
            return;
        }
    }
}

void pbft_take_checkpoint(dsim_node *n)
{
    pbft_state *s = pbft_of(n);
    pbft_snap *slot = NULL;
    for (int i = 0; i < PBFT_SNAPS; i++)   /* a free slot, or the oldest above stable */
        if ((s->snaps[i].seq == 0 || s->snaps[i].seq != s->stable) &&
            (slot == NULL || s->snaps[i].seq < slot->seq))
            slot = &s->snaps[i];
    DSIM_ASSERT(slot != NULL);
    slot->seq = s->last_exec;
    memcpy(&slot->kv, &s->kv, dsim_kv_bytes(&s->kv));
    size_t used = dsim_kv_bytes(&s->kv);
    memset((char *)&slot->kv + used, 0, sizeof slot->kv - used);
    pbft_ckpt c = {.seq = s->last_exec, .digest = pbft_state_digest(&s->kv), .from = dsim_id(n)};
    if (pbft_is_byz(n, "bad_digest"))
        c.digest ^= 0xbad;
    pbft_sign_ckpt(n, &c);
    pbft_tally *t = tally_for(s, c.seq);
    if (t) {
        t->msg[dsim_id(n)] = c;
        t->mask |= 1u << dsim_id(n);
    }
    pbft_send_all(n, PBFT_MSG_CHECKPOINT, &c, (uint32_t)sizeof c);
    if (t)
        count(n, t);
}

void pbft_on_checkpoint(dsim_node *n, int from, const pbft_ckpt *c)
{
    pbft_state *s = pbft_of(n);
    if (c->from != from || c->seq <= s->stable || c->seq % (uint64_t)s->cfg.k != 0 ||
        !pbft_ckpt_valid(n, c))
        return;
    pbft_tally *t = tally_for(s, c->seq);
    if (t == NULL)
        return;
    t->msg[from] = *c;
    t->mask |= 1u << from;
    count(n, t);
}

/* A proven checkpoint: make it the low water mark when this replica holds
** that state, or ask the signers for it. */
void pbft_make_stable(dsim_node *n, uint64_t seq, uint64_t digest, const pbft_ckpt *proof,
                      uint32_t nproof)
{
    pbft_state *s = pbft_of(n);
    if (seq <= s->stable)
        return;
    pbft_snap *sn = snap_at(s, seq);
    if (sn == NULL || s->last_exec < seq || pbft_state_digest(&sn->kv) != digest) {
        pbft_status st = {.view = s->view, .last_exec = s->last_exec, .stable = s->stable,
                          .in_vc = s->in_vc};
        for (uint32_t i = 0; i < nproof; i++)
            if (proof[i].from != dsim_id(n))
                pbft_send(n, proof[i].from, PBFT_MSG_STATUS, &st, (uint32_t)sizeof st);
        return;
    }
    s->stable = seq;
    s->stable_digest = digest;
    s->nproof = nproof;
    memcpy(s->proof, proof, nproof * sizeof *proof);
    for (int i = 0; i < PBFT_SNAPS; i++)
        if (s->snaps[i].seq < seq)
            s->snaps[i].seq = 0;
    for (int i = 0; i < PBFT_TALLY; i++)
        if (s->tally[i].seq <= seq)
            s->tally[i].seq = 0, s->tally[i].mask = 0;
    pbft_persist_stable(n);
    pbft_emit(n, "checkpoint", json_pack("{s:I, s:i}", "seq", (json_int_t)seq, "proof", (int)nproof));
    pbft_assign_pending(n);
}

void pbft_install_state(dsim_node *n, uint64_t seq, const dsim_kv *kv)
{
    pbft_state *s = pbft_of(n);
    size_t used = dsim_kv_bytes(kv);
    memset(&s->kv, 0, sizeof s->kv);
    memcpy(&s->kv, kv, used);
    memset(s->snaps, 0, sizeof s->snaps);
    s->snaps[0].seq = seq;
    memcpy(&s->snaps[0].kv, kv, used);
    s->last_exec = seq;
    if (s->seq_next < seq)
        s->seq_next = seq;
    for (uint32_t i = 0; i < s->pending_len;) {   /* requests the state already holds */
        dsim_status kept;
        int64_t value;
        dsim_kv_verdict seen = dsim_kv_seen(&s->kv, &s->pending[i], &kept, &value);
        if (seen == DSIM_KV_REPEAT || seen == DSIM_KV_REPEAT_WORDS || seen == DSIM_KV_STALE)
            pbft_pending_drop(s, i);
        else
            i++;
    }
    s->state_transfers++;
}

void pbft_on_state(dsim_node *n, int from, const pbft_state_msg *m, uint32_t len)
{
    pbft_state *s = pbft_of(n);
    (void)from;
    size_t head = offsetof(pbft_state_msg, kv);
    if (len <= head || len > sizeof *m || m->seq <= s->stable ||
        m->nproof > 2 * PBFT_F_MAX + 1)
        return;
    pbft_state_msg *copy = calloc(1, sizeof *copy);
    DSIM_ASSERT(copy != NULL);
    memcpy(copy, m, len);
    /* The bytes must be the proven state before anything reads them. */
    bool ok = pbft_proof_valid(n, copy->proof, copy->nproof, copy->seq, copy->digest) &&
              pbft_bytes_digest(&copy->kv, len - head) == copy->digest &&
              dsim_kv_check(&copy->kv, len - head) == 0;
    if (ok && copy->seq > s->last_exec) {
        pbft_install_state(n, copy->seq, &copy->kv);
        pbft_emit(n, "state_transfer", json_pack("{s:I, s:i}", "seq", (json_int_t)copy->seq,
                                                 "from", from + 1));
    }
    if (ok)
        pbft_make_stable(n, copy->seq, copy->digest, copy->proof, copy->nproof);
    free(copy);
    if (ok)
        pbft_try_execute(n);
}

void pbft_send_state(dsim_node *n, int to)
{
    pbft_state *s = pbft_of(n);
    pbft_snap *sn = snap_at(s, s->stable);
    if (sn == NULL || pbft_is_byz(n, "stale_view"))
        return;
    pbft_state_msg *m = calloc(1, sizeof *m);
    DSIM_ASSERT(m != NULL);
    m->seq = s->stable;
    m->digest = s->stable_digest;
    m->nproof = s->nproof;
    memcpy(m->proof, s->proof, s->nproof * sizeof *s->proof);
    size_t used = dsim_kv_bytes(&sn->kv);
    memcpy(&m->kv, &sn->kv, used);
    pbft_send(n, to, PBFT_MSG_STATE, m, (uint32_t)(offsetof(pbft_state_msg, kv) + used));
    free(m);
}

/* What this replica has for the seqs 'to' misses, at most 8 of them. */
static void retransmit(dsim_node *n, int to, uint64_t from_seq)
{
    pbft_state *s = pbft_of(n);
    int sent = 0;
    for (uint64_t q = from_seq + 1; q <= s->last_exec && sent < 8; q++) {
        pbft_slot *sl = pbft_slot_at(s, q);
        if (sl == NULL || !sl->has_pp || sl->pp.view != s->view)
            continue;
        pbft_send_pp_to(n, to, &sl->pp);
        if (sl->prep_mask >> dsim_id(n) & 1u)
            pbft_send(n, to, PBFT_MSG_PREPARE, &sl->prep[dsim_id(n)], (uint32_t)sizeof(pbft_vote));
        if (sl->sent_commit) {
            pbft_vote v = {.view = sl->commit_view[dsim_id(n)], .seq = q,
                           .digest = sl->commit_digest[dsim_id(n)], .from = dsim_id(n),
                           .type = PBFT_MSG_COMMIT};
            pbft_sign_vote(n, &v);
            pbft_send(n, to, PBFT_MSG_COMMIT, &v, (uint32_t)sizeof v);
        }
        sent++;
    }
}

void pbft_on_status(dsim_node *n, int from, const pbft_status *st)
{
    pbft_state *s = pbft_of(n);
    if (pbft_is_byz(n, "stale_view"))
        return;
    if ((st->view < s->view || (st->view == s->view && st->in_vc)) && !s->in_vc) {
        void *nv;
        uint32_t len;
        if (pbft_load_newview(n, &nv, &len)) {
            pbft_send(n, from, PBFT_MSG_NEW_VIEW, nv, len);
            free(nv);
        }
        return;
    }
    if (st->in_vc && s->in_vc && st->view < s->view) {
        /* It waits for view changes to a view this replica has left. A
        ** view change for a lower view than its own promises nothing it
        ** has not promised already: send a fresh one, so that replicas
        ** that lost theirs (a crash, a lost message) can still meet. */
        pbft_vc *vc = malloc(sizeof *vc);
        DSIM_ASSERT(vc != NULL);
        pbft_build_vc(n, st->view, vc);
        pbft_send(n, from, PBFT_MSG_VIEW_CHANGE, vc, pbft_vc_bytes(vc));
        free(vc);
        return;
    }
    if (st->last_exec < s->stable) {
        pbft_send_state(n, from);
        return;
    }
    if (st->view != s->view || st->in_vc || s->in_vc)
        return;
    uint64_t base = st->last_exec > s->stable ? st->last_exec : s->stable;
    if (st->last_exec < s->last_exec)
        retransmit(n, from, base);
    else if (pbft_primary(s, s->view) == dsim_id(n))   /* its pre-prepares may be lost */
        for (uint64_t q = base + 1; q <= s->seq_next && q <= base + 4; q++) {
            pbft_slot *sl = pbft_slot_at(s, q);
            if (sl && sl->has_pp && sl->pp.view == s->view && sl->pp.from == dsim_id(n))
                pbft_send_pp_to(n, from, &sl->pp);
        }
}

void pbft_on_status_timer(dsim_node *n)
{
    pbft_state *s = pbft_of(n);
    dsim_timer(n, PBFT_T_STATUS, 0, s->cfg.status_ns);
    pbft_status st = {.view = s->view, .last_exec = s->last_exec, .stable = s->stable,
                      .in_vc = s->in_vc};
    pbft_send_all(n, PBFT_MSG_STATUS, &st, (uint32_t)sizeof st);
    for (int i = 0; i < PBFT_TALLY; i++) {
        const pbft_tally *t = &s->tally[i];
        if (t->seq > s->stable && (t->mask >> dsim_id(n) & 1u))
            pbft_send_all(n, PBFT_MSG_CHECKPOINT, &t->msg[dsim_id(n)], (uint32_t)sizeof(pbft_ckpt));
    }
    if (s->in_vc && (s->vc_mask >> dsim_id(n) & 1u) && s->vcs[dsim_id(n)].view == s->view) {
        const pbft_vc *vc = &s->vcs[dsim_id(n)];
        pbft_send_all(n, PBFT_MSG_VIEW_CHANGE, vc, pbft_vc_bytes(vc));
    }
}

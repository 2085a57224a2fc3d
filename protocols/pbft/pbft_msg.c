/*
** pbft_msg.c — request digests, signatures, and the validation of
** everything a replica may relay: pre-prepares, prepares, checkpoints,
** prepared certificates, checkpoint proofs and view changes.
**
** A signature covers every byte of a message before its 'sig' field (for
** view changes: the wire bytes with 'sig' zeroed), 'from' included, so a
** replica cannot pass another's message off as its own, nor a PREPARE as
** a COMMIT ('type' is signed). A message is valid only when its signer is
** the replica it names; a certificate only when every part is. Planted
** bug 'unsigned_view_change': view changes, and everything inside them,
** are taken without checking a single signature.
*/
#include <stddef.h>
#include <stdlib.h>

#include "pbft.h"

uint64_t pbft_op_digest(const dsim_op *op)
{
    uint64_t h = pbft_mix(0x6f70, op->id);
    h = pbft_mix(h, (uint64_t)(uint32_t)op->client);
    h = pbft_mix(h, op->seq);
    h = pbft_mix(h, (uint64_t)op->f << 32 | op->key);
    h = pbft_mix(h, (uint64_t)op->value);
    h = pbft_mix(h, (uint64_t)op->value2);
    h = pbft_mix(h, op->mops_len);
    for (uint32_t i = 0; i < op->mops_len && i < DSIM_MOPS_MAX; i++) {
        h = pbft_mix(h, (uint64_t)op->mops[i].f << 32 | op->mops[i].key);
        h = pbft_mix(h, (uint64_t)op->mops[i].value);
    }
    return h == PBFT_NULL_DIGEST ? h + 1 : h;
}

uint64_t pbft_state_digest(const dsim_kv *kv)
{
    return pbft_bytes_digest(kv, dsim_kv_bytes(kv));
}

uint64_t pbft_bytes_digest(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 0x57a7e;
    for (size_t i = 0; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x100000001b3u;
        h ^= h >> 29;
    }
    return pbft_mix(h, len);
}

void pbft_sign_pp(dsim_node *n, pbft_pp *pp)
{
    pp->sig = dsim_sign(n, pp, offsetof(pbft_pp, sig));
}

void pbft_sign_vote(dsim_node *n, pbft_vote *v)
{
    v->sig = dsim_sign(n, v, offsetof(pbft_vote, sig));
}

void pbft_sign_ckpt(dsim_node *n, pbft_ckpt *c)
{
    c->type = PBFT_MSG_CHECKPOINT;
    c->sig = dsim_sign(n, c, offsetof(pbft_ckpt, sig));
}

static bool unsigned_ok(dsim_node *n)
{
    return dsim_bug(n, "unsigned_view_change");
}

/* The digest names the request (or the null request). */
static bool pp_digest_ok(const pbft_pp *pp)
{
    if (pp->null_req > 1 || pp->op.mops_len > DSIM_MOPS_MAX || pp->op.f >= DSIM_F_COUNT_)
        return false;
    for (uint32_t i = 0; i < pp->op.mops_len; i++)
        if (pp->op.mops[i].f != DSIM_F_READ && pp->op.mops[i].f != DSIM_F_WRITE &&
            pp->op.mops[i].f != DSIM_F_APPEND && pp->op.mops[i].f != DSIM_F_READ_LIST)
            return false;
    return pp->null_req ? pp->digest == PBFT_NULL_DIGEST : pp->digest == pbft_op_digest(&pp->op);
}

bool pbft_pp_valid(dsim_node *n, const pbft_pp *pp)
{
    int size = dsim_cluster_size(n);
    if (pp->from < 0 || pp->from >= size || (uint64_t)pp->from != pp->view % (uint64_t)size)
        return false;
    if (!pp_digest_ok(pp))
        return false;
    if (!pp->null_req && !dsim_verify_request(n, &pp->op, &pp->csig))
        return false;   /* a request its client did not sign: made up or altered */
    return dsim_verify(n, pp->from, pp, offsetof(pbft_pp, sig), &pp->sig);
}

bool pbft_vote_valid(dsim_node *n, const pbft_vote *v, uint32_t type)
{
    if (v->type != type || v->from < 0 || v->from >= dsim_cluster_size(n))
        return false;
    return dsim_verify(n, v->from, v, offsetof(pbft_vote, sig), &v->sig);
}

bool pbft_ckpt_valid(dsim_node *n, const pbft_ckpt *c)
{
    if (c->type != PBFT_MSG_CHECKPOINT || c->from < 0 || c->from >= dsim_cluster_size(n))
        return false;
    return dsim_verify(n, c->from, c, offsetof(pbft_ckpt, sig), &c->sig);
}

/* In a view change, signatures are checked unless the planted bug says not. */
static bool vc_pp_ok(dsim_node *n, const pbft_pp *pp)
{
    if (unsigned_ok(n))
        return pp_digest_ok(pp) && pp->from >= 0 && pp->from < dsim_cluster_size(n);
    return pbft_pp_valid(n, pp);
}

bool pbft_cert_valid(dsim_node *n, const pbft_cert *c, uint64_t view_limit)
{
    pbft_state *s = pbft_of(n);
    if (c->pp.view >= view_limit || c->pp.seq == 0 || !vc_pp_ok(n, &c->pp))
        return false;
    uint32_t seen = 0;
    int need = s->cfg.q - 1;   /* 2f prepares */
    DSIM_ASSERT(need <= 2 * PBFT_F_MAX);
    for (int i = 0; i < need; i++) {
        const pbft_vote *v = &c->prep[i];
        if (v->from < 0 || v->from >= s->cfg.n || v->from == c->pp.from || (seen >> v->from & 1u))
            return false;
        if (v->view != c->pp.view || v->seq != c->pp.seq || v->digest != c->pp.digest)
            return false;
        if (!unsigned_ok(n) && !pbft_vote_valid(n, v, PBFT_MSG_PREPARE))
            return false;
        seen |= 1u << v->from;
    }
    return true;
}

bool pbft_proof_valid(dsim_node *n, const pbft_ckpt *proof, uint32_t count, uint64_t seq,
                      uint64_t digest)
{
    pbft_state *s = pbft_of(n);
    if (seq == 0)
        return true;
    if (count > 2 * PBFT_F_MAX + 1 || (int)count < s->cfg.ckpt_q)
        return false;
    uint32_t seen = 0;
    for (uint32_t i = 0; i < count; i++) {
        const pbft_ckpt *c = &proof[i];
        if (c->from < 0 || c->from >= s->cfg.n || (seen >> c->from & 1u))
            return false;
        if (c->seq != seq || c->digest != digest)
            return false;
        if (!pbft_ckpt_valid(n, c))
            return false;
        seen |= 1u << c->from;
    }
    return true;
}

uint32_t pbft_vc_bytes(const pbft_vc *vc)
{
    DSIM_ASSERT(vc->ncert <= PBFT_LOG_MAX);
    return (uint32_t)(offsetof(pbft_vc, cert) + vc->ncert * sizeof(pbft_cert));
}

static dsim_sig vc_sig(dsim_node *n, const pbft_vc *vc, bool sign, const dsim_sig *check)
{
    uint32_t len = pbft_vc_bytes(vc);
    pbft_vc *copy = malloc(len);
    DSIM_ASSERT(copy != NULL);
    memcpy(copy, vc, len);
    memset(&copy->sig, 0, sizeof copy->sig);
    dsim_sig r = {{0, 0}};
    if (sign)
        r = dsim_sign(n, copy, len);
    else
        r.tag[0] = dsim_verify(n, vc->from, copy, len, check);
    free(copy);
    return r;
}

void pbft_sign_vc(dsim_node *n, pbft_vc *vc)
{
    vc->sig = vc_sig(n, vc, true, NULL);
}

/* A view change as received: its length, signature, checkpoint proof, and
** every certificate (for a view below the one it moves to, above its
** checkpoint, each seq once). */
bool pbft_vc_valid(dsim_node *n, const pbft_vc *vc, uint32_t len)
{
    pbft_state *s = pbft_of(n);
    if (len < offsetof(pbft_vc, cert) || vc->ncert > PBFT_LOG_MAX || len != pbft_vc_bytes(vc))
        return false;
    if (vc->from < 0 || vc->from >= s->cfg.n || vc->nckpt > 2 * PBFT_F_MAX + 1)
        return false;
    if (!unsigned_ok(n) && !vc_sig(n, vc, false, &vc->sig).tag[0])
        return false;
    if (!unsigned_ok(n) && !pbft_proof_valid(n, vc->proof, vc->nckpt, vc->stable_seq, vc->stable_digest))
        return false;
    uint64_t prev = vc->stable_seq;
    for (uint32_t i = 0; i < vc->ncert; i++) {
        const pbft_cert *c = &vc->cert[i];
        if (c->pp.seq <= prev || c->pp.seq > vc->stable_seq + (uint64_t)s->cfg.window)
            return false;
        if (!pbft_cert_valid(n, c, vc->view))
            return false;
        prev = c->pp.seq;
    }
    return true;
}

bool pbft_is_byz(dsim_node *n, const char *behaviour)
{
    const char *b = dsim_byzantine(n);
    return b != NULL && strcmp(b, behaviour) == 0;
}

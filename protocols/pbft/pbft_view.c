/*
** pbft_view.c — the view change (Castro and Liskov, TOCS 2002, §4.4).
**
** A backup whose view-change timer fires (a request pending too long, or
** a view change that did not complete) moves to view v+1: it stops
** accepting messages of view v and multicasts a signed VIEW-CHANGE with
** its stable checkpoint and proof, and for every seq above it the latest
** prepared certificate it holds. The timer then waits twice as long for
** the new view (it doubles per failed view, and resets on execution),
** and only once 2f+1 replicas are changing to that view.
** Seeing valid view changes from f+1 replicas for views above its own, a
** replica joins the smallest of them (one of them is correct).
** The primary of v+1, with 2f+1 valid view changes (its own counted),
** computes O: from min-s (the highest stable checkpoint among them) to
** max-s (the highest prepared seq), per seq the request of the
** certificate with the highest view, else the null request. It multicasts
** NEW-VIEW (the view changes and O as pre-prepares it signs) and enters
** v+1. A backup checks every view change in it and recomputes O; any
** difference and it refuses the NEW-VIEW. Entering the view, it accepts
** O's pre-prepares as if the primary had just sent them.
** Planted bug 'no_prepared_proof': O ignores the certificates (every seq
** from min-s on is free again). 'unsigned_view_change' lives in
** pbft_msg.c.
*/
#include <stdlib.h>

#include "pbft.h"

void pbft_stop_view_timer(dsim_node *n)
{
    pbft_state *s = pbft_of(n);
    if (s->vc_timer)
        dsim_timer_cancel(n, s->vc_timer);
    s->vc_timer = 0;
}

/* Normal case: runs while a request is pending. Changing view: runs only
** once 2f+1 view changes for the new view are in (so a lone replica
** cannot race through views the others never join), for T << attempts
** (doubling per failed view, capped at 8T, reset by an execution). */
void pbft_arm_view_timer(dsim_node *n)
{
    pbft_state *s = pbft_of(n);
    if (s->vc_timer || (s->pending_len == 0 && !s->in_vc))
        return;
    if (s->in_vc) {
        int have = 0;
        for (int p = 0; p < s->cfg.n; p++)
            have += (s->vc_mask >> p & 1u) && s->vcs[p].view == s->view;
        if (have < s->cfg.q)
            return;
    }
    uint32_t shift = s->vc_attempts < PBFT_BACKOFF_MAX ? s->vc_attempts : PBFT_BACKOFF_MAX;
    s->vc_timer = dsim_timer(n, PBFT_T_VIEW, ++s->vc_timer_gen, s->cfg.vc_timeout_ns << shift);
}

void pbft_on_view_timer(dsim_node *n, uint64_t gen)
{
    pbft_state *s = pbft_of(n);
    if (gen != s->vc_timer_gen)
        return;
    s->vc_timer = 0;
    if (s->pending_len == 0 && !s->in_vc)
        return;
    s->vc_attempts++;
    pbft_start_view_change(n, s->view + 1);
}

uint32_t pbft_compute_o(const pbft_vc *const *vcs, uint32_t count, uint64_t view, int primary,
                        bool ignore_certs, pbft_pp *out, uint64_t *min_s, uint64_t *min_digest)
{
    *min_s = 0;
    *min_digest = 0;
    for (uint32_t i = 0; i < count; i++)
        if (vcs[i]->stable_seq > *min_s) {
            *min_s = vcs[i]->stable_seq;
            *min_digest = vcs[i]->stable_digest;
        }
    uint64_t max_s = *min_s;
    for (uint32_t i = 0; i < count && !ignore_certs; i++)
        for (uint32_t j = 0; j < vcs[i]->ncert; j++)
            if (vcs[i]->cert[j].pp.seq > max_s)
                max_s = vcs[i]->cert[j].pp.seq;
    DSIM_ASSERT(max_s - *min_s <= PBFT_LOG_MAX);
    uint32_t k = 0;
    for (uint64_t seq = *min_s + 1; seq <= max_s; seq++) {
        const pbft_pp *best = NULL;
        for (uint32_t i = 0; i < count; i++)
            for (uint32_t j = 0; j < vcs[i]->ncert; j++) {
                const pbft_pp *pp = &vcs[i]->cert[j].pp;
                if (pp->seq == seq && (best == NULL || pp->view > best->view ||
                                       (pp->view == best->view && pp->digest > best->digest)))
                    best = pp;
            }
        pbft_pp *o = &out[k++];
        memset(o, 0, sizeof *o);
        o->view = view;
        o->seq = seq;
        o->from = primary;
        if (best) {
            o->digest = best->digest;
            o->null_req = best->null_req;
            o->op = best->op;
            o->csig = best->csig;
        } else {
            o->digest = PBFT_NULL_DIGEST;
            o->null_req = 1;
        }
    }
    return k;
}

/* The view changes for 'view' this replica holds, in node order: the
** first 'need' of them. */
static uint32_t collect(pbft_state *s, uint64_t view, const pbft_vc **out, uint32_t need)
{
    uint32_t k = 0;
    for (int p = 0; p < s->cfg.n && k < need; p++)
        if ((s->vc_mask >> p & 1u) && s->vcs[p].view == view)
            out[k++] = &s->vcs[p];
    return k;
}

/* Enters 'view' with O: its checkpoint, then its pre-prepares. */
static void enter_view(dsim_node *n, uint64_t view, const pbft_pp *o, uint32_t npp,
                       const pbft_vc *const *vcs, uint32_t nvc, uint64_t min_s)
{
    pbft_state *s = pbft_of(n);
    s->view = view;
    s->in_vc = false;
    pbft_persist_view(n);
    for (uint32_t i = 0; i < nvc && min_s > s->stable; i++)
        if (vcs[i]->stable_seq == min_s)
            pbft_make_stable(n, min_s, vcs[i]->stable_digest, vcs[i]->proof, vcs[i]->nckpt);
    uint64_t top = min_s;
    for (uint32_t i = 0; i < npp; i++) {
        pbft_accept_pp(n, &o[i]);
        if (o[i].seq > top)
            top = o[i].seq;
    }
    if (pbft_primary(s, view) == dsim_id(n))
        s->seq_next = top > s->last_exec ? top : s->last_exec;
    for (int i = 0; i < PBFT_LOG_MAX; i++)   /* pre-prepares that overtook the NEW-VIEW */
        if (s->future[i].view == view && s->future[i].seq > top) {
            pbft_pp pp = s->future[i];
            pbft_on_pre_prepare(n, pp.from, &pp);
        }
    pbft_emit(n, "new_view", json_pack("{s:I, s:i, s:I}", "view", (json_int_t)view,
                                       "primary", pbft_primary(s, view) + 1,
                                       "reissued", (json_int_t)npp));
    pbft_stop_view_timer(n);
    pbft_arm_view_timer(n);
    pbft_assign_pending(n);
}

static void try_new_view(dsim_node *n)
{
    pbft_state *s = pbft_of(n);
    if (!s->in_vc || pbft_primary(s, s->view) != dsim_id(n))
        return;
    const pbft_vc *vcs[PBFT_NODES_MAX];
    uint32_t nvc = collect(s, s->view, vcs, (uint32_t)s->cfg.q);
    if ((int)nvc < s->cfg.q || !(s->vc_mask >> dsim_id(n) & 1u))
        return;
    pbft_pp o[PBFT_LOG_MAX];
    uint64_t min_s, min_digest;
    uint32_t npp = pbft_compute_o(vcs, nvc, s->view, dsim_id(n), dsim_bug(n, "no_prepared_proof"),
                                  o, &min_s, &min_digest);
    size_t len = sizeof(pbft_nv) + npp * sizeof(pbft_pp);
    for (uint32_t i = 0; i < nvc; i++)
        len += pbft_vc_bytes(vcs[i]);
    unsigned char *msg = calloc(1, len);
    DSIM_ASSERT(msg != NULL);
    pbft_nv h = {.view = s->view, .from = dsim_id(n), .nvc = nvc, .npp = npp};
    unsigned char *p = msg + sizeof h;
    for (uint32_t i = 0; i < npp; i++) {
        pbft_sign_pp(n, &o[i]);
        memcpy(p, &o[i], sizeof o[i]);
        p += sizeof o[i];
    }
    for (uint32_t i = 0; i < nvc; i++) {
        memcpy(p, vcs[i], pbft_vc_bytes(vcs[i]));
        p += pbft_vc_bytes(vcs[i]);
    }
    memcpy(msg, &h, sizeof h);
    h.sig = dsim_sign(n, msg, (uint32_t)len);
    memcpy(msg, &h, sizeof h);
    pbft_persist_newview(n, msg, (uint32_t)len);
    pbft_send_all(n, PBFT_MSG_NEW_VIEW, msg, (uint32_t)len);
    free(msg);
    enter_view(n, s->view, o, npp, vcs, nvc, min_s);
}

/* This replica's signed VIEW-CHANGE for 'view' into 'vc': its stable
** checkpoint with proof and its prepared certificates above it. */
void pbft_build_vc(dsim_node *n, uint64_t view, pbft_vc *vc)
{
    pbft_state *s = pbft_of(n);
    memset(vc, 0, sizeof *vc);
    vc->view = view;
    vc->from = dsim_id(n);
    vc->stable_seq = s->stable;
    vc->stable_digest = s->stable_digest;
    vc->nckpt = s->nproof;
    memcpy(vc->proof, s->proof, s->nproof * sizeof *s->proof);
    for (uint64_t q = s->stable + 1; q <= s->stable + (uint64_t)s->cfg.window; q++) {
        const pbft_slot *sl = pbft_slot_at(s, q);
        if (sl && sl->has_cert)
            vc->cert[vc->ncert++] = sl->cert;
    }
    pbft_byz_vc(n, vc);
    pbft_sign_vc(n, vc);
}

void pbft_start_view_change(dsim_node *n, uint64_t view)
{
    pbft_state *s = pbft_of(n);
    if (view <= s->view || pbft_is_byz(n, "stale_view"))
        return;
    s->view = view;
    s->in_vc = true;
    s->view_changes++;
    pbft_persist_view(n);
    pbft_vc *vc = &s->vcs[dsim_id(n)];
    pbft_build_vc(n, view, vc);
    s->vc_mask |= 1u << dsim_id(n);
    pbft_emit(n, "view_change", json_pack("{s:I, s:I, s:i}", "view", (json_int_t)view,
                                          "stable", (json_int_t)s->stable, "prepared", (int)vc->ncert));
    pbft_send_all(n, PBFT_MSG_VIEW_CHANGE, vc, pbft_vc_bytes(vc));
    pbft_stop_view_timer(n);
    pbft_arm_view_timer(n);
    try_new_view(n);
}

void pbft_on_view_change(dsim_node *n, int from, const pbft_vc *vc, uint32_t len)
{
    pbft_state *s = pbft_of(n);
    if (vc->from != from || from == dsim_id(n) || vc->view < s->view || !pbft_vc_valid(n, vc, len))
        return;
    if (vc->view > s->vc_high[from])
        s->vc_high[from] = vc->view;
    bool keep = true;
    if (s->vc_mask >> from & 1u) {   /* one per sender: the one for this view first */
        uint64_t held = s->vcs[from].view;
        keep = vc->view == s->view || (held != s->view && held <= vc->view);
    }
    if (keep) {
        memcpy(&s->vcs[from], vc, len);
        s->vc_mask |= 1u << from;
    }
    /* f+1 replicas in higher views (the highest each was seen in, whichever
    ** view change is kept): at least one is correct; join the lowest */
    uint64_t lowest = 0;
    int above = 0;
    for (int p = 0; p < s->cfg.n; p++)
        if (p != dsim_id(n) && s->vc_high[p] > s->view) {
            above++;
            if (lowest == 0 || s->vc_high[p] < lowest)
                lowest = s->vc_high[p];
        }
    if (above >= s->cfg.f + 1)
        pbft_start_view_change(n, lowest);
    pbft_arm_view_timer(n);
    try_new_view(n);
}

void pbft_on_new_view(dsim_node *n, int from, const void *data, uint32_t len)
{
    pbft_state *s = pbft_of(n);
    pbft_nv h;
    if (len < sizeof h || pbft_is_byz(n, "stale_view"))
        return;
    memcpy(&h, data, sizeof h);
    if (h.view < s->view || (h.view == s->view && !s->in_vc) || h.from != pbft_primary(s, h.view) ||
        h.nvc > PBFT_NODES_MAX || h.npp > PBFT_LOG_MAX || (int)h.nvc < s->cfg.q)
        return;
    (void)from;   /* relayed NEW-VIEWs count: the primary's signature is what matters */
    unsigned char *msg = malloc(len);
    pbft_vc *vcs = malloc(h.nvc * sizeof *vcs);
    DSIM_ASSERT(msg != NULL && vcs != NULL);
    memcpy(msg, data, len);
    memset(msg + offsetof(pbft_nv, sig), 0, sizeof h.sig);
    bool ok = dsim_verify(n, h.from, msg, len, &h.sig);
    const pbft_pp *o = (const pbft_pp *)(void *)(msg + sizeof h);
    size_t at = sizeof h + h.npp * sizeof(pbft_pp);
    const pbft_vc *ptrs[PBFT_NODES_MAX];
    uint32_t seen = 0;
    for (uint32_t i = 0; ok && i < h.nvc; i++) {
        size_t head = offsetof(pbft_vc, cert);
        if (at + head > len) {
            ok = false;
            break;
        }
        memcpy(&vcs[i], msg + at, head);
        if (vcs[i].ncert > PBFT_LOG_MAX || at + pbft_vc_bytes(&vcs[i]) > len) {
            ok = false;
            break;
        }
        uint32_t vlen = pbft_vc_bytes(&vcs[i]);
        memcpy(&vcs[i], msg + at, vlen);
        at += vlen;
        ok = pbft_vc_valid(n, &vcs[i], vlen) && vcs[i].view == h.view && !(seen >> vcs[i].from & 1u);
        seen |= ok ? 1u << vcs[i].from : 0;
        ptrs[i] = &vcs[i];
    }
    ok = ok && at == len;
    pbft_pp mine[PBFT_LOG_MAX];
    uint64_t min_s = 0, min_digest;
    uint32_t npp = 0;
    if (ok)
        npp = pbft_compute_o(ptrs, h.nvc, h.view, h.from, dsim_bug(n, "no_prepared_proof"), mine,
                             &min_s, &min_digest);
    ok = ok && npp == h.npp;
    pbft_pp *os = malloc((npp ? npp : 1) * sizeof *os);
    DSIM_ASSERT(os != NULL);
    for (uint32_t i = 0; ok && i < npp; i++) {
        memcpy(&os[i], &o[i], sizeof os[i]);
        ok = os[i].seq == mine[i].seq && os[i].digest == mine[i].digest &&
             os[i].view == h.view && pbft_pp_valid(n, &os[i]);
    }
    if (ok) {
        memcpy(msg, data, len);
        pbft_persist_newview(n, msg, len);
        enter_view(n, h.view, os, npp, ptrs, h.nvc, min_s);
    }
    free(os);
    free(vcs);
    free(msg);
}

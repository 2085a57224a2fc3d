/*
** pbft_persist.c — what a PBFT replica keeps on its disk, and recovery.
**
** What survives a crash, and why:
** - the view and whether it is changing view: a replica must never go
**   back to a view it left (it would accept a second pre-prepare there);
** - every log slot it signed something for (its accepted pre-prepare, the
**   prepares and commits it counted, its prepared certificate): after a
**   restart it must not PREPARE or COMMIT another digest for the same
**   (view, seq), and its next VIEW-CHANGE must still carry the
**   certificates it had (a prepared request may have committed elsewhere);
** - the stable checkpoint: the state, its seq and its 2f+1 signed proof,
**   which it needs to recover, to prove in view changes and to serve
**   state transfers (the log below it is gone);
** - the last NEW-VIEW it accepted, to pass to replicas left in older views.
** Every write is synced before the replica sends what depends on it. A
** crashed correct replica counts against f while it is down (it is silent),
** not after: it recovers all it signed from its disk alone, re-executes
** the committed slots above its checkpoint, and catches up (status).
** Each record has two copies ("<key>.0", "<key>.1") written in turn with
** a version, so a torn write (never synced, never acted on) leaves the
** previous one; reads that fail their checksum are retried (transient
** read faults) and a record that keeps failing is taken as absent.
*/
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "pbft.h"


typedef struct rec_head {
    uint64_t version;
    uint32_t len, pad;
} rec_head;

typedef struct view_rec {
    uint64_t view;
    uint32_t in_vc, pad;
} view_rec;

static uint64_t next_version(dsim_node *n)
{
    return ++pbft_of(n)->disk_version;
}

static void put2(dsim_node *n, const char *key, uint64_t version, const void *data, uint32_t len)
{
    char k[40];
    snprintf(k, sizeof k, "%s.%d", key, (int)(version & 1));
    unsigned char *buf = malloc(sizeof(rec_head) + len);
    DSIM_ASSERT(buf != NULL);
    rec_head h = {.version = version, .len = len};
    memcpy(buf, &h, sizeof h);
    memcpy(buf + sizeof h, data, len);
    dsim_disk_put(n, k, buf, (uint32_t)(sizeof h + len));
    dsim_disk_sync(n);
    free(buf);
}

static void put(dsim_node *n, const char *key, const void *data, uint32_t len)
{
    put2(n, key, next_version(n), data, len);
}

/* The newer valid copy of 'key' (a malloc'd payload the caller frees), or
** NULL. */
static void *get2(dsim_node *n, const char *key, uint32_t cap, uint32_t *len, uint64_t *version)
{
    unsigned char *best = NULL;
    uint64_t best_v = 0;
    uint32_t best_len = 0;
    unsigned char *buf = malloc(sizeof(rec_head) + cap);
    DSIM_ASSERT(buf != NULL);
    for (int copy = 0; copy < 2; copy++) {
        char k[40];
        snprintf(k, sizeof k, "%s.%d", key, copy);
        uint32_t got = 0;
        int rc = dsim_disk_get_retry(n, k, buf, (uint32_t)(sizeof(rec_head) + cap), &got);
        rec_head h;
        if (rc != DSIM_DISK_OK || got < sizeof h)
            continue;
        memcpy(&h, buf, sizeof h);
        if (h.len != got - sizeof h || h.version <= best_v)
            continue;
        free(best);
        best = malloc(h.len ? h.len : 1);
        DSIM_ASSERT(best != NULL);
        memcpy(best, buf + sizeof h, h.len);
        best_v = h.version;
        best_len = h.len;
    }
    free(buf);
    *len = best_len;
    if (version)
        *version = best_v;
    if (best_v > pbft_of(n)->disk_version)   /* recovery: number on from the newest */
        pbft_of(n)->disk_version = best_v;
    return best;
}

void pbft_persist_view(dsim_node *n)
{
    pbft_state *s = pbft_of(n);
    view_rec r = {.view = s->view, .in_vc = s->in_vc};
    put(n, "view", &r, sizeof r);
}

/* A slot on disk: what this replica signed for it and its certificate;
** the others' prepares and commits are collected again. */
typedef struct slot_rec {
    uint64_t seq;
    uint32_t prepared_sent, commit_sent;   /* it multicast PREPARE / COMMIT */
    uint32_t has_cert, pad;
    pbft_pp pp;
    pbft_cert cert;                         /* only when has_cert */
} slot_rec;

void pbft_persist_slot(dsim_node *n, const pbft_slot *sl)
{
    char key[24];
    snprintf(key, sizeof key, "slot%d", (int)(sl->seq % PBFT_LOG_MAX));
    slot_rec r;
    memset(&r, 0, sizeof r);
    r.seq = sl->seq;
    r.prepared_sent = (sl->prep_mask >> dsim_id(n)) & 1u;
    r.commit_sent = sl->sent_commit;
    r.has_cert = sl->has_cert;
    r.pp = sl->pp;
    if (sl->has_cert)
        r.cert = sl->cert;
    put(n, key, &r, (uint32_t)(sl->has_cert ? sizeof r : offsetof(slot_rec, cert)));
}

static void restore_slot(dsim_node *n, pbft_slot *sl, const slot_rec *r)
{
    memset(sl, 0, sizeof *sl);
    sl->seq = r->seq;
    sl->has_pp = true;
    sl->pp = r->pp;
    sl->has_cert = r->has_cert;
    if (r->has_cert)
        sl->cert = r->cert;
    int me = dsim_id(n);
    if (r->prepared_sent) {   /* its own prepare, signed again: the same bytes */
        sl->prep[me] = (pbft_vote){.view = r->pp.view, .seq = r->seq, .digest = r->pp.digest,
                                   .from = me, .type = PBFT_MSG_PREPARE};
        if (pbft_is_byz(n, "bad_digest"))
            sl->prep[me].digest ^= 0xbad;
        pbft_sign_vote(n, &sl->prep[me]);
        sl->prep_mask |= 1u << me;
    }
    if (r->commit_sent) {
        sl->sent_commit = true;
        sl->commit_view[me] = r->pp.view;
        sl->commit_digest[me] = r->pp.digest;
        sl->commit_mask |= 1u << me;
    }
}

void pbft_persist_stable(dsim_node *n)
{
    pbft_state *s = pbft_of(n);
    const pbft_snap *sn = NULL;
    for (int i = 0; i < PBFT_SNAPS; i++)
        if (s->snaps[i].seq == s->stable)
            sn = &s->snaps[i];
    DSIM_ASSERT(sn != NULL);
    pbft_state_msg *m = calloc(1, sizeof *m);
    DSIM_ASSERT(m != NULL);
    m->seq = s->stable;
    m->digest = s->stable_digest;
    m->nproof = s->nproof;
    memcpy(m->proof, s->proof, sizeof m->proof);
    size_t used = dsim_kv_bytes(&sn->kv);
    memcpy(&m->kv, &sn->kv, used);
    put(n, "stable", m, (uint32_t)(offsetof(pbft_state_msg, kv) + used));
    free(m);
}

void pbft_persist_newview(dsim_node *n, const void *msg, uint32_t len)
{
    put(n, "newview", msg, len);
}

bool pbft_load_newview(dsim_node *n, void **msg, uint32_t *len)
{
    *msg = get2(n, "newview", DSIM_MSG_BYTES_MAX, len, NULL);
    return *msg != NULL;
}

void pbft_recover(dsim_node *n)
{
    pbft_state *s = pbft_of(n);
    uint32_t len;
    pbft_state_msg *m = get2(n, "stable", sizeof(pbft_state_msg), &len, NULL);
    pbft_state_msg *full = calloc(1, sizeof *full);
    DSIM_ASSERT(full != NULL);
    if (m && len > offsetof(pbft_state_msg, kv))
        memcpy(full, m, len);
    if (m && len > offsetof(pbft_state_msg, kv) &&
        dsim_kv_check(&full->kv, len - offsetof(pbft_state_msg, kv)) == 0) {
        pbft_install_state(n, full->seq, &full->kv);
        s->stable = full->seq;
        s->stable_digest = full->digest;
        s->nproof = full->nproof;
        memcpy(s->proof, full->proof, sizeof s->proof);
        s->state_transfers = 0;
    } else {
        dsim_kv_init(n, &s->kv, DSIM_KV_STRICT);   /* the workload's initial state (bank) */
    }
    free(full);
    free(m);
    view_rec *v = get2(n, "view", sizeof(view_rec), &len, NULL);
    bool in_vc = false;
    if (v && len == sizeof *v) {
        s->view = v->view;
        in_vc = v->in_vc;
    }
    free(v);
    for (int i = 0; i < PBFT_LOG_MAX; i++) {
        char key[24];
        snprintf(key, sizeof key, "slot%d", i);
        slot_rec *sl = get2(n, key, sizeof(slot_rec), &len, NULL);
        if (sl && (len == sizeof *sl || (len == offsetof(slot_rec, cert) && !sl->has_cert)) &&
            sl->seq > s->stable && sl->seq <= s->stable + (uint64_t)s->cfg.window &&
            sl->seq % PBFT_LOG_MAX == (uint64_t)i) {
            restore_slot(n, &s->log[i], sl);
            if (sl->pp.view > s->view)
                s->view = sl->pp.view;   /* a lost view record: never below what it signed */
            if (sl->pp.from == dsim_id(n) && sl->seq > s->seq_next)
                s->seq_next = sl->seq;
        }
        free(sl);
    }
    void *nv = get2(n, "newview", DSIM_MSG_BYTES_MAX, &len, NULL);
    free(nv);
    s->in_vc = in_vc;
    if (in_vc) {   /* send its view change again */
        s->view--;
        s->in_vc = false;
        pbft_start_view_change(n, s->view + 1);
    }
}

/*
** ml_persist.c — the replica on disk, and recovery from disk alone.
**
** What is synced: the whole replica (its CRDTs and vector clock), before a
** leader acknowledges a client and before a node acknowledges what it was
** sent, so an acknowledged update survives any crash. The replica is
** written as a record of its used parts only (the encoding below, also
** what a state message carries), alternating between two keys,
** "replica.0" and "replica.1", each with a generation number: a crash that
** tears the write in progress leaves the other slot, the last synced
** replica, intact. Recovery takes the valid slot with the higher
** generation; a read that fails its checksum is retried (a read fault
** passes, the data is intact), and a slot that stays corrupt (torn) or is
** missing is ignored.
**
** Encoding: a header (magic, tag counts, how many register, counter and
** LWW-counter keys follow, vector clock and dependencies), then each key
** that holds something (its index, its versions or its counter), then the
** set's and the cart's tags.
*/
#include <string.h>

#include "multileader.h"

#define ML_MAGIC 0x4d4c3032u   /* "ML02" */

typedef struct ml_header {
    uint32_t magic, set_n, cart_n, regs, cnts, cnt_lwws;
    vclock vc, deps;
} ml_header;

/* One register or counter key that holds something. */
typedef struct ml_keyhead {
    uint32_t key, n;   /* n: versions that follow (registers); 0 for a counter */
} ml_keyhead;

_Static_assert(sizeof(ml_header) == 24 + 2 * sizeof(vclock), "ml_header has no padding");
_Static_assert(sizeof(ml_rop) == 40 + sizeof(vclock), "ml_rop has no padding");
_Static_assert(sizeof(orset_tag) == 16, "orset_tag has no padding");
_Static_assert(sizeof(mv_version) == 24 + sizeof(vclock), "mv_version has no padding");

static uint32_t put(uint8_t *buf, uint32_t at, uint32_t cap, const void *p, size_t len)
{
    DSIM_ASSERT(at + len <= cap);
    memcpy(buf + at, p, len);
    return at + (uint32_t)len;
}

static bool counter_used(const pncounter *c)
{
    for (int i = 0; i < ML_NODES_MAX; i++)
        if (c->p[i] || c->n[i])
            return true;
    return false;
}

static uint32_t put_regs(const mvreg *regs, uint8_t *buf, uint32_t at, uint32_t cap, uint32_t *count)
{
    for (uint32_t k = 0; k < ML_KEYS; k++) {
        if (regs[k].n == 0)
            continue;
        ml_keyhead kh = {k, regs[k].n};
        at = put(buf, at, cap, &kh, sizeof kh);
        at = put(buf, at, cap, regs[k].v, regs[k].n * sizeof regs[k].v[0]);
        (*count)++;
    }
    return at;
}

uint32_t ml_encode(const ml_data *d, uint8_t *buf, uint32_t cap)
{
    ml_header h;
    memset(&h, 0, sizeof h);
    h.magic = ML_MAGIC;
    h.set_n = d->set.n;
    h.cart_n = d->cart.n;
    h.vc = d->vc;
    h.deps = d->deps;
    uint32_t at = sizeof h;
    at = put_regs(d->reg, buf, at, cap, &h.regs);
    for (uint32_t k = 0; k < ML_KEYS; k++) {
        if (!counter_used(&d->cnt[k]))
            continue;
        ml_keyhead kh = {k, 0};
        at = put(buf, at, cap, &kh, sizeof kh);
        at = put(buf, at, cap, &d->cnt[k], sizeof d->cnt[k]);
        h.cnts++;
    }
    at = put_regs(d->cnt_lww, buf, at, cap, &h.cnt_lwws);
    at = put(buf, at, cap, d->set.t, d->set.n * sizeof d->set.t[0]);
    at = put(buf, at, cap, d->cart.t, d->cart.n * sizeof d->cart.t[0]);
    put(buf, 0, cap, &h, sizeof h);
    return at;
}

static bool get(const uint8_t *buf, uint32_t len, uint32_t *at, void *p, size_t n)
{
    if (*at + n > len)
        return false;
    memcpy(p, buf + *at, n);
    *at += (uint32_t)n;
    return true;
}

static bool get_regs(const uint8_t *buf, uint32_t len, uint32_t *at, uint32_t count, mvreg *regs)
{
    for (uint32_t i = 0; i < count; i++) {
        ml_keyhead kh;
        if (!get(buf, len, at, &kh, sizeof kh) || kh.key >= ML_KEYS || kh.n == 0 || kh.n > ML_NODES_MAX ||
            regs[kh.key].n != 0 || !get(buf, len, at, regs[kh.key].v, kh.n * sizeof regs[0].v[0]))
            return false;
        regs[kh.key].n = kh.n;
    }
    return true;
}

bool ml_decode(const uint8_t *buf, uint32_t len, ml_data *d)
{
    ml_header h;
    uint32_t at = 0;
    memset(d, 0, sizeof *d);
    if (!get(buf, len, &at, &h, sizeof h) || h.magic != ML_MAGIC || h.set_n > ML_SET_TAGS ||
        h.cart_n > ML_SET_TAGS || h.regs > ML_KEYS || h.cnts > ML_KEYS || h.cnt_lwws > ML_KEYS)
        return false;
    d->vc = h.vc;
    d->deps = h.deps;
    d->set.n = h.set_n;
    d->cart.n = h.cart_n;
    bool ok = get_regs(buf, len, &at, h.regs, d->reg);
    for (uint32_t i = 0; ok && i < h.cnts; i++) {
        ml_keyhead kh;
        ok = get(buf, len, &at, &kh, sizeof kh) && kh.key < ML_KEYS &&
             get(buf, len, &at, &d->cnt[kh.key], sizeof d->cnt[0]);
    }
    ok = ok && get_regs(buf, len, &at, h.cnt_lwws, d->cnt_lww) &&
         get(buf, len, &at, d->set.t, h.set_n * sizeof d->set.t[0]) &&
         get(buf, len, &at, d->cart.t, h.cart_n * sizeof d->cart.t[0]) && at == len;
    if (!ok)
        memset(d, 0, sizeof *d);
    return ok;
}

bool ml_peek_vc(const uint8_t *buf, uint32_t len, vclock *vc)
{
    ml_header h;
    uint32_t at = 0;
    if (!get(buf, len, &at, &h, sizeof h) || h.magic != ML_MAGIC)
        return false;
    *vc = h.vc;
    return true;
}

static void slot_name(uint64_t gen, char *name)
{
    memcpy(name, gen % 2 ? "replica.1" : "replica.0", 10);
}

void ml_persist(dsim_node *n, ml_state *s)
{
    if (!s->dirty)
        return;
    uint64_t gen = s->gen + 1;
    memcpy(s->buf, &gen, sizeof gen);
    uint32_t len = ml_encode(&s->d, s->buf + sizeof gen, (uint32_t)(sizeof s->buf - sizeof gen));
    char name[16];
    slot_name(gen, name);
    dsim_disk_put(n, name, s->buf, len + (uint32_t)sizeof gen);
    dsim_disk_sync(n);
    s->gen = gen;
    s->dirty = false;
}

void ml_recover(dsim_node *n, ml_state *s)
{
    uint64_t best = 0;
    for (int slot = 0; slot < 2; slot++) {
        uint32_t len;
        uint64_t gen;
        char name[16];
        slot_name((uint64_t)slot, name);
        int rc = dsim_disk_get_retry(n, name, s->buf, sizeof s->buf, &len);
        if (rc != DSIM_DISK_OK || len < sizeof gen)
            continue;   /* missing, or torn: that write was never synced */
        memcpy(&gen, s->buf, sizeof gen);
        ml_data d;
        if (gen <= best || !ml_decode(s->buf + sizeof gen, len - (uint32_t)sizeof gen, &d))
            continue;
        best = gen;
        s->d = d;
    }
    s->gen = best;
}

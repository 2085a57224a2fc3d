/*
** ml_apply.c — updates and merges on a replica.
**
** 'ml_apply' is the one way an update enters a replica, local or remote:
** it checks the update is the next of its origin, merges it into the key's
** CRDT, and advances the vector clock. 'ml_merge' joins a whole replica
** received from a peer. Both are joins of the same lattices (crdt.h), so
** a replica's content depends only on the set of updates it holds, which
** its vector clock names.
*/
#include <stdio.h>
#include <string.h>

#include "multileader.h"

void ml_conf_read(dsim_node *n, ml_conf *c)
{
    memset(c, 0, sizeof *c);
    c->dcs = (int)dsim_opt_int(n, "dcs");
    const char *t = dsim_opt_str(n, "topology");
    c->topology = strcmp(t, "ring") == 0 ? TOPO_RING : strcmp(t, "star") == 0 ? TOPO_STAR : TOPO_ALL;
    const char *r = dsim_opt_str(n, "resolve");
    c->resolve = strcmp(r, "lww") == 0 ? RES_LWW : strcmp(r, "merge") == 0 ? RES_MERGE : RES_CRDT;
    c->gcounter = strcmp(dsim_opt_str(n, "counter"), "g") == 0;
    c->counters = strcmp(dsim_opt_str(n, "data"), "counters") == 0;
    c->ops = strcmp(dsim_opt_str(n, "delivery"), "ops") == 0;
    c->causal = dsim_opt_bool(n, "causal");
    c->gossip_ns = dsim_opt_ms(n, "gossip");
    c->bug_remove_wins = dsim_bug(n, "orset_remove_wins");
    c->bug_sum_merge = dsim_bug(n, "gcounter_sum_merge");
    c->bug_causal_skip = dsim_bug(n, "causal_skip");
    int nodes = dsim_cluster_size(n);
    for (int d = 0; d < ML_NODES_MAX; d++)
        c->leader[d] = d < c->dcs ? d * nodes / c->dcs : -1;
}

static mv_version version_of(const ml_rop *r)
{
    mv_version v;
    memset(&v, 0, sizeof v);
    v.value = r->value;
    v.wall = r->wall;
    v.node = r->origin;
    v.seq = r->seq;
    v.vc = r->deps;
    v.vc.c[r->origin] = r->seq;
    return v;
}

/* An LWW merge of one version; counts and reports a write lost that the
** winner had not seen (a concurrent one, or a later one with a slower clock). */
static void lww_apply(dsim_node *n, ml_state *s, mvreg *reg, const mv_version *v, uint32_t key)
{
    mv_version old = reg->v[0];
    bool had = reg->n == 1;
    bool won = lww_merge_version(reg, v);
    const mv_version *loser = won ? &old : v;
    vc_order o = had ? vc_compare(&loser->vc, won ? &v->vc : &old.vc) : VC_EQUAL;
    if (o == VC_BEFORE || o == VC_EQUAL)
        return;   /* nothing was lost, or only what the winner had seen */
    s->lww_lost++;
    dsim_emit(n, "lww_lost", json_pack("{s:i, s:I, s:I, s:i}", "key", (int)key,
                                       "lost", (json_int_t)loser->value,
                                       "kept", (json_int_t)reg->v[0].value,
                                       "writer", (int)loser->node + 1));
}

bool ml_apply(dsim_node *n, ml_state *s, const ml_rop *r)
{
    ml_data *d = &s->d;
    DSIM_ASSERT(r->origin < ML_NODES_MAX);
    DSIM_ASSERT(r->seq == d->vc.c[r->origin] + 1);
    DSIM_ASSERT(r->key < ML_KEYS);
    mv_version v = version_of(r);
    pncounter delta;
    vclock ctx;
    switch (r->kind) {
    case ROP_REG:
        if (s->conf.resolve == RES_LWW)
            lww_apply(n, s, &d->reg[r->key], &v, r->key);
        else {
            uint32_t before = d->reg[r->key].n;
            mv_merge_version(&d->reg[r->key], &v);
            if (d->reg[r->key].n > 1 && d->reg[r->key].n > before)
                dsim_emit(n, "siblings", json_pack("{s:i, s:i}", "key", (int)r->key,
                                                   "count", (int)d->reg[r->key].n));
        }
        break;
    case ROP_CNT_LWW:
        lww_apply(n, s, &d->cnt_lww[r->key], &v, r->key);
        break;
    case ROP_CNT:
        memset(&delta, 0, sizeof delta);
        delta.p[r->origin] = r->value;
        delta.n[r->origin] = r->value2;
        pn_merge(&d->cnt[r->key], &delta, s->conf.bug_sum_merge);
        break;
    case ROP_SET_ADD:
    case ROP_CART_ADD:
        if (!orset_add(r->kind == ROP_SET_ADD ? &d->set : &d->cart, r->value, r->origin, r->seq))
            return false;
        break;
    case ROP_SET_REM:
    case ROP_CART_REM:
        ctx = r->deps;
        ctx.c[r->origin] = r->seq;
        orset_remove(r->kind == ROP_SET_REM ? &d->set : &d->cart, r->value, &ctx);
        break;
    default:
        DSIM_ASSERT(!"unknown update kind");
    }
    d->vc.c[r->origin] = r->seq;
    vc_join(&d->deps, &r->deps);
    s->applied++;
    s->dirty = true;
    return true;
}

void ml_merge(dsim_node *n, ml_state *s, const ml_data *o)
{
    ml_data *d = &s->d;
    if (vc_leq(&o->vc, &d->vc))
        return;   /* nothing new */
    for (int k = 0; k < ML_KEYS; k++) {
        if (s->conf.resolve == RES_LWW) {
            if (o->reg[k].n == 1)
                lww_apply(n, s, &d->reg[k], &o->reg[k].v[0], (uint32_t)k);
        } else {
            uint32_t before = d->reg[k].n;
            mv_merge(&d->reg[k], &o->reg[k]);
            if (d->reg[k].n > 1 && d->reg[k].n > before)
                dsim_emit(n, "siblings", json_pack("{s:i, s:i}", "key", k, "count", (int)d->reg[k].n));
        }
        if (o->cnt_lww[k].n == 1)
            lww_apply(n, s, &d->cnt_lww[k], &o->cnt_lww[k].v[0], (uint32_t)k);
        pn_merge(&d->cnt[k], &o->cnt[k], s->conf.bug_sum_merge);
    }
    /* a union that does not fit is left out whole; the vector clock then
    ** may not advance either, so nothing claims to hold what it lacks */
    bool fits = orset_merge(&d->set, &o->set, s->conf.bug_remove_wins);
    fits = orset_merge(&d->cart, &o->cart, s->conf.bug_remove_wins) && fits;
    if (fits)
        vc_join(&d->vc, &o->vc);
    vc_join(&d->deps, &o->deps);
    s->merges++;
    s->dirty = true;
}

bool ml_deliverable(const ml_state *s, const ml_rop *r)
{
    const vclock *vc = &s->d.vc;
    if (r->seq != vc->c[r->origin] + 1)
        return false;
    if (!s->conf.causal)
        return true;
    for (uint32_t k = 0; k < ML_NODES_MAX; k++) {
        if (k == r->origin)
            continue;
        /* causal_skip: an off-by-one lets one missing dependency through */
        uint32_t have = vc->c[k] + (s->conf.bug_causal_skip ? 1 : 0);
        if (r->deps.c[k] > have)
            return false;
    }
    return true;
}

void ml_kv(const ml_data *d, json_t *kv)
{
    char name[16];
    for (int k = 0; k < ML_KEYS; k++) {
        if (d->reg[k].n > 0) {
            json_t *sib = json_array();
            for (uint32_t i = 0; i < d->reg[k].n; i++)
                json_array_append_new(sib, json_integer((json_int_t)d->reg[k].v[i].value));
            snprintf(name, sizeof name, "k%d", k);
            json_object_set_new(kv, name, d->reg[k].n == 1 ? json_integer(
                (json_int_t)d->reg[k].v[0].value) : sib);
            if (d->reg[k].n == 1)
                json_decref(sib);
        }
        pncounter zero;
        memset(&zero, 0, sizeof zero);
        if (memcmp(&d->cnt[k], &zero, sizeof zero) != 0 || d->cnt_lww[k].n > 0) {
            snprintf(name, sizeof name, "c%d", k);
            json_object_set_new(kv, name, json_integer((json_int_t)(pn_value(&d->cnt[k]) +
                                mv_read(&d->cnt_lww[k], 0))));
        }
    }
    int64_t elems[ML_SET_TAGS];
    const orset *sets[2] = {&d->set, &d->cart};
    const char *names[2] = {"set", "cart"};
    for (int i = 0; i < 2; i++) {
        if (sets[i]->n == 0)
            continue;
        uint32_t m = orset_read(sets[i], elems);
        json_t *a = json_array();
        for (uint32_t j = 0; j < m; j++)
            json_array_append_new(a, json_integer((json_int_t)elems[j]));
        json_object_set_new(kv, names[i], a);
    }
}
